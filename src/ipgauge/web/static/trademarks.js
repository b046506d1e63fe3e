"use strict";
(() => {
  const T = JSON.parse(document.getElementById("ui-text").textContent);
  const $ = (s) => document.querySelector(s);
  $("#clear-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("#clear-error").hidden = true;
    $("#conflicts thead").innerHTML = "";
    $("#conflicts tbody").innerHTML = "";
    const classes = $("#clear-classes").value.split(/[,;]/).filter((c) => c.trim()).map(Number);
    const body = { mark: $("#clear-mark").value, classes, jurisdiction: $("#clear-jurisdiction").value,
                   as_of: $("#clear-as-of").value || null, known_at: $("#clear-known-at").value || null };
    const r = await fetch("/v1/trademarks/clear", { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-Api-Key": $("#api-key").value } });
    const answer = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
    if (!r.ok) {
      const said = typeof answer.error === "string" ? answer.error : JSON.stringify(answer.detail ?? answer);
      $("#clear-error").textContent = said; $("#clear-error").hidden = false; return;
    }
    if (!answer.conflicts.length) { $("#clear-error").textContent = T.no_conflicts; $("#clear-error").hidden = false; return; }
    $("#conflicts thead").innerHTML = `<tr><th>${T.mark}</th><th>ID</th><th>${T.tm_status}</th><th>${T.holder}</th><th>${T.classes}</th><th class="n">${T.score}</th><th>${T.reasons}</th></tr>`;
    for (const x of answer.conflicts) {
      const tr = document.createElement("tr");
      const status = x.status + (x.since ? ` ${x.since}` : "") + (x.until ? ` – ${x.until}` : "");
      for (const v of [x.mark, x.right_id, status, `${x.owner} (${x.owner_country})`, x.classes.join(","), x.score.toFixed(2), x.reasons.join("; ")]) {
        const td = document.createElement("td"); td.textContent = v ?? ""; tr.append(td);
      }
      $("#conflicts tbody").append(tr);
    }
  });
})();
