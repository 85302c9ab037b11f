// The video player. Files browsers play are sent as they are and seek natively (byte ranges).
// Files the server remuxes have no length and no ranges, so for them the player keeps its own
// timeline: it shows the file's real duration, and a seek asks the server for the stream again from
// that position (`start`). When a file cannot play, the player says why instead of sitting at 0:00.
import { el } from "./components.js";

function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

const MEDIA_ERRORS = {
  1: "playback was stopped",
  2: "the connection broke while loading the video",
  3: "the browser could not decode the video",
  4: "the browser cannot play this format",
};

async function whyItFailed(videoId, error) {
  // Ask for the first byte of the file itself: a missing or unreadable file answers a problem document.
  try {
    const response = await fetch(`/api/v1/videos/${videoId}/stream?mode=direct`, {
      headers: { Range: "bytes=0-0" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      return problem?.detail || `the server answered ${response.status}`;
    }
  } catch {
    return "the server cannot be reached; check that MVidarr is running";
  }
  const what = MEDIA_ERRORS[error?.code] || "the browser could not play it";
  return `${what}, even after the server converted it${error?.message ? ` (${error.message})` : ""}`;
}

/**
 * Wire a <video data-video-id data-remux data-duration> element; returns a controller the page's
 * keyboard handling and the watch tracker use: position(), length(), seek(seconds), seekBy(delta), toggle().
 */
export function attachPlayer(video) {
  const videoId = video.dataset.videoId;
  const base = `/api/v1/videos/${videoId}/stream`;
  const message = el("p", { class: "player-error", role: "alert", hidden: true });
  video.after(message);
  let remuxed = video.dataset.remux === "true";
  let offset = 0; // where the current remuxed stream started, in seconds of the file
  let duration = Number(video.dataset.duration) || 0;
  let bar = null;

  const position = () => (remuxed ? offset + (video.currentTime || 0) : video.currentTime || 0);
  const length = () => (remuxed ? duration : Number.isFinite(video.duration) ? video.duration : duration);

  function showError(text) {
    message.textContent = `This video cannot play: ${text}.`;
    message.hidden = false;
  }

  function refreshBar() {
    if (!bar) return;
    const total = length();
    bar.range.max = String(Math.max(0.1, total));
    if (!bar.dragging) bar.range.value = String(Math.min(position(), total));
    bar.time.textContent = `${clock(bar.dragging ? Number(bar.range.value) : position())} / ${clock(total)}`;
    bar.play.textContent = video.paused ? "Play" : "Pause";
    bar.play.setAttribute("aria-pressed", String(!video.paused));
    bar.mute.textContent = video.muted ? "Unmute" : "Mute";
  }

  function buildBar() {
    // The browser's own timeline would show only what has arrived of an endless stream.
    video.controls = false;
    const play = el("button", { type: "button", class: "button", "aria-pressed": "false" }, "Play");
    const range = el("input", { type: "range", min: "0", step: "0.1", value: "0", "aria-label": "Position" });
    const time = el("span", { class: "player-time", "aria-live": "off" }, "0:00");
    const mute = el("button", { type: "button", class: "button" }, "Mute");
    const full = el("button", { type: "button", class: "button" }, "Full screen");
    bar = { play, range, time, mute, dragging: false };
    play.addEventListener("click", () => toggle());
    mute.addEventListener("click", () => {
      video.muted = !video.muted;
      refreshBar();
    });
    full.addEventListener("click", () => video.requestFullscreen().catch(() => {}));
    range.addEventListener("input", () => {
      bar.dragging = true;
      refreshBar();
    });
    range.addEventListener("change", () => {
      bar.dragging = false;
      seek(Number(range.value));
    });
    video.addEventListener("click", () => toggle());
    message.before(el("div", { class: "player-bar", role: "group", "aria-label": "Player controls" }, play, range, time, mute, full));
    for (const name of ["timeupdate", "play", "pause", "volumechange", "loadedmetadata"]) {
      video.addEventListener(name, refreshBar);
    }
    refreshBar();
  }

  function startRemux(at, play) {
    offset = Math.max(0, at);
    message.hidden = true;
    video.src = offset > 0 ? `${base}?mode=remux&start=${offset.toFixed(3)}` : `${base}?mode=remux`;
    video.load();
    if (play) video.play().catch(() => {});
    refreshBar();
  }

  function seek(seconds) {
    const total = length();
    const target = Math.max(0, total ? Math.min(seconds, Math.max(0, total - 0.5)) : seconds);
    if (remuxed) startRemux(target, !video.paused || video.autoplay);
    else video.currentTime = target;
  }

  function toggle() {
    if (video.paused) video.play().catch(() => {});
    else video.pause();
  }

  video.addEventListener("error", async () => {
    if (!remuxed) {
      // Direct play failed (codec or container): ask the server for fragmented MP4 instead.
      remuxed = true;
      buildBar();
      startRemux(video.currentTime || 0, true);
      return;
    }
    showError(await whyItFailed(videoId, video.error));
  });
  video.addEventListener("loadedmetadata", () => {
    if (!remuxed && Number.isFinite(video.duration)) duration = video.duration;
  });

  if (remuxed) buildBar(); // the page's src is already the remux from the start
  if (!video.getAttribute("src")) video.src = remuxed ? `${base}?mode=remux` : base;
  return { position, length, seek, seekBy: (delta) => seek(position() + delta), toggle, get remuxed() { return remuxed; } };
}
