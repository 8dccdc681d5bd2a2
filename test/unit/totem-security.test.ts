import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { AisAccessError, AisInvalidParamError, AisNotExistError, BugIndicatingError } from '../../lib-ais/errors.js';
import {
  ENVELOPE_HEADER_BYTES, loadAuthkey, OPEN_REASONS, PacketSecurity, REPLAY_SENDERS_MAX, REPLAY_WINDOW_PACKETS, securityModeFromConfig,
  securityOverheadBytes, type OpenReason, type SecurityMode,
} from '../../aisexec/totem/security.js';
import { shallowStacksDuringBlock } from '../helpers/fuzz.js';
import { readVectors, type Vector } from '../helpers/vectors.js';

const FC = { seed: 20261123, numRuns: 300 };
const KEY = Uint8Array.from({ length: 128 }, (_, i) => i);
const OTHER_KEY = Uint8Array.from({ length: 128 }, (_, i) => 255 - i);
const MODES: readonly SecurityMode[] = ['none', 'hmac-sha256', 'aes256-gcm'];
const SEALING: readonly SecurityMode[] = ['hmac-sha256', 'aes256-gcm'];
const T0 = 1_795_392_000_000; // 2026-11-23T00:00:00Z in ms: an incarnation as the driver would pass Date.now()

/** A fixed salt keeps the tests deterministic (the driver lets it be random). */
function sec(mode: SecurityMode, incarnation = T0, key: Uint8Array = KEY): PacketSecurity {
  return PacketSecurity.fromConfig(mode, key, incarnation, { salt: 0x5eed });
}

function reason(r: ReturnType<PacketSecurity['open']>): OpenReason | 'ok' {
  return r.ok ? 'ok' : r.reason;
}

/** A mode-none packet with a chosen counter (mode none has no tag, so any counter can be forged: the window is what is tested). */
function noneWithCounter(sender: number, counter: bigint, body = Buffer.of(1, 2, 3)): Buffer {
  const b = Buffer.alloc(ENVELOPE_HEADER_BYTES);
  b[0] = 1;
  b.writeUInt32BE(sender, 4);
  b.writeBigUInt64BE(counter, 8);
  return Buffer.concat([b, body]);
}

describe('Totem packet security (docs/totem-wire.md, security envelope)', () => {
  shallowStacksDuringBlock();

  describe('test vectors in test/vectors/totem', () => {
    const vectors = readVectors('test/vectors/totem');
    const mcast = vectors.find((v) => v.name === 'mcast.hex')!.bytes;
    const sealed = vectors.filter((v) => v.expect['sealed'] !== undefined);

    it('has one sealed vector per sealing mode', () => {
      assert.deepEqual(sealed.map((v) => v.expect['sealed']).sort(), [...SEALING].sort());
    });

    for (const v of sealed) {
      const mode = v.expect['sealed'] as SecurityMode;
      const salt = Number(v.expect['salt']);
      it(`${v.name} opens to mcast.hex, and sealing reproduces it byte for byte`, () => {
        const rx = sec(mode, 0);
        const r = rx.open(v.bytes);
        assert.ok(r.ok, `refused: ${reason(r)}`);
        assert.equal(r.sender, v.expect['sender']);
        assert.deepEqual(Buffer.from(r.plain), mcast);
        const tx = PacketSecurity.fromConfig(mode, KEY, v.expect['incarnation'] as number, { salt });
        assert.equal(`0x${tx.nextCounter.toString(16)}`, v.expect['counter']);
        assert.equal(Buffer.from(tx.seal(mcast, 2)).toString('hex'), v.bytes.toString('hex'));
      });

      it(`${v.name} is what the documented construction gives, rebuilt with WebCrypto`, async () => {
        assert.deepEqual(await documentedSeal(mode, v, mcast), v.bytes);
      });
    }
  });

  describe('modes', () => {
    it('maps crypto_cipher/crypto_hash to a mode; a cipher without a hash is a bug (the config loader refuses it)', () => {
      assert.equal(securityModeFromConfig({ cryptoCipher: 'none', cryptoHash: 'none' }), 'none');
      assert.equal(securityModeFromConfig({ cryptoCipher: 'none', cryptoHash: 'sha256' }), 'hmac-sha256');
      assert.equal(securityModeFromConfig({ cryptoCipher: 'aes256', cryptoHash: 'sha256' }), 'aes256-gcm');
      assert.throws(() => securityModeFromConfig({ cryptoCipher: 'aes256', cryptoHash: 'none' }), BugIndicatingError);
    });

    it('refuses a missing or badly sized key and a bad incarnation', () => {
      assert.throws(() => PacketSecurity.fromConfig('hmac-sha256', undefined, 1), AisInvalidParamError);
      assert.throws(() => PacketSecurity.fromConfig('aes256-gcm', new Uint8Array(31), 1), AisInvalidParamError);
      assert.throws(() => PacketSecurity.fromConfig('aes256-gcm', new Uint8Array(4097), 1), AisInvalidParamError);
      assert.throws(() => PacketSecurity.fromConfig('none', undefined, -1), AisInvalidParamError);
      assert.throws(() => PacketSecurity.fromConfig('none', undefined, 2 ** 44), AisInvalidParamError);
      assert.throws(() => PacketSecurity.fromConfig('none', undefined, 1.5), AisInvalidParamError);
      PacketSecurity.fromConfig('none', undefined, 0);
    });

    for (const mode of MODES) {
      it(`${mode}: seal/open round trip, overhead ${securityOverheadBytes(mode)} bytes, encrypted only in GCM`, () => {
        const tx = sec(mode);
        const rx = sec(mode, 0);
        for (const size of [0, 1, 15, 16, 17, 64, 1400, 9000]) {
          const plainText = Buffer.alloc(size, 0x5a);
          const p = tx.seal(plainText, 3);
          assert.equal(p.length, size + securityOverheadBytes(mode));
          if (size >= 16) assert.equal(Buffer.from(p).includes(plainText), mode !== 'aes256-gcm', 'plain text visible only without encryption');
          const r = rx.open(p);
          assert.ok(r.ok, `size ${size}: ${reason(r)}`);
          assert.equal(r.sender, 3);
          assert.deepEqual(Buffer.from(r.plain), plainText);
        }
        assert.equal(tx.counters.sealed, 8);
        assert.equal(rx.counters.opened, 8);
      });
    }

    it('a packet sealed in another mode is dropped as "mode"', () => {
      for (const a of MODES) for (const b of MODES) {
        if (a === b) continue;
        assert.equal(reason(sec(b).open(sec(a).seal(Buffer.of(1), 1))), 'mode', `${a} -> ${b}`);
      }
    });
  });

  describe('authentication', () => {
    for (const mode of SEALING) {
      it(`${mode}: changing any bit of any byte fails, and the failures do not move the replay window`, () => {
        const tx = sec(mode);
        const rx = sec(mode, 0);
        const p = Buffer.from(tx.seal(Buffer.from('a token, say'), 2));
        for (let i = 0; i < p.length; i++) {
          for (const bit of [0, 7]) {
            const q = Buffer.from(p);
            q[i]! ^= 1 << bit;
            const r = rx.open(q);
            assert.equal(r.ok, false, `byte ${i} bit ${bit}`);
            // Header bytes 0..7 have their own checks; everything from the counter on is covered by the tag.
            if (i >= 8) assert.equal(reason(r), 'auth', `byte ${i}`);
          }
        }
        assert.equal(reason(rx.open(p)), 'ok');
        assert.equal(rx.counters.opened, 1);
      });

      it(`${mode}: another key fails as "auth"; a cut packet as "short" or "auth"`, () => {
        const p = sec(mode).seal(Buffer.from('hello'), 2);
        assert.equal(reason(sec(mode, 0, OTHER_KEY).open(p)), 'auth');
        assert.equal(reason(sec(mode, 0).open(p.subarray(0, p.length - 1))), 'auth');
        assert.equal(reason(sec(mode, 0).open(p.subarray(0, securityOverheadBytes(mode) - 1))), 'short');
      });
    }

    it('nodes sealing with the same counter still produce different packets (GCM keys per sender)', () => {
      const a = sec('aes256-gcm').seal(Buffer.alloc(32), 1);
      const b = sec('aes256-gcm').seal(Buffer.alloc(32), 2);
      assert.notDeepEqual(Buffer.from(a).subarray(20), Buffer.from(b).subarray(20));
    });

    it('random bytes and mutations never throw, and never open without the key', () => {
      for (const mode of MODES) {
        const rx = sec(mode, 0);
        const valid = sec(mode).seal(Buffer.from('payload'), 4);
        fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
          const q = Buffer.from(valid);
          q[i % q.length]! ^= x;
          return q;
        })), (b) => {
          const r = rx.open(b);
          if (mode !== 'none') assert.equal(r.ok, false);
          else if (!r.ok) assert.ok(OPEN_REASONS.includes(r.reason));
        }), { ...FC, numRuns: 1000 });
      }
    });
  });

  describe('replay window', () => {
    for (const mode of MODES) {
      it(`${mode}: a replay is dropped; reordering within the window is accepted; older than the window is stale`, () => {
        const tx = sec(mode);
        const rx = sec(mode, 0);
        const packets = Array.from({ length: REPLAY_WINDOW_PACKETS + 10 }, (_, i) => tx.seal(Buffer.of(i & 0xff), 5));
        assert.equal(reason(rx.open(packets[3]!)), 'ok');
        assert.equal(reason(rx.open(packets[3]!)), 'replay');
        assert.equal(reason(rx.open(packets[1]!)), 'ok'); // older, within the window
        assert.equal(reason(rx.open(packets[0]!)), 'ok');
        assert.equal(reason(rx.open(packets[1]!)), 'replay');
        assert.equal(reason(rx.open(packets[REPLAY_WINDOW_PACKETS]!)), 'ok'); // moves the window: 0..? fall out
        assert.equal(reason(rx.open(packets[2]!)), 'ok'); // 1022 behind: still inside
        assert.equal(reason(rx.open(packets[0]!)), 'stale'); // exactly 1024 behind
        assert.equal(reason(rx.open(packets[REPLAY_WINDOW_PACKETS + 9]!)), 'ok');
        assert.equal(reason(rx.open(packets[9]!)), 'stale');
        assert.equal(reason(rx.open(packets[10]!)), 'ok');
        assert.equal(reason(rx.open(packets[REPLAY_WINDOW_PACKETS + 9]!)), 'replay');
        assert.deepEqual({ opened: rx.counters.opened, replay: rx.counters.dropped.replay, stale: rx.counters.dropped.stale }, { opened: 7, replay: 3, stale: 2 });
      });
    }

    it('keeps one window per sender', () => {
      const rx = sec('hmac-sha256', 0);
      const a = sec('hmac-sha256').seal(Buffer.of(1), 1);
      const b = sec('hmac-sha256').seal(Buffer.of(1), 2); // same counter, another sender
      assert.equal(reason(rx.open(a)), 'ok');
      assert.equal(reason(rx.open(b)), 'ok');
      assert.equal(reason(rx.open(b)), 'replay');
    });

    it('accepts exactly what a model of the window accepts, across 2^32 counter boundaries (property)', () => {
      const W = BigInt(REPLAY_WINDOW_PACKETS);
      const start = fc.constantFrom(0n, 0xffff_fc00n, 0xffff_ffffn, 0x1a20_5b3d_0000_0000n - 3n, 0xffff_ffff_ffff_f000n);
      const step = fc.oneof(fc.bigInt({ min: -1100n, max: 5n }), fc.bigInt({ min: -3000n, max: 3000n }), fc.constant(0n), fc.constant(1n));
      fc.assert(fc.property(start, fc.array(step, { minLength: 1, maxLength: 300 }), (s, steps) => {
        const rx = sec('none', 0);
        const seen = new Set<bigint>();
        let max = -1n; // none yet
        let c = s;
        for (const d of steps) {
          c += d;
          if (c < 0n || c > 0xffff_ffff_ffff_ffffn) continue;
          let expected: OpenReason | 'ok';
          if (c > max) expected = 'ok';
          else if (max - c >= W) expected = 'stale';
          else expected = seen.has(c) ? 'replay' : 'ok';
          assert.equal(reason(rx.open(noneWithCounter(9, c))), expected, `counter ${c.toString(16)} max ${max.toString(16)}`);
          if (expected === 'ok') {
            seen.add(c);
            if (c > max) max = c;
          }
        }
      }), FC);
    });

    it('accepts a restarted sender (a later incarnation), and drops the old incarnation\'s packets after it', () => {
      const rx = sec('aes256-gcm', 0);
      const first = sec('aes256-gcm', T0);
      const old = Array.from({ length: 5 }, () => first.seal(Buffer.of(1), 4));
      for (const p of old) assert.equal(reason(rx.open(p)), 'ok');
      const restarted = sec('aes256-gcm', T0 + 1); // one millisecond later is enough
      assert.equal(reason(rx.open(restarted.seal(Buffer.of(2), 4))), 'ok');
      assert.equal(reason(rx.open(old[4]!)), 'stale');
    });

    it('a sender restarted with its clock stepped back is stale until the driver forgets its window', () => {
      const rx = sec('hmac-sha256', 0);
      assert.equal(reason(rx.open(sec('hmac-sha256', T0).seal(Buffer.of(1), 4))), 'ok');
      const back = sec('hmac-sha256', T0 - 60_000);
      assert.equal(reason(rx.open(back.seal(Buffer.of(1), 4))), 'stale');
      rx.forgetSender(4);
      assert.equal(reason(rx.open(back.seal(Buffer.of(1), 4))), 'ok');
    });

    it(`remembers at most ${REPLAY_SENDERS_MAX} senders`, () => {
      const rx = sec('none', 0);
      for (let s = 1; s <= REPLAY_SENDERS_MAX; s++) assert.equal(reason(rx.open(noneWithCounter(s, 1n))), 'ok');
      assert.equal(reason(rx.open(noneWithCounter(REPLAY_SENDERS_MAX + 1, 1n))), 'senders');
      assert.equal(reason(rx.open(noneWithCounter(1, 2n))), 'ok'); // known senders go on
      rx.forgetSender(1);
      assert.equal(reason(rx.open(noneWithCounter(REPLAY_SENDERS_MAX + 1, 1n))), 'ok');
    });
  });

  it('counts every drop by reason, and every reason is reached', () => {
    const rx = sec('hmac-sha256', 0);
    const tx = sec('hmac-sha256');
    const p = Buffer.from(tx.seal(Buffer.of(1), 2));
    const edit = (f: (q: Buffer) => void) => { const q = Buffer.from(p); f(q); return q; };
    rx.open(p.subarray(0, 10));
    rx.open(edit((q) => { q[0] = 2; }));
    rx.open(edit((q) => { q[1] = 0; }));
    rx.open(edit((q) => { q[3] = 1; }));
    rx.open(edit((q) => { q.writeUInt32BE(0, 4); }));
    rx.open(edit((q) => { q[30] = q[30]! ^ 1; }));
    rx.open(p);
    rx.open(p);
    for (let i = 0; i < REPLAY_WINDOW_PACKETS; i++) tx.seal(Buffer.of(1), 2);
    rx.open(tx.seal(Buffer.of(1), 2));
    rx.open(p);
    assert.deepEqual(rx.counters, {
      sealed: 0, opened: 2, dropped: { short: 1, version: 1, mode: 1, reserved: 1, sender: 1, auth: 1, replay: 1, stale: 1, senders: 0 },
    });
    const reached = new Set(Object.entries(rx.counters.dropped).filter(([, n]) => n > 0).map(([r]) => r));
    reached.add('senders'); // reached in "remembers at most ... senders"
    assert.deepEqual(OPEN_REASONS.filter((r) => !reached.has(r)), []);
  });

  describe('loadAuthkey', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-authkey-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function keyFile(bytes: number, mode: number): string {
      const f = path.join(dir, 'authkey');
      fs.writeFileSync(f, Buffer.alloc(bytes, 7));
      fs.chmodSync(f, mode);
      return f;
    }

    it('reads a 0400 or 0600 key of 128 bytes (ais-keygen), 32 or 4096 bytes', () => {
      assert.equal(loadAuthkey(keyFile(128, 0o400)).length, 128);
      fs.rmSync(path.join(dir, 'authkey'));
      assert.equal(loadAuthkey(keyFile(32, 0o600)).length, 32);
      fs.rmSync(path.join(dir, 'authkey'));
      assert.equal(loadAuthkey(keyFile(4096, 0o400)).length, 4096);
    });

    it('refuses a key group or others may read or write, naming the file and the mode', () => {
      for (const mode of [0o644, 0o440, 0o404, 0o420, 0o402]) {
        const f = keyFile(128, mode);
        assert.throws(() => loadAuthkey(f), (e: Error) => e instanceof AisAccessError && e.message.includes(f) && e.message.includes(`mode 0${mode.toString(8)}`) && e.message.includes('chmod 0400'));
        fs.rmSync(f);
      }
    });

    it('refuses a missing file, a directory, a symbolic link and a bad size', () => {
      assert.throws(() => loadAuthkey(path.join(dir, 'nope')), (e: Error) => e instanceof AisNotExistError && e.message.includes('ais-keygen'));
      assert.throws(() => loadAuthkey(dir), AisInvalidParamError);
      const f = keyFile(128, 0o400);
      fs.symlinkSync(f, path.join(dir, 'link'));
      assert.throws(() => loadAuthkey(path.join(dir, 'link')), (e: Error) => e instanceof AisInvalidParamError && e.message.includes('symbolic link'));
      fs.rmSync(f);
      assert.throws(() => loadAuthkey(keyFile(31, 0o400)), (e: Error) => e instanceof AisInvalidParamError && e.message.includes('31 bytes'));
      fs.rmSync(f);
      assert.throws(() => loadAuthkey(keyFile(4097, 0o400)), AisInvalidParamError);
    });
  });
});

/** docs/totem-wire.md's construction, rebuilt with WebCrypto from the vector's stated parameters. */
async function documentedSeal(mode: SecurityMode, v: Vector, plainText: Buffer): Promise<Buffer> {
  const { subtle } = webcrypto;
  const header = Buffer.alloc(20);
  header[0] = 1;
  header[1] = mode === 'hmac-sha256' ? 1 : 2;
  header.writeUInt32BE(v.expect['sender'] as number, 4);
  header.writeBigUInt64BE(BigInt(v.expect['counter'] as string), 8);
  header.writeUInt32BE(Number(v.expect['salt']), 16);
  const ikm = await subtle.importKey('raw', KEY, 'HKDF', false, ['deriveBits']);
  const derive = async (info: Buffer) => Buffer.from(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: Buffer.from('ringfort totem v1'), info }, ikm, 256));
  if (mode === 'hmac-sha256') {
    const k = await subtle.importKey('raw', await derive(Buffer.from('ringfort totem v1 hmac-sha256')), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const tag = Buffer.from(await subtle.sign('HMAC', k, Buffer.concat([header, plainText])));
    return Buffer.concat([header, plainText, tag]);
  }
  const info = Buffer.concat([Buffer.from('ringfort totem v1 aes-256-gcm sender '), header.subarray(4, 8)]);
  const k = await subtle.importKey('raw', await derive(info), 'AES-GCM', false, ['encrypt']);
  const iv = Buffer.concat([header.subarray(16, 20), header.subarray(8, 16)]);
  const sealed = Buffer.from(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: header, tagLength: 128 }, k, plainText));
  return Buffer.concat([header, sealed]);
}
