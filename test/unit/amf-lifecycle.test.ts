// The AMF engine's life cycle, driven through the deterministic harness:
// CLC-CLI commands (spec B.01.01 chapter 4), registration, instantiation
// retries, termination and the orderly cluster stop.
import assert from 'node:assert/strict';
import { AmfEngine } from '../../amf/engine/engine.js';
import type { AmfAction } from '../../amf/engine/types.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { AmfHarness, comp, csiDn, model, suDn, twoN, type RunClc } from '../helpers/amf-harness.js';

const C1 = comp(1);
const C2 = comp(2);

describe('AMF engine: instantiation (spec B.01.01 §4.4)', () => {
  it('runs INSTANTIATE as a program with an argument vector, the openais environment, cwd and timeout', () => {
    const h = new AmfHarness(model(twoN({ comp: '\t\t\tinstantiate_timeout=7000' }))).start();
    const run = h.runs('instantiate', C1)[0]!;
    assert.deepEqual(run, {
      type: 'runClc', node: 1, comp: C1, op: 'instantiate', runId: run.runId, program: '/clc/clc_cli_script',
      argv: ['instantiate'], cwd: '/bin', timeoutMs: 7000,
      env: {
        PATH: '/usr/bin:/bin', CLC_CLI_INTERFACE: 'instantiate', SA_AMF_COMPONENT_NAME: C1, COMP_BINARY_PATH: '/bin',
        COMP_BINARY_NAME: 'demo', RINGFORT_PID_FILE: '/run/ringfort/c.pid',
      },
    });
  });

  it('an SA-aware component is INSTANTIATED once INSTANTIATE exited 0 and it registered; its process is watched', () => {
    const h = new AmfHarness(model(twoN())).start();
    assert.equal(h.presence(C1), 'instantiated');
    assert.equal(h.presence(suDn(1)), 'instantiated');
    assert.equal(h.su(suDn(1)).readiness, 'inService');
    const p = h.procs.get(C1)!;
    assert.ok(h.watched.has(`${C1}#${p.pid}`), 'the registering process is watched');
    assert.ok(h.logs().includes(`comp ${C1} presence INSTANTIATING -> INSTANTIATED (registered)`));
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`, `${C2} ${csiDn()} standby`]);
    h.checkReplies();
  });

  it('a registration before INSTANTIATE exits is accepted; the component is INSTANTIATED when the command exits 0', () => {
    const h = new AmfHarness(model(twoN({ sus: 1 })));
    h.clc = (r) => (r.op === 'instantiate' ? 'hold' : { outcome: 'exited', exitCode: 0 });
    h.start();
    const run = h.held[0]!;
    const reply = h.request({ type: 'register', comp: C1, client: { pid: 4242 } });
    assert.equal(reply.error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.presence(C1), 'instantiating');
    h.complete(run, { outcome: 'exited', exitCode: 0 });
    assert.equal(h.presence(C1), 'instantiated');
    assert.equal(h.compState(C1).pid, 4242);
  });

  it('a component that does not register within instantiate_timeout is cleaned up and retried after instantiate_delay, then INSTANTIATION_FAILED', () => {
    const h = new AmfHarness(model(twoN({ comp: '\t\t\tinstantiate_retries=1\n\t\t\tinstantiate_delay=500\n\t\t\tinstantiate_timeout=2000' })));
    h.behavior(C1, { register: false }).start();
    assert.equal(h.presence(C1), 'instantiating');
    h.advance(2000);
    assert.ok(h.logs().includes(`comp ${C1}: instantiation attempt 1 of 2 failed: did not register within instantiate_timeout 2000 ms`));
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'cleanup']);
    h.advance(499);
    assert.equal(h.runs('instantiate', C1).length, 1, 'waits instantiate_delay');
    h.advance(1);
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'cleanup', 'instantiate']);
    h.advance(2000);
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'cleanup', 'instantiate', 'cleanup']);
    assert.equal(h.presence(C1), 'instantiationFailed');
    assert.equal(h.compState(C1).operational, 'disabled');
    assert.equal(h.presence(suDn(1)), 'instantiationFailed');
    assert.equal(h.su(suDn(1)).operational, 'disabled');
    assert.ok(h.logs().includes(`comp ${C1}: INSTANTIATION_FAILED: 2 instantiation attempts failed`));
    // The SG started with the SU that came up: SU_2 holds the SI ACTIVE.
    assert.deepEqual(h.assigned(), [`${C2} ${csiDn()} active`]);
  });

  it('an INSTANTIATE that times out, exits non-zero or cannot be spawned is logged naming the component, the command and the reason', () => {
    const cases: Array<[RunClc extends never ? never : Parameters<AmfHarness['complete']>[1], string]> = [
      [{ outcome: 'timeout' }, 'timed out after 10000 ms'],
      [{ outcome: 'exited', exitCode: 3 }, 'exited with 3'],
      [{ outcome: 'exited', exitCode: 0, signal: 'SIGSEGV' }, 'was killed by SIGSEGV'],
      [{ outcome: 'spawnFailed', message: 'ENOENT: no such file or directory' }, 'could not be started: ENOENT: no such file or directory'],
    ];
    for (const [result, text] of cases) {
      const h = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tinstantiate_retries=0' })));
      h.clc = (r) => (r.op === 'instantiate' ? result : { outcome: 'exited', exitCode: 0 });
      h.start();
      assert.ok(h.logs().includes(`comp ${C1}: instantiate command /clc/clc_cli_script ${text}`), text);
      assert.equal(h.presence(C1), 'instantiationFailed');
    }
  });

  it('a missing INSTANTIATE command is a clear error and an instantiation failure without retries', () => {
    const text = twoN({ sus: 1 }).replace('\t\t\tinstantiate=clc_cli_script\n', '');
    const h = new AmfHarness(model(text)).start();
    assert.ok(h.logs().includes(`comp ${C1}: cannot instantiate: no instantiate command is configured (groups.conf key instantiate)`));
    assert.equal(h.presence(C1), 'instantiationFailed');
    assert.equal(h.runs('instantiate').length, 0);
  });

  it('a missing CLEANUP command makes a failed instantiation TERMINATION_FAILED', () => {
    const text = twoN({ sus: 1 }).replace('\t\t\tcleanup=clc_cli_script\n', '');
    const h = new AmfHarness(model(text));
    h.clc = (r) => (r.op === 'instantiate' ? { outcome: 'exited', exitCode: 1 } : { outcome: 'exited', exitCode: 0 });
    h.start();
    assert.ok(h.logs().includes(`comp ${C1}: cannot clean up: no cleanup command is configured (groups.conf key cleanup)`));
    assert.equal(h.presence(C1), 'terminationFailed');
    assert.equal(h.presence(suDn(1)), 'terminationFailed');
  });

  it('a non-SA-aware component is INSTANTIATED when INSTANTIATE exits 0, its pid is watched, and its exit restarts it at once', () => {
    const h = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tcomptype=non_proxied_non_sa_aware' }))).start();
    assert.equal(h.presence(C1), 'instantiated');
    assert.equal(h.requests.size, 0, 'no registration');
    const pid = h.procs.get(C1)!.pid;
    assert.ok(h.watched.has(`${C1}#${pid}`));
    assert.equal(h.compState(C1).pid, pid, 'the snapshot shows the pid the command reported');
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} active`], 'assigned at once: no callback can reach it');
    assert.ok(h.logs().includes(`comp ${C1}: ${csiDn()} ACTIVE (no callback: the component is not registered)`));
    h.kill(C1);
    assert.ok(h.logs().some((l) => l.startsWith(`Error detected for '${C1}' (process ${pid} killed by SIGKILL), recovery action: Component restart`)));
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'cleanup', 'instantiate']);
    assert.equal(h.presence(C1), 'instantiated');
    assert.equal(h.compState(C1).restartCount, 1);
  });

  it('is deterministic: the same model and events give the same actions', () => {
    const run = (): AmfAction[] => {
      const h = new AmfHarness(model(twoN({ sus: 3 }))).start();
      h.kill(C1);
      h.advance(5000);
      h.send({ type: 'clusterStop', at: h.now });
      return h.actions;
    };
    assert.deepEqual(run(), run());
  });
});

describe('AMF engine: termination and cluster stop (spec B.01.01 §4.5, §4.6)', () => {
  it('clusterStop quiesces the active, removes assignments, terminates every component by its terminate callback, then emits stopped once', () => {
    const h = new AmfHarness(model(twoN())).start();
    const mark = h.actions.length;
    h.send({ type: 'clusterStop', at: h.now });
    const after = h.since(mark);
    const kinds = after.flatMap((a) => (a.type === 'callback' ? [`${a.callback.kind} ${'comp' in a.callback ? a.callback.comp : ''}`] : []));
    // The active is quiesced, the standby removed at once (SUs side by side); each SU is terminated once its removals are answered.
    assert.deepEqual(kinds, [`csiSet ${C1}`, `csiRemove ${C2}`, `csiRemove ${C1}`, `terminate ${C2}`, `terminate ${C1}`]);
    assert.equal(h.callbacks('csiSet', C1).at(-1)!.haState, 'quiescing');
    const remove = h.callbacks('csiRemove', C1)[0]!;
    assert.equal(remove.flags, 4, 'TARGET_ALL');
    assert.equal(h.stopped, 1);
    assert.equal(after.at(-1)!.type, 'stopped');
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.presence(suDn(2)), 'uninstantiated');
    assert.deepEqual(h.runs('terminate'), [], 'no command when the callback answered OK');
    h.send({ type: 'clusterStop', at: h.now });
    assert.equal(h.stopped, 1, 'stopped exactly once');
    h.checkReplies();
  });

  it('terminates the components of an SU dependents first: reverse configuration order', () => {
    const text = twoN({ sus: 1 }).replace('\tunit {\n\t\tname=SU_1\n',
      '\tunit {\n\t\tname=SU_1\n\t\tcomponent {\n\t\t\tname=b\n\t\t\tinstantiate=clc_cli_script\n\t\t\tcleanup=clc_cli_script\n\t\t}\n');
    const h = new AmfHarness(model(text)).start();
    const B = 'safComp=b,safSu=SU_1,safSg=demo';
    assert.deepEqual(h.runs('instantiate').map((r) => r.comp), [B, C1], 'instantiated in configuration order, one at a time');
    h.send({ type: 'clusterStop', at: h.now });
    const order = h.actions.flatMap((a) =>
      a.type === 'callback' && a.callback.kind === 'terminate' ? [a.callback.comp] : a.type === 'runClc' && a.op !== 'instantiate' ? [a.comp] : []);
    assert.deepEqual(order, [C1, B]);
    assert.equal(h.stopped, 1);
  });

  it('an unanswered terminate callback is followed, after callback_timeout, by TERMINATE, then CLEANUP if that fails', () => {
    const h = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tcallback_timeout=300' })));
    h.behavior(C1, { terminate: 'ignore', csiRemove: 'ignore' }).start();
    h.clc = (r) => (r.op === 'terminate' ? { outcome: 'exited', exitCode: 1 } : { outcome: 'exited', exitCode: 0 });
    h.send({ type: 'clusterStop', at: h.now });
    assert.equal(h.callbacks('terminate').length, 0, 'waits for the CSI remove first');
    h.advance(300);
    assert.equal(h.callbacks('terminate').length, 1);
    h.advance(299);
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate']);
    h.advance(1);
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'terminate', 'cleanup']);
    assert.ok(h.logs().includes(`comp ${C1}: terminate callback not answered within callback_timeout 300 ms; running the terminate command`));
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.stopped, 1);
  });

  it('a failed CLEANUP leaves the component TERMINATION_FAILED, and the stop still completes', () => {
    const h = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tcomptype=non_proxied_non_sa_aware' }))).start();
    h.clc = (r) => (r.op === 'instantiate' ? { outcome: 'exited', exitCode: 0 } : { outcome: 'timeout' });
    h.send({ type: 'clusterStop', at: h.now });
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'terminate', 'cleanup']);
    assert.equal(h.presence(C1), 'terminationFailed');
    assert.equal(h.presence(suDn(1)), 'terminationFailed');
    assert.ok(h.logs().includes(`comp ${C1}: cleanup command /clc/clc_cli_script timed out after 10000 ms`));
    assert.equal(h.stopped, 1);
  });

  it('a stop while a component waits to register does not wait for the instantiate timeout', () => {
    const h = new AmfHarness(model(twoN({ sus: 1 })));
    h.behavior(C1, { register: false }).start();
    h.send({ type: 'clusterStop', at: h.now });
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'cleanup']);
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.stopped, 1);
    assert.equal(h.timers.size, 0, 'no timer left');
  });

  it('a stop before the start, or of an empty model, emits stopped at once', () => {
    const e = new AmfEngine(model(''), { hostOf: () => 1, clcEnv: {}, pidFileOf: () => '' });
    assert.deepEqual(e.step({ type: 'clusterStart', at: 0 }).filter((a) => a.type !== 'log'), []);
    assert.deepEqual(e.step({ type: 'clusterStop', at: 1 }).filter((a) => a.type !== 'log'), [{ type: 'stopped' }]);
    const f = new AmfEngine(model(twoN()), { hostOf: () => 1, clcEnv: {}, pidFileOf: () => '' });
    assert.deepEqual(f.step({ type: 'clusterStop', at: 0 }).filter((a) => a.type !== 'log'), [{ type: 'stopped' }]);
  });

  it('every action of an SU carries the node that hosts it', () => {
    const m = model(twoN());
    const h = new AmfHarness(m);
    const e = new AmfEngine(m, { hostOf: (su) => (su.name === 'SU_1' ? 7 : 9), clcEnv: {}, pidFileOf: () => '' });
    const acts = e.step({ type: 'clusterStart', at: 0 });
    void h;
    const runs = acts.filter((a): a is RunClc => a.type === 'runClc');
    assert.deepEqual(runs.map((r) => [r.comp, r.node]), [[C1, 7], [C2, 9]]);
    assert.deepEqual(e.snapshot().sus.map((s) => s.node), [7, 9]);
  });
});

describe('AMF engine: a terminated component is not UNINSTANTIATED while its process lives', () => {
  it('after the terminate callback is answered OK it waits for the process to exit: UNINSTANTIATED (and stopped) only then', () => {
    const h = new AmfHarness(model(twoN({ sus: 1 })));
    h.behavior(C1, { exitOnTerminate: false }).start();
    const pid = h.procs.get(C1)!.pid;
    h.send({ type: 'clusterStop', at: h.now });
    assert.equal(h.callbacks('terminate', C1).length, 1);
    assert.equal(h.presence(C1), 'terminating', 'answered OK, but the process is still alive');
    assert.equal(h.presence(suDn(1)), 'terminating');
    assert.equal(h.stopped, 0);
    assert.ok(h.watched.has(`${C1}#${pid}`), 'its process is still watched');
    assert.ok(h.logs().includes(`comp ${C1}: terminate callback answered SA_AIS_OK; waiting up to terminate_timeout 10000 ms for process ${pid} to exit`));
    h.advance(5000);
    assert.equal(h.presence(C1), 'terminating');
    const mark = h.actions.length;
    h.exit(C1);
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.presence(suDn(1)), 'uninstantiated');
    assert.equal(h.stopped, 1);
    assert.equal(h.since(mark).at(-1)!.type, 'stopped');
    assert.ok(h.logs().includes(`comp ${C1} presence TERMINATING -> UNINSTANTIATED (terminate callback answered SA_AIS_OK, process exited)`));
    assert.ok(!h.logs().some((l) => l.startsWith('Error detected')), 'its exit is expected, not a fault');
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate'], 'no TERMINATE, no CLEANUP');
    assert.equal(h.timers.size, 0, 'the terminate_timeout timer is cancelled');
    h.checkReplies();
  });

  it('a process that does not exit within terminate_timeout is cleaned up, and only then UNINSTANTIATED', () => {
    const h = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tterminate_timeout=2000' })));
    h.behavior(C1, { exitOnTerminate: false }).start();
    const pid = h.procs.get(C1)!.pid;
    h.send({ type: 'clusterStop', at: h.now });
    h.advance(1999);
    assert.equal(h.presence(C1), 'terminating');
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate']);
    assert.equal(h.stopped, 0);
    h.advance(1);
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'cleanup']);
    assert.ok(h.logs().includes(`comp ${C1}: process ${pid} still running 2000 ms (terminate_timeout) after terminate callback answered SA_AIS_OK; running the cleanup command`));
    assert.equal(h.procs.get(C1)!.alive, false, 'CLEANUP killed it');
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.compState(C1).operational, 'enabled');
    assert.equal(h.stopped, 1);
    assert.ok(!h.watched.has(`${C1}#${pid}`));
  });

  it('with no pid known (none reported, none registered) the terminate callback answered OK is enough, as before', () => {
    const h = new AmfHarness(model(twoN({ sus: 1 })));
    h.behavior(C1, { exitOnTerminate: false, reportPid: false }).start();
    assert.equal(h.presence(C1), 'instantiated');
    h.send({ type: 'clusterStop', at: h.now });
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.stopped, 1);
    assert.equal(h.timers.size, 0);
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate']);
  });

  it('after TERMINATE exits 0 it waits for the process the instantiate command reported, likewise', () => {
    const h = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tcomptype=non_proxied_non_sa_aware\n\t\t\tterminate_timeout=3000' })));
    h.behavior(C1, { exitOnTerminate: false }).start();
    h.send({ type: 'clusterStop', at: h.now });
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'terminate']);
    assert.equal(h.presence(C1), 'terminating');
    h.advance(1000);
    h.exit(C1);
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.stopped, 1);
    assert.deepEqual(h.runs(undefined, C1).map((r) => r.op), ['instantiate', 'terminate']);

    const g = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tcomptype=non_proxied_non_sa_aware\n\t\t\tterminate_timeout=3000' })));
    g.behavior(C1, { exitOnTerminate: false }).start();
    g.send({ type: 'clusterStop', at: g.now });
    g.advance(3000);
    assert.deepEqual(g.runs(undefined, C1).map((r) => r.op), ['instantiate', 'terminate', 'cleanup']);
    assert.equal(g.presence(C1), 'uninstantiated');
    assert.equal(g.stopped, 1);
  });

  it('an exit seen before the answer is expected, not a fault: the answer then terminates it at once', () => {
    const h = new AmfHarness(model(twoN({ sus: 1 })));
    h.behavior(C1, { terminate: 'ignore' }).start();
    const p = h.procs.get(C1)!;
    h.send({ type: 'clusterStop', at: h.now });
    const cb = h.callbacks('terminate', C1)[0]!;
    h.send({ type: 'processExited', at: h.now, comp: C1, pid: p.pid, exitCode: 0 });
    assert.equal(h.presence(C1), 'terminating');
    assert.ok(h.logs().includes(`comp ${C1}: process ${p.pid} exited with 0 (being terminated)`));
    const r = h.request({ type: 'response', invocation: cb.invocation, error: SaAisErrorT.SA_AIS_OK, client: { conn: p.conn, pid: p.pid } });
    assert.equal(r.error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.stopped, 1);
    assert.equal(h.timers.size, 0);
    assert.deepEqual(h.runs(undefined, C1).map((r2) => r2.op), ['instantiate']);
  });
});

describe('AMF engine: graceful drain at cluster stop (QUIESCING, saAmfCSIQuiescingComplete)', () => {
  it('the ACTIVE gets CSI set QUIESCING (TARGET_ALL); its CSIs are removed only after saAmfCSIQuiescingComplete; the STANDBY is removed at once', () => {
    const h = new AmfHarness(model(twoN()));
    h.behavior(C1, { quiescingComplete: 'ignore' }).start();
    h.send({ type: 'clusterStop', at: h.now });
    const q = h.callbacks('csiSet', C1).at(-1)!;
    assert.equal(q.haState, 'quiescing');
    assert.deepEqual(q.descriptor, { flags: 4, csi: '', attributes: [] });
    // The standby's CSIs went at once and its SU is terminated; the active waits, QUIESCING, still instantiated.
    assert.equal(h.callbacks('csiRemove', C2).length, 1);
    assert.equal(h.presence(C2), 'uninstantiated');
    assert.equal(h.callbacks('csiRemove', C1).length, 0);
    assert.equal(h.presence(C1), 'instantiated');
    assert.equal(h.engine.haState(C1, csiDn()), 'quiescing');
    assert.deepEqual(h.engine.snapshot().siAssignments, [{ si: 'safSi=SI_1,safSg=demo', su: suDn(1), haState: 'quiescing' }]);
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn()} quiescing`]);
    assert.equal(h.stopped, 0);
    h.advance(5000);
    assert.equal(h.callbacks('csiRemove', C1).length, 0, 'waits for quiescing complete (within callback_timeout)');
    const p = h.procs.get(C1)!;
    const r = h.request({ type: 'quiescingComplete', invocation: q.invocation, error: SaAisErrorT.SA_AIS_OK, client: { conn: p.conn, pid: p.pid } });
    assert.equal(r.error, SaAisErrorT.SA_AIS_OK);
    assert.ok(h.logs().includes(`comp ${C1}: ${csiDn()} QUIESCED (saAmfCSIQuiescingComplete)`));
    const rm = h.callbacks('csiRemove', C1);
    assert.deepEqual(rm.map((x) => x.flags), [4]);
    assert.deepEqual(h.callbacks('terminate', C1).length, 1);
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.stopped, 1);
    // A second quiescing complete for the same invocation matches nothing.
    const again = h.request({ type: 'quiescingComplete', invocation: q.invocation, error: SaAisErrorT.SA_AIS_OK, client: { conn: 1, pid: 1 } });
    assert.equal(again.error, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    h.checkReplies();
  });

  it('no quiescing complete within callback_timeout: the CSIs are removed anyway and the stop goes on', () => {
    const h = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tcallback_timeout=400' })));
    h.behavior(C1, { quiescingComplete: 'ignore' }).start();
    h.send({ type: 'clusterStop', at: h.now });
    h.advance(399);
    assert.equal(h.callbacks('csiRemove', C1).length, 0);
    h.advance(1);
    assert.ok(h.logs().includes(`comp ${C1}: quiescing not complete within callback_timeout 400 ms: its CSIs are removed without waiting`));
    assert.equal(h.callbacks('csiRemove', C1).length, 1);
    assert.equal(h.presence(C1), 'uninstantiated');
    assert.equal(h.stopped, 1);
    assert.equal(h.timers.size, 0);
  });

  it('a QUIESCING CSI set answered with an error, or not answered, or a closed connection, removes at once; no recovery', () => {
    const err = new AmfHarness(model(twoN({ sus: 1 })));
    err.behavior(C1, { csiSet: SaAisErrorT.SA_AIS_OK }).start();
    err.behavior(C1, { csiSet: SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION });
    err.send({ type: 'clusterStop', at: err.now });
    assert.ok(err.logs().includes(`comp ${C1}: CSI set callback (QUIESCING) answered SA_AIS_ERR_FAILED_OPERATION: its CSIs are removed without waiting`));
    assert.equal(err.callbacks('csiRemove', C1).length, 1);
    assert.equal(err.stopped, 1);
    assert.ok(!err.logs().some((l) => l.startsWith('Error detected')));

    const closed = new AmfHarness(model(twoN({ sus: 1 })));
    closed.behavior(C1, { quiescingComplete: 'ignore' }).start();
    closed.send({ type: 'clusterStop', at: closed.now });
    closed.kill(C1);
    assert.ok(closed.logs().includes(`comp ${C1}: its connection closed while quiescing: its CSIs are removed`));
    assert.equal(closed.presence(C1), 'uninstantiated');
    assert.equal(closed.stopped, 1);
    assert.equal(closed.timers.size, 0);
  });

  it('a quiescing complete that comes before the CSI set is answered takes effect with the answer', () => {
    const h = new AmfHarness(model(twoN({ sus: 1 })));
    h.start();
    h.behavior(C1, { csiSet: 'ignore' });
    h.send({ type: 'clusterStop', at: h.now });
    const q = h.callbacks('csiSet', C1).at(-1)!;
    const p = h.procs.get(C1)!;
    assert.equal(h.request({ type: 'quiescingComplete', invocation: q.invocation, error: SaAisErrorT.SA_AIS_OK, client: { conn: p.conn, pid: p.pid } }).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.callbacks('csiRemove', C1).length, 0);
    assert.equal(h.request({ type: 'response', invocation: q.invocation, error: SaAisErrorT.SA_AIS_OK, client: { conn: p.conn, pid: p.pid } }).error, SaAisErrorT.SA_AIS_OK);
    assert.ok(h.logs().includes(`comp ${C1}: ${csiDn()} QUIESCED (saAmfCSIQuiescingComplete)`));
    assert.equal(h.callbacks('csiRemove', C1).length, 1);
    assert.equal(h.stopped, 1);
  });

  it('protection group members see ACTIVE -> QUIESCING -> QUIESCED, then removed', () => {
    const h = new AmfHarness(model(twoN({ sus: 1 })));
    h.behavior(C1, { quiescingComplete: 'ignore' }).start();
    const tracker = h.client();
    h.send({ type: 'pgTrack', at: h.now, csi: csiDn(), flags: 2, client: tracker });
    h.send({ type: 'clusterStop', at: h.now });
    const q = h.callbacks('csiSet', C1).at(-1)!;
    const p = h.procs.get(C1)!;
    h.request({ type: 'quiescingComplete', invocation: q.invocation, error: SaAisErrorT.SA_AIS_OK, client: { conn: p.conn, pid: p.pid } });
    const seen = h.callbacks('pgTrack').flatMap((cb) => cb.notifications.map((n) => `${n.member.haState} ${n.change}`));
    assert.deepEqual(seen, ['quiescing stateChange', 'quiesced stateChange', 'quiesced removed']);
  });
});
