// The grid boundary editor (规划), for roles that may plan: pick a grid, edit its editable set (the leaf
// grids sharing its parent) with one tool at a time, preview the impact on the server, commit with a reason.
// Every change of the edit state goes on our own undo/redo stack (buttons, Ctrl+Z / Ctrl+Y).
// Pieces: planning/api.js (HTTP), draw.js (terra-draw), snap.js, stack.js, layers.js (map overlays),
// report.js (impact tables), revisions.js (history and diff), tools.js (what each tool draws and sends).
import { el, labelsOf } from "./dom.js";
import { planningApi } from "./planning/api.js";
import { createDraw, TOOL_MODES } from "./planning/draw.js";
import * as overlay from "./planning/layers.js";
import { checksList, qualityView, reportView } from "./planning/report.js";
import { diffView, historyView } from "./planning/revisions.js";
import { snapper, snapTargets } from "./planning/snap.js";
import { editStack } from "./planning/stack.js";
import { gridAt, initialState, operation, plain, siblingAt } from "./planning/tools.js";

const HINTS = { reshape: "hintReshape", split: "hintSplit", merge: "hintMerge", create: "hintCreate",
  rollback: "hintRollback", replace: "hintReplace", idle: "pick" };

export function install(ctx) {
  const root = document.getElementById("map-planning");
  if (!root) return;
  const { map } = ctx;
  const labels = labelsOf("map-planning");
  const api = planningApi(new URL(root.dataset.api, window.location.href), root.dataset.csrf);
  const $ = (id) => document.getElementById(id);
  const ui = { toggle: $("planning-toggle"), body: $("planning-body"), target: $("planning-target"),
    hint: $("planning-hint"), extra: $("planning-extra"), preview: $("planning-preview"),
    result: $("planning-result"), form: $("planning-commit"), reason: $("planning-reason"),
    message: $("planning-message"), undo: $("planning-undo"), redo: $("planning-redo"), snap: $("planning-snap"),
    auto: $("planning-auto"), tools: [...root.querySelectorAll("[data-tool]")] };
  const stack = editStack();
  const s = { open: false, data: null, code: null, tool: "idle", extra: {}, draw: null, targets: null,
    history: null, lastPreview: null, lastCommit: null };

  function say(text, kind = "") {
    ui.message.textContent = text ?? "";
    ui.message.dataset.kind = kind;
  }
  const grid = (code) => s.data?.grids.features.find((f) => f.properties.code === code);
  const revisions = () => Object.fromEntries((s.data?.grids.features ?? [])
    .map((f) => [f.properties.code, f.properties.revision]));

  async function ensureDraw() {
    overlay.ensureLayers(map);
    if (!s.draw) {
      s.draw = await createDraw(map, { toCustom: snapper(map, () => s.targets, () => ui.snap.checked) });
      s.draw.on("finish", onFinish);
    }
    return s.draw;
  }

  // ---- edit state ---------------------------------------------------------------------------------------
  function clearResult() {
    s.lastPreview = null;
    ui.result.replaceChildren();
    ui.form.hidden = true;
    overlay.clearAll(map);
  }

  function buttons() {
    ui.undo.disabled = !stack.canUndo();
    ui.redo.disabled = !stack.canRedo();
    ui.preview.disabled = !operation(s);
  }

  function marks() {
    const picks = s.tool === "merge" ? (s.extra.codes ?? []).filter((c) => c !== s.code)
      .map((c) => overlay.feature(grid(c)?.geometry, { kind: "pick", code: c })) : [];
    overlay.show(map, "planning-marks", overlay.collection(picks));
  }

  function apply(state) {
    s.tool = state.tool;
    s.extra = state.extra ?? {};
    for (const b of ui.tools) b.setAttribute("aria-pressed", String(b.dataset.tool === s.tool));
    ui.hint.textContent = labels[HINTS[s.tool]] ?? "";
    clearResult();
    s.targets = snapTargets(s.data, { skip: s.tool === "reshape" ? s.code : null });
    s.draw.showContext(s.data, s.code, s.tool === "reshape" ? s.code : null);
    s.draw.setEditable(state.features ?? [], TOOL_MODES[s.tool]);
    marks();
    renderExtra();
    buttons();
  }

  function current() {
    return { tool: s.tool, features: s.draw.editable().map(plain), extra: s.extra };
  }

  function remember() {
    stack.push(current());
    clearResult();
    marks();
    buttons();
  }

  async function setTool(tool) {
    await ensureDraw();
    const state = initialState(tool === s.tool ? "idle" : tool, s);
    apply(state);
    stack.push(state);
    buttons();
    if (state.tool === "rollback") loadHistory();
  }

  // A drawn line or polygon finished, or a vertex was dragged, added or deleted.
  function onFinish() {
    if (s.tool === "split" || s.tool === "create") {
      const kind = s.tool === "split" ? "LineString" : "Polygon";
      const drawn = s.draw.editable().filter((f) => f.geometry.type === kind);
      s.draw.remove(drawn.slice(0, -1).map((f) => f.id)); // one line / one new grid at a time
    }
    remember();
  }

  function step(state) {
    if (!state) return;
    apply(state);
    if (state.tool === "rollback") loadHistory();
  }

  // ---- the extra block per tool ---------------------------------------------------------------------------
  function mergeBlock() {
    const codes = s.extra.codes ?? [];
    const select = el("select", { id: "planning-keep" }, el("option", { value: "" }, "–"),
      ...codes.map((c) => el("option", { value: c, selected: c === s.extra.keep }, `${c} ${grid(c)?.properties.name ?? ""}`)));
    select.addEventListener("change", () => {
      s.extra = { ...s.extra, keep: select.value };
      remember();
    });
    return el("div", { className: "gm-planning-merge" }, el("p", {}, codes.join(" + ")),
      el("label", {}, `${labels.keep} `, select));
  }

  function renderExtra() {
    const blocks = {
      merge: mergeBlock,
      replace: () => (s.extra.proposal ? qualityView(s.extra.proposal, labels) : null),
      rollback: () => (s.history ? historyView(s.history, labels, { current: grid(s.code)?.properties.revision,
        onPick: pickRevision }) : null),
    };
    ui.extra.replaceChildren(...[blocks[s.tool]?.()].filter(Boolean));
    if (s.tool === "replace" && s.extra.proposal) {
      overlay.show(map, "planning-draft", overlay.collection((s.extra.proposal.params?.grids ?? []).map((g) =>
        overlay.feature(g.geometry, { code: g.code ?? "", status: "new" }))));
    }
    if (s.tool === "rollback" && s.extra.diff) {
      const d = s.extra.diff;
      overlay.show(map, "planning-diff", overlay.collection([overlay.feature(d.added, { kind: "added" }),
        overlay.feature(d.removed, { kind: "removed" })]));
      ui.extra.append(diffView(d, labels));
    }
  }

  async function loadHistory() {
    const { ok, status, data } = await api.history(s.code);
    if (!ok) return say(`${labels.failed} (${status}) ${data?.detail ?? ""}`, "error");
    s.history = data;
    if (s.tool === "rollback") renderExtra();
  }

  async function pickRevision(r) {
    const from = grid(s.code)?.properties.revision;
    const { ok, status, data } = await api.diff(s.code, from, r.revision);
    if (!ok) return say(`${labels.failed} (${status}) ${data?.detail ?? ""}`, "error");
    s.extra = { revision: r.revision, diff: data };
    remember();
    renderExtra();
  }

  // ---- picking a grid, map clicks ---------------------------------------------------------------------
  async function pick(code) {
    await ensureDraw();
    say(labels.loading);
    const { ok, status, data } = await api.context(code);
    if (!ok) {
      say(`${labels.failed} (${status}) ${data?.detail ?? ""}`, "error");
      return false;
    }
    s.data = data;
    s.code = code;
    s.history = null;
    s.tool = "idle";
    const g = grid(code)?.properties ?? {};
    ui.target.textContent = `${labels.grid} ${g.name ?? ""} ${code} · ${labels.revision} ${g.revision ?? "–"}`
      + ` · ${labels.parent} ${data.parent.name ?? ""} ${data.parent.code}`;
    for (const b of ui.tools) b.disabled = Boolean(g.has_children);
    ui.auto.disabled = false;
    say(g.has_children ? labels.hasChildren : "", g.has_children ? "error" : "");
    const state = initialState("idle", s);
    apply(state);
    stack.reset(state);
    buttons();
    return true;
  }

  map.on("click", (event) => {
    if (!s.open || !["idle", "merge"].includes(s.tool)) return;
    const point = [event.lngLat.lng, event.lngLat.lat];
    if (s.tool === "merge") {
      const code = siblingAt(s.data, s.code, point);
      if (!code) return;
      const codes = s.extra.codes ?? [s.code];
      s.extra = { ...s.extra, codes: codes.includes(code) ? codes.filter((c) => c !== code) : [...codes, code] };
      remember();
      renderExtra();
      return;
    }
    const code = gridAt(map, event.point, s.data, point);
    if (code && code !== s.code) pick(code);
  });

  // ---- preview and commit ---------------------------------------------------------------------------
  function showResult(data) {
    const colours = overlay.destinationColours(data.impact?.moves);
    ui.result.replaceChildren(reportView(data, labels, colours));
    overlay.show(map, "planning-draft", data.draft);
    overlay.show(map, "planning-moves", overlay.movedPoints(data.impact?.moved_buildings, colours));
    const checks = (data.checks ?? []).map((c) => overlay.feature(c.geometry, { kind: "check", check: c.check }));
    overlay.show(map, "planning-marks", overlay.collection(checks));
  }

  function refused(status, data) {
    say(status === 400 ? (data?.detail ?? labels.failed) : `${labels.failed} (${status}) ${data?.detail ?? ""}`,
      "error");
    if (data?.checks) ui.result.replaceChildren(checksList(data.checks, labels));
  }

  async function preview() {
    const op = operation(s);
    if (!op) return say(labels.nothing);
    say(labels.loading);
    const { ok, status, data } = await api.preview({ ...op, revisions: revisions() });
    if (!ok) return refused(status, data);
    s.lastPreview = data;
    say("");
    showResult(data);
    ui.form.hidden = data.committable === false;
  }

  // The server's current features replace ours (409): the editor restarts the tool on them.
  function takeCurrent(current) {
    if (!current?.features) return pick(s.code);
    const before = new Map(s.data.grids.features.map((f) => [f.properties.code, f]));
    s.data.grids.features = current.features.map((f) => {
      const code = f.properties?.code ?? f.id;
      return { ...f, properties: { ...(before.get(code)?.properties ?? {}), ...f.properties, code } };
    });
    const state = initialState(grid(s.code) ? s.tool : "idle", s);
    apply(state);
    stack.reset(state);
    buttons();
    return null;
  }

  async function commit(event) {
    event.preventDefault();
    const reason = ui.reason.value.trim();
    if (!reason) {
      ui.reason.focus();
      return say(labels.reasonNeeded, "error");
    }
    const op = operation(s);
    if (!op) return say(labels.nothing);
    const { ok, status, data } = await api.commit({ ...op, revisions: revisions(), reason });
    if (status === 409) {
      await takeCurrent(data?.current);
      return say(`${labels.conflict} ${data?.detail ?? ""}`, "conflict");
    }
    if (!ok) return refused(status, data);
    s.lastCommit = data;
    ui.reason.value = "";
    const alive = (data.grids ?? []).filter((g) => g.status !== "retired").map((g) => g.code);
    const keep = alive.includes(s.code) || !(data.grids ?? []).some((g) => g.code === s.code) ? s.code : alive[0];
    if (await pick(keep ?? s.code)) ui.result.replaceChildren(reportView(data, labels, {}));
    say(`${labels.committed} ${data.change}`, "ok");
  }

  async function propose() {
    await ensureDraw();
    say(labels.loading);
    const { ok, status, data } = await api.proposal({ parent: s.data.parent.code, seed: 1 });
    if (!ok) return refused(status, data);
    say("");
    const state = { tool: "replace", features: [], extra: { proposal: data } };
    apply(state);
    stack.push(state);
    buttons();
  }

  // ---- wiring -------------------------------------------------------------------------------------------
  function setOpen(open) {
    s.open = open;
    ui.body.hidden = !open;
    ui.toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      ensureDraw().then(() => ui.hint.textContent = s.data ? ui.hint.textContent : labels.pick);
    } else if (s.draw) {
      s.draw.stop();
      clearResult();
      s.data = null;
      s.code = null;
      s.tool = "idle";
      ui.target.textContent = "";
      for (const b of [...ui.tools, ui.auto, ui.undo, ui.redo, ui.preview]) b.disabled = true;
    }
  }
  ui.toggle.addEventListener("click", () => setOpen(!s.open));
  for (const b of ui.tools) b.addEventListener("click", () => setTool(b.dataset.tool));
  ui.auto.addEventListener("click", propose);
  ui.undo.addEventListener("click", () => step(stack.undo()));
  ui.redo.addEventListener("click", () => step(stack.redo()));
  ui.preview.addEventListener("click", preview);
  ui.form.addEventListener("submit", commit);
  document.addEventListener("keydown", (event) => {
    if (!s.open || !(event.ctrlKey || event.metaKey) || event.target.closest?.("input, textarea, select")) return;
    const key = event.key.toLowerCase();
    const redo = key === "y" || (key === "z" && event.shiftKey);
    if (key !== "z" && key !== "y") return;
    event.preventDefault();
    step(redo ? stack.redo() : stack.undo());
  });

  // For the side panel (map clicks belong to the editor while it is open) and the browser tests.
  ctx.planning = {
    takesClicks: () => s.open,
    open: () => setOpen(true),
    pick,
    operation: () => operation(s),
    get state() { return { code: s.code, tool: s.tool, extra: s.extra, depth: stack.depth }; },
    get lastPreview() { return s.lastPreview; },
    get lastCommit() { return s.lastCommit; },
  };
}
