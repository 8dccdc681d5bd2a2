// SO_PEERCRED through koffi (an FFI call to libc's getsockopt): no compile step
// at install, and one call per accepted connection, so the FFI cost (tens of ns)
// does not matter. See docs/ipc-protocol.md, "Peer credentials", for the choice.
import type net from 'node:net';
import koffi from 'koffi';

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17; // Linux

interface Libc {
  getsockopt: (fd: number, level: number, name: number, out: PeerCred, len: number[]) => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc !== undefined) return libc;
  const lib = koffi.load('libc.so.6');
  koffi.struct('ucred', { pid: 'int32_t', uid: 'uint32_t', gid: 'uint32_t' });
  const getsockopt = lib.func('int getsockopt(int fd, int level, int optname, _Out_ ucred *optval, _Inout_ uint32_t *optlen)');
  libc = { getsockopt: getsockopt as Libc['getsockopt'] };
  return libc;
}

/** The descriptor behind a connected Unix socket; undefined if Node does not expose it. */
export function socketFd(socket: net.Socket): number | undefined {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  const fd = handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** The credentials of the process at the other end of a Unix stream socket, or an Error saying why not. */
export function peerCred(socket: net.Socket): PeerCred | Error {
  const fd = socketFd(socket);
  if (fd === undefined) return new Error('socket has no file descriptor');
  const out: PeerCred = { pid: 0, uid: 0, gid: 0 };
  const len = [12];
  const rc = load().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, out, len);
  if (rc !== 0) return new Error(`getsockopt(SO_PEERCRED) failed: errno ${koffi.errno()}`);
  return { pid: out.pid, uid: out.uid >>> 0, gid: out.gid >>> 0 };
}
