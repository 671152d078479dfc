"""A tiny OpenAI-compatible HTTP server on 127.0.0.1 for testing the client side.

It answers from a queue of canned behaviours: a streamed reply, an HTTP error status,
garbage bytes, or a stall. Requests (with headers) are kept for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Behaviour:
    status: int = 200
    text: str = "Hello from the fake server."
    body: bytes | None = None  # raw body instead of a stream (garbage, error JSON)
    stall_s: float = 0.0


@dataclass
class FakeOpenAI:
    behaviours: list[Behaviour] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": payload})
                behaviour = fake.behaviours.pop(0) if fake.behaviours else Behaviour()
                if behaviour.stall_s:
                    time.sleep(behaviour.stall_s)
                if behaviour.body is not None or behaviour.status != 200:
                    body = behaviour.body or json.dumps({"error": {"message": "fake failure"}}).encode()
                    self.send_response(behaviour.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for word in behaviour.text.split(" "):
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": payload.get("model"),
                             "choices": [{"index": 0, "delta": {"content": word + " "}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                end = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": payload.get("model"),
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
