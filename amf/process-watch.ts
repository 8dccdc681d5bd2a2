// Passive monitoring of processes the executive did not start as its children
// (a component a CLC-CLI script left running, or a pid given to saAmfPmStart):
// a pidfd (pidfd_open, Linux 5.3+) becomes readable the moment the process
// ends, so an exit is seen at once. Where pidfd is unavailable the watcher
// falls back to polling /proc.
import fs from 'node:fs';
import koffi from 'koffi';

/** How often the fallback polls; only used without pidfd. */
export const PROCESS_POLL_MS = 50;

type Poll = { close(): void };

interface Pidfd {
  open(pid: number): number;
  close(fd: number): void;
  poll(fd: number, onReadable: () => void): Poll;
}

let pidfd: Pidfd | null | undefined;

function loadPidfd(): Pidfd | null {
  if (pidfd !== undefined) return pidfd;
  try {
    const libc = koffi.load('libc.so.6');
    const syscall = libc.func('long syscall(long number, int pid, unsigned int flags)') as (n: number, pid: number, flags: number) => number;
    const close = libc.func('int close(int fd)') as (fd: number) => number;
    const SYS_pidfd_open = 434; // x86_64 and aarch64
    const nodePoll = (koffi as unknown as { node?: { poll?: (fd: number, opts: unknown, cb: (...a: unknown[]) => void) => Poll } }).node?.poll;
    if (typeof nodePoll !== 'function') return (pidfd = null);
    pidfd = {
      open: (pid) => syscall(SYS_pidfd_open, pid, 0),
      close: (fd) => void close(fd),
      poll: (fd, onReadable) => nodePoll(fd, { readable: true }, () => onReadable()),
    };
  } catch {
    pidfd = null;
  }
  return pidfd;
}

export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has ended: nobody may reap it for a while (our own children are reaped by Node).
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Calls `onExit` once when `pid` ends. Returns a function that stops watching. */
export function watchProcess(pid: number, onExit: () => void): () => void {
  let done = false;
  const fire = () => {
    if (done) return;
    done = true;
    stop();
    onExit();
  };
  let stop: () => void = () => {};
  const p = loadPidfd();
  const fd = p ? p.open(pid) : -1;
  if (p && fd >= 0) {
    const handle = p.poll(fd, fire);
    stop = () => { handle.close(); p.close(fd); };
  } else {
    const timer = setInterval(() => { if (!processAlive(pid)) fire(); }, PROCESS_POLL_MS);
    timer.unref();
    stop = () => clearInterval(timer);
  }
  if (!processAlive(pid)) queueMicrotask(fire);
  return () => { if (!done) { done = true; stop(); } };
}
