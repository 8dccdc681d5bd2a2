// The C library (libSaAmf.so) under a real aisexec: the C example component
// run by the AMF through the CLC-CLI script, and C test programs
// (native/test/amftest.c) for parameters, threads, protection groups and an
// executive that goes away. The same scenarios as test/cluster/amf.test.ts
// runs with the TypeScript library.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../../amf/process-watch.js';
import { startExecutive, type RunningExecutive } from '../helpers/executive.js';
import { compState, groupsConf, haOf, waitForAmf, type GroupSpec } from '../helpers/amf-cluster.js';
import {
  buildCExample, cDemoLauncher, compileC, componentLogs, componentPids, removeCompiled, runC, startC, type CRun,
} from '../helpers/native.js';

function twoUnits(bn1: string, bn2 = bn1): GroupSpec['units'] {
  return [
    { name: 'SU_1', components: [{ name: 'a', bn: bn1 }] },
    { name: 'SU_2', components: [{ name: 'b', bn: bn2 }] },
  ];
}

async function waitForText(get: () => string, re: RegExp, what: string, timeoutMs = 15000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!re.test(get())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (${re}):\n${get()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('libSaAmf under a real aisexec', function () {
  this.timeout(60000);
  let amftest: string;
  let bin: string;
  let exec: RunningExecutive | undefined;
  const programs: CRun[] = [];
  const started: number[] = [];

  before(() => {
    buildCExample();
    amftest = compileC('amftest', ['native/test/amftest.c']);
  });
  after(() => removeCompiled());
  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-native-amf-'));
    fs.chmodSync(bin, 0o755);
  });
  afterEach(async () => {
    for (const p of programs.splice(0)) await p.stop();
    if (exec) {
      started.push(...componentPids(exec));
      await exec.stop(20000);
      exec = undefined;
    }
    for (const pid of started.splice(0)) if (processAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(bin, { recursive: true, force: true });
  });

  async function start(spec: Omit<GroupSpec, 'binaryPath'>): Promise<RunningExecutive> {
    exec = await startExecutive({ groups: groupsConf({ binaryPath: bin, ...spec }) });
    return exec;
  }

  function env(e: RunningExecutive): Record<string, string> {
    return { RINGFORT_RUN_DIR: e.runDir };
  }

  it('c-demo registers, answers healthchecks and CSI set with the attributes; 2N gives ACTIVE and STANDBY', async () => {
    cDemoLauncher(bin, 'cdemo');
    const e = await start({ units: twoUnits('cdemo'), healthchecks: [{ key: 'default', periodMs: 100, maxMs: 500 }] });
    const s = await waitForAmf(e, 'one ACTIVE and one STANDBY', (s) => {
      const ha = [...haOf(s, 'a'), ...haOf(s, 'b')].sort();
      return ha.length === 2 && ha[0] === 'active' && ha[1] === 'standby';
    });
    assert.equal(compState(s, 'a').presence, 'instantiated');
    await waitForText(() => componentLogs(e), /safComp=a,[^:]*: healthcheck 3 callback[\s\S]*|safComp=b,[^:]*: healthcheck 3 callback/, 'healthchecks');
    const logs = componentLogs(e);
    assert.match(logs, /safComp=a,safSu=SU_1,safSg=demo: registered/);
    assert.match(logs, /CSI set (ACTIVE|STANDBY) safCsi=CSI_1,safSi=SI_1,safSg=demo flags 1/);
    assert.match(logs, /CSI set STANDBY .* active safComp=\w,safSu=SU_\d,safSg=demo rank 1/);
    assert.match(logs, /attribute role=demo/);
  });

  it('aisexec shutdown: CSI remove, then the terminate callback; c-demo answers and exits 0', async () => {
    cDemoLauncher(bin, 'cdemo');
    const e = await start({ units: twoUnits('cdemo') });
    await waitForAmf(e, 'assigned', (s) => s.csiAssignments.length === 2 && s.csiAssignments.every((a) => !a.pending));
    const pids = componentPids(e);
    let logs = '';
    e.proc.once('exit', () => { logs = componentLogs(e); });
    const code = await e.stop(20000);
    exec = undefined;
    assert.equal(code, 0);
    assert.deepEqual(pids.filter(processAlive), []);
    for (const c of ['a', 'b']) {
      assert.match(logs, new RegExp(`safComp=${c},[^:]*: CSI remove \\(all CSIs\\) flags 4`));
      assert.match(logs, new RegExp(`safComp=${c},[^:]*: terminate callback: answering OK and exiting`));
      assert.match(logs, new RegExp(`safComp=${c},[^:]*: terminated by the AMF, exiting 0`));
    }
  });

  it('an error report after 5 healthchecks restarts the component, which gets its CSI back', async () => {
    cDemoLauncher(bin, 'err5', { AMF_DEMO_ERROR_AFTER: '5' });
    cDemoLauncher(bin, 'cdemo');
    const e = await start({
      units: twoUnits('err5', 'cdemo'),
      healthchecks: [{ key: 'default', periodMs: 100, maxMs: 500 }],
      escalation: { compMax: 10 },
    });
    await waitForAmf(e, 'a ACTIVE', (s) => haOf(s, 'a').includes('active'));
    const s = await waitForAmf(e, 'a restarted and assigned again',
      (s) => compState(s, 'a').restartCount >= 1 && compState(s, 'a').presence === 'instantiated' && haOf(s, 'a').length === 1, 20000);
    assert.equal(haOf(s, 'a').length, 1);
    assert.match(componentLogs(e), /reporting an error after 5 healthchecks, recommended recovery COMPONENT_RESTART/);
    assert.match(componentLogs(e), /error report accepted/);
  });

  it('a component-invoked healthcheck confirmed from C keeps the component in service', async () => {
    cDemoLauncher(bin, 'conf', { AMF_DEMO_HC_INVOCATION: 'component', AMF_DEMO_HC_CONFIRM_MS: '100' });
    const e = await start({
      model: 'noredundancy',
      units: [{ name: 'SU_1', components: [{ name: 'a', bn: 'conf' }] }],
      healthchecks: [{ key: 'default', periodMs: 300, maxMs: 300 }],
    });
    await waitForAmf(e, 'a ACTIVE', (s) => haOf(s, 'a').includes('active'));
    await waitForText(() => componentLogs(e), /healthcheck 8 confirmed/, 'eight confirms');
    const s = await waitForAmf(e, 'still in service', () => true);
    assert.equal(compState(s, 'a').restartCount, 0);
    assert.doesNotMatch(componentLogs(e), /saAmfHealthcheckConfirm failed/);
  });

  it('tracks a protection group from C: TRACK_CURRENT members, then a CHANGES_ONLY callback on failover', async () => {
    cDemoLauncher(bin, 'cdemo');
    const e = await start({ units: twoUnits('cdemo'), escalation: { compMax: 0, unitMax: 0 } });
    const s = await waitForAmf(e, 'ACTIVE and STANDBY confirmed', (s) => s.csiAssignments.length === 2 && s.csiAssignments.every((a) => !a.pending));
    const csi = s.csiAssignments[0]!.csi;
    const activeIsA = haOf(s, 'a').includes('active');
    const [active, standby] = activeIsA ? ['a', 'b'] : ['b', 'a'];
    const p = startC(amftest, ['pgtrack', csi, `safComp=${standby},`], { env: env(e) });
    programs.push(p);
    await p.waitFor(/^ready$/m);
    assert.match(p.output(), new RegExp(`member safComp=${active},\\S+ ha 1 rank \\d+ change 1`));
    assert.match(p.output(), new RegExp(`member safComp=${standby},\\S+ ha 2 rank \\d+ change 1`));
    process.kill(compState(s, active).pid!, 'SIGKILL');
    const code = await p.exited(30000);
    assert.equal(code, 0, p.output());
    assert.match(p.output(), new RegExp(`change safComp=${standby},\\S+ ha 1 rank \\d+ change 4`));
    assert.doesNotMatch(p.output(), /^change .* change 1$/m, 'CHANGES_ONLY reports changed members only');
  });

  it('parameters, handles and versions are checked as the TypeScript library checks them', async () => {
    cDemoLauncher(bin, 'cdemo');
    const e = await start({ model: 'noredundancy', units: [{ name: 'SU_1', components: [{ name: 'a', bn: 'cdemo' }] }] });
    const r = await runC(amftest, ['params'], { env: env(e) });
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /FAIL/);
  });

  it('two threads share a handle (and two handles share a process); finalize ends a blocking dispatch', async () => {
    cDemoLauncher(bin, 'cdemo');
    const e = await start({ model: 'noredundancy', units: [{ name: 'SU_1', components: [{ name: 'a', bn: 'cdemo' }] }] });
    const s = await waitForAmf(e, 'a ACTIVE', (s) => s.csiAssignments.some((a) => !a.pending && a.haState === 'active'));
    const a = s.csiAssignments.find((x) => x.haState === 'active')!;
    const r = await runC(amftest, ['threads', a.comp, a.csi], { env: env(e) });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /ok 8000 saAmfHAStateGet calls/);
  });

  it('an executive that went away: dispatch, requests and the selection object return SA_AIS_ERR_LIBRARY', async () => {
    cDemoLauncher(bin, 'cdemo');
    const e = await start({ model: 'noredundancy', units: [{ name: 'SU_1', components: [{ name: 'a', bn: 'cdemo' }] }] });
    const p = startC(amftest, ['gone'], { env: env(e) });
    programs.push(p);
    await p.waitFor(/^ready$/m);
    started.push(...componentPids(e));
    await e.stop(20000);
    exec = undefined;
    p.proc.stdin!.end('go\n');
    const code = await p.exited(20000);
    assert.equal(code, 0, p.output());
    assert.match(p.output(), /ok blocked_result = 2/);
    assert.match(p.output(), /ok saAmfInitialize\(&h, &cb, &v\) = 6/);
  });

  it('SA_AIS_ERR_TRY_AGAIN with no executive, SA_AIS_ERR_NOT_SUPPORTED when AMF is disabled', async () => {
    const none = await runC(amftest, ['noexec'], { env: { RINGFORT_RUN_DIR: bin } });
    assert.equal(none.code, 0, none.output);
    exec = await startExecutive();
    const off = await runC(amftest, ['disabled'], { env: env(exec) });
    assert.equal(off.code, 0, off.output);
  });
});
