/*
 * clm_ring: libSaClm on one node of a three-node ring while the test
 * (test/native/clm-ring.test.ts) kills another node and starts it again.
 * Prints "ok ..." lines, "FAIL ..." on a failed check, the marker lines the
 * test waits for, and exits non-zero if any check failed.
 *
 *   clm_ring SELF OTHER
 *
 * SELF is the node it runs on, OTHER the node the test stops. Nodes are
 * 1, 2, 3 with the addresses 127.0.0.1-3 (test/helpers/ring-cluster.ts).
 *   1. CURRENT into a caller's buffer: NO_SPACE with 2 places, then the three
 *      members, NO_CHANGE; CHANGES on one handle, CHANGES_ONLY on another.
 *      Prints "ready view V".
 *   2. Waits for one callback on each: CHANGES has SELF's peers NO_CHANGE and
 *      OTHER LEFT (member false), CHANGES_ONLY only OTHER LEFT, both in a view
 *      above V with two members; NodeGet(OTHER) is NOT_EXIST. Prints "left view V1".
 *   3. Waits for OTHER JOINED the same way (three members, a view above V1);
 *      NodeGet(OTHER) returns its record. Prints "joined view V2", then PASSED.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

#define ITEMS_MAX 8

/* One track callback, copied: the library's buffer is valid only during the callback. */
struct seen {
	int calls;
	SaUint64T view;
	SaUint32T members;
	SaUint32T items;
	SaAisErrorT error;
	SaClmNodeIdT id[ITEMS_MAX];
	SaClmClusterChangesT change[ITEMS_MAX];
	SaBoolT member[ITEMS_MAX];
};

static struct seen all_seen, only_seen;

static void record(struct seen *s, const SaClmClusterNotificationBufferT *b, SaUint32T members, SaAisErrorT error)
{
	s->calls++;
	s->view = b->viewNumber;
	s->members = members;
	s->error = error;
	s->items = b->numberOfItems;
	for (SaUint32T i = 0; i < b->numberOfItems && i < ITEMS_MAX; i++) {
		s->id[i] = b->notification[i].clusterNode.nodeId;
		s->change[i] = b->notification[i].clusterChange;
		s->member[i] = b->notification[i].clusterNode.member;
	}
}

static void on_track_all(const SaClmClusterNotificationBufferT *b, SaUint32T members, SaAisErrorT error)
{
	record(&all_seen, b, members, error);
}

static void on_track_only(const SaClmClusterNotificationBufferT *b, SaUint32T members, SaAisErrorT error)
{
	record(&only_seen, b, members, error);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Dispatches both handles until each has had `calls` callbacks, or 30 s pass. */
static int wait_calls(SaClmHandleT a, SaClmHandleT b, int calls)
{
	SaSelectionObjectT sa, sb;
	if (saClmSelectionObjectGet(a, &sa) != SA_AIS_OK || saClmSelectionObjectGet(b, &sb) != SA_AIS_OK)
		return 0;
	long long end = now_ms() + 30000;
	while (all_seen.calls < calls || only_seen.calls < calls) {
		long long left = end - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p[2] = { { .fd = (int)sa, .events = POLLIN }, { .fd = (int)sb, .events = POLLIN } };
		if (poll(p, 2, (int)left) < 0)
			return 0;
		if (p[0].revents && saClmDispatch(a, SA_DISPATCH_ALL) != SA_AIS_OK)
			return 0;
		if (p[1].revents && saClmDispatch(b, SA_DISPATCH_ALL) != SA_AIS_OK)
			return 0;
	}
	return 1;
}

static int address_is(const SaClmClusterNodeT *n, SaClmNodeIdT id)
{
	char want[32];
	int len = snprintf(want, sizeof want, "127.0.0.%u", (unsigned)id);
	return n->nodeAddress.family == SA_CLM_AF_INET && n->nodeAddress.length == len && memcmp(n->nodeAddress.value, want, (size_t)len) == 0;
}

/* CHANGES lists the members in id order, then the nodes that left. */
static void check_changes(SaClmNodeIdT other, SaClmClusterChangesT change, SaUint32T members)
{
	TRUE_(all_seen.error == SA_AIS_OK && only_seen.error == SA_AIS_OK);
	TRUE_(all_seen.members == members && only_seen.members == members);
	TRUE_(all_seen.view == only_seen.view);
	TRUE_(all_seen.items == 3);
	SaClmNodeIdT expect_id[3];
	int k = 0;
	if (change == SA_CLM_NODE_LEFT) {
		for (SaClmNodeIdT id = 1; id <= 3; id++)
			if (id != other)
				expect_id[k++] = id;
		expect_id[k] = other;
	} else {
		for (SaClmNodeIdT id = 1; id <= 3; id++)
			expect_id[k++] = id;
	}
	for (int i = 0; i < 3 && (SaUint32T)i < all_seen.items; i++) {
		int is_other = expect_id[i] == other;
		if (all_seen.id[i] != expect_id[i] || all_seen.change[i] != (is_other ? change : SA_CLM_NODE_NO_CHANGE) ||
			all_seen.member[i] != (is_other && change == SA_CLM_NODE_LEFT ? SA_FALSE : SA_TRUE)) {
			printf("FAIL CHANGES item %d: node %u change %d member %d\n", i, (unsigned)all_seen.id[i], (int)all_seen.change[i],
				(int)all_seen.member[i]);
			failures++;
		}
	}
	TRUE_(only_seen.items == 1);
	TRUE_(only_seen.id[0] == other && only_seen.change[0] == change);
	TRUE_(only_seen.member[0] == (change == SA_CLM_NODE_LEFT ? SA_FALSE : SA_TRUE));
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: clm_ring SELF OTHER\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	SaClmNodeIdT self = (SaClmNodeIdT)atoi(argv[1]), other = (SaClmNodeIdT)atoi(argv[2]);
	SaClmHandleT all, only, query;
	SaClmCallbacksT cb_all = { .saClmClusterTrackCallback = on_track_all };
	SaClmCallbacksT cb_only = { .saClmClusterTrackCallback = on_track_only };
	SaVersionT v = { 'B', 1, 1 };
	CHECK(saClmInitialize(&all, &cb_all, &v), SA_AIS_OK);
	CHECK(saClmInitialize(&only, &cb_only, &v), SA_AIS_OK);
	CHECK(saClmInitialize(&query, NULL, &v), SA_AIS_OK);
	if (failures)
		return 1;

	/* 1. The current view into the caller's buffer, and tracking from it on. */
	SaClmClusterNotificationT items[ITEMS_MAX];
	SaClmClusterNotificationBufferT buf = { 0, 2, items };
	CHECK(saClmClusterTrack(all, SA_TRACK_CURRENT | SA_TRACK_CHANGES, &buf), SA_AIS_ERR_NO_SPACE);
	TRUE_(buf.numberOfItems == 3);
	buf.numberOfItems = ITEMS_MAX;
	CHECK(saClmClusterTrack(all, SA_TRACK_CURRENT | SA_TRACK_CHANGES, &buf), SA_AIS_OK);
	TRUE_(buf.numberOfItems == 3 && buf.notification == items);
	for (SaUint32T i = 0; i < buf.numberOfItems && i < 3; i++) {
		const SaClmClusterNodeT *n = &items[i].clusterNode;
		if (n->nodeId != i + 1 || items[i].clusterChange != SA_CLM_NODE_NO_CHANGE || n->member != SA_TRUE || !address_is(n, i + 1) ||
			n->initialViewNumber < 1 || n->initialViewNumber > buf.viewNumber) {
			printf("FAIL current item %u: node %u change %d\n", (unsigned)i, (unsigned)n->nodeId, (int)items[i].clusterChange);
			failures++;
		}
	}
	SaUint64T view0 = buf.viewNumber;
	CHECK(saClmClusterTrack(only, SA_TRACK_CHANGES_ONLY, NULL), SA_AIS_OK);
	SaClmClusterNodeT me;
	CHECK(saClmClusterNodeGet(query, SA_CLM_LOCAL_NODE_ID, 0, &me), SA_AIS_OK);
	TRUE_(me.nodeId == self && address_is(&me, self));
	printf("ready view %llu\n", (unsigned long long)view0);

	/* 2. The test stops OTHER. */
	if (!wait_calls(all, only, 1)) {
		printf("FAIL no LEFT callbacks (CHANGES %d, CHANGES_ONLY %d)\n", all_seen.calls, only_seen.calls);
		return 1;
	}
	check_changes(other, SA_CLM_NODE_LEFT, 2);
	TRUE_(all_seen.view > view0);
	SaUint64T view1 = all_seen.view;
	SaClmClusterNodeT n;
	CHECK(saClmClusterNodeGet(query, other, SECOND, &n), SA_AIS_ERR_NOT_EXIST);
	printf("left view %llu\n", (unsigned long long)view1);

	/* 3. The test starts OTHER again. */
	if (!wait_calls(all, only, 2)) {
		printf("FAIL no JOINED callbacks (CHANGES %d, CHANGES_ONLY %d)\n", all_seen.calls, only_seen.calls);
		return 1;
	}
	check_changes(other, SA_CLM_NODE_JOINED, 3);
	TRUE_(all_seen.view > view1);
	CHECK(saClmClusterNodeGet(query, other, SECOND, &n), SA_AIS_OK);
	TRUE_(n.nodeId == other && n.member == SA_TRUE && address_is(&n, other));
	printf("joined view %llu\n", (unsigned long long)all_seen.view);

	CHECK(saClmClusterTrackStop(only), SA_AIS_OK);
	CHECK(saClmFinalize(all), SA_AIS_OK);
	CHECK(saClmFinalize(only), SA_AIS_OK);
	CHECK(saClmFinalize(query), SA_AIS_OK);
	printf(failures ? "FAILED (%d)\n" : "PASSED\n", failures);
	return failures ? 1 : 0;
}
