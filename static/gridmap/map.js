// Command-centre map: vector tiles from /tiles/, details from /api/. Plain ES modules, no build step.
// This entry builds the map and installs the feature modules, each `install(ctx)`, in order.
import * as maplibregl from "maplibre-gl";
import { jsonScript, labelsOf } from "./dom.js";
import { buildStyle, TOGGLES } from "./style.js";
import * as panel from "./panel.js";
import * as basemap from "./basemap.js";
import * as search from "./search.js";
import * as live from "./live.js";
import * as screen from "./screen.js";
import * as planning from "./planning.js";

const mapElement = document.getElementById("map");
const bounds = jsonScript("map-area-bounds");
const tilesUrl = new URL(mapElement.dataset.tilesUrl, window.location.href);
const apiUrl = new URL(mapElement.dataset.apiUrl, window.location.href);

// The ESM build looks for its worker next to itself; with hashed static names it must be told.
maplibregl.setWorkerUrl(new URL(mapElement.dataset.workerUrl, window.location.href).href);

const map = new maplibregl.Map({
  container: mapElement,
  style: buildStyle({ tilesUrl, bounds }),
  ...(bounds ? { bounds, fitBoundsOptions: { padding: 40 } } : { center: [114.3, 30.6], zoom: 9 }),
  attributionControl: false,
});
map.addControl(new maplibregl.NavigationControl(), "top-left");
map.addControl(new maplibregl.ScaleControl(), "bottom-left");
map.on("error", (event) => console.warn("map:", event.error?.message ?? event));

for (const box of document.querySelectorAll("input[data-layer]")) {
  box.addEventListener("change", () => {
    for (const id of TOGGLES[box.dataset.layer] ?? []) {
      if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", box.checked ? "visible" : "none");
    }
  });
}

// What every feature module gets. panel goes first: it sets ctx.panel for the others.
const ctx = {
  map, maplibregl, bounds, tilesUrl, apiUrl, mapElement,
  labels: labelsOf("map-labels"),
  choices: jsonScript("map-choices") ?? {},
};
for (const [name, module] of Object.entries({ panel, basemap, search, live, screen, planning })) {
  try {
    module.install(ctx);
  } catch (error) {
    console.error(`map module ${name} failed to install:`, error);
  }
}

// For the browser tests and the README screenshot script.
window.gridMap = map;
window.gridMapContext = ctx;
