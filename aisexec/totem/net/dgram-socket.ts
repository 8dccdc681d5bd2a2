// The dgram plumbing both transports share: sockets with large buffers and an
// address lookup that never leaves the stack, bind and close as promises, and
// the AisError a failed bind becomes.
import dgram from 'node:dgram';
import { AisAccessError, AisError, AisInvalidParamError, AisLibraryError, AisNoResourcesError } from '../../../lib-ais/errors.js';
import type { IpFamily } from '../../config/address.js';
import { countSendError, DATAGRAM_BYTES_MAX, SOCKET_BUFFER_BYTES, type RingTransportCounters } from './transport.js';

/**
 * Addresses here are always IP literals (the configuration accepts nothing
 * else), so the lookup answers synchronously: dgram's default goes through
 * dns.lookup and a process.nextTick for every datagram sent.
 */
function literalLookup(family: IpFamily) {
  return (address: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void): void => {
    callback(null, address, family);
  };
}

export function createRingSocket(family: IpFamily, reuseAddr: boolean, bufferBytes = SOCKET_BUFFER_BYTES): dgram.Socket {
  return dgram.createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    reuseAddr,
    recvBufferSize: bufferBytes,
    sendBufferSize: bufferBytes,
    lookup: literalLookup(family) as unknown as dgram.SocketOptions['lookup'],
  });
}

export function bindSocket(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.removeListener('error', onError);
      resolve();
    });
  });
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** The kernel's buffer sizes, or 0 when the socket is not bound. */
export function bufferSizes(socket: dgram.Socket | undefined): { recv: number; send: number } {
  if (socket === undefined) return { recv: 0, send: 0 };
  try {
    return { recv: socket.getRecvBufferSize(), send: socket.getSendBufferSize() };
  } catch {
    return { recv: 0, send: 0 };
  }
}

/** A failed bind or group join as the SA error the executive reports before it exits. */
export function openError(ring: number, what: string, address: string, port: number, err: unknown): AisError {
  const code = (err as { code?: unknown } | null)?.code;
  const text = `ring ${ring}: cannot ${what} ${address}:${port}: ${err instanceof Error ? err.message : String(err)}`;
  switch (code) {
    case 'EADDRNOTAVAIL':
    case 'EINVAL':
    case 'ENODEV':
      return new AisInvalidParamError(`${text} (is the address configured on this host?)`);
    case 'EADDRINUSE':
      return new AisNoResourcesError(`${text} (another process, or another ring, uses this port)`);
    case 'EACCES':
    case 'EPERM':
      return new AisAccessError(text);
    default:
      return new AisLibraryError(text);
  }
}

/**
 * One datagram out with the transports' counting: too big or no socket is a
 * drop, a send error (thrown or reported) is counted, nothing is thrown.
 * `onSent` is the transport's one callback (no closure per datagram).
 */
export function sendCounted(socket: dgram.Socket | undefined, data: Uint8Array, port: number, address: string, counters: RingTransportCounters, onSent: (err: Error | null) => void): void {
  if (socket === undefined || data.length > DATAGRAM_BYTES_MAX) {
    counters.droppedNotSent++;
    return;
  }
  counters.packetsSent++;
  counters.bytesSent += data.length;
  try {
    socket.send(data, port, address, onSent);
  } catch (err) {
    countSendError(counters.sendErrors, err);
  }
}
