// The AMF information model as loaded from configuration: plain, typed data,
// deep-frozen after load, with no run-time state and no behaviour. The AMF
// engine keeps its state (presence, readiness, HA assignments) beside it,
// keyed by DN. Every node of the ring must apply the same model, so it is
// plain JSON-able data in file order, holding what the configuration says
// plus the documented defaults (docs/groups-conf.md) and nothing else.
import path from 'node:path';

/** SA Forum redundancy models, spelt as groups.conf spells them. */
export const REDUNDANCY_MODELS = ['2n', 'nplusm', 'nway', 'nwayactive', 'noredundancy'] as const;
export type RedundancyModel = (typeof REDUNDANCY_MODELS)[number];

/** Component categories (openais `comptype`), B.01.01 CLC-CLI categories. */
export const COMPONENT_CATEGORIES = ['sa_aware', 'proxied_pre', 'proxied_non_pre', 'non_proxied_non_sa_aware'] as const;
export type ComponentCategory = (typeof COMPONENT_CATEGORIES)[number];

/**
 * SaAmfRecommendedRecoveryT (B.01.01), by name, in the specification's order
 * (NO_RECOMMENDATION 1 .. APPLICATION_RESTART 8). The AMF engine's `Recovery`
 * is this type: the model holds it (recovery_on_error) and must not import
 * the engine.
 */
export const RECOVERIES = [
  'noRecommendation', 'componentRestart', 'componentFailover', 'nodeSwitchover', 'nodeFailover', 'nodeFailfast',
  'clusterReset', 'applicationRestart',
] as const;
export type Recovery = (typeof RECOVERIES)[number];

/**
 * The words of `recovery_on_error=` (saAmfCompRecoveryOnError), the default
 * first, and the recovery each one means.
 */
export const RECOVERY_ON_ERROR_WORDS = {
  component_restart: 'componentRestart',
  component_failover: 'componentFailover',
  node_switchover: 'nodeSwitchover',
  node_failover: 'nodeFailover',
  node_failfast: 'nodeFailfast',
  application_restart: 'applicationRestart',
  cluster_reset: 'clusterReset',
  no_recommendation: 'noRecommendation',
} as const satisfies Readonly<Record<string, Recovery>>;
export type RecoveryOnErrorWord = keyof typeof RECOVERY_ON_ERROR_WORDS;

/** The CLC-CLI operations a component may configure a command for. */
export type ClcOperation = 'instantiate' | 'terminate' | 'cleanup' | 'amStart' | 'amStop';

/** Limits, units last. The byte limits are openais' buffer sizes. */
export const LIMITS = {
  /** SaNameT value bytes (SA_MAX_NAME_LENGTH): every DN must fit. */
  saNameBytesMax: 256,
  /** openais groups.conf names and CSI attribute names/values. */
  nameBytesMax: 128,
  /** openais paths, commands and binary names. */
  pathBytesMax: 1024,
  /** SA_AMF_HEALTHCHECK_KEY_MAX. */
  healthcheckKeyBytesMax: 32,
  /** Node names (the placement extension): a DNS name. */
  nodeNameBytesMax: 255,
  /** Any time in ms: the largest delay a Node.js timer can hold (2^31 - 1). */
  timeMsMax: 2_147_483_647,
  /** SaUint32T counts. */
  countMax: 4_294_967_295,
  /** Bounded retries so that a failing instantiation cannot loop for ever. */
  instantiateRetriesMax: 1000,
} as const;

/**
 * Defaults for what openais left unset (zeroed memory there). Each is
 * explained in docs/groups-conf.md.
 */
export const DEFAULTS = {
  preferredActiveUnits: 1,
  preferredStandbyUnits: 1,
  // maximumActiveInstances / maximumStandbyInstances default to the SG's SI count (no per-SU limit).
  componentRestartProbationMs: 60_000,
  componentRestartMax: 2,
  unitRestartProbationMs: 60_000,
  unitRestartMax: 2,
  /** openais did not repair a failed SU; OpenSAF's saAmfSGAutoRepair defaults to true (docs/groups-conf.md says why not here). */
  autoRepair: false,
  category: 'sa_aware' as ComponentCategory,
  instantiateTimeoutMs: 10_000,
  terminateTimeoutMs: 10_000,
  cleanupTimeoutMs: 10_000,
  callbackTimeoutMs: 10_000,
  instantiateRetries: 2,
  instantiateDelayMs: 0,
  recoveryOnError: 'componentRestart' as Recovery,
} as const;

/** Which node hosts an SU (Ringfort extension `node=`): a nodelist name or a nodeid. */
export type NodeRef = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'nodeid'; readonly nodeid: number };

export interface AmfModel {
  readonly sgs: readonly AmfSg[];
  /** Healthcheck keys are global in groups.conf: any component may start any key. */
  readonly healthchecks: readonly AmfHealthcheckKey[];
}

export interface AmfSg {
  readonly name: string;
  /** `safSg=<name>` */
  readonly dn: string;
  readonly redundancyModel: RedundancyModel;
  readonly preferredActiveUnits: number;
  readonly preferredStandbyUnits: number;
  /** Most SIs one SU may hold ACTIVE. */
  readonly maximumActiveInstances: number;
  /** Most SIs one SU may hold STANDBY. */
  readonly maximumStandbyInstances: number;
  readonly componentRestartProbationMs: number;
  readonly componentRestartMax: number;
  readonly unitRestartProbationMs: number;
  readonly unitRestartMax: number;
  /**
   * `auto_repair` (saAmfSGAutoRepair): an SU of this SG that was failed over
   * is instantiated again once it is terminated (docs/amf-engine.md).
   */
  readonly autoRepair: boolean;
  readonly sus: readonly AmfSu[];
  readonly sis: readonly AmfSi[];
}

export interface AmfSu {
  readonly name: string;
  /** `safSu=<su>,safSg=<sg>` */
  readonly dn: string;
  /** Absent: any node (a single-node executive takes it as the local node). */
  readonly node?: NodeRef;
  readonly components: readonly AmfComponent[];
}

export interface AmfClcCommands {
  readonly instantiate?: string;
  readonly terminate?: string;
  readonly cleanup?: string;
  readonly amStart?: string;
  readonly amStop?: string;
}

export interface AmfComponent {
  /** The plain openais name (what EARLY put in SA_AMF_COMPONENT_NAME). */
  readonly name: string;
  /** `safComp=<comp>,safSu=<su>,safSg=<sg>`: the component's SaNameT everywhere in Ringfort. */
  readonly dn: string;
  readonly category: ComponentCategory;
  /** Commands as written; see clcCommandPath() for the program to run. */
  readonly commands: AmfClcCommands;
  /** Effective clccli_path (component > SU > SG > the groups.conf directory), resolved. */
  readonly clcCliPath: string;
  /** Effective binary_path (component > SU > SG > the groups.conf directory), resolved: COMP_BINARY_PATH. */
  readonly binaryPath: string;
  /** `bn`: COMP_BINARY_NAME. */
  readonly binaryName?: string;
  /** CSI type names this component accepts (`csi_type_name`), in file order. */
  readonly csiTypes: readonly string[];
  readonly instantiateTimeoutMs: number;
  readonly terminateTimeoutMs: number;
  readonly cleanupTimeoutMs: number;
  /** CSI set/remove and component-terminate callbacks. */
  readonly callbackTimeoutMs: number;
  /** Further attempts after a failed instantiation before INSTANTIATION_FAILED. */
  readonly instantiateRetries: number;
  readonly instantiateDelayMs: number;
  /**
   * `recovery_on_error` (saAmfCompRecoveryOnError): the recovery of errors the
   * AMF detects itself (process exit, closed connection, CSI callback timeout
   * or error answer), and of a report or healthcheck that recommends nothing.
   */
  readonly recoveryOnError: Recovery;
}

export interface AmfSi {
  readonly name: string;
  /** `safSi=<si>,safSg=<sg>` (groups.conf declares an SI inside the SG that protects it). */
  readonly dn: string;
  readonly csis: readonly AmfCsi[];
}

export interface AmfCsi {
  readonly name: string;
  /** `safCsi=<csi>,safSi=<si>,safSg=<sg>` */
  readonly dn: string;
  /** The CS type; assigned to the components of an SU whose csiTypes contain it exactly. */
  readonly typeName: string;
  /** name_value pairs in file order (delivered as csiAttr in the CSI set callback). */
  readonly attributes: readonly AmfCsiAttribute[];
}

export interface AmfCsiAttribute {
  readonly name: string;
  readonly value: string;
}

export interface AmfHealthcheckKey {
  readonly key: string;
  readonly periodMs: number;
  readonly maximumDurationMs: number;
}

export function sgDn(sg: string): string {
  return `safSg=${sg}`;
}
export function suDn(su: string, sg: string): string {
  return `safSu=${su},${sgDn(sg)}`;
}
export function componentDn(comp: string, su: string, sg: string): string {
  return `safComp=${comp},${suDn(su, sg)}`;
}
export function siDn(si: string, sg: string): string {
  return `safSi=${si},${sgDn(sg)}`;
}
export function csiDn(csi: string, si: string, sg: string): string {
  return `safCsi=${csi},${siDn(si, sg)}`;
}

/**
 * The program a CLC-CLI operation runs, or undefined when none is configured:
 * an absolute command as is, a relative one under the component's clccli_path.
 * (openais EARLY always prefixed clccli_path; LATER only for relative commands.)
 */
export function clcCommandPath(comp: AmfComponent, op: ClcOperation): string | undefined {
  const cmd = comp.commands[op];
  if (cmd === undefined) return undefined;
  return path.posix.isAbsolute(cmd) ? cmd : path.posix.join(comp.clcCliPath, cmd);
}

/** Does a component accept a CSI? Exact type-name match (openais compared a prefix). */
export function acceptsCsi(comp: AmfComponent, csi: AmfCsi): boolean {
  return comp.csiTypes.includes(csi.typeName);
}

/** Freeze a freshly built model and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
