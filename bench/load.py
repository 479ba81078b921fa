"""A small HTTP load generator for ``bench/pages.py`` (used because ``wrk`` is not installed).

Each client is a separate process (so the clients do not share one interpreter lock) that sends
the same GET again and again for a fixed time, one request per connection, as gunicorn's sync
workers close every connection anyway. The request is built once; a response is read until the
server closes the connection, and only a 200 counts.
"""

import multiprocessing
import socket
import time


def _client(host: str, port: int, request: bytes, until: float, results) -> None:
    done = failed = 0
    while time.perf_counter() < until:
        try:
            with socket.create_connection((host, port)) as sock:
                sock.sendall(request)
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
        except OSError:
            failed += 1
            continue
        head = b"".join(chunks[:1])[:12]
        if head.endswith(b"200"):
            done += 1
        else:
            failed += 1
    results.put((done, failed))


def requests_per_second(
    host: str,
    port: int,
    path: str,
    cookie: str = "",
    user_agent: str = "yorisoi-bench",
    clients: int = 4,
    seconds: float = 5.0,
    extra: dict[str, str] | None = None,
) -> tuple[float, int]:
    """Throughput of GET ``path`` with ``clients`` concurrent clients: (requests/s, failures).

    ``extra`` holds further request headers (e.g. what a reverse proxy adds)."""
    headers = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", f"User-Agent: {user_agent}"]
    headers += [f"{name}: {value}" for name, value in (extra or {}).items()]
    headers.append("Connection: close")
    if cookie:
        headers.append(f"Cookie: {cookie}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
    results = multiprocessing.Queue()
    started = time.perf_counter()
    until = started + seconds
    workers = [
        multiprocessing.Process(target=_client, args=(host, port, request, until, results))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    totals = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    done = sum(ok for ok, _ in totals)
    return done / seconds, sum(bad for _, bad in totals)
