// The Totem single-ring protocol core: a pure state machine. It takes events
// (a packet, a timer firing, an application multicast) and returns actions
// (send, arm or cancel a named timer, deliver, configuration change); the
// driver performs them. No clock, timers, sockets or randomness in here.
//
// Implements:
//   Y. Amir, L. E. Moser, P. M. Melliar-Smith, D. A. Agarwal, P. Ciarfella,
//   "The Totem single-ring ordering and membership protocol",
//   ACM TOCS 13(4):311-342, 1995 (doi 10.1145/210223.210224), §5 (total
//   ordering, reliable delivery) and §8 (flow control), as corosync's
//   exec/totemsrp.c runs them (message_handler_orf_token, orf_token_rtr,
//   orf_token_mcast, fcc_calculate, fcc_token_update, messages_deliver_to_app,
//   messages_free).
//
// Scope of this version: the OPERATIONAL state for a FIXED membership, the
// ring formed from the configured member list without the membership
// protocol (§6 GATHER/COMMIT and §7 RECOVERY are not here yet). The
// representative (the lowest node id, as corosync's memb_lowest_in_config)
// creates the first token on `start`.
//
// Departures from the paper, and where this core differs from corosync:
//  1. As corosync: a missing message is requested on the token only after it
//     has been seen missing `missCountConst` times (corosync miss_count_const),
//     which tolerates multicast that arrives later than the unicast token.
//  2. As corosync: a message is released from the retransmit buffer up to
//     min(token aru on my previous visit, token aru now, my high delivered),
//     since the token's aru alone is not an acknowledgement by everybody.
//  3. Flow control: the paper's allowance min(max_messages, window_size - fcc,
//     window_size * my_cbl / (backlog - my_pbl + my_cbl)) with the current
//     backlog in the numerator (corosync uses the previous one); the
//     proportional term is at least 1 while this node has a backlog, so a
//     light sender is never starved by heavy ones.
//  4. Token loss has no remedy without the membership protocol: the core
//     counts it, logs it and re-arms the timer, while token retransmission
//     (corosync token_retransmit, repeated until the token comes back) keeps
//     a lossy ring alive. With GATHER in place token loss will enter GATHER.
//  5. No token hold on an idle ring yet (corosync's one named deviation).
//  6. Sequence numbers are plain numbers asserted below 2^32; serial-number
//     wrap (corosync sq_lt_compare) is not implemented yet.
//  7. SAFE delivery is not offered yet (corosync never offered it either).
import { assert } from '../../lib-ais/errors.js';
import { MEMBERS_MAX, NEW_MESSAGE_QUEUE_ITEMS_MAX, RECV_BUFFER_ITEMS_MAX, RTR_ENTRIES_MAX, SEQNO_MAX, SEQNO_START_MSG, SEQNO_START_TOKEN } from './constants.js';
import type { TotemConfig } from '../config/totemconfig.js';
import { ringIdEqual, type McastMessage, type NodeId, type OrfToken, type RingId, type RtrEntry, type TotemAction, type TotemEvent } from './types.js';

export interface TotemCoreConfig {
  nodeId: NodeId;
  /** The ring's members; sorted by node id they give the token order. */
  members: readonly NodeId[];
  /** The ring id of the fixed ring (later: from the commit token). */
  ringId: RingId;
  tokenMs: number;
  tokenRetransmitMs: number;
  windowSize: number;
  maxMessages: number;
  missCountConst: number;
}

/** The core's settings from a parsed totem {} section and this node's id. */
export function coreConfigFromTotem(cfg: TotemConfig, nodeId: NodeId, ringSeq: bigint): TotemCoreConfig {
  const members = cfg.nodes.map((n) => n.nodeid).sort((a, b) => a - b);
  return {
    nodeId,
    members,
    ringId: { rep: members[0] ?? nodeId, seq: ringSeq },
    tokenMs: cfg.tokenEffectiveMs,
    tokenRetransmitMs: cfg.tokenRetransmitMs,
    windowSize: cfg.windowSize,
    maxMessages: cfg.maxMessages,
    missCountConst: cfg.missCountConst,
  };
}

function validSeq(n: number): boolean {
  return Number.isInteger(n) && n >= SEQNO_START_MSG && n <= SEQNO_MAX;
}

/** Field ranges of a token from the network; a token that fails is dropped and counted. */
function validToken(t: OrfToken): boolean {
  return validSeq(t.seq) && validSeq(t.aru) && t.aru <= t.seq && Number.isInteger(t.tokenSeq) && t.tokenSeq >= SEQNO_START_TOKEN &&
    t.tokenSeq < SEQNO_MAX && Number.isInteger(t.fcc) && t.fcc >= 0 && Number.isInteger(t.backlog) && t.backlog >= 0 &&
    t.rtr.length <= RTR_ENTRIES_MAX && t.rtr.every((e) => validSeq(e.seq));
}

export type TotemState = 'idle' | 'operational';

export interface TotemCounters {
  tokensReceived: number;
  tokensDuplicate: number;
  tokensForeign: number;
  tokenRetransmits: number;
  tokenLosses: number;
  mcastsSent: number;
  mcastsRetransmitted: number;
  mcastsReceived: number;
  mcastsDuplicate: number;
  mcastsForeign: number;
  /** Packets dropped because a field was out of range (validation, not assertion: packets are untrusted). */
  packetsInvalid: number;
  delivered: number;
  refused: number;
}

interface Pending {
  reqId: number;
  payload: Uint8Array;
}

export class TotemCore {
  readonly nodeId: NodeId;
  private readonly cfg: TotemCoreConfig;
  private readonly members: readonly NodeId[];
  private state: TotemState = 'idle';

  /** Received and own messages of this ring, kept until every member holds them. */
  private readonly recv = new Map<number, McastMessage>();
  /** Every seq up to here has been received. */
  private myAru = SEQNO_START_MSG;
  /** Every seq up to here has been delivered (agreed order: never past myAru). */
  private myHighDelivered = SEQNO_START_MSG;
  /** Highest seq known to exist (from the token or a message). */
  private highSeqReceived = SEQNO_START_MSG;
  /** Messages at or below this have been released from `recv`. */
  private lowWater = SEQNO_START_MSG;
  /** token_seq of the last token processed here (-1: none yet). */
  private myTokenSeq = SEQNO_START_TOKEN - 1;
  /** The token aru seen on my previous visit (corosync my_last_aru). */
  private myLastAru = SEQNO_START_MSG;
  /** Flow control: messages I sent on my last visit (my_trc) and my backlog then (my_pbl). */
  private myTrc = 0;
  private myPbl = 0;
  private readonly newQueue: Pending[] = [];
  /** How many token visits each missing seq has been seen missing. */
  private readonly missCount = new Map<number, number>();
  /** The copy of the last token forwarded, for token retransmission. */
  private tokenCopy: OrfToken | undefined;
  private recvHighWater = 0;

  readonly counters: TotemCounters = {
    tokensReceived: 0, tokensDuplicate: 0, tokensForeign: 0, tokenRetransmits: 0, tokenLosses: 0,
    mcastsSent: 0, mcastsRetransmitted: 0, mcastsReceived: 0, mcastsDuplicate: 0, mcastsForeign: 0,
    packetsInvalid: 0, delivered: 0, refused: 0,
  };

  constructor(cfg: TotemCoreConfig) {
    assert(cfg.members.length > 0 && cfg.members.length <= MEMBERS_MAX, `member count ${cfg.members.length} outside 1..${MEMBERS_MAX}`);
    const sorted = [...cfg.members].sort((a, b) => a - b);
    assert(new Set(sorted).size === sorted.length, 'duplicate member id');
    assert(sorted.includes(cfg.nodeId), `node ${cfg.nodeId} is not a member of its ring`);
    assert(sorted.every((n) => Number.isInteger(n) && n > 0), 'member ids must be positive integers');
    assert(cfg.windowSize > 0 && cfg.maxMessages > 0 && cfg.missCountConst > 0, 'flow-control constants must be positive');
    assert(cfg.tokenRetransmitMs > 0 && cfg.tokenMs > cfg.tokenRetransmitMs, 'token_retransmit must be positive and below token');
    assert(cfg.ringId.rep === sorted[0], 'the representative is the lowest member id');
    this.cfg = cfg;
    this.nodeId = cfg.nodeId;
    this.members = sorted;
  }

  /** The one entry point: an event in, the actions the driver must perform out. */
  step(event: TotemEvent): TotemAction[] {
    const out: TotemAction[] = [];
    switch (event.kind) {
      case 'start':
        this.onStart(out);
        break;
      case 'app_mcast':
        this.onAppMcast(event.reqId, event.payload, out);
        break;
      case 'timer':
        if (event.name === 'token_loss') this.onTokenLoss(out);
        else this.onTokenRetransmit(out);
        break;
      case 'packet': {
        const m = event.message;
        if (this.state !== 'operational') break;
        if (m.type === 'orf_token') {
          if (validToken(m)) this.onToken(m, out);
          else this.counters.packetsInvalid++;
        } else if (m.type === 'mcast') {
          if (validSeq(m.seq) && m.seq > SEQNO_START_MSG) this.onMcast(m, out);
          else this.counters.packetsInvalid++;
        }
        // Join and commit token belong to the membership protocol, not here yet.
        break;
      }
    }
    this.checkInvariants();
    return out;
  }

  get currentState(): TotemState {
    return this.state;
  }

  /** Sizes the simulator checks against their bounds. */
  queues(): { recvBuffered: number; recvHighWater: number; newQueued: number; myAru: number; highDelivered: number } {
    return { recvBuffered: this.recv.size, recvHighWater: this.recvHighWater, newQueued: this.newQueue.length, myAru: this.myAru, highDelivered: this.myHighDelivered };
  }

  private onStart(out: TotemAction[]): void {
    assert(this.state === 'idle', 'start twice');
    this.state = 'operational';
    const ringId = this.cfg.ringId;
    out.push({ kind: 'conf_change', type: 'transitional', ringId, members: [], left: [], joined: [] });
    out.push({ kind: 'conf_change', type: 'regular', ringId, members: this.members, left: [], joined: this.members });
    out.push({ kind: 'set_timer', name: 'token_loss', afterMs: this.cfg.tokenMs });
    if (this.nodeId === ringId.rep) {
      const first: OrfToken = {
        type: 'orf_token', ringId, seq: SEQNO_START_MSG, tokenSeq: SEQNO_START_TOKEN, aru: SEQNO_START_MSG,
        aruAddr: null, fcc: 0, backlog: 0, retransFlg: false, rtr: [],
      };
      this.onToken(first, out);
    }
  }

  private onAppMcast(reqId: number, payload: Uint8Array, out: TotemAction[]): void {
    if (this.state !== 'operational' || this.newQueue.length >= NEW_MESSAGE_QUEUE_ITEMS_MAX) {
      this.counters.refused++;
      out.push({ kind: 'mcast_refused', reqId });
      return;
    }
    // Copy: the caller may reuse its buffer.
    this.newQueue.push({ reqId, payload: Uint8Array.from(payload) });
  }

  private onTokenLoss(out: TotemAction[]): void {
    if (this.state !== 'operational') return;
    this.counters.tokenLosses++;
    out.push({ kind: 'log', level: 'warning', text: `token not received in ${this.cfg.tokenMs} ms (fixed membership: no GATHER yet, waiting on token retransmission)` });
    out.push({ kind: 'set_timer', name: 'token_loss', afterMs: this.cfg.tokenMs });
  }

  private onTokenRetransmit(out: TotemAction[]): void {
    if (this.state !== 'operational' || this.tokenCopy === undefined) return;
    this.counters.tokenRetransmits++;
    out.push({ kind: 'send_unicast', to: this.nextMember(), message: this.tokenCopy });
    out.push({ kind: 'set_timer', name: 'token_retransmit', afterMs: this.cfg.tokenRetransmitMs });
  }

  private onMcast(m: McastMessage, out: TotemAction[]): void {
    if (!ringIdEqual(m.ringId, this.cfg.ringId)) {
      this.counters.mcastsForeign++;
      return;
    }
    if (m.seq > this.lowWater + RECV_BUFFER_ITEMS_MAX || !this.members.includes(m.source) || !(m.payload instanceof Uint8Array)) {
      // Further ahead than the buffer may hold, or from a non-member: a peer's bug or a forged packet, never a reason to grow or assert.
      this.counters.packetsInvalid++;
      return;
    }
    this.counters.mcastsReceived++;
    // A message from the ring proves the token moved past my forward (corosync cancels token retransmit here too).
    if (this.tokenCopy !== undefined && m.seq > this.tokenCopy.seq) {
      out.push({ kind: 'cancel_timer', name: 'token_retransmit' });
    }
    this.store(m);
    this.deliver(out);
  }

  /** Keep a message for ordering and retransmission unless it is known already. */
  private store(m: McastMessage): void {
    assert(m.seq > SEQNO_START_MSG && m.seq <= SEQNO_MAX, `seq ${m.seq} out of range`);
    if (m.seq <= this.lowWater || this.recv.has(m.seq)) {
      this.counters.mcastsDuplicate++;
      return;
    }
    this.recv.set(m.seq, m);
    this.missCount.delete(m.seq);
    this.recvHighWater = Math.max(this.recvHighWater, this.recv.size);
    if (m.seq > this.highSeqReceived) this.highSeqReceived = m.seq;
    while (this.recv.has(this.myAru + 1)) this.myAru++;
  }

  /** Agreed order: deliver every message up to the first hole (corosync messages_deliver_to_app). */
  private deliver(out: TotemAction[]): void {
    while (this.myHighDelivered < this.myAru) {
      const m = this.recv.get(this.myHighDelivered + 1);
      assert(m !== undefined, `message ${this.myHighDelivered + 1} below my aru ${this.myAru} is missing`);
      this.myHighDelivered++;
      this.counters.delivered++;
      out.push({ kind: 'deliver', ringId: m.ringId, seq: m.seq, source: m.source, guarantee: m.guarantee, payload: m.payload });
    }
  }

  private onToken(received: OrfToken, out: TotemAction[]): void {
    if (!ringIdEqual(received.ringId, this.cfg.ringId)) {
      this.counters.tokensForeign++;
      return;
    }
    if (received.tokenSeq <= this.myTokenSeq) {
      this.counters.tokensDuplicate++;
      return;
    }
    this.counters.tokensReceived++;
    this.myTokenSeq = received.tokenSeq;
    out.push({ kind: 'cancel_timer', name: 'token_retransmit' });
    if (received.seq > this.highSeqReceived) this.highSeqReceived = received.seq;

    let seq = received.seq;
    let budget = this.allowance(received);
    // Retransmissions first; they count against the same allowance (corosync orf_token_rtr).
    const rtr: RtrEntry[] = [];
    let retransmitted = 0;
    for (const e of received.rtr) {
      const m = ringIdEqual(e.ringId, this.cfg.ringId) ? this.recv.get(e.seq) : undefined;
      if (m !== undefined && budget > 0) {
        budget--;
        retransmitted++;
        this.counters.mcastsRetransmitted++;
        out.push({ kind: 'send_multicast', message: m });
      } else if (ringIdEqual(e.ringId, this.cfg.ringId) && e.seq > this.lowWater) {
        rtr.push(e);
      }
    }
    // New messages, each numbered ++seq (corosync orf_token_mcast).
    let sent = 0;
    while (budget > 0 && this.newQueue.length > 0) {
      const p = this.newQueue.shift()!;
      seq++;
      assert(seq <= SEQNO_MAX, 'sequence number wrap is not implemented');
      const m: McastMessage = { type: 'mcast', ringId: this.cfg.ringId, seq, source: this.nodeId, guarantee: 'agreed', encapsulated: null, payload: p.payload };
      this.store(m);
      this.counters.mcastsSent++;
      out.push({ kind: 'send_multicast', message: m });
      budget--;
      sent++;
    }
    if (seq > this.highSeqReceived) this.highSeqReceived = seq;

    assert(sent + retransmitted <= this.cfg.maxMessages, `sent ${sent + retransmitted} on one visit, max_messages ${this.cfg.maxMessages}`);
    // Flow-control fields (corosync fcc_token_update).
    const fcc = Math.max(0, received.fcc + sent + retransmitted - this.myTrc);
    const backlog = Math.max(0, received.backlog + this.newQueue.length - this.myPbl);
    // The token's fcc comes from peers (who may be configured differently), so only my own share is asserted.
    assert(sent + retransmitted <= Math.max(0, this.cfg.windowSize - received.fcc), `sent ${sent + retransmitted} with fcc ${received.fcc} and window_size ${this.cfg.windowSize}`);
    this.myTrc = sent + retransmitted;
    this.myPbl = this.newQueue.length;

    // aru (corosync: lower it, or raise it when I was the one holding it down).
    let aru = received.aru;
    let aruAddr = received.aruAddr;
    if (this.myAru < aru || aruAddr === this.nodeId || aruAddr === null) {
      aru = this.myAru;
      aruAddr = aru === seq ? null : this.nodeId;
    }

    // Ask for what I miss, after it has been missing missCountConst visits.
    const requested = new Set(rtr.map((e) => e.seq));
    const scanTo = Math.min(seq, this.myAru + RECV_BUFFER_ITEMS_MAX); // a bounded loop whatever the token says
    for (let s = this.myAru + 1; s <= scanTo && rtr.length < RTR_ENTRIES_MAX; s++) {
      if (this.recv.has(s) || requested.has(s)) continue;
      const n = (this.missCount.get(s) ?? 0) + 1;
      this.missCount.set(s, n);
      if (n >= this.cfg.missCountConst) {
        rtr.push({ ringId: this.cfg.ringId, seq: s });
        requested.add(s);
      }
    }

    const token: OrfToken = {
      type: 'orf_token', ringId: this.cfg.ringId, seq, tokenSeq: received.tokenSeq + 1, aru, aruAddr,
      fcc, backlog, retransFlg: false, rtr,
    };
    this.release(Math.min(this.myLastAru, aru, this.myHighDelivered));
    this.myLastAru = aru;
    this.tokenCopy = token;
    out.push({ kind: 'set_timer', name: 'token_loss', afterMs: this.cfg.tokenMs });
    if (this.members.length > 1) out.push({ kind: 'set_timer', name: 'token_retransmit', afterMs: this.cfg.tokenRetransmitMs });
    out.push({ kind: 'send_unicast', to: this.nextMember(), message: token });
    this.deliver(out);
  }

  /** Messages I may broadcast on this visit, retransmissions included (paper §8). */
  private allowance(token: OrfToken): number {
    let allowed = Math.min(this.cfg.maxMessages, Math.max(0, this.cfg.windowSize - token.fcc));
    const cbl = this.newQueue.length;
    const total = token.backlog - this.myPbl + cbl;
    if (cbl > 0 && total > 0) {
      const share = Math.max(1, Math.floor((this.cfg.windowSize * cbl) / total));
      allowed = Math.min(allowed, share);
    }
    return allowed;
  }

  private release(upTo: number): void {
    while (this.lowWater < upTo) {
      this.lowWater++;
      this.recv.delete(this.lowWater);
      this.missCount.delete(this.lowWater);
    }
  }

  private nextMember(): NodeId {
    const i = this.members.indexOf(this.nodeId);
    return this.members[(i + 1) % this.members.length]!;
  }

  private checkInvariants(): void {
    assert(this.lowWater <= this.myHighDelivered, `released ${this.lowWater} beyond delivered ${this.myHighDelivered}`);
    assert(this.myHighDelivered <= this.myAru, 'delivered beyond aru');
    assert(this.myAru <= this.highSeqReceived, 'aru beyond the highest seq known');
    assert(this.recv.size <= RECV_BUFFER_ITEMS_MAX, `receive buffer ${this.recv.size} over ${RECV_BUFFER_ITEMS_MAX}`);
    assert(this.newQueue.length <= NEW_MESSAGE_QUEUE_ITEMS_MAX, 'new-message queue over its bound');
  }
}
