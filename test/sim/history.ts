// The recorded history of a simulation: per node, in order, everything the
// checkers need (boots, accepted submissions, sends, receipts, deliveries,
// configuration changes, stable-storage writes, crashes). The invariants read
// only this, so they can be tested on hand-written histories too.
import { ringIdString, type Guarantee, type NodeId, type RingId } from '../../aisexec/totem/types.js';

interface Stamp {
  /** Global order across all nodes (one counter): "happened before" for the checkers. */
  readonly i: number;
  /** Simulated time, ms (for readable messages). */
  readonly t: number;
}

export type HistoryEvent = Stamp &
  (
    | { readonly kind: 'boot'; readonly inc: number; readonly ringSeq: bigint; readonly stale: boolean }
    /** The application's multicast was accepted by the core (not refused). */
    | { readonly kind: 'accept'; readonly id: string; readonly guarantee: Guarantee }
    /** The originator's core first multicast its message `id` as (ringId, seq). */
    | { readonly kind: 'send'; readonly id: string; readonly ringId: RingId; readonly seq: number }
    /** This core first held message (ringId, seq): sent it, or a packet carrying it reached the core. */
    | { readonly kind: 'receive'; readonly ringId: RingId; readonly seq: number }
    | { readonly kind: 'deliver'; readonly ringId: RingId; readonly seq: number; readonly source: NodeId; readonly guarantee: Guarantee; readonly id: string }
    | { readonly kind: 'confchg'; readonly type: 'transitional' | 'regular'; readonly ringId: RingId; readonly members: readonly NodeId[] }
    | { readonly kind: 'store'; readonly seq: bigint }
    /** The incarnation ended: crashed, left in order, or (at the heal) removed for good while down. */
    | { readonly kind: 'down'; readonly how: 'crash' | 'leave' }
  );

/** An event as recorded, before it is stamped. */
export type HistoryEntry = HistoryEvent extends infer E ? (E extends Stamp ? Omit<E, 'i' | 't'> : never) : never;

export class History {
  readonly nodes = new Map<NodeId, HistoryEvent[]>();
  /**
   * Per ring, the seqs that carried recovery re-sends (encapsulated old-ring
   * messages): they are never delivered as that ring's messages, so the
   * ring's own messages start after them.
   */
  readonly recoverySeqs = new Map<string, Set<number>>();
  private next = 0;

  recordRecoverySeq(ringId: RingId, seq: number): void {
    const k = ringKey(ringId);
    let s = this.recoverySeqs.get(k);
    if (s === undefined) this.recoverySeqs.set(k, (s = new Set()));
    s.add(seq);
  }

  record(node: NodeId, t: number, e: HistoryEntry): void {
    let list = this.nodes.get(node);
    if (list === undefined) this.nodes.set(node, (list = []));
    list.push({ ...e, i: this.next++, t } as HistoryEvent);
  }

  /** Take back an acceptance recorded before the core's answer, when the answer was a refusal. */
  retractAccept(node: NodeId, id: string): void {
    const list = this.nodes.get(node) ?? [];
    for (let k = list.length - 1; k >= 0; k--) {
      const e = list[k]!;
      if (e.kind === 'accept' && e.id === id) {
        list.splice(k, 1);
        return;
      }
    }
  }
}

export const ringKey = (r: RingId): string => ringIdString(r);
export const msgKey = (r: RingId, seq: number): string => `${ringIdString(r)}#${seq}`;

/** One incarnation of a node: from its boot to its crash or leave (or the end of the run). */
export interface Incarnation {
  readonly node: NodeId;
  readonly inc: number;
  readonly stale: boolean;
  readonly bootSeq: bigint;
  readonly events: readonly HistoryEvent[];
  /** Ended by a crash or a leave (so self-delivery and liveness do not apply past it). */
  readonly ended: boolean;
}

export function incarnations(h: History): Incarnation[] {
  const out: Incarnation[] = [];
  for (const [node, events] of h.nodes) {
    let cur: { inc: number; stale: boolean; bootSeq: bigint; events: HistoryEvent[]; ended: boolean } | undefined;
    for (const e of events) {
      if (e.kind === 'boot') {
        if (cur !== undefined) out.push({ node, ...cur });
        cur = { inc: e.inc, stale: e.stale, bootSeq: e.ringSeq, events: [], ended: false };
        continue;
      }
      if (cur === undefined) cur = { inc: 0, stale: false, bootSeq: 0n, events: [], ended: false };
      cur.events.push(e);
      if (e.kind === 'down') cur.ended = true;
    }
    if (cur !== undefined) out.push({ node, ...cur });
  }
  return out;
}

export type DeliverEvent = Extract<HistoryEvent, { kind: 'deliver' }>;
export type ConfEvent = Extract<HistoryEvent, { kind: 'confchg' }>;

/**
 * A stretch of an incarnation spent in one configuration: none (before the
 * first regular configuration), a regular one, or the transitional one that
 * follows a regular one. Deliveries belong to the segment they happen in.
 */
export interface Segment {
  readonly node: NodeId;
  readonly inc: number;
  readonly type: 'none' | 'regular' | 'transitional';
  readonly conf: ConfEvent | undefined;
  /** For a transitional segment: the regular configuration it follows (undefined for the first one of an incarnation). */
  readonly after: ConfEvent | undefined;
  readonly deliveries: DeliverEvent[];
}

export function segments(x: Incarnation): Segment[] {
  const out: Segment[] = [];
  let lastRegular: ConfEvent | undefined;
  let cur: Segment = { node: x.node, inc: x.inc, type: 'none', conf: undefined, after: undefined, deliveries: [] };
  out.push(cur);
  for (const e of x.events) {
    if (e.kind === 'confchg') {
      cur = { node: x.node, inc: x.inc, type: e.type, conf: e, after: e.type === 'transitional' ? lastRegular : undefined, deliveries: [] };
      if (e.type === 'regular') lastRegular = e;
      out.push(cur);
    } else if (e.kind === 'deliver') {
      cur.deliveries.push(e);
    }
  }
  return out;
}

/** Message ids are `n<originator>/<k>`, unique over the whole run. */
export function parseId(id: string): { source: NodeId; k: number } | undefined {
  const m = /^n(\d+)\/(\d+)$/.exec(id);
  return m === null ? undefined : { source: Number(m[1]), k: Number(m[2]) };
}
