// The "Thousands of hosts" part of `pnpm bench` (issue 24): the measurements of
// packages/network/bench/hosts.mjs rendered as BENCHMARKS.md's section, and (full runs only)
// `synack run examples/thousands-of-hosts.yaml` timed as a user runs it, text ladder and all.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const TIME = '/usr/bin/time';

/**
 * Runs the 10,000-host example through the CLI (default text output: the group view) and
 * returns one result line: wall time, peak RSS (from GNU time, when installed), exit code and
 * the number of lines printed.
 */
export function cliRun(root) {
  const args = [join(root, 'packages/cli/dist/bin.js'), 'run', 'examples/thousands-of-hosts.yaml'];
  const timed = existsSync(TIME);
  process.stderr.write('bench: synack run examples/thousands-of-hosts.yaml\n');
  // wall-clock: a benchmark measures wall time.
  const start = performance.now();
  const child = timed
    ? spawnSync(TIME, ['-v', process.execPath, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallMs = Math.round(performance.now() - start);
  const maxRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr ?? '');
  return {
    name: 'hosts-cli-run',
    scenario: 'examples/thousands-of-hosts.yaml',
    format: 'text',
    wallMs,
    exitCode: child.status,
    lines: (child.stdout ?? '').split('\n').length - 1,
    ...(maxRss ? { maxRssMB: Math.round(Number(maxRss[1]) / 1024) } : {}),
  };
}

const KB = 1024;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** BENCHMARKS.md's "Thousands of hosts" section from the results (no lines when there are none). */
export function renderHosts(results, fmt) {
  const hosts = results.filter((r) => r.name === 'hosts');
  const ratios = results.find((r) => r.name === 'hosts-ratios');
  if (!ratios) return [];
  const pooled = (kind, n) =>
    hosts.find((r) => r.kind === kind && r.endpoints === n && r.threads !== 'per-endpoint');
  const single = (kind) => hosts.find((r) => r.kind === kind && r.threads === 'per-endpoint');
  const { small, large, threads } = ratios;
  const [idleS, idleL, lifeS, lifeL] = [
    pooled('idle', small),
    pooled('idle', large),
    pooled('lifecycle', small),
    pooled('lifecycle', large),
  ];
  const row = (label, a, b) => `| ${label} | ${a} | ${b} |`;
  const lines = ['## Thousands of hosts', ''];
  lines.push(
    '`node packages/network/bench/hosts.mjs` (issue 24; `pnpm bench` runs it, `--quick` with ten times',
    'fewer endpoints). One server and N − 1 clients as an endpoint group (`examples/thousands-of-hosts.yaml`),',
    'each client one whole lifecycle (handshake, 1 KiB each way, four-way close, TIME_WAIT), clients',
    `starting 1 ms apart; endpoints packed onto ${threads} worker threads (this machine's cores),`,
    '`collectTrace: false`, each measurement in a fresh process. Ratios come from the same run; CPU time',
    '(all threads) is given beside wall time, which depends on the load of a shared machine.',
    '',
    `| measurement${ratios.date ? ` (${ratios.date})` : ''} | ${fmt(small)} endpoints | ${fmt(large)} endpoints |`,
    '|---|---|---|',
    row('lifecycle run, wall', seconds(lifeS.wallMs), seconds(lifeL.wallMs)),
    row('lifecycle run, CPU (all threads)', seconds(lifeS.cpuMs), seconds(lifeL.cpuMs)),
    row('endpoints that ended CLOSED', fmt(lifeS.closedEndpoints), fmt(lifeL.closedEndpoints)),
    row(
      'idle RSS (all listening, sampled at 1 ms)',
      `${fmt(idleS.idleRssMB)} MB`,
      `${fmt(idleL.idleRssMB)} MB`,
    ),
    row(
      `idle RSS per endpoint, marginal ((RSS ${fmt(large)} − RSS ${fmt(small)}) / ${fmt(large - small)})`,
      '',
      `**${fmt(ratios.marginalIdleBytesPerEndpoint / KB, 1)} KB** (target ≤ 200 KB)`,
    ),
    row(
      'setup per endpoint (validate, expand, start threads, init; wall)',
      `${fmt(idleS.setupMsPerEndpoint, 2)} ms`,
      `**${fmt(idleL.setupMsPerEndpoint, 2)} ms** (target ≤ 1 ms)`,
    ),
    row(
      '10× endpoints, time ratio',
      '',
      `**${ratios.lifecycleWall10xHosts}× wall, ${ratios.lifecycleCpu10xHosts}× CPU** (target ≤ 11×)`,
    ),
    '',
  );
  const idleOne = single('idle');
  const lifeOne = single('lifecycle');
  const lifePool = lifeOne && pooled('lifecycle', lifeOne.endpoints);
  if (idleOne && lifeOne && lifePool) {
    lines.push(
      `Per-endpoint placement (\`--threads per-endpoint\`, one V8 isolate per endpoint), for reference, in the same run: ` +
        `${fmt(idleOne.endpoints)} idle endpoints ${fmt(idleOne.idleRssMB)} MB RSS (about ${fmt(idleOne.idleBytesPerEndpoint / KB / KB, 1)} MB each) ` +
        `and ${fmt(idleOne.setupMsPerEndpoint, 1)} ms setup each; ${fmt(lifeOne.endpoints)} lifecycles ${seconds(lifeOne.wallMs)} wall, ` +
        `${seconds(lifeOne.cpuMs)} CPU, against ${seconds(lifePool.wallMs)} wall, ${seconds(lifePool.cpuMs)} CPU on ${threads} shared threads.`,
      '',
    );
  }
  const cli = results.find((r) => r.name === 'hosts-cli-run');
  if (cli) {
    lines.push(
      `\`synack run ${cli.scenario}\` (10,000 hosts, the default text output: the ladder's group view, ` +
        `${fmt(cli.lines)} lines): ${seconds(cli.wallMs)} wall${cli.maxRssMB ? `, ${fmt(cli.maxRssMB)} MB peak RSS (GNU time)` : ''}, exit ${cli.exitCode}.`,
      '',
    );
  }
  return lines;
}
