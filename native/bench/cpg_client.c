/*
 * The reference client of bench/ring: the same pings as ring_client.c, sent
 * to corosync through libcpg, so that corosync is measured in the same run
 * as our executive (bench/corosync.ts starts it; built only when corosync's
 * libcpg-dev is installed). A ping is an agreed-order cpg_mcast_joined to a
 * group only this client joined, so corosync, like our CFG ping, delivers it
 * at every node but hands it back over IPC only to its sender. Prints one
 * JSON line, as ring_client does.
 *
 *   cpg_client latency CALLS WARMUP BYTES             one ping outstanding
 *   cpg_client throughput MS WARMUP_MS WINDOW BYTES   WINDOW pings outstanding
 */
#define _GNU_SOURCE
#include <corosync/cpg.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "bench_stats.h"

static unsigned int my_nodeid;
static long delivered;

static void deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	(void)h, (void)group, (void)msg, (void)len;
	if (nodeid == my_nodeid && pid == (uint32_t)getpid())
		delivered++;
}

static void confchg(cpg_handle_t h, const struct cpg_name *group, const struct cpg_address *members, size_t n_members,
		    const struct cpg_address *left, size_t n_left, const struct cpg_address *joined, size_t n_joined)
{
	(void)h, (void)group, (void)members, (void)n_members, (void)left, (void)n_left, (void)joined, (void)n_joined;
}

static void fail(const char *what, cs_error_t e)
{
	fprintf(stderr, "cpg_client: %s: cs_error_t %d\n", what, (int)e);
	exit(1);
}

/* Waits for the daemon's socket to be readable, then runs every callback it has. */
static void dispatch(cpg_handle_t h, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 5000) <= 0) {
		fprintf(stderr, "cpg_client: no delivery within 5 s\n");
		exit(1);
	}
	cs_error_t e = cpg_dispatch(h, CS_DISPATCH_ALL);
	if (e != CS_OK && e != CS_ERR_TRY_AGAIN)
		fail("cpg_dispatch", e);
}

/* One agreed-order ping; CS_ERR_TRY_AGAIN (flow control) is returned, not fatal. */
static cs_error_t ping(cpg_handle_t h, void *payload, size_t bytes)
{
	struct iovec iov = {.iov_base = payload, .iov_len = bytes};
	cs_error_t e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
	if (e != CS_OK && e != CS_ERR_TRY_AGAIN)
		fail("cpg_mcast_joined", e);
	return e;
}

static int latency(cpg_handle_t h, int fd, long calls, long warmup, size_t bytes)
{
	char *payload = malloc(bytes + 1);
	double *s = malloc(sizeof(double) * (size_t)calls);
	if (payload == NULL || s == NULL)
		return 1;
	memset(payload, 0x5a, bytes);
	for (long i = 0; i < warmup + calls; i++) {
		double t0 = now_us();
		long want = delivered + 1;
		while (ping(h, payload, bytes) == CS_ERR_TRY_AGAIN)
			dispatch(h, fd);
		while (delivered < want)
			dispatch(h, fd);
		if (i >= warmup)
			s[i - warmup] = now_us() - t0;
	}
	report(s, calls, "");
	return 0;
}

static int throughput(cpg_handle_t h, int fd, long ms, long warmup_ms, long window, size_t bytes)
{
	char *payload = malloc(bytes + 1);
	if (payload == NULL)
		return 1;
	memset(payload, 0x5a, bytes);
	long sent = 0, try_again = 0, d0 = 0;
	double start = now_us(), t0 = 0;
	int measuring = 0;
	for (;;) {
		double t = now_us();
		if (!measuring && t - start >= (double)warmup_ms * 1000) {
			measuring = 1;
			t0 = t;
			d0 = delivered;
		}
		if (measuring && t - t0 >= (double)ms * 1000)
			break;
		while (sent - delivered < window) {
			if (ping(h, payload, bytes) == CS_ERR_TRY_AGAIN) {
				try_again++;
				break;
			}
			sent++;
		}
		dispatch(h, fd);
	}
	double wall = now_us() - t0;
	printf("{\"msgs\":%ld,\"ms\":%.1f,\"msgs_per_s\":%.0f,\"try_again\":%ld}\n", delivered - d0, wall / 1000,
	       (double)(delivered - d0) * 1e6 / wall, try_again);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cpg_client latency CALLS WARMUP BYTES | throughput MS WARMUP_MS WINDOW BYTES\n");
		return 2;
	}
	cpg_callbacks_t cb = {.cpg_deliver_fn = deliver, .cpg_confchg_fn = confchg};
	cpg_handle_t h;
	cs_error_t e = cpg_initialize(&h, &cb);
	if (e != CS_OK)
		fail("cpg_initialize (is corosync running?)", e);
	if ((e = cpg_local_get(h, &my_nodeid)) != CS_OK)
		fail("cpg_local_get", e);
	/* A group of our own: our pings come back to us alone, as the CFG ping's answer does. */
	struct cpg_name group;
	group.length = (uint32_t)snprintf(group.value, sizeof group.value, "rfbench-%u-%d", my_nodeid, (int)getpid());
	if ((e = cpg_join(h, &group)) != CS_OK)
		fail("cpg_join", e);
	int fd;
	if ((e = cpg_fd_get(h, &fd)) != CS_OK)
		fail("cpg_fd_get", e);
	int rc;
	if (strcmp(argv[1], "latency") == 0 && argc == 5)
		rc = latency(h, fd, atol(argv[2]), atol(argv[3]), (size_t)atol(argv[4]));
	else if (strcmp(argv[1], "throughput") == 0 && argc == 6)
		rc = throughput(h, fd, atol(argv[2]), atol(argv[3]), atol(argv[4]), (size_t)atol(argv[5]));
	else {
		fprintf(stderr, "cpg_client: bad arguments\n");
		rc = 2;
	}
	cpg_leave(h, &group);
	cpg_finalize(h);
	return rc;
}
