// The inspector's public API. The light option checks and limits live in the `./options`
// subpath (`@synack/inspector/options`), which loads without the server, elkjs or ws.
export type { ForwardedInspection, Forwarder, ForwardFormat } from './forward.js';
export type { GraphEdgeSpec, GraphSpec, GraphStateSpec, StatechartTransition } from './graph.js';
export { machineGraph } from './graph.js';
export type { StatechartEdge, StatechartFonts, StatechartLayout, StatechartNode } from './layout.js';
export { connectionStatechart, layoutStatechart } from './layout.js';
export type { Pacer } from './pacer.js';
export type {
  ClientMessage,
  ControlMessage,
  ControlState,
  EndpointInfo,
  ErrorMessage,
  EventsMessage,
  HelloMessage,
  InspectStreamEvent,
  ServerMessage,
  StreamEvent,
} from './protocol.js';
export { PROTOCOL_VERSION, parseClientMessage } from './protocol.js';
export type { InspectedRun } from './run.js';
export { inspectRecorded, inspectSimulation } from './run.js';
export type { Inspector, InspectorOptions } from './server.js';
export { startInspector } from './server.js';
export type { InspectorHooks } from './session.js';
export { endpointInfo } from './session.js';
