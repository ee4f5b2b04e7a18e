"""Every string of the fleet page and the fleet alerts has an Indonesian translation with the same
placeholders (assets/locale/id/LC_MESSAGES/fleet.po). The frame's test finds the templates' t("...") and
the web modules'; this one adds what it cannot see: msgids kept in constants (the kinds, the mail's lines,
the page's flash messages, the audit labels) and the t("...") calls of fleet_health."""

from __future__ import annotations

import string
from pathlib import Path

from babel.messages.extract import extract_python

from kiosk.central import audit, audit_view, fleet_alerts
from kiosk.central import fleet_health as H
from kiosk.central.web import fleet_page
from kiosk.i18n import messages


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def fleet_msgids() -> set[str]:
    ids = set(H.LABELS.values()) | set(fleet_page.DONE.values())
    ids |= {fleet_alerts.SUBJECT_ALERT, fleet_alerts.SUBJECT_RECOVERY, fleet_alerts.GREETING, fleet_alerts.ALERT_LINE,
            fleet_alerts.RECOVERY_LINE, fleet_alerts.SEE_AT, fleet_alerts.FOOTER}
    ids |= {audit_view.ACTIONS[audit.KIOSK_REVOKED], audit_view.ACTIONS[audit.TECHNICIAN_OFFICES_SET]}
    with Path(H.__file__).open("rb") as fh:
        ids |= {msg for _line, _func, msg, _c in extract_python(fh, ["t"], [], {}) if isinstance(msg, str)}
    return ids


def test_the_extraction_sees_the_detail_lines():
    assert "Printer: {state}." in fleet_msgids() and "{n} h {m} min" in fleet_msgids()


def test_every_fleet_string_has_indonesian_with_the_same_placeholders():
    table = messages("id")
    assert sorted(m for m in fleet_msgids() if m not in table) == []
    assert sorted(m for m in fleet_msgids() if placeholders(m) != placeholders(table[m])) == []
    # Really Indonesian: only a unit may read the same in both languages.
    assert sorted(m for m in fleet_msgids() if table[m] == m) == ["{gb} GB", "{mb} MB"]
