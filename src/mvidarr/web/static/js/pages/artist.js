// Artist detail: its videos are a server-rendered, paginated table; monitoring toggles and the
// quality profile save as soon as they change.
import { api } from "../api.js";
import { toast } from "../components.js";
import { startShell } from "../shell.js";

startShell();

const form = document.getElementById("artist-settings");
if (form) {
  form.addEventListener("change", async (event) => {
    const input = event.target;
    const value = input.type === "checkbox" ? input.checked : input.value === "" ? null : Number(input.value);
    try {
      await api.patch(`/artists/${form.dataset.artistId}`, { [input.name]: value });
      toast("Saved.", "success");
    } catch {
      if (input.type === "checkbox") input.checked = !input.checked;
    }
  });
}
