// A fake AMF service (id 2) behind a real IpcServer in a temporary run
// directory, for the lib-ais AMF tests and the example component's tests: it
// decodes every request with the AMF_REQ schemas, records it, answers it (OK
// unless told otherwise), and pushes callbacks on a client's dispatch channel.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accessPolicy } from '../../aisexec/ipc/access.js';
import { IpcServer } from '../../aisexec/ipc/server.js';
import { memoryLogSystem } from '../../aisexec/log/logger.js';
import { ServiceRegistry } from '../../aisexec/services/registry.js';
import type { ExecHandler, LibConnection, LibHandler, LibRequest, Service } from '../../aisexec/services/service.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import {
  AMF_CB, AMF_REQ, AMF_RES, decodeMessage, encodeMessage, type MessageDef, type MessageOf, type WirePgItem,
} from '../../lib-ais/ipc/amf.js';
import { ServiceId, functionOf } from '../../lib-ais/ipc/ids.js';

export type AmfRequestName = keyof typeof AMF_REQ;

export interface RecordedRequest {
  name: AmfRequestName;
  msg: Record<string, unknown>;
  conn: LibConnection;
}

export interface Answer {
  error: SaAisErrorT;
  body?: Buffer;
}

type Fields = MessageDef['fields'];

export class FakeAmfService implements Service {
  readonly id = ServiceId.AMF;
  readonly name = 'amf';
  readonly lib = new Map<number, LibHandler>();
  readonly exec = new Map<number, ExecHandler>();
  readonly requests: RecordedRequest[] = [];
  readonly conns: LibConnection[] = [];
  /** Fixed answers by request name (instead of OK). */
  readonly answers = new Map<AmfRequestName, Answer | ((r: RecordedRequest) => Answer)>();
  /** Requests by these names are recorded and never answered. */
  readonly hold = new Set<AmfRequestName>();
  readonly held: LibRequest[] = [];
  /** Members the TRACK_CURRENT answer lists. */
  pgMembers: WirePgItem[] = [];
  private waiters: Array<() => void> = [];

  constructor() {
    for (const [key, d] of Object.entries(AMF_REQ) as Array<[AmfRequestName, MessageDef]>) {
      this.lib.set(functionOf(d.id), { name: d.name, handle: (req) => this.onRequest(key, d, req) });
    }
  }

  libInit(conn: LibConnection): void {
    this.conns.push(conn);
    this.wake();
  }

  libExit(conn: LibConnection): void {
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    this.wake();
  }

  /** The most recent client connection. */
  get conn(): LibConnection {
    const c = this.conns[this.conns.length - 1];
    if (c === undefined) throw new Error('no AMF client is connected');
    return c;
  }

  /** Pushes a callback (encoded with its AMF_CB schema) on the dispatch channel of `conn` (default: the latest). */
  push<F extends Fields>(d: MessageDef<F>, msg: MessageOf<F>, conn: LibConnection = this.conn): void {
    conn.dispatch(d.id, SaAisErrorT.SA_AIS_OK, encodeMessage(d, msg));
  }

  pushRaw(id: number, body: Buffer, error: SaAisErrorT = SaAisErrorT.SA_AIS_OK, conn: LibConnection = this.conn): void {
    conn.dispatch(id, error, body);
  }

  /** Resolves when `cond` holds, re-checked after every request and connection change; rejects after `ms`. */
  async until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake AMF: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 50));
        function done() { clearTimeout(t); resolve(); }
        this.waiters.push(done);
      });
    }
  }

  /** Waits for the next request named `name` after the first `from` recorded ones. */
  async next(name: AmfRequestName, from = 0, ms = 5000): Promise<RecordedRequest> {
    let found: RecordedRequest | undefined;
    await this.until(() => (found = this.requests.slice(from).find((r) => r.name === name)) !== undefined, ms, `request ${name}`);
    return found!;
  }

  named(name: AmfRequestName): RecordedRequest[] {
    return this.requests.filter((r) => r.name === name);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onRequest(name: AmfRequestName, d: MessageDef, req: LibRequest): void {
    const msg = decodeMessage(d, req.body) as Record<string, unknown>; // a BodyError closes the connection, as the real service
    const rec: RecordedRequest = { name, msg, conn: req.conn };
    this.requests.push(rec);
    this.wake();
    if (this.hold.has(name)) {
      this.held.push(req);
      return;
    }
    const fixed = this.answers.get(name);
    if (fixed !== undefined) {
      const a = typeof fixed === 'function' ? fixed(rec) : fixed;
      req.respond(a.error, a.body);
      return;
    }
    if (name === 'haStateGet') return req.respond(SaAisErrorT.SA_AIS_OK, encodeMessage(AMF_RES.haStateGet, { haState: 1 }));
    if (name === 'pgTrack' && ((msg['flags'] as number) & 1) !== 0) {
      return req.respond(SaAisErrorT.SA_AIS_OK, encodeMessage(AMF_RES.pgTrack, { items: this.pgMembers }));
    }
    req.respond(SaAisErrorT.SA_AIS_OK);
  }
}

export interface AmfRig {
  fake: FakeAmfService;
  server: IpcServer;
  dir: string;
  socketPath: string;
  lines: string[];
  stop(): Promise<void>;
}

/** A real IpcServer with the fake AMF service, listening in a fresh temporary run directory. */
export async function amfRig(): Promise<AmfRig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-amf-'));
  const socketPath = path.join(dir, 'libais.socket');
  const { system, lines } = memoryLogSystem({ debug: true });
  const registry = new ServiceRegistry(system.get('SERV'));
  const fake = new FakeAmfService();
  registry.register(fake);
  const server = new IpcServer({
    socketPath, log: system.get('IPC'), registry,
    access: accessPolicy({ executiveUid: process.getuid!(), uids: [], gids: [] }),
  });
  await server.listen();
  let stopped = false;
  return {
    fake, server, dir, socketPath, lines,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { AMF_CB, AMF_REQ, AMF_RES };
