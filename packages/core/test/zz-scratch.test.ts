import { it } from 'vitest';
import { connectionMachine } from '../src/machine.js';
it('x', () => {
  const out: string[] = [];
  for (const [name, node] of Object.entries(connectionMachine.root.states)) {
    for (const [ev, defs] of (node as any).transitions) {
      for (const d of defs) if (d.target) out.push(`${name} ${ev} -> ${d.target.map((t: any) => t.key).join()} guard=${d.guard?.type ?? ''}`);
    }
  }
  console.log(out.join('\n'));
});
