// Plain GeoJSON geometry helpers for the grid boundary editor (lon/lat arrays, no library).

// terra-draw refuses coordinates with more decimals than its precision (9): round everything we hand it.
const PRECISION = 1e9;
export function rounded(coords) {
  return typeof coords[0] === "number" ? coords.map((v) => Math.round(v * PRECISION) / PRECISION) : coords.map(rounded);
}

// The polygons (arrays of rings) of a Polygon or MultiPolygon; [] for anything else.
export function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

export function asMulti(polygons) {
  return { type: "MultiPolygon", coordinates: polygons };
}

function inRing(ring, [x, y]) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// Whether a point lies inside a (Multi)Polygon (outer ring in, holes out).
export function contains(geometry, point) {
  return polygonsOf(geometry).some(([outer, ...holes]) => inRing(outer, point) && !holes.some((h) => inRing(h, point)));
}

// Every vertex and every edge of a geometry's rings (closing vertex counted once).
export function verticesOf(geometry) {
  return polygonsOf(geometry).flatMap((rings) => rings.flatMap((ring) => ring.slice(0, -1)));
}

export function edgesOf(geometry) {
  return polygonsOf(geometry).flatMap((rings) => rings.flatMap((ring) => ring.slice(1).map((b, i) => [ring[i], b])));
}

// The point of segment ab nearest to p, all in screen pixels ({x, y}).
export function nearestOnSegment(p, a, b) {
  const dx = b.x - a.x, dy = b.y - a.y, length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return { t, x: a.x + t * dx, y: a.y + t * dy };
}
