// Types of statechart.js's pure functions for the TypeScript tests (not served to the page).
import type { StatechartEdge, StatechartLayout, StatechartNode } from '../src/layout.js';

export function leafNode(
  layout: StatechartLayout,
  state: string,
  cameFrom?: string,
): StatechartNode | undefined;
export function findEdge(
  layout: StatechartLayout,
  from: string,
  to: string,
  event?: string | null,
): StatechartEdge | undefined;
