// CLC-CLI commands (specification B.01.01 chapter 4; openais contract in
// shared/reference/openais.md §2): what to run, with which argument vector,
// environment, working directory and timeout. Pure: the driver runs it.
import { clcCommandPath, type AmfComponent, type ClcOperation } from '../model.js';
import type { AmfAction } from './types.js';

export type RunClc = Extract<AmfAction, { type: 'runClc' }>;

export interface ClcOptions {
  /** Base environment (PATH and the like), given by the driver. */
  clcEnv: Readonly<Record<string, string>>;
  pidFileOf(comp: AmfComponent): string;
}

/** The command's timeout: each operation has its own (groups.conf extension keys). */
export function clcTimeoutMs(comp: AmfComponent, op: ClcOperation): number {
  switch (op) {
    case 'instantiate':
      return comp.instantiateTimeoutMs;
    case 'terminate':
      return comp.terminateTimeoutMs;
    case 'cleanup':
      return comp.cleanupTimeoutMs;
    case 'amStart':
    case 'amStop':
      return comp.callbackTimeoutMs;
  }
}

/**
 * The `runClc` action for `op`, or a reason when none can be built (no command
 * configured). argv is the operation name alone, as openais LATER's
 * clc_cli_script expects in $1; the same name is in CLC_CLI_INTERFACE, which
 * EARLY's script read.
 */
export function buildClc(
  comp: AmfComponent, op: ClcOperation, node: number, runId: number, opts: ClcOptions,
): RunClc | { missing: string } {
  const program = clcCommandPath(comp, op);
  if (program === undefined) return { missing: `no ${op} command is configured (groups.conf key ${clcKey(op)})` };
  const env: Record<string, string> = {
    ...opts.clcEnv,
    CLC_CLI_INTERFACE: op,
    SA_AMF_COMPONENT_NAME: comp.dn,
    COMP_BINARY_PATH: comp.binaryPath,
    RINGFORT_PID_FILE: opts.pidFileOf(comp),
  };
  if (comp.binaryName !== undefined) env.COMP_BINARY_NAME = comp.binaryName;
  return {
    type: 'runClc', node, comp: comp.dn, op, runId, program, argv: [op], env, cwd: comp.binaryPath,
    timeoutMs: clcTimeoutMs(comp, op),
  };
}

function clcKey(op: ClcOperation): string {
  return op === 'amStart' ? 'am_start' : op === 'amStop' ? 'am_stop' : op;
}

/** How a finished command is described in logs: `exited with 3`, `timed out after 10000 ms`, ... */
export function describeOutcome(e: {
  outcome: 'exited' | 'timeout' | 'spawnFailed'; exitCode?: number; signal?: string; message?: string;
}, timeoutMs: number): string {
  switch (e.outcome) {
    case 'exited':
      if (e.signal !== undefined) return `was killed by ${e.signal}`;
      return `exited with ${e.exitCode ?? 'an unknown status'}`;
    case 'timeout':
      return `timed out after ${timeoutMs} ms`;
    case 'spawnFailed':
      return `could not be started${e.message ? `: ${e.message}` : ''}`;
  }
}

/** Exit status 0 and no signal: the only success (B.01.01 §4.4-4.6). */
export function clcSucceeded(e: { outcome: string; exitCode?: number; signal?: string }): boolean {
  return e.outcome === 'exited' && e.exitCode === 0 && e.signal === undefined;
}
