// ais-cfgtool against a real 3-node ring on loopback (rrp_mode passive, so
// that there are two rings to print): -s, -l, --json, --config, --counters,
// -r, the fault-injection switch with and without RINGFORT_FAULT_INJECTION,
// and the exit codes (0 done, 1 cannot connect or refused, 2 usage). The tool
// runs from source through tsx, as the keygen tests do.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RingCluster, sleep } from '../helpers/ring-cluster.js';
import { REPO } from '../helpers/executive.js';

const TOOL = path.join(REPO, 'aisexec/tools/cfgtool.ts');

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs the tool without blocking the event loop (the tests run several at once). */
function cfgtool(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', TOOL, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

describe('ais-cfgtool (real 3-node ring)', function () {
  this.timeout(60_000);
  let cluster: RingCluster | undefined;
  let ringId = '';
  const sock = (i: number): string[] => ['-S', cluster!.node(i).socketPath];

  before(async () => {
    cluster = new RingCluster({ nodes: 3, port: 5481, rrpMode: 'passive', totem: ['token: 1000', 'token_coefficient: 0'] });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    ringId = (await cluster.status(1)).ringId!.text;
  });
  after(async () => {
    await cluster?.stopAll();
    cluster = undefined;
  });

  it('-s (and no option): corosync-cfgtool -s lines for both rings, then ring id, state and members', async () => {
    const [s, plain] = await Promise.all([cfgtool(...sock(2), '-s'), cfgtool(...sock(2))]);
    assert.equal(s.status, 0, s.stderr);
    assert.equal(plain.stdout, s.stdout);
    assert.equal(s.stdout, [
      'Printing ring status.',
      'Local node ID 2',
      'RING ID 0',
      '\tid\t= 127.0.0.2',
      '\tstatus\t= ring 0 active with no faults',
      'RING ID 1',
      '\tid\t= 127.0.1.2',
      '\tstatus\t= ring 1 active with no faults',
      'MEMBERSHIP',
      `\tring\t= ${ringId} (representative 1, seq ${parseInt(ringId.split('.')[1]!, 16)})`,
      '\tstate\t= operational',
      '\tmembers\t= 3 [1 2 3]',
      '\trrp\t= passive (transport udpu)',
      '',
    ].join('\n'));
  });

  it('-l: the three members with their addresses, "(local)" on the node asked', async () => {
    const r = await cfgtool(...sock(3), '-l');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `Membership information (ring ${ringId}, operational, 3 members)`);
    assert.match(lines[1]!, /^-+$/);
    assert.match(lines[2]!, /^Nodeid {2}Address {4}Name$/);
    assert.deepEqual(lines.slice(3).map((l) => l.replace(/ {2}\S+( \(local\))?$/, '$1')), ['     1  127.0.0.1', '     2  127.0.0.2', '     3  127.0.0.3 (local)']);
    const j = await cfgtool(...sock(3), '-l', '--json');
    const parsed = JSON.parse(j.stdout) as { nodeid: number; members: Array<{ nodeid: number; local: boolean; address?: string }> };
    assert.equal(parsed.nodeid, 3);
    assert.deepEqual(parsed.members.map((m) => [m.nodeid, m.local, m.address]), [[1, false, '127.0.0.1'], [2, false, '127.0.0.2'], [3, true, '127.0.0.3']]);
  });

  it('--json: the raw ring status, which matches what the executive reports', async () => {
    const r = await cfgtool(...sock(1), '--json');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { nodeid: number; state: string; ringId: { text: string }; members: number[]; rrp: { mode: string; rings: Array<{ ring: number; state: string }> } };
    assert.equal(s.nodeid, 1);
    assert.equal(s.state, 'operational');
    assert.equal(s.ringId.text, ringId);
    assert.deepEqual(s.members, [1, 2, 3]);
    assert.deepEqual(s.rrp.rings.map((x) => [x.ring, x.state]), [[0, 'active'], [1, 'active']]);
  });

  it('--config: the effective totem values, aligned, timeouts in ms; --config --json', async () => {
    const [r, j] = await Promise.all([cfgtool(...sock(1), '--config'), cfgtool(...sock(1), '--config', '--json')]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'Effective totem configuration (node 1)');
    const eq = new Set(lines.slice(1).map((l) => l.indexOf(' = ')));
    assert.equal(eq.size, 1, `"=" aligned:\n${r.stdout}`);
    for (const want of [/^ {2}token +=  ?1000 ms$/, /^ {2}token_retransmit += 238 ms$/, /^ {2}consensus += 1200 ms$/, /^ {2}window_size += 50$/, /^ {2}rrp_mode += passive$/, /^ {2}secauth += off$/]) {
      assert.ok(lines.some((l) => want.test(l)), `${want} in\n${r.stdout}`);
    }
    const c = JSON.parse(j.stdout) as Record<string, unknown>;
    assert.equal(c['token'], 1000);
    assert.equal(c['rrp_mode'], 'passive');
  });

  it('--counters: core counters, gather reasons, packets per ring and why dropped, security', async () => {
    const r = await cfgtool(...sock(2), '--counters');
    assert.equal(r.status, 0, r.stderr);
    for (const want of [/^Totem counters \(node 2, ring /m, /^ {2}token retransmits +\d+$/m, /^ {2}token losses +0$/m, /^Gather entries by reason$/m, /^ {2}start +1$/m,
      /^ {2}received +\d+ +\d+$/m, /^ {4}blocked \(send\) +0 +0$/m, /^Security \(mode none\)$/m]) {
      assert.match(r.stdout, want);
    }
  });

  it('-r: "Re-enabling all failed rings." and exit 0; every node logs the re-enable', async () => {
    const r = await cfgtool(...sock(1), '-r');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Re-enabling all failed rings.\n');
    // Node 1 answered after its own delivery; the others' log lines may still be in their pipes.
    const logged = (i: number): boolean => cluster!.node(i).output.includes('re-enabling faulty rings (requested on node 1)');
    for (let t = 0; t < 100 && ![1, 2, 3].every(logged); t++) await sleep(20);
    for (const i of [1, 2, 3]) assert.ok(logged(i), `node ${i}:\n${cluster!.node(i).output}`);
  });

  it('--block-ring without RINGFORT_FAULT_INJECTION: exit 1, SA_AIS_ERR_NOT_SUPPORTED and why; the executive logs the refusal; nothing blocked', async () => {
    const r = await cfgtool(...sock(2), '--block-ring', '0');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ais-cfgtool: could not block ring 0: SA_AIS_ERR_NOT_SUPPORTED: .* \(the executive accepts it only when started with RINGFORT_FAULT_INJECTION=1; a test facility\)\n$/);
    assert.match(cluster!.node(2).output, /refused ring 0 block from client pid \d+ uid \d+ gid \d+: fault injection is off/);
    const s = await cluster!.status(2);
    assert.deepEqual(s.rrp.rings.map((x) => (x as unknown as { transport: { blocked: boolean } }).transport.blocked), [false, false]);
  });

  it('exit 2 on usage errors, before connecting', async () => {
    const runs = await Promise.all([
      cfgtool('--bogus'),
      cfgtool('-s', '-l'),
      cfgtool('--block-ring', 'x'),
      cfgtool('--block-ring', '-1'),
      cfgtool('-S', '/nonexistent/s', '--run-dir', '/tmp'),
    ]);
    for (const r of runs) {
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^ais-cfgtool: .*\nTry ais-cfgtool --help\.\n$/s);
    }
    assert.match(runs[1]!.stderr, /choose one of -s, -l, --config, --counters, -r, --block-ring, --unblock-ring \(got --status, --members\)/);
    const help = await cfgtool('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--block-ring +TEST FACILITY/);
  });

  it('exit 1 when no executive answers on the socket or run directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-cfgtool-'));
    try {
      const [a, b] = await Promise.all([cfgtool('-S', path.join(dir, 'libais.socket')), cfgtool('--run-dir', dir, '-l')]);
      for (const r of [a, b]) {
        assert.equal(r.status, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^ais-cfgtool: cannot connect to the executive: SA_AIS_ERR_TRY_AGAIN: the executive is not running \(no listener on .*libais\.socket\)\n$/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ais-cfgtool fault injection (RINGFORT_FAULT_INJECTION=1)', function () {
  this.timeout(60_000);
  let cluster: RingCluster | undefined;
  after(async () => {
    await cluster?.stopAll();
    cluster = undefined;
  });

  it('--block-ring 1 / --unblock-ring 1 on one node: -s shows it blocked; a ring this node lacks is exit 1 INVALID_PARAM', async () => {
    cluster = new RingCluster({ nodes: 3, port: 5485, rrpMode: 'passive', totem: ['token: 1000', 'token_coefficient: 0'], env: { RINGFORT_FAULT_INJECTION: '1' } });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    const sock = ['-S', cluster.node(1).socketPath];
    assert.match(cluster.node(1).output, /fault injection is on \(RINGFORT_FAULT_INJECTION=1\)/);

    const b = await cfgtool(...sock, '--block-ring', '1');
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.stdout, 'Blocked ring 1 on this node (fault injection).\n');
    const s = await cfgtool(...sock, '-s');
    assert.match(s.stdout, /RING ID 1\n\tid\t= 127\.0\.1\.1\n\tstatus\t= .* \(blocked by fault injection\)\n/);
    assert.doesNotMatch(s.stdout, /RING ID 0\n[^\n]*\n[^\n]*blocked/);

    const u = await cfgtool(...sock, '--unblock-ring', '1');
    assert.equal(u.status, 0, u.stderr);
    assert.equal(u.stdout, 'Unblocked ring 1 on this node (fault injection).\n');
    assert.doesNotMatch((await cfgtool(...sock, '-s')).stdout, /blocked by fault injection/);

    const bad = await cfgtool(...sock, '--block-ring', '2');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /could not block ring 2: SA_AIS_ERR_INVALID_PARAM: .* \(this node has no ring 2\)/);
    assert.match(cluster.node(1).output, /fault injection: ring 1 block requested by client pid \d+/);
  });
});
