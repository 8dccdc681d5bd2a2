// saXxxDispatch semantics over a connection's callback queue, shared by every
// service library: ONE runs at most one waiting callback, ALL runs every
// callback waiting now, BLOCKING runs callbacks as they come until finalize.
import { AisBadHandleError, AisInvalidParamError, SaAisErrorT } from './errors.js';
import type { Frame } from './ipc/frame.js';
import type { AisConnection } from './connection.js';

export enum SaDispatchFlagsT {
  SA_DISPATCH_ONE = 1,
  SA_DISPATCH_ALL = 2,
  SA_DISPATCH_BLOCKING = 3,
}

/** Runs one callback frame; a service library decodes it and calls the application. */
export type CallbackRunner = (f: Frame) => void | Promise<void>;

export async function dispatch(conn: AisConnection, flags: SaDispatchFlagsT, run: CallbackRunner): Promise<SaAisErrorT> {
  if (flags !== SaDispatchFlagsT.SA_DISPATCH_ONE && flags !== SaDispatchFlagsT.SA_DISPATCH_ALL && flags !== SaDispatchFlagsT.SA_DISPATCH_BLOCKING) {
    throw new AisInvalidParamError(`dispatch flags ${flags as number}`);
  }
  if (!conn.isOpen && conn.pendingCallbacks === 0) {
    throw conn.failure ?? new AisBadHandleError('the handle was finalized');
  }
  switch (flags) {
    case SaDispatchFlagsT.SA_DISPATCH_ONE: {
      const f = conn.takeCallback();
      if (f !== undefined) await run(f);
      return SaAisErrorT.SA_AIS_OK;
    }
    case SaDispatchFlagsT.SA_DISPATCH_ALL: {
      // Only what is waiting now: a callback that triggers more must not starve the caller.
      let n = conn.pendingCallbacks;
      while (n-- > 0) {
        const f = conn.takeCallback();
        if (f === undefined) break;
        await run(f);
      }
      return SaAisErrorT.SA_AIS_OK;
    }
    case SaDispatchFlagsT.SA_DISPATCH_BLOCKING: {
      for (;;) {
        const f = conn.takeCallback();
        if (f !== undefined) {
          await run(f);
          continue;
        }
        if (!(await conn.waitCallback())) {
          if (conn.failure) throw conn.failure;
          return SaAisErrorT.SA_AIS_OK; // finalized: a blocking dispatch returns
        }
      }
    }
  }
}
