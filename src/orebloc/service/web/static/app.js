// orebloc dashboard: progressive enhancement over server-rendered pages (no external requests).
"use strict";
const $ = (id) => document.getElementById(id);
const data = (id) => { const el = $(id); return el ? JSON.parse(el.textContent) : null; };
const pct = (v) => v == null ? null : 100 * v;
const layout = (extra) => Object.assign({margin: {l: 60, r: 20, t: 30, b: 50}, font: {size: 12}}, extra || {});
const plot = (id, traces, lay) => Plotly.newPlot(id, traces, layout(lay), {displaylogo: false, responsive: true, topojsonURL: "/web/static/"});

async function api(method, url, body) {
  const r = await fetch(url, {method, credentials: "same-origin", headers: body ? {"content-type": "application/json"} : {},
                              body: body ? JSON.stringify(body) : undefined});
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((json && json.detail) || r.statusText);
  return json;
}

function showError(id, msg) { const el = $(id); if (el) { el.textContent = msg; el.hidden = !msg; } }

// -- sign in / out ------------------------------------------------------------------------
function initLogin() {
  const f = $("login-form"); if (!f) return;
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/auth/login", {username: f.username.value, password: f.password.value});
      location.href = f.dataset.next || "/web/overview";
    } catch (err) { showError("login-error", err.message); }
  });
}
function initLogout() {
  const b = $("logout"); if (!b) return;
  b.addEventListener("click", async () => { try { await api("POST", "/auth/logout"); } finally { location.href = "/web/login"; } });
}

// -- tables: sort by a column (click its header), filter rows by text --------------------------
function initTables() {
  document.querySelectorAll("table.sortable").forEach((t) => {
    t.querySelectorAll("th button[data-sort]").forEach((b) => b.addEventListener("click", () => {
      const i = +b.dataset.sort, body = t.tBodies[0], rows = [...body.rows];
      const dir = b.dataset.dir === "asc" ? -1 : 1; b.dataset.dir = dir === 1 ? "asc" : "desc";
      const key = (r) => { const c = r.cells[i]; const v = c.dataset.v !== undefined ? c.dataset.v : c.textContent;
                           const n = parseFloat(v); return isNaN(n) ? v.toLowerCase() : n; };
      rows.sort((a, c) => (key(a) > key(c) ? 1 : key(a) < key(c) ? -1 : 0) * dir).forEach((r) => body.appendChild(r));
      t.querySelectorAll("th").forEach((th) => th.removeAttribute("aria-sort"));
      b.parentElement.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    }));
  });
  document.querySelectorAll("input[data-filter]").forEach((inp) => inp.addEventListener("input", () => {
    const q = inp.value.toLowerCase();
    [...$(inp.dataset.filter).tBodies[0].rows].forEach((r) => { r.hidden = q && !r.textContent.toLowerCase().includes(q); });
  }));
}

// -- the world map (vendored GeoJSON, ids ISO3) --------------------------------------------------
let worldPromise = null;
const world = () => worldPromise || (worldPromise = fetch("/web/static/world.geojson").then((r) => r.json()));

async function drawMap(id, values, label, extra) {
  const geo = await world();
  const ids = geo.features.map((f) => f.id);
  const base = {type: "choropleth", geojson: geo, featureidkey: "id", locations: ids, z: ids.map(() => 0),
                showscale: false, colorscale: [[0, "#eceff3"], [1, "#eceff3"]], marker: {line: {color: "#999", width: 0.4}},
                hoverinfo: "skip", name: "countries"};
  const codes = Object.keys(values);
  const trace = {type: "choropleth", geojson: geo, featureidkey: "id", locations: codes, z: codes.map((c) => values[c]),
                 colorscale: "YlOrRd", reversescale: true, colorbar: {title: {text: label}}, marker: {line: {color: "#555", width: 0.5}},
                 text: codes, hovertemplate: "%{text}: %{z:.1f}<extra></extra>", name: label};
  const traces = [base, trace].concat(extra ? extra(geo) : []);
  await plot(id, traces, {geo: {visible: false, projection: {type: "natural earth"}, showframe: false, showcoastlines: false,
                                showland: false, showcountries: false, lataxis: {range: [-58, 85]}},
                          margin: {l: 0, r: 0, t: 10, b: 0}});
}

function initOverview() {
  const d = data("overview-data"); if (!d) return;
  const shares = {}; Object.entries(d.shares).forEach(([c, v]) => { shares[c] = 100 * v; });
  drawMap("share-map", shares, "% of world", (geo) => {
    const have = new Set(geo.features.map((f) => f.id));
    const bloc = d.bloc_codes.filter((c) => have.has(c));
    return [{type: "choropleth", geojson: geo, featureidkey: "id", locations: bloc, z: bloc.map(() => 1), showscale: false,
             colorscale: [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], marker: {line: {color: "#1f5fbf", width: 1.6}},
             hovertemplate: "%{location}: bloc member<extra></extra>", name: "bloc"}];
  });
  const ev = d.events.filter((e) => e.date_effective || e.date_announced);
  const minerals = [...new Set(ev.map((e) => e.mineral))];
  plot("events-chart", [{type: "scatter", mode: "markers", x: ev.map((e) => e.date_effective || e.date_announced),
    y: ev.map((e) => e.mineral), text: ev.map((e) => `${e.measure_id} ${e.imposing_country}: ${e.measure_type} (${e.material_label || ""})`),
    hovertemplate: "%{x}<br>%{text}<extra></extra>", marker: {size: 10, color: "#c0392b"}, name: "measures"}],
    {yaxis: {categoryorder: "array", categoryarray: minerals, title: {text: "mineral"}},
     xaxis: {type: "date", title: {text: "date in force (announced, where not yet in force)"}}, margin: {l: 110, r: 20, t: 10, b: 50}});
}

function initMineral() {
  const d = data("mineral-data"); if (!d) return;
  const countries = [...new Set(d.stages.flatMap((s) => s.rows.map((r) => r.country)))];
  plot("stage-chart", countries.map((c) => ({type: "bar", name: c, x: d.stages.map((s) => `${s.stage} ${s.year}`),
    y: d.stages.map((s) => { const r = s.rows.find((x) => x.country === c); return r ? pct(r.share) : 0; })})),
    {barmode: "stack", yaxis: {title: {text: "% of world production"}}, xaxis: {title: {text: "stage and year"}}});
  const traces = [];
  Object.entries(d.hhi).forEach(([stage, rows]) => {
    [...new Set(rows.map((r) => r.vintage))].forEach((v) => {
      const rs = rows.filter((r) => r.vintage === v);
      traces.push({type: "scatter", mode: "lines+markers", name: `${stage}, release ${v}`, x: rs.map((r) => r.year),
                   y: rs.map((r) => r.hhi), marker: {size: rs.map((r) => r.revised ? 13 : 6),
                   symbol: rs.map((r) => r.revised ? "circle-open" : "circle")}});
    });
  });
  plot("hhi-chart", traces, {yaxis: {title: {text: "HHI (0-10,000)"}}, xaxis: {title: {text: "year"}, dtick: 1}});
}

// -- jobs: start, follow (progress bar), then draw --------------------------------------------
async function runJob(prefix, url, body, draw) {
  showError(`${prefix}-error`, "");
  const bar = $(`${prefix}-progress`), state = $(`${prefix}-state`);
  try {
    let job = await api("POST", url, body);
    while (!["done", "failed", "cancelled", "interrupted"].includes(job.state)) {
      bar.value = job.progress; state.textContent = `${job.state} (job ${job.id})`; state.dataset.state = job.state;
      await new Promise((r) => setTimeout(r, 700));
      job = await api("GET", `/jobs/${job.id}`);
    }
    bar.value = job.progress; state.textContent = `${job.state} (job ${job.id})`; state.dataset.state = job.state;
    if (job.state !== "done") throw new Error(job.error || job.state);
    const res = await api("GET", `/jobs/${job.id}/result`);
    draw(res.result, job);
  } catch (err) { showError(`${prefix}-error`, err.message); state.dataset.state = "failed"; }
}
// a finished job's report (HTML and PDF, routes web_job_report): its links in the page's .reports place
function showReports(report, job) {
  const el = document.querySelector(`.reports[data-report="${report}"] .report-links`); if (!el) return;
  const u = `/web/jobs/${job.id}/report`;
  el.innerHTML = `<a id="${report}-report-html" href="${u}?format=html">HTML</a> · <a id="${report}-report-pdf" href="${u}?format=pdf">PDF</a>`;
}
// an axis title for a comparison metric key: its unit from the key's suffix (bloc_price_usd_t: "bloc price, USD/t")
const metricTitle = (k) => { const t = k.replace(/_usd_t$/, ", USD/t").replace(/_usd$/, ", USD").replace(/_t$/, ", t");
  return (t === k ? `${k} (ratio)` : t).replace(/_/g, " "); };
const num = (v) => (v === "" || v == null ? null : +v);
const table = (rows, cols) => `<table><thead><tr>${cols.map((c) => `<th scope="col">${c}</th>`).join("")}</tr></thead><tbody>` +
  rows.map((r) => `<tr>${cols.map((c) => `<td>${fmt(r[c])}</td>`).join("")}</tr>`).join("") + "</tbody></table>";
const fmt = (v) => typeof v === "number" ? (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en") : (+v.toPrecision(4)).toString()) :
  (v == null ? "" : String(v).replace(/[&<>]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c])));

// the scenario lab's fan chart (lab.js draws it when a scenario job is done)
function fan(summary) {
  const markets = [...new Set(summary.map((r) => r.market))], m = markets[0];
  const colours = {no_policy: "200,60,40", policy: "30,100,200", reference: "120,120,120"};
  const traces = [];
  [...new Set(summary.map((r) => r.case))].forEach((c) => {
    const rs = summary.filter((r) => r.case === c && r.market === m).sort((a, b) => a.period - b.period);
    const x = rs.map((r) => r.period_label), col = colours[c] || "80,80,80";
    traces.push({x, y: rs.map((r) => r.price_usd_t_p95), mode: "lines", line: {width: 0}, showlegend: false, name: `${c} p95`, type: "scatter"});
    traces.push({x, y: rs.map((r) => r.price_usd_t_p5), mode: "lines", line: {width: 0}, fill: "tonexty",
                 fillcolor: `rgba(${col},0.2)`, name: `${c} p5-p95`, type: "scatter"});
    traces.push({x, y: rs.map((r) => r.price_usd_t_p50), mode: "lines", line: {color: `rgb(${col})`}, name: `${c} median`, type: "scatter"});
  });
  plot("fan-chart", traces, {yaxis: {title: {text: `${m}: bloc price, USD/t`}}, xaxis: {title: {text: "period"}}});
}

function initFloor() {
  const f = $("floor-form"); if (!f) return;
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = {scenario: f.scenario.value, draws: +f.draws.value};
    if (f.market.value) body.market = f.market.value;
    if (f.floor_usd_t.value) body.floor_usd_t = num(f.floor_usd_t.value);
    runJob("floor", "/jobs/floor-compare", body, (res, job) => {
      showReports("floor", job);
      // summary: one row per instrument and metric (p5, p50, p95); who_pays: one row per instrument
      const s = res.summary, instruments = [...new Set(s.map((r) => r.instrument))], metrics = [...new Set(s.map((r) => r.metric))];
      const rows = instruments.map((i) => { const o = {instrument: i};
        metrics.forEach((m) => { const r = s.find((x) => x.instrument === i && x.metric === m); o[m] = r ? r.p50 : null; }); return o; });
      $("floor-table").innerHTML = `<p>Market ${fmt(res.market)}, floor ${fmt(res.floor_usd_t)} USD/t; medians over the draws</p>` +
        table(rows, ["instrument"].concat(metrics));
      const m0 = metrics[0], pr = instruments.map((i) => s.find((x) => x.instrument === i && x.metric === m0));
      plot("floor-chart", [{type: "bar", name: `${m0} (median, p5-p95)`, x: instruments, y: pr.map((r) => r.p50),
        error_y: {type: "data", symmetric: false, array: pr.map((r) => r.p95 - r.p50), arrayminus: pr.map((r) => r.p50 - r.p5)}}],
        {yaxis: {title: {text: metricTitle(m0)}}, xaxis: {title: {text: "instrument"}}, showlegend: true});
      const w = res.who_pays || [], wc = Object.keys(w[0] || {}).filter((c) => c !== "instrument");
      plot("whopays-chart", wc.map((c) => ({type: "bar", name: c, x: w.map((r) => r.instrument), y: w.map((r) => r[c])})),
        {barmode: "group", yaxis: {title: {text: "USD over the horizon (median of the draws)"}}, xaxis: {title: {text: "instrument"}}});
    });
  });
}

function initStockpiles() {
  const q = data("stock-data"); if (!q || !$("holdings-chart")) return;
  const m = data("stock-minerals"); const tot = {};
  m.forEach((x, i) => { tot[x] = (tot[x] || 0) + q[i]; });
  plot("holdings-chart", [{type: "bar", x: Object.keys(tot), y: Object.values(tot), name: "tonnes"}], {yaxis: {title: {text: "tonnes held (as stored)"}}, xaxis: {title: {text: "mineral"}}});
}

// the release plan of the Stockpiles page: the joint response job (as in the Response room), read as
// routes_jobs.response_view lets the reader see it; days of cover at the obligation's net imports
function drawPlan(res, ctx, mineral) {
  const perDay = (m) => ((ctx.imports_t_per_day || {})[m] || {})[mineral];
  const cover = (t, m) => (t == null || !perDay(m) ? null : t / perDay(m));
  const withheld = res.status === "withheld";
  const rows = withheld
    ? Object.entries(res.stock_t || {}).map(([m, s]) => ({member: m, before: s, release: null, after: null}))
    : Object.entries(res.plan || {}).map(([m, e]) => ({member: m, before: e.stock_t, release: e.release_t, after: e.stock_t - e.release_t}));
  rows.sort((a, b) => (b.member === ctx.member) - (a.member === ctx.member) || a.member.localeCompare(b.member));
  if (res.others) rows.push({member: "other members", n: res.others.members, release: res.others.release_t, others: true});
  else if (withheld) rows.push({member: "other members", withheld: true, others: true});
  const loss = Object.values(res.loss_t_p50 || {}).reduce((a, b) => a + b, 0);
  const t = res.totals || {}, remaining = withheld ? null : t.residual_shortfall_t;
  const days = (v) => (v == null ? "" : v.toFixed(1));
  // a figure the reader may not see shows as "withheld"; one that does not apply (the others' stock) as blank
  const cell = (v, d, hidden) => (v != null ? d(v) : hidden ? "withheld" : "");
  const body = rows.map((r) => {
    const hid = withheld || !!r.withheld;
    const cells = r.others ? [cell(r.release, fmt, hid), "", "", ""]
      : [fmt(r.before), cell(r.release, fmt, hid), cell(r.after, fmt, hid), days(cover(r.before, r.member)),
         cell(cover(r.after, r.member), days, hid && perDay(r.member))];
    if (r.others) cells.unshift("");
    return `<tr data-member="${fmt(r.member)}"><td>${fmt(r.member)}${r.n ? ` (${fmt(r.n)})` : ""}</td>` +
      cells.map((c) => `<td>${c}</td>`).join("") + "</tr>";
  }).join("");
  $("plan-result").innerHTML =
    `<p id="plan-summary">${fmt(res.incident)}: the bloc loses ${fmt(loss)} t (median of the draws); ` +
    (withheld ? `<span class="withheld" id="plan-withheld">release withheld: ${fmt(res.reason)}</span>` :
      `released <span id="plan-released">${fmt(t.released_t)}</span> t; remaining loss <span id="plan-remaining">${fmt(remaining)}</span> t`) +
    ". Trigger " + (res.trigger_met ? "met" : "not met") + ".</p>" +
    '<table id="plan-table"><thead><tr><th scope="col">member</th><th scope="col">stock before, t</th><th scope="col">release, t</th>' +
    '<th scope="col">stock after, t</th><th scope="col">cover before, days</th><th scope="col">cover after, days</th></tr></thead>' +
    `<tbody>${body}</tbody></table>`;
  const mem = rows.filter((r) => !r.others), rel = rows.filter((r) => r.release != null);
  const traces = [
    {type: "bar", name: "stock before, t", x: mem.map((r) => r.member), y: mem.map((r) => r.before)},
    {type: "bar", name: "release, t", x: rel.map((r) => r.member), y: rel.map((r) => r.release)},
    {type: "bar", name: "stock after, t", x: mem.filter((r) => r.after != null).map((r) => r.member), y: mem.filter((r) => r.after != null).map((r) => r.after)},
    {type: "bar", name: "bloc loss and remaining loss, t", x: remaining == null ? ["bloc loss"] : ["bloc loss", "remaining loss"],
     y: remaining == null ? [loss] : [loss, remaining]},
  ];
  plot("plan-chart", traces, {barmode: "group", xaxis: {title: {text: "member (the bloc: loss over the incident)"}},
                              yaxis: {title: {text: "tonnes of content"}}});
}

function initPlan() {
  const f = $("plan-form"); if (!f) return;
  const ctx = data("plan-context") || {};
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const mineral = f.mineral.value;
    const body = {mineral, supply_loss_t_per_day: num(f.supply_loss_t_per_day.value), days: num(f.days.value)};
    runJob("plan", "/jobs/response", body, (res) => drawPlan(res, ctx, mineral));
  });
}

// masked exchange rounds: an open round's row follows GET /exchange/rounds/{id} until it is released or failed
function roundRow(tr, r) {
  tr.dataset.status = r.status;
  tr.querySelector(".phase").textContent = r.phase;
  tr.querySelector(".messages").textContent = r.progress.map((p) => p.messages).join(" / ");
  tr.querySelector(".threshold").textContent = r.threshold == null ? "" : r.threshold;
  tr.querySelector(".total").textContent = r.status === "released" ? r.total_t.toLocaleString("en", {minimumFractionDigits: 3, maximumFractionDigits: 3})
    : r.status === "failed" ? `failed: ${r.reason}` : "not yet";
  tr.querySelector(".cover").textContent = r.cover_days == null ? "" : r.cover_days.toFixed(1);
  tr.querySelector(".contributors").textContent = r.contributors == null ? "" : r.contributors;
}
function initRounds() {
  const rows = [...document.querySelectorAll("#rounds-table tr[data-status=open]")]; if (!rows.length) return;
  const tick = async () => {
    const open = rows.filter((tr) => tr.dataset.status === "open");
    for (const tr of open) { try { roundRow(tr, await api("GET", `/exchange/rounds/${tr.dataset.round}`)); } catch (err) { /* shown at the next look */ } }
    if (open.length) setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}

function initProjects() {
  const p = data("pipeline-data"); if (!p) return;
  const count = {}; p.forEach((r) => { count[r.country] = (count[r.country] || 0) + 1; });
  drawMap("projects-map", count, "projects");
  const f = $("portfolio-form");
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = {target: f.target.value}; if (f.budget_usd.value) body.budget_usd = num(f.budget_usd.value);
    runJob("portfolio", "/jobs/portfolio", body, (res, job) => {
      showReports("portfolio", job);
      const ch = res.chosen || [];
      $("portfolio-result").innerHTML = `<p>Cost: ${fmt(res.cost_usd)} USD; ${ch.length} projects chosen; ` +
        `${fmt(res.submissions_used || 0)} members' submissions used</p>` +
        (ch.length ? table(ch, Object.keys(ch[0]).slice(0, 6)) : "") +
        ((res.notes || []).length ? `<ul>${res.notes.map((n) => `<li>${fmt(n)}</li>`).join("")}</ul>` : "");
      // attainment: each target's share by year with the chosen projects, against its level
      const a = res.attainment || [], tr = [];
      [...new Set(a.map((r) => r.target))].forEach((t) => {
        const rs = a.filter((r) => r.target === t);
        tr.push({type: "scatter", mode: "lines+markers", name: `${t}: share`, x: rs.map((r) => r.year), y: rs.map((r) => pct(r.value_share)),
                 text: rs.map((r) => (r.met ? "met" : "not met")), hovertemplate: "%{x}: %{y:.1f}% (%{text})<extra></extra>"});
        tr.push({type: "scatter", mode: "lines", line: {dash: "dash"}, name: `${t}: level`, x: rs.map((r) => r.year), y: rs.map((r) => pct(r.level_share))});
      });
      plot("attainment-chart", tr, {yaxis: {title: {text: "share, % (expected)"}}, xaxis: {title: {text: "year"}, dtick: 1}});
    });
  });
}

const pctText = (v) => v == null ? "" : `${(100 * v).toFixed(1)}%`;
const words = (k) => k.replace(/_usd(_p50)?$/, ", USD$1").replace(/_t$/, ", t").replace(/_p50/, " (median)").replace(/_/g, " ");

// the joint response's result (compute.response_job, as routes_jobs.response_view lets the reader see it)
function drawResponse(res) {
  const loss = res.loss_t_p50 || {}, zones = Object.keys(loss);
  const impact = `<p id="response-impact"><strong>Impact:</strong> ${fmt(res.incident)}; the bloc loses ` +
    `${pctText(res.loss_share_p50)} of its supply (median of the draws).</p>` +
    table(zones.map((z) => ({zone: z, "loss, t (median)": loss[z]})), ["zone", "loss, t (median)"]);
  const trigger = `<p id="response-trigger" data-met="${res.trigger_met ? "yes" : "no"}"><strong>Trigger:</strong> rule ` +
    `${fmt(res.trigger_rule)}, level ${fmt(res.trigger_level)}: ${res.trigger_met ? "met" : "not met"}.</p>`;
  let plan;
  if (res.status === "withheld") {
    plan = `<p class="withheld" id="response-withheld">withheld: ${fmt(res.reason)}</p>`;
  } else {
    const rows = Object.entries(res.plan || {}).map(([m, e]) => ({member: m, zone: e.zone, "stock, t": e.stock_t,
      "release, t": e.release_t, deliveries: (e.lines || []).map((l) => `${fmt(l.release_t)} t ${l.form} to ${l.to} in ${l.period}`).join("; ")}));
    const t = res.totals || {};
    plan = "<h3>Recommended release</h3>" + table(rows, ["member", "zone", "stock, t", "release, t", "deliveries"]).replace("<table>", '<table id="response-plan">') +
      (res.others ? `<p id="response-others">Other members together: ${fmt(res.others.release_t)} t (${fmt(res.others.members)} members).</p>` : "") +
      "<h3>Totals</h3>" + table([t], Object.keys(t)).replace("<table>", '<table id="response-totals">')
        .replace(/<th scope="col">([^<]*)<\/th>/g, (m0, k) => `<th scope="col">${words(k)}</th>`);
    plot("release-chart", [{type: "bar", name: "stock, t", x: rows.map((r) => r.member), y: rows.map((r) => r["stock, t"])},
                           {type: "bar", name: "release, t", x: rows.map((r) => r.member), y: rows.map((r) => r["release, t"])}],
         {barmode: "group", yaxis: {title: {text: "tonnes (content)"}}, xaxis: {title: {text: "member"}}});
  }
  const notes = (res.notes || []).length ? `<h3>Notes</h3><ul id="response-notes">${res.notes.map((n) => `<li>${fmt(n)}</li>`).join("")}</ul>` : "";
  $("response-brief").innerHTML = impact + trigger + plan + notes;
  plot("loss-chart", [{type: "bar", name: "loss, t (median)", x: zones, y: zones.map((z) => loss[z])}], {yaxis: {title: {text: "tonnes lost (median of the draws)"}}, xaxis: {title: {text: "market zone"}}});
}

function initResponse() {
  const f = $("response-form"); if (!f) return;
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = {mineral: f.mineral.value, supply_loss_t_per_day: num(f.supply_loss_t_per_day.value), days: num(f.days.value)};
    runJob("response", "/jobs/response", body, (res, job) => { drawResponse(res); showReports("response", job); });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  initLogin(); initLogout(); initTables(); initOverview(); initMineral(); initFloor();
  initStockpiles(); initPlan(); initRounds(); initProjects(); initResponse();
});
