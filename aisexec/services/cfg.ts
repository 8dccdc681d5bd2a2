// The configuration and status service (service 7, openais' "cfg" slot):
// liveness probes for both IPC channels and for the agreed-order path, the
// executive's runtime status as JSON for the command-line tools, the shutdown
// notice pushed to every client when the executive stops, and the ring
// controls of ais-cfgtool: re-enabling faulty rings (cluster-wide, through
// the ring, as corosync's cfg service does for corosync-cfgtool -r) and a
// test-only switch that blocks one ring on this node.
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { BodyReader, BodyWriter } from '../../lib-ais/ipc/codec.js';
import {
  MSG_CFG_CB_PING, MSG_CFG_CB_SHUTDOWN, MSG_CFG_MCAST_PING, MSG_CFG_PING, MSG_CFG_PING_DISPATCH, MSG_CFG_RING_BLOCK,
  MSG_CFG_RING_REENABLE, MSG_CFG_STATUS_GET, MSG_EXEC_CFG_MCAST_PING, MSG_EXEC_CFG_RING_REENABLE, ServiceId, functionOf,
} from '../../lib-ais/ipc/ids.js';
import type { PeerCred } from '../ipc/peercred.js';
import type { RingNo } from '../totem/net/transport.js';
import type { ExecHandler, LibConnection, LibHandler, LibRequest, Service, ServiceContext } from './service.js';

/** Multicast pings (and ring re-enables) awaiting their agreed delivery, per node; beyond this the client gets TRY_AGAIN. */
export const CFG_MCAST_PINGS_PENDING_MAX = 1024;

/** The executive's environment variable that turns the ring block request on. A test facility: never set it in production. */
export const FAULT_INJECTION_ENV = 'RINGFORT_FAULT_INJECTION';

/** What CFG may ask of the ring (aisexec/totem/driver.ts TotemDelivery has both). */
export interface RingControl {
  /** corosync-cfgtool -r on this node: every faulty ring is active again and judged afresh. */
  reenableRings(): void;
  /** Drop everything this node sends and receives on `ring`, as if its cable were pulled. */
  setRingBlocked(ring: RingNo, blocked: boolean): void;
}

export interface CfgOptions {
  /** The ring's controls; without them both ring requests answer NOT_SUPPORTED (the loopback stand-in). */
  ring?: RingControl;
  /** Rings this node runs: 1, or 2 with rrp_mode active/passive. */
  ringCount?: number;
  /** Whether the ring block request is accepted; default: $RINGFORT_FAULT_INJECTION is "1". */
  faultInjection?: boolean;
  /** The executive's uid, which may use the ring controls besides root; default process.getuid(). */
  executiveUid?: number;
}

export class CfgService implements Service {
  readonly id = ServiceId.CFG;
  readonly name = 'cfg';
  readonly lib: ReadonlyMap<number, LibHandler>;
  readonly exec: ReadonlyMap<number, ExecHandler>;
  private ctx: ServiceContext | undefined;
  private nextPing = 1;
  private readonly pendingPings = new Map<number, LibRequest>();
  /** This service's own clients: a shutdown notice is a CFG callback, meaningless to an AMF client. */
  private readonly clients = new Set<LibConnection>();
  private readonly ring: RingControl | undefined;
  private readonly ringCount: number;
  private readonly faultInjection: boolean;
  private readonly executiveUid: number;
  /** Connections already told (in the log) that fault injection is off: one line per client, not per request. */
  private readonly refusalLogged = new WeakSet<LibConnection>();
  private readonly counters = { ringReenablesRequested: 0, ringReenablesApplied: 0, ringBlocks: 0, ringUnblocks: 0, refused: 0 };

  constructor(private readonly statusOf: () => unknown, opts: CfgOptions = {}) {
    this.ring = opts.ring;
    this.ringCount = opts.ringCount ?? 1;
    this.faultInjection = opts.faultInjection ?? process.env[FAULT_INJECTION_ENV] === '1';
    this.executiveUid = opts.executiveUid ?? process.getuid?.() ?? 0;
    this.lib = new Map<number, LibHandler>([
      [functionOf(MSG_CFG_PING), { name: 'ReqLibCfgPing', handle: (r) => r.respond(SaAisErrorT.SA_AIS_OK, r.body) }],
      [functionOf(MSG_CFG_PING_DISPATCH), { name: 'ReqLibCfgPingDispatch', handle: (r) => this.pingDispatch(r) }],
      [functionOf(MSG_CFG_MCAST_PING), { name: 'ReqLibCfgMcastPing', handle: (r) => this.mcastPing(r) }],
      [functionOf(MSG_CFG_STATUS_GET), { name: 'ReqLibCfgStatusGet', handle: (r) => this.statusGet(r) }],
      [functionOf(MSG_CFG_RING_REENABLE), { name: 'ReqLibCfgRingReenable', handle: (r) => this.ringReenable(r) }],
      [functionOf(MSG_CFG_RING_BLOCK), { name: 'ReqLibCfgRingBlock', handle: (r) => this.ringBlock(r) }],
    ]);
    this.exec = new Map<number, ExecHandler>([
      [functionOf(MSG_EXEC_CFG_MCAST_PING), { name: 'ReqExecCfgMcastPing', handle: (p, src) => this.deliverPing(p, src) }],
      [functionOf(MSG_EXEC_CFG_RING_REENABLE), { name: 'ReqExecCfgRingReenable', handle: (p, src) => this.deliverReenable(p, src) }],
    ]);
  }

  execInit(ctx: ServiceContext): void {
    this.ctx = ctx;
    if (this.faultInjection) {
      ctx.log.warning(`fault injection is on (${FAULT_INJECTION_ENV}=1): root and uid ${this.executiveUid} may block rings; a test facility, never for production`);
    }
  }

  /** Tells every client the executive is going away (a callback they can act on before the channels close). */
  execExit(): void {
    for (const c of this.clients) c.dispatch(MSG_CFG_CB_SHUTDOWN, SaAisErrorT.SA_AIS_OK);
  }

  libInit(conn: LibConnection): void {
    this.clients.add(conn);
  }

  libExit(conn: LibConnection): void {
    this.clients.delete(conn);
    for (const [k, r] of this.pendingPings) if (r.conn === conn) this.pendingPings.delete(k);
  }

  private pingDispatch(r: LibRequest): void {
    // Answer first: the client is then waiting on its dispatch channel, not on the response.
    r.respond(SaAisErrorT.SA_AIS_OK);
    r.conn.dispatch(MSG_CFG_CB_PING, SaAisErrorT.SA_AIS_OK, r.body);
  }

  private mcastPing(r: LibRequest): void {
    this.throughRing(MSG_EXEC_CFG_MCAST_PING, r, r.body);
  }

  /** Multicasts `[u32 tag](blob)` and keeps the request until the message comes back in agreed order. */
  private throughRing(id: number, r: LibRequest, blob?: Buffer): void {
    if (this.ctx === undefined || this.pendingPings.size >= CFG_MCAST_PINGS_PENDING_MAX) {
      return r.respond(SaAisErrorT.SA_AIS_ERR_TRY_AGAIN);
    }
    const tag = this.nextPing++ >>> 0;
    const w = new BodyWriter(8 + (blob?.length ?? 0)).u32(tag);
    if (blob !== undefined) w.blob(blob);
    const err = this.ctx.mcast(id, w.finish());
    if (err !== SaAisErrorT.SA_AIS_OK) return r.respond(err);
    this.pendingPings.set(tag, r);
  }

  /** Only the originating node answers: the tag is its own. */
  private answerPending(tag: number, source: number, body: Buffer): void {
    if (source !== this.ctx?.nodeid) return;
    const r = this.pendingPings.get(tag);
    if (r === undefined) return; // its client went away
    this.pendingPings.delete(tag);
    r.respond(SaAisErrorT.SA_AIS_OK, body);
  }

  /**
   * corosync-cfgtool -r. As corosync's cfg service, the request goes round
   * the ring and every node re-enables its rings on delivery: each node
   * judges the links into it, so a ring works again only once every node has
   * stopped treating it as faulty. Answered when it comes back here.
   */
  private ringReenable(r: LibRequest): void {
    new BodyReader(r.body).end();
    if (!this.mayControl(r, 'ring re-enable')) return;
    if (this.ring === undefined) return r.respond(SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    this.counters.ringReenablesRequested++;
    this.ctx?.log.notice(`ring re-enable requested by ${describe(r.conn.cred)}`);
    this.throughRing(MSG_EXEC_CFG_RING_REENABLE, r);
  }

  private deliverReenable(payload: Buffer, source: number): void {
    const rd = new BodyReader(payload);
    const tag = rd.u32();
    rd.end();
    this.counters.ringReenablesApplied++;
    this.ctx?.log.notice(`re-enabling faulty rings (requested on node ${source})`);
    this.ring?.reenableRings();
    this.answerPending(tag, source, Buffer.alloc(0));
  }

  /** The test facility: block or unblock one ring on this node. */
  private ringBlock(r: LibRequest): void {
    const rd = new BodyReader(r.body);
    const ring = rd.u32();
    const blocked = rd.u32();
    rd.end();
    const what = `ring ${ring} ${blocked === 1 ? 'block' : 'unblock'}`;
    if (!this.faultInjection) {
      this.counters.refused++;
      if (!this.refusalLogged.has(r.conn)) {
        this.refusalLogged.add(r.conn);
        this.ctx?.log.warning(`refused ${what} from ${describe(r.conn.cred)}: fault injection is off (start aisexec with ${FAULT_INJECTION_ENV}=1; tests only)`);
      }
      return r.respond(SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    }
    if (!this.mayControl(r, what)) return;
    if (this.ring === undefined) return r.respond(SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    if (ring >= this.ringCount || (blocked !== 0 && blocked !== 1)) return r.respond(SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    if (blocked === 1) this.counters.ringBlocks++;
    else this.counters.ringUnblocks++;
    this.ctx?.log.notice(`fault injection: ${what} requested by ${describe(r.conn.cred)}`);
    this.ring.setRingBlocked(ring as RingNo, blocked === 1);
    r.respond(SaAisErrorT.SA_AIS_OK);
  }

  /** Ring controls are for root and the executive's own uid, not for every uid the IPC lets in. */
  private mayControl(r: LibRequest, what: string): boolean {
    const uid = r.conn.cred.uid;
    if (uid === 0 || uid === this.executiveUid) return true;
    this.counters.refused++;
    this.ctx?.log.warning(`refused ${what} from ${describe(r.conn.cred)}: only root and uid ${this.executiveUid} may control the ring`);
    r.respond(SaAisErrorT.SA_AIS_ERR_ACCESS);
    return false;
  }

  private deliverPing(payload: Buffer, source: number): void {
    const rd = new BodyReader(payload);
    const tag = rd.u32();
    const body = rd.blob();
    rd.end();
    this.answerPending(tag, source, body);
  }

  private statusGet(r: LibRequest): void {
    const json = JSON.stringify(this.statusOf(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    r.respond(SaAisErrorT.SA_AIS_OK, new BodyWriter(json.length + 4).blob(Buffer.from(json, 'utf8')).finish());
  }

  status(): unknown {
    return { pendingMcastPings: this.pendingPings.size, faultInjection: this.faultInjection, ...this.counters };
  }
}

function describe(c: PeerCred): string {
  return `client pid ${c.pid} uid ${c.uid} gid ${c.gid}`;
}
