"""Benchmark: resident memory of the REPL process, offline at its first prompt and after the crew is loaded.

Each run is a fresh child process (``--child``) that does what ``kubecopilot`` does — open the App (which starts
the built-in sandbox as its own child process), show the banner and menu, and wait at the prompt-toolkit prompt —
then reads its VmRSS from /proc/self/status. It leaves the prompt with Ctrl-D, builds the crew
(``CrewBrain.warm_up()``: import crewAI, build agents and tools) and reads VmRSS again. The sandbox child is a
separate process; its RSS is reported on its own.

Run: ``uv run python benchmarks/memory.py [runs]`` or call ``measure()`` (returns a dict of medians).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import rss_mb

TIMEOUT_S = 120.0


def child() -> dict[str, float]:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from rich.console import Console

    from kubecopilot.commands.repl import open_app, start_repl
    from kubecopilot.config import load_settings

    settings = load_settings({"offline": True})
    console = Console(file=io.StringIO(), width=120)
    app = open_app(settings, console)
    seen: dict[str, float] = {}
    try:
        with create_pipe_input() as pipe:
            def at_prompt(repl: Any) -> None:
                if "rss_offline_mb" not in seen:
                    seen["rss_offline_mb"] = rss_mb()
                    pipe.send_text("\x04")  # Ctrl-D: leave the REPL

            start_repl(app, console, settings, interactive=True, input=pipe, output=DummyOutput(), on_ready=at_prompt)
        seen["rss_sandbox_mb"] = _rss_of(app.sandbox.process.pid) if app.sandbox else 0.0
        _load_crew(app)
        seen["rss_crew_mb"] = rss_mb()
    finally:
        app.close()
    return seen


def _load_crew(app: Any) -> None:
    from crewai import LLM

    from kubecopilot.crew.brain import CrewBrain

    llm = LLM(model="openai/bench-model", base_url="http://127.0.0.1:9/v1", api_key="sk-bench-not-real")  # never called
    CrewBrain(app.settings, app.gateway, app.sanitizer, llm=llm).warm_up()
    app.brain = None


def _rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def one_run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="kubecopilot-bench-") as home:
        drop = {"OPENROUTER_API_KEY", "OPENAI_API_KEY", "KUBECOPILOT_MODEL", "KUBECOPILOT_MCP_URL"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update({"HOME": home, "KUBECOPILOT_HOME": str(Path(home) / "kubecopilot")})
        done = subprocess.run([sys.executable, __file__, "--child"], env=env, cwd=home, capture_output=True,
                              text=True, check=False, timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"memory child failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(runs: int = 3) -> dict[str, Any]:
    results = [one_run() for _ in range(runs)]
    medians = {key: statistics.median(r[key] for r in results) for key in results[0]}
    return {**medians, "runs": runs}


def main() -> int:
    if sys.argv[1:] == ["--child"]:
        print(json.dumps(child()))
        return 0
    result = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    print(f"REPL process at its first prompt, offline: {result['rss_offline_mb']:.0f} MB RSS "
          f"(sandbox child: {result['rss_sandbox_mb']:.0f} MB)")
    print(f"after the crew is loaded (crewAI imported, agents built): {result['rss_crew_mb']:.0f} MB RSS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
