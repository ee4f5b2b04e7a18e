"""The server suite runs twice: on a SQLite file and on a real PostgreSQL started by the tests."""

from __future__ import annotations

import pytest
import requests

from .serverkit import database_url, enroll, pg_missing_reason, start_server

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgres" and (reason := pg_missing_reason()):
        pytest.skip(reason)
    return request.param


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Extra IPLIK_CENTRAL_* settings for this module's server (a module overrides it)."""
    return {}


@pytest.fixture(scope="module")
def server(backend, server_env, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"central-{backend}")
    s = start_server(database_url(backend, tmp), tmp, **server_env)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def engine(server):
    e = server.engine()
    yield e
    e.dispose()


@pytest.fixture
def device(server, engine):
    return enroll(server, engine)


@pytest.fixture
def http():
    with requests.Session() as s:
        yield s
