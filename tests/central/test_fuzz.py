"""A property-based fuzz of the API, driven by its own OpenAPI spec: no input makes a 5xx.

Like schemathesis, without the dependency: hypothesis draws path and query parameters and JSON bodies
from each operation's schemas (valid-looking and plainly wrong ones), with and without a valid device
token, and sends them to the real server.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .serverkit import complaint_record, rating_record

pytestmark = pytest.mark.slow

JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
ANY_JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=20,
)
CODE_CHARS = st.text(alphabet=string.ascii_letters + string.digits + "-_. %/\\'\"<>é0", max_size=30)


def from_schema(schema: dict, components: dict, depth: int = 0) -> st.SearchStrategy:
    if depth > 6:
        return JSON_LEAF
    if "$ref" in schema:
        return from_schema(components[schema["$ref"].rsplit("/", 1)[1]], components, depth + 1)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s, components, depth + 1) for s in schema[key]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        if not props:
            return st.dictionaries(st.text(max_size=12), ANY_JSON, max_size=6)
        required = set(schema.get("required", []))
        fixed = {k: from_schema(v, components, depth + 1) for k, v in props.items() if k in required}
        optional = {k: from_schema(v, components, depth + 1) for k, v in props.items() if k not in required}
        return st.fixed_dictionaries(fixed, optional=optional)
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), components, depth + 1), max_size=4)
    if kind == "string":
        return st.text(max_size=schema.get("maxLength", 60) + 5)
    if kind == "integer":
        return st.integers(-(10**6), 10**6)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return ANY_JSON


@pytest.fixture(scope="module")
def spec(server):
    import requests

    return requests.get(server.url + "/openapi.json", timeout=10).json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield path, method.upper(), op


def request_strategy(spec, path, method, op):
    components = spec.get("components", {}).get("schemas", {})
    params = op.get("parameters", [])
    path_params = {p["name"]: CODE_CHARS | from_schema(p["schema"], components) for p in params if p["in"] == "path"}
    query = {p["name"]: st.one_of(st.none(), from_schema(p["schema"], components), CODE_CHARS)
             for p in params if p["in"] == "query"}
    body_schema = (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
    body = st.none()
    if body_schema is not None:
        body = st.one_of(from_schema(body_schema, components), ANY_JSON, st.just({"records": "x"}))
    return st.fixed_dictionaries({
        "path": st.fixed_dictionaries(path_params),
        "query": st.fixed_dictionaries(query),
        "body": body,
        "auth": st.sampled_from(["valid", "none", "junk"]),
    })


def _fill(path: str, values: dict) -> str:
    from urllib.parse import quote

    return re.sub(r"{(\w+)}", lambda m: quote(str(values[m.group(1)]), safe="") or "x", path)


def test_fuzz_every_operation_never_answers_5xx(server, http, spec, device):
    # Some real records, so replays and conflicts are in reach too.
    http.post(server.url + "/api/v1/sync/push", json={"records": [complaint_record(), rating_record()]},
              headers=device.headers, timeout=10)
    seen: list[tuple[str, str, int]] = []

    def make_check(path: str, method: str, op: dict):
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(req=request_strategy(spec, path, method, op))
        def check(req):
            headers = {"valid": device.headers, "none": {}, "junk": {"Authorization": "Bearer \u00e9\x01"}}[req["auth"]]
            query = {k: v if isinstance(v, str) else str(v) for k, v in req["query"].items() if v is not None}
            kwargs = {"params": query, "headers": dict(headers), "timeout": 20}
            if method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = req["body"]
            try:
                r = http.request(method, server.url + _fill(path, req["path"]), **kwargs)
            except UnicodeEncodeError:
                return  # requests itself refuses a non-Latin-1 header; nothing reached the server
            seen.append((method, path, r.status_code))
            assert r.status_code < 500, (method, path, req, r.text[:500])
            if r.status_code >= 400 and r.headers.get("content-type", "").startswith("application/json"):
                assert re.fullmatch(r"\d{3}\.\d+", r.json()["code"]), r.text

        return check

    for path, method, op in operations(spec):
        make_check(path, method, op)()
    assert len({(m, p) for m, p, _ in seen}) == len(list(operations(spec)))


def _mutations():
    """A real record with one field (at any depth) replaced by arbitrary JSON, or deleted."""
    return st.tuples(st.sampled_from(["complaint", "rating"]), st.integers(0, 10**6), ANY_JSON, st.booleans())


def _mutate(body, pick: int, value, delete: bool):
    paths = []

    def walk(node, trail):
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append((*trail, k))
                walk(v, (*trail, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append((*trail, i))
                walk(v, (*trail, i))

    walk(body, ())
    path = paths[pick % len(paths)]
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return body


def test_fuzz_record_bodies_get_a_per_record_answer(server, http, device):
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(m=_mutations())
    def check(m):
        kind, pick, value, delete = m
        rec = complaint_record() if kind == "complaint" else rating_record()
        rec["body"] = _mutate(rec["body"], pick, value, delete)
        r = http.post(server.url + "/api/v1/sync/push", json={"records": [rec]}, headers=device.headers, timeout=20)
        assert r.status_code == 200, r.text[:500]
        (res,) = r.json()["results"]
        assert res["uuid"] == rec["uuid"] and res["status"] in ("stored", "rejected"), res

    check()
