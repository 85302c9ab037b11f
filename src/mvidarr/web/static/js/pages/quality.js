// Quality: summary charts drawn from GET /video-quality/summary, and the profiles editor.
import { api } from "../api.js";
import { barChart, donutChart } from "../charts.js";
import { confirmDialog, formError, toast } from "../components.js";
import { refreshRegions } from "../refresh.js";
import { startShell } from "../shell.js";

startShell();

async function drawCharts() {
  const summary = await api.get("/video-quality/summary");
  for (const figure of document.querySelectorAll("figure[data-chart]")) {
    const buckets = summary[figure.dataset.chart] || [];
    const title = figure.querySelector("figcaption").textContent;
    const chart = figure.dataset.kind === "bars" ? barChart(buckets, title) : donutChart(buckets, title);
    figure.querySelector(".chart-canvas").replaceChildren(chart);
  }
}

function numberOrNull(text) {
  const value = String(text || "").trim();
  return value === "" ? null : Number(value);
}

function body(form) {
  const data = new FormData(form);
  const codecs = String(data.get("preferred_video_codecs") || "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return {
    name: String(data.get("name")).trim(),
    allowed_labels: data.getAll("allowed_labels").map(String),
    cutoff: data.get("cutoff"),
    preferred_video_codecs: codecs,
    preferred_container: String(data.get("preferred_container") || "").trim().toLowerCase() || null,
    min_mb_per_minute: numberOrNull(data.get("min_mb_per_minute")),
    max_mb_per_minute: numberOrNull(data.get("max_mb_per_minute")),
    upgrade_allowed: data.get("upgrade_allowed") !== null,
    sponsorblock: String(data.get("sponsorblock") || "off"),
    sponsorblock_categories: data.getAll("sponsorblock_categories").map(String),
  };
}

// The profiles list is rendered by the server; after a save or a delete its region is read again
// (refreshRegions), so the listeners are delegated from the document and survive the swap.
async function afterChange(form, message, focusId) {
  toast(message, "success");
  await refreshRegions(["#profiles"]);
  if (!form.dataset.profileId) {
    form.reset();
    form.closest("details")?.removeAttribute("open");
  }
  document.getElementById(focusId)?.focus();
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.profile-form");
  if (!form) return;
  event.preventDefault();
  formError(form, "");
  const id = form.dataset.profileId;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const saved = id
      ? await api.patch(`/quality-profiles/${id}`, body(form), { quiet: true })
      : await api.post("/quality-profiles", body(form), { quiet: true });
    await afterChange(form, "Profile saved.", `profile-${saved.id}-name`);
  } catch (error) {
    formError(form, error.message);
  } finally {
    button.disabled = false;
  }
});

document.addEventListener("click", async (event) => {
  const remove = event.target.closest('button[data-action="delete-profile"]');
  if (!remove) return;
  const form = remove.closest("form.profile-form");
  const sure = await confirmDialog(`Delete the profile “${remove.dataset.profileName}”?`, { confirm: "Delete", danger: true });
  if (!sure) return;
  try {
    await api.delete(`/quality-profiles/${form.dataset.profileId}`, { quiet: true });
    await afterChange(form, "Profile deleted.", "profiles-title");
  } catch (error) {
    formError(form, error.message);
  }
});

drawCharts().catch(() => {
  // The toast has said why; the tables below each chart still hold the numbers.
});
