export interface DeepLink {
  event: number | undefined;
  t: number | undefined;
  seg: number | undefined;
  conns: Array<[string, string]>;
}
export function parseHash(hash: string | null | undefined): DeepLink | null;
export function formatHash(view: {
  event: number | null | undefined;
  t?: number;
  seg: number | null | undefined;
  conns?: ReadonlyArray<readonly [string, string]>;
}): string;
export function cursorForTime(
  times: readonly number[],
  t: number,
  done: boolean,
): { k: number; ready: boolean };
