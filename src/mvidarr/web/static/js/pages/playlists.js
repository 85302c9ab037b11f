// Playlists: the list is rendered by the server; this creates a playlist (manual, or smart from a
// filter) and opens it.
import { api } from "../api.js";
import { formError } from "../components.js";
import { readRule } from "../rule.js";
import { startShell } from "../shell.js";

startShell();
const form = document.getElementById("playlist-create");

if (form) {
  const ruleBox = document.getElementById("new-rule");
  const smart = () => form.elements.kind.value === "smart";
  form.addEventListener("change", () => {
    ruleBox.hidden = !smart();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError(form, "");
    const body = {
      name: form.elements.name.value.trim(),
      description: form.elements.description.value.trim() || null,
      public: form.elements.public.checked,
    };
    if (smart()) body.rule = readRule(ruleBox);
    try {
      const created = await api.post("/playlists", body, { quiet: true });
      window.location.assign(`/playlists/${created.id}`);
    } catch (error) {
      formError(form, error.message);
    }
  });
}
