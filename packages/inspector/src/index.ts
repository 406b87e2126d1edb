export { type ForwardedInspection, Forwarder, type ForwardFormat } from './forward.js';
export {
  connectionStatechart,
  FINAL_SUFFIX,
  type GraphSpec,
  layoutStatechart,
  machineGraph,
  type StatechartEdge,
  type StatechartLayout,
  type StatechartNode,
  type StatechartTransition,
  wrapDescription,
} from './graph.js';
export * from './options.js';
export { Pacer, type PacerOptions } from './pacer.js';
export * from './protocol.js';
export { INSPECTED_WALL_TIMEOUT, type InspectedRun, inspectSimulation } from './run.js';
export {
  endpointInfo,
  type Inspector,
  type InspectorHooks,
  type InspectorOptions,
  startInspector,
} from './server.js';
export { PUBLIC_DIR, STATIC_FILES } from './static.js';
