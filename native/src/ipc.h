/* Sockets of the two-channel IPC connection (docs/ipc-protocol.md, "Connecting"). Internal. */
#ifndef RINGFORT_IPC_H
#define RINGFORT_IPC_H

#include <stddef.h>
#include <stdint.h>
#include "codec.h"

struct rf_conn {
	int req_fd;         /* request channel */
	int disp_fd;        /* dispatch channel: the selection object */
	uint32_t exec_pid;  /* the executive's pid, from the init exchange */
	uint32_t frame_max; /* largest frame either side accepts */
};

/* The socket path: $RINGFORT_RUN_DIR, /var/run/ringfort (root), $XDG_RUNTIME_DIR/ringfort, ${TMPDIR:-/tmp}/ringfort-<uid>; plus /libais.socket. -1 if it does not fit. */
int rf_socket_path(char *buf, size_t cap);

/* Opens both channels to `service`. On success c holds two descriptors. */
SaAisErrorT rf_conn_open(uint32_t service, struct rf_conn *c);
void rf_conn_close(struct rf_conn *c);

/* Writes all of p; 0, or -1 with errno. Never raises SIGPIPE. */
int rf_send_all(int fd, const void *p, size_t n);

/*
 * Reads one frame. The body goes to `small` when it fits in small_cap, else to
 * malloc'd memory the caller frees (*body != small). Returns 0; -1 on end of
 * stream or an error (errno, 0 at end of stream); -2 on a malformed header.
 */
int rf_recv_frame(int fd, uint32_t frame_max, struct rf_header *h, uint8_t *small, size_t small_cap, uint8_t **body);

/*
 * rf_recv_frame for the request channel, where exactly one response is
 * outstanding: the header and a small body come in one read. Same results.
 */
int rf_recv_response(int fd, uint32_t frame_max, struct rf_header *h, uint8_t *small, size_t small_cap, uint8_t **body);

#endif
