// What every signed-in page has: the live connection and its banner, the theme switch, sign-out,
// the global search with suggestions, and per-page list sizes remembered in the preferences.
import { api } from "./api.js";
import { el, toast } from "./components.js";
import { LiveConnection } from "./live.js";

document.documentElement.classList.add("js");

/** Show theme `id` now (a custom one brings its stylesheet); `base` is "light" or "dark" when known. */
export function applyTheme(id, base = "") {
  const root = document.documentElement;
  root.dataset.theme = id;
  if (base) root.dataset.base = base;
  else delete root.dataset.base;
  let link = document.getElementById("custom-theme");
  if (id.startsWith("custom-")) {
    if (!link) {
      link = el("link", { rel: "stylesheet", id: "custom-theme" });
      document.head.append(link);
    }
    link.href = `/themes/${encodeURIComponent(id)}.css`;
  } else if (link) {
    link.remove();
  }
}

/** Save theme `id` as the user's choice, showing it at once; reverts when saving fails. */
export async function chooseTheme(id, base = "") {
  const root = document.documentElement;
  const previous = [root.dataset.theme, root.dataset.base || ""];
  applyTheme(id, base);
  try {
    await api.patch("/auth/me/preferences", { theme: id });
    const select = document.getElementById("theme-select");
    if (select) select.value = id;
    return true;
  } catch {
    applyTheme(...previous);
    return false;
  }
}

function themeSwitch() {
  const select = document.getElementById("theme-select");
  if (!select) return;
  select.addEventListener("change", () => {
    const option = select.selectedOptions[0];
    chooseTheme(select.value, option ? option.dataset.base || "" : "");
  });
}

function signOut() {
  const button = document.getElementById("logout");
  if (!button) return;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      // Ends this session; one a provider made also ends at the provider when it offers sign-out.
      const result = await api.post("/sso/logout");
      window.location.assign(result?.end_session_url || "/login");
    } catch {
      button.disabled = false;
    }
  });
}

function pageSizes() {
  document.querySelectorAll("form.page-size").forEach((form) => {
    const select = form.querySelector("select");
    select.addEventListener("change", async () => {
      const name = form.dataset.pageName;
      try {
        await api.patch("/auth/me/preferences", { page_sizes: { [name]: Number(select.value) } }, { quiet: true });
      } catch {
        // Remembering the size is a nicety; the list still changes.
      }
      form.submit();
    });
  });
}

function searchSuggestions() {
  const input = document.getElementById("global-search");
  const list = document.getElementById("search-suggestions");
  if (!input || !list) return;
  let timer = null;
  let generation = 0;
  let active = -1;
  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    const options = [...list.children];
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (options[index]) input.setAttribute("aria-activedescendant", options[index].id);
  };
  // A label with its matching spans ([start, end) in code points) in <mark>.
  const marked = (text, spans) => {
    const chars = Array.from(text);
    const nodes = [];
    let at = 0;
    for (const [start, end] of spans) {
      if (start > at) nodes.push(chars.slice(at, start).join(""));
      nodes.push(el("mark", { text: chars.slice(start, end).join("") }));
      at = end;
    }
    if (at < chars.length) nodes.push(chars.slice(at).join(""));
    return nodes;
  };
  const show = (entries) => {
    list.replaceChildren(
      ...entries.map((entry, i) => {
        const option = el("li", { role: "option", id: `suggestion-${i}`, "aria-selected": "false", "data-href": entry.href },
          ...entry.label, ...(entry.detail ? [el("span", { class: "detail" }, ...entry.detail)] : []),
          el("span", { class: "kind", text: entry.kind }));
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          window.location.assign(entry.href);
        });
        return option;
      }),
    );
    list.hidden = entries.length === 0;
    input.setAttribute("aria-expanded", String(entries.length > 0));
  };
  const lookup = async (q) => {
    const mine = ++generation;
    try {
      const found = await api.get("/search/suggestions", { query: { q, limit: 8 }, quiet: true });
      if (mine !== generation) return;
      const everything = `/search?${new URLSearchParams({ q })}`;
      show([
        ...found.items.map((item) => ({
          label: marked(item.label, item.highlights.label),
          detail: item.detail ? marked(item.detail, item.highlights.detail) : null,
          kind: item.kind,
          href: item.url,
        })),
        {
          label: [found.corrected ? `Search for “${found.corrected}”` : `All results for “${q}”`],
          detail: null,
          kind: "search",
          href: found.corrected ? `/search?${new URLSearchParams({ q: found.corrected })}` : everything,
        },
      ]);
    } catch {
      close();
    }
  };
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) {
      generation++;
      close();
      return;
    }
    timer = window.setTimeout(() => lookup(q), 200);
  });
  input.addEventListener("keydown", (event) => {
    const count = list.children.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      highlight((active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      highlight((active - 1 + count) % count);
    } else if (event.key === "Enter" && active >= 0 && list.children[active]) {
      event.preventDefault();
      window.location.assign(list.children[active].dataset.href);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => window.setTimeout(close, 100));
}

/** Start the shell; answers the page's live connection. */
// Health warnings (admins): what needs looking at, each with a link to where it is fixed. Checked
// at most once a minute per tab (kept in sessionStorage), not on every page view.
const WARNINGS_KEY = "mvidarr.health-warnings";
const WARNINGS_MAX_AGE_MS = 60_000;

function showWarnings(banner, items) {
  banner.replaceChildren(
    ...items.map((w) =>
      el("p", { class: `health-${w.level}`, "data-source": w.source }, `${w.level === "error" ? "Error" : "Warning"}: ${w.message} `, el("a", { href: w.fix_url }, "Fix")),
    ),
  );
  banner.hidden = items.length === 0;
}

async function healthBanner() {
  const banner = document.getElementById("health-banner");
  if (!banner) return;
  try {
    const kept = JSON.parse(window.sessionStorage.getItem(WARNINGS_KEY) || "null");
    if (kept && Date.now() - kept.at < WARNINGS_MAX_AGE_MS) {
      showWarnings(banner, kept.items);
      return;
    }
  } catch {
    // unreadable: ask the server
  }
  try {
    const { items } = await api.get("/system/warnings", { quiet: true });
    window.sessionStorage.setItem(WARNINGS_KEY, JSON.stringify({ at: Date.now(), items }));
    showWarnings(banner, items);
  } catch {
    banner.hidden = true;
  }
}

// A phone's navigation: the menu button shows and hides the list of pages (Escape closes it).
function mobileNav() {
  const button = document.getElementById("menu-button");
  if (!button) return;
  const nav = button.closest(".sidebar");
  const set = (open) => {
    nav.classList.toggle("open", open);
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => set(!nav.classList.contains("open")));
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      set(false);
      button.focus();
    }
  });
}

function field(id, label, attributes = {}, help = "") {
  const input = el("input", { id, name: id.replace(/^global-add-/, ""), ...attributes });
  return el("div", { class: "field" }, el("label", { for: id, text: label }), input, help ? el("p", { class: "help", text: help }) : null);
}

function addDialog(title, fields, submitLabel, onSubmit) {
  const error = el("p", { class: "form-error", role: "alert", hidden: true });
  const cancel = el("button", { type: "button", class: "button" }, "Cancel");
  const submit = el("button", { type: "submit", class: "button primary" }, submitLabel);
  const heading = el("h2", { id: "add-dialog-title", text: title });
  const form = el("form", {}, heading, ...fields, error, el("div", { class: "actions" }, cancel, submit));
  const dialog = el("dialog", { class: "add-dialog", "aria-labelledby": "add-dialog-title" }, form);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      await onSubmit(new FormData(form));
      dialog.close();
    } catch (problem) {
      error.textContent = problem.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  form.querySelector("input").focus();
}

// The top bar's Add: a video by URL (its artist found or created, then downloaded), an artist by
// search (the add-artist page) or by hand (no provider needed: works offline).
function globalAdd() {
  const menu = document.getElementById("add-menu");
  if (!menu) return;
  menu.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-add]");
    if (!button) return;
    menu.open = false;
    if (button.dataset.add === "artist") {
      addDialog("Add an artist by hand", [field("global-add-name", "Artist name", { required: true, maxlength: 255, autocomplete: "off" })], "Add artist", async (data) => {
        const artist = await api.post("/artists", { name: String(data.get("name")).trim() }, { quiet: true });
        toast(`Added ${artist.name}.`, "success", 6000, { href: `/artists/${artist.id}`, text: "Open" });
      });
    } else {
      addDialog(
        "Add a video by URL",
        [
          field("global-add-url", "Video URL", { required: true, type: "url", maxlength: 2048, placeholder: "https://www.youtube.com/watch?v=…" }),
          field("global-add-artist_name", "Artist (optional)", { maxlength: 255, autocomplete: "off" }, "Found by name, or added."),
          field("global-add-title", "Title (optional)", { maxlength: 500, autocomplete: "off" }, "Without them, both are read from the source's title (\"Artist - Title\")."),
        ],
        "Add and download",
        async (data) => {
          const body = { source_url: String(data.get("url")).trim(), download: true };
          for (const name of ["artist_name", "title"]) {
            const value = String(data.get(name) || "").trim();
            if (value) body[name] = value;
          }
          const { video } = await api.post("/videos", body, { quiet: true });
          toast(`Added ${video.artist.name} – ${video.title}; downloading.`, "success", 8000, { href: `/videos/${video.id}`, text: "Open it" });
        },
      );
    }
  });
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
}

export function startShell() {
  mobileNav();
  globalAdd();
  themeSwitch();
  healthBanner();
  signOut();
  pageSizes();
  searchSuggestions();
  const live = new LiveConnection({
    banner: document.getElementById("live-banner"),
    status: document.getElementById("live-status"),
  });
  live.on("notification", (message) => toast(message.data.message || "Notification"));
  live.connect();
  window.mvidarrLive = live; // for the browser tests and for poking at it in the console
  return live;
}
