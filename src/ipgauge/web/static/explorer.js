// The indicator explorer: every choice lives in the URL (a history entry each), every figure comes from /v1.
"use strict";
(() => {
  const T = JSON.parse(document.getElementById("ui-text").textContent);
  const LANG = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  const LOCALE = LANG === "zh" ? "zh-CN" : "en";
  const EMBED = document.body.classList.contains("embedded");
  const $ = (s) => document.querySelector(s);
  const KEYS = ["indicator", "region", "as_of", "known_at", "series", "from", "by", "view", "compare", "map"];
  const CONTROLS = ["indicator", "as_of", "known_at", "series", "from", "by", "view"];
  // Taiwan, Hong Kong and Macao are drawn on the map but are not in a register of the mainland's statistics
  const OUTSIDE = { "710000": ["中国台湾", "Taiwan, China"], "810000": ["中国香港", "Hong Kong SAR, China"],
                    "820000": ["中国澳门", "Macao SAR, China"] };
  const LAST = $("#as_of").dataset.last || "";  // the day the register's last delivery was received
  const TODAY = document.body.dataset.today || new Date().toISOString().slice(0, 10);
  const DEFAULTS = { indicator: $("#indicator").options[0].value, region: "CN", as_of: $("#as_of").defaultValue,
                     view: "level", map: "CN" };  // what a link that leaves a choice out means
  const state = { ...DEFAULTS, known_at: "", series: "", from: "", by: "", compare: "" };
  const names = { CN: LANG === "zh" ? "全国" : "China" };
  const groups = {};  // a group's member codes, once asked
  const mapChart = echarts.init($("#map"));
  const lineChart = echarts.init($("#chart"));
  const geo = {};
  window.ipgauge = { state, mapChart, lineChart, refreshes: 0 };

  // -- numbers: one rounding, half up, of the unrounded value; grouped digits everywhere (legends too) -------
  const nf = (v, digits) => (v === null || v === undefined) ? "—"
    : Number(v).toLocaleString(LOCALE, { maximumFractionDigits: digits ?? 2 });
  function halfUp(x, places) {  // 17.65 → 17.7 (toFixed would give 17.6: the float is 17.6499…)
    const sign = x < 0 ? -1 : 1;
    return sign * Number(Math.round(Number(Math.abs(x) + "e" + places)) + "e-" + places);
  }
  function pct(v) {  // "+17.6%": the change as every page and file of ipgauge shows it
    if (v === null || v === undefined) return "—";
    const r = halfUp(v, 1);
    const shown = Math.abs(r).toLocaleString(LOCALE, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    return (r > 0 ? "+" : r < 0 ? "-" : "") + shown + "%";
  }
  const isRatio = () => $("#indicator").selectedOptions[0].dataset.ratio === "1";
  const isFlow = () => $("#indicator").selectedOptions[0].dataset.flow === "1";
  // a change as shown: percent for counts, points for a ratio (as the release gives them) — and sorted by that
  const changeOf = (r) => (r.value === null || r.previous === null ? null
    : isRatio() ? halfUp(r.value - r.previous, 2) : r.yoy_pct);
  const changeText = (r) => (isRatio() ? signedPoints(r.value, r.previous) : pct(r.yoy_pct));
  const changeHead = () => (isRatio() ? T.change_points : T.yoy);
  const shownK = () => state.known_at || TODAY;
  const digits = () => isRatio() ? 2 : 0;
  const unit = () => $("#indicator").selectedOptions[0].dataset.unit;
  const label = () => $("#indicator").selectedOptions[0].textContent;
  const partName = (r) => (LANG === "zh" ? r.label_zh : r.label_en) ?? r.label ?? r.part;
  const regionName = (code) => names[code] || code;

  // -- the URL: every view change is a history entry; Back and Forward restore the view ---------------------
  function readURL() {
    const p = new URLSearchParams(location.search);
    for (const k of KEYS) state[k] = p.has(k) ? p.get(k) : DEFAULTS[k] ?? "";
    for (const k of CONTROLS) $("#" + k).value = state[k];
    if (!$("#indicator").value) $("#indicator").selectedIndex = 0;  // an unknown name falls back to the first
    state.indicator = $("#indicator").value;
    if (!$("#view").value) { $("#view").value = "level"; state.view = "level"; }
  }

  function query() {
    const p = new URLSearchParams();
    for (const k of KEYS) if (state[k] && !(k === "view" && state[k] === "level")) p.set(k, state[k]);
    p.set("lang", LANG);
    return p;
  }

  function writeURL(push) {
    const p = query();
    const url = "?" + p.toString();
    if (url !== location.search) (push ? history.pushState : history.replaceState).call(history, null, "", url);
    $("#permalink").href = location.href;
    const other = new URLSearchParams(p); other.set("lang", LANG === "zh" ? "en" : "zh");
    const link = $("#other-lang"); if (link) link.href = "?" + other;
    const embedded = new URL("/embed?" + p.toString(), location.href);
    $("#embed-code").value = `<iframe src="${embedded.href}" title="${label()} · ipgauge" width="960" height="720" style="border:0" loading="lazy"></iframe>`;
    const source = $("#embed-source"); if (source) source.href = "/?" + p.toString();
  }

  function api(extra, region) {
    const p = new URLSearchParams({ region: region || state.region, as_of: state.as_of });
    if (state.known_at) p.set("known_at", state.known_at);
    for (const [k, v] of Object.entries(extra || {})) if (v) p.set(k, v);
    return `/v1/indicators/${encodeURIComponent(state.indicator)}?${p}`;
  }

  async function getJSON(url) {
    const r = await fetch(url);
    const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
    if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
    return body;
  }

  async function describe(code) {  // a region's name in the page's language (and a group's members)
    if (names[code] && (!code.match(/^[a-z]/) || groups[code])) return;
    const found = await getJSON(`/v1/regions?q=${encodeURIComponent(code)}&limit=50`).catch(() => []);
    const r = found.find((x) => x.code === code) || (found.length === 1 ? found[0] : null);
    if (!r) return null;
    names[r.code] = LANG === "zh" ? r.name_zh : r.name_en;
    if (r.members) groups[r.code] = r.members.map((m) => m.split(" ")[0]);
    return r;
  }

  function showRegion() { $("#region-chosen").textContent = `${regionName(state.region)} (${state.region})`; }

  let current = 0;  // the latest refresh: an answer to an earlier one is dropped, never drawn over it

  // a region given by name in a link ("liaoning") becomes its code; a prefecture opens its province's map
  async function resolveName() {
    const r = await describe(state.region);
    if (!r || r.code === state.region) return;
    state.region = r.code;
    if (state.map === "CN") state.map = mapFor(r);
    writeURL(false);
  }

  function mapFor(r) {
    if (r.level === "province") return r.code;
    if (r.level === "prefecture" && r.parent) return r.parent;
    return state.map;
  }

  function showAbout() {
    const o = $("#indicator").selectedOptions[0];
    $("#definition").textContent = o.dataset.definition;
    $("#source").textContent = o.dataset.source;
  }

  async function drawFigure(seq) {
    const p = await getJSON(api());
    if (seq !== current) return;
    if (!state.known_at) {  // the permalink pins the knowledge date the figures were computed for
      const u = new URL(location.href); u.searchParams.set("known_at", p.known_at); $("#permalink").href = u.href;
    }
    $("#figure").innerHTML = "";
    const what = document.createElement("div");
    what.textContent = `${label()} · ${regionName(state.region)} · ${T.as_of} ${p.as_of}`
      + (isFlow() ? ` (${T.year_to_date})` : "") + ` · ${T.known_at} ${p.known_at}`
      + (p.population_year ? ` · ${T.population} ${p.population_year}` : "") + (p.synthetic ? ` · ${T.synthetic}` : "");
    const line = document.createElement("div");
    line.innerHTML = `<span class="value"></span> <span class="unit"></span> · ${T.previous}: <span class="prev"></span> · ${T.yoy}: <span class="yoy"></span>`;
    line.querySelector(".value").textContent = nf(p.value, digits());
    line.querySelector(".unit").textContent = unit();
    line.querySelector(".prev").textContent = nf(p.previous, digits());
    line.querySelector(".yoy").textContent = changeText(p) + (isRatio() ? ` ${T.points}` : "");
    $("#figure").append(what, line);
    if (LAST && p.as_of > LAST) {  // a date after the last delivery: the register knows nothing of it yet
      const beyond = document.createElement("p");
      beyond.className = "beyond"; beyond.setAttribute("role", "alert");
      beyond.textContent = T.beyond.replace("{last}", LAST);
      $("#figure").append(beyond);
    }
    return p;
  }

  function signedPoints(v, prev) {  // a ratio's change is in points, as in the release
    if (v === null || prev === null) return "—";
    const d = halfUp(v - prev, 2);
    return (d > 0 ? "+" : "") + nf(d, 2);
  }

  async function geoFor(code) {
    if (!geo[code]) {
      const url = code === "CN" ? "/geo/provinces.json" : `/geo/prefectures/${code}.json`;
      const r = await fetch(url);
      if (!r.ok) return null;
      geo[code] = await r.json();
      for (const f of geo[code].features) names[f.properties.code] = names[f.properties.code] || f.properties.name_zh;
      // "china" is the name for which ECharts draws the South China Sea islands inset
      echarts.registerMap(code === "CN" ? "china" : "p" + code, geo[code]);
    }
    return code === "CN" ? "china" : "p" + code;
  }

  // the chosen region, or a group's members, outlined on the map: whole (solid) or in part (dashed: a
  // province of which only some prefectures belong, such as eastern Inner Mongolia in the Northeast)
  function chosenOnMap() {
    const members = groups[state.region] || [state.region];
    return (code) => {
      if (members.includes(code)) return "whole";
      const inside = members.some((m) => state.map === "CN" && code.endsWith("0000") && m.slice(0, 2) === code.slice(0, 2));
      return inside ? "part" : "";
    };
  }
  function outline(how) {
    if (how === "whole") return { borderColor: "#d97706", borderWidth: 2.5 };
    if (how === "part") return { borderColor: "#d97706", borderWidth: 2, borderType: "dashed" };
    return undefined;
  }

  async function drawMap(seq) {
    const name = await geoFor(state.map);
    if (!name) { state.map = "CN"; return drawMap(seq); }
    $("#map-back").hidden = state.map === "CN";
    let rows = [], problem = "";
    try {
      rows = await getJSON(api({ by: "subregion" }, state.map));
    } catch (e) {
      problem = e.message;  // the outline is still drawn, and the reason said beside it
    }
    if (seq !== current) return;
    const change = state.view === "change";
    const shown = rows.filter((r) => r.value !== null);
    const missing = rows.filter((r) => r.value === null);
    const chosen = chosenOnMap();
    const data = shown.map((r) => ({ name: r.part, value: change ? changeOf(r) : r.value, row: r, itemStyle: outline(chosen(r.part)) }));

    for (const r of rows) names[r.part] = partName(r);
    const values = data.map((d) => d.value).filter((v) => v !== null && v !== undefined);
    const synthetic = rows.some((r) => r.synthetic);
    const lo = values.length ? Math.min(...values) : 0, hi = values.length ? Math.max(...values) : 1;
    // the legend spans the data: per-10,000 figures of 0.29-0.47 must not all look alike on a 0-1 scale
    const min = change || isRatio() ? lo : Math.min(0, lo), max = hi > min ? hi : min + 1;
    const legendDigits = isRatio() ? 2 : change ? 1 : 0;
    const narrow = $("#map").clientWidth < 560;
    const described = shown.slice().sort((a, b) => (b.value ?? 0) - (a.value ?? 0)).slice(0, 12)
      .map((r) => `${partName(r)} ${change ? changeText(r) : nf(r.value, digits())}`).join("；");
    mapChart.setOption({
      aria: { enabled: true, label: { description: `${label()}，${regionName(state.map)}，${T.as_of} ${state.as_of}：${described}` } },
      title: { text: label() + (change ? ` · ${isRatio() ? T.change_points : T.change_yoy}` : ""), left: "center", textStyle: { fontSize: 14 },
               subtext: `${regionName(state.map)} · ${T.as_of} ${state.as_of} · ${T.known_at} ${shownK()}` + (synthetic ? ` · ${T.synthetic}` : ""),
               subtextStyle: { color: synthetic ? "#8d2b0b" : "#52606d" } },
      tooltip: { trigger: "item", formatter: (p) => {
        if (OUTSIDE[p.name]) return `${OUTSIDE[p.name][LANG === "zh" ? 0 : 1]}<br>${T.outside_register}`;
        const where = names[p.name] || p.name;
        if (!p.data || !p.data.row) return `${where}<br>${T.no_data}`;
        const r = p.data.row;
        const part = chosen(p.name) === "part" ? T.partly : "";
        return `${where}${part}<br>${nf(r.value, digits())} ${unit()}<br>${changeHead()}: ${changeText(r)}`;
      } },
      visualMap: { min, max, left: narrow ? "center" : 10, bottom: narrow ? 0 : 10, orient: narrow ? "horizontal" : "vertical",
                   calculable: true, text: [change ? (isRatio() ? T.points : "%") : unit(), ""],
                   formatter: (v) => nf(v, legendDigits), inRange: { color: ["#e0f2fe", "#0b3d62"] } },
      // a region without a figure (Taiwan, Hong Kong, Macao: outside the register) is grey, as the key under the map says
      series: [{ type: "map", map: name, nameProperty: "code", data, roam: false, top: 60, bottom: narrow ? 50 : 20,
                 itemStyle: { areaColor: "#c9ced6" },
                 emphasis: { label: { show: false } }, selectedMode: false }],
    }, true);
    const notes = [];
    if (problem) notes.push(problem);
    if (missing.length) notes.push(`${T.missing_parts} ${missing.map((r) => `${partName(r)}（${T.no_population}）`).join("、")}`);
    $("#map-note").textContent = notes.join(" ");
    $("#map-note").hidden = !notes.length;
    $("#map-key").hidden = state.map !== "CN";
    mapTable(rows);
  }

  // the map's regions as a table: readable without the map, sortable, each region opened from the keyboard
  function mapTable(rows) {
    const head = [T.region, T.value, T.previous, changeHead()];
    const body = rows.map((r) => [
      { text: partName(r), sort: partName(r), code: r.part },
      { text: nf(r.value, digits()), sort: r.value, n: true },
      { text: nf(r.previous, digits()), sort: r.previous, n: true },
      { text: changeText(r), sort: changeOf(r), n: true },
    ]);
    fillTable($("#map-rows"), head, body, (cell) => {  // a province opens its map; a prefecture becomes the region
      if (!cell.code) return null;
      const b = document.createElement("button");
      b.type = "button"; b.className = "link"; b.textContent = cell.text;
      b.title = `${T.open_region} ${cell.text}`;
      b.addEventListener("click", () => {
        if (state.map === "CN") state.map = cell.code;
        state.region = cell.code;
        refresh(true);
      });
      return b;
    });
  }

  // -- sortable tables ---------------------------------------------------------------------------------------
  function fillTable(table, head, rows, render) {
    const thead = table.querySelector("thead"), tbody = table.querySelector("tbody");
    thead.innerHTML = ""; tbody.innerHTML = "";
    table._rows = rows; table._render = render;
    table.hidden = !rows.length;
    if (!rows.length) return;
    const tr = document.createElement("tr");
    head.forEach((h, i) => {
      const th = document.createElement("th");
      th.scope = "col";
      if (rows[0][i].n) th.className = "n";
      const b = document.createElement("button");
      b.type = "button"; b.className = "sort"; b.textContent = h; b.title = T.sort_by;
      b.addEventListener("click", () => sortTable(table, i));
      th.append(b); tr.append(th);
    });
    thead.append(tr);
    drawBody(table);
  }

  function sortTable(table, i) {
    const ths = table.querySelectorAll("thead th");
    const was = ths[i].getAttribute("aria-sort");
    const text = typeof table._rows[0][i].sort === "string";  // names A→Z first, numbers largest first
    const dir = was ? (was === "descending" ? "ascending" : "descending") : (text ? "ascending" : "descending");
    ths.forEach((th) => th.removeAttribute("aria-sort"));
    ths[i].setAttribute("aria-sort", dir);
    const sign = dir === "ascending" ? 1 : -1;
    table._rows.sort((a, b) => {
      const x = a[i].sort, y = b[i].sort;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (typeof x === "string" ? x.localeCompare(y, LOCALE) : x - y) * sign;
    });
    drawBody(table);
  }

  function drawBody(table) {
    const tbody = table.querySelector("tbody");
    tbody.innerHTML = "";
    for (const row of table._rows) {
      const tr = document.createElement("tr");
      for (const cell of row) {
        const td = document.createElement("td");
        if (cell.n) td.className = "n";
        const custom = table._render && table._render(cell);
        if (custom) td.append(custom); else td.textContent = cell.text;
        tr.append(td);
      }
      tbody.append(tr);
    }
  }

  // -- the chart: one region's series (or several regions'), a breakdown, in values or in change -------------
  async function drawRows(seq) {
    const change = state.view === "change";
    const synthetic = () => (document.body.dataset.synthetic === "1" ? ` · ${T.synthetic}` : "");
    let rows = [], url, lines = [];
    // with neither a series nor a breakdown chosen, the chart shows the last ten years, year by year
    const series = state.series || (state.by ? "" : "yearly");
    const from = state.series ? state.from : `${Number(state.as_of.slice(0, 4)) - 10}${state.as_of.slice(4, 8)}01`;
    if (series) {
      if (!from) throw new Error(T.need_from);
      const asked = { series, from, by: state.by };
      url = api(asked);
      const regions = [state.region, ...(state.by ? [] : compared().filter((c) => c !== state.region))];
      for (const c of regions) await describe(c);
      const answers = await Promise.all(regions.map((c) => getJSON(api(asked, c))));
      if (seq !== current) return;
      rows = answers.flat();
      const dates = [...new Set(rows.map((r) => r.as_of))].sort();
      answers.forEach((answer, i) => {
        const parts = [...new Set(answer.map((r) => r.part ?? ""))];
        for (const part of parts) {
          const mine = answer.filter((r) => (r.part ?? "") === part);
          const first = mine.find((r) => r.value !== null && r.value !== 0);
          const byDate = Object.fromEntries(mine.map((r) => [r.as_of, r.value]));
          const values = dates.map((d) => byDate[d] ?? null);
          lines.push({
            type: "line", name: part ? partName(mine[0]) : regionName(regions[i]),
            // the change since the first figure: nothing before it (a zero is no base, and no −100 %)
            data: change ? values.map((v, j) => (v === null || !first || dates[j] < first.as_of ? null
              : halfUp((v / first.value - 1) * 100, 2))) : values,
          });
        }
      });
      lineChart.setOption({
        aria: { enabled: true, label: { description: lines.map((l) => `${l.name}：${dates.map((d, j) => `${d} ${l.data[j] ?? "—"}`).join("，")}`).join("；") } },
        title: { text: label() + (change ? ` · ${T.change_since}` : ""), left: "center", textStyle: { fontSize: 13 },
                 subtext: `${regions.map(regionName).join("、")} · ${change ? "%" : unit()} · ${T.known_at} ${shownK()}` + synthetic(),
                 subtextStyle: { color: "#8d2b0b" } },
        tooltip: { trigger: "axis", valueFormatter: (v) => (change ? pct(v) : nf(v, digits())) },
        legend: { bottom: 0, type: "scroll" }, grid: { top: 70, bottom: 60, containLabel: true },
        xAxis: { type: "category", data: dates },
        yAxis: { type: "value", axisLabel: { formatter: (v) => nf(v, 2) } },
        series: lines,
      }, true);
    } else if (state.by) {
      url = api({ by: state.by });
      rows = await getJSON(url);
      if (seq !== current) return;
      const shown = rows.filter((r) => r.value !== null);
      lineChart.setOption({
        aria: { enabled: true, label: { description: shown.map((r) => `${partName(r)} ${change ? changeText(r) : nf(r.value, digits())}`).join("；") } },
        title: { text: label() + (change ? ` · ${isRatio() ? T.change_points : T.change_yoy}` : ""), left: "center", textStyle: { fontSize: 13 },
                 subtext: `${regionName(state.region)} · ${T[state.by] || state.by} · ${change ? (isRatio() ? T.points : "%") : unit()} · ${T.as_of} ${state.as_of} · ${T.known_at} ${shownK()}` + synthetic(),
                 subtextStyle: { color: "#8d2b0b" } },
        tooltip: { valueFormatter: (v) => (change && !isRatio() ? pct(v) : nf(v, digits())) }, grid: { top: 70, bottom: 20, containLabel: true },
        xAxis: { type: "category", data: shown.map(partName), axisLabel: { rotate: 40 } },
        yAxis: { type: "value", axisLabel: { formatter: (v) => nf(v, 2) } },
        series: [{ type: "bar", data: shown.map((r) => (change ? changeOf(r) : r.value)) }],
      }, true);
    }
    const file = `${state.indicator}-${state.region}-${state.as_of}${series ? "-" + series : ""}${state.by ? "-" + state.by : ""}`;
    $("#download-csv").href = url + "&format=csv&bom=1";
    $("#download-csv").setAttribute("download", file + ".csv");
    $("#download-json").href = url + "&format=json";
    $("#download-json").setAttribute("download", file + ".json");
    const head = [T.date, T.part, T.value, T.previous, changeHead()];
    fillTable($("#rows"), head, rows.map((r) => [
      { text: r.as_of, sort: r.as_of },
      { text: r.part ? partName(r) : regionName(r.region), sort: r.part ? partName(r) : regionName(r.region) },
      { text: nf(r.value, digits()), sort: r.value, n: true },
      { text: nf(r.previous, digits()), sort: r.previous, n: true },
      { text: changeText(r), sort: changeOf(r), n: true },
    ]));
    const notes = [];
    const gaps = rows.filter((r) => r.value === null);
    if (gaps.length) notes.push(`${T.missing_parts} ${[...new Set(gaps.map((r) => r.as_of))].join("、")}（${T.no_population}）`);
    if (state.by === "country") notes.push(T.country_note);
    $("#chart-note").textContent = notes.join(" ");
    $("#chart-note").hidden = !notes.length;
  }

  // -- the time slider: month ends from ten years before the register's latest to it -------------------------
  const monthEnds = [];
  function buildSlider() {
    const last = new Date(($("#as_of").defaultValue || new Date().toISOString().slice(0, 10)) + "T00:00:00Z");
    for (let i = 240; i >= 0; i--) {
      const d = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() - i + 1, 0));
      if (d <= last) monthEnds.push(d.toISOString().slice(0, 10));
    }
    const slider = $("#time");
    slider.max = String(monthEnds.length - 1);
  }
  function showSlider() {
    const slider = $("#time");
    let i = monthEnds.findIndex((d) => d >= state.as_of);  // a day between month ends: the next one's place
    if (i < 0) i = monthEnds.length - 1;
    slider.value = String(i);
    $("#time-shown").textContent = state.as_of;
    slider.setAttribute("aria-valuetext", state.as_of);
  }

  async function refresh(push) {
    const seq = ++current;
    writeURL(push);
    document.body.dataset.state = "busy";
    $("#error").hidden = true;
    showAbout();
    await resolveName();
    showRegion();
    drawCompare();
    showSlider();
    // each part on its own: a figure the map cannot shade still shows the region's own figure
    const done = await Promise.allSettled([drawFigure(seq), drawMap(seq), drawRows(seq)]);
    if (seq !== current) return;
    const failed = done.filter((d) => d.status === "rejected").map((d) => d.reason.message);
    $("#error").textContent = [...new Set(failed)].join(" · ");
    $("#error").hidden = !failed.length;
    document.body.dataset.state = failed.length ? "error" : "ready";
    window.ipgauge.refreshes += 1;
  }

  // -- comparison: several regions on one line chart ----------------------------------------------------------
  function compared() { return state.compare.split(",").filter(Boolean); }
  function drawCompare() {
    const list = $("#compare-list");
    list.innerHTML = "";
    for (const code of compared()) {
      const li = document.createElement("li");
      li.textContent = regionName(code) + " ";
      const b = document.createElement("button");
      b.type = "button"; b.textContent = "×"; b.setAttribute("aria-label", `${T.remove} ${regionName(code)}`);
      b.addEventListener("click", () => { state.compare = compared().filter((c) => c !== code).join(","); refresh(true); $("#compare-add").focus(); });
      li.append(b); list.append(li);
    }
  }
  $("#compare-add").addEventListener("click", () => {
    if (!compared().includes(state.region)) state.compare = [...compared(), state.region].slice(-8).join(",");
    refresh(true);
  });

  // -- the region picker: search in Chinese or English, then choose (focus comes back to the search) ----------
  let searching;
  $("#region-search").addEventListener("input", (e) => {
    clearTimeout(searching);
    const q = e.target.value.trim();
    searching = setTimeout(async () => {
      const list = $("#region-results");
      list.innerHTML = "";
      if (!q) return;
      const found = await getJSON(`/v1/regions?q=${encodeURIComponent(q)}&limit=30`).catch(() => []);
      for (const r of found) {
        const li = document.createElement("li");
        li.tabIndex = 0; li.dataset.code = r.code; li.setAttribute("role", "option");
        li.textContent = `${LANG === "zh" ? r.name_zh : r.name_en} (${r.code})`;
        const choose = () => {
          state.region = r.code; names[r.code] = LANG === "zh" ? r.name_zh : r.name_en;
          if (r.members) groups[r.code] = r.members.map((m) => m.split(" ")[0]);
          list.innerHTML = ""; $("#region-search").value = "";
          state.map = mapFor(r);
          refresh(true);
          $("#region-search").focus();
        };
        li.addEventListener("click", choose);
        li.addEventListener("keydown", (k) => { if (k.key === "Enter" || k.key === " ") { k.preventDefault(); choose(); } });
        list.append(li);
      }
    }, 200);
  });
  $("#region-search").addEventListener("keydown", (k) => {
    if (k.key === "ArrowDown") { const first = $("#region-results li"); if (first) { k.preventDefault(); first.focus(); } }
  });

  for (const k of CONTROLS) {
    $("#" + k).addEventListener("change", (e) => { state[k] = e.target.value; refresh(true); });
  }
  let sliding;
  $("#time").addEventListener("input", (e) => {
    state.as_of = monthEnds[Number(e.target.value)];
    $("#as_of").value = state.as_of;
    $("#time-shown").textContent = state.as_of;
    clearTimeout(sliding);
    sliding = setTimeout(() => refresh(false), 250);  // while sliding: one history entry, not one per month
  });
  $("#time").addEventListener("change", () => { clearTimeout(sliding); refresh(true); });
  mapChart.on("click", (p) => {
    if (state.map !== "CN" || !p.data || !p.data.row) return;  // the inset, empty areas and HK/MO/TW are not opened
    state.map = p.data.name; state.region = p.data.name;
    refresh(true);
  });
  $("#map").addEventListener("keydown", (k) => {  // the map from the keyboard: Enter goes to its table's first region
    if (k.key === "Enter") { const b = $("#map-rows button.link"); if (b) { k.preventDefault(); b.focus(); } }
  });
  $("#map-back").addEventListener("click", () => { state.map = "CN"; state.region = "CN"; refresh(true); $("#map").focus(); });
  window.addEventListener("resize", () => { mapChart.resize(); lineChart.resize(); });
  window.addEventListener("popstate", () => { readURL(); refresh(false); });

  // -- any chart as PNG (as drawn, twice the pixels) or SVG (drawn again by ECharts' SVG renderer) -----------
  for (const b of document.querySelectorAll("[data-save]")) {
    b.addEventListener("click", () => {
      const chart = b.dataset.save === "map" ? mapChart : lineChart;
      const name = `${state.indicator}-${state.region}-${state.as_of}-${b.dataset.save}`;
      let href;
      if (b.dataset.type === "png") {
        href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
      } else {
        const { width, height } = chart.getDom().getBoundingClientRect();
        const svg = echarts.init(null, null, { renderer: "svg", ssr: true, width: Math.round(width), height: Math.round(height) });
        const option = chart.getOption();
        option.animation = false;
        svg.setOption(option);
        href = URL.createObjectURL(new Blob([svg.renderToSVGString()], { type: "image/svg+xml" }));
        svg.dispose();
      }
      const a = document.createElement("a");
      a.href = href; a.download = `${name}.${b.dataset.type}`;
      document.body.append(a); a.click(); a.remove();
    });
  }

  // a table as shown, as CSV with a BOM (what the screen shows, compared regions and the map's regions too)
  for (const b of document.querySelectorAll(".table-csv")) {
    b.addEventListener("click", () => {
      const table = document.getElementById(b.dataset.table);
      const cell = (v) => {
        const t = String(v ?? "");
        const safe = /^[=+\-@\t\r]/.test(t) && !/^[-+]?[\d.,]+%?$/.test(t) ? "'" + t : t;  // as the server's CSVs
        return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
      };
      const head = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
      const lines = [head, ...(table._rows || []).map((r) => r.map((c) => c.text))].map((r) => r.map(cell).join(","));
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob(["\ufeff" + lines.join("\n") + "\n"], { type: "text/csv" }));
      a.download = `${state.indicator}-${state.region}-${state.as_of}-${b.dataset.table === "rows" ? "chart" : "map"}.csv`;
      document.body.append(a); a.click(); a.remove();
    });
  }

  document.body.dataset.synthetic = document.querySelector(".synthetic") ? "1" : "0";
  buildSlider();
  readURL();
  if (EMBED) for (const el of document.querySelectorAll(".pane-title")) el.hidden = true;
  refresh(false);
})();
