// The packing layer above the ring (aisexec/totem/pg, docs/totem-packing.md):
// round trips, boundary sizes, queue bounds, guarantees, configuration changes.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import {
  CUT_FRAGMENT_BYTES_MIN, FLAG_CONTINUES_FIRST, FLAG_MORE_LAST, FrameAssembler, FramePacker, MESSAGE_BYTES_MAX, frameLayout, submitErrorCode,
  type PackedFrame,
} from '../../aisexec/totem/pg/index.js';

const FC = { seed: 20260517, numRuns: 150 };
const MiB = MESSAGE_BYTES_MAX;

/** Deterministic content for message `id` of `len` bytes (cheap to make and to compare, unlike generated arrays). */
function content(id: number, len: number): Uint8Array {
  const m = new Uint8Array(len);
  let x = (id * 2654435761) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    m[i] = x >>> 24;
  }
  return m;
}

function drain(p: FramePacker): PackedFrame[] {
  const frames: PackedFrame[] = [];
  for (let f = p.takeFrame(); f !== undefined; f = p.takeFrame()) frames.push(f);
  return frames;
}

function unpackAll(frames: readonly PackedFrame[], source = 1, a = new FrameAssembler()): Uint8Array[] {
  return frames.flatMap((f) => [...a.onFrame(source, f.payload)]);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

describe('totem packing (aisexec/totem/pg)', () => {
  describe('round trip', () => {
    // Sizes: mostly small, some around a frame, a few large, rarely up to 1 MiB.
    const size = fc.oneof(
      { weight: 60, arbitrary: fc.integer({ min: 0, max: 200 }) },
      { weight: 18, arbitrary: fc.integer({ min: 0, max: 4000 }) },
      { weight: 8, arbitrary: fc.integer({ min: 4000, max: 100_000 }) },
      { weight: 14, arbitrary: fc.constantFrom(MiB, MiB - 1, 500_000) },
    );
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('submit' as const), source: fc.integer({ min: 1, max: 3 }), size, safe: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('take' as const), source: fc.integer({ min: 1, max: 3 }), frames: fc.integer({ min: 1, max: 40 }) }) },
    );

    it('several sources interleaved: every member yields exactly the submitted messages per source, in order (fast-check)', () => {
      fc.assert(fc.property(fc.integer({ min: 64, max: 1500 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const sources = [1, 2, 3];
        const packers = new Map(sources.map((s) => [s, new FramePacker({ capacityBytes: capacity, queueBytesMax: 2 * MiB })]));
        const sent = new Map(sources.map((s) => [s, [] as Uint8Array[]]));
        const got = new Map(sources.map((s) => [s, [] as Uint8Array[]]));
        const receiver = new FrameAssembler();
        let id = 0;
        const takeOne = (s: number): boolean => {
          const p = packers.get(s)!;
          const before = p.pendingFrames();
          const f = p.takeFrame();
          if (f === undefined) {
            assert.equal(before, 0);
            return false;
          }
          assert.equal(p.pendingFrames(), before - 1, 'each frame taken lowers the pending count by one');
          assert.ok(f.payload.length <= capacity, 'a frame fits the capacity');
          got.get(s)!.push(...receiver.onFrame(s, f.payload));
          return true;
        };
        for (const o of ops) {
          const p = packers.get(o.source)!;
          if (o.kind === 'submit') {
            const m = content(id++, o.size);
            if (p.submit(m, o.safe ? 'safe' : 'agreed') === 'ok') sent.get(o.source)!.push(m);
          } else {
            for (let k = 0; k < o.frames && takeOne(o.source); k++);
          }
          assert.equal(p.pendingFrames() === 0, p.queuedMessages === 0);
        }
        // Drain round robin, one frame per source in turn, as the token would.
        const expected = new Map(sources.map((s) => [s, packers.get(s)!.pendingFrames()]));
        const taken = new Map(sources.map((s) => [s, 0]));
        for (let busy = true; busy;) {
          busy = false;
          for (const s of sources) if (takeOne(s)) { busy = true; taken.set(s, taken.get(s)! + 1); }
        }
        for (const s of sources) {
          assert.equal(taken.get(s), expected.get(s), `pendingFrames was exact for source ${s}`);
          const a = sent.get(s)!;
          const b = got.get(s)!;
          assert.equal(b.length, a.length, `source ${s}: message count`);
          for (let i = 0; i < a.length; i++) assert.ok(sameBytes(a[i]!, b[i]!), `source ${s}: message ${i} intact`);
        }
        assert.deepEqual(receiver.partialSources(), []);
        assert.equal(Object.values(receiver.counters.framesMalformed).reduce((x, y) => x + y, 0), 0);
      }), FC);
    });

    it('rule 2b: a message that fits whole is cut only if longer than half a frame, for a start fragment of at least 128 bytes; frames are counted exactly ahead', () => {
      fc.assert(fc.property(fc.integer({ min: 16, max: 1400 }), fc.array(fc.integer({ min: 0, max: 1500 }), { maxLength: 80 }), (capacity, sizes) => {
        const p = new FramePacker({ capacityBytes: capacity });
        for (const [i, n] of sizes.entries()) assert.equal(p.submit(content(i, n), 'agreed'), 'ok');
        const whole = p.wholeMessageBytesMax;
        const pending = p.pendingFrames();
        const frames = drain(p);
        assert.equal(frames.length, pending);
        for (const f of frames) assert.ok(f.payload.length <= capacity);
        const starts = frames.filter((f) => (f.payload[0]! & FLAG_MORE_LAST) !== 0 && !((f.payload[0]! & FLAG_CONTINUES_FIRST) !== 0 && f.payload[1] === 1)).length;
        assert.ok(starts >= sizes.filter((n) => n > whole).length, 'every message larger than a frame is cut');
        assert.ok(starts <= sizes.filter((n) => n > Math.floor(whole / 2)).length, 'no message of half a frame or less is cut');
        if (capacity < CUT_FRAGMENT_BYTES_MIN + 8) assert.equal(starts, sizes.filter((n) => n > whole).length, 'no fragment under 128 bytes for a whole message');
        const out = unpackAll(frames);
        assert.equal(out.length, sizes.length);
        sizes.forEach((n, i) => assert.ok(sameBytes(out[i]!, content(i, n))));
      }), { seed: FC.seed, numRuns: 300 });
    });

    it('rule 2b fills frames: 1,036-byte messages (the bench\'s 1 KiB pings) at capacity 1400 take a third fewer frames', () => {
      const cutting = new FramePacker({ capacityBytes: 1400 });
      const whole = new FramePacker({ capacityBytes: 1400, cutAboveBytes: Infinity });
      for (let i = 0; i < 100; i++) for (const p of [cutting, whole]) assert.equal(p.submit(content(i, 1036), 'agreed'), 'ok');
      assert.equal(drain(whole).length, 100);
      const frames = drain(cutting);
      assert.ok(frames.length <= Math.ceil((100 * 1039) / 1390), `${frames.length} frames`);
      assert.equal(unpackAll(frames).length, 100);
    });

    it('rule 2 (cutting whole messages off): only messages larger than an empty frame are cut; a message that fits is never split across frames', () => {
      fc.assert(fc.property(fc.integer({ min: 16, max: 600 }), fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 80 }), (capacity, sizes) => {
        const p = new FramePacker({ capacityBytes: capacity, cutAboveBytes: Infinity });
        for (const [i, n] of sizes.entries()) assert.equal(p.submit(content(i, n), 'agreed'), 'ok');
        const whole = p.wholeMessageBytesMax;
        const cut = sizes.filter((n) => n > whole).length;
        const frames = drain(p);
        const starts = frames.filter((f) => (f.payload[0]! & FLAG_MORE_LAST) !== 0 && !((f.payload[0]! & FLAG_CONTINUES_FIRST) !== 0 && f.payload[1] === 1)).length;
        assert.equal(starts, cut);
        const out = unpackAll(frames);
        assert.equal(out.length, sizes.length);
        sizes.forEach((n, i) => assert.ok(sameBytes(out[i]!, content(i, n))));
      }), { seed: FC.seed, numRuns: 300 });
    });
  });

  describe('boundary sizes at capacity 1400', () => {
    const capacity = 1400;
    const whole = frameLayout(capacity).wholeMax; // 1395: 3 header bytes, a 2-byte length

    function oneMessage(len: number): { frames: PackedFrame[]; out: Uint8Array[] } {
      const p = new FramePacker({ capacityBytes: capacity });
      assert.equal(p.submit(content(len, len), 'agreed'), 'ok');
      const pending = p.pendingFrames();
      const frames = drain(p);
      assert.equal(frames.length, pending);
      for (const f of frames) assert.ok(f.payload.length <= capacity);
      const out = unpackAll(frames);
      assert.equal(out.length, 1);
      assert.ok(sameBytes(out[0]!, content(len, len)));
      return { frames, out };
    }

    it('wholeMax is capacity minus the header and a 2-byte length', () => assert.equal(whole, 1395));
    it('0 bytes: one frame of 4 bytes', () => assert.deepEqual([...oneMessage(0).frames[0]!.payload], [0, 1, 0, 0]));
    it('exactly wholeMax: one full frame', () => {
      const { frames } = oneMessage(whole);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]!.payload.length, capacity);
    });
    it('wholeMax + 1: a start and a last fragment', () => assert.equal(oneMessage(whole + 1).frames.length, 2));
    it('capacity - 1, capacity and capacity + 1 bytes: two frames each', () => {
      for (const n of [capacity - 1, capacity, capacity + 1]) assert.equal(oneMessage(n).frames.length, 2, `${n} bytes`);
    });
    it('1 MiB: 752 frames (a start of 1392 bytes, 750 middles of 1395, a last of 934), all full but the last', () => {
      const { frames } = oneMessage(MiB);
      assert.equal(frames.length, 752);
      assert.equal(frames.length, Math.ceil(MiB / whole));
      for (const f of frames.slice(0, -1)) assert.equal(f.payload.length, capacity);
      assert.equal(frames.at(-1)!.payload.length, 3 + 2 + 934);
    });
    it('1 MiB + 1: refused as too big (SA_AIS_ERR_TOO_BIG), the queue untouched', () => {
      const p = new FramePacker({ capacityBytes: capacity });
      assert.equal(p.submit(new Uint8Array(MiB + 1), 'agreed'), 'too_big');
      assert.equal(p.queuedMessages, 0);
      assert.equal(p.pendingFrames(), 0);
      assert.equal(p.counters.refusedTooBig, 1);
      assert.equal(submitErrorCode('too_big'), SaAisErrorT.SA_AIS_ERR_TOO_BIG);
    });
  });

  describe('packing efficiency', () => {
    it('64-byte messages at capacity 1400: 21 per frame (65 bytes each after a 3-byte header)', () => {
      const p = new FramePacker({ capacityBytes: 1400 });
      for (let i = 0; i < 2100; i++) p.submit(content(i, 64), 'agreed');
      assert.equal(p.pendingFrames(), 100);
      const frames = drain(p);
      assert.equal(frames.length, 100);
      assert.ok(frames.every((f) => f.payload[1] === 21 && f.payload.length === 3 + 21 * 65));
    });

    it('the start of a large message fills the rest of the current frame (one frame fewer than starting afresh)', () => {
      const shared = new FramePacker({ capacityBytes: 1400 });
      const fresh = new FramePacker({ capacityBytes: 1400 });
      for (let i = 0; i < 10; i++) { shared.submit(content(i, 64), 'agreed'); fresh.submit(content(i, 64), 'agreed'); }
      const framesFresh = drain(fresh).length; // what a "fragments start a frame" policy sends first
      shared.submit(content(99, 2000), 'agreed');
      fresh.submit(content(99, 2000), 'agreed');
      assert.equal(shared.pendingFrames(), 2); // 3 + 10 x 65 + 747 bytes of start fragment, then the last 1253
      assert.equal(framesFresh + fresh.pendingFrames(), 3);
      assert.equal(unpackAll(drain(shared)).length, 11);
    });
  });

  describe('queue bounds', () => {
    it('refuses past queueMessagesMax (SA_AIS_ERR_TRY_AGAIN) and accepts again once a frame is taken', () => {
      const p = new FramePacker({ capacityBytes: 1400, queueMessagesMax: 4 });
      for (let i = 0; i < 4; i++) assert.equal(p.submit(content(i, 10), 'agreed'), 'ok');
      assert.equal(p.submit(content(4, 0), 'agreed'), 'queue_full');
      assert.equal(submitErrorCode('queue_full'), SaAisErrorT.SA_AIS_ERR_TRY_AGAIN);
      assert.equal(p.counters.refusedQueueFull, 1);
      assert.equal(drain(p).length, 1);
      assert.equal(p.submit(content(4, 0), 'agreed'), 'ok');
    });

    it('refuses past queueBytesMax; bytes are released as fragments go out', () => {
      const p = new FramePacker({ capacityBytes: 1400, queueBytesMax: MiB });
      assert.equal(p.submit(content(1, MiB), 'agreed'), 'ok');
      assert.equal(p.submit(content(2, 1), 'agreed'), 'queue_full');
      assert.equal(p.queuedBytes, MiB);
      const first = p.takeFrame()!;
      assert.ok(p.queuedBytes < MiB - 1300);
      assert.equal(p.submit(content(2, 1), 'agreed'), 'ok');
      const out = unpackAll([first, ...drain(p)]);
      assert.equal(out.length, 2);
      assert.equal(p.queuedBytes, 0);
    });

    it('rejects a configuration that cannot hold one largest message', () => {
      assert.throws(() => new FramePacker({ capacityBytes: 1400, queueBytesMax: MiB - 1 }));
      assert.throws(() => new FramePacker({ capacityBytes: 15 }));
    });
  });

  describe('guarantees', () => {
    it('a frame of agreed messages is agreed; one safe message makes its frame safe; order is kept', () => {
      const p = new FramePacker({ capacityBytes: 1400 });
      p.submit(content(1, 10), 'agreed');
      p.submit(content(2, 10), 'agreed');
      let f = p.takeFrame()!;
      assert.equal(f.guarantee, 'agreed');
      p.submit(content(3, 10), 'agreed');
      p.submit(content(4, 10), 'safe');
      p.submit(content(5, 10), 'agreed');
      f = p.takeFrame()!;
      assert.equal(f.guarantee, 'safe');
      const out = new FrameAssembler().onFrame(1, f.payload);
      assert.deepEqual(out.map((m) => m[0]), [3, 4, 5].map((i) => content(i, 10)[0]));
    });

    it('a fragmented safe message: the frame that completes it is safe, the earlier ones agreed', () => {
      const p = new FramePacker({ capacityBytes: 200 });
      p.submit(content(1, 1000), 'safe');
      p.submit(content(2, 10), 'agreed');
      const frames = drain(p);
      assert.ok(frames.length > 2);
      assert.deepEqual(frames.map((f) => f.guarantee), [...frames.slice(0, -1).map(() => 'agreed'), 'safe']);
      assert.equal(unpackAll(frames).length, 2);
    });
  });

  describe('configuration changes', () => {
    function partlySent(capacity: number, len: number, id: number): { p: FramePacker; first: PackedFrame[] } {
      const p = new FramePacker({ capacityBytes: capacity });
      assert.equal(p.submit(content(id, len), 'agreed'), 'ok');
      return { p, first: [p.takeFrame()!, p.takeFrame()!] };
    }

    it('onConfChange discards the partial message of a source that left; its next message still works', () => {
      const a = new FrameAssembler();
      const { first } = partlySent(300, 5000, 7);
      for (const f of first) assert.deepEqual(a.onFrame(2, f.payload), []);
      const { first: other } = partlySent(300, 5000, 8);
      a.onFrame(3, other[0]!.payload);
      assert.deepEqual(a.partialSources().sort(), [2, 3]);
      a.onConfChange([1, 3]);
      assert.deepEqual(a.partialSources(), [3]);
      assert.equal(a.counters.partialsDiscarded, 1);
      // Node 2 comes back (a fresh executive): its first message is whole and in order.
      const p2 = new FramePacker({ capacityBytes: 300 });
      p2.submit(content(9, 100), 'agreed');
      p2.submit(content(10, 3000), 'agreed');
      const out = drain(p2).flatMap((f) => [...a.onFrame(2, f.payload)]);
      assert.equal(out.length, 2);
      assert.ok(sameBytes(out[1]!, content(10, 3000)));
    });

    it('a newcomer skips the orphan tail of a message it never saw begin, and delivers the rest of that frame', () => {
      const p = new FramePacker({ capacityBytes: 300 });
      p.submit(content(1, 1000), 'agreed');
      p.submit(content(2, 20), 'agreed');
      const frames = drain(p);
      const old = new FrameAssembler();
      const newcomer = new FrameAssembler();
      const oldOut = frames.flatMap((f) => [...old.onFrame(5, f.payload)]);
      const newOut = frames.slice(2).flatMap((f) => [...newcomer.onFrame(5, f.payload)]);
      assert.equal(oldOut.length, 2);
      assert.equal(newOut.length, 1);
      assert.ok(sameBytes(newOut[0]!, content(2, 20)));
      assert.ok(newcomer.counters.fragmentsOrphaned >= 1);
      assert.equal(Object.values(newcomer.counters.framesMalformed).reduce((x, y) => x + y, 0), 0);
    });

    it('onNewRing restarts a partly sent message: old members abandon the stale partial, a newcomer gets it whole too', () => {
      const { p, first } = partlySent(300, 5000, 4);
      p.submit(content(5, 30), 'agreed');
      const old = new FrameAssembler();
      for (const f of first) old.onFrame(2, f.payload);
      const before = p.pendingFrames();
      p.onNewRing();
      assert.equal(p.counters.messagesRestarted, 1);
      assert.ok(p.pendingFrames() > before);
      const rest = drain(p);
      const newcomer = new FrameAssembler();
      for (const a of [old, newcomer]) {
        const out = rest.flatMap((f) => [...a.onFrame(2, f.payload)]);
        assert.equal(out.length, 2);
        assert.ok(sameBytes(out[0]!, content(4, 5000)));
        assert.ok(sameBytes(out[1]!, content(5, 30)));
      }
      assert.equal(old.counters.partialsAbandoned, 1);
      assert.equal(newcomer.counters.fragmentsOrphaned, 0);
    });

    it('onNewRing with nothing partly sent changes nothing', () => {
      const p = new FramePacker({ capacityBytes: 300 });
      p.submit(content(1, 50), 'agreed');
      p.onNewRing();
      assert.equal(p.counters.messagesRestarted, 0);
      assert.equal(drain(p).length, 1);
    });
  });
});
