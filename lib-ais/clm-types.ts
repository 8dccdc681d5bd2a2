// SA Forum CLM B.01.01 enumerations and structures, with the numeric values
// of saClm.h, for the TypeScript API, the wire codec and the executive.

/** The node id that names the node the caller runs on. */
export const SA_CLM_LOCAL_NODE_ID = 0xffffffff;
/** Bytes in SaClmNodeAddressT.value. */
export const SA_CLM_MAX_ADDRESS_LENGTH = 64;

export enum SaClmNodeAddressFamilyT { SA_CLM_AF_INET = 1, SA_CLM_AF_INET6 = 2 }

export enum SaClmClusterChangesT {
  SA_CLM_NODE_NO_CHANGE = 1, SA_CLM_NODE_JOINED = 2, SA_CLM_NODE_LEFT = 3, SA_CLM_NODE_RECONFIGURED = 4,
}

export type SaClmNodeIdT = number;

/**
 * SaClmNodeAddressT: `value` is the address in its printable form ("192.0.2.1",
 * "fe80::1"), as openais filled it; `length` is its byte length (at most 64).
 */
export interface SaClmNodeAddressT { family: SaClmNodeAddressFamilyT; length: number; value: string }

export interface SaClmClusterNodeT {
  nodeId: SaClmNodeIdT;
  nodeAddress: SaClmNodeAddressT;
  /** SaNameT: the nodelist entry's `name`, else the node's hostname. */
  nodeName: string;
  member: boolean;
  /** SaTimeT: when the node booted, ns since the epoch. */
  bootTimestamp: bigint;
  /** The view number of the first view this node (this executive's incarnation) was a member of. */
  initialViewNumber: bigint;
}

export interface SaClmClusterNotificationT { clusterNode: SaClmClusterNodeT; clusterChange: SaClmClusterChangesT }

/**
 * SaClmClusterNotificationBufferT. As in C, a caller of saClmClusterTrack may
 * pass `notification` as an array whose capacity is `numberOfItems`; when it
 * is missing the library supplies one of the right size.
 */
export interface SaClmClusterNotificationBufferT {
  viewNumber: bigint;
  numberOfItems: number;
  notification?: SaClmClusterNotificationT[] | null;
}
