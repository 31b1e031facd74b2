"""Fuzzing against the OpenAPI schema (hypothesis): for every operation, requests built from its
declared parameters and body (valid-looking and wrong values) never get a 5xx, and every status
returned is one the schema documents for that operation."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.conftest import settings as service_settings
from tests.service.helpers import running

JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3)
    ),
    max_leaves=6,
)


def _resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def value_of(schema: dict, spec: dict, depth: int = 0) -> st.SearchStrategy:
    """Values for a JSON schema: mostly of its type (edges and beyond its bounds), sometimes anything."""
    schema = _resolve(schema, spec)
    if "anyOf" in schema:
        return st.one_of([value_of(s, spec, depth) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | st.text(max_size=6)
    t = schema.get("type")
    if t == "integer":
        own = st.integers(min_value=-(2**40), max_value=2**40) | st.sampled_from(
            [0, 1, -1, 2023, 2**31]
        )
    elif t == "number":
        own = st.floats(allow_nan=False, allow_infinity=False, width=32) | st.sampled_from(
            [0.0, -1.0, 1e9, 1e12]
        )
    elif t == "string":
        own = st.sampled_from(
            [
                "2026-06-30",
                "2026-06-30T00:00:00Z",
                "gallium",
                "USA",
                "metal",
                "agency",
                "graphite_licensing",
                "",
            ]
        ) | st.text(max_size=12)
    elif t == "boolean":
        own = st.booleans()
    elif t == "array" and depth < 3:
        own = st.lists(value_of(schema.get("items", {}), spec, depth + 1), max_size=3)
    elif t == "object" and depth < 3:
        props = schema.get("properties", {})
        own = st.fixed_dictionaries(
            {}, optional={k: value_of(v, spec, depth + 1) for k, v in props.items()}
        )
    else:
        own = JSONISH
    return own | JSONISH if depth else own


def _operations():
    import tempfile

    from orebloc.service.app import create_app

    with tempfile.TemporaryDirectory() as d:
        spec = create_app(service_settings(f"sqlite:///{d}/x.db")).openapi()
    return spec, [(m.upper(), p, op) for p, item in spec["paths"].items() for m, op in item.items()]


SPEC, OPERATIONS = _operations()


@pytest.fixture(scope="module")
def fuzz_bloc(tmp_path_factory, sqlite_template):
    import shutil

    path = tmp_path_factory.mktemp("fuzz") / "f.db"
    shutil.copy(sqlite_template, path)
    with running(f"sqlite:///{path}", scheduler="hold") as bloc:
        bloc.tokens = {who: bloc.as_(who) for who in ("sec", "usa", "obs")}
        yield bloc


@pytest.mark.parametrize(
    ("method", "path", "op"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_no_5xx_and_only_documented_statuses(fuzz_bloc, method, path, op):
    params = op.get("parameters", [])
    body = op.get("requestBody", {}).get("content", {})
    query_s = st.fixed_dictionaries(
        {}, optional={p["name"]: value_of(p["schema"], SPEC) for p in params if p["in"] == "query"}
    )
    path_s = st.fixed_dictionaries(
        {
            p["name"]: st.integers(-3, 10**6) | st.text(min_size=1, max_size=6)
            for p in params
            if p["in"] == "path"
        }
    )
    json_s = (
        value_of(body["application/json"]["schema"], SPEC)
        if "application/json" in body
        else st.none()
    )
    documented = {int(c) for c in op["responses"]}

    @settings(
        max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        query=query_s,
        ids=path_s,
        payload=json_s,
        who=st.sampled_from(["sec", "usa", "obs", None]),
        raw=st.binary(max_size=40),
    )
    def check(query, ids, payload, who, raw):
        url = path.format(**{k: quote(str(v), safe="") or "0" for k, v in ids.items()})
        kw = {
            "params": {
                k: v if not isinstance(v, (dict, list)) else json.dumps(v) for k, v in query.items()
            }
        }
        if "application/json" in body:
            kw["json"] = payload
        elif "multipart/form-data" in body:
            kw["files"] = {"file": ("f.csv", raw, "text/csv")}
        headers = fuzz_bloc.tokens.get(who, {}) if who else {}
        if path == "/auth/logout":
            headers = {}  # keep the shared tokens alive
        r = fuzz_bloc.client.request(method, url, headers=headers, **kw)
        assert r.status_code < 500, (method, url, kw, r.text)
        assert r.status_code in documented or r.status_code in (401, 403, 404, 405), (
            method,
            url,
            r.status_code,
        )

    check()
