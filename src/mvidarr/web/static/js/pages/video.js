// Video detail: the player (keyboard: space, arrows, f, m; remux when the browser cannot play the
// file as it is) and the metadata form, whose edited fields come back locked against enrichment.
import { api } from "../api.js";
import { formError, toast } from "../components.js";
import { startShell } from "../shell.js";

startShell();

const SEEK_S = 5;
const player = document.getElementById("player");

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

if (player) {
  player.addEventListener("error", () => {
    // Direct play failed (codec or container): ask the server for fragmented MP4 once.
    if (!player.src.includes("mode=remux")) {
      player.src = `/api/v1/videos/${player.dataset.videoId}/stream?mode=remux`;
      player.play().catch(() => {});
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    const onControl = event.target.closest("button, a, summary") !== null && event.target !== player;
    switch (event.key) {
      case " ":
        if (onControl) return;
        if (player.paused) player.play().catch(() => {});
        else player.pause();
        break;
      case "ArrowLeft":
        player.currentTime = Math.max(0, player.currentTime - SEEK_S);
        break;
      case "ArrowRight":
        player.currentTime = Math.min(player.duration || Infinity, player.currentTime + SEEK_S);
        break;
      case "ArrowUp":
        player.volume = Math.min(1, player.volume + 0.1);
        break;
      case "ArrowDown":
        player.volume = Math.max(0, player.volume - 0.1);
        break;
      case "f":
        if (document.fullscreenElement) document.exitFullscreen();
        else player.requestFullscreen().catch(() => {});
        break;
      case "m":
        player.muted = !player.muted;
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}

const form = document.getElementById("video-form");

function valueOf(name, raw) {
  const text = raw.trim();
  if (name === "year") return text ? Number(text) : null;
  if (name === "directors") return text ? text.split(",").map((s) => s.trim()).filter(Boolean) : [];
  if (name === "title") return text;
  return text || null;
}

function snapshot() {
  const data = new FormData(form);
  const values = {};
  for (const field of form.querySelectorAll(".field[data-field]")) {
    const name = field.dataset.field;
    values[name] = JSON.stringify(valueOf(name, String(data.get(name) ?? "")));
  }
  return { values, locks: data.getAll("lock").map(String) };
}

function showLocks(locked) {
  for (const field of form.querySelectorAll(".field[data-field]")) {
    const isLocked = locked.includes(field.dataset.field);
    field.querySelector(".lock").hidden = !isLocked;
    field.querySelector('input[name="lock"]').checked = isLocked;
  }
}

if (form) {
  let saved = snapshot();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, "");
    const now = snapshot();
    const body = {};
    for (const [name, value] of Object.entries(now.values)) {
      if (value !== saved.values[name]) body[name] = JSON.parse(value);
    }
    if (now.locks.join() !== saved.locks.join()) body.locked_fields = now.locks;
    if (Object.keys(body).length === 0) {
      toast("Nothing changed.");
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const video = await api.patch(`/videos/${form.dataset.videoId}`, body, { quiet: true });
      showLocks(video.locked_fields);
      document.getElementById("video-title").firstChild.textContent = video.title;
      document.title = `${video.title} · MVidarr`;
      saved = snapshot();
      toast("Saved.", "success");
    } catch (error) {
      formError(form, error.message);
    } finally {
      button.disabled = false;
    }
  });
}
