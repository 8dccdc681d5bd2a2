// The delivery interface between the executive and its ring (aisexec/totem/
// driver.ts). LoopbackDelivery is a single-node stand-in with the same
// agreed-order contract (every multicast comes back once, in send order, after
// the configuration change that installed the node) and no network, for unit
// tests of services.
import { SaAisErrorT } from '../../lib-ais/errors.js';
import type { ConfChange } from './service.js';

export interface DeliveryHandlers {
  deliver(id: number, payload: Buffer, sourceNodeId: number): void;
  confChange(change: ConfChange): void;
}

export interface Delivery {
  readonly nodeid: number;
  start(handlers: DeliveryHandlers): void | Promise<void>;
  /** Agreed order by default; 'safe' delivers only once every member holds the message (Totem's SAFE). */
  mcast(id: number, payload: Buffer, guarantee?: 'agreed' | 'safe'): SaAisErrorT;
  stop(): void | Promise<void>;
  status(): unknown;
}

/** Messages the loopback may hold undelivered before it answers TRY_AGAIN (the ring's flow control stand-in). */
export const LOOPBACK_QUEUE_MAX = 4096;

export class LoopbackDelivery implements Delivery {
  private handlers: DeliveryHandlers | undefined;
  private queue: Array<{ id: number; payload: Buffer }> = [];
  private scheduled = false;
  private delivered = 0n;
  private running = false;

  constructor(readonly nodeid: number, private readonly schedule: (fn: () => void) => void = setImmediate) {}

  start(handlers: DeliveryHandlers): void {
    this.handlers = handlers;
    this.running = true;
    const ringId = { rep: this.nodeid, seq: 1n };
    handlers.confChange({ type: 'transitional', ringId, members: [], left: [], joined: [] });
    handlers.confChange({ type: 'regular', ringId, members: [this.nodeid], left: [], joined: [this.nodeid] });
  }

  mcast(id: number, payload: Buffer): SaAisErrorT {
    if (!this.running) return SaAisErrorT.SA_AIS_ERR_TRY_AGAIN;
    if (this.queue.length >= LOOPBACK_QUEUE_MAX) return SaAisErrorT.SA_AIS_ERR_TRY_AGAIN;
    // Copy: the caller may reuse its buffer, and a ring would have serialised it.
    this.queue.push({ id, payload: Buffer.from(payload) });
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
    return SaAisErrorT.SA_AIS_OK;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) {
      if (!this.running) return;
      this.delivered++;
      this.handlers!.deliver(m.id, m.payload, this.nodeid);
    }
  }

  stop(): void {
    this.running = false;
    this.queue = [];
  }

  status(): unknown {
    return { transport: 'loopback', nodeid: this.nodeid, members: [this.nodeid], delivered: this.delivered.toString(), queued: this.queue.length };
  }
}
