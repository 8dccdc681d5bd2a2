/* The AMF handle table: handles are (salt << 32) | slot; lookups take a reference. Internal. */
#ifndef RINGFORT_HANDLE_H
#define RINGFORT_HANDLE_H

#include <pthread.h>
#include "ipc.h"

struct amf_instance {
	SaAmfHandleT handle;
	struct rf_conn conn;
	SaAmfCallbacksT cb;
	pthread_mutex_t req_lock;  /* one request in flight per handle */
	pthread_mutex_t disp_lock; /* one dispatcher per handle */
	uint32_t next_seq;         /* under req_lock */
	int refs;                  /* under the table lock; the table holds one */
	int finalized;             /* atomic */
	int lost;                  /* atomic: the connection broke */
};

/* Adds an instance (refs 1, owned by the table) and sets its handle. */
SaAisErrorT rf_handle_add(struct amf_instance *in);
/* Looks up and takes a reference; NULL when unknown or finalized. */
struct amf_instance *rf_handle_get(SaAmfHandleT h);
void rf_handle_put(struct amf_instance *in);
/* Removes the handle from the table and marks it finalized; returns the instance with a reference held, or NULL. */
struct amf_instance *rf_handle_remove(SaAmfHandleT h);

/* The largest request body any library sends (AMF's); each library passes its own smaller bound to rf_call. */
#define RF_REQ_BODY_MAX 600u

/*
 * Sends one request (message id `id`) and waits for its response, one request
 * in flight per handle. On SA_AIS_OK or an error from the executive, *res (if
 * res is not NULL) holds the response body: in `small` when it fits, else
 * malloc'd (free it when *res != small). A broken or mismatched exchange
 * marks the connection lost (SA_AIS_ERR_LIBRARY), or is BAD_HANDLE once
 * finalized.
 */
struct rf_writer;
SaAisErrorT rf_call(struct amf_instance *in, uint32_t id, size_t body_max, const struct rf_writer *w,
	uint8_t *small, size_t small_cap, uint8_t **res, uint32_t *res_len);

/*
 * saXxxDispatch's loop for one handle (one dispatcher at a time): ONE runs at
 * most one callback, ALL the callbacks waiting when it starts, BLOCKING runs
 * them until finalize (then SA_AIS_OK) or a lost connection (LIBRARY).
 * `one` reads and runs one callback of the caller's library and reports the
 * bytes it consumed.
 */
SaAisErrorT rf_dispatch(struct amf_instance *in, SaDispatchFlagsT flags, SaAisErrorT (*one)(void *ctx, size_t *bytes), void *ctx);

static inline int rf_is_finalized(struct amf_instance *in)
{
	return __atomic_load_n(&in->finalized, __ATOMIC_ACQUIRE);
}

static inline int rf_is_lost(struct amf_instance *in)
{
	return __atomic_load_n(&in->lost, __ATOMIC_ACQUIRE);
}

static inline void rf_set_lost(struct amf_instance *in)
{
	__atomic_store_n(&in->lost, 1, __ATOMIC_RELEASE);
}

#endif
