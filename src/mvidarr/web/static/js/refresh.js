// Updating a list in place after an action or an event, without reloading the page: the page is
// read again from the server and the given regions take their fresh content. The server stays the
// one renderer of each list, and the regions' elements (with their delegated listeners, focus
// around them and the scroll position) stay where they are.
let pending = null;

async function freshPage(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return new DOMParser().parseFromString(await response.text(), "text/html");
}

/** Puts the server's current content of each selector's element in place; returns the fresh document. */
export async function refreshRegions(selectors, url = window.location.href) {
  const fresh = await freshPage(url);
  for (const selector of selectors) {
    const here = document.querySelector(selector);
    const there = fresh.querySelector(selector);
    if (!here || !there) continue;
    here.replaceChildren(...[...there.childNodes].map((node) => document.importNode(node, true)));
    for (const { name, value } of there.attributes) {
      if (name.startsWith("data-") || name === "hidden" || name === "disabled") here.setAttribute(name, value);
    }
    for (const name of ["hidden", "disabled"]) if (!there.hasAttribute(name)) here.removeAttribute(name);
  }
  return fresh;
}

/** refreshRegions for bursts of events: at most one read of the page in flight, the last wins. */
export function refreshSoon(selectors, delayMs = 400) {
  window.clearTimeout(pending);
  pending = window.setTimeout(() => {
    refreshRegions(selectors).catch(() => {
      // the next event or action tries again; a stale list is better than an error here
    });
  }, delayMs);
}
