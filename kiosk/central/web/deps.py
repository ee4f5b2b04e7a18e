"""PLACEHOLDER, replaced by the "auth" part of issue #11 (kiosk/central/web/deps.py there).

Only here so the scaffold imports before sign-in exists: every request counts as signed out and gets
the redirect the real StaffDep gives. Do not build on anything in this file but the names below.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from ..access import Staff


def current_staff(request: Request) -> Staff:
    raise HTTPException(303, headers={"Location": "/staff/sign-in?next=" + quote(request.url.path, safe="/")})


StaffDep = Annotated[Staff, Depends(current_staff)]
