// Settings: root folders (add, remove, scan with live progress), schedules, users, everyone's API
// keys and the runtime settings form; secrets are write-only.
import { api, csrfToken } from "../api.js";
import { choiceDialog, confirmDialog, el, formError, toast } from "../components.js";
import { setupImportLists } from "../import_lists.js";
import { liveJobs } from "../jobs.js";
import { buildStructured, clearErrors, showErrors } from "../setting_editors.js";
import { startShell } from "../shell.js";
import { refreshRegions } from "../refresh.js";

const live = startShell();
// Library & naming: root folders (add, remove, scan with live progress).
const rootForm = document.getElementById("root-form");
if (rootForm) {
  liveJobs(live, document.getElementById("job-queue"));

  async function scan(rootId) {
    const job = await api.post("/library/scan", rootId ? { root_folder_id: Number(rootId) } : {});
    toast(`Scan started (job ${job.id}).`);
  }

  document.getElementById("scan-all").addEventListener("click", () => scan(null).catch(() => {}));

  rootForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(rootForm, "");
    const data = new FormData(rootForm);
    const body = { path: String(data.get("path")).trim() };
    if (String(data.get("name")).trim()) body.name = String(data.get("name")).trim();
    try {
      const root = await api.post("/root-folders", body, { quiet: true });
      rootForm.reset();
      await refreshRegions(["#root-folders tbody"]);
      document.getElementById("scan-all").disabled = false;
      toast(`Added the root folder “${root.name}”.`, "success");
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
    const row = button.closest("tr");
    const files = Number(row.dataset.fileCount || 0);
    const name = button.dataset.rootName;
    let videos = null;
    if (files) {
      // Its known files are forgotten with it: the user says what happens to their videos.
      videos = await choiceDialog(
        `Remove the root folder “${name}”? MVidarr knows ${files} files in it. Files on disk are never touched; what should happen to their videos?`,
        [
          { value: "keep", label: "Keep the videos, as missing" },
          { value: "remove", label: "Remove the videos from the library", danger: true },
        ],
      );
      if (!videos) return;
    } else if (!(await confirmDialog(`Remove the root folder “${name}”?`, { confirm: "Remove", danger: true }))) {
      return;
    }
    try {
      const removed = await api.delete(`/root-folders/${button.dataset.rootId}`, { query: videos ? { videos } : {} });
      row.remove();
      const parts = [`Root folder “${name}” removed`];
      if (removed.videos_missing) parts.push(`${removed.videos_missing} videos are now missing`);
      if (removed.videos_removed) parts.push(`${removed.videos_removed} videos removed from the library`);
      toast(`${parts.join("; ")}.`, "success");
    } catch {
      // the toast has said why
    }
  });
}

const readers = new Map();
for (const fieldset of document.querySelectorAll(".field[data-key] fieldset.structured")) {
  readers.set(fieldset.closest(".field").dataset.key, buildStructured(fieldset));
}

function read(field) {
  const kind = field.dataset.kind;
  const structured = readers.get(field.dataset.key);
  if (structured) return structured();
  const input = field.querySelector(`[name="${field.dataset.key}"]`);
  if (kind === "boolean") return input.checked;
  const text = input.value.trim();
  if (kind === "secret") {
    const clear = field.querySelector('input[name="clear"]');
    if (clear && clear.checked) return null;
    return text || undefined; // blank keeps the saved secret
  }
  if (text === "") return field.dataset.nullable === "true" ? null : undefined;
  return kind === "integer" || kind === "number" ? Number(text) : text;
}

// The browser's own checks (numbers in range) first, shown at the field like the server's.
function checkLocally(form) {
  const errors = [];
  for (const field of form.querySelectorAll(".field[data-key]")) {
    for (const input of field.querySelectorAll("input")) {
      if (!input.checkValidity()) errors.push({ loc: ["body", field.dataset.key], msg: input.validationMessage });
    }
  }
  return errors;
}

// A secret's badge, placeholder and "remove" box follow what the server says is saved.
function showSecret(field, isSet) {
  const badge = field.querySelector(".secret-state");
  badge.textContent = isSet ? "set" : "not set";
  badge.dataset.set = String(isSet);
  const input = field.querySelector(`[name="${field.dataset.key}"]`);
  input.value = "";
  input.placeholder = isSet ? "Saved; type to replace" : "Not set";
  const clear = field.querySelector(".secret-clear");
  clear.hidden = !isSet;
  clear.querySelector("input").checked = false;
}

// Every runtime-settings form (the section's options, each provider) sends only what changed and
// stays on the page: errors at their fields, secrets' state from the answer.
for (const settingsForm of document.querySelectorAll("form.settings-form")) {
  settingsForm.noValidate = true;
  const fields = [...settingsForm.querySelectorAll(".field[data-key]")];
  const initial = new Map(fields.map((field) => [field.dataset.key, JSON.stringify(read(field) ?? null)]));
  settingsForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(settingsForm, "");
    clearErrors(settingsForm);
    const local = checkLocally(settingsForm);
    if (local.length) {
      showErrors(settingsForm, local);
      formError(settingsForm, "Some values need fixing; see the fields marked.");
      return;
    }
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
    const button = settingsForm.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const saved = await api.patch("/settings", changes, { quiet: true });
      const byKey = new Map(saved.map((s) => [s.key, s]));
      for (const field of fields) {
        const setting = byKey.get(field.dataset.key);
        if (!setting) continue;
        if (setting.secret) showSecret(field, setting.is_set);
        else initial.set(field.dataset.key, JSON.stringify(read(field) ?? null));
      }
      toast("Settings saved.", "success");
    } catch (error) {
      const left = showErrors(settingsForm, error.problem?.errors);
      formError(settingsForm, left.length || !error.problem?.errors ? error.message : "Not saved; see the fields marked.");
    } finally {
      button.disabled = false;
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
      refreshRegions(["#users tbody"]).catch(() => {});
    }
  });
  users.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const { action, userId } = button.dataset;
    if (action === "identities") {
      showIdentities(userId, button.dataset.username).catch(() => {});
      return;
    }
    if (action === "deactivate") {
      const sure = await confirmDialog("Deactivate this user? Their sessions and API keys end now.", { confirm: "Deactivate", danger: true });
      if (!sure) return;
    }
    if (action === "password") {
      // A first password the user must change at sign-in (imported 0.9.7 users have none they know).
      const password = await passwordDialog(`New password for ${button.dataset.username}`);
      if (password === null) return;
      try {
        await api.post(`/users/${userId}/password`, { password });
        toast(`Password set; ${button.dataset.username} chooses their own at next sign-in.`, "success");
        await refreshRegions(["#users tbody"]);
      } catch {
        // the toast has said why
      }
      return;
    }
    const path = { deactivate: "deactivate", reactivate: "reactivate", unlock: "unlock", "totp-reset": "totp/reset" }[action];
    try {
      await api.post(`/users/${userId}/${path}`);
      await refreshRegions(["#users tbody"]);
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
      const account = await api.post("/users", { username: String(data.get("username")).trim(), password: data.get("password"), role: data.get("role") }, { quiet: true });
      userForm.reset();
      await refreshRegions(["#users tbody"]);
      toast(`Added ${account.username}.`, "success");
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

if (document.getElementById("naming-form")) {
  // Naming template with a live preview; organise the library as a dry run first, then apply.
  const naming = document.getElementById("naming-form");
  const previewBody = document.querySelector("#naming-preview tbody");
  let previewTimer = null;
  let previewSeq = 0;

  async function preview() {
    const seq = ++previewSeq;
    const template = naming.elements.template.value;
    try {
      const result = await api.post("/library/naming/preview", { template }, { quiet: true });
      if (seq !== previewSeq) return;
      formError(naming, "");
      previewBody.replaceChildren(
        ...result.examples.map((x) => el("tr", {}, el("td", { text: x.artist }), el("td", { text: x.title }), el("td", { class: "word-break", text: x.path }))),
      );
      document.getElementById("naming-tokens").textContent = `Tokens: ${result.tokens.map((t) => `{${t}}`).join(" ")}. ${result.bracket_rule}`;
      document.getElementById("naming-preview-from").textContent =
        result.examples_from === "library" ? "on your own videos" : "on sample videos (no file in your library yet)";
    } catch (error) {
      if (seq === previewSeq) formError(naming, error.message);
    }
  }

  naming.addEventListener("input", () => {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(preview, 250);
  });
  naming.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.patch("/settings", { "library.naming_template": naming.elements.template.value }, { quiet: true });
      toast("Naming template saved.", "success");
    } catch (error) {
      formError(naming, error.message);
    }
  });
  preview();

  const organiseStatus = document.getElementById("organise-status");
  const applyButton = document.getElementById("organise-apply");
  const watched = new Map();
  function onOrganise(message) {
    const job = message.data;
    const dry = watched.get(job.id);
    if (dry === undefined) return;
    const pct = Math.round((job.progress || 0) * 100);
    organiseStatus.textContent = `${dry ? "Dry run" : "Organising"}: job ${job.id} ${job.status}${job.status === "running" ? `, ${pct}%` : ""}${job.message ? ` — ${job.message}` : ""}.`;
    if (job.status === "succeeded") {
      watched.delete(job.id);
      if (dry) showPlan(job.id).catch(() => {});
      else document.getElementById("organise-plan").hidden = true;
    }
  }

  const PLAN_ROWS = 200;
  // The dry run's plan, read from its job: every move (the first 200 listed) and every conflict.
  async function showPlan(jobId) {
    const job = await api.get(`/jobs/${jobId}`, { quiet: true });
    const plan = job.result || { moves: [], conflicts: [], unchanged: 0 };
    const rows = plan.moves.slice(0, PLAN_ROWS).map((m) =>
      el("tr", {}, el("td", { class: "word-break", text: m.from }), el("td", { class: "word-break", text: m.to }), el("td", { text: String(m.sidecars.length) })),
    );
    for (const c of plan.conflicts) {
      rows.push(el("tr", { class: "conflict" }, el("td", { class: "word-break", text: c.path }), el("td", { text: `not moved: ${c.reason}` }), el("td", { text: "" })));
    }
    const box = document.getElementById("organise-plan");
    box.querySelector("tbody").replaceChildren(...rows);
    const more = plan.moves.length > PLAN_ROWS ? ` (first ${PLAN_ROWS} listed)` : "";
    document.getElementById("organise-plan-counts").textContent =
      `${plan.moves.length} to move${more}, ${plan.conflicts.length} conflicts, ${plan.unchanged} already in place`;
    box.hidden = false;
    applyButton.disabled = plan.moves.length === 0;
    applyButton.textContent = plan.moves.length ? `Apply the ${plan.moves.length} planned moves` : "Nothing to move";
  }
  for (const type of ["job.created", "job.progress", "job.finished"]) live.on(type, onOrganise);
  async function organise(dryRun) {
    try {
      const job = await api.post("/library/organize", { dry_run: dryRun });
      watched.set(job.id, dryRun);
      onOrganise({ data: job });
      // A quick job may have finished before its id was known here: its events went by unwatched.
      const now = await api.get(`/jobs/${job.id}`, { quiet: true });
      if (watched.has(job.id)) onOrganise({ data: now });
    } catch {
      // the toast has said why
    }
  }
  document.getElementById("organise-dry-run").addEventListener("click", () => organise(true));
  applyButton.addEventListener("click", async () => {
    const count = applyButton.textContent.match(/\d+/)?.[0] ?? "the";
    if (await confirmDialog(`Move ${count} files to where the naming template says?`, { confirm: "Organise" })) {
      applyButton.disabled = true;
      organise(false);
    }
  });
}

// ----------------------------------------------------------------- admins: providers and cookies

const providers = document.getElementById("providers");
if (providers) {
  const card = (name) => providers.querySelector(`form[data-provider="${name}"]`);
  const when = (epoch) => new Date(epoch * 1000).toLocaleString();
  // The badge says what is known: "working" only after an answer, "not checked yet" before any
  // call (no green light for a provider that was never reached), "failing" with its reason.
  const showStatus = (s) => {
    const form = card(s.name);
    if (!form) return;
    const badge = form.querySelector(".provider-state");
    let state = s.state;
    if (state === "ok" && !s.last_success_at) state = "unchecked";
    const words = { ok: "working", unchecked: "not checked yet", degraded: "failing", down: "failing", disabled: "disabled", unconfigured: "needs a key" };
    badge.dataset.state = state;
    badge.textContent = words[state] || state;
    const parts = [];
    if (state === "disabled") parts.push("Turned off: MVidarr does not ask it");
    if (state === "unconfigured") parts.push("Not used until its key is saved");
    if (s.last_success_at) parts.push(`last answered ${when(s.last_success_at)}`);
    if (s.last_error && (state === "degraded" || state === "down")) {
      parts.push(`failing since ${s.last_error_at ? when(s.last_error_at) : "recently"}: ${s.last_error}`);
    }
    if (state === "down" && s.open_until) parts.push(`paused until ${when(s.open_until)}`);
    parts.push(`${s.requests} requests, ${s.cache_hits} from cache since start`);
    if (s.quota_remaining !== null && s.quota_remaining !== undefined) parts.push(`quota left ${s.quota_remaining}`);
    form.querySelector(".provider-detail").textContent = `${parts.join(" · ")}.`;
  };
  api.get("/providers").then((list) => list.forEach(showStatus)).catch(() => {});
  providers.addEventListener("click", async (event) => {
    const button = event.target.closest('button[data-action="test"]');
    if (!button) return;
    const form = button.closest("form");
    const name = form.dataset.provider;
    const detail = form.querySelector(".provider-detail");
    button.disabled = true;
    detail.textContent = `Testing ${name}…`;
    try {
      const result = await api.post(`/providers/${name}/test`);
      // The badges first: their refresh rewrites the detail line, which must end up saying how the test went.
      await api.get("/providers").then((list) => list.forEach(showStatus)).catch(() => {});
      detail.textContent = `${result.ok ? "Works" : "Failed"} (${result.duration_ms} ms): ${result.detail}`;
      form.querySelector(".provider-tested").textContent = `Tested ${new Date().toLocaleString()}.`;
      toast(`${name}: ${result.ok ? "works" : "failed"}.`, result.ok ? "success" : "error");
      if (!result.ok) form.querySelector(".provider-state").dataset.state = "down";
    } catch {
      detail.textContent = "";
    } finally {
      button.disabled = false;
    }
  });
}

const cookiesForm = document.getElementById("cookies-form");
if (cookiesForm) {
  const line = document.getElementById("cookies-status");
  const remove = document.getElementById("cookies-delete");
  const show = (status) => {
    line.textContent = status.present
      ? `A cookies file is stored (${status.size} bytes${status.updated_at ? `, updated ${new Date(status.updated_at).toLocaleString()}` : ""}).`
      : "No cookies file is stored.";
    remove.hidden = !status.present;
  };
  api.get("/downloads/cookies").then(show).catch(() => { line.textContent = ""; });
  cookiesForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(cookiesForm, "");
    // multipart: api.js sends JSON, so this one request goes through fetch with the CSRF header.
    const response = await fetch("/api/v1/downloads/cookies", {
      method: "PUT",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" },
      body: new FormData(cookiesForm),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      formError(cookiesForm, body.detail || body.title || `HTTP ${response.status}`);
      return;
    }
    cookiesForm.reset();
    show(body);
    toast("Cookies file saved.", "success");
  });
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog("Delete the stored cookies file?", { confirm: "Delete", danger: true }))) return;
    try {
      await api.delete("/downloads/cookies");
      show({ present: false });
      toast("Cookies file deleted.", "success");
    } catch {
      // the toast has said why
    }
  });
}

// ----------------------------------------------------------------- managers: monitors

const monitors = document.getElementById("monitors");
if (monitors) {
  const jobLine = document.getElementById("monitor-job");
  const itemsBox = document.getElementById("monitor-items");
  let followed = 0;
  for (const type of ["job.progress", "job.finished"]) {
    live.on(type, ({ data: job }) => {
      if (job.id !== followed) return;
      jobLine.textContent = `Check: job ${job.id} ${job.status}${job.message ? ` — ${job.message}` : ""}.`;
    });
  }
  monitors.addEventListener("change", async (event) => {
    const input = event.target.closest("input[data-field]");
    if (!input) return;
    const id = input.closest("tr").dataset.monitorId;
    const value = input.type === "checkbox" ? input.checked : Number(input.value);
    try {
      await api.patch(`/monitors/${id}`, { [input.dataset.field]: value });
      toast("Monitor saved.", "success");
    } catch {
      if (input.type === "checkbox") input.checked = !input.checked;
    }
  });
  monitors.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("tr");
    const id = row.dataset.monitorId;
    try {
      if (button.dataset.action === "check") {
        const job = await api.post(`/monitors/${id}/check`);
        followed = job.id;
        jobLine.textContent = `Check: job ${job.id} ${job.status}.`;
      } else if (button.dataset.action === "items") {
        const page = await api.get(`/monitors/${id}/items`, { query: { page_size: 100 } });
        itemsBox.querySelector("tbody").replaceChildren(...(page.items.length ? page.items.map((item) => el("tr", {},
          el("td", {}, item.video_id ? el("a", { href: `/videos/${item.video_id}` }, item.title) : item.title),
          el("td", {}, el("span", { class: "badge", text: item.outcome })),
          el("td", { text: item.reason || "" }),
          el("td", {}, el("time", { datetime: item.seen_at, text: new Date(item.seen_at).toLocaleString() }))))
          : [el("tr", {}, el("td", { colspan: "4", class: "empty", text: "Nothing seen yet." }))]));
        itemsBox.querySelector("h3").textContent = `Items of ${row.cells[0].textContent.trim()} (${page.total})`;
        itemsBox.hidden = false;
        itemsBox.querySelector("h3").focus();
      } else if (button.dataset.action === "delete") {
        const sure = await confirmDialog(`Delete the monitor “${button.dataset.name}”?`, { confirm: "Delete", danger: true });
        if (!sure) return;
        await api.delete(`/monitors/${id}`);
        row.remove();
      }
    } catch {
      // the toast has said why
    }
  });
  const monitorForm = document.getElementById("monitor-form");
  monitorForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(monitorForm, "");
    const data = new FormData(monitorForm);
    const body = {
      url: String(data.get("url")).trim(),
      check_interval_hours: Number(data.get("check_interval_hours") || 24),
      auto_download: data.get("auto_download") === "on",
    };
    if (String(data.get("name")).trim()) body.name = String(data.get("name")).trim();
    if (String(data.get("artist_id")).trim()) body.artist_id = Number(data.get("artist_id"));
    try {
      const monitor = await api.post("/monitors", body, { quiet: true });
      monitorForm.reset();
      await refreshRegions(["#monitors tbody"]);
      toast(`Added the monitor “${monitor.name}”.`, "success");
    } catch (error) {
      formError(monitorForm, error.message);
    }
  });
}

// ----------------------------------------------------------------- admins: single sign-on providers

const ssoTable = document.getElementById("sso-providers");
const ssoForm = document.getElementById("sso-form");
if (ssoTable && ssoForm) {
  ssoTable.addEventListener("change", async (event) => {
    const input = event.target.closest('input[data-action="sso-enable"]');
    if (!input) return;
    const id = input.closest("tr").dataset.providerId;
    try {
      await api.patch(`/sso/providers/${id}`, { enabled: input.checked });
      toast(input.checked ? "Provider enabled." : "Provider disabled.", "success");
    } catch {
      input.checked = !input.checked;
    }
  });
  const submitButton = ssoForm.querySelector("button[type=submit]");
  const cancel = document.getElementById("sso-cancel");
  const stopEditing = () => {
    delete ssoForm.dataset.editId;
    ssoForm.reset();
    ssoForm.elements.slug.disabled = false;
    submitButton.textContent = "Add provider";
    cancel.hidden = true;
  };
  cancel.addEventListener("click", stopEditing);
  const edit = (row) => {
    const provider = JSON.parse(row.dataset.provider);
    const fields = ssoForm.elements;
    for (const name of ["name", "slug", "issuer", "client_id", "scopes"]) fields[name].value = provider[name];
    fields.role_claim.value = provider.role_claim || "";
    fields.role_mapping.value = provider.role_mapping.map((rule) => `${rule.value}=${rule.role}`).join("\n");
    fields.default_role.value = provider.default_role || "";
    fields.create_users.checked = provider.create_users;
    fields.link_by_email.checked = provider.link_by_email;
    fields.client_secret.value = "";
    fields.slug.disabled = true;
    ssoForm.dataset.editId = provider.id;
    submitButton.textContent = `Save ${provider.name}`;
    cancel.hidden = false;
    fields.name.focus();
  };
  ssoTable.addEventListener("click", async (event) => {
    const editButton = event.target.closest('button[data-action="sso-edit"]');
    if (editButton) {
      edit(editButton.closest("tr"));
      return;
    }
    const button = event.target.closest('button[data-action="sso-delete"]');
    if (!button) return;
    const row = button.closest("tr");
    const ok = await confirmDialog(
      `Remove ${button.dataset.name}? Its linked accounts stay, but can no longer sign in with it.`,
      { confirm: "Remove", danger: true },
    );
    if (!ok) return;
    try {
      await api.delete(`/sso/providers/${row.dataset.providerId}`);
      row.remove();
      toast("Provider removed.", "success");
    } catch {
      // the toast has said why
    }
  });
  ssoForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(ssoForm, "");
    const data = new FormData(ssoForm);
    const text = (name) => String(data.get(name) || "").trim();
    const mapping = [];
    for (const line of text("role_mapping").split(/\n+/)) {
      if (!line.trim()) continue;
      const at = line.lastIndexOf("=");
      if (at < 1) {
        formError(ssoForm, `Write each role mapping as group=role: ${line}`);
        return;
      }
      mapping.push({ value: line.slice(0, at).trim(), role: line.slice(at + 1).trim() });
    }
    const body = {
      name: text("name"),
      slug: text("slug"),
      issuer: text("issuer"),
      client_id: text("client_id"),
      scopes: text("scopes") || "openid profile email",
      role_claim: text("role_claim") || null,
      role_mapping: mapping,
      default_role: text("default_role") || null,
      create_users: data.get("create_users") === "on",
      link_by_email: data.get("link_by_email") === "on",
    };
    if (text("client_secret")) body.client_secret = text("client_secret");
    const editing = ssoForm.dataset.editId;
    try {
      if (editing) {
        delete body.slug;
        await api.patch(`/sso/providers/${editing}`, body, { quiet: true });
        toast("Provider saved.", "success");
      } else {
        await api.post("/sso/providers", body, { quiet: true });
        toast("Provider added.", "success");
      }
      stopEditing();
      await refreshRegions(["#sso-providers tbody"]);
    } catch (error) {
      formError(ssoForm, error.message);
    }
  });
}

// ----------------------------------------------------------------- admins: a user's provider accounts

const identitiesPanel = document.getElementById("identities-panel");
const identitiesList = document.getElementById("identities-list");
const identityForm = document.getElementById("identity-form");

async function showIdentities(userId, username) {
  identitiesPanel.dataset.userId = userId;
  identitiesPanel.querySelector("#identities-title span").textContent = username;
  const identities = await api.get(`/sso/users/${userId}/identities`);
  identitiesList.replaceChildren(
    ...identities.map((identity) =>
      el(
        "li",
        { dataset: { identityId: identity.id } },
        `${identity.provider}: ${identity.subject}${identity.email ? ` (${identity.email})` : ""} `,
        el("button", {
          type: "button",
          class: "button small danger",
          "data-action": "unlink",
          "aria-label": `Unlink ${identity.provider} account ${identity.subject}`,
          text: "Unlink",
        }),
      ),
    ),
  );
  if (identities.length === 0) identitiesList.append(el("li", { class: "muted", text: "None linked." }));
  identitiesPanel.hidden = false;
  identitiesPanel.querySelector("#identities-title").focus();
}

if (identitiesPanel) {
  identitiesList.addEventListener("click", async (event) => {
    const button = event.target.closest('button[data-action="unlink"]');
    if (!button) return;
    const { userId } = identitiesPanel.dataset;
    try {
      await api.delete(`/sso/users/${userId}/identities/${button.closest("li").dataset.identityId}`);
      toast("Account unlinked.", "success");
      await showIdentities(userId, identitiesPanel.querySelector("#identities-title span").textContent);
    } catch {
      // the toast has said why
    }
  });
  identityForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(identityForm, "");
    const data = new FormData(identityForm);
    const { userId } = identitiesPanel.dataset;
    try {
      await api.post(
        `/sso/users/${userId}/identities`,
        { provider: data.get("provider"), subject: String(data.get("subject")).trim() },
        { quiet: true },
      );
      identityForm.reset();
      toast("Account linked.", "success");
      await showIdentities(userId, identitiesPanel.querySelector("#identities-title span").textContent);
    } catch (error) {
      formError(identityForm, error.message);
    }
  });
}

/** Ask for a password in a modal <dialog>; resolves the password, or null when cancelled. */
function passwordDialog(title) {
  return new Promise((resolve) => {
    const input = el("input", { type: "password", id: "set-password", required: true, minlength: 10, maxlength: 1024, autocomplete: "new-password" });
    const form = el(
      "form",
      { method: "dialog" },
      el("h2", { text: title }),
      el("div", { class: "field" }, el("label", { for: "set-password", text: "Password (at least 10 characters)" }), input),
      el("div", { class: "actions" }, el("button", { type: "button", class: "button", value: "no", "data-cancel": "" }, "Cancel"), el("button", { type: "submit", class: "button primary", value: "yes" }, "Set password")),
    );
    const dialog = el("dialog", { "aria-label": title }, form);
    form.querySelector("[data-cancel]").addEventListener("click", () => dialog.close("no"));
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes" ? input.value : null);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

setupImportLists();
