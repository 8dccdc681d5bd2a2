// Transport udpu (corosync totemudpu.c): one socket bound to this node's ring
// address and mcastport. "Multicast" is a unicast to every other nodelist
// member in turn; the token is a unicast to one member. With
// block_unlisted_ips (corosync's default) datagrams from addresses outside the
// nodelist are dropped and counted.
//
// Departure from corosync: one socket sends to every member, where corosync
// keeps one sending socket per member (issue #622 blames those for retransmit
// storms); the receive side is the same.
import type dgram from 'node:dgram';
import { assert } from '../../../lib-ais/errors.js';
import { ipFamily } from '../../config/address.js';
import type { NodeId } from '../types.js';
import { bindSocket, bufferSizes, closeSocket, createRingSocket, openError, sendCounted } from './dgram-socket.js';
import { MemberTable, type RingMember } from './members.js';
import {
  countSendError, emptyCounters, SOCKET_BUFFER_BYTES,
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
}

export class UdpuTransport implements RingTransport {
  readonly ring: RingNo;
  private readonly members: MemberTable;
  private readonly counters = emptyCounters();
  private socket: dgram.Socket | undefined;
  private blocked = false;

  constructor(private readonly opts: UdpuOptions) {
    const family = ipFamily(opts.localAddress);
    assert(family !== undefined, `udpu ring ${opts.ring}: local address ${opts.localAddress} is not an IP literal`);
    assert(Number.isInteger(opts.port) && opts.port > 0 && opts.port < 65536, `udpu ring ${opts.ring}: port ${opts.port}`);
    this.ring = opts.ring;
    this.members = new MemberTable(family, opts.nodeid, opts.members);
  }

  async open(): Promise<void> {
    if (this.socket !== undefined) return;
    const { localAddress, port } = this.opts;
    const socket = createRingSocket(this.members.family, false, this.opts.bufferBytes ?? SOCKET_BUFFER_BYTES);
    try {
      await bindSocket(socket, port, localAddress);
    } catch (err) {
      await closeSocket(socket);
      throw openError(this.ring, 'bind udpu socket to', localAddress, port, err);
    }
    socket.on('message', this.onMessage);
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

  status(): RingTransportStatus {
    const sizes = bufferSizes(this.socket);
    return {
      ring: this.ring, transport: 'udpu', localAddress: this.opts.localAddress, port: this.opts.port,
      open: this.socket !== undefined, blocked: this.blocked, recvBufferBytes: sizes.recv, sendBufferBytes: sizes.send,
      counters: structuredClone(this.counters),
    };
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) await closeSocket(socket);
  }

  private sendTo(data: Uint8Array, address: string): void {
    sendCounted(this.socket, data, this.opts.port, address, this.counters, this.onSent);
  }

  // Created once: no closure per datagram.
  private readonly onSent = (err: Error | null): void => {
    if (err) countSendError(this.counters.sendErrors, err);
  };

  private readonly onMessage = (data: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.blocked) {
      this.counters.droppedBlockedReceive++;
      return;
    }
    if (this.opts.blockUnlistedIps && !this.members.isListed(rinfo.address)) {
      this.counters.droppedUnlisted++;
      return;
    }
    this.counters.packetsReceived++;
    this.counters.bytesReceived += data.length;
    this.opts.onPacket(this.ring, data, rinfo.address);
  };

  private readonly onSocketError = (): void => {
    this.counters.socketErrors++;
  };
}
