// One job: its state follows the live connection (status, progress, message, the error when it
// fails); cancel and retry; the log is fetched again when the job finishes.
import { api } from "../api.js";
import { el, toast } from "../components.js";
import { startShell } from "../shell.js";

const live = startShell();
const panel = document.getElementById("job");
const jobId = Number(panel.dataset.jobId);

function show(job) {
  const badge = document.querySelector("#job-status .badge");
  badge.className = `badge badge-${job.status}`;
  badge.textContent = job.status;
  document.getElementById("job-progress").value = job.progress || 0;
  document.getElementById("job-attempts").textContent = `${job.attempts} of ${job.max_attempts}`;
  const message = document.getElementById("job-message");
  message.textContent = job.message || "";
  message.hidden = !job.message;
  const error = document.getElementById("job-error");
  error.querySelector(".job-error-text").textContent = job.error || "";
  error.hidden = !job.error;
  const active = job.status === "queued" || job.status === "running";
  const cancel = panel.querySelector('[data-action="cancel"]');
  const retry = panel.querySelector('[data-action="retry"]');
  if (cancel) {
    cancel.hidden = !active;
    cancel.disabled = Boolean(job.cancel_requested);
  }
  if (retry) retry.hidden = !(job.status === "failed" || job.status === "cancelled");
}

async function refreshLog() {
  const page = await api.get(`/jobs/${jobId}/logs`, { quiet: true, query: { page_size: 500 } });
  const body = document.querySelector("#job-log tbody");
  const rows = page.items.map((line) =>
    el("tr", {},
      el("td", {}, el("time", { datetime: line.at, text: new Date(line.at).toLocaleTimeString() })),
      el("td", {}, el("span", { class: `badge badge-${line.level}`, text: line.level })),
      el("td", { text: line.message })),
  );
  body.replaceChildren(...(rows.length ? rows : [el("tr", { class: "empty-row" }, el("td", { colspan: "3", class: "empty", text: "No log lines." }))]));
  document.querySelector("#job-log-title .muted").textContent = `(${page.total})`;
}

live.subscribe([`job:${jobId}`]);
live.on("snapshot", (message) => {
  if (message.topic === `job:${jobId}` && message.data?.job) show(message.data.job);
});
for (const type of ["job.progress", "job.created"]) {
  live.on(type, (message) => {
    if (message.data.id === jobId) show(message.data);
  });
}
live.on("job.finished", (message) => {
  if (message.data.id !== jobId) return;
  show(message.data);
  refreshLog().catch(() => {});
});

panel.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  button.disabled = true;
  try {
    const job = await api.post(`/jobs/${jobId}/${button.dataset.action}`);
    show(job);
    toast(button.dataset.action === "retry" ? "Queued again." : "Cancel requested.", "success");
  } catch {
    button.disabled = false; // api.js has shown the problem's text
  }
});
