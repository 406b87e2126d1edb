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
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  pop(): Packet | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Packet, b: Packet): boolean {
  return a.deliverAt < b.deliverAt || (a.deliverAt === b.deliverAt && a.id < b.id);
}
