"""In a terminal the prompt comes first and the connection behind it: a real ``kubecopilot`` in a pseudo-terminal,
against the sandbox behind a gate the test opens — so "the server has not answered yet" is a state, not a race."""

from __future__ import annotations

import contextlib
import os
import pty
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from .test_process import read_until

KUBECOPILOT = [sys.executable, "-m", "kubecopilot"]
WAIT_S = 60.0
PROMPT = "❯".encode()


class Gate:
    """A TCP proxy to ``target`` that holds every connection until ``open()``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.opened = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def open(self) -> None:
        self.opened.set()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self.opened.wait(WAIT_S)
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def close(self) -> None:
        self.opened.set()
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def terminal(*argv: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    controller, child = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120", "LINES": "40", "PROMPT_TOOLKIT_NO_CPR": "1"}
    process = subprocess.Popen([*KUBECOPILOT, *argv], stdin=child, stdout=child, stderr=child, env=env,
                               start_new_session=True)
    os.close(child)
    try:
        yield controller, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(controller)


@pytest.fixture
def gate(shared_sandbox):
    port = int(shared_sandbox.url.rsplit(":", 1)[1].split("/", 1)[0])
    gate = Gate(port)
    yield gate
    gate.close()


def test_the_prompt_is_up_before_the_server_answers_and_a_line_typed_then_waits_for_it(gate):
    with terminal("--mcp-url", f"http://127.0.0.1:{gate.port}/sse", "--offline") as (fd, process):
        seen = read_until(fd, PROMPT)
        assert b"connecting to the MCP server" in seen and b"Quick commands" not in seen  # nothing answered yet
        os.write(fd, b"3\r")  # list namespaces, typed before the server answered
        gate.open()
        seen = read_until(fd, b"Namespaces", seen)
        banner, menu, answer = seen.index(b"51 tools"), seen.index(b"Refresh cache"), seen.index(b"Namespaces")
        assert banner < menu < answer  # the banner and the menu first, then the answer to the early line
        seen = read_until(fd, b"production", seen)
        read_until(fd, PROMPT, seen[seen.index(b"production"):])  # Ctrl-D only counts at a prompt (else: cooked mode)
        os.write(fd, b"\x04")
        read_until(fd, b"Bye.", seen)
        assert process.wait(WAIT_S) == 0


def test_ctrl_d_before_the_server_answered_leaves_once_it_can_close(gate):
    with terminal("--mcp-url", f"http://127.0.0.1:{gate.port}/sse", "--offline") as (fd, process):
        read_until(fd, PROMPT)
        os.write(fd, b"\x04")
        gate.open()
        read_until(fd, b"Bye.")
        assert process.wait(WAIT_S) == 0


def test_a_server_that_cannot_be_reached_ends_the_prompt_with_the_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with terminal("--mcp-url", f"http://127.0.0.1:{closed}/sse", "--offline") as (fd, process):
        seen = read_until(fd, b"cannot reach the MCP server")
        assert PROMPT in seen  # it came first
        assert process.wait(WAIT_S) == 69


class Finished:
    """An opening that already finished (or failed)."""

    def __init__(self, failed: BaseException | None = None) -> None:
        self.failed = failed


@pytest.mark.parametrize("failed", [None, ConnectionError("refused")], ids=["opened", "failed"])
def test_an_opening_that_finished_before_the_prompt_is_acted_on_when_the_prompt_is_drawn(failed):
    from kubecopilot.commands.first_prompt import FirstPrompt

    state, seen = FirstPrompt(console=None), []
    state._tell = lambda opening: seen.append("told")
    state._complete_from = lambda opening: seen.append("completion")
    state._end_prompt = lambda: seen.append("prompt ended")
    state.opened(Finished(failed))  # in the opening thread, before prompt-toolkit drew the prompt
    assert seen == []
    state.prompt_shown()
    assert seen == (["prompt ended"] if failed else ["completion", "told"])
