// terra-draw on the MapLibre map (loaded on first use): the editable set as context features (render mode,
// not selectable), the grid being reshaped as an editable polygon (select mode: drag, insert and delete
// vertices), a split line (linestring mode) or a new grid (polygon mode). Snapping through `toCustom`.
import { polygonsOf, rounded } from "./geo.js";

// Which terra-draw mode each of our tools draws in (static: terra-draw ignores the pointer).
export const TOOL_MODES = { reshape: "select", split: "linestring", create: "polygon", merge: "static",
  rollback: "static", replace: "static", idle: "static" };
const EDITABLE_MODES = new Set(["polygon", "linestring"]);
const GUIDES = ["selectionPoint", "midPoint", "coordinatePoint", "snappingPoint", "closingPoint", "currentlyDrawing"];

const CONTEXT_STYLE = {
  polygonFillColor: (f) => (f.properties.role === "selected" ? "#fb8500" : "#54aeff"),
  polygonFillOpacity: (f) => ({ parent: 0, selected: 0.18 }[f.properties.role] ?? 0.06),
  polygonOutlineColor: (f) => ({ parent: "#bf3989", selected: "#fb8500" }[f.properties.role] ?? "#0969da"),
  polygonOutlineWidth: (f) => (f.properties.role === "parent" ? 3 : 2),
};

function idStrategy() {
  let n = 0;
  return { isValidId: (id) => typeof id === "string" && id.length > 0, getId: () => `td-${++n}` };
}

export async function createDraw(map, snapping) {
  const td = await import("terra-draw");
  const { TerraDrawMapLibreGLAdapter } = await import("terra-draw-maplibre-gl-adapter");
  const draw = new td.TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    idStrategy: idStrategy(),
    modes: [
      new td.TerraDrawRenderMode({ modeName: "context", styles: CONTEXT_STYLE }),
      new td.TerraDrawPolygonMode({ snapping, styles: { fillColor: "#1a7f37", outlineColor: "#1a7f37",
        outlineWidth: 3, fillOpacity: 0.2 } }),
      new td.TerraDrawLineStringMode({ snapping, styles: { lineStringColor: "#cf222e", lineStringWidth: 3 } }),
      new td.TerraDrawSelectMode({
        allowManualDeselection: false,
        keyEvents: { deselect: null, delete: null, rotate: null, scale: null }, // Delete would drop the grid
        flags: { polygon: { feature: { coordinates: {
          draggable: true, deletable: true, midpoints: { draggable: true }, snappable: snapping } } } },
        styles: { selectedPolygonColor: "#fb8500", selectedPolygonOutlineColor: "#fb8500",
          selectedPolygonOutlineWidth: 3, selectedPolygonFillOpacity: 0.2, selectionPointWidth: 6,
          selectionPointColor: "#ffffff", selectionPointOutlineColor: "#fb8500", selectionPointOutlineWidth: 2,
          midPointColor: "#fb8500", midPointWidth: 4 },
      }),
    ],
  });
  draw.start();
  await new Promise((resolve) => (draw.enabled ? resolve() : draw.on("ready", resolve)));
  return wrap(draw);
}

function wrap(draw) {
  const isGuide = (f) => GUIDES.some((flag) => f.properties[flag]);
  const editable = () => draw.getSnapshot().filter((f) => EDITABLE_MODES.has(f.properties.mode) && !isGuide(f));
  const add = (features) => {
    const results = draw.addFeatures(features.map((f) => ({ ...f, geometry: { ...f.geometry,
      coordinates: rounded(f.geometry.coordinates) } })));
    const bad = results.filter((r) => !r.valid);
    if (bad.length) console.warn("planning: terra-draw refused", bad);
    return results.filter((r) => r.valid).map((r) => r.id);
  };
  return {
    raw: draw,
    on: (event, callback) => draw.on(event, callback),
    editable,
    // The editable set as context: parent boundary and leaf grids (the selected one highlighted).
    showContext(data, selected, hidden = null) {
      draw.clear();
      const grids = data.grids.features.filter((f) => f.properties.code !== hidden);
      add([
        ...polygonsOf(data.parent.boundary).map((rings) => ({ type: "Feature",
          geometry: { type: "Polygon", coordinates: rings }, properties: { mode: "context", role: "parent" } })),
        ...grids.flatMap((f) => polygonsOf(f.geometry).map((rings) => ({ type: "Feature",
          geometry: { type: "Polygon", coordinates: rings },
          properties: { mode: "context", code: f.properties.code,
            role: f.properties.code === selected ? "selected" : "sibling" } }))),
      ]);
    },
    // Replace the editable features; in select mode the first polygon is selected for vertex editing.
    setEditable(features, mode) {
      if (draw.getMode() !== mode) draw.setMode(mode);
      const old = editable().map((f) => f.id);
      if (old.length) draw.removeFeatures(old);
      const ids = add(features.map((f) => ({ type: "Feature", geometry: f.geometry,
        properties: { ...f.properties, mode: f.geometry.type === "LineString" ? "linestring" : "polygon" } })));
      if (mode === "select" && ids.length) draw.selectFeature(ids[0]);
      return ids;
    },
    setMode(mode) {
      if (draw.getMode() !== mode) draw.setMode(mode);
    },
    remove(ids) {
      if (ids.length) draw.removeFeatures(ids);
    },
    stop() {
      draw.clear();
      draw.setMode("static");
    },
  };
}
