/**
 * Build step (`npm run build`, after tsc): lays the connection statechart out once and stores it
 * in dist/statechart.layout.json, so the inspector starts without waiting for elkjs. At runtime
 * the stored layout is used only if it was made from the same machine graph.
 */
import { writePrecomputedLayout } from './layout.js';

const path = await writePrecomputedLayout();
process.stdout.write(`inspector: statechart layout written to ${path}\n`);
