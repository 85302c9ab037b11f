// System: health, versions, recent jobs and job types are rendered by the server. For admins, the
// Logs section lists the recent log records (GET /system/logs). The event hub has no per-topic role
// checks, so there is no `logs` topic: the first page is polled every few seconds instead, only
// while the tab is visible and "Refresh automatically" is on.
import { api } from "../api.js";
import { el } from "../components.js";
import { startShell } from "../shell.js";

startShell();

const POLL_MS = 5000;
const LEVEL_BADGES = { critical: "failed", error: "failed", warning: "wanted", info: "queued" };

function two(n, width = 2) {
  return String(n).padStart(width, "0");
}

function localTime(iso) {
  const at = new Date(iso);
  const day = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
  return `${day} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${two(at.getMilliseconds(), 3)}`;
}

function setupLogs(section) {
  const form = document.getElementById("log-filters");
  const body = section.querySelector("#log-records tbody");
  const status = document.getElementById("log-status");
  const pageInfo = document.getElementById("log-page");
  const prev = document.getElementById("log-prev");
  const next = document.getElementById("log-next");
  const live = document.getElementById("log-live");
  const pageSize = Number(section.dataset.pageSize) || 50;
  // `anchor`: one past the newest id when page 1 was read; later pages stay put as records arrive.
  const state = { page: 1, anchor: null, newest: null, total: null, asked: 0, answered: 0 };

  function filters() {
    const query = {};
    for (const [key, value] of new FormData(form)) {
      if (typeof value === "string" && value.trim()) query[key] = value.trim();
    }
    return query;
  }

  function messageCell(record) {
    const cell = el("td", { class: "word-break" }, record.message);
    const extra = Object.entries(record.extra || {});
    if (record.exc || extra.length) {
      const lines = extra.map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
      if (record.exc) lines.push(record.exc);
      const summary = record.exc ? "Traceback" : "Details";
      cell.append(
        el("details", {}, el("summary", { text: summary }), el("pre", { class: "preview-output", text: lines.join("\n") })),
      );
    }
    return cell;
  }

  function row(record) {
    const badge = LEVEL_BADGES[record.level];
    const requestCell = el("td");
    if (record.request_id) {
      requestCell.append(
        el(
          "button",
          {
            type: "button",
            class: "button link small word-break",
            "data-request-id": record.request_id,
            "aria-label": `Show only the records of request ${record.request_id}`,
          },
          record.request_id,
        ),
      );
    }
    return el(
      "tr",
      { "data-log-id": record.id, "data-level": record.level },
      el("td", {}, el("time", { datetime: record.at, text: localTime(record.at) })),
      el("td", {}, el("span", { class: `badge${badge ? ` badge-${badge}` : ""}`, text: record.level })),
      el("td", {}, el("code", { text: record.logger })),
      messageCell(record),
      requestCell,
    );
  }

  function render(data) {
    const rows = data.items.map(row);
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 5, class: "empty", text: "No log records match." })));
    body.replaceChildren(...rows);
    const pages = Math.max(1, Math.ceil(data.total / pageSize));
    const first = data.total ? (state.page - 1) * pageSize + 1 : 0;
    const last = (state.page - 1) * pageSize + data.items.length;
    pageInfo.textContent = `Page ${state.page} of ${pages} · ${first}–${last} of ${data.total}`;
    prev.disabled = state.page <= 1;
    next.disabled = state.page >= pages;
    return `${data.total} log record${data.total === 1 ? "" : "s"} match.`;
  }

  async function load({ announce = true, poll = false } = {}) {
    if (poll && state.asked !== state.answered) return; // a read is under way already
    const asked = ++state.asked;
    const query = { ...filters(), page: state.page, page_size: pageSize };
    if (state.page > 1 && state.anchor) query.before_id = state.anchor;
    try {
      const data = await api.get("/system/logs", { query, quiet: poll });
      if (asked !== state.asked) return; // a later read (new filters, another page) wins
      const newest = data.items.length ? data.items[0].id : null;
      // A poll that finds nothing new, or finds the keyboard in the table, leaves the table alone.
      if (poll && ((newest === state.newest && data.total === state.total) || body.contains(document.activeElement))) {
        return;
      }
      if (state.page === 1) state.anchor = newest === null ? null : newest + 1;
      state.newest = newest;
      state.total = data.total;
      const summary = render(data);
      if (announce) status.textContent = summary;
    } catch (error) {
      if (!poll && asked === state.asked) status.textContent = `Could not read the logs: ${error.message}`;
    } finally {
      if (asked === state.asked) state.answered = asked;
    }
  }

  function reload() {
    state.page = 1;
    state.anchor = null;
    state.newest = null;
    load();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (form.reportValidity()) reload();
  });
  form.addEventListener("reset", () => window.setTimeout(reload));
  document.getElementById("log-level").addEventListener("change", reload);
  prev.addEventListener("click", () => {
    state.page = Math.max(1, state.page - 1);
    load();
  });
  next.addEventListener("click", () => {
    state.page += 1;
    load();
  });
  body.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-request-id]");
    if (!button) return;
    document.getElementById("log-request-id").value = button.dataset.requestId;
    reload();
    document.getElementById("log-request-id").focus();
  });

  function poll() {
    if (live.checked && state.page === 1 && document.visibilityState === "visible") {
      load({ announce: false, poll: true });
    }
  }
  window.setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
  live.addEventListener("change", poll);
  load();
}

const logs = document.getElementById("logs");
if (logs) setupLogs(logs);
