// Connect: notification targets and media servers (list, add, edit, test, delete) and the delivery
// log of one of them with replay. The lists are rendered here only (the page ships their skeleton).
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
  return el("td", { class: "actions-cell" }, button("test", "Test"), button("log", "Log"), button("edit", "Edit"), button("delete", "Delete"));
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
    await reload();
  } else if (action === "log") {
    shownLog = { kind, id, name: item.name };
    await loadLog();
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
