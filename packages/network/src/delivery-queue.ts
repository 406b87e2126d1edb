/** Min-heap of in-flight packets ordered by (deliverAt, id): the coordinator's delivery schedule. */
import type { Packet } from './types.js';

/** Min-heap of in-flight packets ordered by (deliverAt, id). */
export class DeliveryQueue {
  private heap: Packet[] = [];

  get size(): number {
    return this.heap.length;
  }

  peekTime(): number | undefined {
    return this.heap[0]?.deliverAt;
  }

  push(packet: Packet): void {
    const h = this.heap;
    h.push(packet);
    // Sift with a hole (no destructuring swap: it allocates a temporary array per level).
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(packet, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = packet;
  }

  pop(): Packet | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      siftDown(h, last);
    }
    return top;
  }
}

/** Places `moving` from the root down to where the heap order holds (a hole, not swaps). */
function siftDown(h: Packet[], moving: Packet): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = moving;
    let mi = i;
    if (l < h.length && before(h[l], m)) {
      m = h[l];
      mi = l;
    }
    if (r < h.length && before(h[r], m)) {
      m = h[r];
      mi = r;
    }
    if (mi === i) break;
    h[i] = m;
    i = mi;
  }
  h[i] = moving;
}

function before(a: Packet, b: Packet): boolean {
  return a.deliverAt < b.deliverAt || (a.deliverAt === b.deliverAt && a.id < b.id);
}
