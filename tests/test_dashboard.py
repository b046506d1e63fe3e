"""The dashboard in a real browser: Debian's chromium driven by Playwright against `ipgauge serve` on loopback."""

from __future__ import annotations

import csv
import json
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from conftest import run, serving
from test_screen import BATTERY, EVENTS_OF_A_LAPSE_AND_A_RESTORATION, LAPSED, PRODUCT, RESTORED, deliver

CHROMIUM = "/usr/bin/chromium"
D, K = "2024-12-31", "2025-06-30"


@pytest.fixture(scope="module")
def server(small_delivery, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dash")
    db = folder / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", folder / "rj").exit_code == 0
    made = run("release", "--region", "northeast", "--as-of", D, "--known-at", K, "--out", folder / "rel", "--db", db)
    assert made.exit_code == 0, made.stderr
    release = json.loads((folder / "rel" / "figures.json").read_text(encoding="utf-8"))["release_id"]
    patents = [
        [p, "CN", "invention", "电池管理系统", "2015-03-01", "2018-05-01", "HLJ", BATTERY] for p in (LAPSED, RESTORED)
    ]
    deliver(folder / "claims", db, patents, EVENTS_OF_A_LAPSE_AND_A_RESTORATION, K)  # the synthetic one has no claims
    proc, base, _ = serving(db)
    yield base, release, folder
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "make setup installs Debian's chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _until(page, js: str, timeout: float = 30) -> None:
    """Wait until ``js`` is true in the page. Polled from here: the pages' CSP forbids the eval that
    Playwright's wait_for_function runs inside the page (which is the point of the policy)."""
    stop = time.monotonic() + timeout
    while not page.evaluate(js):
        assert time.monotonic() < stop, f"not true within {timeout} s: {js}"
        time.sleep(0.05)


def _settled(page, after: int) -> None:
    _until(page, f"window.ipgauge && window.ipgauge.refreshes > {after}")
    assert page.evaluate("document.body.dataset.state") == "ready", page.inner_text("#error")


def _refreshes(page) -> int:
    return page.evaluate("window.ipgauge.refreshes")


@contextmanager
def _redraw(page):
    """The block changes the view: wait until the explorer has drawn it again, and drawn it without error."""
    before = _refreshes(page)
    yield
    _settled(page, before)


def test_map_pick_a_region_change_the_date_and_download(server, browser, tmp_path):
    base, _, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/?lang=zh&as_of={D}&known_at={K}")
    _settled(page, 0)
    regions = page.evaluate(
        "window.ipgauge.mapChart.getModel().getSeriesByIndex(0).coordinateSystem.regions.map(r => r.name)"
    )
    assert "南海诸岛" in regions and "210000" in regions  # the South China Sea islands inset, the provinces
    shaded = page.evaluate("window.ipgauge.mapChart.getOption().series[0].data.length")
    assert shaded >= 25
    assert "合成数据" in page.inner_text("body")  # the synthetic label, on the page and on the map

    # a click on Liaoning opens its prefectures
    box = page.locator("#map").bounding_box()
    x, y = page.evaluate("window.ipgauge.mapChart.convertToPixel({seriesIndex: 0}, [123.2, 41.6])")
    with _redraw(page):
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.evaluate("window.ipgauge.state.map") == "210000"
    assert "210100" in page.evaluate("window.ipgauge.mapChart.getOption().series[0].data.map(d => d.name)")

    # pick a region by its English name, change the date, break it down
    with _redraw(page):
        page.fill("#region-search", "Jilin")
        page.locator("#region-results li[data-code='220000']").click()
    with _redraw(page):
        page.fill("#as_of", "2024-06-30")
        page.dispatch_event("#as_of", "change")
    with _redraw(page):
        page.select_option("#by", "subregion")
    api = httpx.get(
        f"{base}/v1/indicators/valid_invention_patents",
        params={"region": "220000", "as_of": "2024-06-30", "known_at": K},
    ).json()
    shown = page.inner_text("#figure .value").replace(",", "")
    assert int(shown) == api["value"]
    with page.expect_download() as got:
        page.click("#download-csv")
    saved = tmp_path / "dl.csv"
    got.value.save_as(saved)
    assert got.value.suggested_filename == f"valid_invention_patents-220000-2024-06-30-K{K}-subregion.csv"
    assert saved.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the Chinese names right
    expected = httpx.get(
        f"{base}/v1/indicators/valid_invention_patents.csv",
        params={"region": "220000", "as_of": "2024-06-30", "known_at": K, "by": "subregion"},
    ).text
    assert saved.read_text(encoding="utf-8-sig") == expected and expected.count("\n") > 3

    # the permalink holds every choice
    link = page.get_attribute("#permalink", "href")
    again = browser.new_page(viewport={"width": 1400, "height": 1000})
    again.goto(link)
    _settled(again, 0)
    assert again.evaluate("[window.ipgauge.state.region, window.ipgauge.state.as_of, window.ipgauge.state.by]") == [
        "220000",
        "2024-06-30",
        "subregion",
    ]
    assert again.inner_text("#figure .value") == page.inner_text("#figure .value")
    for lang in ("zh", "en"):
        again.goto(link.replace("lang=zh", f"lang={lang}"))
        _settled(again, 0)
        shot = again.screenshot(path=str(tmp_path / f"explorer-{lang}.png"), full_page=True)
        assert len(shot) > 30_000
    label = next(
        i["label_en"] for i in httpx.get(f"{base}/v1/catalogue").json() if i["name"] == "valid_invention_patents"
    )
    assert label in again.inner_text("#figure")  # the English page names the indicator in English
    assert not errors


def test_a_series_in_the_explorer(server, browser):
    base, _, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/?lang=en&region=northeast&as_of={D}&known_at={K}&series=quarterly&from=2024-01-01")
    _settled(page, 0)
    rows = page.locator("#rows tbody tr").count()
    assert rows == 4  # four quarter ends in 2024
    line = page.evaluate("window.ipgauge.lineChart.getOption().series[0].data")
    api = httpx.get(
        f"{base}/v1/indicators/valid_invention_patents",
        params={"region": "northeast", "as_of": D, "known_at": K, "series": "quarterly", "from": "2024-01-01"},
    ).json()
    assert line == [p["value"] for p in api]
    bad = httpx.get(f"{base}/v1/indicators/valid_invention_patents", params={"as_of": "2024-02-30"})
    assert bad.status_code == 400 and "2024-02-30" in bad.json()["error"]


def _a_patent(db: Path) -> str:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT min(e.right_id) FROM events e JOIN patents p ON p.patent_id = e.right_id "
            "WHERE p.grant_date IS NOT NULL AND e.effective_date <= ?",
            [D],
        ).fetchall()[0][0]
    finally:
        con.close()


def test_release_status_and_casework_pages(server, browser, tmp_path):
    base, release, folder = server
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    for lang in ("zh", "en"):
        page.goto(f"{base}/releases/{release}?lang={lang}")
        page.wait_for_selector("#files a", timeout=60_000)  # htmx draws the files on first request
        names = page.locator("#files a").all_inner_texts()
        assert "release.pdf" in names and "figures.xlsx" in names
        assert page.locator("article table").count() >= 1
        page.screenshot(path=str(tmp_path / f"release-{lang}.png"), full_page=True)
    page.fill("input[name=known_at]", "2025-06-30")
    page.click("#diff-form button")
    _until(page, "document.querySelector('#diff').textContent.length > 0")
    assert "X-Api-Key" in page.inner_text("#diff")  # the diff needs a key: the API's sentence, shown
    listing = httpx.get(f"{base}/v1/indicators/valid_invention_patents/rights", params={"as_of": D})
    assert listing.status_code == 401
    right = _a_patent(folder / "r.duckdb")
    page.goto(f"{base}/rights?lang=en&right={right}&as_of={D}&known_at={K}")
    status = httpx.get(f"{base}/v1/rights/{right}/status", params={"as_of": D, "known_at": K}).json()
    verdict = page.inner_text("#verdict")
    assert ("NOT IN FORCE" in verdict) == (not status["in_force"])
    assert page.locator(".timeline li").count() == len(status["events"]) >= 1
    page.goto(f"{base}/rights?lang=zh&right=NOPE-1&as_of={D}")
    assert "NOPE-1" in page.inner_text(".error")
    page.goto(f"{base}/casework?lang=zh&region=northeast&year=2024&known_at={K}")
    sentence = httpx.get(
        f"{base}/v1/casework/summary", params={"region": "northeast", "year": 2024, "known_at": K}
    ).json()["sentence_zh"]
    assert page.inner_text(".sentence") == sentence


def test_the_screening_page_needs_a_key_and_shows_the_apis_results(server, browser):
    base, _, folder = server
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(f"{base}/screen?lang=zh")
    text = PRODUCT
    page.fill("#text", text)
    page.fill("#as_of", D)
    page.fill("#api-key", "ipg_wrong")
    page.click("#screen-form button")
    page.wait_for_selector("#error:not([hidden])")
    assert "unknown or revoked" in page.inner_text("#error")
    key = run("keys", "add", "--name", "browser", "--all-centres", "--db", folder / "r.duckdb").stdout.strip()
    page.fill("#api-key", key)
    page.fill("#known_at", "2024-12-31")  # before the claims were delivered: none to screen, and not "no risk"
    page.click("#screen-form button")
    page.wait_for_selector("#error:not([hidden])")
    assert "未进行筛查" in page.inner_text("#error") and "not screened" in page.inner_text("#error")
    page.fill("#known_at", K)
    page.fill("#top", "3")
    page.click("#screen-form button")
    _until(page, "!!document.querySelector('#results tbody tr')", 120)
    # only one patent of the register has claims: the results come with that said, never as a full answer
    assert page.inner_text("#error").startswith("partly screened: only 1 of the"), page.inner_text("#error")
    api = httpx.post(
        f"{base}/v1/screen",
        json={"text": text, "as_of": D, "known_at": K, "top": 3},
        headers={"X-Api-Key": key},
        timeout=120,
    ).json()
    rows = page.locator("#results tbody tr")
    shown = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    assert shown == [r["right_id"] for r in api["results"]] and shown[0] == RESTORED and LAPSED not in shown
    assert page.inner_text("#disclaimer") == api["disclaimer_zh"]


def test_quick_changes_draw_only_the_last_and_one_failure_keeps_the_rest(server, browser):
    base, _, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/?lang=en&region=CN&as_of={D}&known_at={K}")
    _settled(page, 0)
    n = _refreshes(page)
    page.evaluate(
        """() => { const by = document.querySelector('#by');
                   by.value = 'field'; by.dispatchEvent(new Event('change'));
                   by.value = 'holder_type'; by.dispatchEvent(new Event('change')); }"""
    )
    _until(page, f"window.ipgauge.refreshes > {n} && document.body.dataset.state !== 'busy'")
    api = httpx.get(
        f"{base}/v1/indicators/valid_invention_patents",
        params={"region": "CN", "as_of": D, "known_at": K, "by": "holder_type"},
    ).json()
    assert page.locator("#rows tbody tr").count() == len(api)  # the field rows never mix in
    page.goto(
        f"{base}/?lang=zh&indicator=valid_invention_patents_per_10k&region=210000&map=210000&as_of={D}&known_at={K}"
    )
    _until(page, "window.ipgauge && window.ipgauge.refreshes > 0")
    point = httpx.get(
        f"{base}/v1/indicators/valid_invention_patents_per_10k", params={"region": "210000", "as_of": D, "known_at": K}
    ).json()
    assert page.inner_text("#figure .value").replace(",", "") == f"{point['value']:g}"
    page.goto(f"{base}/?indicator=bogus&as_of={D}&known_at={K}")
    _settled(page, 0)  # an unknown indicator in a permalink falls back to the first


def _half_up(x: float) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    r = Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return ("+" if r > 0 else "") + f"{r:,}%"


def test_back_and_forward_restore_views_and_changes_are_rounded_once(server, browser):
    base, _, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/?lang=en&region=210000&as_of={D}&known_at={K}")
    _settled(page, 0)
    point = httpx.get(
        f"{base}/v1/indicators/valid_invention_patents", params={"region": "210000", "as_of": D, "known_at": K}
    ).json()
    exact = (point["value"] - point["previous"]) / point["previous"] * 100
    assert page.inner_text("#figure .yoy") == _half_up(exact)  # one rounding of the unrounded change
    last = page.locator("#rows tbody tr").last.locator("td").nth(4).inner_text()
    assert last == page.inner_text("#figure .yoy")  # the chart's table says the same as the headline
    with _redraw(page):
        page.select_option("#by", "holder_type")
    with _redraw(page):
        page.fill("#as_of", "2024-06-30")
        page.dispatch_event("#as_of", "change")
    with _redraw(page):
        page.go_back()
    assert page.evaluate("[window.ipgauge.state.by, window.ipgauge.state.as_of]") == ["holder_type", D]
    assert page.input_value("#as_of") == D
    with _redraw(page):
        page.go_back()
    assert page.evaluate("window.ipgauge.state.by") == "" and page.input_value("#by") == ""
    with _redraw(page):
        page.go_forward()
    assert page.evaluate("window.ipgauge.state.by") == "holder_type"


def test_map_legend_outside_the_mainland_groups_and_missing_populations(server, browser):
    base, _, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/?lang=zh&indicator=valid_invention_patents_per_10k&region=northeast&as_of={D}&known_at={K}")
    _settled(page, 0)
    option = "window.ipgauge.mapChart.getOption()"
    values = [v for v in page.evaluate(f"{option}.series[0].data.map(d => d.value)") if v is not None]
    legend = page.evaluate(f"[{option}.visualMap[0].min, {option}.visualMap[0].max]")
    assert legend == [min(values), max(values)] and max(values) < 1  # the legend spans the data, not 0-1
    tip = page.evaluate(f"{option}.tooltip[0].formatter({{name: '710000', data: undefined}})")
    assert "不在登记库中" in tip and "undefined" not in tip
    english = browser.new_page(viewport={"width": 1400, "height": 1000})
    english.goto(f"{base}/?lang=en&region=CN&as_of={D}&known_at={K}")
    _settled(english, 0)
    tip = english.evaluate(f"{option}.tooltip[0].formatter({{name: '810000', data: undefined}})")
    assert "not in the register" in tip and "undefined" not in tip
    outlined = page.evaluate(f"{option}.series[0].data.filter(d => d.itemStyle).map(d => d.name).sort()")
    assert {"210000", "220000", "230000"} <= set(outlined)  # the chosen group's provinces are outlined
    # a prefecture map of a per-10,000 figure without prefecture populations: drawn, and the gap said
    with _redraw(page):
        page.evaluate("window.ipgauge.state.map = '210000'; window.ipgauge.state.region = '210000'")
        page.select_option("#view", "change")
    assert page.is_visible("#map-note") and "沈阳市" in page.inner_text("#map-note")
    assert page.inner_text("#figure .value")  # the province's own figure is still shown
    assert not any(ch.isascii() and ch.isalpha() for ch in page.inner_text("#map-rows tbody"))  # 沈阳市, no "Shenyang"


def test_chart_downloads_embed_sorting_comparison_relative_view_and_the_time_slider(server, browser, tmp_path):
    base, _, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(f"{base}/?lang=en&region=210000&as_of={D}&known_at={K}")
    _settled(page, 0)
    for what, kind, magic in (("map", "png", b"\x89PNG"), ("chart", "svg", b"<svg")):
        with page.expect_download() as got:
            page.click(f"[data-save='{what}'][data-type='{kind}']")
        saved = tmp_path / f"{what}.{kind}"
        got.value.save_as(saved)
        assert saved.read_bytes().startswith(magic) and saved.stat().st_size > 2000
        assert got.value.suggested_filename.startswith("valid_invention_patents-210000-")
    assert "SYNTHETIC" in (tmp_path / "chart.svg").read_text(encoding="utf-8")  # the label travels with the chart
    code = page.input_value("#embed-code")
    assert code.startswith("<iframe") and "/embed?" in code
    embed_url = code.split('src="')[1].split('"')[0]
    framed = httpx.get(embed_url)
    assert "frame-ancestors *" in framed.headers["content-security-policy"] and "x-frame-options" not in framed.headers
    assert httpx.get(base + "/").headers["x-frame-options"] == "DENY"
    embedded = browser.new_page(viewport={"width": 960, "height": 720})
    embedded.goto(embed_url)
    _settled(embedded, 0)
    assert embedded.evaluate("window.ipgauge.mapChart.getOption().series[0].data.length") > 0
    assert "SYNTHETIC" in embedded.inner_text("body")
    assert not embedded.is_visible("#controls") and not embedded.is_visible("#time")  # the chart alone
    assert embedded.evaluate("document.documentElement.scrollWidth") <= 960
    # sortable: the map's table by value, descending then ascending
    page.locator("#map-rows thead button").nth(1).click()
    shown = [int(x.replace(",", "")) for x in page.locator("#map-rows tbody td:nth-child(2)").all_inner_texts()]
    assert shown == sorted(shown, reverse=True) and len(shown) > 20
    page.locator("#map-rows thead button").nth(1).click()
    shown = [int(x.replace(",", "")) for x in page.locator("#map-rows tbody td:nth-child(2)").all_inner_texts()]
    assert shown == sorted(shown)
    # two regions on one line chart, then the change since the first year
    with _redraw(page):
        page.click("#compare-add")
    with _redraw(page):
        page.fill("#region-search", "Jilin")
        page.locator("#region-results li[data-code='220000']").click()
    assert page.evaluate("document.activeElement.id") == "region-search"  # focus is kept after choosing
    with _redraw(page):
        page.click("#compare-add")
    lines = page.evaluate("window.ipgauge.lineChart.getOption().series.map(s => s.name)")
    assert len(lines) == 2 and "Liaoning" in lines and "Jilin" in lines
    with _redraw(page):
        page.select_option("#view", "change")
    firsts = page.evaluate("window.ipgauge.lineChart.getOption().series.map(s => s.data.find(v => v !== null))")
    assert firsts == [0, 0]  # each line starts at its first figure, 0 % from itself (nothing shown before it)
    # the time slider moves D; the figure follows
    with _redraw(page):
        page.evaluate("const s = document.querySelector('#time'); s.value = String(Number(s.max) - 12); "
                      "s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change'))")  # fmt: skip
    moved = page.evaluate("window.ipgauge.state.as_of")
    assert moved < D and page.input_value("#as_of") == moved and moved in page.inner_text("#figure")
    # the map from the keyboard: focusable, Enter goes to its regions' buttons
    with _redraw(page):
        page.select_option("#view", "level")
    page.focus("#map")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.classList.contains('link')")


def test_phone_width_and_accessibility_in_both_languages(server, browser):
    from axe_playwright_python.sync_playwright import Axe

    base, release, folder = server
    right = _a_patent(folder / "r.duckdb")
    axe = Axe()
    pages = {
        "explorer": f"/?as_of={D}&known_at={K}",
        "release": f"/releases/{release}?x=1",
        "status": f"/rights?right={right}&as_of={D}&known_at={K}",
        "casework": "/casework?region=northeast",
        "trademarks": "/trademarks?a=%E4%B9%94%E4%B8%B9&b=JORDAN&classes_a=25&classes_b=25",
    }
    for lang in ("zh", "en"):
        for name, path in pages.items():
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(f"{base}{path}&lang={lang}")
            if name == "explorer":
                _settled(phone, 0)
            else:
                phone.wait_for_load_state("networkidle")
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (name, lang, width)  # nothing wider than a phone (tables scroll in their box)
            found = axe.run(phone).response["violations"]
            bad = [
                (v["id"], v["impact"], v["nodes"][0]["target"]) for v in found if v["impact"] in ("serious", "critical")
            ]
            assert not bad, (name, lang, bad)
            phone.close()


def test_the_status_page_speaks_chinese_and_takes_ids_as_people_type_them(server, browser):
    base, _, folder = server
    right = _a_patent(folder / "r.duckdb")
    digits = right.removeprefix("CN").split(".")[0]
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    for typed in (f"ZL{digits}.{right[-1]}", right.lower(), f"{digits}.{right[-1]}", digits):
        page.goto(f"{base}/rights?lang=zh&right={typed}&as_of={D}&known_at={K}")
        assert right in page.inner_text("#verdict"), typed
    text = page.inner_text("main")
    assert "recorded" not in text and "informative" not in text and "patent" not in text.lower()
    assert not any(w in text for w in ("annuity_paid", "enterprise", "university", "in force since"))
    status = httpx.get(f"{base}/v1/rights/{right}/status", params={"as_of": D, "known_at": K}).json()
    assert status["reason_zh"] in text
    known = sum(e["known"] for e in status["events"])  # "(登记于 …)" once per known event; a later one says it itself
    assert text.count("登记于") == known and text.count("尚不知悉") == len(status["events"]) - known


def test_a_date_after_the_register_is_flagged_and_a_ratios_change_is_in_points(server, browser):
    base, _, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/?lang=en&as_of=2025-12-31&known_at={K}")
    _settled(page, 0)
    last = httpx.get(f"{base}/v1/register").json()["latest_recorded"]
    assert last < "2025-12-31" and last in page.inner_text("#figure .beyond")
    assert page.get_attribute("#as_of", "max") == last
    page.goto(f"{base}/?lang=en&indicator=valid_invention_patents_per_10k&view=change&as_of={D}&known_at={K}")
    _settled(page, 0)
    assert page.inner_text("#figure .yoy").endswith("points")
    head = page.locator("#map-rows thead th").nth(3).inner_text()
    assert "points" in head
    page.locator("#map-rows thead button").nth(3).click()
    shown = [float(x) for x in page.locator("#map-rows tbody td:nth-child(4)").all_inner_texts() if x != "—"]
    assert shown == sorted(shown, reverse=True)  # sorted by the points shown, not a hidden percent
    values = [v for v in page.evaluate("window.ipgauge.mapChart.getOption().series[0].data.map(d => d.value)") if v]
    assert max(abs(v) for v in values) < 1  # the map shades the points too


def test_the_trademarks_page_compares_two_marks_and_clears_one_with_a_key(server, browser, small_delivery):
    base, _, folder = server
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(f"{base}/trademarks?lang=zh")
    page.fill("input[name=a]", "乔丹")
    page.fill("input[name=classes_a]", "25")
    page.fill("input[name=b]", "JORDAN")
    page.fill("input[name=classes_b]", "25")
    page.click("form[action='/trademarks'] button")
    page.wait_for_selector("#tm-verdict")
    api = httpx.get(f"{base}/v1/trademarks/compare", params={"a": "乔丹", "b": "JORDAN", "classes_a": "25",
                                                             "classes_b": "25"}).json()  # fmt: skip
    assert ("可能构成混淆" in page.inner_text("#tm-verdict")) == api["likely_confusion"] is True
    assert page.locator("#tm-dimensions meter").count() == 4
    assert page.locator("#tm-reasons li").count() == len(api["reasons"])
    with open(small_delivery / "trademarks.csv", encoding="utf-8") as f:
        mark = next(r for r in csv.DictReader(f) if r["registration_date"] < "2020-01-01")
    page.fill("#clear-mark", mark["mark_text"])
    page.fill("#clear-classes", mark["nice_classes"].replace(";", ","))
    page.select_option("#clear-jurisdiction", "CN")
    page.fill("#clear-as-of", "2021-01-01")
    page.fill("#clear-known-at", K)
    page.fill("#api-key", "ipg_wrong")
    page.click("#clear-form button")
    page.wait_for_selector("#clear-error:not([hidden])")
    assert "unknown or revoked" in page.inner_text("#clear-error")
    key = run("keys", "add", "--name", "tm", "--all-centres", "--db", folder / "r.duckdb").stdout.strip()
    page.fill("#api-key", key)
    page.click("#clear-form button")
    _until(page, "!!document.querySelector('#conflicts tbody tr')", 60)
    ids = [page.locator("#conflicts tbody tr").nth(i).locator("td").nth(1).inner_text()
           for i in range(page.locator("#conflicts tbody tr").count())]  # fmt: skip
    assert mark["trademark_id"] in ids
