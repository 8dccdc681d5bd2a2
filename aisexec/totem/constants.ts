// Limits of the Totem protocol core, one place, units last in names.
// Values follow corosync's exec/totemsrp.c where it has one (named beside it).

/** corosync RETRANSMIT_ENTRIES_MAX: entries in the token's retransmit request list. */
export const RTR_ENTRIES_MAX = 30;
/** corosync QUEUE_RTR_ITEMS_SIZE_MAX: messages a node may hold for ordering and retransmission. */
export const RECV_BUFFER_ITEMS_MAX = 16384;
/** Messages an application may queue before `app_mcast` is refused (the TRY_AGAIN choke point). */
export const NEW_MESSAGE_QUEUE_ITEMS_MAX = 4096;
/** corosync SEQNO_START_MSG: the seq before the first message of a ring. */
export const SEQNO_START_MSG = 0;
/** corosync SEQNO_START_TOKEN: the token_seq of a ring's first token. */
export const SEQNO_START_TOKEN = 0;
/** Largest sequence number the core accepts (u32 on the wire; serial-number wrap is not implemented: see SEQNO_RENEW_AT). */
export const SEQNO_MAX = 0xffff_ffff;
/**
 * A ring whose message seq or token_seq reaches this is replaced by a new ring of the same members (core
 * departure 9), which starts both at 0 again. 2^28 below SEQNO_MAX: room for every message already queued.
 */
export const SEQNO_RENEW_AT = 0xf000_0000;
/** Largest member count a ring may have (issue 5 asks for N up to 32 in simulation; corosync's PROCESSOR_COUNT_MAX is 384). */
export const MEMBERS_MAX = 384;

// Relations between the limits, checked once at load.
if (!(RECV_BUFFER_ITEMS_MAX > NEW_MESSAGE_QUEUE_ITEMS_MAX)) throw new Error('constants: receive buffer must exceed the new-message queue');
if (!(RTR_ENTRIES_MAX > 0 && MEMBERS_MAX > 0)) throw new Error('constants: limits must be positive');
if (!(SEQNO_MAX - SEQNO_RENEW_AT > RECV_BUFFER_ITEMS_MAX + NEW_MESSAGE_QUEUE_ITEMS_MAX)) throw new Error('constants: no room between renewal and wrap');
