"""A tiny OpenAI-compatible HTTP server on 127.0.0.1 for testing the client side.

It answers from a queue of canned behaviours (else `default`): a streamed reply, an HTTP
error status, garbage bytes, a stall, an empty reply (text=""), or a stream cut mid-reply. Requests (with headers) are kept for assertions.
"""

from __future__ import annotations

import json
import re
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
    cut_after: int | None = None  # words streamed before the connection drops mid-reply
    echo_line: bool = False  # say the buyer prompt's decided line back, word for word


def _decided_line(payload: dict) -> str:
    """The line the buyer prompt asks the model to rephrase."""
    for message in payload.get("messages", []):
        found = re.search(r'The line to say:\n"(.*?)"\n', str(message.get("content", "")), re.DOTALL)
        if found:
            return found.group(1)
    return "Go on."


@dataclass
class FakeOpenAI:
    behaviours: list[Behaviour] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    default: Behaviour = field(default_factory=Behaviour)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": payload})
                behaviour = fake.behaviours.pop(0) if fake.behaviours else fake.default
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
                text = _decided_line(payload) if behaviour.echo_line else behaviour.text
                words = text.split(" ") if text else []
                for n, word in enumerate(words):
                    if behaviour.cut_after is not None and n == behaviour.cut_after:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # the server dies mid-reply
                        self.close_connection = True
                        return
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
