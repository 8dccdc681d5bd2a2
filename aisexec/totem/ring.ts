// The per-ring state of the ordering protocol (paper §5): what a processor
// holds for one ring id. A processor keeps two of these during recovery: the
// old ring (whose messages it must still deliver or hand on) and the new one.
import { assert } from '../../lib-ais/errors.js';
import { RECV_BUFFER_ITEMS_MAX, SEQNO_MAX, SEQNO_START_MSG, SEQNO_START_TOKEN } from './constants.js';
import type { McastMessage, NodeId, OrfToken, RingId } from './types.js';

export class RingState {
  /** Received and own messages, kept until every member holds them (paper §5 "retransmission buffer"). */
  readonly recv = new Map<number, McastMessage>();
  /** Every seq up to here has been received. */
  myAru = SEQNO_START_MSG;
  /** Every seq up to here has been delivered or consumed (never past myAru). */
  highDelivered = SEQNO_START_MSG;
  /** Highest seq known to exist (from the token or a message). */
  highSeq = SEQNO_START_MSG;
  /** Messages at or below this have been released from `recv`. */
  lowWater = SEQNO_START_MSG;
  /** token_seq of the last token processed here (-1: none yet). */
  tokenSeq = SEQNO_START_TOKEN - 1;
  /** The aru I forwarded on my previous visit (corosync my_last_aru). */
  lastAru = SEQNO_START_MSG;
  /** Every member holds every message up to here: min of the aru I forwarded on two successive visits (paper §5, safe delivery). */
  safeLine = SEQNO_START_MSG;
  /** Flow control: messages I sent on my last visit (my_trc) and my backlog then (my_pbl). */
  trc = 0;
  pbl = 0;
  /** How many token visits each missing seq has been seen missing. */
  readonly missCount = new Map<number, number>();
  /** The copy of the last token forwarded, for token retransmission. */
  tokenCopy: OrfToken | undefined;
  /** Visits in a row on which the token's seq had not moved since my previous visit (token hold). */
  idleVisits = 0;
  prevVisitSeq = -1;
  /** Visits in a row on which the token's aru stayed below its seq, held down by me (failed to receive). */
  stuckVisits = 0;

  constructor(readonly id: RingId, readonly members: readonly NodeId[]) {}

  /** Keep a message unless it is known already; false for a duplicate. */
  store(m: McastMessage): boolean {
    assert(m.seq > SEQNO_START_MSG && m.seq <= SEQNO_MAX, `seq ${m.seq} out of range`);
    if (m.seq <= this.lowWater || this.recv.has(m.seq)) return false;
    this.recv.set(m.seq, m);
    this.missCount.delete(m.seq);
    if (m.seq > this.highSeq) this.highSeq = m.seq;
    while (this.recv.has(this.myAru + 1)) this.myAru++;
    return true;
  }

  /** Further ahead than the buffer may hold: a peer's bug or a forged packet. */
  beyondWindow(seq: number): boolean {
    return seq > this.lowWater + RECV_BUFFER_ITEMS_MAX;
  }

  release(upTo: number): void {
    while (this.lowWater < upTo) {
      this.lowWater++;
      this.recv.delete(this.lowWater);
      this.missCount.delete(this.lowWater);
    }
  }

  nextAfter(me: NodeId): NodeId {
    const i = this.members.indexOf(me);
    return this.members[(i + 1) % this.members.length]!;
  }

  checkInvariants(): void {
    assert(this.lowWater <= this.highDelivered, `released ${this.lowWater} beyond delivered ${this.highDelivered}`);
    assert(this.highDelivered <= this.myAru, 'delivered beyond aru');
    assert(this.myAru <= this.highSeq, 'aru beyond the highest seq known');
    assert(this.recv.size <= RECV_BUFFER_ITEMS_MAX, `receive buffer ${this.recv.size} over ${RECV_BUFFER_ITEMS_MAX}`);
  }
}
