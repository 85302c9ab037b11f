// One playlist: play it in order (the next video preloaded, so it follows at once), and for its
// owner reorder (drag a handle, or focus it and use the arrow keys), notes, removal, edit, delete.
import { api } from "../api.js";
import { confirmDialog, formError, toast } from "../components.js";
import { ContinuousPlayer } from "../continuous_player.js";
import { readRule, writeRule } from "../rule.js";
import { refreshRegions } from "../refresh.js";
import { startShell } from "../shell.js";

startShell();
const actions = document.getElementById("playlist-actions");
const playlistId = Number(actions.dataset.playlistId);
const editable = actions.dataset.editable === "true" && actions.dataset.smart === "false";
const list = document.getElementById("playlist-entries");
const base = `/playlists/${playlistId}`;

const rows = () => [...list.querySelectorAll("li[data-video-id]")];
const titleOf = (row) => row.querySelector(".entry-title").textContent;

function renumber() {
  rows().forEach((row, index) => {
    const handle = row.querySelector(".handle");
    if (handle) handle.setAttribute("aria-label", `Move ${titleOf(row)} (position ${index + 1}); use the arrow keys`);
  });
  const count = document.getElementById("playlist-count");
  if (count) count.textContent = String(rows().length);
}

// ------------------------------------------------------------------ playing

const section = document.getElementById("playlist-player");
const heading = section.querySelector(".now-playing");
let queue = [];
let position = -1;

const player = new ContinuousPlayer(document.getElementById("playlist-stage"), {
  resume: false,
  onEnded: () => advance(1),
  onChange: (videoId) => {
    for (const row of rows()) row.classList.toggle("playing", Number(row.dataset.videoId) === videoId);
    const row = rows().find((r) => Number(r.dataset.videoId) === videoId);
    heading.textContent = row ? `Now playing: ${titleOf(row)}` : "";
  },
});

async function loadQueue() {
  const { video_ids: ids } = await api.get(`${base}/video-ids`);
  queue = ids;
}

function playAt(index) {
  if (index < 0 || index >= queue.length) return;
  position = index;
  section.hidden = false;
  player.play(queue[index]);
  player.preload(queue[index + 1] ?? null);
}

function advance(step) {
  if (position + step >= queue.length) {
    heading.textContent = "The playlist has ended.";
    return;
  }
  playAt(Math.max(0, position + step));
}

document.getElementById("play-all").addEventListener("click", async () => {
  await loadQueue();
  playAt(0);
});
document.getElementById("play-next").addEventListener("click", () => advance(1));
document.getElementById("play-back").addEventListener("click", () => advance(-1));

// ------------------------------------------------------------------ editing

async function moveTo(row, target) {
  const all = rows();
  const from = all.indexOf(row);
  target = Math.max(0, Math.min(all.length - 1, target));
  if (target === from) return;
  const reference = target > from ? all[target].nextSibling : all[target];
  list.insertBefore(row, reference);
  renumber();
  row.querySelector(".handle")?.focus();
  try {
    await api.patch(`${base}/items/${row.dataset.itemId}`, { position: target }, { quiet: true });
    await syncQueue();
  } catch (error) {
    toast(`Could not move it: ${error.message}`, "error");
    await refreshRegions(["#playlist-entries"]); // back to the order the server has
    renumber();
  }
}

async function syncQueue() {
  if (position < 0) return;
  const current = queue[position];
  await loadQueue();
  position = queue.indexOf(current);
  player.preload(queue[position + 1] ?? null);
}

if (editable) {
  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("li");
    const index = rows().indexOf(row);
    if (button.dataset.action === "up") await moveTo(row, index - 1);
    else if (button.dataset.action === "down") await moveTo(row, index + 1);
    else if (button.dataset.action === "remove") {
      await api.delete(`${base}/items/${row.dataset.itemId}`);
      row.remove();
      renumber();
      toast(`Removed ${titleOf(row)}.`, "success");
      await syncQueue();
    }
  });

  list.addEventListener("keydown", (event) => {
    const handle = event.target.closest(".handle");
    if (!handle) return;
    const row = handle.closest("li");
    const index = rows().indexOf(row);
    const targets = { ArrowUp: index - 1, ArrowDown: index + 1, Home: 0, End: rows().length - 1 };
    if (!(event.key in targets)) return;
    event.preventDefault();
    moveTo(row, targets[event.key]);
  });

  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.itemId);
  });
  list.addEventListener("dragover", (event) => {
    if (dragged) event.preventDefault();
  });
  list.addEventListener("drop", (event) => {
    event.preventDefault();
    const over = event.target.closest("li");
    if (!dragged || !over || over === dragged) return;
    moveTo(dragged, rows().indexOf(over));
  });
  list.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
  });

  list.addEventListener("change", async (event) => {
    const input = event.target.closest(".entry-note");
    if (!input) return;
    const row = input.closest("li");
    await api.patch(`${base}/items/${row.dataset.itemId}`, { note: input.value.trim() || null });
    toast("Note saved.", "success", 2500);
  });
}

list.addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="play"]');
  if (!button) return;
  await loadQueue();
  playAt(queue.indexOf(Number(button.closest("li").dataset.videoId)));
});

// ------------------------------------------------------------------ the playlist itself

const dialog = document.getElementById("playlist-edit");
if (dialog) {
  const form = document.getElementById("playlist-edit-form");
  const ruleBox = form.querySelector(".rule-fields");
  if (ruleBox) writeRule(ruleBox, JSON.parse(actions.dataset.rule || "{}"));
  document.getElementById("playlist-edit-open").addEventListener("click", () => dialog.showModal());
  form.addEventListener("submit", async (event) => {
    if (event.submitter?.value !== "save") return;
    event.preventDefault();
    const body = {
      name: form.elements.name.value.trim(),
      description: form.elements.description.value.trim() || null,
      public: form.elements.public.checked,
    };
    if (ruleBox) body.rule = readRule(ruleBox);
    try {
      await api.patch(base, body, { quiet: true });
      // A rule may change the videos: the heading, line and entries come back from the server.
      await refreshRegions(["#playlist-name", ".subtitle", "#playlist-entries"]);
      document.title = `${body.name} · MVidarr`;
      document.getElementById("playlist-edit").close();
    } catch (error) {
      formError(form, error.message);
    }
  });
  document.getElementById("playlist-delete").addEventListener("click", async () => {
    if (!(await confirmDialog("Delete this playlist? The videos stay in the library.", { confirm: "Delete", danger: true }))) return;
    await api.delete(base);
    window.location.assign("/playlists");
  });
}
