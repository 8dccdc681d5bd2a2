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

/** A regular multicast message. */
export interface McastMessage {
  readonly type: 'mcast';
  readonly ringId: RingId;
  readonly seq: number;
  /** The originator (corosync system_from / node_id). */
  readonly source: NodeId;
  readonly payload: Uint8Array;
}

/** A join message of the membership protocol (not used by the fixed-membership core yet). */
export interface JoinMessage {
  readonly type: 'memb_join';
  readonly source: NodeId;
  readonly procSet: readonly NodeId[];
  readonly failSet: readonly NodeId[];
  readonly ringSeq: bigint;
}

/** One member's entry in the commit token, filled on its first rotation. */
export interface CommitMemberEntry {
  readonly nodeId: NodeId;
  readonly oldRingId: RingId | null;
  readonly aru: number;
  readonly highDelivered: number;
  readonly receivedFlg: boolean;
}

/** The commit token of the membership protocol (not used by the fixed-membership core yet). */
export interface CommitToken {
  readonly type: 'memb_commit_token';
  readonly ringId: RingId;
  readonly tokenSeq: number;
  readonly retransFlg: boolean;
  readonly membIndex: number;
  readonly memb: readonly CommitMemberEntry[];
}

export type TotemMessage = OrfToken | McastMessage | JoinMessage | CommitToken;

/** Timers the core may arm; each one is identified by its name. */
export type TimerName = 'token_loss' | 'token_retransmit';

/** What the core reacts to. `now` is the driver's monotonic clock in ms. */
export type TotemEvent =
  | { readonly kind: 'start'; readonly now: number }
  | { readonly kind: 'packet'; readonly now: number; readonly from: NodeId; readonly message: TotemMessage }
  | { readonly kind: 'timer'; readonly now: number; readonly name: TimerName }
  | { readonly kind: 'app_mcast'; readonly now: number; readonly reqId: number; readonly payload: Uint8Array };

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
  | { readonly kind: 'deliver'; readonly ringId: RingId; readonly seq: number; readonly source: NodeId; readonly payload: Uint8Array }
  | ConfChangeAction
  /** The new-message queue was full: the application should try again (SA_AIS_ERR_TRY_AGAIN). */
  | { readonly kind: 'mcast_refused'; readonly reqId: number }
  | { readonly kind: 'log'; readonly level: 'notice' | 'warning' | 'debug'; readonly text: string };
