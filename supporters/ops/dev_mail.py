"""A mailbox for `make run`: e-mail sent on a developer's machine is kept as files, not lost.

With no ``MAIL_SERVER`` in the environment, ``flask dev`` starts this SMTP server (aiosmtpd, a
real server speaking SMTP) on a free local port and points the web process and the worker at it,
so every message takes the same path as in production — rendered, handed to SMTP, marked sent —
and lands in ``instance/mail/`` as an ``.eml`` file any mail program opens. Without it the worker
would try port 25 of the machine and fill the dead-letter list.
"""

import itertools
import socket
from datetime import datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller


class _SaveToFolder:
    """The aiosmtpd handler: one ``.eml`` file per message, named by time and a counter."""

    def __init__(self, folder: Path, announce):
        self.folder = folder
        self.announce = announce
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{next(self.counter):04d}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        subject = message_from_bytes(envelope.content, policy=default)["Subject"] or ""
        self.announce(f"mail to {', '.join(envelope.rcpt_tos)} kept in {path} ({subject})")
        return "250 Message accepted for delivery"


class DevMailbox:
    """Start with :meth:`start`, stop with :meth:`stop`; ``port`` is where it listens."""

    def __init__(self, folder: Path, announce=print):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.controller = Controller(
            _SaveToFolder(self.folder, announce), hostname="127.0.0.1", port=self.port
        )

    def start(self) -> "DevMailbox":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def environment(self) -> dict[str, str]:
        """What the web process and the worker need to send here."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self.port), "MAIL_USE_TLS": ""}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
