"""``kubecopilot`` as a real process: piped input line by line, and the sandbox child it starts when no server is
configured is stopped on every way out (exit, SIGTERM, Ctrl-C twice in a real terminal)."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time

KUBECOPILOT = [sys.executable, "-m", "kubecopilot"]
URL = re.compile(rb"http://127\.0\.0\.1:(\d+)/sse")
WAIT_S = 60.0


def read_until(fd: int, marker: bytes, seen: bytes = b"") -> bytes:
    """Read ``fd`` until ``marker`` appears (select with a deadline: no sleeping)."""
    deadline = time.monotonic() + WAIT_S
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"{marker!r} did not appear; got:\n{seen.decode(errors='replace')}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # a pty reports EIO once the other side is gone
            chunk = b""
        if not chunk:
            raise AssertionError(f"output ended before {marker!r}:\n{seen.decode(errors='replace')}")
        seen += chunk
    return seen


def port_is_closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def sandbox_port(output: bytes) -> int:
    match = URL.search(output)
    assert match, output.decode(errors="replace")
    return int(match.group(1))


def test_piped_input_runs_line_by_line_against_a_configured_server(shared_sandbox):
    done = subprocess.run([*KUBECOPILOT, "--mcp-url", shared_sandbox.url],
                          input="3\nshow logs of cart-service\n2\n/quit\n",
                          capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"MCP      {shared_sandbox.url}" in out and "the built-in sandbox" not in out
    assert "❯ 3\nNamespaces" in out
    assert "(namespace) ❯ 2\n" in out and "(pod) ❯ " in out  # "2" picked dev; now it asks for the pod
    assert out.rstrip().endswith("Bye.")


def test_the_sandbox_child_is_stopped_when_the_repl_exits():
    done = subprocess.run(KUBECOPILOT, input=b"exit\n", capture_output=True, timeout=WAIT_S)
    assert done.returncode == 0, done.stderr
    assert b"the built-in sandbox, started for this session" in done.stdout
    assert port_is_closed(sandbox_port(done.stdout))


def test_sigterm_stops_the_sandbox_child_too():
    process = subprocess.Popen(KUBECOPILOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        banner = read_until(process.stdout.fileno(), b"Refresh cache")  # the menu: it now waits for input
        port = sandbox_port(banner)
        assert not port_is_closed(port)
        process.send_signal(signal.SIGTERM)
        assert process.wait(WAIT_S) == 128 + signal.SIGTERM
        assert port_is_closed(port)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_in_a_terminal_ctrl_c_twice_on_an_empty_prompt_leaves_and_stops_the_sandbox():
    controller, terminal = pty.openpty()
    # No terminal emulator answers prompt-toolkit's cursor position requests here.
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100", "LINES": "30", "PROMPT_TOOLKIT_NO_CPR": "1"}
    process = subprocess.Popen(KUBECOPILOT, stdin=terminal, stdout=terminal, stderr=terminal, env=env,
                               start_new_session=True)
    os.close(terminal)
    try:
        seen = read_until(controller, "❯".encode())  # the prompt comes first; the sandbox starts behind it
        seen = read_until(controller, b"Refresh cache", seen)  # then the banner and the menu, above the prompt
        port = sandbox_port(seen)
        seen = read_until(controller, "❯".encode(), seen[seen.index(b"Refresh cache"):])  # the prompt, redrawn
        os.write(controller, b"\x03")
        seen = read_until(controller, b"Ctrl-C again", seen)
        # Press it again once the prompt is back, as a person would: between two prompts the terminal is in
        # cooked mode and the key arrives as a signal while prompt-toolkit swaps its handler in.
        seen = read_until(controller, "❯".encode(), seen[seen.index(b"Ctrl-C again"):])
        os.write(controller, b"\x03")
        read_until(controller, b"Bye.", seen)
        assert process.wait(WAIT_S) == 0
        assert port_is_closed(port)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(controller)
