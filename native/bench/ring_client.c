/*
 * The C client of bench/ring: CFG mcast pings (the executive multicasts the
 * payload in agreed order and answers when it is delivered back at its own
 * node) over the executive's IPC, written against the library's internal
 * socket code (native/src/ipc.c). corosync's reference figures were taken
 * with a C client (cpg over libqb); this measures ours the same way, next to
 * the TypeScript client. Prints one JSON line.
 *
 *   ring_client latency CALLS WARMUP BYTES             one request outstanding
 *   ring_client throughput MS WARMUP_MS WINDOW BYTES   WINDOW requests outstanding
 *
 * The executive is found as libSaAmf finds it ($RINGFORT_RUN_DIR, ...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bench_stats.h"
#include "codec.h"
#include "ipc.h"

#define SERVICE_CFG 7u
#define MSG_CFG_MCAST_PING ((SERVICE_CFG << 16) | 2u)
#define HEADER 16u
#define READ_BYTES (1u << 20)

static void die(const char *what)
{
	fprintf(stderr, "ring_client: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Appends one request frame to out at *at. */
static void put_request(uint8_t *out, size_t *at, uint32_t seq, const uint8_t *payload, size_t n)
{
	rf_header_encode(out + *at, (uint32_t)(HEADER + n), MSG_CFG_MCAST_PING, 0, seq);
	memcpy(out + *at + HEADER, payload, n);
	*at += HEADER + n;
}

static int latency(struct rf_conn *c, long calls, long warmup, size_t bytes)
{
	uint8_t *payload = malloc(bytes + 1), *frame = malloc(HEADER + bytes), small[4096];
	double *s = malloc(sizeof(double) * (size_t)calls);
	if (payload == NULL || frame == NULL || s == NULL)
		die("malloc");
	memset(payload, 0x5a, bytes);
	uint32_t seq = 1;
	for (long i = 0; i < warmup + calls; i++) {
		size_t at = 0;
		double t0 = now_us();
		put_request(frame, &at, seq, payload, bytes);
		if (rf_send_all(c->req_fd, frame, at) != 0)
			die("send");
		struct rf_header h;
		uint8_t *body = NULL;
		if (rf_recv_response(c->req_fd, c->frame_max, &h, small, sizeof small, &body) != 0)
			die("receive");
		if (body != small)
			free(body);
		if (h.seq != seq || h.error != SA_AIS_OK) {
			fprintf(stderr, "ring_client: response seq %u error %u\n", h.seq, h.error);
			return 1;
		}
		seq++;
		if (i >= warmup)
			s[i - warmup] = now_us() - t0;
	}
	report(s, calls, "");
	return 0;
}

static int throughput(struct rf_conn *c, long ms, long warmup_ms, long window, size_t bytes)
{
	size_t frame_bytes = HEADER + bytes;
	uint8_t *payload = malloc(bytes + 1), *out = malloc(frame_bytes * (size_t)window), *in = malloc(READ_BYTES + frame_bytes);
	if (payload == NULL || out == NULL || in == NULL)
		die("malloc");
	memset(payload, 0x5a, bytes);
	uint32_t seq = 1;
	size_t at = 0;
	for (long i = 0; i < window; i++)
		put_request(out, &at, seq++, payload, bytes);
	if (rf_send_all(c->req_fd, out, at) != 0)
		die("send");
	double start = now_us(), t0 = 0;
	long ok = 0, ok0 = 0, try_again = 0;
	size_t have = 0;
	int measuring = 0;
	for (;;) {
		double t = now_us();
		if (!measuring && t - start >= (double)warmup_ms * 1000) {
			measuring = 1;
			t0 = t;
			ok0 = ok;
		}
		if (measuring && t - t0 >= (double)ms * 1000)
			break;
		ssize_t r = read(c->req_fd, in + have, READ_BYTES - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read");
		have += (size_t)r;
		/* Every complete response frees a slot: send one more request per response, all in one write. */
		size_t off = 0;
		at = 0;
		while (have - off >= HEADER) {
			struct rf_header h;
			if (rf_header_decode(in + off, c->frame_max, &h) != 0) {
				fprintf(stderr, "ring_client: malformed response\n");
				return 1;
			}
			if (have - off < h.size)
				break;
			if (h.error == SA_AIS_OK)
				ok++;
			else if (h.error == SA_AIS_ERR_TRY_AGAIN)
				try_again++;
			else {
				fprintf(stderr, "ring_client: response error %u\n", h.error);
				return 1;
			}
			off += h.size;
			put_request(out, &at, seq++, payload, bytes);
		}
		memmove(in, in + off, have - off);
		have -= off;
		if (at > 0 && rf_send_all(c->req_fd, out, at) != 0)
			die("send");
	}
	double wall = now_us() - t0;
	printf("{\"msgs\":%ld,\"ms\":%.1f,\"msgs_per_s\":%.0f,\"try_again\":%ld}\n", ok - ok0, wall / 1000, (double)(ok - ok0) * 1e6 / wall, try_again);
	fflush(stdout);
	/* The requests still outstanding are answered after we leave; closing the connection drops them. */
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ring_client latency CALLS WARMUP BYTES | throughput MS WARMUP_MS WINDOW BYTES\n");
		return 2;
	}
	struct rf_conn c;
	SaAisErrorT e = rf_conn_open(SERVICE_CFG, &c);
	if (e != SA_AIS_OK) {
		fprintf(stderr, "ring_client: cannot reach the executive: SaAisErrorT %d\n", (int)e);
		return 1;
	}
	int rc;
	if (strcmp(argv[1], "latency") == 0 && argc == 5)
		rc = latency(&c, atol(argv[2]), atol(argv[3]), (size_t)atol(argv[4]));
	else if (strcmp(argv[1], "throughput") == 0 && argc == 6)
		rc = throughput(&c, atol(argv[2]), atol(argv[3]), atol(argv[4]), (size_t)atol(argv[5]));
	else {
		fprintf(stderr, "ring_client: bad arguments\n");
		rc = 2;
	}
	rf_conn_close(&c);
	return rc;
}
