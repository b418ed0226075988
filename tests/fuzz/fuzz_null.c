/*
 * fuzz_null.c - BSD loopback (null.c) and the raw IP link types
 * (dissect.c): the variant bits of the flag byte pick NULL (0), LOOP (108),
 * RAW (101) or DLT_RAW (12). Input: see fuzz_common.h.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t lt[4] = {DP_LINK_NULL, DP_LINK_LOOP, DP_LINK_RAW, DP_LINK_RAW_DLT};
	return fz_run(data, size, size ? lt[data[0] & FZ_VARIANT] : 0, NULL, 0, NULL);
}
