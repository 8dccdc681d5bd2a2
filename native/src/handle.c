/* The handle table (see handle.h). One mutex guards the slots and the reference counts. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "codec.h"
#include "handle.h"

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct amf_instance **slots;
static uint32_t nslots;

static uint32_t salt(void)
{
	uint32_t s = 0;
	if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16;
	}
	s &= 0x7fffffffu;
	return s ? s : 1;
}

SaAisErrorT rf_handle_add(struct amf_instance *in)
{
	pthread_mutex_lock(&table_lock);
	uint32_t i;
	for (i = 0; i < nslots && slots[i]; i++)
		;
	if (i == nslots) {
		uint32_t n = nslots ? nslots * 2 : 16;
		struct amf_instance **s = realloc(slots, n * sizeof *s);
		if (!s) {
			pthread_mutex_unlock(&table_lock);
			return SA_AIS_ERR_NO_MEMORY;
		}
		memset(s + nslots, 0, (n - nslots) * sizeof *s);
		slots = s;
		nslots = n;
	}
	in->refs = 1;
	in->handle = (SaAmfHandleT)salt() << 32 | i;
	slots[i] = in;
	pthread_mutex_unlock(&table_lock);
	return SA_AIS_OK;
}

static struct amf_instance *find(SaAmfHandleT h)
{
	uint32_t i = (uint32_t)h;
	if (h == SA_HANDLE_INVALID || i >= nslots || !slots[i] || slots[i]->handle != h)
		return NULL;
	return slots[i];
}

struct amf_instance *rf_handle_get(SaAmfHandleT h)
{
	pthread_mutex_lock(&table_lock);
	struct amf_instance *in = find(h);
	if (in)
		in->refs++;
	pthread_mutex_unlock(&table_lock);
	return in;
}

static void destroy(struct amf_instance *in)
{
	rf_conn_close(&in->conn);
	pthread_mutex_destroy(&in->req_lock);
	pthread_mutex_destroy(&in->disp_lock);
	free(in);
}

void rf_handle_put(struct amf_instance *in)
{
	pthread_mutex_lock(&table_lock);
	int last = --in->refs == 0;
	pthread_mutex_unlock(&table_lock);
	if (last)
		destroy(in);
}

struct amf_instance *rf_handle_remove(SaAmfHandleT h)
{
	pthread_mutex_lock(&table_lock);
	struct amf_instance *in = find(h);
	if (in) {
		slots[(uint32_t)h] = NULL;
		__atomic_store_n(&in->finalized, 1, __ATOMIC_RELEASE);
		/* The table's reference becomes the caller's. */
	}
	pthread_mutex_unlock(&table_lock);
	return in;
}

/* Releases the table when the library is unloaded (keeps valgrind's leak report clean). */
__attribute__((destructor)) static void table_free(void)
{
	pthread_mutex_lock(&table_lock);
	int empty = 1;
	for (uint32_t i = 0; i < nslots; i++)
		if (slots[i])
			empty = 0;
	if (empty) {
		free(slots);
		slots = NULL;
		nslots = 0;
	}
	pthread_mutex_unlock(&table_lock);
}

SaAisErrorT rf_call(struct amf_instance *in, uint32_t id, size_t body_max, const struct rf_writer *w,
	uint8_t *small, size_t small_cap, uint8_t **res, uint32_t *res_len)
{
	uint8_t frame[RF_HEADER_BYTES + RF_REQ_BODY_MAX];
	uint8_t scratch[64];
	uint8_t *body = NULL;
	struct rf_header h;
	SaAisErrorT err;

	if (w->overflow || w->off > body_max || w->off > RF_REQ_BODY_MAX)
		return SA_AIS_ERR_INVALID_PARAM;
	if (rf_is_lost(in))
		return SA_AIS_ERR_LIBRARY;
	pthread_mutex_lock(&in->req_lock);
	if (rf_is_finalized(in)) {
		err = SA_AIS_ERR_BAD_HANDLE;
		goto out;
	}
	if (rf_is_lost(in)) {
		err = SA_AIS_ERR_LIBRARY;
		goto out;
	}
	uint32_t seq = in->next_seq++;
	if (in->next_seq == 0)
		in->next_seq = 1;
	rf_header_encode(frame, (uint32_t)(RF_HEADER_BYTES + w->off), id, 0, seq);
	memcpy(frame + RF_HEADER_BYTES, w->buf, w->off);
	if (rf_send_all(in->conn.req_fd, frame, RF_HEADER_BYTES + w->off) < 0)
		goto broken;
	if (!small) {
		small = scratch;
		small_cap = sizeof scratch;
	}
	if (rf_recv_response(in->conn.req_fd, in->conn.frame_max, &h, small, small_cap, &body) < 0)
		goto broken;
	if (h.id != id || h.seq != seq || (long long)h.error < SA_AIS_OK || (long long)h.error > SA_AIS_ERR_NO_SECTIONS) {
		if (body != small)
			free(body);
		goto broken;
	}
	err = (SaAisErrorT)h.error;
	if (res) {
		*res = body;
		*res_len = h.size - RF_HEADER_BYTES;
	} else if (body != small) {
		free(body);
	}
	goto out;
broken:
	err = rf_is_finalized(in) ? SA_AIS_ERR_BAD_HANDLE : SA_AIS_ERR_LIBRARY;
	if (err == SA_AIS_ERR_LIBRARY)
		rf_set_lost(in);
out:
	pthread_mutex_unlock(&in->req_lock);
	return err;
}

/* 1 when a callback (or the end of the stream) waits; 0 when not; -1 on error. */
static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (;;) {
		int n = poll(&p, 1, timeout_ms);
		if (n >= 0)
			return n > 0;
		if (errno != EINTR)
			return -1;
	}
}

SaAisErrorT rf_dispatch(struct amf_instance *in, SaDispatchFlagsT dispatchFlags, SaAisErrorT (*one)(void *ctx, size_t *bytes), void *ctx)
{
	pthread_mutex_lock(&in->disp_lock);
	SaAisErrorT err = SA_AIS_OK;
	size_t budget = 0, done = 0, bytes = 0;
	int first = 1;
	for (;;) {
		if (rf_is_finalized(in))
			break; /* finalized meanwhile: a blocking dispatch returns OK */
		int ready = wait_readable(in->conn.disp_fd, dispatchFlags == SA_DISPATCH_BLOCKING ? -1 : 0);
		if (ready < 0) {
			err = rf_is_finalized(in) ? SA_AIS_OK : SA_AIS_ERR_LIBRARY;
			break;
		}
		if (ready == 0)
			break;
		if (first && dispatchFlags == SA_DISPATCH_ALL) {
			/* Only what is waiting now: a callback that causes more must not keep the caller here. */
			int avail = 0;
			if (ioctl(in->conn.disp_fd, FIONREAD, &avail) == 0 && avail > 0)
				budget = (size_t)avail;
		}
		first = 0;
		err = one(ctx, &bytes);
		if (err != SA_AIS_OK || dispatchFlags == SA_DISPATCH_ONE)
			break;
		done += bytes;
		if (dispatchFlags == SA_DISPATCH_ALL && done >= budget)
			break;
	}
	pthread_mutex_unlock(&in->disp_lock);
	return err;
}
