// Packet security for the ring: every Totem packet travels in an envelope
// that names its sender and a 64-bit packet counter, authenticated with
// HMAC-SHA-256 or encrypted and authenticated with AES-256-GCM, with a
// per-sender sliding replay window on receipt. Layout and rationale:
// docs/totem-wire.md ("Security envelope").
//
// Keys: HKDF-SHA-256 (RFC 5869) from the shared authkey file, one key per
// purpose (HMAC; AES-GCM per sender), so no key serves two algorithms.
// Nonces (GCM): salt (random per incarnation) || counter, under the sender's
// own key, so two nodes never share a (key, nonce) pair and a sender whose
// counter repeats after a clock step back still does not reuse a nonce
// (unless its 32-bit salt repeats too).
//
// open() takes untrusted bytes: it validates and returns a reason, never
// throws, and a packet that fails is dropped, counted and never parsed further.
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { assert, AisAccessError, AisInvalidParamError, AisNotExistError } from '../../lib-ais/errors.js';
import type { CryptoCipher, CryptoHash } from '../config/totemconfig.js';
import { MEMBERS_MAX } from './constants.js';
import type { NodeId } from './types.js';

export type SecurityMode = 'none' | 'hmac-sha256' | 'aes256-gcm';

/** Mode byte in the envelope: a node configured differently is told apart from a forger. */
const MODE_CODE: Readonly<Record<SecurityMode, number>> = { 'none': 0, 'hmac-sha256': 1, 'aes256-gcm': 2 };

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_HEADER_BYTES = 20;
export const HMAC_TAG_BYTES = 32;
export const GCM_TAG_BYTES = 16;
/** Packets remembered per sender behind the highest one (as IPsec's and WireGuard's windows). */
export const REPLAY_WINDOW_PACKETS = 1024;
/** Senders with a replay window; only authenticated packets create one (in mode none anybody can). */
export const REPLAY_SENDERS_MAX = 4 * MEMBERS_MAX;
/** counter = incarnation * 2^20 + packets sent in this incarnation. */
export const COUNTER_INCARNATION_SHIFT = 20;
/** Incarnations fit 44 bits (milliseconds since 1970 until the year 2527). */
export const INCARNATION_MAX = 2 ** 44 - 1;
/** Authkey sizes accepted: 32 bytes (256 bits into HKDF) up to corosync 3's largest key, 4096 bytes. */
export const AUTHKEY_BYTES_MIN = 32;
export const AUTHKEY_BYTES_MAX = 4096;
/** What ais-keygen (and openais' and corosync 2's keygen) writes. */
export const AUTHKEY_BYTES_DEFAULT = 128;

const HKDF_SALT = Buffer.from('ringfort totem v1', 'utf8');
const INFO_HMAC = 'ringfort totem v1 hmac-sha256';
const INFO_GCM = 'ringfort totem v1 aes-256-gcm sender ';
const TWO_32 = 2 ** 32;

/** Bytes the envelope adds to a packet. */
export function securityOverheadBytes(mode: SecurityMode): number {
  switch (mode) {
    case 'none': return ENVELOPE_HEADER_BYTES;
    case 'hmac-sha256': return ENVELOPE_HEADER_BYTES + HMAC_TAG_BYTES;
    case 'aes256-gcm': return ENVELOPE_HEADER_BYTES + GCM_TAG_BYTES;
  }
}

/** The mode for totem { crypto_cipher, crypto_hash }; the config loader already refuses a cipher without a hash. */
export function securityModeFromConfig(cfg: { readonly cryptoCipher: CryptoCipher; readonly cryptoHash: CryptoHash }): SecurityMode {
  assert(!(cfg.cryptoCipher !== 'none' && cfg.cryptoHash === 'none'), 'crypto_cipher without crypto_hash passed the config loader');
  if (cfg.cryptoCipher === 'aes256') return 'aes256-gcm';
  return cfg.cryptoHash === 'sha256' ? 'hmac-sha256' : 'none';
}

export const OPEN_REASONS = [
  'short', // shorter than the envelope
  'version', // unknown envelope version
  'mode', // sealed in another mode than ours: a node configured differently
  'reserved', // reserved bytes not zero
  'sender', // sender node id 0
  'auth', // the tag does not verify (tampered, or another key)
  'replay', // a counter already received within the window
  'stale', // a counter older than the window
  'senders', // a new sender beyond REPLAY_SENDERS_MAX
] as const;
export type OpenReason = (typeof OPEN_REASONS)[number];

export type OpenResult =
  | { readonly ok: true; readonly sender: NodeId; readonly plain: Uint8Array }
  | { readonly ok: false; readonly reason: OpenReason };

export interface SecurityCounters {
  sealed: number;
  opened: number;
  dropped: Record<OpenReason, number>;
}

export interface PacketSecurityOptions {
  /** The per-incarnation nonce salt (u32); random unless given (tests, test vectors). */
  salt?: number;
}

/**
 * Which counters of one sender have been received: the highest one and a
 * bitmap of the REPLAY_WINDOW_PACKETS behind it (bit = counter mod window,
 * as RFC 6479). Counters are (hi, lo) u32 pairs to keep BigInt off the hot path.
 */
class ReplayWindow {
  private hi = 0;
  private lo = 0;
  private readonly bits = new Uint32Array(REPLAY_WINDOW_PACKETS / 32);

  constructor(hi: number, lo: number) {
    this.hi = hi;
    this.lo = lo;
    this.set(lo);
  }

  /** Distance of (hi, lo) above the highest received (exact within +-2^53, sign always right). */
  private ahead(hi: number, lo: number): number {
    return (hi - this.hi) * TWO_32 + (lo - this.lo);
  }

  check(hi: number, lo: number): 'ok' | 'replay' | 'stale' {
    const d = this.ahead(hi, lo);
    if (d > 0) return 'ok';
    if (-d >= REPLAY_WINDOW_PACKETS) return 'stale';
    return this.has(lo) ? 'replay' : 'ok';
  }

  /** Records (hi, lo), which check() accepted. */
  accept(hi: number, lo: number): void {
    const d = this.ahead(hi, lo);
    if (d > 0) {
      if (d >= REPLAY_WINDOW_PACKETS) this.bits.fill(0);
      // Counters max+1 .. new-1 are unseen; their slots held counters now behind the window.
      else for (let i = 1; i < d; i++) this.clear((this.lo + i) >>> 0);
      this.hi = hi;
      this.lo = lo;
    }
    this.set(lo);
  }

  private has(lo: number): boolean {
    const i = lo & (REPLAY_WINDOW_PACKETS - 1);
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  private set(lo: number): void {
    const i = lo & (REPLAY_WINDOW_PACKETS - 1);
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }
  private clear(lo: number): void {
    const i = lo & (REPLAY_WINDOW_PACKETS - 1);
    this.bits[i >>> 5]! &= ~(1 << (i & 31));
  }
}

function newCounters(): SecurityCounters {
  return {
    sealed: 0,
    opened: 0,
    dropped: Object.fromEntries(OPEN_REASONS.map((r) => [r, 0])) as Record<OpenReason, number>,
  };
}

function hkdf(key: Uint8Array, info: string | Uint8Array): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', key, HKDF_SALT, info, 32)));
}

/**
 * One node's packet security: seals what it sends and opens what it receives.
 * The counter starts at `incarnation * 2^20`; `incarnation` must grow across
 * restarts of a node (the driver passes Date.now() at start) so that peers,
 * which remember the highest counter per sender, accept a restarted sender.
 */
export class PacketSecurity {
  readonly counters: SecurityCounters = newCounters();
  private readonly modeCode: number;
  private readonly overhead: number;
  private readonly hmacKey: KeyObject | null;
  private readonly master: Uint8Array | null;
  private readonly gcmKeys = new Map<NodeId, KeyObject>();
  private readonly windows = new Map<NodeId, ReplayWindow>();
  private readonly salt: number;
  private counterHi: number;
  private counterLo: number;

  private constructor(readonly mode: SecurityMode, key: Uint8Array | undefined, incarnation: number, options: PacketSecurityOptions) {
    if (mode !== 'none') {
      if (key === undefined) throw new AisInvalidParamError(`security mode ${mode} needs the authkey`);
      if (key.length < AUTHKEY_BYTES_MIN || key.length > AUTHKEY_BYTES_MAX) {
        throw new AisInvalidParamError(`an authkey of ${key.length} bytes; expected ${AUTHKEY_BYTES_MIN} to ${AUTHKEY_BYTES_MAX}`);
      }
    }
    if (!Number.isSafeInteger(incarnation) || incarnation < 0 || incarnation > INCARNATION_MAX) {
      throw new AisInvalidParamError(`incarnation ${incarnation}; expected an integer from 0 to 2^44 - 1`);
    }
    const salt = options.salt ?? randomBytes(4).readUInt32BE(0);
    if (salt >>> 0 !== salt) throw new AisInvalidParamError(`salt ${salt} is not a u32`);
    this.modeCode = MODE_CODE[mode];
    this.overhead = securityOverheadBytes(mode);
    this.master = mode === 'aes256-gcm' ? Uint8Array.from(key!) : null;
    this.hmacKey = mode === 'hmac-sha256' ? hkdf(key!, INFO_HMAC) : null;
    this.salt = salt;
    this.counterHi = Math.floor(incarnation / 2 ** (32 - COUNTER_INCARNATION_SHIFT));
    this.counterLo = (incarnation % 2 ** (32 - COUNTER_INCARNATION_SHIFT)) * 2 ** COUNTER_INCARNATION_SHIFT;
  }

  static fromConfig(mode: SecurityMode, key: Uint8Array | undefined, incarnation: number, options: PacketSecurityOptions = {}): PacketSecurity {
    return new PacketSecurity(mode, key, incarnation, options);
  }

  /** The counter the next sealed packet carries. */
  get nextCounter(): bigint {
    return (BigInt(this.counterHi) << 32n) | BigInt(this.counterLo);
  }

  /** Bytes seal() adds. */
  get overheadBytes(): number {
    return this.overhead;
  }

  /** The packet to send for `plain` from `sender` (this node). */
  seal(plain: Uint8Array, sender: NodeId): Uint8Array {
    assert(sender !== 0 && sender >>> 0 === sender, `seal: sender ${sender} is not a node id`);
    const hi = this.counterHi;
    const lo = this.counterLo;
    if (lo === TWO_32 - 1) {
      assert(hi < TWO_32 - 1, 'seal: the 64-bit packet counter is exhausted');
      this.counterHi = hi + 1;
      this.counterLo = 0;
    } else {
      this.counterLo = lo + 1;
    }
    const H = ENVELOPE_HEADER_BYTES;
    const out = Buffer.allocUnsafe(this.overhead + plain.length);
    out[0] = ENVELOPE_VERSION;
    out[1] = this.modeCode;
    out[2] = 0;
    out[3] = 0;
    out.writeUInt32BE(sender, 4);
    out.writeUInt32BE(hi, 8);
    out.writeUInt32BE(lo, 12);
    out.writeUInt32BE(this.salt, 16);
    switch (this.mode) {
      case 'none':
        out.set(plain, H);
        break;
      case 'hmac-sha256': {
        out.set(plain, H);
        const tag = createHmac('sha256', this.hmacKey!).update(out.subarray(0, H + plain.length)).digest();
        tag.copy(out, H + plain.length);
        break;
      }
      case 'aes256-gcm': {
        const c = createCipheriv('aes-256-gcm', this.gcmKey(sender), nonce(out), { authTagLength: GCM_TAG_BYTES });
        c.setAAD(out.subarray(0, H));
        const body = c.update(plain);
        c.final();
        body.copy(out, H);
        c.getAuthTag().copy(out, H + plain.length);
        break;
      }
    }
    this.counters.sealed++;
    return out;
  }

  /** The plain packet inside `packet`, or why it is dropped (also counted). */
  open(packet: Uint8Array): OpenResult {
    const H = ENVELOPE_HEADER_BYTES;
    const n = packet.length;
    // Version and mode first: a node configured differently shows as "mode", not "short" or "auth".
    if (n < 2) return this.drop('short');
    if (packet[0] !== ENVELOPE_VERSION) return this.drop('version');
    if (packet[1] !== this.modeCode) return this.drop('mode');
    if (n < this.overhead) return this.drop('short');
    if (packet[2] !== 0 || packet[3] !== 0) return this.drop('reserved');
    const sender = readU32(packet, 4);
    if (sender === 0) return this.drop('sender');
    const hi = readU32(packet, 8);
    const lo = readU32(packet, 12);
    const window = this.windows.get(sender);
    if (window !== undefined) {
      const seen = window.check(hi, lo);
      if (seen !== 'ok') return this.drop(seen);
    } else if (this.windows.size >= REPLAY_SENDERS_MAX) {
      return this.drop('senders');
    }
    let plain: Uint8Array;
    switch (this.mode) {
      case 'none':
        plain = packet.subarray(H);
        break;
      case 'hmac-sha256': {
        const end = n - HMAC_TAG_BYTES;
        const tag = createHmac('sha256', this.hmacKey!).update(packet.subarray(0, end)).digest();
        if (!timingSafeEqual(tag, packet.subarray(end))) return this.drop('auth');
        plain = packet.subarray(H, end);
        break;
      }
      case 'aes256-gcm': {
        const end = n - GCM_TAG_BYTES;
        try {
          const d = createDecipheriv('aes-256-gcm', this.gcmKey(sender), nonce(packet), { authTagLength: GCM_TAG_BYTES });
          d.setAAD(packet.subarray(0, H));
          d.setAuthTag(packet.subarray(end));
          const body = d.update(packet.subarray(H, end));
          d.final(); // throws when the tag does not verify
          plain = body;
        } catch {
          return this.drop('auth');
        }
        break;
      }
    }
    // Only an authentic packet moves the window (a forged one must not shift it).
    if (window !== undefined) window.accept(hi, lo);
    else this.windows.set(sender, new ReplayWindow(hi, lo));
    this.counters.opened++;
    return { ok: true, sender, plain };
  }

  /**
   * Forgets a sender's replay window, so that its next incarnation is accepted
   * whatever its counter. For the driver, once membership has declared the
   * node gone: a node restarted with its clock stepped back is let in again.
   */
  forgetSender(sender: NodeId): void {
    this.windows.delete(sender);
  }

  private drop(reason: OpenReason): OpenResult {
    this.counters.dropped[reason]++;
    return { ok: false, reason };
  }

  /** The AES-256-GCM key of one sender, derived once. */
  private gcmKey(sender: NodeId): KeyObject {
    let k = this.gcmKeys.get(sender);
    if (k === undefined) {
      // Forged sender ids can fill the cache (a key is derived before the tag is checked); keys are cheap to derive again.
      if (this.gcmKeys.size >= REPLAY_SENDERS_MAX) this.gcmKeys.clear();
      const info = Buffer.alloc(INFO_GCM.length + 4);
      info.write(INFO_GCM, 0, 'latin1');
      info.writeUInt32BE(sender, INFO_GCM.length);
      k = hkdf(this.master!, info);
      this.gcmKeys.set(sender, k);
    }
    return k;
  }
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** The 96-bit GCM nonce: salt (envelope bytes 16..19) then counter (bytes 8..15). */
function nonce(envelope: Uint8Array): Buffer {
  const iv = Buffer.allocUnsafe(12);
  iv.set(envelope.subarray(16, 20), 0);
  iv.set(envelope.subarray(8, 16), 4);
  return iv;
}

/**
 * Reads and checks the shared key file. Refuses a missing file, anything but a
 * regular file, a file that group or others may read or write (as ssh does;
 * ais-keygen writes mode 0400), and a size outside AUTHKEY_BYTES_MIN..MAX.
 */
export function loadAuthkey(file: string): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AisNotExistError(`authkey ${file} does not exist (create it with ais-keygen -k ${file})`);
    if (code === 'EACCES' || code === 'EPERM') throw new AisAccessError(`authkey ${file} cannot be read: permission denied`);
    if (code === 'ELOOP') throw new AisInvalidParamError(`authkey ${file} is a symbolic link; name the key file itself`);
    throw new AisInvalidParamError(`authkey ${file} cannot be opened: ${(e as Error).message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new AisInvalidParamError(`authkey ${file} is not a regular file`);
    const perm = st.mode & 0o777;
    if ((perm & 0o077) !== 0) {
      throw new AisAccessError(`authkey ${file} is readable or writable by group or others (mode 0${perm.toString(8)}); run chmod 0400 ${file}`);
    }
    if (st.size < AUTHKEY_BYTES_MIN || st.size > AUTHKEY_BYTES_MAX) {
      throw new AisInvalidParamError(`authkey ${file} has ${st.size} bytes; expected ${AUTHKEY_BYTES_MIN} to ${AUTHKEY_BYTES_MAX} (ais-keygen writes ${AUTHKEY_BYTES_DEFAULT})`);
    }
    const key = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, key, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got !== st.size) throw new AisInvalidParamError(`authkey ${file} shrank while it was read`);
    return key;
  } finally {
    fs.closeSync(fd);
  }
}
