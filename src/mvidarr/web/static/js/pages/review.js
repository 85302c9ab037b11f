// Metadata review: apply a ranked candidate to its video or artist; the item leaves the list and
// the enrichment job it starts is named in a toast.
import { api } from "../api.js";
import { toast } from "../components.js";
import { startShell } from "../shell.js";

startShell();

// A provider picture that cannot be shown is left out rather than drawn broken.
const review = document.getElementById("review");
const dropBroken = (img) => img.remove();
review.addEventListener("error", (event) => { if (event.target instanceof HTMLImageElement) dropBroken(event.target); }, true);
review.querySelectorAll("img.provider-thumb").forEach((img) => { if (img.complete && img.naturalWidth === 0) dropBroken(img); });

review.addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-action="apply"]');
  if (!button) return;
  const { kind, targetId, provider, providerId } = button.dataset;
  const section = button.closest(".review-item");
  section.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  try {
    const applied = await api.put(`/${kind === "video" ? "videos" : "artists"}/${targetId}/match`, {
      provider,
      provider_id: providerId,
    });
    section.remove();
    toast(`Matched to ${applied.provider} ${applied.provider_id}; enrichment job ${applied.job_id} started.`, "success");
  } catch {
    section.querySelectorAll("button").forEach((b) => { b.disabled = false; }); // the toast has said why
  }
});
