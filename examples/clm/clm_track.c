/*
 * clm_track: prints the cluster membership, then every change to it, through
 * the SA Forum CLM B.01.01 API (saClm.h, libSaClm). The counterpart of
 * clm-track.ts; both print the same lines. It uses only the specification's
 * API, so it builds unchanged against openais' headers too.
 *
 *   clm_track           the current view, then each change (SA_TRACK_CHANGES_ONLY)
 *   clm_track -a        each change with every member (SA_TRACK_CHANGES)
 *   clm_track -1        the current view only, then exit
 *
 * It finds the executive through RINGFORT_RUN_DIR (as every Ringfort
 * client). It exits 0 on SIGTERM or SIGINT (or after -1), 1 when it cannot
 * reach the executive or loses it, 2 on a bad option.
 *
 * Output, one line per view and one per node:
 *   view 4, 3 members
 *     node 1 ringfort-node-1 127.0.0.1 NO_CHANGE initial-view 2
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <saClm.h>

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static const char *err_name(SaAisErrorT e)
{
	static const char *names[] = { "?", "SA_AIS_OK", "SA_AIS_ERR_LIBRARY", "SA_AIS_ERR_VERSION", "SA_AIS_ERR_INIT",
		"SA_AIS_ERR_TIMEOUT", "SA_AIS_ERR_TRY_AGAIN", "SA_AIS_ERR_INVALID_PARAM", "SA_AIS_ERR_NO_MEMORY",
		"SA_AIS_ERR_BAD_HANDLE", "SA_AIS_ERR_BUSY", "SA_AIS_ERR_ACCESS", "SA_AIS_ERR_NOT_EXIST",
		"SA_AIS_ERR_NAME_TOO_LONG", "SA_AIS_ERR_EXIST", "SA_AIS_ERR_NO_SPACE", "SA_AIS_ERR_INTERRUPT",
		"SA_AIS_ERR_NAME_NOT_FOUND", "SA_AIS_ERR_NO_RESOURCES", "SA_AIS_ERR_NOT_SUPPORTED",
		"SA_AIS_ERR_BAD_OPERATION", "SA_AIS_ERR_FAILED_OPERATION", "SA_AIS_ERR_MESSAGE_ERROR",
		"SA_AIS_ERR_QUEUE_FULL", "SA_AIS_ERR_QUEUE_NOT_AVAILABLE", "SA_AIS_ERR_BAD_FLAGS", "SA_AIS_ERR_TOO_BIG",
		"SA_AIS_ERR_NO_SECTIONS" };
	return e >= 1 && e <= 27 ? names[e] : "?";
}

static const char *change_name(SaClmClusterChangesT c)
{
	switch (c) {
	case SA_CLM_NODE_NO_CHANGE: return "NO_CHANGE";
	case SA_CLM_NODE_JOINED: return "JOINED";
	case SA_CLM_NODE_LEFT: return "LEFT";
	case SA_CLM_NODE_RECONFIGURED: return "RECONFIGURED";
	}
	return "?";
}

static void print_view(const SaClmClusterNotificationBufferT *b, SaUint32T members)
{
	printf("view %llu, %u members\n", (unsigned long long)b->viewNumber, (unsigned)members);
	for (SaUint32T i = 0; i < b->numberOfItems; i++) {
		const SaClmClusterNodeT *n = &b->notification[i].clusterNode;
		/* Neither the address nor the name is NUL-terminated: print them by length. */
		printf("  node %u %.*s %.*s %s initial-view %llu\n", (unsigned)n->nodeId,
			(int)n->nodeName.length, (const char *)n->nodeName.value,
			(int)n->nodeAddress.length, (const char *)n->nodeAddress.value,
			change_name(b->notification[i].clusterChange), (unsigned long long)n->initialViewNumber);
	}
	fflush(stdout);
}

/* The notification buffer belongs to the library and is valid until the callback returns. */
static void on_track(const SaClmClusterNotificationBufferT *b, SaUint32T members, SaAisErrorT error)
{
	if (error != SA_AIS_OK) {
		printf("track callback: %s\n", err_name(error));
		return;
	}
	print_view(b, members);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Retries for up to 10 s while the executive answers TRY_AGAIN (not started yet, or no view yet). */
#define RETRYING(e, call) do { \
		for (int attempt_ = 0; ((e) = (call)) == SA_AIS_ERR_TRY_AGAIN && attempt_ < 100 && !got_signal; attempt_++) \
			sleep_ms(100); \
	} while (0)

int main(int argc, char **argv)
{
	SaUint8T changes = SA_TRACK_CHANGES_ONLY;
	int once = 0;
	int opt;
	while ((opt = getopt(argc, argv, "a1h")) != -1) {
		switch (opt) {
		case 'a': changes = SA_TRACK_CHANGES; break;
		case '1': once = 1; break;
		default:
			fprintf(stderr, "usage: %s [-a] [-1]\n  -a  every member in each change (SA_TRACK_CHANGES)\n"
				"  -1  print the current view and exit\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	SaClmHandleT h;
	SaClmCallbacksT callbacks = { .saClmClusterNodeGetCallback = NULL, .saClmClusterTrackCallback = on_track };
	SaVersionT version = { 'B', 1, 1 };
	SaAisErrorT e;
	RETRYING(e, saClmInitialize(&h, &callbacks, &version));
	if (e != SA_AIS_OK) {
		fprintf(stderr, "saClmInitialize: %s (is the executive running, and RINGFORT_RUN_DIR its run directory?)\n", err_name(e));
		return 1;
	}

	/*
	 * The current view into a buffer the library allocates (notification NULL; free() it after) and,
	 * in the same call, tracking from that view on: no change can fall between the two.
	 */
	SaUint8T flags = once ? SA_TRACK_CURRENT : (SaUint8T)(SA_TRACK_CURRENT | changes);
	SaClmClusterNotificationBufferT current = { 0, 0, NULL };
	RETRYING(e, saClmClusterTrack(h, flags, &current));
	if (e != SA_AIS_OK) {
		fprintf(stderr, "saClmClusterTrack: %s\n", err_name(e));
		saClmFinalize(h);
		return 1;
	}
	print_view(&current, current.numberOfItems);
	free(current.notification);
	if (once) {
		saClmFinalize(h);
		return 0;
	}
	printf("tracking %s\n", changes == SA_TRACK_CHANGES ? "SA_TRACK_CHANGES" : "SA_TRACK_CHANGES_ONLY");

	SaSelectionObjectT so;
	saClmSelectionObjectGet(h, &so);
	for (;;) {
		struct pollfd p = { .fd = (int)so, .events = POLLIN };
		int n = poll(&p, 1, -1);
		if (got_signal) {
			printf("%s: finalizing and exiting\n", got_signal == SIGTERM ? "SIGTERM" : "SIGINT");
			saClmFinalize(h);
			return 0;
		}
		if (n < 0 && errno != EINTR) {
			perror("poll");
			saClmFinalize(h);
			return 1;
		}
		if (n > 0) {
			e = saClmDispatch(h, SA_DISPATCH_ALL);
			if (e == SA_AIS_ERR_LIBRARY) {
				printf("lost the executive (saClmDispatch: %s), exiting 1\n", err_name(e));
				saClmFinalize(h);
				return 1;
			}
			if (e != SA_AIS_OK)
				printf("saClmDispatch: %s\n", err_name(e));
		}
	}
}
