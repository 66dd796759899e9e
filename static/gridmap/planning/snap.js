// Snapping for drawn and dragged vertices (terra-draw's `snapping.toCustom`): onto a building footprint
// vertex or a grid vertex within a few pixels, else onto the nearest neighbouring grid edge (or the parent's).
import { edgesOf, nearestOnSegment, verticesOf } from "./geo.js";

export const SNAP_PIXELS = 10;

// Candidates from the planning context; the grid being reshaped is left out (its own old edges).
export function snapTargets(data, { skip = null } = {}) {
  const grids = data.grids.features.filter((f) => f.properties.code !== skip);
  const vertices = [
    ...data.buildings.features.flatMap((f) => verticesOf(f.geometry)),
    ...grids.flatMap((f) => verticesOf(f.geometry)),
    ...verticesOf(data.parent.boundary),
  ];
  const edges = [...grids.flatMap((f) => edgesOf(f.geometry)), ...edgesOf(data.parent.boundary)];
  return { vertices, edges };
}

// A toCustom function: [lng, lat] of the snap target near the pointer, or undefined (no snap).
export function snapper(map, getTargets, isOn, pixels = SNAP_PIXELS) {
  return (event) => {
    const targets = getTargets();
    if (!isOn() || !targets) return undefined;
    const p = { x: event.containerX, y: event.containerY };
    const corner = map.unproject([p.x + pixels, p.y - pixels]);
    const dLng = Math.abs(corner.lng - event.lng), dLat = Math.abs(corner.lat - event.lat);
    const near = ([lng, lat]) => Math.abs(lng - event.lng) <= dLng && Math.abs(lat - event.lat) <= dLat;
    let best = null, bestDistance = pixels;
    for (const vertex of targets.vertices) {
      if (!near(vertex)) continue;
      const q = map.project(vertex), d = Math.hypot(q.x - p.x, q.y - p.y);
      if (d <= bestDistance) [best, bestDistance] = [vertex, d];
    }
    if (best) return best;
    bestDistance = pixels;
    for (const [a, b] of targets.edges) {
      if (Math.max(a[0], b[0]) < event.lng - dLng || Math.min(a[0], b[0]) > event.lng + dLng
        || Math.max(a[1], b[1]) < event.lat - dLat || Math.min(a[1], b[1]) > event.lat + dLat) continue;
      const s = nearestOnSegment(p, map.project(a), map.project(b)), d = Math.hypot(s.x - p.x, s.y - p.y);
      // interpolate in lon/lat (exact on the straight edge), not by unprojecting the pixel
      if (d <= bestDistance) [best, bestDistance] = [[a[0] + s.t * (b[0] - a[0]), a[1] + s.t * (b[1] - a[1])], d];
    }
    return best ?? undefined;
  };
}
