// Library requests to the AMF engine: protection group tracking (spec B.01.01
// §3.1 / saAmfProtectionGroupTrack), registration, responses, HA state, and
// unknown names answered, never thrown.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Callback } from '../../amf/engine/types.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { AmfHarness, comp, csiDn, model, twoN } from '../helpers/amf-harness.js';

const C1 = comp(1);
const C2 = comp(2);
const C3 = comp(3);
const CSI = csiDn();

type PgCb = Extract<Callback, { kind: 'pgTrack' }>;

function pgCallbacks(h: AmfHarness, conn: number): PgCb[] {
  return h.actions.flatMap((a) => (a.type === 'callback' && a.conn === conn && a.callback.kind === 'pgTrack' ? [a.callback] : []));
}

function show(cb: PgCb): string[] {
  return cb.notifications.map((n) => `${n.member.comp.slice(0, 20)} ${n.member.haState} ${n.member.rank} ${n.change}`);
}

describe('AMF engine: protection groups (saAmfProtectionGroupTrack)', () => {
  it('TRACK_CURRENT answers the members in the reply: ACTIVE rank 0, STANDBY its rank', () => {
    const h = new AmfHarness(model(twoN())).start();
    const r = h.request({ type: 'pgTrack', csi: CSI, flags: 1 });
    assert.equal(r.error, SaAisErrorT.SA_AIS_OK);
    assert.deepEqual(r.body, {
      kind: 'pgCurrent',
      notifications: [
        { member: { comp: C1, haState: 'active', rank: 0 }, change: 'noChange' },
        { member: { comp: C2, haState: 'standby', rank: 1 }, change: 'noChange' },
      ],
    });
    assert.equal(pgCallbacks(h, r.client.conn).length, 0, 'CURRENT alone subscribes to nothing');
  });

  it('TRACK_CHANGES: after each change every member with its change, plus the removed; numberOfMembers after the change', () => {
    const h = new AmfHarness(model(twoN({ sus: 3, extra: '\tcomponent_restart_max=0\n\tunit_restart_max=0' }))).start();
    const r = h.request({ type: 'pgTrack', csi: CSI, flags: 2 });
    assert.equal(r.error, SaAisErrorT.SA_AIS_OK);
    assert.equal(r.body, undefined);
    h.kill(C1); // SU failover: C1 removed; C2 standby -> active; C3 added as standby
    const cbs = pgCallbacks(h, r.client.conn);
    // Step 1 (the failover): C1 is gone and the takeover is still unanswered.
    assert.deepEqual(show(cbs[0]!), ['safComp=c,safSu=SU_2 standby 1 noChange', 'safComp=c,safSu=SU_1 active 0 removed']);
    assert.equal(cbs[0]!.numberOfMembers, 1);
    // Then C2 answers the takeover and C3 its standby assignment.
    assert.deepEqual(cbs.slice(1).map(show), [
      ['safComp=c,safSu=SU_2 active 0 stateChange'],
      ['safComp=c,safSu=SU_2 active 0 noChange', 'safComp=c,safSu=SU_3 standby 1 added'],
    ]);
    assert.equal(cbs.at(-1)!.numberOfMembers, 2);
    assert.equal(cbs.at(-1)!.csi, CSI);
  });

  it('TRACK_CHANGES_ONLY: only the changed members; TRACK_CURRENT|CHANGES_ONLY also answers the members', () => {
    const h = new AmfHarness(model(twoN())).start();
    const r = h.request({ type: 'pgTrack', csi: CSI, flags: 1 | 4 });
    assert.equal(r.body?.kind, 'pgCurrent');
    h.kill(C2); // the standby restarts: removed, then added again
    assert.deepEqual(pgCallbacks(h, r.client.conn).map(show), [
      ['safComp=c,safSu=SU_2 standby 1 removed'],
      ['safComp=c,safSu=SU_2 standby 1 added'],
    ]);
  });

  it('a new subscription replaces the connection\'s old one; TrackStop and a closed connection end it', () => {
    const h = new AmfHarness(model(twoN())).start();
    const client = h.client();
    h.request({ type: 'pgTrack', csi: CSI, flags: 2, client });
    h.request({ type: 'pgTrack', csi: CSI, flags: 4, client: { conn: client.conn } });
    h.kill(C2);
    const n = pgCallbacks(h, client.conn).length;
    assert.equal(n, 2);
    assert.ok(pgCallbacks(h, client.conn).every((cb) => cb.notifications.length === 1), 'CHANGES_ONLY now');
    assert.equal(h.request({ type: 'pgTrackStop', csi: CSI, client: { conn: client.conn } }).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.request({ type: 'pgTrackStop', csi: CSI, client: { conn: client.conn } }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    h.kill(C2);
    assert.equal(pgCallbacks(h, client.conn).length, n);
    const other = h.client();
    h.request({ type: 'pgTrack', csi: CSI, flags: 2, client: other });
    h.send({ type: 'connectionClosed', at: h.now, node: other.node, conn: other.conn });
    h.kill(C2);
    assert.equal(pgCallbacks(h, other.conn).length, 0);
  });

  it('an unknown CSI is NOT_EXIST; bad flags are BAD_FLAGS', () => {
    const h = new AmfHarness(model(twoN())).start();
    assert.equal(h.request({ type: 'pgTrack', csi: 'safCsi=nope', flags: 1 }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    for (const flags of [0, 8, 2 | 4, -1, 1.5]) {
      assert.equal(h.request({ type: 'pgTrack', csi: CSI, flags }).error, SaAisErrorT.SA_AIS_ERR_BAD_FLAGS, `flags ${flags}`);
    }
    assert.equal(h.request({ type: 'pgTrackStop', csi: 'safCsi=nope' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
  });
});

describe('AMF engine: registration, responses and HA state', () => {
  it('register: unknown DN NOT_EXIST, twice EXIST, not being instantiated BAD_OPERATION, a proxy NOT_SUPPORTED', () => {
    const h = new AmfHarness(model(twoN({ sus: 3 })));
    h.behavior(C3, { register: false });
    h.start();
    assert.equal(h.request({ type: 'register', comp: 'safComp=nope,safSu=SU_1,safSg=demo' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    assert.equal(h.request({ type: 'register', comp: C1 }).error, SaAisErrorT.SA_AIS_ERR_EXIST);
    assert.equal(h.request({ type: 'register', comp: C3, proxy: C1 }).error, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    assert.equal(h.request({ type: 'register', comp: C3, proxy: 'safComp=nope' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    h.send({ type: 'clusterStop', at: h.now });
    assert.equal(h.request({ type: 'register', comp: C3 }).error, SaAisErrorT.SA_AIS_ERR_BAD_OPERATION);
    h.checkReplies();
  });

  it('register of a non-SA-aware component is BAD_OPERATION', () => {
    const h = new AmfHarness(model(twoN({ sus: 1, comp: '\t\t\tcomptype=non_proxied_non_sa_aware' })));
    h.clc = (r) => (r.op === 'instantiate' ? 'hold' : { outcome: 'exited', exitCode: 0 });
    h.start();
    assert.equal(h.request({ type: 'register', comp: C1 }).error, SaAisErrorT.SA_AIS_ERR_BAD_OPERATION);
  });

  it('a plain component name is accepted where it is unique', () => {
    const text = twoN({ sus: 1 }).replace('\t\t\tname=c\n', '\t\t\tname=uniq\n');
    const h = new AmfHarness(model(text));
    h.behavior('safComp=uniq,safSu=SU_1,safSg=demo', { register: false }).start();
    assert.equal(h.request({ type: 'register', comp: 'uniq' }).error, SaAisErrorT.SA_AIS_OK);
    assert.equal(h.presence('safComp=uniq,safSu=SU_1,safSg=demo'), 'instantiated');
  });

  it('unregister: NOT_EXIST when not registered, BAD_OPERATION from another connection', () => {
    const h = new AmfHarness(model(twoN())).start();
    assert.equal(h.request({ type: 'unregister', comp: 'safComp=x' }).error, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    assert.equal(h.request({ type: 'unregister', comp: C1 }).error, SaAisErrorT.SA_AIS_ERR_BAD_OPERATION);
  });

  it('a response or quiescing-complete for an unknown invocation is INVALID_PARAM; a duplicate response too', () => {
    const h = new AmfHarness(model(twoN())).start();
    assert.equal(h.request({ type: 'response', invocation: 999, error: SaAisErrorT.SA_AIS_OK }).error, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    assert.equal(h.request({ type: 'quiescingComplete', invocation: 1, error: SaAisErrorT.SA_AIS_OK }).error, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    const inv = h.callbacks('csiSet', C1)[0]!.invocation;
    assert.equal(h.request({ type: 'response', invocation: inv, error: SaAisErrorT.SA_AIS_OK }).error, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
  });

  it('haState() gives the HA state a component has for a CSI, undefined for unknown names', () => {
    const h = new AmfHarness(model(twoN())).start();
    assert.equal(h.engine.haState(C1, CSI), 'active');
    assert.equal(h.engine.haState(C2, CSI), 'standby');
    assert.equal(h.engine.haState('safComp=x', CSI), undefined);
    assert.equal(h.engine.haState(C1, 'safCsi=x'), undefined);
  });

  it('snapshot() shows every entity with its states, and the SI assignment state', () => {
    const h = new AmfHarness(model(twoN())).start();
    const s = h.engine.snapshot();
    assert.deepEqual(s.sis, [{ dn: 'safSi=SI_1,safSg=demo', sg: 'safSg=demo', admin: 'unlocked', assignment: 'fullyAssigned' }]);
    assert.deepEqual(s.sgs, [{ dn: 'safSg=demo', admin: 'unlocked', redundancyModel: '2n' }]);
    assert.deepEqual(s.siAssignments, [
      { si: 'safSi=SI_1,safSg=demo', su: 'safSu=SU_1,safSg=demo', haState: 'active' },
      { si: 'safSi=SI_1,safSg=demo', su: 'safSu=SU_2,safSg=demo', haState: 'standby' },
    ]);
    h.kill(C2);
    h.send({ type: 'errorReport', at: h.now, comp: C2, recovery: 'componentFailover', client: h.client() });
    assert.equal(h.engine.snapshot().sis[0]!.assignment, 'partiallyAssigned');
  });

  it('N-Way is logged as not supported and nothing is assigned', () => {
    const h = new AmfHarness(model(twoN({ model: 'nway' }))).start();
    assert.ok(h.logs().includes('sg safSg=demo: redundancy model nway is not supported yet: no SI is assigned'));
    assert.deepEqual(h.assigned(), []);
    assert.equal(h.presence(C1), 'instantiated');
  });

  it('No-Redundancy: each SU takes one SI; a failed SU\'s SI goes to a spare', () => {
    const h = new AmfHarness(model(twoN({ model: 'noredundancy', sus: 3, sis: 2, extra: '\tcomponent_restart_max=0\n\tunit_restart_max=0' }))).start();
    assert.deepEqual(h.assigned(), [`${C1} ${csiDn(1)} active`, `${C2} ${csiDn(2)} active`]);
    h.kill(C1);
    assert.deepEqual(h.assigned(), [`${C3} ${csiDn(1)} active`, `${C2} ${csiDn(2)} active`]);
  });

  it('N+M on the openais sample: level II with all four SUs, CSIs to the components whose types match', () => {
    const h = new AmfHarness(model(fs.readFileSync('test/fixtures/groups/openais-early.conf', 'utf8')));
    h.start();
    const s = h.engine.snapshot();
    assert.equal(s.sgs[0]!.reductionLevel, 'II');
    assert.deepEqual(s.siAssignments.map((a) => `${a.si.split(',')[0]} ${a.su.split(',')[0]} ${a.haState}`), [
      'safSi=SI_1 safSu=SU_1 active', 'safSi=SI_1 safSu=SU_3 standby', 'safSi=SI_2 safSu=SU_2 active', 'safSi=SI_2 safSu=SU_4 standby',
    ]);
    // SI_1's three CSIs on SU_1: the two of types a_x/a_y to comp_a, the b one to comp_b.
    const onSu1 = s.csiAssignments.filter((a) => a.comp.includes('safSu=SU_1')).map((a) => `${a.comp.split(',')[0]} ${a.csi.split(',')[0]}`);
    assert.deepEqual(onSu1, [
      'safComp=comp_a_in_su_1 safCsi=csi_ax_in_si_1', 'safComp=comp_a_in_su_1 safCsi=csi_ay_in_si_1', 'safComp=comp_b_in_su_1 safCsi=csi_b_in_si_1',
    ]);
    const set = h.callbacks('csiSet', 'safComp=comp_a_in_su_1,safSu=SU_1,safSg=raid')[0]!;
    assert.deepEqual(set.descriptor.attributes, [{ name: 'good_health_limit', value: '0' }, { name: 'ax_attr2', value: 'ax1_val2' }]);
  });
});
