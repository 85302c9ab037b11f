// Small SVG charts drawn by our own code: horizontal bars and a donut with a legend. Colours come
// from the theme through CSS classes (s0…s5), so every theme colours its charts.
const SVG = "http://www.w3.org/2000/svg";
const SERIES = 6;

function node(tag, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function frame(width, height, label) {
  return node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart-svg" });
}

const name = (bucket) => bucket.key ?? "unknown";

/** Bars, one row per bucket, longest = full width; each row says its count. */
export function barChart(buckets, label) {
  const row = 26;
  const width = 420;
  const labelWidth = 70;
  const svg = frame(width, Math.max(row, buckets.length * row), label);
  const most = Math.max(1, ...buckets.map((b) => b.count));
  buckets.forEach((bucket, i) => {
    const y = i * row;
    const length = Math.max(2, ((width - labelWidth - 60) * bucket.count) / most);
    svg.append(
      node("text", { x: labelWidth - 8, y: y + 17, "text-anchor": "end", class: "chart-label" }, name(bucket)),
      node("rect", { x: labelWidth, y: y + 5, width: length, height: row - 10, rx: 3, class: `s${i % SERIES}` }),
      node("text", { x: labelWidth + length + 6, y: y + 17, class: "chart-label" }, String(bucket.count)),
    );
  });
  return svg;
}

/** A donut of the buckets' shares with a legend beside it. */
export function donutChart(buckets, label) {
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  const legendRows = Math.min(buckets.length, 8);
  const svg = frame(320, Math.max(140, legendRows * 20 + 10), label);
  const [cx, cy, r] = [70, 70, 52];
  let angle = -Math.PI / 2;
  buckets.forEach((bucket, i) => {
    const share = total ? bucket.count / total : 0;
    const cls = `s${i % SERIES}`;
    if (share >= 0.9999) {
      svg.append(node("circle", { cx, cy, r, class: `${cls} ring` }));
    } else if (share > 0) {
      const end = angle + share * 2 * Math.PI;
      const large = share > 0.5 ? 1 : 0;
      const [x1, y1] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
      const [x2, y2] = [cx + r * Math.cos(end), cy + r * Math.sin(end)];
      svg.append(node("path", { d: `M ${x1} ${y1} A ${r} ${r} 0 ${large} 1 ${x2} ${y2}`, class: `${cls} ring` }));
      angle = end;
    }
    if (i < legendRows) {
      const y = 12 + i * 20;
      const percent = total ? Math.round((100 * bucket.count) / total) : 0;
      svg.append(
        node("rect", { x: 150, y: y - 9, width: 12, height: 12, rx: 2, class: cls }),
        node("text", { x: 168, y: y + 1, class: "chart-label" }, `${name(bucket)} · ${bucket.count} (${percent}%)`),
      );
    }
  });
  if (!total) svg.append(node("circle", { cx, cy, r, class: "ring empty-ring" }));
  return svg;
}
