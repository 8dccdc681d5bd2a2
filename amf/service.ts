// The AMF service as the executive hosts it: the driver around the pure
// engine (amf/engine). Library handlers validate a client's request and
// multicast it as an event; the executive handler applies every event in
// agreed order to the engine, and this node performs the actions that are its
// own: replies, callbacks, CLC-CLI commands, process watches and timers. Each
// local observation (a command finished, a process ended, a timer expired, a
// connection closed) is multicast in turn, so every node's engine sees the same
// stream (DESIGN.md principle 3).
import fs from 'node:fs';
import path from 'node:path';
import { SaAisErrorT } from '../lib-ais/errors.js';
import { AMF_CB, AMF_REQ, AMF_RES, decodeMessage, encodeMessage } from '../lib-ais/ipc/amf.js';
import { functionOf, messageId, ServiceId } from '../lib-ais/ipc/ids.js';
import type { Logger } from '../aisexec/log/logger.js';
import type { ExecHandler, LibConnection, LibHandler, LibRequest, Service, ServiceContext, SyncHooks } from '../aisexec/services/service.js';
import { ClcRunner } from './clc-runner.js';
import { AmfEngine } from './engine/engine.js';
import type { AmfAction, AmfEvent, Callback, ClientRef, PgNotification, ReplyBody } from './engine/types.js';
import type { AmfModel, AmfSu, NodeRef } from './model.js';
import { watchProcess } from './process-watch.js';
import { haStateNumber, hcInvocationOf, pgChangeNumber, pmQualifierOf, recoveryOf } from './wire-enums.js';

/** The executive message carrying one engine event (JSON, UTF-8). */
export const MSG_EXEC_AMF_EVENT = messageId(ServiceId.AMF, 0);
/** Retry delay when the ring's queue is full for an internal observation. */
const MCAST_RETRY_MS = 10;
/** Longest orderly stop before remaining components are killed. */
export const AMF_STOP_MS_MAX = 60_000;

export interface AmfServiceOptions {
  model: AmfModel;
  groupsFile: string;
  runDir: string;
  /** Resolves an SU's `node=` to a nodeid; undefined means this node. */
  resolveNode(ref: NodeRef | undefined): number | undefined;
}

type Omitted<T> = T extends unknown ? Omit<T, 'at' | 'client'> : never;

export class AmfService implements Service {
  readonly id = ServiceId.AMF;
  readonly name = 'amf';
  readonly lib: ReadonlyMap<number, LibHandler>;
  readonly exec: ReadonlyMap<number, ExecHandler>;
  readonly sync: SyncHooks;
  private ctx!: ServiceContext;
  private log!: Logger;
  private engine!: AmfEngine;
  private runner!: ClcRunner;
  private nextReq = 1;
  private readonly pending = new Map<number, LibRequest>();
  private readonly connections = new Map<number, LibConnection>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly watches = new Map<string, () => void>();
  private started = false;
  private stopping = false;
  private onStopped: (() => void) | undefined;

  constructor(private readonly opts: AmfServiceOptions) {
    const lib = new Map<number, LibHandler>();
    const on = (d: { id: number; name: string }, handle: (r: LibRequest) => void) => lib.set(functionOf(d.id), { name: d.name, handle });
    on(AMF_REQ.register, (r) => {
      const m = decodeMessage(AMF_REQ.register, r.body);
      this.submit(r, { type: 'register', comp: m.comp, ...(m.proxy ? { proxy: m.proxy } : {}) });
    });
    on(AMF_REQ.unregister, (r) => {
      const m = decodeMessage(AMF_REQ.unregister, r.body);
      this.submit(r, { type: 'unregister', comp: m.comp, ...(m.proxy ? { proxy: m.proxy } : {}) });
    });
    on(AMF_REQ.pmStart, (r) => {
      const m = decodeMessage(AMF_REQ.pmStart, r.body);
      const recovery = recoveryOf(m.recovery);
      if (recovery === undefined || m.pid <= 1n || m.pid > BigInt(2 ** 31)) return r.respond(SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
      this.submit(r, { type: 'pmStart', comp: m.comp, pid: Number(m.pid), depth: m.depth, errors: m.errors, recovery });
    });
    on(AMF_REQ.pmStop, (r) => {
      const m = decodeMessage(AMF_REQ.pmStop, r.body);
      const qualifier = pmQualifierOf(m.qualifier);
      if (qualifier === undefined || m.pid < 0n || m.pid > BigInt(2 ** 31)) return r.respond(SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
      this.submit(r, { type: 'pmStop', comp: m.comp, qualifier, pid: Number(m.pid), errors: m.errors });
    });
    on(AMF_REQ.healthcheckStart, (r) => {
      const m = decodeMessage(AMF_REQ.healthcheckStart, r.body);
      const invocation = hcInvocationOf(m.invocation);
      const recovery = recoveryOf(m.recovery);
      if (invocation === undefined || recovery === undefined) return r.respond(SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
      this.submit(r, { type: 'healthcheckStart', comp: m.comp, key: m.key, invocation, recovery });
    });
    on(AMF_REQ.healthcheckConfirm, (r) => {
      const m = decodeMessage(AMF_REQ.healthcheckConfirm, r.body);
      this.submit(r, { type: 'healthcheckConfirm', comp: m.comp, key: m.key, result: m.result as SaAisErrorT });
    });
    on(AMF_REQ.healthcheckStop, (r) => {
      const m = decodeMessage(AMF_REQ.healthcheckStop, r.body);
      this.submit(r, { type: 'healthcheckStop', comp: m.comp, key: m.key });
    });
    on(AMF_REQ.haStateGet, (r) => {
      // A read: answered from this node's copy of the replicated model.
      const m = decodeMessage(AMF_REQ.haStateGet, r.body);
      const ha = this.engine.haState(m.comp, m.csi);
      if (ha === undefined) return r.respond(SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
      r.respond(SaAisErrorT.SA_AIS_OK, encodeMessage(AMF_RES.haStateGet, { haState: haStateNumber(ha) }));
    });
    on(AMF_REQ.quiescingComplete, (r) => {
      const m = decodeMessage(AMF_REQ.quiescingComplete, r.body);
      if (m.invocation > BigInt(Number.MAX_SAFE_INTEGER)) return r.respond(SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
      this.submit(r, { type: 'quiescingComplete', invocation: Number(m.invocation), error: m.error as SaAisErrorT });
    });
    on(AMF_REQ.pgTrack, (r) => {
      const m = decodeMessage(AMF_REQ.pgTrack, r.body);
      this.submit(r, { type: 'pgTrack', csi: m.csi, flags: m.flags });
    });
    on(AMF_REQ.pgTrackStop, (r) => {
      const m = decodeMessage(AMF_REQ.pgTrackStop, r.body);
      this.submit(r, { type: 'pgTrackStop', csi: m.csi });
    });
    on(AMF_REQ.errorReport, (r) => {
      const m = decodeMessage(AMF_REQ.errorReport, r.body);
      const recovery = recoveryOf(m.recovery);
      if (recovery === undefined) return r.respond(SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
      this.submit(r, { type: 'errorReport', comp: m.comp, recovery });
    });
    on(AMF_REQ.errorClear, (r) => {
      const m = decodeMessage(AMF_REQ.errorClear, r.body);
      this.submit(r, { type: 'errorClear', comp: m.comp });
    });
    on(AMF_REQ.response, (r) => {
      const m = decodeMessage(AMF_REQ.response, r.body);
      if (m.invocation > BigInt(Number.MAX_SAFE_INTEGER)) return r.respond(SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
      this.submit(r, { type: 'response', invocation: Number(m.invocation), error: m.error as SaAisErrorT });
    });
    this.lib = lib;
    this.exec = new Map<number, ExecHandler>([
      [functionOf(MSG_EXEC_AMF_EVENT), { name: 'ReqExecAmfEvent', handle: (p) => this.apply(p) }],
    ]);
    this.sync = {
      init: () => {},
      process: () => true,
      // The first membership starts the cluster: components are instantiated once the node is in a configuration.
      activate: () => {
        if (!this.started) {
          this.started = true;
          this.observe({ type: 'clusterStart' });
        }
      },
      abort: () => {},
    };
  }

  get model(): AmfModel {
    return this.opts.model;
  }

  execInit(ctx: ServiceContext): void {
    this.ctx = ctx;
    this.log = ctx.log;
    this.runner = new ClcRunner(ctx.log);
    const pidDir = path.join(this.opts.runDir, 'amf');
    fs.mkdirSync(pidDir, { recursive: true, mode: 0o755 });
    const local = ctx.nodeid;
    this.engine = new AmfEngine(this.opts.model, {
      hostOf: (su: AmfSu) => this.opts.resolveNode(su.node) ?? local,
      clcEnv: {
        PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
        RINGFORT_RUN_DIR: this.opts.runDir,
      },
      pidFileOf: (comp) => path.join(pidDir, `${comp.dn.replace(/[^A-Za-z0-9_.-]+/g, '_')}.pid`),
    });
    const c = this.engine.snapshot();
    ctx.log.notice(
      `AMF information model from ${this.opts.groupsFile}: ${n(c.sgs.length, 'service group')}, ${n(c.sus.length, 'service unit')}, ` +
        `${n(c.components.length, 'component')}, ${n(c.sis.length, 'service instance')}, ${n(this.opts.model.healthchecks.length, 'healthcheck key')}`,
    );
  }

  /** Orderly stop: the engine terminates every component through the ring; what is left after the deadline is killed. */
  async execExit(): Promise<void> {
    if (!this.started || this.stopping) return this.cleanupLocal();
    this.stopping = true;
    const stopped = new Promise<void>((resolve) => { this.onStopped = resolve; });
    this.observe({ type: 'clusterStop' });
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.stopDeadlineMs()).unref());
    if ((await Promise.race([stopped, deadline])) === 'timeout') {
      this.log.warning(`components did not all terminate within ${this.stopDeadlineMs()} ms; killing what is left`);
    }
    this.cleanupLocal();
  }

  libInit(conn: LibConnection): void {
    this.connections.set(conn.connId, conn);
  }

  libExit(conn: LibConnection): void {
    this.connections.delete(conn.connId);
    for (const [req, r] of this.pending) if (r.conn === conn) this.pending.delete(req);
    this.observe({ type: 'connectionClosed', node: this.ctx.nodeid, conn: conn.connId });
  }

  status(): unknown {
    return { groupsFile: this.opts.groupsFile, ...this.engine.snapshot() };
  }

  /** A client request becomes an event; it is answered when the engine's `reply` action comes back. */
  private submit(r: LibRequest, e: Omitted<AmfEvent>): void {
    const req = this.nextReq++;
    const client: ClientRef = { node: this.ctx.nodeid, conn: r.conn.connId, req, pid: r.conn.cred.pid };
    const event = { ...e, at: Date.now(), client } as AmfEvent;
    const err = this.ctx.mcast(MSG_EXEC_AMF_EVENT, Buffer.from(JSON.stringify(event), 'utf8'));
    if (err !== SaAisErrorT.SA_AIS_OK) return r.respond(err);
    this.pending.set(req, r);
  }

  /** A local observation: multicast it, retrying while the ring's queue is full. */
  private observe(e: Omitted<AmfEvent>): void {
    const event = { ...e, at: Date.now() } as AmfEvent;
    const payload = Buffer.from(JSON.stringify(event), 'utf8');
    const send = () => {
      if (this.ctx.mcast(MSG_EXEC_AMF_EVENT, payload) !== SaAisErrorT.SA_AIS_OK) setTimeout(send, MCAST_RETRY_MS).unref();
    };
    send();
  }

  private apply(payload: Buffer): void {
    const event = JSON.parse(payload.toString('utf8')) as AmfEvent;
    for (const a of this.engine.step(event)) this.perform(a);
  }

  private perform(a: AmfAction): void {
    const local = this.ctx.nodeid;
    switch (a.type) {
      case 'log':
        this.log[a.level](a.text);
        return;
      case 'reply': {
        if (a.client.node !== local) return;
        const r = this.pending.get(a.client.req);
        if (r === undefined) return; // the client went away
        this.pending.delete(a.client.req);
        r.respond(a.error, a.body === undefined ? undefined : replyBody(a.body));
        return;
      }
      case 'callback': {
        if (a.node !== local) return;
        const conn = this.connections.get(a.conn);
        if (conn === undefined) return; // closed: the engine learns it from connectionClosed
        const [id, body] = callbackFrame(a.callback);
        conn.dispatch(id, SaAisErrorT.SA_AIS_OK, body);
        return;
      }
      case 'runClc': {
        if (a.node !== local) return;
        this.runner
          .run({ comp: a.comp, op: a.op, program: a.program, argv: a.argv, env: a.env, cwd: a.cwd, timeoutMs: a.timeoutMs, pidFile: a.op === 'instantiate' ? a.env['RINGFORT_PID_FILE'] : undefined })
          .then((r) => this.observe({ type: 'clcCompleted', comp: a.comp, op: a.op, runId: a.runId, ...r }));
        return;
      }
      case 'watchProcess': {
        if (a.node !== local) return;
        const key = `${a.comp}\u0000${a.pid}`;
        this.watches.get(key)?.();
        this.watches.set(key, watchProcess(a.pid, () => {
          this.watches.delete(key);
          this.observe({ type: 'processExited', comp: a.comp, pid: a.pid });
        }));
        return;
      }
      case 'unwatchProcess': {
        if (a.node !== local) return;
        const key = `${a.comp}\u0000${a.pid}`;
        this.watches.get(key)?.();
        this.watches.delete(key);
        return;
      }
      case 'setTimer': {
        if (a.node !== local) return;
        const t = setTimeout(() => {
          this.timers.delete(a.timerId);
          this.observe({ type: 'timer', timerId: a.timerId });
        }, Math.max(0, a.at - Date.now()));
        this.timers.set(a.timerId, t);
        return;
      }
      case 'cancelTimer': {
        const t = this.timers.get(a.timerId);
        if (t !== undefined) clearTimeout(t);
        this.timers.delete(a.timerId);
        return;
      }
      case 'stopped':
        this.onStopped?.();
        return;
    }
  }

  private stopDeadlineMs(): number {
    let worst = 0;
    for (const sg of this.opts.model.sgs) {
      for (const su of sg.sus) {
        let suMs = 0;
        // Worst case per component: quiescing, CSI remove and terminate callbacks time out, the terminate
        // command and the wait for the process each take terminate_timeout, then cleanup.
        for (const c of su.components) suMs += c.callbackTimeoutMs * 3 + c.terminateTimeoutMs * 2 + c.cleanupTimeoutMs;
        worst = Math.max(worst, suMs);
      }
    }
    return Math.min(AMF_STOP_MS_MAX, worst + 1000);
  }

  private cleanupLocal(): void {
    this.runner?.killAll();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const stop of this.watches.values()) stop();
    this.watches.clear();
  }
}

function pgItems(notifications: PgNotification[]) {
  return notifications.map((x) => ({ comp: x.member.comp, haState: haStateNumber(x.member.haState), rank: x.member.rank, change: pgChangeNumber(x.change) }));
}

function replyBody(b: ReplyBody): Buffer {
  switch (b.kind) {
    case 'haState':
      return encodeMessage(AMF_RES.haStateGet, { haState: haStateNumber(b.haState) });
    case 'pgCurrent':
      return encodeMessage(AMF_RES.pgTrack, {
        items: pgItems(b.notifications),
      });
  }
}

function callbackFrame(c: Callback): [number, Buffer] {
  switch (c.kind) {
    case 'healthcheck':
      return [AMF_CB.healthcheck.id, encodeMessage(AMF_CB.healthcheck, { invocation: BigInt(c.invocation), comp: c.comp, key: c.key })];
    case 'csiSet':
      return [AMF_CB.csiSet.id, encodeMessage(AMF_CB.csiSet, {
        invocation: BigInt(c.invocation), comp: c.comp, haState: haStateNumber(c.haState), flags: c.descriptor.flags, csi: c.descriptor.csi,
        transition: c.descriptor.transition ?? 0, activeComp: c.descriptor.activeComp ?? '', standbyRank: c.descriptor.standbyRank ?? 0,
        attrs: c.descriptor.attributes,
      })];
    case 'csiRemove':
      return [AMF_CB.csiRemove.id, encodeMessage(AMF_CB.csiRemove, { invocation: BigInt(c.invocation), comp: c.comp, csi: c.csi, flags: c.flags })];
    case 'terminate':
      return [AMF_CB.terminate.id, encodeMessage(AMF_CB.terminate, { invocation: BigInt(c.invocation), comp: c.comp })];
    case 'pgTrack':
      return [AMF_CB.pgTrack.id, encodeMessage(AMF_CB.pgTrack, {
        csi: c.csi, numberOfMembers: c.numberOfMembers, error: c.error,
        items: pgItems(c.notifications),
      })];
  }
}

function n(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

