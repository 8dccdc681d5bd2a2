// The redundant ring layer's I/O side: the RrpCore's decisions applied to real
// transports and real timers, its log lines written through a Logger. All
// protocol decisions live in rrp-core.ts.
//
// The driver sends with send(kind, to, data) and hears packets through the
// PacketHandler it gave the transports; after decoding a packet it reports
// tokens with tokenReceived(ring, key) and messages with mcastReceived(ring),
// so that only authenticated traffic counts as a ring working.
import type { RrpMode, TotemConfig } from '../../config/totemconfig.js';
import type { Logger } from '../../log/logger.js';
import type { NodeId } from '../types.js';
import { assert } from '../../../lib-ais/errors.js';
import { RrpCore, rrpCoreConfigFromTotem, type PacketKind, type RingState, type RrpAction, type RrpCoreConfig, type RrpTimerName, type TokenKey } from './rrp-core.js';
import { nativeNetUnavailable } from './native-socket.js';
import { createRingTransports, type RingTransportsOptions } from './rings.js';
import { totalSendErrors, type PacketHandler, type RingNo, type RingTransport, type RingTransportStatus } from './transport.js';

export interface RrpOptions {
  /** One transport per ring, index = ring number. */
  transports: readonly RingTransport[];
  core: Omit<RrpCoreConfig, 'ringCount' | 'ringNames'>;
  logger: Logger;
  /** A ring changed state (for status tools and notifications). */
  onRingState?: (ring: RingNo, state: RingState) => void;
  /** Monotonic milliseconds; performance.now by default. */
  now?: () => number;
}

export interface RrpRingStatus {
  readonly ring: RingNo;
  readonly state: RingState;
  readonly address: string;
  readonly port: number;
  readonly problemCount: number;
  readonly tokenLag: number;
  readonly mcastLag: number;
  readonly markedFaulty: number;
  readonly recovered: number;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  /** Everything not delivered either way: blocked, unlisted, unknown node, not sent, send errors. */
  readonly packetsDropped: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** corosync-cfgtool -s's line for the ring. */
  readonly text: string;
  readonly transport: RingTransportStatus;
}

export interface RrpStatus {
  readonly mode: RrpMode;
  readonly rings: readonly RrpRingStatus[];
}

export class Rrp {
  private readonly core: RrpCore;
  private readonly transports: readonly RingTransport[];
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly onRingState: ((ring: RingNo, state: RingState) => void) | undefined;
  private readonly timers = new Map<RrpTimerName, NodeJS.Timeout>();
  /** Reused for every core call: no allocation on the per-packet paths. */
  private readonly out: RrpAction[] = [];
  private performing = false;
  private closed = false;

  constructor(opts: RrpOptions) {
    assert(opts.transports.length >= 1, 'rrp needs a transport');
    opts.transports.forEach((t, i) => assert(t.ring === i, `transport ${i} is for ring ${t.ring}`));
    this.transports = opts.transports;
    this.core = new RrpCore({
      ...opts.core,
      ringCount: opts.transports.length,
      ringNames: opts.transports.map((t) => t.status().localAddress),
    });
    this.logger = opts.logger;
    this.now = opts.now ?? (() => performance.now());
    this.onRingState = opts.onRingState;
  }

  /** The rings of a parsed configuration for node `nodeid`, its transports built and not yet open. */
  static fromTotem(cfg: TotemConfig, nodeid: NodeId, onPacket: PacketHandler, logger: Logger, opts: RingTransportsOptions & { onRingState?: RrpOptions['onRingState'] } = {}): Rrp {
    const transports = createRingTransports(cfg, nodeid, onPacket, opts);
    const { ringCount: _n, ringNames: _names, ...core } = rrpCoreConfigFromTotem(cfg, []);
    return new Rrp({ transports, core, logger, ...(opts.onRingState !== undefined ? { onRingState: opts.onRingState } : {}) });
  }

  get mode(): RrpMode {
    return this.core.mode;
  }

  /** Opens every ring; if one fails, the ones already open are closed again and the error is passed on. */
  async open(): Promise<void> {
    const done: RingTransport[] = [];
    try {
      for (const t of this.transports) {
        await t.open();
        done.push(t);
      }
    } catch (err) {
      await Promise.all(done.map((t) => t.close()));
      throw err;
    }
    const rings = this.transports.map((t) => {
      const s = t.status();
      const io = s.io === 'native' ? `batched I/O${s.segmentationOffload ? ' with segmentation offload' : ''}` : 'dgram I/O';
      return `ring ${t.ring} ${s.transport} ${s.localAddress}:${s.port} (${io})`;
    });
    this.logger.notice(`rrp_mode ${this.core.mode}: ${rings.join(', ')}`);
    const why = nativeNetUnavailable();
    if (why !== undefined && process.env['RINGFORT_UDP_IO'] !== 'dgram' && this.transports.some((t) => t.status().transport === 'udpu')) {
      this.logger.warning(`udpu without batched I/O (${why}): each datagram costs a system call`);
    }
  }

  /** A packet to one node (`to`), or to every other node (`to` null), on the rings the mode picks. */
  /** Sends now whatever the transports queued (a token visit's frames and the token leave together). */
  flush(): void {
    for (let i = 0; i < this.transports.length; i++) this.transports[i]!.flush();
  }

  send(kind: PacketKind, to: NodeId | null, data: Uint8Array): void {
    const mask = this.core.sendRings(kind);
    for (let r = 0; r < this.transports.length; r++) {
      if ((mask & (1 << r)) === 0) continue;
      const t = this.transports[r]!;
      if (to === null) t.sendMulticast(data);
      else t.sendUnicast(to, data);
    }
  }

  tokenReceived(ring: RingNo, key: TokenKey): void {
    if (this.closed) return;
    this.core.tokenReceived(ring, key, this.now(), this.out);
    if (this.out.length > 0) this.perform();
  }

  mcastReceived(ring: RingNo): void {
    if (this.closed) return;
    this.core.mcastReceived(ring, this.now(), this.out);
    if (this.out.length > 0) this.perform();
  }

  learnMember(ring: RingNo, nodeid: NodeId, address: string): boolean {
    return this.transport(ring).learnMember(nodeid, address);
  }

  /** corosync-cfgtool -r: re-enable one ring, or all. */
  reenable(ring?: RingNo): void {
    this.core.reenable(ring, this.now(), this.out);
    this.perform();
  }

  transport(ring: RingNo): RingTransport {
    const t = this.transports[ring];
    assert(t !== undefined, `no ring ${ring}`);
    return t;
  }

  status(): RrpStatus {
    const rings = this.transports.map((t): RrpRingStatus => {
      const s = t.status();
      const c = s.counters;
      const v = this.core.view(t.ring);
      return {
        ring: t.ring, state: v.state, address: s.localAddress, port: s.port,
        problemCount: v.problemCount, tokenLag: v.tokenLag, mcastLag: v.mcastLag, markedFaulty: v.markedFaulty, recovered: v.recovered,
        packetsSent: c.packetsSent, packetsReceived: c.packetsReceived,
        packetsDropped: c.droppedBlockedSend + c.droppedBlockedReceive + c.droppedUnlisted + c.droppedUnknownNode + c.droppedNotSent + totalSendErrors(c.sendErrors),
        bytesSent: c.bytesSent, bytesReceived: c.bytesReceived, text: v.text, transport: s,
      };
    });
    return { mode: this.core.mode, rings };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.transports.map((t) => t.close()));
  }

  private perform(): void {
    if (this.performing) return; // an outer perform() is draining `out` and will see these too
    this.performing = true;
    try {
      for (let i = 0; i < this.out.length; i++) this.apply(this.out[i]!);
    } finally {
      this.out.length = 0;
      this.performing = false;
    }
  }

  private apply(a: RrpAction): void {
    switch (a.kind) {
      case 'set_timer': {
        const old = this.timers.get(a.name);
        if (old !== undefined) clearTimeout(old);
        if (this.closed) return;
        const name = a.name;
        const t = setTimeout(() => {
          this.timers.delete(name);
          if (this.closed) return;
          this.core.timer(name, this.now(), this.out);
          this.perform();
        }, a.afterMs);
        t.unref();
        this.timers.set(name, t);
        break;
      }
      case 'cancel_timer': {
        const old = this.timers.get(a.name);
        if (old !== undefined) clearTimeout(old);
        this.timers.delete(a.name);
        break;
      }
      case 'ring_state':
        this.onRingState?.(a.ring, a.state);
        break;
      case 'log':
        this.logger[a.level](a.text);
        break;
    }
  }
}
