"use strict";
(() => {
  const T = JSON.parse(document.getElementById("ui-text").textContent);
  const zh = document.documentElement.lang.startsWith("zh");
  const $ = (s) => document.querySelector(s);
  $("#screen-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("#error").hidden = true;
    $("#results tbody").innerHTML = "";
    const body = { text: $("#text").value, jurisdiction: $("#jurisdiction").value,
                   as_of: $("#as_of").value || null, known_at: $("#known_at").value || null,
                   top: Number($("#top").value) };
    const r = await fetch("/v1/screen", { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-Api-Key": $("#api-key").value } });
    const answer = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
    if (!r.ok) { $("#error").textContent = answer.error; $("#error").hidden = false; return; }
    $("#disclaimer").textContent = zh ? answer.disclaimer_zh : answer.disclaimer_en;
    if (!answer.results.length) {
      $("#results thead").innerHTML = "";
      $("#error").textContent = answer.warning ? `${T.not_screened} ${answer.warning}`
                                                : T.no_results.replace("{n}", answer.in_force.toLocaleString());
      $("#error").hidden = false;
      return;
    }
    if (answer.warning) { $("#error").textContent = answer.warning; $("#error").hidden = false; }
    $("#results thead").innerHTML = `<tr><th>#</th><th>ID</th><th>${T.claim}</th><th class="n">${T.score}</th><th>${T.risk}</th><th>${T.elements}</th><th>${T.holder}</th><th></th></tr>`;
    answer.results.forEach((x, i) => {
      const tr = document.createElement("tr");
      for (const v of [i + 1, x.right_id, x.claim, x.score.toFixed(3), x.risk, `${x.elements_found}/${x.elements}`, x.holder, x.title]) {
        const td = document.createElement("td"); td.textContent = v ?? ""; tr.append(td);
      }
      $("#results tbody").append(tr);
    });
  });
})();
