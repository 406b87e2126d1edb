/**
 * `synack kernel-diff SCENARIO`: the scenario on the real kernel (kernel.ts) and on the model (the
 * CLI's run path, on a loopback link with no delay, as the namespace's `lo`), the two segment
 * timelines aligned and printed side by side. Exit 0 when they agree, 1 at the first divergence,
 * 2 when the scenario has no kernel equivalent (said why) or the machine cannot run it.
 */
import { fileURLToPath } from 'node:url';
import { runSimulation, type SimulationConfig, type TraceEvent } from '@synack/network';
import type { Command } from 'commander';
import { positiveArg, seedArg } from '../args.js';
import { buildConfig, type Output, resolveScenario } from '../run.js';
import {
  align,
  DEFAULT_TOLERANCE,
  relativize,
  renderAlignment,
  sortFlags,
  type WireSegment,
} from './align.js';
import { kernelEnvironmentProblem, runOnKernel } from './kernel.js';
import { kernelPlan } from './plan.js';

/** The scenario's config as the kernel run sees it: a loopback link (MSS 65,495), no delay. */
export function loopbackConfig(config: SimulationConfig): SimulationConfig {
  const zeroDelay = <T extends object>(model: T | undefined): T => ({ ...(model ?? ({} as T)), delay: 0 });
  const network = config.network ?? {};
  return {
    ...config,
    network: {
      ...network,
      loopback: true,
      default: zeroDelay(network.default),
      ...(network.links
        ? { links: Object.fromEntries(Object.entries(network.links).map(([k, m]) => [k, zeroDelay(m)])) }
        : {}),
    },
  };
}

/** The segments of a model trace (sends, targeted drops included: the capture sees them too). */
export function modelSegments(trace: readonly TraceEvent[]): WireSegment[] {
  const out: WireSegment[] = [];
  for (const event of trace) {
    const e = event as unknown as {
      t: number;
      kind: string;
      from?: string;
      to?: string;
      seg?: { seq: number; ack: number; flags: string[]; len: number };
    };
    if (e.kind !== 'send' || !e.seg || !e.from || !e.to) continue;
    out.push({
      t: e.t,
      from: e.from,
      to: e.to,
      flags: sortFlags(e.seg.flags),
      seq: e.seg.seq,
      ack: e.seg.ack,
      len: e.seg.len,
    });
  }
  return out;
}

export interface KernelDiffFlags {
  readonly toleranceMs?: number;
  readonly seed?: number;
}

export async function runKernelDiff(target: string, flags: KernelDiffFlags, io: Output): Promise<number> {
  const scenario = resolveScenario(target);
  const config = loopbackConfig(buildConfig(scenario, { seed: flags.seed }));
  const model = await runSimulation(config, {});
  const modelSegs = modelSegments(model.trace);
  const plan = kernelPlan(config, model.trace, modelSegs.at(-1)?.t ?? 0);
  if ('noEquivalent' in plan) {
    io.err(`synack kernel-diff ${scenario.name}: no kernel equivalent: ${plan.noEquivalent}\n`);
    return 2;
  }
  const problem = kernelEnvironmentProblem();
  if (problem) {
    io.err(`synack kernel-diff: ${problem}\n`);
    return 2;
  }
  const appPath = fileURLToPath(new URL('./app.js', import.meta.url));
  const kernelSegs = await runOnKernel(plan, appPath);
  const tolerance = {
    ...DEFAULT_TOLERANCE,
    ...(flags.toleranceMs !== undefined ? { ms: flags.toleranceMs } : {}),
  };
  const inWindow = modelSegs.filter((s) => s.t <= plan.durationMs);
  const alignment = align(relativize(inWindow), relativize(kernelSegs), tolerance);
  io.out(
    `synack kernel-diff ${scenario.name}  loopback (MSS 65495, no delay)  tolerance ${tolerance.ms} ms + ${tolerance.fraction * 100} %` +
      `${plan.drops.length ? `  nft drops: ${plan.drops.map((d) => `${d.flags.join(',')} #${d.nth} from ${d.saddr}`).join('; ')}` : ''}\n\n`,
  );
  io.out(
    renderAlignment(alignment, {
      model: 'model (synack, linux profile)',
      kernel: 'kernel (this machine, namespace)',
    }),
  );
  return alignment.firstDivergence >= 0 ? 1 : 0;
}

export function registerKernelDiff(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command('kernel-diff')
    .description(
      'run a scenario on the real kernel (network namespace, nftables, tshark; needs root) and on the model, and align the two',
    )
    .argument('<scenario>', 'built-in scenario name or scenario file')
    .option(
      '--tolerance-ms <ms>',
      `time tolerance per segment (default ${DEFAULT_TOLERANCE.ms})`,
      positiveArg,
    )
    .option('--seed <n>', 'seed of the model run (default 1)', seedArg)
    .option('--no-color', 'never colour the output')
    .action(async (target: string, opts: Record<string, unknown>) => {
      setExit(
        await runKernelDiff(
          target,
          { toleranceMs: opts.toleranceMs as number | undefined, seed: opts.seed as number | undefined },
          io,
        ),
      );
    });
}
