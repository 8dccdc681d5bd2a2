// The configuration and status service (service 7, openais' "cfg" slot):
// liveness probes for both IPC channels and for the agreed-order path, the
// executive's runtime status as JSON for the command-line tools, and the
// shutdown notice pushed to every client when the executive stops.
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { BodyReader, BodyWriter } from '../../lib-ais/ipc/codec.js';
import {
  MSG_CFG_CB_PING, MSG_CFG_CB_SHUTDOWN, MSG_CFG_MCAST_PING, MSG_CFG_PING, MSG_CFG_PING_DISPATCH, MSG_CFG_STATUS_GET,
  MSG_EXEC_CFG_MCAST_PING, ServiceId, functionOf,
} from '../../lib-ais/ipc/ids.js';
import type { ExecHandler, LibConnection, LibHandler, LibRequest, Service, ServiceContext } from './service.js';

/** Multicast pings awaiting their agreed delivery, per node; beyond this the client gets TRY_AGAIN. */
export const CFG_MCAST_PINGS_PENDING_MAX = 1024;

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

  constructor(private readonly statusOf: () => unknown) {
    this.lib = new Map<number, LibHandler>([
      [functionOf(MSG_CFG_PING), { name: 'ReqLibCfgPing', handle: (r) => r.respond(SaAisErrorT.SA_AIS_OK, r.body) }],
      [functionOf(MSG_CFG_PING_DISPATCH), { name: 'ReqLibCfgPingDispatch', handle: (r) => this.pingDispatch(r) }],
      [functionOf(MSG_CFG_MCAST_PING), { name: 'ReqLibCfgMcastPing', handle: (r) => this.mcastPing(r) }],
      [functionOf(MSG_CFG_STATUS_GET), { name: 'ReqLibCfgStatusGet', handle: (r) => this.statusGet(r) }],
    ]);
    this.exec = new Map<number, ExecHandler>([
      [functionOf(MSG_EXEC_CFG_MCAST_PING), { name: 'ReqExecCfgMcastPing', handle: (p, src) => this.deliverPing(p, src) }],
    ]);
  }

  execInit(ctx: ServiceContext): void {
    this.ctx = ctx;
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
    if (this.ctx === undefined || this.pendingPings.size >= CFG_MCAST_PINGS_PENDING_MAX) {
      return r.respond(SaAisErrorT.SA_AIS_ERR_TRY_AGAIN);
    }
    const tag = this.nextPing++ >>> 0;
    const payload = new BodyWriter(8 + r.body.length).u32(tag).blob(r.body).finish();
    const err = this.ctx.mcast(MSG_EXEC_CFG_MCAST_PING, payload);
    if (err !== SaAisErrorT.SA_AIS_OK) return r.respond(err);
    this.pendingPings.set(tag, r);
  }

  private deliverPing(payload: Buffer, source: number): void {
    const rd = new BodyReader(payload);
    const tag = rd.u32();
    const body = rd.blob();
    rd.end();
    if (source !== this.ctx?.nodeid) return; // another node's probe
    const r = this.pendingPings.get(tag);
    if (r === undefined) return; // its client went away
    this.pendingPings.delete(tag);
    r.respond(SaAisErrorT.SA_AIS_OK, body);
  }

  private statusGet(r: LibRequest): void {
    const json = JSON.stringify(this.statusOf(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    r.respond(SaAisErrorT.SA_AIS_OK, new BodyWriter(json.length + 4).blob(Buffer.from(json, 'utf8')).finish());
  }

  status(): unknown {
    return { pendingMcastPings: this.pendingPings.size };
  }
}
