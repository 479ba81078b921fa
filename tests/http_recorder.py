"""A local HTTP server for channel tests: it speaks just enough of a provider's protocol, checks
each request with a test-supplied function, records it, and answers as told.

``check(request) -> (status, body_dict)``: inspect the :class:`Received` request (raise
``AssertionError`` to answer 400 with the reason, which the test then sees in ``errors``).
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from requests.structures import CaseInsensitiveDict


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: CaseInsensitiveDict  # header names as HTTP treats them: case does not matter
    body: bytes

    def json(self):
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class HttpRecorder:
    """A threaded HTTP server on 127.0.0.1 that records what it receives."""

    check: object
    received: list[Received] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self):
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                got = Received(
                    self.command,
                    self.path,
                    CaseInsensitiveDict(self.headers.items()),
                    self.rfile.read(length),
                )
                try:
                    status, answer = recorder.check(got)
                except AssertionError as error:
                    recorder.errors.append(str(error))
                    status, answer = 400, {"message": str(error)}
                else:
                    recorder.received.append(got)
                data = json.dumps(answer or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET = do_DELETE = _handle

            def log_message(self, *args):
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The server's base URL."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "HttpRecorder":
        """Start serving."""
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
