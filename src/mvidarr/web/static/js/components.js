// Small shared pieces: toasts, a confirm dialog, and building elements without innerHTML.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

/** `link` ({ href, text }) adds a link after the message, e.g. to the job doing the work. */
export function toast(message, kind = "info", timeoutMs = 6000, link = null) {
  const region = document.getElementById("toasts");
  if (!region) return;
  const close = el("button", { type: "button", "aria-label": "Dismiss" }, "×");
  const text = el("p", { text: message });
  if (link) text.append(" ", el("a", { href: link.href, text: link.text }));
  const item = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, text, close);
  close.addEventListener("click", () => item.remove());
  region.append(item);
  if (timeoutMs) window.setTimeout(() => item.remove(), timeoutMs);
}

/**
 * Ask a question with several answers in a modal <dialog>: `choices` is [{ value, label, danger }];
 * resolves to the chosen value, or null for Cancel (which has the focus).
 */
export function choiceDialog(message, choices) {
  return new Promise((resolve) => {
    const no = el("button", { type: "submit", value: "", class: "button" }, "Cancel");
    const buttons = choices.map((c) => el("button", { type: "submit", value: c.value, class: `button ${c.danger ? "danger" : "primary"}` }, c.label));
    const form = el("form", { method: "dialog" }, el("p", { text: message }), el("div", { class: "actions" }, no, ...buttons));
    const dialog = el("dialog", { "aria-label": message }, form);
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue || null);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

/** Ask a yes/no question in a modal <dialog>; resolves true when confirmed. */
export function confirmDialog(message, { confirm = "OK", danger = false } = {}) {
  return new Promise((resolve) => {
    const yes = el("button", { type: "submit", value: "yes", class: `button ${danger ? "danger" : "primary"}` }, confirm);
    const no = el("button", { type: "submit", value: "no", class: "button" }, "Cancel");
    const form = el("form", { method: "dialog" }, el("p", { text: message }), el("div", { class: "actions" }, no, yes));
    const dialog = el("dialog", { "aria-label": message }, form);
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

export function formError(form, message) {
  const box = form.querySelector(".form-error");
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}
