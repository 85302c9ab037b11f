// A continuous player: two <video> elements in a stage, one playing and one loading the next
// video, so moving on is a swap of elements rather than a new load (near-gapless). Subtitles
// come as <track> elements; a file the browser cannot play is asked for again as a remux.
import { api } from "./api.js";
import { el } from "./components.js";
import { PlayTracker } from "./watch.js";

function streamUrl(videoId, remux = false) {
  return `/api/v1/videos/${videoId}/stream${remux ? "?mode=remux" : ""}`;
}

export class ContinuousPlayer {
  /** `onEnded()` is called when a video ends (the caller moves on); `onChange(videoId)` on each start. */
  constructor(stage, { onEnded = () => {}, onChange = () => {}, resume = false } = {}) {
    this.stage = stage;
    this.onEnded = onEnded;
    this.onChange = onChange;
    this.resume = resume;
    this.elements = [this.make(), this.make()];
    this.active = this.elements[0];
    this.active.hidden = false;
    this.trackers = new Map(this.elements.map((video) => [video, new PlayTracker(video)]));
    this.preloadedId = null;
  }

  make() {
    const video = el("video", { controls: true, preload: "auto", playsinline: true, hidden: true });
    video.addEventListener("ended", () => {
      if (video === this.active) {
        this.stage.dataset.endedAt = String(performance.now());
        this.onEnded();
      }
    });
    video.addEventListener("playing", () => {
      if (video === this.active) this.stage.dataset.playingAt = String(performance.now());
    });
    video.addEventListener("error", () => {
      const id = video.dataset.videoId;
      if (id && !video.src.includes("mode=remux")) {
        video.src = streamUrl(id, true);
        if (video === this.active) video.play().catch(() => {});
      } else if (id && video === this.active) {
        this.onEnded(); // unplayable even remuxed: move on rather than stop the show
      }
    });
    this.stage.append(video);
    return video;
  }

  get other() {
    return this.elements[0] === this.active ? this.elements[1] : this.elements[0];
  }

  get videoId() {
    return this.active.dataset.videoId ? Number(this.active.dataset.videoId) : null;
  }

  async load(video, videoId) {
    video.dataset.videoId = String(videoId);
    video.replaceChildren();
    video.src = streamUrl(videoId);
    video.load();
    this.addSubtitles(video, videoId);
  }

  async addSubtitles(video, videoId) {
    let tracks = [];
    try {
      tracks = await api.get(`/videos/${videoId}/subtitles`, { quiet: true });
    } catch {
      return; // no file, or none readable: the video plays without
    }
    if (video.dataset.videoId !== String(videoId)) return;
    for (const track of tracks) {
      video.append(el("track", { kind: "subtitles", src: track.url, srclang: track.language || "und", label: track.label }));
    }
  }

  /** Start `videoId` now: the preloaded element when it holds it, else a fresh load. */
  async play(videoId) {
    const tracker = () => this.trackers.get(this.active);
    if (this.preloadedId === videoId && this.other.dataset.videoId === String(videoId)) {
      const previous = this.active;
      this.active = this.other;
      this.active.hidden = false;
      delete this.stage.dataset.playingAt; // set again by this video's own "playing"
      const started = this.active.play();
      previous.hidden = true;
      previous.pause();
      this.preloadedId = null;
      tracker().follow(videoId, { resume: false });
      this.stage.dataset.videoId = String(videoId);
      this.onChange(videoId);
      await started.catch(() => {});
      return;
    }
    this.active.pause();
    delete this.stage.dataset.playingAt;
    await this.load(this.active, videoId);
    const resumed = tracker().follow(videoId, { resume: this.resume });
    this.stage.dataset.videoId = String(videoId);
    this.onChange(videoId);
    await resumed;
    await this.active.play().catch(() => {});
  }

  /** Load `videoId` into the hidden element so that `play(videoId)` starts at once. */
  preload(videoId) {
    if (videoId === null || videoId === undefined) {
      this.preloadedId = null;
      return;
    }
    if (this.preloadedId === videoId) return;
    this.preloadedId = videoId;
    this.other.pause();
    this.load(this.other, videoId);
  }

  toggle() {
    if (this.active.paused) this.active.play().catch(() => {});
    else this.active.pause();
  }

  seekBy(seconds) {
    const video = this.active;
    video.currentTime = Math.max(0, Math.min(video.duration || Infinity, video.currentTime + seconds));
  }
}
