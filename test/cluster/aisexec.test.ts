// aisexec as a real process: start, serve clients, check configuration,
// refuse other users, daemonise, and shut down cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CfgClient } from '../../lib-ais/cfg.js';
import { SaDispatchFlagsT } from '../../lib-ais/dispatch.js';
import { AisTryAgainError, SaAisErrorT } from '../../lib-ais/errors.js';
import { AISEXEC, AISEXEC_ARGV, REPO, alive, startExecutive, writeConfig, type RunningExecutive } from '../helpers/executive.js';

const run = promisify(execFile);
const NOBODY = 65534;

function aisexec(args: string[], opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [...AISEXEC_ARGV, ...args], { encoding: 'utf8', timeout: 20000, ...opts });
}

function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-e2e-'));
  fs.chmodSync(d, 0o755);
  return d;
}

const isRoot = process.getuid?.() === 0;

describe('aisexec process (end to end)', function () {
  this.timeout(30000);
  let exec: RunningExecutive | undefined;
  afterEach(async () => {
    await exec?.stop();
    exec = undefined;
  });

  it('starts, serves a client on both channels and through agreed delivery, and stops cleanly on SIGTERM', async () => {
    exec = await startExecutive();
    let shutdownSeen = false;
    const c = await CfgClient.open({ shutdown: () => { shutdownSeen = true; } }, { socketPath: exec.socketPath });
    assert.equal(c.conn.executivePid, exec.proc.pid);
    assert.deepEqual(await c.ping(Buffer.from('abc')), Buffer.from('abc'));
    assert.deepEqual(await c.mcastPing(Buffer.from('ordered')), Buffer.from('ordered'));
    const status = (await c.status()) as { executive: { state: string }; membership: { members: number[] } };
    assert.equal(status.executive.state, 'running');
    assert.deepEqual(status.membership.members, [1]);
    const blocking = c.dispatch(SaDispatchFlagsT.SA_DISPATCH_BLOCKING).catch((e: Error) => e);

    const code = await exec.stop();
    exec = undefined;
    assert.equal(code, 0);
    await blocking;
    assert.ok(shutdownSeen, 'the client received the shutdown callback');
    await assert.rejects(c.ping(), /connection to the executive lost/);
  });

  it('logs the orderly shutdown and removes its socket', async () => {
    exec = await startExecutive();
    const { socketPath, proc } = exec;
    assert.ok(fs.existsSync(socketPath));
    process.kill(proc.pid!, 'SIGINT');
    await new Promise((r) => proc.once('exit', r));
    assert.equal(proc.exitCode, 0);
    assert.equal(fs.existsSync(socketPath), false);
    assert.match(exec.output(), /shutting down: received SIGINT[\s\S]*AIS Executive exiting \(0\)\./);
    await exec.stop();
    exec = undefined;
    await assert.rejects(CfgClient.open({}, { socketPath }), AisTryAgainError);
  });

  it('refuses to start a second executive on the same run directory', async () => {
    exec = await startExecutive();
    const r = aisexec(['-f', '-c', exec.configFile]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /another executive is listening on .*libais\.socket/);
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('aisexec:')).length, 1, 'one-line reason');
  });

  it('-t checks openais.conf and groups.conf and exits 0, or non-zero naming FILE:LINE:COL', () => {
    const ok = aisexec(['-t', '-c', path.join(REPO, 'conf/openais.conf')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /configuration OK: .*conf\/openais\.conf, .*conf\/groups\.conf/);

    const dir = tmpdir();
    const bad = path.join(dir, 'openais.conf');
    fs.writeFileSync(bad, 'totem {\n\tversion: 2\n\ttokne: 1000\n}\n');
    const r = aisexec(['-t', '-c', bad]);
    assert.equal(r.status, 9);
    assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:2: .*tokne.*did you mean "token"`));

    const conf = writeConfig(dir, { groups: 'group {\n\tname=g\n\tmodel=twon\n}\n' });
    const g = aisexec(['-t', '-c', conf]);
    assert.equal(g.status, 11, g.stderr);
    assert.match(g.stderr, /groups\.conf:3:\d+: /);
    fs.rmSync(dir, { recursive: true });
  });

  it('does not start on a broken configuration: non-zero exit and a one-line reason', () => {
    const dir = tmpdir();
    const bad = path.join(dir, 'openais.conf');
    fs.writeFileSync(bad, 'logging {\n\tto_stderr: maybe\n');
    const r = aisexec(['-f', '-c', bad]);
    assert.equal(r.status, 9);
    assert.match(r.stderr, /^aisexec: /);
    const missing = aisexec(['-f', '-c', path.join(dir, 'nope.conf')]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /nope\.conf/);
    fs.rmSync(dir, { recursive: true });
  });

  it('answers --version and --help, and rejects an unknown option', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(aisexec(['--version']).stdout.trim(), pkg.version);
    const help = aisexec(['--help']);
    assert.equal(help.status, 0);
    for (const opt of ['-f', '-c', '-t', '--help', '--version']) assert.ok(help.stdout.includes(opt), opt);
    const bad = aisexec(['--frobnicate']);
    assert.equal(bad.status, 2);
  });

  it('without -f runs in the background and returns once ready', async () => {
    const dir = tmpdir();
    const conf = writeConfig(dir);
    const r = aisexec(['-c', conf]);
    assert.equal(r.status, 0, r.stderr);
    const pid = Number(/pid (\d+)/.exec(r.stdout)?.[1]);
    assert.ok(pid > 0, r.stdout);
    try {
      const c = await CfgClient.open({}, { socketPath: path.join(dir, 'run/libais.socket') });
      assert.equal(c.conn.executivePid, pid);
      c.finalize();
    } finally {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 200; i++) {
        if (!alive(pid)) break;
        await new Promise((res) => setTimeout(res, 25));
      }
    }
    assert.equal(alive(pid), false, 'the daemon exited');
    fs.rmSync(dir, { recursive: true });
  });

  describe('peer credentials', () => {
    before(function () {
      if (!isRoot) {
        console.log('      (skipped: spawning a client as another uid needs root; running as uid ' + process.getuid?.() + ')');
        this.skip();
      }
    });

    it('refuses a client running as another uid with SA_AIS_ERR_ACCESS and logs the refusal', async () => {
      exec = await startExecutive();
      const { stdout } = await run(process.execPath, [path.join(REPO, 'dist/test/helpers/client-ping.js'), exec.socketPath], { uid: NOBODY, gid: NOBODY });
      const res = JSON.parse(stdout) as { ok: boolean; code: number };
      assert.equal(res.ok, false);
      assert.equal(res.code, SaAisErrorT.SA_AIS_ERR_ACCESS);
      assert.match(exec.output(), new RegExp(`refused client pid \\d+ uid ${NOBODY} gid ${NOBODY} \\(service cfg\\)`));
      // The executive is unharmed.
      const c = await CfgClient.open({}, { socketPath: exec.socketPath });
      assert.deepEqual(await c.ping(Buffer.from('x')), Buffer.from('x'));
      c.finalize();
    });

    it('admits that uid once the configuration allows it (uidgid section)', async () => {
      exec = await startExecutive({ extra: `uidgid {\n\tuid: ${NOBODY}\n}\n` });
      const { stdout } = await run(process.execPath, [path.join(REPO, 'dist/test/helpers/client-ping.js'), exec.socketPath], { uid: NOBODY, gid: NOBODY });
      assert.deepEqual(JSON.parse(stdout), { ok: true, echo: 'hello' });
    });

    it('runs unprivileged: an executive started as another user serves its own uid and root', async () => {
      const dir = tmpdir();
      fs.chmodSync(dir, 0o777);
      const conf = writeConfig(dir);
      const proc = spawn(process.execPath, [...AISEXEC_ARGV, '-f', '-c', conf], { uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
      try {
        for (let i = 0; i < 400 && !out.includes('ready to provide service'); i++) await new Promise((r) => setTimeout(r, 25));
        assert.match(out, /ready to provide service/);
        assert.match(out, new RegExp(`allowed uids \\[0 ${NOBODY}\\]`));
        const c = await CfgClient.open({}, { socketPath: path.join(dir, 'run/libais.socket') });
        assert.deepEqual(await c.ping(Buffer.from('root')), Buffer.from('root'));
        c.finalize();
      } finally {
        process.kill(proc.pid!, 'SIGTERM');
        await new Promise((r) => proc.once('exit', r));
        fs.rmSync(dir, { recursive: true, force: true });
      }
      assert.equal(proc.exitCode, 0);
    });
  });
});
