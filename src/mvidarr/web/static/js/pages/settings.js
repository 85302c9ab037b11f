// Settings: root folders (add, remove, scan with live progress), schedules, users, everyone's API
// keys and the runtime settings form; secrets are write-only.
import { api } from "../api.js";
import { confirmDialog, formError, toast } from "../components.js";
import { liveJobs } from "../jobs.js";
import { startShell } from "../shell.js";

const live = startShell();
liveJobs(live, document.getElementById("job-queue"));

async function scan(rootId) {
  const job = await api.post("/library/scan", rootId ? { root_folder_id: Number(rootId) } : {});
  toast(`Scan started (job ${job.id}).`);
}

document.getElementById("scan-all").addEventListener("click", () => scan(null).catch(() => {}));

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
  const scanButton = event.target.closest('button[data-action="scan-root"]');
  if (scanButton) {
    scan(scanButton.dataset.rootId).catch(() => {});
    return;
  }
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

// ----------------------------------------------------------------- admins: schedules, users, keys

const schedules = document.getElementById("schedules");
if (schedules) {
  schedules.addEventListener("change", async (event) => {
    const input = event.target.closest("input[data-action]");
    if (!input) return;
    const id = input.dataset.scheduleId;
    const body = input.dataset.action === "enable" ? { enabled: input.checked } : { interval_s: Number(input.value) * 60 };
    try {
      await api.patch(`/schedules/${id}`, body);
      toast("Schedule saved.", "success");
    } catch {
      if (input.type === "checkbox") input.checked = !input.checked;
    }
  });
  schedules.addEventListener("click", async (event) => {
    const button = event.target.closest('button[data-action="run"]');
    if (!button) return;
    button.disabled = true;
    try {
      const job = await api.post(`/schedules/${button.dataset.scheduleId}/run`);
      toast(`Started job ${job.id}.`, "success");
    } finally {
      button.disabled = false;
    }
  });
}

const users = document.getElementById("users");
if (users) {
  users.addEventListener("change", async (event) => {
    const select = event.target.closest('select[data-action="role"]');
    if (!select) return;
    try {
      await api.patch(`/users/${select.dataset.userId}`, { role: select.value });
      toast("Role changed.", "success");
    } catch {
      window.location.reload();
    }
  });
  users.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const { action, userId } = button.dataset;
    if (action === "deactivate") {
      const sure = await confirmDialog("Deactivate this user? Their sessions and API keys end now.", { confirm: "Deactivate", danger: true });
      if (!sure) return;
    }
    const path = { deactivate: "deactivate", reactivate: "reactivate", unlock: "unlock", "totp-reset": "totp/reset" }[action];
    try {
      await api.post(`/users/${userId}/${path}`);
      window.location.reload();
    } catch {
      // the toast has said why
    }
  });
  const userForm = document.getElementById("user-form");
  userForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(userForm, "");
    const data = new FormData(userForm);
    try {
      await api.post("/users", { username: String(data.get("username")).trim(), password: data.get("password"), role: data.get("role") }, { quiet: true });
      window.location.reload();
    } catch (error) {
      formError(userForm, error.message);
    }
  });
}

const allKeys = document.getElementById("all-keys");
if (allKeys) {
  allKeys.addEventListener("click", async (event) => {
    const button = event.target.closest('button[data-action="revoke-key"]');
    if (!button) return;
    if (!(await confirmDialog("Revoke this API key? Programs using it stop working.", { confirm: "Revoke", danger: true }))) return;
    await api.delete(`/api-keys/${button.dataset.keyId}`);
    button.closest("tr").remove();
  });
}
