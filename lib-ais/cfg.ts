// Client of the configuration and status service: probes and executive status.
import { AisConnection, type ConnectOptions } from './connection.js';
import { BodyReader } from './ipc/codec.js';
import {
  MSG_CFG_CB_PING, MSG_CFG_CB_SHUTDOWN, MSG_CFG_MCAST_PING, MSG_CFG_PING, MSG_CFG_PING_DISPATCH, MSG_CFG_STATUS_GET, ServiceId,
} from './ipc/ids.js';
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
