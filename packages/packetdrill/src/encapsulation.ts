/**
 * Encapsulation written before a packet's flags — `ipv4 2.2.2.2 > 1.1.1.1: gre: mpls (label 1, …):`
 * and `encap psp spi 23` — kept as text so that such scripts parse; a runner on the simulated
 * endpoint reports them unsupported. An IP, GRE or MPLS layer ends at a ':' followed by a blank
 * (the ':' inside an IPv6 address such as `2::2222` is followed by more address).
 */
import type { TokenStream } from './stream.js';

const LAYERS = ['ipv4', 'ipv6', 'gre', 'mpls'];

export function parseEncapsulation(stream: TokenStream): string[] {
  const layers: string[] = [];
  for (;;) {
    const first = stream.peek();
    if (first.kind === 'word' && LAYERS.includes(first.text)) layers.push(colonTerminatedLayer(stream));
    else if (first.kind === 'word' && first.text === 'encap') layers.push(encapLayer(stream));
    else return layers;
  }
}

function colonTerminatedLayer(stream: TokenStream): string {
  const first = stream.next();
  for (;;) {
    const t = stream.next();
    if (t.kind === 'eof') stream.fail(t, `expected ':' to end the ${first.text} header`);
    if (t.kind === 'punct' && t.text === ':' && stream.peek().start !== t.end)
      return stream.slice(first.start, t.end).replace(/\s+/g, ' ');
  }
}

/** `encap NAME [field value]…` — a field is a word and a number not followed by ':' (not `S 0:0(0)`). */
function encapLayer(stream: TokenStream): string {
  const first = stream.next();
  let end = stream.expectKind(['word'], 'the encapsulation after encap').end;
  while (
    stream.peek().kind === 'word' &&
    ['int', 'hex'].includes(stream.peek(1).kind) &&
    !(stream.isPunct(':', 2) && stream.peek(2).start === stream.peek(1).end)
  ) {
    stream.next();
    end = stream.next().end;
  }
  return stream.slice(first.start, end);
}
