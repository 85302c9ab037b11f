// System: health, versions, recent jobs and job types are rendered by the server. For admins, the
// Logs section lists the recent log records (GET /system/logs). The event hub has no per-topic role
// checks, so there is no `logs` topic: the first page is polled every few seconds instead, only
// while the tab is visible and "Refresh automatically" is on.
import { api } from "../api.js";
import { refreshRegions } from "../refresh.js";
import { el } from "../components.js";
import { startShell } from "../shell.js";

const live = startShell();

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

// Backups (admins): list, back up now (a job), download, upload, delete, and restore after a dry run
// that shows what the backup would replace.
function setupBackups(section) {
  const body = section.querySelector("#backup-list tbody");
  const status = document.getElementById("backup-status");
  const panel = document.getElementById("restore-panel");
  const form = document.getElementById("restore-form");
  const passphrase = document.getElementById("restore-passphrase");
  const confirm = document.getElementById("restore-confirm");
  const planBox = document.getElementById("restore-plan");
  let chosen = null;

  function size(bytes) {
    if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
    if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
    return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
  }

  function row(item) {
    const download = el("a", { class: "button", href: `/api/v1/backups/${encodeURIComponent(item.name)}`, download: item.name }, "Download");
    const restore = el("button", { type: "button", class: "button", "data-restore": item.name }, "Restore…");
    const remove = el("button", { type: "button", class: "button danger", "data-delete": item.name }, "Delete");
    const warn = item.warnings.length ? el("span", { class: "muted", title: item.warnings.join("\n") }, " ⚠") : "";
    return el(
      "tr",
      { "data-name": item.name },
      el("td", { class: "word-break" }, item.name, warn),
      el("td", {}, el("time", { datetime: item.created_at }, localTime(item.created_at).slice(0, 19))),
      el("td", {}, size(item.size)),
      el("td", {}, `${item.mvidarr_version || "?"} (schema ${item.migration || "?"})`),
      el("td", {}, item.secret_key === "sealed" ? "sealed" : "left out"),
      el("td", { class: "actions" }, download, restore, remove),
    );
  }

  async function load() {
    const listing = await api.get("/backups");
    body.replaceChildren(...(listing.items.length ? listing.items.map(row) : [el("tr", {}, el("td", { colspan: 6, class: "empty" }, "No backups yet."))]));
  }

  function showPlan(plan) {
    const rows = plan.tables
      .filter((t) => t.current !== t.backup)
      .map((t) => el("tr", {}, el("td", {}, t.table), el("td", {}, t.current === null ? "–" : String(t.current)), el("td", {}, String(t.backup))));
    planBox.replaceChildren(
      el("p", {}, plan.dry_run ? `Restoring ${plan.backup} replaces the whole database:` : `Restored ${plan.backup}.`),
      el(
        "table",
        { class: "data" },
        el("caption", { class: "visually-hidden" }, "Rows now and in the backup"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Table"), el("th", { scope: "col" }, "Rows now"), el("th", { scope: "col" }, "Rows in the backup"))),
        el("tbody", {}, ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 3, class: "empty" }, "Same row counts as now."))])),
      ),
      el("p", {}, plan.migrate_after ? `The backup's schema (${plan.backup_migration}) is older: it is migrated afterwards.` : ""),
      el("p", {}, `Secret key: ${plan.secret_key}.`),
      el("ul", {}, ...plan.warnings.map((w) => el("li", {}, w))),
    );
  }

  async function preview(event) {
    event.preventDefault();
    confirm.disabled = true;
    const plan = await api.post(`/backups/${encodeURIComponent(chosen)}/restore`, { dry_run: true, passphrase: passphrase.value || null });
    showPlan(plan);
    confirm.disabled = false;
    confirm.focus();
  }

  async function restore() {
    confirm.disabled = true;
    status.textContent = `Restoring ${chosen}…`;
    const plan = await api.post(`/backups/${encodeURIComponent(chosen)}/restore`, { dry_run: false, passphrase: passphrase.value || null });
    showPlan(plan);
    status.textContent = `Restored ${chosen}.`;
  }

  body.addEventListener("click", async (event) => {
    const restoreName = event.target.closest("[data-restore]")?.dataset.restore;
    const deleteName = event.target.closest("[data-delete]")?.dataset.delete;
    if (restoreName) {
      chosen = restoreName;
      panel.hidden = false;
      document.getElementById("restore-title").textContent = `Restore ${restoreName}`;
      planBox.replaceChildren();
      confirm.disabled = true;
      passphrase.focus();
    } else if (deleteName && window.confirm(`Delete ${deleteName}?`)) {
      await api.delete(`/backups/${encodeURIComponent(deleteName)}`);
      status.textContent = `Deleted ${deleteName}.`;
      await load();
    }
  });
  form.addEventListener("submit", preview);
  confirm.addEventListener("click", restore);
  document.getElementById("restore-cancel").addEventListener("click", () => {
    panel.hidden = true;
    chosen = null;
  });
  document.getElementById("backup-now").addEventListener("click", async () => {
    const job = await api.post("/backups", {});
    status.textContent = `Backup started (job #${job.id}); the list refreshes when it is done.`;
    const poll = window.setInterval(async () => {
      const current = await api.get(`/jobs/${job.id}`, { quiet: true });
      if (["succeeded", "failed", "cancelled"].includes(current.status)) {
        window.clearInterval(poll);
        status.textContent = current.status === "succeeded" ? `Backup ${current.result.backup} made.` : `Backup ${current.status}: ${current.error || ""}`;
        await load();
      }
    }, 1000);
  });
  document.getElementById("backup-upload").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    status.textContent = `Uploading ${file.name}…`;
    try {
      const item = await api.post("/backups/upload", undefined, { body: file, contentType: "application/zip" });
      status.textContent = `Uploaded as ${item.name}.`;
      await load();
    } catch {
      status.textContent = `${file.name} was not accepted.`;
    } finally {
      event.target.value = "";
    }
  });
  load();
}

const backups = document.getElementById("backups");
if (backups) setupBackups(backups);

// Import from MVidarr 0.9.7 (admins): a dry run first (a job; its result is the report), then the
// import with the same inputs. Progress follows the job's live events.
function setupLegacyImport(section) {
  const form = document.getElementById("legacy-form");
  const importNow = document.getElementById("legacy-import-now");
  const progress = document.getElementById("legacy-progress");
  const status = document.getElementById("legacy-status");
  const reportBox = document.getElementById("legacy-report");
  const OUTCOMES = ["imported", "linked", "merged", "unchanged", "updated", "skipped"];
  let checked = null;
  let running = null;

  function inputs() {
    const maps = document.getElementById("legacy-maps").value.split("\n").map((line) => line.trim()).filter(Boolean);
    return {
      url: document.getElementById("legacy-url").value.trim(),
      password: document.getElementById("legacy-password").value || null,
      path_maps: maps,
    };
  }

  function showReport(report) {
    const rows = Object.entries(report.kinds).map(([kind, entry]) =>
      el("tr", {}, el("th", { scope: "row" }, kind.replaceAll("_", " ")), el("td", {}, String(entry.total)),
        ...OUTCOMES.map((o) => el("td", {}, String(entry[o]))), el("td", {}, entry.maps_to)),
    );
    const reasons = Object.entries(report.kinds)
      .filter(([, entry]) => Object.keys(entry.reasons).length)
      .map(([kind, entry]) => el("li", {}, `${kind.replaceAll("_", " ")}: `,
        Object.entries(entry.reasons).map(([why, n]) => `${n} × ${why}`).join("; ")));
    const missing = report.files_not_found.slice(0, 100).map((p) => el("li", {}, el("code", {}, p.legacy_path), ` (${p.title}): ${p.problem}`));
    reportBox.replaceChildren(
      el("h3", {}, report.dry_run ? "Dry run: what the import would do" : "What the import did"),
      el("p", { class: "muted" }, `${report.source}, MariaDB/MySQL ${report.server_version}, ${report.elapsed_s} s`),
      el("div", { class: "table-wrap" }, el("table", { class: "data", id: "legacy-kinds" },
        el("caption", { class: "visually-hidden" }, "Rows of 0.9.7 by kind and what became of them"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Kind"), el("th", { scope: "col" }, "Rows"),
          ...OUTCOMES.map((o) => el("th", { scope: "col" }, o)), el("th", { scope: "col" }, "Lands as"))),
        el("tbody", {}, ...rows))),
      reasons.length ? el("div", {}, el("h4", {}, "Why"), el("ul", {}, ...reasons)) : "",
      report.files_not_found_total
        ? el("div", {}, el("h4", {}, `Files not where 0.9.7 said (${report.files_not_found_total})`), el("ul", {}, ...missing))
        : "",
      report.users_to_set_password.length
        ? el("p", {}, "Users without a password (reset each one's under Settings → Users; they choose their own at first sign-in): ",
          report.users_to_set_password.join(", "))
        : "",
      report.queued_jobs.length
        ? el("p", { id: "legacy-queued" }, `Queued next (see Jobs): scans of ${report.root_folders_to_scan.length} root folder(s) `
          + `and the fetch of ${report.thumbnails_to_fetch} thumbnail(s) from 0.9.7, jobs `,
          report.queued_jobs.map((id) => `#${id}`).join(", "), ".")
        : "",
    );
  }

  function follow(job, onDone) {
    running = job.id;
    progress.hidden = false;
    progress.value = 0;
    live.subscribe([`job:${job.id}`]);
    const finish = async () => {
      const current = await api.get(`/jobs/${job.id}`, { quiet: true });
      if (!["succeeded", "failed", "cancelled"].includes(current.status) || running !== job.id) return;
      running = null;
      progress.value = 1;
      if (current.status === "succeeded") {
        showReport(current.result);
        onDone(current.result);
      } else {
        status.textContent = `The ${job.params.dry_run ? "dry run" : "import"} ${current.status}: ${current.error || ""}`;
        form.querySelector("button[type=submit]").disabled = false;
      }
    };
    live.on("job.progress", (message) => {
      if (message.data.id !== job.id) return;
      progress.value = message.data.progress || 0;
      status.textContent = message.data.message || status.textContent;
    });
    live.on("job.finished", (message) => {
      if (message.data.id === job.id) finish();
    });
    // Also asked now and then: a job that ends before the subscription lands sends no event here.
    const poll = window.setInterval(() => (running === job.id ? finish() : window.clearInterval(poll)), 2000);
  }

  async function start(dryRun) {
    const body = { ...inputs(), dry_run: dryRun };
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    importNow.disabled = true;
    reportBox.replaceChildren();
    try {
      const job = await api.post("/legacy-import", body);
      status.textContent = dryRun ? `Dry run started (job #${job.id})…` : `Import started (job #${job.id})…`;
      follow(job, () => {
        submit.disabled = false;
        if (dryRun) {
          checked = JSON.stringify(inputs());
          importNow.disabled = false;
          status.textContent = "Dry run done: nothing was changed. Check the report, then import.";
        } else {
          checked = null;
          status.textContent = "Import done.";
        }
      });
    } catch {
      submit.disabled = false; // api.js has shown the problem's text
      status.textContent = "";
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start(true);
  });
  form.addEventListener("input", () => {
    importNow.disabled = checked === null || checked !== JSON.stringify(inputs());
  });
  importNow.addEventListener("click", () => {
    if (window.confirm("Import this MVidarr 0.9.7 library now?")) start(false);
  });
}

const legacyImport = document.getElementById("legacy-import");
if (legacyImport) setupLegacyImport(legacyImport);

function setupYtDlp(section) {
  // The facts and the buttons are read again from the server when a job ends, so clicks are
  // delegated from the section.
  const status = document.getElementById("ytdlp-status");
  const setDisabled = (yes) => section.querySelectorAll("button").forEach((b) => { b.disabled = yes; });
  async function start(path, what) {
    setDisabled(true);
    try {
      const job = await api.post(path, {});
      status.textContent = `${what} started (job #${job.id})…`;
      const poll = window.setInterval(async () => {
        const current = await api.get(`/jobs/${job.id}`, { quiet: true });
        if (!["succeeded", "failed", "cancelled"].includes(current.status)) return;
        window.clearInterval(poll);
        if (current.status === "succeeded") {
          await refreshRegions(["#ytdlp-facts", "#ytdlp-actions"]);
          status.textContent = `${what} done.`;
        } else {
          status.textContent = `${what} ${current.status}: ${current.error || ""}`;
          setDisabled(false);
        }
      }, 1000);
    } catch (error) {
      status.textContent = error.message;
      setDisabled(false);
    }
  }
  section.addEventListener("click", (event) => {
    if (event.target.closest("#ytdlp-check")) start("/downloads/ytdlp/check", "The check");
    else if (event.target.closest("#ytdlp-update")) start("/downloads/ytdlp/update", "The update");
  });
}

const ytdlpSection = document.getElementById("ytdlp");
if (ytdlpSection) setupYtDlp(ytdlpSection);
