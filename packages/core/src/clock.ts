/**
 * A deterministic virtual clock usable as XState's `clock` option.
 *
 * XState's own SimulatedClock starts a chained timer from the clock's current
 * time, so advancing over a chain of timers stops halfway. This clock keeps a
 * min-heap ordered by (deadline, insertion sequence) and `advanceTo(t)` fires
 * every timer due at or before `t` in that order, setting `now` to each
 * timer's deadline first, so timers scheduled from inside a callback chain
 * correctly from the deadline that fired them.
 */
export interface TimerHandle {
  readonly id: number;
}

/** A pending timer from `scheduleTimer`: cancelled with `cancelTimer`, no id lookup. */
export interface Timer {
  readonly deadline: number;
}

interface TimerEntry extends Timer {
  deadline: number;
  order: number;
  /** The numeric id `schedule` returned (a key of byId); 0 for a `scheduleTimer` timer. */
  id: number;
  fn: () => void;
  cancelled: boolean;
}

export class VirtualClock {
  private heap: TimerEntry[] = [];
  private byId = new Map<number, TimerEntry>();
  private nextOrder = 0;
  private nextId = 1;
  /** Timers scheduled and neither fired nor cancelled. */
  private live = 0;
  private current: number;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** XState's Clock interface: a virtual timer (same as `schedule`). */
  readonly setTimeout = (fn: (...args: any[]) => void, ms: number): number => this.schedule(fn, ms); // wall-clock: none, virtual

  /** Runs `fn` when virtual time reaches now + `timeout`; returns an id for `clearTimeout`. */
  schedule(fn: (...args: any[]) => void, timeout: number): number {
    const entry = this.enqueue(fn, timeout, this.nextId++);
    this.byId.set(entry.id, entry);
    return entry.id;
  }

  /**
   * As `schedule`, returning the timer itself: `cancelTimer` then needs no id lookup (the table
   * engine restarts a retransmission timer on nearly every ACK). Ids and timers share one order.
   */
  scheduleTimer(fn: () => void, timeout: number): Timer {
    return this.enqueue(fn, timeout, 0);
  }

  /** XState Clock interface. */
  clearTimeout(id: number): void {
    const entry = this.byId.get(id);
    if (entry) {
      this.byId.delete(id);
      this.cancelEntry(entry);
    }
  }

  /** Cancels a timer from `scheduleTimer` (nothing if it already fired or was cancelled). */
  cancelTimer(timer: Timer): void {
    const entry = timer as TimerEntry;
    if (!entry.cancelled) this.cancelEntry(entry);
  }

  private enqueue(fn: () => void, timeout: number, id: number): TimerEntry {
    const entry: TimerEntry = {
      deadline: this.current + Math.max(0, timeout),
      order: this.nextOrder++,
      id,
      fn,
      cancelled: false,
    };
    this.live++;
    this.push(entry);
    return entry;
  }

  private cancelEntry(entry: TimerEntry): void {
    entry.cancelled = true;
    this.live--;
    // Retransmission timers are restarted on every ACK, leaving cancelled entries behind; when
    // they outnumber the live ones, rebuild the heap (same (deadline, order) keys, same firing order).
    if (this.heap.length > 64 && this.live * 2 < this.heap.length) this.compact();
  }

  private compact(): void {
    this.heap = this.heap.filter((e) => !e.cancelled);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.live;
  }

  /** Deadline of the earliest pending timer, or `undefined` when none. */
  nextDeadline(): number | undefined {
    this.dropCancelledHead();
    return this.heap.length > 0 ? this.heap[0].deadline : undefined;
  }

  /** Fires, in (deadline, order) order, every timer due at or before `t`; then sets now = t. */
  advanceTo(t: number): number {
    if (t < this.current) throw new Error(`VirtualClock cannot go back in time (${t} < ${this.current})`);
    let fired = 0;
    for (;;) {
      this.dropCancelledHead();
      const head = this.heap[0];
      if (!head || head.deadline > t) break;
      this.pop();
      if (head.id !== 0) this.byId.delete(head.id);
      // Fired: marked like a cancelled one, so cancelTimer has nothing left to do.
      head.cancelled = true;
      this.live--;
      this.current = head.deadline;
      fired++;
      head.fn();
    }
    this.current = t;
    return fired;
  }

  /** Advances by `ms` (convenience for tests). */
  advanceBy(ms: number): number {
    return this.advanceTo(this.current + ms);
  }

  /** Runs timers until none is left or `limit` is reached; returns the final time. */
  runAll(limit = Number.POSITIVE_INFINITY): number {
    for (;;) {
      const next = this.nextDeadline();
      if (next === undefined || next > limit) return this.current;
      this.advanceTo(next);
    }
  }

  private dropCancelledHead(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
  }

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.order < b.order);
  }

  private push(entry: TimerEntry): void {
    const heap = this.heap;
    heap.push(entry);
    // Sift up with a hole (parents move down, the entry is written once): the same order as
    // pairwise swaps, without the temporary array a destructuring swap allocates.
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(entry, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): TimerEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const entry = heap[start];
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = entry;
      let mi = i;
      if (l < heap.length && this.less(heap[l], m)) {
        m = heap[l];
        mi = l;
      }
      if (r < heap.length && this.less(heap[r], m)) {
        m = heap[r];
        mi = r;
      }
      if (mi === i) break;
      heap[i] = m;
      i = mi;
    }
    heap[i] = entry;
  }
}
