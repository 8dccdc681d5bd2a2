// SA Forum AMF B.01.01 enumerations and structures, with the numeric values
// of saAmf.h, for the TypeScript API and the wire codec.

export const SA_AMF_HEALTHCHECK_KEY_MAX = 32;

export enum SaAmfHAStateT { SA_AMF_HA_ACTIVE = 1, SA_AMF_HA_STANDBY = 2, SA_AMF_HA_QUIESCED = 3, SA_AMF_HA_QUIESCING = 4 }
export enum SaAmfReadinessStateT { SA_AMF_READINESS_OUT_OF_SERVICE = 1, SA_AMF_READINESS_IN_SERVICE = 2, SA_AMF_READINESS_STOPPING = 3 }
export enum SaAmfPresenceStateT {
  SA_AMF_PRESENCE_UNINSTANTIATED = 1, SA_AMF_PRESENCE_INSTANTIATING = 2, SA_AMF_PRESENCE_INSTANTIATED = 3,
  SA_AMF_PRESENCE_TERMINATING = 4, SA_AMF_PRESENCE_RESTARTING = 5, SA_AMF_PRESENCE_INSTANTIATION_FAILED = 6,
  SA_AMF_PRESENCE_TERMINATION_FAILED = 7,
}
export enum SaAmfOperationalStateT { SA_AMF_OPERATIONAL_ENABLED = 1, SA_AMF_OPERATIONAL_DISABLED = 2 }
export enum SaAmfAdminStateT { SA_AMF_ADMIN_UNLOCKED = 1, SA_AMF_ADMIN_LOCKED = 2, SA_AMF_ADMIN_LOCKED_INSTANTIATION = 3, SA_AMF_ADMIN_SHUTTING_DOWN = 4 }
export enum SaAmfHealthcheckInvocationT { SA_AMF_HEALTHCHECK_AMF_INVOKED = 1, SA_AMF_HEALTHCHECK_COMPONENT_INVOKED = 2 }
export enum SaAmfRecommendedRecoveryT {
  SA_AMF_NO_RECOMMENDATION = 1, SA_AMF_COMPONENT_RESTART = 2, SA_AMF_COMPONENT_FAILOVER = 3, SA_AMF_NODE_SWITCHOVER = 4,
  SA_AMF_NODE_FAILOVER = 5, SA_AMF_NODE_FAILFAST = 6, SA_AMF_CLUSTER_RESET = 7, SA_AMF_APPLICATION_RESTART = 8,
}
export enum SaAmfPmStopQualifierT { SA_AMF_PM_PROC = 1, SA_AMF_PM_PROC_AND_DESCENDENTS = 2, SA_AMF_PM_ALL_PROCESSES = 3 }
export const SA_AMF_PM_ZERO_EXIT = 1;
export const SA_AMF_PM_NON_ZERO_EXIT = 2;
export const SA_AMF_PM_ABNORMAL_END = 4;
export const SA_AMF_CSI_ADD_ONE = 1;
export const SA_AMF_CSI_TARGET_ONE = 2;
export const SA_AMF_CSI_TARGET_ALL = 4;
export enum SaAmfCSITransitionDescriptorT {
  SA_AMF_CSI_NEW_ASSIGN = 1, SA_AMF_CSI_QUIESCED = 2, SA_AMF_CSI_NOT_QUIESCED = 3, SA_AMF_CSI_STILL_ACTIVE = 4,
}
export enum SaAmfProtectionGroupChangesT {
  SA_AMF_PROTECTION_GROUP_NO_CHANGE = 1, SA_AMF_PROTECTION_GROUP_ADDED = 2, SA_AMF_PROTECTION_GROUP_REMOVED = 3,
  SA_AMF_PROTECTION_GROUP_STATE_CHANGE = 4,
}
export const SA_TRACK_CURRENT = 1;
export const SA_TRACK_CHANGES = 2;
export const SA_TRACK_CHANGES_ONLY = 4;

export interface SaVersionT { releaseCode: string; majorVersion: number; minorVersion: number }

export interface SaAmfCSIAttributeT { attrName: string; attrValue: string }

export interface SaAmfCSIDescriptorT {
  csiFlags: number;
  csiName: string;
  /** Active descriptor (haState ACTIVE) or standby descriptor (STANDBY); both fields present, unused ones zero/empty. */
  csiStateDescriptor: {
    activeDescriptor: { transitionDescriptor: SaAmfCSITransitionDescriptorT | 0; activeCompName: string };
    standbyDescriptor: { activeCompName: string; standbyRank: number };
  };
  csiAttr: SaAmfCSIAttributeT[];
}

export interface SaAmfProtectionGroupMemberT { compName: string; haState: SaAmfHAStateT; rank: number }
export interface SaAmfProtectionGroupNotificationT { member: SaAmfProtectionGroupMemberT; change: SaAmfProtectionGroupChangesT }

/** SaAmfProtectionGroupNotificationBufferT (B.01.01 spelling, not EARLY's misspelt one): `numberOfItems` is `notification.length`. */
export interface SaAmfProtectionGroupNotificationBufferT { numberOfItems: number; notification: SaAmfProtectionGroupNotificationT[] }
