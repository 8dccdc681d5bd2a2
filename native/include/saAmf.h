/*
 * saAmf.h: the SA Forum Availability Management Framework API, release
 * B.01.01, as libSaAmf.so (Ringfort) implements it.
 *
 * Numeric values and layouts follow the specification and openais' header,
 * so that programs written for openais compile unchanged; the wording is
 * Ringfort's. Every function returns an SaAisErrorT; its comment lists the
 * codes it can return. Checks happen in this order: parameters
 * (INVALID_PARAM, BAD_FLAGS), then the handle (BAD_HANDLE), then the
 * callbacks the call needs (INIT), then the executive's answer. Any call on
 * a handle whose connection to the executive broke (the executive stopped or
 * restarted) returns SA_AIS_ERR_LIBRARY: finalize it and initialize again.
 * Every function is thread-safe; one handle may be used from several
 * threads. Names and keys are checked: an SaNameT with length 0 or above
 * SA_MAX_NAME_LENGTH, or a key with keyLen 0 or above
 * SA_AMF_HEALTHCHECK_KEY_MAX, is SA_AIS_ERR_INVALID_PARAM.
 * See docs/c-api.md. BSD-3-Clause.
 */
#ifndef RINGFORT_SA_AMF_H
#define RINGFORT_SA_AMF_H

#include "saAis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef SaUint64T SaAmfHandleT;

/* ---- passive monitoring -------------------------------------------------- */

#define SA_AMF_PM_ZERO_EXIT      0x1
#define SA_AMF_PM_NON_ZERO_EXIT  0x2
#define SA_AMF_PM_ABNORMAL_END   0x4
typedef SaUint32T SaAmfPmErrorsT;

typedef enum {
	SA_AMF_PM_PROC = 1,
	SA_AMF_PM_PROC_AND_DESCENDENTS = 2,
	SA_AMF_PM_ALL_PROCESSES = 3
} SaAmfPmStopQualifierT;

/* ---- healthchecks -------------------------------------------------------- */

typedef enum {
	SA_AMF_HEALTHCHECK_AMF_INVOKED = 1,
	SA_AMF_HEALTHCHECK_COMPONENT_INVOKED = 2
} SaAmfHealthcheckInvocationT;
/* openais' headers before 2007 spelled it so. */
#define SA_AMF_HELATHCHECK_COMPONENT_INVOKED SA_AMF_HEALTHCHECK_COMPONENT_INVOKED

#define SA_AMF_HEALTHCHECK_KEY_MAX 32

/* A key is keyLen bytes of key (no NUL). 34 bytes. */
typedef struct {
	SaUint8T key[SA_AMF_HEALTHCHECK_KEY_MAX];
	SaUint16T keyLen;
} SaAmfHealthcheckKeyT;

/* ---- states -------------------------------------------------------------- */

typedef enum {
	SA_AMF_HA_ACTIVE = 1,
	SA_AMF_HA_STANDBY = 2,
	SA_AMF_HA_QUIESCED = 3,
	SA_AMF_HA_QUIESCING = 4
} SaAmfHAStateT;

typedef enum {
	SA_AMF_READINESS_OUT_OF_SERVICE = 1,
	SA_AMF_READINESS_IN_SERVICE = 2,
	SA_AMF_READINESS_STOPPING = 3
} SaAmfReadinessStateT;

typedef enum {
	SA_AMF_PRESENCE_UNINSTANTIATED = 1,
	SA_AMF_PRESENCE_INSTANTIATING = 2,
	SA_AMF_PRESENCE_INSTANTIATED = 3,
	SA_AMF_PRESENCE_TERMINATING = 4,
	SA_AMF_PRESENCE_RESTARTING = 5,
	SA_AMF_PRESENCE_INSTANTIATION_FAILED = 6,
	SA_AMF_PRESENCE_TERMINATION_FAILED = 7
} SaAmfPresenceStateT;

typedef enum {
	SA_AMF_OPERATIONAL_ENABLED = 1,
	SA_AMF_OPERATIONAL_DISABLED = 2
} SaAmfOperationalStateT;

typedef enum {
	SA_AMF_ADMIN_UNLOCKED = 1,
	SA_AMF_ADMIN_LOCKED = 2,
	SA_AMF_ADMIN_LOCKED_INSTANTIATION = 3,
	SA_AMF_ADMIN_SHUTTING_DOWN = 4
} SaAmfAdminStateT;

typedef enum {
	SA_AMF_ASSIGNMENT_UNASSIGNED = 1,
	SA_AMF_ASSIGNMENT_FULLY_ASSIGNED = 2,
	SA_AMF_ASSIGNMENT_PARTIALLY_ASSIGNED = 3
} SaAmfAssignmentStateT;

typedef enum {
	SA_AMF_PROXY_STATUS_UNPROXIED = 1,
	SA_AMF_PROXY_STATUS_PROXIED = 2
} SaAmfProxyStatusT;

typedef enum {
	SA_AMF_READINESS_STATE = 1,
	SA_AMF_HA_STATE = 2,
	SA_AMF_PRESENCE_STATE = 3,
	SA_AMF_OP_STATE = 4,
	SA_AMF_ADMIN_STATE = 5,
	SA_AMF_ASSIGNMENT_STATE = 6,
	SA_AMF_PROXY_STATUS = 7
} SaAmfStateT;

/* ---- CSI descriptors ----------------------------------------------------- */

#define SA_AMF_CSI_ADD_ONE    0x1
#define SA_AMF_CSI_TARGET_ONE 0x2
#define SA_AMF_CSI_TARGET_ALL 0x4
typedef SaUint32T SaAmfCSIFlagsT;

typedef enum {
	SA_AMF_CSI_NEW_ASSIGN = 1,
	SA_AMF_CSI_QUIESCED = 2,
	SA_AMF_CSI_NOT_QUIESCED = 3,
	SA_AMF_CSI_STILL_ACTIVE = 4
} SaAmfCSITransitionDescriptorT;

typedef struct {
	SaAmfCSITransitionDescriptorT transitionDescriptor;
	SaNameT activeCompName;
} SaAmfCSIActiveDescriptorT;

typedef struct {
	SaNameT activeCompName;
	SaUint32T standbyRank;
} SaAmfCSIStandbyDescriptorT;

/* activeDescriptor for ACTIVE, standbyDescriptor for STANDBY; zeroed otherwise. */
typedef union {
	SaAmfCSIActiveDescriptorT activeDescriptor;
	SaAmfCSIStandbyDescriptorT standbyDescriptor;
} SaAmfCSIStateDescriptorT;

/* NUL-terminated name and value. */
typedef struct {
	SaUint8T *attrName;
	SaUint8T *attrValue;
} SaAmfCSIAttributeT;

typedef struct {
	SaAmfCSIAttributeT *attr;
	SaUint32T number;
} SaAmfCSIAttributeListT;

/*
 * What a CSI set callback is given. csiName has length 0 when csiFlags is
 * SA_AMF_CSI_TARGET_ALL. The attribute list and its strings belong to the
 * library and are freed when the callback returns: copy what you keep.
 */
typedef struct {
	SaAmfCSIFlagsT csiFlags;
	SaNameT csiName;
	SaAmfCSIStateDescriptorT csiStateDescriptor;
	SaAmfCSIAttributeListT csiAttr;
} SaAmfCSIDescriptorT;

/* ---- protection groups --------------------------------------------------- */

typedef struct {
	SaNameT compName;
	SaAmfHAStateT haState;
	SaUint32T rank;
} SaAmfProtectionGroupMemberT;

typedef enum {
	SA_AMF_PROTECTION_GROUP_NO_CHANGE = 1,
	SA_AMF_PROTECTION_GROUP_ADDED = 2,
	SA_AMF_PROTECTION_GROUP_REMOVED = 3,
	SA_AMF_PROTECTION_GROUP_STATE_CHANGE = 4
} SaAmfProtectionGroupChangesT;

typedef struct {
	SaAmfProtectionGroupMemberT member;
	SaAmfProtectionGroupChangesT change;
} SaAmfProtectionGroupNotificationT;

typedef struct {
	SaUint32T numberOfItems;
	SaAmfProtectionGroupNotificationT *notification;
} SaAmfProtectionGroupNotificationBufferT;

/* ---- recovery ------------------------------------------------------------ */

typedef enum {
	SA_AMF_NO_RECOMMENDATION = 1,
	SA_AMF_COMPONENT_RESTART = 2,
	SA_AMF_COMPONENT_FAILOVER = 3,
	SA_AMF_NODE_SWITCHOVER = 4,
	SA_AMF_NODE_FAILOVER = 5,
	SA_AMF_NODE_FAILFAST = 6,
	SA_AMF_CLUSTER_RESET = 7,
	SA_AMF_APPLICATION_RESTART = 8
} SaAmfRecommendedRecoveryT;

/* ---- configuration enumerations openais' header also offered ------------- */

typedef enum {
	SA_AMF_COMP_SA_AWARE = 0x1,
	SA_AMF_COMP_PROXY = 0x2,
	SA_AMF_COMP_PROXIED = 0x4,
	SA_AMF_COMP_LOCAL = 0x8
} saAmfCompCategoryT;
typedef saAmfCompCategoryT SaAmfCompCategoryT;

typedef enum {
	SA_AMF_2N_REDUNDANCY_MODEL = 1,
	SA_AMF_NPM_REDUNDANCY_MODEL = 2,
	SA_AMF_N_WAY_REDUNDANCY_MODEL = 3,
	SA_AMF_N_WAY_ACTIVE_REDUNDACY_MODEL = 4, /* sic, as openais spelled it */
	SA_AMF_NO_REDUNDANCY_MODEL = 5
} saAmfRedundancyModelT;
typedef saAmfRedundancyModelT SaAmfRedundancyModelT;
#define SA_AMF_N_WAY_ACTIVE_REDUNDANCY_MODEL SA_AMF_N_WAY_ACTIVE_REDUNDACY_MODEL

typedef enum {
	SA_AMF_COMP_X_ACTIVE_AND_Y_STANDBY = 1,
	SA_AMF_COMP_X_ACTIVE_OR_Y_STANDBY = 2,
	SA_AMF_COMP_ONE_ACTIVE_OR_Y_STANDBY = 3,
	SA_AMF_COMP_ONE_ACTIVE_OR_ONE_STANDBY = 4,
	SA_AMF_COMP_X_ACTIVE = 5,
	SA_AMF_COMP_1_ACTIVE = 6,
	SA_AMF_COMP_NON_PRE_INSTANTIABLE = 7
} saAmfCompCapabilityModelT;
typedef saAmfCompCapabilityModelT SaAmfCompCapabilityModelT;

typedef enum {
	SA_AMF_NODE_NAME = 1,
	SA_AMF_SI_NAME = 2
} SaAmfAdditionalInfoIdT;

/* ---- callbacks ----------------------------------------------------------- */

typedef void (*SaAmfHealthcheckCallbackT)(SaInvocationT invocation, const SaNameT *compName,
	SaAmfHealthcheckKeyT *healthcheckKey);
typedef void (*SaAmfComponentTerminateCallbackT)(SaInvocationT invocation, const SaNameT *compName);
typedef void (*SaAmfCSISetCallbackT)(SaInvocationT invocation, const SaNameT *compName,
	SaAmfHAStateT haState, SaAmfCSIDescriptorT *csiDescriptor);
typedef void (*SaAmfCSIRemoveCallbackT)(SaInvocationT invocation, const SaNameT *compName,
	const SaNameT *csiName, SaAmfCSIFlagsT csiFlags);
/* The buffer belongs to the library for the duration of the callback. */
typedef void (*SaAmfProtectionGroupTrackCallbackT)(const SaNameT *csiName,
	SaAmfProtectionGroupNotificationBufferT *notificationBuffer, SaUint32T numberOfMembers, SaAisErrorT error);
/* Proxied components are not supported yet: these are never called. */
typedef void (*SaAmfExternalComponentInstantiateCallbackT)(SaInvocationT invocation, const SaNameT *proxiedCompName);
typedef void (*SaAmfExternalComponentCleanupCallbackT)(SaInvocationT invocation, const SaNameT *proxiedCompName);

/*
 * The members in the specification's order. The last two carry both names
 * openais used (Proxied... in 2005-2006, External... later): one pointer each.
 */
typedef struct {
	SaAmfHealthcheckCallbackT saAmfHealthcheckCallback;
	SaAmfComponentTerminateCallbackT saAmfComponentTerminateCallback;
	SaAmfCSISetCallbackT saAmfCSISetCallback;
	SaAmfCSIRemoveCallbackT saAmfCSIRemoveCallback;
	SaAmfProtectionGroupTrackCallbackT saAmfProtectionGroupTrackCallback;
	union {
		SaAmfExternalComponentInstantiateCallbackT saAmfProxiedComponentInstantiateCallback;
		SaAmfExternalComponentInstantiateCallbackT saAmfExternalComponentInstantiateCallback;
	};
	union {
		SaAmfExternalComponentCleanupCallbackT saAmfProxiedComponentCleanupCallback;
		SaAmfExternalComponentCleanupCallbackT saAmfExternalComponentCleanupCallback;
	};
} SaAmfCallbacksT;

/* ---- life cycle ---------------------------------------------------------- */

/*
 * Connects to the executive (socket <run dir>/libais.socket; run dir from
 * $RINGFORT_RUN_DIR, else /var/run/ringfort for root, $XDG_RUNTIME_DIR/ringfort,
 * else $TMPDIR-or-/tmp/ringfort-<uid>) and returns a new handle. The callbacks
 * are copied; amfCallbacks may be NULL. Only release 'B', major version <= 1 is
 * accepted; *version is overwritten with the supported version (B.01.01)
 * whether or not it was accepted.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (amfHandle or version NULL);
 * SA_AIS_ERR_VERSION; SA_AIS_ERR_TRY_AGAIN (no executive is listening);
 * SA_AIS_ERR_ACCESS (the executive refused this user); SA_AIS_ERR_NOT_SUPPORTED
 * (AMF is disabled in the executive); SA_AIS_ERR_TIMEOUT (no answer within 5 s);
 * SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_NO_RESOURCES (out of descriptors);
 * SA_AIS_ERR_LIBRARY (any other failure).
 */
SaAisErrorT saAmfInitialize(SaAmfHandleT *amfHandle, const SaAmfCallbacksT *amfCallbacks, SaVersionT *version);

/*
 * The handle's selection object: the descriptor of its dispatch socket,
 * readable when a callback waits (poll/select it, then saAmfDispatch). Valid
 * until saAmfFinalize.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (selectionObject NULL);
 * SA_AIS_ERR_BAD_HANDLE; SA_AIS_ERR_LIBRARY.
 */
SaAisErrorT saAmfSelectionObjectGet(SaAmfHandleT amfHandle, SaSelectionObjectT *selectionObject);

/*
 * Runs callbacks in the calling thread. SA_DISPATCH_ONE: at most one pending
 * callback; SA_DISPATCH_ALL: the callbacks pending now; SA_DISPATCH_BLOCKING:
 * callbacks as they come, returning SA_AIS_OK when the handle is finalized
 * (from another thread, or from a callback). Only one thread dispatches a
 * handle at a time; others wait for it.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (bad flags); SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_LIBRARY (the connection broke, or a callback could not be decoded).
 */
SaAisErrorT saAmfDispatch(SaAmfHandleT amfHandle, SaDispatchFlagsT dispatchFlags);

/*
 * Closes the handle's connection. Calls waiting in other threads return
 * SA_AIS_ERR_BAD_HANDLE, a blocking dispatch returns SA_AIS_OK; the handle
 * is invalid afterwards.
 * Returns: SA_AIS_OK; SA_AIS_ERR_BAD_HANDLE.
 */
SaAisErrorT saAmfFinalize(SaAmfHandleT amfHandle);

/* ---- registration -------------------------------------------------------- */

/*
 * Registers compName (normally from saAmfComponentNameGet) with this handle;
 * the AMF then sends its callbacks here. proxyCompName may be NULL.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_INIT (saAmfCSISetCallback, saAmfCSIRemoveCallback or
 * saAmfComponentTerminateCallback was not given); SA_AIS_ERR_NOT_EXIST (no such
 * component); SA_AIS_ERR_EXIST (already registered); SA_AIS_ERR_TRY_AGAIN;
 * SA_AIS_ERR_BAD_OPERATION; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfComponentRegister(SaAmfHandleT amfHandle, const SaNameT *compName, const SaNameT *proxyCompName);

/*
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_NOT_EXIST (not registered); SA_AIS_ERR_BAD_OPERATION;
 * SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfComponentUnregister(SaAmfHandleT amfHandle, const SaNameT *compName, const SaNameT *proxyCompName);

/*
 * This process's component name, from $SA_AMF_COMPONENT_NAME (the executive
 * sets it for every component it instantiates). Local: nothing is sent.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (compName NULL);
 * SA_AIS_ERR_BAD_HANDLE; SA_AIS_ERR_NOT_EXIST (unset, empty or too long).
 */
SaAisErrorT saAmfComponentNameGet(SaAmfHandleT amfHandle, SaNameT *compName);

/* ---- passive monitoring -------------------------------------------------- */

/*
 * Watches processId (and descendentsTreeDepth levels of descendants; -1 for
 * all) for the pmErrors events.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (processId 0, depth < -1, pmErrors
 * 0 or unknown bits, bad recovery); SA_AIS_ERR_BAD_HANDLE; SA_AIS_ERR_NOT_EXIST;
 * SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfPmStart(SaAmfHandleT amfHandle, const SaNameT *compName, SaUint64T processId,
	SaInt32T descendentsTreeDepth, SaAmfPmErrorsT pmErrors, SaAmfRecommendedRecoveryT recommendedRecovery);

/*
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_NOT_EXIST; SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfPmStop(SaAmfHandleT amfHandle, const SaNameT *compName, SaAmfPmStopQualifierT stopQualifier,
	SaInt64T processId, SaAmfPmErrorsT pmErrors);

/* ---- healthchecks -------------------------------------------------------- */

/*
 * Starts the healthcheck healthcheckKey (a `healthcheck { key= }` of
 * groups.conf) for compName, AMF-invoked (the AMF calls
 * saAmfHealthcheckCallback) or component-invoked (the component calls
 * saAmfHealthcheckConfirm).
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_INIT (AMF-invoked without saAmfHealthcheckCallback);
 * SA_AIS_ERR_NOT_EXIST (no such key or component); SA_AIS_ERR_EXIST (already
 * started); SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfHealthcheckStart(SaAmfHandleT amfHandle, const SaNameT *compName,
	const SaAmfHealthcheckKeyT *healthcheckKey, SaAmfHealthcheckInvocationT invocationType,
	SaAmfRecommendedRecoveryT recommendedRecovery);

/*
 * A component-invoked healthcheck's result (SA_AIS_OK, or an error such as
 * SA_AIS_ERR_FAILED_OPERATION that triggers the recovery).
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (also a result that is not an
 * SaAisErrorT); SA_AIS_ERR_BAD_HANDLE; SA_AIS_ERR_NOT_EXIST; SA_AIS_ERR_TRY_AGAIN;
 * SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfHealthcheckConfirm(SaAmfHandleT amfHandle, const SaNameT *compName,
	const SaAmfHealthcheckKeyT *healthcheckKey, SaAisErrorT healthcheckResult);

/*
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_NOT_EXIST; SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfHealthcheckStop(SaAmfHandleT amfHandle, const SaNameT *compName,
	const SaAmfHealthcheckKeyT *healthcheckKey);

/* ---- workload ------------------------------------------------------------ */

/*
 * The HA state compName has for csiName (answered from the executive's
 * model, without a ring round).
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (also haState NULL);
 * SA_AIS_ERR_BAD_HANDLE; SA_AIS_ERR_NOT_EXIST (no such assignment);
 * SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfHAStateGet(SaAmfHandleT amfHandle, const SaNameT *compName, const SaNameT *csiName,
	SaAmfHAStateT *haState);

/*
 * The answer to a CSI set callback with HA state QUIESCING, once the
 * component has quiesced.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (error is not an SaAisErrorT,
 * or the executive does not know the invocation); SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfCSIQuiescingComplete(SaAmfHandleT amfHandle, SaInvocationT invocation, SaAisErrorT error);

/*
 * Tracks the protection group (the components assigned) of csiName. With
 * SA_TRACK_CURRENT the current members are returned in *notificationBuffer
 * (change NO_CHANGE): if its notification is NULL the library allocates the
 * array (release it with free()); otherwise numberOfItems is its capacity
 * and SA_AIS_ERR_NO_SPACE says it is too small (numberOfItems is then set to
 * the count needed). Ringfort returns the current members only this way:
 * SA_TRACK_CURRENT with a NULL notificationBuffer is SA_AIS_ERR_INVALID_PARAM.
 * SA_TRACK_CHANGES or SA_TRACK_CHANGES_ONLY call
 * saAmfProtectionGroupTrackCallback on every change until
 * saAmfProtectionGroupTrackStop. notificationBuffer is ignored without
 * SA_TRACK_CURRENT.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_FLAGS (none, an
 * unknown flag, or CHANGES with CHANGES_ONLY); SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_INIT (changes without saAmfProtectionGroupTrackCallback);
 * SA_AIS_ERR_NOT_EXIST (no such CSI); SA_AIS_ERR_NO_SPACE; SA_AIS_ERR_NO_MEMORY;
 * SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfProtectionGroupTrack(SaAmfHandleT amfHandle, const SaNameT *csiName, SaUint8T trackFlags,
	SaAmfProtectionGroupNotificationBufferT *notificationBuffer);

/*
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_NOT_EXIST (not tracked on this handle); SA_AIS_ERR_TRY_AGAIN;
 * SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfProtectionGroupTrackStop(SaAmfHandleT amfHandle, const SaNameT *csiName);

/* ---- errors and responses ------------------------------------------------ */

/*
 * Reports that erroneousComponent failed; the AMF recovers at least as
 * strongly as recommendedRecovery. ntfIdentifier may be 0.
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_NOT_EXIST; SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfComponentErrorReport(SaAmfHandleT amfHandle, const SaNameT *erroneousComponent,
	SaTimeT errorDetectionTime, SaAmfRecommendedRecoveryT recommendedRecovery, SaNtfIdentifierT ntfIdentifier);

/*
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM; SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_NOT_EXIST; SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfComponentErrorClear(SaAmfHandleT amfHandle, const SaNameT *compName, SaNtfIdentifierT ntfIdentifier);

/*
 * The answer to a healthcheck, CSI set, CSI remove or terminate callback:
 * SA_AIS_OK, or an error (the AMF then treats the callback as failed).
 * Returns: SA_AIS_OK; SA_AIS_ERR_INVALID_PARAM (error is not an SaAisErrorT, or
 * the executive does not know the invocation); SA_AIS_ERR_BAD_HANDLE;
 * SA_AIS_ERR_TRY_AGAIN; SA_AIS_ERR_LIBRARY; SA_AIS_ERR_TIMEOUT.
 */
SaAisErrorT saAmfResponse(SaAmfHandleT amfHandle, SaInvocationT invocation, SaAisErrorT error);

#ifdef __cplusplus
}
#endif

#endif /* RINGFORT_SA_AMF_H */
