// A ring socket on native/build/libringfort-net.so (native/src/rfnet.c),
// called through koffi: the datagrams queued during one turn of the event loop
// (a token visit: its frames to every member, then the token) leave in one
// sendmmsg, each member's run of equal-sized frames as one segmented
// super-datagram (UDP_SEGMENT), and one wake-up reads everything queued with
// recvmmsg. Node's
// dgram makes a system call, a send request and a callback per datagram, and
// one 'message' event per datagram received; at 1 KiB that was most of the
// ring's CPU time (BENCHMARKS.md, "ring"). koffi.node.poll (libuv's uv_poll)
// tells us when the socket is readable.
//
// If the library cannot be loaded, nativeNet() says why and the transport
// falls back to dgram.
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';

/** sizeof(struct sockaddr_in6): one peer or source address slot. */
const ADDR_BYTES = 28;
/** Receive slots: any datagram fits (DATAGRAM_BYTES_MAX is 65,507). */
const SLOT_BYTES = 65_536;
/** Reads per recvmmsg: with receive offload one read often holds a whole visit of one member. 1 MiB of slots. */
const RECV_BATCH = 16;
/** Reads per wake-up before yielding to the event loop (uv_poll calls again while readable). */
const RECV_ROUNDS_MAX = 16;
const SEND_BATCH_MAX = 1024;
const OUTBOX_BYTES = 1 << 20;
const SOURCES_CACHED_MAX = 4096;
/** Received datagrams are copied into slabs of this size (a larger one gets a buffer of its own). */
const SLAB_BYTES = 32 * 1024;

interface NativeNet {
  addr: (family: number, address: string, port: number, out: Buffer) => number;
  open: (family: number, address: string, port: number, bufferBytes: number) => number;
  recv: (fd: number, buf: Buffer, slot: number, max: number, lens: Int32Array, segs: Int32Array, from: Buffer) => number;
  send: (fd: number, data: Buffer, offs: Int32Array, lens: Int32Array, peers: Buffer, npeers: number, idx: Int32Array, n: number, errs: Int32Array) => number;
  bufsizes: (fd: number, out: Int32Array) => number;
  close: (fd: number) => number;
  gso: () => number;
  gsoSet: (on: number) => void;
  groSet: (on: number) => void;
}

let lib: NativeNet | undefined;
let unavailable: string | undefined;

/** Where `npm run build` puts the library: native/build beside dist/ (compiled) or beside aisexec/ (tsx). */
function libraryPath(): string | undefined {
  const env = process.env['RINGFORT_NET_LIB'];
  if (env !== undefined && env !== '') return env;
  for (const up of ['../../../../native/build/libringfort-net.so', '../../../native/build/libringfort-net.so']) {
    const p = fileURLToPath(new URL(up, import.meta.url));
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** The library, or undefined (see nativeNetUnavailable). Loaded once. */
function nativeNet(): NativeNet | undefined {
  if (lib !== undefined || unavailable !== undefined) return lib;
  const p = libraryPath();
  if (p === undefined) {
    unavailable = 'native/build/libringfort-net.so is missing (run npm run build)';
    return undefined;
  }
  try {
    const l = koffi.load(p);
    lib = {
      addr: l.func('int rfnet_addr(int, const char *, int, void *)') as NativeNet['addr'],
      open: l.func('int rfnet_open(int, const char *, int, int)') as NativeNet['open'],
      recv: l.func('int rfnet_recv(int, void *, int, int, void *, void *, void *)') as NativeNet['recv'],
      send: l.func('int rfnet_send(int, void *, void *, void *, void *, int, void *, int, void *)') as NativeNet['send'],
      bufsizes: l.func('int rfnet_bufsizes(int, void *)') as NativeNet['bufsizes'],
      close: l.func('int rfnet_close(int)') as NativeNet['close'],
      gso: l.func('int rfnet_gso(void)') as NativeNet['gso'],
      gsoSet: l.func('void rfnet_gso_set(int)') as NativeNet['gsoSet'],
      groSet: l.func('void rfnet_gro_set(int)') as NativeNet['groSet'],
    };
    if (process.env['RINGFORT_UDP_GSO'] === '0') {
      lib.gsoSet(0);
      lib.groSet(0);
    }
  } catch (err) {
    unavailable = `cannot load ${p}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return lib;
}

/**
 * Segmentation offload on or off for the whole process (on unless the kernel refused it or RINGFORT_UDP_GSO=0),
 * and with it receive offload for the sockets opened from then on.
 */
export function setSegmentationOffload(on: boolean): void {
  nativeNet()?.gsoSet(on ? 1 : 0);
  nativeNet()?.groSet(on ? 1 : 0);
}

/** Why native I/O is not available, or undefined when it is. */
export function nativeNetUnavailable(): string | undefined {
  nativeNet();
  return unavailable;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));

/** An errno as the Error Node would throw for it (code 'EADDRINUSE', ...). */
export function errnoError(errno: number, syscall: string, detail = ''): NodeJS.ErrnoException {
  const code = ERRNO_NAMES.get(errno) ?? `E${errno}`;
  const e = new Error(`${syscall} ${code}${detail === '' ? '' : ` ${detail}`}`) as NodeJS.ErrnoException;
  e.code = code;
  e.errno = -errno;
  e.syscall = syscall;
  return e;
}

export interface NativeSocketHandlers {
  /** A datagram and its sender's address (canonical text). `data` is the handler's to keep. */
  onDatagram(data: Buffer, from: string): void;
  /** A datagram not sent (its errno as an Error with `code`). */
  onSendError(err: NodeJS.ErrnoException): void;
  /** A failed read, or a datagram longer than a slot (cannot happen for UDP over IPv4/IPv6). */
  onReceiveError(): void;
}

export class NativeUdpSocket {
  private readonly n: NativeNet;
  private fd = -1;
  private poll: ReturnType<typeof koffi.node.poll> | undefined;
  // Receive
  private readonly rbuf = Buffer.allocUnsafe(SLOT_BYTES * RECV_BATCH);
  private readonly rlens = new Int32Array(RECV_BATCH);
  /** Receive offload: the segment size of a coalesced read (0: one datagram). */
  private readonly rsegs = new Int32Array(RECV_BATCH);
  private readonly rfrom = Buffer.alloc(ADDR_BYTES * RECV_BATCH);
  private readonly fromText = new Map<string | number, string>();
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private slabPos = 0;
  // Send: the outbox, and the peer table the outbox's indexes point into
  private peers = Buffer.alloc(ADDR_BYTES * 8);
  private readonly peerIndex = new Map<string, number>();
  private npeers = 0;
  private readonly out = Buffer.allocUnsafe(OUTBOX_BYTES);
  private readonly offs = new Int32Array(SEND_BATCH_MAX);
  private readonly lens = new Int32Array(SEND_BATCH_MAX);
  private readonly idx = new Int32Array(SEND_BATCH_MAX);
  private readonly errs = new Int32Array(SEND_BATCH_MAX);
  private queued = 0;
  private used = 0;
  private flushScheduled = false;

  /** Throws when the library is not available; check nativeNetUnavailable() first. */
  constructor(private readonly family: 4 | 6, private readonly handlers: NativeSocketHandlers) {
    const n = nativeNet();
    if (n === undefined) throw new Error(unavailable);
    this.n = n;
  }

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** Whether sends still use UDP segmentation offload (a refusal by the kernel turns it off for the process). */
  get segmentationOffload(): boolean {
    return this.n.gso() !== 0;
  }

  /** Binds address:port; throws an errno Error (code EADDRINUSE, EADDRNOTAVAIL, ...) on failure. */
  open(address: string, port: number, bufferBytes: number): void {
    const fd = this.n.open(this.family, address, port, bufferBytes);
    if (fd < 0) throw errnoError(-fd, 'bind', `${address}:${port}`);
    this.fd = fd;
    this.poll = koffi.node.poll(fd, { readable: true }, this.onReadable);
  }

  /** The index of a peer address (registered on first use); -1 for an address that is not an IP literal. */
  peer(address: string, port: number): number {
    const key = `${address}|${port}`;
    const known = this.peerIndex.get(key);
    if (known !== undefined) return known;
    if ((this.npeers + 1) * ADDR_BYTES > this.peers.length) {
      const bigger = Buffer.alloc(this.peers.length * 2);
      this.peers.copy(bigger);
      this.peers = bigger;
    }
    const r = this.n.addr(this.family, address, port, this.peers.subarray(this.npeers * ADDR_BYTES));
    if (r < 0) return -1;
    const i = this.npeers++;
    this.peerIndex.set(key, i);
    return i;
  }

  /** Queues a datagram; everything queued in this turn of the event loop leaves together (or at flush()). */
  send(data: Uint8Array, peer: number): void {
    if (this.queued === SEND_BATCH_MAX || this.used + data.length > OUTBOX_BYTES) this.flush();
    const q = this.queued++;
    this.out.set(data, this.used);
    this.offs[q] = this.used;
    this.lens[q] = data.length;
    this.idx[q] = peer;
    this.used += data.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After this turn's I/O callbacks: a lone sender's own delivery answers its client (the IPC socket uncorks
      // on process.nextTick) before the frame leaves and wakes two members that compete for the same CPUs
      // (p50 self-delivery 112-161 us against 140-179 with a microtask). Tokens and receive batches flush at once.
      setImmediate(this.flushTask);
    }
  }

  /** Sends what is queued now, in one system call per 64 datagrams. */
  flush(): void {
    const n = this.queued;
    if (n === 0) return;
    this.queued = 0;
    this.used = 0;
    if (this.fd < 0) return;
    const r = this.n.send(this.fd, this.out, this.offs, this.lens, this.peers, this.npeers, this.idx, n, this.errs);
    if (r < 0) {
      for (let i = 0; i < n; i++) this.handlers.onSendError(errnoError(-r, 'sendmmsg'));
      return;
    }
    for (let i = 0; i < n; i++) if (this.errs[i] !== 0) this.handlers.onSendError(errnoError(this.errs[i]!, 'sendmmsg'));
  }

  /** What the kernel granted (Linux reports twice the value set). */
  bufferSizes(): { recv: number; send: number } {
    const out = new Int32Array(2);
    if (this.fd < 0 || this.n.bufsizes(this.fd, out) < 0) return { recv: 0, send: 0 };
    return { recv: out[0]!, send: out[1]! };
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    this.poll?.close();
    this.poll = undefined;
    this.n.close(this.fd);
    this.fd = -1;
  }

  private readonly flushTask = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private readonly onReadable = (): void => {
    for (let round = 0; round < RECV_ROUNDS_MAX && this.fd >= 0; round++) {
      const n = this.n.recv(this.fd, this.rbuf, SLOT_BYTES, RECV_BATCH, this.rlens, this.rsegs, this.rfrom);
      if (n < 0) this.handlers.onReceiveError();
      if (n <= 0) break;
      for (let i = 0; i < n && this.fd >= 0; i++) {
        const len = this.rlens[i]!;
        if (len < 0) {
          this.handlers.onReceiveError();
          continue;
        }
        const at = i * SLOT_BYTES;
        const from = this.sourceOf(i);
        // A coalesced read (receive offload) holds datagrams of `seg` bytes each, the last one maybe shorter.
        const seg = this.rsegs[i]! > 0 ? this.rsegs[i]! : len;
        for (let o = 0; o < len && this.fd >= 0; o += seg) this.handlers.onDatagram(this.copyOut(at + o, Math.min(seg, len - o)), from);
      }
      if (n < RECV_BATCH) break;
    }
    this.flush();
  };

  /**
   * A received datagram's own copy, since the handler keeps it (the core stores messages for retransmission):
   * carved from a slab, as the packer does, because an allocation per datagram (and Buffer's 8 KiB pools, five
   * frames each) showed as a tenth of a receiver's time. A slab is freed once no message in it is kept.
   */
  private copyOut(at: number, len: number): Buffer {
    let data: Buffer;
    if (len > SLAB_BYTES / 8) {
      data = Buffer.allocUnsafeSlow(len);
    } else {
      if (this.slabPos + len > SLAB_BYTES) {
        this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
        this.slabPos = 0;
      }
      data = Buffer.from(this.slab.buffer, this.slab.byteOffset + this.slabPos, len);
      this.slabPos += (len + 7) & ~7;
    }
    this.rbuf.copy(data, 0, at, at + len);
    return data;
  }

  /** The sender of received datagram i as text, the way dgram's rinfo.address writes it (IPv6 canonical). */
  private sourceOf(i: number): string {
    const at = i * ADDR_BYTES;
    if (this.fromText.size > SOURCES_CACHED_MAX) this.fromText.clear(); // forged sources must not grow it without bound
    if (this.family === 4) {
      const key = this.rfrom.readUInt32BE(at + 4);
      let text = this.fromText.get(key);
      if (text === undefined) {
        text = `${key >>> 24}.${(key >>> 16) & 0xff}.${(key >>> 8) & 0xff}.${key & 0xff}`;
        this.fromText.set(key, text);
      }
      return text;
    }
    const key = this.rfrom.toString('hex', at + 8, at + 24);
    let text = this.fromText.get(key);
    if (text === undefined) {
      const groups: string[] = [];
      for (let g = 0; g < 8; g++) groups.push(this.rfrom.readUInt16BE(at + 8 + 2 * g).toString(16));
      text = groups.join(':');
      this.fromText.set(key, text);
    }
    return text;
  }
}
