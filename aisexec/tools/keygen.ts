#!/usr/bin/env node
// ais-keygen: writes the ring's shared key (openais 0.80's name; corosync
// calls it corosync-keygen). 128 random bytes, mode 0400, never over an
// existing key unless --force. Copy the file to every node of the cluster.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { AUTHKEY_BYTES_DEFAULT } from '../totem/security.js';

const DEFAULT_KEY_FILE = '/etc/ais/authkey';

/** Exit codes: 0 written, 1 could not write (exists, no directory, I/O), 2 usage. */
const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function fail(message: string): number {
  process.stderr.write(`ais-keygen: ${message}\n`);
  return EXIT_FAILED;
}

/**
 * Writes the key to a temporary file beside `file` (created exclusively, mode
 * 0400, synced) and renames it into place, so a reader never sees half a key
 * and --force replaces the old key in one step.
 */
function writeKey(file: string, force: boolean): number {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) return fail(`directory ${dir} does not exist`);
  if (!force && fs.existsSync(file)) return fail(`${file} already exists; not overwriting a key the cluster may share (use --force to replace it)`);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o400);
    fs.fchmodSync(fd, 0o400); // whatever the umask
    fs.writeSync(fd, randomBytes(AUTHKEY_BYTES_DEFAULT));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (force) {
      fs.renameSync(tmp, file);
    } else {
      // link() fails if the key appeared meanwhile: never clobber one without --force.
      fs.linkSync(tmp, file);
      fs.unlinkSync(tmp);
    }
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST' && !force) return fail(`${file} already exists; not overwriting a key the cluster may share (use --force to replace it)`);
    return fail(`cannot write ${file}: ${err.message}`);
  }
  process.stdout.write(`ais-keygen: wrote a ${AUTHKEY_BYTES_DEFAULT}-byte key to ${file} (mode 0400); copy it to every node of the cluster\n`);
  return EXIT_OK;
}

async function main(): Promise<number> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('ais-keygen')
    .usage('$0 [-k FILE] [--force]\n\nWrites a new shared key for the ring\'s authentication and encryption (totem { keyfile }).')
    .option('key-file', { alias: 'k', type: 'string', default: DEFAULT_KEY_FILE, describe: 'where to write the key' })
    .option('force', { type: 'boolean', default: false, describe: 'replace an existing key file' })
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => {
      process.stderr.write(`ais-keygen: ${msg ?? err?.message}\n`);
      process.exit(EXIT_USAGE);
    })
    .parseAsync();
  const file = path.resolve(args['key-file']);
  return writeKey(file, args.force);
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`ais-keygen: error: ${e.message}\n`);
    process.exit(EXIT_FAILED);
  },
);
