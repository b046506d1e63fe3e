"""The HTTP API: the same figures as the command line, errors as JSON, CSV on request (issue 13, begun)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from conftest import run
from ipgauge.regions.groups import region as find_region
from ipgauge.web.app import create_app

Q = {"region": "northeast", "as_of": "2024-12-31", "known_at": "2025-06-30"}


@pytest.fixture(scope="module")
def api(small_delivery, tmp_path_factory):
    db = tmp_path_factory.mktemp("api") / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", db.parent / "rj").exit_code == 0
    return TestClient(create_app(db)), db


@pytest.mark.parametrize(
    "extra",
    [{}, {"share_of": "CN"}, {"by": "subregion"}, {"series": "quarterly", "from": "2024-01-01"}],
)
def test_a_figure_is_the_object_the_command_line_prints(api, extra):
    client, db = api
    r = client.get("/v1/indicators/valid_invention_patents", params=Q | extra)
    assert r.status_code == 200, r.text
    args = ["indicator", "valid_invention_patents", "--region", Q["region"], "--as-of", Q["as_of"], "--known-at",
            Q["known_at"], "--format", "json", "--db", db]  # fmt: skip
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", value]
    cli = run(*args)
    assert cli.exit_code == 0, cli.stderr
    assert r.json() == json.loads(cli.stdout)


def test_csv_and_errors(api):
    client, _ = api
    r = client.get("/v1/indicators/valid_trademarks", params=Q | {"by": "subregion"}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    members = set(find_region("northeast").members)
    assert {row["part"] for row in rows} <= members and len(rows) >= 3
    by_json = client.get("/v1/indicators/valid_trademarks", params=Q | {"by": "subregion"}).json()
    assert [int(row["value"]) for row in rows] == [p["value"] for p in by_json]
    bad = client.get("/v1/indicators/valid_invention_patents", params=Q | {"region": "atlantis"})
    assert bad.status_code == 400 and "atlantis" in bad.json()["error"]
    date = client.get("/v1/indicators/valid_invention_patents", params=Q | {"as_of": "2024-02-30"})
    assert date.status_code == 400 and "2024-02-30" in date.json()["error"]
    nope = client.get("/v1/indicators/nope", params=Q)
    assert nope.status_code == 404 and "no indicator 'nope'" in nope.json()["error"]
    missing = client.get("/v1/indicators/valid_invention_patents", params={"region": "CN"})
    assert missing.status_code == 422  # as_of is required: FastAPI's own validation error


def test_regions_catalogue_and_openapi(api):
    client, _ = api
    regions = client.get("/v1/regions", params={"q": "辽宁"}).json()
    assert regions[0]["code"] == "210000" and regions[0]["name_en"] == "Liaoning"
    names = [i["name"] for i in client.get("/v1/catalogue").json()]
    assert "valid_invention_patents" in names and "casework_disputes" in names
    spec = client.get("/v1/openapi.json").json()
    assert "/v1/indicators/{name}" in spec["paths"] and client.get("/v1/docs").status_code == 200
