// Deterministic simulation of the Totem ring with membership changes (issue 5):
// SIM_SEEDS seeds (default 2000), each drawing its ring size (1..32), network,
// fault schedule and workload (test/sim/run.ts), checked against every
// invariant of test/sim/invariants.ts. A failure names its seed, the fault
// plan and a replay command; SEED=n runs that one seed and prints its trace.
import assert from 'node:assert/strict';
import { membershipCoreMissing } from './membership-core.js';
import { describeFailure, runSeed, type SimResult } from './run.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 2000);
const ONE_SEED = process.env.SEED === undefined ? undefined : Number(process.env.SEED);
const NODES = process.env.SIM_NODES === undefined ? undefined : Number(process.env.SIM_NODES);
const CHUNK = 250;
const FAILURES_SHOWN = 3;
const EXERCISED_SEEDS = 200;

type Summary = Pick<SimResult, 'faultLog' | 'counts' | 'restarts' | 'nodes'>;
/** The first seeds' summaries, kept for the check that the faults are exercised (so those seeds run once). */
const summaries = new Map<number, Summary>();

function run(seed: number, faults: boolean): SimResult {
  const r = runSeed(seed, { nodes: NODES, faults });
  if (faults && seed <= EXERCISED_SEEDS) summaries.set(seed, { faultLog: r.faultLog, counts: r.counts, restarts: r.restarts, nodes: r.nodes });
  return r;
}

/** Runs seeds [from, to] and fails with the first few failures described and every failing seed listed. */
function runRange(from: number, to: number, faults: boolean): void {
  const failed: SimResult[] = [];
  for (let seed = from; seed <= to; seed++) {
    const r = run(seed, faults);
    if (r.violations.length > 0) failed.push(r);
  }
  if (failed.length > 0) {
    assert.fail([
      `${failed.length} of ${to - from + 1} seeds failed: ${failed.map((r) => r.seed).join(' ')}`,
      ...failed.slice(0, FAILURES_SHOWN).map(describeFailure),
    ].join('\n\n'));
  }
}

describe('totem sim: the membership ring under faults', function () {
  this.timeout(600_000);
  const missing = membershipCoreMissing();
  before(function () {
    if (missing !== undefined) {
      console.log(`    skipped: ${missing}`);
      this.skip();
    }
  });

  if (ONE_SEED !== undefined) {
    it(`seed ${ONE_SEED}${NODES === undefined ? '' : `, ${NODES} nodes`}: every invariant (trace below)`, () => {
      const r = runSeed(ONE_SEED, { nodes: NODES, trace: true });
      console.log(`${r.trace()}\n--- fault plan\n${r.faultLog.join('\n')}\n--- end state\n${r.status.join('\n')}`);
      if (r.violations.length > 0) assert.fail(describeFailure(r));
    });
    return;
  }

  for (let from = 1; from <= SEEDS; from += CHUNK) {
    const to = Math.min(SEEDS, from + CHUNK - 1);
    it(`seeds ${from}..${to}: agreed order, integrity, self-delivery, virtual synchrony, configurations, safe, liveness after the heal, bounded queues`, () => {
      runRange(from, to, true);
    });
  }

  it('fault-free seeds (loss up to 20%, duplication, reordering, staggered boots): one configuration of everybody, nothing lost', () => {
    runRange(100_001, 100_100, false);
  });

  it('the same seed gives the same run', () => {
    const a = runSeed(7, { trace: true });
    const b = runSeed(7, { trace: true });
    assert.equal(a.events, b.events);
    assert.equal(a.simulatedMs, b.simulatedMs);
    assert.equal(a.trace(), b.trace());
    assert.deepEqual(a.faultLog, b.faultLog);
  });

  it('ring renewal before the numbers wrap (core departure 9), every 150 to 2,050 seqs, under faults: seeds 50001..50300, safety invariants and bounded queues', () => {
    const failed: SimResult[] = [];
    let renewals = 0;
    for (let seed = 50_001; seed <= 50_300; seed++) {
      const r = runSeed(seed, { nodes: NODES, seqRenewAt: 150 + (seed % 20) * 100 });
      renewals += r.renewals;
      if (r.violations.length > 0) failed.push(r);
    }
    assert.equal(failed.length, 0, [`${failed.length} seeds failed: ${failed.map((r) => r.seed).join(' ')}`, ...failed.slice(0, FAILURES_SHOWN).map(describeFailure)].join('\n\n'));
    assert.ok(renewals > 300, `${renewals} renewals`);
  });

  it('the faults are exercised: crashes, stale restarts, partitions, clogs, bursts, pauses, drops, sender holds; rings up to 32 nodes', () => {
    const seen = new Map<string, number>();
    let pausedEvents = 0;
    let dropped = 0;
    let staleRestarts = 0;
    let heldSends = 0;
    let holdCancels = 0;
    let maxNodes = 0;
    for (let seed = 1; seed <= EXERCISED_SEEDS; seed++) {
      const r = summaries.get(seed) ?? run(seed, true);
      for (const line of r.faultLog) {
        const kind = /^\s*[\d.]+ (crash|restart|leave|partition|one-way|clog|loss burst|pause|drop|HEAL)/.exec(line)?.[1];
        if (kind !== undefined) seen.set(kind, (seen.get(kind) ?? 0) + 1);
      }
      pausedEvents += r.counts.pausedEvents;
      dropped += r.counts.dropped;
      staleRestarts += r.restarts.stale;
      heldSends += r.counts.heldSends;
      holdCancels += r.counts.holdCancels;
      maxNodes = Math.max(maxNodes, r.nodes);
    }
    for (const kind of ['crash', 'restart', 'leave', 'partition', 'one-way', 'clog', 'loss burst', 'pause', 'drop', 'HEAL']) {
      assert.ok((seen.get(kind) ?? 0) > 0, `no ${kind} fault in ${EXERCISED_SEEDS} seeds`);
    }
    assert.ok(pausedEvents > 0, 'no event ever waited for a paused process');
    assert.ok(dropped > 0, 'no drop rule ever fired');
    assert.ok(staleRestarts > 0, 'no restart from a stale disk');
    assert.ok(heldSends > 0 && holdCancels > 0, `sender hold: ${heldSends} held sends, ${holdCancels} hold cancels`);
    assert.ok(maxNodes >= 17, `largest ring ${maxNodes}`);
  });
});
