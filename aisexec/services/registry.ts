// The service registry: routes client requests to library handlers and
// delivered messages to executive handlers by message id, fans configuration
// changes out to every service, and runs the sync step after each regular
// configuration change (openais exec/sync.c, corosync sync.c): every service
// runs init, then process until it has sent its state; then each member
// multicasts a barrier, and once the barrier of every member of the new
// configuration has been delivered (the same point in the agreed stream at
// every node) every service activates. Library requests wait meanwhile. A
// configuration change during sync aborts it and starts over.
import { serviceOf, functionOf, messageId, ServiceId } from '../../lib-ais/ipc/ids.js';
import { assert, SaAisErrorT } from '../../lib-ais/errors.js';
import type { Logger } from '../log/logger.js';
import type { ConfChange, ExecHandler, LibHandler, Service } from './service.js';

/** Upper bound on sync_process rounds for one change: a service that never finishes is a bug. */
export const SYNC_ROUNDS_MAX = 10_000;
/** The registry's own executive message: a member finished sending its sync state for a ring (payload: rep u32, seq u64). */
export const MSG_EXEC_SYNC_BARRIER = messageId(ServiceId.IPC, 1);

export interface RegistryIo {
  /** Multicast through the ring (the barrier). */
  mcast(id: number, payload: Buffer): SaAisErrorT;
  /** Run later (a retry after TRY_AGAIN, the next process round). */
  schedule(fn: () => void): void;
}

interface SyncRound {
  change: ConfChange;
  services: Service[];
  processed: boolean;
  barrierSent: boolean;
  barriers: Set<number>;
  rounds: number;
}

export interface RegistryCounters {
  delivered: number;
  droppedUnknownService: number;
  droppedUnknownFunction: number;
  execHandlerFailures: number;
  confChanges: number;
  syncs: number;
}

export class ServiceRegistry {
  private readonly services = new Map<number, Service>();
  private sync: SyncRound | undefined;
  private io: RegistryIo | undefined;
  /** Library requests that arrived during sync, run once it completes (corosync blocks its IPC the same way). */
  private readonly waiting: Array<() => void> = [];
  readonly counters: RegistryCounters = {
    delivered: 0, droppedUnknownService: 0, droppedUnknownFunction: 0, execHandlerFailures: 0, confChanges: 0, syncs: 0,
  };
  private lastChange: ConfChange | undefined;

  constructor(private readonly log: Logger) {}

  register(service: Service): void {
    assert(!this.services.has(service.id), `service id ${service.id} registered twice`);
    this.services.set(service.id, service);
  }

  get(id: number): Service | undefined {
    return this.services.get(id);
  }

  all(): Service[] {
    return [...this.services.values()].sort((a, b) => a.id - b.id);
  }

  get isSyncing(): boolean {
    return this.sync !== undefined;
  }

  /** The ring to send barriers on. Without it (unit tests of one node) sync runs in one step, as a one-member ring would. */
  attach(io: RegistryIo): void {
    this.io = io;
  }

  /** Runs `fn` now, or after the sync in progress completes. */
  whenSynced(fn: () => void): void {
    if (this.sync === undefined) fn();
    else this.waiting.push(fn);
  }

  get membership(): ConfChange | undefined {
    return this.lastChange;
  }

  libHandler(id: number): { service: Service; handler: LibHandler } | undefined {
    const service = this.services.get(serviceOf(id));
    const handler = service?.lib.get(functionOf(id));
    return service && handler ? { service, handler } : undefined;
  }

  /** A message delivered by the ring. Unknown ids are dropped and counted; a throwing handler is logged, never fatal to the others. */
  deliver(id: number, payload: Buffer, sourceNodeId: number): void {
    if (id === MSG_EXEC_SYNC_BARRIER) {
      this.onBarrier(payload, sourceNodeId);
      return;
    }
    const service = this.services.get(serviceOf(id));
    if (service === undefined) {
      this.counters.droppedUnknownService++;
      this.log.debug(() => `dropped message 0x${id.toString(16)} from node ${sourceNodeId}: no service ${serviceOf(id)}`);
      return;
    }
    const handler: ExecHandler | undefined = service.exec.get(functionOf(id));
    if (handler === undefined) {
      this.counters.droppedUnknownFunction++;
      this.log.debug(() => `dropped message 0x${id.toString(16)} from node ${sourceNodeId}: ${service.name} has no function ${functionOf(id)}`);
      return;
    }
    this.counters.delivered++;
    try {
      handler.handle(payload, sourceNodeId);
    } catch (e) {
      // A malformed payload from a peer must not stop the executive; a bug in a
      // handler is reported loudly. The ring has authenticated the sender.
      this.counters.execHandlerFailures++;
      this.log.error(`${service.name} ${handler.name} from node ${sourceNodeId} failed: ${(e as Error).message}`);
    }
  }

  confChange(change: ConfChange): void {
    this.counters.confChanges++;
    this.log.notice(
      `${change.type} configuration ring ${change.ringId.rep}/${change.ringId.seq}: members [${change.members.join(' ')}]` +
        ` left [${change.left.join(' ')}] joined [${change.joined.join(' ')}]`,
    );
    if (change.type === 'regular') this.lastChange = change;
    for (const s of this.all()) {
      try {
        s.confChange?.(change);
      } catch (e) {
        // As for delivered messages: one service's bug must not take the ring (and the other services) down.
        this.log.error(`${s.name} configuration change handler failed: ${(e as Error).stack ?? e}`);
      }
    }
    if (change.type === 'regular') this.runSync(change);
  }

  private runSync(change: ConfChange): void {
    if (this.sync !== undefined) {
      this.log.notice(`sync for ring ${change.ringId.rep}/${change.ringId.seq} replaces an unfinished one: aborting it`);
      for (const s of this.sync.services) s.sync!.abort();
    }
    this.counters.syncs++;
    const services = this.all().filter((s) => s.sync !== undefined);
    const round: SyncRound = { change, services, processed: false, barrierSent: false, barriers: new Set(), rounds: 0 };
    this.sync = round;
    for (const s of services) s.sync!.init(change);
    if (this.io === undefined) {
      // No ring attached: one member, nobody to wait for.
      for (const s of services) {
        while (!s.sync!.process()) {
          round.rounds++;
          assert(round.rounds < SYNC_ROUNDS_MAX, `${s.name} sync did not finish in ${SYNC_ROUNDS_MAX} rounds`);
        }
      }
      this.activate(round);
      return;
    }
    this.progress(round);
  }

  /** One round: services send their state; when all are done, the barrier goes out (retried on TRY_AGAIN). */
  private progress(round: SyncRound): void {
    if (this.sync !== round) return;
    if (!round.processed) {
      round.processed = round.services.every((s) => s.sync!.process());
      if (!round.processed) {
        round.rounds++;
        assert(round.rounds < SYNC_ROUNDS_MAX, `sync did not finish in ${SYNC_ROUNDS_MAX} rounds`);
        this.io!.schedule(() => this.progress(round));
        return;
      }
    }
    const { rep, seq } = round.change.ringId;
    const payload = Buffer.alloc(12);
    payload.writeUInt32BE(rep, 0);
    payload.writeBigUInt64BE(seq, 4);
    if (this.io!.mcast(MSG_EXEC_SYNC_BARRIER, payload) !== SaAisErrorT.SA_AIS_OK) {
      this.io!.schedule(() => this.progress(round));
      return;
    }
    round.barrierSent = true;
  }

  private onBarrier(payload: Buffer, source: number): void {
    const round = this.sync;
    if (round === undefined || payload.length !== 12) return;
    // A barrier of an earlier ring (delivered late in its transitional configuration) does not count.
    if (payload.readUInt32BE(0) !== round.change.ringId.rep || payload.readBigUInt64BE(4) !== round.change.ringId.seq) return;
    round.barriers.add(source);
    if (round.change.members.every((m) => round.barriers.has(m))) this.activate(round);
  }

  private activate(round: SyncRound): void {
    for (const s of round.services) s.sync!.activate();
    this.sync = undefined;
    this.log.notice(`Completed service synchronization for ring ${round.change.ringId.rep}/${round.change.ringId.seq}, ready to provide service.`);
    const waiting = this.waiting.splice(0);
    for (const fn of waiting) fn();
  }
}
