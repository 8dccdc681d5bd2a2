// clm-track: prints the cluster membership, then every change to it, through
// the SA Forum CLM API of lib-ais/clm.ts. The counterpart of clm_track.c;
// both print the same lines.
//
//   node dist/examples/clm/clm-track.js        the current view, then each change (SA_TRACK_CHANGES_ONLY)
//   node dist/examples/clm/clm-track.js -a     each change with every member (SA_TRACK_CHANGES)
//   node dist/examples/clm/clm-track.js -1     the current view only, then exit
//
// It finds the executive through RINGFORT_RUN_DIR (as every Ringfort
// client). It exits 0 on SIGTERM or SIGINT (or after -1), 1 when it cannot
// reach the executive or loses it, 2 on a bad option.
//
// Output, one line per view and one per node:
//   view 4, 3 members
//     node 1 ringfort-node-1 127.0.0.1 NO_CHANGE initial-view 2
import {
  SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, SaAisErrorT, SaClmClusterChangesT, SaDispatchFlagsT, isAisError,
  saClmClusterTrack, saClmDispatch, saClmFinalize, saClmInitialize, type SaClmClusterNotificationBufferT, type SaClmHandleT,
} from '../../lib-ais/clm.js';
import { saAisErrorName } from '../../lib-ais/errors.js';

function printView(b: SaClmClusterNotificationBufferT, members: number): void {
  const lines = [`view ${b.viewNumber}, ${members} members`];
  for (const { clusterNode: n, clusterChange } of b.notification ?? []) {
    const change = (SaClmClusterChangesT[clusterChange] ?? String(clusterChange)).replace(/^SA_CLM_NODE_/, '');
    lines.push(`  node ${n.nodeId} ${n.nodeName} ${n.nodeAddress.value} ${change} initial-view ${n.initialViewNumber}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** Retries for up to 10 s while the executive answers TRY_AGAIN (not started yet, or no view yet). */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!isAisError(e, SaAisErrorT.SA_AIS_ERR_TRY_AGAIN) || attempt >= 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e); // an AisError's message starts with the SA_AIS_ERR_ name
}

async function main(argv: string[]): Promise<number> {
  let changes = SA_TRACK_CHANGES_ONLY;
  let once = false;
  for (const a of argv) {
    if (a === '-a') changes = SA_TRACK_CHANGES;
    else if (a === '-1') once = true;
    else {
      process.stderr.write('usage: clm-track [-a] [-1]\n  -a  every member in each change (SA_TRACK_CHANGES)\n  -1  print the current view and exit\n');
      return a === '-h' || a === '--help' ? 0 : 2;
    }
  }

  let handle: SaClmHandleT;
  try {
    handle = await retrying(() => saClmInitialize({
      // The buffer is ours to keep in TypeScript; printing it at once keeps the order of views.
      saClmClusterTrackCallback: (b, members, error) => {
        if (error !== SaAisErrorT.SA_AIS_OK) process.stdout.write(`track callback: ${saAisErrorName(error)}\n`);
        else printView(b, members);
      },
    }, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }));
  } catch (e) {
    process.stderr.write(`saClmInitialize: ${describe(e)} (is the executive running, and RINGFORT_RUN_DIR its run directory?)\n`);
    return 1;
  }

  // The current view and, in the same call, tracking from that view on: no change can fall between the two.
  try {
    const current = await retrying(() => saClmClusterTrack(handle, once ? SA_TRACK_CURRENT : SA_TRACK_CURRENT | changes, { viewNumber: 0n, numberOfItems: 0 }));
    printView(current!, current!.numberOfItems);
  } catch (e) {
    process.stderr.write(`saClmClusterTrack: ${describe(e)}\n`);
    await saClmFinalize(handle);
    return 1;
  }
  if (once) {
    await saClmFinalize(handle);
    return 0;
  }
  process.stdout.write(`tracking ${changes === SA_TRACK_CHANGES ? 'SA_TRACK_CHANGES' : 'SA_TRACK_CHANGES_ONLY'}\n`);

  let signalled: string | undefined;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      signalled = sig;
      process.stdout.write(`${sig}: finalizing and exiting\n`);
      void saClmFinalize(handle); // ends the blocking dispatch below
    });
  }
  try {
    await saClmDispatch(handle, SaDispatchFlagsT.SA_DISPATCH_BLOCKING);
  } catch (e) {
    if (signalled !== undefined) return 0;
    process.stdout.write(`lost the executive (saClmDispatch: ${describe(e)}), exiting 1\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
