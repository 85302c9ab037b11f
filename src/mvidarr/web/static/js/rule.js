// A smart rule (the video list's filters plus the viewer's state) read from and written to the
// fields of _rule_fields.html.
const LISTS = new Set(["kind", "status", "quality_label"]);
const FLAGS = new Set(["watched", "favourite"]);

export function readRule(container) {
  const rule = {};
  for (const field of container.querySelectorAll("input[name], select[name]")) {
    const value = field.value.trim();
    if (!value) continue;
    const name = field.name;
    if (LISTS.has(name)) rule[name] = [value];
    else if (FLAGS.has(name)) rule[name] = value === "true";
    else if (name === "decade") rule.decade = Number(value);
    else if (name === "added_since") rule.added_since = `${value}T00:00:00Z`;
    else rule[name] = value;
  }
  return rule;
}

export function writeRule(container, rule) {
  for (const field of container.querySelectorAll("input[name], select[name]")) {
    let value = rule[field.name];
    if (Array.isArray(value)) value = value[0];
    if (field.name === "added_since" && value) value = String(value).slice(0, 10);
    field.value = value === undefined || value === null ? "" : String(value);
  }
}
