/**
 * Whether a config's network can lose packets at all: the CLI warns when a scenario closes at a
 * fixed time that loss can put before the connection is established (issue 22 item 7).
 */
import type { FaultModel, SimulationConfig } from './schema.js';

function lossy(model: FaultModel | undefined): boolean {
  return (
    model !== undefined &&
    ((model.loss ?? 0) > 0 || model.burstLoss !== undefined || model.queueLimit !== undefined)
  );
}

/** Any random loss, burst loss, queue tail-drop or targeted drop anywhere in the network. */
export function canLosePackets(config: SimulationConfig): boolean {
  const network = config.network;
  const topology = config.topology;
  return (
    lossy(network?.default) ||
    Object.values(network?.links ?? {}).some(lossy) ||
    (network?.faults ?? []).some((fault) => 'drop' in fault.action) ||
    lossy(topology?.default) ||
    (topology?.links ?? []).some(lossy)
  );
}
