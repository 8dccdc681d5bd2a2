// Fixed-layout body encoding: little-endian integers and SaNameT (u16 length + 256 bytes).
// Readers validate every length against the buffer; a short or inconsistent body throws BodyError.
import { SA_MAX_NAME_LENGTH, SANAME_BYTES } from './limits.js';

export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

export class BodyWriter {
  private buf: Buffer;
  private off = 0;
  // allocUnsafe (pooled, not zeroed): finish() exposes only bytes a write method has set, and name() zero-pads.
  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }
  u8(v: number): this { this.room(1); this.buf.writeUInt8(v, this.off); this.off += 1; return this; }
  u16(v: number): this { this.room(2); this.buf.writeUInt16LE(v, this.off); this.off += 2; return this; }
  u32(v: number): this { this.room(4); this.buf.writeUInt32LE(v >>> 0, this.off); this.off += 4; return this; }
  i32(v: number): this { this.room(4); this.buf.writeInt32LE(v, this.off); this.off += 4; return this; }
  u64(v: bigint): this { this.room(8); this.buf.writeBigUInt64LE(v, this.off); this.off += 8; return this; }
  i64(v: bigint): this { this.room(8); this.buf.writeBigInt64LE(v, this.off); this.off += 8; return this; }
  bytes(b: Buffer): this { this.room(b.length); b.copy(this.buf, this.off); this.off += b.length; return this; }
  /** SaNameT: u16 length then 256 bytes, zero-padded. */
  name(v: string | Buffer): this {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    if (b.length > SA_MAX_NAME_LENGTH) throw new RangeError(`SaNameT of ${b.length} bytes exceeds ${SA_MAX_NAME_LENGTH}`);
    this.room(SANAME_BYTES);
    this.buf.writeUInt16LE(b.length, this.off);
    this.buf.fill(0, this.off + 2, this.off + SANAME_BYTES);
    b.copy(this.buf, this.off + 2);
    this.off += SANAME_BYTES;
    return this;
  }
  /** u32 length then the bytes (variable-length tail fields). */
  blob(b: Buffer): this { return this.u32(b.length).bytes(b); }
  finish(): Buffer { return this.buf.subarray(0, this.off); }
}

export class BodyReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number, what: string): void {
    if (this.off + n > this.buf.length) {
      throw new BodyError(`body too short for ${what}: need ${n} bytes at offset ${this.off}, have ${this.buf.length - this.off}`);
    }
  }
  u8(): number { this.need(1, 'u8'); const v = this.buf.readUInt8(this.off); this.off += 1; return v; }
  u16(): number { this.need(2, 'u16'); const v = this.buf.readUInt16LE(this.off); this.off += 2; return v; }
  u32(): number { this.need(4, 'u32'); const v = this.buf.readUInt32LE(this.off); this.off += 4; return v; }
  i32(): number { this.need(4, 'i32'); const v = this.buf.readInt32LE(this.off); this.off += 4; return v; }
  u64(): bigint { this.need(8, 'u64'); const v = this.buf.readBigUInt64LE(this.off); this.off += 8; return v; }
  i64(): bigint { this.need(8, 'i64'); const v = this.buf.readBigInt64LE(this.off); this.off += 8; return v; }
  bytes(n: number): Buffer { this.need(n, `${n} bytes`); const v = this.buf.subarray(this.off, this.off + n); this.off += n; return v; }
  nameBytes(): Buffer {
    this.need(SANAME_BYTES, 'SaNameT');
    const len = this.buf.readUInt16LE(this.off);
    if (len > SA_MAX_NAME_LENGTH) throw new BodyError(`SaNameT length ${len} exceeds ${SA_MAX_NAME_LENGTH}`);
    const v = this.buf.subarray(this.off + 2, this.off + 2 + len);
    this.off += SANAME_BYTES;
    return v;
  }
  name(): string { return this.nameBytes().toString('utf8'); }
  blob(): Buffer { const n = this.u32(); return this.bytes(n); }
  get remaining(): number { return this.buf.length - this.off; }
  rest(): Buffer { const v = this.buf.subarray(this.off); this.off = this.buf.length; return v; }
  /** Asserts the body was consumed exactly: trailing bytes mean a malformed frame. */
  end(): void {
    if (this.off !== this.buf.length) throw new BodyError(`${this.buf.length - this.off} unexpected trailing bytes`);
  }
}
