// One ring's transport: moves opaque datagrams between the nodes of one
// network (corosync totemudp / totemudpu below totemrrp). It knows nodes by id
// and address only; it never parses a packet. Nothing from the network or a
// send failure throws past this interface: every drop and error is counted.
import type { NodeId } from '../types.js';

export type RingNo = 0 | 1;

/**
 * A datagram arrived on `ring` from `fromAddress` (the sender's IP). `data`
 * is the sender's bytes; the transport never touches it again, so the
 * handler may keep it.
 */
export type PacketHandler = (ring: RingNo, data: Buffer, fromAddress: string) => void;

/** Largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP); commit tokens of large rings exceed netmtu. */
export const DATAGRAM_BYTES_MAX = 65_507;
/** SO_RCVBUF / SO_SNDBUF asked for, as corosync totemudp (the kernel caps it at net.core.rmem_max / wmem_max). */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** Send errors worth telling apart (corosync logs these as "sendmsg failed"); the rest count as `other`. */
export interface SendErrorCounts {
  EAGAIN: number;
  ENOBUFS: number;
  EHOSTUNREACH: number;
  ENETUNREACH: number;
  EMSGSIZE: number;
  other: number;
}

export interface RingTransportCounters {
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  sendErrors: SendErrorCounts;
  /** From an address outside the nodelist while block_unlisted_ips is on. */
  droppedUnlisted: number;
  /** Dropped by the fault-injection switch (`setBlocked`), on the way out and on the way in. */
  droppedBlockedSend: number;
  droppedBlockedReceive: number;
  /** A unicast to a node id with no known address on this ring. */
  droppedUnknownNode: number;
  /** Larger than DATAGRAM_BYTES_MAX, or sent while the transport is not open. */
  droppedNotSent: number;
  /** udp only: our own multicast, looped back to us. */
  droppedOwn: number;
  /** 'error' events of a socket after it was bound (the socket stays open). */
  socketErrors: number;
}

export interface RingTransportStatus {
  readonly ring: RingNo;
  readonly transport: 'udp' | 'udpu';
  /** How datagrams move: batched native system calls, or Node's dgram. */
  readonly io: 'native' | 'dgram';
  /** Native I/O: whether sends use UDP segmentation offload (UDP_SEGMENT). */
  readonly segmentationOffload: boolean;
  /** This node's address on the ring and the port it receives on (mcastport). */
  readonly localAddress: string;
  readonly port: number;
  readonly open: boolean;
  readonly blocked: boolean;
  /** What the kernel granted (Linux reports twice the value set); 0 before open. */
  readonly recvBufferBytes: number;
  readonly sendBufferBytes: number;
  readonly counters: Readonly<RingTransportCounters>;
}

export interface RingTransport {
  readonly ring: RingNo;
  /** Binds the sockets. Rejects with an AisError naming the ring, address and port. */
  open(): Promise<void>;
  /** To one node (the token). Unknown node ids and send errors are counted, never thrown. */
  sendUnicast(to: NodeId, data: Uint8Array): void;
  /** To every other node on this ring. */
  sendMulticast(data: Uint8Array): void;
  /**
   * Tells the transport a node's address on this ring, learnt by the driver
   * from a packet's sender id and source address (udp without a nodelist).
   * Returns false when the address is not usable (other family, multicast);
   * udpu's nodelist is fixed, so there it only reports whether it matches.
   */
  learnMember(nodeid: NodeId, address: string): boolean;
  /** Sends now what this transport queued (native I/O batches a turn's datagrams); a no-op for dgram. */
  flush(): void;
  /** Fault injection: drop everything sent and received, as if the cable were pulled. */
  setBlocked(blocked: boolean): void;
  status(): RingTransportStatus;
  /** Closes the sockets; idempotent. */
  close(): Promise<void>;
}

export function emptyCounters(): RingTransportCounters {
  return {
    packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0,
    sendErrors: { EAGAIN: 0, ENOBUFS: 0, EHOSTUNREACH: 0, ENETUNREACH: 0, EMSGSIZE: 0, other: 0 },
    droppedUnlisted: 0, droppedBlockedSend: 0, droppedBlockedReceive: 0, droppedUnknownNode: 0, droppedNotSent: 0, droppedOwn: 0, socketErrors: 0,
  };
}

/** Adds one send error to its bucket by errno name. */
export function countSendError(errors: SendErrorCounts, err: unknown): void {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'EAGAIN':
    case 'EWOULDBLOCK':
      errors.EAGAIN++;
      break;
    case 'ENOBUFS':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EMSGSIZE':
      errors[code]++;
      break;
    default:
      errors.other++;
  }
}

export function totalSendErrors(e: SendErrorCounts): number {
  return e.EAGAIN + e.ENOBUFS + e.EHOSTUNREACH + e.ENETUNREACH + e.EMSGSIZE + e.other;
}
