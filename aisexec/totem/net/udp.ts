// Transport udp (corosync totemudp.c): IP multicast to mcastaddr:mcastport on
// the interface of this node's address, and the token as a unicast to one
// member. Three sockets, as corosync:
//   - receive multicast: bound to mcastaddr:mcastport (address reuse, so that
//     several nodes on one host each get a copy), joined to the group on the
//     local interface;
//   - receive unicast (the token): bound to local:mcastport;
//   - send: bound to local:mcastport - 1 (hence corosync's "ports at least 2
//     apart"), IP_MULTICAST_IF = local, TTL from the interface, multicast
//     loop on so that nodes sharing a host hear each other. Our own looped
//     multicast is recognised by its source address and port and dropped.
// With `broadcast: yes` the group address is the local network's broadcast
// address instead (no group to join, SO_BROADCAST on the send socket).
//
// Members' addresses come from the nodelist when there is one, and from the
// driver (`learnMember`, fed with the sender id inside each packet and the
// packet's source address) otherwise. Like corosync's totemudp, no source
// filtering unless asked (`blockUnlistedIps`).
import type dgram from 'node:dgram';
import { assert } from '../../../lib-ais/errors.js';
import { canonicalIp, ipFamily, isMulticast } from '../../config/address.js';
import type { NodeId } from '../types.js';
import { bindSocket, bufferSizes, closeSocket, createRingSocket, openError, sendCounted } from './dgram-socket.js';
import { MemberTable, type RingMember } from './members.js';
import {
  countSendError, emptyCounters, SOCKET_BUFFER_BYTES,
  type PacketHandler, type RingNo, type RingTransport, type RingTransportStatus,
} from './transport.js';

export interface UdpOptions {
  ring: RingNo;
  nodeid: NodeId;
  /** This node's address on the ring (from the nodelist, or bindnetaddr resolved to a local interface). */
  localAddress: string;
  /** mcastport: the group's port and the unicast receive port; sends leave from mcastport - 1. */
  port: number;
  /** The multicast group, or with `broadcast` the network's broadcast address. */
  mcastAddress: string;
  broadcast?: boolean;
  ttl: number;
  /** The nodelist on this ring, if any; more are learnt through learnMember. */
  members: readonly RingMember[];
  blockUnlistedIps?: boolean;
  onPacket: PacketHandler;
  bufferBytes?: number;
}

export class UdpTransport implements RingTransport {
  readonly ring: RingNo;
  private readonly members: MemberTable;
  private readonly counters = emptyCounters();
  private readonly localKey: string;
  private mcastRecv: dgram.Socket | undefined;
  private unicastRecv: dgram.Socket | undefined;
  private send: dgram.Socket | undefined;
  /** The send socket's port, to recognise our own looped-back multicast. */
  private sendPort = -1;
  private blocked = false;

  constructor(private readonly opts: UdpOptions) {
    const family = ipFamily(opts.localAddress);
    assert(family !== undefined, `udp ring ${opts.ring}: local address ${opts.localAddress} is not an IP literal`);
    assert(ipFamily(opts.mcastAddress) === family, `udp ring ${opts.ring}: mcastaddr ${opts.mcastAddress} is not an IPv${family} address`);
    assert(opts.broadcast === true || isMulticast(opts.mcastAddress), `udp ring ${opts.ring}: ${opts.mcastAddress} is not a multicast address`);
    assert(opts.broadcast !== true || family === 4, 'broadcast needs IPv4');
    assert(Number.isInteger(opts.port) && opts.port > 1 && opts.port < 65536, `udp ring ${opts.ring}: port ${opts.port}`);
    assert(Number.isInteger(opts.ttl) && opts.ttl >= 0 && opts.ttl <= 255, `udp ring ${opts.ring}: ttl ${opts.ttl}`);
    this.ring = opts.ring;
    this.members = new MemberTable(family, opts.nodeid, opts.members);
    this.localKey = canonicalIp(opts.localAddress);
  }

  async open(): Promise<void> {
    if (this.send !== undefined) return;
    const { localAddress, port, mcastAddress, ttl } = this.opts;
    const family = this.members.family;
    const bytes = this.opts.bufferBytes ?? SOCKET_BUFFER_BYTES;
    const opened: dgram.Socket[] = [];
    const step = async (what: string, address: string, p: number, fn: () => Promise<void> | void): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        await Promise.all(opened.map(closeSocket));
        throw openError(this.ring, what, address, p, err);
      }
    };
    const mcastRecv = createRingSocket(family, true, bytes);
    opened.push(mcastRecv);
    await step('bind the multicast receive socket to', mcastAddress, port, () => bindSocket(mcastRecv, port, mcastAddress));
    if (this.opts.broadcast !== true) {
      // IPv4 names the interface by its address; IPv6 by the address's scope, which the kernel finds from the route.
      await step('join the multicast group', mcastAddress, port, () => mcastRecv.addMembership(mcastAddress, family === 4 ? localAddress : undefined));
    }
    const unicastRecv = createRingSocket(family, false, bytes);
    opened.push(unicastRecv);
    await step('bind the unicast receive socket to', localAddress, port, () => bindSocket(unicastRecv, port, localAddress));
    const send = createRingSocket(family, false, bytes);
    opened.push(send);
    await step('bind the send socket to', localAddress, port - 1, () => bindSocket(send, port - 1, localAddress));
    await step('set multicast options on', localAddress, port - 1, () => {
      if (this.opts.broadcast === true) {
        send.setBroadcast(true);
      } else {
        if (family === 4) send.setMulticastInterface(localAddress);
        send.setMulticastTTL(ttl);
        send.setMulticastLoopback(true);
      }
    });
    for (const s of [mcastRecv, unicastRecv]) s.on('message', this.onMessage);
    for (const s of opened) s.on('error', this.onSocketError);
    this.sendPort = send.address().port;
    this.mcastRecv = mcastRecv;
    this.unicastRecv = unicastRecv;
    this.send = send;
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
    if (this.blocked) {
      this.counters.droppedBlockedSend++;
      return;
    }
    this.sendTo(data, this.opts.mcastAddress);
  }

  learnMember(nodeid: NodeId, address: string): boolean {
    return this.members.set(nodeid, address);
  }

  /** dgram sends at once: nothing is queued. */
  flush(): void {}

  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
  }

  status(): RingTransportStatus {
    const recv = bufferSizes(this.mcastRecv).recv;
    const send = bufferSizes(this.send).send;
    return {
      ring: this.ring, transport: 'udp', io: 'dgram', segmentationOffload: false, localAddress: this.opts.localAddress, port: this.opts.port,
      open: this.send !== undefined, blocked: this.blocked, recvBufferBytes: recv, sendBufferBytes: send,
      counters: structuredClone(this.counters),
    };
  }

  async close(): Promise<void> {
    const sockets = [this.mcastRecv, this.unicastRecv, this.send].filter((s): s is dgram.Socket => s !== undefined);
    this.mcastRecv = this.unicastRecv = this.send = undefined;
    await Promise.all(sockets.map(closeSocket));
  }

  private sendTo(data: Uint8Array, address: string): void {
    sendCounted(this.send, data, this.opts.port, address, this.counters, this.onSent);
  }

  private readonly onSent = (err: Error | null): void => {
    if (err) countSendError(this.counters.sendErrors, err);
  };

  private readonly onMessage = (data: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (rinfo.port === this.sendPort && (rinfo.address === this.opts.localAddress || canonicalIp(rinfo.address) === this.localKey)) {
      this.counters.droppedOwn++;
      return;
    }
    if (this.blocked) {
      this.counters.droppedBlockedReceive++;
      return;
    }
    if (this.opts.blockUnlistedIps === true && !this.members.isListed(rinfo.address)) {
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
