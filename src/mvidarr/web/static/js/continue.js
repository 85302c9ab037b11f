// "Continue watching": the signed-in user's videos left part way, each linking to its player,
// which resumes where they stopped.
import { api } from "./api.js";
import { el } from "./components.js";

function clock(seconds) {
  const total = Math.round(seconds);
  const minutes = Math.floor(total / 60);
  return `${minutes}:${String(total % 60).padStart(2, "0")}`;
}

export async function continueWatching(section) {
  if (!section) return;
  let entries;
  try {
    entries = await api.get("/history/continue", { query: { limit: 8 }, quiet: true });
  } catch {
    return; // no history for this account: the section stays hidden
  }
  if (!entries.length) return;
  const list = section.querySelector("ul");
  list.replaceChildren(
    ...entries.map((entry) => {
      const { video } = entry;
      const length = entry.duration_s || video.duration_s;
      const bar = length ? el("progress", { max: String(length), value: String(entry.position_s), "aria-label": `${clock(entry.position_s)} of ${clock(length)} watched` }) : null;
      return el(
        "li",
        { dataset: { videoId: String(video.id) } },
        el("a", { href: `/videos/${video.id}`, text: video.title }),
        " ",
        el("span", { class: "muted", text: `${video.artist.name} · at ${clock(entry.position_s)}` }),
        " ",
        bar,
      );
    }),
  );
  section.hidden = false;
}
