// Where the executive keeps its IPC socket. Shared by aisexec and every client,
// so that both agree without configuration in the common cases.
import os from 'node:os';
import path from 'node:path';

/** Environment variable that points clients (and the executive, when its config is silent) at a run directory. */
export const RUN_DIR_ENV = 'RINGFORT_RUN_DIR';

/** The socket file inside the run directory. */
export const SOCKET_NAME = 'libais.socket';

/**
 * The default run directory: $RINGFORT_RUN_DIR if set; /var/run/ringfort for root;
 * otherwise $XDG_RUNTIME_DIR/ringfort, or <tmpdir>/ringfort-<uid> so that an
 * unprivileged user needs no set-up.
 */
export function defaultRunDir(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): string {
  const fromEnv = env[RUN_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  if (uid === 0) return '/var/run/ringfort';
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg !== undefined && xdg !== '') return path.join(xdg, 'ringfort');
  return path.join(os.tmpdir(), `ringfort-${uid}`);
}

export function socketPath(runDir: string): string {
  return path.join(runDir, SOCKET_NAME);
}
