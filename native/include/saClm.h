/*
 * saClm.h: the SA Forum Cluster Membership Service API, release B.01.01
 * (SAI-AIS-CLM-B.01.01), as implemented by Ringfort's libSaClm.
 *
 * Types, values and layouts follow the specification and openais' saClm.h
 * (which added no other names), so that programs written against it compile
 * unchanged. The wording is Ringfort's. BSD-3-Clause.
 */
#ifndef RINGFORT_SA_CLM_H
#define RINGFORT_SA_CLM_H

#include "saAis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef SaUint64T SaClmHandleT;
typedef SaUint32T SaClmNodeIdT;

/* Names the node the caller runs on, in saClmClusterNodeGet and ...Async. */
#define SA_CLM_LOCAL_NODE_ID 0xffffffff

#define SA_CLM_MAX_ADDRESS_LENGTH 64

typedef enum {
	SA_CLM_AF_INET = 1,
	SA_CLM_AF_INET6 = 2
} SaClmNodeAddressFamilyT;

/*
 * A node's address: `length` bytes of `value`, its printable form
 * ("192.0.2.1", "fe80::1") as openais filled it, not NUL-terminated.
 */
typedef struct {
	SaClmNodeAddressFamilyT family;
	SaUint16T length;
	SaUint8T value[SA_CLM_MAX_ADDRESS_LENGTH];
} SaClmNodeAddressT;

typedef struct {
	SaClmNodeIdT nodeId;
	SaClmNodeAddressT nodeAddress;
	SaNameT nodeName;
	SaBoolT member;
	SaTimeT bootTimestamp;          /* ns since the epoch */
	SaUint64T initialViewNumber;    /* the first view this node was a member of */
} SaClmClusterNodeT;

typedef enum {
	SA_CLM_NODE_NO_CHANGE = 1,
	SA_CLM_NODE_JOINED = 2,
	SA_CLM_NODE_LEFT = 3,
	SA_CLM_NODE_RECONFIGURED = 4
} SaClmClusterChangesT;

typedef struct {
	SaClmClusterNodeT clusterNode;
	SaClmClusterChangesT clusterChange;
} SaClmClusterNotificationT;

/*
 * For saClmClusterTrack with SA_TRACK_CURRENT: when `notification` is NULL
 * the library allocates the array (release it with free()); otherwise
 * `numberOfItems` is its capacity, and a capacity below the number of
 * members returns SA_AIS_ERR_NO_SPACE with numberOfItems set to the number
 * needed. In a track callback the buffer belongs to the library and is
 * valid until the callback returns.
 */
typedef struct {
	SaUint64T viewNumber;
	SaUint32T numberOfItems;
	SaClmClusterNotificationT *notification;
} SaClmClusterNotificationBufferT;

typedef void (*SaClmClusterNodeGetCallbackT)(
	SaInvocationT invocation,
	const SaClmClusterNodeT *clusterNode,
	SaAisErrorT error);

typedef void (*SaClmClusterTrackCallbackT)(
	const SaClmClusterNotificationBufferT *notificationBuffer,
	SaUint32T numberOfMembers,
	SaAisErrorT error);

typedef struct {
	SaClmClusterNodeGetCallbackT saClmClusterNodeGetCallback;
	SaClmClusterTrackCallbackT saClmClusterTrackCallback;
} SaClmCallbacksT;

SaAisErrorT saClmInitialize(SaClmHandleT *clmHandle, const SaClmCallbacksT *clmCallbacks, SaVersionT *version);

SaAisErrorT saClmSelectionObjectGet(SaClmHandleT clmHandle, SaSelectionObjectT *selectionObject);

SaAisErrorT saClmDispatch(SaClmHandleT clmHandle, SaDispatchFlagsT dispatchFlags);

SaAisErrorT saClmFinalize(SaClmHandleT clmHandle);

SaAisErrorT saClmClusterTrack(SaClmHandleT clmHandle, SaUint8T trackFlags,
	SaClmClusterNotificationBufferT *notificationBuffer);

SaAisErrorT saClmClusterTrackStop(SaClmHandleT clmHandle);

SaAisErrorT saClmClusterNodeGet(SaClmHandleT clmHandle, SaClmNodeIdT nodeId, SaTimeT timeout,
	SaClmClusterNodeT *clusterNode);

SaAisErrorT saClmClusterNodeGetAsync(SaClmHandleT clmHandle, SaInvocationT invocation, SaClmNodeIdT nodeId);

#ifdef __cplusplus
}
#endif

#endif /* RINGFORT_SA_CLM_H */
