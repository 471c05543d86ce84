"""Benchmark: from typing ``kubecopilot`` to a usable prompt, offline, with the built-in sandbox started as a child.

Each run starts the real command in a pseudo-terminal with a fresh home and no LLM key, waits until the prompt is
drawn, then presses Ctrl-D and waits for the exit (so the sandbox child is cleaned up before the next run). Reported:
the median time to the prompt (target ≤ 1.5 s), the median exit time, and ``python -c "import crewai"`` for
reference — the REPL must not pay that before its prompt (it is warmed in the background when an LLM is set).

Run: ``uv run python benchmarks/startup.py [runs]`` (prints a table) or call ``measure()`` (returns a dict).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

TARGET_PROMPT_S = 1.5
PROMPT_MARK = "❯".encode()
TIMEOUT_S = 30.0


def clean_env(home: str) -> dict[str, str]:
    """No LLM key, no configured server (so the sandbox starts), a throwaway home, a normal terminal."""
    # PYTHONDONTWRITEBYTECODE would make every run compile all ~900 modules from source (about 1 s here): a real
    # installation caches bytecode after its first run, which the warm-up run below does.
    drop = {"OPENROUTER_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "KUBECOPILOT_MODEL",
            "KUBECOPILOT_MCP_URL", "KUBECOPILOT_MCP_COMMAND", "NO_COLOR", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"HOME": home, "KUBECOPILOT_HOME": os.path.join(home, "kubecopilot"), "TERM": "xterm-256color",
                "COLUMNS": "120", "LINES": "40", "PROMPT_TOOLKIT_NO_CPR": "1"})  # a pty answers no CPR request
    return env


def read_until(fd: int, mark: bytes, deadline: float) -> bytes:
    seen = b""
    while mark not in seen:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"no {mark!r} within {TIMEOUT_S:.0f} s; output so far:\n{seen.decode(errors='replace')}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def one_run(command: list[str]) -> dict[str, float]:
    """Seconds to the prompt and from Ctrl-D to exit, for one start of ``command`` in a pseudo-terminal."""
    with tempfile.TemporaryDirectory() as home:
        controller, terminal = pty.openpty()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal, env=clean_env(home),
                                   cwd=home, start_new_session=True)
        os.close(terminal)
        try:
            read_until(controller, PROMPT_MARK, started + TIMEOUT_S)
            prompt_s = time.perf_counter() - started
            os.write(controller, b"\x04")  # Ctrl-D
            leaving = time.perf_counter()
            _drain_until_exit(controller, process)
            exit_s = time.perf_counter() - leaving
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            os.close(controller)
    return {"prompt_s": prompt_s, "exit_s": exit_s, "returncode": float(process.returncode)}


def _drain_until_exit(fd: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while process.poll() is None and time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                break
    process.wait(max(0.0, deadline - time.perf_counter()))


def import_crewai_s(runs: int = 3) -> float:
    env = {**os.environ, "CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_TRACING_ENABLED": "false",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measured like the start-up: with cached bytecode
    subprocess.run([sys.executable, "-c", "import crewai"], env=env, check=True, capture_output=True)  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import crewai"], env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(runs: int = 5, crewai_runs: int = 3) -> dict[str, Any]:
    command = [sys.executable, "-m", "kubecopilot"]
    one_run(command)  # warm the OS file cache; not counted
    results = [one_run(command) for _ in range(runs)]
    prompt = statistics.median(r["prompt_s"] for r in results)
    return {
        "runs": runs,
        "prompt_s_median": prompt,
        "prompt_s_min": min(r["prompt_s"] for r in results),
        "prompt_s_max": max(r["prompt_s"] for r in results),
        "exit_s_median": statistics.median(r["exit_s"] for r in results),
        "clean_exits": sum(1 for r in results if r["returncode"] == 0),
        "import_crewai_s": import_crewai_s(crewai_runs) if crewai_runs else None,
        "target_prompt_s": TARGET_PROMPT_S,
        "meets_target": prompt <= TARGET_PROMPT_S,
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    m = measure(runs)
    print(f"kubecopilot → prompt (offline, sandbox child included), median of {m['runs']}: "
          f"{m['prompt_s_median']:.2f} s  (min {m['prompt_s_min']:.2f}, max {m['prompt_s_max']:.2f}; "
          f"target ≤ {m['target_prompt_s']} s: {'met' if m['meets_target'] else 'NOT met'})")
    print(f"Ctrl-D → exit, sandbox stopped: {m['exit_s_median']:.2f} s  ({m['clean_exits']}/{m['runs']} exit code 0)")
    if m["import_crewai_s"] is not None:
        print(f'reference: python -c "import crewai": {m["import_crewai_s"]:.2f} s (not paid before the prompt)')


if __name__ == "__main__":
    main()
