// The reference of bench/ring measured in the same run: corosync (Debian's
// package, 3.1.7 on bookworm) on three nodes, next to our executive on the
// same network. Optional: it needs root (network namespaces), `corosync`, and
// libcpg-dev for the C client (native/bench/cpg_client.c); otherwise
// referenceUnavailable() says what is missing and bench/ring goes on without.
//
// Why namespaces: corosync finds its own node by matching the nodelist
// against the machine's interface addresses, and its IPC (libqb) listens on
// abstract sockets named by service. So three corosyncs on one machine need
// three network namespaces (each has its own interfaces and abstract socket
// names) and a private /run each (the pid file). The namespaces are joined by
// veth pairs on a bridge in a fourth, 10.213.0.i/24; our executives run in the
// same namespaces on another port, so both are measured over the same path.
// Everything is created under names holding the bench's pid and removed by
// destroy(); every process is stopped by its pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../test/helpers/ring-cluster.js';

const CPG_HEADER = '/usr/include/corosync/cpg.h';

function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Why the reference cannot run here, or undefined when it can. */
export function referenceUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (network namespaces)';
  if (which('corosync') === undefined) return 'corosync is not installed (Debian: apt install corosync libcpg-dev)';
  if (!fs.existsSync(CPG_HEADER)) return `${CPG_HEADER} is missing (Debian: apt install libcpg-dev)`;
  if (which('ip') === undefined || which('unshare') === undefined || which('nsenter') === undefined) return 'ip, unshare or nsenter is missing';
  return undefined;
}

/** corosync's version line, e.g. "3.1.7". */
export function corosyncVersion(): string {
  const out = execFileSync(which('corosync')!, ['-v'], { encoding: 'utf8' });
  return /version '([^']+)'/.exec(out)?.[1] ?? out.split('\n')[0]!;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** n network namespaces on one bridge; node i is 10.213.0.i/24 on its eth0. */
export class VethNet {
  private readonly prefix = `rfb${process.pid}`;
  private readonly created: string[] = [];

  constructor(readonly nodes: number) {}

  ns(i: number): string {
    return `${this.prefix}-n${i}`;
  }

  address(i: number): string {
    return `10.213.0.${i}`;
  }

  create(): void {
    const hub = `${this.prefix}-hub`;
    try {
      this.add(hub);
      ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', hub, 'link', 'set', 'br0', 'up');
      for (let i = 1; i <= this.nodes; i++) {
        const ns = this.ns(i);
        this.add(ns);
        ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `h${i}`, 'netns', hub);
        ip('-n', hub, 'link', 'set', `h${i}`, 'master', 'br0', 'up');
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'addr', 'add', `${this.address(i)}/24`, 'dev', 'eth0');
        ip('-n', ns, 'link', 'set', 'eth0', 'up');
      }
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  private add(ns: string): void {
    ip('netns', 'add', ns);
    this.created.push(ns);
  }

  /** Removing a namespace removes its veth ends and the bridge with it. */
  destroy(): void {
    for (const ns of this.created.splice(0).reverse()) {
      try { ip('netns', 'del', ns); } catch { /* already gone */ }
    }
  }
}

interface CorosyncNode { nodeid: number; dir: string; proc: ChildProcess | undefined; output: string }

/** Three (n) corosyncs, udpu, one per namespace of `net`, each with its own /run and state directory. */
export class CorosyncCluster {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-corosync-'));
  readonly nodes: CorosyncNode[] = [];

  constructor(readonly net: VethNet, totem: string[]) {
    for (let i = 1; i <= net.nodes; i++) {
      const dir = path.join(this.root, `n${i}`);
      for (const d of ['run', 'state']) fs.mkdirSync(path.join(dir, d), { recursive: true });
      const nodes = Array.from({ length: net.nodes }, (_, k) => `\tnode {\n\t\tring0_addr: ${net.address(k + 1)}\n\t\tnodeid: ${k + 1}\n\t}`);
      fs.writeFileSync(path.join(dir, 'corosync.conf'), [
        'totem {', '\tversion: 2', '\tcluster_name: rfbench', '\ttransport: udpu', '\tcrypto_cipher: none', '\tcrypto_hash: none', ...totem.map((l) => `\t${l}`), '}',
        'nodelist {', ...nodes, '}',
        'quorum {', '\tprovider: corosync_votequorum', '}',
        'logging {', '\tto_stderr: yes', '\tto_logfile: no', '\tto_syslog: no', '\ttimestamp: hires', '}',
        'system {', `\tstate_dir: ${path.join(dir, 'state')}`, '}', '',
      ].join('\n'));
      this.nodes.push({ nodeid: i, dir, proc: undefined, output: '' });
    }
  }

  node(i: number): CorosyncNode {
    return this.nodes[i - 1]!;
  }

  pid(i: number): number {
    return this.node(i).proc!.pid!;
  }

  /** Starts corosync i in its namespace with a private /run (ip, unshare and sh exec it: the pid is corosync's). */
  start(i: number): void {
    const n = this.node(i);
    n.output = '';
    const sh = `mount --bind '${path.join(n.dir, 'run')}' /run && exec corosync -f -c '${path.join(n.dir, 'corosync.conf')}'`;
    const proc = spawn('ip', ['netns', 'exec', this.net.ns(i), 'unshare', '-m', '--propagation', 'private', 'sh', '-c', sh], { stdio: ['ignore', 'pipe', 'pipe'] });
    n.proc = proc;
    const add = (d: Buffer) => { n.output += d.toString(); };
    proc.stdout!.on('data', add);
    proc.stderr!.on('data', add);
  }

  /** Waits until each listed node's latest membership has exactly `members` and its services are synchronised. */
  async waitRing(nodes: number[], members: number[], timeoutMs = 20_000): Promise<void> {
    const want = `Members[${members.length}]: ${members.join(' ')}`;
    const t0 = Date.now();
    const ok = (i: number) => {
      const out = this.node(i).output;
      const at = out.lastIndexOf('[QUORUM] Members[');
      return at >= 0 && out.startsWith(want, at + '[QUORUM] '.length) && out.indexOf('ready to provide service', at) > 0;
    };
    while (!nodes.every(ok)) {
      for (const i of nodes) {
        const p = this.node(i).proc;
        if (p === undefined || p.exitCode !== null || p.signalCode !== null) throw new Error(`corosync ${i} is not running:\n${this.node(i).output}`);
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`corosync: no ring [${members.join(',')}] within ${timeoutMs} ms:\n${nodes.map((i) => this.node(i).output.slice(-600)).join('\n')}`);
      await sleep(20);
    }
  }

  /** argv that runs a program in node i's namespaces (network and mount: its IPC sockets and /run). */
  inNode(i: number, argv: string[]): string[] {
    return ['nsenter', '-t', String(this.pid(i)), '-m', '-n', ...argv];
  }

  signal(i: number, sig: NodeJS.Signals): void {
    const p = this.node(i).proc;
    if (p?.pid !== undefined && p.exitCode === null && p.signalCode === null) process.kill(p.pid, sig);
  }

  async waitExit(i: number): Promise<void> {
    const p = this.node(i).proc;
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise((r) => p.once('exit', r));
  }

  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all(this.nodes.map(async (n) => {
      const p = n.proc;
      if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
      process.kill(p.pid!, 'SIGTERM');
      const t = setTimeout(() => { if (p.exitCode === null && p.signalCode === null) process.kill(p.pid!, 'SIGKILL'); }, graceMs);
      await new Promise((r) => p.once('exit', r));
      clearTimeout(t);
    }));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
