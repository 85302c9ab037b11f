// Settings: root folders (add, remove) and the runtime settings form; secrets are write-only.
import { api } from "../api.js";
import { confirmDialog, formError, toast } from "../components.js";
import { startShell } from "../shell.js";

startShell();

const rootForm = document.getElementById("root-form");
rootForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  formError(rootForm, "");
  const data = new FormData(rootForm);
  const body = { path: String(data.get("path")).trim() };
  if (String(data.get("name")).trim()) body.name = String(data.get("name")).trim();
  try {
    await api.post("/root-folders", body, { quiet: true });
    window.location.reload();
  } catch (error) {
    formError(rootForm, error.message);
  }
});

document.getElementById("root-folders").addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="remove-root"]');
  if (!button) return;
  const sure = await confirmDialog(`Remove the root folder “${button.dataset.rootName}”? Its files stay on disk.`, {
    confirm: "Remove",
    danger: true,
  });
  if (!sure) return;
  try {
    await api.delete(`/root-folders/${button.dataset.rootId}`);
    window.location.reload();
  } catch {
    // the toast has said why
  }
});

const settingsForm = document.getElementById("settings-form");

function read(field) {
  const kind = field.dataset.kind;
  const input = field.querySelector(`[name="${field.dataset.key}"]`);
  if (kind === "boolean") return input.checked;
  const text = input.value.trim();
  if (kind === "secret") {
    const clear = field.querySelector('input[name="clear"]');
    if (clear && clear.checked) return null;
    return text || undefined; // blank keeps the saved secret
  }
  if (text === "") return field.dataset.nullable === "true" ? null : undefined;
  return kind === "integer" ? Number(text) : text;
}

if (settingsForm) {
  const fields = [...settingsForm.querySelectorAll(".field[data-key]")];
  const initial = new Map(fields.map((field) => [field.dataset.key, JSON.stringify(read(field))]));
  settingsForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(settingsForm, "");
    const changes = {};
    for (const field of fields) {
      const value = read(field);
      if (value === undefined) continue;
      if (field.dataset.kind === "secret" || JSON.stringify(value) !== initial.get(field.dataset.key)) {
        changes[field.dataset.key] = value;
      }
    }
    if (Object.keys(changes).length === 0) {
      toast("Nothing changed.");
      return;
    }
    try {
      await api.patch("/settings", changes, { quiet: true });
      toast("Settings saved.", "success");
      window.setTimeout(() => window.location.reload(), 600);
    } catch (error) {
      formError(settingsForm, error.message);
    }
  });
}
