// The synack inspector page. Connects to the server's WebSocket (/ws), receives the
// statechart layout and the run's event stream, and derives everything it shows from the
// events up to the cursor: live (the newest event) or any earlier moment (scrubbing).
// Protocol: see packages/inspector/README.md.

import { renderCwndPlot } from './cwnd-plot.js';
import { cursorForTime, formatHash, parseHash } from './deep-link.js';
import { addEvents, createEventList, renderEventList, segmentOfEvent, setQuery } from './event-list.js';
import { downloadPng, downloadSvg, downloadTrace } from './export.js';
import { groupStateCounts, groupView } from './groups.js';
import {
  addTooltip,
  connectionKey,
  FLAG_FILTERS,
  LADDER_HEAD,
  ladderLayout,
  ladderSvg,
  renderLadderWindow,
  scrollTopForRow,
  windowRows,
} from './ladder.js';
import { lazySelect } from './lazy-select.js';
import {
  applyEvent,
  causedBy,
  causeOf,
  cloneModel,
  contextRows,
  countForCursor,
  createModel,
  formatTime,
  pendingTimers,
  retransmissionReason,
  segmentLabel,
  stateCounts,
  transitionSteps,
} from './model.js';
import { renderNarration } from './narration.js';
import { histogramLegend, histogramSvg, stateHistogram } from './state-histogram.js';
import {
  createStatechart,
  findEdge,
  markCaused,
  showOnly,
  updateStatechart,
  visitedAndNext,
} from './statechart.js';

const $ = (id) => document.getElementById(id);

const app = {
  hello: null,
  session: null,
  events: [],
  /** Stream positions of the trace events (the scrubber moves over these). */
  traceIdx: [],
  control: null,
  /** null: follow the run live; a number k: show the moment after the k-th trace event. */
  cursor: null,
  /** Trace-event count when a server step was requested (the cursor moves on when it grows). */
  pendingStep: null,
  model: null,
  /** Copies of the model along the stream (syncModel), so scrubbing back replays only a few events. */
  snapshots: [],
  selected: null,
  panels: new Map(),
  ws: null,
  connected: false,
  retryMs: 250,
  renderQueued: false,
  lastLadder: { count: -1, selected: null, width: 0, at: 0, filter: '' },
  /** The ladder's placement for the shown moment (ladder.js ladderLayout) and the rows drawn. */
  layout: null,
  ladderWindow: '',
  /** Ladder filters: connection key, flags class, retransmissions only, drops only. */
  filter: { conn: '', flags: '', retransmits: false, drops: false },
  /** Connection keys offered by the connection filter (rebuilt when one appears). */
  connKeys: new Set(),
  /** The searchable event list (event-list.js). */
  eventList: null,
  /** The cursor the event list last followed (it scrolls only when the moment moves). */
  listCursor: -1,
  followLadder: true,
  /** A link from the URL hash waiting for its moment to arrive (deep-link.js); null once applied. */
  pendingLink: null,
  /** Connections a link pins, applied when the endpoint's panel is created. */
  linkPins: new Map(),
  lastHash: '',
  /** Group view (groups.js): hosts picked out of their folded group, and the view for them. */
  picked: new Set(),
  view: null,
  /** Charts whose current state may have left their view: [wrap, node], see keepStatesInView. */
  keepInView: [],
  /** Narration lines in the stream (the panel beside the ladder shows when there are any). */
  narrationTotal: 0,
  narrationKey: '',
  /** Compact view (floods): states over time as a stacked histogram instead of the ladder rows. */
  compact: false,
  histogramKey: '',
};
// Read-only handle for debugging and tests; not a stable API.
window.__synack = app;

// --- connection -----------------------------------------------------------------------------

function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  app.ws = ws;
  ws.addEventListener('open', () => {
    app.connected = true;
    app.retryMs = 250;
    queueRender();
  });
  ws.addEventListener('message', (m) => {
    let msg;
    try {
      msg = JSON.parse(m.data);
    } catch {
      return;
    }
    handle(msg);
  });
  ws.addEventListener('close', () => {
    if (app.ws !== ws) return;
    app.connected = false;
    app.ws = null;
    queueRender();
    setTimeout(connect, app.retryMs);
    app.retryMs = Math.min(app.retryMs * 2, 3000);
  });
}

function send(msg) {
  if (app.ws && app.ws.readyState === WebSocket.OPEN) app.ws.send(JSON.stringify(msg));
}

function handle(msg) {
  switch (msg.type) {
    case 'hello': {
      const sameSession = msg.session === app.session;
      app.session = msg.session;
      app.hello = msg;
      app.control = msg.control;
      // The server replays the whole stream after hello: start the record over.
      app.events = [];
      app.traceIdx = [];
      app.narrationTotal = 0;
      app.narrationKey = '';
      app.model = createModel(msg);
      app.snapshots = [];
      app.pendingStep = null;
      app.eventList = createEventList($('events'));
      setQuery(app.eventList, $('event-search').value);
      app.connKeys = new Set();
      app.connKeysScanned = 0;
      app.layout = null;
      if (!sameSession) {
        app.cursor = null;
        app.selected = null;
        for (const panel of app.panels.values()) panel.root.remove();
        app.panels.clear();
      }
      $('scenario-name').textContent = msg.scenario?.name ?? '';
      $('scenario-description').textContent = msg.scenario?.description ?? '';
      document.title = `synack inspector — ${msg.scenario?.name ?? ''}`;
      break;
    }
    case 'events': {
      if (!app.hello) return;
      const start = msg.start;
      if (start > app.events.length) {
        // A gap: reconnect and get the whole stream again.
        app.ws?.close();
        return;
      }
      const fresh = msg.events.slice(app.events.length - start);
      for (const ev of fresh) {
        if (ev.kind !== 'inspect') app.traceIdx.push(app.events.length);
        if (ev.kind === 'explain') app.narrationTotal++;
        app.events.push(ev);
      }
      if (app.pendingStep !== null && app.traceIdx.length > app.pendingStep) {
        app.cursor = app.pendingStep + 1;
        app.pendingStep = null;
      }
      restoreLink();
      break;
    }
    case 'control':
      app.control = msg.control;
      // Acknowledged at once (Pause within 100 ms): the badge and buttons need no full frame.
      showRunState();
      restoreLink();
      break;
    case 'error':
      console.warn('inspector server:', msg.message);
      break;
  }
  queueRender();
}

// --- cursor and model -----------------------------------------------------------------------

function shownTrace() {
  return app.cursor === null ? app.traceIdx.length : Math.min(app.cursor, app.traceIdx.length);
}

function wantedCount() {
  if (app.cursor === null) return app.events.length;
  return countForCursor(app.traceIdx, app.events.length, app.cursor);
}

/** Stream events between two model snapshots (a scrub step replays at most this many). */
const SNAPSHOT_EVERY = 1000;
/** Model work per frame while following a run live (the rest waits for the next frame). */
const LIVE_BUDGET_MS = 8;
/**
 * New ladder items (a row's time, a state tag, a segment: 1 to 5 SVG elements) per frame while
 * live. A window scrolled by a fast stream is ~120 new items; made in one frame they cost ~15–20 ms
 * of CPU (style, layout and paint of ~500 elements), 40 keep a frame near a third of that.
 */
const LIVE_NEW_LADDER_ITEMS = 40;
/**
 * The same for a scrub step: half a full window, so a step to a far moment draws its ladder in two
 * frames, the second with the panels (a step took two frames already: ladder, then panels).
 */
const SCRUB_NEW_LADDER_ITEMS = 64;

/** The latest snapshot (app.snapshots: models by ascending count) at or before `count`. */
function snapshotAtOrBefore(count) {
  let best = null;
  for (const snap of app.snapshots) {
    if (snap.count > count) break;
    best = snap;
  }
  return best;
}

/**
 * Keeps a copy of the model every SNAPSHOT_EVERY events, taken only where an instant ends and the
 * next one has arrived: a state line's variables come from later lines of its instant, so a copy
 * taken mid-instant of a live run could differ from the same moment derived later.
 */
function maybeSnapshot(model) {
  const last = app.snapshots[app.snapshots.length - 1];
  if (model.count - (last?.count ?? 0) < SNAPSHOT_EVERY) return;
  const next = app.events[model.count];
  const prev = app.events[model.count - 1];
  if (!next || typeof next.t !== 'number' || next.t === prev.t) return;
  app.snapshots.push(cloneModel(model));
}

/**
 * Brings the model to the cursor: forward by applying events, backward (or far forward) from the
 * nearest snapshot, so a scrub step costs a copy and at most SNAPSHOT_EVERY events, not the whole
 * run. Following live it works at most LIVE_BUDGET_MS per frame and asks for another frame when
 * events remain (a page opened mid-run catches up over several frames, never in one long task).
 */
function syncModel() {
  if (!app.hello) return;
  const want = wantedCount();
  let model = app.model;
  const snap = snapshotAtOrBefore(want);
  if (!model || model.count > want || (snap && snap.count > model.count))
    model = snap ? cloneModel(snap) : createModel(app.hello);
  app.model = model;
  const deadline = app.cursor === null ? performance.now() + LIVE_BUDGET_MS : Number.POSITIVE_INFINITY;
  for (let i = model.count; i < want; i++) {
    applyEvent(model, app.events[i], i, app.events);
    maybeSnapshot(model);
    if ((i & 31) === 31 && i + 1 < want && performance.now() > deadline) {
      queueRender();
      return;
    }
  }
}

function setCursor(k) {
  app.cursor = k === null || k >= app.traceIdx.length ? null : Math.max(0, k);
  app.pendingStep = null;
  queueRender();
}

// --- deep links (URL hash) ----------------------------------------------------------------------

/** Applies the pending link once the run has reached its moment (or is done). */
function restoreLink() {
  const link = app.pendingLink;
  if (!link || !app.hello) return;
  // Done means every event is here: a finished run's stream arrives in several batches after
  // hello, and a link applied to the first batch would clamp its moment to that batch's end.
  const done = Boolean(app.control?.done) && app.events.length >= (app.control?.total ?? 0);
  let k = null;
  if (link.event !== undefined) {
    if (app.traceIdx.length < link.event && !done) return;
    k = link.event;
  } else if (link.t !== undefined) {
    const times = app.traceIdx.map((i) => app.events[i].t);
    const at = cursorForTime(times, link.t, done);
    if (!at.ready) return;
    k = at.k;
  }
  app.pendingLink = null;
  for (const [endpoint, conn] of link.conns) {
    app.linkPins.set(endpoint, conn);
    const panel = app.panels.get(endpoint);
    if (panel) panel.pinned = conn;
  }
  if (k !== null) setCursor(k);
  if (link.seg !== undefined) selectSegment(link.seg, false);
  app.followLadder = false;
  app.scrollToSelected = true;
}

/** The URL hash for the shown moment, selection and pinned connections. */
function hashOf(model) {
  const conns = [...app.panels].filter(([, p]) => p.pinned).map(([ep, p]) => [ep, p.pinned]);
  return formatHash({
    event: app.cursor === null ? null : shownTrace(),
    t: model?.t,
    seg: app.selected,
    conns,
  });
}

/**
 * Keeps the URL hash on the shown moment, selection and pinned connections (replaceState: no
 * history spam). replaceState costs several ms, at times tens, in Chromium: it runs in a task of
 * its own ≥ 100 ms later, never inside a frame, and at most once every 250 ms (the last one always
 * lands), so streaming a run or dragging the scrubber is not slowed by the address bar.
 */
function writeHash(model) {
  if (app.pendingLink || app.hashTimer || hashOf(model) === app.lastHash) return;
  const wait = Math.max(100, 250 - (performance.now() - (app.hashWrittenAt ?? -1e9)));
  app.hashTimer = setTimeout(() => {
    app.hashTimer = null;
    const hash = hashOf(app.model);
    if (app.pendingLink || hash === app.lastHash) return;
    app.lastHash = hash;
    app.hashWrittenAt = performance.now();
    history.replaceState(null, '', hash || `${location.pathname}${location.search}`);
  }, wait);
}

// --- next / previous retransmission, drop, state change ------------------------------------------

const JUMP_KINDS = {
  retransmission: (ev) => ev.kind === 'send' && Boolean(ev.retransmit || ev.cause),
  drop: (ev) => ev.kind === 'drop',
  state: (ev) => ev.kind === 'state',
};

/** Moves the cursor to just after the next (dir 1) or previous (dir -1) trace event of a kind. */
function jump(kind, dir) {
  const matches = JUMP_KINDS[kind];
  const k = shownTrace();
  // Position k shows trace events 0..k-1: the next match is at index ≥ k, the previous one < k-1.
  for (let i = dir > 0 ? k : k - 2; i >= 0 && i < app.traceIdx.length; i += dir) {
    const ev = app.events[app.traceIdx[i]];
    if (!matches(ev)) continue;
    app.cursor = i + 1;
    app.pendingStep = null;
    const segId = ev.kind === 'send' ? ev.id : ev.kind === 'drop' && ev.id ? ev.id : null;
    if (segId !== null) {
      selectSegment(segId, true);
      app.scrollToSelected = true;
    }
    queueRender();
    return true;
  }
  return false;
}

// --- controls -------------------------------------------------------------------------------

function pause() {
  send({ type: 'pause' });
}

function resume() {
  if (!app.control?.done) send({ type: 'resume' });
  setCursor(null);
}

function step() {
  const total = app.traceIdx.length;
  const k = shownTrace();
  if (k < total) {
    app.cursor = k + 1;
    app.pendingStep = null;
    queueRender();
    return;
  }
  if (app.control?.done || !app.connected) return;
  app.cursor = total;
  app.pendingStep = total;
  send({ type: 'step' });
  queueRender();
}

function back() {
  const k = shownTrace();
  if (k > 0) {
    app.cursor = k - 1;
    app.pendingStep = null;
    queueRender();
  }
}

/** A file name for an export: scenario, what, and the shown moment. */
function exportName(what) {
  const scenario = String(app.hello?.scenario?.name ?? 'run').replace(/[^A-Za-z0-9_-]+/g, '-');
  return `synack-${scenario}-${what}-event${shownTrace()}`;
}

/** Export buttons: data-export="ladder" | "chart" | "cwnd" (inside a panel) | "trace", data-format svg | png. */
function exportView(button) {
  const what = button.getAttribute('data-export');
  if (what === 'trace') return downloadTrace(app.events, exportName('trace'));
  let stage = null;
  let svg;
  if (what === 'ladder' && app.compact && app.model) {
    // Compact view: the export is the histogram shown.
    stage = h('div', { class: 'export-stage', 'aria-hidden': 'true' });
    stage.innerHTML = histogramSvg(stateHistogram(app.model.stateEvents, app.model.t), {
      width: 1200,
      height: 400,
    });
    document.body.appendChild(stage);
    svg = stage.firstElementChild;
  } else if (what === 'ladder') {
    // The page draws only the rows in view; the export gets every row (with the filters applied),
    // drawn off-screen so the stylesheet applies and export.js can copy the computed paint.
    if (!app.layout) return;
    stage = h('div', { class: 'export-stage', 'aria-hidden': 'true' });
    stage.innerHTML = ladderSvg(app.layout, app.model, { selected: app.selected });
    document.body.appendChild(stage);
    svg = stage.firstElementChild;
  } else if (what === 'cwnd') svg = button.closest('.endpoint')?.querySelector('.cwnd-plot svg');
  else svg = button.closest('.endpoint')?.querySelector('.statechart svg');
  if (!svg) return;
  const name = exportName(
    what === 'ladder' ? 'ladder' : `${button.closest('.endpoint').dataset.endpoint}-${what}`,
  );
  try {
    if (button.getAttribute('data-format') === 'png') downloadPng(svg, name);
    else downloadSvg(svg, name);
  } finally {
    stage?.remove();
  }
}

const JUMP_KEYS = { r: 'retransmission', d: 'drop', s: 'state' };

/** Switches between the ladder and the compact view (states over time). */
function setCompact(on) {
  app.compact = on;
  app.histogramKey = '';
  $('compact').setAttribute('aria-pressed', String(on));
  document.body.dataset.compact = String(on);
  $('ladder').hidden = on;
  $('histogram').hidden = !on;
  app.ladderWindow = '';
  queueRender();
}

function setup() {
  $('pause').addEventListener('click', pause);
  $('resume').addEventListener('click', resume);
  $('step').addEventListener('click', step);
  $('back').addEventListener('click', back);
  $('live').addEventListener('click', () => setCursor(null));
  $('speed').addEventListener('change', (e) => send({ type: 'speed', speed: Number(e.target.value) }));
  $('hold').addEventListener('change', (e) => send({ type: 'hold', hold: Number(e.target.value) }));
  $('scrub').addEventListener('input', (e) => setCursor(Number(e.target.value)));
  $('compact').addEventListener('click', () => setCompact(!app.compact));
  for (const button of document.querySelectorAll('[data-jump]')) {
    button.addEventListener('click', () =>
      jump(button.getAttribute('data-jump'), Number(button.getAttribute('data-dir'))),
    );
  }
  document.addEventListener('click', (e) => {
    const link = e.target instanceof Element ? e.target.closest('[data-select-seg]') : null;
    if (link) {
      selectSegment(Number(link.getAttribute('data-select-seg')), true);
      app.scrollToSelected = true;
    }
  });
  $('selection').addEventListener('click', (e) => {
    const go = e.target instanceof Element ? e.target.closest('[data-goto-trace]') : null;
    if (go) {
      app.scrollToSelected = true;
      setCursor(Number(go.getAttribute('data-goto-trace')));
    }
  });
  document.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('[data-export]') : null;
    if (button) exportView(button);
  });
  app.pendingLink = parseHash(location.hash);
  window.addEventListener('hashchange', () => {
    if (location.hash === app.lastHash) return;
    app.pendingLink = parseHash(location.hash);
    restoreLink();
    queueRender();
  });
  document.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLSelectElement || e.target instanceof HTMLInputElement) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (app.control?.paused || app.cursor !== null) resume();
      else pause();
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      step();
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault();
      back();
    } else if (e.key.toLowerCase() === 'c' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // c: the compact view (states over time) and back to the ladder.
      e.preventDefault();
      setCompact(!app.compact);
    } else if (JUMP_KEYS[e.key.toLowerCase()] && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // r / d / s: next retransmission, drop, state change; with Shift: previous.
      e.preventDefault();
      jump(JUMP_KEYS[e.key.toLowerCase()], e.shiftKey ? -1 : 1);
    }
  });
  const ladder = $('ladder');
  ladder.addEventListener('keydown', (e) => {
    const tag = e.target instanceof Element ? e.target.closest('.state-tag') : null;
    if (tag && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      e.stopPropagation();
      return openStateTag(tag);
    }
    const g = e.target instanceof Element ? e.target.closest('.segment') : null;
    if (!g || (e.key !== 'Enter' && e.key !== ' ')) return;
    e.preventDefault();
    e.stopPropagation();
    selectSegment(Number(g.getAttribute('data-id')));
    app.refocus = g.getAttribute('data-id');
  });
  ladder.addEventListener('pointerover', (e) => addTooltip(e.target));
  ladder.addEventListener('click', (e) => {
    const tag = e.target instanceof Element ? e.target.closest('.state-tag') : null;
    if (tag) return openStateTag(tag);
    const g = e.target instanceof Element ? e.target.closest('.segment') : null;
    if (!g) return;
    selectSegment(Number(g.getAttribute('data-id')));
  });
  ladder.addEventListener('scroll', () => {
    app.followLadder = ladder.scrollTop + ladder.clientHeight >= ladder.scrollHeight - 40;
    // Virtualised: a scroll brings other rows into view.
    queueRender();
  });
  setupFiltersAndList();
  window.addEventListener('resize', () => {
    app.lastLadder.width = -1;
    queueRender();
  });
}

/** A ladder state tag: go to the moment after that transition and list every time its edge fired. */
function openStateTag(tag) {
  const endpoint = tag.getAttribute('data-endpoint');
  const index = Number(tag.getAttribute('data-index'));
  const step = allSteps().find((s) => s.index === index);
  goToStep(index, endpoint, tag.getAttribute('data-conn'));
  const panel = app.panels.get(endpoint);
  const edge = step && edgeIdOf(step);
  if (panel && edge) showFirings(panel, endpoint, edge, false);
}

/** Ladder filters and the event list: their controls, and clicks on a row of the list. */
function setupFiltersAndList() {
  const refilter = () => {
    app.filter = {
      conn: $('filter-conn').value,
      flags: $('filter-flags').value,
      retransmits: $('filter-retx').checked,
      drops: $('filter-drops').checked,
    };
    app.scrollToSelected = app.selected !== null;
    queueRender();
  };
  for (const id of ['filter-conn', 'filter-flags', 'filter-retx', 'filter-drops'])
    $(id).addEventListener('change', refilter);
  $('filter-flags').replaceChildren(
    h('option', { value: '' }, 'any'),
    ...Object.keys(FLAG_FILTERS).map((f) => h('option', { value: f }, f)),
  );
  $('event-search').addEventListener('input', (e) => {
    if (!app.eventList) return;
    setQuery(app.eventList, e.target.value);
    app.listCursor = -1;
    queueRender();
  });
  const list = $('events');
  list.addEventListener('scroll', () => queueRender());
  list.addEventListener('click', (e) => {
    const row = e.target instanceof Element ? e.target.closest('.ev') : null;
    if (!row) return;
    const i = Number(row.getAttribute('data-trace'));
    const seg = segmentOfEvent(app.events[app.traceIdx[i]]);
    // The moment just after the event: the scrubber, the ladder and the charts follow.
    app.cursor = i + 1 >= app.traceIdx.length ? null : i + 1;
    app.pendingStep = null;
    app.listCursor = i + 1;
    if (seg !== null) {
      selectSegment(seg, true);
      app.scrollToSelected = true;
    }
    queueRender();
  });
}

/** Offers every connection seen so far in the connection filter. */
function updateConnFilter(model) {
  const fresh = [];
  for (let i = app.connKeysScanned ?? 0; i < model.segmentOrder.length; i++) {
    const key = connectionKey(model.segments.get(model.segmentOrder[i]));
    if (!app.connKeys.has(key)) {
      app.connKeys.add(key);
      fresh.push(key);
    }
  }
  app.connKeysScanned = model.segmentOrder.length;
  if (!fresh.length) return;
  // Appended, not rebuilt; a flood offers thousands of connections (lazy-select.js).
  app.connSelect ??= lazySelect($('filter-conn'));
  const select = app.connSelect;
  if (select.size !== app.connKeys.size - fresh.length) {
    for (const k of [...select.keys()]) select.delete(k);
    for (const k of app.connKeys) select.set(k, k);
  } else for (const k of fresh) select.set(k, k);
  select.head(`all (${app.connKeys.size})`);
  select.sync();
}

/** The later deliver or drop line of segment `id` after stream position `from`, with its scrubber position. */
function laterFate(id, from) {
  for (let i = from; i < app.events.length; i++) {
    const ev = app.events[i];
    if ((ev.kind === 'deliver' || ev.kind === 'drop') && ev.id === id) {
      const k = app.traceIdx.indexOf(i) + 1;
      return { kind: ev.kind, t: ev.t, k };
    }
  }
  return null;
}

function selectSegment(id, keep = false) {
  app.selected = keep ? id : app.selected === id ? null : id;
  id = app.selected;
  if (id !== null && app.model) {
    // Show the receiving connection whose transitions the segment caused.
    for (const c of causedBy(app.model, id)) {
      const panel = app.panels.get(c.endpoint);
      if (panel) panel.pinned = c.conn;
    }
  }
  app.lastLadder.count = -1;
  queueRender();
}

// --- rendering ------------------------------------------------------------------------------

function queueRender() {
  if (app.renderQueued) return;
  app.renderQueued = true;
  requestAnimationFrame(() => {
    app.renderQueued = false;
    render();
  });
}

function stateOrder() {
  return (app.hello?.statechart?.nodes ?? []).filter((n) => !n.alias && !n.compound).map((n) => n.state);
}

/** Sets an element's text only when it changed (an unchanged write still invalidates layout). */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function h(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function createPanel(ep) {
  const root = h('section', { class: 'endpoint', 'data-endpoint': ep.id });
  const title = h('h2');
  title.append(h('span', {}, `${ep.id} `), h('span', { class: 'address' }, `${ep.address} · ${ep.profile}`));
  if (ep.group && app.view) {
    // A host picked out of its group (group view): fold it back.
    const fold = h(
      'button',
      { type: 'button', class: 'fold', title: `fold ${ep.id} back into ${ep.group}` },
      'fold',
    );
    fold.addEventListener('click', () => foldHost(ep.id));
    title.append(' ', fold);
  }
  const picker = h('div', { class: 'conn-picker' });
  const select = h('select', { 'aria-label': `${ep.id} connection` });
  const zoom = h('button', { type: 'button', class: 'zoom', title: 'toggle 100% / fit' }, '100%');
  const counts = h('span', { class: 'state-counts' });
  const exports = [
    h(
      'button',
      { type: 'button', 'data-export': 'chart', 'data-format': 'svg', title: 'export this chart as SVG' },
      'SVG',
    ),
    h(
      'button',
      { type: 'button', 'data-export': 'chart', 'data-format': 'png', title: 'export this chart as PNG' },
      'PNG',
    ),
    h(
      'button',
      {
        type: 'button',
        'data-export': 'cwnd',
        'data-format': 'svg',
        title: 'export the congestion window plot of the connection shown as SVG',
      },
      'cwnd SVG',
    ),
    h(
      'button',
      {
        type: 'button',
        'data-export': 'cwnd',
        'data-format': 'png',
        title: 'export the congestion window plot of the connection shown as PNG',
      },
      'cwnd PNG',
    ),
  ];
  const chartToggle = h(
    'button',
    { type: 'button', class: 'chart-toggle', title: 'show or hide this endpoint’s chart' },
    'hide chart',
  );
  const hideExceptional = h('input', { type: 'checkbox', class: 'hide-exceptional' });
  const visitedOnly = h('input', { type: 'checkbox', class: 'visited-only' });
  const filters = h('span', { class: 'chart-filters' });
  const l1 = h('label', { title: 'hide the ABORT, RST and give-up timeout edges (unless just taken)' });
  l1.append(hideExceptional, ' hide abort/reset/timeout');
  const l2 = h('label', { title: 'only the states this connection visited and where it can go next' });
  l2.append(visitedOnly, ' visited + next only');
  filters.append(l1, l2);
  picker.append(h('span', {}, 'connection'), select, zoom, chartToggle, ...exports, filters, counts);
  const panel = {
    root,
    select,
    zoom,
    counts,
    listeners: h('div', { class: 'listeners' }),
    empty: h('div', { class: 'no-connection' }, 'no connection yet'),
    wrap: h('div', { class: 'chart-wrap' }),
    holder: h('div', { class: 'statechart', 'data-endpoint': ep.id }),
    chart: createStatechart(app.hello.statechart),
    timers: h('div', { class: 'timers' }),
    context: h('dl', { class: 'context' }),
    cwnd: h('div', { class: 'cwnd-plot' }),
    cwndKey: '',
    history: h('div', { class: 'history' }),
    lastCause: h('div', { class: 'last-cause' }),
    actions: h('div', { class: 'actions' }),
    firings: h('div', { class: 'firings', 'aria-live': 'polite' }),
    firingsEdge: null,
    firingsCount: -1,
    pinned: app.linkPins.get(ep.id) ?? null,
    optionsKey: '',
    chartToggle,
    hideExceptional,
    visitedOnly,
  };
  panel.holder.appendChild(panel.chart.svg);
  panel.wrap.appendChild(panel.holder);
  // The chart takes its natural width when there is room (details beside it), less when not.
  panel.wrap.style.flexBasis = `${app.hello.statechart.width + 2}px`;
  const details = h('div', { class: 'details' });
  details.append(
    panel.timers,
    panel.lastCause,
    panel.actions,
    panel.firings,
    panel.context,
    panel.cwnd,
    panel.history,
  );
  const body = h('div', { class: 'panel-body' });
  body.append(panel.wrap, details);
  root.append(title, panel.listeners, picker, panel.empty, body);
  wirePanel(panel, ep);
  $('endpoints').appendChild(root);
  // Short of room (a laptop screen): one endpoint's chart at a time, the first one to begin with;
  // the others keep their state, timers and variables, and "show chart" swaps.
  if (compactLayout() && app.panels.size > 0) setCollapsed(panel, true);
  app.panels.set(ep.id, panel);
  return panel;
}

/** Less than room for two charts above the ladder: a 1280×720 or 1366×768 screen. */
function compactLayout() {
  const compact = window.innerHeight < 900;
  document.body.dataset.layout = compact ? 'compact' : 'full';
  return compact;
}

function setCollapsed(panel, collapsed) {
  panel.root.classList.toggle('collapsed', collapsed);
  panel.chartToggle.textContent = collapsed ? 'show chart' : 'hide chart';
  panel.chartToggle.setAttribute('aria-expanded', String(!collapsed));
}

function wirePanel(panel, ep) {
  panel.chartToggle.addEventListener('click', () => {
    const show = panel.root.classList.contains('collapsed');
    setCollapsed(panel, !show);
    // In the compact layout the chart shown takes the room: the others fold.
    if (show && compactLayout())
      for (const other of app.panels.values()) if (other !== panel) setCollapsed(other, true);
    queueRender();
  });
  panel.hideExceptional.addEventListener('change', () => {
    panel.chart.svg.classList.toggle('hide-exceptional', panel.hideExceptional.checked);
  });
  panel.visitedOnly.addEventListener('change', () => queueRender());
  panel.select.addEventListener('change', () => {
    panel.pinned = panel.select.value || null;
    queueRender();
  });
  panel.counts.addEventListener('click', (e) => {
    const chip = e.target instanceof Element ? e.target.closest('.count') : null;
    if (!chip || !app.model) return;
    const state = chip.getAttribute('data-state');
    const endpoint = app.model.endpointById.get(ep.id);
    const conns = [...(endpoint?.conns.values() ?? [])].filter((c) => c.state === state);
    if (!conns.length) return;
    // Cycle through the connections in that state.
    const at = conns.findIndex((c) => c.id === panel.pinned);
    panel.pinned = conns[(at + 1) % conns.length].id;
    queueRender();
  });
  // An edge of the chart (its arrow or its label): list every time it fired, and go to the next.
  const edgeOf = (e) =>
    e.target instanceof Element ? e.target.closest('.edge, .edge-label')?.getAttribute('data-edge') : null;
  panel.holder.addEventListener('click', (e) => {
    const edge = edgeOf(e);
    if (edge) showFirings(panel, ep.id, edge, true);
  });
  panel.holder.addEventListener('keydown', (e) => {
    const edge = edgeOf(e);
    if (!edge || (e.key !== 'Enter' && e.key !== ' ')) return;
    e.preventDefault();
    e.stopPropagation();
    showFirings(panel, ep.id, edge, true);
  });
  panel.firings.addEventListener('click', (e) => {
    const go = e.target instanceof Element ? e.target.closest('[data-goto-step]') : null;
    if (go) goToStep(Number(go.getAttribute('data-goto-step')), ep.id, go.getAttribute('data-conn'));
  });
  panel.zoom.addEventListener('click', () => {
    const zoomed = panel.wrap.classList.toggle('zoomed');
    panel.chart.svg.style.width = zoomed ? `${app.hello.statechart.width}px` : '';
    panel.zoom.textContent = zoomed ? 'fit' : '100%';
  });
}

// --- edges and the times they fired ------------------------------------------------------------

/** Every transition in the stream so far, scanned once (model.js transitionSteps). */
function allSteps() {
  if (app.stepsOf !== app.events) {
    app.stepsOf = app.events;
    app.steps = [];
    app.stepsScanned = 0;
  }
  // The last instant is scanned again later: its snapshots (event names) may still be arriving.
  let from = app.stepsScanned;
  while (app.steps.length && app.steps[app.steps.length - 1].index >= from) app.steps.pop();
  const lastT = app.events[app.events.length - 1]?.t;
  transitionSteps(app.events, from, app.steps);
  from = app.events.length;
  while (from > 0 && app.events[from - 1].t === lastT) from--;
  app.stepsScanned = from;
  return app.steps;
}

/** The drawn edge id a transition took (memoised per from, to and event). */
function edgeIdOf(step) {
  app.edgeIds ??= new Map();
  const key = `${step.from}|${step.to}|${step.event ?? ''}`;
  if (!app.edgeIds.has(key))
    app.edgeIds.set(key, findEdge(app.hello.statechart, step.from, step.to, step.event)?.id ?? null);
  return app.edgeIds.get(key);
}

/** Goes to the moment just after stream event `index` (a state line) and shows its connection. */
function goToStep(index, endpoint, conn) {
  const at = app.traceIdx.indexOf(index);
  if (at < 0) return;
  const panel = app.panels.get(endpoint);
  if (panel && conn) panel.pinned = conn;
  app.followLadder = false;
  setCursor(at + 1);
}

/** Lists every time edge `edgeId` fired on `endpoint`; with `jump`, goes to the next firing. */
function showFirings(panel, endpoint, edgeId, jump) {
  panel.firingsEdge = edgeId;
  panel.firingsCount = -1;
  renderFirings(panel, endpoint);
  if (!jump) return;
  const fired = panel.firingsList;
  if (!fired.length) return;
  const shownUpTo = wantedCount();
  const next = fired.find((s) => s.index >= shownUpTo) ?? fired[0];
  goToStep(next.index, endpoint, next.conn);
}

const MAX_FIRINGS_LISTED = 200;

function renderFirings(panel, endpoint) {
  if (!panel.firingsEdge) return;
  const steps = allSteps();
  if (panel.firingsCount === steps.length) return;
  panel.firingsCount = steps.length;
  const fired = steps.filter((s) => s.endpoint === endpoint && edgeIdOf(s) === panel.firingsEdge);
  panel.firingsList = fired;
  const name = panel.firingsEdge.replace('->', ' → ');
  const items = fired
    .slice(0, MAX_FIRINGS_LISTED)
    .map((s) =>
      h(
        'button',
        { type: 'button', class: 'link', 'data-goto-step': String(s.index), 'data-conn': s.conn },
        `${s.conn} ${s.from} → ${s.to} at ${formatTime(s.t)}`,
      ),
    );
  const more = fired.length > MAX_FIRINGS_LISTED ? [` … and ${fired.length - MAX_FIRINGS_LISTED} more`] : [];
  panel.firings.dataset.edge = panel.firingsEdge;
  panel.firings.dataset.count = String(fired.length);
  panel.firings.replaceChildren(
    h(
      'span',
      {},
      fired.length
        ? `edge ${name} fired ${fired.length} time${fired.length === 1 ? '' : 's'} in this run: `
        : `edge ${name} has not fired in this run (so far)`,
    ),
    ...items,
    ...more,
  );
}

/** What the connection did since its last transition without changing state, with links. */
function renderActions(panel, model, conn) {
  const since = conn.since;
  const parts = [];
  const segLink = (id) => {
    const s = model.segments.get(id);
    return h(
      'button',
      { type: 'button', class: 'link', 'data-select-seg': String(id) },
      s ? `#${id} ${segmentLabel(s)}` : `#${id}`,
    );
  };
  if (since?.sent)
    parts.push(
      `sent ${since.sent} segment${since.sent === 1 ? '' : 's'} (last `,
      segLink(since.lastSent),
      ')',
    );
  if (since?.received)
    parts.push(
      `${parts.length ? '; ' : ''}received ${since.received} (last `,
      segLink(since.lastReceived),
      ')',
    );
  for (const r of since?.restarts ?? [])
    parts.push(`; 2MSL timer restarted at ${formatTime(r.t)} by `, segLink(r.segment));
  if (!parts.length) {
    panel.actions.replaceChildren();
    return;
  }
  if (typeof parts[0] === 'string') parts[0] = parts[0].replace(/^; /, '');
  panel.actions.replaceChildren(`since then, without a state change: `, ...parts);
}

/**
 * Scrolls each chart (not the page) so its current state is in view when it moved out of it
 * (app.keepInView: [wrap, node] pairs queued by renderPanel). Run once the frame's DOM writes are
 * done: every box is read first (one layout), then every scroll is written.
 */
function keepStatesInView() {
  const moves = app.keepInView.splice(0).flatMap(([wrap, node]) => {
    if (!node) return [];
    const box = wrap.getBoundingClientRect();
    const n = node.getBoundingClientRect();
    const dy = n.top < box.top || n.bottom > box.bottom ? n.top - box.top - (box.height - n.height) / 2 : 0;
    const dx = n.left < box.left || n.right > box.right ? n.left - box.left - (box.width - n.width) / 2 : 0;
    return dx || dy ? [{ wrap, top: wrap.scrollTop + dy, left: wrap.scrollLeft + dx }] : [];
  });
  for (const { wrap, top, left } of moves) {
    wrap.scrollTop = top;
    wrap.scrollLeft = left;
  }
}

/**
 * The picker's options, updated in place: a new connection appends one option, a state change
 * rewrites one text. Rebuilding a 1,000-option select costs ~100 ms of DOM and layout (Chromium
 * measures every option to size it), and even appending restyles every option, so a long list is
 * in the DOM only while the picker is in use (lazy-select.js).
 */
function syncConnOptions(panel, ep, conns) {
  panel.options ??= lazySelect(panel.select);
  const options = panel.options;
  options.head(`auto: most recently active (${conns.length})`);
  // Connections gone (the model was derived again for an earlier moment): their options go.
  if (options.size > conns.length)
    for (const id of [...options.keys()]) if (!ep.conns.has(id)) options.delete(id);
  for (const c of conns) options.set(c.id, `${c.label ? `${c.label} · ` : ''}${c.id} — ${c.state}`);
  options.sync();
}

function renderPanel(ep, model) {
  const panel = app.panels.get(ep.id) ?? createPanel(ep);
  const conns = [...ep.conns.values()];
  // Listeners.
  setText(
    panel.listeners,
    [...ep.listeners]
      .map(
        ([actor, l]) =>
          `${actor.replace('listener:', 'listener :')} ${l.value ?? ''}${l.context?.backlog !== undefined ? ` (backlog ${l.context.backlog})` : ''}`,
      )
      .join(' · '),
  );
  // Which connection to show.
  let conn = panel.pinned ? ep.conns.get(panel.pinned) : undefined;
  if (!conn) conn = (ep.lastActive && ep.conns.get(ep.lastActive)) || conns[0];
  // Picker (rebuilt only when connections or their states changed).
  const key = `${panel.pinned ?? ''}|${conns.map((c) => `${c.id}=${c.state}`).join(',')}`;
  if (key !== panel.optionsKey) {
    panel.optionsKey = key;
    syncConnOptions(panel, ep, conns);
    panel.counts.replaceChildren(
      ...stateCounts(ep, stateOrder()).map(([state, n]) => {
        const chip = h('span', {
          class: 'count',
          'data-state': state,
          title: `show a connection in ${state}`,
        });
        chip.append(`${state} `, h('b', {}, String(n)));
        return chip;
      }),
    );
  }
  panel.options?.choose(panel.pinned && ep.conns.has(panel.pinned) ? panel.pinned : '');
  panel.empty.classList.toggle('hidden', Boolean(conn));
  // Dormant, not display:none: the chart is styled and laid out while the page is idle (at hello),
  // so the first connection shows it without restyling and laying out its ~300 elements in a
  // streaming frame (that was the costliest task of a run).
  panel.wrap.classList.toggle('dormant', !conn);
  if (!conn) {
    panel.empty.textContent =
      ep.listeners.size > 0
        ? 'no connection yet (listening)'
        : 'no connection (yet) — raw segments only, if any';
    panel.holder.removeAttribute('data-conn');
    panel.holder.setAttribute('data-state', '');
    panel.timers.textContent = '';
    panel.context.replaceChildren();
    panel.contextKey = '';
    panel.cwnd.replaceChildren();
    panel.cwndKey = '';
    panel.history.textContent = '';
    return;
  }
  panel.holder.setAttribute('data-conn', conn.id);
  panel.holder.setAttribute('data-state', conn.state);
  const last = conn.last;
  const shown = panel.chart.current;
  updateStatechart(
    panel.chart,
    conn.state,
    last ? { from: last.from, to: last.to, event: last.event, key: `${conn.id}@${last.index}` } : null,
  );
  showOnly(
    panel.chart,
    panel.visitedOnly.checked ? visitedAndNext(app.hello.statechart, conn.history, conn.state) : null,
  );
  if (panel.chart.current !== shown)
    app.keepInView.push([panel.wrap, panel.chart.nodes.get(panel.chart.current)]);
  const caused = app.selected !== null ? causedBy(model, app.selected) : [];
  const mine = caused.filter((c) => c.endpoint === ep.id && c.conn === conn.id);
  // Re-marked only when the list changed: toggling classes every frame re-styles the whole chart.
  const causedKey = mine.map((c) => `${c.from}>${c.to}>${c.event}`).join('|');
  if (causedKey !== panel.causedKey) {
    panel.causedKey = causedKey;
    markCaused(panel.chart, mine);
  }
  // Timers and context.
  const timers = pendingTimers(conn, ep, model.t);
  setText(
    panel.timers,
    timers.length
      ? timers
          .map((t) => `${t.name} timer fires at ${formatTime(t.at)} (in ${formatTime(Math.max(0, t.in))})`)
          .join('   ')
      : 'no timer pending',
  );
  const rows = contextRows(conn);
  const contextKey = rows.map(([n, v]) => `${n}=${v}`).join('|');
  if (contextKey !== panel.contextKey) {
    panel.contextKey = contextKey;
    panel.context.replaceChildren(
      ...rows.map(([name, value]) => {
        const row = h('div');
        row.append(h('dt', {}, name), h('dd', {}, String(value)));
        return row;
      }),
    );
  }
  // Redrawn only when the connection or its number of samples changed (scrubbing back shrinks it).
  const cwndKey = `${conn.id}|${conn.cc.length}`;
  if (cwndKey !== panel.cwndKey) {
    panel.cwndKey = cwndKey;
    panel.cwnd.setAttribute('data-conn', conn.id);
    renderCwndPlot(panel.cwnd, conn.cc, undefined, formatTime);
  }
  renderLastCause(panel, model, conn);
  renderActions(panel, model, conn);
  renderFirings(panel, ep.id);
  const path = conn.history.map((s) => `${s.to} @${formatTime(s.t)}`);
  setText(
    panel.history,
    `${conn.label ? `${conn.label} · ` : ''}${conn.id}: CLOSED → ${path.join(' → ')}${
      conn.retransmits ? ` · ${conn.retransmits} retransmission(s)` : ''
    }`,
  );
}

/**
 * A panel per drawn endpoint; in a group view (groups.js) one panel per folded group instead of
 * one per host, with the group's connections by state and a picker that draws a host in full.
 */
function renderPanels(model) {
  const view = app.view;
  for (const ep of model.endpoints) {
    if (!view || view.laneOf.get(ep.id) === ep.id) renderPanel(ep, model);
    else if (app.panels.has(ep.id)) {
      app.panels.get(ep.id).root.remove();
      app.panels.delete(ep.id);
    }
  }
  const shown = new Set(view?.groups.map((g) => g.name));
  for (const node of document.querySelectorAll('#endpoints > .group-panel')) {
    if (!shown.has(node.getAttribute('data-group'))) node.remove();
  }
  for (const group of view?.groups ?? []) renderGroupPanel(group, model);
}

/** `id: states` per endpoint; in a group view a folded group's hosts as one entry, by state. */
function finalStates(final, view) {
  const folded = new Set(view?.groups.flatMap((g) => g.members));
  const entries = Object.entries(final)
    .filter(([id]) => !folded.has(id))
    .map(
      ([id, states]) => `${id}: ${states.length ? foldedStates(states, view).join(', ') : '(no connection)'}`,
    );
  for (const group of view?.groups ?? []) {
    const byState = new Map();
    for (const id of group.members) {
      for (const state of final[id]?.length ? final[id] : ['(no connection)'])
        byState.set(state, (byState.get(state) ?? 0) + 1);
    }
    entries.push(`${group.lane}: ${[...byState].map(([state, n]) => `${state} ${n}`).join(', ')}`);
  }
  return entries.join('; ');
}

/** In a group view, many final states of one endpoint as `CLOSED ×50` (a server of 50 clients). */
function foldedStates(states, view) {
  if (!view || states.length <= 4) return states;
  const byState = new Map();
  for (const state of states) byState.set(state, (byState.get(state) ?? 0) + 1);
  return [...byState].map(([state, n]) => `${state} ×${n}`);
}

/** Folds a picked host back into its group (its lane and panel go). */
function foldHost(id) {
  app.picked.delete(id);
  app.lastLadder.count = -1;
  queueRender();
}

/** The panel of a folded group: how many hosts, their connections by state, a host picker. */
function renderGroupPanel(group, model) {
  let root = document.querySelector(`#endpoints > .group-panel[data-group="${CSS.escape(group.name)}"]`);
  if (!root) {
    root = h('section', { class: 'endpoint group-panel', 'data-group': group.name });
    const select = h('select', { class: 'host-picker', 'aria-label': `pick a host of ${group.name}` });
    select.addEventListener('change', () => {
      if (!select.value) return;
      app.picked.add(select.value);
      select.value = '';
      app.lastLadder.count = -1;
      queueRender();
    });
    const picker = h('div', { class: 'conn-picker' });
    picker.append(h('span', {}, 'pick a host'), select);
    root.append(h('h2'), picker, h('div', { class: 'state-counts' }));
    $('endpoints').appendChild(root);
  }
  const [title, picker, counts] = root.children;
  title.replaceChildren(
    h('span', {}, `${group.lane} `),
    h(
      'span',
      { class: 'address' },
      `group ${group.name}: ${group.members.length} hosts folded into one lane`,
    ),
  );
  const select = picker.querySelector('select');
  const membersKey = `${group.members.length}|${group.members[0]}|${group.members.at(-1)}`;
  if (select.dataset.key !== membersKey) {
    select.dataset.key = membersKey;
    select.replaceChildren(
      h('option', { value: '' }, `draw one of ${group.members.length} hosts…`),
      ...group.members.map((id) => h('option', { value: id }, id)),
    );
  }
  counts.replaceChildren(
    h('span', {}, 'connections: '),
    ...groupStateCounts(model, group, stateOrder()).map(([state, n]) => {
      const chip = h('span', { class: 'count', 'data-state': state });
      chip.append(`${state} `, h('b', {}, String(n)));
      return chip;
    }),
  );
}

/** The connection's last transition and what took it, with a link that selects the segment. */
function renderLastCause(panel, model, conn) {
  const last = conn.last;
  if (!last) {
    panel.lastCause.replaceChildren();
    return;
  }
  const cause = causeOf(model, last);
  const parts = [`last transition ${last.from} → ${last.to} at ${formatTime(last.t)}, caused by `];
  if (!cause) parts.push('(unknown)');
  else if (cause.segment !== null)
    parts.push(
      h('button', { type: 'button', class: 'link', 'data-select-seg': String(cause.segment) }, cause.text),
    );
  else parts.push(cause.text);
  panel.lastCause.replaceChildren(...parts);
  panel.lastCause.dataset.cause = cause?.kind ?? '';
}

function renderSelection(model) {
  const box = $('selection');
  const s = app.selected !== null ? model.segments.get(app.selected) : null;
  if (!s) {
    box.textContent = '';
    return;
  }
  const parts = [
    `#${s.id} ${s.from} → ${s.to}: ${segmentLabel(s)}`,
    `sent ${formatTime(s.t)}${s.state ? ` from ${s.state}` : ''}`,
  ];
  if (s.drop)
    parts.push(`dropped (${s.drop.reason}) ${s.drop.host ? 'by the receiving host' : 'in the network'}`);
  if (s.deliveredAt !== null && !s.drop) parts.push(`delivered ${formatTime(s.deliveredAt)}`);
  else if (!s.drop) parts.push('in flight');
  box.replaceChildren(h('span', {}, parts.join(' · ')));
  const fate = s.deliveredAt === null && !s.drop ? laterFate(s.id, model.count) : null;
  if (fate) {
    // In flight at the shown moment: offer the moment it arrives (and what it causes there).
    const verb = fate.kind === 'deliver' ? 'arrives' : 'is dropped';
    box.append(
      ' ',
      h(
        'button',
        { type: 'button', class: 'link', 'data-goto-trace': String(fate.k) },
        `${verb} at ${formatTime(fate.t)}: go there`,
      ),
    );
  }
  if (s.divergence) {
    // A replayed capture (synack replay): the rule this captured segment breaks.
    box.append(
      h(
        'div',
        { class: 'divergence-reason', 'data-rule': s.divergence.rule },
        `✗ the model would not have sent it: ${s.divergence.rule}: ${s.divergence.detail}`,
      ),
    );
  }
  const why = retransmissionReason(model, s);
  if (why) {
    const reason = h('div', { class: 'retransmit-reason', 'data-cause': why.cause ?? '' }, `${why.text} `);
    if (why.of !== null)
      reason.append(
        h(
          'button',
          { type: 'button', class: 'link', 'data-select-seg': String(why.of) },
          `select #${why.of}`,
        ),
      );
    box.append(reason);
  }
  if (s.deliveredAt !== null && !s.drop?.host) {
    const caused = causedBy(model, s.id);
    const list = h('span', { class: 'caused-list' });
    list.append(' → ');
    if (!caused.length) list.append(h('em', {}, 'no state change'));
    for (const c of caused) {
      list.append(
        h(
          'span',
          { 'data-caused': `${c.from}->${c.to}` },
          `${c.endpoint} ${c.conn}: ${c.from} → ${c.to}${c.event ? ` (${c.event})` : ''}`,
        ),
      );
    }
    box.append(list);
  }
}

/**
 * The ladder: placed again when the shown moment, the filters or the width changed (at most
 * 10×/s while live), redrawn when the selection or the rows in view changed. True when redrawn.
 */
function renderLadderPart(model, geo) {
  const ladder = $('ladder');
  const now = performance.now();
  const width = geo.ladderWidth;
  const last = app.lastLadder;
  const filterKey = `${JSON.stringify(app.filter)}|${[...app.picked].join(',')}`;
  const moved = last.count !== model.count || last.width !== width || last.filter !== filterKey;
  if (moved) {
    // Following live it is placed at most 10×/s; a scrub step places it at once.
    const throttled = app.cursor === null && now - last.at < 100 && last.count !== -1;
    if (throttled && last.width === width && last.filter === filterKey) {
      setTimeout(queueRender, 100 - (now - last.at));
    } else {
      updateConnFilter(model);
      app.layout = ladderLayout(model, { width, filter: app.filter, view: app.view });
      app.lastLadder = { count: model.count, selected: null, width, at: now, filter: filterKey };
      app.ladderWindow = '';
    }
  }
  const layout = app.layout;
  if (!layout) return false;
  // Scroll positions are computed, not read back: a read after this frame's DOM writes would
  // force a synchronous layout of the whole page (the costliest part of a scrub step).
  const view = geo.ladderHeight || 520;
  let top = geo.ladderTop;
  if (app.followLadder && app.ladderWindow === '') top = Math.max(0, LADDER_HEAD + layout.height - view);
  if (app.scrollToSelected && app.selected !== null) {
    const g = layout.segs.find((x) => x.s.id === app.selected);
    if (g) {
      app.scrollToSelected = false;
      app.followLadder = false;
      top = scrollTopForRow(g.r1, view);
    }
  }
  const space = ladder.querySelector('.ladder-space');
  if (space && space.style.height !== `${layout.height}px`) space.style.height = `${layout.height}px`;
  // Scroll writes wait for the end of the frame (each one forces a layout): geo.scrolls.
  if (top !== geo.ladderTop) geo.scrolls.push([ladder, top]);
  const { first, last: lastRow } = windowRows(layout, top, view);
  const key = `${first}|${lastRow}|${app.selected}|${app.lastLadder.at}`;
  const redraw = key !== app.ladderWindow;
  if (redraw) {
    // A frame makes at most so many rows, tags and segments; the rest follow in the next frames.
    const { pending } = renderLadderWindow(ladder, layout, model, {
      selected: app.selected,
      scrollTop: top,
      viewHeight: view,
      maxNew: app.cursor === null ? LIVE_NEW_LADDER_ITEMS : SCRUB_NEW_LADDER_ITEMS,
    });
    app.ladderPending = pending > 0;
    app.ladderWindow = app.ladderPending ? `${key}|pending` : key;
    if (app.ladderPending) queueRender();
    if (app.followLadder && top !== Math.max(0, LADDER_HEAD + layout.height - view))
      geo.scrolls.push([ladder, LADDER_HEAD + layout.height]);
  }
  if (app.refocus !== undefined) {
    // The ladder was redrawn: give the keyboard focus back to the segment just selected.
    ladder.querySelector(`.segment[data-id="${app.refocus}"]`)?.focus({ preventScroll: true });
    app.refocus = undefined;
  }
  return redraw;
}

/** The event list, following the scrubber: the shown moment's last event and the selected send. */
function renderEvents(geo) {
  const list = app.eventList;
  if (!list) return;
  addEvents(list, app.events, app.traceIdx);
  const k = shownTrace();
  const seg = app.selected !== null ? app.model?.segments.get(app.selected) : null;
  const selectedEvent = seg ? app.traceIdx.indexOf(seg.index) : -1;
  const follow = app.listCursor !== k;
  app.listCursor = k;
  renderEventList(list, {
    current: k - 1,
    selectedEvent,
    follow,
    scrollTop: geo.listTop,
    viewHeight: geo.listHeight,
  });
  if (list.scrollTo !== undefined) {
    geo.scrolls.push([list.box, list.scrollTo]);
    list.scrollTo = undefined;
  }
  const total = app.traceIdx.length;
  $('event-count').textContent = list.query
    ? `${list.matches.length} of ${total} events match`
    : `${total} events`;
}

/** The compact view: connections by state over time, up to the moment shown (state-histogram.js). */
function renderHistogramPart(model, geo) {
  const width = Math.max(300, geo.histogramWidth || 900);
  const key = `${model.count}|${width}`;
  if (key === app.histogramKey) return;
  app.histogramKey = key;
  const hist = stateHistogram(model.stateEvents, model.t);
  const legend = histogramLegend(hist).map((entry) => {
    const item = h(
      'span',
      { class: 'legend-item', 'data-state': entry.state },
      `${entry.state} ${entry.count}`,
    );
    if (entry.color) item.prepend(h('span', { class: 'swatch', 'data-color': entry.state }));
    return item;
  });
  const box = $('histogram');
  box
    .querySelector('.histogram-legend')
    .replaceChildren(
      h('span', {}, `${hist.connections} connections · at ${formatTime(model.t)}:`),
      ...legend,
    );
  box.querySelector('.histogram-plot').innerHTML = histogramSvg(hist, { width, height: 320 });
}

/** The narration beside the ladder, when the stream has any (explain lines): up to the moment shown. */
function renderNarrationPart(model) {
  const box = $('narration');
  box.hidden = app.narrationTotal === 0;
  if (box.hidden) return;
  app.narrationKey = renderNarration(box, model, app.narrationKey, (index) => {
    // The moment just after the narration line, i.e. just after the event it explains.
    const i = app.traceIdx.indexOf(index);
    app.cursor = i + 1 >= app.traceIdx.length ? null : i + 1;
    app.pendingStep = null;
    queueRender();
  });
}

function runState(control) {
  if (!control) return 'connecting';
  if (control.done) return 'done';
  if (control.paused) return 'paused';
  return control.running ? 'running' : 'waiting';
}

/** The run's state on the page (body, badge, Pause/Resume) without waiting for the next frame. */
function showRunState() {
  const run = runState(app.control);
  document.body.dataset.run = run;
  const badge = $('status').querySelector('.badge');
  if (badge && app.connected) {
    badge.className = `badge ${run}`;
    badge.textContent = run;
  }
  const done = Boolean(app.control?.done);
  $('pause').disabled = !app.connected || done || Boolean(app.control?.paused);
  $('resume').disabled = (!app.connected || done || !app.control?.paused) && app.cursor === null;
}

/** Sizes and scroll offsets, read once at the start of a frame while the layout is still clean. */
function measure() {
  const ladder = $('ladder');
  const list = $('events');
  return {
    ladderWidth: ladder.clientWidth,
    histogramWidth: $('histogram').clientWidth,
    ladderTop: ladder.scrollTop,
    ladderHeight: ladder.clientHeight,
    listTop: list.scrollTop,
    listHeight: list.clientHeight,
    /** [element, scrollTop] to apply once the frame's DOM writes are done. */
    scrolls: [],
  };
}

function render() {
  const geo = measure();
  // The frame after a ladder-only frame draws the panels for the same moment (not a newer one),
  // so every state the ladder showed is shown in its panel too.
  if (!app.deferredPanels) syncModel();
  else if (app.model && app.model.count < wantedCount()) queueRender();
  const model = app.model;
  const control = app.control;
  const total = app.traceIdx.length;
  const k = shownTrace();
  const body = document.body;
  body.dataset.connected = String(app.connected);
  // Live, what is shown: a page catching up (syncModel's budget) reaches the counts received
  // over a few frames, and tests wait for these to know the page has drawn everything.
  const caughtUp = app.cursor !== null || !model;
  body.dataset.events = String(caughtUp ? app.events.length : model.count);
  body.dataset.trace = String(caughtUp ? total : model.traceCount);
  body.dataset.cursor = String(k);
  body.dataset.mode = app.cursor === null ? 'live' : 'replay';
  const run = runState(control);
  body.dataset.run = run;

  // Status line: its badge and text node are rewritten only when they change (a new node every
  // frame would restyle and lay out the header each time).
  const status = $('status');
  if (!app.statusText) {
    app.statusText = document.createTextNode('');
    status.append(app.statusText);
  }
  const badge = status.querySelector('.badge');
  const badgeClass = `badge ${app.connected ? run : 'offline'}`;
  if (badge.className !== badgeClass) badge.className = badgeClass;
  setText(badge, app.connected ? run : 'disconnected — reconnecting…');
  const bits = [];
  if (model) {
    bits.push(`t = ${formatTime(model.t)}`);
    const st = model.stats;
    // Host drops arrived but were refused by the receiving host: neither delivered nor lost on the way.
    bits.push(
      `${st.sent} sent, ${st.delivered} delivered, ${st.netDropped} lost in the network, ${st.hostDropped} dropped by the receiving host, ${st.duplicated} duplicated, ${st.retransmits} retransmitted`,
    );
  }
  const statusLine = bits.join(' · ');
  if (app.statusText.data !== statusLine) app.statusText.data = statusLine;

  // Controls.
  const done = Boolean(control?.done);
  $('pause').disabled = !app.connected || done || Boolean(control?.paused);
  $('resume').disabled = (!app.connected || done || !control?.paused) && app.cursor === null;
  $('step').disabled = k >= total && (done || !app.connected);
  $('back').disabled = k === 0;
  $('live').disabled = app.cursor === null;
  for (const [id, value] of [
    ['speed', control?.speed],
    ['hold', control?.hold],
  ]) {
    const select = $(id);
    if (value === undefined || document.activeElement === select) continue;
    const v = String(value);
    if (![...select.options].some((o) => o.value === v))
      select.append(h('option', { value: v }, `${v}${id === 'speed' ? '×' : ' ms'}`));
    select.value = v;
  }
  const scrub = $('scrub');
  scrub.max = String(total);
  scrub.value = String(k);
  $('position').textContent = `event ${k}/${total}${app.cursor === null ? ' · live' : ' · replay'}`;
  scrub.setAttribute(
    'aria-valuetext',
    `event ${k} of ${total}${model ? `, t = ${formatTime(model.t)}` : ''}${app.cursor === null ? ', live' : ''}`,
  );

  if (!model) return;
  app.view = groupView(model, app.picked);
  // A frame that redrew the ladder (its costliest part: markup, style and layout of the rows in
  // view) leaves the panels, the event list and the narration to the next frame, live or
  // scrubbing, so no frame (one task: script, style, layout, paint) pays for all of them; never
  // two frames running, so the panels keep up. body[data-drawn] says which moment is fully drawn.
  let redrew = false;
  if (app.compact) renderHistogramPart(model, geo);
  else redrew = renderLadderPart(model, geo);
  if (redrew && !app.deferredPanels) {
    app.deferredPanels = true;
    queueRender();
  } else {
    app.deferredPanels = false;
    renderPanels(model);
    renderEvents(geo);
    renderNarrationPart(model);
    // The moment is drawn everywhere once the ladder (or the compact view) shows it too.
    if (app.compact || (app.lastLadder.count === model.count && !app.ladderPending))
      body.dataset.drawn = String(model.traceCount);
  }
  renderSelection(model);
  writeHash(model);

  const summary = $('summary');
  if (model.summary) {
    const s = model.summary;
    const finals = finalStates(s.final ?? {}, app.view);
    summary.textContent = `${s.ok ? 'run completed' : `run failed: ${s.error}`} at ${formatTime(s.t)} virtual — final states: ${finals}`;
    summary.classList.toggle('failed', !s.ok);
    summary.classList.remove('hidden');
  } else {
    summary.classList.add('hidden');
  }
  keepStatesInView();
  for (const [element, top] of geo.scrolls) element.scrollTop = top;
}

setup();
connect();
