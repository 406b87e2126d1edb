import { describe, expect, it } from 'vitest';
import { Pair } from './pair.js';

describe('smoke', () => {
  it('handshake, data, close', () => {
    const p = new Pair({ clientIsn: 1000, serverIsn: 5000 });
    p.connect();
    p.advance(100);
    p.send('client', 100);
    p.send('server', 50);
    p.advance(100);
    p.close('client');
    p.advance(100);
    p.close('server');
    p.settle();
    console.log(p.ladder().join('\n'));
    console.log(p.states);
    expect(p.state('client')).toBe('CLOSED');
  });
});
