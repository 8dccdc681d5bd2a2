/*
 * Decodes an IPC test vector (a .hex file of test/vectors/ipc) with the C codec
 * (native/src/codec.c) and prints what it found as one JSON line, in the
 * shape of the vector's "# expect" line (test/native/vectors.test.ts).
 *   vectors MESSAGE FILE
 * MESSAGE names the body layout, as the vector's expect line does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"

static size_t read_hex(const char *path, uint8_t *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return (size_t)-1;
	char line[4096];
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		for (char *p = strtok(line, " \t\r\n"); p; p = strtok(NULL, " \t\r\n"))
			for (size_t i = 0; p[i] && p[i + 1] && n < cap; i += 2) {
				char b[3] = { p[i], p[i + 1], 0 };
				out[n++] = (uint8_t)strtoul(b, NULL, 16);
			}
	}
	fclose(f);
	return n;
}

static void json_string(const uint8_t *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (p[i] < 0x20)
			printf("\\u%04x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	static uint8_t buf[RF_FRAME_BYTES_MAX + 64];
	if (argc != 3) {
		fprintf(stderr, "usage: vectors MESSAGE FILE\n");
		return 2;
	}
	const char *msg = argv[1];
	size_t n = read_hex(argv[2], buf, sizeof buf);
	if (n == (size_t)-1 || n < RF_HEADER_BYTES) {
		printf("{\"malformed\":true,\"why\":\"short\"}\n");
		return 0;
	}
	struct rf_header h;
	if (rf_header_decode(buf, RF_FRAME_BYTES_MAX, &h) < 0) {
		printf("{\"malformed\":true}\n");
		return 0;
	}
	if (h.size != n) {
		printf("{\"error\":\"frame size %u but %zu bytes\"}\n", h.size, n);
		return 1;
	}
	uint8_t again[RF_HEADER_BYTES];
	rf_header_encode(again, h.size, h.id, h.error, h.seq);
	int same = memcmp(again, buf, RF_HEADER_BYTES) == 0;
	struct rf_reader r;
	rf_r_init(&r, buf + RF_HEADER_BYTES, n - RF_HEADER_BYTES);
	printf("{\"message\":\"%s\",\"id\":%u,\"error\":%u,\"seq\":%u,\"reencoded\":%s,\"body\":", msg, h.id, h.error, h.seq,
		same ? "true" : "false");
	if (strcmp(msg, "ReqIpcResponseInit") == 0) {
		uint32_t service = rf_r_u32(&r), version = rf_r_u32(&r);
		printf("{\"service\":%u,\"version\":%u}", service, version);
	} else if (strcmp(msg, "ResIpcResponseInit") == 0) {
		if (r.len == 0) {
			printf("null");
		} else {
			uint64_t token = rf_r_u64(&r);
			uint32_t max = rf_r_u32(&r), pid = rf_r_u32(&r);
			printf("{\"token\":\"0x%016" PRIx64 "\",\"frameBytesMax\":%u,\"executivePid\":%u}", token, max, pid);
		}
	} else if (strcmp(msg, "ReqIpcDispatchInit") == 0) {
		uint32_t service = rf_r_u32(&r), version = rf_r_u32(&r);
		uint64_t token = rf_r_u64(&r);
		printf("{\"service\":%u,\"version\":%u,\"token\":\"0x%016" PRIx64 "\"}", service, version, token);
	} else if (strcmp(msg, "ResIpcDispatchInit") == 0 || strcmp(msg, "CbCfgShutdown") == 0) {
		printf("null");
	} else if (strcmp(msg, "ReqLibCfgPing") == 0) {
		printf("{\"payload\":");
		json_string(r.p, r.len);
		r.off = r.len;
		printf("}");
	} else if (strcmp(msg, "ResLibCfgStatusGet") == 0) {
		const uint8_t *p;
		uint32_t len;
		rf_r_blob(&r, &p, &len);
		printf("{\"json\":");
		json_string(p ? p : (const uint8_t *)"", len);
		printf("}");
	} else {
		printf("null,\"unknown\":true}\n");
		return 1;
	}
	printf(",\"consumed\":%s}\n", rf_r_end(&r) == 0 ? "true" : "false");
	return 0;
}
