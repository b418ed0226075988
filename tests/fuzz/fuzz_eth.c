/*
 * fuzz_eth.c - Ethernet II, 802.3 length frames and VLAN tags (eth.c), and
 * everything an Ethernet frame leads to. Input: see fuzz_common.h; the
 * frame starts with the destination MAC.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, DP_LINK_ETHERNET, NULL, 0, NULL);
}
