// The real TotemCore as the simulator's CoreLike (the membership protocol: a
// node boots alone with only its ring seq from stable storage and finds the
// others through joins).
import { TotemCore, type TotemCoreConfig } from '../../aisexec/totem/core.js';
import type { CoreFactory } from './cluster.js';

/** The core's settings minus the per-node ones (its id and the ring seq its disk holds). */
export type RingSettings = Omit<TotemCoreConfig, 'nodeId' | 'ringSeq' | 'source'>;

export function membershipCoreFactory(settings: RingSettings): CoreFactory {
  return (nodeId, ringSeq) => new TotemCore({ ...settings, nodeId, ringSeq });
}

let missing: string | null | undefined;

/** Why the membership simulation cannot run against the core on disk (undefined: it can). */
export function membershipCoreMissing(): string | undefined {
  if (missing === undefined) {
    try {
      const probe = membershipCoreFactory({
        tokenMs: 1000, tokenRetransmitMs: 238, joinMs: 50, consensusMs: 1200, failWaitMs: 200, mergeMs: 200,
        holdMs: 180, seqnoUnchangedConst: 30, failRecvConst: 2500, windowSize: 50, maxMessages: 17, missCountConst: 5, tokenHold: true, senderHoldMs: 1,
      })(1, 0n);
      probe.step({ kind: 'start', now: 0 });
      missing = ['gather', 'commit', 'recovery', 'operational'].includes(probe.currentState) ? null : `a started core is in state ${probe.currentState}`;
    } catch (e) {
      missing = `the core rejects the membership configuration: ${(e as Error).message}`;
    }
  }
  return missing === null ? undefined : `aisexec/totem/core.ts cannot run the membership simulation (${missing})`;
}
