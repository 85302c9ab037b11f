// Duplicates: each group merges into the chosen video; the group leaves the page and the count is
// read again from the server.
import { api } from "../api.js";
import { confirmDialog, formError, toast } from "../components.js";
import { refreshRegions } from "../refresh.js";
import { startShell } from "../shell.js";

startShell();

document.getElementById("duplicate-groups").addEventListener("submit", async (event) => {
  const form = event.target.closest("form.duplicate-group");
  if (!form) return;
  event.preventDefault();
  formError(form, "");
  const ids = form.dataset.videoIds.split(",").map(Number);
  const keep = Number(new FormData(form).get("keep"));
  if (!(await confirmDialog(`Merge ${ids.length} videos into video ${keep}? The other files go to the trash.`, { confirm: "Merge" }))) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const result = await api.post("/library/duplicates/merge", { video_ids: ids, keep_video_id: keep }, { quiet: true });
    toast(`Merged into “${result.video.title}”; ${result.trashed_file_ids.length} files to the trash.`, "success", 8000, {
      href: `/videos/${result.kept_video_id}`,
      text: "Open it",
    });
    form.remove();
    await refreshRegions(["#list-total"]);
  } catch (error) {
    formError(form, error.message);
    button.disabled = false;
  }
});
