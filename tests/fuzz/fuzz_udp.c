/*
 * fuzz_udp.c - UDP (udp.c), the BTH and extended transport headers
 * (bth.c) and the ICRC (icrc.c). The input starts at the UDP header; the
 * target builds the layers in front, by the variant bits of the flag byte:
 *   0  Ethernet | IPv4                      3  raw IPv4 with 4 bytes of options
 *   1  Ethernet | IPv6                      (link type 101)
 *   2  Ethernet | IPv6 | SRH (2 segments, SL 1: the in-line layout of the lab)
 * and sets their length fields to what follows. Bit 6 of the flag byte
 * sets the UDP length too (else it is the fuzzer's). A RoCE packet whose
 * ICRC does not match is decoded a second time with the right ICRC written
 * in, so the "valid" branch is reached. Input: see fuzz_common.h.
 */
#include "fuzz_common.h"

#define MAXH (14 + 40 + 40)

static size_t build(unsigned variant, uint8_t *h, uint32_t *lt)
{
	static const uint8_t mac[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	static const uint8_t v4[20] = {0x45, 0x68, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0,
				       10,   0,    0, 1, 10, 0, 0,    2};
	static const uint8_t v6[40] = {0x60, 0x00, 0x00, 0x00, 0, 0, 17, 64,
				       0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
				       0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t srh[40] = {17, 4, 4, 1, 1, 0, 0, 0,
					0x20, 0x01, 0x0d, 0xb8, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
					0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	size_t n = 0;
	*lt = DP_LINK_ETHERNET;
	if (variant != 3) {
		memcpy(h, mac, 12);
		h[12] = variant == 0 ? 0x08 : 0x86;
		h[13] = variant == 0 ? 0x00 : 0xdd;
		n = 14;
	}
	switch (variant) {
	case 0:
		memcpy(h + n, v4, 20);
		n += 20;
		break;
	case 1:
		memcpy(h + n, v6, 40);
		n += 40;
		break;
	case 2:
		memcpy(h + n, v6, 40);
		h[n + 6] = 43;
		memcpy(h + n + 40, srh, 40);
		n += 80;
		break;
	default:
		*lt = DP_LINK_RAW;
		memcpy(h, v4, 20);
		h[0] = 0x46;
		memset(h + 20, 1, 4); /* four NOP options */
		n = 24;
		break;
	}
	return n;
}

/* Set the IP length fields of the header built by build() for `total` bytes. */
static void fix(unsigned variant, uint8_t *f, size_t hlen, size_t total, bool udp)
{
	size_t body = total - hlen;
	if (variant == 0 || variant == 3) {
		size_t ip = variant == 0 ? 14 : 0, tl = total - ip;
		f[ip + 2] = (uint8_t)(tl >> 8);
		f[ip + 3] = (uint8_t)tl;
	} else {
		size_t pl = total - 14 - 40;
		f[14 + 4] = (uint8_t)(pl >> 8);
		f[14 + 5] = (uint8_t)pl;
	}
	if (udp && body >= 6) {
		f[hlen + 4] = (uint8_t)(body >> 8);
		f[hlen + 5] = (uint8_t)body;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_setup();
	if (size < 2 || size - 2 > 65000)
		return 0;
	uint8_t flags = data[0], extra = data[1];
	uint8_t hdr[MAXH];
	uint32_t lt;
	unsigned variant = flags & FZ_VARIANT;
	size_t hlen = build(variant, hdr, &lt);
	size_t n = hlen + size - 2;
	uint8_t *frame = malloc(n);
	if (!frame)
		return 0;
	memcpy(frame, hdr, hlen);
	memcpy(frame + hlen, data + 2, size - 2);
	fix(variant, frame, hlen, n, (flags & 0x40) != 0);
	struct dpkt d;
	fz_dissect(flags & ~FZ_NFLEN8, lt, frame, (uint32_t)n, extra, &d);
	if (fz_icrc_fix(frame, (uint32_t)n, &d)) {
		fz_dissect(flags & ~FZ_NFLEN8, lt, frame, (uint32_t)n, extra, &d);
		if (d.icrc_status != DP_ICRC_VALID) {
			fprintf(stderr, "fuzz_udp: ICRC written from icrc_compute() does not verify\n");
			abort();
		}
	}
	free(frame);
	return 0;
}
