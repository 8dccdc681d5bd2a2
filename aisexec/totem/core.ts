// The Totem single-ring protocol core: a pure state machine. It takes events
// (a packet, a timer firing, an application multicast, a leave) and returns
// actions (send, arm or cancel a named timer, deliver, configuration change,
// store the ring seq); the driver performs them in order. No clock, timers,
// sockets or randomness in here.
//
// Implements:
//   Y. Amir, L. E. Moser, P. M. Melliar-Smith, D. A. Agarwal, P. Ciarfella,
//   "The Totem single-ring ordering and membership protocol",
//   ACM TOCS 13(4):311-342, 1995 (doi 10.1145/210223.210224):
//   §5 total ordering and reliable delivery (agreed and SAFE), §6 membership
//   (GATHER, COMMIT with the commit token's two rotations), §7 recovery and
//   extended virtual synchrony (transitional then regular configuration),
//   §8 flow control; as corosync's exec/totemsrp.c runs them
//   (message_handler_orf_token, memb_join_process, memb_state_*_enter,
//   message_handler_memb_commit_token, orf_token_rtr, fcc_*).
//
// Departures from the paper, and where this core differs from corosync:
//  1. As corosync: a missing message is requested on the token only after it
//     has been seen missing `missCountConst` times.
//  2. As corosync: a message is released up to min(token aru on my previous
//     visit, token aru now, my high delivered).
//  3. Flow control: the paper's proportional share with the current backlog
//     (corosync uses the previous one), at least 1 while I have a backlog.
//  4. SAFE delivery is offered (corosync never implemented it): a safe message
//     is delivered once the aru I forwarded on two successive visits covers it
//     (the paper's rule); at installation, a safe message not yet known safe
//     in the old configuration is delivered in the transitional one, where
//     recovery has made every member hold it.
//  5. FAST FAILURE DETECTION (issue 5: a crashed node out in at most 1.3 x
//     token; corosync takes token + consensus, about 2.2 x token). Corosync
//     keeps a silent node in the proc set for a whole `consensus` (1.2 x
//     token) after the token timeout, although every live member is already
//     gathering: the first node whose token timer fires sends a join, and
//     here a join from a member of my ring (not stale: its ring seq is at
//     least my ring's) takes me to GATHER at once, so all live members
//     exchange joins within one network delay plus one `join` period. So the
//     wait for a silent node after a formed ring breaks is `failWaitMs`
//     (default max(4 x join, token / 5) = 200 ms at token 1000), not
//     `consensus`; after it the silent node goes to the fail set. Crash to
//     new ring is then token + failWait + one join round + two commit
//     rotations + recovery rotations, about 1.22 x token on a LAN.
//     Why no safety property is lost: uniqueness, consensus (every installer
//     agreed on proc - fail, checked against the commit token) and EVS come
//     from the join/commit/recovery rules, which never look at a clock; a
//     timeout only decides WHO is suspected. A live node suspected wrongly
//     (e.g. a pause longer than failWait right after a token loss) is a
//     false suspicion of the kind the paper already allows: it forms its own
//     ring and merges back through merge detection, with EVS delivering the
//     two partitions' histories consistently. The price is availability, not
//     safety, and it is paid only when the ring has already lost its token.
//     The first gather after start and every re-entry caused by new nodes use
//     `consensus` as before.
//  6. Token hold (corosync's one named deviation): on an idle ring the
//     representative keeps the token for `hold` ms instead of forwarding it
//     at once; an application multicast, or a TOKEN_HOLD_CANCEL from a member
//     with new messages, releases it.
//  7. Failure to receive, as corosync: the member holding the aru down for
//     `failRecvConst` of its visits declares itself failed (fails every other
//     member), forms its own ring and merges back.
//  8. A fresh processor (no ring installed since it started) reports no old
//     ring in the commit token (corosync reports a ring id of its own), so it
//     can never be mistaken for a transitional peer of the ring its previous
//     incarnation belonged to.
//  9. Sequence numbers are plain numbers below 2^32; serial-number wrap
//     (corosync sq_lt_compare) is not implemented. Instead a member that
//     gets a token whose seq or token_seq has reached `seqRenewAt`
//     (SEQNO_RENEW_AT, 2^32 - 2^28) gathers without forwarding it: its join
//     takes every member to GATHER (departure 5's rule), they form a new
//     ring of the same members, with EVS recovery of the old ring's last
//     messages, and both numbers start at 0 again. At 36,000 frames a second
//     that is once a day, for a reconfiguration of a few join periods.
// 10. A join that names me in its fail set is ignored. Corosync fails its
//     sender back (so neither waits for the other); but when two partitions
//     gather at slightly different times, each side's fail set, left over
//     from its previous round, poisoned the other side's fresh round through
//     that rule, and they re-formed apart forever (simulation, seed 5). The
//     sender forms a ring without me, its fail set empties when it installs,
//     and merge detection then brings us together. Its earlier agreement
//     with me is withdrawn, so that at my consensus timeout I fail it too and
//     form without it (sim seed 484: a node kept counting such a sender's old
//     matching join, waited round after round for a commit token nobody
//     would send, and never cleared its own fail set).
// 11. A join sent before its sender knew of my installed ring (its ring seq
//     is below my ring's) is stale: its sets are not merged; it only tells me
//     the sender exists (as a foreign message does).
// 12. A newcomer heard during COMMIT or RECOVERY, or just after installing,
//     is gathered with at my next token visit, once every member has
//     installed: the first member to install would otherwise abort the
//     others' recovery with its join (corosync drops such joins and relies
//     on merge detection, which costs a merge period).
// 13. SENDER HOLD (neither the paper nor corosync): a member that finds on
//     its visit that nobody else sent since its previous visit, every member
//     holds every message, and it has just sent its whole backlog, keeps the
//     token for up to `senderHoldMs` (5 ms) after its latest message. A
//     message its application submits meanwhile is numbered from the held
//     token and sent at once, as if on that visit (same allowance, fcc and
//     aru accounting), and delivered at its sender at once: nobody else can
//     send while it holds the token, so agreed order is unchanged. A lone
//     sender's self-delivery then costs no token rotation (on loopback the
//     rotation was most of it), and a lightly loaded ring rotates a tenth as
//     often. The token moves on when the allowance is used up (and the next
//     visit holds again: the sender is streaming), a message is safe (it
//     needs two rotations), more is queued than the allowance covers, the
//     timer fires, or a member sends TOKEN_HOLD_CANCEL: the held messages
//     carry a `held` flag, so a member with new messages, or one that finds
//     a hole (its retransmission request rides on the token), asks for the
//     token at once instead of waiting for the hold to end. Liveness and
//     failure detection are as for departure 6: the hold is far below every
//     timeout, and a hold ends when membership changes.
import { assert } from '../../lib-ais/errors.js';
import type { TotemConfig } from '../config/totemconfig.js';
import { MEMBERS_MAX, NEW_MESSAGE_QUEUE_ITEMS_MAX, RTR_ENTRIES_MAX, SEQNO_MAX, SEQNO_RENEW_AT, SEQNO_START_MSG, SEQNO_START_TOKEN } from './constants.js';
import { RingState } from './ring.js';
import { setEqual, setHas, setMinus, setOf, setSubset, setUnion, validSet, type NodeSet } from './sets.js';
import {
  ringIdEqual, ringIdString, type CommitMemberEntry, type CommitToken, type Guarantee, type JoinMessage, type McastMessage, type NodeId,
  type OrfToken, type RingId, type RtrEntry, type TimerName, type TotemAction, type TotemEvent, type TotemMessage,
} from './types.js';

/** Where new messages come from: the core's own queue, or the driver's packer (frames). */
export interface FrameSource {
  /** Frames waiting (the token's backlog). */
  pending(): number;
  take(): { payload: Uint8Array; guarantee: Guarantee } | undefined;
}

export interface TotemCoreConfig {
  nodeId: NodeId;
  /** The ring seq from stable storage (0 on first boot): rings this node forms are numbered above it. */
  ringSeq: bigint;
  tokenMs: number;
  tokenRetransmitMs: number;
  joinMs: number;
  consensusMs: number;
  /** How long a silent node stays in the proc set once a formed ring broke (departure 5). */
  failWaitMs: number;
  mergeMs: number;
  holdMs: number;
  seqnoUnchangedConst: number;
  failRecvConst: number;
  windowSize: number;
  maxMessages: number;
  missCountConst: number;
  tokenHold: boolean;
  /** Sender hold (departure 13): how long a lone sender keeps the token for its next message; 0 turns it off. */
  senderHoldMs: number;
  /** Departure 9: a token whose seq or token_seq reaches this makes the ring renew itself (SEQNO_RENEW_AT; lower in tests). */
  seqRenewAt?: number;
  /** The driver's frame source; without it the core queues `app_mcast` payloads itself. */
  source?: FrameSource;
}

/** The fail-wait of departure 5 for a token timeout and a join period. */
export function deriveFailWaitMs(tokenMs: number, joinMs: number, consensusMs: number): number {
  return Math.min(consensusMs, Math.max(4 * joinMs, Math.trunc(tokenMs / 5)));
}

/** The core's settings from a parsed totem {} section, this node's id and its stored ring seq. */
export function coreConfigFromTotem(cfg: TotemConfig, nodeId: NodeId, ringSeq: bigint): TotemCoreConfig {
  return {
    nodeId,
    ringSeq,
    tokenMs: cfg.tokenEffectiveMs,
    tokenRetransmitMs: cfg.tokenRetransmitMs,
    joinMs: cfg.joinMs,
    consensusMs: cfg.consensusMs,
    failWaitMs: deriveFailWaitMs(cfg.tokenEffectiveMs, cfg.joinMs, cfg.consensusMs),
    mergeMs: cfg.mergeMs,
    holdMs: cfg.holdMs,
    seqnoUnchangedConst: cfg.seqnoUnchangedConst,
    failRecvConst: cfg.failRecvConst,
    windowSize: cfg.windowSize,
    maxMessages: cfg.maxMessages,
    missCountConst: cfg.missCountConst,
    tokenHold: true,
    senderHoldMs: SENDER_HOLD_MS,
  };
}

/**
 * Sender hold (departure 13): how long after its latest message a lone sender keeps the token. Comfortably above
 * the time an application takes to answer a delivery with its next message: at 1 ms, 1 in 10 holds on a loaded
 * 2-core machine ended between two messages of a ping-pong client, each costing a token rotation.
 */
export const SENDER_HOLD_MS = 5;

export type TotemState = 'idle' | 'gather' | 'commit' | 'recovery' | 'operational' | 'left';

/** Why a node entered GATHER (corosync's enum gather_state_from, named). */
export type GatherReason =
  | 'start' | 'token_lost_operational' | 'token_lost_commit' | 'token_lost_recovery' | 'consensus_timeout'
  | 'failed_to_receive' | 'foreign_in_operational' | 'foreign_in_gather' | 'merge_during_join'
  | 'join_during_operational' | 'join_during_commit' | 'join_during_recovery' | 'leave' | 'seq_exhausted';

export interface TotemCounters {
  tokensReceived: number;
  tokensDuplicate: number;
  tokensForeign: number;
  tokenRetransmits: number;
  tokenLosses: number;
  tokenHolds: number;
  /** Visits on which I kept the token as the only sender (departure 13), and messages sent on it meanwhile. */
  senderHolds: number;
  mcastsSentHeld: number;
  holdCancelsSent: number;
  mcastsSent: number;
  mcastsRetransmitted: number;
  mcastsReceived: number;
  mcastsDuplicate: number;
  mcastsForeign: number;
  recoveryMessagesSent: number;
  joinsSent: number;
  joinsReceived: number;
  commitTokensReceived: number;
  packetsInvalid: number;
  delivered: number;
  refused: number;
  ringsInstalled: number;
  gather: Record<GatherReason, number>;
}

function newCounters(): TotemCounters {
  return {
    tokensReceived: 0, tokensDuplicate: 0, tokensForeign: 0, tokenRetransmits: 0, tokenLosses: 0, tokenHolds: 0, senderHolds: 0, mcastsSentHeld: 0, holdCancelsSent: 0,
    mcastsSent: 0, mcastsRetransmitted: 0, mcastsReceived: 0, mcastsDuplicate: 0, mcastsForeign: 0, recoveryMessagesSent: 0,
    joinsSent: 0, joinsReceived: 0, commitTokensReceived: 0, packetsInvalid: 0, delivered: 0, refused: 0, ringsInstalled: 0,
    gather: {
      start: 0, token_lost_operational: 0, token_lost_commit: 0, token_lost_recovery: 0, consensus_timeout: 0, failed_to_receive: 0,
      foreign_in_operational: 0, foreign_in_gather: 0, merge_during_join: 0, join_during_operational: 0, join_during_commit: 0,
      join_during_recovery: 0, leave: 0, seq_exhausted: 0,
    },
  };
}

function validSeq(n: number): boolean {
  return Number.isInteger(n) && n >= SEQNO_START_MSG && n <= SEQNO_MAX;
}

function validRingId(r: RingId): boolean {
  return Number.isInteger(r.rep) && r.rep > 0 && typeof r.seq === 'bigint' && r.seq >= 0n;
}

/** Field ranges of a token from the network; a token that fails is dropped and counted. */
function validToken(t: OrfToken): boolean {
  return validRingId(t.ringId) && validSeq(t.seq) && validSeq(t.aru) && t.aru <= t.seq && Number.isInteger(t.tokenSeq) &&
    t.tokenSeq >= SEQNO_START_TOKEN && t.tokenSeq < SEQNO_MAX && Number.isInteger(t.fcc) && t.fcc >= 0 && Number.isInteger(t.backlog) &&
    t.backlog >= 0 && t.rtr.length <= RTR_ENTRIES_MAX && t.rtr.every((e) => validSeq(e.seq));
}

function validJoin(j: JoinMessage): boolean {
  return Number.isInteger(j.source) && j.source > 0 && validSet(j.procSet, MEMBERS_MAX) && validSet(j.failSet, MEMBERS_MAX) &&
    j.procSet.includes(j.source) && typeof j.ringSeq === 'bigint' && j.ringSeq >= 0n;
}

function validCommit(c: CommitToken): boolean {
  const ids = c.memb.map((e) => e.nodeId);
  return validRingId(c.ringId) && ids.length > 0 && validSet(ids, MEMBERS_MAX) && c.ringId.rep === ids[0] && Number.isInteger(c.membIndex) &&
    c.membIndex >= 0 && c.membIndex <= ids.length && Number.isInteger(c.tokenSeq) && c.tokenSeq >= 0 &&
    c.memb.every((e, i) => i >= c.membIndex || (validSeq(e.aru) && validSeq(e.highDelivered) && (e.oldRingId === null || validRingId(e.oldRingId))));
}

interface Pending {
  reqId: number;
  payload: Uint8Array;
  guarantee: Guarantee;
}

/** Recovery progress on the new ring (corosync my_retrans_flg_count, my_install_seq, my_rotation_counter). */
interface Recovery {
  trans: NodeId[];
  /** The highest old-ring seq any transitional member had delivered (from the commit token: the same at all of them). */
  highDelivered: number;
  queue: McastMessage[];
  setFlag: boolean;
  /** My token visits on the new ring; the install point, once known (-1 before); visits since with the aru at or above it. */
  visits: number;
  installSeq: number;
  aruVisits: number;
  originatedToken: boolean;
}

const EMPTY = new Uint8Array(0);

export class TotemCore {
  readonly nodeId: NodeId;
  private readonly cfg: TotemCoreConfig;
  private readonly seqRenewAt: number;
  private state: TotemState = 'idle';

  /** The last installed ring (during GATHER/COMMIT/RECOVERY: the old ring). Undefined until the first install. */
  private installed: RingState | undefined;
  /** The ring whose tokens I process: the installed ring in OPERATIONAL, the new ring in RECOVERY. */
  private ring: RingState | undefined;

  // Membership (paper §6).
  private proc: NodeSet;
  private fail: NodeSet = [];
  private consensus = new Set<NodeId>();
  private commitCreated = false;
  /** Highest ring seq seen anywhere (stored, joins, commit tokens). */
  private ringSeqHighest: bigint;
  /** Highest ring seq this node committed to (and stored): it never commits to one at or below it again. */
  private committedSeq: bigint;
  private commit: CommitToken | undefined;
  private commitCopy: { to: NodeId; token: CommitToken } | undefined;
  private recovery: Recovery | undefined;

  /** Nodes outside the ring being formed that asked to join during COMMIT/RECOVERY, or right after installing. */
  private readonly pendingJoiners = new Set<NodeId>();
  /** False from installing until my next token visit (see settle). */
  private settled = true;
  private readonly queue: Pending[] = [];
  private readonly source: FrameSource;
  private holdingToken: OrfToken | undefined;
  /** Why I hold it: an idle ring (departure 6), or I am the only sender (departure 13). */
  private holdKind: 'idle' | 'sender' = 'idle';
  /** Under a sender hold: how many more messages this visit's allowance lets me send. */
  private holdBudget = 0;
  /** My last sender hold ended because I used its whole allowance: I am streaming, hold on my next visit too. */
  private streaming = false;
  private holdCancelSent = false;
  /** A member that announced it keeps the token (a held mcast), since my last token visit. */
  private heldBy: NodeId | undefined;

  readonly counters: TotemCounters = newCounters();
  private recvHighWater = 0;

  constructor(cfg: TotemCoreConfig) {
    assert(Number.isInteger(cfg.nodeId) && cfg.nodeId > 0, 'node id must be a positive integer');
    assert(cfg.windowSize > 0 && cfg.maxMessages > 0 && cfg.missCountConst > 0, 'flow-control constants must be positive');
    assert(cfg.tokenRetransmitMs > 0 && cfg.tokenMs > cfg.tokenRetransmitMs, 'token_retransmit must be positive and below token');
    assert(cfg.joinMs > 0 && cfg.consensusMs >= cfg.joinMs && cfg.failWaitMs >= cfg.joinMs, 'join must be positive and below consensus and fail-wait');
    assert(cfg.ringSeq >= 0n, 'ring seq must not be negative');
    this.cfg = cfg;
    this.nodeId = cfg.nodeId;
    this.seqRenewAt = cfg.seqRenewAt ?? SEQNO_RENEW_AT;
    assert(Number.isInteger(this.seqRenewAt) && this.seqRenewAt > SEQNO_START_MSG && this.seqRenewAt <= SEQNO_RENEW_AT, 'seqRenewAt out of range');
    this.proc = [cfg.nodeId];
    this.ringSeqHighest = cfg.ringSeq;
    this.committedSeq = cfg.ringSeq;
    this.source = cfg.source ?? {
      pending: () => this.queue.length,
      take: () => this.queue.shift(),
    };
  }

  get currentState(): TotemState {
    return this.state;
  }

  /** The installed ring's id and members (undefined before the first configuration). */
  get ringId(): RingId | undefined {
    return this.installed?.id;
  }

  get members(): readonly NodeId[] {
    return this.installed?.members ?? [];
  }

  /** Sizes the simulator checks against their bounds. */
  queues(): { recvBuffered: number; recvHighWater: number; newQueued: number; myAru: number; highDelivered: number } {
    const r = this.ring ?? this.installed;
    return {
      recvBuffered: (this.installed?.recv.size ?? 0) + (this.ring !== this.installed ? (this.ring?.recv.size ?? 0) : 0),
      recvHighWater: this.recvHighWater,
      newQueued: this.queue.length,
      myAru: r?.myAru ?? 0,
      highDelivered: r?.highDelivered ?? 0,
    };
  }

  /** Membership view for status output. */
  membership(): { state: TotemState; ringId: RingId | undefined; members: readonly NodeId[]; proc: NodeSet; fail: NodeSet; ringSeqHighest: bigint } {
    return { state: this.state, ringId: this.installed?.id, members: this.members, proc: this.proc, fail: this.fail, ringSeqHighest: this.ringSeqHighest };
  }

  /** The one entry point: an event in, the actions the driver must perform out. */
  step(event: TotemEvent): TotemAction[] {
    const out: TotemAction[] = [];
    if (this.state === 'left') return out;
    switch (event.kind) {
      case 'start':
        assert(this.state === 'idle', 'start twice');
        this.gatherEnter('start', out);
        break;
      case 'app_mcast':
        this.onAppMcast(event.reqId, event.payload, event.guarantee ?? 'agreed', out);
        break;
      case 'leave':
        this.onLeave(out);
        break;
      case 'frames_ready':
        this.newWork(out);
        break;
      case 'timer':
        this.onTimer(event.name, out);
        break;
      case 'packet':
        if (this.state !== 'idle') this.onPacket(event.from, event.message, out);
        break;
    }
    this.checkInvariants();
    return out;
  }

  // ---------------------------------------------------------------- events

  private onAppMcast(reqId: number, payload: Uint8Array, guarantee: Guarantee, out: TotemAction[]): void {
    if (this.state === 'idle' || this.queue.length >= NEW_MESSAGE_QUEUE_ITEMS_MAX) {
      this.counters.refused++;
      out.push({ kind: 'mcast_refused', reqId });
      return;
    }
    // Copy: the caller may reuse its buffer.
    this.queue.push({ reqId, payload: Uint8Array.from(payload), guarantee });
    this.newWork(out);
  }

  /** New messages are waiting: release a held token, or ask the holder to (corosync TOKEN_HOLD_CANCEL). */
  private newWork(out: TotemAction[]): void {
    if (this.state !== 'operational') return;
    if (this.holdingToken !== undefined) {
      if (this.holdKind === 'sender') this.sendOnHeldToken(out);
      else this.releaseHeldToken(out);
    } else if (!this.holdCancelSent && this.installed !== undefined && this.installed.members.length > 1 &&
      (this.installed.idleVisits >= this.cfg.seqnoUnchangedConst || this.heldBy !== undefined)) {
      this.holdCancelSent = true;
      this.counters.holdCancelsSent++;
      out.push({ kind: 'send_multicast', message: { type: 'token_hold_cancel', source: this.nodeId, ringId: this.installed.id } });
    }
  }

  private onLeave(out: TotemAction[]): void {
    const members = this.installed?.members ?? [this.nodeId];
    const leave: JoinMessage = { type: 'memb_join', source: this.nodeId, procSet: setUnion(members, this.proc), failSet: setUnion(this.fail, [this.nodeId]), ringSeq: this.ringSeqHighest };
    out.push({ kind: 'send_multicast', message: leave });
    for (const t of ['token_loss', 'token_retransmit', 'join', 'consensus', 'merge_detect', 'token_hold', 'commit_token_retransmit'] as TimerName[]) {
      out.push({ kind: 'cancel_timer', name: t });
    }
    out.push({ kind: 'log', level: 'notice', text: 'leaving the ring (orderly shutdown)' });
    this.state = 'left';
  }

  private onTimer(name: TimerName, out: TotemAction[]): void {
    switch (name) {
      case 'token_loss':
        if (this.state === 'operational' || this.state === 'commit' || this.state === 'recovery') {
          this.counters.tokenLosses++;
          const reason: GatherReason = this.state === 'operational' ? 'token_lost_operational' : this.state === 'commit' ? 'token_lost_commit' : 'token_lost_recovery';
          out.push({ kind: 'log', level: 'notice', text: `A processor failed, forming new configuration: token timed out (${this.cfg.tokenMs} ms) in ${this.state}, waiting ${this.cfg.failWaitMs} ms for silent members` });
          this.leaveRingForGather(reason, out);
        }
        break;
      case 'token_retransmit':
        if ((this.state === 'operational' || this.state === 'recovery') && this.ring?.tokenCopy !== undefined && this.ring.members.length > 1) {
          this.counters.tokenRetransmits++;
          out.push({ kind: 'send_unicast', to: this.ring.nextAfter(this.nodeId), message: this.ring.tokenCopy });
          out.push({ kind: 'set_timer', name: 'token_retransmit', afterMs: this.cfg.tokenRetransmitMs });
        }
        break;
      case 'commit_token_retransmit':
        if ((this.state === 'commit' || this.state === 'recovery') && this.commitCopy !== undefined) {
          out.push({ kind: 'send_unicast', to: this.commitCopy.to, message: this.commitCopy.token });
          out.push({ kind: 'set_timer', name: 'commit_token_retransmit', afterMs: this.cfg.tokenRetransmitMs });
        }
        break;
      case 'join':
        if (this.state === 'gather') {
          this.sendJoin(out);
          out.push({ kind: 'set_timer', name: 'join', afterMs: this.cfg.joinMs });
        }
        break;
      case 'consensus':
        if (this.state === 'gather') this.onConsensusTimeout(out);
        break;
      case 'merge_detect':
        if (this.state === 'operational' && this.installed !== undefined && this.installed.id.rep === this.nodeId) {
          out.push({ kind: 'send_multicast', message: { type: 'memb_merge_detect', source: this.nodeId, ringId: this.installed.id } });
          out.push({ kind: 'set_timer', name: 'merge_detect', afterMs: this.cfg.mergeMs });
        }
        break;
      case 'token_hold':
        if (this.holdingToken !== undefined) this.releaseHeldToken(out);
        break;
    }
  }

  private onPacket(from: NodeId, m: TotemMessage, out: TotemAction[]): void {
    switch (m.type) {
      case 'orf_token':
        if (!validToken(m)) this.counters.packetsInvalid++;
        else this.onToken(m, out);
        break;
      case 'mcast':
        if (!validRingId(m.ringId) || !validSeq(m.seq) || m.seq === SEQNO_START_MSG || !Number.isInteger(m.source) || m.source <= 0 ||
          !(m.payload instanceof Uint8Array) || (m.encapsulated !== null && (!validRingId(m.encapsulated.ringId) || !validSeq(m.encapsulated.seq) || m.encapsulated.seq === 0 || m.encapsulated.encapsulated !== null))) {
          this.counters.packetsInvalid++;
        } else {
          this.onMcast(m, out);
        }
        break;
      case 'memb_join':
        if (!validJoin(m) || m.source !== from) this.counters.packetsInvalid++;
        else this.onJoin(m, out);
        break;
      case 'memb_commit_token':
        if (!validCommit(m)) this.counters.packetsInvalid++;
        else this.onCommitToken(m, out);
        break;
      case 'memb_merge_detect':
        if (!validRingId(m.ringId) || m.source !== from) this.counters.packetsInvalid++;
        else this.onForeign(m.source, m.ringId, out);
        break;
      case 'token_hold_cancel':
        if (this.holdingToken !== undefined && this.installed !== undefined && ringIdEqual(m.ringId, this.installed.id)) this.releaseHeldToken(out);
        break;
    }
  }

  /** A message from a ring that is not mine, or a stale join, sent by a node outside my ring: another partition exists (merge). */
  private onForeign(sender: NodeId, ringId: RingId | undefined, out: TotemAction[]): void {
    if (sender === this.nodeId) return;
    if (ringId !== undefined && ringId.seq > this.ringSeqHighest) this.ringSeqHighest = ringId.seq;
    if (this.state === 'operational') {
      if (this.installed !== undefined && ((ringId !== undefined && ringIdEqual(ringId, this.installed.id)) || setHas(this.installed.members, sender))) return;
      if (!this.settled) {
        this.pendingJoiners.add(sender);
        return;
      }
      this.proc = setUnion(this.proc, [sender]);
      this.leaveRingForGather('foreign_in_operational', out, 'consensus');
    } else if (this.state === 'commit' || this.state === 'recovery') {
      if (!this.commit!.memb.some((e) => e.nodeId === sender)) this.pendingJoiners.add(sender);
    } else if (this.state === 'gather') {
      if (setHas(this.proc, sender) || setHas(this.fail, sender)) return;
      this.proc = setUnion(this.proc, [sender]);
      this.gatherEnter('foreign_in_gather', out, 'keep');
    }
  }

  // ------------------------------------------------------------- membership

  /** Leave OPERATIONAL/COMMIT/RECOVERY for GATHER: the installed ring's members are the starting proc set. */
  private leaveRingForGather(reason: GatherReason, out: TotemAction[], wait: 'fail_wait' | 'consensus' = 'fail_wait'): void {
    if (this.state === 'recovery') {
      // Recovery failed: drop the new ring, keep the old ring and its messages (paper §7.2).
      this.ring = this.installed;
      this.recovery = undefined;
    }
    if (this.installed !== undefined) this.proc = setUnion(this.proc, this.installed.members);
    this.heard = new Set([this.nodeId]);
    this.gatherEnter(reason, out, wait);
  }

  /**
   * Enter (or re-enter) GATHER: send a join, restart consensus. The consensus
   * deadline is a short fail-wait when a formed ring just broke (departure 5),
   * a full `consensus` otherwise; a re-entry keeps the running round's kind.
   */
  private gatherEnter(reason: GatherReason, out: TotemAction[], wait: 'fail_wait' | 'consensus' | 'keep' = 'consensus'): void {
    const from = this.state;
    this.counters.gather[reason]++;
    this.state = 'gather';
    this.commitCreated = false;
    this.commit = undefined;
    this.commitCopy = undefined;
    this.holdingToken = undefined;
    this.heldBy = undefined;
    this.pendingJoiners.clear(); // whoever is alive will send joins to this gathering (sim seed 12188)
    this.consensus = new Set([this.nodeId]);
    if (wait !== 'keep') this.failWaitRound = wait === 'fail_wait';
    out.push({ kind: 'cancel_timer', name: 'token_loss' });
    out.push({ kind: 'cancel_timer', name: 'token_retransmit' });
    out.push({ kind: 'cancel_timer', name: 'commit_token_retransmit' });
    out.push({ kind: 'cancel_timer', name: 'merge_detect' });
    out.push({ kind: 'cancel_timer', name: 'token_hold' });
    this.sendJoin(out);
    out.push({ kind: 'set_timer', name: 'join', afterMs: this.cfg.joinMs });
    out.push({ kind: 'set_timer', name: 'consensus', afterMs: this.failWaitRound ? this.cfg.failWaitMs : this.cfg.consensusMs });
    if (from !== 'gather') out.push({ kind: 'log', level: 'debug', text: `entering GATHER from ${from} (${reason}); proc ${this.proc.join(',')} fail ${this.fail.join(',')}` });
    this.checkConsensus(out);
  }

  private failWaitRound = false;
  /** Nodes a join came from since this gathering began: the fail-wait suspects only the others (the silent). */
  private heard = new Set<NodeId>();

  private sendJoin(out: TotemAction[]): void {
    this.counters.joinsSent++;
    out.push({ kind: 'send_multicast', message: { type: 'memb_join', source: this.nodeId, procSet: this.proc, failSet: this.fail, ringSeq: this.ringSeqHighest } });
  }

  private onJoin(j: JoinMessage, out: TotemAction[]): void {
    this.counters.joinsReceived++;
    if (j.source === this.nodeId) return;
    this.heard.add(j.source);
    const leave = setHas(j.failSet, j.source);
    if (j.ringSeq > this.ringSeqHighest) this.ringSeqHighest = j.ringSeq;
    if (this.installed !== undefined && j.ringSeq < this.installed.id.seq) {
      // Stale: sent before the sender knew of my ring, so its sets (above all a fail set naming me) predate it.
      // Adopting them makes two partitions fail each other forever; only learn that the sender exists.
      if (!leave) this.onForeign(j.source, undefined, out);
      return;
    }
    if (setHas(j.failSet, this.nodeId)) {
      // Departure 10: it will form without me; we merge once its fail set is gone. It no longer agrees with me
      // either: an earlier matching join of its must not count towards my consensus, or I would wait for a
      // commit token it never sends, round after round, and never form the ring that clears my own fail set
      // (sim seed 484 at sender hold 12 ms: three of 21 nodes stuck in GATHER for 15 s after the heal).
      this.consensus.delete(j.source);
      return;
    }
    switch (this.state) {
      case 'operational': {
        const ring = this.installed!;
        if (setHas(ring.members, j.source)) {
          // A member that sent a join after my ring formed has left it (token loss, failure to receive, leave).
          if (j.ringSeq < ring.id.seq) return; // stale: sent before my ring was installed
          this.mergeJoin(j);
          this.leaveRingForGather(leave ? 'leave' : 'join_during_operational', out);
        } else {
          if (leave) return; // a non-member leaving changes nothing for my ring
          if (!this.settled) {
            this.pendingJoiners.add(j.source);
            return;
          }
          this.mergeJoin(j);
          this.leaveRingForGather('join_during_operational', out, 'consensus');
        }
        return;
      }
      case 'commit':
      case 'recovery': {
        const target = this.commit!;
        if (setHas(target.memb.map((e) => e.nodeId), j.source)) {
          if (j.ringSeq < target.ringId.seq) return; // stale: sent before it committed
          this.mergeJoin(j);
          this.leaveRingForGather(this.state === 'commit' ? 'join_during_commit' : 'join_during_recovery', out);
        } else if (!leave) {
          // A newcomer: finish this ring first, then gather with it at once rather than after merge detection.
          this.pendingJoiners.add(j.source);
        }
        return;
      }
      case 'gather':
        this.gatherJoin(j, leave, out);
        return;
      default:
        return;
    }
  }

  /**
   * Merge a join's sets into mine (corosync memb_join_process' else-branch; a join failing me never gets here).
   * Fail sets are adopted from every sender, as the paper does. (Corosync 2+ adopts them only from members of
   * its ring; in simulation that kept nodes split into singletons, each an outsider to the others, from ever
   * agreeing on a dead node they all still listed: seed 619.)
   */
  private mergeJoin(j: JoinMessage): void {
    const leave = setHas(j.failSet, j.source);
    this.proc = setUnion(this.proc, j.procSet);
    this.fail = leave ? setUnion(this.fail, [j.source]) : setUnion(this.fail, j.failSet);
  }

  private gatherJoin(j: JoinMessage, leave: boolean, out: TotemAction[]): void {
    if (setHas(j.failSet, this.nodeId)) return; // departure 10
    if (!leave && setEqual(j.procSet, this.proc) && setEqual(j.failSet, this.fail)) {
      this.consensus.add(j.source);
      this.checkConsensus(out);
      return;
    }
    if (setHas(this.fail, j.source)) return;
    if (!leave && setSubset(j.procSet, this.proc) && setSubset(j.failSet, this.fail)) return; // it will catch up with my joins
    const proc = this.proc;
    const fail = this.fail;
    this.mergeJoin(j);
    if (setEqual(proc, this.proc) && setEqual(fail, this.fail)) return; // nothing new: do not restart consensus
    this.gatherEnter(leave ? 'leave' : 'merge_during_join', out, 'keep');
  }

  /** Consensus: a matching join from every member of proc - fail. The representative (lowest id) then creates the commit token. */
  private checkConsensus(out: TotemAction[]): void {
    if (this.state !== 'gather' || this.commitCreated) return;
    const alive = setMinus(this.proc, this.fail);
    if (!alive.every((n) => this.consensus.has(n))) return;
    if (alive[0] !== this.nodeId) return;
    this.commitCreated = true;
    const token: CommitToken = {
      type: 'memb_commit_token',
      ringId: { rep: this.nodeId, seq: this.ringSeqHighest + 4n },
      tokenSeq: 0,
      retransFlg: false,
      membIndex: 0,
      memb: alive.map((nodeId) => ({ nodeId, oldRingId: null, aru: 0, highDelivered: 0, receivedFlg: false })),
    };
    out.push({ kind: 'log', level: 'debug', text: `consensus on ${alive.join(',')}: creating commit token for ring ${ringIdString(token.ringId)}` });
    this.onCommitToken(token, out);
  }

  private onConsensusTimeout(out: TotemAction[]): void {
    const alive = setMinus(this.proc, this.fail);
    const missing = alive.filter((n) => !this.consensus.has(n));
    if (this.failWaitRound) {
      // Departure 5: suspect only the silent; nodes that answered but disagree get a full consensus wait.
      const silent = missing.filter((n) => !this.heard.has(n));
      if (silent.length === 0) {
        this.failWaitRound = false;
        out.push({ kind: 'set_timer', name: 'consensus', afterMs: Math.max(this.cfg.joinMs, this.cfg.consensusMs - this.cfg.failWaitMs) });
        return;
      }
      out.push({ kind: 'log', level: 'notice', text: `no join from ${silent.join(',')} in ${this.cfg.failWaitMs} ms: adding to the failed set` });
      this.fail = setUnion(this.fail, silent);
    } else if (missing.length > 0) {
      out.push({ kind: 'log', level: 'notice', text: `no consensus from ${missing.join(',')}: adding to the failed set` });
      this.fail = setUnion(this.fail, missing);
    }
    // Also when agreed but no commit token came (the representative failed): start over, waiting a full consensus now.
    this.gatherEnter('consensus_timeout', out, 'consensus');
  }

  private onCommitToken(c: CommitToken, out: TotemAction[]): void {
    this.counters.commitTokensReceived++;
    if (c.ringId.seq > this.ringSeqHighest) this.ringSeqHighest = c.ringId.seq;
    const ids = c.memb.map((e) => e.nodeId);
    if (!setHas(ids, this.nodeId)) return;
    switch (this.state) {
      case 'gather': {
        if (c.membIndex >= ids.length || ids[c.membIndex] !== this.nodeId) return;
        if (!setEqual(ids, setMinus(this.proc, this.fail)) || c.ringId.seq <= this.committedSeq) return;
        this.commitEnter(c, out);
        return;
      }
      case 'commit': {
        // The second rotation: the token has every member's entry.
        if (this.commit === undefined || !ringIdEqual(c.ringId, this.commit.ringId) || c.membIndex !== ids.length) return;
        this.recoveryEnter(c, out);
        return;
      }
      case 'recovery': {
        if (this.commit === undefined || !ringIdEqual(c.ringId, this.commit.ringId)) return;
        if (c.ringId.rep === this.nodeId && this.recovery !== undefined && !this.recovery.originatedToken) {
          // Back at the representative after the second rotation: convert it into the new ring's first ORF token.
          this.recovery.originatedToken = true;
          out.push({ kind: 'cancel_timer', name: 'commit_token_retransmit' });
          this.commitCopy = undefined;
          const first: OrfToken = {
            type: 'orf_token', ringId: c.ringId, seq: SEQNO_START_MSG, tokenSeq: SEQNO_START_TOKEN, aru: SEQNO_START_MSG,
            aruAddr: null, fcc: 0, backlog: 0, retransFlg: false, rtr: [],
          };
          this.onToken(first, out);
        }
        return;
      }
      default:
        return;
    }
  }

  /** First rotation: fill my entry, store the ring seq, forward (paper §6.2). */
  private commitEnter(c: CommitToken, out: TotemAction[]): void {
    const old = this.installed;
    const entry: CommitMemberEntry = {
      nodeId: this.nodeId,
      oldRingId: old?.id ?? null,
      aru: old?.myAru ?? 0,
      highDelivered: old?.highDelivered ?? 0,
      receivedFlg: old === undefined || old.myAru === old.highSeq,
    };
    const memb = c.memb.map((e, i) => (i === c.membIndex ? entry : e));
    const token: CommitToken = { ...c, memb, membIndex: c.membIndex + 1, tokenSeq: c.tokenSeq + 1 };
    this.state = 'commit';
    this.commit = token;
    this.committedSeq = c.ringId.seq;
    out.push({ kind: 'store_ring_seq', seq: c.ringId.seq });
    out.push({ kind: 'cancel_timer', name: 'join' });
    out.push({ kind: 'cancel_timer', name: 'consensus' });
    out.push({ kind: 'set_timer', name: 'token_loss', afterMs: this.cfg.tokenMs });
    this.forwardCommit(token, out);
  }

  private forwardCommit(token: CommitToken, out: TotemAction[]): void {
    const ids = token.memb.map((e) => e.nodeId);
    const to = ids[(ids.indexOf(this.nodeId) + 1) % ids.length]!;
    this.commitCopy = { to, token };
    out.push({ kind: 'send_unicast', to, message: token });
    if (ids.length > 1) out.push({ kind: 'set_timer', name: 'commit_token_retransmit', afterMs: this.cfg.tokenRetransmitMs });
  }

  /** Recovery (paper §7.1): the new ring, and the old-ring messages my transitional peers may lack. */
  private recoveryEnter(c: CommitToken, out: TotemAction[]): void {
    const old = this.installed;
    const mine = c.memb.find((e) => e.nodeId === this.nodeId)!;
    const trans = old === undefined || mine.oldRingId === null
      ? [this.nodeId]
      : c.memb.filter((e) => e.oldRingId !== null && ringIdEqual(e.oldRingId, old.id)).map((e) => e.nodeId);
    assert(trans.includes(this.nodeId), 'I am in my own transitional configuration');
    const queue: McastMessage[] = [];
    if (old !== undefined && trans.length > 1) {
      const lowAru = Math.min(...c.memb.filter((e) => trans.includes(e.nodeId)).map((e) => e.aru));
      for (let s = Math.max(lowAru, old.lowWater) + 1; s <= old.highSeq; s++) {
        const m = old.recv.get(s);
        // A carrier of the old ring's own recovery held an even older ring's message, handled when the old ring
        // was installed (every transitional member installed it, so its aru is past every carrier anyway).
        if (m !== undefined && m.encapsulated === null) queue.push(m);
      }
    }
    this.state = 'recovery';
    this.commit = c;
    this.ring = new RingState(c.ringId, c.memb.map((e) => e.nodeId));
    const highDelivered = Math.max(...c.memb.filter((e) => trans.includes(e.nodeId)).map((e) => e.highDelivered));
    this.recovery = { trans, highDelivered, queue, setFlag: false, visits: 0, installSeq: -1, aruVisits: 0, originatedToken: false };
    out.push({ kind: 'log', level: 'debug', text: `entering RECOVERY for ring ${ringIdString(c.ringId)}; transitional ${trans.join(',')}; ${queue.length} old messages to re-send` });
    out.push({ kind: 'set_timer', name: 'token_loss', afterMs: this.cfg.tokenMs });
    // Pass the complete token on, without advancing the index, so every member sees it (corosync memb_state_commit_token_send_recovery).
    this.forwardCommit({ ...c, tokenSeq: c.tokenSeq + 1 }, out);
  }

  /** Install the new ring (paper §7.3): old messages, transitional change, the rest, regular change. */
  private operationalEnter(out: TotemAction[]): void {
    const rec = this.recovery!;
    const neu = this.ring!;
    const old = this.installed;
    const trans = rec.trans;
    if (old !== undefined) {
      // 1. Old-ring messages deliverable in the old configuration: up to the first gap; a safe one only if some
      // transitional member already delivered it there (then every member of the old ring held it). The rule uses
      // only what every transitional member knows alike (the commit token and the recovered messages), so they all
      // draw the line at the same message (virtual synchrony); my own safe line may differ from theirs.
      for (;;) {
        const m = old.recv.get(old.highDelivered + 1);
        if (m === undefined || (m.guarantee === 'safe' && m.seq > rec.highDelivered)) break;
        old.highDelivered++;
        this.deliverMessage(m, out);
      }
    }
    // 2. The transitional configuration.
    const oldMembers = old?.members ?? [];
    out.push({ kind: 'conf_change', type: 'transitional', ringId: neu.id, members: trans, left: setMinus(oldMembers, trans), joined: [] });
    if (old !== undefined) {
      // 3. The rest: after a gap, only messages from transitional members (the others' may depend on what is missing).
      let gap = false;
      for (let s = old.highDelivered + 1; s <= old.highSeq; s++) {
        const m = old.recv.get(s);
        if (m === undefined) gap = true;
        else if (!gap || trans.includes(m.source)) this.deliverMessage(m, out);
      }
    }
    // 4. The regular configuration.
    this.counters.ringsInstalled++;
    out.push({ kind: 'conf_change', type: 'regular', ringId: neu.id, members: neu.members, left: setMinus(oldMembers, neu.members), joined: setMinus(neu.members, trans) });
    out.push({ kind: 'log', level: 'notice', text: `A new membership (${ringIdString(neu.id)}) was formed. Members ${neu.members.join(',')}; transitional ${trans.join(',')}` });
    assert(neu.myAru >= rec.installSeq, `entering OPERATIONAL with aru ${neu.myAru} below install seq ${rec.installSeq}`);
    // The new ring's messages are delivered from its first seq: recovery carriers are skipped (their content was
    // the old ring's), and new messages that members already operational sent are delivered in order.
    this.installed = neu;
    this.recovery = undefined;
    this.state = 'operational';
    this.proc = neu.members;
    this.fail = [];
    this.holdCancelSent = false;
    this.deliver(neu, out);
    if (neu.id.rep === this.nodeId) out.push({ kind: 'set_timer', name: 'merge_detect', afterMs: this.cfg.mergeMs });
    // Newcomers heard during COMMIT/RECOVERY wait until the token has been round once more: the other members
    // install in that rotation, and a join from me before then would abort their recovery (join during recovery).
    this.settled = false;
  }

  /** The first token visit after installing: every member has installed; now gather with the newcomers, if any. */
  private settle(out: TotemAction[]): boolean {
    this.settled = true;
    const joiners = setMinus(setOf(this.pendingJoiners), this.installed!.members);
    this.pendingJoiners.clear();
    if (joiners.length === 0) return false;
    this.proc = setUnion(this.proc, joiners);
    this.leaveRingForGather('join_during_operational', out, 'consensus');
    return true;
  }

  // ------------------------------------------------------------- ordering

  private onMcast(m: McastMessage, out: TotemAction[]): void {
    const ring = this.ring;
    const old = this.installed;
    if (ring !== undefined && (this.state === 'operational' || this.state === 'recovery') && ringIdEqual(m.ringId, ring.id)) {
      if (ring.beyondWindow(m.seq) || !setHas(ring.members, m.source)) {
        this.counters.packetsInvalid++;
        return;
      }
      this.counters.mcastsReceived++;
      if (ring.tokenCopy !== undefined && m.seq > ring.tokenCopy.seq) out.push({ kind: 'cancel_timer', name: 'token_retransmit' });
      if (!this.storeIn(ring, m)) return;
      if (m.held === true && m.source !== this.nodeId && this.state === 'operational') this.heldBy = m.source;
      // A hole under a held token: ask for the token, which carries my retransmission request, instead of waiting.
      if (this.heldBy !== undefined && ring.myAru < ring.highSeq && !this.holdCancelSent && this.state === 'operational') {
        this.holdCancelSent = true;
        this.counters.holdCancelsSent++;
        out.push({ kind: 'send_multicast', message: { type: 'token_hold_cancel', source: this.nodeId, ringId: ring.id } });
      }
      if (m.encapsulated !== null && old !== undefined && old !== ring && ringIdEqual(m.encapsulated.ringId, old.id)) {
        const inner = m.encapsulated;
        if (!old.beyondWindow(inner.seq) && setHas(old.members, inner.source)) this.storeIn(old, inner);
      }
      if (this.state === 'operational') this.deliver(ring, out);
      return;
    }
    if (old !== undefined && ringIdEqual(m.ringId, old.id)) {
      // A late message of my installed ring while gathering or committing: keep it for recovery. Not in RECOVERY:
      // the old messages every transitional member ends with are what they re-sent; one more here, known to me
      // alone, would break virtual synchrony (sim seed 9829).
      if ((this.state === 'gather' || this.state === 'commit') && !old.beyondWindow(m.seq) && setHas(old.members, m.source)) this.storeIn(old, m);
      else this.counters.mcastsForeign++;
      return;
    }
    this.counters.mcastsForeign++;
    this.onForeign(m.source, m.ringId, out);
  }

  private storeIn(ring: RingState, m: McastMessage): boolean {
    const fresh = ring.store(m);
    if (!fresh) this.counters.mcastsDuplicate++;
    const total = (this.installed?.recv.size ?? 0) + (this.ring !== this.installed ? (this.ring?.recv.size ?? 0) : 0);
    if (total > this.recvHighWater) this.recvHighWater = total;
    return fresh;
  }

  private deliverMessage(m: McastMessage, out: TotemAction[]): void {
    if (m.encapsulated !== null) return; // a recovery carrier: its content was handled on the old ring
    this.counters.delivered++;
    out.push({ kind: 'deliver', ringId: m.ringId, seq: m.seq, source: m.source, guarantee: m.guarantee, payload: m.payload });
  }

  /** Agreed order up to the first hole; a safe message waits until every member holds it. */
  private deliver(ring: RingState, out: TotemAction[]): void {
    while (ring.highDelivered < ring.myAru) {
      const m = ring.recv.get(ring.highDelivered + 1);
      assert(m !== undefined, `message ${ring.highDelivered + 1} below my aru ${ring.myAru} is missing`);
      if (m.guarantee === 'safe' && m.seq > ring.safeLine) return;
      ring.highDelivered++;
      this.deliverMessage(m, out);
    }
  }

  private onToken(received: OrfToken, out: TotemAction[]): void {
    const ring = this.ring;
    if (ring === undefined || (this.state !== 'operational' && this.state !== 'recovery') || !ringIdEqual(received.ringId, ring.id)) {
      this.counters.tokensForeign++;
      return;
    }
    if (received.tokenSeq <= ring.tokenSeq) {
      this.counters.tokensDuplicate++;
      return;
    }
    if (this.state === 'operational' && !this.settled && this.settle(out)) return;
    if (this.state === 'operational' && (received.seq >= this.seqRenewAt || received.tokenSeq >= this.seqRenewAt)) {
      // Departure 9: renew the ring before its numbers wrap. Nothing is sent on this token: what is queued goes on the new ring.
      out.push({ kind: 'log', level: 'notice', text: `ring ${ringIdString(ring.id)} reached seq ${received.seq}, token_seq ${received.tokenSeq}: forming a new ring before the numbers wrap` });
      this.leaveRingForGather('seq_exhausted', out, 'consensus');
      return;
    }
    this.counters.tokensReceived++;
    ring.tokenSeq = received.tokenSeq;
    out.push({ kind: 'cancel_timer', name: 'token_retransmit' });
    this.holdCancelSent = false;
    this.heldBy = undefined;
    if (received.seq > ring.highSeq) ring.highSeq = received.seq;
    const recovering = this.state === 'recovery';
    const rec = this.recovery;

    let seq = received.seq;
    let budget = this.allowance(ring, received);
    // Retransmissions first; they count against the same allowance (corosync orf_token_rtr).
    const rtr: RtrEntry[] = [];
    let retransmitted = 0;
    for (const e of received.rtr) {
      const mine = ringIdEqual(e.ringId, ring.id);
      const m = mine ? ring.recv.get(e.seq) : undefined;
      if (m !== undefined && budget > 0) {
        budget--;
        retransmitted++;
        this.counters.mcastsRetransmitted++;
        out.push({ kind: 'send_multicast', message: m });
      } else if (mine && e.seq > ring.lowWater) {
        rtr.push(e);
      }
    }
    // New messages (or, in recovery, old-ring messages re-sent on the new ring), each numbered ++seq.
    let sent = 0;
    let sentSafe = false;
    let lastNewAt = -1;
    while (budget > 0) {
      let m: McastMessage;
      if (recovering) {
        const old = rec!.queue.shift();
        if (old === undefined) break;
        m = { type: 'mcast', ringId: ring.id, seq: seq + 1, source: this.nodeId, guarantee: 'agreed', encapsulated: old, payload: EMPTY };
        this.counters.recoveryMessagesSent++;
      } else {
        const p = this.source.take();
        if (p === undefined) break;
        m = { type: 'mcast', ringId: ring.id, seq: seq + 1, source: this.nodeId, guarantee: p.guarantee, encapsulated: null, payload: p.payload };
        this.counters.mcastsSent++;
        if (p.guarantee === 'safe') sentSafe = true;
        lastNewAt = out.length;
      }
      seq++;
      assert(seq <= SEQNO_MAX, 'sequence number wrap is not implemented');
      this.storeIn(ring, m);
      out.push({ kind: 'send_multicast', message: m });
      budget--;
      sent++;
    }
    if (seq > ring.highSeq) ring.highSeq = seq;
    const backlogNow = recovering ? rec!.queue.length : this.source.pending();

    assert(sent + retransmitted <= this.cfg.maxMessages, `sent ${sent + retransmitted} on one visit, max_messages ${this.cfg.maxMessages}`);
    const fcc = Math.max(0, received.fcc + sent + retransmitted - ring.trc);
    const backlog = Math.max(0, received.backlog + backlogNow - ring.pbl);
    assert(sent + retransmitted <= Math.max(0, this.cfg.windowSize - received.fcc), `sent ${sent + retransmitted} with fcc ${received.fcc} and window_size ${this.cfg.windowSize}`);
    ring.trc = sent + retransmitted;
    ring.pbl = backlogNow;

    // aru (corosync: lower it, or raise it when I was the one holding it down).
    let aru = received.aru;
    let aruAddr = received.aruAddr;
    if (ring.myAru < aru || aruAddr === this.nodeId || aruAddr === null) {
      aru = ring.myAru;
      aruAddr = aru === seq ? null : this.nodeId;
    }

    // Ask for what I miss, after it has been missing missCountConst visits.
    const requested = new Set(rtr.map((e) => e.seq));
    const scanTo = Math.min(seq, ring.myAru + 16384);
    for (let s = ring.myAru + 1; s <= scanTo && rtr.length < RTR_ENTRIES_MAX; s++) {
      if (ring.recv.has(s) || requested.has(s)) continue;
      const n = (ring.missCount.get(s) ?? 0) + 1;
      ring.missCount.set(s, n);
      if (n >= this.cfg.missCountConst) {
        rtr.push({ ringId: ring.id, seq: s });
        requested.add(s);
      }
    }

    // Recovery's retransmission flag (corosync: set while I have old messages to send; cleared by whoever set it).
    let retransFlg = received.retransFlg;
    if (recovering) {
      if (rec!.queue.length > 0) {
        retransFlg = true;
        rec!.setFlag = true;
      } else if (retransFlg && rec!.setFlag) {
        retransFlg = false;
        rec!.setFlag = false;
      }
    }

    const token: OrfToken = { type: 'orf_token', ringId: ring.id, seq, tokenSeq: received.tokenSeq + 1, aru, aruAddr, fcc, backlog, retransFlg, rtr };
    // Safe line: what the aru I forwarded now and on my previous visit both cover (paper §5).
    ring.safeLine = Math.max(ring.safeLine, Math.min(ring.lastAru, aru));
    ring.release(Math.min(ring.lastAru, aru, ring.highDelivered));
    ring.lastAru = aru;
    ring.tokenCopy = token;

    // Nobody but me sent since my previous visit, and every member holds everything sent before this one.
    const quiet = received.seq === ring.prevVisitSeq && received.aru === received.seq && received.rtr.length === 0;
    // Idle ring: token hold and failure to receive look at the same visit-by-visit history.
    const idle = seq === ring.prevVisitSeq && rtr.length === 0 && backlog === 0 && aru === seq && !retransFlg;
    ring.idleVisits = idle ? ring.idleVisits + 1 : 0;
    ring.prevVisitSeq = seq;
    ring.stuckVisits = aruAddr === this.nodeId && aru < seq && aru === received.aru ? ring.stuckVisits + 1 : 0;

    out.push({ kind: 'set_timer', name: 'token_loss', afterMs: this.cfg.tokenMs });
    if (recovering) {
      // Installing (operationalEnter) delivers; the token goes on either way.
      this.recoveryProgress(token, out);
      this.forwardToken(ring, token, out);
      return;
    }
    if (ring.stuckVisits >= this.cfg.failRecvConst) {
      out.push({ kind: 'log', level: 'warning', text: `FAILED TO RECEIVE: aru ${aru} below seq ${seq} for ${ring.stuckVisits} visits; leaving the ring to rejoin` });
      this.fail = setMinus(ring.members, [this.nodeId]);
      this.leaveRingForGather('failed_to_receive', out);
      return;
    }
    if (this.cfg.tokenHold && idle && ring.id.rep === this.nodeId && ring.idleVisits > this.cfg.seqnoUnchangedConst && this.source.pending() === 0) {
      // Hold the token (departure 6): the ring costs nothing while idle; `hold` ms later it moves on anyway.
      // Strictly more than the constant: every other member has then counted it too, so it knows to send TOKEN_HOLD_CANCEL.
      this.holdingToken = token;
      this.counters.tokenHolds++;
      this.holdKind = 'idle';
      out.push({ kind: 'set_timer', name: 'token_hold', afterMs: this.cfg.holdMs });
      this.deliver(ring, out);
      return;
    }
    if (this.cfg.senderHoldMs > 0 && quiet && (sent > 0 || this.streaming) && !sentSafe && budget > 0 && aru === seq && rtr.length === 0 && backlog === 0 &&
      !retransFlg && ring.highDelivered === received.seq && ring.members.length > 1 && this.source.pending() === 0) {
      // Sender hold (departure 13): I am the only sender; keep the token a moment for my next message.
      const a = out[lastNewAt];
      if (a !== undefined && a.kind === 'send_multicast' && a.message.type === 'mcast') out[lastNewAt] = { kind: 'send_multicast', message: { ...a.message, held: true } };
      this.holdingToken = token;
      this.holdKind = 'sender';
      this.holdBudget = budget;
      this.counters.senderHolds++;
      out.push({ kind: 'set_timer', name: 'token_hold', afterMs: this.cfg.senderHoldMs });
      this.deliver(ring, out);
      return;
    }
    this.forwardToken(ring, token, out);
    this.deliver(ring, out);
  }

  /**
   * Under a sender hold, new messages go out at once, numbered on from the held token as if sent on the visit
   * that started the hold (same allowance, fcc and aru accounting), and are delivered here at once: nobody else
   * can send meanwhile. The token moves on when the allowance is used up, a message is safe (it needs the token
   * to go round), more messages wait than the allowance covers, or the hold timer fires.
   */
  private sendOnHeldToken(out: TotemAction[]): void {
    const ring = this.ring!;
    let token = this.holdingToken!;
    let release = false;
    const heldBefore = this.counters.mcastsSentHeld;
    while (this.holdBudget > 0) {
      const p = this.source.take();
      if (p === undefined) break;
      const seq = token.seq + 1;
      assert(seq <= SEQNO_MAX, 'sequence number wrap is not implemented');
      const m: McastMessage = { type: 'mcast', ringId: ring.id, seq, source: this.nodeId, guarantee: p.guarantee, encapsulated: null, payload: p.payload };
      this.counters.mcastsSent++;
      this.counters.mcastsSentHeld++;
      const fresh = this.storeIn(ring, m);
      this.holdBudget--;
      // Nobody else can send while I hold the token; a message of theirs at my seq anyway ends the hold at once.
      const last = !fresh || ring.myAru !== seq || p.guarantee === 'safe' || this.holdBudget === 0 || this.source.pending() > 0;
      out.push({ kind: 'send_multicast', message: last ? m : { type: 'mcast', ringId: ring.id, seq, source: this.nodeId, guarantee: p.guarantee, encapsulated: null, payload: p.payload, held: true } });
      const aru = Math.min(seq, ring.myAru);
      token = { ...token, seq, fcc: token.fcc + 1, aru, aruAddr: aru === seq ? null : this.nodeId };
      ring.trc++;
      if (seq > ring.highSeq) ring.highSeq = seq;
      ring.prevVisitSeq = seq;
      ring.lastAru = aru;
      if (last) {
        release = true;
        break;
      }
    }
    const pending = this.source.pending();
    if (pending !== ring.pbl) {
      token = { ...token, backlog: Math.max(0, token.backlog + pending - ring.pbl) };
      ring.pbl = pending;
    }
    ring.tokenCopy = token;
    this.holdingToken = token;
    if (release || this.holdBudget === 0) {
      this.releaseHeldToken(out);
      this.streaming = !release;
    }
    // The hold lasts while the sender keeps sending: it ends `senderHoldMs` after its latest message.
    else if (this.counters.mcastsSentHeld !== heldBefore) out.push({ kind: 'set_timer', name: 'token_hold', afterMs: this.cfg.senderHoldMs });
    this.deliver(ring, out);
  }

  private forwardToken(ring: RingState, token: OrfToken, out: TotemAction[]): void {
    if (ring.members.length > 1) out.push({ kind: 'set_timer', name: 'token_retransmit', afterMs: this.cfg.tokenRetransmitMs });
    out.push({ kind: 'send_unicast', to: ring.nextAfter(this.nodeId), message: token });
  }

  private releaseHeldToken(out: TotemAction[]): void {
    const token = this.holdingToken!;
    this.holdingToken = undefined;
    this.streaming = false;
    out.push({ kind: 'cancel_timer', name: 'token_hold' });
    if (this.state !== 'operational' || this.ring === undefined || !ringIdEqual(token.ringId, this.ring.id)) return;
    this.forwardToken(this.ring, token, out);
  }

  /**
   * RECOVERY's exit rule. The install point is the token's seq at my first visit (from my second on, when every
   * member has visited once) on which the token's backlog is 0: the backlog sums every member's re-send queue as
   * of its latest visit, and those queues only shrink, so no recovery message comes after it. Two visits with
   * the aru at or above it (every member holds every recovery message) install. (Corosync decides the install
   * point from two visits with retrans_flg clear; a member that clears the flag it set also clears a flag
   * another member set, and in simulation rings of 9+ members fixed the point too early: seeds 3316, 3692.)
   */
  private recoveryProgress(token: OrfToken, out: TotemAction[]): void {
    const rec = this.recovery!;
    rec.visits++;
    if (rec.installSeq < 0 && rec.visits >= 2 && token.backlog === 0 && rec.queue.length === 0) rec.installSeq = token.seq;
    if (rec.installSeq >= 0 && token.aru >= rec.installSeq) rec.aruVisits++;
    else rec.aruVisits = 0;
    if (rec.aruVisits >= 2) this.operationalEnter(out);
  }

  /** Messages I may broadcast on this visit, retransmissions included (paper §8). */
  private allowance(ring: RingState, token: OrfToken): number {
    let allowed = Math.min(this.cfg.maxMessages, Math.max(0, this.cfg.windowSize - token.fcc));
    const cbl = this.state === 'recovery' ? this.recovery!.queue.length : this.source.pending();
    const total = token.backlog - ring.pbl + cbl;
    if (cbl > 0 && total > 0) {
      const share = Math.max(1, Math.floor((this.cfg.windowSize * cbl) / total));
      allowed = Math.min(allowed, share);
    }
    return allowed;
  }

  private checkInvariants(): void {
    this.installed?.checkInvariants();
    if (this.ring !== this.installed) this.ring?.checkInvariants();
    assert(this.queue.length <= NEW_MESSAGE_QUEUE_ITEMS_MAX, 'new-message queue over its bound');
    assert(this.state !== 'operational' || this.ring === this.installed, 'operational on a ring that is not installed');
    assert(this.committedSeq <= this.ringSeqHighest, 'committed to a ring seq above the highest seen');
  }
}
