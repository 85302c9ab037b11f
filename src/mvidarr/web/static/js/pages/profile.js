// Profile: theme choice and custom themes (import/export), password, two-factor set-up with a QR
// code, sessions and API keys. Every change goes through the JSON API; the regions it changes are
// read again from the server (refreshRegions), so listeners are delegated from each region.
import { api } from "../api.js";
import { confirmDialog, el, formError, toast } from "../components.js";
import { refreshRegions } from "../refresh.js";
import { chooseTheme, startShell } from "../shell.js";

startShell();

function busy(form, yes) {
  form.querySelector("button[type=submit]").disabled = yes;
}

async function submitting(form, work) {
  formError(form, "");
  busy(form, true);
  try {
    await work(new FormData(form));
  } catch (error) {
    formError(form, error.message);
  } finally {
    busy(form, false);
  }
}

// ----------------------------------------------------------------- themes

document.getElementById("theme-grid").addEventListener("change", (event) => {
  const radio = event.target.closest('input[name="profile-theme"]');
  if (radio) chooseTheme(radio.value, radio.dataset.base || "");
});

/** The theme lists (the cards, the custom themes table, the top bar's switch) after an import or a delete. */
async function refreshThemes() {
  await refreshRegions(["#theme-grid", "#custom-themes tbody", "#theme-select"]);
}

const themes = document.getElementById("custom-themes");
themes.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const id = button.dataset.themeId;
  if (button.dataset.action === "export-theme") {
    const doc = await api.get(`/themes/${encodeURIComponent(id)}`);
    const blob = new Blob([JSON.stringify(doc, null, 2) + "\n"], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `${id}.mvidarr-theme.json` });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  } else if (button.dataset.action === "delete-theme") {
    const sure = await confirmDialog(`Delete the theme “${button.dataset.themeName}”?`, { confirm: "Delete", danger: true });
    if (!sure) return;
    await api.delete(`/themes/${encodeURIComponent(id)}`);
    if (document.documentElement.dataset.theme === id) await chooseTheme("system");
    toast(`Deleted the theme “${button.dataset.themeName}”.`, "success");
    await refreshThemes();
  }
});

const importForm = document.getElementById("theme-import");
importForm.addEventListener("submit", (event) => {
  event.preventDefault();
  submitting(importForm, async (data) => {
    const file = data.get("file");
    const text = file && file.size ? await file.text() : String(data.get("json") || "").trim();
    if (!text) throw new Error("Choose a theme file or paste its JSON.");
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new Error("That is not JSON.");
    }
    const theme = await api.post("/themes", doc, { quiet: true });
    await chooseTheme(theme.id, theme.base);
    toast(`Imported “${theme.name}”.`, "success");
    importForm.reset();
    await refreshThemes();
  });
});

// ----------------------------------------------------------------- password

const passwordForm = document.getElementById("password-change");
passwordForm.addEventListener("submit", (event) => {
  event.preventDefault();
  submitting(passwordForm, async (data) => {
    if (data.get("new_password") !== data.get("repeat")) throw new Error("The two new passwords differ.");
    await api.post(
      "/auth/password",
      { current_password: data.get("current_password"), new_password: data.get("new_password") },
      { quiet: true },
    );
    passwordForm.reset();
    toast("Password changed. Your other sessions were signed out.", "success");
  });
});

// ----------------------------------------------------------------- two-factor

// The section is read again after turning it off, so its listeners are delegated from the section.
const twoFactor = document.getElementById("two-factor");
twoFactor.addEventListener("click", async (event) => {
  if (event.target.closest('[data-action="tfa-done"]')) {
    await refreshRegions(["#two-factor"]);
    document.getElementById("tfa-title").focus();
    return;
  }
  const start = event.target.closest("#tfa-start");
  if (!start) return;
  start.disabled = true;
  try {
    const setup = await api.post("/auth/totp/setup");
    document.getElementById("tfa-qr").src = setup.qr_code;
    document.getElementById("tfa-secret").textContent = setup.secret;
    document.getElementById("tfa-setup").hidden = false;
    start.hidden = true;
    document.getElementById("tfa-code").focus();
  } catch {
    start.disabled = false;
  }
});
twoFactor.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.id === "tfa-enable") {
    event.preventDefault();
    submitting(form, async (data) => {
      const result = await api.post("/auth/totp/enable", { code: String(data.get("code")).trim() }, { quiet: true });
      document.getElementById("tfa-code-list").replaceChildren(...result.codes.map((code) => el("li", {}, el("code", { text: code }))));
      document.getElementById("tfa-setup").hidden = true;
      document.getElementById("tfa-codes").hidden = false;
      document.getElementById("tfa-state").textContent = "On: signing in asks for a code from your authenticator app.";
    });
  } else if (form.id === "tfa-disable") {
    event.preventDefault();
    submitting(form, async (data) => {
      await api.post("/auth/totp/disable", { password: data.get("password"), code: String(data.get("code")).trim() }, { quiet: true });
      toast("Two-factor authentication is off.", "success");
      await refreshRegions(["#two-factor"]);
      document.getElementById("tfa-start")?.focus();
    });
  }
});

// ----------------------------------------------------------------- sessions and API keys

document.getElementById("sessions").addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="revoke-session"]');
  if (!button) return;
  button.disabled = true;
  try {
    await api.delete(`/auth/sessions/${button.dataset.sessionId}`);
    button.closest("tr").remove();
    toast("Session ended.", "success");
  } catch {
    button.disabled = false;
  }
});

document.getElementById("api-keys").addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="revoke-key"]');
  if (!button) return;
  const sure = await confirmDialog(`Revoke the API key “${button.dataset.keyName}”? Programs using it stop working.`, {
    confirm: "Revoke",
    danger: true,
  });
  if (!sure) return;
  await api.delete(`/api-keys/${button.dataset.keyId}`);
  button.closest("tr").remove();
  toast("Key revoked.", "success");
});

const keyForm = document.getElementById("key-create");
keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  submitting(keyForm, async (data) => {
    const created = await api.post("/api-keys", { name: String(data.get("name")).trim(), role: data.get("role") }, { quiet: true });
    document.getElementById("key-value").textContent = created.key;
    keyForm.hidden = true;
    document.getElementById("key-created").hidden = false;
  });
});

document.getElementById("key-copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(document.getElementById("key-value").textContent);
    toast("Copied.", "success");
  } catch {
    toast("Select the key and copy it by hand.", "error");
  }
});
