// Artists: the list is server-rendered (filters, sort and pages are links and GET forms); this adds
// bulk changes to the selected artists, one PATCH each (at most a page of them).
import { api } from "../api.js";
import { toast } from "../components.js";
import { selection } from "../select.js";
import { refreshRegions } from "../refresh.js";
import { startShell } from "../shell.js";

startShell();

const form = document.getElementById("artist-bulk");
if (form) {
  const apply = form.querySelector("button[type=submit]");
  const chosen = selection(document.getElementById("artist-list"), {
    selectAll: document.getElementById("select-all"),
    count: document.getElementById("selected-count"),
    onChange: (ids) => {
      apply.disabled = ids.length === 0;
    },
  });
  const changes = {
    monitor: { monitored: true },
    unmonitor: { monitored: false },
    "auto-on": { auto_download: true },
    "auto-off": { auto_download: false },
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = form.elements.action.value;
    const body = action.startsWith("profile:") ? { quality_profile_id: Number(action.slice(8)) } : changes[action];
    const ids = chosen.ids();
    apply.disabled = true;
    let done = 0;
    for (const id of ids) {
      try {
        await api.patch(`/artists/${id}`, body);
        done += 1;
      } catch {
        break; // the toast has said why; the rest stay as they were
      }
    }
    toast(`Changed ${done} of ${ids.length} artists.`, done === ids.length ? "success" : "error");
    await refreshRegions(["#artist-list"]);
    chosen.clear();
    apply.disabled = false;
  });
}
