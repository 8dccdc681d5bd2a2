// Deterministic simulation of the Totem core on a fixed membership (issue 5):
// many seeds, each with its own network (loss up to 20%, duplication,
// reordering by random delay) and workload; after every run the invariants of
// test/sim/invariants.ts. A failure names its seed; SEED=n replays just that one.
import assert from 'node:assert/strict';
import { describeFailure, runSeed } from './run.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 200);
const ONE_SEED = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const NODE_COUNTS = process.env.SIM_NODES === undefined ? [1, 2, 3, 5] : [Number(process.env.SIM_NODES)];

describe('totem sim: fixed membership, OPERATIONAL', () => {
  for (const nodes of NODE_COUNTS) {
    it(`${ONE_SEED === undefined ? `${SEEDS} seeds` : `seed ${ONE_SEED}`}, ${nodes} node(s), loss up to 20%: agreed order, integrity, self-delivery, no loss, bounded queues`, () => {
      const seeds = ONE_SEED === undefined ? Array.from({ length: SEEDS }, (_, i) => i + 1) : [ONE_SEED];
      for (const seed of seeds) {
        const r = runSeed(seed, { nodes, lossMax: 0.2 });
        if (r.violations.length > 0) {
          if (ONE_SEED !== undefined) console.log(r.trace());
          assert.fail(describeFailure(r));
        }
      }
    });
  }

  it('the same seed gives the same run', () => {
    const a = runSeed(7, { nodes: 3, lossMax: 0.2 });
    const b = runSeed(7, { nodes: 3, lossMax: 0.2 });
    assert.equal(a.events, b.events);
    assert.equal(a.simulatedMs, b.simulatedMs);
    assert.equal(a.trace(), b.trace());
  });

  it('a lossy ring really retransmits (the faults are exercised)', () => {
    let mcast = 0;
    let token = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const r = runSeed(seed, { nodes: 3, lossMax: 0.2 });
      mcast += r.mcastRetransmits;
      token += r.tokenRetransmits;
    }
    assert.ok(mcast > 0, 'no message was ever retransmitted');
    assert.ok(token > 0, 'no token was ever retransmitted');
  });
});
