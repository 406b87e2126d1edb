// The narration beside the ladder: the `explain` lines of the stream (a recorded trace's own, or
// the ones `synack inspect --trace` / `synack replay --inspect` narrate in English or Chinese),
// up to the moment shown, the newest one marked `current` and kept in view. Clicking a line goes
// to the moment just after the event it explains. `narrationView` is pure (unit-tested).

/** Lines drawn at most (the newest ones): a long run's narration stays cheap to redraw. */
export const NARRATION_LINES = 300;

/**
 * What the panel shows for a model: the last `limit` narration lines up to the moment shown,
 * and the language of the text (for the `lang` attribute: Chinese glyphs and line breaking).
 */
export function narrationView(model, limit = NARRATION_LINES) {
  const all = model?.narration ?? [];
  const lines = all.slice(Math.max(0, all.length - limit));
  return { lines, hidden: all.length - lines.length, lang: all.at(-1)?.lang ?? 'en' };
}

/** Formats virtual ms as the ladder's time column does. */
function seconds(t) {
  return `${(t / 1000).toFixed(3)} s`;
}

/**
 * Redraws the panel when the moment shown changed. `goTo(streamIndex)` moves the cursor to the
 * explained event. Returns the key drawn, so the caller can skip unchanged frames.
 */
export function renderNarration(box, model, drawnKey, goTo) {
  const view = narrationView(model);
  const last = view.lines.at(-1);
  const key = `${model?.count ?? 0}|${view.lines.length}|${last?.index ?? -1}`;
  if (key === drawnKey) return key;
  const list = box.querySelector('ol');
  const doc = box.ownerDocument;
  const items = view.lines.map((line, i) => {
    const li = doc.createElement('li');
    li.dataset.index = String(line.index);
    li.dataset.ref = String(line.ref);
    li.tabIndex = 0;
    if (i === view.lines.length - 1) li.className = 'current';
    const time = doc.createElement('span');
    time.className = 'n-time';
    time.textContent = seconds(line.t);
    const text = doc.createElement('span');
    text.className = 'n-text';
    text.textContent = line.text;
    li.append(time, text);
    li.addEventListener('click', () => goTo(line.index));
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') goTo(line.index);
    });
    return li;
  });
  list.replaceChildren(...items);
  list.lang = view.lang === 'zh' ? 'zh-CN' : 'en';
  const more = box.querySelector('.n-more');
  more.textContent = view.hidden > 0 ? `… ${view.hidden} earlier lines` : '';
  box.querySelector('.n-empty').hidden = view.lines.length > 0;
  box.dataset.lines = String(view.lines.length);
  const current = list.lastElementChild;
  if (current) list.scrollTop = list.scrollHeight;
  return key;
}
