// A strict TypeScript consumer of @synack/core with its own xstate: the machine must be the
// xstate's ActorLogic (one xstate copy: the peer dependency), and state values stay typed.

import { connectionMachine, connectionState, getProfile, type TcpState, VirtualClock } from '@synack/core';
import { type AnyActorLogic, createActor } from 'xstate';

const logic: AnyActorLogic = connectionMachine;
const clock = new VirtualClock();
const actor = createActor(connectionMachine, {
  clock,
  input: {
    local: { addr: '10.0.0.1', port: 40000 },
    remote: { addr: '10.0.0.2', port: 80 },
    profile: getProfile('linux'),
    fixedIsn: 1,
  },
});
const state: TcpState = connectionState(actor.getSnapshot());
// @ts-expect-error a TcpState is one of the RFC 9293 names, not any string
const notAState: 'NOT_A_STATE' = connectionState(actor.getSnapshot());

export { logic, notAState, state };
