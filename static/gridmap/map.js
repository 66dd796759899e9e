// Command-centre map: vector tiles from /tiles/, details from /api/. Plain ES module, no build step.
import * as maplibregl from "maplibre-gl";

const mapElement = document.getElementById("map");
const detail = document.getElementById("map-detail");
const labels = document.getElementById("map-labels").dataset;
const choices = JSON.parse(document.getElementById("map-choices").textContent);
const bounds = JSON.parse(document.getElementById("map-area-bounds").textContent);
const tilesUrl = new URL(mapElement.dataset.tilesUrl, window.location.href);
const apiUrl = new URL(mapElement.dataset.apiUrl, window.location.href);

// The ESM build looks for its worker next to itself; with hashed static names it must be told.
maplibregl.setWorkerUrl(new URL(mapElement.dataset.workerUrl, window.location.href).href);

const STATUS_COLOURS = {
  reported: "#d1242f", accepted: "#e36209", dispatched: "#bf8700", in_progress: "#0969da",
  supervised: "#8250df", resolved: "#1a7f37", followed_up: "#1a7f37", archived: "#8c959f", rejected: "#57606a",
};
const SENSOR_COLOURS = { online: "#1a7f37", alarm: "#d1242f", offline: "#8c959f" };

function match(property, colours, fallback) {
  return ["match", ["get", property], ...Object.entries(colours).flat(), fallback];
}

function source(layer) {
  return { type: "vector", url: new URL(`${layer}.json`, tilesUrl).href };
}

// Map layers per toggle (data-layer on the checkboxes).
const TOGGLES = {
  grids: ["grids-fill", "grids-line"],
  buildings: ["buildings-3d"],
  incidents: ["incidents-circle"],
  sensors: ["sensors-circle"],
};

// The user's area (bbox of their grids) as an outline, drawn even before any tile arrives.
function areaOutline() {
  const features = [];
  if (bounds) {
    const [w, s, e, n] = bounds;
    features.push({ type: "Feature", properties: {},
      geometry: { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } });
  }
  return { type: "geojson", data: { type: "FeatureCollection", features } };
}

const style = {
  version: 8,
  sources: {
    area: areaOutline(),
    ...Object.fromEntries(["divisions", "grids", "buildings", "incidents", "sensors"].map((l) => [l, source(l)])),
  },
  layers: [
    { id: "background", type: "background", paint: { "background-color": "#eef1f4" } },
    { id: "area-outline", type: "line", source: "area",
      paint: { "line-color": "#cf222e", "line-width": 2, "line-dasharray": [4, 2] } },
    { id: "divisions-line", type: "line", source: "divisions", "source-layer": "divisions",
      paint: { "line-color": "#57606a", "line-width": 1.5, "line-dasharray": [3, 2] } },
    { id: "grids-fill", type: "fill", source: "grids", "source-layer": "grids",
      paint: { "fill-color": ["match", ["get", "level"], 1, "#54aeff", "#b6e3ff"], "fill-opacity": 0.25 } },
    { id: "grids-line", type: "line", source: "grids", "source-layer": "grids",
      paint: { "line-color": "#0969da", "line-width": ["match", ["get", "level"], 1, 1.5, 0.8] } },
    { id: "buildings-3d", type: "fill-extrusion", source: "buildings", "source-layer": "buildings", minzoom: 14,
      paint: {
        "fill-extrusion-color": ["case", ["to-boolean", ["get", "has_smoke"]], "#a5b4c4", "#c9b79c"],
        "fill-extrusion-height": ["coalesce", ["get", "height"], ["*", ["coalesce", ["get", "floors"], 1], 3]],
        "fill-extrusion-opacity": 0.85,
      } },
    { id: "incidents-circle", type: "circle", source: "incidents", "source-layer": "incidents", minzoom: 12,
      paint: { "circle-radius": 6, "circle-color": match("status", STATUS_COLOURS, "#57606a"),
               "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } },
    { id: "sensors-circle", type: "circle", source: "sensors", "source-layer": "sensors", minzoom: 14,
      paint: { "circle-radius": ["match", ["get", "kind"], "smoke", 5, 4],
               "circle-color": match("status", SENSOR_COLOURS, "#8c959f"),
               "circle-stroke-color": "#24292f", "circle-stroke-width": 0.5 } },
  ],
};

const map = new maplibregl.Map({
  container: mapElement,
  style,
  ...(bounds ? { bounds, fitBoundsOptions: { padding: 40 } } : { center: [114.3, 30.6], zoom: 9 }),
  attributionControl: false,
});
map.addControl(new maplibregl.NavigationControl(), "top-left");
map.addControl(new maplibregl.ScaleControl(), "bottom-left");
// Until tiles/ serves a layer its source fails to load; the rest of the map keeps working.
map.on("error", (event) => console.warn("map:", event.error?.message ?? event));

for (const box of document.querySelectorAll("input[data-layer]")) {
  box.addEventListener("change", () => {
    for (const id of TOGGLES[box.dataset.layer] ?? []) {
      if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", box.checked ? "visible" : "none");
    }
  });
}

// ---- side panel (plain DOM; text only through textContent) ----
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined).map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

function label(kind, value) {
  return choices[kind]?.[value] ?? value ?? labels.none;
}

function facts(pairs) {
  const dl = el("dl");
  for (const [name, value] of pairs) dl.append(el("dt", {}, name), el("dd", {}, value ?? labels.none));
  return dl;
}

function show(...nodes) {
  detail.replaceChildren(...nodes);
}

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
    facts([[labels.address, b.address], [labels.floors, b.floors], [labels.use, label("use", b.use)]]),
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
    facts([[labels.households, f.households], [labels.residents, f.residents]]),
    el("h3", {}, labels.tiers), el("ul", {}, ...tiers),
    el("h3", {}, labels.careTags), tags.length ? el("ul", {}, ...tags) : el("p", {}, labels.none),
    el("h3", {}, labels.workers), workers.length ? el("ul", {}, ...workers) : el("p", {}, labels.none));
}

map.on("click", (event) => {
  const clickable = ["buildings-3d", "grids-fill"].filter((id) => map.getLayer(id));
  const [hit] = map.queryRenderedFeatures(event.point, { layers: clickable });
  if (!hit) return;
  const { code, name } = hit.properties;
  const shown = hit.layer.id === "buildings-3d" ? showBuilding(code) : showGrid(code, name);
  shown.catch((error) => {
    if (error.name !== "AbortError") show(el("p", { className: "gm-hint" }, `${labels.failed} (${error.message})`));
  });
});

for (const id of ["buildings-3d", "grids-fill"]) {
  map.on("mouseenter", id, () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", id, () => { map.getCanvas().style.cursor = ""; });
}

// For debugging in the browser console (and the README screenshot script).
window.gridMap = map;
window.gridMapPanel = { showBuilding, showGrid };
