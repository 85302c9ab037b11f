// The live connection: one WebSocket to /api/v1/ws, authenticated by the session cookie.
// Pages subscribe to topics and listen for event types; after a drop the client reconnects with
// backoff, resubscribes (the server answers fresh snapshots) and a banner says it is down meanwhile.
import { refreshSession, signInAgain } from "./api.js";

const CLOSE_UNAUTHENTICATED = 4401;
const MAX_DELAY_MS = 30000;

export class LiveConnection {
  constructor({ banner, status } = {}) {
    this.banner = banner;
    this.status = status;
    this.topics = new Set();
    this.listeners = new Map();
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.leaving = false;
    window.addEventListener("pagehide", () => {
      this.leaving = true;
      if (this.socket) this.socket.close(1000);
    });
  }

  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(listener);
    return () => this.listeners.get(type).delete(listener);
  }

  subscribe(topics) {
    const fresh = topics.filter((topic) => !this.topics.has(topic));
    fresh.forEach((topic) => this.topics.add(topic));
    if (fresh.length && this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "subscribe", topics: fresh }));
    }
  }

  connect() {
    window.clearTimeout(this.timer);
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/ws`);
    this.socket = socket;
    this.setState("connecting");
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.setState("open");
      if (this.topics.size) socket.send(JSON.stringify({ type: "subscribe", topics: [...this.topics] }));
    });
    socket.addEventListener("message", (event) => this.dispatch(event.data));
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  dispatch(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    for (const listener of this.listeners.get(message.type) || []) listener(message);
    for (const listener of this.listeners.get("*") || []) listener(message);
  }

  async closed(socket, code) {
    if (socket !== this.socket || this.leaving) return;
    this.setState("closed");
    if (code === CLOSE_UNAUTHENTICATED && !(await refreshSession())) {
      signInAgain();
      return;
    }
    const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt += 1;
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  setState(state) {
    if (this.status) {
      this.status.dataset.state = state;
      const text = { connecting: "Connecting…", open: "Live", closed: "Offline" }[state];
      this.status.querySelector(".live-text").textContent = text;
    }
    // The banner is for a connection that failed, not for the first handshake.
    if (this.banner && state !== "connecting") this.banner.hidden = state === "open";
  }
}
