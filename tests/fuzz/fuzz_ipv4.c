/*
 * fuzz_ipv4.c - IPv4 (ipv4.c) from link type 228 (raw IPv4). With bit 0 of
 * the flag byte the Total Length is set to the frame's length, so the
 * fuzzer gets past the length check and into UDP, BTH and encapsulation.
 * Input: see fuzz_common.h.
 */
#include "fuzz_common.h"

static void fix_len(uint8_t *f, size_t hlen, size_t n, uint8_t flags)
{
	(void)hlen;
	if ((flags & 1) && n >= 4) {
		f[2] = (uint8_t)(n >> 8);
		f[3] = (uint8_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, DP_LINK_IPV4, NULL, 0, fix_len);
}
