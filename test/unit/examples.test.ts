// The examples: the CLC-CLI script (instantiate / terminate / cleanup against
// a trivial sleeping binary), the non-SA-aware shell component, and the
// TypeScript demo component against a fake AMF service behind a real
// IpcServer. Every process a test starts is stopped by the test, by its pid.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { loadGroupsConf } from '../../amf/config/groups.js';
import { loadMainConfig } from '../../aisexec/config/mainconfig.js';
import { AMF_CB, amfRig, type AmfRig } from './lib-amf-fake.js';
import { until as untilHolds } from '../helpers/wait.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLC = path.join(REPO, 'examples/clc');
const SCRIPT = path.join(CLC, 'clc_cli_script');
const COMPONENT_TS = path.join(REPO, 'examples/amf-demo/component.ts');
const COMPONENT_JS = path.join(REPO, 'dist/examples/amf-demo/component.js');
const COMP = 'safComp=c1,safSu=SU_1,safSg=demo';

/** Running (a zombie has ended: in a container nobody may reap it). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Live processes whose process group is `pgid`. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

const until = (cond: () => boolean, what: string, ms = 10000): Promise<void> => untilHolds(cond, what, ms, 20);

describe('examples', function () {
  this.timeout(30000);
  let dir: string;
  /** Pids to stop after each test, whatever happened. */
  const pids = new Set<number>();

  function track(pid: number): number {
    pids.add(pid);
    return pid;
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-examples-'));
  });
  afterEach(() => {
    for (const pid of pids) {
      try { process.kill(-pid, 'SIGKILL'); } catch { /* not a group leader, or gone */ }
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    pids.clear();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('clc_cli_script', () => {
    function env(extra: Record<string, string> = {}): Record<string, string> {
      return {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        CLC_CLI_INTERFACE: 'instantiate',
        SA_AMF_COMPONENT_NAME: COMP,
        COMP_BINARY_PATH: dir,
        COMP_BINARY_NAME: 'sleeper',
        RINGFORT_PID_FILE: path.join(dir, 'run', 'c1.pid'),
        RINGFORT_RUN_DIR: dir,
        ...extra,
      };
    }
    function run(argv: string[], e: Record<string, string> = env()) {
      const r = spawnSync(SCRIPT, argv, { cwd: dir, env: e, encoding: 'utf8', timeout: 15000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }
    function sleeper(body = 'exec sleep 60'): void {
      fs.writeFileSync(path.join(dir, 'sleeper'), `#!/bin/sh\necho "started in $(pwd) as $SA_AMF_COMPONENT_NAME"\n${body}\n`, { mode: 0o755 });
    }
    function pidOf(file = path.join(dir, 'run', 'c1.pid')): number {
      return track(Number(fs.readFileSync(file, 'utf8').trim()));
    }

    it('is an executable POSIX sh script, recorded by git as mode 755', () => {
      for (const f of ['clc_cli_script', 'amf-demo', 'shell-service']) {
        const p = path.join(CLC, f);
        assert.equal(fs.statSync(p).mode & 0o755, 0o755, `${f} is executable`);
        assert.match(fs.readFileSync(p, 'utf8'), /^#!\/bin\/sh\n/);
        assert.equal(spawnSync('sh', ['-n', p]).status, 0, `${f} parses`);
        const staged = execFileSync('git', ['ls-files', '-s', `examples/clc/${f}`], { cwd: REPO, encoding: 'utf8' });
        if (staged !== '') assert.match(staged, /^100755 /, `git mode of ${f}`);
      }
    });

    it('instantiate starts the binary in the background, writes its pid and its output next to the pid file; terminate stops it', async () => {
      sleeper();
      const t0 = Date.now();
      const r = run(['instantiate']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Date.now() - t0 < 5000, 'instantiate returns at once');
      assert.match(r.stdout, /instantiated safComp=c1,safSu=SU_1,safSg=demo/);
      const pid = pidOf();
      assert.ok(alive(pid));
      await until(() => fs.existsSync(path.join(dir, 'run', 'c1.log')) && fs.readFileSync(path.join(dir, 'run', 'c1.log'), 'utf8') !== '', 'the log');
      assert.equal(fs.readFileSync(path.join(dir, 'run', 'c1.log'), 'utf8'), `started in ${fs.realpathSync(dir)} as ${COMP}\n`);
      assert.equal(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[3], String(pid), 'it leads its own process group');

      const again = run(['instantiate']);
      assert.equal(again.code, 1, 'a second instantiate while it runs fails');
      assert.match(again.stderr, /already running as pid/);

      const t = run(['terminate']);
      assert.equal(t.code, 0, t.stderr);
      assert.equal(alive(pid), false);
      assert.equal(fs.existsSync(path.join(dir, 'run', 'c1.pid')), false, 'pid file removed');
      assert.equal(run(['terminate']).code, 0, 'terminate of what is not running succeeds');
    });

    it('terminate reports failure when SIGTERM is ignored; cleanup then kills it', () => {
      sleeper("trap '' TERM\nwhile :; do sleep 1; done");
      assert.equal(run(['instantiate']).code, 0);
      const pid = pidOf();
      const t = run(['terminate'], env({ CLC_TERMINATE_WAIT: '1' }));
      assert.equal(t.code, 1);
      assert.match(t.stderr, /still running 1 s after SIGTERM/);
      assert.ok(alive(pid));
      const c = run(['cleanup']);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stdout, new RegExp(`cleaning up ${COMP} on pid ${pid}`));
      assert.equal(alive(pid), false);
      assert.deepEqual(groupMembers(pid), [], 'the whole process group is gone (no orphaned sleep)');
    });

    it('cleanup exits 0 when the process is already gone, and when there is no pid file', () => {
      sleeper();
      assert.equal(run(['instantiate']).code, 0);
      const pid = pidOf();
      process.kill(pid, 'SIGKILL');
      const c = run(['cleanup']);
      assert.equal(c.code, 0, c.stderr);
      assert.equal(fs.existsSync(path.join(dir, 'run', 'c1.pid')), false);
      const none = run(['cleanup']);
      assert.equal(none.code, 0);
      assert.match(none.stdout, /no pid file/);
    });

    it('does not signal a process that took over a stale pid', () => {
      const other = spawn('sleep', ['60'], { env: { PATH: process.env['PATH'] ?? '' } });
      const pid = track(other.pid!);
      fs.mkdirSync(path.join(dir, 'run'));
      fs.writeFileSync(path.join(dir, 'run', 'c1.pid'), `${pid}\n`);
      const c = run(['cleanup']);
      assert.equal(c.code, 0);
      assert.match(c.stdout, /another process now/);
      assert.ok(alive(pid));
      other.kill('SIGKILL');
    });

    it('takes the operation from CLC_CLI_INTERFACE without an argument (openais EARLY)', () => {
      sleeper();
      assert.equal(run([], env({ CLC_CLI_INTERFACE: 'instantiate' })).code, 0);
      const pid = pidOf();
      assert.ok(alive(pid));
      assert.equal(run([], env({ CLC_CLI_INTERFACE: 'cleanup' })).code, 0);
      assert.equal(alive(pid), false);
    });

    it('falls back to $TMPDIR/ringfort-<sanitized name>.pid without RINGFORT_PID_FILE', () => {
      sleeper();
      const e = env({ TMPDIR: dir });
      delete e['RINGFORT_PID_FILE'];
      assert.equal(run(['instantiate'], e).code, 0);
      const file = path.join(dir, 'ringfort-safComp_c1_safSu_SU_1_safSg_demo.pid');
      const pid = pidOf(file);
      assert.ok(fs.existsSync(path.join(dir, 'ringfort-safComp_c1_safSu_SU_1_safSg_demo.log')));
      assert.equal(run(['cleanup'], e).code, 0);
      assert.equal(alive(pid), false);
    });

    it('an unknown or missing operation prints the usage on stderr and exits 1; a missing binary exits 1', () => {
      for (const [argv, e] of [[['restart'], env()], [[], env({ CLC_CLI_INTERFACE: '' })]] as const) {
        const r = run([...argv], e);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /Usage: .*clc_cli_script \{instantiate\|terminate\|cleanup\}/);
        assert.equal(r.stdout, '');
      }
      const m = run(['instantiate'], env({ COMP_BINARY_NAME: 'no-such-binary' }));
      assert.equal(m.code, 1);
      assert.match(m.stderr, /no-such-binary is not an executable file/);
      assert.equal(fs.existsSync(path.join(dir, 'run', 'c1.pid')), false);
    });

    it('manages the non-SA-aware shell-service: heartbeats, then terminate stops the loop and its sleep', async () => {
      const e = env({ COMP_BINARY_PATH: CLC, COMP_BINARY_NAME: 'shell-service', SHELL_SERVICE_INTERVAL: '0.1' });
      assert.equal(run(['instantiate'], e).code, 0);
      const pid = pidOf();
      const beats = path.join(dir, 'run', 'c1.heartbeat');
      await until(() => fs.existsSync(beats) && fs.readFileSync(beats, 'utf8').split('\n').length > 3, 'three heartbeats');
      assert.match(fs.readFileSync(beats, 'utf8'), new RegExp(`^\\S+ ${COMP} heartbeat 1 pid ${pid}\n`));
      const t = run(['terminate'], e);
      assert.equal(t.code, 0, t.stderr);
      assert.equal(alive(pid), false);
      await until(() => groupMembers(pid).length === 0, 'the whole group to go');
      assert.match(fs.readFileSync(path.join(dir, 'run', 'c1.log'), 'utf8'), /stopping on SIGTERM/);
    });

    it('shell-service can be told to fail (SHELL_SERVICE_EXIT_AFTER), for passive monitoring', async () => {
      const e = env({ COMP_BINARY_PATH: CLC, COMP_BINARY_NAME: 'shell-service', SHELL_SERVICE_INTERVAL: '0.05', SHELL_SERVICE_EXIT_AFTER: '2' });
      assert.equal(run(['instantiate'], e).code, 0);
      const pid = pidOf();
      await until(() => !alive(pid), 'the service to exit');
      assert.match(fs.readFileSync(path.join(dir, 'run', 'c1.log'), 'utf8'), /exiting with 1 after 2 heartbeats/);
      assert.equal(run(['cleanup'], e).code, 0);
    });
  });

  describe('sample configurations', () => {
    it('conf/openais.conf and examples/groups/*.openais.conf load, and their groups.conf name existing CLC-CLI programs', () => {
      const files = fs.readdirSync(path.join(REPO, 'examples/groups')).filter((f) => f.endsWith('.openais.conf'))
        .map((f) => path.join(REPO, 'examples/groups', f));
      assert.ok(files.length > 0);
      for (const f of [path.join(REPO, 'conf/openais.conf'), ...files]) {
        const config = loadMainConfig(f);
        assert.equal(config.amf.mode, 'enabled');
        const model = loadGroupsConf(config.amf.groupsFile);
        for (const sg of model.sgs) for (const su of sg.sus) for (const c of su.components) {
          assert.ok(fs.existsSync(path.join(c.clcCliPath, 'clc_cli_script')), `${f}: ${c.clcCliPath}`);
          assert.ok(fs.existsSync(path.join(c.binaryPath, c.binaryName ?? '')), `${f}: ${c.binaryPath}/${c.binaryName}`);
        }
      }
    });
  });

  describe('amf-demo component (against a fake AMF service)', () => {
    let r: AmfRig;
    let child: ChildProcess | undefined;
    let out = '';

    beforeEach(async () => {
      r = await amfRig();
      out = '';
    });
    afterEach(async () => {
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((res) => child!.once('exit', res));
      }
      child = undefined;
      await r.stop();
    });

    function start(env: Record<string, string | undefined> = {}, program: string[] = ['--import', 'tsx', COMPONENT_TS]): ChildProcess {
      const e: Record<string, string> = { PATH: process.env['PATH'] ?? '', RINGFORT_RUN_DIR: r.dir, SA_AMF_COMPONENT_NAME: COMP };
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k]; else e[k] = v;
      child = spawn(process.execPath, program, { cwd: REPO, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
      track(child.pid!);
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
      return child;
    }
    const exited = (c: ChildProcess) => new Promise<number | null>((res) => {
      if (c.exitCode !== null || c.signalCode !== null) res(c.exitCode);
      else c.once('exit', (code) => res(code));
    });
    const waitOut = (re: RegExp) => until(() => re.test(out), `output ${re}\n${out}`);

    it('registers, starts an AMF-invoked healthcheck, answers healthchecks and CSI callbacks, logs attributes, exits 0 on terminate', async () => {
      const c = start();
      const reg = await r.fake.next('register');
      assert.deepEqual(reg.msg, { comp: COMP, proxy: '' });
      const hc = await r.fake.next('healthcheckStart');
      assert.deepEqual(hc.msg, { comp: COMP, key: 'default', invocation: 1, recovery: 2 });
      r.fake.push(AMF_CB.healthcheck, { invocation: 1n, comp: COMP, key: 'default' });
      r.fake.push(AMF_CB.csiSet, {
        invocation: 2n, comp: COMP, haState: 1, flags: 1, csi: 'safCsi=demo_csi,safSi=demo_si,safSg=demo', transition: 1, activeComp: '', standbyRank: 0,
        attrs: [{ name: 'greeting', value: 'hello from Ringfort' }, { name: 'good_health_limit', value: '0' }],
      });
      r.fake.push(AMF_CB.csiSet, {
        invocation: 3n, comp: COMP, haState: 2, flags: 2, csi: 'safCsi=demo_csi,safSi=demo_si,safSg=demo', transition: 0,
        activeComp: 'safComp=c2,safSu=SU_2,safSg=demo', standbyRank: 1, attrs: [],
      });
      r.fake.push(AMF_CB.csiRemove, { invocation: 4n, comp: COMP, csi: 'safCsi=demo_csi,safSi=demo_si,safSg=demo', flags: 2 });
      await r.fake.until(() => r.fake.named('response').length === 4, 10000, 'four answers');
      assert.deepEqual(r.fake.named('response').map((q) => q.msg).sort((a, b) => Number(a['invocation']) - Number(b['invocation'])), [1n, 2n, 3n, 4n].map((i) => ({ invocation: i, error: SaAisErrorT.SA_AIS_OK })));
      await waitOut(/CSI remove/);
      const lines = out.split('\n');
      for (const l of lines.filter((x) => x !== '')) assert.ok(l.startsWith(`${COMP}: `), `prefixed: ${l}`);
      assert.match(out, /registered/);
      assert.match(out, /healthcheck default started, AMF-invoked, recovery COMPONENT_RESTART/);
      assert.match(out, /healthcheck 1 callback \(invocation 1\) key default/);
      assert.match(out, /CSI set ACTIVE safCsi=demo_csi,safSi=demo_si,safSg=demo flags 1, transition 1/);
      assert.match(out, /attribute greeting=hello from Ringfort\n.*attribute good_health_limit=0/);
      assert.match(out, /CSI set STANDBY .*active safComp=c2,safSu=SU_2,safSg=demo rank 1/);
      r.fake.push(AMF_CB.terminate, { invocation: 5n, comp: COMP });
      assert.equal(await exited(c), 0);
      assert.deepEqual(r.fake.named('response').at(-1)?.msg, { invocation: 5n, error: SaAisErrorT.SA_AIS_OK });
      assert.match(out, /terminated by the AMF, exiting 0/);
    });

    it('reports an error once after N healthchecks with the recovery from the environment', async () => {
      start({ AMF_DEMO_ERROR_AFTER: '3', AMF_DEMO_ERROR_RECOVERY: 'COMPONENT_FAILOVER', AMF_DEMO_HC_KEY: 'key1' });
      await r.fake.next('healthcheckStart');
      for (let i = 1; i <= 5; i++) {
        r.fake.push(AMF_CB.healthcheck, { invocation: BigInt(i), comp: COMP, key: 'key1' });
        await r.fake.until(() => r.fake.named('response').length === i, 10000, `answer ${i}`);
        if (i === 2) assert.equal(r.fake.named('errorReport').length, 0);
      }
      const reports = r.fake.named('errorReport');
      assert.equal(reports.length, 1);
      assert.equal(reports[0]?.msg['comp'], COMP);
      assert.equal(reports[0]?.msg['recovery'], 3);
      assert.ok((reports[0]?.msg['detectionTime'] as bigint) > 0n);
      assert.equal(r.fake.requests.findIndex((q) => q.name === 'errorReport') > r.fake.requests.findIndex((q) => q.name === 'response' && q.msg['invocation'] === 2n), true);
      await waitOut(/reporting an error after 3 healthchecks, recommended recovery COMPONENT_FAILOVER/);
    });

    it('stops answering healthchecks after AMF_DEMO_HC_STALL_AFTER, and keeps running', async () => {
      start({ AMF_DEMO_HC_STALL_AFTER: '2' });
      await r.fake.next('healthcheckStart');
      for (let i = 1; i <= 4; i++) r.fake.push(AMF_CB.healthcheck, { invocation: BigInt(i), comp: COMP, key: 'default' });
      await waitOut(/not answering any more/);
      await new Promise((res) => setTimeout(res, 200));
      assert.deepEqual(r.fake.named('response').map((q) => q.msg['invocation']), [1n, 2n]);
      assert.ok(alive(child!.pid!));
    });

    it('never registers with AMF_DEMO_NO_REGISTER=1, and exits 0 on SIGTERM', async () => {
      const c = start({ AMF_DEMO_NO_REGISTER: '1' });
      await waitOut(/not registering/);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(r.fake.requests.length, 0);
      assert.equal(r.fake.conns.length, 1, 'initialized');
      c.kill('SIGTERM');
      assert.equal(await exited(c), 0);
      assert.match(out, /SIGTERM: finalizing and exiting/);
    });

    it('confirms a component-invoked healthcheck every AMF_DEMO_HC_CONFIRM_MS', async () => {
      start({ AMF_DEMO_HC_INVOCATION: 'component', AMF_DEMO_HC_CONFIRM_MS: '30' });
      const hc = await r.fake.next('healthcheckStart');
      assert.equal(hc.msg['invocation'], 2);
      await r.fake.until(() => r.fake.named('healthcheckConfirm').length >= 3, 10000, 'three confirms');
      assert.deepEqual(r.fake.named('healthcheckConfirm')[0]?.msg, { comp: COMP, key: 'default', result: SaAisErrorT.SA_AIS_OK });
    });

    it('exits 1 with a clear line outside the AMF, and when the executive goes away', async () => {
      const c = start({ SA_AMF_COMPONENT_NAME: undefined });
      assert.equal(await exited(c), 1);
      assert.match(out, /saAmfComponentNameGet failed: SA_AIS_ERR_NOT_EXIST/);
      out = '';
      const d = start();
      await r.fake.next('healthcheckStart');
      await r.stop();
      assert.equal(await exited(d), 1);
      assert.match(out, /lost the executive/);
    });

    it('runs through the examples/clc/amf-demo launcher and clc_cli_script (needs `npm run build`)', async function () {
      if (!fs.existsSync(COMPONENT_JS)) this.skip();
      const pidFile = path.join(dir, 'run', 'demo.pid');
      const e = {
        PATH: process.env['PATH'] ?? '', CLC_CLI_INTERFACE: 'instantiate', SA_AMF_COMPONENT_NAME: COMP, COMP_BINARY_PATH: CLC,
        COMP_BINARY_NAME: 'amf-demo', RINGFORT_PID_FILE: pidFile, RINGFORT_RUN_DIR: r.dir,
      };
      const inst = spawnSync(SCRIPT, ['instantiate'], { cwd: CLC, env: e, encoding: 'utf8' });
      assert.equal(inst.status, 0, inst.stderr);
      const pid = track(Number(fs.readFileSync(pidFile, 'utf8').trim()));
      await r.fake.next('register');
      assert.match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /dist\/examples\/amf-demo\/component\.js/, 'the launcher execs node in place');
      const t = spawnSync(SCRIPT, ['terminate'], { cwd: CLC, env: { ...e, CLC_CLI_INTERFACE: 'terminate' }, encoding: 'utf8' });
      assert.equal(t.status, 0, t.stderr);
      assert.equal(alive(pid), false);
      assert.match(fs.readFileSync(path.join(dir, 'run', 'demo.log'), 'utf8'), new RegExp(`${COMP}: SIGTERM: finalizing and exiting`));
    });
  });
});
