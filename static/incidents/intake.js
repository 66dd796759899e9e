// The intake pages: browser geolocation into lon/lat, photos sent as multipart, and one Idempotency-Key
// per filled-in form, kept until the server answers, so a retry after a network error never files twice.
const form = document.getElementById("intake-form");
const result = document.getElementById("intake-result");
const where = document.getElementById("intake-location");
let key = null;

function locate() {
  if (!navigator.geolocation) { where.textContent = form.dataset.noLocation; return; }
  where.textContent = form.dataset.locating;
  navigator.geolocation.getCurrentPosition((position) => {
    form.elements.lon.value = position.coords.longitude.toFixed(7);
    form.elements.lat.value = position.coords.latitude.toFixed(7);
    where.textContent = form.dataset.located.replace("{m}", Math.round(position.coords.accuracy));
  }, () => { where.textContent = form.dataset.noLocation; }, { enableHighAccuracy: true, timeout: 15000 });
}

function say(text, error = false) {
  result.textContent = text;
  result.classList.toggle("error", error);
}

function describe(body) {
  const parts = [`${form.dataset.done} ${body.code}`];
  if (body.held) parts.push(form.dataset.held);
  if (body.duplicate_of) parts.push(`${form.dataset.duplicate} ${body.duplicate_of.code}`);
  return parts.join("；");
}

async function submit(event) {
  event.preventDefault();
  key = key || crypto.randomUUID();
  const data = new FormData(form);
  data.set("channel", form.dataset.channel);
  say(form.dataset.sending);
  let response;
  try {
    response = await fetch(form.dataset.url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken"), "Idempotency-Key": key, Accept: "application/json" },
    });
  } catch {
    say(form.dataset.offline, true);  // the same key is sent again on the next try
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    key = null;
    form.reset();
    where.textContent = "";
    say(describe(body));
  } else {
    if (response.status < 500) key = null;  // refused: the corrected form is a new request
    say(body.detail || response.statusText, true);
  }
}

document.getElementById("intake-locate").addEventListener("click", locate);
form.addEventListener("submit", submit);
