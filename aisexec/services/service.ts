// The service plug-in descriptor, after openais' `struct openais_service_handler`:
// library handlers answer client requests (validate, then act or multicast);
// executive handlers apply messages delivered by the ring in agreed order on every node.
import type { Logger } from '../log/logger.js';
import type { SaAisErrorT } from '../../lib-ais/errors.js';
import type { PeerCred } from '../ipc/peercred.js';

export interface NodeId { readonly nodeid: number }

/** A configuration change, delivered in its place in the message stream (EVS: transitional, then regular). */
export interface ConfChange {
  type: 'transitional' | 'regular';
  ringId: { rep: number; seq: bigint };
  members: readonly number[];
  left: readonly number[];
  joined: readonly number[];
}

/** What the executive offers a service. */
export interface ServiceContext {
  readonly log: Logger;
  readonly nodeid: number;
  /** Multicast an executive message in agreed order (or 'safe': delivered once every member holds it); TRY_AGAIN when the ring's queue is full. */
  mcast(id: number, payload: Buffer, guarantee?: 'agreed' | 'safe'): SaAisErrorT;
}

/** A client connection pair (request + dispatch channels) as a service sees it. */
export interface LibConnection {
  readonly connId: number;
  readonly cred: PeerCred;
  /** Per-service private data, created by `privateData()` when the pair is complete. */
  readonly data: unknown;
  /** Push a callback on the dispatch channel. Returns false if the connection is gone or was just dropped for not reading. */
  dispatch(id: number, error: SaAisErrorT, body?: Buffer): boolean;
  readonly closed: boolean;
}

/** One client request. Respond exactly once (possibly later, e.g. after agreed delivery). */
export interface LibRequest {
  readonly conn: LibConnection;
  readonly id: number;
  readonly body: Buffer;
  respond(error: SaAisErrorT, body?: Buffer): void;
}

export interface LibHandler {
  name: string;
  /** Decodes and handles the request. A BodyError thrown here marks the frame malformed: the connection is closed. */
  handle(req: LibRequest): void;
}

export interface ExecHandler {
  name: string;
  handle(payload: Buffer, sourceNodeId: number): void;
}

export interface SyncHooks {
  init(change: ConfChange): void;
  /** Returns true when the service has nothing more to send for this sync. */
  process(): boolean;
  activate(): void;
  abort(): void;
}

export interface Service {
  readonly id: number;
  readonly name: string;
  readonly lib: ReadonlyMap<number, LibHandler>; // by function id
  readonly exec: ReadonlyMap<number, ExecHandler>; // by function id
  privateData?(conn: { connId: number; cred: PeerCred }): unknown;
  /** Called once at start, before IPC opens. Throwing stops the executive start. */
  execInit?(ctx: ServiceContext): void | Promise<void>;
  /** Orderly shutdown: stop what the service runs, before IPC closes. */
  execExit?(): void | Promise<void>;
  libInit?(conn: LibConnection): void;
  libExit?(conn: LibConnection): void;
  confChange?(change: ConfChange): void;
  sync?: SyncHooks;
  /** Runtime status for `cfg` status queries (JSON-serialisable). */
  status?(): unknown;
}
