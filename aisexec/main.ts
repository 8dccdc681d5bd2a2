#!/usr/bin/env -S node --initial-old-space-size=128
// aisexec: the command line. Parses options, loads and checks the
// configuration, runs the executive in the foreground (-f) or as a daemon,
// and turns SIGTERM/SIGINT into an orderly shutdown.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadGroupsConf } from '../amf/config/groups.js';
import type { AmfModel } from '../amf/model.js';
import { loadMainConfig, type MainConfig } from './config/mainconfig.js';
import { Executive } from './executive.js';
import { ExitCode } from './exitcodes.js';
import { LogSystem } from './log/logger.js';
import { missingNodeFlags } from './node-flags.js';
import { packageVersion } from './version.js';

const DEFAULT_CONFIG = process.env['OPENAIS_MAIN_CONFIG_FILE'] ?? '/etc/ais/openais.conf';
/** Set in the environment of the background child a daemonising aisexec starts. */
const DAEMON_CHILD_ENV = 'RINGFORT_DAEMON_CHILD';

interface Args {
  f: boolean;
  c: string;
  t: boolean;
  p: boolean;
}

function fail(code: ExitCode, message: string): never {
  // A daemon child has no stderr: its parent prints the reason it sends.
  if (process.env[DAEMON_CHILD_ENV] !== undefined && process.send) process.send({ error: message, code });
  else process.stderr.write(`aisexec: ${message}\n`);
  process.exit(code);
}

function loadConfig(file: string): { config: MainConfig; amfModel?: AmfModel } {
  let config: MainConfig;
  try {
    config = loadMainConfig(file);
  } catch (e) {
    fail(ExitCode.MAINCONFIGREAD, (e as Error).message);
  }
  if (config.amf.mode !== 'enabled') return { config };
  try {
    return { config, amfModel: loadGroupsConf(config.amf.groupsFile) };
  } catch (e) {
    fail(ExitCode.AMFCONFIGREAD, (e as Error).message);
  }
}

async function runForeground(args: Args, version: string): Promise<void> {
  const { config, amfModel } = loadConfig(path.resolve(args.c));
  const logs = new LogSystem();
  try {
    // -f forces stderr output, as openais did.
    logs.configure({ ...config.logging, toStderr: config.logging.toStderr || process.env[DAEMON_CHILD_ENV] === undefined });
  } catch (e) {
    fail(ExitCode.LOGSETUP, `cannot open log file: ${(e as Error).message}`);
  }
  const log = logs.get('MAIN');
  const missing = missingNodeFlags(process.execArgv);
  if (missing.length > 0) log.notice(`started without node ${missing.join(' ')}: under load, garbage collection takes more of the CPU (see aisexec/node-flags.ts)`);
  let exec: Executive;
  try {
    // The ring's transports and key are set up here: a missing address or authkey is a start-up failure.
    exec = new Executive({ config, amfModel, logs, version });
  } catch (e) {
    log.error(`cannot start: ${(e as Error).message}`);
    logs.close();
    fail(ExitCode.INIT_SERVICES, `cannot start: ${(e as Error).message}`);
  }
  // Signal handlers go in before the executive starts: it says "ready" from inside start(), and a SIGTERM
  // read off that line must not meet the default action (death by signal) in the moment before they exist.
  let started = false;
  let pending: string | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (!started) {
      pending = signal;
      return;
    }
    if (stopping) {
      log.warning(`${signal} during shutdown; exiting now`);
      process.exit(ExitCode.EXIT);
    }
    stopping = true;
    exec.stop(`received ${signal}`).then(
      () => { logs.close(); process.exit(ExitCode.OK); },
      (e: Error) => { log.error(`shutdown failed: ${e.message}`); process.exit(ExitCode.EXIT); },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await exec.start();
  } catch (e) {
    log.error(`cannot start: ${(e as Error).message}`);
    await exec.stop('start failed').catch(() => {});
    logs.close();
    fail(ExitCode.INIT_SERVICES, `cannot start: ${(e as Error).message}`);
  }
  process.send?.({ ready: true, pid: process.pid });
  if (process.connected) process.disconnect();
  started = true;
  if (pending !== undefined) shutdown(pending);
  process.on('SIGUSR2', () => log.notice(`status: ${JSON.stringify(exec.status(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`));
  let crashed = false;
  process.on('uncaughtException', (e) => {
    // A bug: say so once, take the socket down, and exit non-zero rather than limp on.
    if (crashed) return;
    crashed = true;
    log.error(`internal error: ${e.stack ?? e.message}`);
    exec.stop('internal error').finally(() => process.exit(ExitCode.EXIT));
  });
}

/** Without -f: start a background copy in the foreground mode and return once it is ready. */
async function daemonise(argv: string[]): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  // The daemon's stdio goes to /dev/null (it logs through logging { to_file });
  // it reports readiness or the reason it could not start over the IPC channel.
  const child = spawn(process.execPath, [...process.execArgv, ...missingNodeFlags(process.execArgv), self, '-f', ...argv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, [DAEMON_CHILD_ENV]: '1' },
  });
  const outcome = await new Promise<{ ready: boolean; error?: string; code?: number | null }>((resolve) => {
    child.on('message', (m: { ready?: boolean; error?: string; code?: number }) => resolve(m.ready ? { ready: true } : { ready: false, error: m.error, code: m.code }));
    child.on('exit', (code) => resolve({ ready: false, code }));
  });
  if (!outcome.ready) fail(outcome.code ?? ExitCode.EXIT, outcome.error ?? `the background executive exited with ${outcome.code}`);
  child.unref();
  child.disconnect?.();
  process.stdout.write(`aisexec: running in the background, pid ${child.pid}\n`);
}

async function main(): Promise<void> {
  const version = packageVersion();
  const raw = hideBin(process.argv);
  const args = (await yargs(raw)
    .scriptName('aisexec')
    .usage('$0 [options]\n\nThe Ringfort AIS executive: runs the cluster services (AMF, CLM) on this node.')
    .option('f', { alias: 'foreground', type: 'boolean', default: false, describe: 'run in the foreground, logging to stderr' })
    .option('c', { alias: 'config', type: 'string', default: DEFAULT_CONFIG, describe: 'openais.conf to read ($OPENAIS_MAIN_CONFIG_FILE)' })
    .option('t', { alias: 'test-config', type: 'boolean', default: false, describe: 'check openais.conf and groups.conf, then exit' })
    .option('p', { type: 'boolean', default: false, describe: 'accepted for openais compatibility (no real-time priority is set)' })
    .version(version)
    .help('help')
    .alias('help', 'h')
    .strict()
    .fail((msg, err) => fail(ExitCode.USAGE, msg ?? err?.message ?? 'bad arguments'))
    .parseAsync()) as unknown as Args;

  if (args.t) {
    const file = path.resolve(args.c);
    const { config, amfModel } = loadConfig(file);
    const files = [config.file, ...(amfModel !== undefined ? [config.amf.groupsFile] : [])];
    process.stdout.write(`configuration OK: ${files.join(', ')}\n`);
    return;
  }
  if (!fs.existsSync(args.c)) fail(ExitCode.MAINCONFIGREAD, `cannot read ${args.c}: no such file`);
  if (args.f || process.env[DAEMON_CHILD_ENV] !== undefined) await runForeground(args, version);
  else await daemonise(raw.filter((a) => a !== '-f' && a !== '--foreground'));
}

main().catch((e: Error) => fail(ExitCode.EXIT, e.message));
