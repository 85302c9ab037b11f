// Activity: the download queue (phase, progress, speed, time left) refreshed from the API whenever a
// download job moves; the job queue updates live and finished jobs move into the history; cancel
// and retry; finished downloads can blocklist their source; blocklist entries can be removed.
import { api } from "../api.js";
import { confirmDialog, el, toast } from "../components.js";
import { liveJobs } from "../jobs.js";
import { startShell } from "../shell.js";
import { refreshSoon } from "../refresh.js";

const live = startShell();
liveJobs(live, document.getElementById("job-queue"), document.getElementById("job-history"));

const DOWNLOAD_TYPES = new Set(["video.download", "video.upgrade"]);
const downloads = document.getElementById("download-queue");
const canRun = downloads.dataset.canRun === "true";

function bytes(n) {
  if (!n) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit ? `${value.toFixed(1)} ${units[unit]}` : `${Math.round(value)} B`;
}

function clock(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function downloadRow(item) {
  const { job, video, download: d } = item;
  const pct = Math.round((job.progress || 0) * 100);
  const progress = el("progress", { max: "1", value: String(job.progress || 0), "aria-label": `Download progress of job ${job.id}` }, `${pct}%`);
  const what = video
    ? el("td", {}, el("a", { href: `/videos/${video.id}`, text: video.title }), " ", el("span", { class: "muted", text: video.artist_name }))
    : el("td", { text: `#${job.id}` });
  const actions = el("td", {});
  if (canRun) {
    actions.append(el("button", {
      type: "button", class: "button small", "data-action": "cancel", "data-job-id": job.id,
      "aria-label": `Cancel download job ${job.id}`, disabled: Boolean(job.cancel_requested),
    }, "Cancel"));
  }
  return el(
    "tr",
    { "data-job-id": job.id, "data-status": job.status },
    what,
    el("td", { class: "dl-phase" }, (d && d.phase) || job.status,
      ...(job.status === "queued" && (job.message || "").startsWith("waiting") ? [" ", el("span", { class: "muted", text: job.message })] : [])),
    el("td", { class: "dl-progress" }, progress, " ", el("span", { class: "percent", text: `${pct}%` })),
    el("td", { class: "dl-speed", text: d && d.speed ? `${bytes(d.speed)}/s` : "—" }),
    el("td", { class: "dl-eta", text: d ? clock(d.eta_s) : "—" }),
    actions,
  );
}

/** The download rows' one renderer: the first paint's items come as JSON in data-items. */
function showDownloads(items) {
  const body = downloads.tBodies[0];
  const empty = body.querySelector(".empty-row");
  body.querySelectorAll("tr[data-job-id]").forEach((row) => row.remove());
  items.forEach((item) => body.insertBefore(downloadRow(item), empty));
  empty.hidden = items.length > 0;
}
showDownloads(JSON.parse(downloads.dataset.items || "[]"));

let pending = null;
async function refreshDownloads() {
  pending = null;
  try {
    const page = await api.get("/activity/queue", { query: { page_size: 100 }, quiet: true });
    showDownloads(page.items);
  } catch {
    // the next event tries again
  }
}

function soon() {
  if (!pending) pending = window.setTimeout(refreshDownloads, 400);
}

for (const type of ["job.created", "job.progress", "job.finished"]) {
  live.on(type, (message) => {
    if (DOWNLOAD_TYPES.has(message.data.type)) soon();
    // A finished download is in the history now: its table (rendered by the server) is read again.
    if (type === "job.finished" && DOWNLOAD_TYPES.has(message.data.type)) {
      refreshSoon(["#download-history tbody", "#download-history-title"]);
    }
  });
}
live.on("snapshot", (message) => {
  if (message.topic === "jobs") soon();
});

downloads.addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="cancel"]');
  if (!button) return;
  button.disabled = true;
  try {
    await api.post(`/jobs/${button.dataset.jobId}/cancel`);
    soon();
  } catch {
    button.disabled = false;
  }
});

document.getElementById("download-history").addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="block"]');
  if (!button) return;
  if (!(await confirmDialog("Never download this source again?", { confirm: "Blocklist" }))) return;
  button.disabled = true;
  try {
    await api.post("/blocklist", { download_id: Number(button.dataset.downloadId) });
    toast("Source blocklisted.", "success");
  } catch {
    button.disabled = false;
  }
});

document.getElementById("blocklist").addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="unblock"]');
  if (!button) return;
  button.disabled = true;
  try {
    await api.delete(`/blocklist/${button.dataset.entryId}`);
    button.closest("tr").remove();
    toast("Removed from the blocklist.", "success");
  } catch {
    button.disabled = false;
  }
});
