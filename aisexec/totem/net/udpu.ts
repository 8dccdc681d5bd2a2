// Transport udpu (corosync totemudpu.c): one socket bound to this node's ring
// address and mcastport. "Multicast" is a unicast to every other nodelist
// member in turn; the token is a unicast to one member. With
// block_unlisted_ips (corosync's default) datagrams from addresses outside the
// nodelist are dropped and counted.
//
// Departure from corosync: one socket sends to every member, where corosync
// keeps one sending socket per member (issue #622 blames those for retransmit
// storms); the receive side is the same.
//
// I/O: batched through native/build/libringfort-net.so (native-socket.ts:
// one sendmmsg per turn of the event loop, recvmmsg per wake-up) when it
// loads, else Node's dgram; RINGFORT_UDP_IO=dgram forces dgram.
import type dgram from 'node:dgram';
import { assert } from '../../../lib-ais/errors.js';
import { ipFamily } from '../../config/address.js';
import type { NodeId } from '../types.js';
import { bindSocket, bufferSizes, closeSocket, createRingSocket, openError, sendCounted } from './dgram-socket.js';
import { MemberTable, type RingMember } from './members.js';
import { NativeUdpSocket, nativeNetUnavailable } from './native-socket.js';
import {
  countSendError, DATAGRAM_BYTES_MAX, emptyCounters, SOCKET_BUFFER_BYTES,
  type PacketHandler, type RingNo, type RingTransport, type RingTransportStatus,
} from './transport.js';

export interface UdpuOptions {
  ring: RingNo;
  /** This node's id (its own entry in `members` is not sent to by sendMulticast). */
  nodeid: NodeId;
  /** This node's address on the ring (its ringN_addr). */
  localAddress: string;
  /** mcastport: every member receives on it. */
  port: number;
  /** The nodelist's addresses on this ring. */
  members: readonly RingMember[];
  blockUnlistedIps: boolean;
  onPacket: PacketHandler;
  bufferBytes?: number;
  /** 'native' (the default when the library loads) or 'dgram'. */
  io?: UdpIo;
}

export type UdpIo = 'native' | 'dgram';

/** The I/O the transports use by default: native unless RINGFORT_UDP_IO=dgram or the library is missing. */
export function defaultUdpIo(): UdpIo {
  return process.env['RINGFORT_UDP_IO'] !== 'dgram' && nativeNetUnavailable() === undefined ? 'native' : 'dgram';
}

export class UdpuTransport implements RingTransport {
  readonly ring: RingNo;
  private readonly members: MemberTable;
  private readonly counters = emptyCounters();
  private socket: dgram.Socket | undefined;
  private native: NativeUdpSocket | undefined;
  readonly io: UdpIo;
  /** Member address -> the native socket's peer index. */
  private readonly peerIds = new Map<string, number>();
  private blocked = false;

  constructor(private readonly opts: UdpuOptions) {
    const family = ipFamily(opts.localAddress);
    assert(family !== undefined, `udpu ring ${opts.ring}: local address ${opts.localAddress} is not an IP literal`);
    assert(Number.isInteger(opts.port) && opts.port > 0 && opts.port < 65536, `udpu ring ${opts.ring}: port ${opts.port}`);
    this.ring = opts.ring;
    this.members = new MemberTable(family, opts.nodeid, opts.members);
    this.io = opts.io ?? defaultUdpIo();
  }

  async open(): Promise<void> {
    if (this.socket !== undefined || this.native !== undefined) return;
    const { localAddress, port } = this.opts;
    if (this.io === 'native') {
      const native = new NativeUdpSocket(this.members.family, {
        onDatagram: (data, from) => this.onMessage(data, from),
        onSendError: (err) => countSendError(this.counters.sendErrors, err),
        onReceiveError: () => this.onSocketError(),
      });
      try {
        native.open(localAddress, port, this.opts.bufferBytes ?? SOCKET_BUFFER_BYTES);
      } catch (err) {
        throw openError(this.ring, 'bind udpu socket to', localAddress, port, err);
      }
      this.native = native;
      return;
    }
    const socket = createRingSocket(this.members.family, false, this.opts.bufferBytes ?? SOCKET_BUFFER_BYTES);
    try {
      await bindSocket(socket, port, localAddress);
    } catch (err) {
      await closeSocket(socket);
      throw openError(this.ring, 'bind udpu socket to', localAddress, port, err);
    }
    socket.on('message', this.onDgramMessage);
    socket.on('error', this.onSocketError);
    this.socket = socket;
  }

  sendUnicast(to: NodeId, data: Uint8Array): void {
    if (this.blocked) {
      this.counters.droppedBlockedSend++;
      return;
    }
    const address = this.members.addressOf(to);
    if (address === undefined) {
      this.counters.droppedUnknownNode++;
      return;
    }
    this.sendTo(data, address);
  }

  sendMulticast(data: Uint8Array): void {
    const others = this.members.others();
    if (this.blocked) {
      this.counters.droppedBlockedSend += others.length;
      return;
    }
    for (let i = 0; i < others.length; i++) this.sendTo(data, others[i]!);
  }

  learnMember(nodeid: NodeId, address: string): boolean {
    return this.members.matches(nodeid, address);
  }

  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
  }

  flush(): void {
    this.native?.flush();
  }

  status(): RingTransportStatus {
    const sizes = this.native !== undefined ? this.native.bufferSizes() : bufferSizes(this.socket);
    return {
      ring: this.ring, transport: 'udpu', io: this.io, segmentationOffload: this.native?.segmentationOffload ?? false, localAddress: this.opts.localAddress, port: this.opts.port,
      open: this.socket !== undefined || this.native !== undefined, blocked: this.blocked, recvBufferBytes: sizes.recv, sendBufferBytes: sizes.send,
      counters: structuredClone(this.counters),
    };
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) await closeSocket(socket);
    this.native?.close();
    this.native = undefined;
  }

  private sendTo(data: Uint8Array, address: string): void {
    const native = this.native;
    if (native === undefined) {
      sendCounted(this.socket, data, this.opts.port, address, this.counters, this.onSent);
      return;
    }
    if (data.length > DATAGRAM_BYTES_MAX) {
      this.counters.droppedNotSent++;
      return;
    }
    let peer = this.peerIds.get(address);
    if (peer === undefined) {
      peer = native.peer(address, this.opts.port);
      this.peerIds.set(address, peer);
    }
    if (peer < 0) {
      this.counters.droppedUnknownNode++;
      return;
    }
    this.counters.packetsSent++;
    this.counters.bytesSent += data.length;
    native.send(data, peer);
  }

  // Created once: no closure per datagram.
  private readonly onSent = (err: Error | null): void => {
    if (err) countSendError(this.counters.sendErrors, err);
  };

  private readonly onDgramMessage = (data: Buffer, rinfo: dgram.RemoteInfo): void => {
    this.onMessage(data, rinfo.address);
  };

  private onMessage(data: Buffer, from: string): void {
    if (this.blocked) {
      this.counters.droppedBlockedReceive++;
      return;
    }
    if (this.opts.blockUnlistedIps && !this.members.isListed(from)) {
      this.counters.droppedUnlisted++;
      return;
    }
    this.counters.packetsReceived++;
    this.counters.bytesReceived += data.length;
    this.opts.onPacket(this.ring, data, from);
  }

  private readonly onSocketError = (): void => {
    this.counters.socketErrors++;
  };
}
