// Frames come from the network: the assembler validates, drops and counts,
// and never throws (docs/totem-packing.md, "Validation"), and the byte layout
// is exactly the one the document draws.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameAssembler, FramePacker, MALFORMED_REASONS, MESSAGE_BYTES_MAX, type MalformedReason } from '../../aisexec/totem/pg/index.js';

const FC = { seed: 20260518, numRuns: 3000 };
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function malformedCount(a: FrameAssembler): number {
  return Object.values(a.counters.framesMalformed).reduce((x, y) => x + y, 0);
}

/** Feeds one frame and returns what came out and the reason it was dropped, if it was. */
function feed(a: FrameAssembler, source: number, frame: Uint8Array): { out: string[]; dropped: MalformedReason | undefined } {
  const before = { ...a.counters.framesMalformed };
  const out = a.onFrame(source, frame).map(toHex);
  const dropped = MALFORMED_REASONS.find((r) => a.counters.framesMalformed[r] !== before[r]);
  return { out, dropped };
}

describe('totem packing: frame layout and validation', () => {
  describe('the layout of docs/totem-packing.md', () => {
    it('three small messages: flags 00, count 03 00, then length-prefixed records', () => {
      const p = new FramePacker({ capacityBytes: 1400 });
      p.submit(hex('aa'), 'agreed');
      p.submit(hex(''), 'agreed');
      p.submit(hex('bbcc'), 'agreed');
      assert.equal(toHex(p.takeFrame()!.payload), '000300' + '01aa' + '00' + '02bbcc');
    });

    it('a 300-byte message at capacity 200: start (flags 02, length 193, total 300), then last (flags 01, length 107)', () => {
      const p = new FramePacker({ capacityBytes: 200 });
      const m = new Uint8Array(300).map((_, i) => i & 0xff);
      p.submit(m, 'agreed');
      p.submit(hex('ee'), 'agreed');
      const first = p.takeFrame()!.payload;
      const second = p.takeFrame()!.payload;
      // 3 header + 2 (varint 193 = c1 01) + 2 (varint 300 = ac 02) + 193 data = 200
      assert.equal(toHex(first.subarray(0, 7)), '020100' + 'c101' + 'ac02');
      assert.equal(first.length, 200);
      // the last 107 bytes, then the small message that follows in the same frame
      assert.equal(toHex(second.subarray(0, 4)), '010200' + '6b');
      assert.equal(toHex(second.subarray(4 + 107)), '01ee');
      const a = new FrameAssembler();
      assert.deepEqual(a.onFrame(1, first), []);
      assert.deepEqual(a.onFrame(1, second).map(toHex), [toHex(m), 'ee']);
    });
  });

  describe('malformed frames are dropped whole, counted, and reset their source', () => {
    const cases: [string, string, MalformedReason][] = [
      ['shorter than the header', '0001', 'short_header'],
      ['a reserved flag bit', '040100' + '00', 'bad_flags'],
      ['no records', '000000', 'no_records'],
      ['a length beyond the payload', '000100' + '05aabb', 'truncated'],
      ['a count beyond the records', '000200' + '01aa', 'bad_length'],
      ['a 4-byte varint', '000100' + 'ffffff7f', 'bad_length'],
      ['bytes after the last record', '000100' + '01aa' + 'ff', 'trailing_bytes'],
      ['an empty start fragment', '020100' + '00' + '05', 'bad_fragment'],
      ['a start fragment as long as its total', '020100' + '02' + '02' + 'aabb', 'bad_fragment'],
      ['a start fragment announcing more than 1 MiB', '020100' + '01' + '818040' + 'aa', 'too_big'],
      ['a non-minimal total', '020100' + '01' + '8500' + 'aa', 'bad_length'],
      ['an empty continuation', '010100' + '00', 'bad_fragment'],
    ];
    for (const [what, frame, reason] of cases) {
      it(`${what}: ${reason}`, () => {
        const a = new FrameAssembler();
        const r = feed(a, 1, hex(frame));
        assert.deepEqual(r.out, []);
        assert.equal(r.dropped, reason);
      });
    }

    it('the whole frame is dropped even when its first records were good', () => {
      const a = new FrameAssembler();
      assert.deepEqual(feed(a, 1, hex('000200' + '01aa' + '05bb')), { out: [], dropped: 'truncated' });
    });

    it('continuations that overrun or fall short of the announced total: length_mismatch, the partial is reset', () => {
      const start = hex('020100' + '02' + '05' + 'aabb'); // 2 of 5 bytes
      const a = new FrameAssembler();
      a.onFrame(1, start);
      assert.deepEqual(feed(a, 1, hex('010100' + '04' + 'ccddeeff')), { out: [], dropped: 'length_mismatch' });
      assert.deepEqual(a.partialSources(), []);
      a.onFrame(1, start);
      assert.deepEqual(feed(a, 1, hex('010100' + '02' + 'ccdd')), { out: [], dropped: 'length_mismatch' });
      a.onFrame(1, start);
      assert.deepEqual(feed(a, 1, hex('030100' + '03' + 'ccddee')), { out: [], dropped: 'length_mismatch' }, 'complete but says more');
      a.onFrame(1, start);
      assert.deepEqual(feed(a, 1, hex('010100' + '03' + 'ccddee')), { out: ['aabbccddee'], dropped: undefined });
    });

    it('a malformed frame from one source leaves the others\' partial messages alone; the source recovers on its next start', () => {
      const a = new FrameAssembler();
      a.onFrame(1, hex('020100' + '01' + '03' + 'aa'));
      a.onFrame(2, hex('020100' + '01' + '03' + '11'));
      feed(a, 1, hex('ff'));
      assert.deepEqual(a.partialSources(), [2]);
      assert.deepEqual(feed(a, 1, hex('010200' + '02' + 'bbcc' + '01dd')), { out: ['dd'], dropped: undefined }, 'orphan tail skipped');
      assert.deepEqual(feed(a, 2, hex('010100' + '02' + '2233')).out, ['112233']);
    });
  });

  describe('never throws (fast-check)', () => {
    it('random bytes from random sources', () => {
      fc.assert(fc.property(fc.array(fc.record({ source: fc.integer({ min: 1, max: 3 }), frame: fc.uint8Array({ maxLength: 64 }) }), { maxLength: 30 }), (frames) => {
        const a = new FrameAssembler();
        for (const { source, frame } of frames) {
          const out = a.onFrame(source, frame);
          for (const m of out) assert.ok(m.length <= MESSAGE_BYTES_MAX);
        }
      }), FC);
    });

    it('random bytes behind a plausible header (flags 0..3, a small count)', () => {
      const frame = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.uint8Array({ maxLength: 48 }))
        .map(([flags, count, rest]) => Uint8Array.from([flags, count, 0, ...rest]));
      fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 2 }), frame), { maxLength: 30 }), (frames) => {
        const a = new FrameAssembler();
        for (const [source, f] of frames) a.onFrame(source, f);
        assert.equal(a.counters.framesIn, frames.length);
      }), FC);
    });

    it('valid frames with bytes flipped or cut: never throws, and a frame is delivered or counted', () => {
      fc.assert(fc.property(
        fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { maxLength: 6 }),
        (sizes, damage) => {
          const p = new FramePacker({ capacityBytes: 200 });
          sizes.forEach((n, i) => p.submit(new Uint8Array(n).fill(i), 'agreed'));
          const frames: Uint8Array[] = [];
          for (let f = p.takeFrame(); f !== undefined; f = p.takeFrame()) frames.push(Uint8Array.from(f.payload));
          for (const [at, value, cut] of damage) {
            const f = frames[at % frames.length]!;
            const i = at % f.length;
            frames[at % frames.length] = cut ? f.subarray(0, i) : (f[i] = value, f);
          }
          const a = new FrameAssembler();
          let delivered = 0;
          for (const f of frames) delivered += a.onFrame(1, f).length;
          assert.ok(delivered <= sizes.length + frames.length * 64);
          assert.equal(a.counters.framesIn, frames.length);
          if (damage.length === 0) assert.equal(malformedCount(a), 0);
        }), { seed: FC.seed, numRuns: 1000 });
    });
  });
});
