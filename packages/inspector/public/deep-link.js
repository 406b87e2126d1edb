// Links to a moment of a run: the URL hash holds the shown moment, the selected segment and the
// pinned connection of each endpoint, so a copied URL reopens the inspector where it was.
// Format (URLSearchParams in the hash): #event=K&t=T&seg=ID&conn=endpoint/connId[&conn=…]
//   event: trace events shown (the scrubber's position); t: virtual ms, used when no event is
//   given (a deep link to an instant: the moment after the last trace event at or before t).
// Pure functions, no DOM: also tested under Node.

/** Bounds on what a hand-edited link may ask for (every numeric input bounded). */
const MAX_EVENT = 1e9;
const MAX_T = 1e12;

function boundedNumber(text, max) {
  if (text === null || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** The link in `hash` ('#…' or ''), or null when it holds none of ours. Malformed parts are ignored. */
export function parseHash(hash) {
  const params = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  const link = { event: undefined, t: undefined, seg: undefined, conns: [] };
  const event = boundedNumber(params.get('event'), MAX_EVENT);
  if (event !== undefined && Number.isInteger(event)) link.event = event;
  link.t = boundedNumber(params.get('t'), MAX_T);
  const seg = boundedNumber(params.get('seg'), MAX_EVENT);
  if (seg !== undefined && Number.isInteger(seg)) link.seg = seg;
  for (const c of params.getAll('conn')) {
    const slash = c.indexOf('/');
    if (slash > 0 && slash < c.length - 1) link.conns.push([c.slice(0, slash), c.slice(slash + 1)]);
  }
  const empty =
    link.event === undefined && link.t === undefined && link.seg === undefined && !link.conns.length;
  return empty ? null : link;
}

/** The hash for a view: '' when it follows the run live with nothing selected or pinned. */
export function formatHash({ event, t, seg, conns }) {
  const params = new URLSearchParams();
  if (event !== null && event !== undefined) {
    params.set('event', String(event));
    if (typeof t === 'number') params.set('t', String(t));
  }
  if (seg !== null && seg !== undefined) params.set('seg', String(seg));
  for (const [endpoint, conn] of conns ?? []) params.append('conn', `${endpoint}/${conn}`);
  const text = params.toString();
  return text ? `#${text}` : '';
}

/**
 * The scrubber position for an instant: trace events with time ≤ t (`times` ascending, one per
 * trace event). Ready only once an event later than t has arrived or the run is done.
 */
export function cursorForTime(times, t, done) {
  let k = 0;
  while (k < times.length && times[k] <= t) k++;
  return { k, ready: done || k < times.length };
}
