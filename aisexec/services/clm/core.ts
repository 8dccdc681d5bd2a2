// The CLM service core: the replicated cluster view (view.ts) plus what is
// local to this node: the clients that track the membership and the node
// queries waiting for a record. Events in, actions out; time is passed in
// (ms), never read. The driver (service.ts) performs the actions.
import { SaAisErrorT } from '../../../lib-ais/errors.js';
import { SA_CLM_LOCAL_NODE_ID, SaClmClusterChangesT, type SaClmClusterNodeT } from '../../../lib-ais/clm-types.js';
import { SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT } from '../../../lib-ais/amf-types.js';
import {
  CLM_CAPACITY_ANY, type ClmItem, type ClmNodeGetCallback, type ClmNodeJoin, type ClmTrackCallback, type ClmTrackResult,
} from '../../../lib-ais/ipc/clm.js';
import type { ConfChange } from '../service.js';
import { ClusterView, type LocalNode, type ViewChange } from './view.js';

/** Node queries (saClmClusterNodeGet and ...Async) that may wait for a record at once; beyond, TRY_AGAIN. */
export const CLM_QUERIES_PENDING_MAX = 1024;
/** How long saClmClusterNodeGetAsync waits for a record that is on its way (the call has no timeout of its own). */
export const CLM_NODE_GET_ASYNC_WAIT_MS = 10_000;
/** The longest wait a timeout can ask for (what a Node timer can hold, about 24.8 days). */
export const CLM_QUERY_WAIT_MS_MAX = 0x7fffffff;

export type ClmAction =
  | { type: 'mcast'; join: ClmNodeJoin }
  | { type: 'respond'; req: number; error: SaAisErrorT; node?: SaClmClusterNodeT; track?: ClmTrackResult }
  | { type: 'trackCallback'; conn: number; callback: ClmTrackCallback }
  | { type: 'nodeGetCallback'; conn: number; callback: ClmNodeGetCallback }
  | { type: 'log'; level: 'notice' | 'info' | 'debug'; text: string };

type Query =
  | { kind: 'get'; conn: number; req: number; nodeId: number; deadline: number }
  | { kind: 'async'; conn: number; invocation: bigint; nodeId: number; deadline: number };

type Lookup = { found: SaClmClusterNodeT } | { wait: true } | { missing: true };

/** Valid track flags: CURRENT, CHANGES or CHANGES_ONLY, CURRENT with one of the other two. */
export function validTrackFlags(f: number): boolean {
  const all = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
  return Number.isInteger(f) && f > 0 && (f & ~all) === 0 && !((f & SA_TRACK_CHANGES) !== 0 && (f & SA_TRACK_CHANGES_ONLY) !== 0);
}

/** An SaTimeT timeout (ns) as a wait in ms, rounded up and capped. */
export function timeoutMs(timeout: bigint): number {
  const ms = (timeout + 999_999n) / 1_000_000n;
  return ms > BigInt(CLM_QUERY_WAIT_MS_MAX) ? CLM_QUERY_WAIT_MS_MAX : Number(ms);
}

export class ClmCore {
  readonly view: ClusterView;
  /** Connections tracking changes, with SA_TRACK_CHANGES or SA_TRACK_CHANGES_ONLY. */
  private readonly trackers = new Map<number, number>();
  private queries: Query[] = [];

  constructor(local: LocalNode) {
    this.view = new ClusterView(local);
  }

  // ---- the agreed stream ----------------------------------------------------------------------

  confChange(change: ConfChange, now: number): ClmAction[] {
    const join = this.view.confChange(change);
    const out: ClmAction[] = join === undefined ? [] : [{ type: 'mcast', join }];
    this.settleQueries(now, out);
    return out;
  }

  nodeJoin(msg: ClmNodeJoin, sourceNodeId: number, now: number): ClmAction[] {
    const done = this.view.nodeJoin(msg, sourceNodeId);
    if (done === undefined) return [];
    const out: ClmAction[] = [{
      type: 'log', level: 'notice',
      text: `view ${done.viewNumber}: members [${done.members.map((m) => m.nodeId).join(' ')}]` + changeText(done.items) +
        (done.restarted.length > 0 ? ` restarted [${done.restarted.join(' ')}]` : ''),
    }];
    this.notifyTrackers(done, out);
    this.settleQueries(now, out);
    return out;
  }

  // ---- library requests -------------------------------------------------------------------------

  track(conn: number, req: number, trackFlags: number, currentInCallback: boolean, capacity: number): ClmAction[] {
    if (!validTrackFlags(trackFlags)) return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_ERR_BAD_FLAGS }];
    const current = (trackFlags & SA_TRACK_CURRENT) !== 0;
    const members = this.view.members();
    const viewNumber = this.view.viewNumber;
    if (current) {
      // No view yet: this node is in no cluster to describe.
      if (viewNumber === 0n) return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_ERR_TRY_AGAIN }];
      if (!currentInCallback && capacity !== CLM_CAPACITY_ANY && capacity < members.length) {
        // Nothing changes on NO_SPACE: the caller retries with a buffer of numberOfMembers items.
        return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_ERR_NO_SPACE, track: { viewNumber, numberOfMembers: members.length, items: [] } }];
      }
    }
    const changes = trackFlags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY);
    if (changes !== 0) this.trackers.set(conn, changes); // the latest call's flag replaces an earlier one
    const items = members.map((node) => ({ node, change: SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE }));
    const out: ClmAction[] = [{
      type: 'respond', req, error: SaAisErrorT.SA_AIS_OK,
      track: { viewNumber, numberOfMembers: members.length, items: current && !currentInCallback ? items : [] },
    }];
    if (current && currentInCallback) {
      out.push({ type: 'trackCallback', conn, callback: { viewNumber, numberOfMembers: members.length, error: SaAisErrorT.SA_AIS_OK, items } });
    }
    return out;
  }

  trackStop(conn: number, req: number): ClmAction[] {
    const error = this.trackers.delete(conn) ? SaAisErrorT.SA_AIS_OK : SaAisErrorT.SA_AIS_ERR_NOT_EXIST;
    return [{ type: 'respond', req, error }];
  }

  nodeGet(conn: number, req: number, nodeId: number, timeout: bigint, now: number): ClmAction[] {
    if (timeout < 0n) return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_ERR_INVALID_PARAM }];
    const l = this.lookup(nodeId);
    if ('found' in l) return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_OK, node: l.found }];
    if ('missing' in l) return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST }];
    const wait = timeoutMs(timeout);
    if (wait === 0) return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_ERR_TIMEOUT }];
    if (this.queries.length >= CLM_QUERIES_PENDING_MAX) return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_ERR_TRY_AGAIN }];
    this.queries.push({ kind: 'get', conn, req, nodeId, deadline: now + wait });
    return [];
  }

  nodeGetAsync(conn: number, req: number, invocation: bigint, nodeId: number, now: number): ClmAction[] {
    const l = this.lookup(nodeId);
    if ('wait' in l && this.queries.length >= CLM_QUERIES_PENDING_MAX) return [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_ERR_TRY_AGAIN }];
    // Answer the request first: the client then waits on its dispatch channel.
    const out: ClmAction[] = [{ type: 'respond', req, error: SaAisErrorT.SA_AIS_OK }];
    if ('wait' in l) this.queries.push({ kind: 'async', conn, invocation, nodeId, deadline: now + CLM_NODE_GET_ASYNC_WAIT_MS });
    else out.push(nodeGetCallback(conn, invocation, l));
    return out;
  }

  /** A client went away: its tracking and its waiting queries end. */
  connectionClosed(conn: number): void {
    this.trackers.delete(conn);
    this.queries = this.queries.filter((q) => q.conn !== conn);
  }

  /** Time passed: queries past their deadline time out. */
  tick(now: number): ClmAction[] {
    const out: ClmAction[] = [];
    this.queries = this.queries.filter((q) => {
      if (q.deadline > now) return true;
      out.push(answer(q, SaAisErrorT.SA_AIS_ERR_TIMEOUT));
      return false;
    });
    return out;
  }

  /** The earliest query deadline, for the driver's timer. */
  nextDeadline(): number | undefined {
    let d: number | undefined;
    for (const q of this.queries) if (d === undefined || q.deadline < d) d = q.deadline;
    return d;
  }

  get trackerCount(): number {
    return this.trackers.size;
  }

  get queriesPending(): number {
    return this.queries.length;
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * A node's record: members of the current view are answered at once; a node
   * of the configuration being completed (or this node before its first view)
   * waits for its record; anything else does not exist (B.01.01: NodeGet is about
   * members; nodes that left appear only in track notifications, with member false).
   */
  private lookup(nodeId: number): Lookup {
    const id = nodeId === SA_CLM_LOCAL_NODE_ID ? this.view.local.nodeId : nodeId;
    const found = this.view.member(id);
    if (found !== undefined) return { found };
    if (this.view.pendingMembers.includes(id)) return { wait: true };
    if (this.view.viewNumber === 0n && id === this.view.local.nodeId) return { wait: true };
    return { missing: true };
  }

  /** Re-decides every waiting query after the view or the pending configuration moved. */
  private settleQueries(now: number, out: ClmAction[]): void {
    this.queries = this.queries.filter((q) => {
      const l = this.lookup(q.nodeId);
      if ('wait' in l) {
        if (q.deadline > now) return true;
        out.push(answer(q, SaAisErrorT.SA_AIS_ERR_TIMEOUT));
        return false;
      }
      out.push(q.kind === 'get'
        ? ('found' in l ? { type: 'respond', req: q.req, error: SaAisErrorT.SA_AIS_OK, node: l.found } : answer(q, SaAisErrorT.SA_AIS_ERR_NOT_EXIST))
        : nodeGetCallback(q.conn, q.invocation, l));
      return false;
    });
  }

  private notifyTrackers(done: ViewChange, out: ClmAction[]): void {
    // A configuration change that changed no node (the same members re-formed the ring) is not a membership change.
    if (!done.changed) return;
    const onlyChanges = done.items.filter((it) => it.change !== SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE);
    for (const [conn, flags] of this.trackers) {
      const items = flags === SA_TRACK_CHANGES ? done.items : onlyChanges;
      out.push({ type: 'trackCallback', conn, callback: { viewNumber: done.viewNumber, numberOfMembers: done.members.length, error: SaAisErrorT.SA_AIS_OK, items } });
    }
  }
}

function answer(q: Query, error: SaAisErrorT): ClmAction {
  return q.kind === 'get'
    ? { type: 'respond', req: q.req, error }
    : { type: 'nodeGetCallback', conn: q.conn, callback: { invocation: q.invocation, error, node: undefined } };
}

function nodeGetCallback(conn: number, invocation: bigint, l: Exclude<Lookup, { wait: true }>): ClmAction {
  return 'found' in l
    ? { type: 'nodeGetCallback', conn, callback: { invocation, error: SaAisErrorT.SA_AIS_OK, node: l.found } }
    : { type: 'nodeGetCallback', conn, callback: { invocation, error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST, node: undefined } };
}

function changeText(items: ClmItem[]): string {
  const of = (c: SaClmClusterChangesT) => items.filter((it) => it.change === c).map((it) => it.node.nodeId).join(' ');
  return ` joined [${of(SaClmClusterChangesT.SA_CLM_NODE_JOINED)}] left [${of(SaClmClusterChangesT.SA_CLM_NODE_LEFT)}]` +
    ` reconfigured [${of(SaClmClusterChangesT.SA_CLM_NODE_RECONFIGURED)}]`;
}
