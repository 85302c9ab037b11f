// Job tables kept current from the live connection: a queue (running and queued jobs) and,
// on the activity page, the history that finished jobs move into. Cancel and retry buttons.
// The one renderer of job rows: pages send their first jobs as JSON (`data-jobs`), never as rows.
import { api } from "./api.js";
import { el } from "./components.js";

const ACTIVE = new Set(["queued", "running"]);

function percent(progress) {
  return `${Math.round((progress || 0) * 100)}%`;
}

function actions(job, canRun) {
  const cell = el("td", { class: "job-actions" });
  if (!canRun) return cell;
  if (ACTIVE.has(job.status)) {
    cell.append(
      el("button", {
        type: "button", class: "button small", "data-action": "cancel", "data-job-id": job.id,
        "aria-label": `Cancel job ${job.id}`, disabled: Boolean(job.cancel_requested),
      }, "Cancel"),
    );
  } else if (job.status === "failed" || job.status === "cancelled") {
    cell.append(
      el("button", {
        type: "button", class: "button small", "data-action": "retry", "data-job-id": job.id,
        "aria-label": `Retry job ${job.id}`,
      }, "Retry"),
    );
  }
  return cell;
}

// A job that failed shows why, not the last thing it was doing ("96% moving into the library").
function failedWithReason(job) {
  return Boolean(job.error) && (job.status === "failed" || job.status === "cancelled");
}

export function jobRow(job, canRun) {
  const progress = el("progress", { max: "1", value: String(job.progress || 0), "aria-label": `Progress of job ${job.id}` });
  progress.textContent = percent(job.progress);
  return el(
    "tr",
    { "data-job-id": job.id, "data-status": job.status },
    el("td", {}, el("a", { class: "job-type", href: `/activity/jobs/${job.id}`, text: job.type }), " ", el("span", { class: "muted", text: `#${job.id}` })),
    el("td", { class: "job-status" }, el("span", { class: `badge badge-${job.status}`, text: job.status })),
    el("td", { class: "job-progress" }, progress, el("span", { class: "percent", text: percent(job.progress) })),
    failedWithReason(job)
      ? el("td", { class: "job-message job-error", text: job.error })
      : el("td", { class: "job-message", text: job.message || job.error || "" }),
    actions(job, canRun),
  );
}

class JobTable {
  constructor(table) {
    this.table = table;
    this.body = table.tBodies[0];
    this.empty = this.body.querySelector(".empty-row");
    this.canRun = table.dataset.canRun === "true";
    // The first paint's jobs, as JSON from the server: this module is the one renderer of job rows.
    if (table.dataset.jobs) this.replaceAll(JSON.parse(table.dataset.jobs));
  }

  row(id) {
    return this.body.querySelector(`tr[data-job-id="${id}"]`);
  }

  put(job, { top = false } = {}) {
    const fresh = jobRow(job, this.canRun);
    const old = this.row(job.id);
    if (old) old.replaceWith(fresh);
    else if (top) this.body.prepend(fresh);
    else this.body.insertBefore(fresh, this.empty);
    this.sync();
  }

  remove(id) {
    const old = this.row(id);
    if (old) old.remove();
    this.sync();
  }

  replaceAll(jobs) {
    this.body.querySelectorAll("tr[data-job-id]").forEach((row) => row.remove());
    jobs.forEach((job) => this.put(job));
    this.sync();
  }

  sync() {
    if (this.empty) this.empty.hidden = this.body.querySelector("tr[data-job-id]") !== null;
  }
}

/** Wire the queue (and optional history) tables to `live` and to the action buttons. */
export function liveJobs(live, queueTable, historyTable = null) {
  const queue = new JobTable(queueTable);
  const history = historyTable ? new JobTable(historyTable) : null;
  const place = (job) => {
    if (ACTIVE.has(job.status)) {
      if (history) history.remove(job.id);
      queue.put(job);
    } else {
      queue.remove(job.id);
      if (history) history.put(job, { top: true });
    }
  };
  live.on("snapshot", (message) => {
    if (message.topic === "jobs") queue.replaceAll(message.data.jobs || []);
  });
  for (const type of ["job.created", "job.progress", "job.finished"]) live.on(type, (message) => place(message.data));
  live.subscribe(["jobs"]);

  const onClick = async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    button.disabled = true;
    const { action, jobId } = button.dataset;
    try {
      place(await api.post(`/jobs/${jobId}/${action}`));
    } catch {
      button.disabled = false; // the toast has said why
    }
  };
  queueTable.addEventListener("click", onClick);
  if (historyTable) historyTable.addEventListener("click", onClick);
}
