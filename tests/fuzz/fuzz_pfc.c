/*
 * fuzz_pfc.c - MAC Control frames (pfc.c): 802.3x PAUSE and 802.1Qbb PFC.
 * The target puts an Ethernet header with EtherType 0x8808 in front of the
 * input (bit 0 of the flag byte: with an 802.1Q tag before it), so every
 * input is a MAC Control frame. Input: see fuzz_common.h.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t eth[] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02, 0x00,
				      0x00, 0x00, 0x00, 0x01, 0x88, 0x08};
	static const uint8_t eth_vlan[] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00,
					   0x00, 0x00, 0x01, 0x81, 0x00, 0x60, 0x64, 0x88, 0x08};
	if (size && (data[0] & 1))
		return fz_run(data, size, DP_LINK_ETHERNET, eth_vlan, sizeof(eth_vlan), NULL);
	return fz_run(data, size, DP_LINK_ETHERNET, eth, sizeof(eth), NULL);
}
