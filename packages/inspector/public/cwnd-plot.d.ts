// Types of cwnd-plot.js for the TypeScript tests (not served to the page).
import type { CcSample } from './model.js';

export const INFINITE_SSTHRESH: number;

export interface CwndSeries {
  key: 'cwnd' | 'inFlight' | 'ssthresh';
  label: string;
  className: string;
  /** SVG polyline points. */
  points: string;
  /** Samples drawn. */
  count: number;
}

export function cwndPlotGeometry(
  samples: readonly CcSample[] | undefined,
  box: { width: number; height: number; now?: number },
): { t0: number; t1: number; yMax: number; series: CwndSeries[]; last: CcSample } | null;

export function renderCwndPlot(
  holder: Element,
  samples: readonly CcSample[],
  now: number | undefined,
  formatTime: (t: number) => string,
): void;
