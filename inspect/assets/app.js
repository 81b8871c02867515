// credo inspect: the page. Plain JavaScript, no dependencies; data comes
// page by page from the JSON API of the credo inspect server.
"use strict";

const NEG = [33, 102, 172], POS = [178, 24, 43]; // ColorBrewer RdBu ends; 0 is white
const ANCHOR = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4", "#b15928", "#6a3d9a"];
const $ = (id) => document.getElementById(id);
const state = { meta: null, offset: 0, limit: 50, group: null, scale: 1, arrange: "", tsort: "index" };
const MAXTOK = 3000; // tokens drawn per trajectory until "show all" is clicked
const showAll = new Set(); // trajectories drawn in full

// colour of value v on the diverging scale saturating at ±s (null = no value).
function colour(v, s) {
  if (v === null || v === undefined) return null;
  const t = Math.max(-1, Math.min(1, s > 0 ? v / s : 0));
  const end = t >= 0 ? POS : NEG, a = Math.abs(t);
  const c = end.map((e) => Math.round(255 + (e - 255) * a));
  return "rgb(" + c.join(", ") + ")";
}

function fmt(x) {
  if (x === null || x === undefined) return "—";
  if (typeof x !== "number") return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(3) : String(+x.toFixed(4));
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
  return r.json();
}

function params() {
  const p = new URLSearchParams();
  for (const k of ["sort", "filter", "min_reward", "max_reward", "min_credit"]) {
    const v = $(k).value;
    if (v !== "" && !(k === "sort" && v === "index")) p.set(k, v);
  }
  return p;
}

function syncURL() {
  const p = params();
  if (state.offset) p.set("offset", state.offset);
  if (state.group !== null) p.set("group", state.group);
  if (state.scale !== state.meta.scale) p.set("scale", state.scale);
  history.replaceState(null, "", "?" + p.toString());
}

function updateLegend() {
  $("legend-lo").textContent = "−" + fmt(state.scale);
  $("legend-hi").textContent = "+" + fmt(state.scale);
  $("scale").value = state.scale;
}

async function loadGroups() {
  const p = params();
  p.set("offset", state.offset);
  p.set("limit", state.limit);
  const tb = $("group-list").tBodies[0];
  let page;
  try {
    page = await getJSON("api/groups?" + p.toString());
  } catch (e) {
    tb.replaceChildren();
    $("range").textContent = e.message;
    return;
  }
  tb.replaceChildren();
  for (const g of page.groups) {
    const tr = el("tr", "row");
    tr.dataset.group = g.id;
    if (g.id === state.group) tr.classList.add("sel");
    tr.append(el("td", "", g.id), el("td", "", g.size), el("td", "", g.rewarded ? fmt(g.mean_reward) : "—"),
      el("td", "", fmt(g.max_abs_credit)));
    if (state.meta.sides.length > 1) tr.append(el("td", "diffcol", fmt(g.max_abs_diff)));
    tr.title = g.id;
    tr.onclick = () => { state.group = g.id; for (const r of tb.rows) r.classList.toggle("sel", r === tr); loadGroup(); syncURL(); };
    tb.append(tr);
  }
  const end = page.offset + page.groups.length;
  $("range").textContent = page.total ? (page.offset + 1) + "–" + end + " of " + page.total + " groups" : "no groups";
  $("prev").disabled = page.offset === 0;
  $("next").disabled = end >= page.total;
  syncURL();
  if (state.group === null && page.groups.length) { state.group = page.groups[0].id; tb.rows[0].classList.add("sel"); syncURL(); await loadGroup(); }
}

let current = null; // the group shown

async function loadGroup() {
  const sec = $("group");
  try {
    current = await getJSON("api/group/" + encodeURIComponent(state.group));
  } catch (e) {
    sec.replaceChildren(el("p", "err", e.message));
    return;
  }
  renderGroup();
}

function tokenCells(tr, vals, side, prefix) {
  // the token cells of one column, inside nested step boxes.
  const n = showAll.has(tr.id) ? tr.tokens.length : Math.min(tr.tokens.length, MAXTOK), kids = new Map();
  tr.steps.forEach((st, i) => {
    const p = st.parent === undefined || st.parent === null ? -1 : st.parent;
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(i);
  });
  for (const l of kids.values()) l.sort((a, b) => tr.steps[a].start - tr.steps[b].start);
  const cell = (i) => {
    const c = el("span", "tok", disp(tr.text[i]));
    c.dataset.side = side;
    c.dataset.traj = tr.id;
    c.dataset.i = i;
    const v = vals ? vals[i] : null;
    if (v === null || v === undefined) c.classList.add("none");
    else {
      c.dataset.v = v;
      c.style.backgroundColor = colour(v, state.scale);
      if (Math.abs(v) > 0.6 * state.scale) c.style.color = "#fff";
    }
    if (tr.mask && tr.mask[i] === 0) c.classList.add("masked");
    if (prefix && i < prefix) c.classList.add("prefix");
    return c;
  };
  const span = (into, from, to, parent) => {
    let i = from;
    for (const s of kids.get(parent) || []) {
      const st = tr.steps[s];
      if (st.start >= to) break;
      for (; i < st.start; i++) into.append(cell(i));
      const box = el("span", "step");
      box.dataset.step = s;
      const lab = [st.kind || "step", "#" + s];
      if (st.role) lab.push(st.role);
      if (st.anchor >= 0) {
        box.dataset.anchor = st.anchor;
        const col = ANCHOR[st.anchor % ANCHOR.length];
        box.style.borderColor = col;
        lab.push("⚓" + st.anchor + "×" + st.anchor_count);
        box.title = "anchor_obs " + current.anchors[st.anchor] + " (" + st.anchor_count + " steps in this group)";
      }
      for (const [k, v] of Object.entries(st.rewards || {})) lab.push(k + "=" + fmt(v));
      const l = el("span", "slabel", lab.join(" "));
      if (st.anchor >= 0) l.style.background = ANCHOR[st.anchor % ANCHOR.length];
      box.append(l);
      span(box, st.start, Math.min(st.end, to), s);
      into.append(box);
      i = Math.min(st.end, to);
    }
    for (; i < to; i++) into.append(cell(i));
  };
  const d = el("div", "toks");
  span(d, 0, n, -1);
  return d;
}

function disp(s) {
  return s.replace(/\n/g, "↵").replace(/\t/g, "⇥") || "∅";
}

// trajectory order: file order, tree (depth first by parent links) or strata.
function arranged(trajs) {
  const key = {
    index: (t) => t.index,
    reward: (t) => -(t.rewards && state.meta.reward in t.rewards ? t.rewards[state.meta.reward] : -Infinity),
    credit: (t) => -Math.max(0, ...t.credit.flatMap((c) => (c || []).map(Math.abs))),
  }[state.tsort];
  const sorted = trajs.slice().sort((a, b) => key(a) - key(b) || a.index - b.index);
  if (state.arrange === "tree") {
    const byID = new Map(sorted.map((t) => [t.id, t])), kids = new Map(), out = [];
    for (const t of sorted) {
      const p = t.parent && byID.has(t.parent.traj_uid) ? t.parent.traj_uid : "";
      if (!kids.has(p)) kids.set(p, []);
      kids.get(p).push(t);
    }
    const walk = (p, depth) => { for (const t of kids.get(p) || []) { out.push({ t, depth }); walk(t.id, depth + 1); } };
    walk("", 0);
    return out.map((x) => ({ ...x, stratum: null }));
  }
  if (state.arrange.startsWith("f:")) {
    const f = state.arrange.slice(2);
    const val = (t) => (t.features && f in t.features ? JSON.stringify(t.features[f]) : "(none)");
    const strata = [...new Set(sorted.map(val))].sort();
    return strata.flatMap((s) => sorted.filter((t) => val(t) === s).map((t) => ({ t, depth: 0, stratum: f + " = " + s })));
  }
  return sorted.map((t) => ({ t, depth: 0, stratum: null }));
}

function renderGroup() {
  const g = current, sec = $("group");
  const head = el("div", "ghead");
  head.append(el("h2", "", "group " + g.id), el("span", "", g.trajectories.length + " trajectories"));
  if (g.anchors.length) head.append(el("span", "", g.anchors.length + " anchor states"));
  const feats = [...new Set(g.trajectories.flatMap((t) => Object.keys(t.features || {})))].sort();
  const hasTree = g.trajectories.some((t) => t.parent);
  if (state.arrange === "" && hasTree) state.arrange = "tree";
  const arr = el("select");
  arr.id = "arrange";
  const opts = [["index", "as listed"]];
  if (hasTree) opts.push(["tree", "as a tree (parent links)"]);
  for (const f of feats) opts.push(["f:" + f, "strata by " + f]);
  for (const [v, l] of opts) { const o = el("option", "", l); o.value = v; arr.append(o); }
  arr.value = opts.some((o) => o[0] === state.arrange) ? state.arrange : "index";
  arr.onchange = () => { state.arrange = arr.value; renderGroup(); };
  const ts = el("select");
  ts.id = "tsort";
  for (const [v, l] of [["index", "file order"], ["reward", "reward"], ["credit", "largest |credit|"]]) { const o = el("option", "", l); o.value = v; ts.append(o); }
  ts.value = state.tsort;
  ts.onchange = () => { state.tsort = ts.value; renderGroup(); };
  const l1 = el("label", "", "arrange "), l2 = el("label", "", "order ");
  l1.append(arr);
  l2.append(ts);
  head.append(l1, l2);
  const body = el("div");
  let last = null;
  const columns = g.sides.map((s, i) => ({ label: s, key: "credit", side: i }));
  if (g.sides.length === 2) columns.push({ label: "difference (" + g.sides[1] + " − " + g.sides[0] + ")", key: "diff", side: "diff" });
  if (state.meta.truth && g.trajectories.some((t) => t.truth)) columns.push({ label: "exact A^π (token_scores." + state.meta.truth + ")", key: "truth", side: "truth" });
  for (const { t, depth, stratum } of arranged(g.trajectories)) {
    if (stratum !== null && stratum !== last) { body.append(el("div", "stratum", stratum)); last = stratum; }
    const card = el("div", "traj");
    card.dataset.traj = t.id;
    card.style.marginLeft = depth * 24 + "px";
    const th = el("div", "thead");
    th.append(el("span", "id", t.id), el("span", "chip", t.pos));
    for (const [k, v] of Object.entries(t.rewards || {})) th.append(el("span", "chip reward", k + " " + fmt(v)));
    for (const [k, v] of Object.entries(t.features || {})) th.append(el("span", "chip", k + "=" + JSON.stringify(v)));
    if (t.probe) th.append(el("span", "chip probe", "probe"));
    if (t.parent) th.append(el("span", "chip parent", "↳ " + t.parent.traj_uid + " @ token " + t.parent.token));
    th.append(el("span", "chip", t.tokens.length + " tokens, text from " + t.text_from));
    card.append(th);
    const cols = el("div", "cols");
    cols.style.gridTemplateColumns = "repeat(" + columns.length + ", minmax(0, 1fr))";
    for (const c of columns) {
      const vals = c.key === "credit" ? t.credit[c.side] : t[c.key];
      const col = el("div", "col");
      col.dataset.col = c.side;
      col.append(el("div", "label", c.label + (vals ? "" : " — none")));
      col.append(tokenCells(t, vals, c.side, t.parent ? t.parent.token : 0));
      cols.append(col);
    }
    card.append(cols);
    if (t.tokens.length > MAXTOK && !showAll.has(t.id)) {
      const b = el("button", "more", "show all " + t.tokens.length + " tokens (" + MAXTOK + " drawn)");
      b.onclick = () => { showAll.add(t.id); renderGroup(); };
      card.append(b);
    }
    body.append(card);
  }
  sec.replaceChildren(head, body);
}

function tipText(t, i) {
  const L = [];
  L.push("token " + i + "  id " + t.tokens[i] + "  " + JSON.stringify(t.text[i]));
  const add = (name, arr) => { if (arr) L.push(name.padEnd(13) + " " + fmt(arr[i])); };
  add("mask", t.mask || null);
  if (!t.mask) L.push("mask".padEnd(13) + " " + "1 (absent)");
  add("old log-prob", t.old_log_probs);
  add("ref log-prob", t.ref_log_prob);
  add("value", t.values);
  add("token reward", t.token_level_rewards);
  current.sides.forEach((s, k) => {
    L.push(("credit " + (k ? "R" : "L")).padEnd(13) + " " + fmt(t.credit[k] ? t.credit[k][i] : null) + "   " + s);
    if (t.returns[k]) L.push(("returns " + (k ? "R" : "L")).padEnd(13) + " " + fmt(t.returns[k][i]));
  });
  add("difference", t.diff);
  add("exact A^π", t.truth);
  add("loss weight", t.loss_weights);
  for (const [k, v] of Object.entries(t.rewards || {})) L.push(("reward " + k).padEnd(13) + " " + fmt(v));
  return L.join("\n");
}

function hover(ev) {
  const tip = $("tip");
  const c = ev.target.closest ? ev.target.closest(".tok") : null;
  document.querySelectorAll(".hl").forEach((e) => e.classList.remove("hl"));
  if (!c || !current) { tip.hidden = true; return; }
  const t = current.trajectories.find((x) => x.id === c.dataset.traj);
  const i = +c.dataset.i;
  document.querySelectorAll('.tok[data-i="' + i + '"]').forEach((e) => { if (e.dataset.traj === t.id) e.classList.add("hl"); });
  const box = c.closest(".step");
  if (box && box.dataset.anchor !== undefined) document.querySelectorAll('.step[data-anchor="' + box.dataset.anchor + '"]').forEach((e) => e.classList.add("hl"));
  tip.textContent = tipText(t, i);
  tip.hidden = false;
  const x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
  const y = ev.clientY + 16 + tip.offsetHeight > window.innerHeight ? ev.clientY - tip.offsetHeight - 8 : ev.clientY + 16;
  tip.style.left = x + "px";
  tip.style.top = y + "px";
}

async function main() {
  state.meta = await getJSON("api/meta");
  const q = new URLSearchParams(location.search);
  for (const k of ["sort", "filter", "min_reward", "max_reward", "min_credit"]) if (q.has(k)) $(k).value = q.get(k);
  state.offset = +(q.get("offset") || 0);
  state.group = q.has("group") ? q.get("group") : null;
  state.scale = q.has("scale") ? +q.get("scale") : state.meta.scale;
  if (q.has("arrange")) state.arrange = q.get("arrange");
  $("files").textContent = state.meta.sides.join("  |  ") + "  ·  " + state.meta.groups + " groups, " + state.meta.trajectories + " trajectories";
  if (state.meta.sides.length < 2) document.querySelectorAll(".diffcol").forEach((e) => e.remove());
  updateLegend();
  for (const k of ["sort", "filter", "min_reward", "max_reward", "min_credit"]) $(k).onchange = () => { state.offset = 0; loadGroups(); };
  $("scale").onchange = () => { const s = +$("scale").value; if (s > 0) { state.scale = s; updateLegend(); if (current) renderGroup(); syncURL(); } };
  $("prev").onclick = () => { state.offset = Math.max(0, state.offset - state.limit); loadGroups(); };
  $("next").onclick = () => { state.offset += state.limit; loadGroups(); };
  document.addEventListener("mousemove", hover);
  const fromURL = state.group !== null;
  await loadGroups();
  if (fromURL) await loadGroup();
  if (q.has("hover")) {
    // ?hover=TRAJ:I moves the mouse onto that token (for links and screenshots)
    const [traj, i] = q.get("hover").split(":");
    const c = [...document.querySelectorAll('.tok[data-side="0"]')].find((e) => e.dataset.traj === traj && e.dataset.i === i);
    if (c) {
      const r = c.getBoundingClientRect();
      c.dispatchEvent(new MouseEvent("mousemove", { bubbles: true, clientX: r.left + r.width / 2, clientY: r.bottom }));
    }
  }
}

main().catch((e) => { $("group").replaceChildren(el("p", "err", e.message)); });
