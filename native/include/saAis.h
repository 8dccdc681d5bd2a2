/*
 * saAis.h: the common types of the SA Forum Application Interface
 * Specification, release B.01.01, as Ringfort's C libraries use them.
 *
 * Numeric values and layouts follow the specification (and openais'
 * header, so that programs written against it compile unchanged); the
 * wording is Ringfort's. BSD-3-Clause.
 */
#ifndef RINGFORT_SA_AIS_H
#define RINGFORT_SA_AIS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- scalar types ------------------------------------------------------ */

typedef int8_t   SaInt8T;
typedef int16_t  SaInt16T;
typedef int32_t  SaInt32T;
typedef int64_t  SaInt64T;
typedef uint8_t  SaUint8T;
typedef uint16_t SaUint16T;
typedef uint32_t SaUint32T;
typedef uint64_t SaUint64T;
typedef float    SaFloatT;
typedef double   SaDoubleT;
typedef char    *SaStringT;

/* Handles, invocations, selection objects and sizes are 64-bit. */
typedef SaUint64T SaSizeT;
typedef SaUint64T SaInvocationT;
typedef SaUint64T SaSelectionObjectT;
typedef SaUint64T SaNtfIdentifierT;

/* A handle value no library ever issues. */
#define SA_HANDLE_INVALID 0ULL

/* ---- time: nanoseconds ------------------------------------------------- */

typedef SaInt64T SaTimeT;

#define SA_TIME_END              0x7FFFFFFFFFFFFFFFLL
#define SA_TIME_BEGIN            0x0LL
#define SA_TIME_UNKNOWN          ((SaTimeT)0x8000000000000000ULL)
#define SA_TIME_ONE_MICROSECOND  1000LL
#define SA_TIME_ONE_MILLISECOND  1000000LL
#define SA_TIME_ONE_SECOND       1000000000LL
#define SA_TIME_ONE_MINUTE       60000000000LL
#define SA_TIME_ONE_HOUR         3600000000000LL
#define SA_TIME_ONE_DAY          86400000000000LL
#define SA_TIME_MAX              SA_TIME_END

/* ---- booleans ------------------------------------------------------------ */

typedef enum {
	SA_FALSE = 0,
	SA_TRUE = 1
} SaBoolT;

/* ---- names ----------------------------------------------------------------
 * An SaNameT holds `length` bytes of `value`. It is not NUL-terminated:
 * always use `length`. 258 bytes, 2-byte aligned.
 */
#define SA_MAX_NAME_LENGTH 256

typedef struct {
	SaUint16T length;
	SaUint8T value[SA_MAX_NAME_LENGTH];
} SaNameT;

/* ---- versions ----------------------------------------------------------- */

typedef struct {
	char releaseCode;            /* 'A', 'B', ... */
	unsigned char majorVersion;
	unsigned char minorVersion;
} SaVersionT;

/* ---- tracking and dispatch ---------------------------------------------- */

#define SA_TRACK_CURRENT      0x01
#define SA_TRACK_CHANGES      0x02
#define SA_TRACK_CHANGES_ONLY 0x04

typedef enum {
	SA_DISPATCH_ONE = 1,      /* run at most one pending callback */
	SA_DISPATCH_ALL = 2,      /* run the callbacks pending now */
	SA_DISPATCH_BLOCKING = 3  /* run callbacks as they come, until finalize */
} SaDispatchFlagsT;

/* ---- errors -------------------------------------------------------------- */

typedef enum {
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
	SA_AIS_ERR_NO_SECTIONS = 27
} SaAisErrorT;

/*
 * Compatibility with programs written before the SA_AIS_ prefix (openais
 * before January 2006 called the type SaErrorT and the values SA_OK,
 * SA_ERR_*). Same numbers. Define RINGFORT_NO_COMPAT to leave them out.
 */
#ifndef RINGFORT_NO_COMPAT
typedef SaAisErrorT SaErrorT;
#define SA_OK                       SA_AIS_OK
#define SA_ERR_LIBRARY              SA_AIS_ERR_LIBRARY
#define SA_ERR_VERSION              SA_AIS_ERR_VERSION
#define SA_ERR_INIT                 SA_AIS_ERR_INIT
#define SA_ERR_TIMEOUT              SA_AIS_ERR_TIMEOUT
#define SA_ERR_TRY_AGAIN            SA_AIS_ERR_TRY_AGAIN
#define SA_ERR_INVALID_PARAM        SA_AIS_ERR_INVALID_PARAM
#define SA_ERR_NO_MEMORY            SA_AIS_ERR_NO_MEMORY
#define SA_ERR_BAD_HANDLE           SA_AIS_ERR_BAD_HANDLE
#define SA_ERR_BUSY                 SA_AIS_ERR_BUSY
#define SA_ERR_ACCESS               SA_AIS_ERR_ACCESS
#define SA_ERR_NOT_EXIST            SA_AIS_ERR_NOT_EXIST
#define SA_ERR_NAME_TOO_LONG        SA_AIS_ERR_NAME_TOO_LONG
#define SA_ERR_EXIST                SA_AIS_ERR_EXIST
#define SA_ERR_NO_SPACE             SA_AIS_ERR_NO_SPACE
#define SA_ERR_INTERRUPT            SA_AIS_ERR_INTERRUPT
#define SA_ERR_NAME_NOT_FOUND       SA_AIS_ERR_NAME_NOT_FOUND
#define SA_ERR_NO_RESOURCES         SA_AIS_ERR_NO_RESOURCES
#define SA_ERR_NOT_SUPPORTED        SA_AIS_ERR_NOT_SUPPORTED
#define SA_ERR_BAD_OPERATION        SA_AIS_ERR_BAD_OPERATION
#define SA_ERR_FAILED_OPERATION     SA_AIS_ERR_FAILED_OPERATION
#define SA_ERR_MESSAGE_ERROR        SA_AIS_ERR_MESSAGE_ERROR
#define SA_ERR_QUEUE_FULL           SA_AIS_ERR_QUEUE_FULL
#define SA_ERR_QUEUE_NOT_AVAILABLE  SA_AIS_ERR_QUEUE_NOT_AVAILABLE
#define SA_ERR_BAD_FLAGS            SA_AIS_ERR_BAD_FLAGS
#define SA_ERR_TOO_BIG              SA_AIS_ERR_TOO_BIG
#define SA_ERR_NO_SECTIONS          SA_AIS_ERR_NO_SECTIONS
#endif

#ifdef __cplusplus
}
#endif

#endif /* RINGFORT_SA_AIS_H */
