// Add an artist: look the name up with the providers, choose a candidate (shown with its picture),
// add it with its ids and follow the enrichment job live.
import { api } from "../api.js";
import { el, formError, toast } from "../components.js";
import { startShell } from "../shell.js";

const live = startShell();
const form = document.getElementById("lookup-form");
const status = document.getElementById("lookup-status");
const body = document.getElementById("candidates").tBodies[0];
const options = document.getElementById("add-options");
const jobLine = document.getElementById("add-job");
let candidates = [];
let followed = null;

const IDS = {
  musicbrainz: "musicbrainz_id", imvdb: "imvdb_slug", spotify: "spotify_id",
  audiodb: "audiodb_id", wikidata: "wikidata_id", youtube_channel: "youtube_channel_id",
};

function years(c) {
  if (!c.begin_year && !c.end_year) return "";
  return `${c.begin_year ?? "?"}–${c.end_year ?? ""}`;
}

// The page's CSP allows only our own images: provider pictures come through the image proxy.
function picture(url) {
  const img = el("img", {
    src: `/api/v1/providers/image?url=${encodeURIComponent(url)}`,
    alt: "", class: "provider-thumb", width: "48", height: "48", decoding: "async",
  });
  img.addEventListener("error", () => img.remove());
  return img;
}

function row(c, index) {
  const label = c.disambiguation ? `${c.name} (${c.disambiguation})` : c.name;
  const name = el("td");
  if (c.image) name.append(picture(c.image));
  name.append(el("strong", { text: c.name }));
  if (c.disambiguation) name.append(" ", el("span", { class: "muted", text: c.disambiguation }));
  const action = c.artist_id
    ? el("a", { class: "button small", href: `/artists/${c.artist_id}`, "aria-label": `${label} is in the library: open it` }, "In library")
    : el("button", { type: "button", class: "button small primary", "data-index": index, "aria-label": `Add ${label}` }, "Add");
  return el("tr", { "data-candidate": index },
    name,
    el("td", { text: c.country || "" }),
    el("td", { text: years(c) }),
    el("td", { text: c.video_count ?? "" }),
    el("td", { text: `${c.providers.join(", ")} · ${Math.round(c.confidence * 100)}%` }),
    el("td", { class: "actions-cell" }, action));
}

async function lookup(q) {
  formError(form, "");
  status.textContent = "Asking the providers…";
  const result = await api.get("/artists/lookup", { query: { q }, quiet: true });
  candidates = result.items;
  const failed = Object.entries(result.failed_providers).map(([name, why]) => `${name}: ${why}`);
  status.textContent = `${candidates.length} candidates.${failed.length ? ` Not answering: ${failed.join("; ")}.` : ""}`;
  body.replaceChildren(...(candidates.length
    ? candidates.map(row)
    : [el("tr", { class: "empty-row" }, el("td", { colspan: "6", class: "empty", text: "No artist found." }))]));
  window.history.replaceState(null, "", `/artists/add?q=${encodeURIComponent(q)}`);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = String(new FormData(form).get("q") || "").trim();
  if (!q) return;
  lookup(q).catch((error) => {
    status.textContent = "";
    formError(form, error.message);
  });
});

function showJob(job) {
  if (!followed || job.id !== followed.jobId) return;
  const pct = Math.round((job.progress || 0) * 100);
  jobLine.replaceChildren(
    `Enriching ${followed.name}: job ${job.id} ${job.status}${job.status === "running" ? `, ${pct}%` : ""}${job.message ? ` — ${job.message}` : ""}. `,
    el("a", { href: `/artists/${followed.artistId}` }, `Open ${followed.name}`),
  );
}
for (const type of ["job.created", "job.progress", "job.finished"]) live.on(type, (message) => showJob(message.data));
live.subscribe(["jobs"]);

body.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-index]");
  if (!button) return;
  const c = candidates[Number(button.dataset.index)];
  const choices = new FormData(options);
  const payload = {
    name: c.name,
    disambiguation: c.disambiguation || "",
    country: c.country,
    begin_year: c.begin_year,
    monitored: choices.get("monitored") === "on",
    auto_download: choices.get("auto_download") === "on",
  };
  for (const [key, field] of Object.entries(IDS)) if (c.ids[key]) payload[field] = c.ids[key];
  if (/^\d+$/.test(c.ids.imvdb || "")) {
    delete payload.imvdb_slug;
    payload.imvdb_id = Number(c.ids.imvdb);
  }
  button.disabled = true;
  try {
    const { data: artist, headers } = await api.post("/artists", payload, {
      query: { enrich: choices.get("enrich") === "on" ? "true" : "false" },
      withHeaders: true,
    });
    c.artist_id = artist.id;
    button.closest("tr").replaceWith(row(c, Number(button.dataset.index)));
    toast(`Added ${artist.name}.`, "success");
    const jobId = Number(headers.get("X-Job-Id") || 0);
    if (jobId) {
      followed = { jobId, artistId: artist.id, name: artist.name };
      showJob(await api.get(`/jobs/${jobId}`));
    } else {
      jobLine.replaceChildren(el("a", { href: `/artists/${artist.id}` }, `Open ${artist.name}`));
    }
  } catch {
    button.disabled = false; // the toast has said why
  }
});

if (form.elements.q.value.trim()) form.requestSubmit();
