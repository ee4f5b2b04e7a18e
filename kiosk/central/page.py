"""The public tracking page: small, bilingual (Indonesian first, English under it), no script, no
personal data. A phone on a slow connection opens it from the receipt's QR code, so it is one HTML
response of a few kilobytes with the style inline."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.complaint import CLASS_LABELS, PRIVACY_LABELS, TOPIC_LABELS, ComplaintClass, Privacy, Topic
from ..domain.workflow import STATUS_EXPLANATIONS, STATUS_LABELS, Status
from ..i18n import translator
from . import errors

_ID = translator("id")

STYLE = """
body{font-family:system-ui,"Noto Sans",sans-serif;margin:0;background:#f4f6f8;color:#1b1b1b;line-height:1.45}
main{max-width:36rem;margin:0 auto;padding:1rem}
header{background:#0B5394;color:#fff;padding:1rem}
header h1{margin:0;font-size:1.3rem}
.en{display:block;color:#555;font-size:.9em}
header .en{color:#dfe9f5}
.card{background:#fff;border-radius:.5rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 2px #0002}
.code{font:700 1.4rem/1.2 ui-monospace,monospace;letter-spacing:.08em}
.status{font-size:1.2rem;font-weight:700;color:#0B5394}
dl{margin:0}dt{font-weight:700;margin-top:.5rem}dd{margin:0}
ol{padding-left:1.2rem;margin:0}li{margin:.4rem 0}
time{color:#444;font-size:.9em}
.text{white-space:pre-wrap}
footer{font-size:.85rem;color:#444;padding:0 1rem 2rem;max-width:36rem;margin:0 auto}
"""


def _both(msgid: str, **params: object) -> str:
    """Indonesian, with the English source text under it (when they differ)."""
    ind = _ID(msgid).format(**params)
    eng = msgid.format(**params)
    if ind == eng:
        return escape(ind)
    return f'{escape(ind)}<span class="en" lang="en">{escape(eng)}</span>'


def _when(iso: str | None, tz: ZoneInfo) -> str:
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso).astimezone(tz)
    return f'<time datetime="{escape(iso)}">{moment:%d-%m-%Y %H:%M} ({escape(moment.tzname() or "")})</time>'


def _label(table: dict, enum_type: type, value: str | None) -> str:
    if value is None:
        return "-"
    try:
        return _both(table[enum_type(value)])
    except (ValueError, KeyError):
        return escape(value)


def _page(title_msgid: str, body: str, status: int = 200) -> str:
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex,nofollow">'
        f"<title>{escape(_ID(title_msgid))} / {escape(title_msgid)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{_both(title_msgid)}</h1></header><main>{body}</main>"
        f"<footer>{_both('The identity of the person who reported is never shown on this page.')}</footer>"
        "</body></html>"
    )


def render_view(view: dict[str, Any], tz: ZoneInfo = ZoneInfo("Asia/Makassar")) -> str:
    status = view["status"]
    parts = [
        '<section class="card">',
        f"<div>{_both('Tracking code')}</div>",
        f'<div class="code">{escape(view["tracking_code"])}</div>',
        f'<p class="status">{_label(STATUS_LABELS, Status, status)}</p>',
        f"<p>{_label(STATUS_EXPLANATIONS, Status, status)}</p>",
        f"<p>{_both('Since')}: {_when(view['status_at'], tz)}</p>",
    ]
    deadline = view.get("next_deadline")
    if deadline:
        due = datetime.fromisoformat(deadline["due"]).strftime("%d-%m-%Y")
        parts.append(f"<p>{_both(deadline['label'])}: <strong>{escape(due)}</strong></p>")
    parts.append("</section>")
    if view.get("response"):
        parts += [
            '<section class="card">',
            f"<h2>{_both('Response from the agency')}</h2>",
            f'<p class="text">{escape(view["response"])}</p>',
            f"<p>{_when(view.get('response_at'), tz)}</p>",
            "</section>",
        ]
    agency = view.get("agency_name") or view.get("agency_id")
    service = view.get("service_name") or view.get("service_id")
    parts += [
        '<section class="card"><dl>',
        f"<dt>{_both('Type')}</dt><dd>{_label(CLASS_LABELS, ComplaintClass, view['class'])}</dd>",
        f"<dt>{_both('Topic')}</dt><dd>{_label(TOPIC_LABELS, Topic, view['topic'])}</dd>",
        f"<dt>{_both('Privacy')}</dt><dd>{_label(PRIVACY_LABELS, Privacy, view['privacy'])}</dd>",
    ]
    if agency:
        parts.append(f"<dt>{_both('Agency')}</dt><dd>{escape(agency)}</dd>")
    if service:
        parts.append(f"<dt>{_both('Service')}</dt><dd>{escape(service)}</dd>")
    parts += [
        f"<dt>{_both('Report')}</dt><dd class=\"text\">{escape(view['description'])}</dd>",
        "</dl></section>",
        f'<section class="card"><h2>{_both("History")}</h2><ol>',
    ]
    for event in view["timeline"]:
        note = f"<br>{escape(event['note'])}" if event.get("note") else ""
        parts.append(f"<li>{_label(STATUS_LABELS, Status, event['status'])} {_when(event['at'], tz)}{note}</li>")
    parts.append("</ol></section>")
    return _page("Track a report", "".join(parts))


_PROBLEM_TEXT = {
    "400.4": "That is not a tracking code. Please check it against your receipt.",
    "404.2": "No report has this tracking code. A report filed at a kiosk that is offline appears here once the kiosk has sent it.",
    "429.1": "Too many lookups from this connection. Please wait a few minutes and try again.",
}


def render_problem(problem: errors.Problem) -> str:
    msgid = _PROBLEM_TEXT.get(problem.ptype.code, "Something went wrong. Please try again later.")
    return _page("Track a report", f'<section class="card"><p>{_both(msgid)}</p></section>')
