// The report page: HTML, CSS and a plain script, with the data document
// (report_data.cpp) inline. The script builds every element from the data
// with createElement / textContent: no text from the logs is ever parsed as
// HTML, and nothing is fetched.
#include "report/report.h"

namespace report {
namespace {

constexpr const char* kHead = R"page(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evtxhunt report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { background: #1d2330; color: #fff; padding: 12px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .sub { color: #b8c0d0; font-size: 12px; word-break: break-all; }
main { padding: 12px 24px 48px; }
section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; margin: 14px 0; padding: 12px 16px; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 10px 0 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eceef2; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; white-space: pre-wrap; word-break: break-all; }
.cards { display: flex; gap: 10px; flex-wrap: wrap; }
.card { border-radius: 6px; padding: 8px 14px; min-width: 110px; color: #fff; }
.card b { display: block; font-size: 22px; }
.lv-critical { background: #8e1b1b; } .lv-high { background: #d0342c; } .lv-medium { background: #e08a00; }
.lv-low { background: #3b7dd8; } .lv-informational { background: #6b7587; }
.pill { display: inline-block; border-radius: 10px; padding: 0 8px; color: #fff; font-size: 12px; }
.filters { display: flex; gap: 14px; flex-wrap: wrap; align-items: center; }
.filters select { font: inherit; }
tr.finding { cursor: pointer; }
tr.finding:hover { background: #f3f6fb; }
tr.open { background: #eaf1fb; }
.chain { background: #fafbfc; border-left: 3px solid #3b7dd8; padding: 8px 12px; }
ul.tree { list-style: none; padding-left: 18px; margin: 4px 0; border-left: 1px dashed #b8c0d0; }
ul.tree.root { border-left: none; padding-left: 0; }
.step { margin: 4px 0; }
.step .head { font-weight: 600; }
.muted { color: #6b7587; }
.note { background: #fff7e0; border: 1px solid #f0d58a; padding: 6px 10px; border-radius: 4px; margin: 6px 0; }
.error { background: #fde8e8; border: 1px solid #e8a0a0; padding: 6px 10px; border-radius: 4px; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2330; }
.scroll { max-height: 420px; overflow: auto; }
tr.group { cursor: pointer; background: #fbf6e9; }
tr.group:hover { background: #f5ecd2; }
tr.member td:first-child { padding-left: 22px; }
tr.pinned { outline: 2px solid #3b7dd8; }
.zoombar { margin-bottom: 6px; }
.zoombar button, tr.more button, .note button { font: inherit; }
.kv { font-size: 12px; margin: 2px 0; }
.kv span { display: inline-block; margin-right: 12px; }
.kv b { font-weight: 600; color: #4a5366; }
#chart-svg { touch-action: none; user-select: none; }
</style>
</head>
<body>
<header><h1>evtxhunt report</h1><div class="sub" id="sub"></div></header>
<main id="main"><noscript>This report draws itself with JavaScript: please allow scripts for this file.</noscript></main>
<script type="application/json" id="data">)page";

constexpr const char* kTail = R"page(</script>
<script>
"use strict";
(function () {
  const main = document.getElementById("main");
  function showError(message) {
    const box = document.createElement("div");
    box.className = "error";
    box.id = "report-error";
    box.textContent = "The report could not be drawn: " + message;
    main.prepend(box);
  }
  window.addEventListener("error", function (e) { showError(e.message); });

  // Elements from data: text always through textContent.
  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    if (attrs) for (const k of Object.keys(attrs)) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    for (const c of children || []) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k of Object.keys(attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function section(title, id) {
    const s = el("section", { id: id }, [el("h2", { text: title })]);
    main.append(s);
    return s;
  }
  function table(headers, rows, numeric) {
    const head = el("tr", null, headers.map((h, i) => el("th", { text: h, cls: numeric && numeric[i] ? "n" : "" })));
    const body = rows.map(r => el("tr", null, r.map((c, i) => {
      const td = el("td", { cls: numeric && numeric[i] ? "n" : "" });
      if (c instanceof Node) td.append(c); else td.textContent = c === null || c === undefined ? "" : String(c);
      return td;
    })));
    return el("table", null, [el("thead", null, [head]), el("tbody", null, body)]);
  }
  function pill(level) { return el("span", { cls: "pill lv-" + level, text: level }); }
  function num(n) { return Number(n).toLocaleString("en-US"); }

  const D = JSON.parse(document.getElementById("data").textContent);
  const LEVELS = D.levels;  // informational .. critical
  const S = D.strings;      // the chains' strings, named by index
  const COLOURS = { informational: "#6b7587", low: "#3b7dd8", medium: "#e08a00", high: "#d0342c", critical: "#8e1b1b" };
  const hostName = i => i >= 0 && D.hosts[i] ? D.hosts[i].key : "(host not listed)";
  const iso = t => new Date(t).toISOString();
  const isoMin = t => iso(t).slice(0, 16) + "Z";
  // A mark: [host, time ms, level, rule, chain or -1, group or -1, place in
  // the scan's output], in the list's order (level, then time); its index is
  // the finding's number in this report (#finding=N).
  // The marks grouped once (the tables and the chart read them per host and
  // per rule: never a pass over every mark per row).
  const marksOfHost = new Map(), hostsOfRule = new Map(), timesOfHost = new Map();
  D.marks.forEach((m, k) => {
    if (!marksOfHost.has(m[0])) marksOfHost.set(m[0], []);
    marksOfHost.get(m[0]).push(k);
    if (!hostsOfRule.has(m[3])) hostsOfRule.set(m[3], new Set());
    hostsOfRule.get(m[3]).add(m[0]);
    const t = timesOfHost.get(m[0]) || [Infinity, -Infinity];
    timesOfHost.set(m[0], [Math.min(t[0], m[1]), Math.max(t[1], m[1])]);
  });
  // A finding's chain with its strings resolved (null when the report does
  // not carry it), made when first shown.
  const chains = new Map();
  function chainOf(k) {
    const m = D.marks[k];
    if (!m || m[4] < 0 || !D.details[m[4]]) return null;
    if (chains.has(k)) return chains.get(k);
    const r = D.details[m[4]];
    const d = { title: S[r.title], confidence: r.confidence, time: r.time, device: S[r.device],
      tags: (r.tags || []).map(i => S[i]), notes: r.notes || [], assumptions: r.assumptions || [],
      fields: r.fields || [], collected: r.collected || [], links: r.links || [],
      steps: r.steps.map(st => {
        const s = { details: [] };
        for (const key of Object.keys(st.t)) s[key] = S[st.t[key]];
        for (const key of Object.keys(st.n)) s[key] = st.n[key];
        const kv = st.d || [];
        for (let i = 0; i + 1 < kv.length; i += 2) s.details.push([S[kv[i]], S[kv[i + 1]]]);
        return s;
      }) };
    chains.set(k, d);
    return d;
  }
  // A finding's host: as its chain names it, else the host's key.
  function markHost(k) {
    const m = D.marks[k], d = chainOf(k);
    if (d) return d.device;
    if (m[0] >= 0) return hostName(m[0]);
    return m[5] >= 0 ? D.groups[m[5]].host_name : hostName(-1);
  }
  function duration(ms) {
    if (ms < 3600000) return (ms / 60000) + " min";
    if (ms < 86400000 || ms % 86400000) return (ms / 3600000) + " h";
    return (ms / 86400000) + " d";
  }

  document.getElementById("sub").textContent = "evtxhunt " + D.version + " " + D.command + " " + D.inputs.join(" ") +
    (D.first ? "  ·  events " + D.first + " to " + D.last : "");
  for (const n of D.notes) main.append(el("div", { cls: "note", text: n }));

  // ---- summary --------------------------------------------------------------
  const sum = section("Findings", "summary");
  const byLevel = D.by_level;  // every finding, listed host or not
  sum.append(el("div", { cls: "cards" }, LEVELS.slice().reverse().map(name => {
    const l = LEVELS.indexOf(name);
    return el("div", { cls: "card lv-" + name }, [el("b", { text: num(byLevel[l]) }), name]);
  })));
  // Rules by their highest level found, then by findings.
  const top = counts => counts.reduce((best, n, l) => (n > 0 ? l : best), -1);
  const ruleRows = D.rules.map((r, i) => ({ r: r, i: i, n: D.by_rule[i].reduce((a, b) => a + b, 0), top: top(D.by_rule[i]) }))
    .filter(x => x.n > 0).sort((a, b) => b.top - a.top || b.n - a.n);
  sum.append(el("h3", { text: "By rule" }));
  sum.append(el("div", { cls: "scroll" }, [table(["rule", "title", "level", "findings", "hosts"], ruleRows.map(x => {
    const hostsHit = (hostsOfRule.get(x.i) || new Set()).size;
    return [x.r.id, x.r.title, pill(LEVELS[x.top]), num(x.n), num(hostsHit)];
  }), [false, false, false, true, true])]));
  sum.append(el("h3", { text: "By host" }));
  const hostRows = D.hosts.map((h, i) => ({ h: h, i: i, c: D.by_host[i] })).filter(x => x.c.some(n => n > 0));
  sum.append(el("div", { cls: "scroll" }, [table(["host"].concat(LEVELS.slice().reverse()).concat(["first finding", "last finding"]),
    hostRows.map(x => {
      const times = timesOfHost.get(x.i);
      return [x.h.key].concat(LEVELS.slice().reverse().map(n => num(x.c[LEVELS.indexOf(n)])))
        .concat(times ? [iso(times[0]), iso(times[1])] : ["", ""]);
    }), [false, true, true, true, true, true, false, false])]));

  // ---- filters ---------------------------------------------------------------
  const filt = section("Filter", "filters");
  function select(label, options, id) {
    const s = el("select", { "aria-label": label, id: id }, options.map(o => el("option", { value: o[0], text: o[1] })));
    filt.append(el("label", null, [label + " ", s]));
    s.addEventListener("change", () => { rowLimit = MAX_ROWS; redraw(); setHash(); });
    return s;
  }
  filt.classList.add("filters");
  const fHost = select("host", [["", "all hosts"]].concat(D.hosts.map((h, i) => [String(i), h.key])), "filter-host");
  const fLevel = select("level at least", LEVELS.map((n, i) => [String(i), n]), "filter-level");
  const fRule = select("rule", [["", "all rules"]].concat(ruleRows.map(x => [String(x.i), x.r.id])), "filter-rule");
  const fSort = select("order", [["level", "level, then time"], ["time", "time"], ["host", "host, then time"]], "filter-order");
  // The time range shown ([start, end] ms), null for the whole run: the
  // chart's zoom, which also filters the list.
  let zoom = null;
  function wanted(m) {
    return (fHost.value === "" || m[0] === Number(fHost.value)) && m[2] >= Number(fLevel.value) &&
      (fRule.value === "" || m[3] === Number(fRule.value)) && (!zoom || (m[1] >= zoom[0] && m[1] <= zoom[1]));
  }

  // ---- time chart --------------------------------------------------------------
  const chart = section("Time chart: events read per host, findings marked by level (drag to zoom)", "chart");
  // The whole run, and the bar widths the chart may use (one bar: 1 minute to years).
  const FULL = D.first_ms === null ? null :
    (D.last_ms - D.first_ms >= 600000 ? [D.first_ms, D.last_ms] : [D.first_ms - 300000, D.first_ms + 300000]);
  const MIN_SPAN = 600000, BARS = 400;
  const LADDER = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 5760, 10080, 20160, 40320].map(n => n * 60000);
  function barWidth(span) {
    for (const b of LADDER) if (span / b <= BARS) return b;
    let b = LADDER[LADDER.length - 1];
    while (span / b > BARS) b *= 2;
    return b;
  }
  // Records per host as [start ms, records] at their resolution: per hour when
  // the page carries it, else the run's coarse bins.
  const RES = D.hourly ? 3600000 : D.bin_hours * 3600000;
  const volumeOf = new Map();
  function volumeSeries(h) {
    if (volumeOf.has(h)) return volumeOf.get(h);
    const host = D.hosts[h], out = [];
    if (D.hourly && host.hours) {
      for (let i = 0; i + 1 < host.hours.length; i += 2) out.push([D.bin_start_ms + host.hours[i] * 3600000, host.hours[i + 1]]);
    } else {
      host.volume.forEach((n, b) => { if (n) out.push([D.bin_start_ms + b * RES, n]); });
    }
    volumeOf.set(h, out);
    return out;
  }
  const zoomBar = el("div", { cls: "filters zoombar" });
  const zoomLabel = el("span", { id: "zoom-label" });
  function button(text, id, action) {
    const b = el("button", { type: "button", id: id, text: text });
    b.addEventListener("click", action);
    zoomBar.append(b);
    return b;
  }
  function view() { return zoom || FULL; }
  function zoomTo(a, b) {
    if (!FULL) return;
    a = Math.max(FULL[0], a); b = Math.min(FULL[1], b);
    if (b - a < MIN_SPAN) {
      const c = (a + b) / 2;
      a = Math.max(FULL[0], c - MIN_SPAN / 2); b = Math.min(FULL[1], a + MIN_SPAN); a = Math.max(FULL[0], b - MIN_SPAN);
    }
    zoom = a <= FULL[0] && b >= FULL[1] ? null : [Math.round(a), Math.round(b)];
    rowLimit = MAX_ROWS;
    redraw();
    setHash();
  }
  button("zoom in", "zoom-in", () => { const v = view(); if (v) { const c = (v[0] + v[1]) / 2, q = (v[1] - v[0]) / 4; zoomTo(c - q, c + q); } });
  button("zoom out", "zoom-out", () => { const v = view(); if (v) { const c = (v[0] + v[1]) / 2, q = v[1] - v[0]; zoomTo(c - q, c + q); } });
  button("whole run", "zoom-reset", () => zoomTo(-Infinity, Infinity));
  zoomBar.append(zoomLabel);
  chart.append(zoomBar);
  const chartBox = el("div", { cls: "scroll" });
  chart.append(chartBox);
  function drawChart() {
    chartBox.textContent = "";
    const shown = D.hosts.map((h, i) => i).filter(i => fHost.value === "" || i === Number(fHost.value));
    if (!FULL || shown.length === 0) {
      zoomLabel.textContent = "";
      chartBox.append(el("p", { cls: "muted", text: "No event times." }));
      return;
    }
    const W = 1100, left = 190, right = 10, rowH = 34, top = 20;
    const v0 = view()[0], v1 = view()[1];
    const bar = barWidth(v1 - v0), vol = Math.max(bar, RES);
    const x = t => left + (W - left - right) * (t - v0) / (v1 - v0);
    const clip = t => Math.min(W - right, Math.max(left, x(t)));
    const label = "one bar = " + duration(bar) + (vol > bar ? " (records: per " + duration(vol) + ")" : "");
    zoomLabel.textContent = (zoom ? "zoomed to " : "whole run ") + isoMin(v0) + " .. " + isoMin(v1) + " · " + label;
    const s = svg("svg", { width: W, height: top + rowH * shown.length + 24, role: "img", id: "chart-svg" });
    s.append(svg("text", { x: left, y: 12 }, isoMin(v0)));
    s.append(svg("text", { x: W - right, y: 12, "text-anchor": "end" }, isoMin(v1)));
    s.append(svg("text", { x: (left + W) / 2, y: 12, "text-anchor": "middle" }, label));
    const b0 = Math.floor(v0 / bar) * bar, vb0 = Math.floor(v0 / vol) * vol;
    shown.forEach((h, row) => {
      const y = top + row * rowH;
      const host = D.hosts[h];
      s.append(svg("text", { x: 4, y: y + 20 }, host.key.length > 28 ? host.key.slice(0, 27) + "…" : host.key));
      s.append(svg("line", { x1: left, x2: W - right, y1: y + rowH - 4, y2: y + rowH - 4, stroke: "#dde1e8" }));
      const counts = new Map();
      for (const [t, n] of volumeSeries(h)) {
        if (t + RES <= v0 || t > v1) continue;
        const b = Math.floor((t - vb0) / vol);
        counts.set(b, (counts.get(b) || 0) + n);
      }
      let peak = 1;
      for (const n of counts.values()) peak = Math.max(peak, n);
      for (const [b, n] of counts) {
        const hgt = Math.max(1, (rowH - 10) * Math.log1p(n) / Math.log1p(peak));
        const a = clip(vb0 + b * vol), e = clip(vb0 + (b + 1) * vol);
        const rect = svg("rect", { x: a, y: y + rowH - 4 - hgt, width: Math.max(1, e - a), height: hgt, fill: "#c9d3e3" });
        rect.append(svg("title", {}, num(n) + " records from " + iso(vb0 + b * vol) + " (" + duration(vol) + ")"));
        s.append(rect);
      }
      // The findings per bar and level: one mark each, the first in the list's order opened by a click.
      const bins = new Map();
      for (const k of marksOfHost.get(h) || []) {
        const m = D.marks[k];
        if (!wanted(m) || m[1] < v0 || m[1] > v1) continue;
        const key = Math.floor((m[1] - b0) / bar) * 5 + m[2];
        const bin = bins.get(key);
        if (bin) { bin.n++; if (k < bin.k) bin.k = k; } else bins.set(key, { n: 1, k: k, level: m[2], b: Math.floor((m[1] - b0) / bar) });
      }
      for (const bin of bins.values()) {
        const first = D.marks[bin.k];
        const dot = svg("circle", { cx: clip(b0 + (bin.b + 0.5) * bar), cy: y + 10, r: 3 + bin.level,
          fill: COLOURS[LEVELS[bin.level]], stroke: "#fff", "stroke-width": 1, "data-mark": bin.k });
        dot.append(svg("title", {}, (bin.n > 1 ? num(bin.n) + " " + LEVELS[bin.level] + " findings from " + iso(b0 + bin.b * bar) +
          " (" + duration(bar) + "), the first: " : LEVELS[bin.level] + " ") + D.rules[first[3]].id + " at " + iso(first[1])));
        dot.style.cursor = "pointer";
        dot.addEventListener("click", () => openFinding(bin.k, true));
        s.append(dot);
      }
    });
    // Drag across the chart to zoom to that range.
    const brush = svg("rect", { x: 0, y: 0, width: 0, height: s.getAttribute("height"), fill: "#3b7dd8", opacity: 0.15,
      visibility: "hidden" });
    s.append(brush);
    let from = null;
    const at = e => e.clientX - s.getBoundingClientRect().left;
    s.addEventListener("pointerdown", e => {
      if (e.target.tagName === "circle" || at(e) < left) return;
      from = at(e);
      s.setPointerCapture(e.pointerId);  // the drag may end outside the chart
      brush.setAttribute("visibility", "visible");
      brush.setAttribute("x", from); brush.setAttribute("width", 0);
    });
    s.addEventListener("pointermove", e => {
      if (from === null) return;
      const to = Math.max(left, Math.min(W - right, at(e)));
      brush.setAttribute("x", Math.min(from, to)); brush.setAttribute("width", Math.abs(to - from));
    });
    s.addEventListener("pointerup", e => {
      if (from === null) return;
      const to = Math.max(left, Math.min(W - right, at(e)));
      const a = Math.min(from, to), b = Math.max(from, to);
      from = null;
      brush.setAttribute("visibility", "hidden");
      const t = px => v0 + (px - left) * (v1 - v0) / (W - left - right);
      if (b - a >= 5) zoomTo(t(a), t(b));
    });
    chartBox.append(s);
  }

  // ---- lateral movement --------------------------------------------------------
  const move = section("Lateral movement between hosts (source → target, in time order)", "movement");
  const moveBox = el("div");
  move.append(moveBox);
  function drawMovement() {
    moveBox.textContent = "";
    const moves = D.movements.filter(m => m.level >= Number(fLevel.value) &&
      (fRule.value === "" || m.rule === Number(fRule.value)) &&
      (fHost.value === "" || m.from === Number(fHost.value) || m.to === Number(fHost.value)));
    if (moves.length === 0) {
      moveBox.append(el("p", { cls: "muted", text: "No finding with both ends known (a source end linked to a target end)." }));
      return;
    }
    // Hosts in the order movement reaches them; one lane each, one arrow per movement.
    const lanes = [];
    const lane = name => { let i = lanes.indexOf(name); if (i < 0) { lanes.push(name); i = lanes.length - 1; } return i; };
    moves.forEach(m => { lane(m.from >= 0 ? hostName(m.from) : m.from_name); lane(m.to >= 0 ? hostName(m.to) : m.to_name); });
    const left = 190, step = 46, laneH = 36, top = 16;
    const W = Math.max(600, left + step * (moves.length + 1));
    const s = svg("svg", { width: W, height: top + laneH * lanes.length + 10, role: "img" });
    const defs = svg("defs");
    const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
      orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#1d2330" }));
    defs.append(marker);
    s.append(defs);
    lanes.forEach((name, i) => {
      const y = top + i * laneH + laneH / 2;
      s.append(svg("text", { x: 4, y: y + 4 }, name.length > 28 ? name.slice(0, 27) + "…" : name));
      s.append(svg("line", { x1: left - 10, x2: W - 10, y1: y, y2: y, stroke: "#dde1e8", "stroke-width": 6,
        "stroke-linecap": "round" }));
    });
    moves.forEach((m, k) => {
      const from = lane(m.from >= 0 ? hostName(m.from) : m.from_name), to = lane(m.to >= 0 ? hostName(m.to) : m.to_name);
      const xk = left + step * (k + 0.5);
      const y1 = top + from * laneH + laneH / 2, y2 = top + to * laneH + laneH / 2;
      const line = svg("line", { x1: xk, x2: xk, y1: y1, y2: y2 + (y2 > y1 ? -6 : 6), stroke: COLOURS[LEVELS[m.level]],
        "stroke-width": 3, "marker-end": "url(#arrow)" });
      line.append(svg("title", {}, (k + 1) + ". " + m.time + " " + D.rules[m.rule].id));
      s.append(line);
      s.append(svg("circle", { cx: xk, cy: y1, r: 4, fill: COLOURS[LEVELS[m.level]] }));
      s.append(svg("text", { x: xk + 3, y: Math.min(y1, y2) - 2 }, String(k + 1)));
      if (m.mark >= 0) { line.style.cursor = "pointer"; line.addEventListener("click", () => openFinding(m.mark, true)); }
    });
    moveBox.append(el("div", { cls: "scroll" }, [s]));
    moveBox.append(table(["#", "time", "source", "target", "rule", "level", "source process", "account", "matched by"],
      moves.map((m, k) => [String(k + 1), m.time, m.from >= 0 ? hostName(m.from) : m.from_name, m.to >= 0 ? hostName(m.to) : m.to_name,
        D.rules[m.rule].id, pill(LEVELS[m.level]), m.process, m.account, m.matched_by])));
  }

  // ---- findings -------------------------------------------------------------
  const list = section("Findings (click one to open its evidence chain; a noisy rule's row opens its findings)", "findings");
  const listStatus = el("p", { id: "list-status", cls: "muted" });
  const listBox = el("div");
  list.append(listStatus, listBox);
  const MAX_ROWS = 5000, GROUP_ROWS = 500;
  let rowLimit = MAX_ROWS;
  const expanded = new Map();         // group -> member rows drawn when open
  const rowOfMark = new Map(), rowOfGroup = new Map();
  let tbody = null, openMark = -1, openRow = null, pinned = null;
  function summaryOf(d) {
    for (const s of d.steps) if (s.cmd) return s.cmd;
    for (const f of d.fields) if (f[1]) return f[0] + ": " + f[1];
    for (const s of d.steps) if (s.details.length) return s.details.map(kv => kv[0] + ": " + kv[1]).join(" · ");
    return "";
  }
  // The list's order: mark indexes (the marks are in level, then time order).
  const orders = new Map();
  function listOrder() {
    const by = fSort.value;
    if (!orders.has(by)) {
      const idx = D.marks.map((m, k) => k);
      if (by === "time") idx.sort((a, b) => D.marks[a][1] - D.marks[b][1] || a - b);
      else if (by === "host") idx.sort((a, b) => D.marks[a][6] - D.marks[b][6]);  // the scan's order: host, then time
      orders.set(by, idx);
    }
    return orders.get(by);
  }
  function findingRow(k, cls) {
    const m = D.marks[k], d = chainOf(k), rule = D.rules[m[3]];
    const tr = el("tr", { cls: "finding" + (cls ? " " + cls : "") }, [
      el("td", { text: d ? d.time : iso(m[1]) }), el("td", { text: markHost(k) }),
      el("td", null, [pill(LEVELS[m[2]])]), el("td", { text: rule.title || rule.id, title: rule.id }),
      el("td", null, [el("code", { text: d ? summaryOf(d) : "(chain not in this report: open for where it is)" })])]);
    tr.dataset.mark = String(k);
    tr.addEventListener("click", () => (openMark === k ? closeFinding() : openFinding(k, false)));
    rowOfMark.set(k, tr);
    return tr;
  }
  function groupRow(g, st) {
    const grp = D.groups[g], rule = D.rules[grp.rule];
    const open = expanded.has(g);
    const text = (open ? "▾ " : "▸ ") + rule.id + " on " + (grp.host >= 0 ? hostName(grp.host) : grp.host_name) + ": " +
      num(st.members.length) + " findings (" + iso(st.first) + " .. " + iso(st.last) + ")" +
      (st.members.length !== grp.count ? ", of " + num(grp.count) : "");
    const tr = el("tr", { cls: "group" }, [el("td", { text: iso(st.first) }),
      el("td", { text: grp.host >= 0 ? hostName(grp.host) : grp.host_name }), el("td", null, [pill(LEVELS[grp.level])]),
      el("td", { colspan: "2", cls: "group-text", text: text })]);
    tr.dataset.group = String(g);
    tr.addEventListener("click", () => {
      if (expanded.has(g)) expanded.delete(g); else expanded.set(g, GROUP_ROWS);
      drawList();
    });
    rowOfGroup.set(g, tr);
    return tr;
  }
  function moreRow(text, action) {
    const b = el("button", { type: "button", text: text });
    b.addEventListener("click", e => { e.stopPropagation(); action(); });
    return el("tr", { cls: "more" }, [el("td", { colspan: "5" }, [b])]);
  }
  function drawList() {
    listBox.textContent = "";
    rowOfMark.clear();
    rowOfGroup.clear();
    openRow = null;
    pinned = null;
    // The findings that match, and the noisy groups' members among them.
    const matching = [], groups = new Map();
    for (const k of listOrder()) {
      const m = D.marks[k];
      if (!wanted(m)) continue;
      matching.push(k);
      if (m[5] < 0) continue;
      let st = groups.get(m[5]);
      if (!st) groups.set(m[5], st = { first: Infinity, last: -Infinity, members: [] });
      st.members.push(k);
      st.first = Math.min(st.first, m[1]);
      st.last = Math.max(st.last, m[1]);
    }
    tbody = el("tbody", { id: "finding-body" });
    let rows = 0, findingRows = 0, left = 0;
    const drawn = new Set(), undrawn = new Set();
    for (const k of matching) {
      const m = D.marks[k];
      if (m[5] >= 0 && (drawn.has(m[5]) || undrawn.has(m[5]))) continue;
      if (rows >= rowLimit) {  // a row not drawn: a finding, or a group's one row
        ++left;
        if (m[5] >= 0) undrawn.add(m[5]);
        continue;
      }
      if (m[5] < 0) { tbody.append(findingRow(k)); ++rows; ++findingRows; continue; }
      const g = m[5], st = groups.get(g);
      drawn.add(g);
      tbody.append(groupRow(g, st));
      ++rows;
      if (!expanded.has(g)) continue;
      const shown = Math.min(st.members.length, expanded.get(g));
      for (let i = 0; i < shown; ++i) tbody.append(findingRow(st.members[i], "member"));
      rows += shown;
      findingRows += shown;
      if (shown < st.members.length)
        tbody.append(moreRow("show " + num(Math.min(GROUP_ROWS, st.members.length - shown)) + " more of " +
          num(st.members.length - shown) + " in this group", () => { expanded.set(g, shown + GROUP_ROWS); drawList(); }));
    }
    const head = el("tr", null, ["time", "host", "level", "rule", "command line / key field"].map(h => el("th", { text: h })));
    listBox.append(el("table", { id: "finding-table" }, [el("thead", null, [head]), tbody]));
    const collapsed = [...drawn].filter(g => !expanded.has(g)).length;
    listStatus.textContent = num(matching.length) + " of " + num(D.marks.length) + " findings match" +
      (zoom ? " in " + isoMin(zoom[0]) + " .. " + isoMin(zoom[1]) : "") + "; " + num(rows) + " rows drawn (" +
      num(findingRows) + " findings, " + num(drawn.size) + " noisy groups, " + num(collapsed) + " collapsed)" +
      (left ? "; " + num(left) + " more rows not drawn" : "");
    listStatus.dataset.matching = String(matching.length);
    listStatus.dataset.rows = String(rows);
    if (left)
      listBox.append(el("p", { cls: "note" }, ["The first " + num(rows) + " rows are drawn: ",
        (() => { const b = el("button", { type: "button", id: "more-rows", text: "draw " + num(MAX_ROWS) + " more" });
          b.addEventListener("click", () => { rowLimit += MAX_ROWS; drawList(); }); return b; })(),
        " or filter by host, level, rule or time (the chart's zoom). A finding opened from the chart or a link is shown even when its row is not drawn."]));
    if (matching.length === 0) listBox.append(el("p", { cls: "muted", text: "No finding matches the filter." }));
    if (openMark >= 0) { const k = openMark; openMark = -1; openFinding(k, false); }
  }

  // The evidence chain as a process tree: a step hangs under the step that
  // started its process (unique id, else PID).
  function chainTree(steps) {
    const nodes = steps.map((s, i) => ({ s: s, i: i, kids: [] }));
    const roots = [];
    nodes.forEach(n => {
      const s = n.s;
      const parent = nodes.find(p => p !== n && p.i < n.i && p.s.table === "DeviceProcessEvents" &&
        ((s.parent_puid && p.s.puid && s.parent_puid === p.s.puid) ||
         (!s.parent_puid && s.parent_pid !== undefined && p.s.pid === s.parent_pid &&
          (!s.parent_image || !p.s.image || s.parent_image.toLowerCase() === p.s.image.toLowerCase()))));
      (parent ? parent.kids : roots).push(n);
    });
    function render(list, root) {
      return el("ul", { cls: root ? "tree root" : "tree" }, list.map(n => {
        const s = n.s;
        const isProcess = s.table === "DeviceProcessEvents";
        // A process event names the process and its parent; any other (a
        // connection, a logon, a script) names the process that made it.
        const by = s.parent_image ? s.parent_image + (s.parent_pid !== undefined ? " (PID " + s.parent_pid + ")" : "") : "";
        const what = isProcess && s.image ? s.image + (s.pid !== undefined ? " (PID " + s.pid + ")" : "") :
          (s.action || s.table) + (!isProcess && by ? " by " + by : "");
        const lines = [el("div", { cls: "head" }, [s.stage + " · " + (s.time || "") + " · " + what])];
        if (s.cmd) lines.push(el("code", { text: s.cmd }));
        const facts = [];
        if (s.account) facts.push("account " + s.account);
        if (isProcess && by && !nodes.some(p => p !== n && n.s.parent_puid && p.s.puid === n.s.parent_puid))
          facts.push("parent " + by);
        if (s.local || s.remote) facts.push((s.local || "?") + " → " + (s.remote || "?"));
        if (s.logon_type) facts.push("logon " + s.logon_type + (s.logon_id ? " " + s.logon_id : ""));
        if (s.remote_device) facts.push("from " + s.remote_device);
        if (facts.length) lines.push(el("div", { cls: "muted", text: facts.join(" · ") }));
        if (s.script) lines.push(el("code", { text: s.script }));
        // The record's key fields, as `evtxhunt scan` writes them in "details".
        if (s.details.length)
          lines.push(el("div", { cls: "kv" }, s.details.map(kv => el("span", null, [el("b", { text: kv[0] + ": " }),
            el("code", { text: kv[1] })]))));
        lines.push(el("div", { cls: "muted mono", text: (s.file || "?") + "#" + (s.record !== undefined ? s.record : "?") +
          (s.event_id !== undefined ? " (event " + s.event_id + ")" : "") }));
        const li = el("li", { cls: "step" }, lines);
        if (n.kids.length) li.append(render(n.kids, false));
        return li;
      }));
    }
    return render(roots, true);
  }

  function detailBox(k) {
    const m = D.marks[k], d = chainOf(k), rule = D.rules[m[3]];
    const box = el("div", { cls: "chain", id: "finding-detail" }, [el("h3", { text: d ? d.title : rule.title || rule.id })]);
    box.dataset.mark = String(k);
    box.append(el("div", { cls: "muted", text: "finding " + k + " of this report (" + LEVELS[m[2]] + "), rule " + rule.id +
      " (" + (rule.source || "?") + ")" + (d ? ", confidence " + d.confidence : "") + ", host " + markHost(k) + ", " +
      (d ? d.time : iso(m[1])) + "; finding " + (m[6] + 1) + " of the scan's output" }));
    if (rule.description) box.append(el("p", { text: rule.description }));
    const tags = d ? d.tags : [];
    const attack = rule.techniques.concat(rule.tactics).concat(tags.filter(t => !rule.techniques.includes(t)));
    if (attack.length) box.append(el("div", null, ["ATT&CK and tags: ", el("span", { cls: "mono", text: attack.join(", ") })]));
    if (rule.false_positives.length) {
      box.append(el("h3", { text: "False positives" }));
      box.append(el("ul", null, rule.false_positives.map(f => el("li", { text: f }))));
    }
    box.append(el("h3", { text: "Evidence chain" }));
    if (!d) {
      box.append(el("p", { cls: "note no-chain", text: "This finding's chain is not in this report: the page carries every " +
        "high and critical finding's chain, then the others' (by level, then time) up to " + num(D.chain_bytes / 1048576) +
        " MiB of chains. Its chain is finding " + (m[6] + 1) + " of the scan's output (evtxhunt scan -f jsonl with the " +
        "same inputs and options: line " + (m[6] + 1) + ", each evidence step with its details), and evtxhunt timeline " +
        "--findings-only --rule " + rule.id + " --host " + markHost(k) + " lists its events." }));
      return box;
    }
    box.append(chainTree(d.steps));
    if (d.links.length) {
      box.append(el("h3", { text: "Other end of the movement" }));
      box.append(table(["side", "host", "rule", "time", "process", "command line", "account", "record", "matched by"],
        d.links.map(l => [l.side, l.device, l.rule, l.time, l.process, el("code", { text: l.cmd }), l.account, l.record,
          l.matched_by])));
    }
    if (d.fields.length) {
      box.append(el("h3", { text: "Fields" }));
      box.append(table(["field", "value"], d.fields.map(f => [f[0], el("code", { text: f[1] })])));
    }
    for (const c of d.collected)
      if (c[1].length) box.append(el("div", null, [c[0] + ": ", el("code", { text: c[1].join("  |  ") })]));
    for (const n of d.notes) box.append(el("div", { cls: "muted", text: "note: " + n }));
    if (d.assumptions.length) box.append(el("div", { cls: "muted", text: "assumed: " + d.assumptions.join(", ") }));
    return box;
  }

  function closeFinding() {
    if (openRow) {
      openRow.classList.remove("open");
      if (openRow.nextSibling && openRow.nextSibling.className === "chain-row") openRow.nextSibling.remove();
    }
    if (pinned) { pinned.remove(); rowOfMark.delete(Number(pinned.dataset.mark)); }
    openRow = null; pinned = null; openMark = -1;
    setHash();
  }
  // Opens finding k (a mark) below its row. A finding whose row is not drawn
  // (past the drawn rows, in a collapsed group beyond its drawn members,
  // outside the filter or the zoom) is drawn on its own at the top of the list.
  function openFinding(k, scroll) {
    if (!D.marks[k]) return;
    const m = D.marks[k];
    closeFinding();
    let tr = rowOfMark.get(k);
    if (!tr && m[5] >= 0 && rowOfGroup.has(m[5]) && !expanded.has(m[5])) {
      expanded.set(m[5], GROUP_ROWS);
      drawList();
      tr = rowOfMark.get(k);
    }
    if (!tr) {
      tr = findingRow(k, "pinned");
      tr.title = "shown on request: this finding's row is not among the rows drawn";
      tbody.prepend(tr);
      pinned = tr;
    }
    tr.after(el("tr", { cls: "chain-row" }, [el("td", { colspan: "5" }, [detailBox(k)])]));
    tr.classList.add("open");
    openRow = tr;
    openMark = k;
    if (scroll) tr.scrollIntoView({ block: "start" });
    setHash();
  }

  // ---- what was read -----------------------------------------------------------
  const inv = section("What was read", "inventory");
  const st = D.stats;
  inv.append(el("p", { text: num(st.evtx_files) + " EVTX files, " + num(st.xml_files) + " XML exports, " +
    num(st.records) + " records (" + num(st.records_damaged) + " damaged), " + num(st.chunks) + " chunks (" +
    num(st.chunks_skipped) + " skipped), " + num(st.inputs_skipped) + " inputs skipped, " + num(st.hosts) + " hosts" }));
  inv.append(el("h3", { text: "Hosts" }));
  inv.append(table(["host", "names", "files", "records", "first record", "last record"],
    D.hosts.map(h => [h.key, h.names.join(", "), num(h.files), num(h.records), h.first || "", h.last || ""]),
    [false, false, true, true, false, false]));
  inv.append(el("h3", { text: "Files" }));
  inv.append(el("div", { cls: "scroll" }, [table(["file", "kind", "records", "damaged", "problems", "first", "last", "channels", "computers"],
    D.files.map(f => [el("span", { cls: "mono", text: f.path }), f.kind, num(f.records), num(f.damaged), num(f.problems),
      f.first || "", f.last || "", f.channels.join(", "), f.computers.join(", ")]),
    [false, false, true, true, true, false, false, false, false])]));
  if (D.skipped.length) {
    inv.append(el("h3", { text: "Inputs skipped" }));
    inv.append(table(["input", "reason"], D.skipped.map(s => [el("span", { cls: "mono", text: s.path }), s.reason])));
  }
  if (D.problems.length) {
    inv.append(el("h3", { text: "Damage found" }));
    inv.append(el("div", { cls: "scroll" }, [table(["file", "kind", "chunk", "offset", "what"],
      D.problems.map(p => [el("span", { cls: "mono", text: p.file }), p.kind, p.chunk < 0 ? "header" : String(p.chunk),
        String(p.offset), p.message]))]));
  }
  if (D.warnings.length) {
    inv.append(el("h3", { text: "Warnings" }));
    inv.append(el("ul", null, D.warnings.map(w => el("li", { text: w }))));
  }

  // ---- log integrity -------------------------------------------------------------
  if (D.integrity) {
    const integ = section("Log integrity", "integrity");
    const I = D.integrity;
    if (!I.sequences.length && !I.issues.length)
      integ.append(el("p", { text: "Every log read is whole: no record id missing or out of order, no record dated " +
        "before the one written before it, no silence past the gap, no log cleared or service stopped." }));
    if (I.sequences.length) {
      integ.append(el("h3", { text: "Logs with gaps or disorder" }));
      integ.append(el("div", { cls: "scroll" }, [table(["host", "channel", "records", "file"],
        I.sequences.map(s => [s.host, s.channel, s.summary, el("span", { cls: "mono", text: s.file })]))]));
    }
    if (I.issues.length) {
      integ.append(el("h3", { text: "Integrity events and sequence issues" }));
      integ.append(el("div", { cls: "scroll" }, [table(["kind", "time", "host", "what", "file", "record"],
        I.issues.map(i => [i.kind, i.time, i.host, i.details, el("span", { cls: "mono", text: i.file }), String(i.record)]),
        [false, false, false, false, false, true])]));
    }
  }

  function redraw() { drawChart(); drawMovement(); drawList(); }

  // The page's state in its address: #finding=N (finding N of this report,
  // 0 the first of the list), zoom=START,END (ISO times or ms), level=NAME,
  // host=NAME, rule=ID, order=time|host; joined by "&".
  let ready = false;
  function setHash() {
    if (!ready) return;
    const parts = [];
    if (openMark >= 0) parts.push("finding=" + openMark);
    if (zoom) parts.push("zoom=" + iso(zoom[0]) + "," + iso(zoom[1]));
    if (fLevel.value !== "0") parts.push("level=" + LEVELS[Number(fLevel.value)]);
    if (fHost.value !== "") parts.push("host=" + encodeURIComponent(D.hosts[Number(fHost.value)].key));
    if (fRule.value !== "") parts.push("rule=" + encodeURIComponent(D.rules[Number(fRule.value)].id));
    if (fSort.value !== "level") parts.push("order=" + fSort.value);
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search); } catch (e) { /* a page that cannot be addressed */ }
  }
  const state = new Map();
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=");
    if (eq > 0) try { state.set(part.slice(0, eq), decodeURIComponent(part.slice(eq + 1))); } catch (e) { /* not an address of this page */ }
  }
  const time = s => /^-?\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (state.has("level") && LEVELS.includes(state.get("level"))) fLevel.value = String(LEVELS.indexOf(state.get("level")));
  if (state.has("host")) { const i = D.hosts.findIndex(h => h.key === state.get("host")); if (i >= 0) fHost.value = String(i); }
  if (state.has("rule")) { const r = ruleRows.find(x => x.r.id === state.get("rule")); if (r) fRule.value = String(r.i); }
  if (state.has("order") && ["time", "host"].includes(state.get("order"))) fSort.value = state.get("order");
  const zoomAt = state.has("zoom") ? state.get("zoom").split(",").map(time) : [];
  if (FULL && zoomAt.length === 2 && zoomAt.every(Number.isFinite) && zoomAt[0] < zoomAt[1]) zoomTo(zoomAt[0], zoomAt[1]);
  else redraw();
  const wantedMark = state.has("finding") && /^\d+$/.test(state.get("finding")) ? Number(state.get("finding")) : -1;
  if (wantedMark >= 0 && D.marks[wantedMark]) openFinding(wantedMark, true);
  else if (state.has("finding"))
    list.insertBefore(el("p", { cls: "note", id: "finding-missing", text: "No finding " + state.get("finding") +
      " in this report: its findings are numbered 0 to " + (D.marks.length - 1) + "." }), listStatus);
  ready = true;
  setHash();
  document.body.setAttribute("data-ready", "1");
})();
</script>
</body>
</html>
)page";

}  // namespace

std::string render_html(const ReportInput& in) {
  std::string data = report_json(in);
  std::string page;
  page.reserve(data.size() + 32 * 1024);
  page += kHead;
  page += data;
  page += kTail;
  return page;
}

}  // namespace report
