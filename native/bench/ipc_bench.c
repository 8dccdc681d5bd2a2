/*
 * The C side of bench/ipc-c.ts: round trips through libSaAmf to aisexec, and
 * the baseline, a raw Unix-socket echo of a 16-byte frame between two C
 * processes. Prints one JSON line of microsecond percentiles.
 *
 *   ipc_bench echo-server SOCKET                 (prints "ready", echoes until killed)
 *   ipc_bench echo-client SOCKET CALLS WARMUP
 *   ipc_bench amf CALL CALLS WARMUP COMP CSI     CALL: hastateget | confirm (key "default")
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <saAmf.h>
#include "bench_stats.h"

static int unix_socket(const char *path, int listening)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (listening) {
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0)
			return -1;
	} else if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		return -1;
	}
	return fd;
}

static int full(int fd, unsigned char *b, size_t n, int writing)
{
	while (n > 0) {
		ssize_t k = writing ? write(fd, b, n) : read(fd, b, n);
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int echo_server(const char *path)
{
	int l = unix_socket(path, 1);
	if (l < 0) {
		perror("echo-server");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			return 1;
		unsigned char frame[16];
		while (full(c, frame, sizeof frame, 0) == 0 && full(c, frame, sizeof frame, 1) == 0)
			;
		close(c);
	}
}

static int echo_client(const char *path, long calls, long warmup)
{
	int fd = unix_socket(path, 0);
	if (fd < 0) {
		perror("echo-client");
		return 1;
	}
	unsigned char frame[16] = { 16, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	double *s = malloc((size_t)calls * sizeof *s);
	for (long i = 0; i < warmup + calls; i++) {
		double t0 = now_us();
		if (full(fd, frame, sizeof frame, 1) < 0 || full(fd, frame, sizeof frame, 0) < 0)
			return 1;
		if (i >= warmup)
			s[i - warmup] = now_us() - t0;
	}
	close(fd);
	report(s, calls, "");
	free(s);
	return 0;
}

static SaNameT name_of(const char *v)
{
	SaNameT n;
	memset(&n, 0, sizeof n);
	n.length = (SaUint16T)strlen(v);
	memcpy(n.value, v, n.length);
	return n;
}

static int amf(const char *call, long calls, long warmup, const char *comp_s, const char *csi_s)
{
	SaAmfHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaAisErrorT e = saAmfInitialize(&h, NULL, &v);
	if (e != SA_AIS_OK) {
		fprintf(stderr, "saAmfInitialize: %d\n", (int)e);
		return 1;
	}
	SaNameT comp = name_of(comp_s), csi = name_of(csi_s);
	SaAmfHealthcheckKeyT key = { "default", 7 };
	int confirm = strcmp(call, "confirm") == 0;
	double *s = malloc((size_t)calls * sizeof *s);
	long errors = 0;
	SaAisErrorT last = SA_AIS_OK;
	for (long i = 0; i < warmup + calls; i++) {
		SaAmfHAStateT ha;
		double t0 = now_us();
		e = confirm ? saAmfHealthcheckConfirm(h, &comp, &key, SA_AIS_OK) : saAmfHAStateGet(h, &comp, &csi, &ha);
		double dt = now_us() - t0;
		if (e != SA_AIS_OK) {
			errors++;
			last = e;
		}
		if (i >= warmup)
			s[i - warmup] = dt;
	}
	saAmfFinalize(h);
	char extra[64];
	snprintf(extra, sizeof extra, ",\"errors\":%ld,\"last_error\":%d", errors, (int)last);
	report(s, calls, extra);
	free(s);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "echo-server") == 0)
		return echo_server(argv[2]);
	if (argc == 5 && strcmp(argv[1], "echo-client") == 0)
		return echo_client(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 7 && strcmp(argv[1], "amf") == 0)
		return amf(argv[2], atol(argv[3]), atol(argv[4]), argv[5], argv[6]);
	fprintf(stderr, "usage: see the comment at the top of ipc_bench.c\n");
	return 2;
}
