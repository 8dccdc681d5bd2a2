// The frame format of the packing layer above the Totem ring (docs/totem-packing.md):
// limits, header flags, the varint used for lengths, and the layout arithmetic
// that the packer and its frame count share, so both make the same cuts.
//
// A frame (one mcast payload, at most `capacity` bytes) is
//   flags u8 | count u16 LE | count records
// and a record is
//   varint length | [varint total, only for a start fragment] | length bytes.

import { assert } from '../../../lib-ais/errors.js';

/** Largest application message (corosync MESSAGE_SIZE_MAX, 1 MiB); a larger one is refused with 'too_big'. */
export const MESSAGE_BYTES_MAX = 1024 * 1024;
/** Bytes before the first record: flags u8, count u16. */
export const FRAME_HEADER_BYTES = 3;
/** Smallest frame capacity the packer accepts (a fragment must make progress with room to spare). */
export const FRAME_CAPACITY_BYTES_MIN = 16;
/** Largest frame capacity: the u16 record count can never overflow below it (each record takes at least one byte). */
export const FRAME_CAPACITY_BYTES_MAX = 65536;

/** flags bit 0: the first record continues the message left open by this source's previous frame. */
export const FLAG_CONTINUES_FIRST = 0x01;
/** flags bit 1: the last record's message goes on in this source's next frame. */
export const FLAG_MORE_LAST = 0x02;
/** Bits 2..7 are reserved and must be zero (a frame with one set is malformed). */
export const FLAGS_KNOWN = FLAG_CONTINUES_FIRST | FLAG_MORE_LAST;

/** Largest value a length varint may carry: 3 bytes of 7 bits (2^21 - 1 >= MESSAGE_BYTES_MAX). */
export const VARINT_VALUE_MAX = (1 << 21) - 1;

/** Bytes of the LEB128 varint for n (0 <= n <= VARINT_VALUE_MAX). */
export function varintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : 3;
}

/** Writes n as a varint at pos; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  if (n < 0x80) {
    buf[pos] = n;
    return pos + 1;
  }
  if (n < 0x4000) {
    buf[pos] = (n & 0x7f) | 0x80;
    buf[pos + 1] = n >>> 7;
    return pos + 2;
  }
  buf[pos] = (n & 0x7f) | 0x80;
  buf[pos + 1] = ((n >>> 7) & 0x7f) | 0x80;
  buf[pos + 2] = n >>> 14;
  return pos + 3;
}

/**
 * The layout arithmetic for one capacity. `wholeMax` is the largest message
 * that fits whole in an empty frame; it is also the size of every middle
 * fragment, and a larger message is the only kind that is ever cut.
 */
export interface FrameLayout {
  readonly capacity: number;
  readonly wholeMax: number;
}

export function frameLayout(capacity: number): FrameLayout {
  assert(Number.isInteger(capacity) && capacity >= FRAME_CAPACITY_BYTES_MIN && capacity <= FRAME_CAPACITY_BYTES_MAX,
    `frame capacity must be an integer in [${FRAME_CAPACITY_BYTES_MIN}, ${FRAME_CAPACITY_BYTES_MAX}], got ${capacity}`);
  let wholeMax = 0;
  for (let size = 1; size <= 3; size++) {
    const len = capacity - FRAME_HEADER_BYTES - size;
    if (varintBytes(len) <= size && len > wholeMax) wholeMax = len;
  }
  return { capacity, wholeMax };
}

/**
 * Data bytes of a start fragment for a message of `total` bytes begun at
 * `pos` in a frame; 0 or less when not even one byte fits. The record's own
 * length varint is sized from the room, so it never overshoots capacity.
 */
export function startFragmentBytes(layout: FrameLayout, pos: number, total: number): number {
  const room = layout.capacity - pos - varintBytes(total);
  return room - varintBytes(Math.max(room, 0));
}
