// The side panel: click a grid or building on the map → its figures / units → households → residents.
// Installs ctx.panel = { show(...nodes), open(kind, code, name) } for the other modules.
import { el, facts } from "./dom.js";

export function install(ctx) {
  const { map, labels, choices, apiUrl } = ctx;
  const detail = document.getElementById("map-detail");
  const label = (kind, value) => choices[kind]?.[value] ?? value ?? labels.none;
  const show = (...nodes) => detail.replaceChildren(...nodes);

  let pending = null;
  async function load(path) {
    pending?.abort();
    pending = new AbortController();
    show(el("p", { className: "gm-hint" }, labels.loading));
    const response = await fetch(new URL(path, apiUrl), {
      headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal,
    });
    if (!response.ok) throw new Error(`${response.status}`);
    return response.json();
  }

  function residentItem(r) {
    const tags = (r.care_tags ?? []).map((t) => label("care_tag", t)).join("、");
    return el("li", {}, [
      r.name, label("sex", r.sex), `${r.age}${labels.age}`, label("relation", r.relation),
      label("residence_type", r.residence_type), r.id_number_masked, r.phone_masked, tags || null,
    ].filter(Boolean).join(" · "));
  }

  function householdBlock(h) {
    return el("div", { className: "gm-household" },
      el("div", {}, `${labels.floor} ${h.floor} · ${labels.room} ${h.room} · ${labels.tier} `,
        el("span", { className: `gm-tier-${h.tier}` }, label("tier", h.tier))),
      el("ul", {}, ...(h.residents ?? []).map(residentItem)));
  }

  async function showBuilding(code) {
    const feature = await load(`buildings/${encodeURIComponent(code)}/`);
    const b = feature.properties ?? feature;
    const blocks = [];
    for (const unit of b.units ?? []) {
      blocks.push(el("h3", {}, `${unit.number} ${labels.unit}`), ...(unit.households ?? []).map(householdBlock));
    }
    if (b.households_without_unit?.length) {
      blocks.push(el("h3", {}, labels.noUnit), ...b.households_without_unit.map(householdBlock));
    }
    show(el("h2", {}, `${labels.building} ${b.code}${b.name ? ` · ${b.name}` : ""}`),
      facts([[labels.address, b.address], [labels.floors, b.floors], [labels.use, label("use", b.use)]], labels.none),
      ...blocks);
  }

  async function showGrid(code, name) {
    const f = await load(`grids/${encodeURIComponent(code)}/figures/`);
    const tiers = Object.entries(f.tiers ?? {}).map(([tier, n]) =>
      el("li", { className: `gm-tier-${tier}` }, `${label("tier", tier)} ${n}`));
    const tags = Object.entries(f.care_tags ?? {}).filter(([, n]) => n > 0).map(([tag, n]) =>
      el("li", {}, `${label("care_tag", tag)} ${n}`));
    const workers = (f.workers ?? []).map((w) => el("li", {}, [w.name, w.phone].filter(Boolean).join(" · ")));
    show(el("h2", {}, `${labels.grid} ${name ?? ""} ${f.grid}`),
      facts([[labels.households, f.households], [labels.residents, f.residents]], labels.none),
      el("h3", {}, labels.tiers), el("ul", {}, ...tiers),
      el("h3", {}, labels.careTags), tags.length ? el("ul", {}, ...tags) : el("p", {}, labels.none),
      el("h3", {}, labels.workers), workers.length ? el("ul", {}, ...workers) : el("p", {}, labels.none));
  }

  const VIEWS = { building: (code) => showBuilding(code), grid: (code, name) => showGrid(code, name) };

  function open(kind, code, name) {
    const view = VIEWS[kind];
    if (!view) return Promise.resolve();
    return view(code, name).catch((error) => {
      if (error.name !== "AbortError") show(el("p", { className: "gm-hint" }, `${labels.failed} (${error.message})`));
    });
  }

  const LAYER_KINDS = { "buildings-3d": "building", "grids-fill": "grid" };
  map.on("click", (event) => {
    const clickable = Object.keys(LAYER_KINDS).filter((id) => map.getLayer(id));
    const [hit] = map.queryRenderedFeatures(event.point, { layers: clickable });
    if (hit) open(LAYER_KINDS[hit.layer.id], hit.properties.code, hit.properties.name);
  });
  for (const id of Object.keys(LAYER_KINDS)) {
    map.on("mouseenter", id, () => { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", id, () => { map.getCanvas().style.cursor = ""; });
  }

  ctx.panel = { show, open };
  window.gridMapPanel = { showBuilding, showGrid, open };
}
