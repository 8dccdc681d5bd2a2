// Client of the configuration and status service: probes, executive status,
// and the ring controls behind ais-cfgtool.
import { AisConnection, type ConnectOptions } from './connection.js';
import { BodyReader, BodyWriter } from './ipc/codec.js';
import {
  MSG_CFG_CB_PING, MSG_CFG_CB_SHUTDOWN, MSG_CFG_MCAST_PING, MSG_CFG_PING, MSG_CFG_PING_DISPATCH, MSG_CFG_RING_BLOCK,
  MSG_CFG_RING_REENABLE, MSG_CFG_STATUS_GET, ServiceId,
} from './ipc/ids.js';
import { AisInvalidParamError } from './errors.js';
import { dispatch, SaDispatchFlagsT } from './dispatch.js';
import type { Frame } from './ipc/frame.js';

export interface CfgCallbacks {
  ping?(payload: Buffer): void;
  shutdown?(): void;
}

export class CfgClient {
  private constructor(readonly conn: AisConnection, private readonly callbacks: CfgCallbacks) {}

  static async open(callbacks: CfgCallbacks = {}, opts?: ConnectOptions): Promise<CfgClient> {
    return new CfgClient(await AisConnection.open(ServiceId.CFG, opts), callbacks);
  }

  /** A no-op round trip on the request channel; echoes `payload`. */
  ping(payload?: Buffer): Promise<Buffer> {
    return this.conn.call(MSG_CFG_PING, payload);
  }

  /** Asks the executive to echo `payload` as a callback on the dispatch channel. */
  async pingDispatch(payload?: Buffer): Promise<void> {
    await this.conn.call(MSG_CFG_PING_DISPATCH, payload);
  }

  /** A round trip through agreed-order delivery (the ring, or its single-node stand-in). */
  mcastPing(payload?: Buffer): Promise<Buffer> {
    return this.conn.call(MSG_CFG_MCAST_PING, payload);
  }

  async status(): Promise<unknown> {
    const body = await this.conn.call(MSG_CFG_STATUS_GET);
    const r = new BodyReader(body);
    const json = r.blob().toString('utf8');
    r.end();
    return JSON.parse(json) as unknown;
  }

  /**
   * corosync-cfgtool -r: every node of the ring re-enables its faulty rings;
   * resolves once the request has gone round the ring. Root or the
   * executive's uid only (SA_AIS_ERR_ACCESS otherwise).
   */
  async ringReenable(): Promise<void> {
    await this.conn.call(MSG_CFG_RING_REENABLE);
  }

  /**
   * Test facility: block (or unblock) ring `ring` on this node, as if its
   * cable were pulled. SA_AIS_ERR_NOT_SUPPORTED unless the executive runs
   * with RINGFORT_FAULT_INJECTION=1; SA_AIS_ERR_INVALID_PARAM for a ring it
   * does not have.
   */
  async ringBlock(ring: number, blocked: boolean): Promise<void> {
    if (!Number.isInteger(ring) || ring < 0 || ring > 0xffffffff) throw new AisInvalidParamError(`ring ${ring} is not a ring number`);
    await this.conn.call(MSG_CFG_RING_BLOCK, new BodyWriter(8).u32(ring).u32(blocked ? 1 : 0).finish());
  }

  dispatch(flags: SaDispatchFlagsT = SaDispatchFlagsT.SA_DISPATCH_ALL) {
    return dispatch(this.conn, flags, (f) => this.run(f));
  }

  finalize(): void {
    this.conn.finalize();
  }

  private run(f: Frame): void {
    if (f.id === MSG_CFG_CB_PING) this.callbacks.ping?.(f.body);
    else if (f.id === MSG_CFG_CB_SHUTDOWN) this.callbacks.shutdown?.();
  }
}
