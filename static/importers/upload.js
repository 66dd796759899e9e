// The upload page: while a job runs, poll GET /import/jobs/<id>/ and show its phase and progress;
// when it has finished, reload the page, which then shows the summary the server rendered.
const POLL_MS = 500;

function showProgress(section, job) {
  const bar = section.querySelector("#import-progress");
  const phase = section.querySelector("#import-phase");
  if (bar && job.total > 0) {
    bar.max = job.total;
    bar.value = job.done;
  }
  if (phase) {
    const key = "phase" + (job.phase || "queued").replace(/^./, (c) => c.toUpperCase());
    const count = job.total > 1 ? ` ${job.done.toLocaleString()} / ${job.total.toLocaleString()}` : "";
    phase.textContent = (section.dataset[key] || job.phase) + count;
  }
}

async function poll(section) {
  try {
    const response = await fetch(section.dataset.jobUrl, {headers: {Accept: "application/json"},
      credentials: "same-origin"});
    if (response.ok) {
      const job = await response.json();
      if (job.finished) {
        window.location.reload();
        return;
      }
      showProgress(section, job);
    }
  } catch (error) {
    console.warn("import job poll failed", error);
  }
  window.setTimeout(() => poll(section), POLL_MS);
}

function guardSubmit(form) {
  form.addEventListener("submit", () => {
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
  });
}

const section = document.querySelector("#import-job[data-job-url]");
if (section && section.dataset.finished !== "true") poll(section);
for (const form of document.querySelectorAll("#import-form, .im-commit")) guardSubmit(form);
