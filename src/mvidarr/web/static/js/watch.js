// Watch history from a <video>: a play is recorded when playback starts, its position every few
// seconds, on pause and when the page is left, and its end; with `resume` the video starts where
// the user left it. Readonly users have no history: the first refusal switches tracking off.
import { api, csrfToken } from "./api.js";

const PROGRESS_MS = 5000;
const RESUME_MIN_S = 5;
const RESUME_TAIL_S = 10;

export class PlayTracker {
  /** `controls` (player.js's controller), when given, knows the position in the file of a remuxed
   * stream, which restarts at 0 after every seek; without it the element's own clock is used. */
  constructor(video, controls = null) {
    this.video = video;
    this.controls = controls;
    this.videoId = null;
    this.playId = null;
    this.starting = null;
    this.enabled = true;
    this.timer = null;
    video.addEventListener("playing", () => this.begin());
    video.addEventListener("pause", () => this.report());
    video.addEventListener("ended", () => this.report(true));
    window.addEventListener("pagehide", () => this.report(false, true));
  }

  /** Follow `videoId` from now on (the element's source is changed by the caller). Resolves once a
   * resume position, if any, has been applied. */
  async follow(videoId, { resume = false } = {}) {
    if (this.videoId !== null && this.videoId !== videoId) this.report();
    this.videoId = videoId;
    this.playId = null;
    this.starting = null;
    if (!resume || !this.enabled) return 0;
    let state;
    try {
      state = await api.get(`/videos/${videoId}/watch-state`, { quiet: true });
    } catch (error) {
      if (error.status === 403) this.enabled = false;
      return 0;
    }
    const at = state.position_s;
    const length = state.duration_s || Infinity;
    if (at < RESUME_MIN_S || at > length - RESUME_TAIL_S || this.videoId !== videoId) return 0;
    if (this.controls) {
      this.controls.seek(at); // a remuxed file asks the server for the stream from `at`
    } else {
      const seek = () => {
        this.video.currentTime = at;
      };
      if (this.video.readyState >= 1) seek();
      else this.video.addEventListener("loadedmetadata", seek, { once: true });
    }
    this.video.dataset.resumedFrom = String(at);
    return at;
  }

  begin() {
    if (!this.enabled || this.videoId === null || this.playId !== null || this.starting) return;
    const videoId = this.videoId;
    this.starting = api
      .post("/history/plays", { video_id: videoId }, { quiet: true })
      .then((play) => {
        if (this.videoId === videoId) this.playId = play.id;
      })
      .catch((error) => {
        if (error.status === 403) this.enabled = false;
      })
      .finally(() => {
        this.starting = null;
      });
    if (this.timer === null) this.timer = window.setInterval(() => this.tick(), PROGRESS_MS);
  }

  tick() {
    if (!this.video.paused && !this.video.ended) this.report();
  }

  report(completed = false, leaving = false) {
    if (this.playId === null) return;
    const position = this.controls ? this.controls.position() : this.video.currentTime || 0;
    const length = this.controls ? this.controls.length() : this.video.duration;
    const body = { position_s: Math.max(0, position), completed };
    if (Number.isFinite(length) && length > 0) body.duration_s = length;
    const path = `/api/v1/history/plays/${this.playId}`;
    if (completed) this.playId = null; // the next start of this video is a new play
    // keepalive lets the last report leave with the page.
    fetch(path, {
      method: "PATCH",
      credentials: "same-origin",
      keepalive: leaving,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body),
    }).catch(() => {});
  }
}
