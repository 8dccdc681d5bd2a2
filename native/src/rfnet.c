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
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RFNET_API __attribute__((visibility("default")))
#define RFNET_ADDR_BYTES 28 /* sizeof(struct sockaddr_in6) */
#define BATCH 64            /* datagrams per system call */

RFNET_API int rfnet_addr(int family, const char *addr, int port, uint8_t *out);
RFNET_API int rfnet_open(int family, const char *addr, int port, int bufbytes);
RFNET_API int rfnet_recv(int fd, uint8_t *buf, int slot, int max, int32_t *lens, uint8_t *from);
RFNET_API int rfnet_send(int fd, const uint8_t *data, const int32_t *offs, const int32_t *lens, const uint8_t *peers, int npeers,
                         const int32_t *idx, int n, int32_t *errs);
RFNET_API int rfnet_bufsizes(int fd, int32_t *out);
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
	if (bind(fd, (struct sockaddr *)sa, (socklen_t)r) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int rfnet_recv(int fd, uint8_t *buf, int slot, int max, int32_t *lens, uint8_t *from)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	if (buf == NULL || lens == NULL || from == NULL || slot <= 0 || max <= 0)
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
	}
	int n = recvmmsg(fd, m, (unsigned)max, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++)
		lens[i] = (m[i].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)m[i].msg_len;
	return n;
}

int rfnet_send(int fd, const uint8_t *data, const int32_t *offs, const int32_t *lens, const uint8_t *peers, int npeers,
               const int32_t *idx, int n, int32_t *errs)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	if (data == NULL || offs == NULL || lens == NULL || peers == NULL || idx == NULL || errs == NULL || n < 0)
		return -EINVAL;
	int done = 0;
	while (done < n) {
		int k = n - done < BATCH ? n - done : BATCH;
		int bad = -1;
		for (int i = 0; i < k; i++) {
			int j = done + i;
			if (idx[j] < 0 || idx[j] >= npeers || lens[j] < 0 || offs[j] < 0) {
				k = i;
				bad = j;
				break;
			}
			const uint8_t *to = peers + (size_t)idx[j] * RFNET_ADDR_BYTES;
			iov[i].iov_base = (void *)(data + offs[j]);
			iov[i].iov_len = (size_t)lens[j];
			memset(&m[i], 0, sizeof m[i]);
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = (void *)to;
			m[i].msg_hdr.msg_namelen = addr_len(to);
		}
		int sent = 0;
		while (sent < k) {
			int r = sendmmsg(fd, m + sent, (unsigned)(k - sent), MSG_DONTWAIT);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				/* The first datagram of the rest failed: count it, skip it, go on with the others. */
				errs[done + sent] = errno;
				sent++;
				continue;
			}
			for (int i = 0; i < r; i++)
				errs[done + sent + i] = 0;
			sent += r;
		}
		done += k;
		if (bad >= 0) {
			errs[bad] = EINVAL;
			done++;
		}
	}
	return n;
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
