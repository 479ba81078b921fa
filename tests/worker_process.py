"""A real ``flask worker`` in a subprocess, configured like the test's app (tests and bench).

The worker reads the same database and job queue as the app under test, and sends mail to the
test's SMTP server. ``kill()`` is ``kill -9``: the process gets no chance to tidy up.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_environment(config: dict, **extra: str) -> dict[str, str]:
    """The environment that makes ``flask worker`` see what the app with ``config`` sees."""
    env = {
        **os.environ,
        "FLASK_APP": str(ROOT / "app.py"),
        "YORISOI_ENV": "development",
        "SECRET_KEY": config["SECRET_KEY"],
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "JOBS_BACKEND": config["JOBS_BACKEND"],
        "JOBS_URL": config.get("JOBS_URL", ""),
        "MAIL_SERVER": str(config["MAIL_SERVER"]),
        "MAIL_PORT": str(config["MAIL_PORT"]),
        "MAIL_SENDER": config["MAIL_SENDER"],
        "BASE_URL": config["BASE_URL"],
        "OUTBOX_LEASE_SECONDS": str(config.get("OUTBOX_LEASE_SECONDS", 120)),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


class WorkerProcess:
    """``flask worker --threads N`` started with :func:`worker_environment`."""

    def __init__(self, config: dict, threads: int = 2, log_path: Path | None = None, **extra):
        """A worker for the app with ``config``; not started until :meth:`start`."""
        self.env = worker_environment(config, **extra)
        self.threads = threads
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self) -> "WorkerProcess":
        """Start the worker process."""
        if self.log_path:
            self._log = open(self.log_path, "ab")  # noqa: SIM115  (closed when it stops)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker", "--threads", str(self.threads)],
            env=self.env,
            cwd=ROOT,
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self) -> None:
        """``kill -9``: stop at once, mid-job, with nothing cleaned up."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close_log()

    def stop(self) -> None:
        """Ctrl-C: finish the running job, then stop (kill after 15 s)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "WorkerProcess":
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(self, *exc_info) -> None:
        """Stop on leaving it."""
        self.stop()


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class RedisServer:
    """A throw-away ``redis-server`` on a free port, keeping nothing on disk."""

    binary = "/usr/bin/redis-server"

    def __init__(self, port: int):
        """A server for ``port``; not started until :meth:`start`."""
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Its ``redis://`` URL (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        """Start it and wait until it answers PING."""
        import redis

        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        if not wait_until(lambda: _pings(client), timeout=10):
            raise RuntimeError("redis-server did not start")
        return self

    def stop(self) -> None:
        """Stop it."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self) -> "RedisServer":
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(self, *exc_info) -> None:
        """Stop on leaving it."""
        self.stop()


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False
