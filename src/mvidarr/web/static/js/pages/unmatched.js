// Unmatched files: match a file to an artist and title, or to a video id; the row goes when matched.
import { api } from "../api.js";
import { formError, toast } from "../components.js";
import { startShell } from "../shell.js";
import { refreshSoon } from "../refresh.js";

startShell();

document.getElementById("unmatched").addEventListener("submit", async (event) => {
  const form = event.target.closest("form.match-form");
  if (!form) return;
  event.preventDefault();
  formError(form, "");
  const data = new FormData(form);
  const videoId = String(data.get("video_id") || "").trim();
  const body = videoId
    ? { video_id: Number(videoId) }
    : { artist_name: String(data.get("artist_name") || "").trim(), title: String(data.get("title") || "").trim() };
  if (!videoId && (!body.artist_name || !body.title)) {
    formError(form, "Give an artist and a title, or a video id.");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const matched = await api.post(`/library/files/${form.dataset.fileId}/match`, body, { quiet: true });
    form.closest("tr").remove();
    refreshSoon(["#list-total"], 0);
    toast(`Matched to video ${matched.video_id}.`, "success");
  } catch (error) {
    formError(form, error.message);
    button.disabled = false;
  }
});
