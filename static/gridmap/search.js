// The map's search box: divisions, grids, buildings and residents of the user's area (GET /search/?q=…).
// A WAI-ARIA combobox with a listbox popup: "/" focuses it, ArrowUp/ArrowDown move, Enter picks, Escape
// closes (a second Escape clears). Picking flies the map there and opens the side panel.
import { el, labelsOf } from "./dom.js";

const DEBOUNCE_MS = 200;
const POINT_ZOOM = 17;
const FIT_PADDING = 40;
const FIT_MAX_ZOOM = 18;
const LIMIT = 10;

// What the side panel opens for a picked result, per kind (null: nothing, the map just fits the area).
const PANEL_TARGET = {
  division: (r) => ["division", r.code, r.label],
  grid: (r) => ["grid", r.code, r.label],
  building: (r) => ["building", r.code],
  resident: (r) => (r.building ? ["building", r.building] : null),
};

const KIND_LABEL = { division: "kindDivision", grid: "kindGrid", building: "kindBuilding", resident: "kindResident" };

// Keys typed into these never mean "focus the search box".
function isTyping(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

export function install(ctx) {
  const root = document.getElementById("map-search");
  if (!root) return;
  const labels = labelsOf("map-search");
  const input = document.getElementById("map-search-input");
  const list = document.getElementById("map-search-list");
  const status = document.getElementById("map-search-status");
  const url = new URL(root.dataset.url, window.location.href);

  let results = [];
  let active = -1;
  let timer = null;
  let pending = null;

  function say(text, visible = false) {
    status.textContent = text;
    status.classList.toggle("gm-search-note", visible && Boolean(text));
  }

  function setOpen(open) {
    const shown = open && results.length > 0;
    list.hidden = !shown;
    input.setAttribute("aria-expanded", String(shown));
    if (!shown) setActive(-1);
  }

  function setActive(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
    });
    const current = index >= 0 ? list.children[index] : null;
    if (current) {
      input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function option(result, index) {
    const node = el("li", { id: `map-search-option-${index}`, className: "gm-search-option" },
      el("span", { className: "gm-search-kind" }, labels[KIND_LABEL[result.kind]] ?? result.kind),
      el("span", { className: "gm-search-label" }, result.label),
      result.kind === "resident" ? null : el("span", { className: "gm-search-code" }, result.code),
      result.detail ? el("span", { className: "gm-search-detail" }, result.detail) : null);
    node.setAttribute("role", "option");
    node.setAttribute("aria-selected", "false");
    node.dataset.kind = result.kind;
    // mousedown, not click: the input keeps the focus, so the list is not closed by its blur first.
    node.addEventListener("mousedown", (event) => { event.preventDefault(); pick(index); });
    node.addEventListener("mousemove", () => { if (active !== index) setActive(index); });
    return node;
  }

  function render(found) {
    results = found;
    list.replaceChildren(...found.map(option));
    say(found.length ? labels.count.replace("%(n)s", found.length) : labels.noResults, !found.length);
    setOpen(document.activeElement === input);
  }

  async function run(query) {
    pending?.abort();
    pending = new AbortController();
    const request = new URL(url);
    request.search = new URLSearchParams({ q: query, limit: String(LIMIT) }).toString();
    say(labels.searching);
    try {
      const response = await fetch(request, {
        headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal,
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.detail ?? `${response.status}`);
      render(body.results ?? []);
    } catch (error) {
      if (error.name === "AbortError") return;
      results = [];
      list.replaceChildren();
      setOpen(false);
      say(`${labels.failed}: ${error.message}`, true);
    }
  }

  function schedule() {
    clearTimeout(timer);
    const query = input.value.trim();
    if (!query) {
      pending?.abort();
      render([]);
      say("");
      return;
    }
    timer = setTimeout(() => run(query), DEBOUNCE_MS);
  }

  function goTo(result) {
    const { map } = ctx;
    if (result.bbox) {
      const [west, south, east, north] = result.bbox;
      map.fitBounds([[west, south], [east, north]], { padding: FIT_PADDING, maxZoom: FIT_MAX_ZOOM });
    } else if (Number.isFinite(result.lon) && Number.isFinite(result.lat)) {
      map.flyTo({ center: [result.lon, result.lat], zoom: POINT_ZOOM });
    }
  }

  function pick(index) {
    const result = results[index];
    if (!result) return;
    setOpen(false);
    say("");
    input.value = result.label;
    goTo(result);
    const target = PANEL_TARGET[result.kind]?.(result);
    if (target) ctx.panel?.open(...target);
  }

  const KEYS = {
    ArrowDown: () => {
      if (list.hidden) { setOpen(true); setActive(0); } else setActive((active + 1) % results.length);
    },
    ArrowUp: () => {
      if (list.hidden) { setOpen(true); setActive(results.length - 1); } else {
        setActive((active - 1 + results.length) % results.length);
      }
    },
    Enter: () => { if (!list.hidden) pick(active >= 0 ? active : 0); },
    Escape: () => {
      if (!list.hidden) setOpen(false);
      else { input.value = ""; schedule(); }
    },
  };

  input.addEventListener("keydown", (event) => {
    const action = KEYS[event.key];
    if (!action || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key !== "Escape" && !results.length) return;
    event.preventDefault();
    action();
  });
  input.addEventListener("input", schedule);
  input.addEventListener("focus", () => setOpen(true));
  input.addEventListener("blur", () => setOpen(false));

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
}
