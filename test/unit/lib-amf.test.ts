// lib-ais AMF API (lib-ais/amf.ts, lib-ais/amf-client.ts) against a real
// IpcServer in-process with a fake AMF service that records and answers.
import assert from 'node:assert/strict';
import {
  SA_AMF_CSI_ADD_ONE, SA_AMF_CSI_TARGET_ALL, SA_AMF_CSI_TARGET_ONE, SA_AMF_PM_ABNORMAL_END, SA_AMF_PM_NON_ZERO_EXIT,
  SA_AMF_PM_ZERO_EXIT, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, SaAisErrorT, SaAmfCSITransitionDescriptorT,
  SaAmfHAStateT, SaAmfHealthcheckInvocationT, SaAmfPmStopQualifierT, SaAmfProtectionGroupChangesT, SaAmfRecommendedRecoveryT,
  SaDispatchFlagsT, amfPendingCallbacks, saAmfComponentErrorClear, saAmfComponentErrorReport, saAmfComponentNameGet,
  saAmfComponentRegister, saAmfComponentUnregister, saAmfCSIQuiescingComplete, saAmfDispatch, saAmfFinalize, saAmfHAStateGet,
  saAmfHealthcheckConfirm, saAmfHealthcheckStart, saAmfHealthcheckStop, saAmfInitialize, saAmfPmStart, saAmfPmStop,
  saAmfProtectionGroupTrack, saAmfProtectionGroupTrackStop, saAmfResponse, saAmfSelectionObjectGet, saTimeNow,
  type SaAmfCallbacksT, type SaAmfCSIDescriptorT, type SaAmfHandleT, type SaAmfProtectionGroupNotificationBufferT, type SaVersionT,
} from '../../lib-ais/amf.js';
import { AmfClient, type CsiSetEvent } from '../../lib-ais/amf-client.js';
import {
  AisBadFlagsError, AisBadHandleError, AisError, AisInitError, AisInvalidParamError, AisLibraryError, AisNotExistError,
  AisTryAgainError, AisVersionError,
} from '../../lib-ais/errors.js';
import { AMF_CB, amfRig, type AmfRig } from './lib-amf-fake.js';

const B11 = (): SaVersionT => ({ releaseCode: 'B', majorVersion: 1, minorVersion: 1 });
const COMP = 'safComp=c1,safSu=SU_1,safSg=demo';
const CSI = 'safCsi=demo_csi,safSi=demo_si,safSg=demo';

/** Every callback, recording its arguments. */
function recordingCallbacks(): { cbs: Required<SaAmfCallbacksT>; got: Array<[string, ...unknown[]]> } {
  const got: Array<[string, ...unknown[]]> = [];
  return {
    got,
    cbs: {
      saAmfHealthcheckCallback: (...a) => { got.push(['healthcheck', ...a]); },
      saAmfComponentTerminateCallback: (...a) => { got.push(['terminate', ...a]); },
      saAmfCSISetCallback: (...a) => { got.push(['csiSet', ...a]); },
      saAmfCSIRemoveCallback: (...a) => { got.push(['csiRemove', ...a]); },
      saAmfProtectionGroupTrackCallback: (...a) => { got.push(['pgTrack', ...a]); },
    },
  };
}

async function waitPending(h: SaAmfHandleT, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (amfPendingCallbacks(h) < n) {
    if (Date.now() > deadline) throw new Error(`only ${amfPendingCallbacks(h)} of ${n} callbacks arrived`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function code(c: SaAisErrorT) {
  return (e: unknown) => e instanceof AisError && e.code === c;
}

describe('lib-ais AMF API (saAmf*)', function () {
  this.timeout(15000);
  let r: AmfRig;
  const handles: SaAmfHandleT[] = [];
  const savedName = process.env['SA_AMF_COMPONENT_NAME'];

  async function init(cbs: SaAmfCallbacksT | null = recordingCallbacks().cbs): Promise<SaAmfHandleT> {
    const h = await saAmfInitialize(cbs, B11(), { socketPath: r.socketPath });
    handles.push(h);
    return h;
  }

  beforeEach(async () => { r = await amfRig(); });
  afterEach(async () => {
    for (const h of handles.splice(0)) await saAmfFinalize(h).catch(() => {});
    await r.stop();
    if (savedName === undefined) delete process.env['SA_AMF_COMPONENT_NAME'];
    else process.env['SA_AMF_COMPONENT_NAME'] = savedName;
  });

  describe('saAmfInitialize', () => {
    it('accepts B.01.01 and lower minor or major versions, and writes the supported version back', async () => {
      for (const v of [B11(), { releaseCode: 'B', majorVersion: 1, minorVersion: 0 }, { releaseCode: 'B', majorVersion: 0, minorVersion: 9 }]) {
        const h = await saAmfInitialize(null, v, { socketPath: r.socketPath });
        assert.deepEqual(v, B11());
        assert.ok(h > 0 && Number.isSafeInteger(h));
        await saAmfFinalize(h);
      }
    });

    it('refuses another release code or a higher major version with ERR_VERSION, overwriting the version as C does', async () => {
      for (const v of [{ releaseCode: 'A', majorVersion: 1, minorVersion: 1 }, { releaseCode: 'B', majorVersion: 2, minorVersion: 0 }, { releaseCode: 'b', majorVersion: 1, minorVersion: 1 }]) {
        await assert.rejects(saAmfInitialize(null, v, { socketPath: r.socketPath }), (e: unknown) => e instanceof AisVersionError && e.code === SaAisErrorT.SA_AIS_ERR_VERSION);
        assert.deepEqual(v, B11());
      }
      assert.equal(r.server.connectionCount, 0, 'nothing was connected');
    });

    it('a missing version or a non-function callback is INVALID_PARAM', async () => {
      await assert.rejects(saAmfInitialize(null, null as unknown as SaVersionT, { socketPath: r.socketPath }), AisInvalidParamError);
      await assert.rejects(saAmfInitialize({ saAmfCSISetCallback: 3 } as unknown as SaAmfCallbacksT, B11(), { socketPath: r.socketPath }), AisInvalidParamError);
    });

    it('answers TRY_AGAIN when no executive listens', async () => {
      await assert.rejects(saAmfInitialize(null, B11(), { socketPath: r.socketPath + '.none' }), AisTryAgainError);
      await assert.rejects(saAmfInitialize(null, B11(), { runDir: r.dir + '/nowhere' }), code(SaAisErrorT.SA_AIS_ERR_TRY_AGAIN));
    });

    it('issues distinct handles and a selection object per handle', async () => {
      const a = await init();
      const b = await init();
      assert.notEqual(a, b);
      const fa = await saAmfSelectionObjectGet(a);
      const fb = await saAmfSelectionObjectGet(b);
      assert.ok(fa > 0 && fb > 0 && fa !== fb);
      assert.equal(r.fake.conns.length, 2);
    });
  });

  describe('requests: what each function sends, and what it returns', () => {
    it('register and unregister, with and without a proxy', async () => {
      const h = await init();
      await saAmfComponentRegister(h, COMP, null);
      await saAmfComponentRegister(h, COMP, 'safComp=proxy,safSu=SU_2,safSg=demo');
      await saAmfComponentUnregister(h, COMP);
      assert.deepEqual(r.fake.requests.map((q) => [q.name, q.msg]), [
        ['register', { comp: COMP, proxy: '' }],
        ['register', { comp: COMP, proxy: 'safComp=proxy,safSu=SU_2,safSg=demo' }],
        ['unregister', { comp: COMP, proxy: '' }],
      ]);
    });

    it('passive monitoring start and stop', async () => {
      const h = await init();
      await saAmfPmStart(h, COMP, 4242, -1, SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END, SaAmfRecommendedRecoveryT.SA_AMF_COMPONENT_FAILOVER);
      await saAmfPmStop(h, COMP, SaAmfPmStopQualifierT.SA_AMF_PM_PROC_AND_DESCENDENTS, 4242n, SA_AMF_PM_ZERO_EXIT);
      assert.deepEqual(r.fake.requests.map((q) => [q.name, q.msg]), [
        ['pmStart', { comp: COMP, pid: 4242n, depth: -1, errors: 6, recovery: 3 }],
        ['pmStop', { comp: COMP, qualifier: 2, pid: 4242n, errors: 1 }],
      ]);
    });

    it('healthcheck start, confirm and stop', async () => {
      const h = await init();
      await saAmfHealthcheckStart(h, COMP, 'key1', SaAmfHealthcheckInvocationT.SA_AMF_HEALTHCHECK_AMF_INVOKED, SaAmfRecommendedRecoveryT.SA_AMF_COMPONENT_RESTART);
      await saAmfHealthcheckStart(h, COMP, 'k'.repeat(32), SaAmfHealthcheckInvocationT.SA_AMF_HEALTHCHECK_COMPONENT_INVOKED, SaAmfRecommendedRecoveryT.SA_AMF_NODE_FAILOVER);
      await saAmfHealthcheckConfirm(h, COMP, 'key1', SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION);
      await saAmfHealthcheckStop(h, COMP, 'key1');
      assert.deepEqual(r.fake.requests.map((q) => [q.name, q.msg]), [
        ['healthcheckStart', { comp: COMP, key: 'key1', invocation: 1, recovery: 2 }],
        ['healthcheckStart', { comp: COMP, key: 'k'.repeat(32), invocation: 2, recovery: 5 }],
        ['healthcheckConfirm', { comp: COMP, key: 'key1', result: 21 }],
        ['healthcheckStop', { comp: COMP, key: 'key1' }],
      ]);
    });

    it('HA state get returns the state the executive answers', async () => {
      const h = await init();
      assert.equal(await saAmfHAStateGet(h, COMP, CSI), SaAmfHAStateT.SA_AMF_HA_ACTIVE);
      assert.deepEqual(r.fake.requests[0]?.msg, { comp: COMP, csi: CSI });
      r.fake.answers.set('haStateGet', { error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST });
      await assert.rejects(saAmfHAStateGet(h, COMP, CSI), AisNotExistError);
      r.fake.answers.set('haStateGet', { error: SaAisErrorT.SA_AIS_OK, body: Buffer.from([9, 0, 0, 0]) });
      await assert.rejects(saAmfHAStateGet(h, COMP, CSI), AisLibraryError, 'an HA state outside the enum');
      r.fake.answers.set('haStateGet', { error: SaAisErrorT.SA_AIS_OK, body: Buffer.alloc(2) });
      await assert.rejects(saAmfHAStateGet(h, COMP, CSI), AisLibraryError, 'a short body');
    });

    it('CSI quiescing complete and response carry the invocation as u64 and the error', async () => {
      const h = await init();
      await saAmfCSIQuiescingComplete(h, 17, SaAisErrorT.SA_AIS_OK);
      await saAmfResponse(h, 0, SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION);
      await saAmfResponse(h, Number.MAX_SAFE_INTEGER, SaAisErrorT.SA_AIS_OK);
      assert.deepEqual(r.fake.requests.map((q) => [q.name, q.msg]), [
        ['quiescingComplete', { invocation: 17n, error: 1 }],
        ['response', { invocation: 0n, error: 21 }],
        ['response', { invocation: BigInt(Number.MAX_SAFE_INTEGER), error: 1 }],
      ]);
    });

    it('protection group track: CURRENT returns the buffer, CHANGES_ONLY subscribes, stop', async () => {
      const h = await init();
      r.fake.pgMembers = [
        { comp: 'safComp=a,safSu=SU_1,safSg=demo', haState: 1, rank: 0, change: 1 },
        { comp: 'safComp=b,safSu=SU_2,safSg=demo', haState: 2, rank: 1, change: 1 },
      ];
      const buf = await saAmfProtectionGroupTrack(h, CSI, SA_TRACK_CURRENT);
      assert.deepEqual(buf, {
        numberOfItems: 2,
        notification: [
          { member: { compName: 'safComp=a,safSu=SU_1,safSg=demo', haState: SaAmfHAStateT.SA_AMF_HA_ACTIVE, rank: 0 }, change: SaAmfProtectionGroupChangesT.SA_AMF_PROTECTION_GROUP_NO_CHANGE },
          { member: { compName: 'safComp=b,safSu=SU_2,safSg=demo', haState: SaAmfHAStateT.SA_AMF_HA_STANDBY, rank: 1 }, change: SaAmfProtectionGroupChangesT.SA_AMF_PROTECTION_GROUP_NO_CHANGE },
        ],
      } satisfies SaAmfProtectionGroupNotificationBufferT);
      assert.equal(await saAmfProtectionGroupTrack(h, CSI, SA_TRACK_CHANGES_ONLY), undefined);
      assert.equal((await saAmfProtectionGroupTrack(h, CSI, SA_TRACK_CURRENT | SA_TRACK_CHANGES))?.numberOfItems, 2);
      await saAmfProtectionGroupTrackStop(h, CSI);
      assert.deepEqual(r.fake.requests.map((q) => [q.name, q.msg]), [
        ['pgTrack', { csi: CSI, flags: 1 }],
        ['pgTrack', { csi: CSI, flags: 4 }],
        ['pgTrack', { csi: CSI, flags: 3 }],
        ['pgTrackStop', { csi: CSI }],
      ]);
      r.fake.answers.set('pgTrackStop', { error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST });
      await assert.rejects(saAmfProtectionGroupTrackStop(h, CSI), AisNotExistError);
    });

    it('error report and clear', async () => {
      const h = await init();
      const t = saTimeNow();
      await saAmfComponentErrorReport(h, COMP, t, SaAmfRecommendedRecoveryT.SA_AMF_COMPONENT_RESTART, 99n);
      await saAmfComponentErrorReport(h, COMP, 0, SaAmfRecommendedRecoveryT.SA_AMF_NO_RECOMMENDATION);
      await saAmfComponentErrorClear(h, COMP, 7);
      assert.deepEqual(r.fake.requests.map((q) => [q.name, q.msg]), [
        ['errorReport', { comp: COMP, detectionTime: t, recovery: 2, ntfId: 99n }],
        ['errorReport', { comp: COMP, detectionTime: 0n, recovery: 1, ntfId: 0n }],
        ['errorClear', { comp: COMP, ntfId: 7n }],
      ]);
      assert.ok(t > 1_600_000_000_000_000_000n, 'SaTimeT is ns since the epoch');
    });

    it('rejects with the subclass of the code the executive answers', async () => {
      const h = await init();
      r.fake.answers.set('register', { error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST });
      await assert.rejects(saAmfComponentRegister(h, COMP), (e: unknown) => e instanceof AisNotExistError && e.code === SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
      r.fake.answers.set('healthcheckStart', { error: SaAisErrorT.SA_AIS_ERR_EXIST });
      await assert.rejects(
        saAmfHealthcheckStart(h, COMP, 'k', SaAmfHealthcheckInvocationT.SA_AMF_HEALTHCHECK_AMF_INVOKED, SaAmfRecommendedRecoveryT.SA_AMF_COMPONENT_RESTART),
        code(SaAisErrorT.SA_AIS_ERR_EXIST),
      );
      r.fake.answers.set('response', { error: SaAisErrorT.SA_AIS_ERR_TRY_AGAIN });
      await assert.rejects(saAmfResponse(h, 1, SaAisErrorT.SA_AIS_OK), AisTryAgainError);
    });

    it('pipelines concurrent requests on one handle', async () => {
      const h = await init();
      await Promise.all(Array.from({ length: 50 }, (_, i) => saAmfResponse(h, i, SaAisErrorT.SA_AIS_OK)));
      assert.deepEqual(r.fake.named('response').map((q) => q.msg['invocation']), Array.from({ length: 50 }, (_, i) => BigInt(i)));
    });
  });

  describe('parameter checks in the library (nothing is sent)', () => {
    it('names: missing, empty, or longer than 256 bytes are INVALID_PARAM', async () => {
      const h = await init();
      const long = 'x'.repeat(257);
      const longUtf8 = 'é'.repeat(129); // 258 bytes in 129 characters
      for (const bad of [undefined, null, '', long, longUtf8, 42]) {
        const n = bad as unknown as string;
        await assert.rejects(saAmfComponentRegister(h, n), AisInvalidParamError, `register ${String(bad)}`);
        await assert.rejects(saAmfComponentUnregister(h, n), AisInvalidParamError);
        await assert.rejects(saAmfHAStateGet(h, COMP, n), AisInvalidParamError);
        await assert.rejects(saAmfHAStateGet(h, n, CSI), AisInvalidParamError);
        await assert.rejects(saAmfProtectionGroupTrack(h, n, SA_TRACK_CURRENT), AisInvalidParamError);
        await assert.rejects(saAmfProtectionGroupTrackStop(h, n), AisInvalidParamError);
        await assert.rejects(saAmfComponentErrorReport(h, n, 0, SaAmfRecommendedRecoveryT.SA_AMF_COMPONENT_RESTART), AisInvalidParamError);
        await assert.rejects(saAmfComponentErrorClear(h, n), AisInvalidParamError);
        await assert.rejects(saAmfHealthcheckStop(h, n, 'k'), AisInvalidParamError);
        await assert.rejects(saAmfPmStart(h, n, 1, 0, 1, 1), AisInvalidParamError);
      }
      await assert.rejects(saAmfComponentRegister(h, COMP, ''), AisInvalidParamError, 'an empty proxy name (null means none)');
      await saAmfComponentRegister(h, 'x'.repeat(256)); // exactly 256 bytes is fine
      assert.equal(r.fake.requests.length, 1);
    });

    it('healthcheck keys: empty or longer than 32 bytes are INVALID_PARAM', async () => {
      const h = await init();
      for (const bad of ['', 'k'.repeat(33), 'ü'.repeat(17), undefined]) {
        const k = bad as unknown as string;
        await assert.rejects(saAmfHealthcheckStart(h, COMP, k, 1, 2), AisInvalidParamError);
        await assert.rejects(saAmfHealthcheckConfirm(h, COMP, k, SaAisErrorT.SA_AIS_OK), AisInvalidParamError);
        await assert.rejects(saAmfHealthcheckStop(h, COMP, k), AisInvalidParamError);
      }
      assert.equal(r.fake.requests.length, 0);
    });

    it('enumerations, invocations, pids and flags out of range are INVALID_PARAM; bad track flags are BAD_FLAGS', async () => {
      const h = await init();
      const E = SaAisErrorT.SA_AIS_OK;
      const bad: Array<[string, () => Promise<unknown>, new (...a: never[]) => AisError]> = [
        ['hc invocation 0', () => saAmfHealthcheckStart(h, COMP, 'k', 0 as SaAmfHealthcheckInvocationT, 2), AisInvalidParamError],
        ['hc invocation 3', () => saAmfHealthcheckStart(h, COMP, 'k', 3 as SaAmfHealthcheckInvocationT, 2), AisInvalidParamError],
        ['recovery 0', () => saAmfHealthcheckStart(h, COMP, 'k', 1, 0 as SaAmfRecommendedRecoveryT), AisInvalidParamError],
        ['recovery 9', () => saAmfComponentErrorReport(h, COMP, 0, 9 as SaAmfRecommendedRecoveryT), AisInvalidParamError],
        ['recovery 2.5', () => saAmfPmStart(h, COMP, 1, 0, 1, 2.5 as SaAmfRecommendedRecoveryT), AisInvalidParamError],
        ['confirm result 0', () => saAmfHealthcheckConfirm(h, COMP, 'k', 0 as SaAisErrorT), AisInvalidParamError],
        ['confirm result 28', () => saAmfHealthcheckConfirm(h, COMP, 'k', 28 as SaAisErrorT), AisInvalidParamError],
        ['response error 0', () => saAmfResponse(h, 1, 0 as SaAisErrorT), AisInvalidParamError],
        ['response invocation -1', () => saAmfResponse(h, -1, E), AisInvalidParamError],
        ['response invocation 1.5', () => saAmfResponse(h, 1.5, E), AisInvalidParamError],
        ['response invocation 2^53', () => saAmfResponse(h, 2 ** 53, E), AisInvalidParamError],
        ['quiescing invocation NaN', () => saAmfCSIQuiescingComplete(h, NaN, E), AisInvalidParamError],
        ['quiescing error 99', () => saAmfCSIQuiescingComplete(h, 1, 99 as SaAisErrorT), AisInvalidParamError],
        ['pm pid 0', () => saAmfPmStart(h, COMP, 0, 0, 1, 2), AisInvalidParamError],
        ['pm depth -2', () => saAmfPmStart(h, COMP, 1, -2, 1, 2), AisInvalidParamError],
        ['pm errors 0', () => saAmfPmStart(h, COMP, 1, 0, 0, 2), AisInvalidParamError],
        ['pm errors 8', () => saAmfPmStart(h, COMP, 1, 0, 8, 2), AisInvalidParamError],
        ['pm stop qualifier 4', () => saAmfPmStop(h, COMP, 4 as SaAmfPmStopQualifierT, 1, 1), AisInvalidParamError],
        ['pm stop errors 0', () => saAmfPmStop(h, COMP, 1, 1, 0), AisInvalidParamError],
        ['error report time 1.5', () => saAmfComponentErrorReport(h, COMP, 1.5, 2), AisInvalidParamError],
        ['error report ntf -1', () => saAmfComponentErrorReport(h, COMP, 0, 2, -1n), AisInvalidParamError],
        ['error clear ntf 2^64', () => saAmfComponentErrorClear(h, COMP, 2n ** 64n), AisInvalidParamError],
        ['track flags 0', () => saAmfProtectionGroupTrack(h, CSI, 0), AisBadFlagsError],
        ['track flags 8', () => saAmfProtectionGroupTrack(h, CSI, 8), AisBadFlagsError],
        ['track flags CHANGES|CHANGES_ONLY', () => saAmfProtectionGroupTrack(h, CSI, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY), AisBadFlagsError],
        ['dispatch flags 0', () => saAmfDispatch(h, 0 as SaDispatchFlagsT), AisInvalidParamError],
        ['dispatch flags 4', () => saAmfDispatch(h, 4 as SaDispatchFlagsT), AisInvalidParamError],
      ];
      for (const [what, f, cls] of bad) await assert.rejects(f(), cls, what);
      assert.equal(r.fake.requests.length, 0);
    });

    it('parameters are checked before the handle, as in C', async () => {
      await assert.rejects(saAmfComponentRegister(12345, ''), AisInvalidParamError);
      await assert.rejects(saAmfDispatch(12345, 9 as SaDispatchFlagsT), AisInvalidParamError);
      await assert.rejects(saAmfProtectionGroupTrack(12345, CSI, 0), AisBadFlagsError);
      await assert.rejects(saAmfComponentRegister(12345, COMP), AisBadHandleError);
    });

    it('INIT when a callback the call needs was not given at initialize', async () => {
      const h = await init({ saAmfCSISetCallback: () => {}, saAmfCSIRemoveCallback: () => {} });
      await assert.rejects(saAmfComponentRegister(h, COMP), (e: unknown) => e instanceof AisInitError && /saAmfComponentTerminateCallback/.test(e.message));
      await assert.rejects(saAmfHealthcheckStart(h, COMP, 'k', SaAmfHealthcheckInvocationT.SA_AMF_HEALTHCHECK_AMF_INVOKED, 2), AisInitError);
      await assert.rejects(saAmfProtectionGroupTrack(h, CSI, SA_TRACK_CHANGES), AisInitError);
      await assert.rejects(saAmfProtectionGroupTrack(h, CSI, SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY), AisInitError);
      assert.equal(r.fake.requests.length, 0);
      // What needs no callback goes through.
      await saAmfHealthcheckStart(h, COMP, 'k', SaAmfHealthcheckInvocationT.SA_AMF_HEALTHCHECK_COMPONENT_INVOKED, 2);
      await saAmfProtectionGroupTrack(h, CSI, SA_TRACK_CURRENT);
      assert.deepEqual(r.fake.requests.map((q) => q.name), ['healthcheckStart', 'pgTrack']);
    });
  });

  describe('handles', () => {
    it('every function answers BAD_HANDLE for a handle never issued, and after finalize', async () => {
      const h = await init();
      process.env['SA_AMF_COMPONENT_NAME'] = COMP;
      for (const handle of [0, 12345, h, -1, 1.5, undefined as unknown as number]) {
        if (handle === h) await saAmfFinalize(h);
        const calls: Array<() => Promise<unknown>> = [
          () => saAmfSelectionObjectGet(handle),
          () => saAmfDispatch(handle, SaDispatchFlagsT.SA_DISPATCH_ALL),
          () => saAmfFinalize(handle),
          () => saAmfComponentRegister(handle, COMP),
          () => saAmfComponentUnregister(handle, COMP),
          () => saAmfComponentNameGet(handle),
          () => saAmfPmStart(handle, COMP, 1, 0, 1, 2),
          () => saAmfPmStop(handle, COMP, 1, 1, 1),
          () => saAmfHealthcheckStart(handle, COMP, 'k', 1, 2),
          () => saAmfHealthcheckConfirm(handle, COMP, 'k', SaAisErrorT.SA_AIS_OK),
          () => saAmfHealthcheckStop(handle, COMP, 'k'),
          () => saAmfHAStateGet(handle, COMP, CSI),
          () => saAmfCSIQuiescingComplete(handle, 1, SaAisErrorT.SA_AIS_OK),
          () => saAmfProtectionGroupTrack(handle, CSI, SA_TRACK_CURRENT),
          () => saAmfProtectionGroupTrackStop(handle, CSI),
          () => saAmfComponentErrorReport(handle, COMP, 0, 2),
          () => saAmfComponentErrorClear(handle, COMP),
          () => saAmfResponse(handle, 1, SaAisErrorT.SA_AIS_OK),
        ];
        for (const [i, f] of calls.entries()) {
          await assert.rejects(f(), (e: unknown) => e instanceof AisBadHandleError && e.code === SaAisErrorT.SA_AIS_ERR_BAD_HANDLE, `call ${i} on ${handle}`);
        }
      }
      assert.equal(r.fake.requests.length, 0);
    });

    it('finalize closes the connection; a request in flight rejects BAD_HANDLE', async () => {
      const h = await init();
      r.fake.hold.add('register');
      const pending = saAmfComponentRegister(h, COMP);
      await r.fake.next('register');
      await saAmfFinalize(h);
      await assert.rejects(pending, AisBadHandleError);
      await r.fake.until(() => r.fake.conns.length === 0, 5000, 'the executive to see the close');
    });

    it('a lost connection makes later calls fail with ERR_LIBRARY, and a blocking dispatch reject with it', async () => {
      const h = await init();
      const blocking = saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_BLOCKING).then(() => 'resolved', (e: unknown) => e);
      await r.stop();
      const e = await blocking;
      assert.ok(e instanceof AisLibraryError, String(e));
      await assert.rejects(saAmfComponentRegister(h, COMP), AisLibraryError);
      await assert.rejects(saAmfSelectionObjectGet(h), AisLibraryError);
      await assert.rejects(saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ONE), AisLibraryError);
      await saAmfFinalize(h); // the handle can still be finalized
      await assert.rejects(saAmfFinalize(h), AisBadHandleError);
    });
  });

  describe('saAmfComponentNameGet', () => {
    it('reads SA_AMF_COMPONENT_NAME; NOT_EXIST when it is unset, empty or too long', async () => {
      const h = await init();
      process.env['SA_AMF_COMPONENT_NAME'] = COMP;
      assert.equal(await saAmfComponentNameGet(h), COMP);
      delete process.env['SA_AMF_COMPONENT_NAME'];
      await assert.rejects(saAmfComponentNameGet(h), (e: unknown) => e instanceof AisNotExistError && e.code === SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
      process.env['SA_AMF_COMPONENT_NAME'] = '';
      await assert.rejects(saAmfComponentNameGet(h), AisNotExistError);
      process.env['SA_AMF_COMPONENT_NAME'] = 'n'.repeat(257);
      await assert.rejects(saAmfComponentNameGet(h), AisNotExistError);
      assert.equal(r.fake.requests.length, 0, 'local: nothing is sent');
    });
  });

  describe('callbacks and dispatch', () => {
    it('decodes all five callbacks into the saAmf.h structures', async () => {
      const { cbs, got } = recordingCallbacks();
      const h = await init(cbs);
      r.fake.push(AMF_CB.healthcheck, { invocation: 11n, comp: COMP, key: 'default' });
      r.fake.push(AMF_CB.terminate, { invocation: 12n, comp: COMP });
      r.fake.push(AMF_CB.csiSet, {
        invocation: 13n, comp: COMP, haState: 1, flags: SA_AMF_CSI_ADD_ONE, csi: CSI, transition: 1, activeComp: '', standbyRank: 0,
        attrs: [{ name: 'greeting', value: 'hello from Ringfort' }, { name: 'good_health_limit', value: '0' }],
      });
      r.fake.push(AMF_CB.csiSet, {
        invocation: 14n, comp: COMP, haState: 2, flags: SA_AMF_CSI_TARGET_ONE, csi: CSI, transition: 0,
        activeComp: 'safComp=c2,safSu=SU_2,safSg=demo', standbyRank: 3, attrs: [],
      });
      r.fake.push(AMF_CB.csiSet, {
        invocation: 15n, comp: COMP, haState: 3, flags: SA_AMF_CSI_TARGET_ALL, csi: '', transition: 0, activeComp: '', standbyRank: 0, attrs: [],
      });
      r.fake.push(AMF_CB.csiRemove, { invocation: 16n, comp: COMP, csi: CSI, flags: SA_AMF_CSI_TARGET_ONE });
      r.fake.push(AMF_CB.pgTrack, {
        csi: CSI, numberOfMembers: 2, error: 1,
        items: [{ comp: 'safComp=c2,safSu=SU_2,safSg=demo', haState: 2, rank: 1, change: 2 }],
      });
      await waitPending(h, 7);
      await saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ALL);
      const active: SaAmfCSIDescriptorT = {
        csiFlags: SA_AMF_CSI_ADD_ONE, csiName: CSI,
        csiStateDescriptor: {
          activeDescriptor: { transitionDescriptor: SaAmfCSITransitionDescriptorT.SA_AMF_CSI_NEW_ASSIGN, activeCompName: '' },
          standbyDescriptor: { activeCompName: '', standbyRank: 0 },
        },
        csiAttr: [{ attrName: 'greeting', attrValue: 'hello from Ringfort' }, { attrName: 'good_health_limit', attrValue: '0' }],
      };
      const standby: SaAmfCSIDescriptorT = {
        csiFlags: SA_AMF_CSI_TARGET_ONE, csiName: CSI,
        csiStateDescriptor: {
          activeDescriptor: { transitionDescriptor: 0, activeCompName: '' },
          standbyDescriptor: { activeCompName: 'safComp=c2,safSu=SU_2,safSg=demo', standbyRank: 3 },
        },
        csiAttr: [],
      };
      const quiesced: SaAmfCSIDescriptorT = {
        csiFlags: SA_AMF_CSI_TARGET_ALL, csiName: '',
        csiStateDescriptor: { activeDescriptor: { transitionDescriptor: 0, activeCompName: '' }, standbyDescriptor: { activeCompName: '', standbyRank: 0 } },
        csiAttr: [],
      };
      assert.deepEqual(got, [
        ['healthcheck', 11, COMP, 'default'],
        ['terminate', 12, COMP],
        ['csiSet', 13, COMP, SaAmfHAStateT.SA_AMF_HA_ACTIVE, active],
        ['csiSet', 14, COMP, SaAmfHAStateT.SA_AMF_HA_STANDBY, standby],
        ['csiSet', 15, COMP, SaAmfHAStateT.SA_AMF_HA_QUIESCED, quiesced],
        ['csiRemove', 16, COMP, CSI, SA_AMF_CSI_TARGET_ONE],
        ['pgTrack', CSI, {
          numberOfItems: 1,
          notification: [{ member: { compName: 'safComp=c2,safSu=SU_2,safSg=demo', haState: SaAmfHAStateT.SA_AMF_HA_STANDBY, rank: 1 }, change: SaAmfProtectionGroupChangesT.SA_AMF_PROTECTION_GROUP_ADDED }],
        }, 2, SaAisErrorT.SA_AIS_OK],
      ]);
      assert.equal(amfPendingCallbacks(h), 0);
    });

    it('ONE runs one waiting callback, ALL runs what waits now, and both return OK with nothing waiting', async () => {
      const { cbs, got } = recordingCallbacks();
      const h = await init(cbs);
      await saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ONE);
      await saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ALL);
      for (let i = 1; i <= 4; i++) r.fake.push(AMF_CB.healthcheck, { invocation: BigInt(i), comp: COMP, key: 'k' });
      await waitPending(h, 4);
      await saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ONE);
      assert.deepEqual(got.map((g) => g[1]), [1]);
      assert.equal(amfPendingCallbacks(h), 3);
      await saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ALL);
      assert.deepEqual(got.map((g) => g[1]), [1, 2, 3, 4]);
    });

    it('BLOCKING runs callbacks as they come, awaits an async callback, and returns when the handle is finalized', async () => {
      const order: string[] = [];
      let h = 0;
      h = await init({
        saAmfHealthcheckCallback: async (inv) => {
          order.push(`start ${inv}`);
          await new Promise((res) => setTimeout(res, 20));
          order.push(`end ${inv}`);
          await saAmfResponse(h, inv, SaAisErrorT.SA_AIS_OK);
          order.push(`answered ${inv}`);
        },
      });
      const blocking = saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_BLOCKING);
      r.fake.push(AMF_CB.healthcheck, { invocation: 1n, comp: COMP, key: 'k' });
      r.fake.push(AMF_CB.healthcheck, { invocation: 2n, comp: COMP, key: 'k' });
      await r.fake.until(() => order.length === 6, 5000, 'two answered callbacks');
      assert.deepEqual(order, ['start 1', 'end 1', 'answered 1', 'start 2', 'end 2', 'answered 2']);
      await saAmfFinalize(h);
      assert.equal(await blocking, undefined);
    });

    it('a callback may finalize its own handle: the blocking dispatch then returns', async () => {
      let h = 0;
      h = await init({ saAmfComponentTerminateCallback: async (inv) => { await saAmfResponse(h, inv, SaAisErrorT.SA_AIS_OK); await saAmfFinalize(h); } });
      const blocking = saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_BLOCKING);
      r.fake.push(AMF_CB.terminate, { invocation: 5n, comp: COMP });
      await blocking;
      assert.deepEqual(r.fake.named('response').map((q) => q.msg), [{ invocation: 5n, error: 1 }]);
    });

    it('a callback the application did not give is skipped', async () => {
      const got: number[] = [];
      const h = await init({ saAmfCSIRemoveCallback: (inv) => { got.push(inv); } });
      r.fake.push(AMF_CB.healthcheck, { invocation: 1n, comp: COMP, key: 'k' });
      r.fake.push(AMF_CB.csiRemove, { invocation: 2n, comp: COMP, csi: CSI, flags: SA_AMF_CSI_TARGET_ONE });
      await waitPending(h, 2);
      await saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ALL);
      assert.deepEqual(got, [2]);
    });

    it('an exception from the application callback propagates out of dispatch unchanged', async () => {
      const boom = new Error('application bug');
      const h = await init({ saAmfHealthcheckCallback: () => { throw boom; } });
      r.fake.push(AMF_CB.healthcheck, { invocation: 1n, comp: COMP, key: 'k' });
      await waitPending(h, 1);
      await assert.rejects(saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ONE), (e: unknown) => e === boom);
    });

    it('an unknown callback id, a malformed body, bad enum values or an invocation beyond 2^53 are ERR_LIBRARY', async () => {
      const { cbs, got } = recordingCallbacks();
      const h = await init(cbs);
      const csiSet = (o: Partial<{ haState: number; transition: number }>) => ({
        invocation: 1n, comp: COMP, haState: 1, flags: 1, csi: CSI, transition: 1, activeComp: '', standbyRank: 0, attrs: [], ...o,
      });
      const frames: Array<() => void> = [
        () => r.fake.pushRaw(0x00028077, Buffer.alloc(0)),
        () => r.fake.pushRaw(AMF_CB.healthcheck.id, Buffer.alloc(10)),
        () => r.fake.push(AMF_CB.csiSet, csiSet({ haState: 7 })),
        () => r.fake.push(AMF_CB.csiSet, csiSet({ transition: 9 })),
        () => r.fake.push(AMF_CB.healthcheck, { invocation: 2n ** 53n + 1n, comp: COMP, key: 'k' }),
        () => r.fake.push(AMF_CB.pgTrack, { csi: CSI, numberOfMembers: 1, error: 1, items: [{ comp: 'x', haState: 1, rank: 0, change: 5 }] }),
        () => r.fake.pushRaw(AMF_CB.terminate.id, Buffer.alloc(266), SaAisErrorT.SA_AIS_ERR_LIBRARY),
      ];
      for (const push of frames) {
        push();
        await waitPending(h, 1);
        await assert.rejects(saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ONE), AisLibraryError);
      }
      assert.equal(got.length, 0);
      // The handle still works afterwards.
      r.fake.push(AMF_CB.healthcheck, { invocation: 2n ** 53n - 1n, comp: COMP, key: 'k' });
      await waitPending(h, 1);
      await saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ONE);
      assert.deepEqual(got, [['healthcheck', Number.MAX_SAFE_INTEGER, COMP, 'k']]);
    });

    it('callbacks are copied at initialize, as C copies SaAmfCallbacksT', async () => {
      const got: string[] = [];
      const cbs: SaAmfCallbacksT = { saAmfHealthcheckCallback: () => { got.push('original'); } };
      const h = await init(cbs);
      cbs.saAmfHealthcheckCallback = () => { got.push('replaced'); };
      r.fake.push(AMF_CB.healthcheck, { invocation: 1n, comp: COMP, key: 'k' });
      await waitPending(h, 1);
      await saAmfDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ONE);
      assert.deepEqual(got, ['original']);
    });
  });
});

describe('lib-ais AMF idiomatic face (AmfClient)', function () {
  this.timeout(15000);
  let r: AmfRig;
  let client: AmfClient | undefined;
  const savedName = process.env['SA_AMF_COMPONENT_NAME'];

  beforeEach(async () => {
    r = await amfRig();
    process.env['SA_AMF_COMPONENT_NAME'] = COMP;
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await r.stop();
    if (savedName === undefined) delete process.env['SA_AMF_COMPONENT_NAME'];
    else process.env['SA_AMF_COMPONENT_NAME'] = savedName;
  });

  it('registers under its own name, starts a healthcheck, and answers a CSI set automatically', async () => {
    client = await AmfClient.open({ socketPath: r.socketPath });
    const sets: CsiSetEvent[] = [];
    client.on('csiSet', async (e) => {
      await new Promise((res) => setTimeout(res, 10));
      sets.push(e);
    });
    const running = client.run();
    assert.equal(await client.register(), COMP);
    await client.startHealthcheck('default');
    await client.startHealthcheck('other', 'componentInvoked', 'componentFailover');
    await client.confirm();
    r.fake.push(AMF_CB.csiSet, {
      invocation: 40n, comp: COMP, haState: 1, flags: SA_AMF_CSI_ADD_ONE, csi: CSI, transition: 1, activeComp: '', standbyRank: 0,
      attrs: [{ name: 'greeting', value: 'hello' }],
    });
    const resp = await r.fake.next('response');
    assert.deepEqual(resp.msg, { invocation: 40n, error: SaAisErrorT.SA_AIS_OK });
    assert.equal(sets.length, 1, 'answered after the handler settled');
    assert.equal(sets[0]?.haState, SaAmfHAStateT.SA_AMF_HA_ACTIVE);
    assert.equal(sets[0]?.csiName, CSI);
    assert.deepEqual(sets[0]?.attributes, { greeting: 'hello' });
    assert.deepEqual(r.fake.requests.filter((q) => q.name !== 'response').map((q) => [q.name, q.msg]), [
      ['register', { comp: COMP, proxy: '' }],
      ['healthcheckStart', { comp: COMP, key: 'default', invocation: 1, recovery: 2 }],
      ['healthcheckStart', { comp: COMP, key: 'other', invocation: 2, recovery: 3 }],
      ['healthcheckConfirm', { comp: COMP, key: 'other', result: 1 }],
    ]);
    await client.close();
    assert.equal(await running, 'closed');
  });

  it('answers with the code of an AisError a handler throws, FAILED_OPERATION for another exception, OK with no handler', async () => {
    client = await AmfClient.open({ socketPath: r.socketPath });
    client.on('csiRemove', () => { throw new AisNotExistError('no such CSI here'); });
    client.on('csiSet', async () => { throw new Error('cannot'); });
    const running = client.run();
    r.fake.push(AMF_CB.csiRemove, { invocation: 1n, comp: COMP, csi: CSI, flags: SA_AMF_CSI_TARGET_ONE });
    r.fake.push(AMF_CB.csiSet, { invocation: 2n, comp: COMP, haState: 2, flags: 1, csi: CSI, transition: 0, activeComp: 'a', standbyRank: 1, attrs: [] });
    r.fake.push(AMF_CB.healthcheck, { invocation: 3n, comp: COMP, key: 'default' });
    await r.fake.until(() => r.fake.named('response').length === 3, 5000, 'three responses');
    const byInv = new Map(r.fake.named('response').map((q) => [q.msg['invocation'], q.msg['error']]));
    assert.equal(byInv.get(1n), SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    assert.equal(byInv.get(2n), SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION);
    assert.equal(byInv.get(3n), SaAisErrorT.SA_AIS_OK);
    await client.close();
    await running;
  });

  it('a slow handler does not hold up the answers to later callbacks', async () => {
    client = await AmfClient.open({ socketPath: r.socketPath });
    let release!: () => void;
    client.on('csiSet', () => new Promise<void>((res) => { release = res; }));
    const running = client.run();
    r.fake.push(AMF_CB.csiSet, { invocation: 1n, comp: COMP, haState: 1, flags: 1, csi: CSI, transition: 1, activeComp: '', standbyRank: 0, attrs: [] });
    r.fake.push(AMF_CB.healthcheck, { invocation: 2n, comp: COMP, key: 'default' });
    await r.fake.until(() => r.fake.named('response').length === 1, 5000, 'the healthcheck answer');
    assert.equal(r.fake.named('response')[0]?.msg['invocation'], 2n);
    release();
    await r.fake.until(() => r.fake.named('response').length === 2, 5000, 'the CSI set answer');
    await client.close();
    await running;
  });

  it('answers terminate, then closes: run() resolves "terminated"', async () => {
    client = await AmfClient.open({ socketPath: r.socketPath });
    const seen: number[] = [];
    client.once('terminate', async (e) => { seen.push(e.invocation); });
    const running = client.run();
    r.fake.push(AMF_CB.terminate, { invocation: 9n, comp: COMP });
    assert.equal(await running, 'terminated');
    assert.deepEqual(seen, [9]);
    assert.deepEqual(r.fake.named('response').map((q) => q.msg), [{ invocation: 9n, error: 1 }]);
    assert.equal(client.isClosed, true);
    await r.fake.until(() => r.fake.conns.length === 0, 5000, 'the connection to close');
  });

  it('quiescing: the CSI set event can report quiescing complete with its invocation', async () => {
    client = await AmfClient.open({ socketPath: r.socketPath });
    client.on('csiSet', (e) => {
      if (e.haState === SaAmfHAStateT.SA_AMF_HA_QUIESCING) setTimeout(() => void e.quiescingComplete(), 5);
    });
    const running = client.run();
    r.fake.push(AMF_CB.csiSet, { invocation: 21n, comp: COMP, haState: 4, flags: SA_AMF_CSI_TARGET_ALL, csi: '', transition: 0, activeComp: '', standbyRank: 0, attrs: [] });
    const q = await r.fake.next('quiescingComplete');
    assert.deepEqual(q.msg, { invocation: 21n, error: 1 });
    assert.deepEqual(r.fake.named('response').map((x) => x.msg), [{ invocation: 21n, error: 1 }]);
    await client.close();
    await running;
  });

  it('error report, clear, HA state, protection group tracking and its event', async () => {
    client = await AmfClient.open({ socketPath: r.socketPath });
    const events: unknown[] = [];
    client.on('protectionGroup', (e) => { events.push(e); });
    const running = client.run();
    await client.reportError('componentFailover', { ntfId: 5n, detectionTime: 123n });
    await client.clearError();
    assert.equal(await client.haState(CSI), SaAmfHAStateT.SA_AMF_HA_ACTIVE);
    r.fake.pgMembers = [{ comp: COMP, haState: 1, rank: 0, change: 1 }];
    assert.equal((await client.trackProtectionGroup(CSI))?.numberOfItems, 1);
    await client.stopTrackingProtectionGroup(CSI);
    r.fake.push(AMF_CB.pgTrack, { csi: CSI, numberOfMembers: 1, error: 1, items: [{ comp: COMP, haState: 3, rank: 0, change: 4 }] });
    await r.fake.until(() => events.length === 1, 5000, 'the protection group event');
    assert.deepEqual(r.fake.requests.map((q) => [q.name, q.msg]), [
      ['errorReport', { comp: COMP, detectionTime: 123n, recovery: 3, ntfId: 5n }],
      ['errorClear', { comp: COMP, ntfId: 0n }],
      ['haStateGet', { comp: COMP, csi: CSI }],
      ['pgTrack', { csi: CSI, flags: SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY }],
      ['pgTrackStop', { csi: CSI }],
    ]);
    assert.equal((events[0] as { notificationBuffer: SaAmfProtectionGroupNotificationBufferT }).notificationBuffer.notification[0]?.change, SaAmfProtectionGroupChangesT.SA_AMF_PROTECTION_GROUP_STATE_CHANGE);
    await client.close();
    await running;
  });

  it('errors keep their codes through the face, and run() rejects ERR_LIBRARY when the executive goes away', async () => {
    client = await AmfClient.open({ socketPath: r.socketPath });
    r.fake.answers.set('register', { error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST });
    await assert.rejects(client.register(), AisNotExistError);
    await assert.rejects(client.startHealthcheck('k'.repeat(40)), AisInvalidParamError);
    await assert.rejects(client.reportError('nonsense' as 'componentRestart'), AisInvalidParamError);
    const running = client.run();
    await r.stop();
    await assert.rejects(running, AisLibraryError);
  });

  it('open() passes version negotiation and TRY_AGAIN through', async () => {
    const v = { releaseCode: 'C', majorVersion: 1, minorVersion: 1 };
    await assert.rejects(AmfClient.open({ socketPath: r.socketPath, version: v }), AisVersionError);
    assert.equal(v.releaseCode, 'B');
    await assert.rejects(AmfClient.open({ socketPath: r.socketPath + '.none' }), AisTryAgainError);
  });

  it('name() is NOT_EXIST outside the AMF', async () => {
    delete process.env['SA_AMF_COMPONENT_NAME'];
    client = await AmfClient.open({ socketPath: r.socketPath });
    await assert.rejects(client.name(), AisNotExistError);
    await assert.rejects(client.register(), AisNotExistError);
    assert.equal(r.fake.requests.length, 0);
  });
});
