// 回退: the history of the selected grid (newest first); picking a revision shows what rolling back to it
// would change (added area green, removed area red) and offers the rollback.
import { el } from "../dom.js";

export function historyView(history, labels, { current, onPick }) {
  const when = (iso) => (iso ? new Date(iso).toLocaleString(document.documentElement.lang) : "–");
  const rows = (history.revisions ?? []).map((r) => {
    const button = el("button", { type: "button", disabled: r.revision === current || !r.geometry },
      labels.rollbackTo);
    button.addEventListener("click", () => onPick(r));
    const row = el("tr", {}, el("td", { className: "gm-num" }, r.revision), el("td", {}, r.action ?? ""),
      el("td", {}, r.reason ?? ""), el("td", {}, r.user ?? ""), el("td", {}, when(r.at)), el("td", {}, button));
    row.dataset.revision = r.revision;
    return row;
  });
  const head = [labels.revision, labels.action, labels.reason, labels.user, labels.at, ""];
  return el("div", { className: "gm-planning-history" }, el("h3", {}, `${labels.history} · ${history.code}`),
    el("table", {}, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows)));
}

export function diffView(diff, labels) {
  const m2 = (x) => `${Math.round(x ?? 0).toLocaleString()} ${labels.squareMetres}`;
  return el("p", { className: "gm-planning-diff" },
    el("span", { className: "gm-diff-added" }, `${labels.added} ${m2(diff.area_added_m2)}`), " · ",
    el("span", { className: "gm-diff-removed" }, `${labels.removed} ${m2(diff.area_removed_m2)}`));
}
