// MvTV: continuous play over a source (the library, a playlist, an artist, a genre, a decade or a
// filter). Shuffle plays every video once before any repeats; "favour" puts unwatched videos or
// favourites first. The up-next queue can be edited; the queue and place survive a reload
// (localStorage); the next video is preloaded in a second <video>, so changes are near-gapless.
import { api } from "../api.js";
import { el, formError, toast } from "../components.js";
import { ContinuousPlayer } from "../continuous_player.js";
import { readRule } from "../rule.js";
import { startShell } from "../shell.js";

startShell();
const STORE = "mvidarr-mvtv";
const UP_NEXT_SHOWN = 25;
const SEEK_S = 10;

const form = document.getElementById("mvtv-source");
const section = document.getElementById("mvtv");
const overlay = document.getElementById("mvtv-overlay");
const upNext = document.getElementById("up-next");
const status = document.getElementById("mvtv-status");
const details = new Map();

// The session: the source as chosen, the play order and where we are in it.
let state = { source: null, shuffle: true, favour: "", order: [], position: 0, round: 1 };

const save = () => window.localStorage.setItem(STORE, JSON.stringify(state));

function shuffled(ids) {
  const copy = [...ids];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function ruleOf(source) {
  const base = { has_file: true };
  if (source.kind === "artist") return { ...base, artist_id: source.artistId };
  if (source.kind === "genre") return { ...base, genre: source.genre };
  if (source.kind === "decade") return { ...base, decade: source.decade };
  if (source.kind === "filter") return { ...source.rule, ...base };
  return base;
}

async function idsOf(source, extra = {}) {
  if (source.kind === "playlist") {
    const { video_ids: ids } = await api.get(`/playlists/${source.playlistId}/video-ids`);
    if (!Object.keys(extra).length) return ids;
    const { video_ids: matching } = await api.post("/playlists/preview-video-ids", extra);
    const keep = new Set(matching);
    return ids.filter((id) => keep.has(id));
  }
  const { video_ids: ids } = await api.post("/playlists/preview-video-ids", { ...ruleOf(source), ...extra });
  return ids;
}

/** A fresh play order: the favoured videos first (each part shuffled when shuffling). */
async function buildOrder(avoidFirst = null) {
  const ids = await idsOf(state.source);
  let favoured = [];
  if (state.favour) {
    const extra = state.favour === "unwatched" ? { watched: false } : { favourite: true };
    try {
      const wanted = new Set(await idsOf(state.source, extra));
      favoured = ids.filter((id) => wanted.has(id));
    } catch {
      favoured = []; // a readonly account has no watch state: nothing is favoured
    }
  }
  const chosen = new Set(favoured);
  const rest = ids.filter((id) => !chosen.has(id));
  const order = state.shuffle ? [...shuffled(favoured), ...shuffled(rest)] : [...favoured, ...rest];
  if (avoidFirst !== null && order.length > 1 && order[0] === avoidFirst) order.push(order.shift());
  return order;
}

async function detail(videoId) {
  if (!details.has(videoId)) {
    details.set(
      videoId,
      api.get(`/videos/${videoId}`, { quiet: true }).catch(() => ({ id: videoId, title: `Video ${videoId}`, artist: { name: "" }, year: null })),
    );
  }
  return details.get(videoId);
}

async function showOverlay(videoId) {
  const video = await detail(videoId);
  if (player.videoId !== videoId) return;
  overlay.querySelector(".overlay-artist").textContent = video.artist.name;
  overlay.querySelector(".overlay-title").textContent = video.title;
  overlay.querySelector(".overlay-year").textContent = video.year ? String(video.year) : "";
  overlay.classList.remove("fade");
  void overlay.offsetWidth; // restart the fade
  overlay.classList.add("fade");
}

const player = new ContinuousPlayer(document.getElementById("mvtv-stage"), {
  resume: false,
  onEnded: () => step(1),
  onChange: (videoId) => {
    showOverlay(videoId);
    renderUpNext();
  },
});

async function renderUpNext() {
  const coming = state.order.slice(state.position + 1, state.position + 1 + UP_NEXT_SHOWN);
  const left = state.order.length - state.position - 1;
  status.textContent = `${state.position + 1} of ${state.order.length}${state.round > 1 ? ` (round ${state.round})` : ""}`;
  const items = await Promise.all(
    coming.map(async (videoId, offset) => {
      const video = await detail(videoId);
      const label = `${video.artist.name} – ${video.title}`;
      return el(
        "li",
        { dataset: { videoId: String(videoId), index: String(state.position + 1 + offset) } },
        el("span", { class: "up-next-title", text: label }),
        el("button", { type: "button", class: "button small", dataset: { action: "now" }, "aria-label": `Play ${label} now` }, "Play now"),
        el("button", { type: "button", class: "button small", dataset: { action: "up" }, "aria-label": `Move ${label} up` }, "↑"),
        el("button", { type: "button", class: "button small", dataset: { action: "remove" }, "aria-label": `Remove ${label} from the queue` }, "Remove"),
      );
    }),
  );
  upNext.replaceChildren(...items);
  if (left > coming.length) upNext.append(el("li", { class: "muted", text: `and ${left - coming.length} more` }));
}

function preloadNext() {
  player.preload(state.order[state.position + 1] ?? null);
}

async function playCurrent() {
  save();
  section.hidden = false;
  await player.play(state.order[state.position]);
  preloadNext();
}

async function step(delta) {
  if (!state.order.length) return;
  let next = state.position + delta;
  if (next >= state.order.length) {
    // Every video has played once: a new round, never opening with the one just seen.
    state.order = await buildOrder(state.order[state.position]);
    state.round += 1;
    next = 0;
  }
  state.position = Math.max(0, next);
  await playCurrent();
}

function sourceFromForm() {
  const kind = form.elements.source.value;
  const source = { kind };
  if (kind === "playlist") source.playlistId = Number(form.elements.playlist.value);
  if (kind === "genre") source.genre = form.elements.genre.value;
  if (kind === "decade") source.decade = Number(form.elements.decade.value);
  if (kind === "filter") source.rule = readRule(form.querySelector("fieldset[data-source=filter]"));
  return source;
}

async function start(source, { shuffle, favour }) {
  state = { source, shuffle, favour, order: [], position: 0, round: 1 };
  state.order = await buildOrder();
  if (!state.order.length) {
    formError(form, "Nothing to play: no video with a file matches.");
    return;
  }
  formError(form, "");
  await playCurrent();
}

function showSourceFields() {
  const kind = form.elements.source.value;
  for (const field of form.querySelectorAll("[data-source]")) field.hidden = field.dataset.source !== kind;
}
form.elements.source.addEventListener("change", showSourceFields);

const artistInput = form.elements.artist;
artistInput.addEventListener("input", async () => {
  const q = artistInput.value.trim();
  if (q.length < 2) return;
  const found = await api.get("/artists", { query: { q, page_size: 10 }, quiet: true }).catch(() => ({ items: [] }));
  document.getElementById("mvtv-artist-names").replaceChildren(...found.items.map((a) => el("option", { value: a.name })));
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const source = sourceFromForm();
  if (source.kind === "artist") {
    const q = artistInput.value.trim();
    const found = q ? await api.get("/artists", { query: { q, page_size: 1 } }) : { items: [] };
    if (!found.items.length) {
      formError(form, "No artist by that name.");
      return;
    }
    source.artistId = found.items[0].id;
  }
  await start(source, { shuffle: form.elements.shuffle.checked, favour: form.elements.favour.value });
});

// ------------------------------------------------------------------ the queue

upNext.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const index = Number(button.closest("li").dataset.index);
  const [videoId] = state.order.splice(index, 1);
  if (button.dataset.action === "now") {
    state.order.splice(state.position + 1, 0, videoId);
    await step(1);
    return;
  }
  if (button.dataset.action === "up") state.order.splice(Math.max(state.position + 1, index - 1), 0, videoId);
  save();
  preloadNext();
  await renderUpNext();
});

// ------------------------------------------------------------------ controls and keys

function cinema(on) {
  section.classList.toggle("cinematic", on);
  document.documentElement.classList.toggle("cinema-mode", on);
  section.querySelector('[data-command="cinema"]').setAttribute("aria-pressed", String(on));
  if (on) section.requestFullscreen?.().catch(() => {});
  else if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
}
document.addEventListener("fullscreenchange", () => {
  if (!document.fullscreenElement && section.classList.contains("cinematic")) cinema(false);
});

async function favourite() {
  const videoId = player.videoId;
  if (videoId === null) return;
  try {
    await api.put(`/favourites/${videoId}`, undefined);
    toast("Added to your favourites.", "success", 2500);
  } catch {
    // api.js has shown why
  }
}

const COMMANDS = {
  back: () => step(-1),
  skip: () => step(1),
  toggle: () => player.toggle(),
  cinema: () => cinema(!section.classList.contains("cinematic")),
  favourite,
};

section.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-command]");
  if (button) COMMANDS[button.dataset.command]();
});

document.addEventListener("keydown", (event) => {
  if (section.hidden || event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  const onControl = event.target.closest("button, a, summary") !== null;
  const keys = {
    " ": () => !onControl && player.toggle(),
    n: () => step(1),
    p: () => step(-1),
    c: () => COMMANDS.cinema(),
    l: favourite,
    m: () => {
      player.active.muted = !player.active.muted;
    },
    ArrowLeft: () => player.seekBy(-SEEK_S),
    ArrowRight: () => player.seekBy(SEEK_S),
    Escape: () => cinema(false),
  };
  const action = keys[event.key];
  if (!action) return;
  if (event.key === " " && onControl) return;
  event.preventDefault();
  action();
});

// ------------------------------------------------------------------ start-up

async function restore() {
  const params = new URLSearchParams(window.location.search);
  if (params.has("playlist") || params.has("artist_id") || params.has("genre") || params.has("decade")) {
    let source = { kind: "library" };
    if (params.has("playlist")) source = { kind: "playlist", playlistId: Number(params.get("playlist")) };
    else if (params.has("artist_id")) source = { kind: "artist", artistId: Number(params.get("artist_id")) };
    else if (params.has("genre")) source = { kind: "genre", genre: params.get("genre") };
    else if (params.has("decade")) source = { kind: "decade", decade: Number(params.get("decade")) };
    const shuffle = params.get("shuffle") === "true" || (params.get("shuffle") === null && source.kind !== "playlist");
    await start(source, { shuffle, favour: params.get("favour") || "" });
    return;
  }
  try {
    const saved = JSON.parse(window.localStorage.getItem(STORE) || "null");
    if (saved && Array.isArray(saved.order) && saved.order.length && saved.source) {
      state = saved;
      state.position = Math.min(Math.max(0, state.position), state.order.length - 1);
      await playCurrent();
    }
  } catch {
    window.localStorage.removeItem(STORE);
  }
}

showSourceFields();
restore();
