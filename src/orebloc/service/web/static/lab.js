// orebloc scenario lab: pick, upload or edit a scenario (text and a form of its shocks and
// policies), check it with the service's scenario reader (POST /scenarios/check), run it as a job.
// Uses app.js's helpers ($, data, api, runJob, fan, showReports, showError).
"use strict";

const lab = {shipped: {}, fields: {}, origin: null, form: null, dirty: false, seq: 0};
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
const fieldId = (sec, i, key) => `${sec}-${i}-${key}`;
// the reader's key path (shocks[0].severity) -> the id of that field's input
const pathId = (path) => { const m = /^(shocks|policies)\[(\d+)\](?:\.(\w+))?/.exec(path || ""); return m ? (m[3] ? fieldId(m[1], m[2], m[3]) : `${m[1]}-${m[2]}`) : null; };

function status(msg) { const el = $("text-status"); if (el) el.textContent = msg; }
function clearErrors() {
  showError("text-error", ""); showError("form-error", "");
  document.querySelectorAll("#lab-form .field-error").forEach((el) => { el.hidden = true; el.textContent = ""; });
  document.querySelectorAll("#lab-form [aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
}
// a refusal next to what it names: a form field, else the form or the text
function placeError(err, where) {
  const id = pathId(err.field);
  const input = id && $(id), note = id && $(`${id}-error`);
  if (input && note) {
    note.textContent = err.message; note.hidden = false; input.setAttribute("aria-invalid", "true"); input.focus();
  } else if (where === "form" && id && $(id)) {
    showError("form-error", err.message); $(id).scrollIntoView({block: "nearest"});
  } else {
    showError(where === "form" ? "form-error" : "text-error", err.message);
  }
}

// one reading at a time counts: the answer to an older request (another scenario picked since) is dropped
class Stale extends Error {}
async function check(body) {
  const seq = ++lab.seq;
  const r = await fetch("/scenarios/check", {method: "POST", credentials: "same-origin",
    headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
  const json = await r.json().catch(() => null);
  if (seq !== lab.seq) throw new Stale("superseded");
  if (!r.ok) { const e = new Error((json && json.detail) || r.statusText); e.field = json && json.field; throw e; }
  return json;
}

// -- the form: one fieldset per shock or policy --------------------------------------------------
function entryHtml(sec, i, e) {
  const kinds = Object.keys(lab.fields[sec]), kind = e.kind || kinds[0];
  // the kind's fields in their order; a market named by mineral (and stage) shows those instead of market
  const named = ["mineral", "stage"].filter((k) => k in e);
  const offered = (lab.fields[sec][kind] || []).flatMap((k) => (k === "market" ? [...named, ...(named.length && !("market" in e) ? [] : ["market"])] : [k]));
  const keys = [...new Set([...offered, ...Object.keys(e).filter((k) => k !== "kind")])];
  const required = sec === "policies" ? (lab.fields.required[kind] || []) : [];
  const what = sec === "shocks" ? "Shock" : "Policy";
  const kindId = fieldId(sec, i, "kind");
  let html = `<fieldset class="entry" id="${sec}-${i}" data-section="${sec}" data-index="${i}"><legend>${what} ${i + 1}: ${esc(kind)}</legend>` +
    `<label for="${kindId}">kind</label><select id="${kindId}" data-key="kind">` +
    kinds.map((k) => `<option${k === kind ? " selected" : ""}>${esc(k)}</option>`).join("") + `</select><span class="field-error" id="${kindId}-error" role="alert" hidden></span>`;
  keys.forEach((k) => {
    const id = fieldId(sec, i, k), list = k === "zone" || k === "exporter" ? "lab-zones" : k === "market" ? "lab-markets" : null;
    html += `<label for="${id}">${esc(k)}${required.includes(k) ? " (required)" : ""}</label>` +
      `<input id="${id}" data-key="${esc(k)}" value="${esc(e[k] == null ? "" : e[k])}"${list ? ` list="${list}"` : ""} aria-describedby="number-help ${id}-error">` +
      `<span class="field-error" id="${id}-error" role="alert" hidden></span>`;
  });
  return html + `<button type="button" class="remove" data-remove="${sec}-${i}">Remove ${what.toLowerCase()} ${i + 1}</button></fieldset>`;
}

function renderForm(out) {
  lab.form = out; lab.dirty = false;
  const lists = `<datalist id="lab-zones">${out.zones.map((z) => `<option value="${esc(z)}">`).join("")}</datalist>` +
    `<datalist id="lab-markets">${out.markets.map((m) => `<option value="${esc(m)}">`).join("")}</datalist>`;
  $("shock-list").innerHTML = lists + (out.shocks.map((e, i) => entryHtml("shocks", i, e)).join("") || '<p class="note">No shock.</p>');
  $("policy-list").innerHTML = out.policies.map((e, i) => entryHtml("policies", i, e)).join("") || '<p class="note">No policy in [[policies]].</p>';
}

// the entries as the fields now read (key -> text); a changed kind keeps the fields it shares
function readForm(sec) {
  return [...document.querySelectorAll(`#lab-form fieldset.entry[data-section=${sec}]`)].map((fs) => {
    const e = {}; fs.querySelectorAll("[data-key]").forEach((el) => { e[el.dataset.key] = el.value; }); return e;
  });
}

function rerender(change) {
  const cur = {shocks: readForm("shocks"), policies: readForm("policies")};
  change(cur);
  renderForm(Object.assign({}, lab.form, cur)); lab.dirty = true;
  status("the form has changes: write them into the text, or run (they are written first)");
}

async function applyForm() {
  clearErrors();
  const text = $("scenario-text").value;
  try {
    const out = await check({scenario_text: text, shocks: readForm("shocks"), policies: readForm("policies")});
    $("scenario-text").value = out.scenario_text; renderForm(out);
    status(`the form is written into the text; the reader accepts it (${out.periods[0]}-${out.periods[1]})`);
    return true;
  } catch (err) {
    if (err instanceof Stale) return false;
    placeError(err, "form"); status("the form was not written: see the message"); return false;
  }
}

async function checkText() {
  clearErrors();
  try {
    const out = await check({scenario_text: $("scenario-text").value});
    renderForm(out); status(`the reader accepts this text: ${out.name} (${out.periods[0]}-${out.periods[1]})`);
    return true;
  } catch (err) {
    if (err instanceof Stale) return false;
    placeError(err, "text"); status("the reader refuses this text: see the message"); return false;
  }
}

function loadShipped() {
  lab.origin = $("scenario").value;
  if (!$("scenario-text")) return;
  $("scenario-text").value = lab.shipped[lab.origin] || "";
  checkText();
}

function initLab() {
  const f = $("scenario-form"), d = data("lab-data"); if (!f || !d) return;
  lab.shipped = d.shipped; lab.fields = d.fields;
  const editor = $("scenario-text");
  f.scenario.addEventListener("change", loadShipped);
  if (editor) {
    $("scenario-file").addEventListener("change", async (e) => {
      const file = e.target.files[0]; if (!file) return;
      editor.value = await file.text(); lab.origin = null;
      if (await checkText()) status(`uploaded ${file.name}: ${$("text-status").textContent.replace(/^the reader accepts this text: /, "")}`);
    });
    $("check-text").addEventListener("click", checkText);
    $("apply-form").addEventListener("click", applyForm);
    $("add-shock-button").addEventListener("click", () => rerender((cur) => {
      const start = lab.form ? lab.form.periods[0] : "";
      cur.shocks.push({kind: $("add-shock").value, zone: "CHN", start, duration: "1.0", severity: "0.5"});
    }));
    $("add-policy-button").addEventListener("click", () => rerender((cur) => { cur.policies.push({kind: $("add-policy").value}); }));
    const form = $("lab-form");
    form.addEventListener("input", (e) => { if (e.target.dataset.key) { lab.dirty = true; status("the form has changes: write them into the text, or run (they are written first)"); } });
    form.addEventListener("change", (e) => {
      if (e.target.dataset.key !== "kind") return;
      const fs = e.target.closest("fieldset.entry"), sec = fs.dataset.section, i = +fs.dataset.index;
      rerender((cur) => {  // the new kind keeps the fields it shares with the old one
        const keep = new Set(["kind", "mineral", "stage", ...lab.fields[sec][e.target.value]]);
        cur[sec][i] = Object.fromEntries(Object.entries(cur[sec][i]).filter(([k]) => keep.has(k)));
      });
    });
    form.addEventListener("click", (e) => {
      const which = e.target.dataset.remove; if (!which) return;
      const [sec, i] = which.split("-");
      rerender((cur) => { cur[sec].splice(+i, 1); });
    });
    loadShipped();
  }
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (editor && lab.dirty && !(await applyForm())) return;
    const body = {draws: +f.draws.value, seed: +f.seed.value};
    const text = editor ? editor.value : null;
    if (lab.origin) body.scenario = lab.origin;
    if (text !== null && text !== lab.shipped[lab.origin]) body.scenario_text = text;
    else body.scenario = f.scenario.value;
    runJob("scenario", "/jobs/scenario", body, (res, job) => {
      fan(res.summary);
      $("dl-csv").href = `/web/jobs/${job.id}/download?format=csv`;
      $("dl-parquet").href = `/web/jobs/${job.id}/download?format=parquet`;
      $("run-digest").textContent = res.scenario_sha256 ? `(scenario text SHA-256 ${res.scenario_sha256.slice(0, 12)}…)` : `(bundled ${f.scenario.value})`;
      $("downloads").hidden = false;
      showReports("scenario", job);
    });
  });
}

document.addEventListener("DOMContentLoaded", initLab);
