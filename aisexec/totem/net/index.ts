// The ring's network layer: one transport per ring (udpu, udp) and the
// redundant ring layer over them (rrp_mode none / active / passive).
export * from './transport.js';
export { MemberTable, type RingMember } from './members.js';
export { UdpuTransport, type UdpuOptions } from './udpu.js';
export { UdpTransport, type UdpOptions } from './udp.js';
export { createRingTransports, localRingAddress, resolveBindnetaddr, broadcastAddress, ringMembers, ringCount, type InterfaceTable, type RingTransportsOptions } from './rings.js';
export {
  RrpCore, rrpCoreConfigFromTotem, RINGS_MAX, TOKENS_TRACKED_MAX,
  type PacketKind, type RingState, type TokenKey, type RrpTimerName, type RrpCoreConfig, type RrpAction, type RrpRingView,
} from './rrp-core.js';
export { Rrp, type RrpOptions, type RrpRingStatus, type RrpStatus } from './rrp.js';
