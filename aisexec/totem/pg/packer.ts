// The sending half of the packing layer (corosync exec/totempg.c mcast_msg and
// callback_token_received_fn, our own code and frame format): the services
// submit messages into a bounded queue; the Totem core, holding the token,
// pulls frames. Many small messages share a frame; a message larger than an
// empty frame is cut into fragments, its first one filling the rest of the
// current frame and its last one sharing its frame with the messages after it.
// A small message that fits in an empty frame is never cut, so it is delivered
// from exactly one frame (no waiting on a second one a token rotation later);
// one longer than half a frame is cut to fill the current frame (rule 2b).
//
// Packing is greedy and left to right, so where the frames of queued messages
// are cut never depends on later submissions. `submit` therefore advances a
// shadow cursor with the same arithmetic as `takeFrame`, and `pendingFrames`
// is exact in O(1) (the token's backlog field needs it on every visit).
//
// Pure: no I/O, no clock. The packer keeps a reference to each submitted
// message until its last byte is in a frame (one copy, into the frame); the
// caller must not modify a message after submitting it.

import { assert } from '../../../lib-ais/errors.js';
import type { Guarantee } from '../types.js';
import {
  FLAG_CONTINUES_FIRST, FLAG_MORE_LAST, FRAME_HEADER_BYTES, MESSAGE_BYTES_MAX, frameLayout, startFragmentBytes, varintBytes,
  writeVarint, type FrameLayout,
} from './format.js';

/** Default bound on queued payload bytes: four largest messages (corosync MESSAGE_QUEUE_MAX is 4 * MESSAGE_SIZE_MAX / netmtu frames). */
export const PACKER_QUEUE_BYTES_MAX = 4 * MESSAGE_BYTES_MAX;
/** Default bound on queued messages (the ring buffer is preallocated at this size). */
export const PACKER_QUEUE_MESSAGES_MAX = 16384;
/** Frames are carved from slabs of at least this size: one allocation per many frames. */
const SLAB_BYTES_MIN = 64 * 1024;

export interface PackerConfig {
  /** Largest frame payload the ring carries for this netmtu (from the wire layer). */
  readonly capacityBytes: number;
  readonly queueBytesMax?: number;
  readonly queueMessagesMax?: number;
  /**
   * Messages longer than this that fit whole in a frame may still be cut to fill the rest of the current frame
   * (rule 2b, docs/totem-packing.md); default: half of `wholeMessageBytesMax`. Infinity: never.
   */
  readonly cutAboveBytes?: number;
}

/** Rule 2b: the smallest start fragment worth cutting a message that fits whole for. */
export const CUT_FRAGMENT_BYTES_MIN = 128;

/**
 * Result of `submit`. 'too_big': larger than MESSAGE_BYTES_MAX, never
 * accepted (SA_AIS_ERR_TOO_BIG); 'queue_full': a bound would be exceeded,
 * try again once frames have gone out (SA_AIS_ERR_TRY_AGAIN).
 */
export type SubmitResult = 'ok' | 'too_big' | 'queue_full';

/** One mcast payload for the core. `payload` is owned by the caller from now on (the core keeps it for retransmission). */
export interface PackedFrame {
  readonly payload: Uint8Array;
  /** 'safe' when a safe message completes in this frame (see docs/totem-packing.md, "Guarantees"). */
  readonly guarantee: Guarantee;
}

export interface PackerCounters {
  messagesSubmitted: number;
  refusedTooBig: number;
  refusedQueueFull: number;
  framesTaken: number;
  /** Frames that carried a fragment (start, middle or last). */
  fragmentFrames: number;
  /** Partly sent messages rewound by `onNewRing`. */
  messagesRestarted: number;
}

export class FramePacker {
  readonly counters: PackerCounters = {
    messagesSubmitted: 0, refusedTooBig: 0, refusedQueueFull: 0, framesTaken: 0, fragmentFrames: 0, messagesRestarted: 0,
  };
  private readonly layout: FrameLayout;
  private readonly bytesMax: number;
  private readonly messagesMax: number;
  private readonly cutAbove: number;

  // The queue: a ring buffer of message references and their safe flags.
  private readonly ring: (Uint8Array | undefined)[];
  private readonly ringSafe: Uint8Array;
  private head = 0;
  private size = 0;
  /** Bytes of the head message already in frames (it is being fragmented). */
  private headOffset = 0;
  private bytes = 0;

  // The shadow cursor: frames closed ahead of the open tail frame, and the tail's fill.
  private shadowClosed = 0;
  private shadowPos = FRAME_HEADER_BYTES;
  private shadowCount = 0;

  private slab: Uint8Array;
  private slabPos = 0;

  constructor(config: PackerConfig) {
    this.layout = frameLayout(config.capacityBytes);
    this.bytesMax = config.queueBytesMax ?? PACKER_QUEUE_BYTES_MAX;
    this.messagesMax = config.queueMessagesMax ?? PACKER_QUEUE_MESSAGES_MAX;
    this.cutAbove = config.cutAboveBytes ?? Math.floor(this.layout.wholeMax / 2);
    assert(Number.isInteger(this.bytesMax) && this.bytesMax >= MESSAGE_BYTES_MAX, 'packer: queueBytesMax must hold one largest message');
    assert(Number.isInteger(this.messagesMax) && this.messagesMax >= 1, 'packer: queueMessagesMax must be at least 1');
    this.ring = new Array<Uint8Array | undefined>(this.messagesMax).fill(undefined);
    this.ringSafe = new Uint8Array(this.messagesMax);
    this.slab = this.newSlab();
  }

  /** Largest message that travels whole in one frame at this capacity. */
  get wholeMessageBytesMax(): number {
    return this.layout.wholeMax;
  }
  get queuedMessages(): number {
    return this.size;
  }
  /** Payload bytes queued and not yet in a frame. */
  get queuedBytes(): number {
    return this.bytes;
  }

  submit(message: Uint8Array, guarantee: Guarantee): SubmitResult {
    const len = message.length;
    if (len > MESSAGE_BYTES_MAX) {
      this.counters.refusedTooBig++;
      return 'too_big';
    }
    if (this.size === this.messagesMax || this.bytes + len > this.bytesMax) {
      this.counters.refusedQueueFull++;
      return 'queue_full';
    }
    let at = this.head + this.size;
    if (at >= this.messagesMax) at -= this.messagesMax;
    this.ring[at] = message;
    this.ringSafe[at] = guarantee === 'safe' ? 1 : 0;
    this.size++;
    this.bytes += len;
    this.counters.messagesSubmitted++;
    this.shadowPlace(len);
    return 'ok';
  }

  /** How many frames `takeFrame` would return if called until the queue is empty (the token's backlog share). */
  pendingFrames(): number {
    return this.shadowClosed + (this.shadowCount > 0 ? 1 : 0);
  }

  /** The next frame, or undefined when nothing is queued. */
  takeFrame(): PackedFrame | undefined {
    if (this.size === 0) return undefined;
    const { capacity, wholeMax } = this.layout;
    if (this.slab.length - this.slabPos < capacity) this.slab = this.newSlab();
    const buf = this.slab;
    const base = this.slabPos;
    let pos = base + FRAME_HEADER_BYTES;
    const end = base + capacity;
    let count = 0;
    let flags = 0;
    let safe = 0;

    if (this.headOffset > 0) {
      // The rest of a fragmented message: its last fragment, or a middle one filling the frame.
      const m = this.ring[this.head]!;
      const rest = m.length - this.headOffset;
      const len = rest <= wholeMax ? rest : wholeMax;
      pos = writeVarint(buf, pos, len);
      buf.set(m.subarray(this.headOffset, this.headOffset + len), pos);
      pos += len;
      count = 1;
      flags = FLAG_CONTINUES_FIRST;
      this.bytes -= len;
      if (len === rest) {
        safe |= this.ringSafe[this.head]!;
        this.popHead();
      } else {
        this.headOffset += len;
        flags |= FLAG_MORE_LAST;
      }
    }
    while (this.size > 0 && (flags & FLAG_MORE_LAST) === 0) {
      const m = this.ring[this.head]!;
      const len = m.length;
      if (pos + (len < 0x80 ? 1 : varintBytes(len)) + len <= end) {
        if (len < 0x80) buf[pos++] = len;
        else pos = writeVarint(buf, pos, len);
        // TypedArray.set costs ~25 ns whatever the length; a byte loop ~4 ns a byte (measured, Node 20).
        if (len <= 6) for (let i = 0; i < len; i++) buf[pos + i] = m[i]!;
        else buf.set(m, pos);
        pos += len;
        count++;
        safe |= this.ringSafe[this.head]!;
        this.bytes -= len;
        this.popHead();
        continue;
      }
      const frag = startFragmentBytes(this.layout, pos - base, len);
      if (len <= wholeMax && !this.cuts(len, frag)) break; // fits whole in the next frame: not cut (rule 2)
      if (frag < 1) break;
      pos = writeVarint(buf, pos, frag);
      pos = writeVarint(buf, pos, len);
      buf.set(m.subarray(0, frag), pos);
      pos += frag;
      count++;
      flags |= FLAG_MORE_LAST;
      this.headOffset = frag;
      this.bytes -= frag;
    }
    assert(count > 0 && pos <= end, 'packer: a frame holds at least one record and fits its capacity');
    buf[base] = flags;
    buf[base + 1] = count & 0xff;
    buf[base + 2] = count >>> 8;
    this.slabPos = pos;
    this.shadowTake();
    this.counters.framesTaken++;
    if (flags !== 0) this.counters.fragmentFrames++;
    // A view made directly: subarray() is ~3x slower (species lookup).
    return { payload: new Uint8Array(buf.buffer, base, pos - base), guarantee: safe ? 'safe' : 'agreed' };
  }

  /**
   * The ring changed (call before the first `takeFrame` on the new ring). A
   * partly sent message starts again from its first byte, so that no message
   * straddles configurations: receivers drop the old fragments when they see
   * the new start (docs/totem-packing.md, "Configuration changes").
   */
  onNewRing(): void {
    if (this.headOffset === 0) return;
    this.bytes += this.headOffset;
    this.headOffset = 0;
    this.counters.messagesRestarted++;
    this.shadowClosed = 0;
    this.shadowPos = FRAME_HEADER_BYTES;
    this.shadowCount = 0;
    for (let i = 0; i < this.size; i++) this.shadowPlace(this.ring[(this.head + i) % this.messagesMax]!.length);
  }

  private popHead(): void {
    this.ring[this.head] = undefined;
    this.head = this.head + 1 === this.messagesMax ? 0 : this.head + 1;
    this.size--;
    this.headOffset = 0;
  }

  /** Advances the shadow cursor over one more message of `len` bytes, cutting exactly as takeFrame does. */
  private shadowPlace(len: number): void {
    const { wholeMax } = this.layout;
    const need = varintBytes(len) + len;
    if (this.shadowPos + need <= this.layout.capacity) {
      this.shadowPos += need;
      this.shadowCount++;
      return;
    }
    let frag = startFragmentBytes(this.layout, this.shadowPos, len);
    if (len <= wholeMax && !this.cuts(len, frag)) {
      this.shadowClosed++;
      this.shadowPos = FRAME_HEADER_BYTES + need;
      this.shadowCount = 1;
      return;
    }
    if (frag < 1) {
      this.shadowClosed++; // the tail is full; the start fragment opens a fresh frame
      frag = startFragmentBytes(this.layout, FRAME_HEADER_BYTES, len);
    }
    this.shadowClosed++; // the frame ending with the start fragment
    const rest = len - frag;
    const middles = Math.ceil(rest / wholeMax) - 1;
    const last = rest - middles * wholeMax;
    this.shadowClosed += middles;
    this.shadowPos = FRAME_HEADER_BYTES + varintBytes(last) + last;
    this.shadowCount = 1;
  }

  /** Rule 2b: a message that fits whole is cut when it is large and a worthwhile start fragment fits here. */
  private cuts(len: number, frag: number): boolean {
    return len > this.cutAbove && frag >= CUT_FRAGMENT_BYTES_MIN;
  }

  /** The first pending frame has been taken. */
  private shadowTake(): void {
    if (this.shadowClosed > 0) {
      this.shadowClosed--;
    } else {
      this.shadowPos = FRAME_HEADER_BYTES;
      this.shadowCount = 0;
    }
    assert((this.size === 0) === (this.pendingFrames() === 0), 'packer: the frame count agrees with the queue');
  }

  private newSlab(): Uint8Array {
    this.slabPos = 0;
    return new Uint8Array(Math.max(SLAB_BYTES_MIN, 4 * this.layout.capacity));
  }
}
