/* Finding the executive and speaking frames on its sockets (docs/ipc-protocol.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "ipc.h"

#define INIT_TIMEOUT_S 5

static const char *nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int rf_socket_path(char *buf, size_t cap)
{
	const char *dir = nonempty("RINGFORT_RUN_DIR");
	int n;
	if (dir) {
		if (dir[0] == '/') {
			n = snprintf(buf, cap, "%s/libais.socket", dir);
		} else {
			char cwd[4096];
			if (!getcwd(cwd, sizeof cwd))
				return -1;
			n = snprintf(buf, cap, "%s/%s/libais.socket", cwd, dir);
		}
	} else if (getuid() == 0) {
		n = snprintf(buf, cap, "/var/run/ringfort/libais.socket");
	} else if ((dir = nonempty("XDG_RUNTIME_DIR")) != NULL) {
		n = snprintf(buf, cap, "%s/ringfort/libais.socket", dir);
	} else {
		const char *tmp = nonempty("TMPDIR");
		char t[4096];
		snprintf(t, sizeof t, "%s", tmp ? tmp : "/tmp");
		size_t l = strlen(t);
		while (l > 1 && t[l - 1] == '/')
			t[--l] = '\0';
		n = snprintf(buf, cap, "%s/ringfort-%u/libais.socket", t, (unsigned)getuid());
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int rf_send_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int recv_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = recv(fd, p, n, MSG_WAITALL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			errno = 0;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int rf_recv_frame(int fd, uint32_t frame_max, struct rf_header *h, uint8_t *small, size_t small_cap, uint8_t **body)
{
	uint8_t head[RF_HEADER_BYTES];
	*body = small;
	if (recv_all(fd, head, sizeof head) < 0)
		return -1;
	if (rf_header_decode(head, frame_max, h) < 0)
		return -2;
	size_t n = h->size - RF_HEADER_BYTES;
	uint8_t *b = small;
	if (n > small_cap) {
		b = malloc(n);
		if (!b)
			return -1;
	}
	if (n > 0 && recv_all(fd, b, n) < 0) {
		int e = errno;
		if (b != small)
			free(b);
		errno = e;
		return -1;
	}
	*body = b;
	return 0;
}

int rf_recv_response(int fd, uint32_t frame_max, struct rf_header *h, uint8_t *small, size_t small_cap, uint8_t **body)
{
	uint8_t buf[RF_HEADER_BYTES + 512];
	size_t have = 0, want = RF_HEADER_BYTES;
	*body = small;
	/* Reads at most the header plus what `small` can take, so nothing beyond this frame is consumed. */
	size_t cap = RF_HEADER_BYTES + (small_cap < sizeof buf - RF_HEADER_BYTES ? small_cap : sizeof buf - RF_HEADER_BYTES);
	while (have < want) {
		ssize_t k = recv(fd, buf + have, cap - have, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			errno = 0;
			return -1;
		}
		have += (size_t)k;
		if (want == RF_HEADER_BYTES && have >= RF_HEADER_BYTES) {
			if (rf_header_decode(buf, frame_max, h) < 0)
				return -2;
			want = h->size;
			if (have > want)
				return -2; /* a second frame on the request channel: the stream is not ours to read */
			if (want > cap)
				break;
		}
	}
	size_t n = h->size - RF_HEADER_BYTES, got = have - RF_HEADER_BYTES;
	uint8_t *b = small;
	if (n > small_cap && !(b = malloc(n)))
		return -1;
	memcpy(b, buf + RF_HEADER_BYTES, got);
	if (got < n && recv_all(fd, b + got, n - got) < 0) {
		int e = errno;
		if (b != small)
			free(b);
		errno = e;
		return -1;
	}
	*body = b;
	return 0;
}

static SaAisErrorT connect_error(int e)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
	case EAGAIN:
		return SA_AIS_ERR_TRY_AGAIN;
	case EACCES:
	case EPERM:
		return SA_AIS_ERR_ACCESS;
	case EMFILE:
	case ENFILE:
		return SA_AIS_ERR_NO_RESOURCES;
	case ENOMEM:
	case ENOBUFS:
		return SA_AIS_ERR_NO_MEMORY;
	default:
		return SA_AIS_ERR_LIBRARY;
	}
}

static void set_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static SaAisErrorT dial(const char *path, int *out)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path)
		return SA_AIS_ERR_LIBRARY;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return connect_error(errno);
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(fd);
		return connect_error(e);
	}
	set_timeout(fd, INIT_TIMEOUT_S);
	*out = fd;
	return SA_AIS_OK;
}

/* Sends an init request and reads its answer into body (at most cap bytes). */
static SaAisErrorT exchange(int fd, uint32_t id, const uint8_t *req, uint32_t req_len, uint8_t *body, size_t cap, uint32_t *body_len)
{
	uint8_t frame[RF_HEADER_BYTES + 16];
	rf_header_encode(frame, RF_HEADER_BYTES + req_len, id, 0, 1);
	memcpy(frame + RF_HEADER_BYTES, req, req_len);
	if (rf_send_all(fd, frame, RF_HEADER_BYTES + req_len) < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? SA_AIS_ERR_TIMEOUT : SA_AIS_ERR_LIBRARY;
	struct rf_header h;
	uint8_t *b;
	int r = rf_recv_frame(fd, RF_FRAME_BYTES_MAX, &h, body, cap, &b);
	if (r == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? SA_AIS_ERR_TIMEOUT : SA_AIS_ERR_LIBRARY;
	if (b != body) {
		free(b);
		return SA_AIS_ERR_LIBRARY;
	}
	if (r < 0 || h.id != id)
		return SA_AIS_ERR_LIBRARY;
	if (h.error != SA_AIS_OK)
		return h.error >= SA_AIS_OK && h.error <= SA_AIS_ERR_NO_SECTIONS ? (SaAisErrorT)h.error : SA_AIS_ERR_LIBRARY;
	*body_len = h.size - RF_HEADER_BYTES;
	return SA_AIS_OK;
}

SaAisErrorT rf_conn_open(uint32_t service, struct rf_conn *c)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 64];
	c->req_fd = c->disp_fd = -1;
	if (rf_socket_path(path, sizeof path) < 0)
		return SA_AIS_ERR_LIBRARY;

	SaAisErrorT err = dial(path, &c->req_fd);
	if (err != SA_AIS_OK)
		return err;
	uint8_t req[16], res[16];
	struct rf_writer w;
	uint32_t n = 0;
	rf_w_init(&w, req, sizeof req);
	rf_w_u32(&w, service);
	rf_w_u32(&w, RF_PROTOCOL_VERSION);
	err = exchange(c->req_fd, RF_MSG_IPC_RESPONSE_INIT, req, (uint32_t)w.off, res, sizeof res, &n);
	if (err != SA_AIS_OK)
		goto fail;
	if (n != 16) {
		err = SA_AIS_ERR_LIBRARY;
		goto fail;
	}
	uint64_t token = rf_le64(res);
	uint32_t frame_max = rf_le32(res + 8);
	c->exec_pid = rf_le32(res + 12);
	c->frame_max = frame_max && frame_max < RF_FRAME_BYTES_MAX ? frame_max : RF_FRAME_BYTES_MAX;

	err = dial(path, &c->disp_fd);
	if (err != SA_AIS_OK)
		goto fail;
	rf_w_init(&w, req, sizeof req);
	rf_w_u32(&w, service);
	rf_w_u32(&w, RF_PROTOCOL_VERSION);
	rf_w_u64(&w, token);
	err = exchange(c->disp_fd, RF_MSG_IPC_DISPATCH_INIT, req, (uint32_t)w.off, res, sizeof res, &n);
	if (err != SA_AIS_OK)
		goto fail;
	if (n != 0) {
		err = SA_AIS_ERR_LIBRARY;
		goto fail;
	}
	set_timeout(c->req_fd, 0);
	set_timeout(c->disp_fd, 0);
	return SA_AIS_OK;
fail:
	rf_conn_close(c);
	return err;
}

void rf_conn_close(struct rf_conn *c)
{
	if (c->req_fd >= 0)
		close(c->req_fd);
	if (c->disp_fd >= 0)
		close(c->disp_fd);
	c->req_fd = c->disp_fd = -1;
}
