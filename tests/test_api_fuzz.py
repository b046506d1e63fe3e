"""Every query parameter of every GET in the OpenAPI document, fuzzed: the server answers, never with a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run
from ipgauge.web.app import create_app
from ipgauge.web.guard import Settings

PLAUSIBLE = {
    "name": ["valid_invention_patents", "valid_trademarks", "casework_disputes", "nope"],
    "region": ["CN", "northeast", "210000", "210100", "US", "atlantis", "nbs_northeast"],
    "share_of": ["CN", "northeast", "210000"],
    "as_of": ["2024-12-31", "2025-02-29", "2024-02-29", "1900-01-01", "9999-12-31"],
    "known_at": ["2025-06-30", "2024-01-01", "2025-13-01"],
    "from": ["2020-01-01", "2024-06-30", "2030-01-01"],
    "to": ["2024-12-31", "2019-01-01"],
    "series": ["monthly", "quarterly", "yearly", "daily"],
    "by": ["subregion", "holder_type", "field", "country", "centre", "jurisdiction", "nope"],
    "format": ["json", "csv", "xml"],
    "year": ["2024", "1999", "abc"],
    "limit": ["1", "0", "501", "-3"],
    "code": ["210000", "999999", "../../etc"],
}


@pytest.fixture(scope="module")
def fuzzed(small_delivery, tmp_path_factory):
    db = tmp_path_factory.mktemp("fuzz") / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", db.parent / "rj").exit_code == 0
    key = run("keys", "add", "--name", "fuzz", "--all-centres", "--db", db).stdout.strip()
    client = TestClient(create_app(db, Settings(rate=0)), raise_server_exceptions=False)
    spec = client.get("/v1/openapi.json").json()
    gets = [(path, op["get"].get("parameters", [])) for path, op in spec["paths"].items() if "get" in op]
    return client, key, gets


def _value(name: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(PLAUSIBLE.get(name, ["x"])),
        st.text(max_size=30),
        st.text(alphabet="0123456789-", max_size=12),
    )


@st.composite
def calls(draw, gets):
    path, params = draw(st.sampled_from(gets))
    query, filled = {}, path
    for p in params:
        if p["in"] == "path":
            filled = filled.replace("{" + p["name"] + "}", quote(draw(_value(p["name"])), safe="") or "x")
        elif p["in"] == "query" and (p.get("required") or draw(st.booleans())):
            query[p["name"]] = draw(_value(p["name"]))
    return filled, query, draw(st.booleans())


def test_no_query_is_answered_with_a_500(fuzzed):
    client, key, gets = fuzzed
    assert len(gets) >= 12

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(calls(gets))
    def check(call):
        path, query, keyed = call
        r = client.get(path, params=query, headers={"X-Api-Key": key} if keyed else {})
        assert r.status_code < 500, (path, query, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert r.json()["error"]  # every refusal says why, in one sentence

    check()
