// The impact of a previewed or committed draft as tables: moves between grids, each grid's size before and
// after against its bounds, buildings cut by a boundary, and the checks (errors block the commit).
import { el } from "../dom.js";

const MOVE_COLUMNS = ["buildings", "households", "green", "yellow", "red", "residents", "sensors", "open_incidents"];
const MOVE_LABELS = { open_incidents: "openIncidents" };

function table(className, head, rows) {
  return el("table", { className }, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows));
}

const swatch = (colour) => el("span", { className: "gm-planning-swatch", style: `background:${colour}` });

function movesTable(moves, labels, colours) {
  if (!moves?.length) return el("p", { className: "gm-hint" }, labels.nothing);
  const head = [labels.from, labels.to, ...MOVE_COLUMNS.map((c) => labels[MOVE_LABELS[c] ?? c])];
  const rows = moves.map((m) => {
    const row = el("tr", {}, el("td", {}, m.from ?? "–"), el("td", {}, swatch(colours[m.to] ?? "#57606a"), m.to ?? "–"),
      ...MOVE_COLUMNS.map((c) => el("td", { className: "gm-num" }, m[c] ?? 0)));
    row.dataset.from = m.from ?? "";
    row.dataset.to = m.to ?? "";
    return row;
  });
  return table("gm-planning-moves", head, rows);
}

const bounds = (rule, min, max) => (rule ? `${rule[min] ?? "–"}–${rule[max] ?? "–"}` : "–");

function gridsTable(grids, labels) {
  const head = [labels.grid, labels.status, `${labels.households} ${labels.before}→${labels.after}`,
    `${labels.residents} ${labels.before}→${labels.after}`, labels.bounds, ""];
  const rows = (grids ?? []).map((g) => {
    const within = g.status === "retired" ? null : g.within_bounds;
    const badge = within === null || within === undefined ? ""
      : el("span", { className: `gm-badge ${within ? "gm-within" : "gm-outside"}` }, within ? labels.within : labels.outside);
    const row = el("tr", { className: `gm-status-${g.status}` }, el("td", {}, g.code),
      el("td", {}, labels[`status${g.status[0].toUpperCase()}${g.status.slice(1)}`] ?? g.status),
      el("td", { className: "gm-num" }, `${g.households_before ?? "–"}→${g.households_after ?? "–"}`),
      el("td", { className: "gm-num" }, `${g.residents_before ?? "–"}→${g.residents_after ?? "–"}`),
      el("td", {}, `${bounds(g.rule, "min_households", "max_households")} / ${bounds(g.rule, "min_residents",
        "max_residents")}`), el("td", {}, badge));
    row.dataset.code = g.code;
    return row;
  });
  return table("gm-planning-grids", head, rows);
}

export function checksList(checks, labels) {
  if (!checks?.length) return el("p", { className: "gm-planning-ok" }, labels.noChecks);
  return el("ul", { className: "gm-planning-checks" }, ...checks.map((c) => {
    const item = el("li", { className: `gm-check-${c.level}` },
      el("strong", {}, c.level === "error" ? labels.error : labels.warning), ` ${c.message}`,
      c.grids?.length ? el("span", { className: "gm-planning-codes" }, ` (${c.grids.join(", ")})`) : null);
    item.dataset.check = c.check;
    return item;
  }));
}

function cutList(cut, labels) {
  if (!cut?.length) return [];
  const items = cut.map((b) => el("li", {}, `${b.code}: `, Object.entries(b.shares ?? {})
    .map(([grid, share]) => `${grid} ${Math.round(share * 100)}%`).join(" · "), ` → ${labels.goesTo} ${b.goes_to}`));
  return [el("h4", {}, labels.cut), el("ul", { className: "gm-planning-cut" }, ...items)];
}

export function reportView(result, labels, colours) {
  const impact = result.impact ?? {};
  const verdict = result.committable === false ? labels.blocked : labels.committable;
  return el("div", { className: "gm-planning-report" },
    el("p", { className: result.committable === false ? "gm-planning-blocked" : "gm-planning-ok" }, verdict),
    el("h3", {}, labels.moves), movesTable(impact.moves, labels, colours),
    el("h3", {}, labels.grids), gridsTable(impact.grids, labels),
    ...cutList(impact.cut_buildings, labels),
    el("h3", {}, labels.checks), checksList(result.checks, labels));
}

const percent = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`);
const fixed = (x, digits = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));

export function qualityView(proposal, labels) {
  const q = proposal.quality ?? {};
  const pairs = [
    [labels.qGrids, q.grids], [labels.qWithin, percent(q.within_bounds_share)],
    [labels.qCompact, `${fixed(q.polsby_popper_mean)} / ${fixed(q.polsby_popper_min)}`],
    [labels.qHouseholds, `${q.households_min ?? "–"} – ${q.households_max ?? "–"}`],
    [labels.qCv, fixed(q.households_cv)], [labels.qLength, fixed(q.boundary_length_m, 0)],
    [labels.qContiguous, q.contiguous ? labels.yes : labels.no], [labels.qSeconds, fixed(proposal.seconds, 1)],
  ];
  const dl = el("dl", { className: "gm-planning-quality" });
  for (const [name, value] of pairs) dl.append(el("dt", {}, name), el("dd", {}, value ?? "–"));
  return el("div", {}, el("h3", {}, labels.quality), dl);
}
