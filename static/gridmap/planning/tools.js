// What each tool starts from and what it sends: the {op, params} of the planning API for the edit state.
import { asMulti, contains, polygonsOf } from "./geo.js";

// Our part of a terra-draw feature (its mode and guide flags stay behind).
export function plain(f) {
  return { type: "Feature", geometry: f.geometry, properties: { code: f.properties.code ?? null } };
}

export function initialState(tool, s) {
  const selected = s.data?.grids.features.find((f) => f.properties.code === s.code);
  const starts = {
    reshape: () => ({ features: polygonsOf(selected?.geometry).map((rings) => ({ type: "Feature",
      geometry: { type: "Polygon", coordinates: rings }, properties: { code: s.code } })) }),
    merge: () => ({ extra: { codes: [s.code], keep: "" } }),
    rollback: () => ({ extra: { revision: null } }),
  };
  return { tool, features: [], extra: {}, ...(starts[tool]?.() ?? {}) };
}

const drawn = (s, type) => s.draw.editable().filter((f) => f.geometry.type === type);

const OPERATIONS = {
  reshape: (s) => {
    const parts = drawn(s, "Polygon").filter((f) => f.properties.code === s.code);
    return parts.length ? { op: "reshape", params: { code: s.code,
      geometry: asMulti(parts.map((f) => f.geometry.coordinates)) } } : null;
  },
  split: (s) => {
    const line = drawn(s, "LineString").at(-1);
    return line ? { op: "split", params: { code: s.code, line: line.geometry } } : null;
  },
  create: (s) => {
    const polygon = drawn(s, "Polygon").at(-1);
    return polygon ? { op: "create", params: { geometry: asMulti([polygon.geometry.coordinates]) } } : null;
  },
  merge: (s) => {
    const codes = s.extra.codes ?? [];
    return codes.length >= 2 ? { op: "merge", params: { codes, ...(s.extra.keep ? { keep: s.extra.keep } : {}) } }
      : null;
  },
  rollback: (s) => (s.extra.revision === null || s.extra.revision === undefined ? null
    : { op: "rollback", params: { code: s.code, revision: s.extra.revision } }),
  replace: (s) => (s.extra.proposal ? { op: s.extra.proposal.op ?? "replace", params: s.extra.proposal.params } : null),
};

export function operation(s) {
  if (!s.draw || !s.data) return null;
  return OPERATIONS[s.tool]?.(s) ?? null;
}

// A sibling of the selected grid under a lon/lat (for merge picks).
export function siblingAt(data, selected, point) {
  return data?.grids.features.find((f) => f.properties.code !== selected && contains(f.geometry, point))
    ?.properties.code ?? null;
}

// The grid to plan under a click: a leaf of the editable set if one is loaded, else the deepest grid drawn.
export function gridAt(map, pixel, data, point) {
  const leaf = data?.grids.features.find((f) => contains(f.geometry, point));
  if (leaf) return leaf.properties.code;
  if (!map.getLayer("grids-fill")) return null;
  const hits = map.queryRenderedFeatures(pixel, { layers: ["grids-fill"] });
  hits.sort((a, b) => (b.properties.level ?? 0) - (a.properties.level ?? 0));
  return hits[0]?.properties.code ?? null;
}
