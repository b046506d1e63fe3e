// The indicator explorer: every choice lives in the URL (a permalink), every figure comes from /v1.
"use strict";
(() => {
  const T = JSON.parse(document.getElementById("ui-text").textContent);
  const LANG = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  const $ = (s) => document.querySelector(s);
  const KEYS = ["indicator", "region", "as_of", "known_at", "series", "from", "by", "map"];
  const state = { indicator: $("#indicator").value, region: "CN", as_of: $("#as_of").value, known_at: "",
                  series: "", from: "", by: "", map: "CN" };
  const names = { CN: LANG === "zh" ? "全国" : "China" };
  const mapChart = echarts.init($("#map"));
  const lineChart = echarts.init($("#chart"));
  const geo = {};
  window.ipgauge = { state, mapChart, lineChart, refreshes: 0 };

  const nf = (v, digits) => (v === null || v === undefined) ? "—"
    : Number(v).toLocaleString(LANG === "zh" ? "zh-CN" : "en", { maximumFractionDigits: digits ?? 2 });

  function readURL() {
    const p = new URLSearchParams(location.search);
    for (const k of KEYS) if (p.has(k)) state[k] = p.get(k);
    for (const k of ["indicator", "as_of", "known_at", "series", "from", "by"]) $("#" + k).value = state[k];
    if (!$("#indicator").value) $("#indicator").selectedIndex = 0;  // an unknown name falls back to the first
    state.indicator = $("#indicator").value;
  }

  function writeURL() {
    const p = new URLSearchParams();
    for (const k of KEYS) if (state[k]) p.set(k, state[k]);
    p.set("lang", LANG);
    history.replaceState(null, "", "?" + p.toString());
    $("#permalink").href = location.href;
    $("#other-lang").href = "?" + new URLSearchParams([...p].map(([k, v]) => [k, k === "lang" ? (LANG === "zh" ? "en" : "zh") : v]));
  }

  function api(extra) {
    const p = new URLSearchParams({ region: state.region, as_of: state.as_of });
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

  function unit() { return $("#indicator").selectedOptions[0].dataset.unit; }

  function showRegion() { $("#region-chosen").textContent = `${names[state.region] || state.region} (${state.region})`; }

  let current = 0;  // the latest refresh: an answer to an earlier one is dropped, never drawn over it

  // a region given by name in a link ("liaoning") becomes its code; a prefecture opens its province's map
  async function resolveName() {
    if (names[state.region]) return;
    const found = await getJSON(`/v1/regions?q=${encodeURIComponent(state.region)}&limit=50`).catch(() => []);
    const r = found.find((x) => x.code === state.region) || (found.length === 1 ? found[0] : null);
    if (!r) return;
    state.region = r.code;
    names[r.code] = LANG === "zh" ? r.name_zh : r.name_en;
    if (state.map === "CN") state.map = mapFor(r);
    writeURL();
  }

  function mapFor(r) {
    if (r.level === "province") return r.code;
    if (r.level === "prefecture" && r.parent) return r.parent;
    return state.map;
  }

  async function drawFigure(seq) {
    const p = await getJSON(api());
    if (seq !== current) return;
    if (!state.known_at) {  // the permalink pins the knowledge date the figures were computed for
      const u = new URL(location.href); u.searchParams.set("known_at", p.known_at); $("#permalink").href = u.href;
    }
    const yoy = p.yoy_pct === null ? "—" : (p.yoy_pct > 0 ? "+" : "") + nf(p.yoy_pct, 1) + "%";
    $("#figure").innerHTML = "";
    const line = document.createElement("div");
    line.innerHTML = `<span class="value"></span> <span class="unit"></span> · ${T.previous}: <span class="prev"></span> · ${T.yoy}: <span class="yoy"></span>`;
    line.querySelector(".value").textContent = nf(p.value);
    line.querySelector(".unit").textContent = unit();
    line.querySelector(".prev").textContent = nf(p.previous);
    line.querySelector(".yoy").textContent = yoy;
    const what = document.createElement("div");
    what.textContent = `${$("#indicator").selectedOptions[0].textContent} · ${names[state.region] || state.region} · ${T.as_of} ${p.as_of} · ${T.known_at} ${p.known_at}` + (p.synthetic ? ` · ${T.synthetic}` : "");
    $("#figure").append(what, line);
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

  async function drawMap(seq) {
    const name = await geoFor(state.map);
    if (!name) { state.map = "CN"; return drawMap(seq); }
    $("#map-back").hidden = state.map === "CN";
    const rows = await getJSON(api({ by: "subregion" }).replace(`region=${encodeURIComponent(state.region)}`, `region=${state.map}`));
    if (seq !== current) return;
    const data = rows.map((r) => ({ name: r.part, value: r.value, label_text: r.label }));
    for (const r of rows) names[r.part] = r.label;
    const values = data.map((d) => d.value);
    const synthetic = rows.some((r) => r.synthetic);
    mapChart.setOption({
      title: { text: $("#indicator").selectedOptions[0].textContent, subtext: `${T.as_of} ${state.as_of}` + (synthetic ? ` · ${T.synthetic}` : ""),
               left: "center", textStyle: { fontSize: 14 }, subtextStyle: { color: synthetic ? "#8d2b0b" : "#52606d" } },
      tooltip: { trigger: "item", formatter: (p) => p.data ? `${p.data.label_text}<br>${nf(p.data.value)} ${unit()}`
                                                              : `${names[p.name] || p.name}<br>${T.no_data}` },
      visualMap: { min: Math.min(0, ...values), max: Math.max(1, ...values), left: 10, bottom: 10, calculable: true,
                   text: [unit(), ""], inRange: { color: ["#e0f2fe", "#0b3d62"] } },
      series: [{ type: "map", map: name, nameProperty: "code", data, roam: false,
                 emphasis: { label: { show: false } }, selectedMode: false }],
    }, true);
  }

  async function drawRows(seq) {
    const body = $("#rows tbody"), head = $("#rows thead");
    let rows = [], url;
    if (state.series) {
      if (!state.from) throw new Error(T.need_from);
      url = api({ series: state.series, from: state.from, by: state.by });
      rows = await getJSON(url);
      if (seq !== current) return;
      const parts = [...new Set(rows.map((r) => r.part ?? ""))];
      lineChart.setOption({
        tooltip: { trigger: "axis" }, legend: { top: 0 },
        xAxis: { type: "category", data: [...new Set(rows.map((r) => r.as_of))] }, yAxis: { type: "value", name: unit() },
        series: parts.map((part) => ({ type: "line", name: part ? (rows.find((r) => r.part === part).label) : names[state.region] || state.region,
                                       data: rows.filter((r) => (r.part ?? "") === part).map((r) => r.value) })),
      }, true);
    } else if (state.by) {
      url = api({ by: state.by });
      rows = await getJSON(url);
      if (seq !== current) return;
      lineChart.setOption({
        tooltip: {}, xAxis: { type: "category", data: rows.map((r) => r.label), axisLabel: { rotate: 40 } },
        yAxis: { type: "value", name: unit() }, series: [{ type: "bar", data: rows.map((r) => r.value) }],
      }, true);
    } else {
      url = api();
      lineChart.clear();
    }
    $("#download-csv").href = url + "&format=csv";
    $("#download-json").href = url + "&format=json";
    body.innerHTML = ""; head.innerHTML = "";
    if (!rows.length) return;
    head.innerHTML = `<tr><th>${T.date}</th><th>${T.part}</th><th class="n">${T.value}</th><th class="n">${T.previous}</th><th class="n">${T.yoy}</th></tr>`;
    for (const r of rows) {
      const tr = document.createElement("tr");
      for (const [v, cls] of [[r.as_of, ""], [r.label ?? "", ""], [nf(r.value), "n"], [nf(r.previous), "n"], [r.yoy_pct === null ? "—" : (r.yoy_pct > 0 ? "+" : "") + r.yoy_pct.toFixed(1) + "%", "n"]]) {
        const td = document.createElement("td"); td.textContent = v; if (cls) td.className = cls; tr.append(td);
      }
      body.append(tr);
    }
  }

  async function refresh() {
    const seq = ++current;
    writeURL();
    document.body.dataset.state = "busy";
    $("#error").hidden = true;
    await resolveName();
    showRegion();
    // each part on its own: a figure the map cannot shade (a per-10,000 figure without a prefecture's
    // population) still shows the region's own figure
    const done = await Promise.allSettled([drawFigure(seq), drawMap(seq), drawRows(seq)]);
    if (seq !== current) return;
    const failed = done.filter((d) => d.status === "rejected").map((d) => d.reason.message);
    $("#error").textContent = [...new Set(failed)].join(" · ");
    $("#error").hidden = !failed.length;
    document.body.dataset.state = failed.length ? "error" : "ready";
    window.ipgauge.refreshes += 1;
  }

  // region picker: search in Chinese or English, then choose
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
        li.textContent = `${r.name_zh} ${r.name_en} (${r.code})`;
        const choose = () => {
          state.region = r.code; names[r.code] = LANG === "zh" ? r.name_zh : r.name_en;
          list.innerHTML = ""; $("#region-search").value = "";
          state.map = mapFor(r);
          refresh();
        };
        li.addEventListener("click", choose);
        li.addEventListener("keydown", (k) => { if (k.key === "Enter") choose(); });
        list.append(li);
      }
    }, 200);
  });

  for (const k of ["indicator", "as_of", "known_at", "series", "from", "by"]) {
    $("#" + k).addEventListener("change", (e) => { state[k] = e.target.value; refresh(); });
  }
  mapChart.on("click", (p) => {
    if (state.map !== "CN" || !p.data) return;  // the South China Sea inset and empty areas are not provinces
    state.map = p.data.name; state.region = p.data.name;
    refresh();
  });
  $("#map-back").addEventListener("click", () => { state.map = "CN"; state.region = "CN"; refresh(); });
  window.addEventListener("resize", () => { mapChart.resize(); lineChart.resize(); });

  readURL();
  refresh();
})();
