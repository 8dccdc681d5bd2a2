// Redundant rings with real aisexec processes on loopback: ring 0 on
// 127.0.0.x, ring 1 on 127.0.1.x, udpu, rrp_mode passive and active. A pulled
// cable is the CFG fault-injection request (RINGFORT_FAULT_INJECTION=1):
// node 2 drops everything it sends and receives on ring 0, as a NIC whose
// cable is out; nodes 1 and 3 still reach each other on ring 0. The ring must
// hide that: no membership change, agreed delivery keeps going over ring 1,
// ring 0 is marked FAULTY where it is crossed (node 2, and node 3 which no
// longer hears node 2 there), and it comes back once the cable is in, by the
// autorecovery or by ais-cfgtool -r.
//
// Bounds, measured on the project's 2-core machine (load 6-8 from other
// suites) with token 1000 ms (token_retransmit 238 ms),
// rrp_problem_count_threshold 10, rrp_autorecovery_check_timeout 1000 ms and
// the paced ping traffic below; the test prints its figures each run:
//  - passive: FAULTY at node 2 after 2.7-2.8 s: a token copy sent on the dead
//    ring is lost and retransmitted on the other after token_retransmit, so
//    node 2 hears about one token per rotation, and marks the ring when it
//    lags by more than the threshold (11 tokens). Slowest agreed delivery
//    meanwhile 2.0-2.9 s (lost tokens and lost messages, no membership change).
//    All of ring 0 (its switch): FAULTY everywhere after 3.6-3.8 s.
//  - active: FAULTY at node 2 after ~0.2 s (ten tokens without a ring 0 copy
//    within rrp_token_expired_timeout), slowest delivery 80 ms.
//  - back to active 0.9-1.6 s after the cable is back (the check period is
//    1 s); after ais-cfgtool -r, within 10 ms of the tool's answer.
// The bounds below are about twice the arithmetic worst case.
//
// Active mode needs one replay window per ring (the same sealed packet arrives
// on both rings); the driver keeps one per ring.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CfgClient } from '../../lib-ais/cfg.js';
import { RingCluster, sleep, type RingStatus } from '../helpers/ring-cluster.js';
import { REPO } from '../helpers/executive.js';

const NODES = [1, 2, 3];
/** token_retransmit is then 238 ms: what a lost token copy costs in passive mode. */
const TOTEM = ['token: 1000', 'token_coefficient: 0'];
/** Node 2's ring 0 cable is pulled; node 3 is its successor on the ring (it sends node 3 the token). */
const PULLED = 2;
/** Worst case passive: (threshold + 1) rotations, each losing up to two token copies: 11 x 2 x 238 ms = 5.2 s. */
const FAULTY_WITHIN_MS = { passive: 10_000, active: 2_000 };
/** One autorecovery check period to see a copy, one more to judge, then the poll. */
const RECOVERED_WITHIN_MS = 4000;
const REENABLED_WITHIN_MS = 1500;
/** Agreed delivery stalls while lost copies are retransmitted on the other ring (passive); never for a token timeout. */
const PING_LATENCY_MAX_MS = { passive: 6000, active: 1000 };

interface Ring0Status extends RingStatus {
  rrp: RingStatus['rrp'] & { rings: Array<RingStatus['rrp']['rings'][number] & { markedFaulty: number; recovered: number; packetsDropped: number; transport: { blocked: boolean } }> };
}

/** Each node multicasts pings through the ring, paced, one at a time, and records round trips and failures. */
class Traffic {
  readonly count = new Map<number, number>();
  readonly errors: string[] = [];
  maxLatencyMs = 0;
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(private readonly clients: Map<number, CfgClient>) {
    this.loops = [...clients].map(([id, c]) => this.loop(id, c));
  }

  private async loop(id: number, c: CfgClient): Promise<void> {
    let n = 0;
    while (this.running) {
      const t0 = performance.now();
      try {
        const payload = Buffer.from(`node ${id} ping ${n}`);
        const echo = await Promise.race([c.mcastPing(payload), sleep(10_000).then(() => { throw new Error('no agreed delivery within 10 s'); })]);
        if (!echo.equals(payload)) this.errors.push(`node ${id}: ping ${n} came back as ${echo.toString()}`);
      } catch (e) {
        this.errors.push(`node ${id}: ping ${n}: ${(e as Error).message}`);
      }
      this.maxLatencyMs = Math.max(this.maxLatencyMs, performance.now() - t0);
      this.count.set(id, ++n);
      await sleep(5);
    }
  }

  total(): number {
    return [...this.count.values()].reduce((a, b) => a + b, 0);
  }

  /** Resolves once every node has had `more` further pings delivered. */
  async progress(more: number, timeoutMs = 10_000): Promise<void> {
    const from = new Map(this.count);
    const t0 = Date.now();
    while (!NODES.every((i) => (this.count.get(i) ?? 0) >= (from.get(i) ?? 0) + more)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`agreed delivery stalled: ${JSON.stringify([...this.count])}; ${this.errors.slice(0, 3).join('; ')}`);
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

/** Polls every node's status and remembers every ring id and member list seen. */
class MembershipWatch {
  readonly seen = new Set<string>();
  readonly last = new Map<number, Ring0Status>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly clients: Map<number, CfgClient>) {
    this.loop = (async () => {
      while (this.running) {
        await this.poll();
        await sleep(25);
      }
    })();
  }

  async poll(): Promise<void> {
    await Promise.all([...this.clients].map(async ([id, c]) => {
      const s = ((await c.status()) as { delivery: Ring0Status }).delivery;
      this.last.set(id, s);
      this.seen.add(`${s.state} ${s.ringId?.text ?? '-'} [${s.members.join(',')}]`);
    }));
  }

  ring(node: number, ring: 0 | 1) {
    return this.last.get(node)!.rrp.rings[ring]!;
  }

  /** Polls until `cond` holds on the latest statuses; returns the ms it took. */
  async until(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    for (;;) {
      await this.poll();
      if (cond()) return performance.now() - t0;
      if (performance.now() - t0 > timeoutMs) {
        const rings = [...this.last].map(([id, s]) => `node ${id}: ${s.rrp.rings.map((r) => `${r.ring} ${r.state} "${r.text}"`).join(', ')}`);
        throw new Error(`${what}: not within ${timeoutMs} ms\n${rings.join('\n')}`);
      }
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

function cfgtool(socketPath: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'aisexec/tools/cfgtool.ts'), '-S', socketPath, ...args], { cwd: REPO, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('redundant rings (real processes on loopback, a pulled ring 0 cable)', function () {
  this.timeout(90_000);
  let cluster: RingCluster | undefined;
  let clients = new Map<number, CfgClient>();
  let statusClients = new Map<number, CfgClient>();
  let traffic: Traffic | undefined;
  let watch: MembershipWatch | undefined;

  afterEach(async () => {
    await traffic?.stop();
    await watch?.stop();
    for (const c of [...clients.values(), ...statusClients.values()]) c.finalize();
    clients = new Map();
    statusClients = new Map();
    traffic = undefined;
    watch = undefined;
    await cluster?.stopAll();
    cluster = undefined;
  });

  /** Three nodes in one ring, ping traffic from each, a watch on the membership; returns the ring id. */
  async function ringWithTraffic(mode: 'active' | 'passive', port: number, totem: string[] = []): Promise<string> {
    cluster = new RingCluster({ nodes: 3, port, rrpMode: mode, totem: [...TOTEM, ...totem], env: { RINGFORT_FAULT_INJECTION: '1' } });
    await cluster.startAll();
    await cluster.waitRing(NODES, NODES);
    for (const i of NODES) {
      clients.set(i, await CfgClient.open({}, { socketPath: cluster.node(i).socketPath }));
      statusClients.set(i, await CfgClient.open({}, { socketPath: cluster.node(i).socketPath }));
    }
    watch = new MembershipWatch(statusClients);
    await watch.poll();
    const ringId = watch.last.get(1)!.ringId!.text;
    traffic = new Traffic(clients);
    await traffic.progress(20);
    for (const i of NODES) assert.deepEqual(watch.last.get(i)!.rrp.rings.map((r) => r.state), ['active', 'active'], `node ${i} before the fault`);
    return ringId;
  }

  /** The cable out: ring 0 goes FAULTY at node 2 and at its successor, and the ring keeps delivering. Returns ms to FAULTY at node 2. */
  async function pullCable(mode: 'active' | 'passive'): Promise<number> {
    await clients.get(PULLED)!.ringBlock(0, true);
    const ms = await watch!.until(`ring 0 FAULTY at node ${PULLED}`, () => watch!.ring(PULLED, 0).state === 'faulty', FAULTY_WITHIN_MS[mode]);
    await watch!.until('ring 0 FAULTY at node 3 (it no longer hears node 2 there)', () => watch!.ring(3, 0).state === 'faulty', FAULTY_WITHIN_MS[mode]);
    const r0 = watch!.ring(PULLED, 0);
    assert.match(r0.text, new RegExp(`^Marking ringid 0 interface 127\\.0\\.0\\.${PULLED} FAULTY$`));
    assert.equal(r0.transport.blocked, true);
    for (const i of NODES) assert.equal(watch!.ring(i, 1).state, 'active', `node ${i}: ring 1 stays active`);
    await traffic!.progress(10, 30_000); // agreed delivery over ring 1 alone
    return ms;
  }

  /** Pings per second, all nodes together, over the next `ms`. */
  async function rate(ms: number): Promise<number> {
    const n0 = traffic!.total();
    await sleep(ms);
    return Math.round(((traffic!.total() - n0) * 1000) / ms);
  }

  function assertOneMembership(ringId: string): void {
    assert.deepEqual([...watch!.seen], [`operational ${ringId} [1,2,3]`], 'the membership never changed');
    assert.deepEqual(traffic!.errors, []);
    for (const i of NODES) assert.equal(watch!.last.get(i)!.lastChange?.ring, ringId, `node ${i} installed no other ring`);
  }

  for (const [mode, port] of [['passive', 5461], ['active', 5465]] as const) {
    it(`${mode}: ring 0 FAULTY within ${FAULTY_WITHIN_MS[mode]} ms, same ring id throughout, agreed delivery continues, automatic recovery after the cable is back`, async () => {
      const ringId = await ringWithTraffic(mode, port);
      const rateBefore = await rate(1000);
      const toFaulty = await pullCable(mode);
      const before = traffic!.total();
      // A while on one ring: the autorecovery must not re-enable a ring that still drops everything.
      const retransmits0 = watch!.last.get(1)!.counters.tokenRetransmits as number;
      const rateFaulty = await rate(1500);
      await watch!.poll();
      const retransmits = (watch!.last.get(1)!.counters.tokenRetransmits as number) - retransmits0;
      const statesFaulty = NODES.map((i) => `node ${i} ${watch!.last.get(i)!.rrp.rings.map((r) => r.state).join('/')}`).join(', ');
      assert.equal(watch!.ring(PULLED, 0).state, 'faulty', 'still FAULTY while the cable is out');
      assert.equal(watch!.ring(PULLED, 0).recovered, 0);

      await clients.get(PULLED)!.ringBlock(0, false);
      const toActive = await watch!.until('every ring active on every node', () => NODES.every((i) => [0, 1].every((r) => watch!.ring(i, r as 0 | 1).state === 'active')), RECOVERED_WITHIN_MS);
      assert.match(watch!.ring(PULLED, 0).text, /^ring 0 active with no faults$/);
      assert.ok(watch!.ring(PULLED, 0).recovered >= 1);
      await traffic!.progress(20);
      await sleep(500); // and it stays recovered
      await watch!.poll();
      for (const i of NODES) assert.deepEqual(watch!.last.get(i)!.rrp.rings.map((r) => r.state), ['active', 'active'], `node ${i} after recovery`);

      await traffic!.stop();
      await watch!.stop();
      assertOneMembership(ringId);
      const s2 = watch!.last.get(PULLED)!;
      console.log(`      ${mode}: FAULTY at node ${PULLED} after ${Math.round(toFaulty)} ms; all rings active ${Math.round(toActive)} ms after the unblock; ` +
        `${traffic!.total()} pings (${traffic!.total() - before} after FAULTY), ${rateBefore}/s before the fault, ${rateFaulty}/s with ring 0 FAULTY (${statesFaulty}; node 1 retransmitted the token ${retransmits} times in 1.5 s), slowest ${Math.round(traffic!.maxLatencyMs)} ms; ` +
        `node ${PULLED}: token retransmits ${String(s2.counters.tokenRetransmits)}, ring 0 dropped ${s2.rrp.rings[0]!.packetsDropped}`);
      assert.ok(traffic!.maxLatencyMs < PING_LATENCY_MAX_MS[mode], `slowest agreed delivery ${traffic!.maxLatencyMs} ms`);
    });
  }

  for (const [mode, port] of [['passive', 5469], ['active', 5473]] as const) {
    it(`${mode}: with the autorecovery slowed to an hour, ring 0 stays FAULTY after the cable is back until ais-cfgtool -r on another node re-enables it everywhere`, async () => {
      const ringId = await ringWithTraffic(mode, port, ['rrp_autorecovery_check_timeout: 3600000']);
      await pullCable(mode);
      await clients.get(PULLED)!.ringBlock(0, false);
      await sleep(2000);
      await watch!.poll();
      assert.equal(watch!.ring(PULLED, 0).state, 'faulty', 'no autorecovery within the hour');
      assert.equal(watch!.ring(3, 0).state, 'faulty');

      const t0 = performance.now();
      const r = cfgtool(cluster!.node(1).socketPath, '-r');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'Re-enabling all failed rings.\n');
      const toActive = await watch!.until('every ring active on every node after -r', () => NODES.every((i) => [0, 1].every((k) => watch!.ring(i, k as 0 | 1).state === 'active')), REENABLED_WITHIN_MS);
      await traffic!.progress(20);
      await sleep(500);
      await watch!.poll();
      for (const i of NODES) assert.deepEqual(watch!.last.get(i)!.rrp.rings.map((x) => x.state), ['active', 'active'], `node ${i} stays active after -r`);
      assert.ok(cluster!.node(3).output.includes('re-enabling faulty rings (requested on node 1)'), cluster!.node(3).output);

      await traffic!.stop();
      await watch!.stop();
      assertOneMembership(ringId);
      console.log(`      ${mode}: -r from node 1 (tool start included) to every ring active: ${Math.round(performance.now() - t0)} ms (${Math.round(toActive)} ms after the tool returned)`);
    });
  }

  it('passive: ring 0 cut at every node (its switch fails): FAULTY everywhere, one membership, delivery on ring 1; back everywhere after the switch', async () => {
    const ringId = await ringWithTraffic('passive', 5477);
    for (const i of NODES) await clients.get(i)!.ringBlock(0, true);
    const toFaulty = await watch!.until('ring 0 FAULTY on every node', () => NODES.every((i) => watch!.ring(i, 0).state === 'faulty'), FAULTY_WITHIN_MS.passive);
    await traffic!.progress(10, 30_000);
    for (const i of NODES) await clients.get(i)!.ringBlock(0, false);
    const toActive = await watch!.until('ring 0 active on every node', () => NODES.every((i) => watch!.ring(i, 0).state === 'active'), RECOVERED_WITHIN_MS);
    await traffic!.progress(20);
    await traffic!.stop();
    await watch!.stop();
    assertOneMembership(ringId);
    assert.ok(traffic!.maxLatencyMs < PING_LATENCY_MAX_MS.passive, `slowest agreed delivery ${traffic!.maxLatencyMs} ms`);
    console.log(`      passive, whole ring 0: FAULTY everywhere after ${Math.round(toFaulty)} ms, active everywhere ${Math.round(toActive)} ms after the unblock, slowest ping ${Math.round(traffic!.maxLatencyMs)} ms`);
  });
});
