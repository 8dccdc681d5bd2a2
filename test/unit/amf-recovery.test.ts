// Fault detection and recovery (spec B.01.01 §3.11 healthchecks and passive
// monitoring, §3.12 recovery and escalation), driven through the harness.
import assert from 'node:assert/strict';
import type { AmfAction, Callback } from '../../amf/engine/types.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { AmfHarness, comp, csiDn, model, suDn, twoN } from '../helpers/amf-harness.js';

const C1 = comp(1);
const C2 = comp(2);
const C3 = comp(3);

/** The component's own process as a client. */
function own(h: AmfHarness, dn: string) {
  const p = h.procs.get(dn)!;
  return { conn: p.conn, pid: p.pid };
}

function startHc(h: AmfHarness, dn: string, invocation: 'amfInvoked' | 'componentInvoked', recovery = 'componentRestart' as const) {
  return h.request({ type: 'healthcheckStart', comp: dn, key: 'hc', invocation, recovery, client: own(h, dn) });
}

function csiSets(acts: AmfAction[], dn?: string): Array<Extract<Callback, { kind: 'csiSet' }>> {
  return acts.flatMap((a) => (a.type === 'callback' && a.callback.kind === 'csiSet' && (!dn || a.callback.comp === dn) ? [a.callback] : []));
}

describe('AMF engine: healthchecks (spec B.01.01 §3.11.1)', () => {
  it('AMF-invoked: a callback every period after each answer; a missed maximum_duration cleans up and restarts the component', () => {
    const h = new AmfHarness(model(twoN())).start();
    assert.equal(startHc(h, C1, 'amfInvoked').error, SaAisErrorT.SA_AIS_OK);
    h.advance(999);
    assert.equal(h.callbacks('healthcheck').length, 0);
    h.advance(1);
    assert.equal(h.callbacks('healthcheck', C1).length, 1);
    h.advance(3000);
    assert.equal(h.callbacks('healthcheck', C1).length, 4, 'answered at once: one per period');
    h.behavior(C1, { healthcheck: 'ignore' });
    h.advance(1000);
    assert.equal(h.callbacks('healthcheck', C1).length, 5);
    const mark = h.actions.length;
    h.advance(499);
    assert.equal(h.runs('cleanup').length, 0);
    h.advance(1);
    assert.ok(h.logs().includes(`comp ${C1}: timeout occurred on healthcheck hc: no answer within maximum_duration 500 ms`));
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'cleanup', 'instantiate']);
    assert.equal(h.presence(C1), 'instantiated');
    // The CSI comes back to the restarted component, as ADD_ONE with its attributes.
    const back = csiSets(h.since(mark), C1);
    assert.equal(back.length, 1);
    assert.equal(back[0]!.haState, 'active');
    assert.deepEqual(back[0]!.descriptor, {
      flags: 1, csi: csiDn(), transition: 1, activeComp: '', attributes: [{ name: 'greeting', value: 'hello' }],
    });
    // Healthchecks do not survive a restart.
    const n = h.callbacks('healthcheck').length;
    h.advance(5000);
    assert.equal(h.callbacks('healthcheck').length, n);
  });

  it('AMF-invoked: an error answer is a failure too', () => {
    const h = new AmfHarness(model(twoN())).start();
    startHc(h, C1, 'amfInvoked');
    h.behavior(C1, { healthcheck: SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION });
    h.advance(1000);
    assert.ok(h.logs().includes(`comp ${C1}: healthcheck hc answered SA_AIS_ERR_FAILED_OPERATION`));
    assert.equal(h.compState(C1).restartCount, 1);
  });

  it('component-invoked: each OK confirm restarts the period; a missed period or a failed confirm applies the recovery', () => {
    const h = new AmfHarness(model(twoN())).start();
    startHc(h, C1, 'componentInvoked');
    const confirm = (result: SaAisErrorT) =>
      h.request({ type: 'healthcheckConfirm', comp: C1, key: 'hc', result, client: own(h, C1) });
    h.advance(900);
    assert.equal(confirm(SaAisErrorT.SA_AIS_OK).error, SaAisErrorT.SA_AIS_OK);
    h.advance(900);
    assert.equal(confirm(SaAisErrorT.SA_AIS_OK).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.compState(C1).restartCount, 0);
    h.advance(1000);
    assert.ok(h.logs().includes(`comp ${C1}: healthcheck hc not confirmed within its period 1000 ms`));
    assert.equal(h.compState(C1).restartCount, 1);
    startHc(h, C1, 'componentInvoked');
    assert.equal(confirm(SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION).error, SaAisErrorT.SA_AIS_OK);
    assert.ok(h.logs().includes(`comp ${C1}: healthcheck hc confirmed with SA_AIS_ERR_FAILED_OPERATION`));
    assert.equal(h.compState(C1).restartCount, 2);
  });

  it('start, confirm and stop answer NOT_EXIST / EXIST / BAD_OPERATION as the specification says', () => {
    const h = new AmfHarness(model(twoN())).start();
    const c = own(h, C1);
    const start = (o: object) => h.request({ type: 'healthcheckStart', comp: C1, key: 'hc', invocation: 'amfInvoked', recovery: 'componentRestart', client: c, ...o } as never);
    assert.equal(start({ key: 'nope' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST, 'unknown key');
    assert.equal(start({ comp: 'safComp=x' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST, 'unknown component');
    assert.equal(start({ recovery: 'clusterReset' }).error, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    assert.equal(start({ recovery: 'bogus' }).error, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    assert.equal(start({}).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(start({}).error, SaAisErrorT.SA_AIS_ERR_EXIST, 'same key again');
    assert.equal(start({ invocation: 'componentInvoked' }).error, SaAisErrorT.SA_AIS_ERR_EXIST, 'one healthcheck per key');
    assert.equal(h.request({ type: 'healthcheckConfirm', comp: C1, key: 'hc', result: SaAisErrorT.SA_AIS_OK, client: c }).error,
      SaAisErrorT.SA_AIS_ERR_BAD_OPERATION, 'confirm of an AMF-invoked healthcheck');
    assert.equal(h.request({ type: 'healthcheckConfirm', comp: C1, key: 'x', result: SaAisErrorT.SA_AIS_OK, client: c }).error,
      SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    assert.equal(h.request({ type: 'healthcheckStop', comp: C1, key: 'hc', client: c }).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.request({ type: 'healthcheckStop', comp: C1, key: 'hc', client: c }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    h.advance(10_000);
    assert.equal(h.callbacks('healthcheck').length, 0, 'stopped before its first period');
    h.checkReplies();
  });

  it('a closed connection ends the healthchecks it started', () => {
    const h = new AmfHarness(model(twoN())).start();
    const other = h.client();
    h.request({ type: 'healthcheckStart', comp: C1, key: 'hc', invocation: 'componentInvoked', recovery: 'componentRestart', client: other });
    h.send({ type: 'connectionClosed', at: h.now, node: other.node, conn: other.conn });
    h.advance(5000);
    assert.equal(h.compState(C1).restartCount, 0);
  });
});

describe('AMF engine: error reports and recovery (spec B.01.01 §3.12)', () => {
  it('an error report after N healthchecks restarts the component and sets its CSIs again (testamf1\'s scenario)', () => {
    const h = new AmfHarness(model(twoN())).start();
    startHc(h, C1, 'amfInvoked');
    h.advance(3000);
    assert.equal(h.callbacks('healthcheck', C1).length, 3);
    const mark = h.actions.length;
    const r = h.request({ type: 'errorReport', comp: C1, recovery: 'componentRestart', client: own(h, C1) });
    assert.equal(r.error, SaAisErrorT.SA_AIS_OK);
    const after = h.since(mark);
    assert.deepEqual(after.flatMap((a) => (a.type === 'runClc' ? [a.op] : [])), ['cleanup', 'instantiate']);
    assert.equal(csiSets(after, C1).length, 1);
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`, `${C2} ${csiDn()} standby`]);
    assert.equal(h.request({ type: 'errorClear', comp: C1, client: own(h, C1) }).error, SaAisErrorT.SA_AIS_OK);
  });

  it('with component_restart_max=4, 4 restarts inside the probation are component restarts and the 5th fault restarts the SU', () => {
    const h = new AmfHarness(model(twoN({ extra: '\tcomponent_restart_max=4\n\tcomponent_restart_probation=100000' }))).start();
    for (let i = 1; i <= 4; i++) {
      h.advance(1000);
      h.kill(C1);
      assert.ok(h.logs().at(-1) !== undefined);
      assert.ok(h.logs().some((l) => l.includes(`recovery action: Component restart (escalation level 0, component restart ${i} of 4 within 100000 ms)`)), `restart ${i}`);
      assert.equal(h.su(suDn(1)).escalationLevel, 0);
    }
    h.advance(1000);
    h.kill(C1);
    assert.ok(h.logs().some((l) => l.includes('recovery action: SU restart (escalation level 1, SU restart 1 of 2 within 60000 ms)')));
    assert.ok(h.logs().includes(`su ${suDn(1)} presence INSTANTIATED -> RESTARTING (SU restart)`));
    assert.ok(h.logs().includes(`su ${suDn(1)} presence RESTARTING -> INSTANTIATED (SU restart)`));
    const su = h.su(suDn(1));
    assert.equal(su.escalationLevel, 1);
    assert.equal(su.restartCount, 1);
    assert.equal(h.compState(C1).restartCount, 5);
    // The SU keeps its SI through its restarts: no failover happened.
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`, `${C2} ${csiDn()} standby`]);
  });

  it('SU restarts beyond unit_restart_max fail the SU over: the standby gets an ACTIVE CSI set in the same step, the spare becomes standby', () => {
    const h = new AmfHarness(model(twoN({ sus: 3, extra: '\tcomponent_restart_max=0\n\tunit_restart_max=2' }))).start();
    h.kill(C1);
    h.kill(C1);
    assert.equal(h.su(suDn(1)).restartCount, 2);
    const acts = h.kill(C1);
    // The fast path: the takeover CSI set is the first callback of the step that saw the process die, before any command.
    const first = acts.findIndex((a) => a.type === 'callback' || a.type === 'runClc');
    const takeover = acts[first]!;
    assert.equal(takeover.type, 'callback');
    assert.deepEqual(takeover.type === 'callback' && takeover.callback, {
      kind: 'csiSet', invocation: (takeover as { callback: { invocation: number } }).callback.invocation, comp: C2, haState: 'active',
      descriptor: { flags: 4, csi: '', transition: 3, activeComp: C1, attributes: [] },
    });
    assert.ok(h.logs().some((l) => l.includes('recovery action: SU failover (escalation level 2)')));
    assert.equal(h.su(suDn(1)).operational, 'disabled');
    assert.equal(h.su(suDn(1)).readiness, 'outOfService');
    assert.equal(h.presence(suDn(1)), 'uninstantiated');
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.deepEqual(h.assigned(), [`${C2} ${csiDn()} active`, `${C3} ${csiDn()} standby`]);
    assert.equal(csiSets(h.actions, C3)[0]!.descriptor.activeComp, C2, 'the new standby names the new active');
    // Left out of service: it is not instantiated again.
    h.advance(120_000);
    assert.equal(h.presence(C1), 'uninstantiated');
  });

  it('probation expiry resets the counters: after it, a fault is a component restart again', () => {
    const extra = '\tcomponent_restart_max=1\n\tcomponent_restart_probation=10000\n\tunit_restart_probation=20000';
    const quick = new AmfHarness(model(twoN({ extra }))).start();
    quick.kill(C1);
    quick.advance(9999);
    quick.kill(C1);
    assert.equal(quick.su(suDn(1)).escalationLevel, 1, 'inside the probation: SU restart');

    const h = new AmfHarness(model(twoN({ extra }))).start();
    h.kill(C1);
    h.advance(10_000);
    assert.ok(h.logs().includes(`su ${suDn(1)}: component restart probation expired: component restart count reset (escalation level 0)`));
    h.kill(C1);
    assert.equal(h.su(suDn(1)).escalationLevel, 0);
    assert.equal(h.su(suDn(1)).restartCount, 0);
    // Up to level 1, then the SU probation expires and resets the level.
    h.kill(C1);
    assert.equal(h.su(suDn(1)).escalationLevel, 1);
    h.advance(20_000);
    assert.ok(h.logs().includes(`su ${suDn(1)}: SU restart probation expired: restart counts reset (escalation level 0)`));
    assert.equal(h.su(suDn(1)).escalationLevel, 0);
    h.kill(C1);
    assert.equal(h.su(suDn(1)).escalationLevel, 0);
  });

  it('with auto_repair=yes, a failed-over SU is instantiated again and becomes the standby: kill after kill, the standby takes over', () => {
    const extra = '\tcomponent_restart_max=0\n\tunit_restart_max=0\n\tunit_restart_probation=1000\n\tauto_repair=yes';
    const h = new AmfHarness(model(twoN({ extra }))).start();
    let active = C1;
    let standby = C2;
    for (let i = 0; i < 4; i++) {
      h.advance(1000);
      const acts = h.kill(active);
      const first = acts.find((a) => a.type === 'callback' || a.type === 'runClc');
      assert.ok(first?.type === 'callback' && first.callback.kind === 'csiSet' && first.callback.comp === standby && first.callback.haState === 'active');
      assert.ok(h.logs().includes(`su ${suDn(active === C1 ? 1 : 2)}: auto-repair: instantiating the SU again after its failover`));
      assert.deepEqual(h.assigned().sort(), [`${standby} ${csiDn()} active`, `${active} ${csiDn()} standby`].sort());
      assert.equal(h.su(suDn(active === C1 ? 1 : 2)).escalationLevel, 0, 'escalation starts afresh');
      [active, standby] = [standby, active];
    }
    // A failover within unit_restart_probation of the last repair is not repaired again (no crash loop).
    // (the standby now is the SU repaired in this very instant)
    h.kill(standby);
    assert.ok(h.logs().includes(`su ${suDn(standby === C1 ? 1 : 2)}: not auto-repaired: it failed over again within 1000 ms of its last repair`));
    assert.deepEqual(h.assigned(), [`${active} ${csiDn()} active`]);
    h.send({ type: 'clusterStop', at: h.now });
    assert.equal(h.stopped, 1);
  });

  it('component_restart_max=0 and unit_restart_max=0: the first fault fails the SU over', () => {
    const h = new AmfHarness(model(twoN({ extra: '\tcomponent_restart_max=0\n\tunit_restart_max=0' }))).start();
    h.kill(C1);
    assert.deepEqual(h.assigned(), [`${C2} ${csiDn()} active`]);
    assert.equal(h.su(suDn(1)).escalationLevel, 2);
  });

  it('honours the recommended recovery, never weaker: component failover fails the SU over at once', () => {
    const h = new AmfHarness(model(twoN())).start();
    assert.equal(h.request({ type: 'errorReport', comp: C1, recovery: 'componentFailover', client: own(h, C1) }).error, SaAisErrorT.SA_AIS_OK);
    assert.deepEqual(h.assigned(), [`${C2} ${csiDn()} active`]);
    assert.equal(h.su(suDn(1)).operational, 'disabled');
  });

  it('node-level recoveries fail over every SU of the node and say that the node is not rebooted', () => {
    const text = twoN() + twoN().replace(/name=demo/, 'name=other').replace(/healthcheck \{[^}]*\}\n/, '');
    const h = new AmfHarness(model(text)).start();
    const r = h.request({ type: 'errorReport', comp: C1, recovery: 'nodeFailfast', client: own(h, C1) });
    assert.equal(r.error, SaAisErrorT.SA_AIS_OK);
    assert.ok(h.logs().some((l) => l.includes('the node is not rebooted')));
    for (const su of h.engine.snapshot().sus) assert.equal(su.operational, 'disabled', su.dn);
    assert.deepEqual(h.assigned(), []);
  });

  it('applicationRestart and clusterReset are NOT_SUPPORTED; an unknown component is NOT_EXIST', () => {
    const h = new AmfHarness(model(twoN())).start();
    for (const recovery of ['applicationRestart', 'clusterReset'] as const) {
      assert.equal(h.request({ type: 'errorReport', comp: C1, recovery }).error, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    }
    assert.equal(h.request({ type: 'errorReport', comp: 'safComp=nope', recovery: 'componentRestart' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    assert.equal(h.request({ type: 'errorClear', comp: 'safComp=nope' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    assert.equal(h.compState(C1).restartCount, 0);
  });

  it('a CSI set answered with an error, or not answered within callback_timeout, restarts the component', () => {
    const h = new AmfHarness(model(twoN({ comp: '\t\t\tcallback_timeout=200' })));
    h.behavior(C2, { csiSet: 'ignore' }).start();
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`]);
    h.behavior(C2, { csiSet: SaAisErrorT.SA_AIS_OK });
    h.advance(200);
    assert.ok(h.logs().some((l) => l.includes(`Error detected for '${C2}' (CSI set callback (STANDBY) not answered within callback_timeout 200 ms)`)));
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`, `${C2} ${csiDn()} standby`]);
    h.behavior(C1, { csiSet: SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION });
    h.request({ type: 'errorReport', comp: C1, recovery: 'componentRestart', client: own(h, C1) });
    assert.ok(h.logs().some((l) => l.includes(`Error detected for '${C1}' (CSI set callback (ACTIVE) answered SA_AIS_ERR_FAILED_OPERATION)`)));
  });

  it('a closed connection or an unexpected unregister is the component\'s death; the second sign of the same death is not counted', () => {
    const h = new AmfHarness(model(twoN())).start();
    h.kill(C1); // processExited then connectionClosed
    assert.equal(h.compState(C1).restartCount, 1);
    const p = h.procs.get(C1)!;
    h.send({ type: 'connectionClosed', at: h.now, node: p.node, conn: p.conn });
    assert.equal(h.compState(C1).restartCount, 2);
    const q = h.procs.get(C1)!;
    assert.equal(h.request({ type: 'unregister', comp: C1, client: { conn: q.conn, pid: q.pid } }).error, SaAisErrorT.SA_AIS_OK);
    assert.ok(h.logs().some((l) => l.includes(`Error detected for '${C1}' (the component unregistered unexpectedly)`)));
  });

  it('passive monitoring: pmStart watches a pid; its end with a selected error applies the recovery; pmStop unwatches', () => {
    const h = new AmfHarness(model(twoN())).start();
    const c = own(h, C1);
    const pm = (o: object) => h.request({ type: 'pmStart', comp: C1, pid: 777, depth: 0, errors: 4, recovery: 'componentFailover', client: c, ...o } as never);
    assert.equal(pm({ pid: 0 }).error, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    assert.equal(pm({ errors: 8 }).error, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    assert.equal(pm({ comp: 'x' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    assert.equal(pm({}).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(pm({}).error, SaAisErrorT.SA_AIS_ERR_EXIST);
    assert.ok(h.watched.has(`${C1}#777`));
    assert.equal(pm({ pid: 778, errors: 1 }).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.request({ type: 'pmStop', comp: C1, qualifier: 'proc', pid: 778, errors: 1, client: c }).error, SaAisErrorT.SA_AIS_OK);
    assert.ok(!h.watched.has(`${C1}#778`));
    assert.equal(h.request({ type: 'pmStop', comp: C1, qualifier: 'proc', pid: 778, errors: 1, client: c }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    // Exit 0 is not ABNORMAL_END (4): no recovery.
    h.send({ type: 'processExited', at: h.now, comp: C1, pid: 777, exitCode: 0 });
    assert.equal(h.su(suDn(1)).operational, 'enabled');
    assert.equal(pm({}).error, SaAisErrorT.SA_AIS_OK);
    h.send({ type: 'processExited', at: h.now, comp: C1, pid: 777, signal: 'SIGSEGV' });
    assert.equal(h.su(suDn(1)).operational, 'disabled', 'component failover');
    assert.deepEqual(h.assigned(), [`${C2} ${csiDn()} active`]);
  });
});

describe('AMF engine: recovery_on_error and auto_repair (saAmfCompRecoveryOnError, saAmfSGAutoRepair)', () => {
  const FAILOVER = '\t\t\trecovery_on_error=component_failover';
  /** The first callback or command of a step: the fast path puts the takeover before anything else. */
  const firstMove = (acts: AmfAction[]) => acts.find((a) => a.type === 'callback' || a.type === 'runClc');
  const isTakeover = (a: AmfAction | undefined, dn: string, from: string) =>
    a?.type === 'callback' && a.callback.kind === 'csiSet' && a.callback.comp === dn && a.callback.haState === 'active' &&
    a.callback.descriptor.transition === 3 && a.callback.descriptor.activeComp === from;

  it('component_failover with auto_repair=yes: each kill of the ACTIVE gives the standby ACTIVE in the same step, and the repaired SU becomes the standby', () => {
    // Normal escalation values: recovery_on_error, not escalation, makes every kill a failover.
    const h = new AmfHarness(model(twoN({ comp: FAILOVER, extra: '\tunit_restart_probation=1000\n\tauto_repair=yes' }))).start();
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`, `${C2} ${csiDn()} standby`]);
    let [active, standby] = [C1, C2];
    for (let i = 0; i < 6; i++) {
      h.advance(1000);
      const acts = h.kill(active);
      assert.ok(isTakeover(firstMove(acts), standby, active), `kill ${i + 1}: the standby's ACTIVE CSI set comes first`);
      assert.ok(h.logs().some((l) => l.includes(`Error detected for '${active}' (process`) &&
        l.endsWith('recovery action: SU failover (recovery_on_error component_failover)')), `kill ${i + 1}: logged`);
      const failed = active === C1 ? suDn(1) : suDn(2);
      assert.ok(h.logs().includes(`su ${failed}: auto-repair: instantiating the SU again after its failover`), `kill ${i + 1}: repaired`);
      assert.equal(h.su(failed).operational, 'enabled');
      assert.equal(h.su(failed).readiness, 'inService');
      assert.equal(h.presence(active), 'instantiated', 're-instantiated');
      assert.deepEqual(h.assigned().sort(), [`${standby} ${csiDn()} active`, `${active} ${csiDn()} standby`].sort());
      assert.equal(h.compState(active).restartCount, 0, 'a failover, not a restart');
      [active, standby] = [standby, active];
    }
    // The loop limit stays: the standby was repaired in this very instant; failed over again within
    // unit_restart_probation of that repair, it is not repaired again.
    h.kill(standby);
    const failed = standby === C1 ? suDn(1) : suDn(2);
    assert.ok(h.logs().includes(`su ${failed}: not auto-repaired: it failed over again within 1000 ms of its last repair`), 'loop limit');
    assert.equal(h.su(failed).operational, 'disabled');
    assert.deepEqual(h.assigned(), [`${active} ${csiDn()} active`]);
    h.send({ type: 'clusterStop', at: h.now });
    assert.equal(h.stopped, 1);
    h.checkReplies();
  });

  for (const extra of ['', '\tauto_repair=no']) {
    it(`component_failover with ${extra === '' ? 'auto_repair absent (no)' : 'auto_repair=no'}: the failed SU stays out of service`, () => {
      const h = new AmfHarness(model(twoN({ sus: 3, comp: FAILOVER, extra }))).start();
      assert.equal(h.model.sgs[0]!.autoRepair, false);
      const acts = h.kill(C1);
      assert.ok(isTakeover(firstMove(acts), C2, C1), 'takeover first');
      assert.ok(h.logs().includes(`su ${suDn(1)}: SU failover (component failover of ${C1}); the SU stays DISABLED and out of service until repaired`), 'logged');
      h.advance(300_000);
      const su = h.su(suDn(1));
      assert.equal(su.operational, 'disabled');
      assert.equal(su.readiness, 'outOfService');
      assert.equal(su.presence, 'uninstantiated');
      assert.equal(h.runs('instantiate', C1).length, 1, 'never instantiated again');
      assert.deepEqual(h.assigned(), [`${C2} ${csiDn()} active`, `${C3} ${csiDn()} standby`]);
      // The next kill goes on to the spare; then nothing is left to take over.
      h.kill(C2);
      assert.deepEqual(h.assigned(), [`${C3} ${csiDn()} active`]);
    });
  }

  it('applies to every error the AMF detects itself: a closed connection, an unexpected unregister, a CSI set or remove answered with an error or not at all', () => {
    const cases: Array<[string, (h: AmfHarness) => void, string]> = [
      ['connection closed', (h) => {
        const p = h.procs.get(C1)!;
        h.send({ type: 'connectionClosed', at: h.now, node: p.node, conn: p.conn });
      }, 'its connection (node 1, conn'],
      ['unregister', (h) => {
        const p = h.procs.get(C1)!;
        h.request({ type: 'unregister', comp: C1, client: { conn: p.conn, pid: p.pid } });
      }, 'the component unregistered unexpectedly'],
      ['CSI set error', (h) => {
        // A second SI: its CSI set to C1 is answered with an error.
        h.behavior(C1, { csiSet: SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION });
        h.request({ type: 'errorReport', comp: C2, recovery: 'componentRestart', client: own(h, C2) });
        h.advance(0);
      }, ''],
    ];
    for (const [what, cause, text] of cases) {
      const h = new AmfHarness(model(twoN({ sus: 3, comp: FAILOVER }))).start();
      cause(h);
      if (what === 'CSI set error') {
        // C2 restarted (its report recommended a restart) and got its STANDBY set again, answered OK: nothing failed over.
        assert.equal(h.su(suDn(1)).operational, 'enabled', what);
        continue;
      }
      assert.ok(h.logs().some((l) => l.includes(text) && l.endsWith('recovery action: SU failover (recovery_on_error component_failover)')), what);
      assert.equal(h.su(suDn(1)).operational, 'disabled', what);
      assert.deepEqual(h.assigned(), [`${C2} ${csiDn()} active`, `${C3} ${csiDn()} standby`], what);
    }
    // CSI set not answered within callback_timeout, and answered with an error.
    for (const answer of ['ignore', SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION] as const) {
      const h = new AmfHarness(model(twoN({ sus: 3, comp: `${FAILOVER}\n\t\t\tcallback_timeout=200` })));
      h.behavior(C2, { csiSet: answer }).start();
      h.advance(200);
      assert.ok(h.logs().some((l) => l.includes(`Error detected for '${C2}' (CSI set callback (STANDBY)`) &&
        l.endsWith('recovery action: SU failover (recovery_on_error component_failover)')), String(answer));
      assert.equal(h.su(suDn(2)).operational, 'disabled');
      assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`, `${C3} ${csiDn()} standby`]);
    }
  });

  it('error reports and healthchecks keep the recovery they give; one that recommends nothing takes recovery_on_error', () => {
    const h = new AmfHarness(model(twoN({ sus: 3, comp: FAILOVER }))).start();
    // A report recommending a component restart restarts the component, in place.
    assert.equal(h.request({ type: 'errorReport', comp: C1, recovery: 'componentRestart', client: own(h, C1) }).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.compState(C1).restartCount, 1);
    assert.equal(h.su(suDn(1)).operational, 'enabled');
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`, `${C2} ${csiDn()} standby`]);
    // So does a failed healthcheck started with componentRestart.
    startHc(h, C1, 'componentInvoked');
    h.advance(1000);
    assert.equal(h.compState(C1).restartCount, 2);
    assert.equal(h.su(suDn(1)).operational, 'enabled');
    // No recommendation: the AMF decides, with the configured recovery.
    assert.equal(h.request({ type: 'errorReport', comp: C1, recovery: 'noRecommendation', client: own(h, C1) }).error, SaAisErrorT.SA_AIS_OK);
    assert.ok(h.logs().some((l) => l.endsWith('recovery action: SU failover (recovery_on_error component_failover)')), 'logged');
    assert.equal(h.su(suDn(1)).operational, 'disabled');
    assert.deepEqual(h.assigned(), [`${C2} ${csiDn()} active`, `${C3} ${csiDn()} standby`]);
  });

  it('node_failover fails over every SU of the node; no_recommendation and the default restart the component through escalation', () => {
    const text = twoN({ comp: '\t\t\trecovery_on_error=node_failover' }) +
      twoN().replace(/name=demo/, 'name=other').replace(/healthcheck \{[^}]*\}\n/, '');
    const h = new AmfHarness(model(text)).start();
    h.kill(C1);
    assert.ok(h.logs().some((l) => l.includes('recovery action: nodeFailover (recovery_on_error node_failover): every SU on node 1 is failed over')), 'logged');
    for (const su of h.engine.snapshot().sus) assert.equal(su.operational, 'disabled', su.dn);

    for (const comp of ['\t\t\trecovery_on_error=no_recommendation', '\t\t\trecovery_on_error=component_restart', '']) {
      const r = new AmfHarness(model(twoN({ comp }))).start();
      r.kill(C1);
      assert.ok(r.logs().some((l) => l.includes('recovery action: Component restart (escalation level 0, component restart 1 of 2 within 60000 ms)')), comp);
      assert.equal(r.compState(C1).restartCount, 1);
      assert.deepEqual(r.assigned(), [`${C1} ${csiDn()} active`, `${C2} ${csiDn()} standby`], 'the ACTIVE stays in place');
    }
  });

  it('application_restart and cluster_reset, which the engine cannot carry out, are logged at start and fall back to escalation', () => {
    for (const word of ['application_restart', 'cluster_reset']) {
      const h = new AmfHarness(model(twoN({ comp: `\t\t\trecovery_on_error=${word}` }))).start();
      assert.ok(h.logs().includes(`comp ${C1}: recovery_on_error ${word} is not supported: errors the AMF detects on it get component restart through escalation`), 'at start');
      h.kill(C1);
      assert.ok(h.logs().includes(`comp ${C1}: recovery_on_error ${word} is not supported: component restart through escalation instead`), 'at the fault');
      assert.equal(h.compState(C1).restartCount, 1);
      assert.equal(h.su(suDn(1)).operational, 'enabled');
    }
  });
});
