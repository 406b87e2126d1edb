// The event list: every trace event as one line of text, searchable, virtualised (only the
// rows in view are in the DOM, so a 20,000-event flood costs what 40 rows cost), and kept in
// step with the scrubber and the ladder by app.js: the row of the shown moment is marked
// `current`, the send of the selected segment `selected`; clicking a row moves there.
// `describeEvent` is pure (no DOM) and also runs under Node in the unit tests.

export const EVENT_ROW = 20;
const OVERSCAN = 10;

function flagsOf(seg) {
  return seg?.flags?.length ? seg.flags.join(',') : '–';
}

/** One line of text for a trace event (what the search matches against). */
export function describeEvent(ev) {
  const t = typeof ev.t === 'number' ? `${(ev.t / 1000).toFixed(3)} s` : '';
  let what;
  switch (ev.kind) {
    case 'state':
      what = `${ev.endpoint} ${ev.conn}: ${ev.from} → ${ev.to}`;
      break;
    case 'send': {
      const resend = ev.retransmit || ev.cause ? ` retransmission (${ev.cause ?? 'rto'})` : '';
      const mark = ev.divergence ? ` ✗ ${ev.divergence.rule}` : '';
      what = `send #${ev.id} ${ev.from} → ${ev.to} ${flagsOf(ev.seg)} len=${ev.seg?.len ?? 0}${resend}${mark}`;
      break;
    }
    case 'deliver':
      what = `deliver #${ev.id} to ${ev.endpoint}${ev.reordered ? ' (reordered)' : ''}`;
      break;
    case 'drop':
      what = ev.id
        ? `drop #${ev.id} in the network: ${ev.reason}`
        : `drop at ${ev.endpoint} (host): ${ev.reason} ${flagsOf(ev.seg)}`;
      break;
    case 'duplicate':
      what = `duplicate #${ev.id} of #${ev.duplicateOf}`;
      break;
    case 'app':
      what = `${ev.endpoint} ${ev.event}${ev.conn ? ` ${ev.conn}` : ''}${ev.bytes !== undefined ? ` ${ev.bytes} B` : ''}`;
      break;
    case 'cc':
      what = `${ev.endpoint} ${ev.conn} cc ${ev.state ?? ''} cwnd=${ev.cwnd}`;
      break;
    case 'explain':
      what = `» ${ev.text}`;
      break;
    case 'summary':
      what = `summary: ${ev.ok ? 'run completed' : `run failed: ${ev.error}`}`;
      break;
    default:
      what = `${ev.kind}${ev.endpoint ? ` ${ev.endpoint}` : ''}`;
  }
  return `${t}  ${what}`;
}

/** The segment a trace event is about (send, deliver, network drop, duplicate), or null. */
export function segmentOfEvent(ev) {
  if ((ev.kind === 'send' || ev.kind === 'deliver' || ev.kind === 'duplicate') && ev.id) return ev.id;
  if (ev.kind === 'drop' && ev.id) return ev.id;
  return null;
}

/**
 * The searchable list. `texts` grows with the run (one string per trace event); `matches` holds
 * the trace indices that match the query, extended incrementally as events arrive.
 */
export function createEventList(box) {
  const list = {
    box,
    texts: [],
    query: '',
    matches: [],
    scanned: 0,
    space: document.createElement('div'),
    drawn: '',
  };
  list.space.className = 'event-space';
  box.replaceChildren(list.space);
  return list;
}

/** Appends the text of trace events not yet described. */
export function addEvents(list, events, traceIdx) {
  for (let i = list.texts.length; i < traceIdx.length; i++)
    list.texts.push(describeEvent(events[traceIdx[i]]));
}

export function setQuery(list, query) {
  const q = query.trim().toLowerCase();
  if (q === list.query) return;
  list.query = q;
  list.matches = [];
  list.scanned = 0;
  list.drawn = '';
}

function updateMatches(list) {
  for (let i = list.scanned; i < list.texts.length; i++) {
    if (!list.query || list.texts[i].toLowerCase().includes(list.query)) list.matches.push(i);
  }
  list.scanned = list.texts.length;
}

/** Position in `matches` of the last match at or before trace index `i` (binary search), or -1. */
function matchAtOrBefore(matches, i) {
  let lo = 0;
  let hi = matches.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (matches[mid] <= i) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Draws the rows in view. `current`: trace index of the shown moment's last event (-1 at the
 * start); `selectedEvent`: trace index of the selected segment's send, or -1; `follow`: scroll
 * so the current row is in view (when the moment moved, not when the user scrolled the list).
 */
export function renderEventList(list, { current, selectedEvent, follow, scrollTop, viewHeight }) {
  updateMatches(list);
  const { box, matches } = list;
  const height = `${matches.length * EVENT_ROW}px`;
  if (list.space.style.height !== height) list.space.style.height = height;
  // Offsets passed in by the caller (read before any DOM write of the frame: no forced layout).
  const view = viewHeight ?? (box.clientHeight || 240);
  let top = scrollTop ?? box.scrollTop;
  if (follow) {
    const at = matchAtOrBefore(matches, current);
    if (at >= 0) {
      const y = at * EVENT_ROW;
      if (y < top || y + EVENT_ROW > top + view) {
        top = Math.max(0, Math.min(y - view / 2, matches.length * EVENT_ROW - view));
        // Applied by the caller after every DOM write of the frame (a scroll write forces layout).
        list.scrollTo = top;
      }
    }
  }
  const first = Math.max(0, Math.floor(top / EVENT_ROW) - OVERSCAN);
  const last = Math.min(matches.length - 1, Math.ceil((top + view) / EVENT_ROW) + OVERSCAN);
  const key = `${first}|${last}|${current}|${selectedEvent}|${matches.length}`;
  if (key === list.drawn) return;
  list.drawn = key;
  const rows = [];
  for (let m = first; m <= last; m++) {
    const i = matches[m];
    const row = document.createElement('div');
    row.className = `ev${i === current ? ' current' : ''}${i === selectedEvent ? ' selected' : ''}`;
    row.setAttribute('role', 'option');
    row.setAttribute('aria-selected', String(i === current));
    row.dataset.trace = String(i);
    row.style.top = `${m * EVENT_ROW}px`;
    row.textContent = `${i + 1}  ${list.texts[i]}`;
    rows.push(row);
  }
  list.space.replaceChildren(...rows);
}
