// Map overlays of the editor (plain MapLibre GeoJSON sources): the previewed draft, moved buildings coloured
// by their destination grid, the history diff (added green, removed red), check geometries and merge picks.

const EMPTY = { type: "FeatureCollection", features: [] };
export const STATUS_COLOURS = { changed: "#fb8500", new: "#1a7f37", retired: "#cf222e", kept: "#57606a" };
export const DIFF_COLOURS = { added: "#2da44e", removed: "#cf222e", kept: "#8c959f" };
// Destination grids of moved buildings, in the order they appear in the impact table.
export const DESTINATION_COLOURS = ["#0969da", "#bf3989", "#1a7f37", "#e36209", "#8250df", "#bf8700", "#116329",
  "#d1242f"];

const match = (property, colours, fallback) => ["match", ["get", property], ...Object.entries(colours).flat(), fallback];

const LAYERS = [
  { id: "planning-diff-fill", type: "fill", source: "planning-diff",
    paint: { "fill-color": match("kind", DIFF_COLOURS, "#8c959f"), "fill-opacity": 0.45 } },
  { id: "planning-draft-fill", type: "fill", source: "planning-draft", filter: ["in", ["get", "status"], ["literal",
    ["changed", "new"]]], paint: { "fill-color": match("status", STATUS_COLOURS, "#57606a"), "fill-opacity": 0.12 } },
  { id: "planning-draft-line", type: "line", source: "planning-draft",
    paint: { "line-color": match("status", STATUS_COLOURS, "#57606a"),
             "line-width": ["match", ["get", "status"], "kept", 1, 3],
             "line-dasharray": ["match", ["get", "status"], "retired", ["literal", [2, 2]], ["literal", [1, 0]]] } },
  { id: "planning-marks-fill", type: "fill", source: "planning-marks",
    paint: { "fill-color": ["match", ["get", "kind"], "pick", "#fb8500", "#8250df"], "fill-opacity": 0.35 } },
  { id: "planning-marks-line", type: "line", source: "planning-marks",
    paint: { "line-color": ["match", ["get", "kind"], "pick", "#fb8500", "#8250df"], "line-width": 2 } },
  { id: "planning-moves", type: "circle", source: "planning-moves",
    paint: { "circle-radius": 6, "circle-color": ["coalesce", ["get", "colour"], "#57606a"],
             "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5 } },
];

export function ensureLayers(map) {
  for (const source of ["planning-diff", "planning-draft", "planning-marks", "planning-moves"]) {
    if (!map.getSource(source)) map.addSource(source, { type: "geojson", data: EMPTY });
  }
  for (const layer of LAYERS) if (!map.getLayer(layer.id)) map.addLayer(layer);
}

export function show(map, source, collection) {
  map.getSource(source)?.setData(collection ?? EMPTY);
}

export function clearAll(map) {
  for (const source of ["planning-diff", "planning-draft", "planning-marks", "planning-moves"]) show(map, source, null);
}

// A colour for each destination grid code, stable within one preview.
export function destinationColours(moves) {
  const codes = [...new Set((moves ?? []).map((m) => m.to))];
  return Object.fromEntries(codes.map((code, i) => [code, DESTINATION_COLOURS[i % DESTINATION_COLOURS.length]]));
}

export function movedPoints(collection, colours) {
  return { type: "FeatureCollection", features: (collection?.features ?? []).map((f) => ({
    ...f, properties: { ...f.properties, colour: colours[f.properties.to] ?? "#57606a" } })) };
}

const isEmpty = (g) => (g.type === "GeometryCollection" ? !g.geometries?.length : !g.coordinates?.length);

export function feature(geometry, properties) {
  return geometry && !isEmpty(geometry) ? { type: "Feature", geometry, properties } : null;
}

export function collection(features) {
  return { type: "FeatureCollection", features: features.filter(Boolean) };
}
