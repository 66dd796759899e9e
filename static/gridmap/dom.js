// Small DOM helpers shared by the map's modules. Text goes in only through text nodes (no innerHTML).

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined).map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

// The data-* labels of a hidden element that a template fills with translated strings.
export function labelsOf(id) {
  return document.getElementById(id)?.dataset ?? {};
}

// JSON embedded by Django's json_script.
export function jsonScript(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

// <dl> of [name, value] pairs; a missing value shows as `none`.
export function facts(pairs, none = "") {
  const dl = el("dl");
  for (const [name, value] of pairs) dl.append(el("dt", {}, name), el("dd", {}, value ?? none));
  return dl;
}
