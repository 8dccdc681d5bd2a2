// Types of the Totem protocol core: node and ring ids, the messages of the
// single-ring protocol (field names as corosync's exec/totemsrp.c, which maps
// one to one onto the TOCS 1995 paper, §5.1, §6.1, §7.1), and the core's
// event/action interface (events in, actions out; the driver does the I/O).

/** A processor's id (corosync nodeid, u32, never 0: 0 marks "none" / a leave). */
export type NodeId = number;

/** Ring id: the representative and a ring sequence that only grows (u64 on the wire). */
export interface RingId {
  readonly rep: NodeId;
  readonly seq: bigint;
}

export function ringIdEqual(a: RingId, b: RingId): boolean {
  return a.rep === b.rep && a.seq === b.seq;
}

export function ringIdString(r: RingId): string {
  return `${r.rep}.${r.seq.toString(16)}`;
}

/** One retransmit request on the token. */
export interface RtrEntry {
  readonly ringId: RingId;
  readonly seq: number;
}

/** The ORF token (Ordering, Reliability, Flow control). */
export interface OrfToken {
  readonly type: 'orf_token';
  readonly ringId: RingId;
  /** Highest message sequence number broadcast on the ring. */
  readonly seq: number;
  /** Detects duplicate and retransmitted copies of the token. */
  readonly tokenSeq: number;
  /** All-received-up-to, and the node that lowered it (null: nobody holds it down). */
  readonly aru: number;
  readonly aruAddr: NodeId | null;
  /** Messages broadcast (new and retransmitted) during the last rotation. */
  readonly fcc: number;
  /** Sum of the members' queued new messages. */
  readonly backlog: number;
  readonly retransFlg: boolean;
  readonly rtr: readonly RtrEntry[];
}

/** Delivery guarantee of a message: agreed (total order) or safe (total order, and every member holds it). */
export type Guarantee = 'agreed' | 'safe';

/** A regular multicast message. */
export interface McastMessage {
  readonly type: 'mcast';
  readonly ringId: RingId;
  readonly seq: number;
  /** The originator (corosync system_from / node_id). */
  readonly source: NodeId;
  readonly guarantee: Guarantee;
  /**
   * Recovery (paper §7): an old-ring message re-sent on the new ring
   * (corosync's header `encapsulated` flag). When set, `payload` is empty and
   * the old message travels whole, with its own ring id, seq and source.
   */
  readonly encapsulated: McastMessage | null;
  readonly payload: Uint8Array;
  /**
   * The sender keeps the token after this message (core departure 13): a
   * member with new messages asks for it with TOKEN_HOLD_CANCEL. A hint
   * only: nothing depends on it for safety. Absent means false.
   */
  readonly held?: boolean;
}

/**
 * A join message of the membership protocol (paper §6.1). Sets are sorted,
 * duplicate-free node ids. A join whose `source` is in its own `failSet` is
 * a leave (orderly shutdown; corosync sends it with header nodeid 0).
 */
export interface JoinMessage {
  readonly type: 'memb_join';
  readonly source: NodeId;
  readonly procSet: readonly NodeId[];
  readonly failSet: readonly NodeId[];
  /** The highest ring seq the sender has seen (new rings take max + 4). */
  readonly ringSeq: bigint;
}

/** Sent by a ring's representative on an idle ring so that other rings hear of it (corosync MEMB_MERGE_DETECT). */
export interface MergeDetect {
  readonly type: 'memb_merge_detect';
  readonly source: NodeId;
  readonly ringId: RingId;
}

/** A member with new messages asks the holder of a held token to release it (corosync TOKEN_HOLD_CANCEL). */
export interface TokenHoldCancel {
  readonly type: 'token_hold_cancel';
  readonly source: NodeId;
  readonly ringId: RingId;
}

/** One member's entry in the commit token, filled on its first rotation. */
export interface CommitMemberEntry {
  readonly nodeId: NodeId;
  readonly oldRingId: RingId | null;
  readonly aru: number;
  readonly highDelivered: number;
  readonly receivedFlg: boolean;
}

/** The commit token of the membership protocol; `memb` is sorted by node id, which is the new ring's token order. */
export interface CommitToken {
  readonly type: 'memb_commit_token';
  readonly ringId: RingId;
  readonly tokenSeq: number;
  readonly retransFlg: boolean;
  readonly membIndex: number;
  readonly memb: readonly CommitMemberEntry[];
}

export type TotemMessage = OrfToken | McastMessage | JoinMessage | CommitToken | MergeDetect | TokenHoldCancel;

/** Timers the core may arm; each one is identified by its name (one per name per node; re-arming replaces). */
export type TimerName = 'token_loss' | 'token_retransmit' | 'join' | 'consensus' | 'merge_detect' | 'token_hold' | 'commit_token_retransmit';

/** What the core reacts to. `now` is the driver's monotonic clock in ms. */
export type TotemEvent =
  | { readonly kind: 'start'; readonly now: number }
  | { readonly kind: 'packet'; readonly now: number; readonly from: NodeId; readonly message: TotemMessage }
  | { readonly kind: 'timer'; readonly now: number; readonly name: TimerName }
  | { readonly kind: 'app_mcast'; readonly now: number; readonly reqId: number; readonly payload: Uint8Array; readonly guarantee?: Guarantee }
  /** The driver's frame source has new frames: release a held token, or ask its holder to. */
  | { readonly kind: 'frames_ready'; readonly now: number }
  /** Orderly shutdown: send a leave so the others need not wait for the token timeout. */
  | { readonly kind: 'leave'; readonly now: number };

export interface ConfChangeAction {
  readonly kind: 'conf_change';
  readonly type: 'transitional' | 'regular';
  readonly ringId: RingId;
  readonly members: readonly NodeId[];
  readonly left: readonly NodeId[];
  readonly joined: readonly NodeId[];
}

/** What the driver must do, in order. */
export type TotemAction =
  | { readonly kind: 'send_unicast'; readonly to: NodeId; readonly message: TotemMessage }
  /** To every other member of the ring (the originator keeps its own copy). */
  | { readonly kind: 'send_multicast'; readonly message: TotemMessage }
  | { readonly kind: 'set_timer'; readonly name: TimerName; readonly afterMs: number }
  | { readonly kind: 'cancel_timer'; readonly name: TimerName }
  | { readonly kind: 'deliver'; readonly ringId: RingId; readonly seq: number; readonly source: NodeId; readonly guarantee: Guarantee; readonly payload: Uint8Array }
  /**
   * Write the ring seq to stable storage before performing any later action
   * (paper §6: a restarted processor never reuses a ring id). The driver does
   * it synchronously (write + fsync), so the order of actions is the barrier.
   */
  | { readonly kind: 'store_ring_seq'; readonly seq: bigint }
  | ConfChangeAction
  /** The new-message queue was full: the application should try again (SA_AIS_ERR_TRY_AGAIN). */
  | { readonly kind: 'mcast_refused'; readonly reqId: number }
  | { readonly kind: 'log'; readonly level: 'notice' | 'warning' | 'debug'; readonly text: string };
