"""A tiny OpenAI-compatible chat-completions server on 127.0.0.1 that replays scripted replies.

Each request takes the next reply from a script (or from a ``policy(request) -> reply`` function). A reply is a
string (the assistant's content), a list of tool calls ``[{"name": …, "arguments": {…}}]``, or an error
``{"status": 500}``. Every request body is recorded, with a prompt-token estimate, so tests can assert what
the model was sent and benchmarks can compare prompt sizes.
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


@dataclass
class RecordedRequest:
    body: dict[str, Any]
    prompt_tokens: int

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def tool_names(self) -> list[str]:
        return [t.get("function", {}).get("name", "") for t in self.body.get("tools") or []]

    def text(self) -> str:
        return "\n".join(str(m.get("content") or "") for m in self.messages)


@dataclass
class OpenAIStub:
    script: list[Reply] = field(default_factory=list)
    policy: Callable[[RecordedRequest], Reply] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the stub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub._answer(self, body)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
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

    def _answer(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        prompt = {"messages": body.get("messages"), "tools": body.get("tools")}
        request = RecordedRequest(body=body, prompt_tokens=estimate_tokens(prompt))
        self.requests.append(request)
        reply = self.policy(request) if self.policy else (self.script.pop(0) if self.script else "")
        if isinstance(reply, dict) and "status" in reply:
            self._send(handler, int(reply["status"]), {"error": {"message": reply.get("message", "scripted failure"),
                                                                 "type": "server_error"}})
            return
        self._send(handler, 200, _completion(body, reply, request.prompt_tokens))

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def _completion(body: dict[str, Any], reply: Reply, prompt_tokens: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if isinstance(reply, list):
        message["tool_calls"] = [
            {"id": f"call_{i}_{int(time.time() * 1000)}", "type": "function",
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
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }
