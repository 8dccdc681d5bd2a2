// The real TotemCore as the simulator's CoreLike, for the membership protocol
// contract (a node boots alone with only its ring seq from stable storage and
// finds the others through joins). Kept apart so the simulator compiles and
// skips cleanly while aisexec/totem/core.ts is still the fixed-membership core.
import { TotemCore } from '../../aisexec/totem/core.js';
import type { NodeId } from '../../aisexec/totem/types.js';
import type { CoreFactory, CoreLike } from './cluster.js';

/** The membership core's settings (aisexec/totem/core.ts TotemCoreConfig), minus the per-node ones. */
export interface RingSettings {
  tokenMs: number;
  tokenRetransmitMs: number;
  joinMs: number;
  consensusMs: number;
  failWaitMs: number;
  mergeMs: number;
  holdMs: number;
  seqnoUnchangedConst: number;
  failRecvConst: number;
  windowSize: number;
  maxMessages: number;
  missCountConst: number;
  tokenHold: boolean;
}

type MembershipCtor = new (cfg: RingSettings & { nodeId: NodeId; ringSeq: bigint }) => CoreLike;
const Core = TotemCore as unknown as MembershipCtor;

export function membershipCoreFactory(settings: RingSettings): CoreFactory {
  return (nodeId, ringSeq) => new Core({ ...settings, nodeId, ringSeq });
}

let missing: string | null | undefined;

/** Why the membership simulation cannot run against the core on disk (undefined: it can). */
export function membershipCoreMissing(): string | undefined {
  if (missing === undefined) {
    try {
      const probe = new Core({
        nodeId: 1, ringSeq: 0n, tokenMs: 1000, tokenRetransmitMs: 238, joinMs: 50, consensusMs: 1200, failWaitMs: 200, mergeMs: 200,
        holdMs: 180, seqnoUnchangedConst: 30, failRecvConst: 2500, windowSize: 50, maxMessages: 17, missCountConst: 5, tokenHold: true,
      });
      probe.step({ kind: 'start', now: 0 });
      missing = ['gather', 'commit', 'recovery', 'operational'].includes(probe.currentState) ? null : `a started core is in state ${probe.currentState}`;
    } catch (e) {
      missing = `the core rejects the membership configuration: ${(e as Error).message}`;
    }
  }
  return missing === null ? undefined : `aisexec/totem/core.ts is not the membership core yet (${missing})`;
}
