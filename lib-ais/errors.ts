// The SA Forum error catalog (SaAisErrorT, AIS B.01.01 numbering) and the error
// classes that carry a code. Every TypeScript API rejects with an AisError
// subclass; code paths that indicate a bug in Ringfort throw BugIndicatingError.

export enum SaAisErrorT {
  SA_AIS_OK = 1,
  SA_AIS_ERR_LIBRARY = 2,
  SA_AIS_ERR_VERSION = 3,
  SA_AIS_ERR_INIT = 4,
  SA_AIS_ERR_TIMEOUT = 5,
  SA_AIS_ERR_TRY_AGAIN = 6,
  SA_AIS_ERR_INVALID_PARAM = 7,
  SA_AIS_ERR_NO_MEMORY = 8,
  SA_AIS_ERR_BAD_HANDLE = 9,
  SA_AIS_ERR_BUSY = 10,
  SA_AIS_ERR_ACCESS = 11,
  SA_AIS_ERR_NOT_EXIST = 12,
  SA_AIS_ERR_NAME_TOO_LONG = 13,
  SA_AIS_ERR_EXIST = 14,
  SA_AIS_ERR_NO_SPACE = 15,
  SA_AIS_ERR_INTERRUPT = 16,
  SA_AIS_ERR_NAME_NOT_FOUND = 17,
  SA_AIS_ERR_NO_RESOURCES = 18,
  SA_AIS_ERR_NOT_SUPPORTED = 19,
  SA_AIS_ERR_BAD_OPERATION = 20,
  SA_AIS_ERR_FAILED_OPERATION = 21,
  SA_AIS_ERR_MESSAGE_ERROR = 22,
  SA_AIS_ERR_QUEUE_FULL = 23,
  SA_AIS_ERR_QUEUE_NOT_AVAILABLE = 24,
  SA_AIS_ERR_BAD_FLAGS = 25,
  SA_AIS_ERR_TOO_BIG = 26,
  SA_AIS_ERR_NO_SECTIONS = 27,
}

/** Short descriptions, as the B.01.01 specification words them (abridged). */
export const SA_AIS_ERROR_TEXT: Readonly<Record<SaAisErrorT, string>> = {
  [SaAisErrorT.SA_AIS_OK]: 'the function completed successfully',
  [SaAisErrorT.SA_AIS_ERR_LIBRARY]: 'an unexpected problem occurred in the library; it cannot be used anymore',
  [SaAisErrorT.SA_AIS_ERR_VERSION]: 'the version is not compatible with the implementation',
  [SaAisErrorT.SA_AIS_ERR_INIT]: 'a callback needed by this call was not supplied at initialization',
  [SaAisErrorT.SA_AIS_ERR_TIMEOUT]: 'an implementation-dependent timeout occurred',
  [SaAisErrorT.SA_AIS_ERR_TRY_AGAIN]: 'the service cannot be provided at this time; try again later',
  [SaAisErrorT.SA_AIS_ERR_INVALID_PARAM]: 'a parameter is not set correctly',
  [SaAisErrorT.SA_AIS_ERR_NO_MEMORY]: 'out of memory',
  [SaAisErrorT.SA_AIS_ERR_BAD_HANDLE]: 'the handle is invalid or already finalized',
  [SaAisErrorT.SA_AIS_ERR_BUSY]: 'the resource is in use',
  [SaAisErrorT.SA_AIS_ERR_ACCESS]: 'access is denied',
  [SaAisErrorT.SA_AIS_ERR_NOT_EXIST]: 'the entity does not exist',
  [SaAisErrorT.SA_AIS_ERR_NAME_TOO_LONG]: 'the name is too long',
  [SaAisErrorT.SA_AIS_ERR_EXIST]: 'the entity already exists',
  [SaAisErrorT.SA_AIS_ERR_NO_SPACE]: 'the buffer is too small',
  [SaAisErrorT.SA_AIS_ERR_INTERRUPT]: 'the request was cancelled by a timeout or another interrupt',
  [SaAisErrorT.SA_AIS_ERR_NAME_NOT_FOUND]: 'the name could not be found',
  [SaAisErrorT.SA_AIS_ERR_NO_RESOURCES]: 'not enough resources are available',
  [SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED]: 'the operation is not supported',
  [SaAisErrorT.SA_AIS_ERR_BAD_OPERATION]: 'the operation is not allowed in the current state',
  [SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION]: 'the operation failed',
  [SaAisErrorT.SA_AIS_ERR_MESSAGE_ERROR]: 'a communication error occurred',
  [SaAisErrorT.SA_AIS_ERR_QUEUE_FULL]: 'the destination queue is full',
  [SaAisErrorT.SA_AIS_ERR_QUEUE_NOT_AVAILABLE]: 'the destination queue is not available',
  [SaAisErrorT.SA_AIS_ERR_BAD_FLAGS]: 'the flags are invalid',
  [SaAisErrorT.SA_AIS_ERR_TOO_BIG]: 'the value is larger than the maximum permitted',
  [SaAisErrorT.SA_AIS_ERR_NO_SECTIONS]: 'there are no (more) sections',
};

export function isSaAisError(code: number): code is SaAisErrorT {
  return Number.isInteger(code) && code >= SaAisErrorT.SA_AIS_OK && code <= SaAisErrorT.SA_AIS_ERR_NO_SECTIONS;
}

export function saAisErrorName(code: number): string {
  return isSaAisError(code) ? SaAisErrorT[code] : `SaAisErrorT(${code})`;
}

/** An SA Forum error: `code` is the SaAisErrorT a C caller would have received. */
export class AisError extends Error {
  readonly code: SaAisErrorT;
  constructor(code: SaAisErrorT, message?: string) {
    super(`${saAisErrorName(code)}: ${message ?? SA_AIS_ERROR_TEXT[code]}`);
    this.name = 'AisError';
    this.code = code;
  }
}

// One subclass per code, so that callers can `catch (e) { if (e instanceof AisTryAgainError) ... }`.
export class AisLibraryError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_LIBRARY, m); this.name = 'AisLibraryError'; } }
export class AisVersionError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_VERSION, m); this.name = 'AisVersionError'; } }
export class AisInitError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_INIT, m); this.name = 'AisInitError'; } }
export class AisTimeoutError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_TIMEOUT, m); this.name = 'AisTimeoutError'; } }
export class AisTryAgainError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_TRY_AGAIN, m); this.name = 'AisTryAgainError'; } }
export class AisInvalidParamError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_INVALID_PARAM, m); this.name = 'AisInvalidParamError'; } }
export class AisNoMemoryError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_NO_MEMORY, m); this.name = 'AisNoMemoryError'; } }
export class AisBadHandleError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_BAD_HANDLE, m); this.name = 'AisBadHandleError'; } }
export class AisBusyError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_BUSY, m); this.name = 'AisBusyError'; } }
export class AisAccessError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_ACCESS, m); this.name = 'AisAccessError'; } }
export class AisNotExistError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_NOT_EXIST, m); this.name = 'AisNotExistError'; } }
export class AisNameTooLongError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_NAME_TOO_LONG, m); this.name = 'AisNameTooLongError'; } }
export class AisExistError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_EXIST, m); this.name = 'AisExistError'; } }
export class AisNoSpaceError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_NO_SPACE, m); this.name = 'AisNoSpaceError'; } }
export class AisInterruptError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_INTERRUPT, m); this.name = 'AisInterruptError'; } }
export class AisNameNotFoundError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_NAME_NOT_FOUND, m); this.name = 'AisNameNotFoundError'; } }
export class AisNoResourcesError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_NO_RESOURCES, m); this.name = 'AisNoResourcesError'; } }
export class AisNotSupportedError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED, m); this.name = 'AisNotSupportedError'; } }
export class AisBadOperationError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_BAD_OPERATION, m); this.name = 'AisBadOperationError'; } }
export class AisFailedOperationError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION, m); this.name = 'AisFailedOperationError'; } }
export class AisMessageError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_MESSAGE_ERROR, m); this.name = 'AisMessageError'; } }
export class AisQueueFullError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_QUEUE_FULL, m); this.name = 'AisQueueFullError'; } }
export class AisQueueNotAvailableError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_QUEUE_NOT_AVAILABLE, m); this.name = 'AisQueueNotAvailableError'; } }
export class AisBadFlagsError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_BAD_FLAGS, m); this.name = 'AisBadFlagsError'; } }
export class AisTooBigError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_TOO_BIG, m); this.name = 'AisTooBigError'; } }
export class AisNoSectionsError extends AisError { constructor(m?: string) { super(SaAisErrorT.SA_AIS_ERR_NO_SECTIONS, m); this.name = 'AisNoSectionsError'; } }

type ErrorCode = Exclude<SaAisErrorT, SaAisErrorT.SA_AIS_OK>;

const ERROR_CLASSES: Readonly<Record<ErrorCode, new (m?: string) => AisError>> = {
  [SaAisErrorT.SA_AIS_ERR_LIBRARY]: AisLibraryError,
  [SaAisErrorT.SA_AIS_ERR_VERSION]: AisVersionError,
  [SaAisErrorT.SA_AIS_ERR_INIT]: AisInitError,
  [SaAisErrorT.SA_AIS_ERR_TIMEOUT]: AisTimeoutError,
  [SaAisErrorT.SA_AIS_ERR_TRY_AGAIN]: AisTryAgainError,
  [SaAisErrorT.SA_AIS_ERR_INVALID_PARAM]: AisInvalidParamError,
  [SaAisErrorT.SA_AIS_ERR_NO_MEMORY]: AisNoMemoryError,
  [SaAisErrorT.SA_AIS_ERR_BAD_HANDLE]: AisBadHandleError,
  [SaAisErrorT.SA_AIS_ERR_BUSY]: AisBusyError,
  [SaAisErrorT.SA_AIS_ERR_ACCESS]: AisAccessError,
  [SaAisErrorT.SA_AIS_ERR_NOT_EXIST]: AisNotExistError,
  [SaAisErrorT.SA_AIS_ERR_NAME_TOO_LONG]: AisNameTooLongError,
  [SaAisErrorT.SA_AIS_ERR_EXIST]: AisExistError,
  [SaAisErrorT.SA_AIS_ERR_NO_SPACE]: AisNoSpaceError,
  [SaAisErrorT.SA_AIS_ERR_INTERRUPT]: AisInterruptError,
  [SaAisErrorT.SA_AIS_ERR_NAME_NOT_FOUND]: AisNameNotFoundError,
  [SaAisErrorT.SA_AIS_ERR_NO_RESOURCES]: AisNoResourcesError,
  [SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED]: AisNotSupportedError,
  [SaAisErrorT.SA_AIS_ERR_BAD_OPERATION]: AisBadOperationError,
  [SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION]: AisFailedOperationError,
  [SaAisErrorT.SA_AIS_ERR_MESSAGE_ERROR]: AisMessageError,
  [SaAisErrorT.SA_AIS_ERR_QUEUE_FULL]: AisQueueFullError,
  [SaAisErrorT.SA_AIS_ERR_QUEUE_NOT_AVAILABLE]: AisQueueNotAvailableError,
  [SaAisErrorT.SA_AIS_ERR_BAD_FLAGS]: AisBadFlagsError,
  [SaAisErrorT.SA_AIS_ERR_TOO_BIG]: AisTooBigError,
  [SaAisErrorT.SA_AIS_ERR_NO_SECTIONS]: AisNoSectionsError,
};

/** The AisError subclass for a code; an unknown code from the wire becomes ERR_LIBRARY. */
export function aisError(code: number, message?: string): AisError {
  if (!isSaAisError(code) || code === SaAisErrorT.SA_AIS_OK) {
    return new AisLibraryError(`the executive answered with ${saAisErrorName(code)}${message ? `: ${message}` : ''}`);
  }
  return new ERROR_CLASSES[code](message);
}

/** A failed internal assertion: a bug in Ringfort, never a user error. */
export class BugIndicatingError extends Error {
  constructor(message: string) {
    super(`bug: ${message}`);
    this.name = 'BugIndicatingError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new BugIndicatingError(message);
}
