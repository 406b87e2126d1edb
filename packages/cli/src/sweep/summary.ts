/** Per-point aggregation of sweep rows, and the CSV files. */

import { deriveSeed } from '@synack/network';
import type { Scenario } from '../scenarios.js';
import { type PointSettings, pointSettings, type SweepPoint } from './grid.js';
import type { SweepRow } from './job.js';
import { modelForPoint } from './model.js';
import { type Description, describe, empiricalCdf, wilson } from './stats.js';
import { pftkAtEventRate, type ThroughputModel, throughputModel } from './throughput-model.js';

export interface PointSummary extends PointSettings {
  point: number;
  n: number;
  successes: number;
  successRate: number | null;
  wilsonLo: number | null;
  wilsonHi: number | null;
  /** Handshake time (ms) over the runs whose first active open reached ESTABLISHED. */
  handshake: Quantiles;
  /** First SYN → last CLOSED (ms) over completed runs that ended with every connection CLOSED. */
  lifecycle: Quantiles;
  /** First SYN → last connection CLOSED or in TIME_WAIT (ms), over the runs where every connection got there. */
  lifecycleNoTimeWait: Quantiles;
  /** First FIN → every connection CLOSED or in TIME_WAIT (ms). */
  teardown: Quantiles;
  /** Fraction of runs whose every connection closed cleanly (a TIME_WAIT killed by an RST is not clean). */
  cleanRate: number | null;
  /** Model predictions (null where the model does not apply). */
  model: {
    successRate: number;
    handshakeMean: number | null;
    method: string;
    /** observed − model success rate. */
    successDev: number | null;
    /** Model success rate inside the 95 % Wilson interval. */
    inWilson: boolean | null;
    /** observed − model mean handshake time (ms). */
    handshakeMeanDev: number | null;
    /** (observed − model) / (sd / √n) for the mean handshake time. */
    handshakeMeanZ: number | null;
  } | null;
  /** The data path over the runs that delivered application data (null when none did). */
  transfer: TransferSummary | null;
}

export interface TransferSummary {
  /** Goodput over the runs that delivered data, bytes/s. */
  goodput: Quantiles;
  /** Mean resent payload bytes per run, by cause. */
  resentMean: { rto: number; fast: number; tlp: number };
  /** Σ redundant resent bytes ÷ Σ resent bytes over the point's runs (null when nothing was resent). */
  redundantRatio: number | null;
  /** Congestion events (entering Recovery or Loss) per data segment sent, over the point's runs. */
  lossEventRate: number | null;
  /** Mathis and PFTK at this point, with the parameters they were given (null without loss). */
  model:
    | (ThroughputModel & {
        goodputToPftk: number | null;
        /** PFTK at the measured loss-event rate instead of the configured loss, bytes/s. */
        pftkAtEventsBytesPerSec: number | null;
      })
    | null;
}

/** A metric over a point's runs: quantiles are Hyndman–Fan type 1 (observed values, stats.ts). */
export interface Quantiles extends Description {
  n: number;
}

/** The metrics with bootstrap intervals, in the order their bootstrap seeds are derived. */
const METRIC_SEEDS = { handshake: 0, lifecycle: 1, lifecycleNoTimeWait: 2, teardown: 3, goodput: 4 } as const;

/**
 * The bootstrap seed of one metric at one point: derived from the sweep's base seed, so a re-run
 * of the sweep gives the same intervals and a sweep with another --seed independent ones.
 */
function bootstrapSeed(baseSeed: number, point: number, metric: keyof typeof METRIC_SEEDS): number {
  return deriveSeed(deriveSeed(baseSeed, point), METRIC_SEEDS[metric]);
}

export function summarize(
  scenario: Scenario,
  points: readonly SweepPoint[],
  rows: readonly SweepRow[],
  baseSeed = 1,
): PointSummary[] {
  const byPoint = new Map<number, SweepRow[]>();
  for (const row of rows) {
    let list = byPoint.get(row.point);
    if (!list) byPoint.set(row.point, (list = []));
    list.push(row);
  }
  return points.map((point) => {
    const list = byPoint.get(point.id) ?? [];
    const n = list.length;
    const successes = list.filter((r) => r.completed).length;
    const ci = wilson(successes, n);
    const hs = list.flatMap((r) => (r.handshakeMs === null ? [] : [r.handshakeMs]));
    const lc = list.flatMap((r) => (r.completed && r.lifecycleMs !== null ? [r.lifecycleMs] : []));
    const seedOf = (metric: keyof typeof METRIC_SEEDS) => bootstrapSeed(baseSeed, point.id, metric);
    const handshake = { n: hs.length, ...describe(hs, seedOf('handshake')) };
    const lifecycle = { n: lc.length, ...describe(lc, seedOf('lifecycle')) };
    const lifecycleNoTimeWait = quantilesOf(
      list,
      (r) => r.lifecycleNoTimeWaitMs,
      seedOf('lifecycleNoTimeWait'),
    );
    const teardown = quantilesOf(list, (r) => r.teardown.teardownMs, seedOf('teardown'));
    const cleanRate = n ? list.filter((r) => r.teardown.clean).length / n : null;
    const successRate = n ? successes / n : null;
    // The models know only the Bernoulli knobs: an extra axis (burst, rate, --set …) voids them.
    const m = point.axes ? null : modelForPoint(scenario, point);
    const model = m
      ? {
          successRate: m.success,
          handshakeMean: m.meanTime,
          method: m.method,
          successDev: successRate === null ? null : successRate - m.success,
          inWilson: ci ? m.success >= ci.lo && m.success <= ci.hi : null,
          handshakeMeanDev:
            handshake.mean !== null && m.meanTime !== null ? handshake.mean - m.meanTime : null,
          handshakeMeanZ:
            handshake.mean !== null && m.meanTime !== null && handshake.sd !== null
              ? handshake.sd > 0
                ? (handshake.mean - m.meanTime) / (handshake.sd / Math.sqrt(handshake.n))
                : handshake.mean === m.meanTime
                  ? 0
                  : null
              : null,
        }
      : null;
    return {
      point: point.id,
      ...pointSettings(point),
      n,
      successes,
      successRate,
      wilsonLo: ci?.lo ?? null,
      wilsonHi: ci?.hi ?? null,
      handshake,
      lifecycle,
      lifecycleNoTimeWait,
      teardown,
      cleanRate,
      model,
      transfer: transferSummary(scenario, point, list, seedOf('goodput')),
    };
  });
}

function quantilesOf(
  rows: readonly SweepRow[],
  pick: (r: SweepRow) => number | null,
  seed: number,
): Quantiles {
  const values = rows.flatMap((r) => {
    const v = pick(r);
    return v === null ? [] : [v];
  });
  return { n: values.length, ...describe(values, seed) };
}

/** The point's goodput, resent bytes and redundancy, and the throughput models where loss applies. */
function transferSummary(
  scenario: Scenario,
  point: SweepPoint,
  rows: readonly SweepRow[],
  seed: number,
): TransferSummary | null {
  const delivering = rows.filter((r) => r.transfer.goodput !== null);
  if (delivering.length === 0) return null;
  const goodput = {
    n: delivering.length,
    ...describe(
      delivering.map((r) => r.transfer.goodput!),
      seed,
    ),
  };
  const sum = (pick: (r: SweepRow) => number) => rows.reduce((total, r) => total + pick(r), 0);
  const resent = {
    rto: sum((r) => r.transfer.resent.rto),
    fast: sum((r) => r.transfer.resent.fast),
    tlp: sum((r) => r.transfer.resent.tlp),
  };
  const resentTotal = resent.rto + resent.fast + resent.tlp;
  // A fold, not Math.max(...rows): a point may have up to a million runs, too many arguments for one call.
  const mss = delivering.reduce((max, r) => Math.max(max, r.transfer.mss), 0);
  const overrides = scenario.endpoints[0]?.profileOverrides;
  const model = point.loss > 0 && !point.axes ? throughputModel(point.profile, overrides, point, mss) : null;
  const segments = sum((r) => r.transfer.dataSegments);
  const lossEventRate = segments > 0 ? sum((r) => r.transfer.lossEvents) / segments : null;
  return {
    goodput,
    resentMean: {
      rto: resent.rto / rows.length,
      fast: resent.fast / rows.length,
      tlp: resent.tlp / rows.length,
    },
    redundantRatio: resentTotal > 0 ? sum((r) => r.transfer.redundant) / resentTotal : null,
    lossEventRate,
    model: model && {
      ...model,
      goodputToPftk: goodput.mean !== null ? goodput.mean / model.pftkBytesPerSec : null,
      pftkAtEventsBytesPerSec: lossEventRate === null ? null : pftkAtEventRate(model, lossEventRate),
    },
  };
}

// ---------------------------------------------------------------------------
// CSV

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? formatNumber(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Numbers without float noise (12 significant digits), integers as integers. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(12)));
}

function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const lines = [header.join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

/** Quotes a shell word when it needs it (client->server would otherwise redirect stdout). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A grid point's settings: columns of both runs.csv and summary.csv, named as the fields. */
const SETTINGS_COLUMNS = [
  'profile',
  'loss',
  'reorder',
  'duplicate',
  'delay',
  'jitter',
  'direction',
] as const satisfies ReadonlyArray<keyof PointSettings>;

/** The settings cells, then the point's value on each extra axis (`axisColumns`, after direction). */
function settingsFields(s: PointSettings, axisColumns: readonly string[]): unknown[] {
  return [...SETTINGS_COLUMNS.map((column) => s[column]), ...axisColumns.map((c) => s.axes?.[c])];
}

/** The extra axes' columns of a sweep (every point has the same ones), from any of its points or rows. */
function axisColumnsOf(items: ReadonlyArray<Pick<PointSettings, 'axes'>>): string[] {
  return Object.keys(items[0]?.axes ?? {});
}

/** `columns` with the extra axes' columns inserted right after `direction`. */
function withAxisColumns(columns: readonly string[], axisColumns: readonly string[]): string[] {
  const at = columns.indexOf('direction') + 1;
  return [...columns.slice(0, at), ...axisColumns, ...columns.slice(at)];
}

const RUNS_COLUMNS = [
  'point',
  'run',
  'seed',
  ...SETTINGS_COLUMNS,
  'completed',
  'failure',
  'run_ok',
  'handshake_ms',
  'lifecycle_ms',
  'lifecycle_no_tw_ms',
  'teardown_ms',
  'time_wait_ms',
  'close_reasons',
  'clean',
  'hanging',
  'segments_sent',
  'segments_dropped',
  'segments_duplicated',
  'retx_syn',
  'retx_synack',
  'retx_data',
  'retx_fin',
  'final_states',
  'end_ms',
  'bytes_sent',
  'bytes_received',
  'transfer_ms',
  'goodput_Bps',
  'mss',
  'resent_rto_bytes',
  'resent_fast_bytes',
  'resent_tlp_bytes',
  'redundant_bytes',
  'data_segments',
  'loss_events',
  'repro',
] as const;

/**
 * runs.csv, sorted by job id. `repro` gives each row's `synack run` arguments (derived from the
 * plan rather than stored in every row, to keep big sweeps small in memory).
 */
export function runsCsv(rows: readonly SweepRow[], repro: (row: SweepRow) => string[]): string {
  const sorted = [...rows].sort((a, b) => a.jobId - b.jobId);
  const axisColumns = axisColumnsOf(sorted);
  return toCsv(
    withAxisColumns(RUNS_COLUMNS, axisColumns),
    sorted.map((r) => [
      r.point,
      r.run,
      r.seed,
      ...settingsFields(r, axisColumns),
      r.completed ? 1 : 0,
      r.failure,
      r.runOk ? 1 : 0,
      r.handshakeMs,
      r.lifecycleMs,
      r.lifecycleNoTimeWaitMs,
      r.teardown.teardownMs,
      r.teardown.timeWaitMs,
      r.teardown.closeReasons,
      r.teardown.clean ? 1 : 0,
      r.teardown.hanging,
      r.segmentsSent,
      r.segmentsDropped,
      r.segmentsDuplicated,
      r.retransmits.SYN,
      r.retransmits['SYN-ACK'],
      r.retransmits.data,
      r.retransmits.FIN,
      r.finalStates,
      r.endMs,
      r.transfer.bytesSent,
      r.transfer.bytesReceived,
      r.transfer.transferMs,
      r.transfer.goodput,
      r.transfer.mss,
      r.transfer.resent.rto,
      r.transfer.resent.fast,
      r.transfer.resent.tlp,
      r.transfer.redundant,
      r.transfer.dataSegments,
      r.transfer.lossEvents,
      ['synack', ...repro(r)].map(shellWord).join(' '),
    ]),
  );
}

const CONNECTION_COLUMNS = [
  'point',
  'run',
  'seed',
  'endpoint',
  'conn',
  'final_state',
  'close',
  'handshake_ms',
  'teardown_ms',
  'time_wait_ms',
  'bytes_sent',
  'bytes_received',
] as const;

/** connections.csv: one row per connection that opened, in runs.csv order (issue 22 item 1). */
export function connectionsCsv(rows: readonly SweepRow[]): string {
  const sorted = [...rows].sort((a, b) => a.jobId - b.jobId);
  return toCsv(
    CONNECTION_COLUMNS,
    sorted.flatMap((r) =>
      r.connections.map((c) => [
        r.point,
        r.run,
        r.seed,
        c.endpoint,
        c.conn,
        c.finalState,
        c.close,
        c.handshakeMs,
        c.teardownMs,
        c.timeWaitMs,
        c.bytesSent,
        c.bytesReceived,
      ]),
    ),
  );
}

/** The per-run metrics cdf.csv describes: column name → the row's value (null when the run has none). */
const CDF_METRICS: ReadonlyArray<[string, (r: SweepRow) => number | null]> = [
  ['handshake_ms', (r) => r.handshakeMs],
  ['lifecycle_ms', (r) => (r.completed ? r.lifecycleMs : null)],
  ['lifecycle_no_tw_ms', (r) => r.lifecycleNoTimeWaitMs],
  ['teardown_ms', (r) => r.teardown.teardownMs],
  ['time_wait_ms', (r) => r.teardown.timeWaitMs],
  ['transfer_ms', (r) => r.transfer.transferMs],
  ['goodput_Bps', (r) => r.transfer.goodput],
];

/**
 * cdf.csv: for every point and metric, the empirical CDF at each distinct observed value
 * (`cdf` = fraction of the point's runs having that metric whose value is ≤ `value`; `n` = how many
 * runs have it). A step function: plot it with step interpolation.
 */
export function cdfCsv(points: readonly SweepPoint[], rows: readonly SweepRow[]): string {
  const byPoint = new Map<number, SweepRow[]>();
  for (const row of rows) {
    let list = byPoint.get(row.point);
    if (!list) byPoint.set(row.point, (list = []));
    list.push(row);
  }
  const lines: unknown[][] = [];
  for (const point of points) {
    const list = byPoint.get(point.id) ?? [];
    for (const [metric, pick] of CDF_METRICS) {
      const values = list.flatMap((r) => {
        const v = pick(r);
        return v === null ? [] : [v];
      });
      for (const [value, cdf] of empiricalCdf(values))
        lines.push([point.id, metric, values.length, value, cdf]);
    }
  }
  return toCsv(['point', 'metric', 'n', 'value', 'cdf'], lines);
}

const SUMMARY_COLUMNS = [
  'point',
  ...SETTINGS_COLUMNS,
  'n',
  'successes',
  'success_rate',
  'wilson_lo',
  'wilson_hi',
  'hs_n',
  'hs_mean_ms',
  'hs_sd_ms',
  'hs_ci_lo_ms',
  'hs_ci_hi_ms',
  'hs_median_ms',
  'hs_p95_ms',
  'hs_p99_ms',
  'lc_n',
  'lc_mean_ms',
  'lc_sd_ms',
  'lc_ci_lo_ms',
  'lc_ci_hi_ms',
  'lc_median_ms',
  'lc_p95_ms',
  'lc_p99_ms',
  'lc_no_tw_n',
  'lc_no_tw_mean_ms',
  'lc_no_tw_sd_ms',
  'lc_no_tw_ci_lo_ms',
  'lc_no_tw_ci_hi_ms',
  'lc_no_tw_median_ms',
  'lc_no_tw_p95_ms',
  'teardown_n',
  'teardown_mean_ms',
  'teardown_sd_ms',
  'teardown_ci_lo_ms',
  'teardown_ci_hi_ms',
  'teardown_median_ms',
  'teardown_p95_ms',
  'clean_rate',
  'model_success_rate',
  'model_hs_mean_ms',
  'success_dev',
  'model_in_wilson',
  'hs_mean_dev_ms',
  'hs_mean_z',
  'goodput_n',
  'goodput_mean_Bps',
  'goodput_sd_Bps',
  'goodput_ci_lo_Bps',
  'goodput_ci_hi_Bps',
  'goodput_median_Bps',
  'resent_rto_mean_bytes',
  'resent_fast_mean_bytes',
  'resent_tlp_mean_bytes',
  'redundant_ratio',
  'model_mss',
  'model_rtt_ms',
  'model_b',
  'model_t0_ms',
  'model_wmax',
  'mathis_Bps',
  'pftk_Bps',
  'goodput_to_pftk',
  'loss_event_rate',
  'pftk_at_events_Bps',
] as const;

function transferFields(t: TransferSummary | null): unknown[] {
  const m = t?.model;
  return [
    t?.goodput.n ?? 0,
    t?.goodput.mean,
    t?.goodput.sd,
    t?.goodput.ciLo,
    t?.goodput.ciHi,
    t?.goodput.median,
    t?.resentMean.rto,
    t?.resentMean.fast,
    t?.resentMean.tlp,
    t?.redundantRatio,
    m?.mss,
    m?.rttMs,
    m?.b,
    m?.t0Ms,
    m?.wmax,
    m?.mathisBytesPerSec,
    m?.pftkBytesPerSec,
    m?.goodputToPftk,
    t?.lossEventRate,
    m?.pftkAtEventsBytesPerSec,
  ];
}

export function summaryCsv(summaries: readonly PointSummary[]): string {
  const axisColumns = axisColumnsOf(summaries);
  return toCsv(
    withAxisColumns(SUMMARY_COLUMNS, axisColumns),
    summaries.map((s) => [
      s.point,
      ...settingsFields(s, axisColumns),
      s.n,
      s.successes,
      s.successRate,
      s.wilsonLo,
      s.wilsonHi,
      s.handshake.n,
      s.handshake.mean,
      s.handshake.sd,
      s.handshake.ciLo,
      s.handshake.ciHi,
      s.handshake.median,
      s.handshake.p95,
      s.handshake.p99,
      s.lifecycle.n,
      s.lifecycle.mean,
      s.lifecycle.sd,
      s.lifecycle.ciLo,
      s.lifecycle.ciHi,
      s.lifecycle.median,
      s.lifecycle.p95,
      s.lifecycle.p99,
      s.lifecycleNoTimeWait.n,
      s.lifecycleNoTimeWait.mean,
      s.lifecycleNoTimeWait.sd,
      s.lifecycleNoTimeWait.ciLo,
      s.lifecycleNoTimeWait.ciHi,
      s.lifecycleNoTimeWait.median,
      s.lifecycleNoTimeWait.p95,
      s.teardown.n,
      s.teardown.mean,
      s.teardown.sd,
      s.teardown.ciLo,
      s.teardown.ciHi,
      s.teardown.median,
      s.teardown.p95,
      s.cleanRate,
      s.model?.successRate,
      s.model?.handshakeMean,
      s.model?.successDev,
      s.model?.inWilson === undefined || s.model?.inWilson === null ? null : s.model.inWilson ? 1 : 0,
      s.model?.handshakeMeanDev,
      s.model?.handshakeMeanZ,
      ...transferFields(s.transfer),
    ]),
  );
}

/** Minimal RFC 4180 reader (for tests and tools reading runs.csv back). */
export function parseCsv(text: string): Array<Record<string, string>> {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || record.length) {
    record.push(field);
    records.push(record);
  }
  const [header, ...body] = records;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}
