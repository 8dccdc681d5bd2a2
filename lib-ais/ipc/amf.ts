// AMF (service 2) messages: ids and fixed-layout bodies (docs/ipc-protocol.md, "AMF").
// One schema per message drives both encoding and decoding, so the layout is
// written down once; the C library follows the same tables.
import { BodyError, BodyReader, BodyWriter } from './codec.js';
import { messageId, ServiceId } from './ids.js';

export type FieldType = 'u32' | 'i32' | 'u64' | 'i64' | 'name' | 'hckey' | 'attrs' | 'pgitems';

export interface WireAttr { name: string; value: string }
export interface WirePgItem { comp: string; haState: number; rank: number; change: number }

type FieldValue<T extends FieldType> =
  T extends 'u32' | 'i32' ? number :
  T extends 'u64' | 'i64' ? bigint :
  T extends 'name' | 'hckey' ? string :
  T extends 'attrs' ? WireAttr[] :
  T extends 'pgitems' ? WirePgItem[] : never;

type Fields = readonly (readonly [string, FieldType])[];
export type MessageOf<F extends Fields> = { [K in F[number] as K[0]]: FieldValue<K[1]> };

export interface MessageDef<F extends Fields = Fields> {
  readonly name: string;
  readonly id: number;
  readonly fields: F;
}

function def<const F extends Fields>(name: string, fn: number, fields: F): MessageDef<F> {
  return { name, id: messageId(ServiceId.AMF, fn), fields };
}

/** Healthcheck key on the wire: u16 length then 32 bytes (SaAmfHealthcheckKeyT has key[32] then keyLen). */
export const HCKEY_BYTES = 34;
export const HEALTHCHECK_KEY_MAX = 32;

// Requests (function ids follow openais' ipc_amf.h) and their response bodies.
export const AMF_REQ = {
  register: def('ReqLibAmfComponentRegister', 0, [['comp', 'name'], ['proxy', 'name']] as const),
  unregister: def('ReqLibAmfComponentUnregister', 1, [['comp', 'name'], ['proxy', 'name']] as const),
  pmStart: def('ReqLibAmfPmStart', 2, [['comp', 'name'], ['pid', 'u64'], ['depth', 'i32'], ['errors', 'u32'], ['recovery', 'u32']] as const),
  pmStop: def('ReqLibAmfPmStop', 3, [['comp', 'name'], ['qualifier', 'u32'], ['pid', 'i64'], ['errors', 'u32']] as const),
  healthcheckStart: def('ReqLibAmfHealthcheckStart', 4, [['comp', 'name'], ['key', 'hckey'], ['invocation', 'u32'], ['recovery', 'u32']] as const),
  healthcheckConfirm: def('ReqLibAmfHealthcheckConfirm', 5, [['comp', 'name'], ['key', 'hckey'], ['result', 'u32']] as const),
  healthcheckStop: def('ReqLibAmfHealthcheckStop', 6, [['comp', 'name'], ['key', 'hckey']] as const),
  haStateGet: def('ReqLibAmfHAStateGet', 7, [['comp', 'name'], ['csi', 'name']] as const),
  quiescingComplete: def('ReqLibAmfCSIQuiescingComplete', 8, [['invocation', 'u64'], ['error', 'u32']] as const),
  pgTrack: def('ReqLibAmfProtectionGroupTrack', 9, [['csi', 'name'], ['flags', 'u32']] as const),
  pgTrackStop: def('ReqLibAmfProtectionGroupTrackStop', 10, [['csi', 'name']] as const),
  errorReport: def('ReqLibAmfComponentErrorReport', 11, [['comp', 'name'], ['detectionTime', 'i64'], ['recovery', 'u32'], ['ntfId', 'u64']] as const),
  errorClear: def('ReqLibAmfComponentErrorClear', 12, [['comp', 'name'], ['ntfId', 'u64']] as const),
  response: def('ReqLibAmfResponse', 13, [['invocation', 'u64'], ['error', 'u32']] as const),
} as const;

/** Response bodies that are not empty. */
export const AMF_RES = {
  haStateGet: def('ResLibAmfHAStateGet', 7, [['haState', 'u32']] as const),
  /** TRACK_CURRENT: the current members (change NO_CHANGE); empty otherwise. */
  pgTrack: def('ResLibAmfProtectionGroupTrack', 9, [['items', 'pgitems']] as const),
} as const;

// Callbacks on the dispatch channel.
export const AMF_CB = {
  csiSet: def('CbAmfCSISet', 0x8000, [
    ['invocation', 'u64'], ['comp', 'name'], ['haState', 'u32'], ['flags', 'u32'], ['csi', 'name'],
    ['transition', 'u32'], ['activeComp', 'name'], ['standbyRank', 'u32'], ['attrs', 'attrs'],
  ] as const),
  healthcheck: def('CbAmfHealthcheck', 0x8001, [['invocation', 'u64'], ['comp', 'name'], ['key', 'hckey']] as const),
  csiRemove: def('CbAmfCSIRemove', 0x8002, [['invocation', 'u64'], ['comp', 'name'], ['csi', 'name'], ['flags', 'u32']] as const),
  terminate: def('CbAmfComponentTerminate', 0x8003, [['invocation', 'u64'], ['comp', 'name']] as const),
  pgTrack: def('CbAmfProtectionGroupTrack', 0x8004, [['csi', 'name'], ['numberOfMembers', 'u32'], ['error', 'u32'], ['items', 'pgitems']] as const),
} as const;

/** Attribute and PG-item counts are bounded so that a frame cannot claim more than it can hold. */
export const CSI_ATTRS_MAX = 4096;
export const PG_ITEMS_MAX = 4096;

export function encodeMessage<F extends Fields>(d: MessageDef<F>, msg: MessageOf<F>): Buffer {
  const w = new BodyWriter(128);
  const m = msg as Record<string, unknown>;
  for (const [field, type] of d.fields) {
    const v = m[field];
    switch (type) {
      case 'u32': w.u32(v as number); break;
      case 'i32': w.i32(v as number); break;
      case 'u64': w.u64(v as bigint); break;
      case 'i64': w.i64(v as bigint); break;
      case 'name': w.name(v as string); break;
      case 'hckey': {
        const b = Buffer.from(v as string, 'utf8');
        if (b.length > HEALTHCHECK_KEY_MAX) throw new RangeError(`healthcheck key of ${b.length} bytes exceeds ${HEALTHCHECK_KEY_MAX}`);
        w.u16(b.length).bytes(Buffer.concat([b, Buffer.alloc(HEALTHCHECK_KEY_MAX - b.length)]));
        break;
      }
      case 'attrs': {
        const attrs = v as WireAttr[];
        w.u32(attrs.length);
        for (const a of attrs) w.blob(Buffer.from(a.name, 'utf8')).blob(Buffer.from(a.value, 'utf8'));
        break;
      }
      case 'pgitems': {
        const items = v as WirePgItem[];
        w.u32(items.length);
        for (const it of items) w.name(it.comp).u32(it.haState).u32(it.rank).u32(it.change);
        break;
      }
    }
  }
  return w.finish();
}

/** Decodes a body; anything short, long or inconsistent throws BodyError (the frame is malformed). */
export function decodeMessage<F extends Fields>(d: MessageDef<F>, body: Buffer): MessageOf<F> {
  const r = new BodyReader(body);
  const out: Record<string, unknown> = {};
  for (const [field, type] of d.fields) {
    switch (type) {
      case 'u32': out[field] = r.u32(); break;
      case 'i32': out[field] = r.i32(); break;
      case 'u64': out[field] = r.u64(); break;
      case 'i64': out[field] = r.i64(); break;
      case 'name': out[field] = r.name(); break;
      case 'hckey': {
        const len = r.u16();
        const bytes = r.bytes(HEALTHCHECK_KEY_MAX);
        if (len > HEALTHCHECK_KEY_MAX) throw new BodyError(`healthcheck key length ${len} exceeds ${HEALTHCHECK_KEY_MAX}`);
        out[field] = bytes.subarray(0, len).toString('utf8');
        break;
      }
      case 'attrs': {
        const n = r.u32();
        if (n > CSI_ATTRS_MAX) throw new BodyError(`${n} CSI attributes exceed ${CSI_ATTRS_MAX}`);
        const attrs: WireAttr[] = [];
        for (let i = 0; i < n; i++) attrs.push({ name: r.blob().toString('utf8'), value: r.blob().toString('utf8') });
        out[field] = attrs;
        break;
      }
      case 'pgitems': {
        const n = r.u32();
        if (n > PG_ITEMS_MAX) throw new BodyError(`${n} protection group items exceed ${PG_ITEMS_MAX}`);
        const items: WirePgItem[] = [];
        for (let i = 0; i < n; i++) items.push({ comp: r.name(), haState: r.u32(), rank: r.u32(), change: r.u32() });
        out[field] = items;
        break;
      }
    }
  }
  r.end();
  return out as MessageOf<F>;
}

/** The fixed size of a body without variable parts (for docs and the C layout tests). */
export function fixedBodyBytes(d: MessageDef): number {
  const sizes: Record<FieldType, number> = { u32: 4, i32: 4, u64: 8, i64: 8, name: 258, hckey: HCKEY_BYTES, attrs: 4, pgitems: 4 };
  return d.fields.reduce((n, [, t]) => n + sizes[t], 0);
}
