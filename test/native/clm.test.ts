// libSaClm.so under a real aisexec: native/test/clmtest.c compiled with gcc
// against the built library (plainly, and through pkg-config), run for
// parameters, buffers, callbacks, threads and a lost executive; the same
// program under valgrind; the library's exports and `make install`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startExecutive, REPO, type RunningExecutive } from '../helpers/executive.js';
import { buildNative, NATIVE, NATIVE_BUILD, runC, startC, valgrindVersion, type CRun } from '../helpers/native.js';

function bootSeconds(): string {
  return /^btime\s+(\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))![1]!;
}

describe('libSaClm under a real aisexec', function () {
  this.timeout(120000);
  let dir: string;
  let clmtest: string;
  let exec: RunningExecutive | undefined;
  const programs: CRun[] = [];

  before(() => {
    buildNative();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-native-clm-'));
    fs.chmodSync(dir, 0o755);
    clmtest = path.join(dir, 'clmtest');
    execFileSync('gcc', [
      '-O1', '-g', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror', '-pthread', '-I', path.join(NATIVE, 'include'),
      path.join(REPO, 'native/test/clmtest.c'), '-o', clmtest, '-L', NATIVE_BUILD, `-Wl,-rpath,${NATIVE_BUILD}`, '-lSaClm',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    for (const p of programs.splice(0)) await p.stop();
    await exec?.stop();
    exec = undefined;
  });

  function env(e: RunningExecutive): Record<string, string> {
    return { RINGFORT_RUN_DIR: e.runDir };
  }

  it('exports the eight saClm* functions and nothing else, under soname libSaClm.so.1', () => {
    const lib = path.join(NATIVE_BUILD, 'libSaClm.so');
    const syms = execFileSync('nm', ['-D', '--defined-only', lib], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3 && f[1] !== 'A').map((f) => f[2]!.split('@')[0]!).sort();
    assert.deepEqual(syms, [
      'saClmClusterNodeGet', 'saClmClusterNodeGetAsync', 'saClmClusterTrack', 'saClmClusterTrackStop', 'saClmDispatch', 'saClmFinalize',
      'saClmInitialize', 'saClmSelectionObjectGet',
    ]);
    assert.match(execFileSync('readelf', ['-d', lib], { encoding: 'utf8' }), /SONAME.*\[libSaClm\.so\.1\]/);
  });

  it('NodeGet, NodeGetAsync, ClusterTrack with each buffer case, TrackStop, parameters and handles', async () => {
    exec = await startExecutive();
    const r = await runC(clmtest, ['basic', os.hostname(), bootSeconds()], { env: env(exec) });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /ok saClmClusterTrack\(bare, SA_TRACK_CURRENT, &mine\) = 15/);
    assert.match(r.output, /PASSED/);
    assert.doesNotMatch(r.output, /FAIL/);
  });

  it('SA_AIS_ERR_TRY_AGAIN with no executive', async () => {
    const r = await runC(clmtest, ['noexec'], { env: { RINGFORT_RUN_DIR: dir } });
    assert.equal(r.code, 0, r.output);
  });

  it('threads share a handle; a blocking dispatch runs callbacks and returns at finalize', async () => {
    exec = await startExecutive();
    const r = await runC(clmtest, ['threads'], { env: env(exec) });
    assert.equal(r.code, 0, r.output);
  });

  it('an executive that goes away: a blocking dispatch and later calls return SA_AIS_ERR_LIBRARY', async () => {
    const e = await startExecutive();
    exec = e;
    const p = startC(clmtest, ['gone'], { env: env(e) });
    programs.push(p);
    await p.waitFor(/^ready$/m);
    await e.stop();
    exec = undefined;
    p.proc.stdin!.end('go\n');
    assert.equal(await p.exited(20000), 0, p.output());
  });

  it('compiles through pkg-config on native/build, and `make install` installs the library, saClm.h and libSaClm.pc', () => {
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libSaClm'], { encoding: 'utf8', env: { ...process.env, PKG_CONFIG_PATH: NATIVE_BUILD } }).trim();
    assert.match(flags, /-lSaClm/);
    const out = path.join(dir, 'clmtest-pc');
    execFileSync('sh', ['-c', `gcc -pthread -Wall -Werror ${JSON.stringify(path.join(REPO, 'native/test/clmtest.c'))} -o ${JSON.stringify(out)} ${flags}`]);
    assert.ok(fs.existsSync(out));
    const dest = path.join(dir, 'dest');
    execFileSync('make', ['-s', '-C', NATIVE, 'install', `DESTDIR=${dest}`, 'PREFIX=/opt/rf'], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const f of ['lib/libSaClm.so.1.0.0', 'lib/libSaClm.so.1', 'lib/libSaClm.so', 'include/saClm.h', 'include/saAis.h', 'lib/pkgconfig/libSaClm.pc']) {
      assert.ok(fs.existsSync(path.join(dest, 'opt/rf', f)), f);
    }
    const pc = fs.readFileSync(path.join(dest, 'opt/rf/lib/pkgconfig/libSaClm.pc'), 'utf8');
    assert.match(pc, /^libdir=\/opt\/rf\/lib$/m);
    assert.doesNotMatch(pc, /rpath/);
  });

  describe('under valgrind', () => {
    before(function () {
      if (valgrindVersion() === undefined) {
        console.log('    (skipped: valgrind is not installed; apt install valgrind)');
        this.skip();
      }
    });

    it('basic and threads run clean: no invalid access, no leak', async () => {
      exec = await startExecutive();
      const basic = await runC(clmtest, ['basic', os.hostname(), bootSeconds()], { env: env(exec), valgrind: true, timeoutMs: 60000 });
      assert.equal(basic.code, 0, basic.output);
      const threads = await runC(clmtest, ['threads'], { env: env(exec), valgrind: true, timeoutMs: 60000 });
      assert.equal(threads.code, 0, threads.output);
    });
  });
});
