// The client side of the IPC protocol (docs/ipc-protocol.md): one handle is a
// request channel (requests matched to responses by sequence number) and a
// dispatch channel whose callbacks wait in a bounded queue until the
// application dispatches them. Every failure is an AisError with its code.
import net from 'node:net';
import {
  AisAccessError, AisError, AisLibraryError, AisTimeoutError, AisTryAgainError, SaAisErrorT, aisError,
} from './errors.js';
import { encodeFrame, FrameReader, type Frame } from './ipc/frame.js';
import { MSG_IPC_DISPATCH_INIT, MSG_IPC_RESPONSE_INIT } from './ipc/ids.js';
import { IPC_FRAME_BYTES_MAX, IPC_PROTOCOL_VERSION } from './ipc/limits.js';
import { decodeResponseInitResponse, encodeDispatchInitRequest, encodeResponseInitRequest } from './ipc/setup.js';
import { defaultRunDir, socketPath } from './rundir.js';

export interface ConnectOptions {
  /** The executive's run directory; default from `defaultRunDir()`. */
  runDir?: string;
  /** Overrides runDir: the socket itself. */
  socketPath?: string;
  /** How long the init exchange may take. */
  timeoutMs?: number;
}

export interface Response {
  error: SaAisErrorT;
  body: Buffer;
}

/** Callbacks held unread before the dispatch socket is paused, so the executive sees a slow reader, not us growing. */
export const DISPATCH_QUEUE_MAX = 1024;

const CONNECT_TIMEOUT_MS = 5000;

/** A socket that speaks frames. */
class FramedSocket {
  private readonly reader = new FrameReader(IPC_FRAME_BYTES_MAX);
  onFrame: (f: Frame) => void = () => {};
  onClose: (why: string) => void = () => {};
  private closedWhy: string | undefined;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch (e) {
        this.destroy(`malformed frame from the executive: ${(e as Error).message}`);
        return;
      }
      for (const f of frames) this.onFrame(f);
    });
    socket.on('error', (e) => this.markClosed(e.message));
    socket.on('close', () => this.markClosed('the executive closed the connection'));
  }

  static connect(path: string): Promise<FramedSocket> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new FramedSocket(s));
      });
      s.once('error', reject);
    });
  }

  write(frame: Buffer): boolean {
    if (this.closedWhy !== undefined) return false;
    // Requests issued in one turn of the event loop leave in one writev.
    if (!this.socket.writableCorked) {
      this.socket.cork();
      process.nextTick(uncorkSocket, this.socket);
    }
    this.socket.write(frame);
    return true;
  }

  get closed(): string | undefined {
    return this.closedWhy;
  }

  private markClosed(why: string): void {
    if (this.closedWhy !== undefined) return;
    this.closedWhy = why;
    this.onClose(why);
  }

  destroy(why: string): void {
    this.markClosed(why);
    this.socket.destroy();
  }

  /** Waits for the single frame that answers an init request. */
  nextFrame(timeoutMs: number): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new AisTimeoutError(`no answer from the executive within ${timeoutMs} ms`)), timeoutMs);
      this.onFrame = (f) => { clearTimeout(timer); resolve(f); };
      this.onClose = (why) => { clearTimeout(timer); reject(new AisLibraryError(why)); };
    });
  }
}

function connectError(e: NodeJS.ErrnoException, path: string): AisError {
  switch (e.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return new AisTryAgainError(`the executive is not running (no listener on ${path})`);
    case 'EACCES':
    case 'EPERM':
      return new AisAccessError(`cannot connect to ${path}: ${e.code}`);
    case 'EAGAIN':
      return new AisTryAgainError(`the executive is busy (${path}: EAGAIN)`);
    default:
      return new AisLibraryError(`cannot connect to ${path}: ${e.message}`);
  }
}

export class AisConnection {
  private nextSeq = 1;
  private readonly waiting = new Map<number, { id: number; resolve: (r: Response) => void; reject: (e: Error) => void }>();
  private readonly queue: Frame[] = [];
  private paused = false;
  private lost: AisError | undefined;
  private finalized = false;
  private readonly readyListeners = new Set<() => void>();

  private constructor(
    readonly service: number,
    private readonly req: FramedSocket,
    private readonly disp: FramedSocket,
    readonly executivePid: number,
  ) {
    req.onFrame = (f) => this.onResponse(f);
    disp.onFrame = (f) => this.onCallback(f);
    req.onClose = (why) => this.onLost(why);
    disp.onClose = (why) => this.onLost(why);
  }

  /** Opens both channels to `service`. Rejects with an AisError (TRY_AGAIN when no executive runs). */
  static async open(service: number, opts: ConnectOptions = {}): Promise<AisConnection> {
    const path = opts.socketPath ?? socketPath(opts.runDir ?? defaultRunDir());
    const timeoutMs = opts.timeoutMs ?? CONNECT_TIMEOUT_MS;
    let req: FramedSocket | undefined;
    let disp: FramedSocket | undefined;
    try {
      req = await FramedSocket.connect(path).catch((e: NodeJS.ErrnoException) => { throw connectError(e, path); });
      const waitInit = req.nextFrame(timeoutMs);
      req.write(encodeFrame(MSG_IPC_RESPONSE_INIT, 0, 0, encodeResponseInitRequest({ service, version: IPC_PROTOCOL_VERSION })));
      const init = await waitInit;
      if (init.error !== SaAisErrorT.SA_AIS_OK) throw aisError(init.error, `the executive refused the connection`);
      const { token, executivePid } = decodeResponseInitResponse(init.body);

      disp = await FramedSocket.connect(path).catch((e: NodeJS.ErrnoException) => { throw connectError(e, path); });
      const waitBind = disp.nextFrame(timeoutMs);
      disp.write(encodeFrame(MSG_IPC_DISPATCH_INIT, 0, 0, encodeDispatchInitRequest({ service, version: IPC_PROTOCOL_VERSION, token })));
      const bound = await waitBind;
      if (bound.error !== SaAisErrorT.SA_AIS_OK) throw aisError(bound.error, `the executive refused the dispatch channel`);
      return new AisConnection(service, req, disp, executivePid);
    } catch (e) {
      req?.destroy('init failed');
      disp?.destroy('init failed');
      if (e instanceof AisError) throw e;
      throw new AisLibraryError((e as Error).message);
    }
  }

  /** The dispatch channel's descriptor: readable when callbacks are waiting (SaSelectionObjectT). */
  get selectionObject(): number {
    const fd = (this.disp.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    return typeof fd === 'number' ? fd : -1;
  }

  get isOpen(): boolean {
    return !this.finalized && this.lost === undefined;
  }

  /** Why the connection is unusable, if it is. */
  get failure(): AisError | undefined {
    return this.lost;
  }

  /** Sends a request; resolves with the executive's error code and body. Rejects only when the connection is unusable. */
  request(id: number, body?: Buffer): Promise<Response> {
    if (this.finalized) return Promise.reject(aisError(SaAisErrorT.SA_AIS_ERR_BAD_HANDLE, 'the handle was finalized'));
    if (this.lost) return Promise.reject(this.lost);
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) >>> 0 || 1;
    return new Promise<Response>((resolve, reject) => {
      this.waiting.set(seq, { id, resolve, reject });
      this.req.write(encodeFrame(id, 0, seq, body));
    });
  }

  /** A request whose non-OK answer becomes a thrown AisError. */
  async call(id: number, body?: Buffer): Promise<Buffer> {
    const r = await this.request(id, body);
    if (r.error !== SaAisErrorT.SA_AIS_OK) throw aisError(r.error);
    return r.body;
  }

  /** Callbacks waiting to be dispatched. */
  get pendingCallbacks(): number {
    return this.queue.length;
  }

  /** Takes the oldest waiting callback. */
  takeCallback(): Frame | undefined {
    const f = this.queue.shift();
    if (this.paused && this.queue.length < DISPATCH_QUEUE_MAX / 2) {
      this.paused = false;
      this.disp.socket.resume();
    }
    return f;
  }

  /** Resolves when a callback is waiting (true) or the connection is finalized or lost (false). */
  waitCallback(): Promise<boolean> {
    if (this.queue.length > 0) return Promise.resolve(true);
    if (!this.isOpen) return Promise.resolve(false);
    return new Promise((resolve) => {
      const l = () => {
        this.readyListeners.delete(l);
        resolve(this.queue.length > 0);
      };
      this.readyListeners.add(l);
    });
  }

  /** Closes both channels (saXxxFinalize). Waiting requests fail with BAD_HANDLE; a waiting dispatcher returns. */
  finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    this.failAll(aisError(SaAisErrorT.SA_AIS_ERR_BAD_HANDLE, 'the handle was finalized'));
    this.req.socket.end();
    this.disp.socket.end();
    this.queue.length = 0;
    this.wake();
  }

  private onResponse(f: Frame): void {
    const w = this.waiting.get(f.seq);
    if (w === undefined || w.id !== f.id) {
      this.req.destroy(`the executive answered an unknown request (id 0x${f.id.toString(16)} seq ${f.seq})`);
      return;
    }
    this.waiting.delete(f.seq);
    w.resolve({ error: f.error as SaAisErrorT, body: f.body });
  }

  private onCallback(f: Frame): void {
    if (this.finalized) return;
    this.queue.push(f);
    if (!this.paused && this.queue.length >= DISPATCH_QUEUE_MAX) {
      this.paused = true;
      this.disp.socket.pause();
    }
    this.wake();
  }

  private wake(): void {
    for (const l of [...this.readyListeners]) l();
  }

  private onLost(why: string): void {
    if (this.finalized || this.lost) return;
    this.lost = new AisLibraryError(`connection to the executive lost: ${why}`);
    this.failAll(this.lost);
    this.req.socket.destroy();
    this.disp.socket.destroy();
    this.wake();
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}

function uncorkSocket(socket: net.Socket): void {
  if (!socket.destroyed) socket.uncork();
}
