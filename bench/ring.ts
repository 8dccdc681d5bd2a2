// bench/ring: three aisexec processes forming one Totem ring over loopback
// (udpu, 127.0.0.1..3, test/helpers/ring-cluster.ts), measured against the
// corosync 3.1.7 figures of issue 5 (udpu, 3 nodes, a 2-core machine).
//
//  1. Agreed-order throughput: CFG mcast pings (ReqLibCfgMcastPing: the
//     executive multicasts the payload in agreed order and answers the client
//     when the message comes back to its own node), pipelined, `window`
//     outstanding per client; one sender (node 1) and three (one client per
//     node). A message counts once its sender has delivered it; every node's
//     `delivered` counter must advance by the same amount (checked per phase).
//  2. Self-delivery latency of a 64-byte ping with one outstanding, from the
//     representative and from another node, next to the IPC round trip alone
//     (ReqLibCfgPing) measured in the same run.
//  3. Membership changes: kill -9 of a non-representative and of the
//     representative, and SIGTERM (an orderly leave), each repeated; the time
//     from the signal to the last survivor's "A new membership (...) was
//     formed" log line (the executives' logs carry wall-clock ms timestamps,
//     the same clock as the bench's Date.now()). At token 1000 with
//     token_coefficient 0 (token_eff 1000 ms) and with the default
//     coefficient 650 (token_eff 1650 ms, what corosync's 3.43 s used).
//
// BENCH_SECONDS (measured seconds per throughput phase), BENCH_WINDOW
// (outstanding pings per client), BENCH_CALLS (latency samples), BENCH_REPS
// (repetitions per membership change), BENCH_ONLY=throughput|latency|membership,
// BENCH_RING_PROFILE=DIR (run the aisexec processes with --cpu-prof into DIR
// during the throughput and latency phases and print each node's hottest
// functions).
import fs from 'node:fs';
import path from 'node:path';
import { CfgClient } from '../lib-ais/cfg.js';
import { SaAisErrorT } from '../lib-ais/errors.js';
import { MSG_CFG_MCAST_PING } from '../lib-ais/ipc/ids.js';
import { RingCluster, sleep, type RingStatus } from '../test/helpers/ring-cluster.js';
import { round, summarise } from './stats.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const WINDOW = Number(process.env['BENCH_WINDOW'] ?? 256);
const CALLS = Number(process.env['BENCH_CALLS'] ?? 10_000);
const REPS = Number(process.env['BENCH_REPS'] ?? 7);
const ONLY = process.env['BENCH_ONLY'];
const PROFILE_DIR = process.env['BENCH_RING_PROFILE'];
const PORT = Number(process.env['BENCH_PORT'] ?? 5441);

/** corosync 3.1.7, udpu, 3 nodes, measured on a 2-core machine like this one (issue 5). */
export const COROSYNC = { msgs_per_s_64: 66_000, msgs_per_s_1k: 36_000, p50_us_64: 87, crash_to_ring_ms: 3430 };

const NODES = [1, 2, 3];

// ------------------------------------------------------------ CPU accounting

/** utime + stime of a process in ms (Linux /proc; clock ticks are 100 Hz). */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

class CpuMeter {
  private readonly t0 = performance.now();
  private readonly self0 = process.cpuUsage();
  private readonly nodes0: number[];
  constructor(private readonly cluster: RingCluster) {
    this.nodes0 = NODES.map((i) => cpuMsOf(cluster.node(i).proc!.pid!));
  }
  /** Each aisexec's and the bench process's CPU use over the interval, in % of one core. */
  read(): { nodes: number[]; bench: number } {
    const wall = performance.now() - this.t0;
    const self = process.cpuUsage(this.self0);
    return {
      nodes: NODES.map((i, k) => Math.round((100 * (cpuMsOf(this.cluster.node(i).proc!.pid!) - this.nodes0[k]!)) / wall)),
      bench: Math.round((100 * (self.user + self.system)) / 1000 / wall),
    };
  }
}

// --------------------------------------------------------------- throughput

interface Pump {
  ok: number;
  tryAgain: number;
  stop(): Promise<void>;
}

/** Keeps `window` mcast pings outstanding on one client until stopped. */
function pump(c: CfgClient, payload: Buffer, window: number): Pump {
  let stopping = false;
  let inflight = 0;
  let drained: () => void = () => {};
  const p: Pump = {
    ok: 0,
    tryAgain: 0,
    stop: () => {
      stopping = true;
      return inflight === 0 ? Promise.resolve() : new Promise<void>((r) => { drained = r; });
    },
  };
  const done = (r: { error: SaAisErrorT }): void => {
    inflight--;
    if (r.error === SaAisErrorT.SA_AIS_OK) p.ok++;
    else if (r.error === SaAisErrorT.SA_AIS_ERR_TRY_AGAIN) p.tryAgain++;
    else throw new Error(`mcast ping failed: ${SaAisErrorT[r.error]}`);
    if (stopping) { if (inflight === 0) drained(); } else issue();
  };
  const issue = (): void => {
    while (inflight < window) {
      inflight++;
      c.conn.request(MSG_CFG_MCAST_PING, payload).then(done, (e: Error) => { throw e; });
    }
  };
  issue();
  return p;
}

async function deliveredCounts(cluster: RingCluster): Promise<number[]> {
  const ss = await Promise.all(NODES.map((i) => cluster.status(i)));
  return ss.map((s) => s.counters['delivered'] as number);
}

/** The ring's own counters, summed over the nodes: what a throughput phase cost in tokens and frames. */
interface RingCounters { rotations: number; frames: number; retransmitted: number; tokenRetransmits: number; messages: number }

async function ringCounters(cluster: RingCluster): Promise<RingCounters> {
  const ss = (await Promise.all(NODES.map((i) => cluster.status(i)))) as Array<RingStatus & { packer: Record<string, number> }>;
  const sum = (f: (s: RingStatus & { packer: Record<string, number> }) => number) => ss.reduce((a, s) => a + f(s), 0);
  return {
    rotations: ss[0]!.counters['tokensReceived'] as number,
    frames: sum((s) => s.counters['mcastsSent'] as number),
    retransmitted: sum((s) => s.counters['mcastsRetransmitted'] as number),
    tokenRetransmits: sum((s) => s.counters['tokenRetransmits'] as number),
    messages: sum((s) => s.packer['messagesSubmitted']!),
  };
}

interface ThroughputResult {
  bytes: number;
  senders: number;
  msgsPerS: number;
  mbPerS: number;
  tryAgain: number;
  deliveredEqual: boolean;
  deliveredDelta: number[];
  sent: number;
  cpu: { nodes: number[]; bench: number };
  /** Per second of the measured interval (rotations: tokens seen by node 1). */
  ring: RingCounters & { msgsPerFrame: number; framesPerRotation: number };
}

async function throughput(cluster: RingCluster, clients: CfgClient[], bytes: number, senders: number): Promise<ThroughputResult> {
  const payload = Buffer.alloc(bytes, 0x5a);
  const before = await deliveredCounts(cluster);
  const pumps = clients.slice(0, senders).map((c) => pump(c, payload, WINDOW));
  await sleep(500); // warm-up: queues fill, the JIT settles
  const ok0 = pumps.reduce((a, p) => a + p.ok, 0);
  const t0 = performance.now();
  const cpu = new CpuMeter(cluster);
  const rc0 = await ringCounters(cluster);
  await sleep(SECONDS * 1000);
  const ok1 = pumps.reduce((a, p) => a + p.ok, 0);
  const t1 = performance.now();
  const usage = cpu.read();
  const rc1 = await ringCounters(cluster);
  const perS = (k: keyof RingCounters) => Math.round(((rc1[k] - rc0[k]) * 1000) / (t1 - t0));
  const ring = {
    rotations: perS('rotations'), frames: perS('frames'), retransmitted: perS('retransmitted'), tokenRetransmits: perS('tokenRetransmits'), messages: perS('messages'),
    msgsPerFrame: round((rc1.messages - rc0.messages) / Math.max(1, rc1.frames - rc0.frames), 1),
    framesPerRotation: round((rc1.frames - rc0.frames) / Math.max(1, rc1.rotations - rc0.rotations), 1),
  };
  await Promise.all(pumps.map((p) => p.stop()));
  const sent = pumps.reduce((a, p) => a + p.ok, 0);
  // Every answered ping was delivered at its sender; the others deliver it within a rotation or two.
  let after = await deliveredCounts(cluster);
  for (let k = 0; k < 50 && new Set(after).size > 1; k++) { await sleep(20); after = await deliveredCounts(cluster); }
  const delta = after.map((a, k) => a - before[k]!);
  const msgsPerS = ((ok1 - ok0) * 1000) / (t1 - t0);
  return {
    bytes, senders, msgsPerS: Math.round(msgsPerS), mbPerS: round((msgsPerS * bytes) / 1e6, 2), tryAgain: pumps.reduce((a, p) => a + p.tryAgain, 0),
    deliveredEqual: delta.every((d) => d === delta[0]) && delta[0] === sent, deliveredDelta: delta, sent, cpu: usage, ring,
  };
}

// ------------------------------------------------------------------ latency

async function latency(call: () => Promise<unknown>, n: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(1000, n / 10); i++) await call();
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await call();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return summarise(samples);
}

// --------------------------------------------------------------- membership

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FORMED = /^(\w{3}) (\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) .*A new membership \(([^)]*)\) was formed\. Members ([\d,]*)/;

/** The logger's local-time `Mon DD HH:MM:SS.mmm` as epoch ms (the year is the one nearest to `near`). */
function logTimeMs(m: RegExpExecArray, near: number): number {
  const y = new Date(near).getFullYear();
  const at = (year: number) => new Date(year, MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])).getTime();
  return [y - 1, y, y + 1].map(at).reduce((a, b) => (Math.abs(b - near) < Math.abs(a - near) ? b : a));
}

/** The memberships a node's log reports from `offset` on. */
function formedSince(output: string, offset: number, near: number): Array<{ atMs: number; ring: string; members: number[] }> {
  const out: Array<{ atMs: number; ring: string; members: number[] }> = [];
  for (const line of output.slice(offset).split('\n')) {
    const m = FORMED.exec(line);
    if (m !== null) out.push({ atMs: logTimeMs(m, near), ring: m[7]!, members: m[8]!.split(',').map(Number) });
  }
  return out;
}

type ChangeKind = 'crash-nonrep' | 'crash-rep' | 'leave';

interface ChangeSample {
  kind: ChangeKind;
  victim: number;
  /** Signal to the last survivor's log line for the new ring. */
  logMs: number;
  /** Signal to the status poll that first saw every survivor in the new ring (an upper bound, 20 ms polls). */
  pollMs: number;
  /** Rings formed by any survivor on the way (1 when the survivors went straight to the final ring). */
  rings: number;
}

async function membershipChange(cluster: RingCluster, kind: ChangeKind): Promise<ChangeSample> {
  const s1 = await cluster.status(NODES.find((i) => cluster.node(i).proc?.exitCode === null)!);
  const rep = s1.ringId!.rep;
  const victim = kind === 'crash-rep' ? rep : Math.max(...s1.members.filter((m) => m !== rep));
  const survivors = NODES.filter((i) => i !== victim);
  const offsets = survivors.map((i) => cluster.node(i).output.length);
  const t0 = Date.now();
  cluster.signal(victim, kind === 'leave' ? 'SIGTERM' : 'SIGKILL');
  await cluster.waitExit(victim);
  await cluster.waitRing(survivors, survivors, 20_000);
  const pollMs = Date.now() - t0;
  await sleep(50); // the log lines are in the pipes by now; let them arrive
  const formed = survivors.map((i, k) => formedSince(cluster.node(i).output, offsets[k]!, t0));
  const finals = formed.map((f) => f.filter((r) => JSON.stringify(r.members) === JSON.stringify(survivors)).at(-1));
  if (finals.some((f) => f === undefined) || new Set(finals.map((f) => f!.ring)).size !== 1) {
    throw new Error(`${kind} of node ${victim}: survivors' logs do not show one new ring [${survivors.join(',')}]: ${JSON.stringify(formed)}`);
  }
  const logMs = Math.max(...finals.map((f) => f!.atMs)) - t0;
  const rings = new Set(formed.flat().map((r) => r.ring)).size;
  // Back to three for the next repetition.
  await cluster.start(victim);
  await cluster.waitRing(NODES, NODES, 20_000);
  await sleep(300);
  return { kind, victim, logMs, pollMs, rings };
}

interface ChangeSummary { median: number; max: number; pollMedian: number; samples: number[]; extraRings: number }

function summariseChanges(xs: ChangeSample[]): ChangeSummary {
  const s = xs.map((x) => x.logMs).sort((a, b) => a - b);
  const p = xs.map((x) => x.pollMs).sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)]!, max: s.at(-1)!, pollMedian: p[Math.floor((p.length - 1) / 2)]!, samples: xs.map((x) => x.logMs), extraRings: xs.filter((x) => x.rings > 1).length };
}

async function membership(coefficient: number, port: number): Promise<Record<ChangeKind, ChangeSummary>> {
  const cluster = new RingCluster({ nodes: 3, port, totem: ['token: 1000', `token_coefficient: ${coefficient}`] });
  try {
    await cluster.startAll();
    await cluster.waitRing(NODES, NODES, 20_000);
    const st = (await cluster.status(1)) as RingStatus & { config: Record<string, number> };
    console.log(`ring: token 1000, token_coefficient ${coefficient}: token_eff ${st.config['token']} ms, fail-wait ${st.config['fail_wait']} ms, consensus ${st.config['consensus']} ms`);
    const out = {} as Record<ChangeKind, ChangeSummary>;
    for (const kind of ['crash-nonrep', 'crash-rep', 'leave'] as ChangeKind[]) {
      const xs: ChangeSample[] = [];
      for (let r = 0; r < REPS; r++) xs.push(await membershipChange(cluster, kind));
      out[kind] = summariseChanges(xs);
      const s = out[kind];
      console.log(`ring:   ${kind.padEnd(12)} (${xs.map((x) => `n${x.victim}`).join(' ')}): signal to new ring (logs) median ${s.median} ms, max ${s.max} ms; status poll median ${s.pollMedian} ms; samples ${s.samples.join(' ')}${s.extraRings > 0 ? `; ${s.extraRings} with an intermediate ring` : ''}`);
    }
    return out;
  } finally {
    await cluster.stopAll();
  }
}

// ---------------------------------------------------------------- profiling

interface CpuProfile { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[]; timeDeltas: number[] }

/** Self time per function of a V8 .cpuprofile, hottest first. */
export function hotFunctions(file: string, top = 25): Array<{ pct: number; fn: string }> {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    const dt = p.timeDeltas[i] ?? 0;
    const cf = n.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*\/(dist|node_modules)\//, '').replace(/^node:/, 'node:')}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, t]) => ({ pct: round((100 * t) / total, 1), fn }));
}

// --------------------------------------------------------------------- main

export async function run(): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = { bench: 'ring', nodes: 3, transport: 'udpu' };
  const tp: ThroughputResult[] = [];
  if (ONLY === undefined || ONLY === 'throughput' || ONLY === 'latency') {
    const env: NodeJS.ProcessEnv = {};
    if (PROFILE_DIR !== undefined) {
      fs.mkdirSync(PROFILE_DIR, { recursive: true });
      env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --cpu-prof --cpu-prof-dir=${path.resolve(PROFILE_DIR)}`;
    }
    const cluster = new RingCluster({ nodes: 3, port: PORT, env });
    try {
      await cluster.startAll();
      await cluster.waitRing(NODES, NODES, 20_000);
      const clients = await Promise.all(NODES.map((i) => CfgClient.open({}, { socketPath: cluster.node(i).socketPath })));
      try {
        if (ONLY !== 'latency') {
          console.log(`ring: agreed-order throughput, CFG mcast pings, ${WINDOW} outstanding per client, ${SECONDS} s measured after 0.5 s warm-up`);
          for (const bytes of [64, 1024]) {
            for (const senders of [1, 3]) {
              const r = await throughput(cluster, clients, bytes, senders);
              tp.push(r);
              console.log(`ring:   ${String(bytes).padStart(4)} B, ${senders} sender${senders > 1 ? 's' : ' '}: ${r.msgsPerS} msg/s (${r.mbPerS} MB/s payload), TRY_AGAIN ${r.tryAgain}; delivered per node ${r.deliveredDelta.join('/')} of ${r.sent} sent (${r.deliveredEqual ? 'equal' : 'NOT EQUAL'}); CPU % aisexec ${r.cpu.nodes.join('/')}, bench ${r.cpu.bench}`);
              console.log(`ring:          per s: ${r.ring.rotations} rotations, ${r.ring.frames} frames (${r.ring.framesPerRotation}/rotation, ${r.ring.msgsPerFrame} msgs/frame), ${r.ring.retransmitted} frames retransmitted, ${r.ring.tokenRetransmits} token retransmits`);
            }
          }
          const at = (b: number, s: number) => tp.find((r) => r.bytes === b && r.senders === s)!;
          Object.assign(result, {
            msgs_per_s_64: Math.max(at(64, 1).msgsPerS, at(64, 3).msgsPerS), msgs_per_s_1k: Math.max(at(1024, 1).msgsPerS, at(1024, 3).msgsPerS),
            msgs_per_s_64_1sender: at(64, 1).msgsPerS, msgs_per_s_64_3senders: at(64, 3).msgsPerS,
            msgs_per_s_1k_1sender: at(1024, 1).msgsPerS, msgs_per_s_1k_3senders: at(1024, 3).msgsPerS,
            delivered_equal: tp.every((r) => r.deliveredEqual), window: WINDOW,
          });
        }
        if (ONLY !== 'throughput') {
          console.log(`ring: self-delivery latency, 64 B mcast ping, one outstanding, ${CALLS} calls each; IPC alone (ReqLibCfgPing, 64 B) in the same run`);
          const payload = Buffer.alloc(64, 0x5a);
          const rep = await latency(() => clients[0]!.mcastPing(payload), CALLS);
          console.log(`ring:   from node 1 (representative): p50 ${rep.p50} us, p99 ${rep.p99} us`);
          const other = await latency(() => clients[1]!.mcastPing(payload), CALLS);
          console.log(`ring:   from node 2: p50 ${other.p50} us, p99 ${other.p99} us`);
          const ipc = await latency(() => clients[0]!.ping(payload), CALLS);
          console.log(`ring:   IPC round trip alone (node 1): p50 ${ipc.p50} us, p99 ${ipc.p99} us`);
          Object.assign(result, {
            p50_us_64: rep.p50, p99_us_64: rep.p99, p50_us_64_node2: other.p50, p99_us_64_node2: other.p99,
            ipc_p50_us: ipc.p50, ipc_p99_us: ipc.p99,
          });
        }
      } finally {
        for (const c of clients) c.finalize();
      }
    } finally {
      await cluster.stopAll();
    }
    if (PROFILE_DIR !== undefined) {
      for (const f of fs.readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'))) {
        console.log(`ring: profile ${path.join(PROFILE_DIR, f)}, self time:`);
        for (const h of hotFunctions(path.join(PROFILE_DIR, f))) console.log(`ring:   ${String(h.pct).padStart(5)}%  ${h.fn}`);
      }
    }
  }
  if (ONLY === undefined || ONLY === 'membership') {
    console.log(`ring: membership changes, ${REPS} repetitions each; times from the signal to the last survivor's "A new membership" log line`);
    const eff1000 = await membership(0, PORT + 4);
    const eff1650 = await membership(650, PORT + 4);
    const worst = (m: Record<ChangeKind, ChangeSummary>) => (m['crash-rep'].median >= m['crash-nonrep'].median ? m['crash-rep'] : m['crash-nonrep']);
    Object.assign(result, {
      crash_to_ring_ms: worst(eff1000).median, crash_to_ring_max_ms: Math.max(eff1000['crash-rep'].max, eff1000['crash-nonrep'].max),
      crash_nonrep_to_ring_ms: eff1000['crash-nonrep'].median, crash_rep_to_ring_ms: eff1000['crash-rep'].median,
      leave_to_ring_ms: eff1000.leave.median, leave_to_ring_max_ms: eff1000.leave.max,
      token_eff_ms: 1000,
      crash_to_ring_ms_eff1650: worst(eff1650).median, crash_to_ring_max_ms_eff1650: Math.max(eff1650['crash-rep'].max, eff1650['crash-nonrep'].max),
      leave_to_ring_ms_eff1650: eff1650.leave.median,
    });
  }
  result['corosync'] = COROSYNC;
  return result;
}
