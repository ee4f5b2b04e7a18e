"""A small HTTP-aware TCP proxy that breaks requests on purpose, between the kiosk and the real server.

It reads each request (head and body), asks a plan what to do with it, and then:

* ``pass``         forwards it and returns the answer;
* ``drop_before``  closes the connection without forwarding (the server never sees it);
* ``drop_after``   forwards it, lets the server commit, then closes without answering;
* ``reset_mid``    forwards it, sends half the answer, then resets the connection (RST);
* ``delay``        forwards it, then holds the answer past the client's timeout;
* ``truncate``     forwards it, sends the headers and half the body, then closes;
* ``s500``/``s503``/``s429`` answers that status without forwarding;
* ``s500_after``   forwards it (the server stores the records), then answers 500;
* ``html``         answers 200 with a captive-portal login page, without forwarding.

Every forwarded request goes to the server on a fresh connection with ``Connection: close``.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable

FAULTS = ("drop_before", "drop_after", "reset_mid", "delay", "truncate", "s500", "s503", "s429", "s500_after", "html")

CANNED = {
    "s500": (500, "Internal Server Error", "text/plain", b"upstream exploded"),
    "s503": (503, "Service Unavailable", "text/plain", b"try later"),
    "s429": (429, "Too Many Requests", "text/plain", b"slow down"),
    "html": (200, "OK", "text/html; charset=utf-8",
             b"<!doctype html><html><body><h1>Wi-Fi Gratis Pemda</h1><form>Login</form></body></html>"),
}


def canned(mode: str, retry_after: str = "0") -> bytes:
    status, reason, ctype, body = CANNED["s500" if mode == "s500_after" else mode]
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            f"Retry-After: {retry_after}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def random_plan(rate: float, seed: int = 7, faults: tuple[str, ...] = FAULTS) -> Callable[[int, bytes], str]:
    rng = random.Random(seed)
    lock = threading.Lock()

    def plan(_n: int, _head: bytes) -> str:
        with lock:
            return rng.choice(faults) if rng.random() < rate else "pass"

    return plan


class FaultProxy:
    def __init__(self, upstream_port: int, plan: Callable[[int, bytes], str] | None = None, *,
                 delay_s: float = 2.0, retry_after: str = "0") -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.plan = plan or (lambda n, head: "pass")
        self.delay_s = delay_s
        self.retry_after = retry_after  # the Retry-After of the canned 429/503 answers
        self.log: list[tuple[float, str, str]] = []  # (monotonic time, request line, mode) of each request
        self.counts: Counter[str] = Counter()
        self._n = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        buf = b""
        try:
            while True:
                req, buf = _read_request(conn, buf)
                if req is None:
                    return
                with self._lock:
                    self._n += 1
                    n = self._n
                mode = self.plan(n, req.split(b"\r\n", 1)[0])
                self.counts[mode] += 1
                self.log.append((time.monotonic(), req.split(b"\r\n", 1)[0].decode("latin-1"), mode))
                if not self._handle(conn, req, mode):
                    return
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _handle(self, conn: socket.socket, req: bytes, mode: str) -> bool:
        """Answer one request; False when the client connection is finished."""
        if mode == "drop_before":
            return False
        if mode in CANNED:
            conn.sendall(canned(mode, self.retry_after))
            return False
        resp = self._forward(req)
        if mode == "drop_after" or resp is None:
            return False
        if mode == "s500_after":
            conn.sendall(canned(mode))
            return False
        if mode == "reset_mid":
            conn.sendall(resp[: max(1, len(resp) // 2)])
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if mode == "truncate":
            head, _, body = resp.partition(b"\r\n\r\n")
            conn.sendall(head + b"\r\n\r\n" + body[: len(body) // 2])
            return False
        if mode == "delay":
            time.sleep(self.delay_s)
        conn.sendall(resp)
        return False  # the server said Connection: close

    def _forward(self, req: bytes) -> bytes | None:
        head, _, body = req.partition(b"\r\n\r\n")
        lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith((b"connection:", b"keep-alive:"))]
        out = b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body
        try:
            with socket.create_connection(self.upstream, timeout=30) as up:
                up.sendall(out)
                chunks = []
                while True:
                    chunk = up.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
        except OSError:
            return None
        return b"".join(chunks) or None


def _read_request(conn: socket.socket, buf: bytes) -> tuple[bytes | None, bytes]:
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]
