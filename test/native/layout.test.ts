// Layouts of the public structs of saAis.h/saAmf.h: sizeof, alignment and
// every member's offset as the C compiler reports them (native/test/layout.c)
// against what koffi computes for the same definitions written in
// TypeScript. koffi, not ffi-napi: ffi-napi/ref-napi do not build on Node 20
// (docs/c-api.md, "Why koffi").
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import koffi from 'koffi';
import type { TypeObject } from 'koffi';

type TypeSpec = string | TypeObject;
import { compileC, removeCompiled } from '../helpers/native.js';

type Def = Record<string, TypeSpec>;
const P = 'void *';
const ENUM = 'int'; // every enum of the headers has values in 1..27: int-sized

const SaNameT = koffi.struct('rf_layout_SaNameT', { length: 'uint16_t', value: koffi.array('uint8_t', 256, 'Array') });
const SaAmfCSIActiveDescriptorT = koffi.struct('rf_layout_SaAmfCSIActiveDescriptorT', { transitionDescriptor: ENUM, activeCompName: SaNameT });
const SaAmfCSIStandbyDescriptorT = koffi.struct('rf_layout_SaAmfCSIStandbyDescriptorT', { activeCompName: SaNameT, standbyRank: 'uint32_t' });
const SaAmfCSIStateDescriptorT = koffi.union('rf_layout_SaAmfCSIStateDescriptorT', {
  activeDescriptor: SaAmfCSIActiveDescriptorT, standbyDescriptor: SaAmfCSIStandbyDescriptorT,
});
const SaAmfCSIAttributeListT = koffi.struct('rf_layout_SaAmfCSIAttributeListT', { attr: P, number: 'uint32_t' });
const SaAmfProtectionGroupMemberT = koffi.struct('rf_layout_SaAmfProtectionGroupMemberT', { compName: SaNameT, haState: ENUM, rank: 'uint32_t' });

const DEFS: Record<string, Def | TypeObject> = {
  SaNameT,
  SaVersionT: { releaseCode: 'char', majorVersion: 'uint8_t', minorVersion: 'uint8_t' },
  SaAmfHealthcheckKeyT: { key: koffi.array('uint8_t', 32, 'Array'), keyLen: 'uint16_t' },
  SaAmfCSIActiveDescriptorT,
  SaAmfCSIStandbyDescriptorT,
  SaAmfCSIStateDescriptorT,
  SaAmfCSIAttributeT: { attrName: P, attrValue: P },
  SaAmfCSIAttributeListT,
  SaAmfCSIDescriptorT: { csiFlags: 'uint32_t', csiName: SaNameT, csiStateDescriptor: SaAmfCSIStateDescriptorT, csiAttr: SaAmfCSIAttributeListT },
  SaAmfProtectionGroupMemberT,
  SaAmfProtectionGroupNotificationT: { member: SaAmfProtectionGroupMemberT, change: ENUM },
  SaAmfProtectionGroupNotificationBufferT: { numberOfItems: 'uint32_t', notification: P },
  SaAmfCallbacksT: {
    saAmfHealthcheckCallback: P, saAmfComponentTerminateCallback: P, saAmfCSISetCallback: P, saAmfCSIRemoveCallback: P,
    saAmfProtectionGroupTrackCallback: P, saAmfProxiedComponentInstantiateCallback: P, saAmfProxiedComponentCleanupCallback: P,
  },
  SaTimeT: 'int64_t' as unknown as Def,
  SaAmfHandleT: 'uint64_t' as unknown as Def,
  SaInvocationT: 'uint64_t' as unknown as Def,
  SaAisErrorT: ENUM as unknown as Def,
  SaAmfHAStateT: ENUM as unknown as Def,
};

function typeOf(name: string, d: Def | TypeObject): TypeSpec {
  if (typeof d === 'string') return d;
  if (Object.getPrototypeOf(d) === Object.prototype) return koffi.struct(`rf_layout_${name}`, d as Def);
  return d as TypeObject;
}

interface CLayout { size: number; align: number; offsets: Record<string, number> }

describe('C struct layouts: the C compiler against koffi', function () {
  this.timeout(30000);
  let c: Record<string, CLayout>;
  before(() => {
    const bin = compileC('layout', ['native/test/layout.c']);
    c = JSON.parse(execFileSync(bin).toString()) as Record<string, CLayout>;
  });
  after(() => removeCompiled());

  it('the C program reports every struct defined here, and nothing else', () => {
    assert.deepEqual(Object.keys(c).sort(), Object.keys(DEFS).sort());
  });

  it('SaNameT is 258 bytes, 2-aligned; SaAmfHealthcheckKeyT 34 bytes (the wire and the specification agree)', () => {
    assert.equal(c['SaNameT']!.size, 258);
    assert.equal(c['SaNameT']!.align, 2);
    assert.equal(c['SaAmfHealthcheckKeyT']!.size, 34);
    assert.equal(c['SaVersionT']!.size, 3);
  });

  for (const [name, def] of Object.entries(DEFS)) {
    it(`${name}: sizeof, alignment and offsets`, () => {
      const t = typeOf(name, def);
      const want = c[name]!;
      assert.equal(koffi.sizeof(t), want.size, 'sizeof');
      assert.equal(koffi.alignof(t), want.align, 'alignment');
      const fields = typeof def === 'string' ? [] : Object.keys(want.offsets);
      if (typeof def !== 'string' && Object.getPrototypeOf(def) === Object.prototype) {
        assert.deepEqual(fields, Object.keys(def), 'members in the same order');
      }
      const isUnion = t === SaAmfCSIStateDescriptorT; // koffi's offsetof takes structs only; a union's members all start at 0
      for (const f of fields) assert.equal(isUnion ? 0 : koffi.offsetof(t, f), want.offsets[f], `offsetof(${name}, ${f})`);
    });
  }
});

// saClm.h, from its own program (native/test/clm_layout.c).
const SaClmNodeAddressT = koffi.struct('rf_layout_SaClmNodeAddressT', { family: ENUM, length: 'uint16_t', value: koffi.array('uint8_t', 64, 'Array') });
const SaClmClusterNodeT = koffi.struct('rf_layout_SaClmClusterNodeT', {
  nodeId: 'uint32_t', nodeAddress: SaClmNodeAddressT, nodeName: SaNameT, member: ENUM, bootTimestamp: 'int64_t', initialViewNumber: 'uint64_t',
});
const CLM_DEFS: Record<string, Def | TypeObject> = {
  SaClmNodeAddressT,
  SaClmClusterNodeT,
  SaClmClusterNotificationT: { clusterNode: SaClmClusterNodeT, clusterChange: ENUM },
  SaClmClusterNotificationBufferT: { viewNumber: 'uint64_t', numberOfItems: 'uint32_t', notification: P },
  SaClmCallbacksT: { saClmClusterNodeGetCallback: P, saClmClusterTrackCallback: P },
  SaClmHandleT: 'uint64_t' as unknown as Def,
  SaClmNodeIdT: 'uint32_t' as unknown as Def,
  SaClmClusterChangesT: ENUM as unknown as Def,
};

describe('C struct layouts of saClm.h: the C compiler against koffi', function () {
  this.timeout(30000);
  let c: Record<string, CLayout>;
  before(() => {
    const bin = compileC('clm_layout', ['native/test/clm_layout.c']);
    c = JSON.parse(execFileSync(bin).toString()) as Record<string, CLayout>;
  });
  after(() => removeCompiled());

  it('the C program reports every struct defined here, and nothing else', () => {
    assert.deepEqual(Object.keys(c).sort(), Object.keys(CLM_DEFS).sort());
  });

  it('SaClmClusterNodeT is 360 bytes with padding on LP64 (the wire record packs the same fields into 352)', () => {
    assert.equal(c['SaClmClusterNodeT']!.size, 360);
    assert.equal(c['SaClmClusterNodeT']!.offsets['bootTimestamp'], 344);
  });

  for (const [name, def] of Object.entries(CLM_DEFS)) {
    it(`${name}: sizeof, alignment and offsets`, () => {
      const t = typeOf(name, def);
      const want = c[name]!;
      assert.equal(koffi.sizeof(t), want.size, 'sizeof');
      assert.equal(koffi.alignof(t), want.align, 'alignment');
      const fields = typeof def === 'string' ? [] : Object.keys(want.offsets);
      if (typeof def !== 'string' && Object.getPrototypeOf(def) === Object.prototype) {
        assert.deepEqual(fields, Object.keys(def), 'members in the same order');
      }
      for (const f of fields) assert.equal(koffi.offsetof(t, f), want.offsets[f], `offsetof(${name}, ${f})`);
    });
  }
});
