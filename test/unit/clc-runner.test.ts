import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryLogSystem } from '../../aisexec/log/logger.js';
import { ClcRunner, type ClcCommand } from '../../amf/clc-runner.js';
import { processAlive, watchProcess } from '../../amf/process-watch.js';

describe('CLC-CLI runner', function () {
  this.timeout(10000);
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-clc-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function script(name: string, body: string): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  }
  function cmd(program: string, over: Partial<ClcCommand> = {}): ClcCommand {
    return { comp: 'safComp=a,safSu=SU_1,safSg=g', op: 'instantiate', program, argv: ['instantiate'], env: { PATH: '/usr/bin:/bin', X: 'y' }, cwd: dir, timeoutMs: 5000, ...over };
  }

  it('runs a program with an argument vector, in the working directory, with exactly the given environment, logging its output', async () => {
    const { system, lines } = memoryLogSystem();
    const p = script('clc', 'echo "op=$1 cwd=$(pwd) x=$X home=${HOME:-unset}"; echo oops >&2; exit 0');
    const r = await new ClcRunner(system.get('AMF')).run(cmd(p));
    assert.deepEqual(r, { outcome: 'exited', exitCode: 0, signal: undefined });
    assert.ok(lines.includes(`info    [AMF  ] CLC-CLI instantiate safComp=a,safSu=SU_1,safSg=g: op=instantiate cwd=${fs.realpathSync(dir)} x=y home=unset`), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('warning') && l.endsWith(': oops')));
  });

  it('does not pass arguments through a shell', async () => {
    const p = script('clc', 'printf "%s|" "$@"; echo');
    const { system, lines } = memoryLogSystem();
    await new ClcRunner(system.get('AMF')).run(cmd(p, { argv: ['a b', '$(touch pwned)', ';ls'] }));
    assert.ok(lines.some((l) => l.endsWith(': a b|$(touch pwned)|;ls|')), lines.join('\n'));
    assert.equal(fs.existsSync(path.join(dir, 'pwned')), false);
  });

  it('reports a non-zero exit, and reads the pid file after a successful instantiate', async () => {
    const { system } = memoryLogSystem();
    const runner = new ClcRunner(system.get('AMF'));
    assert.deepEqual(await runner.run(cmd(script('fail', 'exit 3'))), { outcome: 'exited', exitCode: 3, signal: undefined, message: 'exit status 3' });
    const pidFile = path.join(dir, 'c.pid');
    const r = await runner.run(cmd(script('ok', `echo 4242 > "${pidFile}"`), { pidFile }));
    assert.equal(r.pid, 4242);
  });

  it('kills the whole process group of a command that overruns its timeout', async () => {
    const { system, lines } = memoryLogSystem();
    const pidFile = path.join(dir, 'child.pid');
    const p = script('slow', `sleep 30 & echo $! > "${pidFile}"; wait`);
    const t0 = Date.now();
    const r = await new ClcRunner(system.get('AMF')).run(cmd(p, { timeoutMs: 300 }));
    assert.equal(r.outcome, 'timeout');
    assert.ok(Date.now() - t0 < 3000);
    assert.ok(lines.some((l) => /did not finish within 300 ms; killing it/.test(l)));
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && processAlive(child); i++) await new Promise((res) => setTimeout(res, 20));
    assert.equal(processAlive(child), false, 'the background child of the command was killed too');
  });

  it('says why a program cannot run: missing, not executable, or a missing working directory', async () => {
    const { system } = memoryLogSystem();
    const runner = new ClcRunner(system.get('AMF'));
    const missing = await runner.run(cmd(path.join(dir, 'nope')));
    assert.equal(missing.outcome, 'spawnFailed');
    assert.match(missing.message!, /cannot run .*nope: ENOENT/);
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'echo hi\n', { mode: 0o644 });
    const noexec = await runner.run(cmd(plain));
    assert.equal(noexec.outcome, 'spawnFailed');
    assert.match(noexec.message!, /EACCES/);
    const nodir = await runner.run(cmd(plain, { cwd: path.join(dir, 'gone') }));
    assert.match(nodir.message!, /working directory .*gone does not exist/);
  });
});

describe('passive process monitoring', function () {
  this.timeout(10000);
  it('sees the end of a process it did not start as a child', async () => {
    // A grandchild: reparented away from us, so Node's child handling cannot see it.
    const sh = spawn('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((res) => sh.stdout!.once('data', (d: Buffer) => res(Number(String(d).trim()))));
    let seen = 0;
    const exited = new Promise<void>((res) => watchProcess(pid, () => { seen++; res(); }));
    assert.ok(processAlive(pid));
    process.kill(pid, 'SIGKILL');
    await exited;
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(seen, 1);
  });

  it('reports an already-dead pid, and stops watching when asked', async () => {
    await new Promise<void>((res) => watchProcess(999_999_9, res));
    const sh = spawn('sleep', ['30']);
    let fired = false;
    const stop = watchProcess(sh.pid!, () => { fired = true; });
    stop();
    sh.kill('SIGKILL');
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(fired, false);
  });
});
