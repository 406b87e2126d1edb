/**
 * The scenario builder is sugar: what it builds must be exactly the plain config one would write
 * by hand (so it prints as a scenario file and runs identically), and it validates what it builds.
 */
import { describe, expect, it } from 'vitest';
import { simulation } from '../src/builder.js';
import { runSimulation, type SimulationConfig, toJsonLines } from '../src/index.js';

/** The README's first run, written by hand. */
const HANDWRITTEN: SimulationConfig = {
  seed: 42,
  profile: 'linux',
  endpoints: [
    {
      id: 'client',
      actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }],
      reactions: [
        { on: 'connected', do: 'send', bytes: 1024 },
        { on: 'connected', do: 'close', after: 500 },
      ],
    },
    {
      id: 'server',
      actions: [{ at: 0, do: 'listen', port: 80 }],
      reactions: [
        { on: 'accept', do: 'send', bytes: 1024 },
        { on: 'peer-closed', do: 'close', after: 100 },
      ],
    },
  ],
  network: { default: { delay: 10 } },
};

const built = () =>
  simulation({ seed: 42, profile: 'linux' })
    .endpoint('client', (c) =>
      c
        .connect('server', 80)
        .on('connected', 'send', { bytes: 1024 })
        .on('connected', 'close', { after: 500 }),
    )
    .endpoint('server', (s) =>
      s.listen(80).on('accept', 'send', { bytes: 1024 }).on('peer-closed', 'close', { after: 100 }),
    )
    .network({ delay: 10 })
    .build();

describe('simulation() builder', () => {
  it('builds exactly the plain config one would write by hand, with no undefined fields', () => {
    const config = built();
    expect(config).toEqual(HANDWRITTEN);
    expect(JSON.stringify(config)).toBe(JSON.stringify(HANDWRITTEN));
  });

  it('runs to the same trace as the handwritten config', async () => {
    const [a, b] = await Promise.all([
      runSimulation(built(), { threads: 'inline' }),
      runSimulation(HANDWRITTEN, { threads: 'inline' }),
    ]);
    expect(a.ok).toBe(true);
    expect(toJsonLines(a.trace)).toBe(toJsonLines(b.trace));
  });

  it('places actions on the timeline with at(), in call order', () => {
    const config = simulation()
      .endpoint('client', (c) =>
        c
          .connect('server', 80, { localPort: 40000, as: 'first' })
          .at(100)
          .send(200, 'first')
          .close()
          .at(50)
          .abort(),
      )
      .endpoint('server', (s) => s.listen(80, { backlog: 4, syncookies: 1 }).at(2000).restart())
      .build();
    expect(config.seed).toBe(1);
    expect(config.endpoints[0].actions).toEqual([
      { at: 0, do: 'connect', to: 'server', port: 80, localPort: 40000, as: 'first' },
      { at: 100, do: 'send', bytes: 200, conn: 'first' },
      { at: 100, do: 'close' },
      { at: 50, do: 'abort' },
    ]);
    expect(config.endpoints[1]).toEqual({
      id: 'server',
      actions: [
        { at: 0, do: 'listen', port: 80, backlog: 4, syncookies: 1 },
        { at: 2000, do: 'restart' },
      ],
    });
    expect(config.network).toBeUndefined();
  });

  it('writes endpoint settings, raw segments, floods, links and targeted faults', () => {
    const config = simulation({ maxTime: 120_000, engine: 'table' })
      .endpoint('client', (c) =>
        c
          .address('10.0.0.5')
          .profile('rfc9293', { synRetries: 2 })
          .overrides({ timeWait: 1000 })
          .fixedIsn(100)
          .raw({ srcPort: 40000, dstPort: 80, seq: 90, flags: ['SYN'] }, 'server'),
      )
      .endpoint('server', (s) => s.listen(80).at(10).accept(80))
      .endpoint('attacker', (a) => a.synFlood('server', 80, 10, { interval: 5 }))
      .network({ delay: 20 })
      .link('server->client', { loss: 0.5 })
      .drop({ from: 'server', exactFlags: ['SYN', 'ACK'] }, 'lost SYN-ACK')
      .fault({ from: 'client', minLen: 1 }, { delay: 5000 })
      .build();
    expect(config.maxTime).toBe(120_000);
    expect(config.engine).toBe('table');
    expect(config.endpoints[0]).toEqual({
      id: 'client',
      address: '10.0.0.5',
      profile: 'rfc9293',
      profileOverrides: { synRetries: 2, timeWait: 1000 },
      fixedIsn: 100,
      actions: [
        { at: 0, do: 'raw', to: 'server', segment: { srcPort: 40000, dstPort: 80, seq: 90, flags: ['SYN'] } },
      ],
    });
    expect(config.endpoints[2].actions).toEqual([
      { at: 0, do: 'syn-flood', to: 'server', port: 80, count: 10, interval: 5 },
    ]);
    expect(config.network).toEqual({
      default: { delay: 20 },
      links: { 'server->client': { loss: 0.5 } },
      faults: [
        {
          match: { from: 'server', exactFlags: ['SYN', 'ACK'] },
          action: { drop: true },
          label: 'lost SYN-ACK',
        },
        { match: { from: 'client', minLen: 1 }, action: { delay: 5000 } },
      ],
    });
  });

  it('validates what it builds, naming the field', () => {
    expect(() =>
      simulation()
        .endpoint('client', (c) => c.connect('server', 70_000))
        .endpoint('server', (s) => s.listen(80))
        .build(),
    ).toThrow('endpoints[0].actions[0].port: must be an integer between 1 and 65535, got 70000');
    expect(() =>
      simulation()
        .endpoint('server', (s) => s.listen(80).at(5).listen(80))
        .build(),
    ).toThrow(/^endpoints\[0\]\.actions\[1\]\.port: port 80 already has a listener/);
    expect(() => simulation().endpoint('client').link('client->sever', {}).build()).toThrow(
      'network.links.client->sever: "sever" is not an endpoint id',
    );
  });
});
