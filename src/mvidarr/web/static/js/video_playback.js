// The video page's player, for the playback features: the user's watch history and resume
// position (PlayTracker), and the video's sidecar subtitles as <track> elements.
import { api } from "./api.js";
import { el } from "./components.js";
import { PlayTracker } from "./watch.js";

export async function attachPlayback(player, videoId, controls = null) {
  const tracker = new PlayTracker(player, controls);
  tracker.follow(videoId, { resume: true });
  let tracks = [];
  try {
    tracks = await api.get(`/videos/${videoId}/subtitles`, { quiet: true });
  } catch {
    return;
  }
  for (const track of tracks) {
    player.append(el("track", { kind: "subtitles", src: track.url, srclang: track.language || "und", label: track.label }));
  }
  return tracker;
}
