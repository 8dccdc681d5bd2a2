/*
 * clmtest: C scenarios for libSaClm (run by test/native/clm.test.ts against a
 * real aisexec; also under valgrind). Each subcommand prints "ok ..." lines,
 * "FAIL ..." on a failed check, and exits non-zero if any check failed.
 *
 *   clmtest basic HOSTNAME BOOTSEC  NodeGet, NodeGetAsync, ClusterTrack (each buffer case), TrackStop, parameters, handles
 *   clmtest noexec                  no executive listening: TRY_AGAIN
 *   clmtest threads                 threads sharing a handle; finalize ends a blocking dispatch
 *   clmtest gone                    prints "ready", waits for a line on stdin (the executive is stopped meanwhile), checks LIBRARY
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <saClm.h>

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

static const SaTimeT SECOND = 1000000000LL;

static SaVersionT b11(void)
{
	SaVersionT v = { 'B', 1, 1 };
	return v;
}

/* ---- callbacks record what they saw ---- */

static int track_calls;
static SaUint32T track_members, track_items;
static SaUint64T track_view;
static SaClmNodeIdT track_first;
static SaClmClusterChangesT track_change;

static void on_track(const SaClmClusterNotificationBufferT *b, SaUint32T members, SaAisErrorT error)
{
	track_calls++;
	track_members = members;
	track_items = b->numberOfItems;
	track_view = b->viewNumber;
	track_first = b->numberOfItems > 0 ? b->notification[0].clusterNode.nodeId : 0;
	track_change = b->numberOfItems > 0 ? b->notification[0].clusterChange : 0;
	if (error != SA_AIS_OK)
		printf("FAIL track callback error %d\n", (int)error), failures++;
}

static int get_calls;
static SaInvocationT get_inv[4];
static SaAisErrorT get_err[4];
static SaClmNodeIdT get_node[4];

static void on_get(SaInvocationT inv, const SaClmClusterNodeT *node, SaAisErrorT error)
{
	if (get_calls < 4) {
		get_inv[get_calls] = inv;
		get_err[get_calls] = error;
		get_node[get_calls] = node ? node->nodeId : 0;
	}
	get_calls++;
}

/* Waits until the selection object is readable, then dispatches what is there. */
static SaAisErrorT poll_dispatch(SaClmHandleT h)
{
	SaSelectionObjectT so;
	SaAisErrorT err = saClmSelectionObjectGet(h, &so);
	if (err != SA_AIS_OK)
		return err;
	struct pollfd p = { .fd = (int)so, .events = POLLIN };
	if (poll(&p, 1, 5000) != 1)
		return SA_AIS_ERR_TIMEOUT;
	return saClmDispatch(h, SA_DISPATCH_ALL);
}

static int basic(const char *hostname, long long boot)
{
	SaClmHandleT h, bare;
	SaVersionT v = { 'A', 1, 1 };
	SaClmCallbacksT cb = { .saClmClusterNodeGetCallback = on_get, .saClmClusterTrackCallback = on_track };

	CHECK(saClmInitialize(&h, &cb, &v), SA_AIS_ERR_VERSION);
	TRUE_(v.releaseCode == 'B' && v.majorVersion == 1 && v.minorVersion == 1);
	v.majorVersion = 2;
	CHECK(saClmInitialize(&h, &cb, &v), SA_AIS_ERR_VERSION);
	v = b11();
	CHECK(saClmInitialize(NULL, &cb, &v), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saClmInitialize(&h, &cb, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saClmInitialize(&h, &cb, &v), SA_AIS_OK);
	v = b11();
	CHECK(saClmInitialize(&bare, NULL, &v), SA_AIS_OK);

	/* NodeGet: this node (waiting for its first view if need be), by id, parameters. */
	SaClmClusterNodeT n, byid;
	CHECK(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, 5 * SECOND, &n), SA_AIS_OK);
	TRUE_(n.nodeId == 1);
	TRUE_(n.nodeAddress.family == SA_CLM_AF_INET && n.nodeAddress.length == 9 && memcmp(n.nodeAddress.value, "127.0.0.1", 9) == 0);
	TRUE_(n.nodeName.length == strlen(hostname) && memcmp(n.nodeName.value, hostname, n.nodeName.length) == 0);
	TRUE_(n.member == SA_TRUE);
	TRUE_(n.bootTimestamp == boot * SECOND);
	TRUE_(n.initialViewNumber == 1);
	CHECK(saClmClusterNodeGet(h, 1, 0, &byid), SA_AIS_OK);
	TRUE_(memcmp(&n.nodeName, &byid.nodeName, sizeof n.nodeName) == 0 && byid.bootTimestamp == n.bootTimestamp);
	CHECK(saClmClusterNodeGet(h, 2, SECOND, &byid), SA_AIS_ERR_NOT_EXIST);
	CHECK(saClmClusterNodeGet(h, 1, -1, &byid), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saClmClusterNodeGet(h, 1, SECOND, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saClmClusterNodeGet(h + 1, 1, SECOND, &byid), SA_AIS_ERR_BAD_HANDLE);

	/* Track CURRENT into a buffer the library allocates. */
	SaClmClusterNotificationBufferT buf = { 0, 0, NULL };
	CHECK(saClmClusterTrack(bare, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
	TRUE_(buf.viewNumber == 1 && buf.numberOfItems == 1 && buf.notification != NULL);
	TRUE_(buf.notification[0].clusterNode.nodeId == 1 && buf.notification[0].clusterChange == SA_CLM_NODE_NO_CHANGE);
	TRUE_(buf.notification[0].clusterNode.member == SA_TRUE);
	free(buf.notification);

	/* ... into the caller's buffer: too small is NO_SPACE with the number needed, then it fits. */
	SaClmClusterNotificationT one;
	memset(&one, 0, sizeof one);
	SaClmClusterNotificationBufferT mine = { 0, 0, &one };
	CHECK(saClmClusterTrack(bare, SA_TRACK_CURRENT, &mine), SA_AIS_ERR_NO_SPACE);
	TRUE_(mine.numberOfItems == 1 && mine.notification == &one && one.clusterNode.nodeId == 0);
	CHECK(saClmClusterTrack(bare, SA_TRACK_CURRENT, &mine), SA_AIS_OK);
	TRUE_(mine.notification == &one && one.clusterNode.nodeId == 1 && mine.viewNumber == 1);

	/* Flags, callbacks and TrackStop. */
	CHECK(saClmClusterTrack(h, 0, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK(saClmClusterTrack(h, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK(saClmClusterTrack(h, 0x08, NULL), SA_AIS_ERR_BAD_FLAGS);
	CHECK(saClmClusterTrack(bare, SA_TRACK_CURRENT, NULL), SA_AIS_ERR_INIT);
	CHECK(saClmClusterTrack(bare, SA_TRACK_CHANGES, NULL), SA_AIS_ERR_INIT);
	CHECK(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);
	CHECK(saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_OK);
	CHECK(poll_dispatch(h), SA_AIS_OK);
	TRUE_(track_calls == 1 && track_members == 1 && track_items == 1 && track_view == 1);
	TRUE_(track_first == 1 && track_change == SA_CLM_NODE_NO_CHANGE);
	CHECK(saClmClusterTrackStop(h), SA_AIS_OK);
	CHECK(saClmClusterTrackStop(h), SA_AIS_ERR_NOT_EXIST);

	/* NodeGetAsync: OK now, then the callbacks with their invocations. */
	CHECK(saClmClusterNodeGetAsync(bare, 1, 1), SA_AIS_ERR_INIT);
	CHECK(saClmClusterNodeGetAsync(h, 0x123456789ULL, SA_CLM_LOCAL_NODE_ID), SA_AIS_OK);
	CHECK(saClmClusterNodeGetAsync(h, 7, 42), SA_AIS_OK);
	for (int i = 0; i < 10 && get_calls < 2; i++)
		CHECK(poll_dispatch(h), SA_AIS_OK);
	TRUE_(get_calls == 2);
	TRUE_(get_inv[0] == 0x123456789ULL && get_err[0] == SA_AIS_OK && get_node[0] == 1);
	TRUE_(get_inv[1] == 7 && get_err[1] == SA_AIS_ERR_NOT_EXIST && get_node[1] == 0);

	/* Dispatch parameters and handles. */
	CHECK(saClmDispatch(h, 0), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saClmDispatch(h, SA_DISPATCH_ONE), SA_AIS_OK);
	SaSelectionObjectT so;
	CHECK(saClmSelectionObjectGet(h, NULL), SA_AIS_ERR_INVALID_PARAM);
	CHECK(saClmSelectionObjectGet(h, &so), SA_AIS_OK);
	CHECK(saClmFinalize(h), SA_AIS_OK);
	CHECK(saClmFinalize(h), SA_AIS_ERR_BAD_HANDLE);
	CHECK(saClmClusterTrackStop(h), SA_AIS_ERR_BAD_HANDLE);
	CHECK(saClmDispatch(h, SA_DISPATCH_ALL), SA_AIS_ERR_BAD_HANDLE);
	CHECK(saClmFinalize(bare), SA_AIS_OK);
	CHECK(saClmFinalize(SA_HANDLE_INVALID), SA_AIS_ERR_BAD_HANDLE);
	return failures;
}

static int noexec(void)
{
	SaClmHandleT h;
	SaVersionT v = b11();
	CHECK(saClmInitialize(&h, NULL, &v), SA_AIS_ERR_TRY_AGAIN);
	return failures;
}

/* ---- threads ---- */

static SaClmHandleT shared;

static void *getter(void *arg)
{
	for (int i = 0; i < 200; i++) {
		SaClmClusterNodeT n;
		SaAisErrorT e = saClmClusterNodeGet(shared, SA_CLM_LOCAL_NODE_ID, SECOND, &n);
		if (e != SA_AIS_OK || n.nodeId != 1) {
			printf("FAIL thread NodeGet %d node %u\n", (int)e, n.nodeId);
			__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	return NULL;
}

static SaAisErrorT blocking_result = SA_AIS_ERR_LIBRARY;

static void *dispatcher(void *arg)
{
	blocking_result = saClmDispatch(shared, SA_DISPATCH_BLOCKING);
	return NULL;
}

static int threads(void)
{
	SaVersionT v = b11();
	SaClmCallbacksT cb = { .saClmClusterNodeGetCallback = on_get, .saClmClusterTrackCallback = on_track };
	CHECK(saClmInitialize(&shared, &cb, &v), SA_AIS_OK);
	pthread_t t[4], d;
	pthread_create(&d, NULL, dispatcher, NULL);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, getter, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* The blocking dispatcher runs the callbacks as they come. */
	for (int i = 0; i < 20; i++)
		CHECK(saClmClusterNodeGetAsync(shared, (SaInvocationT)i, 1), SA_AIS_OK);
	for (int i = 0; i < 500 && __atomic_load_n(&get_calls, __ATOMIC_ACQUIRE) < 20; i++)
		usleep(10000);
	TRUE_(__atomic_load_n(&get_calls, __ATOMIC_ACQUIRE) == 20);
	CHECK(saClmFinalize(shared), SA_AIS_OK);
	pthread_join(d, NULL);
	CHECK(blocking_result, SA_AIS_OK);
	return failures;
}

static int gone(void)
{
	SaClmHandleT h;
	SaVersionT v = b11();
	SaClmCallbacksT cb = { .saClmClusterTrackCallback = on_track };
	CHECK(saClmInitialize(&h, &cb, &v), SA_AIS_OK);
	CHECK(saClmClusterTrack(h, SA_TRACK_CHANGES, NULL), SA_AIS_OK);
	printf("ready\n");
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof line, stdin))
		printf("stdin closed\n");
	CHECK(saClmDispatch(h, SA_DISPATCH_BLOCKING), SA_AIS_ERR_LIBRARY);
	SaClmClusterNodeT n;
	CHECK(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SECOND, &n), SA_AIS_ERR_LIBRARY);
	CHECK(saClmFinalize(h), SA_AIS_OK);
	return failures;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int r;
	if (argc == 4 && strcmp(argv[1], "basic") == 0)
		r = basic(argv[2], atoll(argv[3]));
	else if (argc == 2 && strcmp(argv[1], "noexec") == 0)
		r = noexec();
	else if (argc == 2 && strcmp(argv[1], "threads") == 0)
		r = threads();
	else if (argc == 2 && strcmp(argv[1], "gone") == 0)
		r = gone();
	else {
		fprintf(stderr, "usage: clmtest basic HOSTNAME BOOTSEC | noexec | threads | gone\n");
		return 2;
	}
	printf("%s\n", r ? "FAILED" : "PASSED");
	return r ? 1 : 0;
}
