// saXxxDispatch semantics over a connection's callback queue, shared by every
// service library: ONE runs at most one waiting callback, ALL runs every
// callback waiting now, BLOCKING runs callbacks as they come until finalize.
import { AisBadHandleError, AisInvalidParamError, AisVersionError, SaAisErrorT } from './errors.js';
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

/**
 * The callbacks structure an saXxxInitialize was given, reduced to the named
 * functions (null and undefined dropped, anything else INVALID_PARAM) and
 * frozen, so a caller changing its object later changes nothing.
 */
export function copyCallbacks<T extends object>(callbacks: T | null | undefined, keys: readonly (keyof T & string)[]): Readonly<T> {
  const copy: Record<string, unknown> = {};
  for (const k of keys) {
    const f = callbacks?.[k];
    if (f === undefined || f === null) continue;
    if (typeof f !== 'function') throw new AisInvalidParamError(`${k} must be a function`);
    copy[k] = f;
  }
  return Object.freeze(copy) as Readonly<T>;
}

/** SaDispatchFlagsT from a caller: anything else is INVALID_PARAM. */
export function checkDispatchFlags(v: unknown): asserts v is SaDispatchFlagsT {
  if (v !== SaDispatchFlagsT.SA_DISPATCH_ONE && v !== SaDispatchFlagsT.SA_DISPATCH_ALL && v !== SaDispatchFlagsT.SA_DISPATCH_BLOCKING) {
    throw new AisInvalidParamError(`dispatch flags ${String(v)}`);
  }
}

/**
 * SA version negotiation at initialize: `version` is overwritten with the
 * supported one whether or not it was accepted, as the C API does;
 * SA_AIS_ERR_VERSION when the release code differs or the major is higher.
 */
export function negotiateVersion(version: { releaseCode: string; majorVersion: number; minorVersion: number }, supported: Readonly<{ releaseCode: string; majorVersion: number; minorVersion: number }>): void {
  if (version === null || typeof version !== 'object') throw new AisInvalidParamError('version is required');
  const accepted = version.releaseCode === supported.releaseCode && typeof version.majorVersion === 'number' && version.majorVersion <= supported.majorVersion;
  const asked = `${String(version.releaseCode)}.${String(version.majorVersion)}.${String(version.minorVersion)}`;
  version.releaseCode = supported.releaseCode;
  version.majorVersion = supported.majorVersion;
  version.minorVersion = supported.minorVersion;
  const impl = `${supported.releaseCode}.${String(supported.majorVersion).padStart(2, '0')}.${String(supported.minorVersion).padStart(2, '0')}`;
  if (!accepted) throw new AisVersionError(`version ${asked} is not supported; this library implements ${impl}`);
}
