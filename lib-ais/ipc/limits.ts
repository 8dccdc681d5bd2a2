// IPC limits, in one place (docs/ipc-protocol.md, "Limits"). Both ends enforce them.

/** Bytes of the fixed frame header. */
export const IPC_HEADER_BYTES = 16;
/** Largest frame, header included, either direction. CSI attribute lists are the biggest AMF payload. */
export const IPC_FRAME_BYTES_MAX = 1024 * 1024;
/** Bytes the executive may hold unsent for one connection before it disconnects a client that does not read. */
export const IPC_QUEUED_BYTES_MAX = 4 * 1024 * 1024;
/** Concurrent connections (each handle uses two). */
export const IPC_CONNECTIONS_MAX = 1024;
/** A connection that has not completed its init exchange within this time is closed. */
export const IPC_INIT_TIMEOUT_MS = 5000;
/** A dispatch channel must be bound within this time after its request channel's init. */
export const IPC_DISPATCH_BIND_TIMEOUT_MS = 5000;
/** Protocol version spoken in the init exchange. */
export const IPC_PROTOCOL_VERSION = 1;
/** SaNameT on the wire: u16 length + 256 bytes (no padding). */
export const SA_MAX_NAME_LENGTH = 256;
export const SANAME_BYTES = 2 + SA_MAX_NAME_LENGTH;
