export const EVENT_ROW: number;
/** One line of text for a trace event (what the search matches against). */
export function describeEvent(ev: unknown): string;
/** The segment a trace event is about (send, deliver, network drop, duplicate), or null. */
export function segmentOfEvent(ev: unknown): number | null;
