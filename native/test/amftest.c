/*
 * amftest: C scenarios for test/native (run by mocha against a real aisexec;
 * also under valgrind). Each subcommand prints "ok ..." lines, "FAIL ..." on
 * a failed check, and exits non-zero if any check failed.
 *
 *   amftest params                  parameter, handle and version checks (executive running, AMF enabled)
 *   amftest noexec                  no executive listening: TRY_AGAIN
 *   amftest disabled                AMF disabled in the executive: NOT_SUPPORTED
 *   amftest threads COMP CSI        threads sharing handles; finalize ends a blocking dispatch
 *   amftest pgtrack CSI ACTIVE_PFX  TRACK_CURRENT, then CHANGES_ONLY until ACTIVE_PFX becomes ACTIVE
 *   amftest gone                    prints "ready", waits for a line on stdin (the executive is stopped meanwhile), checks LIBRARY
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <saAmf.h>

static int failures;

#define CHECK(expr, want) check_(#expr, (expr), (want), __LINE__)
static void check_(const char *what, SaAisErrorT got, SaAisErrorT want, int line)
{
	if (got == want) {
		printf("ok %s = %d\n", what, (int)got);
	} else {
		printf("FAIL line %d: %s = %d, expected %d\n", line, what, (int)got, (int)want);
		failures++;
	}
}

#define TRUE_(cond) truth_(#cond, (cond), __LINE__)
static void truth_(const char *what, int cond, int line)
{
	if (cond) {
		printf("ok %s\n", what);
	} else {
		printf("FAIL line %d: %s\n", line, what);
		failures++;
	}
}

static SaNameT name_of(const char *s)
{
	SaNameT n;
	memset(&n, 0, sizeof n);
	n.length = (SaUint16T)strlen(s);
	memcpy(n.value, s, n.length);
	return n;
}

static void noop_cb(SaInvocationT i, const SaNameT *c) {}
static void noop_set(SaInvocationT i, const SaNameT *c, SaAmfHAStateT h, SaAmfCSIDescriptorT *d) {}
static void noop_remove(SaInvocationT i, const SaNameT *c, const SaNameT *s, SaAmfCSIFlagsT f) {}
static void noop_pg(const SaNameT *c, SaAmfProtectionGroupNotificationBufferT *b, SaUint32T n, SaAisErrorT e) {}
static void noop_hc(SaInvocationT i, const SaNameT *c, SaAmfHealthcheckKeyT *k) {}

static SaVersionT b11(void)
{
	SaVersionT v = { 'B', 1, 1 };
	return v;
}

static int params(void)
{
	SaAmfHandleT h = 0, h2 = 0;
	SaVersionT v = b11();
	SaNameT comp = name_of("safComp=nobody,safSu=x,safSg=y"), csi = name_of("safCsi=none,safSi=x,safSg=y");
	SaNameT empty = name_of(""), toolong = comp;
	toolong.length = SA_MAX_NAME_LENGTH + 1;
	SaAmfHealthcheckKeyT key = { "default", 7 }, longkey = key;
	longkey.keyLen = 33;
	SaAmfHAStateT ha;

	/* version negotiation */
	CHECK(saAmfInitialize(NULL, NULL, &v), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfInitialize(&h, NULL, NULL), SA_AIS_ERR_INVALID_PARAM);
	v.releaseCode = 'A';
	CHECK(saAmfInitialize(&h, NULL, &v), SA_AIS_ERR_VERSION);
	TRUE_(v.releaseCode == 'B' && v.majorVersion == 1 && v.minorVersion == 1);
	v.majorVersion = 2;
	CHECK(saAmfInitialize(&h, NULL, &v), SA_AIS_ERR_VERSION);
	TRUE_(v.majorVersion == 1);
	v.minorVersion = 9;
	CHECK(saAmfInitialize(&h, NULL, &v), SA_AIS_OK);
	TRUE_(v.minorVersion == 1 && h != SA_HANDLE_INVALID);

	/* a handle without callbacks */
	CHECK(saAmfComponentRegister(h, &comp, NULL), SA_AIS_ERR_INIT);
	CHECK(saAmfComponentRegister(h, &empty, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfComponentRegister(h, &toolong, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfComponentRegister(h, NULL, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfComponentRegister(h + 1, NULL, NULL), SA_AIS_ERR_INVALID_PARAM); /* parameters before the handle */
	CHECK(saAmfComponentRegister(h + 1, &comp, NULL), SA_AIS_ERR_BAD_HANDLE);
	CHECK(saAmfHealthcheckStart(h, &comp, &key, SA_AMF_HEALTHCHECK_AMF_INVOKED, SA_AMF_COMPONENT_RESTART), SA_AIS_ERR_INIT);
	CHECK(saAmfHealthcheckStart(h, &comp, &longkey, SA_AMF_HEALTHCHECK_AMF_INVOKED, SA_AMF_COMPONENT_RESTART), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfHealthcheckStart(h, &comp, &key, (SaAmfHealthcheckInvocationT)3, SA_AMF_COMPONENT_RESTART), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfHealthcheckStart(h, &comp, &key, SA_AMF_HEALTHCHECK_COMPONENT_INVOKED, (SaAmfRecommendedRecoveryT)9), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfHealthcheckConfirm(h, &comp, &key, (SaAisErrorT)0), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfHealthcheckConfirm(h, &comp, NULL, SA_AIS_OK), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfPmStart(h, &comp, 0, 0, SA_AMF_PM_NON_ZERO_EXIT, SA_AMF_COMPONENT_RESTART), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfPmStart(h, &comp, 42, -2, SA_AMF_PM_NON_ZERO_EXIT, SA_AMF_COMPONENT_RESTART), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfPmStart(h, &comp, 42, 0, 8, SA_AMF_COMPONENT_RESTART), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfPmStop(h, &comp, (SaAmfPmStopQualifierT)4, 42, SA_AMF_PM_NON_ZERO_EXIT), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfHAStateGet(h, &comp, &csi, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfHAStateGet(h, &comp, &csi, &ha), SA_AIS_ERR_NOT_EXIST);
	CHECK(saAmfProtectionGroupTrack(h, &csi, 0, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK(saAmfProtectionGroupTrack(h, &csi, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK(saAmfProtectionGroupTrack(h, &csi, 0x10, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK(saAmfProtectionGroupTrack(h, &csi, SA_TRACK_CHANGES, NULL), SA_AIS_ERR_INIT);
	CHECK(saAmfProtectionGroupTrack(h, &csi, SA_TRACK_CURRENT, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfResponse(h, 1, (SaAisErrorT)28), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfCSIQuiescingComplete(h, 1, (SaAisErrorT)0), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfComponentErrorReport(h, &comp, 0, (SaAmfRecommendedRecoveryT)0, 0), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfComponentErrorClear(h, &empty, 0), SA_AIS_ERR_INVALID_PARAM);

	/* selection object and dispatch with nothing pending */
	SaSelectionObjectT so = 0;
	CHECK(saAmfSelectionObjectGet(h, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfSelectionObjectGet(h, &so), SA_AIS_OK);
	struct pollfd p = { .fd = (int)so, .events = POLLIN };
	TRUE_(poll(&p, 1, 0) == 0);
	CHECK(saAmfDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	CHECK(saAmfDispatch(h, SA_DISPATCH_ALL), SA_AIS_OK);
	CHECK(saAmfDispatch(h, (SaDispatchFlagsT)0), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfDispatch(h, (SaDispatchFlagsT)4), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saAmfDispatch(0, SA_DISPATCH_ONE), SA_AIS_ERR_BAD_HANDLE);

	/* component name from the environment */
	SaNameT got;
	unsetenv("SA_AMF_COMPONENT_NAME");
	CHECK(saAmfComponentNameGet(h, &got), SA_AIS_ERR_NOT_EXIST);
	CHECK(saAmfComponentNameGet(h, NULL), SA_AIS_ERR_INVALID_PARAM);
	setenv("SA_AMF_COMPONENT_NAME", "safComp=a,safSu=b,safSg=c", 1);
	CHECK(saAmfComponentNameGet(h, &got), SA_AIS_OK);
	TRUE_(got.length == 25 && memcmp(got.value, "safComp=a,safSu=b,safSg=c", 25) == 0);

	/* a handle with callbacks: the executive answers */
	SaAmfCallbacksT cb = { .saAmfHealthcheckCallback = noop_hc, .saAmfComponentTerminateCallback = noop_cb,
		.saAmfCSISetCallback = noop_set, .saAmfCSIRemoveCallback = noop_remove,
		.saAmfProtectionGroupTrackCallback = noop_pg };
	v = b11();
	CHECK(saAmfInitialize(&h2, &cb, &v), SA_AIS_OK);
	TRUE_(h2 != h);
	CHECK(saAmfComponentRegister(h2, &comp, NULL), SA_AIS_ERR_NOT_EXIST);
	CHECK(saAmfHAStateGet(h2, &comp, &csi, &ha), SA_AIS_ERR_NOT_EXIST);

	/* many handles in one process */
	SaAmfHandleT many[40];
	int opened = 0;
	for (int i = 0; i < 40; i++) {
		v = b11();
		if (saAmfInitialize(&many[i], &cb, &v) == SA_AIS_OK)
			opened++;
	}
	TRUE_(opened == 40);
	for (int i = 0; i < 40; i += 2)
		CHECK(saAmfFinalize(many[i]), SA_AIS_OK);
	for (int i = 1; i < 40; i += 2)
		CHECK(saAmfHAStateGet(many[i], &comp, &csi, &ha), SA_AIS_ERR_NOT_EXIST);
	for (int i = 1; i < 40; i += 2)
		CHECK(saAmfFinalize(many[i]), SA_AIS_OK);
	CHECK(saAmfHAStateGet(many[0], &comp, &csi, &ha), SA_AIS_ERR_BAD_HANDLE);

	/* finalize */
	CHECK(saAmfFinalize(h), SA_AIS_OK);
	CHECK(saAmfFinalize(h), SA_AIS_ERR_BAD_HANDLE);
	CHECK(saAmfDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
	CHECK(saAmfSelectionObjectGet(h, &so), SA_AIS_ERR_BAD_HANDLE);
	CHECK(saAmfComponentNameGet(h, &got), SA_AIS_ERR_BAD_HANDLE);
	CHECK(saAmfFinalize(h2), SA_AIS_OK);
	CHECK(saAmfFinalize(SA_HANDLE_INVALID), SA_AIS_ERR_BAD_HANDLE);
	return failures != 0;
}

static int noexec(SaAisErrorT want)
{
	SaAmfHandleT h;
	SaVersionT v = b11();
	CHECK(saAmfInitialize(&h, NULL, &v), want);
	return failures != 0;
}

/* ---- threads ---- */

struct shared {
	SaAmfHandleT h;
	SaNameT comp, csi;
	int calls;
	int bad;
	SaAisErrorT dispatch_result;
};

static void *dispatcher(void *arg)
{
	struct shared *s = arg;
	s->dispatch_result = saAmfDispatch(s->h, SA_DISPATCH_BLOCKING);
	return NULL;
}

static void *caller(void *arg)
{
	struct shared *s = arg;
	for (int i = 0; i < s->calls; i++) {
		SaAmfHAStateT ha = 0;
		SaAisErrorT e = saAmfHAStateGet(s->h, &s->comp, &s->csi, &ha);
		if (e != SA_AIS_OK || ha != SA_AMF_HA_ACTIVE)
			__atomic_add_fetch(&s->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Calls until the handle is finalized under it: OK, then BAD_HANDLE, never anything else. */
static void *racer(void *arg)
{
	struct shared *s = arg;
	for (;;) {
		SaAmfHAStateT ha;
		SaAisErrorT e = saAmfHAStateGet(s->h, &s->comp, &s->csi, &ha);
		if (e == SA_AIS_ERR_BAD_HANDLE)
			return NULL;
		if (e != SA_AIS_OK) {
			__atomic_add_fetch(&s->bad, 1, __ATOMIC_RELAXED);
			return NULL;
		}
	}
}

static int threads(const char *comp, const char *csi)
{
	SaAmfCallbacksT cb = { .saAmfProtectionGroupTrackCallback = noop_pg };
	struct shared a = { .comp = name_of(comp), .csi = name_of(csi), .calls = 2000 };
	struct shared b = a;
	SaVersionT v = b11();
	CHECK(saAmfInitialize(&a.h, &cb, &v), SA_AIS_OK);
	CHECK(saAmfInitialize(&b.h, &cb, &v), SA_AIS_OK);
	pthread_t d1, d2, c1, c2, c3, c4;
	pthread_create(&d1, NULL, dispatcher, &a);
	pthread_create(&d2, NULL, dispatcher, &b);
	pthread_create(&c1, NULL, caller, &a);
	pthread_create(&c2, NULL, caller, &a);
	pthread_create(&c3, NULL, caller, &b);
	pthread_create(&c4, NULL, caller, &b);
	pthread_join(c1, NULL);
	pthread_join(c2, NULL);
	pthread_join(c3, NULL);
	pthread_join(c4, NULL);
	TRUE_(a.bad == 0 && b.bad == 0);
	printf("ok 8000 saAmfHAStateGet calls from 4 threads on 2 handles while 2 threads dispatch\n");
	CHECK(saAmfFinalize(a.h), SA_AIS_OK);
	pthread_join(d1, NULL);
	CHECK(a.dispatch_result, SA_AIS_OK);
	/* b is still fine after a was finalized */
	SaAmfHAStateT ha;
	CHECK(saAmfHAStateGet(b.h, &b.comp, &b.csi, &ha), SA_AIS_OK);
	/* finalize while another thread is in the middle of calls */
	pthread_t r;
	pthread_create(&r, NULL, racer, &b);
	usleep(20000);
	CHECK(saAmfFinalize(b.h), SA_AIS_OK);
	pthread_join(r, NULL);
	pthread_join(d2, NULL);
	CHECK(b.dispatch_result, SA_AIS_OK);
	TRUE_(b.bad == 0);
	return failures != 0;
}

/* ---- protection group ---- */

static const char *active_prefix;
static int saw_active;

static void pg_cb(const SaNameT *csi, SaAmfProtectionGroupNotificationBufferT *buf, SaUint32T members, SaAisErrorT error)
{
	printf("callback %.*s members %u error %d items %u\n", (int)csi->length, csi->value, (unsigned)members, (int)error,
		(unsigned)buf->numberOfItems);
	for (SaUint32T i = 0; i < buf->numberOfItems; i++) {
		SaAmfProtectionGroupNotificationT *n = &buf->notification[i];
		printf("change %.*s ha %d rank %u change %d\n", (int)n->member.compName.length, n->member.compName.value,
			(int)n->member.haState, (unsigned)n->member.rank, (int)n->change);
		if (n->member.haState == SA_AMF_HA_ACTIVE && n->change == SA_AMF_PROTECTION_GROUP_STATE_CHANGE &&
			strncmp((const char *)n->member.compName.value, active_prefix, strlen(active_prefix)) == 0)
			saw_active = 1;
	}
}

static int pgtrack(const char *csi_s, const char *prefix)
{
	SaAmfCallbacksT cb = { .saAmfProtectionGroupTrackCallback = pg_cb };
	SaAmfHandleT h;
	SaVersionT v = b11();
	SaNameT csi = name_of(csi_s);
	active_prefix = prefix;
	CHECK(saAmfInitialize(&h, &cb, &v), SA_AIS_OK);
	/* A caller buffer too small: NO_SPACE and the count needed. */
	SaAmfProtectionGroupNotificationT one[1];
	SaAmfProtectionGroupNotificationBufferT small = { 1, one };
	CHECK(saAmfProtectionGroupTrack(h, &csi, SA_TRACK_CURRENT, &small), SA_AIS_ERR_NO_SPACE);
	TRUE_(small.numberOfItems == 2);
	/* The library allocates. */
	SaAmfProtectionGroupNotificationBufferT buf = { 0, NULL };
	CHECK(saAmfProtectionGroupTrack(h, &csi, SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY, &buf), SA_AIS_OK);
	for (SaUint32T i = 0; i < buf.numberOfItems; i++) {
		SaAmfProtectionGroupNotificationT *n = &buf.notification[i];
		printf("member %.*s ha %d rank %u change %d\n", (int)n->member.compName.length, n->member.compName.value,
			(int)n->member.haState, (unsigned)n->member.rank, (int)n->change);
	}
	free(buf.notification);
	printf("ready\n");
	fflush(stdout);
	SaSelectionObjectT so;
	CHECK(saAmfSelectionObjectGet(h, &so), SA_AIS_OK);
	for (int waited = 0; !saw_active && waited < 300; waited++) {
		struct pollfd p = { .fd = (int)so, .events = POLLIN };
		if (poll(&p, 1, 100) > 0)
			CHECK(saAmfDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	}
	TRUE_(saw_active);
	CHECK(saAmfProtectionGroupTrackStop(h, &csi), SA_AIS_OK);
	CHECK(saAmfFinalize(h), SA_AIS_OK);
	return failures != 0;
}

/* ---- the executive goes away ---- */

static SaAisErrorT blocked_result;
static SaAmfHandleT gone_h2;
static void *blocked(void *arg)
{
	blocked_result = saAmfDispatch(gone_h2, SA_DISPATCH_BLOCKING);
	return NULL;
}

static int gone(void)
{
	SaAmfCallbacksT cb = { .saAmfProtectionGroupTrackCallback = noop_pg };
	SaAmfHandleT h;
	SaVersionT v = b11();
	SaNameT comp = name_of("safComp=x"), csi = name_of("safCsi=y");
	SaAmfHAStateT ha;
	CHECK(saAmfInitialize(&h, &cb, &v), SA_AIS_OK);
	CHECK(saAmfInitialize(&gone_h2, &cb, &v), SA_AIS_OK);
	CHECK(saAmfHAStateGet(h, &comp, &csi, &ha), SA_AIS_ERR_NOT_EXIST);
	pthread_t t;
	pthread_create(&t, NULL, blocked, NULL);
	printf("ready\n");
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof line, stdin))
		printf("stdin closed\n");
	pthread_join(t, NULL);
	CHECK(blocked_result, SA_AIS_ERR_LIBRARY);
	CHECK(saAmfDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_LIBRARY);
	CHECK(saAmfHAStateGet(h, &comp, &csi, &ha), SA_AIS_ERR_LIBRARY);
	CHECK(saAmfDispatch(h, SA_DISPATCH_ONE), SA_AIS_ERR_LIBRARY);
	SaSelectionObjectT so;
	CHECK(saAmfSelectionObjectGet(h, &so), SA_AIS_ERR_LIBRARY);
	CHECK(saAmfHAStateGet(gone_h2, &comp, &csi, &ha), SA_AIS_ERR_LIBRARY);
	CHECK(saAmfFinalize(h), SA_AIS_OK);
	CHECK(saAmfFinalize(gone_h2), SA_AIS_OK);
	CHECK(saAmfInitialize(&h, &cb, &v), SA_AIS_ERR_TRY_AGAIN);
	return failures != 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "params") == 0)
		return params();
	if (strcmp(cmd, "noexec") == 0)
		return noexec(SA_AIS_ERR_TRY_AGAIN);
	if (strcmp(cmd, "disabled") == 0)
		return noexec(SA_AIS_ERR_NOT_SUPPORTED);
	if (strcmp(cmd, "threads") == 0 && argc == 4)
		return threads(argv[2], argv[3]);
	if (strcmp(cmd, "pgtrack") == 0 && argc == 4)
		return pgtrack(argv[2], argv[3]);
	if (strcmp(cmd, "gone") == 0)
		return gone();
	fprintf(stderr, "usage: amftest params|noexec|disabled|threads COMP CSI|pgtrack CSI ACTIVE_PREFIX|gone\n");
	return 2;
}
