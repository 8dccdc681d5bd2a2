// bench/ring: three aisexec processes forming one Totem ring over loopback
// (udpu, 127.0.0.1..3, test/helpers/ring-cluster.ts), measured against the
// corosync 3.1.7 figures of issue 5 (udpu, 3 nodes, a 2-core machine).
//
//  0. Baseline, same run: a bare token ring of three Node processes
//     (bench/ring-token.ts: receive a datagram, send it to the next node),
//     the floor for one token hop on this machine at this moment.
//  1. Agreed-order throughput: CFG mcast pings (ReqLibCfgMcastPing: the
//     executive multicasts the payload in agreed order and answers the client
//     when the message comes back to its own node), pipelined, `window`
//     outstanding per client; one sender (node 1) and three (one client per
//     node). A message counts once its sender has delivered it; every node's
//     `delivered` counter must advance by exactly the number sent (checked in
//     every phase). Also per phase: token rotations, frames, and CPU time per
//     message of each process (robust to other load on the machine).
//     Then the same with a C client (native/bench/ring_client.c, one process
//     per sender, on the library's own socket code): corosync's reference was
//     taken with a C client, and a Node client costs the two shared cores
//     7-9 us per 1 KiB message. The headline msgs_per_s_64/_1k are the C
//     client's (the TypeScript client's: msgs_per_s_64_ts/_1k_ts and the
//     detailed keys).
//  2. Self-delivery latency of a 64-byte ping with one outstanding, from the
//     C client on node 1 (the headline p50_us_64/p99_us_64), and from the
//     TypeScript client on the representative and on another node, next to
//     the IPC round trip alone (ReqLibCfgPing) on the same connection.
//  3. Membership changes: kill -9 of a non-representative and of the
//     representative, and SIGTERM (an orderly leave), each repeated; the time
//     from the signal to the last survivor's "A new membership (...) was
//     formed" log line (the executives log wall-clock ms timestamps, the same
//     clock as the bench's Date.now(); a status poll every 20 ms confirms it
//     as an upper bound). At token 1000 with token_coefficient 0 (token_eff
//     1000 ms) and with the default coefficient 650 (token_eff 1650 ms, the
//     configuration of corosync's 3.43 s).
//
// Environment: BENCH_ROUNDS (rounds of the four throughput phases and of the
// latency phases, 3; each figure is the median round: the VM's host changes
// speed from minute to minute), BENCH_SECONDS (measured seconds per throughput phase, 4),
// BENCH_WINDOW (outstanding pings per client, 1000), BENCH_CALLS (latency
// samples, 10000), BENCH_REPS (repetitions per membership change, 7),
// BENCH_ONLY=throughput|latency|membership, BENCH_PORT (5441; uses it and +4),
// BENCH_RING_PROFILE=DIR (profile the executives during each measured
// interval with bench/ring-profile-hook.ts and print where the time goes).
import { execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfgClient } from '../lib-ais/cfg.js';
import { SaAisErrorT } from '../lib-ais/errors.js';
import { MSG_CFG_MCAST_PING } from '../lib-ais/ipc/ids.js';
import { REPO } from '../test/helpers/executive.js';
import { compileC, removeCompiled } from '../test/helpers/native.js';
import { RingCluster, sleep, type RingStatus } from '../test/helpers/ring-cluster.js';
import { CorosyncCluster, corosyncVersion, referenceUnavailable, VethNet } from './corosync.js';
import { round, summarise } from './stats.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const WINDOW = Number(process.env['BENCH_WINDOW'] ?? 1000);
const CALLS = Number(process.env['BENCH_CALLS'] ?? 10_000);
const REPS = Number(process.env['BENCH_REPS'] ?? 7);
const ONLY = process.env['BENCH_ONLY'];
const PROFILE_DIR = process.env['BENCH_RING_PROFILE'];
const PORT = Number(process.env['BENCH_PORT'] ?? 5441);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

/** corosync 3.1.7, udpu, 3 nodes, measured on a 2-core machine like this one (issue 5); crash at token 1000, coefficient 650. */
export const COROSYNC = { msgs_per_s_64: 66_000, msgs_per_s_1k: 36_000, p50_us_64: 87, crash_to_ring_ms: 3430 };

const NODES = [1, 2, 3];

// ------------------------------------------------------------ CPU accounting

/** utime + stime of a process in ms (Linux /proc; USER_HZ is 100). */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** The main thread's time on a CPU and waiting for one (runnable, not running), in ms (/proc/PID/schedstat). */
function schedOf(pid: number): { runMs: number; waitMs: number } {
  const [run, wait] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number) as [number, number];
  return { runMs: run / 1e6, waitMs: wait / 1e6 };
}

interface CpuUse { wallMs: number; nodesMs: number[]; benchMs: number; nodesWaitMs: number[] }

class CpuMeter {
  private readonly t0 = performance.now();
  private readonly self0 = process.cpuUsage();
  private readonly nodes0: number[];
  private readonly wait0: number[];
  constructor(private readonly cluster: RingCluster) {
    this.nodes0 = NODES.map((i) => cpuMsOf(cluster.node(i).proc!.pid!));
    this.wait0 = NODES.map((i) => schedOf(cluster.node(i).proc!.pid!).waitMs);
  }
  read(): CpuUse {
    const self = process.cpuUsage(this.self0);
    return {
      wallMs: performance.now() - this.t0,
      nodesMs: NODES.map((i, k) => cpuMsOf(this.cluster.node(i).proc!.pid!) - this.nodes0[k]!),
      benchMs: (self.user + self.system) / 1000,
      nodesWaitMs: NODES.map((i, k) => schedOf(this.cluster.node(i).proc!.pid!).waitMs - this.wait0[k]!),
    };
  }
}

// ---------------------------------------------------------------- profiling

/** Starts or stops the profilers of every executive (bench/ring-profile-hook.ts). */
function profileToggle(cluster: RingCluster): void {
  if (PROFILE_DIR !== undefined) for (const i of NODES) cluster.signal(i, 'SIGWINCH');
}

interface CpuProfile { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>; samples: number[]; timeDeltas: number[] }

function shortUrl(url: string): string {
  return url.replace(/^.*\/dist\//, '').replace(/^file:\/\//, '');
}

/**
 * Self time of a V8 .cpuprofile by function and by file (or native/V8 bucket),
 * hottest first, in % of the busy (not idle) time; samples inside the profile
 * hook itself (stopping and writing the profile) are left out.
 */
export function profileSummary(file: string, top = 20): { idlePct: number; functions: Array<[string, number]>; files: Array<[string, number]> } {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const hook = new Set<number>();
  const mark = (id: number): void => { hook.add(id); for (const c of byId.get(id)!.children ?? []) mark(c); };
  for (const n of p.nodes) if (n.callFrame.url.includes('ring-profile-hook')) mark(n.id);
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    if (hook.has(p.samples[i]!)) continue;
    const cf = byId.get(p.samples[i]!)!.callFrame;
    const dt = p.timeDeltas[i] ?? 0;
    if (cf.functionName === '(idle)') { idle += dt; continue; }
    const u = shortUrl(cf.url);
    const fn = `${cf.functionName || '(anonymous)'}${u === '' ? '' : ` ${u}:${cf.lineNumber + 1}`}`;
    fns.set(fn, (fns.get(fn) ?? 0) + dt);
    const bucket = u === '' ? (cf.functionName.startsWith('(') ? cf.functionName : '(native: syscalls, buffers)') : u.startsWith('node:') ? u.replace(/^(node:(internal\/)?[a-z_]+).*$/, '$1') : u;
    files.set(bucket, (files.get(bucket) ?? 0) + dt);
    total += dt;
  }
  const pct = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => [k, round((100 * t) / total, 1)] as [string, number]);
  return { idlePct: round((100 * idle) / (idle + total), 1), functions: pct(fns), files: pct(files) };
}

// ------------------------------------------------------------------ baseline

/** Rotations per second of a bare token ring of three Node processes (bench/ring-token.ts). */
async function tokenBaseline(port: number, ms: number): Promise<{ rotationsPerS: number; hopUs: number }> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const kids = NODES.map((i) => fork(path.join(here, 'ring-token.ts'), [i, NODES.length, port, 72, ms].map(String), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  try {
    await Promise.all(kids.map((k) => once(k, 'message')));
    kids[0]!.send('go');
    const [r] = (await once(kids[0]!, 'message')) as [{ rotations: number; ms: number }];
    const perS = (r.rotations * 1000) / r.ms;
    return { rotationsPerS: Math.round(perS), hopUs: round(1e6 / perS / NODES.length, 1) };
  } finally {
    await Promise.all(kids.map(async (k) => {
      if (k.exitCode !== null || k.signalCode !== null) return;
      process.kill(k.pid!, 'SIGTERM');
      await once(k, 'exit');
    }));
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
  const fail = (e: Error): never => { throw e; };
  const done = (r: { error: SaAisErrorT }): void => {
    inflight--;
    if (r.error === SaAisErrorT.SA_AIS_OK) p.ok++;
    else if (r.error === SaAisErrorT.SA_AIS_ERR_TRY_AGAIN) p.tryAgain++;
    else fail(new Error(`mcast ping failed: ${SaAisErrorT[r.error]}`));
    if (stopping) { if (inflight === 0) drained(); } else issue();
  };
  const issue = (): void => {
    while (inflight < window) {
      inflight++;
      c.conn.request(MSG_CFG_MCAST_PING, payload).then(done, fail);
    }
  };
  issue();
  return p;
}

type FullStatus = RingStatus & { packer: Record<string, number>; config: Record<string, number> };

/** What the ring did, summed over the nodes (rotations: tokens node 1 received). */
interface RingCounters { delivered: number[]; rotations: number; frames: number; retransmitted: number; tokenRetransmits: number; messages: number; heldFrames: number; holdCancels: number }

async function ringCounters(cluster: RingCluster): Promise<RingCounters> {
  const ss = (await Promise.all(NODES.map((i) => cluster.status(i)))) as FullStatus[];
  const sum = (f: (s: FullStatus) => number) => ss.reduce((a, s) => a + f(s), 0);
  return {
    delivered: ss.map((s) => s.counters['delivered'] as number),
    rotations: ss[0]!.counters['tokensReceived'] as number,
    frames: sum((s) => s.counters['mcastsSent'] as number),
    retransmitted: sum((s) => s.counters['mcastsRetransmitted'] as number),
    tokenRetransmits: sum((s) => s.counters['tokenRetransmits'] as number),
    messages: sum((s) => s.packer['messagesSubmitted']!),
    heldFrames: sum((s) => (s.counters['mcastsSentHeld'] as number | undefined) ?? 0),
    holdCancels: sum((s) => (s.counters['holdCancelsSent'] as number | undefined) ?? 0),
  };
}

interface ThroughputResult {
  bytes: number;
  senders: number;
  msgsPerS: number;
  tryAgain: number;
  sent: number;
  deliveredDelta: number[];
  deliveredEqual: boolean;
  rotationsPerS: number;
  framesPerS: number;
  msgsPerFrame: number;
  framesPerRotation: number;
  retransmitted: number;
  /** CPU % of one core over the interval, and CPU µs per message, per executive and for the bench (the clients). */
  cpuPct: number[];
  /** How much of the interval each executive's main thread was runnable but waiting for a CPU (other load, or too few cores). */
  runqueueWaitPct: number[];
  cpuUsPerMsg: number[];
  benchCpuPct: number;
  benchCpuUsPerMsg: number;
}

async function throughput(cluster: RingCluster, clients: CfgClient[], bytes: number, senders: number): Promise<ThroughputResult> {
  const payload = Buffer.alloc(bytes, 0x5a);
  const before = await ringCounters(cluster);
  const pumps = clients.slice(0, senders).map((c) => pump(c, payload, WINDOW));
  const okNow = () => pumps.reduce((a, p) => a + p.ok, 0);
  await sleep(500); // warm-up: queues fill, the JIT settles
  const rc0 = await ringCounters(cluster);
  profileToggle(cluster);
  const ok0 = okNow();
  const t0 = performance.now();
  const cpu = new CpuMeter(cluster);
  await sleep(SECONDS * 1000);
  const ok1 = okNow();
  const t1 = performance.now();
  const use = cpu.read();
  profileToggle(cluster);
  const rc1 = await ringCounters(cluster);
  await Promise.all(pumps.map((p) => p.stop()));
  const sent = okNow();
  // Every answered ping was delivered at its sender; the others deliver it within a rotation or two.
  let after = await ringCounters(cluster);
  for (let k = 0; k < 50 && new Set(after.delivered).size > 1; k++) { await sleep(20); after = await ringCounters(cluster); }
  const delta = after.delivered.map((a, k) => a - before.delivered[k]!);
  const msgs = ok1 - ok0;
  const frames = rc1.frames - rc0.frames;
  const perS = (x: number) => Math.round((x * 1000) / (t1 - t0));
  return {
    bytes, senders, msgsPerS: perS(msgs), tryAgain: pumps.reduce((a, p) => a + p.tryAgain, 0), sent,
    deliveredDelta: delta, deliveredEqual: delta.every((d) => d === sent),
    rotationsPerS: perS(rc1.rotations - rc0.rotations), framesPerS: perS(frames),
    msgsPerFrame: round((rc1.messages - rc0.messages) / Math.max(1, frames), 1),
    framesPerRotation: round(frames / Math.max(1, rc1.rotations - rc0.rotations), 1),
    retransmitted: rc1.retransmitted - rc0.retransmitted + rc1.tokenRetransmits - rc0.tokenRetransmits,
    cpuPct: use.nodesMs.map((ms) => Math.round((100 * ms) / use.wallMs)),
    runqueueWaitPct: use.nodesWaitMs.map((ms) => Math.round((100 * ms) / use.wallMs)),
    cpuUsPerMsg: use.nodesMs.map((ms) => round((1000 * ms) / Math.max(1, msgs), 1)),
    benchCpuPct: Math.round((100 * use.benchMs) / use.wallMs),
    benchCpuUsPerMsg: round((1000 * use.benchMs) / Math.max(1, msgs), 1),
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

/** The logger's local-time `Mon DD HH:MM:SS.mmm` as epoch ms (the year nearest to `near`). */
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
  victim: number;
  /** Signal to the last survivor's log line for the new ring. */
  logMs: number;
  /** Signal to the status poll that first saw every survivor in the new ring (an upper bound: 20 ms polls). */
  pollMs: number;
  /** Distinct rings the survivors formed on the way (1: straight to the final ring). */
  rings: number;
}

async function membershipChange(cluster: RingCluster, kind: ChangeKind): Promise<ChangeSample> {
  const s1 = await cluster.status(1);
  const rep = s1.ringId!.rep;
  const victim = kind === 'crash-rep' ? rep : Math.max(...s1.members.filter((m) => m !== rep));
  const survivors = NODES.filter((i) => i !== victim);
  const offsets = survivors.map((i) => cluster.node(i).output.length);
  const t0 = Date.now();
  cluster.signal(victim, kind === 'leave' ? 'SIGTERM' : 'SIGKILL');
  await cluster.waitRing(survivors, survivors, 20_000);
  const pollMs = Date.now() - t0;
  await cluster.waitExit(victim);
  await sleep(50); // the log lines are written before the ring answers as operational; let the pipes catch up
  const formed = survivors.map((i, k) => formedSince(cluster.node(i).output, offsets[k]!, t0));
  const finals = formed.map((f) => f.filter((r) => JSON.stringify(r.members) === JSON.stringify(survivors)).at(-1));
  if (finals.some((f) => f === undefined) || new Set(finals.map((f) => f!.ring)).size !== 1) {
    throw new Error(`${kind} of node ${victim}: the survivors' logs do not show one new ring [${survivors.join(',')}]: ${JSON.stringify(formed)}`);
  }
  const logMs = Math.max(...finals.map((f) => f!.atMs)) - t0;
  const rings = new Set(formed.flat().map((r) => r.ring)).size;
  // Back to three for the next repetition; a little quiet so the ring is in its steady state again.
  await cluster.start(victim);
  await cluster.waitRing(NODES, NODES, 20_000);
  await sleep(500);
  return { victim, logMs, pollMs, rings };
}

interface ChangeSummary { medianMs: number; maxMs: number; pollMedianMs: number; samplesMs: number[]; victims: number[]; intermediateRings: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function membership(coefficient: number, port: number): Promise<{ tokenEffMs: number; kinds: Record<ChangeKind, ChangeSummary> }> {
  const cluster = new RingCluster({ nodes: 3, port, totem: ['token: 1000', `token_coefficient: ${coefficient}`] });
  try {
    await cluster.startAll();
    await cluster.waitRing(NODES, NODES, 20_000);
    const cfg = ((await cluster.status(1)) as FullStatus).config;
    console.log(`ring: token 1000, token_coefficient ${coefficient}: token_eff ${cfg['token']} ms, fail-wait ${cfg['fail_wait']} ms, consensus ${cfg['consensus']} ms, join ${cfg['join']} ms`);
    const kinds = {} as Record<ChangeKind, ChangeSummary>;
    for (const kind of ['crash-nonrep', 'crash-rep', 'leave'] as ChangeKind[]) {
      const xs: ChangeSample[] = [];
      for (let r = 0; r < REPS; r++) xs.push(await membershipChange(cluster, kind));
      const s: ChangeSummary = {
        medianMs: median(xs.map((x) => x.logMs)), maxMs: Math.max(...xs.map((x) => x.logMs)), pollMedianMs: median(xs.map((x) => x.pollMs)),
        samplesMs: xs.map((x) => x.logMs), victims: xs.map((x) => x.victim), intermediateRings: xs.filter((x) => x.rings > 1).length,
      };
      kinds[kind] = s;
      console.log(`ring:   ${kind.padEnd(12)} (node ${[...new Set(s.victims)].join(',')}): to the new ring median ${s.medianMs} ms, max ${s.maxMs} ms (logs); status poll median ${s.pollMedianMs} ms; samples ${s.samplesMs.join(' ')}${s.intermediateRings > 0 ? `; ${s.intermediateRings} with an intermediate ring` : ''}`);
    }
    return { tokenEffMs: cfg['token']!, kinds };
  } finally {
    await cluster.stopAll();
  }
}

// --------------------------------------------------------------------- main

// ------------------------------------------------------------- C client

/** Runs a C bench client (argv) and resolves with the JSON line it ends with. */
function jsonLine(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${err.message} ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>);
    });
  });
}

/** Runs native/bench/ring_client against node i's executive. */
function cClient(bin: string, cluster: RingCluster, i: number, args: string[]): Promise<Record<string, number>> {
  return jsonLine([bin, ...args], { ...process.env, RINGFORT_RUN_DIR: path.dirname(cluster.node(i).socketPath) });
}

async function ringPhases(result: Record<string, unknown>): Promise<void> {
  const env: NodeJS.ProcessEnv = {};
  if (PROFILE_DIR !== undefined) {
    const hook = path.join(REPO, 'dist/bench/ring-profile-hook.js');
    if (!fs.existsSync(hook)) throw new Error(`${hook} is missing: run "npm run build" first`);
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --import ${hook}`.trim();
    env['RING_PROFILE_DIR'] = path.resolve(PROFILE_DIR);
  }
  const phases: string[] = [];
  const cluster = new RingCluster({ nodes: 3, port: PORT, env });
  const pids: number[] = [];
  try {
    await cluster.startAll();
    await cluster.waitRing(NODES, NODES, 20_000);
    for (const i of NODES) pids.push(cluster.node(i).proc!.pid!);
    const clients = await Promise.all(NODES.map((i) => CfgClient.open({}, { socketPath: cluster.node(i).socketPath })));
    try {
      if (ONLY !== 'latency') {
        console.log(`ring: agreed-order throughput, CFG mcast pings, ${WINDOW} outstanding per client, ${SECONDS} s measured after 0.5 s warm-up`);
        const tp: ThroughputResult[] = [];
        for (let rnd = 1; rnd <= ROUNDS; rnd++) for (const bytes of [64, 1024]) {
          for (const senders of [1, 3]) {
            phases.push(`throughput ${bytes} B, ${senders} sender(s), round ${rnd}`);
            const r = await throughput(cluster, clients, bytes, senders);
            tp.push(r);
            console.log(`ring:   ${String(bytes).padStart(4)} B, ${senders} sender${senders > 1 ? 's' : ' '}: ${r.msgsPerS} msg/s (${round((r.msgsPerS * bytes) / 1e6, 2)} MB/s of payload); TRY_AGAIN ${r.tryAgain}; delivered per node ${r.deliveredDelta.join('/')} of ${r.sent} sent (${r.deliveredEqual ? 'all equal' : 'NOT EQUAL'})`);
            console.log(`ring:          ${r.rotationsPerS} rotations/s, ${r.framesPerS} frames/s, ${r.framesPerRotation} frames/rotation, ${r.msgsPerFrame} msgs/frame, ${r.retransmitted} retransmissions; CPU % of a core: aisexec ${r.cpuPct.join('/')}, bench ${r.benchCpuPct}; waiting for a CPU %: aisexec ${r.runqueueWaitPct.join('/')}; CPU us per message: aisexec ${r.cpuUsPerMsg.join('/')}, bench ${r.benchCpuUsPerMsg}`);
          }
        }
        // The median round of each phase: the VM's host changes speed from minute to minute (BENCHMARKS.md, run 5).
        const at = (b: number, s: number): ThroughputResult => {
          const rs = tp.filter((r) => r.bytes === b && r.senders === s).sort((x, y) => x.msgsPerS - y.msgsPerS);
          return rs[Math.floor((rs.length - 1) / 2)]!;
        };
        const rounds = (b: number, s: number) => tp.filter((r) => r.bytes === b && r.senders === s).map((r) => r.msgsPerS);
        if (ROUNDS > 1) {
          for (const [b, n] of [[64, 1], [64, 3], [1024, 1], [1024, 3]] as const) {
            console.log(`ring:   median of ${ROUNDS} rounds, ${String(b).padStart(4)} B, ${n} sender${n > 1 ? 's' : ' '}: ${at(b, n).msgsPerS} msg/s (rounds ${rounds(b, n).join(', ')})`);
          }
        }
        Object.assign(result, {
          msgs_per_s_64: Math.max(at(64, 1).msgsPerS, at(64, 3).msgsPerS), msgs_per_s_1k: Math.max(at(1024, 1).msgsPerS, at(1024, 3).msgsPerS),
          msgs_per_s_64_1sender: at(64, 1).msgsPerS, msgs_per_s_64_3senders: at(64, 3).msgsPerS,
          msgs_per_s_1k_1sender: at(1024, 1).msgsPerS, msgs_per_s_1k_3senders: at(1024, 3).msgsPerS,
          msgs_per_s_1k_rounds: [rounds(1024, 1), rounds(1024, 3)],
          cpu_us_per_msg_64_1sender: at(64, 1).cpuUsPerMsg, cpu_us_per_msg_1k_1sender: at(1024, 1).cpuUsPerMsg,
          bench_cpu_us_per_msg_1k_1sender: at(1024, 1).benchCpuUsPerMsg,
          rotations_per_s_64_1sender: at(64, 1).rotationsPerS,
          delivered_equal: tp.every((r) => r.deliveredEqual), window: WINDOW, rounds: ROUNDS,
        });
      }
      // The same pings from a C client (corosync's reference figures were taken with a C cpg client).
      const cBin = compileC('ring_client', ['native/bench/ring_client.c', 'native/src/ipc.c', 'native/src/codec.c'], { internal: true });
      if (ONLY !== 'latency') {
        console.log(`ring: agreed-order throughput, C client (native/bench/ring_client.c), ${WINDOW} outstanding per client, ${SECONDS} s after 0.5 s warm-up`);
        const cRounds = new Map<string, number[]>();
        for (let rnd = 1; rnd <= ROUNDS; rnd++) for (const bytes of [64, 1024]) for (const senders of [1, 3]) {
          const runs = await Promise.all(NODES.slice(0, senders).map((i) => cClient(cBin, cluster, i, ['throughput', String(SECONDS * 1000), '500', String(WINDOW), String(bytes)])));
          const perS = runs.reduce((a, r) => a + r['msgs_per_s']!, 0);
          const key = `${bytes}/${senders}`;
          cRounds.set(key, [...(cRounds.get(key) ?? []), perS]);
          console.log(`ring:   C client, ${String(bytes).padStart(4)} B, ${senders} sender${senders > 1 ? 's' : ' '}, round ${rnd}: ${perS} msg/s; TRY_AGAIN ${runs.reduce((a, r) => a + r['try_again']!, 0)}`);
        }
        const c = (b: number, n: number) => median(cRounds.get(`${b}/${n}`)!);
        console.log(`ring:   C client, medians: 64 B ${c(64, 1)} / ${c(64, 3)} msg/s, 1 KiB ${c(1024, 1)} / ${c(1024, 3)} msg/s (1 / 3 senders)`);
        const ts = result as Record<string, number>;
        Object.assign(result, {
          msgs_per_s_64_ts: ts['msgs_per_s_64'], msgs_per_s_1k_ts: ts['msgs_per_s_1k'],
          msgs_per_s_64: Math.max(c(64, 1), c(64, 3)), msgs_per_s_1k: Math.max(c(1024, 1), c(1024, 3)),
          msgs_per_s_64_c: [c(64, 1), c(64, 3)], msgs_per_s_1k_c: [c(1024, 1), c(1024, 3)],
          msgs_per_s_1k_c_rounds: [cRounds.get('1024/1'), cRounds.get('1024/3')],
        });
      }
      if (ONLY !== 'throughput') {
        console.log(`ring: self-delivery latency, C client, 64 B mcast ping, one outstanding, ${CALLS} calls from node 1`);
        const cLat: Record<string, number>[] = [];
        for (let rnd = 1; rnd <= ROUNDS; rnd++) {
          const r = await cClient(cBin, cluster, 1, ['latency', String(CALLS), '1000', '64']);
          cLat.push(r);
          console.log(`ring:   C client, round ${rnd}: p50 ${r['p50_us']} us, p99 ${r['p99_us']} us`);
        }
        const midC = [...cLat].sort((a, b) => a['p50_us']! - b['p50_us']!)[Math.floor((cLat.length - 1) / 2)]!;
        Object.assign(result, { p50_us_64_c: midC['p50_us'], p99_us_64_c: midC['p99_us'], p50_us_64_c_rounds: cLat.map((r) => r['p50_us']) });
      }
      removeCompiled();
      if (ONLY !== 'throughput') {
        console.log(`ring: self-delivery latency, 64 B mcast ping, one outstanding, ${CALLS} calls each; the IPC round trip alone (ReqLibCfgPing, 64 B) on the same connection`);
        const payload = Buffer.alloc(64, 0x5a);
        const measured = async (label: string, call: () => Promise<unknown>) => {
          phases.push(`latency ${label}`);
          const r0 = await ringCounters(cluster);
          profileToggle(cluster);
          const t0 = performance.now();
          const r = await latency(call, CALLS);
          const ms = performance.now() - t0;
          profileToggle(cluster);
          const r1 = await ringCounters(cluster);
          const rotationsPerS = Math.round(((r1.rotations - r0.rotations) * 1000) / ms);
          const frames = r1.frames - r0.frames;
          const held = frames === 0 ? 0 : round((100 * (r1.heldFrames - r0.heldFrames)) / frames, 1);
          console.log(`ring:   ${label}: p50 ${r.p50} us, p99 ${r.p99} us (ring: ${rotationsPerS} rotations/s meanwhile; ${held}% of ${frames} frames sent under a sender hold, ${r1.holdCancels - r0.holdCancels} hold cancels)`);
          return r;
        };
        const reps: { p50: number; p99: number }[] = [];
        const others: { p50: number; p99: number }[] = [];
        const ipcs: { p50: number; p99: number }[] = [];
        for (let rnd = 1; rnd <= ROUNDS; rnd++) {
          reps.push(await measured(`mcast ping from node 1 (representative), round ${rnd}`, () => clients[0]!.mcastPing(payload)));
          others.push(await measured(`mcast ping from node 2, round ${rnd}`, () => clients[1]!.mcastPing(payload)));
          ipcs.push(await measured(`IPC round trip alone, node 1, round ${rnd}`, () => clients[0]!.ping(payload)));
        }
        // The round with the median p50, whole (its p99 with it).
        const mid = (xs: { p50: number; p99: number }[]) => [...xs].sort((a, b) => a.p50 - b.p50)[Math.floor((xs.length - 1) / 2)]!;
        const [rep, other, ipc] = [mid(reps), mid(others), mid(ipcs)];
        if (ROUNDS > 1) console.log(`ring:   median of ${ROUNDS} rounds: node 1 p50 ${rep.p50} us (rounds ${reps.map((r) => r.p50).join(', ')}), node 2 p50 ${other.p50} us, IPC alone p50 ${ipc.p50} us`);
        // The headline latency is the C client's, as corosync's; the TypeScript client's is beside it.
        const r = result as Record<string, number>;
        Object.assign(result, {
          p50_us_64: r['p50_us_64_c'], p99_us_64: r['p99_us_64_c'], p50_us_64_ts: rep.p50, p99_us_64_ts: rep.p99,
          p50_us_64_node2: other.p50, p99_us_64_node2: other.p99, ipc_p50_us: ipc.p50, ipc_p99_us: ipc.p99,
          p50_us_64_ts_rounds: reps.map((x) => x.p50),
        });
      }
    } finally {
      for (const c of clients) c.finalize();
    }
  } finally {
    await cluster.stopAll();
  }
  if (PROFILE_DIR !== undefined) {
    for (const f of fs.readdirSync(PROFILE_DIR).filter((f) => /^aisexec-\d+-\d+\.cpuprofile$/.test(f)).sort()) {
      const [, pid, k] = /^aisexec-(\d+)-(\d+)/.exec(f)!;
      const node = pids.indexOf(Number(pid)) + 1;
      if (node === 0) continue; // another run's file
      const s = profileSummary(path.join(PROFILE_DIR, f), 15);
      console.log(`ring: profile of node ${node} during ${phases[Number(k)] ?? '?'} (${path.join(PROFILE_DIR, f)}): idle ${s.idlePct}%; of the busy time:`);
      console.log(`ring:   by file: ${s.files.map(([b, p]) => `${b} ${p}%`).join(', ')}`);
      for (const [fn, p] of s.functions) console.log(`ring:   ${String(p).padStart(5)}%  ${fn}`);
    }
  }
}

// ---------------------------------------------------- corosync, same run

const COROSYNC_FORMED = /^(\w{3}) (\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) .*A new membership \(([^)]*)\) was formed/;

/** kill -9 of corosync `victim`: ms from the signal to the survivors' last "A new membership" line before their 2-node quorum line. */
async function corosyncCrash(cs: CorosyncCluster, victim: number): Promise<number> {
  const survivors = NODES.filter((i) => i !== victim);
  const offsets = survivors.map((i) => cs.node(i).output.length);
  const t0 = Date.now();
  cs.signal(victim, 'SIGKILL');
  await cs.waitRing(survivors, survivors);
  await cs.waitExit(victim);
  const at = survivors.map((i, k) => {
    const lines = cs.node(i).output.slice(offsets[k]).split('\n').map((l) => COROSYNC_FORMED.exec(l)).filter((m) => m !== null);
    if (lines.length === 0) throw new Error(`corosync ${i} logged no new membership after the kill`);
    return logTimeMs(lines.at(-1)!, t0);
  });
  cs.start(victim);
  await cs.waitRing(NODES, NODES);
  await sleep(500);
  return Math.max(...at) - t0;
}

/**
 * corosync and our executive side by side on the same network (bench/corosync.ts: three
 * namespaces on a bridge), measured alternately in each round with C clients doing the same
 * pings: self-delivery latency, throughput (64 B and 1 KiB, one and three senders) and kill -9
 * of a non-representative at token 1000 with corosync's default token_coefficient (650).
 */
async function referencePhases(result: Record<string, unknown>): Promise<void> {
  const why = process.env['BENCH_REFERENCE'] === '0' ? 'BENCH_REFERENCE=0' : referenceUnavailable();
  if (why !== undefined) {
    console.log(`ring: corosync in the same run: skipped (${why}); the reference is issue 5's figures`);
    result['reference'] = { skipped: why };
    return;
  }
  const version = corosyncVersion();
  const net = new VethNet(NODES.length);
  net.create();
  const cs = new CorosyncCluster(net, ['token: 1000']);
  const ours = new RingCluster({ nodes: 3, port: PORT + 12, totem: ['token: 1000', 'token_coefficient: 650'], address: (i) => net.address(i), wrap: (i) => ['ip', 'netns', 'exec', net.ns(i)] });
  try {
    for (const i of NODES) cs.start(i);
    await Promise.all([cs.waitRing(NODES, NODES), ours.startAll().then(() => ours.waitRing(NODES, NODES, 20_000))]);
    const cpgBin = compileC('cpg_client', ['native/bench/cpg_client.c'], { internal: true, libs: ['-lcpg'] });
    const ringBin = compileC('ring_client', ['native/bench/ring_client.c', 'native/src/ipc.c', 'native/src/codec.c'], { internal: true });
    console.log(`ring: corosync ${version} in the same run, both on three network namespaces joined by veth pairs on a bridge (10.213.0.1..3), udpu, token 1000; C clients, the same pings (${CALLS} latency calls, throughput ${WINDOW} outstanding for ${SECONDS} s), alternately, ${ROUNDS} rounds`);
    const run = {
      corosync: (i: number, args: string[]) => jsonLine(cs.inNode(i, [cpgBin, ...args])),
      ringfort: (i: number, args: string[]) => cClient(ringBin, ours, i, args),
    };
    const lat: Record<string, number[]> = { corosync: [], ringfort: [] };
    const tp = new Map<string, number[]>();
    for (let rnd = 1; rnd <= ROUNDS; rnd++) {
      for (const [who, client] of Object.entries(run)) {
        const r = await client(1, ['latency', String(CALLS), '1000', '64']);
        lat[who]!.push(r['p50_us']!);
        console.log(`ring:   round ${rnd}, ${who.padEnd(8)}: latency p50 ${r['p50_us']} us, p99 ${r['p99_us']} us`);
      }
      for (const bytes of [64, 1024]) for (const senders of [1, 3]) for (const [who, client] of Object.entries(run)) {
        const runs = await Promise.all(NODES.slice(0, senders).map((i) => client(i, ['throughput', String(SECONDS * 1000), '500', String(WINDOW), String(bytes)])));
        const perS = runs.reduce((a, r) => a + r['msgs_per_s']!, 0);
        const key = `${who} ${bytes}/${senders}`;
        tp.set(key, [...(tp.get(key) ?? []), perS]);
        console.log(`ring:   round ${rnd}, ${who.padEnd(8)}: ${String(bytes).padStart(4)} B, ${senders} sender${senders > 1 ? 's' : ' '}: ${perS} msg/s; TRY_AGAIN ${runs.reduce((a, r) => a + r['try_again']!, 0)}`);
      }
    }
    removeCompiled();
    const crash: Record<string, number[]> = { corosync: [], ringfort: [] };
    for (let r = 0; r < REPS; r++) {
      crash['corosync']!.push(await corosyncCrash(cs, 3));
      crash['ringfort']!.push((await membershipChange(ours, 'crash-nonrep')).logMs);
    }
    const figures = (who: string) => {
      const t = (b: number, n: number) => median(tp.get(`${who} ${b}/${n}`)!);
      return {
        p50_us_64: median(lat[who]!), p50_us_64_rounds: lat[who]!,
        msgs_per_s_64: Math.max(t(64, 1), t(64, 3)), msgs_per_s_1k: Math.max(t(1024, 1), t(1024, 3)),
        msgs_per_s_64_senders_1_3: [t(64, 1), t(64, 3)], msgs_per_s_1k_senders_1_3: [t(1024, 1), t(1024, 3)],
        crash_to_ring_ms: median(crash[who]!), crash_to_ring_samples_ms: crash[who]!,
      };
    };
    const ref = { corosync_version: version, network: 'veth', corosync: figures('corosync'), ringfort: figures('ringfort') };
    for (const who of ['corosync', 'ringfort'] as const) {
      const f = ref[who];
      console.log(`ring:   ${who.padEnd(8)} medians: latency p50 ${f.p50_us_64} us; 64 B ${f.msgs_per_s_64_senders_1_3.join(' / ')} msg/s; 1 KiB ${f.msgs_per_s_1k_senders_1_3.join(' / ')} msg/s (1 / 3 senders); kill -9 to new ring ${f.crash_to_ring_ms} ms (samples ${f.crash_to_ring_samples_ms.join(' ')})`);
    }
    result['reference'] = ref;
  } finally {
    await Promise.all([cs.stopAll(), ours.stopAll()]);
    net.destroy();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = { bench: 'ring', nodes: 3, transport: 'udpu' };
  const load0 = os.loadavg()[0]!;
  console.log(`ring: baseline: a bare UDP token ring of three Node processes (bench/ring-token.ts), 2 s; load average ${round(load0, 2)} on ${os.cpus().length} CPUs`);
  const base = await tokenBaseline(PORT + 8, 2000);
  console.log(`ring:   ${base.rotationsPerS} rotations/s, ${base.hopUs} us per hop`);
  Object.assign(result, { baseline_rotations_per_s: base.rotationsPerS, baseline_hop_us: base.hopUs });
  if (ONLY === undefined || ONLY === 'throughput' || ONLY === 'latency') await ringPhases(result);
  if (ONLY === undefined || ONLY === 'reference') await referencePhases(result);
  if (ONLY === undefined || ONLY === 'membership') {
    console.log(`ring: membership changes, ${REPS} repetitions each; from the signal to the last survivor's "A new membership" log line`);
    const a = await membership(0, PORT + 4);
    const b = await membership(650, PORT + 4);
    const worst = (m: Record<ChangeKind, ChangeSummary>) => (m['crash-rep'].medianMs >= m['crash-nonrep'].medianMs ? m['crash-rep'] : m['crash-nonrep']);
    Object.assign(result, {
      token_eff_ms: a.tokenEffMs,
      crash_to_ring_ms: worst(a.kinds).medianMs, crash_to_ring_max_ms: Math.max(a.kinds['crash-rep'].maxMs, a.kinds['crash-nonrep'].maxMs),
      crash_nonrep_to_ring_ms: a.kinds['crash-nonrep'].medianMs, crash_rep_to_ring_ms: a.kinds['crash-rep'].medianMs,
      leave_to_ring_ms: a.kinds.leave.medianMs, leave_to_ring_max_ms: a.kinds.leave.maxMs,
      token_eff_ms_coef650: b.tokenEffMs,
      crash_to_ring_ms_coef650: worst(b.kinds).medianMs, crash_to_ring_max_ms_coef650: Math.max(b.kinds['crash-rep'].maxMs, b.kinds['crash-nonrep'].maxMs),
      leave_to_ring_ms_coef650: b.kinds.leave.medianMs,
    });
  }
  result['loadavg_1m'] = [round(load0, 2), round(os.loadavg()[0]!, 2)];
  result['corosync'] = COROSYNC;
  return result;
}
