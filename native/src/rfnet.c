/*
 * libringfort-net: batched UDP I/O for the executive's ring transport
 * (aisexec/totem/net/native-socket.ts loads it with koffi). Node's dgram
 * module makes one system call and several JavaScript objects per datagram;
 * a token visit sends up to max_messages frames to every member, and a
 * member reads them one wake-up at a time. Here a visit's datagrams leave in
 * one sendmmsg(2) and a wake-up reads what is queued with one recvmmsg(2).
 *
 * Addresses travel as fixed RFNET_ADDR_BYTES slots holding a sockaddr_in or
 * sockaddr_in6, built once per peer by rfnet_addr. Every function returns a
 * negative errno on failure and never aborts: the caller counts and goes on.
 * Not part of the SA Forum libraries; nothing here is a public interface.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#define RFNET_API __attribute__((visibility("default")))
#define RFNET_ADDR_BYTES 28 /* sizeof(struct sockaddr_in6) */
#define BATCH 64            /* datagrams per system call */

RFNET_API int rfnet_addr(int family, const char *addr, int port, uint8_t *out);
RFNET_API int rfnet_open(int family, const char *addr, int port, int bufbytes);
RFNET_API int rfnet_recv(int fd, uint8_t *buf, int slot, int max, int32_t *lens, int32_t *segs, uint8_t *from);
RFNET_API int rfnet_send(int fd, const uint8_t *data, const int32_t *offs, const int32_t *lens, const uint8_t *peers, int npeers,
                         const int32_t *idx, int n, int32_t *errs);
RFNET_API int rfnet_bufsizes(int fd, int32_t *out);
RFNET_API int rfnet_gso(void);
RFNET_API void rfnet_gso_set(int on);
RFNET_API int rfnet_close(int fd);

static socklen_t addr_len(const uint8_t *slot)
{
	sa_family_t f;
	memcpy(&f, slot, sizeof f);
	return f == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

int rfnet_addr(int family, const char *addr, int port, uint8_t *out)
{
	if (addr == NULL || out == NULL || port < 0 || port > 65535)
		return -EINVAL;
	memset(out, 0, RFNET_ADDR_BYTES);
	if (family == 4) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
			return -EINVAL;
		memcpy(out, &sa, sizeof sa);
		return sizeof sa;
	}
	if (family == 6) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
		if (inet_pton(AF_INET6, addr, &sa.sin6_addr) != 1)
			return -EINVAL;
		memcpy(out, &sa, sizeof sa);
		return sizeof sa;
	}
	return -EAFNOSUPPORT;
}

static int gro_off;

/* Receive offload for sockets opened from now on (RINGFORT_UDP_GSO=0 turns both off). */
RFNET_API void rfnet_gro_set(int on);
void rfnet_gro_set(int on)
{
	gro_off = !on;
}

int rfnet_open(int family, const char *addr, int port, int bufbytes)
{
	uint8_t sa[RFNET_ADDR_BYTES];
	int r = rfnet_addr(family, addr, port, sa);
	if (r < 0)
		return r;
	int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == 6) {
		int one = 1;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	}
	if (bufbytes > 0) {
		/* As dgram's recvBufferSize/sendBufferSize: the kernel caps it at rmem_max/wmem_max. */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufbytes, sizeof bufbytes);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufbytes, sizeof bufbytes);
	}
	if (!gro_off) {
		int one = 1;
		(void)setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one); /* best effort: without it datagrams come one by one */
	}
	if (bind(fd, (struct sockaddr *)sa, (socklen_t)r) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/*
 * Receive offload (UDP_GRO, Linux 5.0): the segments of one super-datagram
 * (and consecutive datagrams of one flow) arrive as one buffer with their
 * segment size in a control message; segs[i] tells the caller where to cut
 * (0: a single datagram). Measured on the bare datagram ring: with
 * segmentation on the sender, 2.7 to 2.1-2.5 us per frame at each receiver
 * and 7.1-7.7 to 5.5-6.0 at the sender, whose send no longer cuts the
 * super-datagram on the loopback receive path.
 */
int rfnet_recv(int fd, uint8_t *buf, int slot, int max, int32_t *lens, int32_t *segs, uint8_t *from)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[BATCH];
	if (buf == NULL || lens == NULL || segs == NULL || from == NULL || slot <= 0 || max <= 0)
		return -EINVAL;
	if (max > BATCH)
		max = BATCH;
	memset(m, 0, sizeof(m[0]) * (size_t)max);
	for (int i = 0; i < max; i++) {
		iov[i].iov_base = buf + (size_t)i * (size_t)slot;
		iov[i].iov_len = (size_t)slot;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = from + (size_t)i * RFNET_ADDR_BYTES;
		m[i].msg_hdr.msg_namelen = RFNET_ADDR_BYTES;
		m[i].msg_hdr.msg_control = ctl[i].buf;
		m[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
	}
	int n = recvmmsg(fd, m, (unsigned)max, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		lens[i] = (m[i].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)m[i].msg_len;
		segs[i] = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m[i].msg_hdr); c != NULL; c = CMSG_NXTHDR(&m[i].msg_hdr, c)) {
			if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
				int g;
				memcpy(&g, CMSG_DATA(c), sizeof g);
				segs[i] = g > 0 && g < (int32_t)m[i].msg_len ? g : 0;
			}
		}
	}
	return n;
}

/*
 * Generic segmentation offload (UDP_SEGMENT, Linux 4.18): consecutive
 * datagrams to one peer of one size (the last may be shorter) leave as one
 * super-datagram that the kernel cuts late, on the receive side of loopback
 * or in the NIC. A token visit's frames are mostly full and of equal size,
 * so one system-call message carries them all. Measured on the project's
 * 2-core VM (17 frames of 1,400 bytes to two peers per visit): 13.8 to 5.5 us
 * of sender CPU per frame, 8-9 to 2.7 us at each receiver. A kernel or
 * device that refuses it turns it off for the process; the datagrams are
 * then sent one by one.
 */
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define GROUPS 64             /* system-call messages per sendmmsg */
#define GSO_SEGMENTS_MAX 64   /* the kernel's UDP_MAX_SEGMENTS (64 before 6.x, 128 after) */
#define GSO_BYTES_MAX 65000   /* a super-datagram is one IP packet: under 64 KiB with headers */
#define PEERS_INDEXED 256

static int gso_off;

struct group {
	int peer;
	int size;
	int count;
	int bytes;
	int closed;
	int members[GSO_SEGMENTS_MAX];
};

static void send_one_by_one(int fd, const uint8_t *data, const int32_t *offs, const int32_t *lens, const uint8_t *peers,
                            const struct group *g, int32_t *errs)
{
	for (int i = 0; i < g->count; i++) {
		int j = g->members[i];
		const uint8_t *to = peers + (size_t)g->peer * RFNET_ADDR_BYTES;
		ssize_t r;
		do
			r = sendto(fd, data + offs[j], (size_t)lens[j], MSG_DONTWAIT, (const struct sockaddr *)to, addr_len(to));
		while (r < 0 && errno == EINTR);
		errs[j] = r < 0 ? errno : 0;
	}
}

int rfnet_send(int fd, const uint8_t *data, const int32_t *offs, const int32_t *lens, const uint8_t *peers, int npeers,
               const int32_t *idx, int n, int32_t *errs)
{
	/* Static: called from the executive's one JavaScript thread only, and too big for its stack. */
	static struct group g[GROUPS];
	static struct iovec iov[GROUPS * GSO_SEGMENTS_MAX];
	static struct mmsghdr m[GROUPS];
	static union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[GROUPS];
	int open_of[PEERS_INDEXED];
	if (data == NULL || offs == NULL || lens == NULL || peers == NULL || idx == NULL || errs == NULL || n < 0 || npeers < 0)
		return -EINVAL;
	int next = 0;
	while (next < n) {
		/* Group datagrams [next, ...) until GROUPS system-call messages are formed. */
		int ng = 0;
		for (int p = 0; p < PEERS_INDEXED; p++)
			open_of[p] = -1;
		for (; next < n; next++) {
			int j = next;
			int peer = idx[j];
			if (peer < 0 || peer >= npeers || lens[j] < 0 || offs[j] < 0) {
				errs[j] = EINVAL;
				continue;
			}
			int k = peer < PEERS_INDEXED ? open_of[peer] : -1;
			if (k >= 0) {
				struct group *o = &g[k];
				if (gso_off || o->closed || lens[j] > o->size || o->count == GSO_SEGMENTS_MAX || o->bytes + lens[j] > GSO_BYTES_MAX)
					k = -1;
			}
			if (k < 0) {
				if (ng == GROUPS)
					break;
				k = ng++;
				g[k].peer = peer;
				g[k].size = lens[j];
				g[k].count = 0;
				g[k].bytes = 0;
				g[k].closed = lens[j] == 0;
				if (peer < PEERS_INDEXED)
					open_of[peer] = k;
			}
			struct group *o = &g[k];
			if (lens[j] < o->size)
				o->closed = 1; /* only the last segment may be shorter */
			o->members[o->count++] = j;
			o->bytes += lens[j];
		}
		/* One system-call message per group: its datagrams as consecutive iovecs, a UDP_SEGMENT size if more than one. */
		int at = 0;
		for (int k = 0; k < ng; k++) {
			struct group *o = &g[k];
			const uint8_t *to = peers + (size_t)o->peer * RFNET_ADDR_BYTES;
			memset(&m[k], 0, sizeof m[k]);
			for (int i = 0; i < o->count; i++) {
				iov[at + i].iov_base = (void *)(data + offs[o->members[i]]);
				iov[at + i].iov_len = (size_t)lens[o->members[i]];
			}
			m[k].msg_hdr.msg_iov = &iov[at];
			m[k].msg_hdr.msg_iovlen = (size_t)o->count;
			m[k].msg_hdr.msg_name = (void *)to;
			m[k].msg_hdr.msg_namelen = addr_len(to);
			at += o->count;
			if (o->count > 1) {
				m[k].msg_hdr.msg_control = ctl[k].buf;
				m[k].msg_hdr.msg_controllen = sizeof ctl[k].buf;
				struct cmsghdr *c = CMSG_FIRSTHDR(&m[k].msg_hdr);
				c->cmsg_level = SOL_UDP;
				c->cmsg_type = UDP_SEGMENT;
				c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
				uint16_t size = (uint16_t)o->size;
				memcpy(CMSG_DATA(c), &size, sizeof size);
			}
		}
		int sent = 0;
		while (sent < ng) {
			int r = sendmmsg(fd, m + sent, (unsigned)(ng - sent), MSG_DONTWAIT);
			if (r < 0) {
				int e = errno;
				if (e == EINTR)
					continue;
				struct group *o = &g[sent];
				if (o->count > 1 && (e == EIO || e == EINVAL || e == EOPNOTSUPP || e == ENOPROTOOPT || e == EMSGSIZE)) {
					/* Segmentation refused here (no checksum offload, an MTU below the frame, an old kernel). */
					gso_off = 1;
					send_one_by_one(fd, data, offs, lens, peers, o, errs);
				} else {
					for (int i = 0; i < o->count; i++)
						errs[o->members[i]] = e;
				}
				sent++;
				continue;
			}
			for (int k = sent; k < sent + r; k++)
				for (int i = 0; i < g[k].count; i++)
					errs[g[k].members[i]] = 0;
			sent += r;
		}
	}
	return n;
}

/* Whether segmentation offload is still on (tests and the status). */
int rfnet_gso(void)
{
	return !gso_off;
}

/* Turns segmentation offload on or off for the process (RINGFORT_UDP_GSO=0, and tests of the fallback). */
void rfnet_gso_set(int on)
{
	gso_off = !on;
}

int rfnet_bufsizes(int fd, int32_t *out)
{
	int v;
	socklen_t l = sizeof v;
	if (out == NULL)
		return -EINVAL;
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &l) < 0)
		return -errno;
	out[0] = v;
	l = sizeof v;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &l) < 0)
		return -errno;
	out[1] = v;
	return 0;
}

int rfnet_close(int fd)
{
	return close(fd) < 0 ? -errno : 0;
}
