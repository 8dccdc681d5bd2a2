// groups.conf blocks into the AmfModel: typed values, defaults, effective
// paths, DNs, uniqueness and CSI type references. Errors go to the Ctx; a
// builder returns undefined for an entity it could not complete, and the
// caller throws when any error was found, so no partial model escapes.
import path from 'node:path';
import {
  COMPONENT_CATEGORIES,
  DEFAULTS,
  LIMITS,
  REDUNDANCY_MODELS,
  componentDn,
  csiDn,
  sgDn,
  siDn,
  suDn,
  type AmfClcCommands,
  type AmfComponent,
  type AmfCsi,
  type AmfCsiAttribute,
  type AmfHealthcheckKey,
  type AmfModel,
  type AmfSg,
  type AmfSi,
  type AmfSu,
  type NodeRef,
} from '../model.js';
import { collect, type Collected } from './groups-schema.js';
import { show, type BlockEntry, type KeyEntry, type Pos } from './groups-syntax.js';
import {
  Ctx,
  bytes,
  parseEnum,
  parseHealthcheckKey,
  parseName,
  parseNode,
  parsePath,
  parseRecovery,
  parseText,
  parseUint,
  parseYesNo,
} from './groups-values.js';

interface Paths {
  readonly clcCliPath: string | undefined;
  readonly binaryPath: string | undefined;
}

interface TypeRef {
  readonly typeName: string;
  readonly typePos: Pos;
}

interface Named {
  readonly name: string | undefined;
  readonly pos: Pos;
}

export function buildModel(ctx: Ctx, root: BlockEntry, baseDir: string): AmfModel {
  const top = collect(ctx, root, 'top');
  const sgs: AmfSg[] = [];
  const healthchecks: AmfHealthcheckKey[] = [];
  const sgNames: Named[] = [];
  const hcKeys: Named[] = [];
  for (const child of top.children) {
    if (child.kind === 'group') {
      const r = buildSg(ctx, child.block, baseDir);
      sgNames.push(r.named);
      if (r.sg !== undefined) sgs.push(r.sg);
    } else {
      const r = buildHealthcheck(ctx, child.block);
      hcKeys.push(r.named);
      if (r.hc !== undefined) healthchecks.push(r.hc);
    }
  }
  checkUnique(ctx, sgNames, 'group (SG) name', '');
  checkUnique(ctx, hcKeys, 'healthcheck key', '');
  return { sgs, healthchecks };
}

/** The value of an optional key, parsed; undefined when absent or bad. */
function opt<T>(c: Collected, key: string, parse: (e: KeyEntry) => T | undefined): T | undefined {
  const e = c.keys.get(key);
  return e === undefined ? undefined : parse(e);
}

function namePos(c: Collected, key: string, block: BlockEntry): Pos {
  return c.keys.get(key)?.valuePos ?? block.pos;
}

function resolvePath(baseDir: string, p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  return path.isAbsolute(p) ? path.normalize(p) : path.join(baseDir, p);
}

function checkUnique(ctx: Ctx, items: readonly Named[], what: string, scope: string): void {
  const first = new Map<string, Pos>();
  for (const it of items) {
    if (it.name === undefined) continue;
    const seen = first.get(it.name);
    if (seen === undefined) first.set(it.name, it.pos);
    else ctx.error(it.pos, `expected a unique ${what}${scope}, found ${show(it.name)} again (first at line ${seen.line})`);
  }
}

/** A DN must fit an SaNameT. Reported once, on the entity whose own name makes it too long. */
function checkDn(ctx: Ctx, dn: string, pos: Pos): boolean {
  const n = bytes(dn);
  if (n <= LIMITS.saNameBytesMax) return true;
  ctx.error(pos, `expected a DN of at most ${LIMITS.saNameBytesMax} bytes (SaNameT), found ${n} bytes in ${show(dn)}`);
  return false;
}

function buildSg(ctx: Ctx, block: BlockEntry, baseDir: string): { sg: AmfSg | undefined; named: Named } {
  const c = collect(ctx, block, 'group');
  const name = opt(c, 'name', (e) => parseName(ctx, e, 'a group (SG) name'));
  const named: Named = { name, pos: namePos(c, 'name', block) };
  const dnOk = name !== undefined && checkDn(ctx, sgDn(name), named.pos);
  const redundancyModel = opt(c, 'model', (e) => parseEnum(ctx, e, REDUNDANCY_MODELS, 'a redundancy model'));
  const count = (key: string, min: number) => opt(c, key, (e) => parseUint(ctx, e, min, LIMITS.countMax, 'count'));
  const ms = (key: string) => opt(c, key, (e) => parseUint(ctx, e, 1, LIMITS.timeMsMax, 'ms'));
  const preferredActiveUnits = count('preferred-active-units', 1) ?? DEFAULTS.preferredActiveUnits;
  const preferredStandbyUnits = count('preferred-standby-units', 0) ?? DEFAULTS.preferredStandbyUnits;
  const maxActive = count('maximum-active-instances', 1);
  const maxStandby = count('maximum-standby-instances', 1);
  const componentRestartProbationMs = ms('component_restart_probation') ?? DEFAULTS.componentRestartProbationMs;
  const componentRestartMax = count('component_restart_max', 0) ?? DEFAULTS.componentRestartMax;
  const unitRestartProbationMs = ms('unit_restart_probation') ?? DEFAULTS.unitRestartProbationMs;
  const unitRestartMax = count('unit_restart_max', 0) ?? DEFAULTS.unitRestartMax;
  const autoRepair = opt(c, 'auto_repair', (e) => parseYesNo(ctx, e)) ?? DEFAULTS.autoRepair;
  const paths: Paths = {
    clcCliPath: opt(c, 'clccli_path', (e) => parsePath(ctx, e, 'a path')),
    binaryPath: opt(c, 'binary_path', (e) => parsePath(ctx, e, 'a path')),
  };
  const sgName = dnOk ? name : undefined;

  const sus: AmfSu[] = [];
  const suNames: Named[] = [];
  const sis: AmfSi[] = [];
  const siNames: Named[] = [];
  const typeRefs: TypeRef[] = [];
  for (const child of c.children) {
    if (child.kind === 'unit') {
      const r = buildSu(ctx, child.block, sgName, paths, baseDir);
      suNames.push(r.named);
      if (r.su !== undefined) sus.push(r.su);
    } else {
      const r = buildSi(ctx, child.block, sgName);
      siNames.push(r.named);
      if (r.si !== undefined) sis.push(r.si);
      typeRefs.push(...r.typeRefs);
    }
  }
  const scope = name === undefined ? '' : ` in group ${show(name)}`;
  checkUnique(ctx, suNames, 'unit (SU) name', scope);
  checkUnique(ctx, siNames, 'serviceinstance (SI) name', scope);
  checkCsiTypes(ctx, name, sus, typeRefs);

  if (name === undefined || !dnOk || redundancyModel === undefined) return { sg: undefined, named };
  const siCount = Math.max(sis.length, 1);
  const sg: AmfSg = {
    name,
    dn: sgDn(name),
    redundancyModel,
    preferredActiveUnits,
    preferredStandbyUnits,
    maximumActiveInstances: maxActive ?? siCount,
    maximumStandbyInstances: maxStandby ?? siCount,
    componentRestartProbationMs,
    componentRestartMax,
    unitRestartProbationMs,
    unitRestartMax,
    autoRepair,
    sus,
    sis,
  };
  return { sg, named };
}

/** Every CSI's type must be accepted by some component of its SG, matched exactly. */
function checkCsiTypes(ctx: Ctx, sg: string | undefined, sus: readonly AmfSu[], refs: readonly TypeRef[]): void {
  const offered = new Set<string>();
  for (const su of sus) for (const comp of su.components) for (const t of comp.csiTypes) offered.add(t);
  for (const { typeName, typePos } of refs) {
    if (offered.has(typeName)) continue;
    const where = sg === undefined ? 'this group' : `group ${show(sg)}`;
    // openais compared memcmp(type, offered, strlen(type)): say so when that would have matched.
    const prefix = [...offered].find((t) => t.startsWith(typeName) || typeName.startsWith(t));
    const hint = prefix === undefined ? '' : `; openais matched type names by prefix (${show(prefix)}), Ringfort matches them exactly`;
    ctx.error(typePos, `expected a CSI type that a component of ${where} accepts (csi_type_name), found ${show(typeName)}${hint}`);
  }
}

function buildSu(
  ctx: Ctx,
  block: BlockEntry,
  sg: string | undefined,
  sgPaths: Paths,
  baseDir: string,
): { su: AmfSu | undefined; named: Named } {
  const c = collect(ctx, block, 'unit');
  const name = opt(c, 'name', (e) => parseName(ctx, e, 'a unit (SU) name'));
  const named: Named = { name, pos: namePos(c, 'name', block) };
  const dnOk = name !== undefined && sg !== undefined && checkDn(ctx, suDn(name, sg), named.pos);
  const node: NodeRef | undefined = opt(c, 'node', (e) => parseNode(ctx, e));
  const paths: Paths = {
    clcCliPath: opt(c, 'clccli_path', (e) => parsePath(ctx, e, 'a path')) ?? sgPaths.clcCliPath,
    binaryPath: opt(c, 'binary_path', (e) => parsePath(ctx, e, 'a path')) ?? sgPaths.binaryPath,
  };
  const components: AmfComponent[] = [];
  const compNames: Named[] = [];
  for (const child of c.children) {
    const r = buildComponent(ctx, child.block, dnOk ? name : undefined, sg, paths, baseDir);
    compNames.push(r.named);
    if (r.comp !== undefined) components.push(r.comp);
  }
  checkUnique(ctx, compNames, 'component name', name === undefined ? '' : ` in unit ${show(name)}`);
  if (name === undefined || sg === undefined || !dnOk) return { su: undefined, named };
  const su: AmfSu = node === undefined ? { name, dn: suDn(name, sg), components } : { name, dn: suDn(name, sg), node, components };
  return { su, named };
}

const COMMAND_KEYS: readonly [keyof AmfClcCommands, string][] = [
  ['instantiate', 'instantiate'],
  ['terminate', 'terminate'],
  ['cleanup', 'cleanup'],
  ['amStart', 'am_start'],
  ['amStop', 'am_stop'],
];

function buildComponent(
  ctx: Ctx,
  block: BlockEntry,
  su: string | undefined,
  sg: string | undefined,
  suPaths: Paths,
  baseDir: string,
): { comp: AmfComponent | undefined; named: Named } {
  const c = collect(ctx, block, 'component');
  const name = opt(c, 'name', (e) => parseName(ctx, e, 'a component name'));
  const named: Named = { name, pos: namePos(c, 'name', block) };
  const dnOk = name !== undefined && su !== undefined && sg !== undefined && checkDn(ctx, componentDn(name, su, sg), named.pos);
  const category = opt(c, 'comptype', (e) => parseEnum(ctx, e, COMPONENT_CATEGORIES, 'a component type')) ?? DEFAULTS.category;
  const commands: Partial<Record<keyof AmfClcCommands, string>> = {};
  for (const [field, key] of COMMAND_KEYS) {
    const v = opt(c, key, (e) => parsePath(ctx, e, 'a command'));
    if (v !== undefined) commands[field] = v;
  }
  const clcCliPath = opt(c, 'clccli_path', (e) => parsePath(ctx, e, 'a path')) ?? suPaths.clcCliPath;
  const binaryPath = opt(c, 'binary_path', (e) => parsePath(ctx, e, 'a path')) ?? suPaths.binaryPath;
  const binaryName = opt(c, 'bn', (e) => parsePath(ctx, e, 'a binary name'));
  const ms = (key: string, min: number, dflt: number) =>
    opt(c, key, (e) => parseUint(ctx, e, min, LIMITS.timeMsMax, 'ms')) ?? dflt;
  const instantiateTimeoutMs = ms('instantiate_timeout', 1, DEFAULTS.instantiateTimeoutMs);
  const terminateTimeoutMs = ms('terminate_timeout', 1, DEFAULTS.terminateTimeoutMs);
  const cleanupTimeoutMs = ms('cleanup_timeout', 1, DEFAULTS.cleanupTimeoutMs);
  const callbackTimeoutMs = ms('callback_timeout', 1, DEFAULTS.callbackTimeoutMs);
  const instantiateDelayMs = ms('instantiate_delay', 0, DEFAULTS.instantiateDelayMs);
  const instantiateRetries =
    opt(c, 'instantiate_retries', (e) => parseUint(ctx, e, 0, LIMITS.instantiateRetriesMax, 'count')) ?? DEFAULTS.instantiateRetries;
  const recoveryOnError = opt(c, 'recovery_on_error', (e) => parseRecovery(ctx, e)) ?? DEFAULTS.recoveryOnError;

  const csiTypes: string[] = [];
  const typeNames: Named[] = [];
  for (const child of c.children) {
    const tc = collect(ctx, child.block, 'csi_type_name');
    const t = opt(tc, 'name', (e) => parseName(ctx, e, 'a CSI type name'));
    typeNames.push({ name: t, pos: namePos(tc, 'name', child.block) });
    if (t !== undefined) csiTypes.push(t);
  }
  checkUnique(ctx, typeNames, 'csi_type_name', name === undefined ? '' : ` in component ${show(name)}`);

  if (name === undefined || su === undefined || sg === undefined || !dnOk) return { comp: undefined, named };
  const comp: AmfComponent = {
    name,
    dn: componentDn(name, su, sg),
    category,
    commands,
    clcCliPath: resolvePath(baseDir, clcCliPath) ?? baseDir,
    binaryPath: resolvePath(baseDir, binaryPath) ?? baseDir,
    ...(binaryName === undefined ? {} : { binaryName }),
    csiTypes,
    instantiateTimeoutMs,
    terminateTimeoutMs,
    cleanupTimeoutMs,
    callbackTimeoutMs,
    instantiateRetries,
    instantiateDelayMs,
    recoveryOnError,
  };
  return { comp, named };
}

function buildSi(ctx: Ctx, block: BlockEntry, sg: string | undefined): { si: AmfSi | undefined; named: Named; typeRefs: TypeRef[] } {
  const c = collect(ctx, block, 'serviceinstance');
  const name = opt(c, 'name', (e) => parseName(ctx, e, 'a serviceinstance (SI) name'));
  const named: Named = { name, pos: namePos(c, 'name', block) };
  const dnOk = name !== undefined && sg !== undefined && checkDn(ctx, siDn(name, sg), named.pos);
  const csis: AmfCsi[] = [];
  const csiNames: Named[] = [];
  const typeRefs: TypeRef[] = [];
  for (const child of c.children) {
    const r = buildCsi(ctx, child.block, dnOk ? name : undefined, sg);
    csiNames.push(r.named);
    if (r.typeRef !== undefined) typeRefs.push(r.typeRef);
    if (r.csi !== undefined) csis.push(r.csi);
  }
  checkUnique(ctx, csiNames, 'csi_name', name === undefined ? '' : ` in serviceinstance ${show(name)}`);
  if (name === undefined || sg === undefined || !dnOk) return { si: undefined, named, typeRefs };
  return { si: { name, dn: siDn(name, sg), csis }, named, typeRefs };
}

function buildCsi(
  ctx: Ctx,
  block: BlockEntry,
  si: string | undefined,
  sg: string | undefined,
): { csi: AmfCsi | undefined; named: Named; typeRef: TypeRef | undefined } {
  const c = collect(ctx, block, 'csi_descriptor');
  const name = opt(c, 'csi_name', (e) => parseName(ctx, e, 'a CSI name'));
  const named: Named = { name, pos: namePos(c, 'csi_name', block) };
  const dnOk = name !== undefined && si !== undefined && sg !== undefined && checkDn(ctx, csiDn(name, si, sg), named.pos);
  const typeName = opt(c, 'type_name', (e) => parseName(ctx, e, 'a CSI type name'));
  const typeRef = typeName === undefined ? undefined : { typeName, typePos: namePos(c, 'type_name', block) };
  const attributes: AmfCsiAttribute[] = [];
  let attrsOk = true;
  for (const child of c.children) {
    const nc = collect(ctx, child.block, 'name_value');
    const an = opt(nc, 'name', (e) => parseName(ctx, e, 'an attribute name'));
    const av = opt(nc, 'value', (e) => parseText(ctx, e, 'an attribute value', LIMITS.nameBytesMax));
    if (an === undefined || av === undefined) attrsOk = false;
    else attributes.push({ name: an, value: av });
  }
  if (name === undefined || si === undefined || sg === undefined || !dnOk || typeName === undefined || !attrsOk) {
    return { csi: undefined, named, typeRef };
  }
  return { csi: { name, dn: csiDn(name, si, sg), typeName, attributes }, named, typeRef };
}

function buildHealthcheck(ctx: Ctx, block: BlockEntry): { hc: AmfHealthcheckKey | undefined; named: Named } {
  const c = collect(ctx, block, 'healthcheck');
  const key = opt(c, 'key', (e) => parseHealthcheckKey(ctx, e));
  const periodMs = opt(c, 'period', (e) => parseUint(ctx, e, 1, LIMITS.timeMsMax, 'ms'));
  const maximumDurationMs = opt(c, 'maximum_duration', (e) => parseUint(ctx, e, 1, LIMITS.timeMsMax, 'ms'));
  const named: Named = { name: key, pos: namePos(c, 'key', block) };
  if (key === undefined || periodMs === undefined || maximumDurationMs === undefined) return { hc: undefined, named };
  return { hc: { key, periodMs, maximumDurationMs }, named };
}
