export const NARRATION_LINES: number;
export interface NarrationLine {
  index: number;
  ref: number;
  t: number;
  lang: 'en' | 'zh';
  text: string;
}
export function narrationView(
  model: { narration?: NarrationLine[] } | null | undefined,
  limit?: number,
): { lines: NarrationLine[]; hidden: number; lang: 'en' | 'zh' };
export function renderNarration(
  box: HTMLElement,
  model: unknown,
  drawnKey: string,
  goTo: (streamIndex: number) => void,
): string;
