// Live alarms and incidents: Server-Sent Events from /live/events/ (PostgreSQL LISTEN/NOTIFY behind it).
// On a new incident or a sensor alarm: a pulsing marker, a banner (click / Enter → fly there and open the
// building), smoke detectors in alarm flashing on the sensors layer, a sound cue (Web Audio, no file), the
// tile sources reloaded, and `gridmap:live` dispatched on window for the other modules (the 大屏 counters).
import { el, labelsOf } from "./dom.js";

const EVENTS_URL = "/live/events/";
const KINDS = ["incident", "sensor", "bulk"];
const PULSE_SOURCE = "live-pulse";
const PULSE_RING = "live-pulse-ring";
const PULSE_DOT = "live-pulse-dot";
const PULSE_PERIOD_MS = 1400;
const PULSE_LIFETIME_MS = 10 * 60 * 1000; // or until acknowledged
const FLASH_PERIOD_MS = 500;
const MAX_ITEMS = 5;
const MAX_EVENTS = 500;
const REFRESH_DELAY_MS = 300;
const RECONNECT_MS = [3000, 6000, 15000, 30000, 60000];
const MUTE_KEY = "gridmap.live.muted";
// Which tile source shows which table / message kind.
const SOURCE_OF_TABLE = { layers_incident: "incidents", layers_sensor: "sensors" };
const SOURCE_OF_KIND = { incident: "incidents", sensor: "sensors" };

// Which messages deserve the banner, the pulse and the sound.
function isAlert(event) {
  if (event.kind === "incident") return event.op === "insert";
  if (event.kind === "sensor") return event.status === "alarm" && event.old_status !== "alarm";
  return false;
}

function hasPlace(event) {
  return Number.isFinite(event.lon) && Number.isFinite(event.lat);
}

export function install(ctx) {
  const banner = document.getElementById("live-banner");
  if (!banner || typeof EventSource === "undefined") return;
  const { map, choices } = ctx;
  const labels = labelsOf("live-banner");
  const items = document.getElementById("live-items");
  const stateBadge = document.getElementById("live-state");
  const soundButton = document.getElementById("live-sound");
  // Inside the map container: centred over the map whatever the page layout (side panel, 大屏 mode).
  ctx.mapElement.append(banner, document.getElementById("live-bar"));

  const live = { events: [], alerts: 0, beeps: 0, muted: localStorage.getItem(MUTE_KEY) === "1", state: "connecting" };
  window.gridMapLive = live;

  // ---- connection ---------------------------------------------------------------------------
  let source = null;
  let failures = 0;
  function setState(state) {
    live.state = state;
    stateBadge.dataset.state = state;
    stateBadge.textContent = state === "open" ? labels.connected : labels.reconnecting;
  }
  function connect() {
    source = new EventSource(EVENTS_URL, { withCredentials: true });
    source.addEventListener("open", () => { failures = 0; setState("open"); });
    source.addEventListener("error", () => {
      setState("reconnecting");
      // The browser retries by itself after a network error, but not after a non-stream answer (403, login page).
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)]);
      }
    });
    for (const kind of KINDS) {
      source.addEventListener(kind, (message) => {
        try {
          receive(JSON.parse(message.data));
        } catch (error) {
          console.warn("live: bad event", error);
        }
      });
    }
  }
  window.addEventListener("pagehide", () => source?.close());

  function receive(event) {
    live.events.push(event);
    if (live.events.length > MAX_EVENTS) live.events.splice(0, live.events.length - MAX_EVENTS);
    trackSensor(event);
    scheduleRefresh(event.kind === "bulk" ? SOURCE_OF_TABLE[event.table] : SOURCE_OF_KIND[event.kind]);
    if (isAlert(event)) {
      live.alerts += 1;
      if (hasPlace(event)) addPulse(event);
      showItem(event);
      beep();
    }
    window.dispatchEvent(new CustomEvent("gridmap:live", { detail: event }));
  }

  // ---- the banner -----------------------------------------------------------------------------
  const label = (kind, value) => choices[kind]?.[value] ?? value;
  function describe(event) {
    const when = new Date(event.at ?? Date.now()).toLocaleTimeString([], { hour12: false });
    const what = event.kind === "incident"
      ? `${labels.newIncident} · ${event.title || event.category}`
      : `${labels.alarm} · ${label("sensor_kind", event.sensor_kind)} ${event.code}`;
    const where = [event.building && `${labels.building} ${event.building}`, event.grid && `${labels.grid} ${event.grid}`]
      .filter(Boolean).join(" · ") || labels.unplaced;
    return { when, what, where };
  }
  function showItem(event) {
    const { when, what, where } = describe(event);
    const button = el("button", { type: "button", className: "gm-live-item", title: labels.openHint },
      el("span", { className: "gm-live-what" }, what),
      el("span", { className: "gm-live-where" }, el("span", { className: "gm-live-when" }, when), where));
    button.dataset.kind = event.kind;
    button.dataset.code = event.code;
    button.addEventListener("click", () => goTo(event));
    items.prepend(el("li", {}, button));
    for (const extra of [...items.querySelectorAll(":scope > li")].slice(MAX_ITEMS)) extra.remove();
    banner.hidden = false;
  }
  function goTo(event) {
    if (hasPlace(event)) map.flyTo({ center: [event.lon, event.lat], zoom: Math.max(map.getZoom(), 17) });
    if (event.building) ctx.panel?.open("building", event.building);
    else if (event.grid) ctx.panel?.open("grid", event.grid);
  }
  document.getElementById("live-ack").addEventListener("click", () => {
    items.replaceChildren();
    banner.hidden = true;
    pulses.clear();
    drawPulses();
  });

  // ---- pulsing markers (GeoJSON source + circle layers animated per frame) --------------------
  const pulses = new Map(); // "kind:code" → feature
  function addPulseLayers() {
    if (map.getSource(PULSE_SOURCE)) return;
    map.addSource(PULSE_SOURCE, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: PULSE_RING, type: "circle", source: PULSE_SOURCE,
      paint: { "circle-radius": 12, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#ff1f3d",
               "circle-stroke-width": 6, "circle-stroke-opacity": 1, "circle-pitch-alignment": "map" } });
    map.addLayer({ id: PULSE_DOT, type: "circle", source: PULSE_SOURCE,
      paint: { "circle-radius": 13, "circle-color": "#e0001b", "circle-opacity": 0.35,
               "circle-stroke-color": "#ffffff", "circle-stroke-width": 3 } });
    drawPulses();
  }
  function addPulse(event) {
    pulses.set(`${event.kind}:${event.code}`, {
      type: "Feature", geometry: { type: "Point", coordinates: [event.lon, event.lat] },
      properties: { kind: event.kind, code: event.code, born: Date.now() },
    });
    drawPulses();
  }
  function drawPulses() {
    const now = Date.now();
    for (const [key, feature] of pulses) if (now - feature.properties.born > PULSE_LIFETIME_MS) pulses.delete(key);
    map.getSource(PULSE_SOURCE)?.setData({ type: "FeatureCollection", features: [...pulses.values()] });
    if (pulses.size && !animating) requestAnimationFrame(animate);
  }
  let animating = false;
  let lastSweep = 0;
  function animate(now) {
    animating = pulses.size > 0 && Boolean(map.getLayer(PULSE_RING));
    if (!animating) return;
    const phase = (now % PULSE_PERIOD_MS) / PULSE_PERIOD_MS;
    map.setPaintProperty(PULSE_RING, "circle-radius", 12 + 48 * phase);
    map.setPaintProperty(PULSE_RING, "circle-stroke-opacity", 1 - phase);
    if (now - lastSweep > 5000) { lastSweep = now; drawPulses(); } // drops expired pulses
    requestAnimationFrame(animate);
  }

  // ---- smoke detectors in alarm flash on the existing sensors layer ---------------------------
  const SENSORS = "sensors-circle";
  const alarmed = new Set(); // device ids put into alarm since the page loaded
  const cleared = new Set(); // device ids out of alarm since (their tiles may still say "alarm")
  let basePaint = null;
  function trackSensor(event) {
    if (event.kind !== "sensor") return;
    (event.status === "alarm" ? alarmed : cleared).add(event.code);
    (event.status === "alarm" ? cleared : alarmed).delete(event.code);
  }
  function inAlarm() {
    const id = ["get", "device_id"];
    return ["any", ["in", id, ["literal", [...alarmed]]],
      ["all", ["==", ["get", "status"], "alarm"], ["!", ["in", id, ["literal", [...cleared]]]]]];
  }
  function anyAlarmShown() {
    if (alarmed.size) return true;
    return map.querySourceFeatures("sensors", { sourceLayer: "sensors", filter: ["==", ["get", "status"], "alarm"] })
      .some((f) => !cleared.has(f.properties.device_id));
  }
  let flashOn = false;
  function flash() {
    if (!map.getLayer(SENSORS)) return;
    basePaint ??= Object.fromEntries(["circle-color", "circle-radius", "circle-stroke-color", "circle-stroke-width"]
      .map((p) => [p, map.getPaintProperty(SENSORS, p)]));
    const active = anyAlarmShown();
    if (!active && !flashOn) return;
    flashOn = active && !flashOn;
    const when = (on, off, base) => ["case", inAlarm(), flashOn ? on : off, base];
    map.setPaintProperty(SENSORS, "circle-color", when("#ff1f3d", "#7a0010", basePaint["circle-color"]));
    map.setPaintProperty(SENSORS, "circle-radius", when(11, 7, basePaint["circle-radius"]));
    map.setPaintProperty(SENSORS, "circle-stroke-color", when("#ffffff", "#ff1f3d", basePaint["circle-stroke-color"]));
    map.setPaintProperty(SENSORS, "circle-stroke-width", when(3, 2, basePaint["circle-stroke-width"]));
    live.flashing = active;
  }

  // ---- tiles catch up: reload the sources whose tables changed --------------------------------
  const dirty = new Set();
  let refreshTimer = null;
  let version = 0;
  function scheduleRefresh(sourceId) {
    if (!sourceId) return;
    dirty.add(sourceId);
    refreshTimer ??= setTimeout(() => {
      refreshTimer = null;
      version = Date.now();
      for (const id of dirty) refreshSource(id);
      dirty.clear();
    }, REFRESH_DELAY_MS);
  }
  function refreshSource(id) {
    const tileSource = map.getSource(id);
    if (!tileSource) return;
    // Tiles are HTTP-cached for a minute; a new query string makes the browser ask the server
    // again (which answers from its ETag'd data version). setTiles reloads the source's tiles.
    if (Array.isArray(tileSource.tiles) && tileSource.setTiles) {
      tileSource.setTiles(tileSource.tiles.map((url) => withVersion(url, version)));
    } else {
      map.refreshTiles(id);
    }
  }

  // ---- sound cue: a two-tone chime from the Web Audio API, with a mute switch -----------------
  let audio = null;
  function audioContext() {
    const Context = window.AudioContext ?? window.webkitAudioContext;
    if (!Context) return null;
    audio ??= new Context();
    if (audio.state === "suspended") audio.resume().catch(() => {});
    return audio;
  }
  function beep() {
    if (live.muted) return;
    const context = audioContext();
    if (!context) return;
    const start = context.currentTime + 0.02;
    [880, 660, 880, 660].forEach((hz, i) => {
      const t = start + i * 0.28;
      const osc = context.createOscillator();
      const gain = context.createGain();
      osc.type = "square";
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
      osc.connect(gain).connect(context.destination);
      osc.start(t);
      osc.stop(t + 0.26);
    });
    live.beeps += 1;
  }
  function showSound() {
    soundButton.textContent = live.muted ? labels.soundOff : labels.soundOn;
    soundButton.setAttribute("aria-pressed", String(!live.muted));
  }
  soundButton.addEventListener("click", () => {
    live.muted = !live.muted;
    localStorage.setItem(MUTE_KEY, live.muted ? "1" : "0");
    if (!live.muted) audioContext(); // a click is the user gesture browsers need to allow sound
    showSound();
  });
  // Browsers start audio only after a user gesture: unlock it on the first one.
  document.addEventListener("pointerdown", () => { if (!live.muted) audioContext(); }, { once: true });

  showSound();
  setState("connecting");
  connect();
  if (map.isStyleLoaded()) addPulseLayers();
  else map.once("load", addPulseLayers);
  setInterval(flash, FLASH_PERIOD_MS);
}

// A tile URL template with our version parameter set (URL() would escape the {z}/{x}/{y} braces).
function withVersion(url, version) {
  const base = url.replace(/([?&])live=\d+&?/, "$1").replace(/[?&]$/, "");
  return `${base}${base.includes("?") ? "&" : "?"}live=${version}`;
}
