// The JSON API from the browser: session cookies, the CSRF header on unsafe methods, problem+json
// errors shown as toasts, and one silent token refresh (shared by all tabs) before giving up on a 401.
import { toast } from "./components.js";

const API = "/api/v1";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const NO_REFRESH = /^\/auth\/(login|setup|refresh)$/;
const REFRESHED_AT = "mvidarr-refreshed-at";

// A message for people never shows a program's insides (`<_io.BytesIO object at 0x7f…>`).
const INTERNALS = /<[\w.]+ object at 0x[0-9a-fA-F]+>/g;

export class ApiError extends Error {
  constructor(status, problem) {
    super(String(problem.detail || problem.title || `HTTP ${status}`).replace(INTERNALS, "the file"));
    this.status = status;
    this.problem = problem;
  }
  get type() {
    return this.problem.type || "";
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)mvidarr_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

let refreshing = null;

// Decision 0008: a refresh token works once, so two tabs refreshing together would end the
// session. A Web Lock makes tabs take turns; the second one finds the new cookie and stops.
export function refreshSession() {
  if (!refreshing) {
    const noticedAt = Date.now();
    const attempt = async () => {
      // Another tab refreshed while this one waited for the lock: the cookies are new already.
      if (Number(window.localStorage.getItem(REFRESHED_AT) || 0) > noticedAt) return true;
      const token = csrfToken();
      if (!token) return false;
      const response = await fetch(`${API}/auth/refresh`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token, Accept: "application/json" },
      });
      if (response.ok) window.localStorage.setItem(REFRESHED_AT, String(Date.now()));
      return response.ok;
    };
    const run = navigator.locks ? () => navigator.locks.request("mvidarr-refresh", attempt) : attempt;
    refreshing = run().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

// Where to go after sign-in: only a path on this site. Judged as the browser will read it (leading
// controls and spaces dropped, tabs and newlines removed, "\\" taken as "/") on the value and its
// percent-decoded forms, then by the browser's own URL parser: "/%09/evil.example" and "/\\evil" fail.
export function sameSitePath(value) {
  if (typeof value !== "string" || !value || value.length > 2048) return "/";
  const forms = [value];
  for (let i = 0; i < 3; i += 1) {
    try {
      forms.push(decodeURIComponent(forms[forms.length - 1]));
    } catch {
      break; // a malformed escape stays as it is
    }
  }
  const plain = (form) => {
    const seen = form
      .replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "")
      .replace(/[\t\n\r]/g, "")
      .replace(/\\/g, "/");
    return seen.startsWith("/") && !seen.startsWith("//");
  };
  if (!forms.every(plain) || forms[forms.length - 1].startsWith("/api/")) return "/";
  const url = new URL(value, window.location.origin);
  return url.origin === window.location.origin ? url.pathname + url.search + url.hash : "/";
}

export function signInAgain() {
  const here = window.location.pathname + window.location.search;
  window.location.assign(here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`);
}

async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      // fall through: a broken body still has a status
    }
  }
  return { title: response.statusText || `HTTP ${response.status}`, status: response.status };
}

/**
 * Call the API. `options.json` is sent as the body; `options.quiet` leaves error display to the
 * caller (the error is thrown either way); `options.withHeaders` resolves to `{ data, headers }`.
 */
export async function request(method, path, options = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    // A file sent as the body itself (a backup upload), with its own type.
    headers["Content-Type"] = options.contentType || "application/octet-stream";
    init.body = options.body;
  }
  const url = new URL(API + path, window.location.origin);
  for (const [key, value] of Object.entries(options.query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const send = () => {
    if (!SAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
    return fetch(url, init);
  };
  let response = await send();
  if (response.status === 401 && !NO_REFRESH.test(path)) {
    if (await refreshSession()) response = await send();
    if (response.status === 401) {
      signInAgain();
      throw new ApiError(401, await problemOf(response));
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, await problemOf(response));
    if (!options.quiet) toast(error.message, "error");
    throw error;
  }
  const data = response.status === 204 ? null : await response.json();
  // `options.withHeaders` also hands back the response headers (e.g. `X-Job-Id`).
  return options.withHeaders ? { data, headers: response.headers } : data;
}

export const api = {
  get: (path, options) => request("GET", path, options),
  post: (path, json, options = {}) => request("POST", path, { ...options, json }),
  put: (path, json, options = {}) => request("PUT", path, { ...options, json }),
  patch: (path, json, options = {}) => request("PATCH", path, { ...options, json }),
  delete: (path, options) => request("DELETE", path, options),
};
