/** Issue 22 item 7: a warning when a fixed-time action can precede the connection it acts on. */
import { getProfile } from '@synack/core';
import type { Scenario } from './scenarios.js';

/**
 * The sends, closes and aborts a scenario makes at fixed times less than one initial RTO after
 * its connect, as one warning: on a lossy network a lost SYN or SYN-ACK is resent only after that
 * RTO, so they can come before the connection is ESTABLISHED (a close in SYN_SENT abandons it,
 * RFC 9293 §3.10.4). Undefined when there is none. Callers decide whether the network is lossy
 * (sweep: any lossy point; run: network's canLosePackets). `run` asks only about close and abort:
 * a send before ESTABLISHED is queued and sent once connected (RFC 9293 §3.10.2), the close is
 * what abandons the connection.
 */
export function earlyActionsWarning(
  scenario: Scenario,
  kinds: ReadonlyArray<'send' | 'close' | 'abort'> = ['send', 'close', 'abort'],
): string | undefined {
  const early: string[] = [];
  for (const endpoint of scenario.endpoints) {
    const actions = endpoint.actions ?? [];
    const connect = actions.find((a) => a.do === 'connect');
    if (!connect) continue;
    const rto = getProfile(endpoint.profile ?? scenario.profile ?? 'linux').rtoInitial;
    for (const action of actions) {
      if (
        (action.do === 'send' || action.do === 'close' || action.do === 'abort') &&
        kinds.includes(action.do) &&
        action.at > connect.at &&
        action.at - connect.at < rto
      ) {
        early.push(`${endpoint.id} ${action.do}s at ${action.at} ms`);
      }
    }
  }
  if (early.length === 0) return undefined;
  return `${scenario.name}: ${early.join(', ')}, fixed times less than one initial RTO after its connect: where the SYN or SYN-ACK is lost, that comes before the connection is ESTABLISHED, so those runs measure the script, not TCP; react to the connection instead (reactions on connected / accept)`;
}
