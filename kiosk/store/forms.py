"""Which catalog services link to which application form (``services.form_id``)."""

from __future__ import annotations

from sqlite_utils import Database


def service_ids_for_form(db: Database, form_id: str) -> list[str]:
    rows = db.execute("SELECT id FROM services WHERE form_id = ? ORDER BY name", [form_id]).fetchall()
    return [r[0] for r in rows]


def linked_form_ids(db: Database) -> dict[str, list[str]]:
    """form_id -> the ids of the services that link to it."""
    out: dict[str, list[str]] = {}
    for form_id, service_id in db.execute(
        "SELECT form_id, id FROM services WHERE form_id IS NOT NULL ORDER BY form_id, name"
    ).fetchall():
        out.setdefault(form_id, []).append(service_id)
    return out
