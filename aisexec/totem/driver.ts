// The Totem driver: the I/O edge around the pure core. It owns the clock,
// timers, sockets (through the redundant-ring layer), packet security, the
// wire codec, the packer/assembler and the ring-seq file, performs the core's
// actions in order, and presents the ring to the executive as a `Delivery`.
//
// One executive message = [u32 message id][payload], packed into frames
// (aisexec/totem/pg) that the core numbers and orders.
import fs from 'node:fs';
import path from 'node:path';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import type { TotemConfig } from '../config/totemconfig.js';
import type { Logger } from '../log/logger.js';
import type { Delivery, DeliveryHandlers } from '../services/delivery.js';
import { TotemCore, coreConfigFromTotem, type TotemCoreConfig } from './core.js';
import { Rrp } from './net/rrp.js';
import type { RingNo } from './net/transport.js';
import { FrameAssembler, FramePacker, submitErrorCode } from './pg/index.js';
import { loadAuthkey, PacketSecurity, securityModeFromConfig } from './security.js';
import { ringIdString, type NodeId, type TimerName, type TotemAction, type TotemEvent, type TotemMessage } from './types.js';
import { decode, encode, mcastPayloadCapacity } from './wire.js';

export interface TotemDriverOptions {
  config: TotemConfig;
  nodeId: NodeId;
  log: Logger;
  /** Where the ring seq is kept across restarts (corosync's ringid_<nodeid> in its state dir). */
  stateDir: string;
  /** Override the authkey (tests); otherwise read from totem { keyfile } when security is on. */
  authkey?: Uint8Array;
}

const ID_BYTES = 4;

/** Reads the stored ring seq; 0 when there is none yet. A damaged file is an error: reusing a ring id is worse than not starting. */
export function readRingSeq(file: string): bigint {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
    throw e;
  }
  if (!/^\d{1,20}\n?$/.test(text)) throw new Error(`${file}: expected a ring sequence number, found ${JSON.stringify(text.slice(0, 40))}`);
  return BigInt(text.trim());
}

/** Write, fsync, rename: the old value survives a crash in the middle. */
export function writeRingSeq(file: string, seq: bigint): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${seq}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** max(now, last + 1), stored before use; a missing or damaged file falls back to the clock. */
export function nextIncarnation(file: string, now = Date.now()): number {
  let last = 0;
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    if (Number.isSafeInteger(n) && n > 0) last = n;
  } catch {
    // first start
  }
  const next = Math.max(now, last + 1);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, `${next}\n`, { mode: 0o600 });
  return next;
}

export class TotemDelivery implements Delivery {
  readonly nodeid: NodeId;
  private readonly core: TotemCore;
  private readonly coreConfig: TotemCoreConfig;
  private readonly rrp: Rrp;
  /** Seals what this node sends. */
  private readonly security: PacketSecurity;
  /**
   * Opens what arrives, one per ring: each keeps its own replay window, since
   * redundant rings carry the same sealed packet twice (active mode, token
   * copies) and the second copy is not a replay.
   */
  private readonly openers: PacketSecurity[];
  private readonly packer: FramePacker;
  private readonly assembler = new FrameAssembler();
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly ringSeqFile: string;
  private handlers: DeliveryHandlers | undefined;
  private running = false;
  private framesReadyScheduled = false;
  private readonly selfQueue: TotemMessage[] = [];
  private selfScheduled = false;
  private readonly log: Logger;
  readonly counters = { packetsBad: 0, packetsUnauthenticated: 0, ringSeqWrites: 0, delivered: 0, confChanges: 0, pausesDetected: 0, joinsFlushed: 0 };
  private lastRing: { id: string; members: readonly NodeId[]; at: number } | undefined;
  /** Pause detection (corosync pause_flush): the event loop's last tick, and until when membership packets are stale. */
  private pauseTimer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private flushUntil = 0;
  private readonly startedAt = performance.now();

  constructor(private readonly opts: TotemDriverOptions) {
    const { config, nodeId } = opts;
    this.nodeid = nodeId;
    this.log = opts.log;
    this.ringSeqFile = path.join(opts.stateDir, `ringid_${nodeId}`);
    const mode = securityModeFromConfig(config);
    const key = mode === 'none' ? undefined : (opts.authkey ?? loadAuthkey(config.keyfile));
    // Incarnation: wall-clock ms at start, but above the last one used (kept beside the ring seq), so a
    // restarted sender's packet counters are above its previous run's even after the clock stepped back.
    this.security = PacketSecurity.fromConfig(mode, key, nextIncarnation(path.join(opts.stateDir, `incarnation_${nodeId}`)));
    this.openers = [0, 1].map(() => PacketSecurity.fromConfig(mode, key, 0));
    const family = config.nodes[0]?.ring0Addr.includes(':') ? 6 : 4;
    this.packer = new FramePacker({ capacityBytes: mcastPayloadCapacity(config.netmtuBytes, mode, family) });
    this.coreConfig = {
      ...coreConfigFromTotem(config, nodeId, readRingSeq(this.ringSeqFile)),
      source: { pending: () => this.packer.pendingFrames(), take: () => this.packer.takeFrame() },
    };
    this.core = new TotemCore(this.coreConfig);
    this.rrp = Rrp.fromTotem(config, nodeId, (ring, data, from) => this.onPacket(ring, data, from), opts.log);
  }

  /** Opens the rings and starts the protocol: the node forms a ring of its own at once and merges with whoever answers. */
  async start(handlers: DeliveryHandlers): Promise<void> {
    this.handlers = handlers;
    fs.mkdirSync(this.opts.stateDir, { recursive: true, mode: 0o755 });
    await this.rrp.open();
    this.running = true;
    this.log.notice(`Totem: node ${this.nodeid}, token ${this.coreConfig.tokenMs} ms, fail-wait ${this.coreConfig.failWaitMs} ms, consensus ${this.coreConfig.consensusMs} ms, join ${this.coreConfig.joinMs} ms, security ${this.security.mode}, stored ring seq ${this.coreConfig.ringSeq}`);
    this.step({ kind: 'start', now: performance.now() });
    this.lastTick = performance.now();
    this.pauseTimer = setInterval(() => this.checkPause(), Math.max(10, Math.trunc(this.coreConfig.tokenMs / 5)));
  }

  /**
   * A process that was not scheduled (SIGSTOP, a VM stall, a long GC) for
   * more than half a token finds stale joins in its socket buffer, sent
   * while it was away; acting on them (e.g. "it failed me: fail it back")
   * breaks the fresh gathering the others just started. As corosync, drop
   * joins and leaves for a moment after such a pause: the others resend
   * theirs every `join` ms.
   */
  private checkPause(): void {
    const now = performance.now();
    const gap = now - this.lastTick;
    this.lastTick = now;
    if (gap > this.coreConfig.tokenMs / 2) {
      this.flushUntil = now + 2 * this.coreConfig.joinMs;
      this.counters.pausesDetected++;
      this.log.warning(`Process pause detected for ${Math.round(gap)} ms, flushing membership messages.`);
    }
  }

  mcast(id: number, payload: Buffer, guarantee: 'agreed' | 'safe' = 'agreed'): SaAisErrorT {
    if (!this.running) return SaAisErrorT.SA_AIS_ERR_TRY_AGAIN;
    const msg = Buffer.allocUnsafe(ID_BYTES + payload.length);
    msg.writeUInt32BE(id >>> 0, 0);
    payload.copy(msg, ID_BYTES);
    const r = this.packer.submit(msg, guarantee);
    if (r !== 'ok') return submitErrorCode(r);
    // Batch: every message submitted in this turn of the event loop, then one nudge to the core.
    if (!this.framesReadyScheduled) {
      this.framesReadyScheduled = true;
      queueMicrotask(() => {
        this.framesReadyScheduled = false;
        if (this.running) this.step({ kind: 'frames_ready', now: performance.now() });
      });
    }
    return SaAisErrorT.SA_AIS_OK;
  }

  /** Orderly shutdown: a leave message, so the others re-form without waiting for the token timeout. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.step({ kind: 'leave', now: performance.now() });
    this.running = false;
    clearInterval(this.pauseTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.rrp.close();
  }

  /** Fault injection for tests: drop everything on one ring, as if its cable were pulled. */
  setRingBlocked(ring: RingNo, blocked: boolean): void {
    this.rrp.transport(ring).setBlocked(blocked);
    this.log.notice(`fault injection: ring ${ring} ${blocked ? 'blocked' : 'unblocked'}`);
  }

  reenableRings(): void {
    this.rrp.reenable();
  }

  status(): unknown {
    const m = this.core.membership();
    const c = this.coreConfig;
    return {
      transport: this.opts.config.transport,
      nodeid: this.nodeid,
      state: m.state,
      ringId: m.ringId === undefined ? null : { rep: m.ringId.rep, seq: m.ringId.seq.toString(), text: ringIdString(m.ringId) },
      members: m.members,
      ringSeqHighest: m.ringSeqHighest.toString(),
      lastChange: this.lastRing === undefined ? null : { ring: this.lastRing.id, members: this.lastRing.members, atMs: Math.round(this.lastRing.at - this.startedAt) },
      rrp: this.rrp.status(),
      security: this.securityStatus(),
      config: {
        token: c.tokenMs, token_retransmit: c.tokenRetransmitMs, join: c.joinMs, consensus: c.consensusMs, fail_wait: c.failWaitMs,
        merge: c.mergeMs, hold: c.holdMs, sender_hold: c.senderHoldMs, seqno_unchanged_const: c.seqnoUnchangedConst, fail_recv_const: c.failRecvConst,
        window_size: c.windowSize, max_messages: c.maxMessages, miss_count_const: c.missCountConst, netmtu: this.opts.config.netmtuBytes,
        rrp_mode: this.opts.config.rrpMode, secauth: this.opts.config.secauth,
      },
      // Every totem {} value as parsed and derived (corosync's runtime.config.totem.*).
      totem: this.opts.config,
      counters: { ...this.core.counters, ...this.counters },
      packer: { ...this.packer.counters, queuedMessages: this.packer.queuedMessages, queuedBytes: this.packer.queuedBytes },
      assembler: this.assembler.counters,
      queues: this.core.queues(),
    };
  }

  /** Sealed, opened and dropped (by reason) over every ring's replay window. */
  private securityStatus(): { mode: string; sealed: number; opened: number; dropped: Record<string, number> } {
    const dropped: Record<string, number> = {};
    let opened = 0;
    for (const o of this.openers) {
      opened += o.counters.opened;
      for (const [k, v] of Object.entries(o.counters.dropped)) dropped[k] = (dropped[k] ?? 0) + v;
    }
    return { mode: this.security.mode, sealed: this.security.counters.sealed, opened, dropped };
  }

  // ----------------------------------------------------------------- I/O

  private onPacket(ring: RingNo, data: Buffer, from: string): void {
    if (!this.running) return;
    const opened = this.openers[ring]!.open(data);
    if (!opened.ok) {
      this.counters.packetsUnauthenticated++;
      return;
    }
    const d = decode(opened.plain, opened.sender);
    if (!d.ok) {
      this.counters.packetsBad++;
      this.log.debug(() => `dropped a packet from ${from} on ring ${ring}: ${d.reason} (${d.detail})`);
      return;
    }
    if (d.message.type === 'memb_join' && this.flushUntil > 0) {
      this.checkPause(); // the timers phase may not have run yet after a resume
      if (performance.now() < this.flushUntil) {
        this.counters.joinsFlushed++;
        return;
      }
    }
    if (this.opts.config.transport === 'udp') this.rrp.learnMember(ring, d.sender, from);
    // Keyed by ring and token_seq: token_seq restarts at 0 on every new ring.
    if (d.message.type === 'orf_token') this.rrp.tokenReceived(ring, `${d.message.ringId.rep}.${d.message.ringId.seq}:${d.message.tokenSeq}`);
    else this.rrp.mcastReceived(ring);
    this.step({ kind: 'packet', now: performance.now(), from: d.sender, message: d.message });
  }

  private step(ev: TotemEvent): void {
    const actions = this.core.step(ev);
    for (let i = 0; i < actions.length; i++) this.perform(actions[i]!);
  }

  private perform(a: TotemAction): void {
    switch (a.kind) {
      case 'send_unicast':
        if (a.to === this.nodeid) this.toSelf(a.message);
        else this.send(a.to, a.message);
        break;
      case 'send_multicast':
        this.send(null, a.message);
        break;
      case 'set_timer': {
        const old = this.timers.get(a.name);
        if (old !== undefined) clearTimeout(old);
        const name = a.name;
        this.timers.set(name, setTimeout(() => {
          this.timers.delete(name);
          if (this.running) this.step({ kind: 'timer', now: performance.now(), name });
        }, a.afterMs));
        break;
      }
      case 'cancel_timer': {
        const t = this.timers.get(a.name);
        if (t !== undefined) {
          clearTimeout(t);
          this.timers.delete(a.name);
        }
        break;
      }
      case 'deliver': {
        for (const msg of this.assembler.onFrame(a.source, a.payload)) {
          if (msg.length < ID_BYTES) continue;
          const buf = Buffer.from(msg.buffer, msg.byteOffset, msg.length);
          this.counters.delivered++;
          this.handlers?.deliver(buf.readUInt32BE(0), buf.subarray(ID_BYTES), a.source);
        }
        break;
      }
      case 'conf_change':
        this.assembler.onConfChange(a.members);
        if (a.type === 'regular') {
          this.packer.onNewRing();
          this.lastRing = { id: ringIdString(a.ringId), members: a.members, at: performance.now() };
        }
        this.counters.confChanges++;
        this.handlers?.confChange({ type: a.type, ringId: a.ringId, members: a.members, left: a.left, joined: a.joined });
        break;
      case 'store_ring_seq':
        writeRingSeq(this.ringSeqFile, a.seq);
        this.counters.ringSeqWrites++;
        break;
      case 'mcast_refused':
        break;
      case 'log':
        if (a.level === 'notice') this.log.notice(a.text);
        else if (a.level === 'warning') this.log.warning(a.text);
        else this.log.debug(a.text);
        break;
    }
  }

  private send(to: NodeId | null, m: TotemMessage): void {
    const packet = this.security.seal(encode(m, this.nodeid), this.nodeid);
    const token = m.type === 'orf_token' || m.type === 'memb_commit_token';
    this.rrp.send(token ? 'token' : 'mcast', to, packet);
    // The core sends a visit's messages, then the token, then delivers: the batch leaves before the deliveries run.
    if (token) this.rrp.flush();
  }

  /** A one-member ring passes its tokens to itself without the network, on a later turn of the event loop. */
  private toSelf(m: TotemMessage): void {
    this.selfQueue.push(m);
    if (this.selfScheduled) return;
    this.selfScheduled = true;
    setImmediate(() => {
      this.selfScheduled = false;
      const batch = this.selfQueue.splice(0);
      for (const msg of batch) if (this.running) this.step({ kind: 'packet', now: performance.now(), from: this.nodeid, message: msg });
    });
  }
}
