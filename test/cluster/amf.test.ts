// AMF on one node, end to end: a real aisexec runs real components (the
// TypeScript example and a non-sa-aware shell component) through the
// example CLC-CLI script.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { processAlive } from '../../amf/process-watch.js';
import { AmfClient, type ProtectionGroupEvent } from '../../lib-ais/amf-client.js';
import { SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, SaAmfHAStateT, SaAmfProtectionGroupChangesT } from '../../lib-ais/amf-types.js';
import { REPO, startExecutive, type RunningExecutive } from '../helpers/executive.js';
import { compState, demoLauncher, groupsConf, haOf, waitForAmf, waitForLog, CLC_DIR, type GroupSpec } from '../helpers/amf-cluster.js';

function twoUnits(bn1: string, bn2 = bn1): GroupSpec['units'] {
  return [
    { name: 'SU_1', components: [{ name: 'a', bn: bn1 }] },
    { name: 'SU_2', components: [{ name: 'b', bn: bn2 }] },
  ];
}

/**
 * Pids in the pid files the CLC-CLI script wrote under the run directory. A
 * component being restarted meanwhile can have its pid file removed between
 * the listing and the read (the script removes it once the process is gone):
 * such a file is skipped.
 */
function componentPids(exec: RunningExecutive): number[] {
  const dir = path.join(exec.runDir, 'amf');
  if (!fs.existsSync(dir)) return [];
  const read = (f: string): number => {
    try {
      return Number(fs.readFileSync(path.join(dir, f), 'utf8').trim());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
  };
  return fs.readdirSync(dir).filter((f) => f.endsWith('.pid')).map(read).filter((p) => p > 1);
}

describe('AMF on one node (real processes)', function () {
  this.timeout(60000);
  let bin: string;
  let exec: RunningExecutive | undefined;
  const started: number[] = [];

  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-amf-'));
    fs.chmodSync(bin, 0o755);
  });
  afterEach(async () => {
    if (exec) {
      // Stop the executive even if collecting the pids fails: a live aisexec would keep mocha from exiting.
      try {
        started.push(...componentPids(exec));
      } finally {
        await exec.stop(20000);
        exec = undefined;
      }
    }
    for (const pid of started.splice(0)) if (processAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(bin, { recursive: true, force: true });
  });

  async function start(spec: Omit<GroupSpec, 'binaryPath'> & { binaryPath?: string }) {
    exec = await startExecutive({ groups: groupsConf({ binaryPath: bin, ...spec }) });
    return exec;
  }

  it('instantiates both components, they register, and 2N assigns ACTIVE and STANDBY with the CSI attributes', async () => {
    demoLauncher(bin, 'demo');
    const e = await start({ units: twoUnits('demo') });
    const s = await waitForAmf(e, 'one ACTIVE and one STANDBY', (s) => {
      const ha = [...haOf(s, 'a'), ...haOf(s, 'b')].sort();
      return ha.length === 2 && ha[0] === 'active' && ha[1] === 'standby';
    });
    assert.equal(compState(s, 'a').presence, 'instantiated');
    assert.equal(compState(s, 'b').presence, 'instantiated');
    assert.equal(s.sis[0]?.assignment, 'fullyAssigned');
    await waitForLog(e, /CLC-CLI instantiate safComp=a,safSu=SU_1,safSg=demo/);
  });

  it('cleans up a component that never registers, retries, then marks it INSTANTIATION-FAILED and uses the other SU', async () => {
    demoLauncher(bin, 'mute', { AMF_DEMO_NO_REGISTER: '1' });
    demoLauncher(bin, 'demo');
    const e = await start({ units: [
      { name: 'SU_1', components: [{ name: 'a', bn: 'mute', extra: '\t\t\tinstantiate_timeout=800\n\t\t\tinstantiate_retries=1' }] },
      { name: 'SU_2', components: [{ name: 'b', bn: 'demo' }] },
    ] });
    const s = await waitForAmf(e, 'a instantiation failed', (s) => compState(s, 'a').presence === 'instantiationFailed', 20000);
    assert.match(e.output(), /CLC-CLI cleanup safComp=a,safSu=SU_1,safSg=demo/);
    await waitForAmf(e, 'b ACTIVE', (s2) => haOf(s2, 'b').includes('active'));
    assert.equal(compState(s, 'a').operational, 'disabled');
  });

  it('a missed healthcheck leads to cleanup and restart', async () => {
    demoLauncher(bin, 'stall', { AMF_DEMO_HC_STALL_AFTER: '2' });
    demoLauncher(bin, 'demo');
    const e = await start({ units: twoUnits('stall', 'demo'), healthchecks: [{ key: 'default', periodMs: 200, maxMs: 300 }] });
    await waitForAmf(e, 'a restarted', (s) => compState(s, 'a').restartCount >= 1, 20000);
    // restartCount counts the restart when it is decided; the CLC-CLI cleanup line is logged when the
    // command has finished, which under load can be later: wait for it rather than expect it already.
    await waitForLog(e, /CLC-CLI cleanup safComp=a,safSu=SU_1,safSg=demo/, 20000);
    await waitForAmf(e, 'a instantiated again', (s) => compState(s, 'a').restartCount >= 1 && compState(s, 'a').presence === 'instantiated', 20000);
  });

  it('an error report after 10 healthchecks restarts the component, which gets its CSI back', async () => {
    demoLauncher(bin, 'err10', { AMF_DEMO_ERROR_AFTER: '10' });
    demoLauncher(bin, 'demo');
    const e = await start({
      units: [{ name: 'SU_1', components: [{ name: 'a', bn: 'err10' }] }, { name: 'SU_2', components: [{ name: 'b', bn: 'demo' }] }],
      healthchecks: [{ key: 'default', periodMs: 100, maxMs: 500 }],
      escalation: { compMax: 10 },
    });
    const first = await waitForAmf(e, 'a ACTIVE', (s) => haOf(s, 'a').includes('active'));
    assert.equal(compState(first, 'a').restartCount, 0);
    const s = await waitForAmf(e, 'a restarted and ACTIVE again', (s) => compState(s, 'a').restartCount >= 1 && haOf(s, 'a').length > 0 && compState(s, 'a').presence === 'instantiated', 20000);
    assert.ok(haOf(s, 'a').length === 1);
  });

  it('restarts beyond component_restart_max inside the probation escalate to an SU restart, then SU failover to the standby', async () => {
    demoLauncher(bin, 'err1', { AMF_DEMO_ERROR_AFTER: '1' });
    demoLauncher(bin, 'demo');
    const e = await start({
      units: twoUnits('err1', 'demo'),
      healthchecks: [{ key: 'default', periodMs: 100, maxMs: 500 }],
      escalation: { compMax: 4, compProbationMs: 60000, unitMax: 1, unitProbationMs: 60000 },
    });
    await waitForLog(e, /SU restart|restart (the )?(service )?unit|escalat\w* to (level 1|SU restart)/i, 40000);
    const s = await waitForAmf(e, 'failover: b ACTIVE, SU_1 out of service', (s) => haOf(s, 'b').includes('active') && s.sus.find((u) => u.dn.startsWith('safSu=SU_1'))?.readiness === 'outOfService', 40000);
    assert.ok(!haOf(s, 'a').includes('active'));
  });

  it('a non-sa-aware component is managed by CLC-CLI alone and its death is seen at once', async () => {
    const e = await start({
      model: 'noredundancy',
      units: [{ name: 'SU_1', components: [{ name: 'sh', bn: 'shell-service', comptype: 'non_proxied_non_sa_aware' }] }],
      binaryPath: CLC_DIR,
      sis: [{ name: 'SI_1', csis: [{ name: 'CSI_1', type: 'demo_type' }] }],
    });
    const s = await waitForAmf(e, 'sh instantiated with a pid', (s) => compState(s, 'sh').presence === 'instantiated' && compState(s, 'sh').pid !== undefined);
    const pid = compState(s, 'sh').pid!;
    process.kill(pid, 'SIGKILL');
    await waitForAmf(e, 'sh restarted', (s2) => compState(s2, 'sh').restartCount >= 1 && compState(s2, 'sh').presence === 'instantiated', 10000);
  });

  it('a missing CLC-CLI script and a CLC-CLI timeout give clear errors', async () => {
    const slow = path.join(bin, 'slow_clc');
    fs.writeFileSync(slow, '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
    const e = await start({ units: [
      { name: 'SU_1', components: [{ name: 'a', bn: 'demo', instantiate: 'no_such_script', extra: '\t\t\tinstantiate_retries=0' }] },
      { name: 'SU_2', components: [{ name: 'b', bn: 'demo', instantiate: slow, extra: '\t\t\tinstantiate_timeout=500\n\t\t\tinstantiate_retries=0' }] },
    ] });
    await waitForLog(e, /safComp=a,safSu=SU_1,safSg=demo.*no_such_script.*(ENOENT|not found|does not exist)|no_such_script.*safComp=a.*(ENOENT|not found|does not exist)/);
    await waitForLog(e, /CLC-CLI instantiate safComp=b,safSu=SU_2,safSg=demo: .*slow_clc did not finish within 500 ms/);
    await waitForAmf(e, 'both failed to instantiate', (s) => compState(s, 'a').presence === 'instantiationFailed' && compState(s, 'b').presence === 'instantiationFailed', 20000);
  });

  it('aisexec shutdown terminates every component and leaves no process behind', async () => {
    demoLauncher(bin, 'demo');
    const e = await start({ units: twoUnits('demo') });
    await waitForAmf(e, 'both instantiated', (s) => s.components.every((c) => c.presence === 'instantiated'));
    const pids = componentPids(e);
    assert.equal(pids.length, 2);
    assert.ok(pids.every(processAlive));
    const logDir = path.join(e.runDir, 'amf');
    const componentLogs = () => fs.readdirSync(logDir).filter((f) => f.endsWith('.log')).map((f) => fs.readFileSync(path.join(logDir, f), 'utf8'));
    // Read the component logs before stop() removes the run directory.
    let logs: string[] = [];
    e.proc.once('exit', () => { logs = componentLogs(); });
    const code = await e.stop(20000);
    exec = undefined;
    assert.equal(code, 0);
    assert.deepEqual(pids.filter(processAlive), []);
    assert.equal(logs.length, 2);
    for (const l of logs) assert.match(l, /terminated by the AMF, exiting 0/, 'each component was stopped through its terminate callback, not by a broken connection');
  });

  it('probation expiry resets the restart counter: faults spaced wider than the probation never escalate', async () => {
    demoLauncher(bin, 'err3', { AMF_DEMO_ERROR_AFTER: '3' });
    demoLauncher(bin, 'demo');
    const e = await start({
      units: twoUnits('err3', 'demo'),
      healthchecks: [{ key: 'default', periodMs: 100, maxMs: 500 }],
      // One restart allowed per 250 ms; each incarnation reports its error ~300 ms after it starts.
      escalation: { compMax: 1, compProbationMs: 250, unitMax: 1, unitProbationMs: 250 },
    });
    const s = await waitForAmf(e, 'a restarted 4 times', (s) => compState(s, 'a').restartCount >= 4, 30000);
    const su = s.sus.find((u) => u.dn.startsWith('safSu=SU_1'))!;
    assert.equal(su.escalationLevel, 0);
    assert.equal(su.readiness, 'inService');
    assert.doesNotMatch(e.output(), /recovery action: SU (restart|failover)/);
  });

  it('tracks the protection group of a CSI: TRACK_CURRENT members, then CHANGES_ONLY callbacks on failover', async () => {
    demoLauncher(bin, 'demo');
    const e = await start({
      units: [
        { name: 'SU_1', components: [{ name: 'a', bn: 'demo' }] },
        { name: 'SU_2', components: [{ name: 'b', bn: 'demo' }] },
      ],
      escalation: { compMax: 0, unitMax: 0 },
    });
    const s = await waitForAmf(e, 'ACTIVE and STANDBY confirmed', (s) => s.csiAssignments.length === 2 && s.csiAssignments.every((a) => !a.pending));
    const csi = s.csiAssignments[0]!.csi;
    const events: ProtectionGroupEvent[] = [];
    const client = await AmfClient.open({ socketPath: e.socketPath });
    client.on('protectionGroup', (ev) => { events.push(ev); });
    const running = client.run();
    const current = await client.trackProtectionGroup(csi, SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY);
    const members = current!.notification.map((n) => [n.member.compName.split(',')[0], n.member.haState]).sort();
    assert.deepEqual(members, [['safComp=a', SaAmfHAStateT.SA_AMF_HA_ACTIVE], ['safComp=b', SaAmfHAStateT.SA_AMF_HA_STANDBY]]);
    const activePid = compState(s, 'a').pid!;
    process.kill(activePid, 'SIGKILL');
    await waitForAmf(e, 'b ACTIVE', (s2) => haOf(s2, 'b').includes('active'));
    for (let i = 0; i < 100 && !events.some((ev) => ev.notificationBuffer.notification.some((n) => n.member.compName.startsWith('safComp=b') && n.member.haState === SaAmfHAStateT.SA_AMF_HA_ACTIVE)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const changed = events.flatMap((ev) => ev.notificationBuffer.notification.map((n) => [n.member.compName.split(',')[0], n.change]));
    assert.ok(changed.some(([c, ch]) => c === 'safComp=b' && ch === SaAmfProtectionGroupChangesT.SA_AMF_PROTECTION_GROUP_STATE_CHANGE), JSON.stringify(changed));
    assert.ok(events.every((ev) => ev.notificationBuffer.notification.every((n) => n.change !== SaAmfProtectionGroupChangesT.SA_AMF_PROTECTION_GROUP_NO_CHANGE)), 'CHANGES_ONLY reports changed members only');
    await client.stopTrackingProtectionGroup(csi);
    await client.close();
    await running;
  });

  it('amf-state prints the states OpenSAF-style, filters by name, and gives JSON', async () => {
    demoLauncher(bin, 'demo');
    const e = await start({ units: twoUnits('demo') });
    await waitForAmf(e, 'assigned', (s) => s.csiAssignments.length === 2 && s.csiAssignments.every((a) => !a.pending));
    const tool = path.join(REPO, 'dist/amf/tools/amf-state.js');
    const run = (...args: string[]) => promisify(execFile)(process.execPath, [tool, '--run-dir', e.runDir, ...args]);
    const comp = (await run('comp', 'safComp=a')).stdout;
    assert.equal(comp, [
      'safComp=a,safSu=SU_1,safSg=demo',
      '\tsaAmfCompOperState=ENABLED(1)',
      '\tsaAmfCompPresenceState=INSTANTIATED(3)',
      '\tsaAmfCompReadinessState=IN-SERVICE(2)',
      '',
    ].join('\n'));
    const su = (await run('su', 'all')).stdout;
    assert.match(su, /safSu=SU_2,safSg=demo\n\tsaAmfSUAdminState=UNLOCKED\(1\)\n\tsaAmfSUOperState=ENABLED\(1\)/);
    const csiass = JSON.parse((await run('csiass', '--json')).stdout) as Array<{ dn: string; states: Record<string, string> }>;
    assert.deepEqual(csiass.map((r) => r.states['saAmfCSICompHAState']).sort(), ['ACTIVE(1)', 'STANDBY(2)']);
    assert.match((await run()).stdout, /^Service Instances UNLOCKED and UNASSIGNED:\nService Units UNLOCKED and DISABLED:\n$/);
    await assert.rejects(run('bogus'), (err: { code: number; stderr: string }) => err.code === 2 && /Invalid values:[\s\S]*class[\s\S]*"bogus"/.test(err.stderr));
    await assert.rejects(run('comp', 'nothing-like-this'), (err: { code: number }) => err.code === 1);
  });

  it('amf-state fails with the SA error when no executive runs', async () => {
    const tool = path.join(REPO, 'dist/amf/tools/amf-state.js');
    await assert.rejects(
      promisify(execFile)(process.execPath, [tool, '--run-dir', bin, 'comp']),
      (err: { code: number; stderr: string }) => err.code === 1 && /SA_AIS_ERR_TRY_AGAIN: the executive is not running/.test(err.stderr),
    );
  });
});
