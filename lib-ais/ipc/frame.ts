// The IPC frame: a 16-byte little-endian header then a body (docs/ipc-protocol.md).
//   0 u32 size   whole frame, header included
//   4 u32 id     (service << 16) | function
//   8 u32 error  SaAisErrorT in responses and callbacks; 0 in requests
//  12 u32 seq    request sequence, echoed in its response; 0 in callbacks
import { IPC_FRAME_BYTES_MAX, IPC_HEADER_BYTES } from './limits.js';

export interface Frame {
  id: number;
  error: number;
  seq: number;
  body: Buffer;
}

export function encodeFrame(id: number, error: number, seq: number, body?: Buffer): Buffer {
  const bodyLen = body?.length ?? 0;
  const size = IPC_HEADER_BYTES + bodyLen;
  if (size > IPC_FRAME_BYTES_MAX) throw new RangeError(`frame of ${size} bytes exceeds ${IPC_FRAME_BYTES_MAX}`);
  const buf = Buffer.allocUnsafe(size);
  buf.writeUInt32LE(size, 0);
  buf.writeUInt32LE(id >>> 0, 4);
  buf.writeUInt32LE(error >>> 0, 8);
  buf.writeUInt32LE(seq >>> 0, 12);
  if (body !== undefined) body.copy(buf, IPC_HEADER_BYTES);
  return buf;
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * Reassembles frames from a byte stream. `push` returns the complete frames;
 * a header whose size is out of bounds throws FrameError, after which the
 * stream is unusable (the connection must be closed: there is no way to resync).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private broken = false;

  constructor(private readonly frameBytesMax = IPC_FRAME_BYTES_MAX) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Frame[] {
    if (this.broken) throw new FrameError('stream already failed');
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= IPC_HEADER_BYTES) {
      const head = this.peek(IPC_HEADER_BYTES);
      const size = head.readUInt32LE(0);
      if (size < IPC_HEADER_BYTES || size > this.frameBytesMax) {
        this.broken = true;
        throw new FrameError(`frame size ${size} outside ${IPC_HEADER_BYTES}..${this.frameBytesMax}`);
      }
      if (this.buffered < size) break;
      const whole = this.take(size);
      frames.push({
        id: whole.readUInt32LE(4),
        error: whole.readUInt32LE(8),
        seq: whole.readUInt32LE(12),
        body: whole.subarray(IPC_HEADER_BYTES),
      });
    }
    return frames;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    this.buffered -= n;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    this.chunks[0] = first.subarray(n);
    return first.subarray(0, n);
  }
}
