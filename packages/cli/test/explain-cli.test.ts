/**
 * `synack run <scenario> --explain [--lang en|zh]` end to end, through the real binary: the
 * narration under the ladder steps, its numbers against the arrows above it, the JSONL
 * `kind: "explain"` lines and the Mermaid notes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_DIR, describeResult, synack, tempDir } from './helpers.js';

interface Line {
  t: number;
  kind: string;
  endpoint: string;
  [key: string]: unknown;
}

interface Seg {
  seq: number;
  ack: number;
  flags: string[];
  len: number;
}

const tmp = tempDir('synack-explain-');
afterAll(() => tmp.cleanup());

/** Linux profile; the server closes as soon as it reads EOF, so its ACK rides on its FIN. */
const threeWayClose = tmp.write(
  'three-way-close.json',
  JSON.stringify({
    name: 'three-way-close',
    description: 'The server closes as soon as it reads EOF: ACK and FIN in one segment.',
    profile: 'linux',
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: 80 },
          { at: 100, do: 'send', bytes: 200 },
          { at: 150, do: 'close' },
        ],
      },
      {
        id: 'server',
        actions: [{ at: 0, do: 'listen', port: 80 }],
        reactions: [{ on: 'peer-closed', do: 'close', after: 0 }],
      },
    ],
  }),
);

/** The narration lines ("» …") and, for each, the last arrow's absolute seq/ack above it. */
function narratedSteps(stdout: string): Array<{ text: string; seq?: number; ack?: number }> {
  const out: Array<{ text: string; seq?: number; ack?: number }> = [];
  let seq: number | undefined;
  let ack: number | undefined;
  for (const line of stdout.split('\n')) {
    const abs = /(?:abs|绝对值) seq=(\d+)(?: ack=(\d+))?/.exec(line);
    if (abs) {
      seq = Number(abs[1]);
      ack = abs[2] === undefined ? undefined : Number(abs[2]);
      continue;
    }
    const note = /^\s+» (.*)$/.exec(line);
    if (note) out.push({ text: note[1], seq, ack });
    else if (/^\s*\d+\.\d{3}(?: s)? {2}/.test(line)) {
      // A non-arrow ladder line (state change, timer, app event) ends the arrow's scope.
      seq = undefined;
      ack = undefined;
    }
  }
  return out;
}

/** The absolute value of "seq = x+1 = 1001" / "ack = 5000" in a narration. */
function stated(text: string, field: 'seq' | 'ack'): number | undefined {
  const m = new RegExp(`\\b${field} = (?:[xy](?:[+-]\\d+)? = )?(\\d+)`).exec(text);
  return m ? Number(m[1]) : undefined;
}

function parseJsonl(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

describe('synack run --explain (text ladder)', () => {
  it('lifecycle --lang zh: 第一次…第三次握手 and 第一次…第四次挥手, in order, with the numbers of the arrows they sit under', async () => {
    const r = await synack(['run', 'lifecycle', '--explain', '--lang', 'zh']);
    expect(r.code, describeResult(r)).toBe(0);
    const steps = narratedSteps(r.stdout);
    const names = [
      '第一次握手',
      '第二次握手',
      '第三次握手',
      '第一次挥手',
      '第二次挥手',
      '第三次挥手',
      '第四次挥手',
    ];
    let previous = -1;
    for (const name of names) {
      const index = steps.findIndex((s) => s.text.startsWith(`${name}：`));
      expect(index, `${name} in\n${r.stdout}`).toBeGreaterThan(previous);
      previous = index;
      const step = steps[index];
      expect(step.seq, `${name} sits under an arrow`).toBeDefined();
      const seq = stated(step.text, 'seq');
      const ack = stated(step.text, 'ack');
      if (seq !== undefined) expect(seq, step.text).toBe(step.seq);
      if (ack !== undefined) expect(ack, step.text).toBe(step.ack);
      expect(seq !== undefined || ack !== undefined, step.text).toBe(true);
    }
    // x and y by name, as in the textbook.
    const second = steps.find((s) => s.text.startsWith('第二次握手'))!;
    expect(second.text).toMatch(
      /^第二次握手：服务器确认客户端的 SYN（ack = x\+1 = \d+），同时发送自己的 SYN（seq = y = \d+），服务器进入 SYN_RECEIVED 状态$/,
    );
    expect(r.stdout).toContain('TIME_WAIT 状态：停留 2MSL = 60 秒');
  });

  it('a Linux-profile server that closes at once on EOF: the combined ACK+FIN is narrated as a three-way close', async () => {
    const zh = await synack(['run', threeWayClose, '--explain', '--lang', 'zh']);
    expect(zh.code, describeResult(zh)).toBe(0);
    const combined = narratedSteps(zh.stdout).find((s) => s.text.startsWith('第二、三次挥手合并'));
    expect(combined, zh.stdout).toBeDefined();
    expect(combined!.text).toContain('服务器的 ACK 与 FIN 合并在一个报文段中发送');
    expect(combined!.text).toContain('三次挥手');
    expect(stated(combined!.text, 'seq')).toBe(combined!.seq);
    expect(stated(combined!.text, 'ack')).toBe(combined!.ack);
    expect(zh.stdout).toMatch(/ACK,FIN seq=1 ack=202/);
    expect(zh.stdout).toContain('第四次挥手');
    expect(zh.stdout).not.toContain('第二次挥手：');

    const en = await synack(['run', threeWayClose, '--explain']);
    expect(en.code, describeResult(en)).toBe(0);
    expect(en.stdout).toMatch(
      /2nd and 3rd wave in one: server's ACK and FIN travel in one segment \(ack = x\+202 = \d+, seq = y\+1 = \d+\): a three-way close; server enters LAST_ACK/,
    );
  });

  it('lost-syn: the loss, then the retransmission after RTO = 1 s', async () => {
    const r = await synack(['run', 'lost-syn', '--explain']);
    expect(r.code, describeResult(r)).toBe(0);
    const texts = narratedSteps(r.stdout).map((s) => s.text);
    const lost = texts.findIndex((t) =>
      t.startsWith('✕ lost in the network (targeted: drop the first SYN): server never receives this SYN'),
    );
    const rto = texts.findIndex((t) =>
      t.startsWith('the SYN was lost; after RTO = 1 s client retransmits it (retransmission #1'),
    );
    const again = texts.findIndex((t) =>
      /^1st handshake, again: client retransmits its SYN with the same seq = x = \d+ \(attempt 2\)$/.test(t),
    );
    expect(lost, r.stdout).toBeGreaterThanOrEqual(0);
    expect(rto).toBeGreaterThan(lost);
    expect(again).toBeGreaterThan(rto);

    const zh = await synack(['run', 'lost-syn', '--explain', '--lang', 'zh']);
    expect(zh.stdout).toContain('SYN 丢失了；经过 RTO = 1 秒后，客户端重传它');
  });

  it('lost-final-ack: TIME_WAIT answers the retransmitted FIN and restarts 2MSL', async () => {
    const r = await synack(['run', 'lost-final-ack', '--explain']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain("client is in TIME_WAIT and receives server's FIN again: it repeats the ACK");
    expect(r.stdout).toContain('and restarts the 2MSL timer');
    expect(r.stdout).toMatch(/server retransmits its FIN \(seq = y\+1 = \d+, ack = x\+2 = \d+\)/);
  });

  it('without --explain nothing is narrated; a bad --lang is a usage error', async () => {
    const plain = await synack(['run', 'handshake']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('»');
    const bad = await synack(['run', 'handshake', '--explain', '--lang', 'fr']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--lang');
  });
});

describe('synack run --explain --format jsonl / mermaid', () => {
  it('jsonl: kind "explain" lines right after the event they explain; the summary stays last', async () => {
    const r = await synack(['run', 'lifecycle', '--explain', '--lang', 'zh', '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(0);
    const all = parseJsonl(r.stdout);
    // The meta line comes first and is not a trace event: `ref` counts trace events only.
    expect(all[0].kind).toBe('meta');
    const lines = all.slice(1);
    expect(lines[lines.length - 1].kind).toBe('summary');
    const trace = lines.filter((l) => l.kind !== 'explain');
    const explains = lines.filter((l) => l.kind === 'explain');
    expect(explains.length).toBeGreaterThan(10);
    let traceIndex = -1;
    for (const line of lines) {
      if (line.kind !== 'explain') {
        traceIndex++;
        continue;
      }
      expect(line).toMatchObject({ endpoint: '*', lang: 'zh', ref: traceIndex });
      expect(line.t).toBe(trace[traceIndex].t);
    }
    // The handshake and wave narrations state the seq/ack of the segment they refer to.
    const steps = explains.filter((l) => /^第.次(握手|挥手)/.test(String(l.text)));
    expect(steps.map((l) => String(l.text).slice(0, 5))).toEqual([
      '第一次握手',
      '第二次握手',
      '第三次握手',
      '第一次挥手',
      '第二次挥手',
      '第三次挥手',
      '第四次挥手',
    ]);
    for (const step of steps) {
      const seg = trace[step.ref as number].seg as Seg;
      const text = String(step.text);
      const seq = stated(text, 'seq');
      const ack = stated(text, 'ack');
      if (seq !== undefined) expect(seq, text).toBe(seg.seq);
      if (ack !== undefined) expect(ack, text).toBe(seg.ack);
    }
    // Without --explain the same run streams the same trace, minus the explain lines.
    const plain = await synack(['run', 'lifecycle', '--format', 'jsonl']);
    expect(
      parseJsonl(plain.stdout)
        .slice(1)
        .map((l) => ({ ...l, stats: undefined })),
    ).toEqual(trace.map((l) => ({ ...l, stats: undefined })));
  });

  it('mermaid: narration as notes over both participants', async () => {
    const r = await synack(['run', 'lost-syn', '--explain', '--format', 'mermaid']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout.startsWith('sequenceDiagram\n')).toBe(true);
    expect(r.stdout).toMatch(/\n {2}Note over client,server: 1st handshake: client sends a SYN/);
    // Mermaid's renderer treats ";" and "#" specially: they become spaces.
    expect(r.stdout).toMatch(
      /\n {2}Note over client,server: the SYN was lost {2}after RTO = 1 s client retransmits it/,
    );
  });
});

describe('packages/cli/README.md, section Narration', () => {
  const readme = readFileSync(join(CLI_DIR, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Narration: `--explain` and `synack why`'));
  const blocks = [...section.matchAll(/^```text\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

  it('shows exactly what `synack run handshake --explain --no-color` prints', async () => {
    const r = await synack(['run', 'handshake', '--explain', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(blocks[0]).toMatch(/^ +time {2}client/);
    expect(r.stdout).toContain(blocks[0]);
  });

  it('shows exactly the Chinese teardown narration of `synack run lifecycle --explain --lang zh`', async () => {
    const r = await synack(['run', 'lifecycle', '--explain', '--lang', 'zh', '--no-color']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(blocks[1]).toContain('第四次挥手');
    // The README lists the narration lines alone; in the ladder they sit between the steps.
    const narration = r.stdout.split('\n').filter((l) => l.includes('»'));
    const shown = blocks[1].split('\n').filter((l) => l !== '');
    const start = narration.indexOf(shown[0]);
    expect(start, shown[0]).toBeGreaterThanOrEqual(0);
    expect(narration.slice(start, start + shown.length)).toEqual(shown);
  });
});
