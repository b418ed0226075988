/*
 * fuzz_sll.c - Linux cooked headers (sll.c): SLL (113) when bit 0 of the
 * flag byte is clear, SLL2 (276) when set. Input: see fuzz_common.h.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t lt = size && (data[0] & 1) ? DP_LINK_SLL2 : DP_LINK_SLL;
	return fz_run(data, size, lt, NULL, 0, NULL);
}
