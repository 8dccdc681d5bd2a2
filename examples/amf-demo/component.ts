// amf-demo: an SA-aware component in TypeScript, the Ringfort counterpart of
// openais' testamf1. It gets its name (saAmfComponentNameGet), initializes,
// registers, starts a healthcheck, answers CSI set/remove callbacks with
// SA_AIS_OK (logging each assignment and its attributes), and answers the
// terminate callback with SA_AIS_OK before exiting 0. Knobs for tests of the
// AMF's fault handling come from the environment:
//
//   AMF_DEMO_HC_KEY          healthcheck key to start (default `default`)
//   AMF_DEMO_HC_INVOCATION   `amf` (AMF-invoked, default) or `component`
//                            (component-invoked: the component confirms)
//   AMF_DEMO_HC_CONFIRM_MS   component-invoked: confirm every this many ms;
//                            set it to half the key's period (default 500)
//   AMF_DEMO_HC_RECOVERY     recommended recovery of the healthcheck
//                            (default COMPONENT_RESTART)
//   AMF_DEMO_ERROR_AFTER=N   after N healthchecks, report an error once
//                            (saAmfComponentErrorReport)
//   AMF_DEMO_ERROR_RECOVERY  its recommended recovery (default COMPONENT_RESTART;
//                            SA_AMF_ prefix optional, or a number)
//   AMF_DEMO_HC_STALL_AFTER=N stop answering healthchecks after N (the AMF's
//                            healthcheck timeout then cleans it up)
//   AMF_DEMO_NO_REGISTER=1   never register (the AMF's instantiation timeout
//                            then cleans it up)
//
// Every line goes to stdout, prefixed with the component's name. Run by the
// AMF through examples/clc/clc_cli_script and the examples/clc/amf-demo
// launcher; see examples/README.md.
import { AmfClient, recoveryValue, type HealthcheckEvent, type Recovery } from '../../lib-ais/amf-client.js';
import {
  SaAmfHAStateT, SaAmfRecommendedRecoveryT, type SaAmfCSIDescriptorT, type SaAmfRecommendedRecoveryT as RecoveryT,
} from '../../lib-ais/amf.js';
import { AisError, AisLibraryError, SaAisErrorT, saAisErrorName } from '../../lib-ais/errors.js';

let prefix = `amf-demo[${process.pid}]`;

function log(msg: string): void {
  process.stdout.write(`${prefix}: ${msg}\n`);
}

function fail(msg: string, code = 1): never {
  log(msg);
  process.exit(code);
}

function intEnv(name: string): number | undefined;
function intEnv(name: string, dflt: number): number;
function intEnv(name: string, dflt?: number): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) fail(`${name}=${v} is not a non-negative integer`, 2);
  return n;
}

function recoveryEnv(name: string): RecoveryT {
  const v = process.env[name];
  if (v === undefined || v === '') return SaAmfRecommendedRecoveryT.SA_AMF_COMPONENT_RESTART;
  if (/^\d+$/.test(v) && SaAmfRecommendedRecoveryT[Number(v)] !== undefined) return Number(v);
  const upper = v.toUpperCase().replace(/^SA_AMF_/, '');
  const byName = (SaAmfRecommendedRecoveryT as unknown as Record<string, number>)[`SA_AMF_${upper}`];
  if (byName !== undefined) return byName;
  const camel = recoveryValue(v as Recovery);
  if (typeof camel === 'number' && SaAmfRecommendedRecoveryT[camel] !== undefined) return camel;
  fail(`${name}=${v} is not a recommended recovery (e.g. COMPONENT_RESTART, COMPONENT_FAILOVER, NODE_FAILOVER)`, 2);
}

const recoveryName = (r: RecoveryT) => SaAmfRecommendedRecoveryT[r]?.replace(/^SA_AMF_/, '') ?? String(r);
const haName = (h: SaAmfHAStateT) => SaAmfHAStateT[h]?.replace(/^SA_AMF_HA_/, '') ?? String(h);
const codeOf = (e: unknown) => (e instanceof AisError ? saAisErrorName(e.code) : (e as Error).message);

const hcKey = process.env['AMF_DEMO_HC_KEY'] || 'default';
const hcInvocation = process.env['AMF_DEMO_HC_INVOCATION'] || 'amf';
if (hcInvocation !== 'amf' && hcInvocation !== 'component') fail(`AMF_DEMO_HC_INVOCATION=${hcInvocation}: use amf or component`, 2);
const confirmMs = intEnv('AMF_DEMO_HC_CONFIRM_MS', 500);
const hcRecovery = recoveryEnv('AMF_DEMO_HC_RECOVERY');
const errorAfter = intEnv('AMF_DEMO_ERROR_AFTER');
const errorRecovery = recoveryEnv('AMF_DEMO_ERROR_RECOVERY');
const stallAfter = intEnv('AMF_DEMO_HC_STALL_AFTER');
const noRegister = !['', '0', undefined].includes(process.env['AMF_DEMO_NO_REGISTER']);

/** Retries while the executive answers TRY_AGAIN (starting up, or busy), as SA applications must. */
async function retrying<T>(what: string, f: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof AisError) || e.code !== SaAisErrorT.SA_AIS_ERR_TRY_AGAIN || attempt >= 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function describeCsi(haState: SaAmfHAStateT, d: SaAmfCSIDescriptorT): string {
  const parts = [`CSI set ${haName(haState)} ${d.csiName || '(all CSIs)'} flags ${d.csiFlags}`];
  if (haState === SaAmfHAStateT.SA_AMF_HA_ACTIVE) {
    parts.push(`transition ${d.csiStateDescriptor.activeDescriptor.transitionDescriptor}`);
    if (d.csiStateDescriptor.activeDescriptor.activeCompName) parts.push(`previously active ${d.csiStateDescriptor.activeDescriptor.activeCompName}`);
  } else if (haState === SaAmfHAStateT.SA_AMF_HA_STANDBY) {
    parts.push(`active ${d.csiStateDescriptor.standbyDescriptor.activeCompName || '(none)'} rank ${d.csiStateDescriptor.standbyDescriptor.standbyRank}`);
  }
  return parts.join(', ');
}

async function main(): Promise<void> {
  const amf = await retrying('saAmfInitialize', () => AmfClient.open()).catch((e: unknown) => fail(`saAmfInitialize failed: ${codeOf(e)}`));
  const name = await amf.name().catch((e: unknown) => fail(`saAmfComponentNameGet failed: ${codeOf(e)} (is SA_AMF_COMPONENT_NAME set?)`));
  prefix = name;
  log(`initialized, pid ${process.pid}`);

  let healthchecks = 0;
  let stalled = false;
  let reported = false;

  /** Counts one healthcheck; returns false once the component stops answering. */
  const healthcheck = (how: string): boolean => {
    if (stallAfter !== undefined && healthchecks >= stallAfter) {
      if (!stalled) log(`healthcheck: not answering any more (AMF_DEMO_HC_STALL_AFTER=${stallAfter})`);
      stalled = true;
      return false;
    }
    healthchecks++;
    log(`healthcheck ${healthchecks} ${how} key ${hcKey}`);
    if (errorAfter !== undefined && healthchecks >= errorAfter && !reported) {
      reported = true;
      log(`reporting an error after ${healthchecks} healthchecks, recommended recovery ${recoveryName(errorRecovery)}`);
      amf.reportError(errorRecovery).then(
        () => log('error report accepted'),
        (e: unknown) => log(`saAmfComponentErrorReport failed: ${codeOf(e)}`),
      );
    }
    return true;
  };

  amf.on('healthcheck', (e: HealthcheckEvent) => {
    if (!healthcheck(`callback (invocation ${e.invocation})`)) return new Promise<void>(() => {}); // never answered
    return undefined;
  });
  amf.on('csiSet', (e) => {
    log(describeCsi(e.haState, e.descriptor));
    for (const a of e.descriptor.csiAttr) log(`  attribute ${a.attrName}=${a.attrValue}`);
    if (e.haState === SaAmfHAStateT.SA_AMF_HA_QUIESCING) {
      setTimeout(() => {
        e.quiescingComplete().then(() => log(`quiescing of ${e.csiName || '(all CSIs)'} complete`), (err: unknown) => log(`saAmfCSIQuiescingComplete failed: ${codeOf(err)}`));
      }, 10);
    }
  });
  amf.on('csiRemove', (e) => log(`CSI remove ${e.csiName || '(all CSIs)'} flags ${e.csiFlags}`));
  amf.on('terminate', () => log('terminate callback: answering OK and exiting'));
  amf.on('error', (e) => log(`could not answer the AMF: ${codeOf(e)}`));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finalizing and exiting`);
    void amf.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const running = amf.run();

  if (noRegister) {
    log('not registering (AMF_DEMO_NO_REGISTER)');
  } else {
    await retrying('saAmfComponentRegister', () => amf.register()).catch((e: unknown) => fail(`saAmfComponentRegister failed: ${codeOf(e)}`));
    log('registered');
    const component = hcInvocation === 'component';
    try {
      await retrying('saAmfHealthcheckStart', () => amf.startHealthcheck(hcKey, component ? 'componentInvoked' : 'amfInvoked', hcRecovery));
      log(`healthcheck ${hcKey} started, ${component ? `component-invoked, confirming every ${confirmMs} ms` : 'AMF-invoked'}, recovery ${recoveryName(hcRecovery)}`);
      if (component) {
        const timer = setInterval(() => {
          if (!healthcheck('confirmed')) {
            clearInterval(timer);
            return;
          }
          amf.confirm(hcKey).catch((e: unknown) => log(`saAmfHealthcheckConfirm failed: ${codeOf(e)}`));
        }, confirmMs);
      }
    } catch (e) {
      log(`saAmfHealthcheckStart ${hcKey} failed: ${codeOf(e)}; running without a healthcheck`);
    }
  }

  try {
    const why = await running;
    log(why === 'terminated' ? 'terminated by the AMF, exiting 0' : 'finalized, exiting 0');
    process.exit(0);
  } catch (e) {
    if (e instanceof AisLibraryError) fail(`lost the executive (${e.message}), exiting 1`);
    throw e;
  }
}

main().catch((e: unknown) => fail(`failed: ${(e as Error).stack ?? String(e)}`));
