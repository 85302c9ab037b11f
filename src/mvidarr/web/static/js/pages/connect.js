// Connect: notification targets and media servers (list, add, edit, test, delete), the delivery
// log of one of them with replay, and a media server's watched-state links with "Sync now".
// The lists are rendered here only (the page ships their skeleton).
import { api } from "../api.js";
import { confirmDialog, el, formError, toast } from "../components.js";
import { startShell } from "../shell.js";

startShell();

const KIND_LABELS = { webhook: "Webhook", apprise: "Apprise", script: "Script", jellyfin: "Jellyfin", plex: "Plex", kodi: "Kodi" };
const targetsBody = document.querySelector("#targets tbody");
const targetForm = document.getElementById("target-form");
const connectionsTable = document.getElementById("connections");
const connectionForm = document.getElementById("connection-form");
const logPanel = document.getElementById("delivery-log");
const logBody = document.querySelector("#deliveries tbody");
let shownLog = null; // { kind: "notifications" | "connections", id, name }

function actions(kind, item) {
  const label = (verb) => `${verb} ${item.name}`;
  const button = (action, text) =>
    el("button", { type: "button", class: `button small${action === "delete" ? " danger" : ""}`, dataset: { action, id: item.id, kind }, "aria-label": label(text) }, text);
  const watched = kind === "connections" ? [button("watched", "Watched")] : [];
  return el("td", { class: "actions-cell" }, button("test", "Test"), button("log", "Log"), ...watched, button("edit", "Edit"), button("delete", "Delete"));
}

function emptyRow(colspan, text) {
  return el("tr", {}, el("td", { colspan, class: "empty", text }));
}

async function loadTargets() {
  const page = await api.get("/notifications", { query: { page_size: 200 } });
  targetsBody.replaceChildren(
    ...(page.items.length
      ? page.items.map((t) =>
          el("tr", { dataset: { id: t.id } },
            el("td", { text: t.name }),
            el("td", { text: KIND_LABELS[t.kind] || t.kind }),
            el("td", { text: t.events.length ? t.events.join(", ") : "none" }),
            el("td", { text: t.enabled ? "yes" : "no" }),
            actions("notifications", t)))
      : [emptyRow(5, "No notifications yet.")]),
  );
  return page.items;
}

async function loadConnections() {
  if (!connectionsTable) return [];
  const page = await api.get("/connections", { query: { page_size: 200 } });
  connectionsTable.querySelector("tbody").replaceChildren(
    ...(page.items.length
      ? page.items.map((c) =>
          el("tr", { dataset: { id: c.id } },
            el("td", { text: c.name }),
            el("td", { text: KIND_LABELS[c.kind] || c.kind }),
            el("td", {}, el("code", { text: c.url })),
            el("td", { text: c.enabled ? "yes" : "no" }),
            actions("connections", c)))
      : [emptyRow(5, "No media servers yet.")]),
  );
  return page.items;
}

function showKindFields(form, kind) {
  for (const field of form.querySelectorAll("[data-for]")) {
    field.hidden = !field.dataset.for.split(" ").includes(kind);
  }
}

function openForm(form, title, item) {
  form.reset();
  formError(form, "");
  form.dataset.id = item ? item.id : "";
  form.querySelector("h3").textContent = title;
  form.elements.kind.disabled = Boolean(item);
  if (item) {
    for (const name of ["name", "kind", "url", "script", "timeout_s", "username"]) {
      if (form.elements[name] && item[name] !== undefined && item[name] !== null) form.elements[name].value = item[name];
    }
    if (item.kind === "apprise") form.elements.url.value = "";
    form.elements.enabled.checked = item.enabled;
    for (const box of form.querySelectorAll("input[name=events]")) box.checked = item.events.includes(box.value);
    if (form.elements.path_mappings) {
      form.elements.path_mappings.value = (item.path_mappings || []).map((m) => `${m.from} => ${m.to}`).join("\n");
    }
  }
  showKindFields(form, form.elements.kind.value);
  form.hidden = false;
  form.elements.name.focus();
}

function targetBody(form) {
  const f = form.elements;
  const body = {
    name: f.name.value.trim(),
    timeout_s: Number(f.timeout_s.value || 10),
    events: [...form.querySelectorAll("input[name=events]:checked")].map((box) => box.value),
    enabled: f.enabled.checked,
  };
  const kind = f.kind.value;
  if (!form.dataset.id) body.kind = kind;
  if (kind !== "script" && f.url.value.trim()) body.url = f.url.value.trim();
  if (kind === "webhook" && f.secret.value) body.secret = f.secret.value;
  if (kind === "script") body.script = f.script.value.trim();
  return body;
}

function connectionBody(form) {
  const f = form.elements;
  const body = { name: f.name.value.trim(), url: f.url.value.trim(), enabled: f.enabled.checked };
  if (!form.dataset.id) body.kind = f.kind.value;
  if (f.token.value) body.token = f.token.value;
  if (f.username.value.trim()) body.username = f.username.value.trim();
  if (f.password.value) body.password = f.password.value;
  body.path_mappings = f.path_mappings.value
    .split("\n")
    .map((line) => line.split("=>").map((part) => part.trim()))
    .filter((parts) => parts.length === 2 && parts[0] && parts[1])
    .map(([from, to]) => ({ from, to }));
  return body;
}

async function save(form, kind, toBody, reload) {
  const id = form.dataset.id;
  try {
    const path = id ? `/${kind}/${id}` : `/${kind}`;
    const saved = await (id ? api.patch(path, toBody(form), { quiet: true }) : api.post(path, toBody(form), { quiet: true }));
    form.hidden = true;
    toast(`Saved ${saved.name}.`, "success");
    await reload();
  } catch (error) {
    formError(form, error.message);
  }
}

function answerOf(d) {
  const parts = [];
  if (d.response_status !== null) parts.push(String(d.response_status));
  if (d.error) parts.push(d.error);
  else if (d.response_body) parts.push(d.response_body.slice(0, 200));
  return parts.join(" · ");
}

async function loadLog() {
  if (!shownLog) return;
  const page = await api.get(`/${shownLog.kind}/${shownLog.id}/deliveries`, { query: { page_size: 50 } });
  document.getElementById("delivery-log-title").textContent = `Delivery log: ${shownLog.name}`;
  logBody.replaceChildren(
    ...(page.items.length
      ? page.items.map((d) =>
          el("tr", { dataset: { id: d.id, status: d.status } },
            el("td", {}, el("time", { datetime: d.created_at, text: new Date(d.created_at).toLocaleString() })),
            el("td", { text: d.event_type }),
            el("td", {}, el("span", { class: `badge status-${d.status}`, text: d.status })),
            el("td", { text: `${d.attempts} of ${d.max_attempts}` }),
            el("td", { text: answerOf(d) }),
            el("td", {}, el("button", { type: "button", class: "button small", dataset: { action: "replay", id: d.id }, "aria-label": `Send delivery ${d.id} again` }, "Replay"))))
      : [emptyRow(6, "Nothing delivered yet.")]),
  );
  logPanel.hidden = false;
}

async function onTableClick(event, items, form, reload) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const { action, id, kind } = button.dataset;
  const item = items().find((x) => String(x.id) === id);
  if (!item) return;
  if (action === "edit") {
    openForm(form, `Edit ${item.name}`, item);
  } else if (action === "delete") {
    if (!(await confirmDialog(`Delete ${item.name}? Its delivery log goes with it.`, { confirm: "Delete", danger: true }))) return;
    await api.delete(`/${kind}/${id}`);
    if (shownLog && shownLog.kind === kind && String(shownLog.id) === id) {
      shownLog = null;
      logPanel.hidden = true;
    }
    if (kind === "connections" && shownWatch && String(shownWatch.id) === id) {
      shownWatch = null;
      watchPanel.hidden = true;
    }
    await reload();
  } else if (action === "log") {
    shownLog = { kind, id, name: item.name };
    await loadLog();
  } else if (action === "watched") {
    await openWatchSync(item);
  } else if (action === "test") {
    button.disabled = true;
    try {
      const result = await api.post(`/${kind}/${id}/test`);
      if (kind === "connections") {
        toast(result.ok ? `${item.name}: ${result.message}` : `${item.name} failed: ${result.message}`, result.ok ? "success" : "error");
      } else {
        toast(result.status === "delivered" ? `Test sent to ${item.name}.` : `Test to ${item.name} failed: ${result.error}`, result.status === "delivered" ? "success" : "error");
        shownLog = { kind, id, name: item.name };
        await loadLog();
      }
    } finally {
      button.disabled = false;
    }
  }
}

// Watched state: the links of one connection, "Sync now" (a job, followed until it ends).
const watchPanel = document.getElementById("watch-sync");
const watchBody = document.querySelector("#watch-links tbody");
const watchForm = document.getElementById("watch-link-form");
const watchStatus = document.getElementById("watch-sync-status");
let shownWatch = null; // the connection whose links are shown

function outcomeOf(link) {
  const r = link.last_result;
  if (!r) return "not synced yet";
  return `${r.matched} matched · ${r.pushed} sent · ${r.pulled} taken · ${r.conflicts} conflicts`;
}

async function loadWatchLinks() {
  if (!shownWatch) return;
  const links = await api.get(`/connections/${shownWatch.id}/watch-links`);
  watchBody.replaceChildren(
    ...(links.length
      ? links.map((link) =>
          el("tr", { dataset: { id: link.id, failed: link.last_error ? "yes" : "no" } },
            el("td", { text: link.username }),
            el("td", { text: link.remote_user || (link.has_token ? "own token" : "server owner") }),
            el("td", { text: link.enabled ? "yes" : "no" }),
            el("td", {}, link.last_synced_at ? el("time", { datetime: link.last_synced_at, text: new Date(link.last_synced_at).toLocaleString() }) : "never"),
            link.last_error
              ? el("td", {}, el("span", { class: "badge status-failed", text: "failed" }), ` ${link.last_error}`)
              : el("td", { text: outcomeOf(link) }),
            el("td", { class: "actions-cell" },
              el("button", { type: "button", class: "button small", dataset: { action: "toggle", id: link.id, enabled: String(link.enabled) }, "aria-label": `${link.enabled ? "Pause" : "Resume"} syncing ${link.username}` }, link.enabled ? "Pause" : "Resume"),
              el("button", { type: "button", class: "button small danger", dataset: { action: "unlink", id: link.id }, "aria-label": `Unlink ${link.username}` }, "Unlink"))))
      : [emptyRow(6, "No users linked yet.")]),
  );
}

async function openWatchSync(connection) {
  shownWatch = connection;
  document.getElementById("watch-sync-title").textContent = `Watched state: ${connection.name}`;
  formError(watchForm, "");
  watchForm.reset();
  showKindFields(watchForm, connection.kind);
  const users = await api.get("/users", { query: { page_size: 200 } });
  watchForm.elements.user_id.replaceChildren(...users.items.map((u) => el("option", { value: u.id, text: u.username })));
  watchStatus.textContent = "";
  await loadWatchLinks();
  watchPanel.hidden = false;
}

async function followJob(jobId) {
  for (;;) {
    const job = await api.get(`/jobs/${jobId}`);
    const done = ["succeeded", "failed", "cancelled"].includes(job.status);
    watchStatus.textContent = done
      ? job.status === "succeeded" ? "Sync finished." : `Sync ${job.status}: ${job.error || ""}`
      : `Syncing… ${Math.round(job.progress * 100)} %${job.message ? ` · ${job.message}` : ""}`;
    if (done) return job;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

if (watchPanel) {
  document.getElementById("watch-sync-now").addEventListener("click", async (event) => {
    if (!shownWatch) return;
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const job = await api.post(`/connections/${shownWatch.id}/watch-sync`);
      await followJob(job.id);
      await loadWatchLinks();
    } finally {
      button.disabled = false;
    }
  });
  watchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = watchForm.elements;
    const body = { user_id: Number(f.user_id.value) };
    if (shownWatch.kind === "jellyfin") body.remote_user = f.remote_user.value.trim();
    if (shownWatch.kind === "plex" && f.token.value) body.token = f.token.value;
    try {
      await api.post(`/connections/${shownWatch.id}/watch-links`, body, { quiet: true });
      formError(watchForm, "");
      watchForm.reset();
      await loadWatchLinks();
    } catch (error) {
      formError(watchForm, error.message);
    }
  });
  watchBody.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !shownWatch) return;
    const path = `/connections/${shownWatch.id}/watch-links/${button.dataset.id}`;
    if (button.dataset.action === "unlink") {
      if (!(await confirmDialog("Stop syncing this user's watched state? Neither side's state changes.", { confirm: "Unlink", danger: true }))) return;
      await api.delete(path);
    } else {
      await api.patch(path, { enabled: button.dataset.enabled !== "true" });
    }
    await loadWatchLinks();
  });
}

let targets = [];
let connections = [];
const reloadTargets = async () => {
  targets = await loadTargets();
};
const reloadConnections = async () => {
  connections = await loadConnections();
};

document.getElementById("add-target").addEventListener("click", () => openForm(targetForm, "Add a notification", null));
targetForm.elements.kind.addEventListener("change", () => showKindFields(targetForm, targetForm.elements.kind.value));
targetForm.addEventListener("submit", (event) => {
  event.preventDefault();
  save(targetForm, "notifications", targetBody, reloadTargets);
});
targetForm.querySelector("[data-action=cancel]").addEventListener("click", () => {
  targetForm.hidden = true;
});
document.getElementById("targets").addEventListener("click", (event) => onTableClick(event, () => targets, targetForm, reloadTargets));

if (connectionsTable) {
  document.getElementById("add-connection").addEventListener("click", () => openForm(connectionForm, "Add a media server", null));
  connectionForm.elements.kind.addEventListener("change", () => showKindFields(connectionForm, connectionForm.elements.kind.value));
  connectionForm.addEventListener("submit", (event) => {
    event.preventDefault();
    save(connectionForm, "connections", connectionBody, reloadConnections);
  });
  connectionForm.querySelector("[data-action=cancel]").addEventListener("click", () => {
    connectionForm.hidden = true;
  });
  connectionsTable.addEventListener("click", (event) => onTableClick(event, () => connections, connectionForm, reloadConnections));
}

document.getElementById("delivery-log-refresh").addEventListener("click", () => loadLog());
logBody.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action=replay]");
  if (!button) return;
  button.disabled = true;
  try {
    await api.post(`/notifications/deliveries/${button.dataset.id}/replay`);
    toast("Queued to be sent again.", "success");
    await loadLog();
  } finally {
    button.disabled = false;
  }
});

reloadTargets();
reloadConnections();
