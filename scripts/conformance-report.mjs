#!/usr/bin/env node
// Writes CONFORMANCE.md: every conformance/*.pkt script with its kernel result (recorded by the
// packetdrill oracle, conformance/kernel-results.json) and its model result (run now, with
// @synack/packetdrill's runner: build first), kernel-diff per built-in scenario (recorded in
// conformance/kernel-diff-results.json), and every known divergence with its reason.
//
//   node scripts/conformance-report.mjs                      # model side now, kernel sides as recorded
//   node scripts/conformance-report.mjs --kernel OUT.txt…    # record kernel-check output (PASS/FAIL lines) first
//   node scripts/conformance-report.mjs --kernel-diff        # run synack kernel-diff for every scenario first (root)
//   node scripts/conformance-report.mjs --check              # exit 1 if CONFORMANCE.md is not what it would write
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'conformance');
const kernelFile = join(dir, 'kernel-results.json');
const diffFile = join(dir, 'kernel-diff-results.json');
const bin = join(root, 'packages/cli/dist/bin.js');
const { runScript } = await import(join(root, 'packages/packetdrill/dist/index.js'));

/**
 * Why the model fails a script the kernel passes, by script. A failing script missing here is
 * listed as "not explained yet" — the table never claims more than was looked at.
 */
const REASONS = {
  'quick-ACK / delayed-ACK policy (issue 13): the model delays an ACK Linux sends at once': [],
  'TCP options on SYN/SYN-ACK (issue 13): timestamps, window scale, SACK-permitted, Linux windows 64240/65160':
    [],
  'RST on abort: Linux sends RST+ACK (tcp_send_active_reset), the model a bare RST (RFC 9293 §3.10.5)': [
    'close-linger-zero-rst.pkt',
    'close-unread-data-rst.pkt',
  ],
  'SYN-SENT: after an unacceptable ACK Linux re-arms the SYN timer to TCP_TIMEOUT_MIN (tcp_rcv_synsent_state_process); the model waits the full RTO':
    ['synsent-bad-ack-gets-rst.pkt', 'synsent-rst-bad-ack-ignored.pkt'],
  'TIME_WAIT: a SYN above RCV.NXT opens a new connection with ISN = SND.NXT + 65537 (tcp_timewait_state_process); the model re-ACKs it':
    ['time-wait-new-syn-accepted.pkt'],
  'TIME_WAIT: data after the peer’s FIN is answered with an ACK by Linux (tcp_timewait_state_process → TCP_TW_ACK); the model ignores the text silently (RFC 9293 §3.10.7.4 seventh)':
    ['time-wait-data-acked.pkt'],
  'tcp_rfc1337 is not a profile setting: the sysctl is read but the model always lets an RST end TIME_WAIT': [
    'time-wait-rst-rfc1337.pkt',
  ],
  'an orphaned FIN_WAIT connection that receives data is reset by Linux (TCPAbortOnData); the model ACKs the data':
    ['orphan-data-after-close-rst.pkt'],
  'zero-window probe: Linux sends a zero-length segment with SEG.SEQ = SND.UNA − 1 (tcp_xmit_probe_skb); the model sends one byte of data':
    ['zero-window-probe.pkt'],
};

/** Why a scenario's kernel-diff diverges, when it does (checked by hand against the side-by-side output). */
const DIFF_REASONS = {
  'rst-abort': 'RST on abort: Linux sends RST+ACK (tcp_send_active_reset), the model a bare RST',
};

function firstComment(text) {
  const line = text.split('\n').find((l) => l.startsWith('//') && !l.includes('SPDX'));
  return (line ?? '').replace(/^\/\/\s*/, '').replace(/\|/g, '\\|');
}

function readJson(file, fallback) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : fallback;
}

/** `--kernel FILE…`: kernel-check output ("PASS conformance/x.pkt" / "FAIL …") recorded by script name. */
function recordKernel(files) {
  const results = readJson(kernelFile, {});
  for (const file of files)
    for (const m of readFileSync(file, 'utf8').matchAll(/^(PASS|FAIL) (?:\S*\/)?(\S+\.pkt)$/gm))
      results[m[2]] = m[1];
  writeFileSync(kernelFile, `${JSON.stringify(sortKeys(results), null, 2)}\n`);
}

/** `--kernel-diff`: synack kernel-diff for every built-in scenario, exit code and verdict line. */
function recordKernelDiff() {
  const list = spawnSync(process.execPath, [bin, 'list', '--json'], { encoding: 'utf8' });
  const results = {};
  for (const { name } of JSON.parse(list.stdout)) {
    const r = spawnSync(process.execPath, [bin, 'kernel-diff', name], { encoding: 'utf8', timeout: 300_000 });
    const verdict =
      r.status === 2
        ? r.stderr
            .trim()
            .split('\n')
            .at(-1)
            .replace(/^synack kernel-diff [\w-]+: /, '')
        : (r.stdout.trim().split('\n').at(-1) ?? '');
    results[name] = { exit: r.status, verdict };
    console.log(`kernel-diff ${name}: exit ${r.status} — ${verdict}`);
  }
  writeFileSync(diffFile, `${JSON.stringify(results, null, 2)}\n`);
}

function sortKeys(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));
}

function reasonOf(script, error) {
  for (const [reason, scripts] of Object.entries(REASONS)) if (scripts.includes(script)) return reason;
  if (/tcp_window: expected: 6(4240|5160)|bad outbound TCP options/.test(error))
    return Object.keys(REASONS)[1];
  if (/timed out waiting for packet|timing error/.test(error) && /ack \d+|\. \d+:\d+\(0\)/.test(error))
    return Object.keys(REASONS)[0];
  return undefined;
}

function modelResults() {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.pkt'))
    .sort();
  return files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const report = runScript(text, { file });
    const error = report.errors.join(' ').replace(/\s+/g, ' ');
    return { file, about: firstComment(text), exit: report.exitCode, error };
  });
}

function scriptTable(results, kernel) {
  const rows = results.map((r) => {
    const k = kernel[r.file] ?? 'not recorded';
    const model = r.exit === 0 ? 'pass' : r.exit === 1 ? 'FAIL' : 'unsupported';
    const detail =
      r.exit === 0
        ? ''
        : `${(r.error.split(' script packet:')[0] ?? '').replace(/^\S+?:(\d+): /, 'line $1: ').replace(/\|/g, '\\|')}`;
    return `| [${r.file}](conformance/${r.file}) | ${r.about} | ${k === 'PASS' ? 'pass' : k} | ${model} | ${detail} |`;
  });
  return [
    '| script | what it checks | kernel (Linux 6.18) | model (linux profile) | first failing line (model) |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function divergenceSection(results) {
  const groups = new Map();
  for (const r of results.filter((x) => x.exit !== 0)) {
    const reason = reasonOf(r.file, r.error) ?? 'not explained yet (see the first failing line in the table)';
    groups.set(reason, [...(groups.get(reason) ?? []), r.file]);
  }
  if (groups.size === 0) return 'None: every script passes on the model.';
  return [...groups.entries()]
    .map(([reason, files]) => `- **${reason}** — ${files.map((f) => `\`${f}\``).join(', ')}`)
    .join('\n');
}

function diffTable(diff) {
  const names = Object.keys(diff);
  if (names.length === 0)
    return 'Not recorded yet: run `node scripts/conformance-report.mjs --kernel-diff` as root.';
  const rows = names.map((name) => {
    const { exit, verdict } = diff[name];
    const result = exit === 0 ? 'agrees' : exit === 1 ? 'diverges' : 'no kernel equivalent';
    const reason = exit === 1 ? (DIFF_REASONS[name] ?? 'not explained yet') : '';
    return `| ${name} | ${result} | ${verdict.replace(/\|/g, '\\|')} | ${reason} |`;
  });
  return [
    '| scenario | kernel-diff | first divergence, or why there is no kernel equivalent | why it diverges |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function render(results, kernel, diff) {
  const passed = results.filter((r) => r.exit === 0).length;
  const kernelPassed = results.filter((r) => kernel[r.file] === 'PASS').length;
  const percent = ((100 * passed) / results.length).toFixed(1);
  return `# Conformance

Generated by \`node scripts/conformance-report.mjs\` (after \`npx -y pnpm@12.4.2 build\`); do not edit by hand.
The model column is computed when the report is written (\`synack packetdrill conformance/*.pkt\` gives
the same verdicts); the kernel columns are recorded runs on Linux 6.18 (HZ=250): the packetdrill oracle
(\`pnpm conformance:kernel\`, recorded with \`--kernel OUTPUT\`) and \`synack kernel-diff\` (recorded with
\`--kernel-diff\`, as root).

**Model: ${passed} of ${results.length} scripts pass (${percent} %). Kernel: ${kernelPassed} of ${results.length} pass.**

## Known divergences

${divergenceSection(results)}

## kernel-diff per built-in scenario

The scenario on the real kernel (a private network namespace, loopback, nftables for its targeted drops,
a Node application with \`net\` sockets, tshark) and on the model (a loopback link: MSS 65,495, no delay),
aligned segment by segment (flags, relative seq/ack, length, time within 40 ms + 12.5 % of the gap).

${diffTable(diff)}

## Scripts

${scriptTable(results, kernel)}
`;
}

const args = process.argv.slice(2);
const kernelAt = args.indexOf('--kernel');
if (kernelAt >= 0) recordKernel(args.slice(kernelAt + 1).filter((a) => !a.startsWith('--')));
if (args.includes('--kernel-diff')) recordKernelDiff();
const text = render(modelResults(), readJson(kernelFile, {}), readJson(diffFile, {}));
const target = join(root, 'CONFORMANCE.md');
if (args.includes('--check')) {
  const same = existsSync(target) && readFileSync(target, 'utf8') === text;
  console.log(
    same
      ? 'CONFORMANCE.md is up to date'
      : 'CONFORMANCE.md is stale: run node scripts/conformance-report.mjs',
  );
  process.exit(same ? 0 : 1);
}
writeFileSync(target, text);
console.log(`CONFORMANCE.md written: ${text.match(/\*\*Model: [^*]+\*\*/)[0]}`);
