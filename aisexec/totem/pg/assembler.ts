// The receiving half of the packing layer (corosync exec/totempg.c
// totempg_deliver_fn and its assembly lists, our own code): frames come from
// the Totem core in agreed order with their source; the assembler unpacks
// whole messages as views of the frame and rebuilds fragmented ones per
// source (a source's frames arrive in its send order, interleaved with other
// sources' frames).
//
// Frames come from the network: every field is validated, nothing throws. A
// malformed frame is dropped whole, counted by reason, and resets its
// source's assembly. Every member sees the same frames in the same order, so
// every member drops the same ones; the one state that differs between
// members is a partial message a newcomer never saw the start of, and its
// orphan fragments are skipped while the rest of their frames is delivered
// (corosync's THROW_AWAY mode), so that all members deliver the same whole
// messages.

import type { NodeId } from '../types.js';
import { FLAG_CONTINUES_FIRST, FLAG_MORE_LAST, FLAGS_KNOWN, FRAME_HEADER_BYTES, MESSAGE_BYTES_MAX } from './format.js';

/** Why a frame was dropped whole (docs/totem-packing.md, "Validation"). */
export type MalformedReason =
  | 'short_header' // fewer than 3 bytes
  | 'bad_flags' // a reserved flag bit set
  | 'no_records' // count 0
  | 'bad_length' // a varint longer than 3 bytes, or past the end of the frame
  | 'truncated' // a record's bytes run past the end of the frame
  | 'trailing_bytes' // bytes after the last record
  | 'bad_fragment' // an empty fragment, or a start fragment not shorter than its total
  | 'too_big' // a start fragment announcing more than MESSAGE_BYTES_MAX
  | 'length_mismatch'; // fragments that overrun, or end short of, the announced total

export const MALFORMED_REASONS: readonly MalformedReason[] = [
  'short_header', 'bad_flags', 'no_records', 'bad_length', 'truncated', 'trailing_bytes', 'bad_fragment', 'too_big', 'length_mismatch',
];

export interface AssemblerCounters {
  framesIn: number;
  messagesOut: number;
  /** Fragmented messages rebuilt and delivered. */
  messagesReassembled: number;
  framesMalformed: Record<MalformedReason, number>;
  /** Continuation records with no message in progress for their source (a newcomer's view, or after a reset): skipped. */
  fragmentsOrphaned: number;
  /** Partial messages of sources that left the configuration, discarded by `onConfChange`. */
  partialsDiscarded: number;
  /** Partial messages replaced by a new start from the same source (the sender restarted it on a new ring). */
  partialsAbandoned: number;
}

interface Partial {
  readonly data: Uint8Array;
  filled: number;
}

const NOTHING: readonly Uint8Array[] = Object.freeze([]);

/** Thrown and caught inside `onFrame` only; never leaves it. */
class Malformed {
  constructor(readonly reason: MalformedReason) {}
}

export class FrameAssembler {
  readonly counters: AssemblerCounters = {
    framesIn: 0, messagesOut: 0, messagesReassembled: 0,
    framesMalformed: Object.fromEntries(MALFORMED_REASONS.map((r) => [r, 0])) as Record<MalformedReason, number>,
    fragmentsOrphaned: 0, partialsDiscarded: 0, partialsAbandoned: 0,
  };
  private readonly partials = new Map<NodeId, Partial>();

  /**
   * The messages a frame completes, in order. Whole messages are views of
   * `payload` (do not modify them; keeping one keeps the frame's memory);
   * reassembled ones are fresh buffers. Never throws.
   */
  onFrame(source: NodeId, payload: Uint8Array): readonly Uint8Array[] {
    this.counters.framesIn++;
    try {
      const out = this.unpack(source, payload);
      this.counters.messagesOut += out.length;
      return out;
    } catch (e) {
      if (!(e instanceof Malformed)) throw e;
      this.counters.framesMalformed[e.reason]++;
      this.partials.delete(source);
      return NOTHING;
    }
  }

  /**
   * A configuration change, transitional or regular: the partial messages
   * of sources not in `members` are discarded, since the rest of them will
   * never come (EVS; corosync frees the assemblies of the left list).
   */
  onConfChange(members: readonly NodeId[]): void {
    for (const source of this.partials.keys()) {
      if (!members.includes(source)) {
        this.partials.delete(source);
        this.counters.partialsDiscarded++;
      }
    }
  }

  /** Sources with a message in progress (for status output and tests). */
  partialSources(): NodeId[] {
    return [...this.partials.keys()];
  }

  private unpack(source: NodeId, p: Uint8Array): readonly Uint8Array[] {
    const n = p.length;
    if (n < FRAME_HEADER_BYTES) throw new Malformed('short_header');
    const flags = p[0]!;
    if ((flags & ~FLAGS_KNOWN) !== 0) throw new Malformed('bad_flags');
    const count = p[1]! | (p[2]! << 8);
    if (count === 0) throw new Malformed('no_records');
    const continues = (flags & FLAG_CONTINUES_FIRST) !== 0;
    const more = (flags & FLAG_MORE_LAST) !== 0;
    let partial = this.partials.get(source);
    if (partial !== undefined && !continues) {
      // A frame that does not continue the open message starts afresh: the sender rewound it (onNewRing).
      this.partials.delete(source);
      this.counters.partialsAbandoned++;
      partial = undefined;
    }
    const out: Uint8Array[] = [];
    let pos = FRAME_HEADER_BYTES;
    for (let i = 0; i < count; i++) {
      // The record's length, a LEB128 varint of at most 3 bytes (inlined: this is the hot path).
      if (pos >= n) throw new Malformed('bad_length');
      let len = p[pos++]!;
      if (len >= 0x80) {
        if (pos >= n) throw new Malformed('bad_length');
        const b1 = p[pos++]!;
        len = (len & 0x7f) | ((b1 & 0x7f) << 7);
        if (b1 >= 0x80) {
          if (pos >= n) throw new Malformed('bad_length');
          const b2 = p[pos++]!;
          if (b2 >= 0x80) throw new Malformed('bad_length');
          len |= b2 << 14;
        }
      }
      const last = i === count - 1;
      if (i === 0 && continues) {
        if (len === 0) throw new Malformed('bad_fragment');
        if (pos + len > n) throw new Malformed('truncated');
        if (partial === undefined) {
          this.counters.fragmentsOrphaned++;
        } else {
          const filled = partial.filled + len;
          const ends = !(last && more);
          // Ending must reach the total exactly; going on must leave some of it.
          if (ends ? filled !== partial.data.length : filled >= partial.data.length) throw new Malformed('length_mismatch');
          partial.data.set(p.subarray(pos, pos + len), partial.filled);
          partial.filled = filled;
          if (ends) {
            out.push(partial.data);
            this.partials.delete(source);
            this.counters.messagesReassembled++;
          }
        }
        pos += len;
      } else if (last && more) {
        const total = this.readTotal(p, pos);
        pos += total < 0x80 ? 1 : total < 0x4000 ? 2 : 3;
        if (total > MESSAGE_BYTES_MAX) throw new Malformed('too_big');
        if (len === 0 || len >= total) throw new Malformed('bad_fragment');
        if (pos + len > n) throw new Malformed('truncated');
        // From Buffer's pool below 4 KiB (a Uint8Array of its own costs an allocation outside the heap); every
        // byte is written by the fragments before the message is handed out (filled must reach total).
        const data = Buffer.allocUnsafe(total);
        data.set(p.subarray(pos, pos + len), 0);
        this.partials.set(source, { data, filled: len });
        pos += len;
      } else {
        if (pos + len > n) throw new Malformed('truncated');
        // A view made directly: subarray() is ~3x slower (species lookup), and this runs per message.
        out.push(new Uint8Array(p.buffer, p.byteOffset + pos, len));
        pos += len;
      }
    }
    if (pos !== n) throw new Malformed('trailing_bytes');
    return out;
  }

  /** A start fragment's total length: a varint of at most 3 bytes, minimal so its size is implied by its value. */
  private readTotal(p: Uint8Array, pos: number): number {
    let v = 0;
    for (let k = 0; k < 3; k++) {
      if (pos + k >= p.length) throw new Malformed('bad_length');
      const b = p[pos + k]!;
      v |= (b & 0x7f) << (7 * k);
      if (b < 0x80) {
        // Non-minimal encodings would make the size ambiguous: refuse them.
        if (k > 0 && b === 0) throw new Malformed('bad_length');
        return v;
      }
    }
    throw new Malformed('bad_length');
  }
}
