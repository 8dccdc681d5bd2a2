/*
 * libSaAmf: the AMF B.01.01 API over the Ringfort IPC protocol
 * (docs/ipc-protocol.md, "AMF"). Behaviour matches lib-ais/amf.ts: checks in
 * the order parameters, handle, callbacks, then the executive's answer; a
 * broken connection makes every later call SA_AIS_ERR_LIBRARY. See
 * docs/c-api.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "handle.h"

#define EXPORT __attribute__((visibility("default")))

/* ---- checks ---------------------------------------------------------------- */

static int bad_name(const SaNameT *n)
{
	return !n || n->length == 0 || n->length > SA_MAX_NAME_LENGTH;
}

static int bad_key(const SaAmfHealthcheckKeyT *k)
{
	return !k || k->keyLen == 0 || k->keyLen > SA_AMF_HEALTHCHECK_KEY_MAX;
}

static int bad_range(long long v, long long lo, long long hi)
{
	return v < lo || v > hi;
}

#define BAD_RECOVERY(r) bad_range((long long)(r), SA_AMF_NO_RECOMMENDATION, SA_AMF_APPLICATION_RESTART)
#define BAD_ERROR(e) bad_range((long long)(e), SA_AIS_OK, SA_AIS_ERR_NO_SECTIONS)

static int bad_pm_errors(SaAmfPmErrorsT e)
{
	const SaAmfPmErrorsT all = SA_AMF_PM_ZERO_EXIT | SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END;
	return e == 0 || (e & ~all) != 0;
}

/* ---- requests -------------------------------------------------------------- */

#define REQ_BODY_MAX 600u

/* One request of this library: rf_call (handle.c) with its service id and body bound. */
static SaAisErrorT call(struct amf_instance *in, uint32_t fn, const struct rf_writer *w,
	uint8_t *small, size_t small_cap, uint8_t **res, uint32_t *res_len)
{
	return rf_call(in, RF_MSG(RF_SERVICE_AMF, fn), REQ_BODY_MAX, w, small, small_cap, res, res_len);
}

/* A request whose response has no body: the executive's code is the answer. */
static SaAisErrorT simple(SaAmfHandleT handle, uint32_t fn, const struct rf_writer *w)
{
	struct amf_instance *in = rf_handle_get(handle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = call(in, fn, w, NULL, 0, NULL, NULL);
	rf_handle_put(in);
	return err;
}

/* ---- life cycle ------------------------------------------------------------ */

EXPORT SaAisErrorT saAmfInitialize(SaAmfHandleT *amfHandle, const SaAmfCallbacksT *amfCallbacks, SaVersionT *version)
{
	if (!amfHandle || !version)
		return SA_AIS_ERR_INVALID_PARAM;
	int accepted = version->releaseCode == 'B' && version->majorVersion <= 1;
	version->releaseCode = 'B';
	version->majorVersion = 1;
	version->minorVersion = 1;
	if (!accepted)
		return SA_AIS_ERR_VERSION;

	struct amf_instance *in = calloc(1, sizeof *in);
	if (!in)
		return SA_AIS_ERR_NO_MEMORY;
	if (amfCallbacks)
		in->cb = *amfCallbacks;
	in->next_seq = 1;
	pthread_mutex_init(&in->req_lock, NULL);
	pthread_mutex_init(&in->disp_lock, NULL);
	SaAisErrorT err = rf_conn_open(RF_SERVICE_AMF, &in->conn);
	if (err == SA_AIS_OK)
		err = rf_handle_add(in);
	if (err != SA_AIS_OK) {
		rf_conn_close(&in->conn);
		pthread_mutex_destroy(&in->req_lock);
		pthread_mutex_destroy(&in->disp_lock);
		free(in);
		return err;
	}
	*amfHandle = in->handle;
	return SA_AIS_OK;
}

EXPORT SaAisErrorT saAmfSelectionObjectGet(SaAmfHandleT amfHandle, SaSelectionObjectT *selectionObject)
{
	if (!selectionObject)
		return SA_AIS_ERR_INVALID_PARAM;
	struct amf_instance *in = rf_handle_get(amfHandle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = SA_AIS_ERR_LIBRARY;
	if (!rf_is_lost(in)) {
		*selectionObject = (SaSelectionObjectT)in->conn.disp_fd;
		err = SA_AIS_OK;
	}
	rf_handle_put(in);
	return err;
}

EXPORT SaAisErrorT saAmfFinalize(SaAmfHandleT amfHandle)
{
	struct amf_instance *in = rf_handle_remove(amfHandle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	/* Wakes a blocked dispatcher or request in another thread; the descriptors close with the last reference. */
	shutdown(in->conn.req_fd, SHUT_RDWR);
	shutdown(in->conn.disp_fd, SHUT_RDWR);
	rf_handle_put(in);
	return SA_AIS_OK;
}

/* ---- callbacks ------------------------------------------------------------- */

static int bad_ha(uint32_t v)
{
	return bad_range(v, SA_AMF_HA_ACTIVE, SA_AMF_HA_QUIESCING);
}

static SaAisErrorT cb_csi_set(struct amf_instance *in, struct rf_reader *r)
{
	SaNameT comp, active;
	SaAmfCSIDescriptorT d;
	memset(&d, 0, sizeof d);
	SaInvocationT inv = rf_r_u64(r);
	rf_r_name(r, &comp);
	uint32_t ha = rf_r_u32(r);
	d.csiFlags = rf_r_u32(r);
	rf_r_name(r, &d.csiName);
	uint32_t transition = rf_r_u32(r);
	rf_r_name(r, &active);
	uint32_t rank = rf_r_u32(r);
	uint32_t n = rf_r_u32(r);
	if (r->bad || bad_ha(ha) || (transition != 0 && bad_range(transition, SA_AMF_CSI_NEW_ASSIGN, SA_AMF_CSI_STILL_ACTIVE)) ||
		n > RF_CSI_ATTRS_MAX)
		return SA_AIS_ERR_LIBRARY;
	if (ha == SA_AMF_HA_ACTIVE) {
		d.csiStateDescriptor.activeDescriptor.transitionDescriptor = (SaAmfCSITransitionDescriptorT)transition;
		d.csiStateDescriptor.activeDescriptor.activeCompName = active;
	} else if (ha == SA_AMF_HA_STANDBY) {
		d.csiStateDescriptor.standbyDescriptor.activeCompName = active;
		d.csiStateDescriptor.standbyDescriptor.standbyRank = rank;
	}
	/* One array of attributes and one buffer for their NUL-terminated strings, freed after the callback. */
	SaAmfCSIAttributeT *attrs = NULL;
	uint8_t *strings = NULL;
	if (n > 0) {
		attrs = calloc(n, sizeof *attrs);
		strings = malloc(r->len - r->off + 2 * (size_t)n);
		if (!attrs || !strings) {
			free(attrs);
			free(strings);
			return SA_AIS_ERR_NO_MEMORY;
		}
	}
	uint8_t *s = strings;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		const uint8_t *p;
		uint32_t len;
		rf_r_blob(r, &p, &len);
		attrs[i].attrName = s;
		if (p)
			memcpy(s, p, len);
		s[len] = 0;
		s += len + 1;
		rf_r_blob(r, &p, &len);
		attrs[i].attrValue = s;
		if (p)
			memcpy(s, p, len);
		s[len] = 0;
		s += len + 1;
	}
	SaAisErrorT err = SA_AIS_ERR_LIBRARY;
	if (rf_r_end(r) == 0) {
		d.csiAttr.attr = attrs;
		d.csiAttr.number = n;
		if (in->cb.saAmfCSISetCallback)
			in->cb.saAmfCSISetCallback(inv, &comp, (SaAmfHAStateT)ha, &d);
		err = SA_AIS_OK;
	}
	free(attrs);
	free(strings);
	return err;
}

static SaAisErrorT cb_pg_track(struct amf_instance *in, struct rf_reader *r)
{
	SaNameT csi;
	rf_r_name(r, &csi);
	uint32_t members = rf_r_u32(r);
	uint32_t error = rf_r_u32(r);
	uint32_t n = rf_r_u32(r);
	if (r->bad || n > RF_PG_ITEMS_MAX || BAD_ERROR(error))
		return SA_AIS_ERR_LIBRARY;
	SaAmfProtectionGroupNotificationBufferT buf = { .numberOfItems = n, .notification = NULL };
	if (n > 0 && !(buf.notification = calloc(n, sizeof *buf.notification)))
		return SA_AIS_ERR_NO_MEMORY;
	for (uint32_t i = 0; i < n; i++) {
		SaAmfProtectionGroupNotificationT *it = &buf.notification[i];
		rf_r_name(r, &it->member.compName);
		uint32_t ha = rf_r_u32(r);
		it->member.rank = rf_r_u32(r);
		uint32_t change = rf_r_u32(r);
		if (bad_ha(ha) || bad_range(change, SA_AMF_PROTECTION_GROUP_NO_CHANGE, SA_AMF_PROTECTION_GROUP_STATE_CHANGE))
			r->bad = 1;
		it->member.haState = (SaAmfHAStateT)ha;
		it->change = (SaAmfProtectionGroupChangesT)change;
	}
	SaAisErrorT err = SA_AIS_ERR_LIBRARY;
	if (rf_r_end(r) == 0) {
		if (in->cb.saAmfProtectionGroupTrackCallback)
			in->cb.saAmfProtectionGroupTrackCallback(&csi, &buf, members, (SaAisErrorT)error);
		err = SA_AIS_OK;
	}
	free(buf.notification);
	return err;
}

/* Decodes one callback frame and calls the application. */
static SaAisErrorT run_callback(struct amf_instance *in, const struct rf_header *h, const uint8_t *body)
{
	struct rf_reader r;
	SaNameT comp, csi;
	rf_r_init(&r, body, h->size - RF_HEADER_BYTES);
	if (h->error != SA_AIS_OK)
		return SA_AIS_ERR_LIBRARY;
	switch (h->id) {
	case RF_MSG(RF_SERVICE_AMF, RF_AMF_CB_HEALTHCHECK): {
		SaAmfHealthcheckKeyT key;
		SaInvocationT inv = rf_r_u64(&r);
		rf_r_name(&r, &comp);
		rf_r_hckey(&r, &key);
		if (rf_r_end(&r) < 0)
			return SA_AIS_ERR_LIBRARY;
		if (in->cb.saAmfHealthcheckCallback)
			in->cb.saAmfHealthcheckCallback(inv, &comp, &key);
		return SA_AIS_OK;
	}
	case RF_MSG(RF_SERVICE_AMF, RF_AMF_CB_TERMINATE): {
		SaInvocationT inv = rf_r_u64(&r);
		rf_r_name(&r, &comp);
		if (rf_r_end(&r) < 0)
			return SA_AIS_ERR_LIBRARY;
		if (in->cb.saAmfComponentTerminateCallback)
			in->cb.saAmfComponentTerminateCallback(inv, &comp);
		return SA_AIS_OK;
	}
	case RF_MSG(RF_SERVICE_AMF, RF_AMF_CB_CSI_SET):
		return cb_csi_set(in, &r);
	case RF_MSG(RF_SERVICE_AMF, RF_AMF_CB_CSI_REMOVE): {
		SaInvocationT inv = rf_r_u64(&r);
		rf_r_name(&r, &comp);
		rf_r_name(&r, &csi);
		SaAmfCSIFlagsT flags = rf_r_u32(&r);
		if (rf_r_end(&r) < 0)
			return SA_AIS_ERR_LIBRARY;
		if (in->cb.saAmfCSIRemoveCallback)
			in->cb.saAmfCSIRemoveCallback(inv, &comp, &csi, flags);
		return SA_AIS_OK;
	}
	case RF_MSG(RF_SERVICE_AMF, RF_AMF_CB_PG_TRACK):
		return cb_pg_track(in, &r);
	default:
		return SA_AIS_ERR_LIBRARY;
	}
}

/* Reads and runs one callback. *bytes gets the frame's size. */
static SaAisErrorT dispatch_one(struct amf_instance *in, size_t *bytes)
{
	uint8_t small[1024];
	uint8_t *body;
	struct rf_header h;
	int r = rf_recv_frame(in->conn.disp_fd, in->conn.frame_max, &h, small, sizeof small, &body);
	if (r < 0) {
		if (rf_is_finalized(in))
			return SA_AIS_OK;
		rf_set_lost(in);
		return SA_AIS_ERR_LIBRARY;
	}
	*bytes = h.size;
	SaAisErrorT err = run_callback(in, &h, body);
	if (body != small)
		free(body);
	return err;
}

static SaAisErrorT dispatch_one_cb(void *ctx, size_t *bytes)
{
	return dispatch_one(ctx, bytes);
}

EXPORT SaAisErrorT saAmfDispatch(SaAmfHandleT amfHandle, SaDispatchFlagsT dispatchFlags)
{
	if (dispatchFlags != SA_DISPATCH_ONE && dispatchFlags != SA_DISPATCH_ALL && dispatchFlags != SA_DISPATCH_BLOCKING)
		return SA_AIS_ERR_INVALID_PARAM;
	struct amf_instance *in = rf_handle_get(amfHandle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = rf_dispatch(in, dispatchFlags, dispatch_one_cb, in);
	rf_handle_put(in);
	return err;
}

/* ---- registration ---------------------------------------------------------- */

static SaAisErrorT reg(SaAmfHandleT handle, uint32_t fn, const SaNameT *compName, const SaNameT *proxyCompName)
{
	if (bad_name(compName) || (proxyCompName && proxyCompName->length > SA_MAX_NAME_LENGTH))
		return SA_AIS_ERR_INVALID_PARAM;
	struct amf_instance *in = rf_handle_get(handle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = SA_AIS_ERR_INIT;
	if (fn != RF_AMF_REGISTER ||
		(in->cb.saAmfCSISetCallback && in->cb.saAmfCSIRemoveCallback && in->cb.saAmfComponentTerminateCallback)) {
		uint8_t b[2 * RF_SANAME_BYTES];
		struct rf_writer w;
		rf_w_init(&w, b, sizeof b);
		rf_w_name(&w, compName);
		rf_w_name(&w, proxyCompName);
		err = call(in, fn, &w, NULL, 0, NULL, NULL);
	}
	rf_handle_put(in);
	return err;
}

EXPORT SaAisErrorT saAmfComponentRegister(SaAmfHandleT amfHandle, const SaNameT *compName, const SaNameT *proxyCompName)
{
	return reg(amfHandle, RF_AMF_REGISTER, compName, proxyCompName);
}

EXPORT SaAisErrorT saAmfComponentUnregister(SaAmfHandleT amfHandle, const SaNameT *compName, const SaNameT *proxyCompName)
{
	return reg(amfHandle, RF_AMF_UNREGISTER, compName, proxyCompName);
}

EXPORT SaAisErrorT saAmfComponentNameGet(SaAmfHandleT amfHandle, SaNameT *compName)
{
	if (!compName)
		return SA_AIS_ERR_INVALID_PARAM;
	struct amf_instance *in = rf_handle_get(amfHandle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	rf_handle_put(in);
	const char *name = getenv("SA_AMF_COMPONENT_NAME");
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > SA_MAX_NAME_LENGTH)
		return SA_AIS_ERR_NOT_EXIST;
	memset(compName, 0, sizeof *compName);
	memcpy(compName->value, name, n); /* NUL-terminated when it fits, as openais did */
	compName->length = (SaUint16T)n;
	return SA_AIS_OK;
}

/* ---- passive monitoring ---------------------------------------------------- */

EXPORT SaAisErrorT saAmfPmStart(SaAmfHandleT amfHandle, const SaNameT *compName, SaUint64T processId,
	SaInt32T descendentsTreeDepth, SaAmfPmErrorsT pmErrors, SaAmfRecommendedRecoveryT recommendedRecovery)
{
	if (bad_name(compName) || processId == 0 || descendentsTreeDepth < -1 || bad_pm_errors(pmErrors) ||
		BAD_RECOVERY(recommendedRecovery))
		return SA_AIS_ERR_INVALID_PARAM;
	uint8_t b[RF_SANAME_BYTES + 20];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_name(&w, compName);
	rf_w_u64(&w, processId);
	rf_w_u32(&w, (uint32_t)descendentsTreeDepth);
	rf_w_u32(&w, pmErrors);
	rf_w_u32(&w, (uint32_t)recommendedRecovery);
	return simple(amfHandle, RF_AMF_PM_START, &w);
}

EXPORT SaAisErrorT saAmfPmStop(SaAmfHandleT amfHandle, const SaNameT *compName, SaAmfPmStopQualifierT stopQualifier,
	SaInt64T processId, SaAmfPmErrorsT pmErrors)
{
	if (bad_name(compName) || bad_range((long long)stopQualifier, SA_AMF_PM_PROC, SA_AMF_PM_ALL_PROCESSES) ||
		bad_pm_errors(pmErrors))
		return SA_AIS_ERR_INVALID_PARAM;
	uint8_t b[RF_SANAME_BYTES + 16];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_name(&w, compName);
	rf_w_u32(&w, (uint32_t)stopQualifier);
	rf_w_u64(&w, (uint64_t)processId);
	rf_w_u32(&w, pmErrors);
	return simple(amfHandle, RF_AMF_PM_STOP, &w);
}

/* ---- healthchecks ---------------------------------------------------------- */

EXPORT SaAisErrorT saAmfHealthcheckStart(SaAmfHandleT amfHandle, const SaNameT *compName,
	const SaAmfHealthcheckKeyT *healthcheckKey, SaAmfHealthcheckInvocationT invocationType,
	SaAmfRecommendedRecoveryT recommendedRecovery)
{
	if (bad_range((long long)invocationType, SA_AMF_HEALTHCHECK_AMF_INVOKED, SA_AMF_HEALTHCHECK_COMPONENT_INVOKED) ||
		bad_name(compName) || bad_key(healthcheckKey) || BAD_RECOVERY(recommendedRecovery))
		return SA_AIS_ERR_INVALID_PARAM;
	struct amf_instance *in = rf_handle_get(amfHandle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = SA_AIS_ERR_INIT;
	if (invocationType != SA_AMF_HEALTHCHECK_AMF_INVOKED || in->cb.saAmfHealthcheckCallback) {
		uint8_t b[RF_SANAME_BYTES + RF_HCKEY_BYTES + 8];
		struct rf_writer w;
		rf_w_init(&w, b, sizeof b);
		rf_w_name(&w, compName);
		rf_w_hckey(&w, healthcheckKey);
		rf_w_u32(&w, (uint32_t)invocationType);
		rf_w_u32(&w, (uint32_t)recommendedRecovery);
		err = call(in, RF_AMF_HC_START, &w, NULL, 0, NULL, NULL);
	}
	rf_handle_put(in);
	return err;
}

EXPORT SaAisErrorT saAmfHealthcheckConfirm(SaAmfHandleT amfHandle, const SaNameT *compName,
	const SaAmfHealthcheckKeyT *healthcheckKey, SaAisErrorT healthcheckResult)
{
	if (bad_name(compName) || bad_key(healthcheckKey) || BAD_ERROR(healthcheckResult))
		return SA_AIS_ERR_INVALID_PARAM;
	uint8_t b[RF_SANAME_BYTES + RF_HCKEY_BYTES + 4];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_name(&w, compName);
	rf_w_hckey(&w, healthcheckKey);
	rf_w_u32(&w, (uint32_t)healthcheckResult);
	return simple(amfHandle, RF_AMF_HC_CONFIRM, &w);
}

EXPORT SaAisErrorT saAmfHealthcheckStop(SaAmfHandleT amfHandle, const SaNameT *compName,
	const SaAmfHealthcheckKeyT *healthcheckKey)
{
	if (bad_name(compName) || bad_key(healthcheckKey))
		return SA_AIS_ERR_INVALID_PARAM;
	uint8_t b[RF_SANAME_BYTES + RF_HCKEY_BYTES];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_name(&w, compName);
	rf_w_hckey(&w, healthcheckKey);
	return simple(amfHandle, RF_AMF_HC_STOP, &w);
}

/* ---- workload -------------------------------------------------------------- */

EXPORT SaAisErrorT saAmfHAStateGet(SaAmfHandleT amfHandle, const SaNameT *compName, const SaNameT *csiName,
	SaAmfHAStateT *haState)
{
	if (bad_name(compName) || bad_name(csiName) || !haState)
		return SA_AIS_ERR_INVALID_PARAM;
	struct amf_instance *in = rf_handle_get(amfHandle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	uint8_t b[2 * RF_SANAME_BYTES], small[16], *res = NULL;
	uint32_t len = 0;
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_name(&w, compName);
	rf_w_name(&w, csiName);
	SaAisErrorT err = call(in, RF_AMF_HA_STATE_GET, &w, small, sizeof small, &res, &len);
	if (err == SA_AIS_OK) {
		uint32_t ha = len == 4 ? rf_le32(res) : 0;
		if (bad_ha(ha))
			err = SA_AIS_ERR_LIBRARY;
		else
			*haState = (SaAmfHAStateT)ha;
	}
	if (res && res != small)
		free(res);
	rf_handle_put(in);
	return err;
}

static SaAisErrorT invocation_answer(SaAmfHandleT handle, uint32_t fn, SaInvocationT invocation, SaAisErrorT error)
{
	if (BAD_ERROR(error))
		return SA_AIS_ERR_INVALID_PARAM;
	uint8_t b[12];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_u64(&w, invocation);
	rf_w_u32(&w, (uint32_t)error);
	return simple(handle, fn, &w);
}

EXPORT SaAisErrorT saAmfCSIQuiescingComplete(SaAmfHandleT amfHandle, SaInvocationT invocation, SaAisErrorT error)
{
	return invocation_answer(amfHandle, RF_AMF_QUIESCING_COMPLETE, invocation, error);
}

EXPORT SaAisErrorT saAmfResponse(SaAmfHandleT amfHandle, SaInvocationT invocation, SaAisErrorT error)
{
	return invocation_answer(amfHandle, RF_AMF_RESPONSE, invocation, error);
}

static int bad_track_flags(SaUint8T f)
{
	const unsigned all = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
	return f == 0 || (f & ~all) != 0 || ((f & SA_TRACK_CHANGES) && (f & SA_TRACK_CHANGES_ONLY));
}

/* Fills the caller's buffer from a ResLibAmfProtectionGroupTrack body. */
static SaAisErrorT pg_current(const uint8_t *body, uint32_t len, SaAmfProtectionGroupNotificationBufferT *buf)
{
	struct rf_reader r;
	rf_r_init(&r, body, len);
	uint32_t n = rf_r_u32(&r);
	if (r.bad || n > RF_PG_ITEMS_MAX || (uint64_t)n * (RF_SANAME_BYTES + 12) != len - 4)
		return SA_AIS_ERR_LIBRARY;
	SaAmfProtectionGroupNotificationT *items = buf->notification;
	int allocated = 0;
	if (!items) {
		if (n > 0 && !(items = calloc(n, sizeof *items)))
			return SA_AIS_ERR_NO_MEMORY;
		allocated = 1;
	} else if (buf->numberOfItems < n) {
		buf->numberOfItems = n;
		return SA_AIS_ERR_NO_SPACE;
	}
	for (uint32_t i = 0; i < n; i++) {
		SaAmfProtectionGroupNotificationT it;
		memset(&it, 0, sizeof it);
		rf_r_name(&r, &it.member.compName);
		uint32_t ha = rf_r_u32(&r);
		it.member.rank = rf_r_u32(&r);
		uint32_t change = rf_r_u32(&r);
		if (bad_ha(ha) || bad_range(change, SA_AMF_PROTECTION_GROUP_NO_CHANGE, SA_AMF_PROTECTION_GROUP_STATE_CHANGE))
			r.bad = 1;
		it.member.haState = (SaAmfHAStateT)ha;
		it.change = (SaAmfProtectionGroupChangesT)change;
		items[i] = it;
	}
	if (rf_r_end(&r) < 0) {
		if (allocated)
			free(items);
		return SA_AIS_ERR_LIBRARY;
	}
	buf->notification = items;
	buf->numberOfItems = n;
	return SA_AIS_OK;
}

EXPORT SaAisErrorT saAmfProtectionGroupTrack(SaAmfHandleT amfHandle, const SaNameT *csiName, SaUint8T trackFlags,
	SaAmfProtectionGroupNotificationBufferT *notificationBuffer)
{
	if (bad_name(csiName))
		return SA_AIS_ERR_INVALID_PARAM;
	if (bad_track_flags(trackFlags))
		return SA_AIS_ERR_BAD_FLAGS;
	int current = (trackFlags & SA_TRACK_CURRENT) != 0;
	if (current && !notificationBuffer)
		return SA_AIS_ERR_INVALID_PARAM;
	struct amf_instance *in = rf_handle_get(amfHandle);
	if (!in)
		return SA_AIS_ERR_BAD_HANDLE;
	SaAisErrorT err = SA_AIS_ERR_INIT;
	if (!(trackFlags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)) || in->cb.saAmfProtectionGroupTrackCallback) {
		uint8_t b[RF_SANAME_BYTES + 4], small[1024], *res = NULL;
		uint32_t len = 0;
		struct rf_writer w;
		rf_w_init(&w, b, sizeof b);
		rf_w_name(&w, csiName);
		rf_w_u32(&w, trackFlags);
		err = call(in, RF_AMF_PG_TRACK, &w, small, sizeof small, &res, &len);
		if (err == SA_AIS_OK && current)
			err = pg_current(res, len, notificationBuffer);
		if (res && res != small)
			free(res);
	}
	rf_handle_put(in);
	return err;
}

EXPORT SaAisErrorT saAmfProtectionGroupTrackStop(SaAmfHandleT amfHandle, const SaNameT *csiName)
{
	if (bad_name(csiName))
		return SA_AIS_ERR_INVALID_PARAM;
	uint8_t b[RF_SANAME_BYTES];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_name(&w, csiName);
	return simple(amfHandle, RF_AMF_PG_TRACK_STOP, &w);
}

/* ---- errors ---------------------------------------------------------------- */

EXPORT SaAisErrorT saAmfComponentErrorReport(SaAmfHandleT amfHandle, const SaNameT *erroneousComponent,
	SaTimeT errorDetectionTime, SaAmfRecommendedRecoveryT recommendedRecovery, SaNtfIdentifierT ntfIdentifier)
{
	if (bad_name(erroneousComponent) || BAD_RECOVERY(recommendedRecovery))
		return SA_AIS_ERR_INVALID_PARAM;
	uint8_t b[RF_SANAME_BYTES + 20];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_name(&w, erroneousComponent);
	rf_w_u64(&w, (uint64_t)errorDetectionTime);
	rf_w_u32(&w, (uint32_t)recommendedRecovery);
	rf_w_u64(&w, ntfIdentifier);
	return simple(amfHandle, RF_AMF_ERROR_REPORT, &w);
}

EXPORT SaAisErrorT saAmfComponentErrorClear(SaAmfHandleT amfHandle, const SaNameT *compName, SaNtfIdentifierT ntfIdentifier)
{
	if (bad_name(compName))
		return SA_AIS_ERR_INVALID_PARAM;
	uint8_t b[RF_SANAME_BYTES + 8];
	struct rf_writer w;
	rf_w_init(&w, b, sizeof b);
	rf_w_name(&w, compName);
	rf_w_u64(&w, ntfIdentifier);
	return simple(amfHandle, RF_AMF_ERROR_CLEAR, &w);
}
