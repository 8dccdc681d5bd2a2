/*
 * The Ringfort IPC wire format (docs/ipc-protocol.md): the 16-byte frame
 * header and little-endian fixed-layout bodies. No I/O here, so that the
 * test vectors can be decoded by this code alone. Internal to libSaAmf.
 */
#ifndef RINGFORT_CODEC_H
#define RINGFORT_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "saAmf.h"

#define RF_HEADER_BYTES 16u
#define RF_FRAME_BYTES_MAX (1024u * 1024u)
#define RF_PROTOCOL_VERSION 1u
#define RF_SANAME_BYTES 258u
#define RF_HCKEY_BYTES 34u
#define RF_CSI_ATTRS_MAX 4096u
#define RF_PG_ITEMS_MAX 4096u

#define RF_SERVICE_IPC 0u
#define RF_SERVICE_AMF 2u
#define RF_SERVICE_CFG 7u
#define RF_MSG(service, fn) ((uint32_t)(((service) & 0xffffu) << 16 | ((fn) & 0xffffu)))

#define RF_MSG_IPC_RESPONSE_INIT RF_MSG(RF_SERVICE_IPC, 0)
#define RF_MSG_IPC_DISPATCH_INIT RF_MSG(RF_SERVICE_IPC, 1)

/* AMF requests (function ids of openais' ipc_amf.h) and callbacks. */
enum {
	RF_AMF_REGISTER = 0, RF_AMF_UNREGISTER = 1, RF_AMF_PM_START = 2, RF_AMF_PM_STOP = 3,
	RF_AMF_HC_START = 4, RF_AMF_HC_CONFIRM = 5, RF_AMF_HC_STOP = 6, RF_AMF_HA_STATE_GET = 7,
	RF_AMF_QUIESCING_COMPLETE = 8, RF_AMF_PG_TRACK = 9, RF_AMF_PG_TRACK_STOP = 10,
	RF_AMF_ERROR_REPORT = 11, RF_AMF_ERROR_CLEAR = 12, RF_AMF_RESPONSE = 13,
	RF_AMF_CB_CSI_SET = 0x8000, RF_AMF_CB_HEALTHCHECK = 0x8001, RF_AMF_CB_CSI_REMOVE = 0x8002,
	RF_AMF_CB_TERMINATE = 0x8003, RF_AMF_CB_PG_TRACK = 0x8004
};

struct rf_header {
	uint32_t size;  /* whole frame */
	uint32_t id;
	uint32_t error;
	uint32_t seq;
};

/* Decodes a header; -1 when size is outside 16..frame_max (a malformed stream). */
int rf_header_decode(const uint8_t *p, uint32_t frame_max, struct rf_header *h);
void rf_header_encode(uint8_t *p, uint32_t size, uint32_t id, uint32_t error, uint32_t seq);

/* A bounded writer: overflow is sticky and checked once at the end. */
struct rf_writer {
	uint8_t *buf;
	size_t cap;
	size_t off;
	int overflow;
};

void rf_w_init(struct rf_writer *w, uint8_t *buf, size_t cap);
void rf_w_u16(struct rf_writer *w, uint16_t v);
void rf_w_u32(struct rf_writer *w, uint32_t v);
void rf_w_u64(struct rf_writer *w, uint64_t v);
/* SaNameT: u16 length then 256 bytes, the bytes after length zeroed. NULL writes an empty name. */
void rf_w_name(struct rf_writer *w, const SaNameT *n);
/* Healthcheck key: u16 length then 32 bytes, zero-padded. */
void rf_w_hckey(struct rf_writer *w, const SaAmfHealthcheckKeyT *k);

/* A reader: any short read, bad length or trailing byte sets `bad`. */
struct rf_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	int bad;
};

void rf_r_init(struct rf_reader *r, const uint8_t *p, size_t len);
uint16_t rf_r_u16(struct rf_reader *r);
uint32_t rf_r_u32(struct rf_reader *r);
uint64_t rf_r_u64(struct rf_reader *r);
void rf_r_name(struct rf_reader *r, SaNameT *out);
void rf_r_hckey(struct rf_reader *r, SaAmfHealthcheckKeyT *out);
/* u32 length then bytes: *data points into the body. */
void rf_r_blob(struct rf_reader *r, const uint8_t **data, uint32_t *len);
/* 0 when the whole body was read and nothing was wrong. */
int rf_r_end(struct rf_reader *r);

uint32_t rf_le32(const uint8_t *p);
uint64_t rf_le64(const uint8_t *p);

#endif
