// Export of what the page shows: the ladder or a statechart as SVG or PNG, the trace as JSONL.
// An exported SVG stands alone: the page's CSS does not travel with it, so the painting
// properties each element gets from the stylesheet are copied onto it as attributes.

const PAINT = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'display',
  'visibility',
];

/** A standalone copy of `svg` (styles inlined, width/height explicit), as text. */
export function svgText(svg) {
  const copy = svg.cloneNode(true);
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  for (let i = 0; i < from.length; i++) {
    const cs = getComputedStyle(from[i]);
    // As presentation attributes, not a style attribute: the page's CSP (style-src 'self')
    // refuses inline styles, and every property here is also an SVG presentation attribute.
    for (const p of PAINT) to[i].setAttribute(p, cs.getPropertyValue(p));
    // Interactive attributes mean nothing in a file.
    to[i].removeAttribute('tabindex');
  }
  const box = svg.getBoundingClientRect();
  if (!copy.getAttribute('width')) copy.setAttribute('width', String(Math.ceil(box.width)));
  if (!copy.getAttribute('height')) copy.setAttribute('height', String(Math.ceil(box.height)));
  // No xmlns attribute by hand: XMLSerializer writes the SVG namespace itself (twice is invalid XML).
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}

/** Offers `blob` as a file download named `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked after the click has been handled (the download holds its own reference).
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function downloadSvg(svg, name) {
  download(new Blob([svgText(svg)], { type: 'image/svg+xml' }), `${name}.svg`);
}

/** Rasterises the standalone SVG at device pixel ratio (at least 1, at most 3) and downloads a PNG. */
export async function downloadPng(svg, name) {
  const text = svgText(svg);
  const copy = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
  const width = Number.parseFloat(copy.getAttribute('width')) || 1;
  const height = Number.parseFloat(copy.getAttribute('height')) || 1;
  const scale = Math.min(3, Math.max(1, window.devicePixelRatio || 1));
  // A data: URL, not a blob: one: the page's Content-Security-Policy allows images from 'self' and data: only.
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  download(blob, `${name}.png`);
}

/** The run's trace as received (inspection snapshots left out): one JSON line per trace event. */
export function downloadTrace(events, name) {
  const lines = [];
  for (const ev of events) if (ev.kind !== 'inspect') lines.push(JSON.stringify(ev));
  download(new Blob([`${lines.join('\n')}\n`], { type: 'application/x-ndjson' }), `${name}.jsonl`);
}
