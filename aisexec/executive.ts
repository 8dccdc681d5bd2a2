// The executive: wires configuration, logging, the service registry, the
// delivery layer (the Totem ring) and the IPC server,
// and takes them down again in order. No protocol logic lives here.
import os from 'node:os';
import { AmfService } from '../amf/service.js';
import type { AmfModel } from '../amf/model.js';
import { SaAisErrorT } from '../lib-ais/errors.js';
import { socketPath } from '../lib-ais/rundir.js';
import type { MainConfig } from './config/mainconfig.js';
import { accessPolicy } from './ipc/access.js';
import { IpcServer, type IpcLimits } from './ipc/server.js';
import type { LogSystem, Logger } from './log/logger.js';
import { CfgService } from './services/cfg.js';
import { localClmNode } from './services/clm/local-node.js';
import { ClmService } from './services/clm/service.js';
import type { Delivery } from './services/delivery.js';
import { TotemDelivery } from './totem/driver.js';
import { ringCount } from './totem/net/rings.js';
import { ServiceRegistry } from './services/registry.js';
import type { ServiceContext } from './services/service.js';

export interface ExecutiveOptions {
  config: MainConfig;
  /** The AMF information model, when `amf { mode: enabled }`. */
  amfModel?: AmfModel;
  logs: LogSystem;
  version: string;
  ipcLimits?: Partial<IpcLimits>;
}

export class Executive {
  private readonly log: Logger;
  readonly registry: ServiceRegistry;
  readonly delivery: Delivery;
  readonly ipc: IpcServer;
  private readonly startedAt = Date.now();
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(private readonly opts: ExecutiveOptions) {
    const { config, logs } = opts;
    this.log = logs.get('MAIN');
    this.registry = new ServiceRegistry(logs.get('SERV'));
    const ring = new TotemDelivery({ config: config.totem, nodeId: localNodeId(config), log: logs.get('TOTEM'), stateDir: config.aisexec.runDir });
    this.delivery = ring;
    const uid = process.getuid?.() ?? 0;
    const uids = [...(config.aisexec.uid !== undefined ? [config.aisexec.uid] : []), ...config.uidgid.flatMap((e) => (e.uid !== undefined ? [e.uid] : []))];
    const gids = [...(config.aisexec.gid !== undefined ? [config.aisexec.gid] : []), ...config.uidgid.flatMap((e) => (e.gid !== undefined ? [e.gid] : []))];
    this.ipc = new IpcServer({
      socketPath: socketPath(config.aisexec.runDir),
      log: logs.get('IPC'),
      registry: this.registry,
      access: accessPolicy({ executiveUid: uid, uids, gids }),
      limits: opts.ipcLimits,
    });
    this.registry.register(new CfgService(() => this.status(), { ring, ringCount: ringCount(config.totem) }));
    this.registry.register(new ClmService({ local: localClmNode(config, this.delivery.nodeid) }));
    if (opts.amfModel !== undefined) {
      this.registry.register(new AmfService({
        model: opts.amfModel,
        groupsFile: config.amf.groupsFile,
        runDir: config.aisexec.runDir,
        resolveNode: (ref) => {
          if (ref === undefined) return undefined;
          const node = ref.kind === 'nodeid' ? config.totem.nodes.find((n) => n.nodeid === ref.nodeid) : config.totem.nodes.find((n) => n.name === ref.name);
          return node?.nodeid ?? (ref.kind === 'nodeid' ? ref.nodeid : undefined);
        },
      }));
    }
  }

  async start(): Promise<void> {
    this.log.notice(`Ringfort AIS Executive ${this.opts.version} starting (pid ${process.pid}, config ${this.opts.config.file})`);
    for (const s of this.registry.all()) {
      const ctx: ServiceContext = {
        log: this.opts.logs.get(s.name.toUpperCase()),
        nodeid: this.delivery.nodeid,
        // Services multicast while stopping too: AMF terminates its components through the ring.
        mcast: (id, payload, guarantee) => (this.state === 'running' || this.state === 'stopping' ? this.delivery.mcast(id, payload, guarantee) : SaAisErrorT.SA_AIS_ERR_TRY_AGAIN),
      };
      await s.execInit?.(ctx);
      this.log.info(`service ${s.name} (id ${s.id}) initialised`);
    }
    await this.ipc.ensureFree();
    this.registry.attach({ mcast: (id, payload) => this.delivery.mcast(id, payload), schedule: (fn) => setImmediate(fn) });
    await this.delivery.start({
      deliver: (id, payload, source) => this.registry.deliver(id, payload, source),
      confChange: (c) => this.registry.confChange(c),
    });
    this.state = 'running';
    await this.ipc.listen();
    this.log.notice('AIS Executive Service: started and ready to provide service.');
  }

  /** Orderly shutdown: services stop what they run, clients are told and disconnected, the socket is removed. */
  async stop(reason: string): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.log.notice(`shutting down: ${reason}`);
    for (const s of this.registry.all().reverse()) {
      try {
        await s.execExit?.();
      } catch (e) {
        this.log.error(`service ${s.name} failed to stop: ${(e as Error).message}`);
      }
    }
    if (wasRunning) await this.ipc.close();
    await this.delivery.stop();
    this.state = 'stopped';
    this.log.notice('AIS Executive exiting (0).');
  }

  status(): unknown {
    return {
      executive: { version: this.opts.version, pid: process.pid, state: this.state, uptimeMs: Date.now() - this.startedAt, config: this.opts.config.file },
      membership: this.registry.membership,
      delivery: this.delivery.status(),
      registry: this.registry.counters,
      ipc: this.ipc.status(),
      services: Object.fromEntries(this.registry.all().map((s) => [s.name, s.status?.() ?? {}])),
    };
  }
}

/**
 * This node's id: `totem { nodeid }`, else the nodelist entry whose ring0_addr
 * is one of this machine's addresses (the only entry, for a one-node list), else 1.
 * Several nodes on one machine (127.0.0.1, 127.0.0.2, ...) must say `totem { nodeid }`:
 * only 127.0.0.1 is listed among the loopback interface's addresses.
 */
export function localNodeId(config: MainConfig, localAddresses: () => string[] = machineAddresses): number {
  const t = config.totem;
  if (t.nodeid !== undefined) return t.nodeid;
  if (t.nodes.length === 1) return t.nodes[0]!.nodeid;
  const mine = new Set(localAddresses());
  return t.nodes.find((n) => mine.has(n.ring0Addr))?.nodeid ?? 1;
}

function machineAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}
