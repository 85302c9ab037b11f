// Quality: summary charts drawn from GET /video-quality/summary, and the profiles editor.
import { api } from "../api.js";
import { barChart, donutChart } from "../charts.js";
import { confirmDialog, formError, toast } from "../components.js";
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

for (const form of document.querySelectorAll("form.profile-form")) {
  const id = form.dataset.profileId;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, "");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      if (id) await api.patch(`/quality-profiles/${id}`, body(form), { quiet: true });
      else await api.post("/quality-profiles", body(form), { quiet: true });
      toast("Profile saved.", "success");
      window.setTimeout(() => window.location.reload(), 400);
    } catch (error) {
      formError(form, error.message);
      button.disabled = false;
    }
  });
  const remove = form.querySelector('button[data-action="delete-profile"]');
  if (remove) {
    remove.addEventListener("click", async () => {
      const sure = await confirmDialog(`Delete the profile “${remove.dataset.profileName}”?`, { confirm: "Delete", danger: true });
      if (!sure) return;
      try {
        await api.delete(`/quality-profiles/${id}`, { quiet: true });
        window.location.reload();
      } catch (error) {
        formError(form, error.message);
      }
    });
  }
}

drawCharts().catch(() => {
  // The toast has said why; the tables below each chart still hold the numbers.
});
