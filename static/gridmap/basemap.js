// Basemap imagery under our layers, its datum switch and opacity, and the map's text labels.
//
// Imagery: a raster source from /basemap/basemap.json (TileJSON of the configured MBTiles file or
// intranet XYZ server; web-mercator XYZ tiling only, not Baidu's own BD09MC tile scheme), drawn
// below every layer of ours (before `area-outline`).
//
// Datum: Chinese imagery is usually in GCJ-02 (or BD-09 for Baidu), i.e. everything on it sits some
// hundred metres away from its WGS84 position, where our overlays are drawn. For those datums the
// source goes through a custom protocol (maplibregl.addProtocol): each WGS84 web-mercator tile is
// composed in an OffscreenCanvas from the ≤ 4 source tiles around it, every 32×32-px block of it
// shifted by the datum offset at the block's centre (rounded to whole pixels), so the imagery lines
// up with our WGS84 layers. Residual error: the offset varies inside one block and is rounded to
// whole pixels, leaving ≤ 0.8 px for GCJ-02 and ≤ 1.1 px for BD-09 (measured over China at z10–z18;
// tests/test_browser_basemap.py checks it); one offset per whole 256-px tile would leave up to
// 1.0 px and 4.5 px (the BD-09 angle term changes quickly). An XYZ server on another host must
// allow CORS (Access-Control-Allow-Origin) for both paths, as WebGL needs for any imagery.
//
// Labels: map.setGlyphs() points at our own SDF glyphs (static/glyphs/, `manage.py build_glyphs`,
// digits and Latin 0–255); CJK is drawn by the browser through MapLibre's localIdeographFontFamily
// (default "sans-serif"), so nothing is loaded from the internet.
import { convert } from "./chinacrs.js";

const SOURCE = "basemap";
const LAYER = "basemap-raster";
const BELOW = "area-outline"; // our lowest layer (style.js)
const PROTOCOL = "geogov-datum";
const TILE = 256;
const BLOCK = 32;
const FONTSTACK = ["wqy-microhei"];
const STORE = "geogov.basemap";

// --- labels ---------------------------------------------------------------------------------

const LABEL_PAINT = { "text-color": "#1f2d3d", "text-halo-color": "#ffffff", "text-halo-width": 1.5 };

// One label point per grid/division and zoom (tile layers *_label, ST_PointOnSurface), so a big area's
// name is drawn once, not once per tile that holds a piece of its polygon.
export const LABEL_LAYERS = [
  { id: "divisions-label", type: "symbol", source: "divisions", "source-layer": "divisions_label", maxzoom: 13,
    layout: { "symbol-placement": "point", "text-field": ["get", "name"], "text-font": FONTSTACK,
              "text-size": ["match", ["get", "level"], "county", 16, "town", 14, 12],
              "symbol-sort-key": ["match", ["get", "level"], "county", 0, "town", 1, 2] },
    paint: LABEL_PAINT },
  // minzoom = tiles/sources/grids.py LABEL_MINZOOM: the tiles carry grids_label from there on
  { id: "grids-label", type: "symbol", source: "grids", "source-layer": "grids_label", minzoom: 13,
    layout: { "symbol-placement": "point",
              "text-field": ["case", [">=", ["get", "level"], 3], ["get", "code"], ["get", "name"]],
              "text-font": FONTSTACK, "text-size": ["match", ["get", "level"], 1, 14, 2, 13, 11],
              "symbol-sort-key": ["-", 0, ["get", "level"]], "text-max-width": 12 }, // finest grids first
    paint: { ...LABEL_PAINT, "text-color": "#0a3069" } },
];

function addLabels(map, glyphsUrl) {
  map.setGlyphs(glyphsUrl);
  for (const layer of LABEL_LAYERS) if (map.getSource(layer.source)) map.addLayer(layer);
}

// --- web-mercator pixels ----------------------------------------------------------------------

function project([lon, lat], z) {
  const world = TILE * 2 ** z;
  const sin = Math.sin((lat * Math.PI) / 180);
  return [((lon + 180) / 360) * world, (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * world];
}

function unproject([px, py], z) {
  const world = TILE * 2 ** z;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * py) / world))) * 180) / Math.PI;
  return [(px / world) * 360 - 180, lat];
}

// --- tiles composed in WGS84 from imagery in another datum -------------------------------------

// For each block of tile z/x/y: where it starts in the tile and the whole-pixel offset to the imagery.
export function blockOffsets(datum, z, x, y) {
  const blocks = [];
  for (let by = 0; by < TILE; by += BLOCK) {
    for (let bx = 0; bx < TILE; bx += BLOCK) {
      const centre = [x * TILE + bx + BLOCK / 2, y * TILE + by + BLOCK / 2];
      const [sx, sy] = project(convert(unproject(centre, z), "wgs84", datum), z);
      blocks.push({ bx, by, dx: Math.round(sx - centre[0]), dy: Math.round(sy - centre[1]) });
    }
  }
  return blocks;
}

function tileUrl(template, z, x, y) {
  return template.replace("{z}", z).replace("{x}", x).replace("{y}", y);
}

async function fetchImage(url, signal) {
  const response = await fetch(url, { signal, credentials: "same-origin" });
  if (response.status === 204 || response.status === 404) return null;
  if (!response.ok) throw new Error(`basemap tile ${url}: HTTP ${response.status}`);
  return createImageBitmap(await response.blob());
}

// The source tiles (column, row) that the shifted blocks of tile x/y read from.
function sourceTiles(blocks, x, y) {
  const keys = new Set();
  for (const { bx, by, dx, dy } of blocks) {
    for (const px of [bx + dx, bx + dx + BLOCK - 1]) {
      for (const py of [by + dy, by + dy + BLOCK - 1]) {
        keys.add(`${Math.floor((x * TILE + px) / TILE)}/${Math.floor((y * TILE + py) / TILE)}`);
      }
    }
  }
  return [...keys].map((key) => key.split("/").map(Number));
}

// Copy, for one block, the parts of each source tile that fall into its shifted window.
function drawBlock(context, images, block, x, y) {
  const wx = x * TILE + block.bx + block.dx;
  const wy = y * TILE + block.by + block.dy;
  for (const [[tx, ty], image] of images) {
    const x0 = Math.max(wx, tx * TILE), x1 = Math.min(wx + BLOCK, (tx + 1) * TILE);
    const y0 = Math.max(wy, ty * TILE), y1 = Math.min(wy + BLOCK, (ty + 1) * TILE);
    if (x1 <= x0 || y1 <= y0) continue;
    const scale = image.width / TILE; // 512-px source tiles are read at their own resolution
    context.drawImage(image, (x0 - tx * TILE) * scale, (y0 - ty * TILE) * scale, (x1 - x0) * scale,
      (y1 - y0) * scale, block.bx + x0 - wx, block.by + y0 - wy, x1 - x0, y1 - y0);
  }
}

export async function composeTile(template, datum, z, x, y, signal) {
  const blocks = blockOffsets(datum, z, x, y);
  const wanted = sourceTiles(blocks, x, y).filter(([tx, ty]) => ty >= 0 && ty < 2 ** z);
  const fetched = await Promise.all(wanted.map(([tx, ty]) =>
    fetchImage(tileUrl(template, z, ((tx % 2 ** z) + 2 ** z) % 2 ** z, ty), signal)));
  const images = wanted.map((key, i) => [key, fetched[i]]).filter(([, image]) => image);
  if (images.length === 0) return null;
  const canvas = new OffscreenCanvas(TILE, TILE);
  const context = canvas.getContext("2d");
  for (const block of blocks) drawBlock(context, images, block, x, y);
  images.forEach(([, image]) => image.close());
  return canvas.transferToImageBitmap();
}

function registerProtocol(maplibregl, template) {
  maplibregl.addProtocol(PROTOCOL, async (params, abortController) => {
    const [datum, z, x, y] = params.url.slice(PROTOCOL.length + 3).split("/");
    const image = await composeTile(template, datum, Number(z), Number(x), Number(y), abortController.signal);
    return { data: image ?? new ArrayBuffer(0) };
  });
}

function tilesFor(tilejson, datum) {
  return datum === "wgs84" ? tilejson.tiles : [`${PROTOCOL}://${datum}/{z}/{x}/{y}`];
}

// --- the panel switch ---------------------------------------------------------------------------

function remembered(key, fallback, allowed) {
  try {
    const value = window.localStorage.getItem(key);
    return value !== null && allowed(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

function remember(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch { /* private mode: not remembered */ }
}

function bindPanel(map, tilejson, state) {
  const panel = document.getElementById("map-basemap");
  if (!panel) return;
  const datum = panel.querySelector("[data-basemap-datum]");
  const opacity = panel.querySelector("[data-basemap-opacity]");
  datum.value = state.datum;
  opacity.value = String(Math.round(state.opacity * 100));
  datum.addEventListener("change", () => {
    state.datum = datum.value;
    remember(`${STORE}.datum:${tilejson.tiles[0]}`, state.datum);
    map.getSource(SOURCE).setTiles(tilesFor(tilejson, state.datum));
  });
  opacity.addEventListener("input", () => {
    state.opacity = Number(opacity.value) / 100;
    remember(`${STORE}.opacity`, String(state.opacity));
    map.setPaintProperty(LAYER, "raster-opacity", state.opacity);
  });
  const attribution = panel.querySelector("[data-basemap-attribution]");
  if (attribution) attribution.textContent = tilejson.attribution ?? "";
}

async function addBasemap(ctx, tilejsonUrl) {
  const response = await fetch(tilejsonUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`basemap: ${tilejsonUrl} answered HTTP ${response.status}`);
  const tilejson = await response.json();
  const isDatum = (value) => ["wgs84", "gcj02", "bd09"].includes(value);
  const state = {
    datum: remembered(`${STORE}.datum:${tilejson.tiles[0]}`, tilejson.datum ?? "wgs84", isDatum),
    opacity: Number(remembered(`${STORE}.opacity`, "1", (v) => Number(v) >= 0 && Number(v) <= 1)),
  };
  registerProtocol(ctx.maplibregl, tilejson.tiles[0]);
  ctx.map.addSource(SOURCE, { type: "raster", tiles: tilesFor(tilejson, state.datum), tileSize: TILE,
    minzoom: tilejson.minzoom ?? 0, maxzoom: tilejson.maxzoom ?? 18 });
  ctx.map.addLayer({ id: LAYER, type: "raster", source: SOURCE, paint: { "raster-opacity": state.opacity } },
    ctx.map.getLayer(BELOW) ? BELOW : undefined);
  bindPanel(ctx.map, tilejson, state);
  ctx.basemap = { state, tilejson };
}

// Our style's layers exist once it is loaded; until then wait for it.
function whenStyleReady(map, callback) {
  if (map.getLayer(BELOW)) callback();
  else map.once("style.load", callback);
}

export function install(ctx) {
  const config = document.getElementById("map-basemap-config")?.dataset ?? {};
  whenStyleReady(ctx.map, () => {
    // absolute, with the {fontstack}/{range} braces kept as they are (new URL() would escape them)
    const glyphs = /^https?:/.test(config.glyphsUrl ?? "") ? config.glyphsUrl : window.location.origin + config.glyphsUrl;
    if (config.glyphsUrl) addLabels(ctx.map, glyphs);
    if (config.kind && config.kind !== "none") {
      addBasemap(ctx, config.tilejsonUrl).catch((error) => console.warn("basemap:", error.message));
    }
  });
}
