// WGS84 ⇄ GCJ-02 ⇄ BD-09, the datums of Chinese web maps (twin of basemap/chinacrs.py).
//
// GCJ-02 is WGS84 shifted by a published, deliberately irregular function of position (some hundred
// metres); BD-09 (Baidu) is GCJ-02 with one more shift in polar form. Forward directions are closed
// formulas; the inverses iterate the forward one, w ← w − (forward(w) − target), until the residual
// is below 1e-9° (≤ 30 steps).
//
// Round-trip accuracy (2.5° grid of 375 points over China, tests/test_browser_basemap.py checks this
// file against the reference `prcoords`): inverse(forward(p)) returns p within 5e-7 m for GCJ-02 and
// 2e-6 m for BD-09; the tests require < 1e-7° (about 1 cm).
// Outside China (lon 72.004–137.8347, lat 0.8293–55.8271) every conversion is the identity.
// Points are [lon, lat] arrays.

const A = 6378245.0; // Krasovsky 1940
const EE = 0.00669342162296594323;
const X_PI = (Math.PI * 3000.0) / 180.0;
const BD_DLON = 0.0065;
const BD_DLAT = 0.006;
const TOLERANCE = 1e-9;
const MAX_STEPS = 30;

export const DATUMS = ["wgs84", "gcj02", "bd09"];

export function inChina([lon, lat]) {
  return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

function shiftLatMetres(x, y) {
  const { sin, sqrt, abs, PI } = Math;
  return -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
    + ((20.0 * sin(6.0 * x * PI) + 20.0 * sin(2.0 * x * PI)) * 2.0) / 3.0
    + ((20.0 * sin(y * PI) + 40.0 * sin((y / 3.0) * PI)) * 2.0) / 3.0
    + ((160.0 * sin((y / 12.0) * PI) + 320.0 * sin((y * PI) / 30.0)) * 2.0) / 3.0;
}

function shiftLonMetres(x, y) {
  const { sin, sqrt, abs, PI } = Math;
  return 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
    + ((20.0 * sin(6.0 * x * PI) + 20.0 * sin(2.0 * x * PI)) * 2.0) / 3.0
    + ((20.0 * sin(x * PI) + 40.0 * sin((x / 3.0) * PI)) * 2.0) / 3.0
    + ((150.0 * sin((x / 12.0) * PI) + 300.0 * sin((x / 30.0) * PI)) * 2.0) / 3.0;
}

function wgsToGcj([lon, lat]) {
  const x = lon - 105.0;
  const y = lat - 35.0;
  const rad = (lat / 180.0) * Math.PI;
  const magic = 1.0 - EE * Math.sin(rad) ** 2;
  const dLat = (shiftLatMetres(x, y) * 180.0) / (((A * (1 - EE)) / (magic * Math.sqrt(magic))) * Math.PI);
  const dLon = (shiftLonMetres(x, y) * 180.0) / ((A / Math.sqrt(magic)) * Math.cos(rad) * Math.PI);
  return [lon + dLon, lat + dLat];
}

function gcjToBd([lon, lat]) {
  const z = Math.hypot(lon, lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.cos(theta) + BD_DLON, z * Math.sin(theta) + BD_DLAT];
}

function wgsToBd(point) {
  return gcjToBd(wgsToGcj(point));
}

// The inverse of a forward shift by fixed-point iteration, starting at the target itself.
function invert(forward) {
  return (target) => {
    let [lon, lat] = target;
    for (let step = 0; step < MAX_STEPS; step += 1) {
      const [fLon, fLat] = forward([lon, lat]);
      const eLon = fLon - target[0];
      const eLat = fLat - target[1];
      lon -= eLon;
      lat -= eLat;
      if (Math.max(Math.abs(eLon), Math.abs(eLat)) < TOLERANCE) break;
    }
    return [lon, lat];
  };
}

const identity = (point) => [point[0], point[1]];

// "source>target" → the conversion inside China.
const CONVERSIONS = {
  "wgs84>gcj02": wgsToGcj,
  "gcj02>wgs84": invert(wgsToGcj),
  "gcj02>bd09": gcjToBd,
  "bd09>gcj02": invert(gcjToBd),
  "wgs84>bd09": wgsToBd,
  "bd09>wgs84": invert(wgsToBd),
  "wgs84>wgs84": identity,
  "gcj02>gcj02": identity,
  "bd09>bd09": identity,
};

// Convert [lon, lat] from one datum to another; unchanged outside China.
export function convert(point, source, target) {
  const conversion = CONVERSIONS[`${source}>${target}`];
  if (!conversion) throw new Error(`unknown datum pair ${source} → ${target}; datums: ${DATUMS.join(", ")}`);
  return inChina(point) ? conversion(point) : identity(point);
}

export const wgs84ToGcj02 = (point) => convert(point, "wgs84", "gcj02");
export const gcj02ToWgs84 = (point) => convert(point, "gcj02", "wgs84");
export const gcj02ToBd09 = (point) => convert(point, "gcj02", "bd09");
export const bd09ToGcj02 = (point) => convert(point, "bd09", "gcj02");
export const wgs84ToBd09 = (point) => convert(point, "wgs84", "bd09");
export const bd09ToWgs84 = (point) => convert(point, "bd09", "wgs84");
