"""What routes depend on, as ``Annotated`` aliases so that route signatures read like contracts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.engine import Engine

from . import security
from .devices import Device
from .settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_device(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <device token>")] = None,
) -> Device:
    return request.app.state.auth.device(security.bearer_token(authorization))


def client_address(request: Request) -> str:
    settings: Settings = request.app.state.settings
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first[:64]
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
DeviceDep = Annotated[Device, Depends(get_device)]
ClientDep = Annotated[str, Depends(client_address)]
