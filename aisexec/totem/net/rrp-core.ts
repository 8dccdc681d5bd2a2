// The redundant ring protocol's state machine: which rings a packet goes out
// on, which rings are faulty, and when a faulty ring works again. Pure, like
// the Totem core: time comes in as `now` (ms, monotonic), timers go out as
// actions; no sockets, timers or clock in here.
//
// Implements the replication styles of
//   R. Koch, L. E. Moser, P. M. Melliar-Smith, "The Totem Redundant Ring
//   Protocol", ICDCS 2002,
// as corosync 2.x exec/totemrrp.c runs them:
//  - active: every packet on every non-faulty ring. A token copy that does
//    not arrive on a non-faulty ring within rrp_token_expired_timeout of the
//    first copy adds one to that ring's problem counter; at
//    rrp_problem_count_threshold the ring is FAULTY. Counters of non-faulty
//    rings decay by one every rrp_problem_count_timeout
//    (timer_function_active_problem_decrementer).
//  - passive: packets round-robin over the non-faulty rings, tokens and
//    messages each with their own cursor (passive_token_send,
//    passive_mcast_flush_send). A ring whose receive count lags the best
//    ring's by more than rrp_problem_count_threshold tokens or
//    rrp_problem_count_mcast_threshold messages is FAULTY (passive_monitor).
//
// Departures from corosync, and why:
//  1. Tokens are never held back: every copy goes up at once and the Totem
//     core drops duplicates by token_seq. Corosync's active mode holds the
//     token until every ring has delivered a copy (or the timer fires), and
//     its passive mode holds it while messages are missing; both cost latency
//     for nothing the core does not already do. So several tokens may be
//     outstanding here: they are tracked in a bounded table by the caller's
//     (ring id, token_seq) key.
//  2. Re-testing a faulty ring (corosync 2.x rrp_autorecovery_check_timeout)
//     uses real traffic instead of corosync's RING_TEST_ACTIVE/ACTIVATE
//     messages: a faulty ring still carries a copy of every token. Active
//     mode re-enables it when, over one whole check period, at least one
//     token copy arrived on it and none went missing. Passive mode cannot ask
//     that much, since a predecessor that still thinks the ring healthy sends
//     each token on one ring only: there one copy arriving in a check period
//     re-enables it, and passive_monitor judges it again from then on (a
//     ring still losing packets goes FAULTY again after the threshold). The
//     copies are ordinary, authenticated totem packets, so this layer needs
//     no wire format of its own. Each node judges the link into it; the
//     ring's copies cross every link, so a ring is usable again once every
//     node has re-enabled it.
//  3. With every ring faulty, packets go out on every ring (corosync falls
//     back to ring 0 alone), so whichever network comes back first carries
//     the ring.
//  4. Passive: for one check period after a ring is re-enabled its message
//     lag is not held against it, since peers that have not re-enabled it yet
//     still send their messages elsewhere (corosync re-enables a ring on every
//     node at once with its ACTIVATE message, so it needs no such grace).
//  5. Marking a ring faulty does not stop the other ring's counter from
//     decaying (corosync cancels the decrementer for all rings).
import { assert } from '../../../lib-ais/errors.js';
import type { RrpMode, TotemConfig } from '../../config/totemconfig.js';
import type { RingNo } from './transport.js';

export type PacketKind = 'token' | 'mcast';
export type RingState = 'active' | 'faulty';
/** Identifies one token across its copies: the caller combines ring id and token_seq (a string or number). */
export type TokenKey = number | string | bigint;
export type RrpTimerName = 'token_expired' | 'problem_decrement' | 'recovery_check_0' | 'recovery_check_1';

export const RINGS_MAX = 2;
/** Outstanding tokens tracked at once (several rotations of a fast ring within rrp_token_expired_timeout). */
export const TOKENS_TRACKED_MAX = 1024;

export interface RrpCoreConfig {
  mode: RrpMode;
  ringCount: number;
  problemCountThreshold: number;
  problemCountMcastThreshold: number;
  problemCountTimeoutMs: number;
  tokenExpiredTimeoutMs: number;
  autorecoveryCheckTimeoutMs: number;
  /** Each ring's local address, for log lines. */
  ringNames: readonly string[];
}

export function rrpCoreConfigFromTotem(cfg: TotemConfig, ringNames: readonly string[]): RrpCoreConfig {
  return {
    mode: cfg.rrpMode,
    ringCount: cfg.rrpMode === 'none' ? 1 : RINGS_MAX,
    problemCountThreshold: cfg.rrpProblemCountThreshold,
    problemCountMcastThreshold: cfg.rrpProblemCountMcastThreshold,
    problemCountTimeoutMs: cfg.rrpProblemCountTimeoutMs,
    tokenExpiredTimeoutMs: cfg.rrpTokenExpiredTimeoutMs,
    autorecoveryCheckTimeoutMs: cfg.rrpAutorecoveryCheckTimeoutMs,
    ringNames,
  };
}

export type RrpAction =
  | { readonly kind: 'set_timer'; readonly name: RrpTimerName; readonly afterMs: number }
  | { readonly kind: 'cancel_timer'; readonly name: RrpTimerName }
  | { readonly kind: 'ring_state'; readonly ring: RingNo; readonly state: RingState }
  | { readonly kind: 'log'; readonly level: 'error' | 'warning' | 'notice' | 'debug'; readonly text: string };

export interface RrpRingView {
  readonly state: RingState;
  /** active: the problem counter; passive: the larger of the token lag and the message lag behind the best ring. */
  readonly problemCount: number;
  readonly tokenLag: number;
  readonly mcastLag: number;
  readonly markedFaulty: number;
  readonly recovered: number;
  /** corosync-cfgtool's status line for the ring. */
  readonly text: string;
}

/** One outstanding token: which rings delivered a copy, and until when the others may. */
interface TrackedToken {
  key: TokenKey;
  deadline: number;
  seen: number;
  resolved: boolean;
}

function bit(ring: number): number {
  return 1 << ring;
}

function recoveryTimer(ring: number): RrpTimerName {
  return ring === 0 ? 'recovery_check_0' : 'recovery_check_1';
}

export class RrpCore {
  private readonly cfg: RrpCoreConfig;
  private readonly allMask: number;
  private faultyMask = 0;
  private readonly problems: number[];
  private readonly tokenRecv: number[];
  private readonly mcastRecv: number[];
  private readonly probeSeen: number[];
  private readonly probeMissed: number[];
  private readonly markedFaulty: number[];
  private readonly recovered: number[];
  private readonly graceUntil: number[];
  private readonly texts: string[];
  private tokenCursor = 0;
  private mcastCursor = 0;

  // Outstanding tokens: a ring buffer in arrival (hence deadline) order.
  // [head, cursor) are resolved and kept a while so that late copies are
  // recognised; from cursor on the first entry is the earliest unresolved.
  private readonly slots: TrackedToken[] = [];
  private readonly byKey = new Map<TokenKey, TrackedToken>();
  private head = 0;
  private cursor = 0;
  private tail = 0;
  private tokenTimerArmed = false;
  private decrementArmed = false;

  constructor(cfg: RrpCoreConfig) {
    assert(cfg.ringCount >= 1 && cfg.ringCount <= RINGS_MAX, `ring count ${cfg.ringCount} outside 1..${RINGS_MAX}`);
    assert(cfg.mode !== 'none' || cfg.ringCount === 1, 'rrp_mode none runs ring 0 only');
    assert(cfg.problemCountThreshold >= 1 && cfg.problemCountMcastThreshold >= 1, 'problem thresholds must be positive');
    assert(cfg.tokenExpiredTimeoutMs > 0 && cfg.problemCountTimeoutMs > 0 && cfg.autorecoveryCheckTimeoutMs > 0, 'rrp timeouts must be positive');
    this.cfg = cfg;
    const n = cfg.ringCount;
    this.allMask = (1 << n) - 1;
    const zeros = (): number[] => Array<number>(n).fill(0);
    this.problems = zeros();
    this.tokenRecv = zeros();
    this.mcastRecv = zeros();
    this.probeSeen = zeros();
    this.probeMissed = zeros();
    this.markedFaulty = zeros();
    this.recovered = zeros();
    this.graceUntil = zeros();
    this.texts = Array.from({ length: n }, (_, r) => `ring ${r} active with no faults`);
  }

  get mode(): RrpMode {
    return this.cfg.mode;
  }

  get ringCount(): number {
    return this.cfg.ringCount;
  }

  isFaulty(ring: number): boolean {
    return (this.faultyMask & bit(ring)) !== 0;
  }

  /**
   * The rings (bit r = ring r) this packet goes out on; advances passive
   * mode's round-robin. Never 0: with every ring faulty, all of them.
   */
  sendRings(kind: PacketKind): number {
    if (this.cfg.mode === 'none') return 1;
    const healthy = this.allMask & ~this.faultyMask;
    if (healthy === 0) return this.allMask;
    if (this.cfg.mode === 'active') return kind === 'token' ? this.allMask : healthy;
    // passive: one healthy ring in turn; a token also goes out on each faulty ring as its probe.
    const n = this.cfg.ringCount;
    let r = kind === 'token' ? this.tokenCursor : this.mcastCursor;
    do r = (r + 1) % n; while ((healthy & bit(r)) === 0);
    if (kind === 'token') {
      this.tokenCursor = r;
      return bit(r) | this.faultyMask;
    }
    this.mcastCursor = r;
    return bit(r);
  }

  /** A decoded, authenticated token arrived on `ring`. */
  tokenReceived(ring: RingNo, key: TokenKey, now: number, out: RrpAction[]): void {
    if (this.cfg.mode === 'none') return;
    this.checkRing(ring);
    const b = bit(ring);
    if (this.faultyMask & b) this.probeSeen[ring]!++;
    else if (this.cfg.mode === 'passive') this.monitor(this.tokenRecv, ring, this.cfg.problemCountThreshold, 'tokens', now, out);
    let t = this.byKey.get(key);
    if (t === undefined) {
      if (this.expectedMask() === 0) {
        this.sweep(now, out);
        return; // passive: nothing to track
      }
      t = this.track(key, now, out);
    }
    t.seen |= b;
    if (!t.resolved && (t.seen & this.expectedMask()) === this.expectedMask()) t.resolved = true;
    this.sweep(now, out);
  }

  /** A decoded, authenticated multicast message arrived on `ring` (passive mode's message monitor). */
  mcastReceived(ring: RingNo, now: number, out: RrpAction[]): void {
    if (this.cfg.mode !== 'passive') return;
    this.checkRing(ring);
    if (this.faultyMask & bit(ring)) return;
    this.monitor(this.mcastRecv, ring, this.cfg.problemCountMcastThreshold, 'messages', now, out);
  }

  timer(name: RrpTimerName, now: number, out: RrpAction[]): void {
    switch (name) {
      case 'token_expired':
        this.tokenTimerArmed = false;
        this.sweep(now, out);
        break;
      case 'problem_decrement':
        this.decrementArmed = false;
        this.decrement(out);
        break;
      case 'recovery_check_0':
      case 'recovery_check_1':
        this.recoveryCheck(name === 'recovery_check_0' ? 0 : 1, now, out);
        break;
    }
  }

  /** Administrative re-enable (corosync-cfgtool -r): one ring, or every ring when `ring` is undefined. */
  reenable(ring: RingNo | undefined, now: number, out: RrpAction[]): void {
    for (let r = 0; r < this.cfg.ringCount; r++) {
      if (ring !== undefined && r !== ring) continue;
      if (this.faultyMask & bit(r)) this.recover(r as RingNo, 'administratively re-enabled', now, out);
      this.problems[r] = 0;
    }
  }

  view(ring: RingNo): RrpRingView {
    this.checkRing(ring);
    const tokenLag = this.lag(this.tokenRecv, ring);
    const mcastLag = this.lag(this.mcastRecv, ring);
    return {
      state: this.isFaulty(ring) ? 'faulty' : 'active',
      problemCount: this.cfg.mode === 'passive' ? Math.max(tokenLag, mcastLag) : this.problems[ring]!,
      tokenLag,
      mcastLag,
      markedFaulty: this.markedFaulty[ring]!,
      recovered: this.recovered[ring]!,
      text: this.texts[ring]!,
    };
  }

  /** Outstanding token entries (for tests of the bound). */
  tracked(): number {
    return this.tail - this.head;
  }

  private checkRing(ring: number): void {
    assert(Number.isInteger(ring) && ring >= 0 && ring < this.cfg.ringCount, `ring ${ring} outside 0..${this.cfg.ringCount - 1}`);
  }

  /** Rings that should carry a copy of every token: all of them in active mode; passive mode tracks no tokens (see departure 2). */
  private expectedMask(): number {
    return this.cfg.mode === 'active' ? this.allMask : 0;
  }

  private track(key: TokenKey, now: number, out: RrpAction[]): TrackedToken {
    if (this.tail - this.head === TOKENS_TRACKED_MAX) {
      // Full: the oldest goes, judged now if it is still open (a ring that has
      // not delivered it while a thousand newer tokens came is lagging).
      const oldest = this.slots[this.head % TOKENS_TRACKED_MAX]!;
      if (!oldest.resolved) this.resolve(oldest, out);
      this.byKey.delete(oldest.key);
      this.head++;
      if (this.cursor < this.head) this.cursor = this.head;
    }
    const i = this.tail % TOKENS_TRACKED_MAX;
    let t = this.slots[i];
    if (t === undefined) {
      t = { key, deadline: 0, seen: 0, resolved: false };
      this.slots[i] = t;
    }
    t.key = key;
    t.deadline = now + this.cfg.tokenExpiredTimeoutMs;
    t.seen = 0;
    t.resolved = false;
    this.byKey.set(key, t);
    this.tail++;
    return t;
  }

  /**
   * Judges tokens whose time is up, forgets resolved ones kept long enough,
   * and arms the timer for the earliest open one. The timer is never
   * cancelled: when it fires early for a token resolved meanwhile, the sweep
   * just re-arms it, which costs less than re-arming on every token.
   */
  private sweep(now: number, out: RrpAction[]): void {
    while (this.cursor < this.tail) {
      const t = this.slots[this.cursor % TOKENS_TRACKED_MAX]!;
      if (!t.resolved) {
        if (t.deadline > now) break;
        this.resolve(t, out);
      }
      this.cursor++;
    }
    const keepMs = 2 * this.cfg.tokenExpiredTimeoutMs;
    while (this.head < this.cursor) {
      const t = this.slots[this.head % TOKENS_TRACKED_MAX]!;
      if (t.deadline + keepMs > now) break;
      this.byKey.delete(t.key);
      this.head++;
    }
    if (this.cursor < this.tail && !this.tokenTimerArmed) {
      const t = this.slots[this.cursor % TOKENS_TRACKED_MAX]!;
      this.tokenTimerArmed = true;
      out.push({ kind: 'set_timer', name: 'token_expired', afterMs: Math.max(1, t.deadline - now) });
    }
  }

  /** The token's time is up: every ring that should have carried a copy and did not is charged. */
  private resolve(t: TrackedToken, out: RrpAction[]): void {
    t.resolved = true;
    for (let r = 0; r < this.cfg.ringCount; r++) {
      if (t.seen & bit(r)) continue;
      if (this.faultyMask & bit(r)) this.probeMissed[r]!++;
      else if (this.cfg.mode === 'active') this.problem(r as RingNo, t.key, out);
    }
  }

  private problem(ring: RingNo, key: TokenKey, out: RrpAction[]): void {
    const n = ++this.problems[ring]!;
    const threshold = this.cfg.problemCountThreshold;
    this.texts[ring] = `Incrementing problem counter for seqid ${String(key)} iface ${this.name(ring)} to [${n} of ${threshold}]`;
    out.push({ kind: 'log', level: 'warning', text: this.texts[ring]! });
    if (n >= threshold) {
      this.markFaulty(ring, `no copy of ${threshold} tokens within ${this.cfg.tokenExpiredTimeoutMs} ms`, out);
    } else if (!this.decrementArmed) {
      this.decrementArmed = true;
      out.push({ kind: 'set_timer', name: 'problem_decrement', afterMs: this.cfg.problemCountTimeoutMs });
    }
  }

  private decrement(out: RrpAction[]): void {
    let left = false;
    for (let r = 0; r < this.cfg.ringCount; r++) {
      if (this.faultyMask & bit(r) || this.problems[r] === 0) continue;
      const n = --this.problems[r]!;
      if (n === 0) {
        this.texts[r] = `ring ${r} active with no faults`;
        out.push({ kind: 'log', level: 'notice', text: this.texts[r]! });
      } else {
        this.texts[r] = `Decrementing problem counter for iface ${this.name(r)} to [${n} of ${this.cfg.problemCountThreshold}]`;
        out.push({ kind: 'log', level: 'debug', text: this.texts[r]! });
        left = true;
      }
    }
    if (left) {
      this.decrementArmed = true;
      out.push({ kind: 'set_timer', name: 'problem_decrement', afterMs: this.cfg.problemCountTimeoutMs });
    }
  }

  /** passive_monitor: count a receipt and mark any ring that lags the best one by more than `threshold`. */
  private monitor(counts: number[], ring: RingNo, threshold: number, what: string, now: number, out: RrpAction[]): void {
    counts[ring]!++;
    const healthy = this.allMask & ~this.faultyMask;
    let max = 0;
    for (let r = 0; r < this.cfg.ringCount; r++) if (healthy & bit(r) && counts[r]! > max) max = counts[r]!;
    for (let r = 0; r < this.cfg.ringCount; r++) {
      if ((healthy & bit(r)) === 0) continue;
      if (now < this.graceUntil[r]! && counts[r]! < max) counts[r] = max; // just re-enabled: see departure 4
      if (max - counts[r]! > threshold) {
        this.markFaulty(r as RingNo, `received ${max - counts[r]!} fewer ${what} than the best ring (threshold ${threshold})`, out);
      }
    }
    // Keep the numbers small: only differences matter.
    let min = Infinity;
    for (let r = 0; r < this.cfg.ringCount; r++) if (healthy & bit(r) && counts[r]! < min) min = counts[r]!;
    if (min > 0 && min !== Infinity) for (let r = 0; r < this.cfg.ringCount; r++) if (healthy & bit(r)) counts[r]! -= min;
  }

  private lag(counts: readonly number[], ring: RingNo): number {
    if (this.cfg.mode !== 'passive' || this.isFaulty(ring)) return 0;
    let max = 0;
    for (let r = 0; r < this.cfg.ringCount; r++) if (!this.isFaulty(r) && counts[r]! > max) max = counts[r]!;
    return max - counts[ring]!;
  }

  private markFaulty(ring: RingNo, reason: string, out: RrpAction[]): void {
    if (this.faultyMask & bit(ring)) return;
    this.faultyMask |= bit(ring);
    this.markedFaulty[ring]!++;
    this.probeSeen[ring] = 0;
    this.probeMissed[ring] = 0;
    this.texts[ring] = `Marking ringid ${ring} interface ${this.name(ring)} FAULTY`;
    out.push({ kind: 'log', level: 'error', text: `${this.texts[ring]} (${reason})` });
    out.push({ kind: 'ring_state', ring, state: 'faulty' });
    out.push({ kind: 'set_timer', name: recoveryTimer(ring), afterMs: this.cfg.autorecoveryCheckTimeoutMs });
    if (this.faultyMask === this.allMask && this.cfg.ringCount > 1) {
      out.push({ kind: 'log', level: 'error', text: 'every ring is FAULTY: sending on all of them until one recovers' });
    }
  }

  private recoveryCheck(ring: RingNo, now: number, out: RrpAction[]): void {
    if ((this.faultyMask & bit(ring)) === 0) return;
    const seen = this.probeSeen[ring]!;
    const missed = this.probeMissed[ring]!;
    if (seen > 0 && (missed === 0 || this.cfg.mode === 'passive')) {
      this.recover(ring, 'Automatically recovered', now, out);
      return;
    }
    out.push({ kind: 'log', level: 'debug', text: `ring ${ring} still faulty: ${seen} token copies arrived, ${missed} missing in the last ${this.cfg.autorecoveryCheckTimeoutMs} ms` });
    this.probeSeen[ring] = 0;
    this.probeMissed[ring] = 0;
    out.push({ kind: 'set_timer', name: recoveryTimer(ring), afterMs: this.cfg.autorecoveryCheckTimeoutMs });
  }

  private recover(ring: RingNo, how: string, now: number, out: RrpAction[]): void {
    this.faultyMask &= ~bit(ring);
    this.problems[ring] = 0;
    this.recovered[ring]!++;
    if (this.cfg.mode === 'passive') {
      // As corosync passive_ring_reenable: the counts start over for every ring.
      this.tokenRecv.fill(0);
      this.mcastRecv.fill(0);
      this.graceUntil[ring] = now + this.cfg.autorecoveryCheckTimeoutMs;
    }
    this.texts[ring] = `ring ${ring} active with no faults`;
    out.push({ kind: 'log', level: 'notice', text: `${how} ring ${ring} (interface ${this.name(ring)})` });
    out.push({ kind: 'ring_state', ring, state: 'active' });
    out.push({ kind: 'cancel_timer', name: recoveryTimer(ring) });
  }

  private name(ring: number): string {
    return this.cfg.ringNames[ring] ?? `ring${ring}`;
  }
}
