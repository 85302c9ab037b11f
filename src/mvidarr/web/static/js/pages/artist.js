// Artist detail: its videos are a server-rendered, paginated table; monitoring toggles and the
// quality profile save as soon as they change.
import { api } from "../api.js";
import { el, formError, toast } from "../components.js";
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
    } catch (error) {
      formError(add, error.message);
    }
  });
}
