// Editors for runtime settings whose values are not one word: chips for lists of words, an ordered
// pick from a fixed list, a key → list editor for dictionaries, named fields for objects. Each is
// built from the setting's JSON schema and value (the fieldset's data attributes) and read back as
// JSON the API accepts; `showErrors` puts the server's problem-document errors at their field.
import { el } from "./components.js";

let counter = 0;
const nextId = (base) => `${base}-${(counter += 1)}`;

function resolve(schema, root) {
  if (schema && schema.$ref && schema.$ref.startsWith("#/$defs/")) return root.$defs?.[schema.$ref.slice(8)] || {};
  return schema || {};
}

function nonNull(schema, root) {
  const variants = schema.anyOf || [schema];
  const main = variants.find((v) => v.type !== "null") || {};
  return { main: resolve(main, root), nullable: variants.some((v) => v.type === "null") };
}

const human = (name) => {
  const words = name.replace(/_s$/, " (seconds)").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
};

// Free words as chips: type one and press Enter (or a comma) to add it; each chip has a remove button.
function chipsEditor(values, label, itemSchema) {
  const list = el("ul", { class: "chips", "aria-label": label });
  const inputId = nextId("chip-input");
  const input = el("input", { id: inputId, class: "chip-input", autocomplete: "off", maxlength: itemSchema.maxLength || 500 });
  const add = el("button", { type: "button", class: "button small" }, "Add");
  const chip = (value) => {
    const remove = el("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${value}` }, "×");
    const item = el("li", { class: "chip", dataset: { value } }, el("span", { text: value }), remove);
    remove.addEventListener("click", () => {
      item.remove();
      input.focus();
      list.dispatchEvent(new Event("input", { bubbles: true }));
    });
    return item;
  };
  const commit = () => {
    for (const word of input.value.split(/[\n,]+/).map((w) => w.trim()).filter(Boolean)) {
      if (![...list.children].some((li) => li.dataset.value === word)) list.append(chip(word));
    }
    input.value = "";
    list.dispatchEvent(new Event("input", { bubbles: true }));
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      commit();
    } else if (event.key === "Backspace" && !input.value && list.lastElementChild) {
      list.lastElementChild.remove();
    }
  });
  input.addEventListener("blur", () => { if (input.value.trim()) commit(); });
  add.addEventListener("click", commit);
  for (const value of values || []) list.append(chip(String(value)));
  const node = el("div", { class: "chips-editor" }, list,
    el("div", { class: "chip-add" }, el("label", { for: inputId, class: "visually-hidden", text: `Add to ${label}` }), input, add));
  return {
    node,
    read: () => {
      if (input.value.trim()) commit();
      return [...list.children].map((li) => li.dataset.value);
    },
  };
}

// An ordered pick from a fixed list: chips in order, each removable and movable up; a select adds.
function choicesEditor(values, label, options) {
  const list = el("ol", { class: "chips ordered", "aria-label": label });
  const selectId = nextId("choice");
  const select = el("select", { id: selectId });
  const refresh = () => {
    const taken = new Set([...list.children].map((li) => li.dataset.value));
    select.replaceChildren(el("option", { value: "", text: "Add…" }), ...options.filter((o) => !taken.has(o)).map((o) => el("option", { value: o, text: o })));
    select.disabled = taken.size === options.length;
  };
  const chip = (value) => {
    const up = el("button", { type: "button", class: "chip-move", "aria-label": `Move ${value} earlier` }, "↑");
    const remove = el("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${value}` }, "×");
    const item = el("li", { class: "chip", dataset: { value } }, el("span", { text: value }), up, remove);
    up.addEventListener("click", () => {
      if (item.previousElementSibling) item.previousElementSibling.before(item);
      list.dispatchEvent(new Event("input", { bubbles: true }));
    });
    remove.addEventListener("click", () => {
      item.remove();
      refresh();
      list.dispatchEvent(new Event("input", { bubbles: true }));
    });
    return item;
  };
  select.addEventListener("change", () => {
    if (!select.value) return;
    list.append(chip(select.value));
    refresh();
    select.focus();
  });
  for (const value of values || []) list.append(chip(String(value)));
  refresh();
  const node = el("div", { class: "chips-editor" }, list,
    el("div", { class: "chip-add" }, el("label", { for: selectId, class: "visually-hidden", text: `Add to ${label}` }), select));
  return { node, read: () => [...list.children].map((li) => li.dataset.value) };
}

function scalarEditor(value, label, schema, nullable) {
  const id = nextId("sub");
  let input;
  if (schema.type === "boolean") {
    input = el("input", { id, type: "checkbox", role: "switch" });
    input.checked = Boolean(value);
    return { node: el("label", { class: "inline toggle" }, input, ` ${label}`), read: () => input.checked, input };
  }
  if (schema.enum) {
    input = el("select", { id }, ...(nullable ? [el("option", { value: "", text: "(none)" })] : []), ...schema.enum.map((o) => el("option", { value: o, text: o })));
    input.value = value ?? "";
  } else if (schema.type === "integer" || schema.type === "number") {
    input = el("input", { id, type: "number", class: "narrow", step: schema.type === "number" ? "any" : null, min: schema.minimum ?? null, max: schema.maximum ?? null });
    input.value = value ?? "";
  } else {
    input = el("input", { id, maxlength: schema.maxLength ?? null });
    input.value = value ?? "";
  }
  const read = () => {
    const text = String(input.value).trim();
    if (text === "") return nullable ? null : undefined;
    return schema.type === "integer" || schema.type === "number" ? Number(text) : text;
  };
  return { node: el("div", { class: "field" }, el("label", { for: id, text: label }), input), read, input };
}

function editorFor(schema, value, label, root) {
  const { main, nullable } = nonNull(schema, root);
  if (main.type === "array") {
    const items = resolve(main.items || {}, root);
    return items.enum ? choicesEditor(value, label, items.enum) : chipsEditor(value, label, items);
  }
  if (main.type === "object" && main.properties) return objectEditor(value || {}, main, root);
  if (main.type === "object") return mapEditor(value || {}, label, main, root);
  return scalarEditor(value, label, main, nullable);
}

// Named fields (e.g. discovery filters): one editor per property, labelled by its title.
function objectEditor(value, schema, root) {
  const parts = Object.entries(schema.properties).map(([name, sub]) => {
    const label = human(name);
    const editor = editorFor(sub, value[name], label, root);
    const box = sub.type === "array" ? el("fieldset", { class: "sub" }, el("legend", { text: label }), editor.node) : editor.node;
    if (sub.description) box.append(el("p", { class: "help", text: sub.description }));
    box.dataset.part = name;
    return { name, editor, box };
  });
  return {
    node: el("div", { class: "object-editor" }, ...parts.map((p) => p.box)),
    read: () => Object.fromEntries(parts.map((p) => [p.name, p.editor.read()]).filter(([, v]) => v !== undefined)),
  };
}

// Keys to values (e.g. each video field → its providers in order): one row per key, a select adds a key.
function mapEditor(value, label, schema, root) {
  const keys = schema.propertyNames?.enum || null;
  const rows = el("div", { class: "map-rows" });
  const entries = new Map();
  const selectId = nextId("map-key");
  const keyPick = keys ? el("select", { id: selectId }) : el("input", { id: selectId, autocomplete: "off" });
  const refresh = () => {
    if (!keys) return;
    keyPick.replaceChildren(el("option", { value: "", text: "Add a field…" }), ...keys.filter((k) => !entries.has(k)).map((k) => el("option", { value: k, text: k })));
  };
  const addRow = (key, rowValue) => {
    const editor = editorFor(schema.additionalProperties || {}, rowValue, key, root);
    const remove = el("button", { type: "button", class: "button small", "aria-label": `Remove ${key}` }, "Remove");
    const row = el("fieldset", { class: "map-row", dataset: { key } }, el("legend", { text: key }), editor.node, remove);
    remove.addEventListener("click", () => {
      entries.delete(key);
      row.remove();
      refresh();
    });
    entries.set(key, editor);
    rows.append(row);
  };
  for (const [key, rowValue] of Object.entries(value)) addRow(key, rowValue);
  refresh();
  const adder = el("div", { class: "chip-add" }, el("label", { for: selectId, class: "visually-hidden", text: `Add a key to ${label}` }), keyPick);
  if (keys) {
    keyPick.addEventListener("change", () => {
      if (!keyPick.value) return;
      addRow(keyPick.value, []);
      refresh();
    });
  } else {
    const add = el("button", { type: "button", class: "button small" }, "Add");
    add.addEventListener("click", () => {
      const key = keyPick.value.trim();
      if (key && !entries.has(key)) addRow(key, []);
      keyPick.value = "";
    });
    adder.append(add);
  }
  return {
    node: el("div", { class: "map-editor" }, rows, adder),
    read: () => Object.fromEntries([...entries].map(([key, editor]) => [key, editor.read()])),
  };
}

/** Builds the editor inside a structured setting's fieldset; returns its reader. */
export function buildStructured(fieldset) {
  const schema = JSON.parse(fieldset.dataset.schema);
  const value = JSON.parse(fieldset.dataset.value);
  const label = fieldset.querySelector("legend").textContent.trim();
  const editor = editorFor(schema, value, label, schema);
  fieldset.append(editor.node);
  return editor.read;
}

/** Shows each problem-document error (`loc` ["body", key, ...]) at its field; returns those left over. */
export function showErrors(form, errors) {
  const left = [];
  for (const error of errors || []) {
    const [where, key, ...rest] = error.loc || [];
    const field = where === "body" && key ? form.querySelector(`.field[data-key="${CSS.escape(String(key))}"]`) : null;
    if (!field) {
      left.push(error);
      continue;
    }
    const box = field.querySelector(".field-error");
    const fieldset = field.querySelector("fieldset.structured");
    let msg = error.msg;
    if (error.type === "string_pattern_mismatch") {
      // The pattern is for machines; the schema's description says the same in words.
      const schema = fieldset ? JSON.parse(fieldset.dataset.schema) : {};
      const described = schema.items?.description || schema.description;
      msg = described ? `not accepted. ${described}` : "not in the accepted form";
    }
    // A list's entry is named by its value (the chip is marked), not by its position.
    const chips = fieldset ? [...fieldset.querySelectorAll(":scope > .chips-editor > .chips > li")] : [];
    const named = rest.map((p) => (typeof p === "number" && chips[p] ? `“${chips[p].dataset.value}”` : p));
    if (typeof rest[0] === "number" && chips[rest[0]]) chips[rest[0]].classList.add("invalid");
    const path = named.filter((p) => typeof p === "string" || typeof p === "number").join(" › ");
    const line = path ? `${path}: ${msg}` : msg;
    box.textContent = box.hidden ? line : `${box.textContent} ${line}`;
    box.hidden = false;
    const control = field.querySelector("input, select, fieldset");
    if (control) control.setAttribute("aria-invalid", "true");
  }
  return left;
}

export function clearErrors(form) {
  for (const box of form.querySelectorAll(".field-error")) {
    box.textContent = "";
    box.hidden = true;
  }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  for (const chip of form.querySelectorAll(".chip.invalid")) chip.classList.remove("invalid");
}
