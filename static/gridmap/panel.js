// The side panel: a building (units → households → residents), a grid or a division (figures, age pyramid,
// open incidents, grid workers). Every state is in the URL hash (#building=CODE, #grid=CODE, #division=CODE),
// so Back/Forward and reloads reopen it; Escape returns to the hint; units are <details> for the keyboard.
// Installs ctx.panel = { show(...nodes), open(kind, code, name) } for the other modules.
import { el, facts } from "./dom.js";

const KINDS = ["building", "grid", "division"];
// Map layers a click opens, most specific first; the division fill is added at runtime (transparent).
const CLICKABLE = [["buildings-3d", "building"], ["grids-fill", "grid"], ["divisions-fill", "division"]];
const DIVISION_DEPTH = { county: 1, town: 2, village: 3 };
const SELECTED = { grid: "grids-selected", division: "divisions-selected" };

// "#grid=420102001001001" → { kind: "grid", code: "420102001001001" }; anything else → null.
export function parseHash(hash) {
  const match = /^#(building|grid|division)=(.+)$/.exec(hash ?? "");
  return match ? { kind: match[1], code: decodeURIComponent(match[2]) } : null;
}

export function hashOf(kind, code) {
  return `#${kind}=${encodeURIComponent(code)}`;
}

function addRuntimeLayers(map) {
  if (!map.getSource("divisions") || map.getLayer("divisions-fill")) return;
  const below = map.getLayer("grids-fill") ? "grids-fill" : undefined;
  map.addLayer({ id: "divisions-fill", type: "fill", source: "divisions", "source-layer": "divisions",
    paint: { "fill-color": "#000000", "fill-opacity": 0 } }, below);
  const outline = (id, source, colour) => ({ id, type: "line", source, "source-layer": source,
    filter: ["==", ["get", "code"], ""], paint: { "line-color": colour, "line-width": 4 } });
  map.addLayer(outline("divisions-selected", "divisions", "#bf3989"));
  if (map.getSource("grids")) map.addLayer(outline("grids-selected", "grids", "#fb8500"));
}

// An age pyramid (ten-year bands, male left, female right) as inline SVG, oldest band on top.
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children.map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return node;
}

export function agePyramid(bands, { male, female, title }) {
  const width = 320, row = 17, top = 18, middle = 48, half = (width - middle) / 2;
  const most = Math.max(1, ...bands.flatMap((b) => [b.M, b.F]));
  const scale = (n) => ((half - 30) * n) / most;
  const chart = svg("svg", { class: "gm-pyramid", viewBox: `0 0 ${width} ${top + row * bands.length + 4}`,
    role: "img", "aria-label": title }, svg("title", {}, title),
  svg("text", { x: half - 4, y: 12, "text-anchor": "end", class: "gm-pyramid-m" }, male),
  svg("text", { x: half + middle + 4, y: 12, class: "gm-pyramid-f" }, female));
  [...bands].reverse().forEach((band, i) => {
    const y = top + i * row, m = scale(band.M), f = scale(band.F);
    chart.append(svg("g", { "data-band": band.band },
      svg("title", {}, `${band.band}: ${male} ${band.M}, ${female} ${band.F}`),
      svg("rect", { x: half - m, y, width: m, height: row - 3, class: "gm-pyramid-m" }),
      svg("text", { x: half - m - 3, y: y + row - 6, "text-anchor": "end", class: "gm-pyramid-n" }, band.M),
      svg("text", { x: half + middle / 2, y: y + row - 6, "text-anchor": "middle", class: "gm-pyramid-band" },
        band.band),
      svg("rect", { x: half + middle, y, width: f, height: row - 3, class: "gm-pyramid-f" }),
      svg("text", { x: half + middle + f + 3, y: y + row - 6, class: "gm-pyramid-n" }, band.F)));
  });
  return chart;
}

export function install(ctx) {
  const { map, labels, choices, apiUrl } = ctx;
  const detail = document.getElementById("map-detail");
  const hint = [...detail.childNodes].map((node) => node.cloneNode(true));
  const label = (kind, value) => choices[kind]?.[value] ?? value ?? labels.none;
  const show = (...nodes) => detail.replaceChildren(...nodes);
  let current = null; // hash of what the panel shows

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

  // ---- pieces -------------------------------------------------------------------------------------------
  function heading(text) {
    const close = el("button", { type: "button", className: "gm-close", title: labels.close }, "×");
    close.setAttribute("aria-label", labels.close);
    close.addEventListener("click", () => closePanel());
    return el("div", { className: "gm-panel-head" }, el("h2", { tabIndex: -1 }, text), close);
  }

  function breadcrumb(parents) {
    if (!parents?.length) return null;
    const items = parents.map((p) => {
      const link = el("a", { href: hashOf(p.kind, p.code) }, p.name || p.code);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        open(p.kind, p.code, p.name);
      });
      return el("li", {}, link);
    });
    const nav = el("nav", { className: "gm-breadcrumb" }, el("ol", {}, ...items));
    nav.setAttribute("aria-label", labels.breadcrumb);
    return nav;
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

  function unitBlock(title, households, isOpen) {
    const people = households.reduce((n, h) => n + (h.residents?.length ?? 0), 0);
    return el("details", { className: "gm-unit", open: isOpen },
      el("summary", {}, `${title} · ${labels.households} ${households.length} · ${labels.residents} ${people}`),
      ...households.map(householdBlock));
  }

  function countList(entries, kind) {
    const items = entries.filter(([, n]) => n > 0).map(([value, n]) =>
      el("li", { className: `gm-${kind.replace("_", "-")}-${value}` }, `${label(kind, value)} ${n}`));
    return items.length ? el("ul", { className: "gm-counts" }, ...items) : el("p", {}, labels.none);
  }

  function incidentsBlock(incidents) {
    const when = (iso) => (iso ? new Date(iso).toLocaleString(document.documentElement.lang) : labels.none);
    const latest = (incidents?.latest ?? []).map((i) => el("li", { className: i.overdue ? "gm-overdue" : "" },
      el("strong", {}, i.code), ` ${i.title} · `, el("span", { className: `gm-status-${i.status}` },
        label("incident_status", i.status)), ` · ${labels.reportedAt} ${when(i.reported_at)}`,
      i.overdue ? el("span", { className: "gm-badge" }, labels.overdue) : null));
    const open = incidents?.open ?? 0;
    return [
      el("h3", {}, `${labels.incidents} ${open}`),
      incidents?.overdue ? el("p", { className: "gm-overdue" }, `${labels.overdue} ${incidents.overdue}`) : null,
      open ? countList(Object.entries(incidents.by_status ?? {}), "incident_status") : null,
      ...(latest.length ? [el("h4", {}, labels.latest), el("ol", { className: "gm-incidents" }, ...latest)] : []),
    ];
  }

  function workersBlock(f) {
    if (!f.workers) return [facts([[labels.workerCount, f.worker_count]], labels.none)];
    const items = f.workers.map((w) => el("li", {}, `${w.name} · `,
      w.phone ? el("a", { href: `tel:${w.phone}` }, w.phone) : labels.none, ` · ${label("worker_kind", w.kind)}`));
    return [el("h3", {}, labels.workers), items.length ? el("ul", {}, ...items) : el("p", {}, labels.none)];
  }

  function areaView(kindLabel, f, extraFacts) {
    return [
      heading(`${kindLabel} ${f.name ?? ""} ${f.code}`),
      breadcrumb(f.parents),
      facts([...extraFacts, [labels.households, f.households], [labels.residents, f.residents]], labels.none),
      el("h3", {}, labels.tiers), countList(Object.entries(f.tiers ?? {}), "tier"),
      el("h3", {}, labels.ageStructure),
      agePyramid(f.age_structure ?? [], { male: label("sex", "M"), female: label("sex", "F"),
        title: `${labels.ageStructure} · ${f.name ?? f.code}` }),
      el("h3", {}, labels.careTags), countList(Object.entries(f.care_tags ?? {}), "care_tag"),
      ...incidentsBlock(f.incidents),
      ...workersBlock(f),
    ].filter(Boolean);
  }

  // ---- views --------------------------------------------------------------------------------------------
  async function showBuilding(code) {
    const feature = await load(`buildings/${encodeURIComponent(code)}/`);
    const b = feature.properties ?? feature;
    const blocks = (b.units ?? []).map((unit, i) =>
      unitBlock(`${unit.number} ${labels.unit}`, unit.households ?? [], i === 0));
    if (b.households_without_unit?.length) {
      blocks.push(unitBlock(labels.noUnit, b.households_without_unit, blocks.length === 0));
    }
    show(...[heading(`${labels.building} ${b.code}${b.name ? ` · ${b.name}` : ""}`), breadcrumb(b.parents),
      facts([[labels.address, b.address], [labels.floors, b.floors], [labels.use, label("use", b.use)]], labels.none),
      ...blocks].filter(Boolean));
  }

  async function showGrid(code) {
    const f = await load(`grids/${encodeURIComponent(code)}/figures/`);
    show(...areaView(labels.grid, f, []));
    select("grid", f.code);
  }

  async function showDivision(code) {
    const f = await load(`divisions/${encodeURIComponent(code)}/figures/`);
    show(...areaView(label("division_level", f.level), f, [[labels.grids, f.grids]]));
    select("division", f.code);
  }

  const VIEWS = { building: showBuilding, grid: showGrid, division: showDivision };

  function select(kind, code) {
    for (const [k, id] of Object.entries(SELECTED)) {
      if (map.getLayer(id)) map.setFilter(id, ["==", ["get", "code"], k === kind ? code : ""]);
    }
  }

  function render(kind, code) {
    current = hashOf(kind, code);
    select(null, null);
    return VIEWS[kind](code).then(() => {
      detail.querySelector("h2")?.focus();
    }).catch((error) => {
      if (error.name !== "AbortError") show(el("p", { className: "gm-hint" }, `${labels.failed} (${error.message})`));
    });
  }

  function showHint() {
    pending?.abort();
    current = null;
    select(null, null);
    show(...hint.map((node) => node.cloneNode(true)));
  }

  // Open a panel state and record it in the history (the other modules call this).
  function open(kind, code, name) {
    if (!VIEWS[kind] || !code) return Promise.resolve();
    const hash = hashOf(kind, code);
    if (window.location.hash !== hash) history.pushState({ kind, code, name }, "", hash);
    return render(kind, code);
  }

  function closePanel() {
    if (window.location.hash) history.pushState(null, "", window.location.pathname + window.location.search);
    showHint();
    map.getCanvas().focus(); // back to the map, where the panel was opened from
  }

  // Back/Forward, a typed hash, a reload with a hash.
  function fromLocation() {
    const state = parseHash(window.location.hash);
    if (!state) {
      if (current) showHint();
    } else if (hashOf(state.kind, state.code) !== current) {
      render(state.kind, state.code);
    }
  }
  window.addEventListener("popstate", fromLocation);
  window.addEventListener("hashchange", fromLocation);

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented || !current) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    closePanel();
  });

  // Map clicks: the most specific thing under the pointer (building, then grid, then the deepest division).
  const hovered = new Set();
  function ensureLayers() {
    try {
      addRuntimeLayers(map);
    } catch {
      return; // the style is not ready yet: the next styledata event retries
    }
    for (const [id] of CLICKABLE) {
      if (hovered.has(id) || !map.getLayer(id)) continue;
      hovered.add(id);
      map.on("mouseenter", id, () => { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", id, () => { map.getCanvas().style.cursor = ""; });
    }
  }
  ensureLayers();
  map.on("load", ensureLayers);
  map.on("styledata", ensureLayers);

  map.on("click", (event) => {
    if (ctx.planning?.takesClicks()) return; // the boundary editor is open: clicks pick and draw there
    const layers = CLICKABLE.map(([id]) => id).filter((id) => map.getLayer(id));
    const hits = map.queryRenderedFeatures(event.point, { layers });
    for (const [id, kind] of CLICKABLE) {
      const found = hits.filter((f) => f.layer.id === id);
      if (kind === "division") found.sort((a, b) => (DIVISION_DEPTH[b.properties.level] ?? 0)
        - (DIVISION_DEPTH[a.properties.level] ?? 0));
      if (found.length) {
        open(kind, found[0].properties.code, found[0].properties.name);
        return;
      }
    }
  });

  ctx.panel = { show, open, close: closePanel };
  window.gridMapPanel = { showBuilding, showGrid, showDivision, open, close: closePanel, kinds: KINDS };
  fromLocation();
}
