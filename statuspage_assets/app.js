// The multiregion status page: fetches status.json (relative to the page,
// so it works wherever the handler is mounted) every refresh period and
// renders it. Every value from the JSON goes into the DOM as textContent or
// an attribute value, never as markup: store names and error texts come
// from outside.
"use strict";

(function () {
  const defaultRefreshMs = 1000;
  const minRefreshMs = 100;

  // refreshMs reads ?refresh=500ms, ?refresh=2s or ?refresh=750 (ms).
  function refreshMs() {
    const v = new URLSearchParams(window.location.search).get("refresh");
    if (!v) return defaultRefreshMs;
    const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim());
    if (!m) return defaultRefreshMs;
    const n = parseFloat(m[1]) * (m[2] === "s" ? 1000 : 1);
    return Math.max(minRefreshMs, n);
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function table(headers, rows) {
    const t = el("table");
    const head = el("tr");
    for (const h of headers) head.appendChild(el("th", h));
    t.appendChild(el("thead")).appendChild(head);
    const body = t.appendChild(el("tbody"));
    for (const r of rows) body.appendChild(r);
    return t;
  }

  function health(r) {
    if (r.drained) return r.healthy ? "drained" : "drained, ejected";
    if (!r.healthy) return "ejected";
    return r.consecutiveFailures > 0 ? "suspect" : "healthy";
  }

  function regionRow(r, i) {
    const tr = el("tr", null, r.healthy ? "region" : "region ejected");
    tr.setAttribute("data-region", r.region);
    tr.setAttribute("data-healthy", String(r.healthy));
    tr.setAttribute("data-suspect", String(r.healthy && r.consecutiveFailures > 0));
    tr.setAttribute("data-drained", String(!!r.drained));
    tr.appendChild(el("td", i + 1, "num"));
    tr.appendChild(el("td", r.region, "name"));
    tr.appendChild(el("td", health(r), "health"));
    tr.appendChild(el("td", r.measured ? r.latencyMs.toFixed(2) + " ms" : "not measured", "num latency"));
    tr.appendChild(el("td", r.samples, "num"));
    tr.appendChild(el("td", r.consecutiveFailures, "num"));
    tr.appendChild(el("td", r.ejections, "num"));
    tr.appendChild(el("td", r.lastProbe || "never"));
    tr.appendChild(el("td", r.lastError || "", "err"));
    return tr;
  }

  function regionsTable(list) {
    return table(["#", "region", "health", "latency", "samples", "failures", "ejections", "last probe", "last error"],
      list.map(regionRow));
  }

  function topologyTable(t) {
    const tr = el("tr", null, "topology");
    tr.setAttribute("data-writer", t.writer);
    tr.appendChild(el("td", t.writer || "unknown", "writer"));
    tr.appendChild(el("td", t.generation, "num"));
    tr.appendChild(el("td", t.loadedAt || "never"));
    tr.appendChild(el("td", t.lastAttempt || "never"));
    tr.appendChild(el("td", t.consecutiveFailures, "num"));
    tr.appendChild(el("td", t.lastError || "", "err"));
    return table(["writer", "generation", "loaded at", "last refresh", "failures", "last refresh error"], [tr]);
  }

  function storeSection(s) {
    const sec = el("section", null, "store");
    sec.setAttribute("data-store", s.name);
    sec.setAttribute("data-closed", String(s.closed));
    const h = sec.appendChild(el("h3", s.name));
    if (s.closed) h.appendChild(el("span", " (closed)", "closed"));
    const facts = [
      "kind: " + s.kind,
      "ranked by: " + (s.ownLatency ? "its own calls and probe" : "the network view"),
    ];
    if (s.leftOut.length > 0) facts.push("left out: " + s.leftOut.join(", "));
    sec.appendChild(el("p", facts.join(" · "), "note"));
    sec.appendChild(regionsTable(s.regions));
    if (s.topology) {
      sec.appendChild(el("p", "Single-writer topology (the writer this store routes writes to):", "note"));
      sec.appendChild(topologyTable(s.topology));
    }
    return sec;
  }

  function render(st) {
    const main = document.getElementById("status");
    const meta = document.getElementById("meta");
    meta.replaceChildren(el("span", "generated at " + st.generatedAt));
    if (st.closed) meta.appendChild(el("span", " · client closed", "closed"));
    meta.setAttribute("data-state", "ok");
    main.setAttribute("data-closed", String(st.closed));
    document.getElementById("network").replaceChildren(regionsTable(st.network));
    const stores = document.getElementById("stores");
    if (st.stores.length === 0) {
      stores.replaceChildren(el("p", "no stores registered", "note"));
    } else {
      stores.replaceChildren(...st.stores.map(storeSection));
    }
    main.setAttribute("data-state", "ok");
  }

  function showError(msg) {
    // The last good state stays on the page; the header says it is stale.
    const meta = document.getElementById("meta");
    meta.textContent = "status.json: " + msg;
    meta.setAttribute("data-state", "error");
  }

  const period = refreshMs();

  async function tick() {
    try {
      const resp = await fetch("status.json", { cache: "no-store", credentials: "same-origin" });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      render(await resp.json());
    } catch (e) {
      showError(e && e.message ? e.message : String(e));
    }
    // One request at a time: the next starts a period after this one ended.
    window.setTimeout(tick, period);
  }

  tick();
})();
