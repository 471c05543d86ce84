"""Benchmark: the held-out conversations, scored offline against the default sandbox.

The set (``tests/dialogue/heldout/conversations.yaml``) was written before the dialogue work by someone who read only
the README and the sandbox's scenario; it is never edited after a run and never tuned on: it is scored at the end of a
piece of work and reported in docs/dialogue.md beside the utterance table the rules are tuned on. Each conversation
starts on a fresh world and session; a case passes when every expectation of every turn holds.

Run: ``uv run python benchmarks/heldout.py [--file F] [--failures] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from common import HERE, isolated_home  # benchmarks/ is on sys.path: these scripts run from it

SET = HERE.parent / "tests" / "dialogue" / "heldout" / "conversations.yaml"


def measure(path: Path = SET) -> dict[str, Any]:
    from kubecopilot.sandbox.runner import start_sandbox
    from kubecopilot.testing.conversations import load_conversations, run_conversation

    cases = load_conversations(path)
    with isolated_home(), start_sandbox("default", port=0) as handle:
        outcomes = [run_conversation(case, handle) for case in cases]
    passed = Counter(o.theme for o in outcomes if o.passed)
    total = Counter(o.theme for o in outcomes)
    by_lang = {lang: f"{sum(o.passed for o in outcomes if o.lang == lang)}/{sum(o.lang == lang for o in outcomes)}"
               for lang in sorted({o.lang for o in outcomes})}
    return {"file": str(path.relative_to(HERE.parent)) if path.is_relative_to(HERE.parent) else str(path),
            "passed": sum(o.passed for o in outcomes), "cases": len(outcomes),
            "by_theme": {t: f"{passed[t]}/{n}" for t, n in sorted(total.items())}, "by_language": by_lang,
            "failures": {o.id: o.failures for o in outcomes if not o.passed}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=SET)
    parser.add_argument("--failures", action="store_true", help="print why each failing case failed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.file)
    if args.json:
        print(json.dumps(result if args.failures else {k: v for k, v in result.items() if k != "failures"},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"held-out conversations: {result['passed']}/{result['cases']} passed ({result['file']})")
    print("  by theme:    " + ", ".join(f"{t} {s}" for t, s in result["by_theme"].items()))
    print("  by language: " + ", ".join(f"{t} {s}" for t, s in result["by_language"].items()))
    if args.failures:
        for case, failures in result["failures"].items():
            print(f"\n{case}:\n  " + "\n  ".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
