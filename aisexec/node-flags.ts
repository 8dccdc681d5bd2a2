// The V8 flags the executive runs with: every way of starting it passes them
// on node's command line (the shebang of main.ts, `npm start`, the daemon's
// child, the test and bench helpers); V8 reads heap sizes only at start-up,
// and these are refused in NODE_OPTIONS.
//
// Why: under sustained traffic the executive keeps its young generation large
// (16 MiB semi-spaces) and its old generation small (8 MiB live). V8 then
// finds the old generation's headroom below the young generation's capacity
// after every full collection and starts the next one at once: the sender of
// bench/ring ran a mark-compact every 110-150 ms (177 in 15 s), each 10-15 ms
// of CPU on the two shared cores. An initial old-space limit of 128 MiB gives
// the headroom: 26 mark-compacts in the same 15 s, and 22-35 % more 1 KiB
// messages per second (BENCHMARKS.md, run 9), for 50-60 MiB more resident
// memory at the busiest node.
export const EXECUTIVE_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];

/** The flags of EXECUTIVE_NODE_FLAGS that `execArgv` (node's own options) does not set, to any value. */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  const name = (f: string) => f.split('=')[0]!.replace(/_/g, '-');
  const given = new Set(execArgv.map(name));
  return EXECUTIVE_NODE_FLAGS.filter((f) => !given.has(name(f)));
}
