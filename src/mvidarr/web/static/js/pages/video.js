// Video detail: the player (player.js; keyboard: space, arrows, f, m), the metadata form, whose edited fields come back locked against enrichment, and
// the provider match candidates enrichment was not sure about.
import { api, csrfToken } from "../api.js";
import { confirmDialog, el, formError, toast } from "../components.js";
import { attachPlayer } from "../player.js";
import { refreshRegions } from "../refresh.js";
import { startShell } from "../shell.js";
import { attachPlayback } from "../video_playback.js";

const live = startShell();

const SEEK_S = 5;
const player = document.getElementById("player");

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

let controls = player ? attachPlayer(player) : null;
if (player) attachPlayback(player, Number(player.dataset.videoId), controls); // watch history, resume, subtitles
document.addEventListener("keydown", (event) => {
  const player = document.getElementById("player");
  if (!player || !controls) return;
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
  const onControl = event.target.closest("button, a, summary, input") !== null && event.target !== player;
  switch (event.key) {
    case " ":
      if (onControl) return;
      controls.toggle();
      break;
    case "ArrowLeft":
      if (onControl && event.target.type === "range") return;
      controls.seekBy(-SEEK_S);
      break;
    case "ArrowRight":
      if (onControl && event.target.type === "range") return;
      controls.seekBy(SEEK_S);
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

// The status follows the library's events; when a file arrives (a download finished), the player
// section is taken from the page as the server renders it now, so the video plays without a reload.
const statusBox = document.getElementById("video-status");
if (statusBox) {
  const thisVideo = Number(statusBox.dataset.videoId);
  live.subscribe(["library"]);
  live.on("video.updated", async (message) => {
    if (message.data.id !== thisVideo || !message.data.status) return;
    const badge = statusBox.querySelector(".badge");
    badge.className = `badge badge-${message.data.status}`;
    badge.textContent = message.data.status;
    if (message.data.status !== "downloaded" || document.getElementById("player")) return;
    const fresh = new DOMParser().parseFromString(await (await fetch(window.location.href)).text(), "text/html");
    const section = fresh.querySelector("section.player");
    if (!section) return;
    document.querySelector("section.player").replaceWith(section);
    const video = document.getElementById("player");
    if (video) controls = attachPlayer(video);
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

let saved = form ? snapshot() : null;

/** After an enrichment: the sections it changes are read again from the server, in place. */
async function showEnriched() {
  await refreshRegions(["#video-title", "#video-year", "#video-form", "#video-facts", "#video-genres", "#video-sources", "#video-provenance"]);
  document.title = `${document.getElementById("video-title").firstChild.textContent.trim()} · MVidarr`;
  if (form) saved = snapshot();
}

if (form) {
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

// Actions: enrich, download (optionally from a chosen source), organise, delete to trash and artwork
// upload. Jobs they start are followed live in the status line.
const panel = document.getElementById("video-actions");
if (panel) {
  const id = panel.dataset.videoId;
  const line = document.getElementById("action-status");
  const followed = new Map();
  const follow = (job, what) => {
    followed.set(job.id, what);
    line.textContent = `${what}: job ${job.id} ${job.status}.`;
  };
  const onJob = (message) => {
    const job = message.data;
    const what = followed.get(job.id);
    if (!what) return;
    const pct = Math.round((job.progress || 0) * 100);
    line.textContent = `${what}: job ${job.id} ${job.status}${job.status === "running" ? `, ${pct}%` : ""}${job.message ? ` — ${job.message}` : ""}.`;
  };
  for (const type of ["job.created", "job.progress", "job.finished"]) live.on(type, onJob);
  live.subscribe(["jobs"]);

  const run = {
    enrich: async () => follow(await api.post(`/videos/${id}/enrich`), "Enrichment"),
    download: async () => follow(await api.post(`/videos/${id}/download`), "Download"),
    organise: async () => follow(await api.post("/library/organize", { video_ids: [Number(id)] }), "Organise"),
    trash: async () => {
      if (!(await confirmDialog("Delete this video and move its file to the trash?", { confirm: "Delete", danger: true }))) return;
      await api.delete(`/videos/${id}`, { query: { delete_files: true } });
      toast("Deleted; the file is in the trash.", "success");
      window.setTimeout(() => window.location.assign("/videos"), 500);
    },
  };
  panel.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !run[button.dataset.action]) return;
    button.disabled = true;
    try {
      await run[button.dataset.action]();
    } catch {
      // the toast has said why
    } finally {
      button.disabled = false;
    }
  });

  const source = document.getElementById("download-source");
  if (source) {
    source.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        follow(await api.post(`/videos/${id}/download`, { source_url: source.elements.source_url.value.trim() }), "Download");
        source.reset();
      } catch {
        // the toast has said why
      }
    });
  }

  const artwork = document.getElementById("artwork-upload");
  if (artwork) {
    artwork.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(`/api/v1/videos/${id}/artwork`, {
        method: "POST",
        body: new FormData(artwork),
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" },
      });
      if (response.ok) {
        toast("Artwork saved.", "success");
        artwork.reset();
      } else {
        const problem = await response.json().catch(() => ({}));
        toast(problem.detail || problem.title || `Upload failed (HTTP ${response.status}).`, "error");
      }
    });
  }
}

// Match candidates: the ranked provider records enrichment was not sure about (this video's entry
// in the review list). "Use this match" applies one; once the enrichment it starts has finished
// the page reloads with the new title, ids and metadata.
const matches = document.getElementById("match-candidates");
if (matches) {
  const videoId = matches.dataset.videoId;
  const canEdit = matches.dataset.canEdit === "true";
  const status = document.getElementById("match-status");
  const list = document.getElementById("match-list");
  const PROVIDERS = { imvdb: "IMVDb", musicbrainz: "MusicBrainz", youtube: "YouTube" };
  const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
  let waitingFor = null;

  const minutes = (s) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;
  // The page's CSP allows only our own images: provider pictures come through the image proxy.
  const picture = (url) => {
    const img = el("img", { src: `/api/v1/providers/image?url=${encodeURIComponent(url)}`, alt: "", width: "64", height: "64", decoding: "async" });
    img.addEventListener("error", () => img.remove());
    return img;
  };
  const candidate = (c) => {
    const label = c.title ? `${c.artist ? `${c.artist} – ` : ""}${c.title}` : c.name || c.provider_id;
    const provider = PROVIDERS[c.provider] || c.provider;
    const pct = Math.round(c.confidence * 100);
    const facts = [`${provider} ${c.provider_id}`, c.year, c.duration_s ? minutes(c.duration_s) : null].filter(Boolean).join(" · ");
    const item = el("li", { "data-provider": c.provider, "data-provider-id": c.provider_id });
    if (c.thumb) item.append(picture(c.thumb));
    item.append(
      el("div", { class: "candidate-text" },
        c.url ? el("a", { href: c.url, target: "_blank", rel: "noopener noreferrer external" }, label) : el("strong", { text: label }),
        el("br"),
        el("span", { class: "muted", text: facts }),
        ...(c.reason ? [el("br"), el("span", { class: "muted match-reason", text: c.reason })] : [])),
      el("meter", { min: "0", max: "1", value: String(c.confidence), "aria-label": `Confidence of ${label}` }, `${pct}%`),
      ` ${pct}%`,
    );
    if (canEdit) {
      item.append(el("button", {
        type: "button", class: "button small primary", "data-provider": c.provider, "data-provider-id": c.provider_id,
        "aria-label": `Use ${label} (${provider} ${c.provider_id}) as this video's match`,
      }, "Use this match"));
    }
    return item;
  };

  const load = async () => {
    const page = await api.get("/metadata/review", { query: { video_id: videoId }, quiet: true });
    const review = page.items[0];
    if (!review || !review.candidates.length) {
      status.textContent = "No candidates are waiting: enrichment has matched this video, found nothing, or not run yet.";
      list.replaceChildren();
      list.hidden = true;
      return;
    }
    status.textContent = `${review.candidates.length} candidate${review.candidates.length === 1 ? "" : "s"}; the best scored ${Math.round(review.best_confidence * 100)}%.`;
    list.replaceChildren(...review.candidates.map(candidate));
    list.hidden = false;
  };
  list.hidden = true;
  load().catch((error) => { status.textContent = `The candidates could not be loaded: ${error.message}`; });

  const settle = (job) => {
    if (job.id !== waitingFor || !TERMINAL.has(job.status)) return;
    waitingFor = null;
    if (job.status === "succeeded") {
      status.textContent = "Enrichment finished; showing the new metadata…";
      Promise.all([showEnriched(), load()]).catch((error) => {
        status.textContent = `The new metadata could not be shown: ${error.message}`;
      });
    } else {
      status.textContent = `Enrichment job ${job.id} ${job.status}${job.error ? `: ${job.error}` : ""}.`;
    }
  };
  live.on("job.finished", (message) => settle(message.data));
  live.subscribe(["jobs"]);

  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-provider]");
    if (!button) return;
    const buttons = list.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const applied = await api.put(`/videos/${videoId}/match`, {
        provider: button.dataset.provider,
        provider_id: button.dataset.providerId,
      });
      waitingFor = applied.job_id;
      status.textContent = `Matched to ${PROVIDERS[applied.provider] || applied.provider} ${applied.provider_id}; enrichment job ${applied.job_id} is filling in the rest…`;
      settle(await api.get(`/jobs/${applied.job_id}`)); // it may have finished before the event could arrive
    } catch {
      buttons.forEach((b) => { b.disabled = false; }); // the toast has said why
    }
  });
}
