// Several real aisexec processes on one machine forming one ring over
// loopback: node i binds 127.0.0.i (and 127.0.1.i for ring 1 with rrp_mode),
// says `totem { nodeid: i }`, and has its own run directory. Every process is
// stopped by its pid. Shared by the ring tests and bench/ring.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CfgClient } from '../../lib-ais/cfg.js';
import { AISEXEC_ARGV } from './executive.js';

export interface RingNodeOptions {
  nodes: number;
  /** Extra totem {} lines (e.g. "token: 1000"). */
  totem?: string[];
  /** Write an authkey and turn security on (crypto_cipher aes256, crypto_hash sha256). */
  authkey?: Buffer;
  /** A different key for some node ids (the wrong-key test). */
  authkeyFor?: (nodeid: number) => Buffer | undefined;
  rrpMode?: 'active' | 'passive';
  /** UDP port (ring 1 uses port + 2); distinct per test file so runs never collide. */
  port?: number;
  env?: NodeJS.ProcessEnv;
  groups?: string;
  /** udpu (default) or udp multicast to 239.192.<port % 256>.1 on loopback. */
  transport?: 'udp' | 'udpu';
  /** Node i's ring-0 address in a /24 (default 127.0.0.i), for nodes in network namespaces (bench/corosync.ts). */
  address?: (nodeid: number) => string;
  /** A command that runs node i's executive (e.g. ip netns exec NAME), exec'ing it so the pid stays the executive's. */
  wrap?: (nodeid: number) => string[];
}

export interface RingNode {
  nodeid: number;
  dir: string;
  socketPath: string;
  proc: ChildProcess | undefined;
  output: string;
}

export interface RingStatus {
  state: string;
  ringId: { rep: number; seq: string; text: string } | null;
  members: number[];
  lastChange: { ring: string; members: number[]; atMs: number } | null;
  rrp: { mode: string; rings: Array<{ ring: number; state: string; problemCount: number; text: string }> };
  counters: Record<string, unknown>;
}

export class RingCluster {
  readonly nodes: RingNode[] = [];
  readonly root: string;

  constructor(readonly opts: RingNodeOptions) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-ring-'));
    fs.chmodSync(this.root, 0o755);
    for (let i = 1; i <= opts.nodes; i++) {
      const dir = path.join(this.root, `n${i}`);
      fs.mkdirSync(dir);
      this.nodes.push({ nodeid: i, dir, socketPath: path.join(dir, 'run', 'libais.socket'), proc: undefined, output: '' });
      this.writeConfig(i);
    }
  }

  private writeConfig(i: number): void {
    const o = this.opts;
    const port = o.port ?? 5405;
    const dir = this.nodes[i - 1]!.dir;
    const key = o.authkeyFor?.(i) ?? o.authkey;
    const lines = ['totem {', '\tversion: 2', `\tnodeid: ${i}`, `\ttransport: ${o.transport ?? 'udpu'}`];
    if (key !== undefined) {
      const kf = path.join(dir, 'authkey');
      fs.writeFileSync(kf, key, { mode: 0o400 });
      lines.push('\tsecauth: on', '\tcrypto_cipher: aes256', '\tcrypto_hash: sha256', `\tkeyfile: ${kf}`);
    } else {
      lines.push('\tsecauth: off');
    }
    if (o.rrpMode !== undefined) lines.push(`\trrp_mode: ${o.rrpMode}`);
    lines.push(...(o.totem ?? []).map((l) => `\t${l}`));
    const mcast = o.transport === 'udp' ? [`\t\tmcastaddr: 239.192.${port % 256}.1`] : [];
    const net = this.addressOf(1).replace(/\.\d+$/, '.0');
    lines.push('\tinterface {', '\t\tringnumber: 0', `\t\tbindnetaddr: ${net}`, ...mcast, `\t\tmcastport: ${port}`, '\t}');
    if (o.rrpMode !== undefined) lines.push('\tinterface {', '\t\tringnumber: 1', '\t\tbindnetaddr: 127.0.1.0', `\t\tmcastport: ${port + 2}`, '\t}');
    lines.push('}', 'nodelist {');
    for (let n = 1; n <= o.nodes; n++) {
      lines.push('\tnode {', `\t\tnodeid: ${n}`, `\t\tring0_addr: ${this.addressOf(n)}`);
      if (o.rrpMode !== undefined) lines.push(`\t\tring1_addr: 127.0.1.${n}`);
      lines.push('\t}');
    }
    lines.push('}', 'logging {', '\tto_stderr: yes', '\ttimestamp: on', '}');
    lines.push(`amf {\n\tmode: ${o.groups !== undefined ? 'enabled' : 'disabled'}\n}`);
    lines.push(`aisexec {\n\trun_dir: ${path.join(dir, 'run')}\n}`);
    fs.writeFileSync(path.join(dir, 'openais.conf'), lines.join('\n') + '\n');
    if (o.groups !== undefined) fs.writeFileSync(path.join(dir, 'groups.conf'), o.groups);
  }

  private addressOf(i: number): string {
    return this.opts.address?.(i) ?? `127.0.0.${i}`;
  }

  node(i: number): RingNode {
    return this.nodes[i - 1]!;
  }

  /** Starts node i and waits until it is ready (its own ring at least). */
  async start(i: number, timeoutMs = 15000): Promise<void> {
    const n = this.node(i);
    n.output = '';
    const argv = [...(this.opts.wrap?.(i) ?? []), process.execPath, ...AISEXEC_ARGV, '-f', '-c', path.join(n.dir, 'openais.conf')];
    const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.opts.env } });
    n.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => { n.output += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { n.output += d.toString(); });
    const started = Date.now();
    while (!n.output.includes('ready to provide service')) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`node ${i} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${n.output}`);
      if (Date.now() - started > timeoutMs) throw new Error(`node ${i} not ready within ${timeoutMs} ms:\n${n.output}`);
      await sleep(10);
    }
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.start(n.nodeid)));
  }

  /** kill -9 (or another signal) by pid. */
  signal(i: number, sig: NodeJS.Signals): void {
    const p = this.node(i).proc;
    if (p?.pid !== undefined && p.exitCode === null && p.signalCode === null) process.kill(p.pid, sig);
  }

  async waitExit(i: number): Promise<void> {
    const p = this.node(i).proc;
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise((r) => p.once('exit', r));
  }

  async status(i: number): Promise<RingStatus> {
    const c = await CfgClient.open({}, { socketPath: this.node(i).socketPath });
    try {
      const s = (await c.status()) as { delivery: RingStatus };
      return s.delivery;
    } finally {
      c.finalize();
    }
  }

  /** Polls until every listed node is OPERATIONAL in one ring with exactly `members`; returns the ms waited. */
  async waitRing(nodes: number[], members: number[], timeoutMs = 10000): Promise<number> {
    const t0 = Date.now();
    let last = '';
    for (;;) {
      const ss = await Promise.all(nodes.map((i) => this.status(i).catch((e: Error) => ({ error: e.message }) as unknown as RingStatus)));
      last = ss.map((s, k) => `node ${nodes[k]}: ${s.state} ${s.ringId?.text ?? '-'} [${s.members?.join(',') ?? ''}]`).join('; ');
      const ring = ss[0]?.ringId?.text;
      if (ss.every((s) => s.state === 'operational' && s.ringId?.text === ring && JSON.stringify(s.members) === JSON.stringify(members))) return Date.now() - t0;
      if (Date.now() - t0 > timeoutMs) throw new Error(`no common ring [${members.join(',')}] within ${timeoutMs} ms: ${last}`);
      await sleep(20);
    }
  }

  /** Stops every process (SIGCONT first, in case a test paused one), SIGKILL after the grace, and removes the files. */
  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all(this.nodes.map(async (n) => {
      const p = n.proc;
      if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
      process.kill(p.pid!, 'SIGCONT');
      process.kill(p.pid!, 'SIGTERM');
      const t = setTimeout(() => { if (p.exitCode === null && p.signalCode === null) process.kill(p.pid!, 'SIGKILL'); }, graceMs);
      await new Promise((r) => p.once('exit', r));
      clearTimeout(t);
    }));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
