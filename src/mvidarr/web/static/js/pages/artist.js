// Artist detail: its videos are a server-rendered, paginated table; monitoring toggles and the
// quality profile save as soon as they change.
import { api } from "../api.js";
import { confirmDialog, el, formError, toast } from "../components.js";
import { refreshRegions } from "../refresh.js";
import { startShell } from "../shell.js";

const live = startShell();

const form = document.getElementById("artist-settings");
if (form) {
  form.addEventListener("change", async (event) => {
    const input = event.target;
    const value = input.type === "checkbox" ? input.checked : input.value === "" ? null : Number(input.value);
    try {
      await api.patch(`/artists/${form.dataset.artistId}`, { [input.name]: value });
      toast("Saved.", "success");
    } catch {
      if (input.type === "checkbox") input.checked = !input.checked;
    }
  });
}

// Discover and enrich with live job progress, the discovery preview, filters and adding a video.
const panel = document.getElementById("artist-actions");
if (panel) {
  const id = panel.dataset.artistId;
  const line = document.getElementById("artist-job");
  const followed = new Map();
  const show = (job) => {
    const what = followed.get(job.id);
    if (!what) return;
    const pct = Math.round((job.progress || 0) * 100);
    line.textContent = `${what}: job ${job.id} ${job.status}${job.status === "running" ? `, ${pct}%` : ""}${job.message ? ` — ${job.message}` : ""}.`;
  };
  for (const type of ["job.created", "job.progress", "job.finished"]) live.on(type, (message) => show(message.data));
  live.subscribe(["jobs"]);
  const follow = (job, what) => {
    followed.set(job.id, what);
    show(job);
  };
  const preview = document.getElementById("discover-preview");
  const run = {
    discover: async () => follow(await api.post(`/artists/${id}/discover`), "Discovery"),
    enrich: async () => follow(await api.post(`/artists/${id}/enrich`), "Enrichment"),
    preview: async () => {
      line.textContent = "Asking the providers…";
      const result = await api.get(`/artists/${id}/discover/preview`);
      const errors = Object.entries(result.source_errors).map(([name, why]) => `${name}: ${why}`);
      line.textContent = `Asked ${result.sources_asked.join(", ") || "no provider"}; ${result.items.length} videos.${errors.length ? ` Failed: ${errors.join("; ")}` : ""}`;
      preview.querySelector("tbody").replaceChildren(
        ...result.items.map((item) => el("tr", { "data-action": item.action },
          el("td", { text: item.version ? `${item.title} (${item.version})` : item.title }),
          el("td", { text: item.kind }),
          el("td", { text: item.year ?? "" }),
          el("td", {}, el("span", { class: `badge badge-${item.action === "add" ? "wanted" : item.action}`, text: item.action })),
          el("td", { text: item.reason || "" }),
          el("td", { text: item.sources.join(", ") }))),
      );
      preview.hidden = false;
    },
  };
  panel.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    button.disabled = true;
    try {
      await run[button.dataset.action]();
    } catch {
      line.textContent = "";
    } finally {
      button.disabled = false;
    }
  });

  const words = (text) => text.split(",").map((w) => w.trim()).filter(Boolean);
  const filters = document.getElementById("discovery-filters");
  filters.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(filters);
    const kinds = data.getAll("allowed_kinds").map(String);
    const year = String(data.get("min_year") || "");
    const duration = String(data.get("min_duration_s") || "");
    try {
      await api.patch(`/artists/${id}`, {
        include_words: words(String(data.get("include_words") || "")),
        exclude_words: words(String(data.get("exclude_words") || "")),
        min_year: year ? Number(year) : null,
        min_duration_s: duration ? Number(duration) : null,
        allowed_kinds: kinds.length ? kinds : null,
      }, { quiet: true });
      formError(filters, "");
      toast("Filters saved.", "success");
    } catch (error) {
      formError(filters, error.message);
    }
  });

  const add = document.getElementById("add-video");
  add.addEventListener("submit", async (event) => {
    event.preventDefault();
    const year = add.elements.year.value;
    try {
      const video = await api.post("/videos", {
        artist_id: Number(id), title: add.elements.title.value.trim(), kind: add.elements.kind.value,
        year: year ? Number(year) : null, status: "wanted",
      }, { quiet: true });
      formError(add, "");
      toast(`Added “${video.title}” as wanted.`, "success");
      add.reset();
      // The new video shows in the artist's list at once (the server renders the list).
      await refreshRegions(["#artist-videos tbody", "#artist-video-count", "#artist-years"]);
      const manage = document.getElementById("artist-manage");
      if (manage) manage.dataset.videoCount = String(Number(manage.dataset.videoCount) + 1);
    } catch (error) {
      formError(add, error.message);
    }
  });
}

// Edit (in place), merge into another artist, delete with its videos (files to the trash).
const manage = document.getElementById("artist-manage");
if (manage) {
  const id = manage.dataset.artistId;
  const editForm = document.getElementById("artist-edit");
  editForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(editForm, "");
    const data = new FormData(editForm);
    const text = (name) => String(data.get(name) || "").trim();
    const body = { name: text("name"), disambiguation: text("disambiguation") };
    if (text("sort_name")) body.sort_name = text("sort_name");
    body.country = text("country") ? text("country").toUpperCase() : null;
    body.begin_year = text("begin_year") ? Number(text("begin_year")) : null;
    try {
      const artist = await api.patch(`/artists/${id}`, body, { quiet: true });
      const heading = document.querySelector("h1");
      heading.replaceChildren(artist.name);
      if (artist.disambiguation) heading.append(" ", el("span", { class: "muted", text: `(${artist.disambiguation})` }));
      const crumb = document.querySelector('.crumbs [aria-current="page"]');
      if (crumb) crumb.textContent = artist.name;
      document.title = document.title.replace(manage.dataset.artistName, artist.name);
      manage.dataset.artistName = artist.name;
      editForm.elements.sort_name.value = artist.sort_name;
      toast(`Saved ${artist.name}.`, "success");
    } catch (error) {
      formError(editForm, error.message);
    }
  });

  const mergeForm = document.getElementById("artist-merge");
  const query = document.getElementById("merge-query");
  const target = document.getElementById("merge-target");
  let searchTimer = null;
  query.addEventListener("input", () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(async () => {
      const q = query.value.trim();
      if (!q) return;
      try {
        const page = await api.get("/artists", { query: { q, page_size: 20 }, quiet: true });
        const others = page.items.filter((a) => String(a.id) !== id);
        target.replaceChildren(
          ...(others.length
            ? others.map((a) => el("option", { value: a.id, text: `${a.name}${a.disambiguation ? ` (${a.disambiguation})` : ""} · ${a.video_count} videos` }))
            : [el("option", { value: "", text: "No other artist matches" })]),
        );
      } catch (error) {
        formError(mergeForm, error.message);
      }
    }, 250);
  });
  mergeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(mergeForm, "");
    if (!target.value) {
      formError(mergeForm, "Choose the artist to keep.");
      return;
    }
    const keep = target.selectedOptions[0].textContent.split(" · ")[0];
    const sure = await confirmDialog(`Merge ${manage.dataset.artistName} into ${keep}? Its ${manage.dataset.videoCount} videos move there and ${manage.dataset.artistName} is deleted.`, { confirm: "Merge", danger: true });
    if (!sure) return;
    try {
      const merged = await api.post(`/artists/${id}/merge`, { into_artist_id: Number(target.value) }, { quiet: true });
      toast(`Merged: ${merged.videos_moved} videos moved to ${merged.artist.name}.`, "success");
      // This artist no longer exists: its page is gone, the kept artist's page is where the videos are.
      window.location.assign(`/artists/${merged.artist.id}`);
    } catch (error) {
      formError(mergeForm, error.message);
    }
  });

  document.getElementById("artist-delete").addEventListener("click", async () => {
    const count = Number(manage.dataset.videoCount);
    const name = manage.dataset.artistName;
    const message = count
      ? `Delete ${name} and its ${count} videos? Their files go to the trash, restorable from Trash until it is emptied.`
      : `Delete ${name}?`;
    if (!(await confirmDialog(message, { confirm: "Delete", danger: true }))) return;
    try {
      await api.delete(`/artists/${id}`, { query: count ? { delete_videos: true, delete_files: true } : {} });
      window.location.assign("/artists?deleted=" + encodeURIComponent(name));
    } catch {
      // the toast has said why
    }
  });
}
