"""GET /api/v1/health: for load balancers and the fleet's own checks."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter

from ... import __version__
from .. import errors
from ..db import reader
from ..deps import EngineDep
from ..models import HealthOut, ProblemOut

router = APIRouter(tags=["health"])


@router.get("/api/v1/health", response_model=HealthOut, responses={503: {"model": ProblemOut}})
def health(engine: EngineDep) -> HealthOut:
    try:
        with reader(engine) as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        raise errors.BUSY() from None
    return HealthOut(ok=True, version=__version__, database=engine.dialect.name)
