"""A model call the deadline abandoned that is answered while the process exits prints nothing: crewAI would print
"[CrewAIEventsBus] Warning: Attempted to emit event during shutdown" (or a traceback) after the REPL's "Bye.".

First a real process whose "model library" prints from the abandoned call during its exit handlers (as crewAI's
event bus does when the reply lands while it shuts down): deterministic, driven by events and a fake clock. Then the
REPL itself with the stub holding its reply until "Bye." (the reply lands somewhere in the exit; the turn's deadline
is the product's own 1 s of real time, and the test waits on output and events, never on a timer).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from kubecopilot.testing.openai_stub import OpenAIStub, RecordedRequest

KUBECOPILOT = [sys.executable, "-m", "kubecopilot"]


def read_until(stream, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        line = stream.readline()
        assert line, f"output ended before {marker!r}:\n{seen.decode(errors='replace')}"
        seen += line
    return seen


LATE_REPLY_AT_EXIT = """
import atexit, threading
from kubecopilot.dialogue.deadline import Deadline, call_within
from kubecopilot.errors import LLMTooSlow
from kubecopilot.testing.clock import FakeClock

clock, reply, printed = FakeClock(), threading.Event(), threading.Event()

def model_library_shutting_down():  # registered at import, like crewAI's event bus: runs after ours
    reply.set()
    printed.wait(30)

atexit.register(model_library_shutting_down)

def slow_model():
    clock.advance(60)
    reply.wait(30)
    print("[CrewAIEventsBus] Warning: Attempted to emit event during shutdown. Ignoring.", flush=True)
    import sys; print("Traceback (most recent call last): ...", file=sys.stderr, flush=True)
    printed.set()

try:
    call_within(slow_model, Deadline(45, clock), "asking the diagnostician")
except LLMTooSlow:
    print("too slow; Bye.", flush=True)
"""


def test_an_abandoned_call_printing_during_exit_reaches_no_terminal():
    done = subprocess.run([sys.executable, "-c", LATE_REPLY_AT_EXIT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "too slow; Bye.\n" and done.stderr == "", (done.stdout, done.stderr)


def wait_until_the_model_is_loaded(repl: subprocess.Popen[bytes]) -> None:
    """Ask ``/model`` until its status is no longer "loading" (a poll on the REPL's own answer, bounded by it)."""
    for _ in range(10_000):
        repl.stdin.write(b"/model\n")
        repl.stdin.flush()
        status = read_until(repl.stdout, b"status: ").rsplit(b"status: ", 1)[1]  # whole lines: the rest of it
        if not status.startswith(b"loading"):
            assert status.startswith(b"ready"), status
            return
    raise AssertionError("the model never finished loading")


def test_a_late_reply_during_the_repl_exit_prints_nothing_and_asks_nothing_more(shared_sandbox):
    released = threading.Event()

    def answers_when_the_repl_has_quit(request: RecordedRequest) -> str:
        released.wait(60)
        return "sure! here is the diagnosis"  # crewAI goes on with it: events, a guardrail retry (blocked)

    with OpenAIStub(policy=answers_when_the_repl_has_quit) as stub:
        env = {**os.environ, "KUBECOPILOT_MODEL": "openai/stub-model", "KUBECOPILOT_LLM_BASE_URL": stub.base_url,
               "OPENAI_API_KEY": "sk-test-not-real", "KUBECOPILOT_TURN_DEADLINE": "1"}
        repl = subprocess.Popen([*KUBECOPILOT, "--mcp-url", shared_sandbox.url], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            wait_until_the_model_is_loaded(repl)  # a question typed while it loads is answered by the rules at once
            repl.stdin.write(b"why is report-worker crashing?\n")
            repl.stdin.flush()
            read_until(repl.stdout, b"too slow")
            repl.stdin.write(b"/quit\n")
            repl.stdin.flush()
            read_until(repl.stdout, b"Bye.")
            released.set()
            after_bye, stderr = repl.communicate(timeout=60)
        finally:
            released.set()
            if repl.poll() is None:
                repl.kill()
    # At most the request the abandoned call had already started (leaving may come before crewAI even sent it); none
    # after it, and a clean exit code (Python 3.11 used to abort now and then: -6).
    assert len(stub.requests) <= 1 and repl.returncode == 0, (len(stub.requests), repl.returncode)
    assert after_bye.strip() == b"", after_bye.decode(errors="replace")
    assert b"CrewAIEventsBus" not in stderr and b"Traceback" not in stderr, stderr.decode(errors="replace")


LEAVE_WITH_A_CALL_RUNNING = """
import atexit, sys, threading
from kubecopilot import cli
from kubecopilot.dialogue.deadline import Deadline, call_within
from kubecopilot.errors import LLMTooSlow
from kubecopilot.testing.clock import FakeClock

def note(line):  # to a file: at exit, the silencing of a late call sends stdout to /dev/null
    with open(OUT, "a") as f:
        f.write(line + "\\n")

threading._register_atexit(note, "finalized")  # runs when the interpreter shuts down (never after os._exit)
atexit.register(note, "exit handlers ran")
clock, never = FakeClock(), threading.Event()

def running_model_call() -> None:
    clock.advance(60)
    never.wait()

def main() -> int:
    if ABANDON:
        try:
            call_within(running_model_call, Deadline(45, clock), "asking the diagnostician")
        except LLMTooSlow:
            pass
    return 7

cli.main = main
cli.entry()
"""


def test_leaving_with_an_abandoned_call_still_running_skips_finalization_not_the_exit_handlers(tmp_path):
    """Python 3.11 aborts (SIGABRT) when it finalizes while such a thread is inside native code: leave before that."""
    for abandon, finalized in ((True, False), (False, True)):
        out = tmp_path / f"abandon-{abandon}.txt"
        code = f"ABANDON, OUT = {abandon}, {str(out)!r}\n{LEAVE_WITH_A_CALL_RUNNING}"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        said = out.read_text() if out.exists() else ""
        assert done.returncode == 7, done.stderr
        assert "exit handlers ran" in said and ("finalized" in said) is finalized, (abandon, said)
