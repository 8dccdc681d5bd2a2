/* The IPC wire format: see codec.h and docs/ipc-protocol.md. */
#include <string.h>
#include "codec.h"

uint32_t rf_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t rf_le64(const uint8_t *p)
{
	return (uint64_t)rf_le32(p) | (uint64_t)rf_le32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int rf_header_decode(const uint8_t *p, uint32_t frame_max, struct rf_header *h)
{
	h->size = rf_le32(p);
	h->id = rf_le32(p + 4);
	h->error = rf_le32(p + 8);
	h->seq = rf_le32(p + 12);
	if (h->size < RF_HEADER_BYTES || h->size > frame_max)
		return -1;
	return 0;
}

void rf_header_encode(uint8_t *p, uint32_t size, uint32_t id, uint32_t error, uint32_t seq)
{
	put32(p, size);
	put32(p + 4, id);
	put32(p + 8, error);
	put32(p + 12, seq);
}

void rf_w_init(struct rf_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->off = 0;
	w->overflow = 0;
}

static uint8_t *room(struct rf_writer *w, size_t n)
{
	if (w->overflow || w->cap - w->off < n) {
		w->overflow = 1;
		return NULL;
	}
	uint8_t *p = w->buf + w->off;
	w->off += n;
	return p;
}

void rf_w_u16(struct rf_writer *w, uint16_t v)
{
	uint8_t *p = room(w, 2);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

void rf_w_u32(struct rf_writer *w, uint32_t v)
{
	uint8_t *p = room(w, 4);
	if (p)
		put32(p, v);
}

void rf_w_u64(struct rf_writer *w, uint64_t v)
{
	uint8_t *p = room(w, 8);
	if (p) {
		put32(p, (uint32_t)v);
		put32(p + 4, (uint32_t)(v >> 32));
	}
}

void rf_w_name(struct rf_writer *w, const SaNameT *n)
{
	uint16_t len = n ? n->length : 0;
	if (len > SA_MAX_NAME_LENGTH) {
		w->overflow = 1;
		return;
	}
	rf_w_u16(w, len);
	uint8_t *p = room(w, SA_MAX_NAME_LENGTH);
	if (p) {
		if (len)
			memcpy(p, n->value, len);
		memset(p + len, 0, SA_MAX_NAME_LENGTH - len);
	}
}

void rf_w_hckey(struct rf_writer *w, const SaAmfHealthcheckKeyT *k)
{
	uint16_t len = k->keyLen;
	if (len > SA_AMF_HEALTHCHECK_KEY_MAX) {
		w->overflow = 1;
		return;
	}
	rf_w_u16(w, len);
	uint8_t *p = room(w, SA_AMF_HEALTHCHECK_KEY_MAX);
	if (p) {
		memcpy(p, k->key, len);
		memset(p + len, 0, SA_AMF_HEALTHCHECK_KEY_MAX - len);
	}
}

void rf_r_init(struct rf_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = 0;
}

static const uint8_t *take(struct rf_reader *r, size_t n)
{
	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

uint16_t rf_r_u16(struct rf_reader *r)
{
	const uint8_t *p = take(r, 2);
	return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t rf_r_u32(struct rf_reader *r)
{
	const uint8_t *p = take(r, 4);
	return p ? rf_le32(p) : 0;
}

uint64_t rf_r_u64(struct rf_reader *r)
{
	const uint8_t *p = take(r, 8);
	return p ? rf_le64(p) : 0;
}

void rf_r_name(struct rf_reader *r, SaNameT *out)
{
	uint16_t len = rf_r_u16(r);
	const uint8_t *p = take(r, SA_MAX_NAME_LENGTH);
	memset(out, 0, sizeof *out);
	if (!p)
		return;
	if (len > SA_MAX_NAME_LENGTH) {
		r->bad = 1;
		return;
	}
	out->length = len;
	memcpy(out->value, p, len);
}

void rf_r_hckey(struct rf_reader *r, SaAmfHealthcheckKeyT *out)
{
	uint16_t len = rf_r_u16(r);
	const uint8_t *p = take(r, SA_AMF_HEALTHCHECK_KEY_MAX);
	memset(out, 0, sizeof *out);
	if (!p)
		return;
	if (len > SA_AMF_HEALTHCHECK_KEY_MAX) {
		r->bad = 1;
		return;
	}
	out->keyLen = len;
	memcpy(out->key, p, len);
}

void rf_r_blob(struct rf_reader *r, const uint8_t **data, uint32_t *len)
{
	uint32_t n = rf_r_u32(r);
	const uint8_t *p = take(r, n);
	*data = p;
	*len = p ? n : 0;
}

int rf_r_end(struct rf_reader *r)
{
	return r->bad || r->off != r->len ? -1 : 0;
}
