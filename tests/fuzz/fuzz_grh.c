/*
 * fuzz_grh.c - RoCEv1 (grh.c): the input starts at the Global Route
 * Header; the target puts an Ethernet header with EtherType 0x8915 in
 * front. With bit 0 of the flag byte the GRH PayLen is set to what follows
 * it. A packet whose ICRC does not match is decoded again with the right
 * one written in (as fuzz_udp.c does). Input: see fuzz_common.h.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x89, 0x15};
	fz_setup();
	if (size < 2 || size - 2 > 65000)
		return 0;
	uint8_t flags = data[0], extra = data[1];
	size_t n = sizeof(eth) + size - 2;
	uint8_t *frame = malloc(n);
	if (!frame)
		return 0;
	memcpy(frame, eth, sizeof(eth));
	memcpy(frame + sizeof(eth), data + 2, size - 2);
	if ((flags & 1) && n >= 14 + 40) {
		size_t pl = n - 14 - 40;
		frame[14 + 4] = (uint8_t)(pl >> 8);
		frame[14 + 5] = (uint8_t)pl;
	}
	struct dpkt d;
	fz_dissect(flags, DP_LINK_ETHERNET, frame, (uint32_t)n, extra, &d);
	if (fz_icrc_fix(frame, (uint32_t)n, &d)) {
		fz_dissect(flags, DP_LINK_ETHERNET, frame, (uint32_t)n, extra, &d);
		if (d.icrc_status != DP_ICRC_VALID) {
			fprintf(stderr, "fuzz_grh: ICRC written from icrc_compute() does not verify\n");
			abort();
		}
	}
	free(frame);
	return 0;
}
