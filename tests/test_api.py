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
from test_screen import BATTERY, EVENTS_OF_A_LAPSE_AND_A_RESTORATION, LAPSED, PRODUCT, RESTORED, deliver

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
    later = client.get("/v1/indicators/valid_invention_patents", params=Q | {"known_at": "2199-01-01"})
    assert later.status_code == 400 and "known_at 2199-01-01 is in the future" in later.json()["error"]
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


def test_status_casework_and_export_agree_with_the_command_line(api):
    client, db = api
    right = client.get("/v1/indicators/valid_invention_patents/rights", params=Q)
    assert right.status_code == 401 and "X-Api-Key" in right.json()["error"]  # a full export needs a key
    key = _key(db, "--all-centres")
    export = client.get("/v1/indicators/valid_invention_patents/rights", params=Q, headers={"X-Api-Key": key})
    assert export.status_code == 200, export.text
    rows = list(csv.DictReader(io.StringIO(export.text)))
    figure = client.get("/v1/indicators/valid_invention_patents", params=Q).json()
    assert len(rows) == int(export.headers["X-Row-Count"]) == figure["value"]  # the rights the figure counts
    some = rows[0]["right_id"]
    status = client.get(f"/v1/rights/{some}/status", params={"as_of": Q["as_of"], "known_at": Q["known_at"]})
    cli = run("status", some, "--as-of", Q["as_of"], "--known-at", Q["known_at"], "--format", "json", "--db", db)
    assert status.status_code == 200 and status.json() == json.loads(cli.stdout) and status.json()["in_force"]
    assert client.get("/v1/rights/NOPE1/status", params={"as_of": Q["as_of"]}).status_code == 404
    work = client.get("/v1/casework/summary", params={"region": "northeast", "year": 2024, "known_at": Q["known_at"]})
    cli = run("casework", "summary", "--region", "northeast", "--year", "2024", "--known-at", Q["known_at"],
              "--format", "json", "--db", db)  # fmt: skip
    assert work.status_code == 200 and work.json() == json.loads(cli.stdout)


def _key(db, *scope: str) -> str:
    made = run("keys", "add", "--name", "test", *scope, "--db", db)
    assert made.exit_code == 0, made.stderr
    return made.stdout.strip()


def _centre(db, which: str = "min") -> str:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT {which}(centre_id) FROM centres").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def writable(small_delivery, tmp_path):
    db = tmp_path / "w.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    return TestClient(create_app(db)), db


def test_cases_are_written_with_a_key_scoped_to_the_centre(writable):
    client, db = writable
    centre = _centre(db)
    case = {"case_id": "API-1", "centre_id": centre, "kind": "consultation", "opened_date": "2025-03-01",
            "client_name": "某某科技有限公司"}  # fmt: skip
    assert client.post("/v1/cases", json=case).status_code == 401
    wrong = client.post("/v1/cases", json=case, headers={"X-Api-Key": "ipg_not-a-key"})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.json()["error"]
    other = _key(db, "--centre", _centre(db, "max"))
    assert client.post("/v1/cases", json=case, headers={"X-Api-Key": other}).status_code == 403
    key = _key(db, "--centre", centre)
    made = client.post("/v1/cases", json=case, headers={"X-Api-Key": key})
    assert made.status_code == 201, made.text
    assert client.get("/v1/cases/API-1").json()["client_name"] == "某某科技有限公司"
    again = client.post("/v1/cases", json=case, headers={"X-Api-Key": key})
    assert again.status_code == 409 and "already in the register" in again.json()["error"]
    bad = client.post("/v1/cases", json=case | {"case_id": "API-2", "kind": "picnic"}, headers={"X-Api-Key": key})
    assert bad.status_code == 400 and "kind" in bad.json()["error"]
    assert client.get("/v1/cases/API-2").status_code == 404  # refused: nothing of it saved
    refused = {"closed_date": "2025-04-01", "amounts": [{"kind": "recovered", "amount": "1", "currency": "XXX"}]}
    bad_amount = client.post("/v1/cases/API-1/close", json=refused, headers={"X-Api-Key": key})
    assert bad_amount.status_code == 400 and "were not saved" in bad_amount.json()["error"]
    assert client.get("/v1/cases/API-1").json()["status"] == "open"  # all or nothing: not closed without its amount
    assert client.patch("/v1/cases/NOPE-9", json={"outcome": "x"}, headers={"X-Api-Key": key}).status_code == 404
    odd = client.post("/v1/cases", json=case | {"case_id": "K1 ../"}, headers={"X-Api-Key": key})
    assert odd.status_code == 422 and "case_id" in odd.json()["error"]
    for broken in (
        b"hello",
        b'{"case_id": "S\\ud800", "centre_id": "C", "kind": "dispute", "opened_date": "x"}',
        b'{"case_id": "N", "centre_id": "C", "kind": "dispute", "opened_date": "x", "attendees": NaN}',
    ):
        r = client.post("/v1/cases", content=broken, headers={"X-Api-Key": key, "Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["error"], (broken, r.text)  # never a 500
    closing = {"closed_date": "2025-04-01", "amounts": [{"kind": "recovered", "amount": "1000", "currency": "EUR"}]}
    closed = client.post("/v1/cases/API-1/close", json=closing, headers={"X-Api-Key": key})
    assert closed.status_code == 200, closed.text
    assert client.get("/v1/cases/API-1").json()["status"] == "closed"
    listed = run("keys", "list", "--format", "json", "--db", db)
    ids = [k["key_id"] for k in json.loads(listed.stdout)]
    assert "digest" not in listed.stdout and key not in listed.stdout
    for key_id in ids:
        assert run("keys", "revoke", key_id, "--db", db).exit_code == 0
    after = client.patch("/v1/cases/API-1", json={"outcome": "x"}, headers={"X-Api-Key": key})
    assert after.status_code == 401  # revoked: refused from the next request on


def test_writes_are_recorded_today_and_a_correction_needs_its_key_and_reason(writable, monkeypatch):
    client, db = writable
    centre = _centre(db)
    plain = _key(db, "--centre", centre)
    training = {"case_id": "T-1", "centre_id": centre, "kind": "training", "opened_date": "2024-06-01",
                "client_name": "培训班", "attendees": 100}  # fmt: skip
    back = training | {"recorded_on": "2024-12-31"}
    refused = client.post("/v1/cases", json=back, headers={"X-Api-Key": plain})
    assert refused.status_code == 403 and "back-date" in refused.json()["error"]
    huge = client.post("/v1/cases", json=training | {"attendees": 100_000}, headers={"X-Api-Key": plain})
    assert huge.status_code == 400 and "plausible attendance" in huge.json()["error"]
    fixer = _key(db, "--centre", centre, "--corrections")
    no_reason = client.post("/v1/cases", json=back, headers={"X-Api-Key": fixer})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]
    fixed = client.post("/v1/cases", json=back | {"correction_reason": "paper register of June 2024 entered late"},
                        headers={"X-Api-Key": fixer})  # fmt: skip
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["recorded_date"] == "2024-12-31"
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        source = con.execute("SELECT source FROM deliveries ORDER BY delivery_id DESC LIMIT 1").fetchone()[0]
    assert source.startswith("api key ") and 'correction recorded on 2024-12-31: "paper register' in source
    assert fixer not in source and plain not in source
    # close, reopen, close again: only the last closing's amounts count
    opened = {
        "case_id": "D-1",
        "centre_id": centre,
        "kind": "dispute",
        "opened_date": "2025-01-05",
        "client_name": "某",
    }
    assert client.post("/v1/cases", json=opened, headers={"X-Api-Key": plain}).status_code == 201
    first = {"closed_date": "2025-02-01", "amounts": [{"kind": "recovered", "amount": "1000", "currency": "CNY"}]}
    assert client.post("/v1/cases/D-1/close", json=first, headers={"X-Api-Key": plain}).status_code == 200
    assert client.patch("/v1/cases/D-1", json={"status": "open"}, headers={"X-Api-Key": plain}).status_code == 200
    second = {"closed_date": "2025-03-01", "amounts": [{"kind": "recovered", "amount": "3000", "currency": "CNY"}]}
    assert client.post("/v1/cases/D-1/close", json=second, headers={"X-Api-Key": plain}).status_code == 200
    import pyarrow.parquet as pq

    from ipgauge.indicators.casework import facts

    with duckdb.connect(str(db), read_only=True) as con:
        table = pq.read_table(facts(con, db, __import__("datetime").date.today())).to_pylist()
    amounts = [r for r in table if r["case_id"] == "D-1" and r["fact"] == "amount"]
    assert [(str(r["date"]), int(r["amount"])) for r in amounts] == [("2025-03-01", 3000)]
    # the server's own faults: 503 with Retry-After, naming no path
    import ipgauge.services.casework as casework

    def full(*_a, **_k):
        raise casework.UserError(f"cannot write the register {db} (No space left on device).")

    monkeypatch.setattr(casework, "load_delivery", full, raising=False)
    monkeypatch.setattr("ipgauge.register.load.load_delivery", full)
    disk = client.post("/v1/cases", json=opened | {"case_id": "D-2"}, headers={"X-Api-Key": plain})
    assert disk.status_code == 503 and disk.headers["retry-after"]
    assert str(db.parent) not in disk.text and "No space left on device" in disk.json()["error"]

    def busy(*_a, **_k):
        raise casework.UserError(f"the register {db} is in use by another ipgauge process (PID 4242); wait.")

    monkeypatch.setattr("ipgauge.register.load.load_delivery", busy)
    locked = client.post("/v1/cases", json=opened | {"case_id": "D-3"}, headers={"X-Api-Key": plain})
    assert locked.status_code == 503 and "4242" not in locked.text and str(db.parent) not in locked.text


def test_keys_name_real_centres(writable):
    _, db = writable
    star = run("keys", "add", "--name", "x", "--centre", "*", "--db", db)
    assert star.exit_code != 0 and "--all-centres" in star.stderr
    typo = run("keys", "add", "--name", "x", "--centre", "NOSUCH", "--db", db)
    assert typo.exit_code != 0 and "no centre 'NOSUCH'" in typo.stderr
    assert not json.loads(run("keys", "list", "--format", "json", "--db", db).stdout)  # none was made


def test_limits_etags_suffixes_and_pages(small_delivery, tmp_path):
    from ipgauge.web.guard import Settings

    db = tmp_path / "l.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    client = TestClient(create_app(db, Settings(rate=5, max_body=200)))
    first = client.get("/v1/indicators/valid_trademarks.csv", params=Q)
    assert first.status_code == 200 and first.text.startswith("indicator,")
    assert first.headers["Cache-Control"] == "public, max-age=86400"  # explicit K: a day
    same = client.get("/v1/indicators/valid_trademarks.csv", params=Q, headers={"If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304 and same.content == b""
    latest = client.get("/v1/indicators/valid_trademarks", params={"region": "CN", "as_of": Q["as_of"]})
    assert latest.headers["Cache-Control"] == "public, max-age=60"  # as known today: a minute
    page = client.get("/v1/regions", params={"q": "2101", "limit": 1})
    assert page.status_code == 200 and len(page.json()) == 1 and 'rel="next"' in page.headers["Link"]
    rest = client.get("/v1/regions", params={"q": "2101", "after": page.headers["X-Next-After"]}).json()
    assert rest and all(r["code"] > page.json()[0]["code"] for r in rest)
    big = client.post("/v1/cases", content=b"{" + b" " * 300 + b"}", headers={"Content-Type": "application/json"})
    assert big.status_code == 413
    limited = client.get("/v1/catalogue")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_releases_by_id_with_files_reproduce_and_diff(api, tmp_path):
    client, db = api
    made = run("release", "--region", "northeast", "--as-of", "2024-12-31", "--known-at", "2025-03-31",
               "--out", tmp_path / "rel", "--db", db)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    stored = json.loads((tmp_path / "rel" / "figures.json").read_text(encoding="utf-8"))
    rid = stored["release_id"]
    listed = client.get("/v1/releases").json()
    assert rid in [r["release_id"] for r in listed]
    one = client.get(f"/v1/releases/{rid}")
    assert one.headers["Cache-Control"].endswith("immutable")
    assert one.json()["figures"] == stored["figures"] and one.json()["text"]["zh"]["paragraphs"]
    files = {f["name"]: f["url"] for f in client.get(f"/v1/releases/{rid}/files").json()}
    assert {"release.html", "release.pdf", "figures.csv", "figures.xlsx"} <= files.keys()
    assert client.get(files["figures.csv"]).text == (tmp_path / "rel" / "figures.csv").read_text(encoding="utf-8")
    assert client.get(f"/v1/releases/{rid}/files/..%2Fr.duckdb").status_code == 404
    assert client.get("/v1/releases/Rnothexadecim").status_code == 422
    key = _key(db, "--all-centres")
    check = client.get(f"/v1/releases/{rid}/reproduce", headers={"X-Api-Key": key})
    assert check.status_code == 200 and check.json()["reproduces"] is True
    diff = client.get(f"/v1/releases/{rid}/diff", params={"known_at": "2025-06-30"}, headers={"X-Api-Key": key})
    cli = run("release", "diff", rid, "--known-at", "2025-06-30", "--format", "json", "--db", db)
    assert diff.status_code == 200 and diff.json() == json.loads(cli.stdout)
    page = client.get(f"/releases/{rid}", params={"lang": "en"})
    assert page.status_code == 200 and one.json()["text"]["en"]["title"] in page.text


def test_landscape_and_screening_agree_with_the_command_line(api, tmp_path):
    client, db = api
    params = {"region": "northeast", "as_of": Q["as_of"], "known_at": Q["known_at"]}
    assert client.get("/v1/landscape", params=params).status_code == 401
    key = _key(db, "--all-centres")
    got = client.get("/v1/landscape", params=params, headers={"X-Api-Key": key})
    cli = run("landscape", "--region", "northeast", "--as-of", Q["as_of"], "--known-at", Q["known_at"],
              "--format", "json", "--db", db)  # fmt: skip
    assert got.status_code == 200 and got.json() == json.loads(cli.stdout)
    both = client.get("/v1/landscape", params=params | {"field": "13"}, headers={"X-Api-Key": key})
    assert both.status_code == 400 and "give one of company, region or field" in both.json()["error"]
    body = {"text": PRODUCT, "as_of": Q["as_of"], "known_at": Q["known_at"]}
    nothing = client.post("/v1/screen", json=body, headers={"X-Api-Key": key}).json()  # a register without claims
    assert nothing["results"] == [] and nothing["warning"].startswith("not screened")
    # screening needs claims (the synthetic register has none): a lapsed and a restored battery patent
    register = tmp_path / "claims.duckdb"
    patents = [
        [p, "CN", "invention", "电池管理系统", "2015-03-01", "2018-05-01", "HLJ", BATTERY] for p in (LAPSED, RESTORED)
    ]
    deliver(tmp_path / "d", register, patents, EVENTS_OF_A_LAPSE_AND_A_RESTORATION, "2022-06-30")
    claims = TestClient(create_app(register))
    key = _key(register, "--all-centres")
    body = {"text": PRODUCT, "as_of": "2022-06-30", "known_at": "2022-06-30", "top": 3}
    assert claims.post("/v1/screen", json=body).status_code == 401
    screened = claims.post("/v1/screen", json=body, headers={"X-Api-Key": key})
    cli = run("screen", PRODUCT, "--as-of", "2022-06-30", "--known-at", "2022-06-30", "--top", "3", "--format",
              "json", "--db", register)  # fmt: skip
    assert screened.status_code == 200, screened.text
    results = screened.json()["results"]
    assert results == json.loads(cli.stdout)["results"] and screened.json()["disclaimer_zh"]
    assert results[0]["right_id"] == RESTORED and LAPSED not in [r["right_id"] for r in results]
    assert screened.json()["warning"] is None


def test_private_servers_refuse_pages_too_and_keys_need_a_register(small_delivery, tmp_path):
    from ipgauge.web.guard import Settings

    db = tmp_path / "p.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    client = TestClient(create_app(db, Settings(private=True)))
    for path in ("/", "/casework", "/rights", "/releases", "/v1/catalogue"):
        assert client.get(path).status_code == 401, path
    assert client.get("/static/dashboard.css").status_code == 200 and client.get("/v1/docs").status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in client.get("/v1/docs").text  # nothing from a CDN
    key = _key(db, "--all-centres")
    assert client.get("/casework", headers={"X-Api-Key": key}).status_code == 200
    missing = run("keys", "add", "--name", "x", "--all-centres", "--db", tmp_path / "none.duckdb")
    assert missing.exit_code == 2 and "no register" in missing.stderr
    assert not (tmp_path / "none.keys.json").exists()
    evil = run("keys", "add", "--name", "a\x1b[31mb", "--all-centres", "--db", db)
    assert evil.exit_code == 2 and "printable" in evil.stderr


def test_a_share_of_a_region_that_does_not_contain_it_is_refused_as_by_the_cli(api):
    client, db = api
    r = client.get("/v1/indicators/valid_invention_patents", params=Q | {"region": "liaoning", "share_of": "beijing"})
    cli = run("indicator", "valid_invention_patents", "--region", "liaoning", "--share-of", "beijing", "--as-of",
              Q["as_of"], "--db", db)  # fmt: skip
    assert r.status_code == 400 and r.json()["error"] in cli.stderr and "does not contain" in r.json()["error"]
    nested = client.get("/v1/collaboration/summary.csv", params={"as_of": Q["as_of"], "known_at": Q["known_at"]})
    assert nested.status_code == 406  # a nested view is JSON only, never CSV cells of Python reprs
    long = client.get("/v1/indicators/valid_trademarks", params=Q | {"series": "monthly", "from": "1800-01-01"})
    assert long.status_code == 400 and "at most 50 years" in long.json()["error"]


def test_the_server_keeps_a_bounded_number_of_knowledge_dates_on_disk(small_delivery, tmp_path):
    from ipgauge.register.cache import count_prunable
    from ipgauge.web.guard import Settings

    db = tmp_path / "k.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    client = TestClient(create_app(db, Settings(keep_cached=2)))
    for day in ("01", "02", "03", "04"):
        params = {"region": "CN", "as_of": "2024-12-31", "known_at": f"2025-06-{day}"}
        assert client.get("/v1/indicators/valid_invention_patents", params=params).status_code == 200
        assert count_prunable(db) <= 2
    again = client.get("/v1/indicators/valid_invention_patents", params=params | {"known_at": "2025-06-01"})
    assert again.status_code == 200  # a pruned date is computed again


def test_dashboard_pages_refuse_in_a_page_of_the_readers_language(api):
    client, _ = api
    bad = client.get("/rights", params={"right": "X", "as_of": "2025-13-01", "lang": "zh"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
    assert "无法显示" in bad.text and "2025-13-01" in bad.text
    assert client.get("/releases/nope", params={"lang": "en"}).status_code == 404
    assert client.get("/casework", params={"year": "abc"}).headers["content-type"].startswith("text/html")


def test_a_killed_writes_staging_folder_is_removed_by_the_next_write(writable):
    from ipgauge.register.cache import cache_dir

    client, db = writable
    dead = subprocess_pid_of_a_finished_process()
    orphan = cache_dir(db) / "writes" / f".case-deadbeef-{dead}"
    (orphan / "delivery").mkdir(parents=True)
    (orphan / "delivery" / "cases.csv").write_text("case_id,client_name\nX,某某公司\n", encoding="utf-8")
    key = _key(db, "--all-centres")
    case = {"case_id": "AFTER-KILL", "centre_id": _centre(db), "kind": "consultation", "opened_date": "2025-03-01"}
    assert client.post("/v1/cases", json=case | {"client_name": "甲"}, headers={"X-Api-Key": key}).status_code == 201
    assert not orphan.exists()
    assert not list((cache_dir(db) / "writes").iterdir())  # its own staging folder is gone too


def subprocess_pid_of_a_finished_process() -> int:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_hostile_case_fields_ids_and_a_locked_register_on_pages(writable, monkeypatch):
    client, db = writable
    key = _key(db, "--all-centres")
    base = {"centre_id": _centre(db), "kind": "consultation", "opened_date": "2025-03-01"}
    suffix = client.post(
        "/v1/cases", json=base | {"case_id": "SFX.json", "client_name": "x"}, headers={"X-Api-Key": key}
    )
    assert suffix.status_code == 422 and ".json" in suffix.json()["error"]  # it could never be read back
    cr = client.post("/v1/cases", json=base | {"case_id": "CR1", "client_name": "a\rb"}, headers={"X-Api-Key": key})
    assert cr.status_code == 422 and "control character" in cr.json()["error"]
    semi = base | {"case_id": "SEMI1", "client_name": "ACME;=cmd|' /C calc'!A0;", "outcome": "ok;@SUM(1)"}
    assert client.post("/v1/cases", json=semi, headers={"X-Api-Key": key}).status_code == 201
    served = client.get("/v1/cases/SEMI1.csv").text
    assert ";=" not in served and ";'=cmd" in served and ";'@SUM" in served  # safe in a ';'-separated Excel too
    from ipgauge.register import store

    def locked(*_a, **_k):
        raise casework_error(f"the register {db} is in use by another ipgauge process (PID 4242); wait.")

    monkeypatch.setattr(store, "connect", locked)
    for page in ("/casework?region=CN&year=2024", "/rights?right=CN1&as_of=2024-12-31"):
        r = client.get(page)
        assert r.status_code == 503 and "4242" not in r.text and str(db.parent) not in r.text, page


def casework_error(text: str):
    from ipgauge.errors import UserError

    return UserError(text)


def test_the_gate_lets_waiting_reads_in_between_writes():
    import threading
    import time

    from ipgauge.web.guard import Gate

    gate, stop, waits = Gate(), time.monotonic() + 1.5, []

    def writer():
        while time.monotonic() < stop:
            with gate.writing():
                time.sleep(0.03)

    def reader():
        while time.monotonic() < stop:
            asked = time.monotonic()
            with gate.reading():
                waits.append(time.monotonic() - asked)

    threads = [threading.Thread(target=writer) for _ in range(2)] + [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(waits) > 20 and max(waits) < 0.5  # writers-first starved every reader for the whole run


def test_a_repeated_crash_is_logged_a_few_times_a_minute(tmp_path, monkeypatch):
    from ipgauge.web.guard import Crashes

    monkeypatch.setenv("IPGAUGE_LOG_DIR", str(tmp_path))
    crashes = Crashes(per_minute=3)
    ids = {crashes.record(ValueError("boom")) for _ in range(50)}
    assert len(ids) == 50 and len(list(tmp_path.glob("crash-*.log"))) == 3


def test_writes_name_their_case_exactly_and_rights_are_ids(writable):
    client, db = writable
    centre = _centre(db)
    cli = run("case", "add", "--case-id", "SFX.json", "--centre", centre, "--kind", "consultation", "--opened",
              "2025-01-05", "--client-name", "CLI Co", "--db", db)  # fmt: skip
    assert cli.exit_code != 0 and "ends in .json or .csv" in cli.stderr  # not from the command line either
    key = _key(db, "--all-centres")
    case = {
        "case_id": "SFX",
        "centre_id": centre,
        "kind": "consultation",
        "opened_date": "2025-03-01",
        "client_name": "x",
    }
    assert client.post("/v1/cases", json=case, headers={"X-Api-Key": key}).status_code == 201
    aimed = client.patch("/v1/cases/SFX.json", json={"outcome": "meant for SFX.json"}, headers={"X-Api-Key": key})
    assert aimed.status_code == 404 and client.get("/v1/cases/SFX").json()["outcome"] is None  # SFX untouched
    for rights in (["a;b"], [" c"], ["=1+1"]):
        bad = client.post("/v1/cases", json=case | {"case_id": "R1", "rights": rights}, headers={"X-Api-Key": key})
        assert bad.status_code == 422 and "rights" in bad.json()["error"], rights
    c1 = client.post("/v1/cases", json=case | {"case_id": "C1", "client_name": "a\u2028b"}, headers={"X-Api-Key": key})
    assert c1.status_code == 422
    assert client.get("/v1/cases/", follow_redirects=False).status_code == 404  # no redirect echoing Host


def test_a_flood_of_refusals_is_one_line_a_minute_in_the_access_log(tmp_path):
    from ipgauge.web.access import AccessLog

    log = AccessLog(tmp_path / "a.jsonl")
    for i in range(5000):
        log.write({"client": ("10.0.0.9", 1), "method": "GET", "path": f"/static/{i}"}, 429, 50, 0.001)
    log.write({"client": ("10.0.0.9", 1), "method": "GET", "path": "/v1/register"}, 200, 90, 0.002)
    log.close()
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["status"] for x in lines] == [429, 200]  # the flood is one line; the answer after it is kept
