// The replicated cluster view: the node table and the view number, computed
// by every member from the same agreed-order stream (configuration changes
// and ReqExecClmNodeJoin messages), so that all members of a configuration
// report the same view, the same records and the same changes.
//
// After each regular configuration change every member multicasts its own
// record together with the last view it completed. Once the records of all
// members of that configuration have been delivered, the view is complete:
// its number is the largest last view announced plus one (so it grows by one
// per configuration on a stable cluster and the two halves of a merge agree
// on a number above both of theirs), and the changes are the difference with
// the previous complete view. A transitional or a newer regular configuration
// abandons an incomplete view; the next complete one reports every change
// since the last report, so nothing is lost and nothing is reported twice.
// Each executive process has an incarnation (a random id per start); the
// table keeps the one each record came with, and every join lists those its
// sender holds for the other members, so that every member sees, from the
// same joins, which members restarted since some member last saw them.
// Pure: no clock, no I/O.
import { assert } from '../../../lib-ais/errors.js';
import { SaClmClusterChangesT, type SaClmClusterNodeT } from '../../../lib-ais/clm-types.js';
import { CLM_NODES_MAX, type ClmItem, type ClmKnownIncarnation, type ClmNodeJoin } from '../../../lib-ais/ipc/clm.js';
import type { ConfChange } from '../service.js';

/** What a node says about itself; member and initialViewNumber are the view's business. */
export interface LocalNode {
  nodeId: number;
  nodeAddress: SaClmClusterNodeT['nodeAddress'];
  nodeName: string;
  bootTimestamp: bigint;
  /** This executive process's id (random per start): the same node id with another incarnation is a restarted executive. */
  incarnation: bigint;
}

/** A record of the table and the incarnation it came with. */
export interface ClmTableRow {
  node: SaClmClusterNodeT;
  incarnation: bigint;
}

/** A view that just completed. */
export interface ViewChange {
  viewNumber: bigint;
  /** Members of the new view (member true), by node id. */
  members: SaClmClusterNodeT[];
  /** Members with their change (NO_CHANGE, JOINED, RECONFIGURED), then the nodes that left (LEFT, member false). */
  items: ClmItem[];
  /** Members some member's table held with another incarnation (executives that restarted), by node id. */
  restarted: number[];
  /** Whether any item is not NO_CHANGE. */
  changed: boolean;
}

export interface ViewCounters {
  viewsCompleted: number;
  viewsAbandoned: number;
  joinsStale: number;
  joinsForeign: number;
  joinsDuplicate: number;
  recordsEvicted: number;
  /** Members found restarted: announcing another incarnation than some member's table held. */
  restartsDetected: number;
}

interface Pending {
  rep: number;
  seq: bigint;
  members: readonly number[];
  joins: Map<number, ClmNodeJoin>;
}

export class ClusterView {
  private readonly records = new Map<number, ClmTableRow>();
  private memberIds: number[] = [];
  private view = 0n;
  private localInitialView = 0n;
  private pending: Pending | undefined;
  readonly counters: ViewCounters = { viewsCompleted: 0, viewsAbandoned: 0, joinsStale: 0, joinsForeign: 0, joinsDuplicate: 0, recordsEvicted: 0, restartsDetected: 0 };

  constructor(readonly local: LocalNode) {}

  get viewNumber(): bigint {
    return this.view;
  }

  /** Whether a regular configuration waits for members' records. */
  get completing(): boolean {
    return this.pending !== undefined;
  }

  /** Node ids of the configuration being completed (empty when none). */
  get pendingMembers(): readonly number[] {
    return this.pending?.members ?? [];
  }

  isMember(nodeId: number): boolean {
    return this.memberIds.includes(nodeId);
  }

  /** The current view's members, by node id. */
  members(): SaClmClusterNodeT[] {
    return this.memberIds.map((id) => this.records.get(id)!.node);
  }

  /** A member's record, or undefined for a node that is not a member of the current view. */
  member(nodeId: number): SaClmClusterNodeT | undefined {
    return this.isMember(nodeId) ? this.records.get(nodeId)!.node : undefined;
  }

  /** Every record the table holds, members and nodes that left, with its incarnation, by node id. */
  table(): ClmTableRow[] {
    return [...this.records.values()].sort((a, b) => a.node.nodeId - b.node.nodeId);
  }

  /**
   * A configuration change. A regular one starts a view and returns the
   * node-join this node must multicast for it; a transitional one abandons
   * the view being completed.
   */
  confChange(change: ConfChange): ClmNodeJoin | undefined {
    if (this.pending !== undefined) this.counters.viewsAbandoned++;
    this.pending = undefined;
    if (change.type !== 'regular') return undefined;
    assert(change.members.length <= CLM_NODES_MAX, `configuration of ${change.members.length} members exceeds CLM_NODES_MAX ${CLM_NODES_MAX}`);
    const members = [...new Set(change.members)].sort((a, b) => a - b);
    this.pending = { rep: change.ringId.rep, seq: change.ringId.seq, members, joins: new Map() };
    if (!members.includes(this.local.nodeId)) return undefined; // not ours to complete; nothing to announce
    const known: ClmKnownIncarnation[] = [];
    for (const id of members) {
      const row = this.records.get(id);
      if (id !== this.local.nodeId && row !== undefined) known.push({ nodeId: id, incarnation: row.incarnation });
    }
    const { incarnation, ...self } = this.local;
    return {
      ringRep: change.ringId.rep,
      ringSeq: change.ringId.seq,
      lastView: this.view,
      incarnation,
      node: { ...self, member: this.isMember(this.local.nodeId), initialViewNumber: this.localInitialView },
      known,
    };
  }

  /**
   * A delivered node-join. Returns the view it completes, if it completes one.
   * Joins for another ring, from a node that is not a member of the pending
   * configuration, claiming another node's id, or repeated, are dropped and counted.
   */
  nodeJoin(msg: ClmNodeJoin, sourceNodeId: number): ViewChange | undefined {
    const p = this.pending;
    if (p === undefined || msg.ringRep !== p.rep || msg.ringSeq !== p.seq) {
      this.counters.joinsStale++;
      return undefined;
    }
    if (msg.node.nodeId !== sourceNodeId || !p.members.includes(sourceNodeId)) {
      this.counters.joinsForeign++;
      return undefined;
    }
    if (p.joins.has(sourceNodeId)) {
      this.counters.joinsDuplicate++;
      return undefined;
    }
    p.joins.set(sourceNodeId, msg);
    if (p.joins.size < p.members.length) return undefined;
    this.pending = undefined;
    return this.complete(p);
  }

  private complete(p: Pending): ViewChange {
    let last = 0n;
    for (const j of p.joins.values()) if (j.lastView > last) last = j.lastView;
    const viewNumber = last + 1n;
    const before = new Set(this.memberIds);
    const restarted = restartedMembers(p);
    const items: ClmItem[] = [];
    for (const id of p.members) {
      const j = p.joins.get(id)!;
      // A new incarnation (one that has completed no view yet, announcing initial view 0, or a
      // restarted executive that some member's table knew by an older incarnation): its first
      // view is this one, and it is JOINED, on every member, itself included.
      const fresh = j.node.initialViewNumber === 0n || restarted.has(id);
      const node: SaClmClusterNodeT = { ...j.node, member: true, initialViewNumber: fresh ? viewNumber : j.node.initialViewNumber };
      const old = this.records.get(id);
      let change = SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE;
      if (!before.has(id) || fresh) change = SaClmClusterChangesT.SA_CLM_NODE_JOINED;
      else if (old !== undefined && !sameRecord(old.node, node)) change = SaClmClusterChangesT.SA_CLM_NODE_RECONFIGURED;
      this.records.set(id, { node, incarnation: j.incarnation });
      if (id === this.local.nodeId) this.localInitialView = node.initialViewNumber;
      items.push({ node, change });
    }
    const now = new Set(p.members);
    for (const id of this.memberIds) {
      if (now.has(id)) continue;
      const row = this.records.get(id)!;
      const node = { ...row.node, member: false };
      this.records.set(id, { node, incarnation: row.incarnation });
      items.push({ node, change: SaClmClusterChangesT.SA_CLM_NODE_LEFT });
    }
    this.memberIds = [...p.members];
    this.view = viewNumber;
    this.evict(now);
    this.counters.viewsCompleted++;
    this.counters.restartsDetected += restarted.size;
    return {
      viewNumber,
      members: this.members(),
      items,
      restarted: [...restarted].sort((a, b) => a - b),
      changed: items.some((it) => it.change !== SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE),
    };
  }

  /** Keeps the table bounded: records of non-members go, the first-known first (Map order is insertion order). */
  private evict(members: Set<number>): void {
    for (const id of this.records.keys()) {
      if (this.records.size <= CLM_NODES_MAX) return;
      if (members.has(id)) continue;
      this.records.delete(id);
      this.counters.recordsEvicted++;
    }
  }
}

/**
 * Members that announced another incarnation than some member's table holds
 * for them: executives that restarted since that member last saw them. Read
 * from the joins alone, so every member finds the same set.
 */
function restartedMembers(p: Pending): Set<number> {
  const restarted = new Set<number>();
  for (const j of p.joins.values()) {
    for (const k of j.known) {
      const theirs = p.joins.get(k.nodeId);
      if (theirs !== undefined && theirs.incarnation !== k.incarnation) restarted.add(k.nodeId);
    }
  }
  return restarted;
}

function sameRecord(a: SaClmClusterNodeT, b: SaClmClusterNodeT): boolean {
  return a.nodeName === b.nodeName && a.nodeAddress.family === b.nodeAddress.family && a.nodeAddress.value === b.nodeAddress.value &&
    a.bootTimestamp === b.bootTimestamp && a.initialViewNumber === b.initialViewNumber;
}
