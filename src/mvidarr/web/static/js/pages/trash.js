// Trash: restore a file (its folder is rescanned) or, for administrators, delete it for good.
import { api } from "../api.js";
import { confirmDialog, toast } from "../components.js";
import { startShell } from "../shell.js";
import { refreshSoon } from "../refresh.js";

startShell();

document.getElementById("trash").addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const { action, entryId } = button.dataset;
  if (action === "purge") {
    const sure = await confirmDialog(`Delete “${button.dataset.name}” for good? This cannot be undone.`, {
      confirm: "Delete",
      danger: true,
    });
    if (!sure) return;
  }
  button.disabled = true;
  try {
    if (action === "restore") {
      const restored = await api.post(`/trash/${entryId}/restore`);
      toast(`Restored to ${restored.restored_path}${restored.renamed ? " (renamed: the name was taken)" : ""}.`, "success");
    } else {
      await api.delete(`/trash/${entryId}`);
      toast("Deleted for good.", "success");
    }
    button.closest("tr").remove();
    refreshSoon(["#trash tbody", "#list-total"], 0);
  } catch {
    button.disabled = false; // the toast has said why
  }
});
