// The map style: our vector tile sources from /tiles/ and how each layer is drawn.

export const STATUS_COLOURS = {
  reported: "#d1242f", accepted: "#e36209", dispatched: "#bf8700", in_progress: "#0969da",
  supervised: "#8250df", resolved: "#1a7f37", followed_up: "#1a7f37", archived: "#8c959f", rejected: "#57606a",
};
export const SENSOR_COLOURS = { online: "#1a7f37", alarm: "#d1242f", offline: "#8c959f" };
// Incident clusters (below z14) go from green to red with the share of open incidents.
export const OPEN_SHARE_COLOURS = [0, "#1a7f37", 0.25, "#bf8700", 0.5, "#e36209", 0.75, "#d1242f"];
// The incidents source serves clusters below this zoom and raw points from it (tiles/sources/incidents.py).
export const RAW_INCIDENTS_FROM_ZOOM = 14;

export const TILE_LAYERS = ["divisions", "grids", "buildings", "incidents", "sensors"];

// Map layers per toggle (data-layer on the checkboxes). Cameras are sensors of kind "camera",
// drawn by their own layer so that they switch on and off apart from the detectors.
export const TOGGLES = {
  grids: ["grids-fill", "grids-line"],
  buildings: ["buildings-3d"],
  incidents: ["incidents-cluster", "incidents-circle"],
  sensors: ["sensors-circle"],
  cameras: ["cameras-circle"],
};

const IS_CAMERA = ["==", ["get", "kind"], "camera"];

function match(property, colours, fallback) {
  return ["match", ["get", property], ...Object.entries(colours).flat(), fallback];
}

// The user's area (bbox of their grids) as an outline, drawn even before any tile arrives.
function areaOutline(bounds) {
  const features = [];
  if (bounds) {
    const [w, s, e, n] = bounds;
    features.push({ type: "Feature", properties: {},
      geometry: { type: "Polygon", coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } });
  }
  return { type: "geojson", data: { type: "FeatureCollection", features } };
}

export function buildStyle({ tilesUrl, bounds }) {
  const source = (layer) => ({ type: "vector", url: new URL(`${layer}.json`, tilesUrl).href });
  return {
    version: 8,
    sources: {
      area: areaOutline(bounds),
      ...Object.fromEntries(TILE_LAYERS.map((l) => [l, source(l)])),
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
      // one circle per display cell (1/16 of a tile) below z14: area grows with the count
      { id: "incidents-cluster", type: "circle", source: "incidents", "source-layer": "incidents",
        maxzoom: RAW_INCIDENTS_FROM_ZOOM, filter: ["has", "count"],
        paint: {
          "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "count"]], 1, 4, 10, 11, 100, 22, 400, 32],
          "circle-color": ["interpolate", ["linear"], ["/", ["get", "open"], ["max", ["get", "count"], 1]],
            ...OPEN_SHARE_COLOURS],
          "circle-opacity": 0.75, "circle-stroke-color": "#fff", "circle-stroke-width": 1,
        } },
      { id: "incidents-circle", type: "circle", source: "incidents", "source-layer": "incidents",
        minzoom: RAW_INCIDENTS_FROM_ZOOM, filter: ["has", "status"],
        paint: { "circle-radius": 6, "circle-color": match("status", STATUS_COLOURS, "#57606a"),
                 "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } },
      // smoke, gas and door sensors: green online, red alarm, grey offline
      { id: "sensors-circle", type: "circle", source: "sensors", "source-layer": "sensors", minzoom: 14,
        filter: ["!", IS_CAMERA],
        paint: { "circle-radius": ["match", ["get", "kind"], "smoke", 5, 4],
                 "circle-color": match("status", SENSOR_COLOURS, "#8c959f"),
                 "circle-stroke-color": "#24292f", "circle-stroke-width": 0.5 } },
      // cameras: a dark blue disc ringed in the status colour
      { id: "cameras-circle", type: "circle", source: "sensors", "source-layer": "sensors", minzoom: 14,
        filter: IS_CAMERA,
        paint: { "circle-radius": 5, "circle-color": "#0a3069",
                 "circle-stroke-color": match("status", SENSOR_COLOURS, "#8c959f"), "circle-stroke-width": 2.5 } },
    ],
  };
}
