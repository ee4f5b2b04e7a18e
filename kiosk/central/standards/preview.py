"""What the kiosk's service page will show for one service of a catalog document (a draft or a published one).

The kiosk's page is ``kiosk/ui/screens/service.py`` (+ ``service.kv``): the service's name, its agency,
the actions, then the six public components of PermenPANRB 15/2014 in the order of PUBLIC_COMPONENTS
(requirements as a checklist, procedure as numbered steps, completion time, fees with a "Gratis" badge
when free, products, complaint channels) and the agency's maklumat. Its agency's compliance page
(``compliance.py``) lists the nine aspects with their status. This module gives the same texts, in the
kiosk's words (the kiosk's own msgids, so "Free of charge" reads "Gratis" exactly as on the kiosk), for
``templates/staff/standards/_kiosk_preview.html``. docs/catalog-csv.md, "Kiosk preview".

The service and its agency go through the kiosk's own parser (parse_service, parse_agency), so the preview
shows what a kiosk would: trimmed texts, a single text as a one-item list. The satisfaction score (IKM)
is left out: it is counted per kiosk, a draft has none.
"""

from __future__ import annotations

from typing import Any

from ...domain.catalog import (
    COMPLIANCE_LABELS,
    PUBLIC_COMPONENTS,
    ComplianceAspect,
    ComplianceStatus,
    parse_agency,
    parse_service,
)
from ...i18n import LANGUAGES, translator

# The kiosk's words for a compliance status and the colour it shows them in (kiosk/ui/screens/compliance.py).
STATUS_LOOK = {
    ComplianceStatus.ADA: ("In place", "ok"),
    ComplianceStatus.SEBAGIAN: ("Partly in place", "warn"),
    ComplianceStatus.BELUM: ("Not yet in place", "error"),
}
# Every msgid the preview shows; they are the kiosk's (ui.po and friends): tests check they are translated.
MSGIDS = (
    "Free of charge",
    "Tick what you already have with you.",
    "Service charter (maklumat pelayanan)",
    "Complain about this service",
    "Rate this service",
    "Fill in the form",
    "No information yet.",
    "How this office meets its service obligations",
    "Motto: {motto}",
    "Back",
    "Home",
) + tuple(word for word, _kind in STATUS_LOOK.values())


def service_preview(doc: dict, service_id: str, lang: str) -> dict[str, Any]:
    """The kiosk's service page for ``service_id`` in ``lang`` ("id" or "en").

    Raises KeyError when the document has no such service (the editor answers 404) and ValidationError
    when the service or its agency would not pass the kiosk's parser.
    """
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    raw_service = _find(doc.get("services", []), service_id)
    agencies = {a.get("id"): a for a in doc.get("agencies", []) if isinstance(a, dict)}
    service = parse_service(raw_service, "service", set(agencies))
    agency = parse_agency(agencies[service.agency_id], "agency")
    t = translator(lang)

    def pick(indonesian: str, english: str) -> str:
        return indonesian if lang == "id" else english

    std = service.standard
    headings = {key: pick(indonesian, english) for key, indonesian, english in PUBLIC_COMPONENTS}
    # One entry per public component, in the kiosk's order; "items" lists, "text" single texts.
    sections = [
        {"key": "requirements", "title": headings["requirements"], "hint": t("Tick what you already have with you."),
         "items": list(std.requirements), "style": "checklist"},
        {"key": "procedure", "title": headings["procedure"], "items": list(std.procedure), "style": "steps"},
        {"key": "duration", "title": headings["duration"], "text": std.duration},
        {"key": "fees", "title": headings["fees"], "text": std.fees,
         "badge": t("Free of charge") if std.is_free else ""},
        {"key": "products", "title": headings["products"], "items": list(std.products), "style": "bullets"},
        {"key": "complaint_handling", "title": headings["complaint_handling"],
         "items": list(std.complaint_handling), "style": "bullets"},
    ]
    by_aspect = {item.aspect: item for item in agency.compliance}
    compliance = []
    for aspect in ComplianceAspect:
        item = by_aspect.get(aspect)
        word, kind = STATUS_LOOK[item.status] if item is not None else ("No information yet.", "none")
        compliance.append({"aspect": aspect.value, "label": pick(*COMPLIANCE_LABELS[aspect]), "status": t(word),
                           "kind": kind, "evidence": item.evidence if item is not None else ""})
    return {
        "lang": lang,
        "service_id": service.id,
        "title": pick(service.name, service.name_en),
        "agency": pick(agency.name, agency.name_en),
        "actions": [t("Complain about this service"), t("Rate this service")]
        + ([t("Fill in the form")] if service.form_id else []),
        "sections": sections,
        "nav": [t("Back"), t("Home")],  # the kiosk's bottom bar
        "fee_idr": std.fee_idr,
        "is_free": std.is_free,
        "duration": std.duration,
        "maklumat": {"title": t("Service charter (maklumat pelayanan)"), "text": agency.maklumat.text,
                     "signed": f"{agency.maklumat.signed_by}, {agency.maklumat.signed_on}"},
        "compliance_title": t("How this office meets its service obligations"),
        "compliance": compliance,
        "office": agency.short_name,
        "motto": t("Motto: {motto}").format(motto=agency.motto) if agency.motto else "",
    }


def _find(services, service_id: str) -> dict:
    for service in services:
        if isinstance(service, dict) and service.get("id") == service_id:
            return service
    raise KeyError(service_id)
