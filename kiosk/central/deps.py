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
    """The client's address: the socket's, or, behind a configured trusted proxy, the nearest address
    in X-Forwarded-For that is not itself a trusted proxy (the entries left of it are the client's word)."""
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else "unknown"
    return security.client_address(peer, request.headers.getlist("x-forwarded-for"), settings.trusted_proxies)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
DeviceDep = Annotated[Device, Depends(get_device)]
ClientDep = Annotated[str, Depends(client_address)]
