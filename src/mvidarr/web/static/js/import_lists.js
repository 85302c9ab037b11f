// Settings → Import lists: add a list (the fields its source needs), change its interval or switch it
// off, preview what a sync would add, sync now, delete. The table is rendered by the server and read
// again after each change (refreshRegions), so its listeners are delegated from the table.
import { api } from "./api.js";
import { confirmDialog, el, formError, toast } from "./components.js";
import { refreshRegions } from "./refresh.js";

const ACTIONS = { add: "added", existing: "already in the library" };

export function setupImportLists() {
  const table = document.getElementById("import-lists");
  const form = document.getElementById("import-list-form");
  if (!table || !form) return;
  const refresh = () => refreshRegions(["#import-lists tbody"]);
  const preview = document.getElementById("import-preview");

  const showSource = () => {
    for (const field of form.querySelectorAll("[data-source]")) {
      const shown = field.dataset.source === form.elements.source.value;
      field.hidden = !shown;
      field.querySelector("input").required = shown;
    }
  };
  form.elements.source.addEventListener("change", showSource);
  showSource();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, "");
    const data = new FormData(form);
    const body = {
      name: String(data.get("name")).trim(),
      source: String(data.get("source")),
      sync_interval_hours: Number(data.get("sync_interval_hours")),
      limit: Number(data.get("limit")),
    };
    for (const field of form.querySelectorAll("[data-source]:not([hidden]) input")) body[field.name] = field.value.trim();
    try {
      const saved = await api.post("/import/lists", body, { quiet: true });
      form.reset();
      showSource();
      toast(`Added the import list “${saved.name}”.`, "success");
      await refresh();
    } catch (error) {
      formError(form, error.message);
    }
  });

  table.addEventListener("change", async (event) => {
    const input = event.target.closest("input[data-field]");
    if (!input) return;
    const id = input.closest("tr").dataset.listId;
    const field = input.dataset.field;
    const value = field === "enabled" ? input.checked : Number(input.value);
    try {
      await api.patch(`/import/lists/${id}`, { [field]: value });
      toast("Saved.", "success");
    } catch {
      await refresh();
    }
  });

  table.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("tr");
    const id = row.dataset.listId;
    const { action } = button.dataset;
    if (action === "delete") {
      const sure = await confirmDialog(`Delete the import list “${button.dataset.name}”? The artists it added stay.`, { confirm: "Delete", danger: true });
      if (!sure) return;
      try {
        await api.delete(`/import/lists/${id}`);
        toast("Import list deleted.", "success");
        await refresh();
      } catch {
        // the toast has said why
      }
      return;
    }
    button.disabled = true;
    try {
      const result = await api.post(`/import/lists/${id}/sync`, { dry_run: action === "preview" });
      if (action === "preview") {
        const adding = result.artists.filter((a) => a.action === "add").length;
        document.getElementById("import-preview-summary").textContent =
          `${result.artists.length} artists listed: ${adding} would be added, ${result.artists.length - adding} are already in the library.`;
        preview.querySelector("tbody").replaceChildren(...result.artists.map((a) =>
          el("tr", {}, el("td", { text: a.name }), el("td", { text: ACTIONS[a.action] || a.action }))));
        preview.hidden = false;
        document.getElementById("import-preview-title").focus();
      } else {
        toast(`Synced: ${result.added} added, ${result.existing} already in the library.`, "success");
        await refresh();
      }
    } catch {
      // the toast has said why
    } finally {
      button.disabled = false;
    }
  });
}
