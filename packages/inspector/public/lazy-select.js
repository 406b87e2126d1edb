// A <select> that may offer thousands of options (a SYN flood's connections) without making the
// page pay for them on every frame. Chromium restyles every option of a select when one is added
// or removed (each is re-slotted into the select's shadow tree), so a list of 1,000 connections
// that grows while a flood streams in cost ~1,000 restyled elements per frame, and a scrub step
// from the start of a flood to its end ~3,500 (the page's costliest task). Here the options live in
// a Map; while the list is long and the select is not in use, the DOM holds only the first option
// (`all`, `auto`: value '') and the chosen one. Focusing or pressing on the select (mouse, touch,
// keyboard) puts every option in; leaving it takes them out again.

/** Up to this many options the select holds them all (small runs behave as plain selects). */
export const LAZY_SELECT_LIMIT = 100;

/** Wraps `select` (its first option, value '', stays); see the file comment. */
export function lazySelect(select, limit = LAZY_SELECT_LIMIT) {
  let head = select.options[0];
  if (head?.value !== '') {
    head = document.createElement('option');
    head.value = '';
    select.prepend(head);
  }
  for (const extra of Array.from(select.options).slice(1)) extra.remove();
  /** value → text, in display order. */
  const texts = new Map();
  /** value → its <option>, for the options in the DOM after the head. */
  const shown = new Map();
  let inUse = false;
  let full = true;
  let value = '';

  const make = (v) => {
    const option = document.createElement('option');
    option.value = v;
    option.textContent = texts.get(v);
    return option;
  };
  const setText = (option, text) => {
    if (option.textContent !== text) option.textContent = text;
  };

  /** Brings the DOM in line with `texts`, the chosen value and whether the select is in use. */
  function sync() {
    const wantFull = inUse || texts.size <= limit;
    for (const [v, option] of shown) {
      if (texts.has(v) && (wantFull || v === value)) continue;
      option.remove();
      shown.delete(v);
    }
    if (wantFull && !full) {
      // Every option, in order: the ones already in the DOM (at most the chosen one) included.
      for (const v of texts.keys()) if (!shown.has(v)) shown.set(v, make(v));
      select.replaceChildren(head, ...shown.values());
    } else if (wantFull) {
      const fresh = [];
      for (const [v, text] of texts) {
        const option = shown.get(v);
        if (option) setText(option, text);
        else {
          shown.set(v, make(v));
          fresh.push(shown.get(v));
        }
      }
      if (fresh.length) select.append(...fresh);
    } else if (value && texts.has(value)) {
      if (shown.has(value)) setText(shown.get(value), texts.get(value));
      else {
        shown.set(value, make(value));
        select.append(shown.get(value));
      }
    }
    full = wantFull;
    const want = texts.has(value) ? value : '';
    if (select.value !== want) select.value = want;
  }

  const use = () => {
    if (inUse) return;
    inUse = true;
    sync();
  };
  for (const type of ['focus', 'pointerdown', 'keydown']) select.addEventListener(type, use);
  select.addEventListener('blur', () => {
    inUse = false;
    value = select.value;
    sync();
  });
  select.addEventListener('change', () => {
    value = select.value;
  });

  return {
    /** The first option's text. */
    head(text) {
      setText(head, text);
    },
    has: (v) => texts.has(v),
    get size() {
      return texts.size;
    },
    /** Adds option `v` (at the end) or changes its text; call sync() after a batch. */
    set(v, text) {
      texts.set(v, text);
    },
    delete(v) {
      texts.delete(v);
    },
    keys: () => texts.keys(),
    /** Chooses `v` ('' for the first option) as if picked, without a change event. */
    choose(v) {
      value = v ?? '';
      sync();
    },
    sync,
  };
}
