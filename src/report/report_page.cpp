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
  const COLOURS = { informational: "#6b7587", low: "#3b7dd8", medium: "#e08a00", high: "#d0342c", critical: "#8e1b1b" };
  const hostName = i => i >= 0 && D.hosts[i] ? D.hosts[i].key : "(host not listed)";
  // The marks grouped once (the tables and the chart read them per host and
  // per rule: never a pass over every mark per row).
  const marksOfHost = new Map(), hostsOfRule = new Map(), timesOfHost = new Map();
  for (const m of D.marks) {
    if (!marksOfHost.has(m[0])) marksOfHost.set(m[0], []);
    marksOfHost.get(m[0]).push(m);
    if (!hostsOfRule.has(m[3])) hostsOfRule.set(m[3], new Set());
    hostsOfRule.get(m[3]).add(m[0]);
    const t = timesOfHost.get(m[0]) || [Infinity, -Infinity];
    timesOfHost.set(m[0], [Math.min(t[0], m[1]), Math.max(t[1], m[1])]);
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
      const iso = t => new Date(t).toISOString();
      return [x.h.key].concat(LEVELS.slice().reverse().map(n => num(x.c[LEVELS.indexOf(n)])))
        .concat(times ? [iso(times[0]), iso(times[1])] : ["", ""]);
    }), [false, true, true, true, true, true, false, false])]));

  // ---- filters ---------------------------------------------------------------
  const filt = section("Filter", "filters");
  function select(label, options) {
    const s = el("select", { "aria-label": label }, options.map(o => el("option", { value: o[0], text: o[1] })));
    filt.append(el("label", null, [label + " ", s]));
    s.addEventListener("change", redraw);
    return s;
  }
  filt.classList.add("filters");
  const fHost = select("host", [["", "all hosts"]].concat(D.hosts.map((h, i) => [String(i), h.key])));
  const fLevel = select("level at least", LEVELS.map((n, i) => [String(i), n]));
  const fRule = select("rule", [["", "all rules"]].concat(ruleRows.map(x => [String(x.i), x.r.id])));
  function wanted(m) {
    return (fHost.value === "" || m[0] === Number(fHost.value)) && m[2] >= Number(fLevel.value) &&
      (fRule.value === "" || m[3] === Number(fRule.value));
  }

  // ---- time chart --------------------------------------------------------------
  const chart = section("Time chart: events read per host, findings marked by level", "chart");
  const chartBox = el("div", { cls: "scroll" });
  chart.append(chartBox);
  function drawChart() {
    chartBox.textContent = "";
    const shown = D.hosts.map((h, i) => i).filter(i => fHost.value === "" || i === Number(fHost.value));
    if (!D.first || shown.length === 0) { chartBox.append(el("p", { cls: "muted", text: "No event times." })); return; }
    const W = 1100, left = 190, right = 10, rowH = 34, top = 20;
    const t0 = D.bin_start_ms, binMs = D.bin_hours * 3600000;
    const bins = D.hosts.length ? D.hosts[0].volume.length : 0;
    const t1 = t0 + Math.max(1, bins) * binMs;
    const x = t => left + (W - left - right) * (t - t0) / (t1 - t0);
    const s = svg("svg", { width: W, height: top + rowH * shown.length + 24, role: "img" });
    s.append(svg("text", { x: left, y: 12 }, new Date(t0).toISOString().slice(0, 16) + "Z"));
    s.append(svg("text", { x: W - right, y: 12, "text-anchor": "end" }, new Date(t1).toISOString().slice(0, 16) + "Z"));
    s.append(svg("text", { x: (left + W) / 2, y: 12, "text-anchor": "middle" },
      "one bar = " + D.bin_hours + " h of records"));
    shown.forEach((h, row) => {
      const y = top + row * rowH;
      const host = D.hosts[h];
      s.append(svg("text", { x: 4, y: y + 20 }, host.key.length > 28 ? host.key.slice(0, 27) + "…" : host.key));
      s.append(svg("line", { x1: left, x2: W - right, y1: y + rowH - 4, y2: y + rowH - 4, stroke: "#dde1e8" }));
      const peak = Math.max(1, ...host.volume);
      host.volume.forEach((n, b) => {
        if (!n) return;
        const hgt = Math.max(1, (rowH - 10) * Math.log1p(n) / Math.log1p(peak));
        const bar = svg("rect", { x: x(t0 + b * binMs), y: y + rowH - 4 - hgt, width: Math.max(1, x(t0 + binMs) - x(t0)),
          height: hgt, fill: "#c9d3e3" });
        bar.append(svg("title", {}, num(n) + " records from " + new Date(t0 + b * binMs).toISOString()));
        s.append(bar);
      });
      for (const m of marksOfHost.get(h) || []) {
        if (!wanted(m)) continue;
        const dot = svg("circle", { cx: x(m[1]), cy: y + 10, r: 3 + m[2], fill: COLOURS[LEVELS[m[2]]],
          stroke: "#fff", "stroke-width": 1 });
        dot.append(svg("title", {}, LEVELS[m[2]] + " " + D.rules[m[3]].id + " at " + new Date(m[1]).toISOString()));
        if (m[4] >= 0) { dot.style.cursor = "pointer"; dot.addEventListener("click", () => openDetail(m[4], true)); }
        s.append(dot);
      }
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
      if (m.detail >= 0) { line.style.cursor = "pointer"; line.addEventListener("click", () => openDetail(m.detail, true)); }
    });
    moveBox.append(el("div", { cls: "scroll" }, [s]));
    moveBox.append(table(["#", "time", "source", "target", "rule", "level", "source process", "account", "matched by"],
      moves.map((m, k) => [String(k + 1), m.time, m.from >= 0 ? hostName(m.from) : m.from_name, m.to >= 0 ? hostName(m.to) : m.to_name,
        D.rules[m.rule].id, pill(LEVELS[m.level]), m.process, m.account, m.matched_by])));
  }

  // ---- findings -------------------------------------------------------------
  const list = section("Findings (click one to open its evidence chain)", "findings");
  const listBox = el("div");
  list.append(listBox);
  const rowsByDetail = new Map();
  function summaryOf(d) {
    for (const s of d.steps) if (s.cmd) return s.cmd;
    for (const f of d.fields) if (f[1]) return f[0] + ": " + f[1];
    return "";
  }
  function drawList() {
    listBox.textContent = "";
    rowsByDetail.clear();
    const marks = D.marks.filter(wanted);
    const tbody = el("tbody");
    const MAX_ROWS = 5000;
    for (const m of marks.slice(0, MAX_ROWS)) {
      const d = m[4] >= 0 ? D.details[m[4]] : null;
      const tr = el("tr", { cls: "finding" }, [
        el("td", { text: d ? d.time : new Date(m[1]).toISOString() }), el("td", { text: d ? d.device : hostName(m[0]) }),
        el("td", null, [pill(LEVELS[m[2]])]), el("td", { text: D.rules[m[3]].title || D.rules[m[3]].id, title: D.rules[m[3]].id }),
        el("td", null, [el("code", { text: d ? summaryOf(d) : "(no chain in this report)" })])]);
      if (d) {
        tr.dataset.detail = String(m[4]);
        tr.addEventListener("click", () => openDetail(m[4], false));
        rowsByDetail.set(m[4], tr);
      }
      tbody.append(tr);
    }
    const head = el("tr", null, ["time", "host", "level", "rule", "command line / key field"].map(h => el("th", { text: h })));
    listBox.append(el("table", { id: "finding-table" }, [el("thead", null, [head]), tbody]));
    if (marks.length > MAX_ROWS)
      listBox.append(el("p", { cls: "note", text: "The first " + MAX_ROWS + " of " + num(marks.length) +
        " findings are listed: filter by host, level or rule to see the others." }));
    if (marks.length === 0) listBox.append(el("p", { cls: "muted", text: "No finding matches the filter." }));
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
        lines.push(el("div", { cls: "muted mono", text: (s.file || "?") + "#" + (s.record !== undefined ? s.record : "?") +
          (s.event_id !== undefined ? " (event " + s.event_id + ")" : "") }));
        const li = el("li", { cls: "step" }, lines);
        if (n.kids.length) li.append(render(n.kids, false));
        return li;
      }));
    }
    return render(roots, true);
  }

  function detailBox(d, m) {
    const rule = D.rules[m[3]];
    const box = el("div", { cls: "chain" }, [el("h3", { text: d.title })]);
    box.append(el("div", { cls: "muted", text: "rule " + rule.id + " (" + (rule.source || "?") + "), confidence " +
      d.confidence + ", host " + d.device }));
    if (rule.description) box.append(el("p", { text: rule.description }));
    const attack = rule.techniques.concat(rule.tactics).concat(d.tags.filter(t => !rule.techniques.includes(t)));
    if (attack.length) box.append(el("div", null, ["ATT&CK and tags: ", el("span", { cls: "mono", text: attack.join(", ") })]));
    if (rule.false_positives.length) {
      box.append(el("h3", { text: "False positives" }));
      box.append(el("ul", null, rule.false_positives.map(f => el("li", { text: f }))));
    }
    box.append(el("h3", { text: "Evidence chain" }));
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

  let openRow = null;
  function openDetail(i, scroll) {
    const d = D.details[i];
    const m = D.marks[d.mark] || [D.hosts.findIndex(h => h.names.includes(d.device)), 0, 0, 0, i];
    if (openRow) { openRow.classList.remove("open"); if (openRow.nextSibling && openRow.nextSibling.className === "chain-row") openRow.nextSibling.remove(); }
    let tr = rowsByDetail.get(i);
    if (!tr) {  // filtered out: show it alone
      fHost.value = ""; fLevel.value = "0"; fRule.value = ""; redraw(); tr = rowsByDetail.get(i);
    }
    if (openRow === tr) { openRow = null; return; }
    const row = el("tr", { cls: "chain-row" }, [el("td", { colspan: "5" }, [detailBox(d, m)])]);
    tr.after(row);
    tr.classList.add("open");
    openRow = tr;
    if (scroll) tr.scrollIntoView({ block: "start" });
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

  function redraw() { drawChart(); drawMovement(); drawList(); openRow = null; }
  redraw();
  // report.html#finding=N opens the chain of D.details[N] (a link to one finding).
  const wantedDetail = /^#finding=(\d+)$/.exec(location.hash);
  if (wantedDetail && D.details[Number(wantedDetail[1])]) openDetail(Number(wantedDetail[1]), true);
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
