// libSaClm on the real ring: native/test/clm_ring.c on node 1 of three
// aisexec processes on loopback tracks node 3 killed with SIGKILL (LEFT) and
// started again (JOINED), while the C and TypeScript examples of
// examples/clm track on node 2 and must print the same lines. The C example
// is built with its own Makefile through pkg-config, warnings as errors.
// Every process is stopped by its pid.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CfgClient } from '../../lib-ais/cfg.js';
import { REPO } from '../helpers/executive.js';
import { buildNative, NATIVE, NATIVE_BUILD, startC, type CRun } from '../helpers/native.js';
import { RingCluster, sleep } from '../helpers/ring-cluster.js';

const CLM_EXAMPLE_DIR = path.join(REPO, 'examples/clm');
const CLM_TRACK = path.join(CLM_EXAMPLE_DIR, 'clm_track');
const CLM_TRACK_TS = path.join(CLM_EXAMPLE_DIR, 'clm-track.ts');

/** Builds examples/clm/clm_track with its Makefile (always, -B), through pkg-config on native/build. */
function buildClmExample(): void {
  buildNative();
  execFileSync('make', ['-s', '-B', '-C', CLM_EXAMPLE_DIR, 'CFLAGS=-O2 -g -Wall -Wextra -Wno-unused-parameter -Werror'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PKG_CONFIG_PATH: NATIVE_BUILD },
  });
}

/** The lines a tracker printed after its "tracking ..." line, up to now. */
function changesOf(out: string): string {
  return out.slice(out.indexOf('\n', out.indexOf('tracking ')) + 1);
}

describe('libSaClm on the real ring (3 aisexec processes on loopback)', function () {
  this.timeout(120_000);
  let dir: string;
  let clmRing: string;
  let cluster: RingCluster | undefined;
  const programs: CRun[] = [];

  before(() => {
    buildNative();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-native-clm-ring-'));
    clmRing = path.join(dir, 'clm_ring');
    execFileSync('gcc', [
      '-O1', '-g', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror', '-I', path.join(NATIVE, 'include'),
      path.join(REPO, 'native/test/clm_ring.c'), '-o', clmRing, '-L', NATIVE_BUILD, `-Wl,-rpath,${NATIVE_BUILD}`, '-lSaClm',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    for (const p of programs.splice(0)) await p.stop();
    await cluster?.stopAll();
    cluster = undefined;
  });

  function runDir(i: number): Record<string, string> {
    return { RINGFORT_RUN_DIR: path.join(cluster!.node(i).dir, 'run') };
  }

  /** Polls until every listed node has completed one CLM view of exactly `members`. */
  async function waitView(nodes: number[], members: number[], timeoutMs = 15000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(nodes.map(async (i) => {
        const c = await CfgClient.open({}, { socketPath: cluster!.node(i).socketPath });
        try {
          const clm = ((await c.status()) as { services: { clm: { viewNumber: string; members: number[]; completing: number[] } } }).services.clm;
          return clm.completing.length === 0 && JSON.stringify(clm.members) === JSON.stringify(members) ? clm.viewNumber : undefined;
        } finally {
          c.finalize();
        }
      }).map((p) => p.catch(() => undefined)));
      if (views.every((v) => v !== undefined && v === views[0])) return;
      if (Date.now() > end) throw new Error(`no common CLM view of [${members.join(',')}] within ${timeoutMs} ms: ${views.join(', ')}`);
      await sleep(20);
    }
  }

  function start(bin: string, args: string[], env: Record<string, string>): CRun {
    const p = startC(bin, args, { env });
    programs.push(p);
    return p;
  }

  it('examples/clm builds through pkg-config with its Makefile, warnings as errors; clm_track -h prints its usage', () => {
    buildClmExample();
    assert.ok(fs.existsSync(CLM_TRACK));
    const help = spawnSync(CLM_TRACK, ['-h'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stderr, /^usage: \S*clm_track \[-a\] \[-1\]$/m);
    assert.equal(spawnSync(CLM_TRACK, ['-x'], { encoding: 'utf8' }).status, 2);
  });

  it('kill -9 of node 3 is LEFT and its restart JOINED, seen by a C program on node 1; the C and TypeScript examples on node 2 print the same', async () => {
    buildClmExample();
    cluster = new RingCluster({ nodes: 3, port: 5453 });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    await waitView([1, 2, 3], [1, 2, 3]);

    const prog = start(clmRing, ['1', '3'], runDir(1));
    await prog.waitFor(/^ready view \d+$/m);
    const cEx = start(CLM_TRACK, [], runDir(2));
    const tsEx = start(process.execPath, ['--import', 'tsx', CLM_TRACK_TS], runDir(2));
    await cEx.waitFor(/^tracking SA_TRACK_CHANGES_ONLY$/m);
    await tsEx.waitFor(/^tracking SA_TRACK_CHANGES_ONLY$/m, 30000);
    // Both printed the same current view: three members, NO_CHANGE, the nodelist addresses.
    assert.equal(tsEx.output(), cEx.output());
    for (const id of [1, 2, 3]) assert.match(cEx.output(), new RegExp(`^  node ${id} \\S+ 127\\.0\\.0\\.${id} NO_CHANGE initial-view [1-9]\\d*$`, 'm'));

    cluster.signal(3, 'SIGKILL');
    await cluster.waitExit(3);
    await prog.waitFor(/^left view \d+$/m);
    const left = /^view (\d+), 2 members\n {2}node 3 \S+ 127\.0\.0\.3 LEFT initial-view \d+$/m;
    await cEx.waitFor(left);
    await tsEx.waitFor(left);
    assert.equal(left.exec(cEx.output())![1], /^left view (\d+)$/m.exec(prog.output())![1], 'the examples report the view node 1 reports');

    await cluster.start(3);
    await prog.waitFor(/^joined view \d+$/m);
    const joined = /^view (\d+), 3 members\n {2}node 3 \S+ 127\.0\.0\.3 JOINED initial-view \d+$/m;
    await cEx.waitFor(joined);
    await tsEx.waitFor(joined);
    assert.equal(joined.exec(cEx.output())![1], /^joined view (\d+)$/m.exec(prog.output())![1]);
    assert.equal(await prog.exited(10000), 0, prog.output());
    assert.match(prog.output(), /^PASSED$/m);
    assert.doesNotMatch(prog.output(), /FAIL/);

    // Nothing else happened: the same two changes, in the same words, from C and TypeScript.
    assert.equal(changesOf(tsEx.output()), changesOf(cEx.output()));
    assert.equal(changesOf(cEx.output()).split('\n').filter((l) => l.startsWith('view ')).length, 2, cEx.output());

    // -1: the current view, then exit 0 (here on the restarted node).
    const once = start(CLM_TRACK, ['-1'], runDir(3));
    assert.equal(await once.exited(15000), 0, once.output());
    assert.match(once.output(), /^view \d+, 3 members\n(?: {2}node [123] \S+ 127\.0\.0\.[123] NO_CHANGE initial-view \d+\n){3}$/);

    for (const p of [cEx, tsEx]) {
      process.kill(p.proc.pid!, 'SIGTERM');
      assert.equal(await p.exited(10000), 0, p.output());
      assert.match(p.output(), /^SIGTERM: finalizing and exiting$/m);
    }
  });

  it('the examples exit 1 when they lose the executive', async () => {
    buildClmExample();
    cluster = new RingCluster({ nodes: 3, port: 5455 });
    await cluster.start(1);
    await waitView([1], [1]);
    const cEx = start(CLM_TRACK, [], runDir(1));
    const tsEx = start(process.execPath, ['--import', 'tsx', CLM_TRACK_TS], runDir(1));
    await cEx.waitFor(/^tracking /m);
    await tsEx.waitFor(/^tracking /m, 30000);
    cluster.signal(1, 'SIGKILL');
    await cluster.waitExit(1);
    for (const p of [cEx, tsEx]) {
      assert.equal(await p.exited(10000), 1, p.output());
      assert.match(p.output(), /^lost the executive \(saClmDispatch: SA_AIS_ERR_LIBRARY/m);
    }
  });
});
