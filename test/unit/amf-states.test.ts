// The AMF state tables, each transition checked against the specification
// section it comes from (B.01.01 §3.3; B.02.01 numbering as openais README.amf
// uses it).
import assert from 'node:assert/strict';
import {
  ADMIN, COMPONENT_PRESENCE, HA, OPERATIONAL, SU_PRESENCE, checkTransition, componentReadiness, isLegal, stateName,
  suReadiness, type Machine, type Table,
} from '../../amf/engine/states.js';
import { BugIndicatingError } from '../../lib-ais/errors.js';

/** Every pair (from, to) of a table's states: legal exactly when listed. */
function checkTable(machine: Machine, table: Table<string>, legal: ReadonlyArray<readonly [string, string]>): void {
  const states = Object.keys(table);
  const want = new Set(legal.map(([a, b]) => `${a}>${b}`));
  for (const from of states) {
    for (const to of states) {
      const ok = want.has(`${from}>${to}`);
      assert.equal(isLegal(machine, from, to), ok, `${machine} ${from} -> ${to} should be ${ok ? 'legal' : 'illegal'}`);
      if (!ok) assert.throws(() => checkTransition(machine, 'x', from, to, 'test'), BugIndicatingError);
      else checkTransition(machine, 'x', from, to, 'test');
    }
  }
}

describe('AMF state tables (spec B.01.01 §3.3)', () => {
  it('component presence, §3.3.2.1: instantiate, instantiated, terminate, restart, and the two failure states left only by repair', () => {
    checkTable('presence', COMPONENT_PRESENCE, [
      // "The AMF instantiates the component": UNINSTANTIATED -> INSTANTIATING.
      ['uninstantiated', 'instantiating'],
      // Instantiation succeeded / failed after all retries / termination requested meanwhile / its cleanup failed.
      ['instantiating', 'instantiated'], ['instantiating', 'instantiationFailed'], ['instantiating', 'terminating'],
      ['instantiating', 'terminationFailed'],
      // "terminate" and "restart" leave INSTANTIATED.
      ['instantiated', 'terminating'], ['instantiated', 'restarting'],
      // A restart ends INSTANTIATED, or fails either way, or is overtaken by a termination.
      ['restarting', 'instantiated'], ['restarting', 'instantiationFailed'], ['restarting', 'terminationFailed'],
      ['restarting', 'terminating'],
      ['terminating', 'uninstantiated'], ['terminating', 'terminationFailed'],
      // Only the "repaired" administrative operation clears the failure states.
      ['instantiationFailed', 'uninstantiated'], ['terminationFailed', 'uninstantiated'],
    ]);
  });

  it('SU presence, §3.3.1.1: the component table, plus a failed component restart failing an INSTANTIATED SU', () => {
    const comp = Object.entries(COMPONENT_PRESENCE).flatMap(([f, ts]) => ts.map((t) => [f, t] as const));
    checkTable('suPresence', SU_PRESENCE, [...comp, ['instantiated', 'instantiationFailed'], ['instantiated', 'terminationFailed']]);
  });

  it('operational state, §3.3.1.2/§3.3.2.2: ENABLED <-> DISABLED', () => {
    checkTable('operational', OPERATIONAL, [['enabled', 'disabled'], ['disabled', 'enabled']]);
  });

  it('administrative state, §3.3.1.3: lock, unlock, shutdown ends LOCKED, lock/unlock-instantiation only from LOCKED', () => {
    checkTable('admin', ADMIN, [
      ['unlocked', 'locked'], ['unlocked', 'shuttingDown'],
      ['shuttingDown', 'locked'], ['shuttingDown', 'unlocked'],
      ['locked', 'unlocked'], ['locked', 'lockedInstantiation'],
      ['lockedInstantiation', 'locked'],
    ]);
  });

  it('HA state, §3.3.2.4: assigned ACTIVE or STANDBY, standby promoted, active quiesced (at once or gracefully), removal from any', () => {
    checkTable('ha', HA, [
      ['none', 'active'], ['none', 'standby'],
      ['active', 'quiescing'], ['active', 'quiesced'], ['active', 'none'],
      ['standby', 'active'], ['standby', 'none'],
      ['quiescing', 'quiesced'], ['quiescing', 'active'], ['quiescing', 'none'],
      ['quiesced', 'active'], ['quiesced', 'standby'], ['quiesced', 'none'],
    ]);
  });

  it('an illegal transition is a bug, and its message names the entity, the states and the cause', () => {
    assert.throws(
      () => checkTransition('presence', 'safComp=a,safSu=SU_1,safSg=demo', 'uninstantiated', 'instantiated', 'registered'),
      (e: unknown) => e instanceof BugIndicatingError &&
        e.message.includes('safComp=a,safSu=SU_1,safSg=demo: UNINSTANTIATED -> INSTANTIATED (registered)'),
    );
  });

  it('SU readiness, §3.3.1.4: IN_SERVICE when enabled, unlocked and instantiated (or restarting); STOPPING when shutting down', () => {
    const base = { operational: 'enabled', presence: 'instantiated', admins: ['unlocked', 'unlocked'] } as const;
    assert.equal(suReadiness(base), 'inService');
    assert.equal(suReadiness({ ...base, presence: 'restarting' }), 'inService');
    assert.equal(suReadiness({ ...base, presence: 'instantiating' }), 'outOfService');
    assert.equal(suReadiness({ ...base, presence: 'terminationFailed' }), 'outOfService');
    assert.equal(suReadiness({ ...base, operational: 'disabled' }), 'outOfService');
    assert.equal(suReadiness({ ...base, admins: ['unlocked', 'shuttingDown'] }), 'stopping');
    assert.equal(suReadiness({ ...base, admins: ['locked', 'shuttingDown'] }), 'outOfService');
    assert.equal(suReadiness({ ...base, admins: ['lockedInstantiation', 'unlocked'] }), 'outOfService');
  });

  it('component readiness, §3.3.2.3: its SU\'s, provided it is enabled and instantiated (or restarting)', () => {
    assert.equal(componentReadiness({ operational: 'enabled', presence: 'instantiated', su: 'inService' }), 'inService');
    assert.equal(componentReadiness({ operational: 'enabled', presence: 'restarting', su: 'stopping' }), 'stopping');
    assert.equal(componentReadiness({ operational: 'disabled', presence: 'instantiated', su: 'inService' }), 'outOfService');
    assert.equal(componentReadiness({ operational: 'enabled', presence: 'terminating', su: 'inService' }), 'outOfService');
  });

  it('logs spell states as the specification does', () => {
    assert.equal(stateName('instantiationFailed'), 'INSTANTIATION_FAILED');
    assert.equal(stateName('outOfService'), 'OUT_OF_SERVICE');
    assert.equal(stateName('lockedInstantiation'), 'LOCKED_INSTANTIATION');
  });
});
