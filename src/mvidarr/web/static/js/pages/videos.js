// Videos: the list is server-rendered (filters, sort and pages are links and GET forms); this adds the
// selection (rows of this page, or every video matching the filters, which the server finds itself:
// the browser never holds thousands of ids) and bulk actions on it: edit, enrich, download, organise
// and delete to the trash. After an action the table is fetched again, and again when its job ends.
import { api } from "../api.js";
import { confirmDialog, el, formError, toast } from "../components.js";
import { addToPlaylist } from "../playlist_picker.js";
import { selection } from "../select.js";
import { startShell } from "../shell.js";

const live = startShell();

// Add a video from a URL: the server reads the source's title when artist and title are left empty,
// queues the download and answers with the video; the problem's text shows under the form.
const addForm = document.getElementById("add-from-url");
if (addForm) {
  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(addForm, "");
    const data = new FormData(addForm);
    const body = { source_url: String(data.get("source_url")).trim(), download: true };
    for (const name of ["artist_name", "title"]) {
      const value = String(data.get(name) || "").trim();
      if (value) body[name] = value;
    }
    const button = addForm.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const added = await api.post("/videos", body, { quiet: true });
      const video = added.video;
      toast(`Added ${video.artist.name} – ${video.title}; downloading.`, "success", 8000, {
        href: `/videos/${video.id}`,
        text: "Open it",
      });
      addForm.reset();
    } catch (error) {
      formError(addForm, error.message);
    } finally {
      button.disabled = false;
    }
  });
}
const form = document.getElementById("video-bulk");
const list = document.getElementById("video-list");
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

// Grid view: a thumbnail that cannot load (no frame was grabbed) becomes the letter placeholder.
function watchPosters() {
  for (const img of list ? list.querySelectorAll("img.poster") : []) {
    const fallback = () => {
      const letter = document.createElement("span");
      letter.className = "poster placeholder";
      letter.setAttribute("aria-hidden", "true");
      letter.textContent = img.dataset.fallback || "";
      img.replaceWith(letter);
    };
    if (img.complete && img.naturalWidth === 0) fallback();
    else img.addEventListener("error", fallback, { once: true });
  }
}
watchPosters();

const videos = (n) => `${n} video${n === 1 ? "" : "s"}`;
const genres = (text) => text.split(",").map((name) => name.trim()).filter(Boolean);

function changesIn(editForm) {
  const fields = editForm.elements;
  const set = {};
  if (fields.status.value) set.status = fields.status.value;
  if (fields.kind.value) set.kind = fields.kind.value;
  if (fields.monitored.value) set.monitored = fields.monitored.value === "true";
  const add = genres(fields.genres_add.value);
  const remove = genres(fields.genres_remove.value);
  if (add.length) set.genres_add = add;
  if (remove.length) set.genres_remove = remove;
  return set;
}

/** The edit dialog: resolves to the fields to set, or null when cancelled. */
function askChanges(count) {
  const dialog = document.getElementById("bulk-edit");
  const editForm = document.getElementById("bulk-edit-form");
  editForm.reset();
  formError(editForm, "");
  dialog.querySelector(".edit-count").textContent = videos(count);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "apply" ? changesIn(editForm) : null), {
      once: true,
    });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

function watchEditForm() {
  const editForm = document.getElementById("bulk-edit-form");
  editForm.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.value === "apply" && !Object.keys(changesIn(editForm)).length) {
      event.preventDefault();
      formError(editForm, "Choose at least one change.");
    }
  });
}

// Each action takes the selection ({ ids } or { filter }) and its size; answers { message, job } or
// null when the user thought better of it. Each API names its selection fields its own way.
const ACTIONS = {
  playlist: addToPlaylist,
  async edit(chosen, count) {
    const set = await askChanges(count);
    if (!set) return null;
    const result = await api.patch("/videos", { ...chosen, set });
    if (result.job) return { message: `Editing ${videos(result.matched)}.`, job: result.job };
    return { message: `Changed ${videos(result.updated)}.` };
  },
  async enrich(chosen, count) {
    const job = await api.post("/metadata/enrich", chosen.filter ? { filter: chosen.filter } : { video_ids: chosen.ids });
    return { message: `Enrichment of ${videos(count)} queued.`, job };
  },
  async download(chosen, count) {
    const job = await api.post("/videos/download", chosen.filter ? { selection: chosen.filter } : { video_ids: chosen.ids });
    return { message: `Downloads of ${videos(count)} queued.`, job };
  },
  async organise(chosen, count) {
    const job = await api.post("/library/organize", chosen.filter ? { filter: chosen.filter } : { video_ids: chosen.ids });
    return { message: `Organising the files of ${videos(count)}.`, job };
  },
  async delete(chosen, count) {
    const sure = await confirmDialog(
      `Delete ${videos(count)}? Their files go to the trash, where they can be restored until it is purged.`,
      { confirm: "Delete", danger: true },
    );
    if (!sure) return null;
    const result = await api.post("/videos/delete", { ...chosen, delete_files: true });
    if (result.job) return { message: `Deleting ${videos(result.matched)}.`, job: result.job };
    const files = `${result.files} file${result.files === 1 ? "" : "s"}`;
    return { message: `Deleted ${videos(result.deleted)}; ${files} moved to the trash.` };
  },
};

function bulkActions() {
  const apply = form.querySelector("button[type=submit]");
  const count = document.getElementById("selected-count");
  const selectAll = document.getElementById("select-all");
  const matchAll = document.getElementById("select-matching");
  const clearAll = document.getElementById("select-clear");
  const filter = JSON.parse(form.dataset.filter || "{}");
  let total = Number(form.dataset.total) || 0;
  let everything = false; // every video matching the filter, on every page

  const show = (ids) => {
    const onPage = list.querySelectorAll('input[name="selected"]').length;
    if (everything && ids.length < onPage) everything = false; // a row was unticked
    if (everything) count.textContent = `All ${videos(total)} matching this filter selected`;
    matchAll.hidden = everything || ids.length === 0 || ids.length < onPage || total <= onPage;
    clearAll.hidden = !everything;
    apply.disabled = ids.length === 0;
  };
  const chosen = selection(list, { selectAll, count, onChange: show });
  const size = () => (everything ? total : chosen.ids().length);

  matchAll.addEventListener("click", () => {
    everything = true;
    show(chosen.ids());
    clearAll.focus(); // the button pressed is hidden now
  });
  clearAll.addEventListener("click", () => {
    everything = false;
    chosen.clear();
    selectAll.focus();
  });

  async function refresh() {
    const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const freshList = fresh.getElementById("video-list");
    const page = new URL(window.location.href);
    if ((!freshList || !freshList.querySelector("[data-video-id]")) && Number(page.searchParams.get("page")) > 1) {
      page.searchParams.delete("page"); // this page emptied: back to the first one
      window.location.assign(page.toString());
      return;
    }
    // Table rows or grid cards alike: the list's content is replaced, the element (and its listeners) kept.
    if (freshList) list.replaceChildren(...[...freshList.childNodes].map((node) => document.adoptNode(node)));
    watchPosters();
    const heading = document.getElementById("video-total");
    const freshHeading = fresh.getElementById("video-total");
    if (heading && freshHeading) heading.textContent = freshHeading.textContent;
    const pager = document.querySelector("nav.pager");
    const freshPager = fresh.querySelector("nav.pager");
    if (pager && freshPager) {
      // The page-size form keeps its listener: only the links and the counts are replaced.
      const sizes = pager.querySelector("form.page-size");
      freshPager.querySelector("form.page-size")?.remove();
      pager.replaceChildren(...[...freshPager.childNodes].map((node) => document.adoptNode(node)), ...(sizes ? [sizes] : []));
    }
    const freshForm = fresh.getElementById("video-bulk");
    total = freshForm ? Number(freshForm.dataset.total) || 0 : 0;
    form.querySelector(".matching-total").textContent = String(total);
    everything = false;
    chosen.clear();
  }

  const watching = new Set();
  const finished = (job) => {
    if (!job || !TERMINAL.has(job.status) || !watching.delete(job.id)) return;
    toast(`Job ${job.id} (${job.type}) ${job.status}.`, job.status === "succeeded" ? "success" : "error");
    if (size() === 0) refresh(); // a selection in progress is left alone
  };
  live.on("job.finished", (message) => finished(message.data));
  live.on("snapshot", (message) => finished(message.data && message.data.job));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const count = size();
    if (!count) return;
    const action = ACTIONS[form.elements.action.value];
    apply.disabled = true;
    try {
      const outcome = await action(everything ? { filter } : { ids: chosen.ids() }, count);
      if (!outcome) return;
      const { message, job, link } = outcome;
      toast(message, "success", 8000, job ? { href: "/activity#queue-title", text: `Job ${job.id} in Activity` } : link || null);
      if (job && !TERMINAL.has(job.status)) {
        watching.add(job.id);
        live.subscribe([`job:${job.id}`]);
      }
      await refresh();
    } catch {
      // api.js has shown the problem; the selection stays for another try
    } finally {
      apply.disabled = size() === 0;
    }
  });
}

if (form && list) {
  watchEditForm();
  bulkActions();
}

// Facets: how many videos each value would show, counted by the server for the shown filters (each
// facet under the other filters only); a value is a link to the list narrowed to it.
const FACETS = [
  ["status", "Status"],
  ["kind", "Kind"],
  ["decade", "Decade"],
  ["genre", "Genre"],
  ["quality_label", "Quality"],
  ["has_file", "File"],
];

function facetQuery(filter) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  }
  return params;
}

function facetLink(name, value) {
  const url = new URL(window.location.href);
  url.searchParams.delete("page");
  const params = url.searchParams;
  let chosen;
  if (name === "decade") {
    chosen = params.get("year_min") === String(value) && params.get("year_max") === String(value + 9);
    if (chosen) {
      params.delete("year_min");
      params.delete("year_max");
    } else {
      params.set("year_min", String(value));
      params.set("year_max", String(value + 9));
    }
  } else {
    chosen = params.getAll(name).includes(String(value));
    if (chosen) params.delete(name);
    else params.set(name, String(value));
  }
  return { href: `${url.pathname}?${params}`, chosen };
}

function facetLabel(name, value) {
  if (name === "decade") return `${value}s`;
  if (name === "has_file") return value ? "has a file" : "no file";
  return String(value);
}

async function showFacets() {
  const box = document.getElementById("facets");
  if (!box) return;
  const filter = JSON.parse(box.dataset.filter || "{}");
  try {
    const facets = await api.get(`/videos/facets?${facetQuery(filter)}`, { quiet: true });
    const groups = FACETS.filter(([name]) => facets[name].length).map(([name, title]) =>
      el("div", { class: "facet", "data-facet": name },
        el("h3", { text: title }),
        el("ul", {}, ...facets[name].map((entry) => {
          const { href, chosen } = facetLink(name, entry.value);
          return el("li", {},
            el("a", { href, "aria-current": chosen ? "true" : null, title: chosen ? "Remove this filter" : null },
              facetLabel(name, entry.value), " ", el("span", { class: "count", text: `(${entry.count})` })));
        }))));
    box.replaceChildren(...(groups.length ? groups : [el("p", { class: "muted", text: "No videos to count." })]));
  } catch (error) {
    box.replaceChildren(el("p", { class: "form-error", text: `Counts are unavailable: ${error.message}` }));
  }
}

// Saved searches: the user's own, as links to the list they show; this list's filters and sort can be
// saved under a name.
async function showSavedSearches() {
  const list = document.getElementById("saved-searches");
  if (!list) return;
  try {
    const saved = await api.get("/saved-searches", { query: { page_size: 100 }, quiet: true });
    list.replaceChildren(
      ...(saved.items.length ? saved.items.map((search) => {
        const remove = el("button", { type: "button", class: "button small link", "aria-label": `Delete the saved search ${search.name}`, text: "Delete" });
        remove.addEventListener("click", async () => {
          if (!(await confirmDialog(`Delete the saved search “${search.name}”?`))) return;
          try {
            await api.delete(`/saved-searches/${search.id}`);
            toast("Saved search deleted.");
            showSavedSearches();
          } catch {
            // the toast has said why
          }
        });
        return el("li", { "data-saved-id": search.id }, el("a", { href: search.url, text: search.name }), " ", remove);
      }) : [el("li", { class: "muted", text: "None yet." })]),
    );
  } catch (error) {
    list.replaceChildren(el("li", { class: "form-error", text: `Saved searches are unavailable: ${error.message}` }));
  }
}

const saveForm = document.getElementById("save-search");
if (saveForm) {
  saveForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = saveForm.elements.name.value.trim();
    if (!name) return;
    const body = { name, filter: JSON.parse(saveForm.dataset.filter || "{}") };
    if (saveForm.dataset.sort) body.sort = saveForm.dataset.sort;
    try {
      await api.post("/saved-searches", body);
      toast(`Saved “${name}”.`);
      saveForm.reset();
      showSavedSearches();
    } catch {
      // the toast has said why (a name already used, say)
    }
  });
}

showFacets();
showSavedSearches();
