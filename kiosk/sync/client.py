"""The kiosk's HTTP client for the central server (requests).

Policy lives here, transport in requests: every call has a timeout (``server.timeout_s``), TLS is
verified (against ``server.ca_bundle`` when set), redirects are not followed on the API (a captive
portal answers with one), and an answer counts only when it is JSON of the expected shape. Every
lower-layer error becomes one of the :class:`~kiosk.errors.SyncError` kinds below, so the worker and
the UI never see a requests or urllib3 exception (the requests habit: convert at the boundary).

Messages are English msgids (Indonesian in ``assets/locale/id/LC_MESSAGES/sync.po``); ``kind`` tells
the worker what to do and ``code`` carries the server's problem code when there is one.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from .. import __version__
from ..errors import SyncError
from . import wire

MSG_OFFLINE = "The central server cannot be reached. Records are kept and will be sent later."
MSG_TIMEOUT = "The central server did not answer in time."
MSG_TLS = "The central server's certificate could not be verified."
MSG_UNAUTHORIZED = "The central server refused this kiosk ({code}): {reason}"
MSG_THROTTLED = "The central server asks to wait {seconds} seconds."
MSG_SERVER = "The central server failed (HTTP {status})."
MSG_BAD_RESPONSE = "The answer did not come from the central server ({reason}). Is a login page in the way?"
MSG_REFUSED = "The central server refused the request ({code}): {reason}"
MSG_NOT_ENROLLED = "This kiosk is not enrolled with a central server. Run: kiosk enroll --server URL --code CODE"


class SyncFailure(SyncError):
    kind = "failed"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **params: object) -> None:
        self.message = message
        # code and status are attributes and may also be named in the message.
        self.params = {"code": code, "status": status, **params}
        self.code = code
        self.status = status
        super().__init__(message.format(**self.params))


class Offline(SyncFailure):
    kind = "offline"


class Timeout(Offline):
    kind = "timeout"


class TlsFailure(SyncFailure):
    kind = "tls"


class Unauthorized(SyncFailure):
    kind = "unauthorized"


class Throttled(SyncFailure):
    kind = "throttled"

    def __init__(self, message: str, *, retry_after: float, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerFailed(SyncFailure):
    kind = "server"


class BadResponse(SyncFailure):
    kind = "bad_response"


class Refused(SyncFailure):
    """A 4xx for the request as a whole (413 too large, 400 malformed): not worth sending again as is."""

    kind = "refused"


class NotEnrolled(SyncFailure):
    kind = "not_enrolled"


def _retry_after(resp: requests.Response, default: float) -> float:
    """Seconds to wait from ``Retry-After`` (delta-seconds or an HTTP date, RFC 9110), within an hour."""
    value = resp.headers.get("Retry-After")
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if math.isnan(seconds):
        return default
    return max(0.0, min(3600.0, seconds))


class Client:
    """One central server, one device token. Thread-safe enough for one worker thread per instance."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 15.0,
        ca_bundle: str | Path | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.verify = str(ca_bundle) if ca_bundle else True
        self.session.headers["User-Agent"] = f"iplik-kiosk/{__version__}"
        self.session.headers["Accept"] = "application/json"
        # The retries are ours (worker backoff); urllib3's would hide failures and double requests.
        adapter = requests.adapters.HTTPAdapter(max_retries=0, pool_connections=2, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.session.close()

    # --- transport ---------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json_body: Any = None, params: Mapping[str, Any] | None = None,
                 auth: bool = True) -> Any:
        headers = {}
        if auth:
            if not self.token:
                raise NotEnrolled(MSG_NOT_ENROLLED)
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if json_body is not None:
            data = wire.canonical_json(json_body)
            headers["Content-Type"] = "application/json"
        try:
            resp = self.session.request(
                method,
                self.base_url + path,
                data=data,
                params=params,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
            content = resp.content  # read it all here, so a cut body fails inside this try
        except requests.exceptions.SSLError as exc:
            raise TlsFailure(MSG_TLS) from exc
        except requests.exceptions.Timeout as exc:
            raise Timeout(MSG_TIMEOUT) from exc
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise BadResponse(MSG_BAD_RESPONSE, reason="the answer was cut off") from exc
        except requests.exceptions.RequestException as exc:
            raise Offline(MSG_OFFLINE) from exc
        return self._parse(resp, content)

    def _parse(self, resp: requests.Response, content: bytes) -> Any:
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        parsed: Any = None
        if ctype == "application/json":
            try:
                parsed = requests.models.complexjson.loads(content.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                parsed = None
        status = resp.status_code
        problem = parsed if isinstance(parsed, dict) else {}
        code = problem.get("code") if isinstance(problem.get("code"), str) else None
        reason = problem.get("message") if isinstance(problem.get("message"), str) else f"HTTP {status}"
        if status == 401:
            raise Unauthorized(MSG_UNAUTHORIZED, code=code or "401", status=status, reason=reason)
        if status in (429, 503):
            seconds = _retry_after(resp, 30.0)
            raise Throttled(MSG_THROTTLED, retry_after=seconds, code=code, status=status, seconds=int(seconds))
        if status >= 500:
            raise ServerFailed(MSG_SERVER, code=code, status=status)
        if 300 <= status < 400:
            raise BadResponse(MSG_BAD_RESPONSE, status=status, reason=f"redirected (HTTP {status})")
        if 400 <= status < 500:
            if not code:
                raise BadResponse(MSG_BAD_RESPONSE, status=status, reason=f"HTTP {status} without a problem code")
            raise Refused(MSG_REFUSED, code=code, status=status, reason=reason)
        if ctype != "application/json":
            raise BadResponse(MSG_BAD_RESPONSE, status=status, reason=f"{ctype or 'no'} content instead of JSON")
        if not isinstance(parsed, dict):
            raise BadResponse(MSG_BAD_RESPONSE, status=status, reason="the JSON is incomplete or not an object")
        return parsed

    # --- the API -----------------------------------------------------------------------------------

    def enroll(self, code: str, *, name: str = "", version: str = __version__, nonce: str | None = None,
               attempts: int = 3) -> dict[str, str]:
        """Spend an enrollment code; the answer's device id, token, office, agency and sealing key.

        With ``nonce`` (kept by the caller across crashes: ``device.enroll_nonce``) the server recognises
        a retry of the same enrollment, so an answer lost on the way is asked for again here, up to
        ``attempts`` times, and the retry gets the same device (with a new token).
        """
        body = {"code": code, "name": name, "version": version}
        if nonce is not None:
            body["nonce"] = nonce
        # Without a nonce a retry would only meet "code already used": one try, as before.
        tries = max(1, attempts) if nonce is not None else 1
        for attempt in range(tries):
            try:
                data = self._request("POST", wire.ENROLL_PATH, json_body=body, auth=False)
                break
            except (Offline, ServerFailed, BadResponse):
                if attempt + 1 >= tries:
                    raise
                time.sleep(0.5 * (attempt + 1))  # a moment for a flapping link; the operator is waiting
        for key in ("device_id", "token", "office", "agency_id"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise BadResponse(MSG_BAD_RESPONSE, reason=f"no {key} in the enrollment answer")
        out = {k: data[k] for k in ("device_id", "token", "office", "agency_id")}
        key_text, kid = data.get("identity_public_key"), data.get("identity_key_id")
        if key_text is not None:  # a server from before sealed identities sends no key
            # PyNaCl: imported when needed, not with the sync worker.
            from ..domain import sealing
            from ..domain.errors import ValidationError

            try:
                key = sealing.public_key(key_text) if isinstance(key_text, str) else None
            except ValidationError:
                key = None
            if key is None or kid != sealing.key_id(key):
                raise BadResponse(MSG_BAD_RESPONSE, reason="the sealing key in the enrollment answer is not valid")
            out["identity_public_key"] = key_text
        return out

    def push(self, records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Send a batch; return the valid per-UUID results (a UUID missing from it was not acknowledged).

        The answer must be a JSON object whose ``results`` is a list of ``{uuid, status}`` naming UUIDs
        we sent; anything else (an HTML login page with status 200, a cut body) raises BadResponse,
        and nothing is marked sent.
        """
        sent = {r["uuid"] for r in records}
        data = self._request("POST", wire.PUSH_PATH, json_body={"records": records})
        results = data.get("results")
        if not isinstance(results, list):
            raise BadResponse(MSG_BAD_RESPONSE, reason="no results in the answer")
        out: dict[str, dict[str, Any]] = {}
        for r in results:
            if not isinstance(r, dict):
                continue
            uuid, status = r.get("uuid"), r.get("status")
            if isinstance(uuid, str) and uuid in sent and status in wire.OUTCOMES:
                out[uuid] = {
                    "status": status,
                    "code": r.get("code") if isinstance(r.get("code"), str) else None,
                    "message": r.get("message") if isinstance(r.get("message"), str) else None,
                }
        if records and not out:
            raise BadResponse(MSG_BAD_RESPONSE, reason="the answer acknowledges none of the records sent")
        return out

    def catalog(self, since: str | None) -> dict[str, Any]:
        data = self._request("GET", wire.CATALOG_PATH, params={"since": since} if since else None)
        if not isinstance(data.get("changed"), bool):
            raise BadResponse(MSG_BAD_RESPONSE, reason="no changed flag in the catalog answer")
        if data["changed"] and (not isinstance(data.get("catalog"), dict) or not isinstance(data.get("cursor"), str)):
            raise BadResponse(MSG_BAD_RESPONSE, reason="a changed catalog without its document or cursor")
        return data

    def updates(self, since: str | None, *, limit: int = 500) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if since:
            params["since"] = since
        data = self._request("GET", wire.UPDATES_PATH, params=params)
        if not isinstance(data.get("cursor"), str) or not isinstance(data.get("updates"), list):
            raise BadResponse(MSG_BAD_RESPONSE, reason="no cursor or updates in the answer")
        for u in data["updates"]:
            if not isinstance(u, dict) or not all(isinstance(u.get(k), str) for k in ("uuid", "status", "status_at")):
                raise BadResponse(MSG_BAD_RESPONSE, reason="an update without uuid, status or time")
            if not isinstance(u.get("events", []), list):
                raise BadResponse(MSG_BAD_RESPONSE, reason="events must be a list")
        return data

    def track(self, code: str) -> dict[str, Any] | None:
        """The public view of any tracking code, or None when the server knows no such report."""
        try:
            return self._request(
                "GET", f"{wire.TRACK_PATH}/{requests.utils.quote(code, safe='')}", auth=bool(self.token)
            )
        except Refused as exc:
            if exc.status == 404:
                return None
            raise
