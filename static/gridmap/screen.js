// 大屏 mode (command-centre wall screen): full screen where allowed, a dark high-contrast theme with big
// fonts (class gm-screen on <html>, see screen.css), and a strip of counters for the user's whole area,
// filled from /api/summary/ every 60 s and whenever live.js reports an event (window "gridmap:live").
// Turned on by the header button or ?screen=1; leaving full screen (Esc) keeps the mode until toggled.
// Also: the language switch keeps the panel state (the URL hash) across the reload.

const REFRESH_MS = 60_000;
const ROOT = document.documentElement;
// Map paint properties the dark theme overrides, restored when the mode ends.
const DARK_PAINT = [
  ["background", "background-color", "#0b1220"],
  ["grids-line", "line-color", "#58a6ff"],
  ["divisions-line", "line-color", "#d0d7de"],
];

export function install(ctx) {
  const { map, apiUrl } = ctx;
  const button = document.getElementById("screen-toggle");
  const strip = document.getElementById("screen-counters");
  const updated = document.getElementById("screen-updated");
  keepHashOnLanguageSwitch();
  if (!button || !strip) return;

  let timer = null;
  let inFlight = null;
  let again = false;
  const saved = new Map();

  async function refresh() {
    if (inFlight) {
      again = true; // an event arrived while fetching: fetch once more afterwards
      return inFlight;
    }
    inFlight = fetchSummary().finally(() => {
      inFlight = null;
      if (again && active()) {
        again = false;
        refresh();
      }
    });
    return inFlight;
  }

  async function fetchSummary() {
    try {
      const response = await fetch(new URL("summary/", apiUrl), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`${response.status}`);
      fill(await response.json());
    } catch (error) {
      strip.classList.add("gm-counters-stale");
      console.warn("summary:", error.message);
    }
  }

  function fill(summary) {
    const format = new Intl.NumberFormat(ROOT.lang || undefined);
    for (const item of strip.querySelectorAll("[data-counter]")) {
      const value = summary[item.dataset.counter];
      item.querySelector("dd").textContent = typeof value === "number" ? format.format(value) : "–";
      item.classList.toggle("gm-counter-zero", value === 0);
    }
    strip.classList.remove("gm-counters-stale");
    const now = new Date();
    updated.dateTime = now.toISOString();
    updated.textContent = now.toLocaleTimeString(ROOT.lang || undefined);
  }

  const active = () => ROOT.classList.contains("gm-screen");

  function paintMap(dark) {
    for (const [layer, property, colour] of DARK_PAINT) {
      if (!map.getLayer(layer)) continue;
      const key = `${layer}/${property}`;
      if (dark) {
        if (!saved.has(key)) saved.set(key, map.getPaintProperty(layer, property));
        map.setPaintProperty(layer, property, colour);
      } else if (saved.has(key)) {
        map.setPaintProperty(layer, property, saved.get(key));
        saved.delete(key);
      }
    }
  }

  function setUrl(on) {
    const url = new URL(window.location.href);
    if (on) url.searchParams.set("screen", "1");
    else url.searchParams.delete("screen");
    history.replaceState(history.state, "", url);
  }

  function enter({ fullscreen }) {
    ROOT.classList.add("gm-screen");
    strip.hidden = false;
    button.setAttribute("aria-pressed", "true");
    if (fullscreen && ROOT.requestFullscreen && !document.fullscreenElement) {
      ROOT.requestFullscreen().catch(() => {}); // not allowed without a user gesture: the mode stays anyway
    }
    if (map.isStyleLoaded()) paintMap(true);
    else map.once("load", () => active() && paintMap(true));
    clearInterval(timer);
    timer = setInterval(refresh, REFRESH_MS);
    setUrl(true);
    refresh();
    requestAnimationFrame(() => map.resize());
  }

  function leave() {
    ROOT.classList.remove("gm-screen");
    strip.hidden = true;
    button.setAttribute("aria-pressed", "false");
    clearInterval(timer);
    timer = null;
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    paintMap(false);
    setUrl(false);
    requestAnimationFrame(() => map.resize());
  }

  button.addEventListener("click", () => (active() ? leave() : enter({ fullscreen: true })));
  window.addEventListener("gridmap:live", () => { if (active()) refresh(); });
  document.addEventListener("fullscreenchange", () => requestAnimationFrame(() => map.resize()));

  const wanted = new URLSearchParams(window.location.search).get("screen") === "1" || active();
  if (wanted) enter({ fullscreen: true });

  ctx.screen = { enter: () => enter({ fullscreen: true }), leave, refresh, active };
}

// The language form posts `next` = the page's URL; the hash (the panel state) never reaches the server.
function keepHashOnLanguageSwitch() {
  for (const form of document.querySelectorAll("form.gm-lang")) {
    form.addEventListener("submit", () => {
      const next = form.querySelector("input[name=next]");
      if (next) next.value = window.location.pathname + window.location.search + window.location.hash;
    });
  }
}
