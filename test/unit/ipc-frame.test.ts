import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BodyError, BodyReader, BodyWriter } from '../../lib-ais/ipc/codec.js';
import { encodeFrame, FrameError, FrameReader } from '../../lib-ais/ipc/frame.js';
import { IPC_FRAME_BYTES_MAX } from '../../lib-ais/ipc/limits.js';
import {
  decodeDispatchInitRequest, decodeResponseInitRequest, decodeResponseInitResponse, encodeDispatchInitRequest,
  encodeResponseInitRequest, encodeResponseInitResponse,
} from '../../lib-ais/ipc/setup.js';
import { readVectors } from '../helpers/vectors.js';

const FC = { seed: 20261123, numRuns: 2000 };

/** Decodes a vector's body the way the executive or the client would. */
function decodeBody(message: string, body: Buffer): unknown {
  switch (message) {
    case 'ReqIpcResponseInit': return decodeResponseInitRequest(body);
    case 'ResIpcResponseInit': {
      if (body.length === 0) return null;
      const r = decodeResponseInitResponse(body);
      return { ...r, token: `0x${r.token.toString(16).padStart(16, '0')}` };
    }
    case 'ReqIpcDispatchInit': {
      const r = decodeDispatchInitRequest(body);
      return { ...r, token: `0x${r.token.toString(16).padStart(16, '0')}` };
    }
    case 'ResIpcDispatchInit':
    case 'CbCfgShutdown':
      return body.length === 0 ? null : { unexpected: body.length };
    case 'ReqLibCfgPing': return { payload: body.toString('utf8') };
    case 'ResLibCfgStatusGet': { const r = new BodyReader(body); const json = r.blob().toString('utf8'); r.end(); return { json }; }
    default: throw new Error(`no decoder for ${message}`);
  }
}

describe('IPC frames (docs/ipc-protocol.md)', () => {
  describe('test vectors in test/vectors/ipc', () => {
    for (const v of readVectors('test/vectors/ipc')) {
      it(`${v.name} decodes as documented`, () => {
        if (v.expect['malformed'] === true) {
          assert.throws(() => new FrameReader().push(v.bytes), FrameError);
          return;
        }
        const frames = new FrameReader().push(v.bytes);
        assert.equal(frames.length, 1);
        const f = frames[0]!;
        assert.equal(f.id, v.expect['id']);
        assert.equal(f.error, v.expect['error']);
        assert.equal(f.seq, v.expect['seq']);
        assert.deepEqual(decodeBody(v.expect['message'] as string, f.body), v.expect['body']);
        // And the encoder produces exactly these bytes.
        assert.deepEqual(encodeFrame(f.id, f.error, f.seq, f.body), v.bytes);
      });
    }
  });

  it('encodes the init bodies with the documented sizes', () => {
    assert.equal(encodeResponseInitRequest({ service: 2, version: 1 }).length, 8);
    assert.equal(encodeResponseInitResponse({ token: 1n, frameBytesMax: 1, executivePid: 1 }).length, 16);
    assert.equal(encodeDispatchInitRequest({ service: 2, version: 1, token: 1n }).length, 16);
  });

  it('reassembles frames split at every byte boundary and batched together', () => {
    const a = encodeFrame(0x00070000, 0, 1, Buffer.from('hello'));
    const b = encodeFrame(0x00070001, 0, 2);
    const c = encodeFrame(0x00070002, 0, 3, Buffer.alloc(300, 7));
    const stream = Buffer.concat([a, b, c]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = new FrameReader();
      const got = [...r.push(stream.subarray(0, cut)), ...r.push(stream.subarray(cut))];
      assert.deepEqual(got.map((f) => f.seq), [1, 2, 3], `cut at ${cut}`);
      assert.equal(got[0]!.body.toString(), 'hello');
      assert.equal(got[2]!.body.length, 300);
      assert.equal(r.bufferedBytes, 0);
    }
    const r = new FrameReader();
    const one: number[] = [];
    for (const byte of stream) one.push(...r.push(Buffer.of(byte)).map((f) => f.seq));
    assert.deepEqual(one, [1, 2, 3]);
  });

  it('rejects a size beyond the limit before buffering the body', () => {
    const head = Buffer.alloc(16);
    head.writeUInt32LE(IPC_FRAME_BYTES_MAX + 1, 0);
    const r = new FrameReader();
    assert.throws(() => r.push(head), /outside 16\.\.1048576/);
    assert.throws(() => r.push(Buffer.alloc(1)), FrameError);
  });

  it('refuses to encode a frame over the limit', () => {
    assert.throws(() => encodeFrame(0, 0, 0, Buffer.alloc(IPC_FRAME_BYTES_MAX)), RangeError);
  });

  it('SaNameT is u16 length plus 256 zeroed bytes, and a length over 256 is malformed', () => {
    const b = new BodyWriter().name('safComp=A').finish();
    assert.equal(b.length, 258);
    assert.equal(b.readUInt16LE(0), 9);
    assert.ok(b.subarray(11).every((x) => x === 0));
    assert.equal(new BodyReader(b).name(), 'safComp=A');
    b.writeUInt16LE(257, 0);
    assert.throws(() => new BodyReader(b).name(), BodyError);
    assert.throws(() => new BodyWriter().name('x'.repeat(257)), RangeError);
  });

  it('property: random byte streams only ever yield frames or FrameError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 16 }), (chunks) => {
        const r = new FrameReader(4096);
        try {
          for (const c of chunks) {
            for (const f of r.push(Buffer.from(c))) {
              assert.ok(f.body.length <= 4096 - 16);
            }
          }
        } catch (e) {
          if (!(e instanceof FrameError)) throw e;
        }
      }),
      FC,
    );
  });

  it('property: random bodies only ever decode or throw BodyError', () => {
    const decoders = [decodeResponseInitRequest, decodeResponseInitResponse, decodeDispatchInitRequest,
      (b: Buffer) => { const r = new BodyReader(b); r.name(); r.u64(); r.blob(); r.end(); }];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: decoders.length - 1 }), (bytes, i) => {
        try {
          decoders[i]!(Buffer.from(bytes));
        } catch (e) {
          if (!(e instanceof BodyError)) throw e;
        }
      }),
      FC,
    );
  });

  it('property: encode then decode is the identity for any header and body', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 2000 }), (id, error, seq, body) => {
        const f = new FrameReader().push(encodeFrame(id, error, seq, Buffer.from(body)));
        assert.equal(f.length, 1);
        assert.deepEqual([f[0]!.id, f[0]!.error, f[0]!.seq], [id >>> 0, error >>> 0, seq >>> 0]);
        assert.deepEqual(f[0]!.body, Buffer.from(body));
      }),
      { ...FC, numRuns: 500 },
    );
  });
});
