// Wanted: the lists are server-rendered (tabs, filters and pages are links and GET forms); this adds
// download buttons and bulk changes (download, ignore, un-ignore, want) to the selected videos.
import { api } from "../api.js";
import { toast } from "../components.js";
import { selection } from "../select.js";
import { startShell } from "../shell.js";
import { refreshRegions } from "../refresh.js";

startShell();

const list = document.getElementById("wanted-list");

function showStatus(id, value) {
  const cell = list.querySelector(`tr[data-video-id="${id}"] .video-status .badge`);
  if (cell) {
    cell.className = `badge badge-${value}`;
    cell.textContent = value;
  }
}

list.addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="download"]');
  if (!button) return;
  button.disabled = true;
  try {
    const job = await api.post(`/videos/${button.dataset.videoId}/download`);
    showStatus(button.dataset.videoId, "queued");
    toast(`Download queued (job ${job.id}).`, "success");
  } catch {
    button.disabled = false; // the toast has said why
  }
});

const form = document.getElementById("wanted-bulk");
if (form) {
  const apply = form.querySelector("button[type=submit]");
  const chosen = selection(list, {
    selectAll: document.getElementById("select-all"),
    count: document.getElementById("selected-count"),
    onChange: (ids) => {
      apply.disabled = ids.length === 0;
    },
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = form.elements.action.value;
    const ids = chosen.ids();
    if (!ids.length) return;
    apply.disabled = true;
    try {
      if (action === "download") {
        const job = await api.post("/videos/download", { video_ids: ids });
        ids.forEach((id) => showStatus(id, "queued"));
        toast(`Queued ${ids.length} downloads (job ${job.id}).`, "success");
      } else {
        const result = await api.post("/wanted/bulk", { video_ids: ids, action });
        toast(`Changed ${result.changed} of ${ids.length} videos.`, "success");
        await refreshRegions(["#wanted-list tbody"]);
        chosen.clear();
      }
    } finally {
      apply.disabled = false;
    }
  });
}
