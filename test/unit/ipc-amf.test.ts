import assert from 'node:assert/strict';
import fs from 'node:fs';
import fc from 'fast-check';
import { BodyError } from '../../lib-ais/ipc/codec.js';
import { AMF_CB, AMF_REQ, AMF_RES, decodeMessage, encodeMessage, fixedBodyBytes, type MessageDef } from '../../lib-ais/ipc/amf.js';
import { amfDocTables } from '../../lib-ais/ipc/amf-doc.js';

const ALL: MessageDef[] = [...Object.values(AMF_REQ), ...Object.values(AMF_RES), ...Object.values(AMF_CB)];

describe('AMF IPC messages (docs/ipc-protocol.md, "AMF")', () => {
  it('the document holds exactly the tables the schemas generate', () => {
    const doc = fs.readFileSync('docs/ipc-protocol.md', 'utf8');
    const m = /<!-- amf-tables:begin -->\n([\s\S]*?)\n<!-- amf-tables:end -->/.exec(doc);
    assert.ok(m, 'markers present');
    assert.equal(m[1], amfDocTables());
  });

  it('uses openais request numbering (register 0 ... response 13) under service 2', () => {
    assert.equal(AMF_REQ.register.id, 0x00020000);
    assert.equal(AMF_REQ.errorReport.id, 0x0002000b);
    assert.equal(AMF_REQ.response.id, 0x0002000d);
    assert.equal(new Set(ALL.filter((d) => !Object.values(AMF_RES).includes(d as never)).map((d) => d.id)).size, 19);
  });

  it('round-trips a CSI set callback with attributes, and a PG track callback', () => {
    const csi = {
      invocation: 7n, comp: 'safComp=a,safSu=SU_1,safSg=demo', haState: 1, flags: 1, csi: 'safCsi=c,safSi=s,safSg=demo',
      transition: 1, activeComp: '', standbyRank: 0, attrs: [{ name: 'good_health_limit', value: '10' }, { name: 'ü', value: '' }],
    };
    const b = encodeMessage(AMF_CB.csiSet, csi);
    assert.equal(b.length, fixedBodyBytes(AMF_CB.csiSet) + 4 + 17 + 4 + 2 + 4 + 2 + 4);
    assert.deepEqual(decodeMessage(AMF_CB.csiSet, b), csi);
    const pg = { csi: 'safCsi=c', numberOfMembers: 2, error: 1, items: [{ comp: 'x', haState: 1, rank: 0, change: 2 }, { comp: 'y', haState: 2, rank: 1, change: 1 }] };
    assert.deepEqual(decodeMessage(AMF_CB.pgTrack, encodeMessage(AMF_CB.pgTrack, pg)), pg);
  });

  it('encodes the healthcheck key as u16 length then 32 bytes, and refuses longer keys', () => {
    const b = encodeMessage(AMF_REQ.healthcheckStop, { comp: 'c', key: 'key1' });
    assert.equal(b.length, 258 + 34);
    assert.equal(b.readUInt16LE(258), 4);
    assert.equal(b.subarray(260, 264).toString(), 'key1');
    assert.throws(() => encodeMessage(AMF_REQ.healthcheckStop, { comp: 'c', key: 'k'.repeat(33) }), RangeError);
    const bad = Buffer.from(b);
    bad.writeUInt16LE(33, 258);
    assert.throws(() => decodeMessage(AMF_REQ.healthcheckStop, bad), BodyError);
  });

  it('property: any bytes decode or throw BodyError, for every message', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ALL.length - 1 }), fc.uint8Array({ maxLength: 1200 }), (i, bytes) => {
        try {
          decodeMessage(ALL[i]!, Buffer.from(bytes));
        } catch (e) {
          if (!(e instanceof BodyError)) throw e;
        }
      }),
      { seed: 20261123, numRuns: 3000 },
    );
  });

  it('rejects an attribute count larger than the frame could hold before allocating', () => {
    const b = Buffer.alloc(fixedBodyBytes(AMF_CB.csiSet));
    b.writeUInt32LE(0xffffffff, b.length - 4);
    assert.throws(() => decodeMessage(AMF_CB.csiSet, b), /CSI attributes exceed/);
  });
});
