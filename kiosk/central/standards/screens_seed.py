"""Drafts for ``make staff-screenshots`` (web/screenshots.py SEEDS): Bapenda's fee change waiting for the
desk's review, and an open draft of Dinas Kesehatan for its officer to edit. Runs after the seeds that
publish the demo catalog."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from .. import audit
from ..access import Role, Staff
from ..settings import Settings
from . import drafts as D
from . import fields as F

PROVINCE = Staff(0, "screenshots", "Screenshots", Role.ADMIN)
BY = audit.Actor(None, "screenshots")
REVIEW_SERVICE = "bappenda-pkb-tahunan"


def seed(engine: Engine, settings: Settings) -> None:
    draft = D.start(engine, PROVINCE, BY, "bappenda")
    values = F.service_values(draft.service(REVIEW_SERVICE))
    D.save_service(engine, PROVINCE, BY, "bappenda", REVIEW_SERVICE,
                   {**values, "fees": "Rp 35.000 biaya administrasi per kendaraan.", "fee_idr": "35000"})
    D.submit(engine, PROVINCE, BY, "bappenda")
    D.start(engine, PROVINCE, BY, "dinkes")
