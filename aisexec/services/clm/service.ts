// The CLM service as the executive hosts it (service 1, openais' "clm"
// slot): the driver around ClmCore. Library handlers decode a request and
// hand it to the core; the executive handler hands it each delivered
// ReqExecClmNodeJoin; configuration changes come from the registry. This
// driver performs the core's actions: responses, callbacks on the dispatch
// channel, the node-join multicast (retried while the ring's queue is full)
// and one timer for the earliest query deadline. See docs/clm.md.
import { SaAisErrorT } from '../../../lib-ais/errors.js';
import { BodyError, BodyReader } from '../../../lib-ais/ipc/codec.js';
import {
  decodeNodeGetAsyncRequest, decodeNodeGetRequest, decodeNodeJoin, decodeTrackRequest, encodeNode, encodeNodeGetCallback,
  encodeNodeJoin, encodeTrackCallback, encodeTrackResult, type ClmNodeJoin,
} from '../../../lib-ais/ipc/clm.js';
import {
  MSG_CLM_CB_CLUSTER_NODE_GET, MSG_CLM_CB_CLUSTER_TRACK, MSG_CLM_CLUSTER_NODE_GET, MSG_CLM_CLUSTER_NODE_GET_ASYNC,
  MSG_CLM_CLUSTER_TRACK, MSG_CLM_CLUSTER_TRACK_STOP, MSG_EXEC_CLM_NODE_JOIN, ServiceId, functionOf,
} from '../../../lib-ais/ipc/ids.js';
import type { Logger } from '../../log/logger.js';
import type { ConfChange, ExecHandler, LibConnection, LibHandler, LibRequest, Service, ServiceContext } from '../service.js';
import { ClmCore, type ClmAction } from './core.js';
import type { LocalNode } from './view.js';

/** Retry delay when the ring's queue is full for this node's node-join. */
const MCAST_RETRY_MS = 10;

export interface ClmServiceOptions {
  local: LocalNode;
  /** The clock, in ms (tests pass their own). */
  now?: () => number;
}

export class ClmService implements Service {
  readonly id = ServiceId.CLM;
  readonly name = 'clm';
  readonly lib: ReadonlyMap<number, LibHandler>;
  readonly exec: ReadonlyMap<number, ExecHandler>;
  readonly core: ClmCore;
  private ctx: ServiceContext | undefined;
  private log: Logger | undefined;
  private readonly now: () => number;
  private nextReq = 1;
  private readonly pending = new Map<number, LibRequest>();
  private readonly connections = new Map<number, LibConnection>();
  /** The node-join still to be multicast; a newer configuration replaces it. */
  private unsentJoin: Buffer | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private malformedJoins = 0;

  constructor(opts: ClmServiceOptions) {
    this.core = new ClmCore(opts.local);
    this.now = opts.now ?? Date.now;
    const on = (id: number, name: string, handle: (r: LibRequest, req: number) => ClmAction[]) =>
      [functionOf(id), { name, handle: (r: LibRequest) => this.request(r, handle) }] as const;
    this.lib = new Map<number, LibHandler>([
      on(MSG_CLM_CLUSTER_TRACK, 'ReqLibClmClusterTrack', (r, req) => {
        const m = decodeTrackRequest(r.body);
        return this.core.track(r.conn.connId, req, m.trackFlags, m.currentInCallback, m.capacity);
      }),
      on(MSG_CLM_CLUSTER_TRACK_STOP, 'ReqLibClmClusterTrackStop', (r, req) => {
        new BodyReader(r.body).end();
        return this.core.trackStop(r.conn.connId, req);
      }),
      on(MSG_CLM_CLUSTER_NODE_GET, 'ReqLibClmClusterNodeGet', (r, req) => {
        const m = decodeNodeGetRequest(r.body);
        return this.core.nodeGet(r.conn.connId, req, m.nodeId, m.timeout, this.now());
      }),
      on(MSG_CLM_CLUSTER_NODE_GET_ASYNC, 'ReqLibClmClusterNodeGetAsync', (r, req) => {
        const m = decodeNodeGetAsyncRequest(r.body);
        return this.core.nodeGetAsync(r.conn.connId, req, m.invocation, m.nodeId, this.now());
      }),
    ]);
    this.exec = new Map<number, ExecHandler>([
      [functionOf(MSG_EXEC_CLM_NODE_JOIN), { name: 'ReqExecClmNodeJoin', handle: (p, src) => this.deliverJoin(p, src) }],
    ]);
  }

  execInit(ctx: ServiceContext): void {
    this.ctx = ctx;
    this.log = ctx.log;
    const l = this.core.view.local;
    ctx.log.info(`local node ${l.nodeId}: name ${l.nodeName}, address ${l.nodeAddress.value}, booted ${new Date(Number(l.bootTimestamp / 1_000_000n)).toISOString()}, incarnation ${hex64(l.incarnation)}`);
  }

  execExit(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.deadlineTimer);
  }

  libInit(conn: LibConnection): void {
    this.connections.set(conn.connId, conn);
  }

  libExit(conn: LibConnection): void {
    this.connections.delete(conn.connId);
    for (const [req, r] of this.pending) if (r.conn === conn) this.pending.delete(req);
    this.core.connectionClosed(conn.connId);
    this.armDeadline();
  }

  confChange(change: ConfChange): void {
    this.perform(this.core.confChange(change, this.now()));
  }

  status(): unknown {
    const v = this.core.view;
    return {
      viewNumber: v.viewNumber,
      members: v.members().map((m) => m.nodeId),
      completing: v.pendingMembers,
      nodes: v.table().map(({ node: n, incarnation }) => ({
        nodeId: n.nodeId, name: n.nodeName, address: n.nodeAddress.value,
        family: n.nodeAddress.family === 2 ? 'inet6' : 'inet', member: n.member,
        bootTimestamp: n.bootTimestamp, initialViewNumber: n.initialViewNumber, incarnation: hex64(incarnation),
      })),
      trackers: this.core.trackerCount,
      queriesPending: this.core.queriesPending,
      counters: { ...v.counters, malformedJoins: this.malformedJoins },
    };
  }

  private request(r: LibRequest, handle: (r: LibRequest, req: number) => ClmAction[]): void {
    const req = this.nextReq++;
    this.pending.set(req, r);
    let actions: ClmAction[];
    try {
      actions = handle(r, req);
    } catch (e) {
      this.pending.delete(req);
      throw e; // a BodyError: the IPC server closes this client's channels
    }
    this.perform(actions);
  }

  private deliverJoin(payload: Buffer, source: number): void {
    let msg: ClmNodeJoin;
    try {
      msg = decodeNodeJoin(payload);
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      this.malformedJoins++;
      this.log?.warning(`dropped a malformed node join from node ${source}: ${e.message}`);
      return;
    }
    this.perform(this.core.nodeJoin(msg, source, this.now()));
  }

  private perform(actions: ClmAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'log':
          this.log?.[a.level](a.text);
          break;
        case 'mcast':
          this.unsentJoin = encodeNodeJoin(a.join);
          this.sendJoin();
          break;
        case 'respond': {
          const r = this.pending.get(a.req);
          if (r === undefined) break; // the client went away
          this.pending.delete(a.req);
          const body = a.node !== undefined ? encodeNode(a.node) : a.track !== undefined ? encodeTrackResult(a.track) : undefined;
          r.respond(a.error, body);
          break;
        }
        case 'trackCallback':
          this.connections.get(a.conn)?.dispatch(MSG_CLM_CB_CLUSTER_TRACK, SaAisErrorT.SA_AIS_OK, encodeTrackCallback(a.callback));
          break;
        case 'nodeGetCallback':
          this.connections.get(a.conn)?.dispatch(MSG_CLM_CB_CLUSTER_NODE_GET, SaAisErrorT.SA_AIS_OK, encodeNodeGetCallback(a.callback));
          break;
      }
    }
    this.armDeadline();
  }

  /** Multicasts the latest node-join, retrying while the ring's queue is full. */
  private sendJoin(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.unsentJoin === undefined || this.ctx === undefined || this.stopped) return;
    if (this.ctx.mcast(MSG_EXEC_CLM_NODE_JOIN, this.unsentJoin) === SaAisErrorT.SA_AIS_OK) {
      this.unsentJoin = undefined;
      return;
    }
    this.retryTimer = setTimeout(() => this.sendJoin(), MCAST_RETRY_MS);
    this.retryTimer.unref();
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    const at = this.core.nextDeadline();
    if (at === undefined || this.stopped) return;
    this.deadlineTimer = setTimeout(() => this.perform(this.core.tick(this.now())), Math.max(0, at - this.now()));
    this.deadlineTimer.unref();
  }
}

/** An incarnation as 16 hex digits, as logs and the status show it. */
function hex64(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}
