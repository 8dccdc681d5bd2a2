// Helpers for AMF tests against a real aisexec: groups.conf built around the
// example component and CLC-CLI script, status polling, and process checks.
import fs from 'node:fs';
import path from 'node:path';
import { CfgClient } from '../../lib-ais/cfg.js';
import type { AmfSnapshot } from '../../amf/engine/types.js';
import { REPO, type RunningExecutive } from './executive.js';

export const CLC_DIR = path.join(REPO, 'examples/clc');
export const DEMO_COMPONENT = path.join(REPO, 'dist/examples/amf-demo/component.js');

/** Writes an executable launcher `name` in `dir` that runs the demo component with extra environment. */
export function demoLauncher(dir: string, name: string, env: Record<string, string> = {}): void {
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`).join('\n');
  fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${exports}\nexec "${process.execPath}" "${DEMO_COMPONENT}"\n`, { mode: 0o755 });
}

export interface UnitSpec {
  name: string;
  components: Array<{ name: string; bn: string; comptype?: string; csiType?: string; instantiate?: string; extra?: string }>;
}

export interface GroupSpec {
  name?: string;
  model?: string;
  binaryPath: string;
  units: UnitSpec[];
  sis?: Array<{ name: string; csis: Array<{ name: string; type: string; attrs?: Record<string, string> }> }>;
  escalation?: { compProbationMs?: number; compMax?: number; unitProbationMs?: number; unitMax?: number };
  healthchecks?: Array<{ key: string; periodMs: number; maxMs: number }>;
  extraGroup?: string;
}

export function groupsConf(g: GroupSpec): string {
  const e = g.escalation ?? {};
  const lines = [
    'group {', `\tname=${g.name ?? 'demo'}`, `\tmodel=${g.model ?? '2n'}`,
    '\tpreferred-active-units=1', '\tpreferred-standby-units=1',
    `\tclccli_path=${CLC_DIR}`, `\tbinary_path=${g.binaryPath}`,
    `\tcomponent_restart_probation=${e.compProbationMs ?? 60000}`, `\tcomponent_restart_max=${e.compMax ?? 4}`,
    `\tunit_restart_probation=${e.unitProbationMs ?? 60000}`, `\tunit_restart_max=${e.unitMax ?? 2}`,
    ...(g.extraGroup ? [g.extraGroup] : []),
  ];
  for (const u of g.units) {
    lines.push('\tunit {', `\t\tname=${u.name}`);
    for (const c of u.components) {
      lines.push('\t\tcomponent {', `\t\t\tname=${c.name}`, `\t\t\tcomptype=${c.comptype ?? 'sa_aware'}`, `\t\t\tbn=${c.bn}`,
        `\t\t\tinstantiate=${c.instantiate ?? 'clc_cli_script'}`, '\t\t\tterminate=clc_cli_script', '\t\t\tcleanup=clc_cli_script');
      if (c.extra) lines.push(c.extra);
      lines.push('\t\t\tcsi_type_name {', `\t\t\t\tname=${c.csiType ?? 'demo_type'}`, '\t\t\t}', '\t\t}');
    }
    lines.push('\t}');
  }
  for (const si of g.sis ?? [{ name: 'SI_1', csis: [{ name: 'CSI_1', type: 'demo_type', attrs: { role: 'demo' } }] }]) {
    lines.push('\tserviceinstance {', `\t\tname=${si.name}`);
    for (const c of si.csis) {
      lines.push('\t\tcsi_descriptor {', `\t\t\tcsi_name=${c.name}`, `\t\t\ttype_name=${c.type}`);
      for (const [k, v] of Object.entries(c.attrs ?? {})) lines.push('\t\t\tname_value {', `\t\t\t\tname=${k}`, `\t\t\t\tvalue=${v}`, '\t\t\t}');
      lines.push('\t\t}');
    }
    lines.push('\t}');
  }
  lines.push('}');
  for (const h of g.healthchecks ?? [{ key: 'default', periodMs: 500, maxMs: 500 }]) {
    lines.push('healthcheck {', `\tkey=${h.key}`, `\tperiod=${h.periodMs}`, `\tmaximum_duration=${h.maxMs}`, '}');
  }
  return lines.join('\n') + '\n';
}

export async function amfSnapshot(exec: RunningExecutive): Promise<AmfSnapshot> {
  const c = await CfgClient.open({}, { socketPath: exec.socketPath });
  try {
    const s = (await c.status()) as { services: { amf: AmfSnapshot } };
    return s.services.amf;
  } finally {
    c.finalize();
  }
}

/** Polls the snapshot until `pred` holds; fails with the last snapshot and the log. */
export async function waitForAmf(exec: RunningExecutive, what: string, pred: (s: AmfSnapshot) => boolean, timeoutMs = 15000): Promise<AmfSnapshot> {
  const until = Date.now() + timeoutMs;
  let last: AmfSnapshot | undefined;
  for (;;) {
    last = await amfSnapshot(exec);
    if (pred(last)) return last;
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}\nsnapshot: ${JSON.stringify(last, null, 1)}\nlog:\n${exec.output().split('\n').slice(-80).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitForLog(exec: RunningExecutive, re: RegExp, timeoutMs = 15000): Promise<RegExpMatchArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = exec.output().match(re);
    if (m) return m;
    if (Date.now() > until) throw new Error(`timed out waiting for log ${re}\nlog:\n${exec.output().split('\n').slice(-80).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function compState(s: AmfSnapshot, name: string) {
  const c = s.components.find((x) => x.dn.startsWith(`safComp=${name},`));
  if (!c) throw new Error(`no component ${name}`);
  return c;
}

export function haOf(s: AmfSnapshot, comp: string): string[] {
  return s.csiAssignments.filter((a) => a.comp.startsWith(`safComp=${comp},`) && !a.pending).map((a) => a.haState);
}
