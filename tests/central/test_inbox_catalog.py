"""Every string the complaint pages show has an Indonesian translation (Indonesian is the first language).

The msgids are read from the templates (``t("...")`` and the "any" choice of ``options(...)``) and from
the modules' message constants and label tables, so a new string without a translation fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.central import complaints, inbox, pii, response_templates
from kiosk.central.web import complaint_page
from kiosk.central.web import inbox as web_inbox
from kiosk.i18n import messages

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [*(ROOT / "kiosk/central/templates/staff/complaints").glob("*.html"),
             ROOT / "kiosk/central/templates/staff/templates.html"]


def template_msgids() -> set[str]:
    ids: set[str] = set()
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        ids |= set(re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', text))
        ids |= set(re.findall(r"\bt\(\s*'((?:[^'\\]|\\.)*)'", text))
        ids |= set(re.findall(r'options\([^,]+,\s*"([^"]+)"', text))
    return ids


def module_msgids() -> set[str]:
    ids = {v for mod in (complaints, inbox, response_templates) for k, v in vars(mod).items()
           if k.startswith("MSG_") and isinstance(v, str)}
    ids |= set(complaints.ACTION_LABELS.values()) | set(pii.KIND_LABELS.values())
    ids |= {label for _v, label in web_inbox.STATUS_OPTIONS_EXTRA}
    for days in (None, -3, 0, 1, 4):
        ids.add(web_inbox.deadline(days, "sent")[0])
    ids.add(web_inbox.deadline(None, "closed")[0])
    # The detail page's tables: the faces' words, the e-mails' kinds and states, actors without an account.
    ids |= set(complaint_page.RATING_WORDS.values()) | set(complaint_page.MAIL_KINDS.values())
    ids |= {label for label, _kind in complaint_page.MAIL_STATUSES.values()} | set(complaint_page.ACTOR_LABELS.values())
    return ids


@pytest.mark.parametrize("msgid", sorted(template_msgids() | module_msgids()))
def test_every_string_has_an_indonesian_translation(msgid):
    assert messages("id").get(msgid), f"no Indonesian for {msgid!r} (assets/locale/id/LC_MESSAGES/inbox.po)"


def test_the_template_scan_finds_strings():
    assert len(template_msgids()) > 80  # a broken pattern must not make the test above vacuous
