"""A tiny OpenAI-compatible chat-completions server on 127.0.0.1 that replays scripted replies — or misbehaves.

Each request takes the next reply from a script (or from a ``policy(request) -> reply`` function). A reply is

- a string: the assistant's content;
- a list of tool calls ``[{"name": …, "arguments": {…}}]``;
- an HTTP error ``{"status": 500, "message": …}``; ``echo_key=True`` puts the caller's API key in the message,
  as some providers do on a 401 ("Incorrect API key provided: sk-…");
- ``{"raw": "<html>…", "status": 200}``: this body verbatim (a proxy's error page, a truncated reply);
- ``{"delay": seconds, "then": reply}``: answer late (a slow model; the client's timeout should fire first).
  The stub waits on an event that ``stop()`` sets, so a test never waits for a delay to run out.

The helpers below build these. Every request body and its headers are recorded, with a prompt-token estimate,
so tests can count requests (retries) and assert what the model was sent, and benchmarks can compare prompt sizes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | list[dict[str, Any]] | dict[str, Any]


def estimate_tokens(payload: Any) -> int:
    """~4 characters per token: crude, but the same ruler for every side of a comparison (no tokenizer download)."""
    return max(1, len(json.dumps(payload, ensure_ascii=False)) // 4)


# --- replies a hostile or broken model gives -------------------------------------------------------------------


def http_error(status: int, message: str = "scripted failure", *, echo_key: bool = False) -> dict[str, Any]:
    return {"status": status, "message": message, "echo_key": echo_key}


def raw_body(body: str, status: int = 200, content_type: str = "application/json") -> dict[str, Any]:
    return {"raw": body, "status": status, "content_type": content_type}


def slow(seconds: float, then: Reply = "") -> dict[str, Any]:
    return {"delay": seconds, "then": then}


def tool_call(name: str, **arguments: Any) -> list[dict[str, Any]]:
    return [{"name": name, "arguments": arguments}]


def always(reply: Reply) -> Callable[[RecordedRequest], Reply]:
    """A policy giving the same reply to every request (e.g. a tool call, forever)."""
    return lambda request: reply


@dataclass
class RecordedRequest:
    body: dict[str, Any]
    prompt_tokens: int
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body.get("messages", [])
        return messages

    @property
    def tool_names(self) -> list[str]:
        return [t.get("function", {}).get("name", "") for t in self.body.get("tools") or []]

    @property
    def api_key(self) -> str:
        return self.headers.get("authorization", "").removeprefix("Bearer ").strip()

    def text(self) -> str:
        return "\n".join(str(m.get("content") or "") for m in self.messages)


@dataclass
class OpenAIStub:
    script: list[Reply] = field(default_factory=list)
    policy: Callable[[RecordedRequest], Reply] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the stub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    stub._answer(self, body, headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): that is the point of a slow reply

            def log_message(self, *args: Any) -> None:
                return

        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases slow replies still waiting
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def prompt_tokens(self) -> int:
        return sum(r.prompt_tokens for r in self.requests)

    def _answer(self, handler: BaseHTTPRequestHandler, body: dict[str, Any], headers: dict[str, str]) -> None:
        prompt = {"messages": body.get("messages"), "tools": body.get("tools")}
        request = RecordedRequest(body=body, prompt_tokens=estimate_tokens(prompt), headers=headers)
        self.requests.append(request)
        reply = self.policy(request) if self.policy else (self.script.pop(0) if self.script else "")
        while isinstance(reply, dict) and "delay" in reply:
            if self._stopping.wait(float(reply["delay"])):
                return
            reply = reply.get("then", "")
        if isinstance(reply, dict) and "raw" in reply:
            self._send(handler, int(reply.get("status", 200)), str(reply["raw"]).encode(),
                       reply.get("content_type", "application/json"))
        elif isinstance(reply, dict) and "status" in reply:
            message = str(reply.get("message", "scripted failure"))
            if reply.get("echo_key"):
                message = f"Incorrect API key provided: {request.api_key}. {message}"
            error = {"error": {"message": message, "type": "invalid_request_error" if reply["status"] < 500
                               else "server_error", "code": reply["status"]}}
            self._send(handler, int(reply["status"]), json.dumps(error).encode())
        else:
            self._send(handler, 200, json.dumps(_completion(body, reply, request.prompt_tokens)).encode())

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str = "application/json") -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def _completion(body: dict[str, Any], reply: Reply, prompt_tokens: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if isinstance(reply, list):
        message["tool_calls"] = [
            {"id": f"call_{i}_{time.time_ns()}", "type": "function",
             "function": {"name": call["name"], "arguments": json.dumps(call.get("arguments", {}))}}
            for i, call in enumerate(reply)
        ]
        finish = "tool_calls"
    else:
        message["content"] = str(reply)
        finish = "stop"
    completion_tokens = estimate_tokens(message)
    return {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "stub"),
        "service_tier": "default",  # real providers send it; litellm's Groq adapter fails without it
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }
