import { it } from 'vitest';
import { Flag } from '../src/segment.js';
import { Pair } from './pair.js';
it('x', () => {
  const p = new Pair({ clientIsn: 1000, serverIsn: 5000 });
  const origSet = p.clock.setTimeout.bind(p.clock);
  const origClear = p.clock.clearTimeout.bind(p.clock);
  (p.clock as any).setTimeout = (fn: any, ms: number) => { const id = origSet(fn, ms); if (ms > 10) console.log('set', id, p.clock.now(), ms); return id; };
  (p.clock as any).clearTimeout = (id: number) => { console.log('clear', id, p.clock.now()); origClear(id); };
  p.connect(); p.advance(30); p.close('client'); p.advance(20); p.close('server'); p.advance(10);
  console.log('state', p.state('client'));
  p.advance(1000);
  p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1002, flags: Flag.FIN | Flag.ACK }));
  console.log(p.ladder().slice(-2), p.state('client'), p.clock.nextDeadline());
});
