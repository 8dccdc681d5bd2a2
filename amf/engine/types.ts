// The AMF engine's interface: events in, actions out (docs/amf-engine.md).
//
// The engine is a pure, replicated state machine (DESIGN.md principle 3). Every
// node applies the same agreed-order stream of events to the same model and so
// takes the same decisions; each node's driver performs only the actions whose
// `node` is its own. There is no clock, timer, process or socket in the engine:
// every event carries `at`, the observing node's clock in ms, and the engine
// asks for timers with `setTimer` actions whose expiry the driver feeds back as
// a `timer` event (through the ring, like every other observation).
import type { SaAisErrorT } from '../../lib-ais/errors.js';
import type { ClcOperation, Recovery as ModelRecovery } from '../model.js';

/** SaAmfHAStateT values. */
export type HaState = 'active' | 'standby' | 'quiescing' | 'quiesced';
/** SaAmfPresenceStateT values. */
export type PresenceState =
  | 'uninstantiated' | 'instantiating' | 'instantiated' | 'terminating' | 'restarting'
  | 'instantiationFailed' | 'terminationFailed';
export type OperationalState = 'enabled' | 'disabled';
export type ReadinessState = 'outOfService' | 'inService' | 'stopping';
export type AdminState = 'unlocked' | 'locked' | 'lockedInstantiation' | 'shuttingDown';
export type AssignmentState = 'unassigned' | 'fullyAssigned' | 'partiallyAssigned';

/** SaAmfRecommendedRecoveryT, by name: the model's type (groups.conf recovery_on_error holds one). */
export type Recovery = ModelRecovery;

export type HealthcheckInvocation = 'amfInvoked' | 'componentInvoked';

/** Who sent a library request: the reply goes back to exactly this request. */
export interface ClientRef {
  node: number;
  /** The IPC connection id on that node. */
  conn: number;
  /** The request's id on that connection, for the reply. */
  req: number;
  /** The client process, from SO_PEERCRED. */
  pid: number;
}

/** A component or CSI is named by its DN (`safComp=c,safSu=u,safSg=g`), as SA_AMF_COMPONENT_NAME carries it. */
export type Dn = string;

export type AmfEvent =
  /** Instantiate every SU whose admin state allows it, then assign SIs. */
  | { type: 'clusterStart'; at: number }
  /** Orderly stop: remove assignments, terminate every component (dependents first), then `stopped`. */
  | { type: 'clusterStop'; at: number }
  /** A CLC-CLI command finished. `pid` is the component's process when the command reported one (pid file). */
  | {
      type: 'clcCompleted'; at: number; comp: Dn; op: ClcOperation; runId: number;
      outcome: 'exited' | 'timeout' | 'spawnFailed'; exitCode?: number; signal?: string; pid?: number; message?: string;
    }
  /** A watched process (see `watchProcess`) ended. */
  | { type: 'processExited'; at: number; comp: Dn; pid: number; exitCode?: number; signal?: string }
  | { type: 'register'; at: number; comp: Dn; proxy?: Dn; client: ClientRef }
  | { type: 'unregister'; at: number; comp: Dn; proxy?: Dn; client: ClientRef }
  /** A library connection closed (the process exited, or finalized). */
  | { type: 'connectionClosed'; at: number; node: number; conn: number }
  | { type: 'healthcheckStart'; at: number; comp: Dn; key: string; invocation: HealthcheckInvocation; recovery: Recovery; client: ClientRef }
  | { type: 'healthcheckConfirm'; at: number; comp: Dn; key: string; result: SaAisErrorT; client: ClientRef }
  | { type: 'healthcheckStop'; at: number; comp: Dn; key: string; client: ClientRef }
  | { type: 'pmStart'; at: number; comp: Dn; pid: number; depth: number; errors: number; recovery: Recovery; client: ClientRef }
  | { type: 'pmStop'; at: number; comp: Dn; qualifier: 'proc' | 'procAndDescendents' | 'allProcesses'; pid: number; errors: number; client: ClientRef }
  /** saAmfResponse: the answer to a callback's invocation. */
  | { type: 'response'; at: number; invocation: number; error: SaAisErrorT; client: ClientRef }
  | { type: 'quiescingComplete'; at: number; invocation: number; error: SaAisErrorT; client: ClientRef }
  | { type: 'errorReport'; at: number; comp: Dn; recovery: Recovery; client: ClientRef }
  | { type: 'errorClear'; at: number; comp: Dn; client: ClientRef }
  | { type: 'pgTrack'; at: number; csi: Dn; flags: number; client: ClientRef }
  | { type: 'pgTrackStop'; at: number; csi: Dn; client: ClientRef }
  /** A timer the engine set has expired. */
  | { type: 'timer'; at: number; timerId: number };

export interface CsiAttribute { name: string; value: string }

export interface CsiDescriptor {
  /** SA_AMF_CSI_ADD_ONE 1, TARGET_ONE 2, TARGET_ALL 4. */
  flags: number;
  /** Empty when flags is TARGET_ALL. */
  csi: Dn;
  /** For ACTIVE: SaAmfCSITransitionDescriptorT 1..4 (NEW_ASSIGN 1, QUIESCED 2, NOT_QUIESCED 3, STILL_ACTIVE 4). */
  transition?: number;
  /** ACTIVE: the component that was active before (may be empty); STANDBY: the active component. */
  activeComp?: Dn;
  standbyRank?: number;
  /** Only with ADD_ONE. */
  attributes: CsiAttribute[];
}

export interface PgMember { comp: Dn; haState: HaState; rank: number }
export interface PgNotification { member: PgMember; change: 'noChange' | 'added' | 'removed' | 'stateChange' }

export type Callback =
  | { kind: 'healthcheck'; invocation: number; comp: Dn; key: string }
  | { kind: 'csiSet'; invocation: number; comp: Dn; haState: HaState; descriptor: CsiDescriptor }
  | { kind: 'csiRemove'; invocation: number; comp: Dn; csi: Dn; flags: number }
  | { kind: 'terminate'; invocation: number; comp: Dn }
  | { kind: 'pgTrack'; csi: Dn; notifications: PgNotification[]; numberOfMembers: number; error: SaAisErrorT };

/** Data some replies carry. */
export type ReplyBody =
  | { kind: 'haState'; haState: HaState }
  | { kind: 'pgCurrent'; notifications: PgNotification[] };

export type AmfAction =
  /** Answer the library request `client` (only the client's node does). */
  | { type: 'reply'; client: ClientRef; error: SaAisErrorT; body?: ReplyBody }
  /** Run a CLC-CLI command on `node`: a program with an argument vector, never a shell string. */
  | {
      type: 'runClc'; node: number; comp: Dn; op: ClcOperation; runId: number;
      program: string; argv: string[]; env: Record<string, string>; cwd: string; timeoutMs: number;
    }
  /** Watch a process of a component on `node`; report its end as `processExited`. */
  | { type: 'watchProcess'; node: number; comp: Dn; pid: number }
  | { type: 'unwatchProcess'; node: number; comp: Dn; pid: number }
  /** Push a callback on a client's dispatch channel. */
  | { type: 'callback'; node: number; conn: number; callback: Callback }
  /** Arm a timer on `node` (the node that observes its expiry). A timer id is never reused. */
  | { type: 'setTimer'; node: number; timerId: number; at: number }
  | { type: 'cancelTimer'; node: number; timerId: number }
  /** Log a state transition or decision, with its cause (`su safSu=... event=X A -> B`). */
  | { type: 'log'; level: 'error' | 'warning' | 'notice' | 'info' | 'debug'; text: string }
  /** clusterStop finished: every component is uninstantiated (or failed to terminate). */
  | { type: 'stopped' };

/** The runtime state of every entity, for amf-state and the status service. */
export interface AmfSnapshot {
  components: Array<{
    dn: Dn; su: Dn; presence: PresenceState; operational: OperationalState; readiness: ReadinessState;
    restartCount: number; pid?: number;
  }>;
  sus: Array<{
    dn: Dn; sg: Dn; node?: number; admin: AdminState; presence: PresenceState; operational: OperationalState;
    readiness: ReadinessState; restartCount: number; escalationLevel: number;
  }>;
  sgs: Array<{ dn: Dn; admin: AdminState; redundancyModel: string; reductionLevel?: string }>;
  sis: Array<{ dn: Dn; sg: Dn; admin: AdminState; assignment: AssignmentState }>;
  /** SU <-> SI assignments. */
  siAssignments: Array<{ si: Dn; su: Dn; haState: HaState }>;
  /** Component <-> CSI assignments. */
  csiAssignments: Array<{ csi: Dn; comp: Dn; haState: HaState; pending: boolean }>;
}
