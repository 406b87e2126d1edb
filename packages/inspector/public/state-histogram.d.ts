export const HISTOGRAM_STATES: readonly string[];
export const STATE_COLORS: Readonly<Record<string, string>>;
export const DEFAULT_BINS: number;
export interface HistogramBin {
  t0: number;
  t1: number;
  counts: Record<string, number>;
  open: number;
  closed: number;
}
export interface StateHistogram {
  bins: HistogramBin[];
  end: number;
  peak: number;
  states: string[];
  connections: number;
}
export function stateHistogram(
  stateEvents: ReadonlyArray<{ t: number; to: string; endpoint: string; conn: string }>,
  until: number,
  bins?: number,
): StateHistogram;
export function histogramSvg(hist: StateHistogram, size?: { width?: number; height?: number }): string;
export function histogramLegend(
  hist: StateHistogram,
): Array<{ state: string; count: number; color: string | null }>;
