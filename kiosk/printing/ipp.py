"""A few IPP questions to the local CUPS scheduler: a printer's state and a job's state.

Jobs are *submitted* with ``lp`` and cancelled with ``cancel`` (kiosk/printing/backends.py), the tools a
technician also uses. But following a job to its end needs its ``job-state``, and the command-line tools
do not show it: ``lpstat -W completed`` lists completed, cancelled and aborted jobs alike, so a receipt
the printer threw away would look printed. pycups would answer, but needs libcups headers and a C
compiler on every kiosk. IPP itself is a small binary format over HTTP (RFC 8010/8011), so these ~150
lines ask CUPS directly, over its local socket, with a timeout on every call.
"""

from __future__ import annotations

import http.client
import os
import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

# Operations (RFC 8011 5.2, 5.3).
GET_JOB_ATTRIBUTES = 0x0009
GET_PRINTER_ATTRIBUTES = 0x000B

# Delimiter and value tags (RFC 8010 3.5).
TAG_OPERATION = 0x01
TAG_END = 0x03
TAG_INTEGER = 0x21
TAG_BOOLEAN = 0x22
TAG_ENUM = 0x23
TAG_BEGIN_COLLECTION = 0x34
TAG_END_COLLECTION = 0x37
TAG_NAME = 0x42
TAG_KEYWORD = 0x44
TAG_URI = 0x45
TAG_CHARSET = 0x47
TAG_LANGUAGE = 0x48

STATUS_NOT_FOUND = 0x0406

# job-state values (RFC 8011 5.3.7).
JOB_PENDING, JOB_HELD, JOB_PROCESSING, JOB_STOPPED, JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = range(3, 10)
JOB_STATES = {3: "pending", 4: "pending-held", 5: "processing", 6: "processing-stopped", 7: "canceled",
              8: "aborted", 9: "completed"}
# printer-state values (RFC 8011 5.4.11).
PRINTER_IDLE, PRINTER_PROCESSING, PRINTER_STOPPED = 3, 4, 5

DEFAULT_SOCKET = Path("/run/cups/cups.sock")


class IppError(Exception):
    """CUPS could not be reached, or answered with an error status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def not_found(self) -> bool:
        return self.status == STATUS_NOT_FOUND


class Unreachable(IppError):
    """No scheduler answered (cupsd not running, socket missing, timeout)."""


@dataclass(frozen=True)
class Server:
    """Where the scheduler listens: a Unix socket path, or host and port."""

    socket_path: str | None = None
    host: str = "localhost"
    port: int = 631

    @classmethod
    def default(cls) -> Server:
        """As libcups chooses: $CUPS_SERVER, else the local socket, else localhost:631."""
        env = os.environ.get("CUPS_SERVER", "").strip()
        if env.startswith("/"):
            return cls(socket_path=env)
        if env:
            host, _, port = env.partition(":")
            return cls(host=host or "localhost", port=int(port) if port.isdigit() else 631)
        if DEFAULT_SOCKET.exists():
            return cls(socket_path=str(DEFAULT_SOCKET))
        return cls()


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _attr(tag: int, name: str, values: list[bytes]) -> bytes:
    out = b""
    for i, value in enumerate(values):
        n = name.encode() if i == 0 else b""  # further values of the same attribute have no name
        out += struct.pack(">BH", tag, len(n)) + n + struct.pack(">H", len(value)) + value
    return out


def encode_request(operation: int, request_id: int, target: tuple[str, str], requested: list[str],
                   user: str = "kiosk") -> bytes:
    """An IPP/2.0 request with the operation attributes every request needs, plus requested-attributes."""
    body = struct.pack(">BBHI", 2, 0, operation, request_id)
    body += bytes([TAG_OPERATION])
    body += _attr(TAG_CHARSET, "attributes-charset", [b"utf-8"])
    body += _attr(TAG_LANGUAGE, "attributes-natural-language", [b"en"])
    body += _attr(TAG_URI, target[0], [target[1].encode()])
    body += _attr(TAG_NAME, "requesting-user-name", [user.encode()])
    if requested:
        body += _attr(TAG_KEYWORD, "requested-attributes", [r.encode() for r in requested])
    return body + bytes([TAG_END])


def decode_response(data: bytes) -> tuple[int, dict[str, list[Any]]]:
    """(status-code, attributes) of an IPP response. Attributes of every group are merged into one dict
    of value lists; members of collections are skipped (nothing here needs them)."""
    if len(data) < 8:
        raise IppError("IPP response too short")
    status = struct.unpack(">H", data[2:4])[0]
    attrs: dict[str, list[Any]] = {}
    pos, depth, name = 8, 0, ""
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag == TAG_END:
            break
        if tag < 0x10:  # a group delimiter
            continue
        if pos + 2 > len(data):
            raise IppError("IPP response truncated")
        (nlen,) = struct.unpack(">H", data[pos:pos + 2])
        pos += 2
        new_name = data[pos:pos + nlen].decode("utf-8", "replace")
        pos += nlen
        (vlen,) = struct.unpack(">H", data[pos:pos + 2])
        pos += 2
        raw = data[pos:pos + vlen]
        pos += vlen
        if tag == TAG_BEGIN_COLLECTION:
            depth += 1
            if depth == 1 and nlen:
                name = new_name
            continue
        if tag == TAG_END_COLLECTION:
            depth = max(0, depth - 1)
            continue
        if depth:
            continue
        if nlen:
            name = new_name
        if tag in (TAG_INTEGER, TAG_ENUM) and vlen == 4:
            value: Any = struct.unpack(">i", raw)[0]
        elif tag == TAG_BOOLEAN and vlen == 1:
            value = bool(raw[0])
        elif 0x40 <= tag <= 0x5F:
            value = raw.decode("utf-8", "replace")
        else:
            value = raw
        attrs.setdefault(name, []).append(value)
    return status, attrs


class Client:
    """Get-Printer-Attributes and Get-Job-Attributes, each one short HTTP request with a timeout."""

    def __init__(self, server: Server | None = None, timeout: float = 3.0) -> None:
        self.server = server or Server.default()
        self.timeout = timeout
        self._request_id = 0

    def _post(self, path: str, body: bytes) -> tuple[int, dict[str, list[Any]]]:
        s = self.server
        conn: http.client.HTTPConnection
        if s.socket_path:
            conn = _UnixConnection(s.socket_path, self.timeout)
        else:
            conn = http.client.HTTPConnection(s.host, s.port, timeout=self.timeout)
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": "application/ipp"})
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            raise Unreachable(f"the print service does not answer ({exc})") from exc
        finally:
            conn.close()
        if resp.status != 200:
            raise IppError(f"the print service answered HTTP {resp.status}")
        status, attrs = decode_response(data)
        if status >= 0x0400:
            message = (attrs.get("status-message") or [""])[0]
            raise IppError(f"IPP status 0x{status:04x} {message}".strip(), status)
        return status, attrs

    def _next_id(self) -> int:
        self._request_id = self._request_id % 0x7FFFFFFF + 1
        return self._request_id

    def printer_attributes(self, queue: str, requested: list[str] | None = None) -> dict[str, list[Any]]:
        uri = f"ipp://localhost/printers/{quote(queue, safe='')}"
        body = encode_request(
            GET_PRINTER_ATTRIBUTES, self._next_id(), ("printer-uri", uri),
            requested or ["printer-state", "printer-state-reasons", "printer-state-message",
                          "printer-is-accepting-jobs", "printer-name", "marker-levels", "marker-names"],
        )
        return self._post(f"/printers/{quote(queue, safe='')}", body)[1]

    def job_attributes(self, job_id: int, requested: list[str] | None = None) -> dict[str, list[Any]]:
        body = encode_request(
            GET_JOB_ATTRIBUTES, self._next_id(), ("job-uri", f"ipp://localhost/jobs/{int(job_id)}"),
            requested or ["job-state", "job-state-reasons", "job-printer-state-message", "job-state-message"],
        )
        return self._post("/jobs/", body)[1]


def first(attrs: dict[str, list[Any]], name: str, default: Any = None) -> Any:
    values = attrs.get(name)
    return values[0] if values else default
