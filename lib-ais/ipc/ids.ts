// Message ids: (serviceId << 16) | functionId, as openais' SERVICE_ID_MAKE.
// Service ids follow openais' numbering where a service exists in both.

export const enum ServiceId {
  IPC = 0, // connection set-up (openais used this slot for EVS, which Ringfort does not have)
  CLM = 1,
  AMF = 2,
  CFG = 7,
}

export function messageId(service: number, fn: number): number {
  return ((service & 0xffff) << 16 | (fn & 0xffff)) >>> 0;
}
export function serviceOf(id: number): number {
  return id >>> 16;
}
export function functionOf(id: number): number {
  return id & 0xffff;
}

/** Connection set-up (service 0). */
export const MSG_IPC_RESPONSE_INIT = messageId(ServiceId.IPC, 0);
export const MSG_IPC_DISPATCH_INIT = messageId(ServiceId.IPC, 1);

/** Cluster membership service (service 1): function ids of openais' ipc_clm.h; callbacks 0x8000.. (docs/ipc-protocol.md, "CLM"). */
export const MSG_CLM_CLUSTER_TRACK = messageId(ServiceId.CLM, 0);
export const MSG_CLM_CLUSTER_TRACK_STOP = messageId(ServiceId.CLM, 1);
export const MSG_CLM_CLUSTER_NODE_GET = messageId(ServiceId.CLM, 2);
export const MSG_CLM_CLUSTER_NODE_GET_ASYNC = messageId(ServiceId.CLM, 3);
export const MSG_CLM_CB_CLUSTER_TRACK = messageId(ServiceId.CLM, 0x8000);
export const MSG_CLM_CB_CLUSTER_NODE_GET = messageId(ServiceId.CLM, 0x8001);
/** Executive (ring-delivered) message of the CLM service: a member's node record, once per regular configuration. */
export const MSG_EXEC_CLM_NODE_JOIN = messageId(ServiceId.CLM, 0);

/** Configuration and status service (service 7). Requests 0..0x7fff, callbacks 0x8000.. on the dispatch channel. */
export const MSG_CFG_PING = messageId(ServiceId.CFG, 0);
export const MSG_CFG_PING_DISPATCH = messageId(ServiceId.CFG, 1);
export const MSG_CFG_MCAST_PING = messageId(ServiceId.CFG, 2);
export const MSG_CFG_STATUS_GET = messageId(ServiceId.CFG, 3);
/** corosync-cfgtool -r: re-enable this node's faulty rings (root or the executive's uid). */
export const MSG_CFG_RING_REENABLE = messageId(ServiceId.CFG, 4);
/** Test facility: block or unblock one ring on this node; only with RINGFORT_FAULT_INJECTION=1 in the executive's environment. */
export const MSG_CFG_RING_BLOCK = messageId(ServiceId.CFG, 5);
export const MSG_CFG_CB_PING = messageId(ServiceId.CFG, 0x8000);
export const MSG_CFG_CB_SHUTDOWN = messageId(ServiceId.CFG, 0x8001);

/** Executive (ring-delivered) messages of the CFG service. */
export const MSG_EXEC_CFG_MCAST_PING = messageId(ServiceId.CFG, 0);
export const MSG_EXEC_CFG_RING_REENABLE = messageId(ServiceId.CFG, 1);

export const SERVICE_NAMES: Readonly<Record<number, string>> = {
  [ServiceId.IPC]: 'ipc',
  [ServiceId.CLM]: 'clm',
  [ServiceId.AMF]: 'amf',
  [ServiceId.CFG]: 'cfg',
};
