// "Add to playlist" for a selection of videos: a dialog to pick one of the user's manual
// playlists or name a new one; the videos (ids, or the list's filter) are added in one request.
import { api } from "./api.js";
import { el, formError } from "./components.js";

function ask(playlists, count) {
  const select = el(
    "select",
    { id: "picker-playlist", name: "playlist" },
    ...playlists.map((p) => el("option", { value: String(p.id), text: p.name })),
    el("option", { value: "new", text: "A new playlist…" }),
  );
  const name = el("input", { id: "picker-name", name: "name", maxlength: "255", placeholder: "New playlist's name" });
  const nameField = el("div", { class: "field" }, el("label", { for: "picker-name", text: "Name" }), name);
  const error = el("p", { class: "form-error", role: "alert", hidden: true });
  const form = el(
    "form",
    { method: "dialog" },
    el("h2", { id: "picker-title", text: `Add ${count} video${count === 1 ? "" : "s"} to a playlist` }),
    error,
    el("div", { class: "field" }, el("label", { for: "picker-playlist", text: "Playlist" }), select),
    nameField,
    el(
      "div",
      { class: "actions" },
      el("button", { class: "button", value: "cancel", formnovalidate: true }, "Cancel"),
      el("button", { class: "button primary", value: "add" }, "Add"),
    ),
  );
  const dialog = el("dialog", { "aria-labelledby": "picker-title", id: "playlist-picker" }, form);
  const showName = () => {
    nameField.hidden = select.value !== "new";
  };
  select.addEventListener("change", showName);
  if (!playlists.length) select.value = "new";
  showName();
  return new Promise((resolve) => {
    form.addEventListener("submit", (event) => {
      if (event.submitter?.value !== "add") return;
      if (select.value === "new" && !name.value.trim()) {
        event.preventDefault();
        formError(form, "Name the new playlist.");
      }
    });
    dialog.addEventListener("close", () => {
      const choice = dialog.returnValue === "add" ? { id: select.value, name: name.value.trim() } : null;
      dialog.remove();
      resolve(choice);
    });
    document.body.append(dialog);
    dialog.showModal();
    select.focus();
  });
}

/** Add the chosen videos ({ ids } or { filter }); answers { message } or null when cancelled. */
export async function addToPlaylist(chosen, count) {
  const mine = await api.get("/playlists", { query: { mine: true, smart: false, page_size: 500 } });
  const choice = await ask(mine.items, count);
  if (!choice) return null;
  let playlist = mine.items.find((p) => String(p.id) === choice.id);
  if (choice.id === "new") playlist = await api.post("/playlists", { name: choice.name });
  const body = chosen.filter ? { filter: chosen.filter } : { video_ids: chosen.ids };
  const result = await api.post(`/playlists/${playlist.id}/items`, body);
  const already = result.already_present ? ` (${result.already_present} already there)` : "";
  return { message: `Added ${result.added} to “${playlist.name}”${already}.`, link: { href: `/playlists/${playlist.id}`, text: "Open it" } };
}
