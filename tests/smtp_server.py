"""A real SMTP server on 127.0.0.1 for tests: ``aiosmtpd`` in a thread, keeping what it receives.

Use the ``smtp_server`` fixture (``from tests.smtp_server import smtp_server``) and point the app
at it with ``MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port``. For a server that comes
up later (or goes down), build an :class:`SmtpServer` yourself and call ``start``/``stop``.
"""

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Envelope:
    """The SMTP envelope of one received message (who the server was told it is from and to)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    login: str | None = None  # the AUTH user name, when the client logged in


class _Handler:
    """aiosmtpd handler: refuses chosen recipients, stores every message it accepts."""

    def __init__(self, server: "SmtpServer"):
        """Report to ``server`` (which holds the refused addresses and the received mail)."""
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """RCPT TO: ``550`` for a refused address, else accept it."""
        if address.lower() in self.server.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """DATA: parse the message and keep it, with its envelope and raw bytes."""
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        login = session.auth_data.login.decode() if session.authenticated else None
        sent = Envelope(envelope.mail_from, tuple(envelope.rcpt_tos), login)
        self.server._receive(message, sent, envelope.original_content)
        return "250 Message accepted for delivery"


class SmtpServer:
    """A local SMTP server whose received messages tests can read and wait for."""

    host = "127.0.0.1"

    def __init__(self, port: int | None = None, credentials: tuple[str, str] | None = None):
        """A server for ``port`` (a free one by default), not listening until :meth:`start`."""
        self.port = port or free_port()
        # With credentials, the server offers AUTH without TLS (test only) and records who
        # logged in on each envelope; it does not insist, as aiosmtpd warns about that sans TLS.
        self.credentials = credentials
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.raw: list[bytes] = []  # each message as it came over the wire
        self.refused: set[str] = set()
        self._arrived = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> "SmtpServer":
        """Listen on ``host:port``; returns once the server answers."""
        auth = {}
        if self.credentials:
            auth = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
            }
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **auth)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the server's event loop (idempotent)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        """aiosmtpd authenticator: accept only ``self.credentials``."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        if given != self.credentials:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)

    def refuse(self, address: str) -> None:
        """Answer ``550`` to RCPT TO for ``address`` from now on (a permanent failure)."""
        self.refused.add(address.lower())

    def _receive(self, message: EmailMessage, envelope: Envelope, raw: bytes) -> None:
        """Keep a received message and wake anyone in :meth:`wait_for` (server thread)."""
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append(envelope)
            self.raw.append(raw)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Block until at least ``count`` messages arrived; fail the test after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"expected {count} message(s), got {len(self.messages)}")
                self._arrived.wait(left)
            return list(self.messages)

    def __enter__(self) -> "SmtpServer":
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(self, *exc_info) -> None:
        """Stop on leaving the ``with`` block, whatever happened in it."""
        self.stop()


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1 and a free port, stopped cleanly after the test."""
    with SmtpServer() as server:
        yield server
