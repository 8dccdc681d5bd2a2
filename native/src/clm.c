/*
 * libSaClm: the CLM B.01.01 API over the Ringfort IPC protocol
 * (docs/ipc-protocol.md, "CLM"). Behaviour matches lib-ais/clm.ts: checks in
 * the order parameters, flags, handle, callbacks, then the executive's
 * answer; a broken connection makes every later call SA_AIS_ERR_LIBRARY.
 *
 * The handle table, codec and sockets are libSaAmf's (handle.c, codec.c,
 * ipc.c): a CLM instance is an `amf_instance` (the table's unit: connection,
 * locks, reference count) followed by the CLM callbacks; the table frees it
 * through its first member. Its AMF callback slot stays zero. See docs/clm.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "handle.h"
#include "saClm.h"

#define EXPORT __attribute__((visibility("default")))

#define RF_SERVICE_CLM 1u
enum {
	RF_CLM_TRACK = 0, RF_CLM_TRACK_STOP = 1, RF_CLM_NODE_GET = 2, RF_CLM_NODE_GET_ASYNC = 3,
	RF_CLM_CB_TRACK = 0x8000, RF_CLM_CB_NODE_GET = 0x8001
};
#define RF_CLM_NODE_BYTES 352u
#define RF_CLM_ITEM_BYTES (RF_CLM_NODE_BYTES + 4u)
#define RF_CLM_ITEMS_MAX 2048u
#define RF_CLM_CAPACITY_ANY 0xffffffffu

struct clm_instance {
	struct amf_instance base; /* first: the handle table frees the instance through it */
	SaClmCallbacksT cb;
};

static struct clm_instance *get(SaClmHandleT h)
{
	return (struct clm_instance *)rf_handle_get(h);
}

static void put(struct clm_instance *in)
{
	rf_handle_put(&in->base);
}

#define BAD_ERROR(e) ((long long)(e) < SA_AIS_OK || (long long)(e) > SA_AIS_ERR_NO_SECTIONS)

/* ---- wire ------------------------------------------------------------------ */

static void r_bytes(struct rf_reader *r, uint8_t *out, size_t n)
{
	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p + r->off, n);
	r->off += n;
}

/* A node record (docs/ipc-protocol.md, "CLM"); sets r->bad on anything invalid. */
static void r_node(struct rf_reader *r, SaClmClusterNodeT *n)
{
	memset(n, 0, sizeof *n);
	n->nodeId = rf_r_u32(r);
	uint32_t family = rf_r_u32(r);
	uint16_t len = rf_r_u16(r);
	r_bytes(r, n->nodeAddress.value, SA_CLM_MAX_ADDRESS_LENGTH);
	rf_r_name(r, &n->nodeName);
	uint32_t member = rf_r_u32(r);
	n->bootTimestamp = (SaTimeT)rf_r_u64(r);
	n->initialViewNumber = rf_r_u64(r);
	if ((family != SA_CLM_AF_INET && family != SA_CLM_AF_INET6) || len > SA_CLM_MAX_ADDRESS_LENGTH || member > 1)
		r->bad = 1;
	n->nodeAddress.family = (SaClmNodeAddressFamilyT)family;
	n->nodeAddress.length = len;
	n->member = member ? SA_TRUE : SA_FALSE;
}

/* n items into `items` (room for n): each a node record and its change. */
static void r_items(struct rf_reader *r, SaClmClusterNotificationT *items, uint32_t n)
{
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		r_node(r, &items[i].clusterNode);
		uint32_t change = rf_r_u32(r);
		if (change < SA_CLM_NODE_NO_CHANGE || change > SA_CLM_NODE_RECONFIGURED)
			r->bad = 1;
		items[i].clusterChange = (SaClmClusterChangesT)change;
	}
}

/* The item count of a body whose tail is `u32 n` then n items; -1 when it disagrees with the length. */
static long long item_count(struct rf_reader *r)
{
	uint32_t n = rf_r_u32(r);
	if (r->bad || n > RF_CLM_ITEMS_MAX || (uint64_t)n * RF_CLM_ITEM_BYTES != r->len - r->off)
		return -1;
	return n;
}

/* ---- requests -------------------------------------------------------------- */

#define REQ_BODY_MAX 16u

/* One request of this library: rf_call (handle.c) with its service id and body bound. */
static SaAisErrorT call(struct clm_instance *ci, uint32_t fn, const struct rf_writer *w,
	uint8_t *small, size_t small_cap, uint8_t **res, uint32_t *res_len)
{
	return rf_call(&ci->base, RF_MSG(RF_SERVICE_CLM, fn), REQ_BODY_MAX, w, small, small_cap, res, res_len);
}

/* ---- life cycle ------------------------------------------------------------ */

EXPORT SaAisErrorT saClmInitialize(SaClmHandleT *clmHandle, const SaClmCallbacksT *clmCallbacks, SaVersionT *version)
{
	if (!clmHandle || !version)
		return SA_AIS_ERR_INVALID_PARAM;
	int accepted = version->releaseCode == 'B' && version->majorVersion <= 1;
	version->releaseCode = 'B';
	version->majorVersion = 1;
	version->minorVersion = 1;
	if (!accepted)
		return SA_AIS_ERR_VERSION;

	struct clm_instance *ci = calloc(1, sizeof *ci);
	if (!ci)
		return SA_AIS_ERR_NO_MEMORY;
	struct amf_instance *in = &ci->base;
	if (clmCallbacks)
		ci->cb = *clmCallbacks;
	in->next_seq = 1;
	pthread_mutex_init(&in->req_lock, NULL);
	pthread_mutex_init(&in->disp_lock, NULL);
	SaAisErrorT err = rf_conn_open(RF_SERVICE_CLM, &in->conn);
	if (err == SA_AIS_OK)
		err = rf_handle_add(in);
	if (err != SA_AIS_OK) {
		rf_conn_close(&in->conn);
		pthread_mutex_destroy(&in->req_lock);
		pthread_mutex_destroy(&in->disp_lock);
		free(ci);
		return err;
	}
	*clmHandle = in->handle;
	return SA_AIS_OK;
}

EXPORT SaAisErrorT saClmSelectionObjectGet(SaClmHandleT clmHandle, SaSelectionObjectT *selectionObject)
{
	if (!selectionObject)
		return SA_AIS_ERR_INVALID_PARAM;
	struct clm_instance *ci = get(clmHandle);
	if (!ci)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = SA_AIS_ERR_LIBRARY;
	if (!rf_is_lost(&ci->base)) {
		*selectionObject = (SaSelectionObjectT)ci->base.conn.disp_fd;
		err = SA_AIS_OK;
	}
	put(ci);
	return err;
}

EXPORT SaAisErrorT saClmFinalize(SaClmHandleT clmHandle)
{
	struct amf_instance *in = rf_handle_remove(clmHandle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	/* Wakes a blocked dispatcher or request in another thread; the descriptors close with the last reference. */
	shutdown(in->conn.req_fd, SHUT_RDWR);
	shutdown(in->conn.disp_fd, SHUT_RDWR);
	rf_handle_put(in);
	return SA_AIS_OK;
}

/* ---- callbacks ------------------------------------------------------------- */

static SaAisErrorT cb_track(struct clm_instance *ci, struct rf_reader *r)
{
	SaClmClusterNotificationBufferT buf = { .viewNumber = rf_r_u64(r), .numberOfItems = 0, .notification = NULL };
	uint32_t members = rf_r_u32(r);
	uint32_t error = rf_r_u32(r);
	long long n = item_count(r);
	if (n < 0 || BAD_ERROR(error))
		return SA_AIS_ERR_LIBRARY;
	if (n > 0 && !(buf.notification = calloc((size_t)n, sizeof *buf.notification)))
		return SA_AIS_ERR_NO_MEMORY;
	buf.numberOfItems = (SaUint32T)n;
	r_items(r, buf.notification, (uint32_t)n);
	SaAisErrorT err = SA_AIS_ERR_LIBRARY;
	if (rf_r_end(r) == 0) {
		if (ci->cb.saClmClusterTrackCallback)
			ci->cb.saClmClusterTrackCallback(&buf, members, (SaAisErrorT)error);
		err = SA_AIS_OK;
	}
	free(buf.notification);
	return err;
}

static SaAisErrorT cb_node_get(struct clm_instance *ci, struct rf_reader *r)
{
	SaClmClusterNodeT node;
	SaInvocationT inv = rf_r_u64(r);
	uint32_t error = rf_r_u32(r);
	if (error == SA_AIS_OK) {
		r_node(r, &node);
	} else {
		uint8_t skip[RF_CLM_NODE_BYTES];
		r_bytes(r, skip, sizeof skip);
	}
	if (rf_r_end(r) < 0 || BAD_ERROR(error))
		return SA_AIS_ERR_LIBRARY;
	if (ci->cb.saClmClusterNodeGetCallback)
		ci->cb.saClmClusterNodeGetCallback(inv, error == SA_AIS_OK ? &node : NULL, (SaAisErrorT)error);
	return SA_AIS_OK;
}

/* Reads and runs one callback. *bytes gets the frame's size. */
static SaAisErrorT dispatch_one(struct clm_instance *ci, size_t *bytes)
{
	struct amf_instance *in = &ci->base;
	uint8_t small[1024];
	uint8_t *body;
	struct rf_header h;
	int rc = rf_recv_frame(in->conn.disp_fd, in->conn.frame_max, &h, small, sizeof small, &body);
	if (rc < 0) {
		if (rf_is_finalized(in))
			return SA_AIS_OK;
		rf_set_lost(in);
		return SA_AIS_ERR_LIBRARY;
	}
	*bytes = h.size;
	struct rf_reader r;
	rf_r_init(&r, body, h.size - RF_HEADER_BYTES);
	SaAisErrorT err = SA_AIS_ERR_LIBRARY;
	if (h.error == SA_AIS_OK) {
		if (h.id == RF_MSG(RF_SERVICE_CLM, RF_CLM_CB_TRACK))
			err = cb_track(ci, &r);
		else if (h.id == RF_MSG(RF_SERVICE_CLM, RF_CLM_CB_NODE_GET))
			err = cb_node_get(ci, &r);
	}
	if (body != small)
		free(body);
	return err;
}

static SaAisErrorT dispatch_one_cb(void *ctx, size_t *bytes)
{
	return dispatch_one(ctx, bytes);
}

EXPORT SaAisErrorT saClmDispatch(SaClmHandleT clmHandle, SaDispatchFlagsT dispatchFlags)
{
	if (dispatchFlags != SA_DISPATCH_ONE && dispatchFlags != SA_DISPATCH_ALL && dispatchFlags != SA_DISPATCH_BLOCKING)
		return SA_AIS_ERR_INVALID_PARAM;
	struct clm_instance *ci = get(clmHandle);
	if (!ci)
		return SA_AIS_ERR_BAD_HANDLE;
	struct amf_instance *in = &ci->base;
	SaAisErrorT err = rf_dispatch(in, dispatchFlags, dispatch_one_cb, ci);
	put(ci);
	return err;
}

/* ---- membership ------------------------------------------------------------ */

static int bad_track_flags(SaUint8T f)
{
	const unsigned all = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
	return f == 0 || (f & ~all) != 0 || ((f & SA_TRACK_CHANGES) && (f & SA_TRACK_CHANGES_ONLY));
}

/* Fills the caller's buffer from a ResLibClmClusterTrack body (the SA_AIS_OK case). */
static SaAisErrorT track_current(const uint8_t *body, uint32_t len, SaClmClusterNotificationBufferT *buf)
{
	struct rf_reader r;
	rf_r_init(&r, body, len);
	SaUint64T view = rf_r_u64(&r);
	rf_r_u32(&r); /* numberOfMembers: the items are the members */
	long long n = item_count(&r);
	if (n < 0)
		return SA_AIS_ERR_LIBRARY;
	SaClmClusterNotificationT *items = buf->notification;
	int allocated = 0;
	if (!items) {
		if (n > 0 && !(items = calloc((size_t)n, sizeof *items)))
			return SA_AIS_ERR_NO_MEMORY;
		allocated = 1;
	} else if (buf->numberOfItems < (uint64_t)n) {
		return SA_AIS_ERR_LIBRARY; /* the executive was told the capacity */
	}
	if (n > 0) {
		/* Decode into scratch first so that a malformed body leaves the caller's array untouched. */
		SaClmClusterNotificationT *tmp = allocated ? items : calloc((size_t)n, sizeof *tmp);
		if (!tmp)
			return SA_AIS_ERR_NO_MEMORY;
		r_items(&r, tmp, (uint32_t)n);
		if (rf_r_end(&r) < 0) {
			free(tmp);
			return SA_AIS_ERR_LIBRARY;
		}
		if (!allocated) {
			memcpy(items, tmp, (size_t)n * sizeof *items);
			free(tmp);
		}
	} else if (rf_r_end(&r) < 0) {
		return SA_AIS_ERR_LIBRARY;
	}
	buf->notification = items;
	buf->numberOfItems = (SaUint32T)n;
	buf->viewNumber = view;
	return SA_AIS_OK;
}

EXPORT SaAisErrorT saClmClusterTrack(SaClmHandleT clmHandle, SaUint8T trackFlags,
	SaClmClusterNotificationBufferT *notificationBuffer)
{
	if (bad_track_flags(trackFlags))
		return SA_AIS_ERR_BAD_FLAGS;
	int current = (trackFlags & SA_TRACK_CURRENT) != 0;
	int in_callback = current && !notificationBuffer;
	uint32_t capacity = RF_CLM_CAPACITY_ANY;
	if (current && notificationBuffer && notificationBuffer->notification)
		capacity = notificationBuffer->numberOfItems < RF_CLM_CAPACITY_ANY ? notificationBuffer->numberOfItems : RF_CLM_CAPACITY_ANY - 1;
	struct clm_instance *ci = get(clmHandle);
	if (!ci)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = SA_AIS_ERR_INIT;
	if (!(in_callback || (trackFlags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY))) || ci->cb.saClmClusterTrackCallback) {
		uint8_t b[12], small[1024], *res = NULL;
		uint32_t len = 0;
		struct rf_writer w;
		rf_w_init(&w, b, sizeof b);
		rf_w_u32(&w, trackFlags);
		rf_w_u32(&w, (uint32_t)in_callback);
		rf_w_u32(&w, capacity);
		err = call(ci, RF_CLM_TRACK, &w, small, sizeof small, &res, &len);
		if (err == SA_AIS_ERR_NO_SPACE && notificationBuffer) {
			/* The body says how many items were needed; nothing else happened. */
			if (len >= 12)
				notificationBuffer->numberOfItems = rf_le32(res + 8);
		} else if (err == SA_AIS_OK && current && notificationBuffer) {
			err = track_current(res, len, notificationBuffer);
		}
		if (res && res != small)
			free(res);
	}
	put(ci);
	return err;
}

EXPORT SaAisErrorT saClmClusterTrackStop(SaClmHandleT clmHandle)
{
	struct clm_instance *ci = get(clmHandle);
	if (!ci)
		return SA_AIS_ERR_BAD_HANDLE;
	uint8_t b[1];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	SaAisErrorT err = call(ci, RF_CLM_TRACK_STOP, &w, NULL, 0, NULL, NULL);
	put(ci);
	return err;
}

EXPORT SaAisErrorT saClmClusterNodeGet(SaClmHandleT clmHandle, SaClmNodeIdT nodeId, SaTimeT timeout,
	SaClmClusterNodeT *clusterNode)
{
	if (!clusterNode || timeout < 0)
		return SA_AIS_ERR_INVALID_PARAM;
	struct clm_instance *ci = get(clmHandle);
	if (!ci)
		return SA_AIS_ERR_BAD_HANDLE;
	uint8_t b[12], small[RF_CLM_NODE_BYTES], *res = NULL;
	uint32_t len = 0;
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_u32(&w, nodeId);
	rf_w_u64(&w, (uint64_t)timeout);
	/* The executive answers at once, or once the record arrives, or at the timeout. */
	SaAisErrorT err = call(ci, RF_CLM_NODE_GET, &w, small, sizeof small, &res, &len);
	if (err == SA_AIS_OK) {
		struct rf_reader r;
		SaClmClusterNodeT node;
		rf_r_init(&r, res, len);
		r_node(&r, &node);
		if (rf_r_end(&r) < 0)
			err = SA_AIS_ERR_LIBRARY;
		else
			*clusterNode = node;
	}
	if (res && res != small)
		free(res);
	put(ci);
	return err;
}

EXPORT SaAisErrorT saClmClusterNodeGetAsync(SaClmHandleT clmHandle, SaInvocationT invocation, SaClmNodeIdT nodeId)
{
	struct clm_instance *ci = get(clmHandle);
	if (!ci)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = SA_AIS_ERR_INIT;
	if (ci->cb.saClmClusterNodeGetCallback) {
		uint8_t b[12];
		struct rf_writer w;
		rf_w_init(&w, b, sizeof b);
		rf_w_u64(&w, invocation);
		rf_w_u32(&w, nodeId);
		err = call(ci, RF_CLM_NODE_GET_ASYNC, &w, NULL, 0, NULL, NULL);
	}
	put(ci);
	return err;
}
