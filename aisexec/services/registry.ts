// The service registry: routes client requests to library handlers and
// delivered messages to executive handlers by message id, fans configuration
// changes out to every service, and runs the sync step after each regular
// configuration change (openais exec/sync.c: init, process until done, activate).
import { serviceOf, functionOf } from '../../lib-ais/ipc/ids.js';
import { assert } from '../../lib-ais/errors.js';
import type { Logger } from '../log/logger.js';
import type { ConfChange, ExecHandler, LibHandler, Service } from './service.js';

/** Upper bound on sync_process rounds for one change: a service that never finishes is a bug. */
export const SYNC_ROUNDS_MAX = 10_000;

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
  private syncing = false;
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
    return this.syncing;
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
    for (const s of this.all()) s.confChange?.(change);
    if (change.type === 'regular') this.runSync(change);
  }

  /** Single-node sync: each service in id order runs init, process until done, activate. */
  private runSync(change: ConfChange): void {
    this.syncing = true;
    this.counters.syncs++;
    const withSync = this.all().filter((s) => s.sync !== undefined);
    for (const s of withSync) s.sync!.init(change);
    for (const s of withSync) {
      let rounds = 0;
      while (!s.sync!.process()) {
        rounds++;
        assert(rounds < SYNC_ROUNDS_MAX, `${s.name} sync did not finish in ${SYNC_ROUNDS_MAX} rounds`);
      }
    }
    for (const s of withSync) s.sync!.activate();
    this.syncing = false;
  }
}
