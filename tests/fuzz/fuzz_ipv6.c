/*
 * fuzz_ipv6.c - IPv6 and its extension-header chain (ipv6.c), the Segment
 * Routing Header and its TLVs (srh.c), and what IPv6 carries, from link
 * type 229 (raw IPv6). With bit 0 of the flag byte the Payload Length is
 * set to what follows the fixed header, so the fuzzer reaches the chain.
 * Input: see fuzz_common.h.
 */
#include "fuzz_common.h"

static void fix_len(uint8_t *f, size_t hlen, size_t n, uint8_t flags)
{
	(void)hlen;
	if ((flags & 1) && n >= 40) {
		f[4] = (uint8_t)((n - 40) >> 8);
		f[5] = (uint8_t)(n - 40);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, DP_LINK_IPV6, NULL, 0, fix_len);
}
