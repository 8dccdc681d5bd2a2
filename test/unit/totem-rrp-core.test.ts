// The redundant ring state machine stepped by hand over a simulated clock:
// corosync 2.x totemrrp.c behaviour (active problem counters and their decay,
// passive_monitor's lag thresholds, FAULTY marking) and the recovery of a
// faulty ring from the token copies it keeps carrying.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RrpCore, TOKENS_TRACKED_MAX, type RrpAction, type RrpCoreConfig, type RrpTimerName, type TokenKey } from '../../aisexec/totem/net/rrp-core.js';
import type { RingNo } from '../../aisexec/totem/net/transport.js';

const BASE: RrpCoreConfig = {
  mode: 'active',
  ringCount: 2,
  problemCountThreshold: 10,
  problemCountMcastThreshold: 100,
  problemCountTimeoutMs: 2000,
  tokenExpiredTimeoutMs: 47,
  autorecoveryCheckTimeoutMs: 1000,
  ringNames: ['10.0.0.1', '10.0.1.1'],
};

/** A core, a clock and the timers it armed; timers fire in time order as the clock advances. */
class Harness {
  now = 0;
  readonly core: RrpCore;
  readonly timers = new Map<RrpTimerName, number>();
  readonly logs: string[] = [];
  readonly states: string[] = [];
  private seq = 0;

  constructor(cfg: Partial<RrpCoreConfig> = {}) {
    this.core = new RrpCore({ ...BASE, ...cfg });
  }

  apply(out: RrpAction[]): void {
    for (const a of out) {
      if (a.kind === 'set_timer') this.timers.set(a.name, this.now + a.afterMs);
      else if (a.kind === 'cancel_timer') this.timers.delete(a.name);
      else if (a.kind === 'log') this.logs.push(`${a.level} ${a.text}`);
      else this.states.push(`${a.ring}:${a.state}`);
    }
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [RrpTimerName, number] | undefined;
      for (const e of this.timers) if (e[1] <= end && (next === undefined || e[1] < next[1])) next = e;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1]);
      const out: RrpAction[] = [];
      this.core.timer(next[0], this.now, out);
      this.apply(out);
    }
    this.now = end;
  }

  token(ring: RingNo, key: TokenKey): void {
    const out: RrpAction[] = [];
    this.core.tokenReceived(ring, key, this.now, out);
    this.apply(out);
  }

  mcast(ring: RingNo): void {
    const out: RrpAction[] = [];
    this.core.mcastReceived(ring, this.now, out);
    this.apply(out);
  }

  /** `n` token rotations `gapMs` apart, each token arriving on `rings` (as the predecessor sent it). */
  rotate(n: number, rings: readonly RingNo[], gapMs = 10): void {
    for (let i = 0; i < n; i++) {
      const key = `r1:${++this.seq}`;
      for (const r of rings) this.token(r, key);
      this.advance(gapMs);
    }
  }

  state(ring: RingNo): string {
    return this.core.view(ring).state;
  }
}

describe('RRP core (pure): rrp_mode none and ring selection', () => {
  it('none sends on ring 0 only and ignores receipts', () => {
    const h = new Harness({ mode: 'none', ringCount: 1 });
    assert.equal(h.core.sendRings('token'), 1);
    assert.equal(h.core.sendRings('mcast'), 1);
    h.rotate(50, [0]);
    assert.equal(h.core.tracked(), 0);
    assert.deepEqual(h.timers.size, 0);
  });

  it('none with two rings is a configuration bug', () => {
    assert.throws(() => new RrpCore({ ...BASE, mode: 'none', ringCount: 2 }), /ring 0 only/);
  });

  it('active sends every packet on every ring; a faulty ring still gets the tokens but no messages', () => {
    const h = new Harness();
    assert.equal(h.core.sendRings('token'), 0b11);
    assert.equal(h.core.sendRings('mcast'), 0b11);
    h.rotate(10, [0]); // ring 1 carries nothing: FAULTY
    h.advance(100);
    assert.equal(h.state(1), 'faulty');
    assert.equal(h.core.sendRings('token'), 0b11, 'token copies are the faulty ring\'s probe');
    assert.equal(h.core.sendRings('mcast'), 0b01);
  });

  it('passive alternates tokens and messages over the rings, each with its own cursor', () => {
    const h = new Harness({ mode: 'passive' });
    const tokens = [0, 1, 2, 3].map(() => h.core.sendRings('token'));
    const mcasts = [0, 1, 2].map(() => h.core.sendRings('mcast'));
    assert.deepEqual(tokens, [0b10, 0b01, 0b10, 0b01]);
    assert.deepEqual(mcasts, [0b10, 0b01, 0b10]);
  });
});

describe('RRP core (pure): active replication', () => {
  it('marks a ring that delivers no token copies FAULTY at exactly rrp_problem_count_threshold misses', () => {
    const h = new Harness();
    h.rotate(9, [0]);
    h.advance(100);
    assert.equal(h.state(1), 'active');
    assert.equal(h.core.view(1).problemCount, 9);
    assert.equal(h.core.view(0).problemCount, 0, 'the working ring is never charged');
    h.rotate(1, [0]);
    h.advance(100);
    assert.equal(h.state(1), 'faulty');
    assert.deepEqual(h.states, ['1:faulty']);
    assert.ok(h.logs.some((l) => l.startsWith('error Marking ringid 1 interface 10.0.1.1 FAULTY')), h.logs.join('\n'));
    assert.ok(h.logs.some((l) => /warning Incrementing problem counter for seqid r1:3 iface 10\.0\.1\.1 to \[3 of 10\]/.test(l)));
    assert.equal(h.core.view(1).text, 'Marking ringid 1 interface 10.0.1.1 FAULTY');
    // The other ring keeps carrying the traffic, and stays clean.
    h.rotate(100, [0]);
    assert.equal(h.state(0), 'active');
    assert.equal(h.core.view(0).problemCount, 0);
    assert.equal(h.core.view(1).markedFaulty, 1);
  });

  it('a copy within rrp_token_expired_timeout is no problem; a later one is, but never charges the first ring', () => {
    const h = new Harness();
    h.token(0, 'k1');
    h.advance(46);
    h.token(1, 'k1');
    h.advance(200);
    assert.equal(h.core.view(1).problemCount, 0);
    h.token(0, 'k2');
    h.advance(48);
    assert.equal(h.core.view(1).problemCount, 1);
    h.token(1, 'k2'); // late copy: recognised, not a new token that ring 0 would then "miss"
    h.advance(200);
    assert.equal(h.core.view(0).problemCount, 0);
    assert.equal(h.core.view(1).problemCount, 1);
  });

  it('copies arriving on ring 1 first count the same way (no ring is special)', () => {
    const h = new Harness();
    h.rotate(10, [1]);
    h.advance(100);
    assert.equal(h.state(0), 'faulty');
    assert.equal(h.state(1), 'active');
  });

  it('decays problem counters by one every rrp_problem_count_timeout, then stops the timer', () => {
    const h = new Harness();
    h.rotate(3, [0]);
    h.advance(100);
    assert.equal(h.core.view(1).problemCount, 3);
    h.rotate(5, [0, 1]); // healthy again
    const t0 = h.now;
    const armedAt = h.timers.get('problem_decrement');
    assert.ok(armedAt !== undefined && armedAt <= t0 + 2000);
    h.advance(armedAt - h.now);
    assert.equal(h.core.view(1).problemCount, 2);
    h.advance(2000);
    assert.equal(h.core.view(1).problemCount, 1);
    h.advance(2000);
    assert.equal(h.core.view(1).problemCount, 0);
    assert.equal(h.core.view(1).text, 'ring 1 active with no faults');
    assert.ok(h.logs.includes('notice ring 1 active with no faults'));
    assert.equal(h.timers.has('problem_decrement'), false, 'nothing left to decay: the timer is not re-armed');
    assert.equal(h.state(1), 'active');
  });

  it('occasional misses slower than the decay never make a ring faulty', () => {
    const h = new Harness();
    for (let i = 0; i < 100; i++) {
      h.rotate(1, [0]); // one miss...
      h.rotate(199, [0, 1]); // ...every 2 s of good traffic
    }
    assert.equal(h.state(1), 'active');
    assert.ok(h.core.view(1).problemCount <= 1);
  });

  it('recovers a faulty ring once it carries every token copy for a whole check period, and not before', () => {
    const h = new Harness();
    h.rotate(10, [0]);
    h.advance(100);
    assert.equal(h.state(1), 'faulty');
    h.rotate(250, [0]); // 2.5 s still dead: the checks find nothing
    assert.equal(h.state(1), 'faulty');
    assert.ok(h.logs.some((l) => l.startsWith('debug ring 1 still faulty: 0 token copies arrived')));
    const fixedAt = h.now;
    h.rotate(250, [0, 1]); // the cable is back
    assert.equal(h.state(1), 'active');
    assert.deepEqual(h.states, ['1:faulty', '1:active']);
    assert.ok(h.logs.some((l) => l === 'notice Automatically recovered ring 1 (interface 10.0.1.1)'));
    const recoveredLine = h.logs.findIndex((l) => l.startsWith('notice Automatically recovered'));
    assert.ok(recoveredLine >= 0);
    assert.equal(h.core.view(1).problemCount, 0);
    assert.equal(h.core.view(1).recovered, 1);
    assert.ok(h.now - fixedAt <= 2500);
    assert.equal(h.core.sendRings('mcast'), 0b11, 'messages go on both rings again');
  });

  it('does not recover a faulty ring that still loses some token copies', () => {
    const h = new Harness();
    h.rotate(10, [0]);
    h.advance(100);
    for (let i = 0; i < 500; i++) h.rotate(1, i % 3 === 0 ? [0] : [0, 1]);
    assert.equal(h.state(1), 'faulty');
    assert.equal(h.core.view(1).recovered, 0);
  });

  it('with both rings faulty sends on both, and whichever ring works again is recovered first', () => {
    const h = new Harness();
    h.rotate(10, [0]); // ring 1 fails
    h.advance(100);
    assert.equal(h.state(1), 'faulty');
    h.rotate(10, [1]); // at once ring 1 is back and ring 0 fails
    h.advance(100);
    assert.equal(h.state(0), 'faulty');
    assert.equal(h.core.sendRings('mcast'), 0b11, 'never stop sending: every ring');
    assert.equal(h.core.sendRings('token'), 0b11);
    assert.ok(h.logs.some((l) => l.startsWith('error every ring is FAULTY')));
    h.rotate(150, [1]);
    assert.equal(h.state(1), 'active');
    assert.equal(h.state(0), 'faulty');
    assert.equal(h.core.sendRings('mcast'), 0b10);
    h.rotate(250, [0, 1]);
    assert.equal(h.state(0), 'active');
    assert.equal(h.core.sendRings('mcast'), 0b11);
  });

  it('administrative re-enable clears the fault and the counter at once', () => {
    const h = new Harness();
    h.rotate(10, [0]);
    h.advance(100);
    const out: RrpAction[] = [];
    h.core.reenable(undefined, h.now, out);
    h.apply(out);
    assert.equal(h.state(1), 'active');
    assert.equal(h.core.view(1).problemCount, 0);
    assert.ok(h.logs.includes('notice administratively re-enabled ring 1 (interface 10.0.1.1)'));
    assert.equal(h.timers.has('recovery_check_1'), false);
  });

  it('keeps at most TOKENS_TRACKED_MAX outstanding tokens however fast they come', () => {
    const h = new Harness();
    for (let i = 0; i < 5000; i++) h.token(0, i);
    assert.ok(h.core.tracked() <= TOKENS_TRACKED_MAX, `${h.core.tracked()}`);
    assert.equal(h.state(1), 'faulty', 'the evicted ones were judged: ring 1 lagged by a thousand tokens');
    h.advance(1000);
    h.token(0, 'later');
    assert.equal(h.core.tracked(), 1, 'old entries are forgotten');
  });

  it('arms the token timer once per outstanding batch, not once per token', () => {
    const h = new Harness();
    let sets = 0;
    for (let i = 0; i < 1000; i++) {
      const out: RrpAction[] = [];
      h.core.tokenReceived(0, i, h.now, out);
      h.core.tokenReceived(1, i, h.now, out);
      sets += out.filter((a) => a.kind === 'set_timer').length;
      h.apply(out);
      h.advance(0.1);
    }
    assert.ok(sets <= 5, `${sets} timer settings for 1000 healthy tokens`);
  });
});

describe('RRP core (pure): passive replication', () => {
  it('marks a ring FAULTY when its token count lags the best ring by more than rrp_problem_count_threshold', () => {
    const h = new Harness({ mode: 'passive' });
    // Round-robin arrivals: balanced, never faulty.
    for (let i = 0; i < 200; i++) h.token((i % 2) as RingNo, i);
    assert.equal(h.state(0), 'active');
    assert.equal(h.state(1), 'active');
    assert.equal(h.core.tracked(), 0, 'passive tracks no tokens');
    // Ring 1 goes silent: every token now comes on ring 0.
    for (let i = 0; i < 10; i++) h.token(0, 1000 + i);
    assert.equal(h.core.view(1).tokenLag, 10);
    assert.equal(h.state(1), 'active');
    h.token(0, 2000);
    assert.equal(h.state(1), 'faulty');
    assert.ok(h.logs.some((l) => /^error Marking ringid 1 interface 10\.0\.1\.1 FAULTY \(received 11 fewer tokens than the best ring \(threshold 10\)\)$/.test(l)), h.logs.join('\n'));
    assert.equal(h.core.sendRings('mcast'), 0b01);
    assert.equal(h.core.sendRings('mcast'), 0b01);
    assert.equal(h.core.sendRings('token'), 0b11, 'ring 0 in turn, plus the probe copy on faulty ring 1');
  });

  it('marks a ring FAULTY when its message count lags by more than rrp_problem_count_mcast_threshold', () => {
    const h = new Harness({ mode: 'passive' });
    for (let i = 0; i < 100; i++) h.mcast(0);
    assert.equal(h.core.view(1).mcastLag, 100);
    assert.equal(h.core.view(1).problemCount, 100);
    assert.equal(h.state(1), 'active');
    h.mcast(0);
    assert.equal(h.state(1), 'faulty');
    assert.equal(h.state(0), 'active');
  });

  it('recovers the faulty ring from token probes, with a grace period for the message lag', () => {
    const h = new Harness({ mode: 'passive' });
    h.rotate(11, [0]);
    assert.equal(h.state(1), 'faulty');
    h.rotate(150, [0]);
    assert.equal(h.state(1), 'faulty');
    // Ring 1 works again: the predecessor sends each token on ring 0 plus a probe copy on ring 1.
    const fixedAt = h.now;
    while (h.state(1) === 'faulty' && h.now - fixedAt < 5000) h.rotate(1, [0, 1]);
    assert.equal(h.state(1), 'active');
    assert.ok(h.now - fixedAt <= 2000 + 10, `recovered ${h.now - fixedAt} ms after the fix: within two check periods`);
    assert.equal(h.core.view(1).tokenLag, 0, 'counts start over on re-enable');
    // Peers that have not re-enabled ring 1 yet still send messages on ring 0 only: no relapse during the grace.
    for (let i = 0; i < 300; i++) h.mcast(0);
    assert.equal(h.state(1), 'active');
    h.advance(1000);
    for (let i = 0; i < 101; i++) h.mcast(0);
    assert.equal(h.state(1), 'faulty', 'after the grace period the message lag counts again');
  });

  it('recovers from the tokens a predecessor that still trusts the ring sends on it (one ring in turn, no copies)', () => {
    const h = new Harness({ mode: 'passive' });
    h.rotate(11, [0]);
    assert.equal(h.state(1), 'faulty');
    const fixedAt = h.now;
    let i = 0;
    while (h.state(1) === 'faulty' && h.now - fixedAt < 5000) h.rotate(1, [(i++ % 2) as RingNo]);
    assert.equal(h.state(1), 'active');
    assert.ok(h.now - fixedAt <= 1000 + 10);
    for (let k = 0; k < 200; k++) h.rotate(1, [(i++ % 2) as RingNo]);
    assert.equal(h.state(1), 'active', 'balanced again: stays active');
  });

  it('a passive ring re-enabled while still losing packets goes FAULTY again through the monitor', () => {
    const h = new Harness({ mode: 'passive' });
    h.rotate(11, [0]);
    let i = 0;
    // The predecessor alternates; ring 1 loses every other one of its tokens.
    for (let k = 0; k < 400; k++) {
      const r = (i++ % 2) as RingNo;
      if (r === 1 && k % 4 === 1) continue;
      h.rotate(1, [r]);
    }
    assert.ok(h.core.view(1).recovered >= 1 && h.core.view(1).markedFaulty >= 2, `${JSON.stringify(h.core.view(1))}`);
  });

  it('arms no timers while both rings are healthy', () => {
    const h = new Harness({ mode: 'passive' });
    for (let i = 0; i < 100; i++) h.token((i % 2) as RingNo, i);
    assert.equal(h.timers.size, 0);
  });
});

describe('RRP core (pure): properties', () => {
  it('active: when every copy arrives within rrp_token_expired_timeout, no ring is ever charged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 100 }), delay: fc.integer({ min: 0, max: 46 }), firstRing: fc.constantFrom<RingNo>(0, 1) }), { maxLength: 200 }),
        (tokens) => {
          const h = new Harness();
          // Interleave: each token's second copy comes `delay` ms after the first.
          const events: { at: number; ring: RingNo; key: number }[] = [];
          let t = 0;
          tokens.forEach((tk, i) => {
            t += tk.gap;
            events.push({ at: t, ring: tk.firstRing, key: i }, { at: t + tk.delay, ring: (1 - tk.firstRing) as RingNo, key: i });
          });
          events.sort((a, b) => a.at - b.at);
          for (const e of events) {
            h.advance(e.at - h.now);
            h.token(e.ring, e.key);
          }
          h.advance(1000);
          return h.core.view(0).problemCount === 0 && h.core.view(1).problemCount === 0 && h.states.length === 0;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any mode, any receipts: the send mask is never empty and tracking stays bounded', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('active' as const, 'passive' as const),
        fc.array(fc.oneof(
          fc.record({ op: fc.constant('token' as const), ring: fc.constantFrom<RingNo>(0, 1), key: fc.integer({ min: 0, max: 50 }) }),
          fc.record({ op: fc.constant('mcast' as const), ring: fc.constantFrom<RingNo>(0, 1) }),
          fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
          fc.record({ op: fc.constant('send' as const), kind: fc.constantFrom('token' as const, 'mcast' as const) }),
        ), { maxLength: 300 }),
        (mode, ops) => {
          const h = new Harness({ mode, problemCountThreshold: 2, problemCountMcastThreshold: 3 });
          for (const o of ops) {
            if (o.op === 'token') h.token(o.ring, o.key);
            else if (o.op === 'mcast') h.mcast(o.ring);
            else if (o.op === 'advance') h.advance(o.ms);
            else if (h.core.sendRings(o.kind) === 0) return false;
          }
          return h.core.tracked() <= TOKENS_TRACKED_MAX && h.core.sendRings('mcast') !== 0;
        },
      ),
      { numRuns: 300 },
    );
  });
});
