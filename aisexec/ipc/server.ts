// The IPC server: Unix stream sockets in the run directory, two channels per
// client handle (docs/ipc-protocol.md). The request channel carries requests
// and their responses; the dispatch channel carries callbacks pushed by the
// executive. Everything a client sends is validated here or in the service's
// handler; a malformed frame closes that client's channels and nothing else.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { BodyError } from '../../lib-ais/ipc/codec.js';
import { encodeFrame, FrameError, FrameReader, type Frame } from '../../lib-ais/ipc/frame.js';
import { MSG_IPC_DISPATCH_INIT, MSG_IPC_RESPONSE_INIT, SERVICE_NAMES, serviceOf } from '../../lib-ais/ipc/ids.js';
import {
  IPC_CONNECTIONS_MAX, IPC_DISPATCH_BIND_TIMEOUT_MS, IPC_FRAME_BYTES_MAX, IPC_INIT_TIMEOUT_MS, IPC_PROTOCOL_VERSION,
  IPC_QUEUED_BYTES_MAX,
} from '../../lib-ais/ipc/limits.js';
import { decodeDispatchInitRequest, decodeResponseInitRequest, encodeResponseInitResponse } from '../../lib-ais/ipc/setup.js';
import type { Logger } from '../log/logger.js';
import type { ServiceRegistry } from '../services/registry.js';
import type { LibConnection, LibRequest, Service } from '../services/service.js';
import type { AccessPolicy } from './access.js';
import { peerCred, type PeerCred } from './peercred.js';

export interface IpcLimits {
  connectionsMax: number;
  frameBytesMax: number;
  queuedBytesMax: number;
  initTimeoutMs: number;
  dispatchBindTimeoutMs: number;
}

export const DEFAULT_IPC_LIMITS: IpcLimits = {
  connectionsMax: IPC_CONNECTIONS_MAX,
  frameBytesMax: IPC_FRAME_BYTES_MAX,
  queuedBytesMax: IPC_QUEUED_BYTES_MAX,
  initTimeoutMs: IPC_INIT_TIMEOUT_MS,
  dispatchBindTimeoutMs: IPC_DISPATCH_BIND_TIMEOUT_MS,
};

export interface IpcServerOptions {
  socketPath: string;
  log: Logger;
  registry: ServiceRegistry;
  access: AccessPolicy;
  limits?: Partial<IpcLimits>;
}

export interface IpcCounters {
  accepted: number;
  refused: number;
  overLimit: number;
  malformed: number;
  slowReaders: number;
  requests: number;
  callbacks: number;
}

type ChannelRole = 'new' | 'response' | 'dispatch' | 'closing';

class Channel {
  role: ChannelRole = 'new';
  pair: ConnPair | undefined;
  readonly reader: FrameReader;
  timer: NodeJS.Timeout | undefined;
  constructor(readonly socket: net.Socket, readonly cred: PeerCred, frameBytesMax: number) {
    this.reader = new FrameReader(frameBytesMax);
  }
}

class ConnPair implements LibConnection {
  dispatchChannel: Channel | undefined;
  data: unknown;
  initialised = false;
  closed = false;
  bindTimer: NodeJS.Timeout | undefined;
  constructor(
    private readonly server: IpcServer,
    readonly connId: number,
    readonly token: bigint,
    readonly service: Service,
    readonly responseChannel: Channel,
  ) {}
  get cred(): PeerCred {
    return this.responseChannel.cred;
  }
  dispatch(id: number, error: SaAisErrorT, body?: Buffer): boolean {
    if (this.closed || this.dispatchChannel === undefined) return false;
    this.server.counters.callbacks++;
    return this.server.send(this.dispatchChannel, encodeFrame(id, error, 0, body));
  }
}

export class IpcServer {
  private server: net.Server | undefined;
  private readonly channels = new Set<Channel>();
  private readonly pending = new Map<bigint, ConnPair>(); // response channel up, dispatch not yet bound
  private readonly pairs = new Map<number, ConnPair>();
  private nextConnId = 1;
  private readonly limits: IpcLimits;
  readonly counters: IpcCounters = { accepted: 0, refused: 0, overLimit: 0, malformed: 0, slowReaders: 0, requests: 0, callbacks: 0 };

  constructor(private readonly opts: IpcServerOptions) {
    this.limits = { ...DEFAULT_IPC_LIMITS, ...opts.limits };
  }

  get socketPath(): string {
    return this.opts.socketPath;
  }

  get connectionCount(): number {
    return this.pairs.size;
  }

  /** Fails if another executive answers on the socket (checked early, before the ring binds its ports). */
  async ensureFree(): Promise<void> {
    const p = this.opts.socketPath;
    if (fs.existsSync(p) && (await answers(p))) throw new Error(`another executive is listening on ${p}`);
  }

  /** Binds the socket. Fails if another executive answers on it; removes a stale socket file. */
  async listen(): Promise<void> {
    const p = this.opts.socketPath;
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    if (fs.existsSync(p)) {
      if (await answers(p)) throw new Error(`another executive is listening on ${p}`);
      fs.unlinkSync(p);
    }
    const server = net.createServer({ allowHalfOpen: false }, (s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.opts.log.error(`IPC listener: ${e.message}`));
    // Anyone may connect; the executive decides by peer credentials (and says why it refused).
    fs.chmodSync(p, 0o666);
    this.server = server;
    this.opts.log.notice(`IPC listening on ${p}; allowed ${this.opts.access.describe()}`);
  }

  /** Closes every connection and the listener, and removes the socket file. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const pair of [...this.pairs.values(), ...this.pending.values()]) this.closePair(pair, undefined);
    for (const ch of [...this.channels]) ch.socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
    try { fs.unlinkSync(this.opts.socketPath); } catch { /* already gone */ }
  }

  status(): unknown {
    return { socket: this.opts.socketPath, connections: this.pairs.size, pending: this.pending.size, counters: { ...this.counters }, limits: this.limits };
  }

  /** Queues bytes on a channel; a client that lets too much pile up is disconnected. */
  send(ch: Channel, frame: Buffer): boolean {
    if (ch.role === 'closing' || ch.socket.destroyed) return false;
    if (ch.socket.writableLength + frame.length > this.limits.queuedBytesMax) {
      this.counters.slowReaders++;
      const who = describeCred(ch.cred);
      this.opts.log.warning(`${who} is not reading its ${ch.role} channel (${ch.socket.writableLength} bytes queued); disconnecting`);
      if (ch.pair !== undefined) this.closePair(ch.pair, 'slow reader');
      else this.dropChannel(ch);
      return false;
    }
    // Cork until the end of this turn of the event loop: every answer one delivery batch produces leaves in one
    // writev rather than one write(2) each (bench/ring: the biggest share of the sender's CPU per message).
    if (!ch.socket.writableCorked) {
      ch.socket.cork();
      process.nextTick(uncork, ch.socket);
    }
    ch.socket.write(frame);
    return true;
  }

  private accept(socket: net.Socket): void {
    const cred = peerCred(socket);
    if (cred instanceof Error) {
      this.opts.log.warning(`IPC: cannot read peer credentials (${cred.message}); closing`);
      socket.destroy();
      return;
    }
    if (this.channels.size >= this.limits.connectionsMax * 2) {
      this.counters.overLimit++;
      this.opts.log.warning(`IPC: ${describeCred(cred)} refused: ${this.channels.size} channels open (limit ${this.limits.connectionsMax * 2})`);
      socket.destroy();
      return;
    }
    this.counters.accepted++;
    const ch = new Channel(socket, cred, this.limits.frameBytesMax);
    this.channels.add(ch);
    ch.timer = setTimeout(() => {
      if (ch.role === 'new') {
        this.opts.log.warning(`IPC: ${describeCred(cred)} sent no init within ${this.limits.initTimeoutMs} ms; closing`);
        this.dropChannel(ch);
      }
    }, this.limits.initTimeoutMs);
    ch.timer.unref();
    socket.on('data', (chunk: Buffer) => this.onData(ch, chunk));
    socket.on('error', () => { /* reported through 'close' */ });
    socket.on('close', () => this.onClose(ch));
  }

  private onData(ch: Channel, chunk: Buffer): void {
    if (ch.role === 'closing') return;
    let frames: Frame[];
    try {
      frames = ch.reader.push(chunk);
    } catch (e) {
      this.malformed(ch, (e as FrameError).message);
      return;
    }
    for (const f of frames) {
      if ((ch.role as ChannelRole) === 'closing') return; // an earlier frame closed it
      try {
        this.onFrame(ch, f);
      } catch (e) {
        if (e instanceof BodyError || e instanceof FrameError) {
          this.malformed(ch, `message 0x${f.id.toString(16)}: ${e.message}`);
        } else {
          // A handler bug: answer the request, log loudly, keep serving everyone else.
          this.opts.log.error(`IPC: handling message 0x${f.id.toString(16)} failed: ${(e as Error).stack ?? e}`);
          if (ch.role === 'response') this.send(ch, encodeFrame(f.id, SaAisErrorT.SA_AIS_ERR_LIBRARY, f.seq));
        }
      }
    }
  }

  private onFrame(ch: Channel, f: Frame): void {
    switch (ch.role) {
      case 'new':
        if (f.id === MSG_IPC_RESPONSE_INIT) return this.responseInit(ch, f);
        if (f.id === MSG_IPC_DISPATCH_INIT) return this.dispatchInit(ch, f);
        return this.malformed(ch, `first message must be an init, got 0x${f.id.toString(16)}`);
      case 'response':
        return this.request(ch, f);
      case 'dispatch':
        return this.malformed(ch, `client sent message 0x${f.id.toString(16)} on its dispatch channel`);
      case 'closing':
        return;
    }
  }

  private refuseAccess(ch: Channel, f: Frame, service: number): void {
    this.counters.refused++;
    this.opts.log.warning(`IPC: refused ${describeCred(ch.cred)} (service ${SERVICE_NAMES[service] ?? service}): not allowed by ${this.opts.access.describe()}`);
    this.answerAndClose(ch, f, SaAisErrorT.SA_AIS_ERR_ACCESS);
  }

  private answerAndClose(ch: Channel, f: Frame, error: SaAisErrorT): void {
    ch.socket.end(encodeFrame(f.id, error, f.seq));
    ch.role = 'closing';
    this.clearTimer(ch);
  }

  private responseInit(ch: Channel, f: Frame): void {
    const req = decodeResponseInitRequest(f.body);
    if (!this.opts.access.allows(ch.cred)) return this.refuseAccess(ch, f, req.service);
    if (req.version !== IPC_PROTOCOL_VERSION) {
      this.opts.log.warning(`IPC: ${describeCred(ch.cred)} speaks protocol ${req.version}, not ${IPC_PROTOCOL_VERSION}`);
      return this.answerAndClose(ch, f, SaAisErrorT.SA_AIS_ERR_VERSION);
    }
    const service = this.opts.registry.get(req.service);
    if (service === undefined) return this.answerAndClose(ch, f, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    const token = crypto.randomBytes(8).readBigUInt64LE(0);
    const pair = new ConnPair(this, this.nextConnId++, token, service, ch);
    ch.role = 'response';
    ch.pair = pair;
    this.clearTimer(ch);
    this.pending.set(token, pair);
    pair.bindTimer = setTimeout(() => {
      if (this.pending.get(token) === pair) {
        this.opts.log.warning(`IPC: ${describeCred(ch.cred)} did not connect its dispatch channel within ${this.limits.dispatchBindTimeoutMs} ms; closing`);
        this.closePair(pair, 'no dispatch channel');
      }
    }, this.limits.dispatchBindTimeoutMs);
    pair.bindTimer.unref();
    const body = encodeResponseInitResponse({ token, frameBytesMax: this.limits.frameBytesMax, executivePid: process.pid });
    this.send(ch, encodeFrame(f.id, SaAisErrorT.SA_AIS_OK, f.seq, body));
  }

  private dispatchInit(ch: Channel, f: Frame): void {
    const req = decodeDispatchInitRequest(f.body);
    if (!this.opts.access.allows(ch.cred)) return this.refuseAccess(ch, f, req.service);
    if (req.version !== IPC_PROTOCOL_VERSION) return this.answerAndClose(ch, f, SaAisErrorT.SA_AIS_ERR_VERSION);
    const pair = this.pending.get(req.token);
    if (pair === undefined || pair.service.id !== req.service) {
      this.opts.log.warning(`IPC: ${describeCred(ch.cred)} bound a dispatch channel with an unknown token`);
      return this.answerAndClose(ch, f, SaAisErrorT.SA_AIS_ERR_BAD_HANDLE);
    }
    if (pair.cred.uid !== ch.cred.uid) {
      this.counters.refused++;
      this.opts.log.warning(`IPC: ${describeCred(ch.cred)} tried to bind the dispatch channel of ${describeCred(pair.cred)}`);
      return this.answerAndClose(ch, f, SaAisErrorT.SA_AIS_ERR_ACCESS);
    }
    this.pending.delete(req.token);
    if (pair.bindTimer) clearTimeout(pair.bindTimer);
    ch.role = 'dispatch';
    ch.pair = pair;
    this.clearTimer(ch);
    pair.dispatchChannel = ch;
    this.pairs.set(pair.connId, pair);
    pair.data = pair.service.privateData?.({ connId: pair.connId, cred: pair.cred });
    this.send(ch, encodeFrame(f.id, SaAisErrorT.SA_AIS_OK, f.seq));
    pair.initialised = true;
    this.opts.log.debug(() => `IPC: connection ${pair.connId} to ${pair.service.name} from ${describeCred(pair.cred)}`);
    pair.service.libInit?.(pair);
  }

  private request(ch: Channel, f: Frame): void {
    const pair = ch.pair!;
    if (!pair.initialised) return this.malformed(ch, `request 0x${f.id.toString(16)} before the dispatch channel was bound`);
    this.counters.requests++;
    const found = this.opts.registry.libHandler(f.id);
    if (found === undefined || serviceOf(f.id) !== pair.service.id) {
      this.send(ch, encodeFrame(f.id, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED, f.seq));
      return;
    }
    let answered = false;
    const req: LibRequest = {
      conn: pair,
      id: f.id,
      body: f.body,
      respond: (error, body) => {
        if (answered) {
          this.opts.log.error(`bug: ${found.service.name} ${found.handler.name} answered twice`);
          return;
        }
        answered = true;
        if (!pair.closed) this.send(ch, encodeFrame(f.id, error, f.seq, body));
      },
    };
    // A service with a sync step serves requests only once its state is synchronised after a configuration change.
    if (found.service.sync === undefined || !this.opts.registry.isSyncing) {
      found.handler.handle(req);
      return;
    }
    this.opts.registry.whenSynced(() => {
      if (pair.closed) return;
      try {
        found.handler.handle(req);
      } catch (e) {
        // Deferred, so outside the frame loop's handling: the same outcome here.
        if (e instanceof BodyError || e instanceof FrameError) this.malformed(ch, `message 0x${f.id.toString(16)}: ${e.message}`);
        else {
          this.opts.log.error(`IPC: handling message 0x${f.id.toString(16)} failed: ${(e as Error).stack ?? e}`);
          req.respond(SaAisErrorT.SA_AIS_ERR_LIBRARY);
        }
      }
    });
  }

  private malformed(ch: Channel, why: string): void {
    this.counters.malformed++;
    this.opts.log.warning(`IPC: malformed input from ${describeCred(ch.cred)}: ${why}; closing`);
    if (ch.pair !== undefined) this.closePair(ch.pair, 'malformed input');
    else this.dropChannel(ch);
  }

  private clearTimer(ch: Channel): void {
    if (ch.timer !== undefined) {
      clearTimeout(ch.timer);
      ch.timer = undefined;
    }
  }

  private dropChannel(ch: Channel): void {
    ch.role = 'closing';
    this.clearTimer(ch);
    ch.socket.destroy();
  }

  /** Closes both channels of a pair. `why` undefined means an orderly close (flush what is queued). */
  private closePair(pair: ConnPair, why: string | undefined): void {
    if (pair.closed) return;
    pair.closed = true;
    if (pair.bindTimer) clearTimeout(pair.bindTimer);
    this.pending.delete(pair.token);
    this.pairs.delete(pair.connId);
    for (const ch of [pair.responseChannel, pair.dispatchChannel]) {
      if (ch === undefined) continue;
      ch.role = 'closing';
      this.clearTimer(ch);
      if (why === undefined) ch.socket.end();
      else ch.socket.destroy();
    }
    if (pair.initialised) {
      try {
        pair.service.libExit?.(pair);
      } catch (e) {
        this.opts.log.error(`${pair.service.name} lib exit failed: ${(e as Error).message}`);
      }
    }
    this.opts.log.debug(() => `IPC: connection ${pair.connId} closed${why ? ` (${why})` : ''}`);
  }

  private onClose(ch: Channel): void {
    this.channels.delete(ch);
    this.clearTimer(ch);
    if (ch.pair !== undefined) this.closePair(ch.pair, 'peer closed');
  }
}

function describeCred(c: PeerCred): string {
  return `client pid ${c.pid} uid ${c.uid} gid ${c.gid}`;
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function uncork(socket: net.Socket): void {
  if (!socket.destroyed) socket.uncork();
}
