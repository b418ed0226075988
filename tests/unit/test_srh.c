/*
 * test_srh.c - the Segment Routing Header (dissectors/srh.c; RFC 8754 §2,
 * §2.1 TLVs, §4.3.1.1 checks), reached through the IPv6 chain walk.
 *
 * Each row gives the bytes after the IPv6 header (the SRH, and for a few
 * rows what follows it). The frame is built as
 *   IPv6 2001:db8::1 > fcbb:bbbb:1:: NH 43 (or HBH then 43), Payload Length
 *   = row bytes + tail (+ plen_delta) | row bytes | tail
 * where the tail is UDP 4791 + BTH ACK + AETH + ICRC (28 bytes), so a row
 * that is decoded right ends "ok" with the UDP header found exactly after
 * the SRH. Every field of struct dp_srh is checked, every TLV kind (Pad1,
 * PadN, HMAC with key id and HMAC bytes, unknown), and each malformed and
 * truncated form; every frame is decoded at every shorter capture length.
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

/* segment fcbb:bbbb:000k:: */
#define B_SEG(k) 0xfc, 0xbb, 0xbb, 0xbb, 0x00, (k), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
/* UDP 49152 > 4791 len 28 | BTH RC_ACKNOWLEDGE DestQP 0x12 PSN 5 | AETH MSN 3 | ICRC 0 */
#define B_ROCE_ACK28                                                                               \
	0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, 0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00,     \
	    0x12, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00
/* 32 HMAC bytes 0xa0..0xbf */
#define B_HMAC32                                                                                   \
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae,     \
	    0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, \
	    0xbe, 0xbf

enum { TAIL_ROCE = 0, TAIL_NONE };

struct srh_row {
	const char *name;
	const uint8_t *b; /* bytes after the IPv6 header (and the HBH of hbh_first) */
	uint32_t n;
	bool hbh_first;     /* an 8-byte Hop-by-Hop (NH 43) before the row bytes */
	uint8_t tail;       /* TAIL_ROCE: the 28-byte UDP/BTH tail follows */
	int32_t plen_delta; /* added to the computed IPv6 Payload Length */
	uint32_t cut;       /* bytes missing from the capture */
	enum dp_status status;
	const char *cause;
	uint8_t ev[8], nev;
	bool has_srh;
	struct dp_srh srh; /* expected; hmac_* checked only when has_hmac */
	uint8_t n_ext, upper;
};

static const struct srh_row srh_rows[] = {
	{
		.name = "three segments, every fixed field",
		/* NH 17 | Hdr Ext Len 6 | type 4 | SL 2 | Last Entry 2 | flags 0xa5 | tag 0xbeef |
		 * [0] fcbb:bbbb:1:: [1] fcbb:bbbb:2:: [2] fcbb:bbbb:3:: */
		BYTES(17, 6, 4, 2, 2, 0xa5, 0xbe, 0xef, B_SEG(1), B_SEG(2), B_SEG(3)),
		.status = DP_OK, .cause = "ok", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 6, .sl = 2, .last = 2, .flags = 0xa5,
			.tag = 0xbeef, .nseg = 3, .nseg_cap = 3, .complete = true},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "one segment, SL 0 (at the final segment)",
		/* NH 17 | len 2 | type 4 | SL 0 | Last 0 | flags 0 | tag 0 | [0] fcbb:bbbb:1:: */
		BYTES(17, 2, 4, 0, 0, 0, 0, 0, B_SEG(1)),
		.status = DP_OK, .cause = "ok", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 2, .nseg = 1, .nseg_cap = 1, .complete = true},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "reduced SRH: SL == Last Entry + 1",
		/* NH 17 | len 4 | type 4 | SL 2 | Last 1 | flags 0 | tag 7 | [0] 1:: [1] 2:: (the first
		 * segment lives only in the DA) */
		BYTES(17, 4, 4, 2, 1, 0, 0, 7, B_SEG(1), B_SEG(2)),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_SRH_REDUCED), .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 4, .sl = 2, .last = 1, .tag = 7, .nseg = 2,
			.nseg_cap = 2, .complete = true},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "TLVs: Pad1, PadN(4), Pad1",
		/* NH 17 | len 3 | type 4 | SL 0 | Last 0 | [0] 1:: | Pad1 @64 | PadN len 4 @65 | Pad1 @71 */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x00, 0x04, 0x04, 0, 0, 0, 0, 0x00),
		.status = DP_OK, .cause = "ok", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 3,
			.tlv = {{.type = 0, .len = 0, .off = 64}, {.type = 4, .len = 4, .off = 65},
				{.type = 0, .len = 0, .off = 71}}},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "TLVs: PadN of length 0, PadN(4)",
		/* NH 17 | len 3 | [0] 1:: | PadN len 0 @64 | PadN len 4 @66 */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x04, 0x00, 0x04, 0x04, 0, 0, 0, 0),
		.status = DP_OK, .cause = "ok", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 2,
			.tlv = {{.type = 4, .len = 0, .off = 64}, {.type = 4, .len = 4, .off = 66}}},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "HMAC TLV, D set, key id 0x01020304, 32-byte HMAC",
		/* NH 17 | len 7 | type 4 | SL 0 | Last 0 | flags 0 | tag 0 | [0] 1:: |
		 * HMAC type 5 len 38 @64 | D=1 reserved 0 (0x8000) | key id 0x01020304 | HMAC a0..bf @72 */
		BYTES(17, 7, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x05, 38, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04,
		      B_HMAC32),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_SRH_HMAC), .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 7, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 1, .tlv = {{.type = 5, .len = 38, .off = 64}}, .has_hmac = true,
			.hmac_d = true, .hmac_len = 32, .hmac_keyid = 0x01020304, .hmac_off = 72},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "HMAC TLV, D clear, key id 0xffffffff, 8-byte HMAC, then PadN",
		/* NH 17 | len 5 | [0] 1:: | HMAC len 14 @64 | 0x0000 | key 0xffffffff | 8 bytes c0..c7
		 * @72 | PadN len 6 @80 */
		BYTES(17, 5, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x05, 14, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
		      0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0x04, 0x06, 0, 0, 0, 0, 0, 0),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_SRH_HMAC), .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 5, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 2,
			.tlv = {{.type = 5, .len = 14, .off = 64}, {.type = 4, .len = 6, .off = 80}},
			.has_hmac = true, .hmac_d = false, .hmac_len = 8, .hmac_keyid = 0xffffffff,
			.hmac_off = 72},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "unknown TLV 0x7f kept as type and length",
		/* NH 17 | len 3 | [0] 1:: | type 0x7f len 6 @64 | 6 value bytes 11..16 */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x7f, 0x06, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_SRH_TLV_UNKNOWN), .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 1, .tlv = {{.type = 0x7f, .len = 6, .off = 64}}},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "HMAC TLV too short for its key id is not an HMAC",
		/* NH 17 | len 3 | [0] 1:: | type 5 len 2 @64 (0x0000) | PadN len 2 @68 */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x05, 0x02, 0x00, 0x00, 0x04, 0x02, 0, 0),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_SRH_TLV_UNKNOWN), .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 2,
			.tlv = {{.type = 5, .len = 2, .off = 64}, {.type = 4, .len = 2, .off = 68}}},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "sixteen Pad1: eight recorded, eight counted",
		/* NH 17 | len 4 | [0] 1:: | 16 x Pad1 @64..79 */
		BYTES(17, 4, 4, 0, 0, 0, 0, 0, B_SEG(1), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_SRH_TLV_MANY), .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 4, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 8, .tlv_more = 8,
			.tlv = {{.off = 64}, {.off = 65}, {.off = 66}, {.off = 67}, {.off = 68},
				{.off = 69}, {.off = 70}, {.off = 71}}},
		.n_ext = 1, .upper = 17,
	},
	{
		.name = "two SRHs: the first is decoded, the second noted",
		/* SRH NH 43 len 2 SL 0 Last 0 tag 1 [0] 1:: | SRH NH 17 len 2 SL 0 Last 0 tag 2 [0] 2:: */
		BYTES(43, 2, 4, 0, 0, 0, 0, 1, B_SEG(1), 17, 2, 4, 0, 0, 0, 0, 2, B_SEG(2)),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_SRH_MULTIPLE), .has_srh = true,
		.srh = {.off = 40, .nh = 43, .hdrlen = 2, .tag = 1, .nseg = 1, .nseg_cap = 1,
			.complete = true},
		.n_ext = 2, .upper = 17,
	},
	{
		.name = "SRH after Hop-by-Hop",
		/* (HBH NH 43) | SRH NH 17 len 2 SL 1 Last 0 flags 0x80 [0] 1:: */
		.hbh_first = true, BYTES(17, 2, 4, 1, 0, 0x80, 0, 0, B_SEG(1)),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV6_HBH, DP_E_SRH_REDUCED),
		.has_srh = true,
		.srh = {.off = 48, .nh = 17, .hdrlen = 2, .sl = 1, .flags = 0x80, .nseg = 1,
			.nseg_cap = 1, .complete = true},
		.n_ext = 2, .upper = 17,
	},
	{
		.name = "SRH encapsulating IPv6",
		/* SRH NH 41 len 2 SL 0 [0] 1:: | IPv6 plen 28 NH 17 2001:db8::1 > 2001:db8::2 */
		BYTES(41, 2, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x60, 0, 0, 0, 0x00, 0x1c, 17, 64, 0x20, 0x01,
		      0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0,
		      0, 0, 0, 0, 0, 0, 2),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV6_IN_IPV6), .has_srh = true,
		.srh = {.off = 40, .nh = 41, .hdrlen = 2, .nseg = 1, .nseg_cap = 1, .complete = true},
		.n_ext = 1, .upper = 41,
	},
	{
		.name = "SRH then Next Header 59",
		/* SRH NH 59 len 2 SL 0 [0] 1:: | nothing */
		BYTES(59, 2, 4, 0, 0, 0, 0, 0, B_SEG(1)), .tail = TAIL_NONE,
		.status = DP_UNSUPPORTED, .cause = "ip_proto", .has_srh = true,
		.srh = {.off = 40, .nh = 59, .hdrlen = 2, .nseg = 1, .nseg_cap = 1, .complete = true},
		.n_ext = 1, .upper = 59,
	},
	{
		.name = "Routing type 0 is not an SRH",
		/* RH NH 17 len 2 type 0 SL 1 | reserved 0 | address 2001:db8::9 */
		BYTES(17, 2, 0, 1, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      9),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_RH_OTHER), .has_srh = false, .n_ext = 1,
		.upper = 17,
	},
	{
		.name = "Routing type 3 (RPL) is not an SRH",
		/* RH NH 17 len 2 type 3 SL 1 | CmprI/E 0 pad 0 | address 2001:db8::9 */
		BYTES(17, 2, 3, 1, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      9),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_RH_OTHER), .has_srh = false, .n_ext = 1,
		.upper = 17,
	},
	/* ---- malformed ---- */
	{
		.name = "SL 2 > Last Entry 0 + 1",
		/* NH 17 | len 2 | type 4 | SL 2 | Last 0 | flags 0x01 | tag 0x0102 | [0] 1:: */
		BYTES(17, 2, 4, 2, 0, 0x01, 0x01, 0x02, B_SEG(1)),
		.status = DP_MALFORMED, .cause = "srh_sl_exceeds_last_entry", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 2, .sl = 2, .flags = 1, .tag = 0x0102,
			.nseg = 1, .nseg_cap = 1},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "SL 255 with Last Entry 0",
		/* NH 17 | len 2 | type 4 | SL 255 | Last 0 | [0] 1:: */
		BYTES(17, 2, 4, 255, 0, 0, 0, 0, B_SEG(1)),
		.status = DP_MALFORMED, .cause = "srh_sl_exceeds_last_entry", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 2, .sl = 255, .nseg = 1, .nseg_cap = 1},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "Last Entry 255 in a 24-byte header",
		/* NH 17 | len 2 (room for 1 segment) | type 4 | SL 0 | Last 255 (256 segments) | [0] 1:: */
		BYTES(17, 2, 4, 0, 255, 0, 0, 0, B_SEG(1)),
		.status = DP_MALFORMED, .cause = "srh_segments_overrun", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 2, .last = 255, .nseg = 256, .nseg_cap = 1},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "Hdr Ext Len 0 with SL 1",
		/* NH 17 | len 0 (no room for any segment) | type 4 | SL 1 | Last 0 | flags | tag */
		BYTES(17, 0, 4, 1, 0, 0, 0, 0),
		.status = DP_MALFORMED, .cause = "srh_segments_overrun", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .sl = 1, .nseg = 1, .nseg_cap = 0},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "Last Entry 2 in a header with room for 2",
		/* NH 17 | len 4 | type 4 | SL 0 | Last 2 (3 segments) | [0] 1:: [1] 2:: */
		BYTES(17, 4, 4, 0, 2, 0, 0, 0, B_SEG(1), B_SEG(2)),
		.status = DP_MALFORMED, .cause = "srh_segments_overrun", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 4, .last = 2, .nseg = 3, .nseg_cap = 2},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "segments overrun and SL too large: the overrun is reported",
		/* NH 17 | len 2 | type 4 | SL 9 | Last 3 | [0] 1:: */
		BYTES(17, 2, 4, 9, 3, 0, 0, 0, B_SEG(1)),
		.status = DP_MALFORMED, .cause = "srh_segments_overrun", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 2, .sl = 9, .last = 3, .nseg = 4,
			.nseg_cap = 1},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "PadN longer than the header",
		/* NH 17 | len 3 | [0] 1:: | PadN len 10 @64 with 6 bytes left */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x04, 0x0a, 0, 0, 0, 0, 0, 0),
		.status = DP_MALFORMED, .cause = "srh_tlv_overrun", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "TLV type as the header's last byte, no length",
		/* NH 17 | len 3 | [0] 1:: | PadN len 4 @64 | Pad1 @70 | type 4 @71, length outside */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x04, 0x04, 0, 0, 0, 0, 0x00, 0x04),
		.status = DP_MALFORMED, .cause = "srh_tlv_overrun", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 2,
			.tlv = {{.type = 4, .len = 4, .off = 64}, {.type = 0, .len = 0, .off = 70}}},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "HMAC TLV overrunning the header",
		/* NH 17 | len 3 | [0] 1:: | HMAC len 38 @64 with 6 bytes left | D=1 key 0x00000001 */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x05, 38, 0x80, 0x00, 0x00, 0x00, 0x00, 0x01),
		.status = DP_MALFORMED, .cause = "srh_tlv_overrun", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "SRH of 40 bytes in a 24-byte payload",
		/* IPv6 plen 24 | SRH NH 17 len 4 SL 0 Last 1 [0] 1:: [1] 2:: | tail (outside payload) */
		BYTES(17, 4, 4, 0, 1, 0, 0, 0, B_SEG(1), B_SEG(2)), .plen_delta = -44,
		.status = DP_MALFORMED, .cause = "ipv6_ext_overrun", EVENTS(DP_E_TRAILER),
		.has_srh = true, .srh = {.off = 40, .nh = 17, .hdrlen = 4, .last = 1, .nseg = 2},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "Hdr Ext Len 255 (2048 bytes)",
		/* NH 17 | len 255 | type 4 | SL 0 | Last 0 | [0] 1:: */
		BYTES(17, 255, 4, 0, 0, 0, 0, 0, B_SEG(1)),
		.status = DP_MALFORMED, .cause = "ipv6_ext_overrun", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 255, .nseg = 1},
		.n_ext = 1, .upper = 43,
	},
	/* ---- truncated ---- */
	{
		.name = "capture ends inside segment [1]",
		/* the three-segment SRH, captured up to 8 bytes into [1] */
		BYTES(17, 6, 4, 2, 2, 0xa5, 0xbe, 0xef, B_SEG(1), B_SEG(2), B_SEG(3)), .cut = 52,
		.status = DP_TRUNCATED, .cause = "srh_truncated", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 6, .sl = 2, .last = 2, .flags = 0xa5,
			.tag = 0xbeef, .nseg = 3, .nseg_cap = 1},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "capture ends after the segment list, before the HMAC TLV",
		/* the HMAC row captured up to the end of [0] */
		BYTES(17, 7, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x05, 38, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04,
		      B_HMAC32),
		.cut = 68, .status = DP_TRUNCATED, .cause = "srh_truncated", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 7, .nseg = 1, .nseg_cap = 1, .complete = true},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "capture ends inside the HMAC",
		/* the HMAC row captured up to 12 bytes into the HMAC value */
		BYTES(17, 7, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x05, 38, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04,
		      B_HMAC32),
		.cut = 48, .status = DP_TRUNCATED, .cause = "srh_truncated", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 7, .nseg = 1, .nseg_cap = 1, .complete = true},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "capture ends between a TLV's type and length",
		/* the unknown-TLV row captured up to the type byte 0x7f */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x7f, 0x06, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16),
		.cut = 35, .status = DP_TRUNCATED, .cause = "srh_truncated", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "capture ends after the first Pad1",
		/* the Pad1/PadN/Pad1 row captured up to its first TLV */
		BYTES(17, 3, 4, 0, 0, 0, 0, 0, B_SEG(1), 0x00, 0x04, 0x04, 0, 0, 0, 0, 0x00), .cut = 35,
		.status = DP_TRUNCATED, .cause = "srh_truncated", .has_srh = true,
		.srh = {.off = 40, .nh = 17, .hdrlen = 3, .nseg = 1, .nseg_cap = 1, .complete = true,
			.ntlv = 1, .tlv = {{.type = 0, .len = 0, .off = 64}}},
		.n_ext = 1, .upper = 43,
	},
	{
		.name = "capture ends inside the first 8 bytes",
		/* the three-segment SRH captured up to its Segments Left */
		BYTES(17, 6, 4, 2, 2, 0xa5, 0xbe, 0xef, B_SEG(1), B_SEG(2), B_SEG(3)), .cut = 80,
		.status = DP_TRUNCATED, .cause = "ipv6_ext_truncated", .has_srh = false,
		.n_ext = 1, .upper = 43,
	},
};

/*
 * Build the frame of a row into f (>= 512 bytes); returns its length.
 * IPv6 2001:db8::1 > fcbb:bbbb:1::, traffic class 0, hop limit 64.
 */
static uint32_t build(const struct srh_row *r, uint8_t *f)
{
	/* v6 | plen (set below) | NH 43 | hop limit 64 | 2001:db8::1 | fcbb:bbbb:1:: */
	static const uint8_t v6[40] = {0x60, 0, 0, 0, 0, 0, 43, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 0, 1, B_SEG(1)};
	/* Hop-by-Hop NH 43 len 0 PadN(4) */
	static const uint8_t hbh[8] = {43, 0, 0x01, 0x04, 0, 0, 0, 0};
	static const uint8_t tail[28] = {B_ROCE_ACK28};
	uint32_t n = 40;

	memcpy(f, v6, 40);
	if (r->hbh_first) {
		f[6] = 0;
		memcpy(f + n, hbh, 8);
		n += 8;
	}
	memcpy(f + n, r->b, r->n);
	n += r->n;
	if (r->tail == TAIL_ROCE) {
		memcpy(f + n, tail, 28);
		n += 28;
	}
	uint32_t plen = (uint32_t)((int32_t)(n - 40) + r->plen_delta);
	f[4] = (uint8_t)(plen >> 8);
	f[5] = (uint8_t)plen;
	return n;
}

static void check_srh(const struct srh_row *r, const uint8_t *f, const struct dpkt *d)
{
	const struct dp_srh *e = &r->srh, *s = &d->ip[0].srh;
	CHECK_EQ_U(s->off, e->off);
	CHECK_EQ_U(s->nh, e->nh);
	CHECK_EQ_U(s->hdrlen, e->hdrlen);
	CHECK_EQ_U(s->sl, e->sl);
	CHECK_EQ_U(s->last, e->last);
	CHECK_EQ_U(s->flags, e->flags);
	CHECK_EQ_U(s->tag, e->tag);
	CHECK_EQ_U(s->nseg, e->nseg);
	CHECK_EQ_U(s->nseg_cap, e->nseg_cap);
	CHECK_EQ_U(s->complete, e->complete);
	CHECK_EQ_U(s->ntlv, e->ntlv);
	CHECK_EQ_U(s->tlv_more, e->tlv_more);
	for (unsigned k = 0; k < e->ntlv && k < s->ntlv; k++) {
		CHECK_EQ_U(s->tlv[k].type, e->tlv[k].type);
		CHECK_EQ_U(s->tlv[k].len, e->tlv[k].len);
		CHECK_EQ_U(s->tlv[k].off, e->tlv[k].off);
	}
	CHECK_EQ_U(s->has_hmac, e->has_hmac);
	if (e->has_hmac && s->has_hmac) {
		CHECK_EQ_U(s->hmac_d, e->hmac_d);
		CHECK_EQ_U(s->hmac_keyid, e->hmac_keyid);
		CHECK_EQ_U(s->hmac_len, e->hmac_len);
		CHECK_EQ_U(s->hmac_off, e->hmac_off);
		/* the HMAC bytes are where hmac_off says: they start at 0xa0 or 0xc0 */
		CHECK_EQ_U(f[s->hmac_off], e->hmac_len == 32 ? 0xa0 : 0xc0);
		CHECK_EQ_U(f[s->hmac_off + s->hmac_len - 1], e->hmac_len == 32 ? 0xbf : 0xc7);
	}
	/* the readable segments are the row's: segment [i] is fcbb:bbbb:(i+1)::, or 2:: in the
	 * second-SRH row where the second header is never read */
	for (unsigned i = 0; i < s->nseg_cap; i++) {
		const uint8_t seg[16] = {B_SEG((uint8_t)(i + 1))};
		CHECK(memcmp(f + s->off + 8 + 16 * i, seg, 16) == 0);
	}
}

static void test_srh_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(srh_rows) / sizeof(srh_rows[0]); i++) {
		const struct srh_row *r = &srh_rows[i];
		uint8_t f[512];
		uint32_t n = build(r, f);
		struct dpkt d;
		row(r->name);
		decode(&o, DP_LINK_IPV6, f, n - r->cut, n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		check_events(&d, r->ev, r->nev);
		CHECK(d.nip >= 1);
		if (!d.nip)
			continue;
		CHECK_EQ_U(d.ip[0].has_srh, r->has_srh);
		if (r->has_srh && d.ip[0].has_srh)
			check_srh(r, f, &d);
		CHECK_EQ_U(d.ip[0].n_ext, r->n_ext);
		CHECK_EQ_U(d.ip[0].ext[r->n_ext - 1], 43);
		CHECK_EQ_U(d.ip[0].upper, r->upper);
		if (r->status == DP_OK) {
			/* the chain ended exactly where the row bytes (up to an inner IPv6) end */
			uint32_t end = 40 + (r->hbh_first ? 8 : 0) + r->n;
			CHECK_EQ_U(d.has_udp, 1);
			CHECK_EQ_U(d.udp_off, end);
			CHECK_EQ_U(d.has_bth, 1);
		}
	}
}

static void test_srh_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(srh_rows) / sizeof(srh_rows[0]); i++) {
		uint8_t f[512];
		uint32_t n = build(&srh_rows[i], f);
		row(srh_rows[i].name);
		sweep(&o, DP_LINK_IPV6, f, n);
	}
}

/* Every Segments Left 0..255 against Last Entry 2: only SL <= 3 passes, SL 3 is reduced. */
static void test_srh_sl_all(void)
{
	const struct srh_row base = {
		/* NH 17 | len 6 | type 4 | SL (varied) | Last 2 | [0] 1:: [1] 2:: [2] 3:: */
		BYTES(17, 6, 4, 0, 2, 0, 0, 0, B_SEG(1), B_SEG(2), B_SEG(3)),
	};
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (unsigned sl = 0; sl < 256; sl++) {
		uint8_t f[512];
		uint32_t n = build(&base, f);
		struct dpkt d;
		f[40 + 3] = (uint8_t)sl;
		row("Segments Left sweep");
		decode(&o, DP_LINK_IPV6, f, n, n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), sl <= 3 ? "ok" : "srh_sl_exceeds_last_entry");
		CHECK_EQ_U(d.ip[0].srh.sl, sl);
		bool reduced = d.nevent == 1 && d.event[0] == DP_E_SRH_REDUCED;
		CHECK_EQ_U(reduced, sl == 3);
	}
}

/* More distinct events than DP_MAX_EVENTS: seven kept, the eighth slot says events_lost. */
static void test_srh_event_cap(void)
{
	/*
	 * Ethernet 0x86dd | IPv6 plen 152 NH 0 | HBH NH 60 | DstOpts NH 43 | RH type 0 NH 43 len 0 |
	 * SRH NH 43 len 6 SL 1 Last 0 [0] 1:: + HMAC(len 14) + type 0x7f len 0 + 14 x Pad1 |
	 * second SRH NH 4 len 2 [0] 2:: | IPv4 total 48 UDP | RoCE ACK | 4 bytes of padding
	 */
	static const uint8_t f[] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd,
		/* v6 plen 152 NH 0 hop 64 src 2001:db8::1 dst fcbb:bbbb:1:: */
		0x60, 0, 0, 0, 0x00, 0x98, 0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 1, B_SEG(1),
		/* HBH NH 60 len 0 PadN(4) */
		60, 0, 0x01, 0x04, 0, 0, 0, 0,
		/* DstOpts NH 43 len 0 PadN(4) */
		43, 0, 0x01, 0x04, 0, 0, 0, 0,
		/* RH NH 43 len 0 type 0 SL 0 */
		43, 0, 0, 0, 0, 0, 0, 0,
		/* SRH NH 43 len 6 type 4 SL 1 Last 0 | [0] 1:: | HMAC len 14 D=0 key 1 HMAC 8 bytes |
		 * type 0x7f len 0 | 14 x Pad1 (56 bytes in all) */
		43, 6, 4, 1, 0, 0, 0, 0, B_SEG(1), 0x05, 14, 0, 0, 0, 0, 0, 1, 0xc0, 0xc1, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7, 0x7f, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* second SRH NH 4 len 2 type 4 SL 0 Last 0 [0] 2:: */
		4, 2, 4, 0, 0, 0, 0, 0, B_SEG(2),
		/* IPv4 10.0.0.1 > 10.0.0.2 total 48 UDP */
		0x45, 0x00, 0x00, 0x30, 0, 0, 0, 0, 0x40, 0x11, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		B_ROCE_ACK28,
		/* Ethernet padding */
		0, 0, 0, 0};
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);
	o.check_icrc = false;
	row("ten kinds of event");
	decode(&o, DP_LINK_ETHERNET, f, sizeof(f), sizeof(f), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.nevent, DP_MAX_EVENTS);
	CHECK_EQ_U(d.event[DP_MAX_EVENTS - 1], DP_E_EVENTS_LOST);
	CHECK_EQ_U(d.ip[0].srh.ntlv, DP_MAX_TLV);
	CHECK_EQ_U(d.ip[0].srh.has_hmac, 1);
	CHECK_EQ_U(d.nip, 2);
	/* no event appears twice */
	for (unsigned i = 0; i < d.nevent; i++)
		for (unsigned k = i + 1; k < d.nevent; k++)
			CHECK(d.event[i] != d.event[k]);
	sweep(&o, DP_LINK_ETHERNET, f, sizeof(f));
}

/*
 * dissect() resets only the counters and flags of a dpkt (dissect.c): a
 * dpkt full of stale bytes must decode to the same result, field for field,
 * wherever a flag or count says the field is filled.
 */
static void check_same(const struct dpkt *a, const struct dpkt *b)
{
	CHECK_EQ_U(a->status, b->status);
	CHECK_EQ_U(a->cause, b->cause);
	CHECK_EQ_U(a->nevent, b->nevent);
	CHECK(memcmp(a->event, b->event, a->nevent < DP_MAX_EVENTS ? a->nevent : DP_MAX_EVENTS) == 0);
	CHECK_EQ_U(a->nip, b->nip);
	for (unsigned i = 0; i < a->nip && i < b->nip && i < DP_MAX_IP; i++) {
		const struct dp_ip *x = &a->ip[i], *y = &b->ip[i];
		CHECK_EQ_U(x->v, y->v);
		CHECK_EQ_U(x->hlen, y->hlen);
		CHECK_EQ_U(x->plen, y->plen);
		CHECK_EQ_U(x->upper, y->upper);
		CHECK_EQ_U(x->n_ext, y->n_ext);
		CHECK(memcmp(x->ext, y->ext, x->n_ext < DP_MAX_EXT ? x->n_ext : DP_MAX_EXT) == 0);
		CHECK_EQ_U(x->frag, y->frag);
		CHECK_EQ_U(x->in_block, y->in_block);
		CHECK_EQ_U(x->has_srh, y->has_srh);
		if (x->has_srh && y->has_srh) {
			const struct dp_srh *p = &x->srh, *q = &y->srh;
			CHECK_EQ_U(p->nseg, q->nseg);
			CHECK_EQ_U(p->nseg_cap, q->nseg_cap);
			CHECK_EQ_U(p->complete, q->complete);
			CHECK_EQ_U(p->ntlv, q->ntlv);
			CHECK_EQ_U(p->tlv_more, q->tlv_more);
			for (unsigned k = 0; k < p->ntlv && k < DP_MAX_TLV; k++)
				CHECK(p->tlv[k].type == q->tlv[k].type && p->tlv[k].len == q->tlv[k].len &&
				      p->tlv[k].off == q->tlv[k].off);
			CHECK_EQ_U(p->has_hmac, q->has_hmac);
			if (p->has_hmac && q->has_hmac)
				CHECK(p->hmac_keyid == q->hmac_keyid && p->hmac_off == q->hmac_off &&
				      p->hmac_len == q->hmac_len && p->hmac_d == q->hmac_d);
		}
	}
	CHECK_EQ_U(a->has_udp, b->has_udp);
	if (a->has_udp && b->has_udp)
		CHECK(a->udp_off == b->udp_off && a->ulen == b->ulen && a->dport == b->dport);
	CHECK_EQ_U(a->roce, b->roce);
	CHECK_EQ_U(a->has_bth, b->has_bth);
	CHECK_EQ_U(a->ext, b->ext);
	CHECK_EQ_U(a->has_payload, b->has_payload);
	if (a->has_payload && b->has_payload)
		CHECK(a->payload_off == b->payload_off && a->payload_len == b->payload_len);
	CHECK_EQ_U(a->icrc_status, b->icrc_status);
	CHECK_EQ_U(a->neth, b->neth);
	CHECK_EQ_U(a->nvlan, b->nvlan);
	CHECK_EQ_U(a->has_sll, b->has_sll);
	CHECK_EQ_U(a->has_grh, b->has_grh);
	CHECK_EQ_U(a->has_pfc, b->has_pfc);
}

static void test_srh_stale_dpkt(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	struct dpkt *stale = malloc(sizeof(*stale));
	if (!stale)
		abort();
	for (size_t i = 0; i < sizeof(srh_rows) / sizeof(srh_rows[0]); i++) {
		uint8_t f[512];
		uint32_t n = build(&srh_rows[i], f);
		struct dpkt fresh;
		row(srh_rows[i].name);
		for (uint32_t cap = 0; cap <= n; cap++) {
			decode(&o, DP_LINK_IPV6, f, cap, n, &fresh);
			/* the previous row's full decode, then garbage over the rest */
			memset(stale, 0xa5, sizeof(*stale));
			if (i > 0) {
				uint8_t g[512];
				uint32_t m = build(&srh_rows[i - 1], g);
				dissect(&o, DP_LINK_IPV6, g, m, m, stale);
			}
			dissect(&o, DP_LINK_IPV6, f, cap, n, stale);
			check_same(&fresh, stale);
		}
	}
	free(stale);
}

int main(void)
{
	RUN(test_srh_table);
	RUN(test_srh_short_captures);
	RUN(test_srh_sl_all);
	RUN(test_srh_event_cap);
	RUN(test_srh_stale_dpkt);
	return unit_done();
}
