/*
 * test_ipv6.c - IPv6 and the extension-header chain (dissectors/ipv6.c;
 * RFC 8200 §3-4).
 *
 * Payload Length against the frame (overrun is malformed, a shorter one
 * leaves a trailer that later layers cannot read), the chain walk over
 * Hop-by-Hop (0), Destination Options (60), Routing (43, a type other than 4
 * is skipped and noted) and Fragment (44, unsupported with the event), the
 * DP_MAX_EXT cap (a chain of 9, and of 100, headers), an extension header
 * overrunning the payload, the jumbogram, Next Header 59, and what IPv6
 * carries: IPv4 (4), IPv6 (41), Ethernet (143). Frames are LINKTYPE_IPV6.
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

#define EXTS(...) .ext = {__VA_ARGS__}, .n_ext = sizeof((const uint8_t[]){__VA_ARGS__})

struct ipv6_row {
	const char *name;
	uint32_t linktype; /* 0 here means LINKTYPE_IPV6 */
	const uint8_t *b;
	uint32_t n, cut;
	enum dp_status status;
	const char *cause;
	uint8_t ev[6], nev;
	uint8_t nip;
	/* ip[0], checked when nip > 0 */
	uint32_t off;
	uint8_t dscp, ecn;
	uint32_t flow;
	uint32_t plen;
	uint8_t nh, hlim;
	uint32_t hlen;
	uint8_t upper;
	uint8_t ext[DP_MAX_EXT], n_ext;
	bool frag;
	uint16_t frag_off;
	uint8_t neth;
	bool roce;
};

/* src 2001:db8::1 */
#define B_SRC 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
/* dst 2001:db8::2 */
#define B_DST 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
/* UDP 49152 > 4791 len 28 | BTH RC_ACKNOWLEDGE DestQP 0x12 PSN 5 | AETH MSN 3 | ICRC 0 */
#define B_ROCE_ACK28                                                                               \
	0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, 0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00,     \
	    0x12, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00
/* version 6, traffic class 0, flow label 0 */
#define B_V6 0x60, 0x00, 0x00, 0x00
/* an 8-byte option header: Next Header nh, Hdr Ext Len 0, PadN option of 4 bytes */
#define B_OPT8(nh) (nh), 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00
/* IPv4 10.0.0.1 > 10.0.0.2 total 48 TTL 64 UDP */
#define B_IPV4_HDR                                                                                 \
	0x45, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 0, 1, 10, 0,  \
	    0, 2

static const struct ipv6_row ipv6_rows[] = {
	{
		.name = "plain header, RoCE inside",
		/* v6 TC 0x6a (DSCP 26 ECT(0)) flow 0x12345 | plen 28 | NH 17 | hop limit 64 |
		 * 2001:db8::1 > 2001:db8::2 | UDP/BTH ACK */
		BYTES(0x66, 0xa1, 0x23, 0x45, 0x00, 0x1c, 17, 64, B_SRC, B_DST, B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", .nip = 1, .dscp = 26, .ecn = 2, .flow = 0x12345,
		.plen = 28, .nh = 17, .hlim = 64, .hlen = 40, .upper = 17, .roce = true,
	},
	{
		.name = "all ones in traffic class and flow label",
		/* v6 TC 0xff (DSCP 63 CE) flow 0xfffff | plen 28 | NH 17 | hop limit 255 */
		BYTES(0x6f, 0xff, 0xff, 0xff, 0x00, 0x1c, 17, 255, B_SRC, B_DST, B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", .nip = 1, .dscp = 63, .ecn = 3, .flow = 0xfffff,
		.plen = 28, .nh = 17, .hlim = 255, .hlen = 40, .upper = 17, .roce = true,
	},
	{
		.name = "Hop-by-Hop",
		/* v6 plen 36 NH 0 | HBH NH 17 len 0 PadN(4) | UDP/BTH ACK */
		BYTES(B_V6, 0x00, 0x24, 0, 64, B_SRC, B_DST, B_OPT8(17), B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV6_HBH), .nip = 1, .plen = 36, .nh = 0,
		.hlim = 64, .hlen = 48, .upper = 17, EXTS(0), .roce = true,
	},
	{
		.name = "Destination Options, 16 bytes",
		/* v6 plen 44 NH 60 | DstOpts NH 17 len 1 PadN(12) | UDP/BTH ACK */
		BYTES(B_V6, 0x00, 0x2c, 60, 64, B_SRC, B_DST, 17, 0x01, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0,
		      0, 0, 0, 0, 0, B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV6_DSTOPTS), .nip = 1, .plen = 44,
		.nh = 60, .hlim = 64, .hlen = 56, .upper = 17, EXTS(60), .roce = true,
	},
	{
		.name = "HBH, DstOpts, Routing type 0, DstOpts",
		/* v6 plen 60 NH 0 | HBH NH 60 | DstOpts NH 43 | RH NH 60 len 0 type 0 SL 0 reserved |
		 * DstOpts NH 17 | UDP/BTH ACK */
		BYTES(B_V6, 0x00, 0x3c, 0, 64, B_SRC, B_DST, B_OPT8(60), B_OPT8(43), 60, 0x00, 0x00,
		      0x00, 0, 0, 0, 0, B_OPT8(17), B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok",
		EVENTS(DP_E_IPV6_HBH, DP_E_IPV6_DSTOPTS, DP_E_RH_OTHER), .nip = 1, .plen = 60, .nh = 0,
		.hlim = 64, .hlen = 72, .upper = 17, EXTS(0, 60, 43, 60), .roce = true,
	},
	{
		.name = "Routing type 2 (Mobile IPv6) is skipped by its length",
		/* v6 plen 52 NH 43 | RH NH 17 len 2 type 2 SL 1 reserved | home address 2001:db8::9 |
		 * UDP/BTH ACK */
		BYTES(B_V6, 0x00, 0x34, 43, 64, B_SRC, B_DST, 17, 0x02, 0x02, 0x01, 0, 0, 0, 0, 0x20,
		      0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_RH_OTHER), .nip = 1, .plen = 52, .nh = 43,
		.hlim = 64, .hlen = 64, .upper = 17, EXTS(43), .roce = true,
	},
	{
		.name = "eight extension headers: the cap, still decoded",
		/* v6 plen 92 NH 60 | 8 x DstOpts (7 x NH 60, last NH 17) | UDP/BTH ACK */
		BYTES(B_V6, 0x00, 0x5c, 60, 64, B_SRC, B_DST, B_OPT8(60), B_OPT8(60), B_OPT8(60),
		      B_OPT8(60), B_OPT8(60), B_OPT8(60), B_OPT8(60), B_OPT8(17), B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV6_DSTOPTS), .nip = 1, .plen = 92,
		.nh = 60, .hlim = 64, .hlen = 104, .upper = 17, EXTS(60, 60, 60, 60, 60, 60, 60, 60),
		.roce = true,
	},
	{
		.name = "IPv4 in IPv6",
		/* v6 plen 48 NH 4 | IPv4 total 48 UDP | UDP/BTH ACK */
		BYTES(B_V6, 0x00, 0x30, 4, 64, B_SRC, B_DST, B_IPV4_HDR, B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV4_IN_IPV6), .nip = 2, .plen = 48,
		.nh = 4, .hlim = 64, .hlen = 40, .upper = 4, .roce = true,
	},
	{
		.name = "IPv6 in IPv6",
		/* v6 plen 68 NH 41 | v6 plen 28 NH 17 | UDP/BTH ACK */
		BYTES(B_V6, 0x00, 0x44, 41, 64, B_SRC, B_DST, B_V6, 0x00, 0x1c, 17, 63, B_SRC, B_DST,
		      B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV6_IN_IPV6), .nip = 2, .plen = 68,
		.nh = 41, .hlim = 64, .hlen = 40, .upper = 41, .roce = true,
	},
	{
		.name = "Ethernet in IPv6 (NH 143)",
		/* v6 plen 18 NH 143 | Ethernet 01:80:c2:00:00:01 < 02::01 type 0x8808 | PAUSE 0x00ff */
		BYTES(B_V6, 0x00, 0x12, 143, 64, B_SRC, B_DST, 0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02,
		      0, 0, 0, 0, 1, 0x88, 0x08, 0x00, 0x01, 0x00, 0xff),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_ETH_IN_IPV6), .nip = 1, .plen = 18,
		.nh = 143, .hlim = 64, .hlen = 40, .upper = 143, .neth = 1,
	},
	{
		.name = "Ethernet padding after IPv6",
		/* Ethernet type 0x86dd | v6 plen 28 NH 17 | UDP/BTH ACK | 6 bytes of padding */
		.linktype = DP_LINK_ETHERNET,
		BYTES(0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd, B_V6, 0x00, 0x1c, 17, 64,
		      B_SRC, B_DST, B_ROCE_ACK28, 0, 0, 0, 0, 0, 0),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_TRAILER), .nip = 1, .off = 14,
		.plen = 28, .nh = 17, .hlim = 64, .hlen = 40, .upper = 17, .neth = 1, .roce = true,
	},
	/* ---- unsupported ---- */
	{
		.name = "Fragment header (offset 100, M)",
		/* v6 plen 36 NH 44 | Frag NH 17 res 0 offset/M 0x0321 (100, M=1) id 0xdeadbeef | UDP... */
		BYTES(B_V6, 0x00, 0x24, 44, 64, B_SRC, B_DST, 17, 0x00, 0x03, 0x21, 0xde, 0xad, 0xbe,
		      0xef, B_ROCE_ACK28),
		.status = DP_UNSUPPORTED, .cause = "ipv6_fragment", EVENTS(DP_E_IPV6_FRAGMENT),
		.nip = 1, .plen = 36, .nh = 44, .hlim = 64, .hlen = 48, .upper = 17, EXTS(44),
		.frag = true, .frag_off = 100,
	},
	{
		.name = "atomic fragment (offset 0, no M)",
		/* v6 plen 36 NH 44 | Frag NH 17 offset/M 0x0000 id 1 | UDP... */
		BYTES(B_V6, 0x00, 0x24, 44, 64, B_SRC, B_DST, 17, 0x00, 0x00, 0x00, 0, 0, 0, 1,
		      B_ROCE_ACK28),
		.status = DP_UNSUPPORTED, .cause = "ipv6_fragment", EVENTS(DP_E_IPV6_FRAGMENT),
		.nip = 1, .plen = 36, .nh = 44, .hlim = 64, .hlen = 48, .upper = 17, EXTS(44),
		.frag = true,
	},
	{
		.name = "HBH then Fragment (offset 8191)",
		/* v6 plen 44 NH 0 | HBH NH 44 | Frag NH 17 offset/M 0xfff8 (8191, M=0) id 2 | UDP... */
		BYTES(B_V6, 0x00, 0x2c, 0, 64, B_SRC, B_DST, B_OPT8(44), 17, 0x00, 0xff, 0xf8, 0, 0, 0,
		      2, B_ROCE_ACK28),
		.status = DP_UNSUPPORTED, .cause = "ipv6_fragment",
		EVENTS(DP_E_IPV6_HBH, DP_E_IPV6_FRAGMENT), .nip = 1, .plen = 44, .nh = 0, .hlim = 64,
		.hlen = 56, .upper = 17, EXTS(0, 44), .frag = true, .frag_off = 8191,
	},
	{
		.name = "jumbogram (payload length 0, Hop-by-Hop)",
		/* v6 plen 0 NH 0 | HBH NH 17 len 0 | Jumbo Payload option 0xc2 len 4 value 65544 */
		BYTES(B_V6, 0x00, 0x00, 0, 64, B_SRC, B_DST, 17, 0x00, 0xc2, 0x04, 0x00, 0x01, 0x00,
		      0x08),
		.status = DP_UNSUPPORTED, .cause = "ipv6_jumbogram", .nip = 1, .nh = 0, .hlim = 64,
		.hlen = 40, .upper = 0,
	},
	{
		.name = "Next Header 59 (no next header)",
		/* v6 plen 0 NH 59 */
		BYTES(B_V6, 0x00, 0x00, 59, 64, B_SRC, B_DST),
		.status = DP_UNSUPPORTED, .cause = "ip_proto", .nip = 1, .nh = 59, .hlim = 64,
		.hlen = 40, .upper = 59,
	},
	{
		.name = "Destination Options then Next Header 59",
		/* v6 plen 8 NH 60 | DstOpts NH 59 */
		BYTES(B_V6, 0x00, 0x08, 60, 64, B_SRC, B_DST, B_OPT8(59)),
		.status = DP_UNSUPPORTED, .cause = "ip_proto", EVENTS(DP_E_IPV6_DSTOPTS), .nip = 1,
		.plen = 8, .nh = 60, .hlim = 64, .hlen = 48, .upper = 59, EXTS(60),
	},
	{
		.name = "ICMPv6 (58)",
		/* v6 plen 8 NH 58 | echo request */
		BYTES(B_V6, 0x00, 0x08, 58, 64, B_SRC, B_DST, 0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
		      0x01),
		.status = DP_UNSUPPORTED, .cause = "ip_proto", .nip = 1, .plen = 8, .nh = 58,
		.hlim = 64, .hlen = 40, .upper = 58,
	},
	/* ---- malformed ---- */
	{
		.name = "version 4 on an IPv6 link",
		/* 0x40: version 4 | the rest of a 40-byte header */
		BYTES(0x40, 0x00, 0x00, 0x00, 0x00, 0x1c, 17, 64, B_SRC, B_DST, B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv6_version",
	},
	{
		.name = "payload length 29, one past the frame",
		/* v6 plen 29 NH 17 | 28 bytes */
		BYTES(B_V6, 0x00, 0x1d, 17, 64, B_SRC, B_DST, B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv6_payload_len", .nip = 1, .plen = 29, .nh = 17,
		.hlim = 64, .hlen = 40, .upper = 17,
	},
	{
		.name = "payload length 65535",
		/* v6 plen 0xffff NH 17 | 28 bytes */
		BYTES(B_V6, 0xff, 0xff, 17, 64, B_SRC, B_DST, B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv6_payload_len", .nip = 1, .plen = 65535,
		.nh = 17, .hlim = 64, .hlen = 40, .upper = 17,
	},
	{
		.name = "payload length 20: UDP may not read past it",
		/* v6 plen 20 NH 17 | UDP len 28 | ... 8 bytes past the payload */
		BYTES(B_V6, 0x00, 0x14, 17, 64, B_SRC, B_DST, B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "udp_len", EVENTS(DP_E_TRAILER), .nip = 1,
		.plen = 20, .nh = 17, .hlim = 64, .hlen = 40, .upper = 17,
	},
	{
		.name = "payload length 0 with UDP",
		/* v6 plen 0 NH 17 | UDP... outside the payload */
		BYTES(B_V6, 0x00, 0x00, 17, 64, B_SRC, B_DST, B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "udp_len", EVENTS(DP_E_TRAILER), .nip = 1,
		.nh = 17, .hlim = 64, .hlen = 40, .upper = 17,
	},
	{
		.name = "nine extension headers: ipv6_ext_chain_too_long",
		/* v6 plen 100 NH 60 | 9 x DstOpts (8 x NH 60, last NH 17) | UDP/BTH ACK */
		BYTES(B_V6, 0x00, 0x64, 60, 64, B_SRC, B_DST, B_OPT8(60), B_OPT8(60), B_OPT8(60),
		      B_OPT8(60), B_OPT8(60), B_OPT8(60), B_OPT8(60), B_OPT8(60), B_OPT8(17),
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv6_ext_chain_too_long", EVENTS(DP_E_IPV6_DSTOPTS),
		.nip = 1, .plen = 100, .nh = 60, .hlim = 64, .hlen = 104, .upper = 60,
		EXTS(60, 60, 60, 60, 60, 60, 60, 60),
	},
	{
		.name = "DstOpts of 16 bytes in an 8-byte payload",
		/* v6 plen 8 NH 60 | DstOpts NH 17 len 1 (16 bytes) | 8 more bytes outside the payload */
		BYTES(B_V6, 0x00, 0x08, 60, 64, B_SRC, B_DST, 17, 0x01, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0,
		      0, 0, 0, 0, 0),
		.status = DP_MALFORMED, .cause = "ipv6_ext_overrun",
		EVENTS(DP_E_TRAILER, DP_E_IPV6_DSTOPTS), .nip = 1, .plen = 8, .nh = 60,
		.hlim = 64, .hlen = 40, .upper = 60, EXTS(60),
	},
	{
		.name = "HBH in a 4-byte payload",
		/* v6 plen 4 NH 0 | 4 bytes: no room for the 8-byte minimum */
		BYTES(B_V6, 0x00, 0x04, 0, 64, B_SRC, B_DST, 17, 0x00, 0x01, 0x00),
		.status = DP_MALFORMED, .cause = "ipv6_ext_overrun", .nip = 1, .plen = 4, .nh = 0,
		.hlim = 64, .hlen = 40, .upper = 0, EXTS(0),
	},
	{
		.name = "Hdr Ext Len 255 (2048 bytes) in a 16-byte payload",
		/* v6 plen 16 NH 0 | HBH NH 17 len 255 | 14 bytes */
		BYTES(B_V6, 0x00, 0x10, 0, 64, B_SRC, B_DST, 17, 0xff, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0,
		      0, 0, 0, 0, 0),
		.status = DP_MALFORMED, .cause = "ipv6_ext_overrun", EVENTS(DP_E_IPV6_HBH), .nip = 1,
		.plen = 16, .nh = 0, .hlim = 64, .hlen = 40, .upper = 0, EXTS(0),
	},
	{
		.name = "39-byte packet on the wire",
		/* v6 header missing its last byte; the record holds 39 bytes */
		BYTES(B_V6, 0x00, 0x00, 59, 64, B_SRC, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      0, 0),
		.status = DP_MALFORMED, .cause = "ipv6_payload_len",
	},
	/* ---- truncated ---- */
	{
		.name = "header cut at 39 bytes",
		BYTES(B_V6, 0x00, 0x1c, 17, 64, B_SRC, B_DST, B_ROCE_ACK28), .cut = 29,
		.status = DP_TRUNCATED, .cause = "ipv6_truncated",
	},
	{
		.name = "HBH cut",
		/* v6 plen 36 NH 0 | HBH, 4 of 8 bytes captured */
		BYTES(B_V6, 0x00, 0x24, 0, 64, B_SRC, B_DST, B_OPT8(17), B_ROCE_ACK28), .cut = 32,
		.status = DP_TRUNCATED, .cause = "ipv6_ext_truncated", .nip = 1, .plen = 36, .nh = 0,
		.hlim = 64, .hlen = 40, .upper = 0, EXTS(0),
	},
	{
		.name = "UDP cut after the chain",
		/* v6 plen 44 NH 0 | HBH NH 60 | DstOpts NH 17 | UDP, 2 of 8 bytes */
		BYTES(B_V6, 0x00, 0x2c, 0, 64, B_SRC, B_DST, B_OPT8(60), B_OPT8(17), B_ROCE_ACK28),
		.cut = 26, .status = DP_TRUNCATED, .cause = "udp_truncated",
		EVENTS(DP_E_IPV6_HBH, DP_E_IPV6_DSTOPTS), .nip = 1, .plen = 44, .nh = 0, .hlim = 64,
		.hlen = 56, .upper = 17, EXTS(0, 60),
	},
};

static void test_ipv6_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(ipv6_rows) / sizeof(ipv6_rows[0]); i++) {
		const struct ipv6_row *r = &ipv6_rows[i];
		uint32_t lt = r->linktype ? r->linktype : DP_LINK_IPV6;
		static const uint8_t src[16] = {B_SRC}, dst[16] = {B_DST};
		struct dpkt d;
		row(r->name);
		decode(&o, lt, r->b, r->n - r->cut, r->n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		check_events(&d, r->ev, r->nev);
		CHECK_EQ_U(d.nip, r->nip);
		CHECK_EQ_U(d.neth, r->neth);
		if (r->nip && d.nip) {
			const struct dp_ip *ip = &d.ip[0];
			CHECK_EQ_U(ip->v, 6);
			CHECK_EQ_U(ip->off, r->off);
			CHECK_EQ_U(ip->dscp, r->dscp);
			CHECK_EQ_U(ip->ecn, r->ecn);
			CHECK_EQ_U(ip->flow, r->flow);
			CHECK_EQ_U(ip->plen, r->plen);
			CHECK_EQ_U(ip->nh, r->nh);
			CHECK_EQ_U(ip->hlim, r->hlim);
			CHECK_EQ_U(ip->hlen, r->hlen);
			CHECK_EQ_U(ip->upper, r->upper);
			CHECK_EQ_U(ip->n_ext, r->n_ext);
			for (unsigned k = 0; k < r->n_ext && k < ip->n_ext; k++)
				CHECK_EQ_U(ip->ext[k], r->ext[k]);
			CHECK_EQ_U(ip->frag, r->frag);
			CHECK_EQ_U(ip->frag_off, r->frag_off);
			CHECK_EQ_U(ip->has_srh, 0);
			CHECK_EQ_U(ip->in_block, 0);
			CHECK(memcmp(ip->src, src, 16) == 0);
			CHECK(memcmp(ip->dst, dst, 16) == 0);
		}
		CHECK_EQ_U(d.has_bth, r->roce);
		if (r->roce && d.has_bth) {
			CHECK_EQ_U(d.bth.dqpn, 0x12);
			CHECK_EQ_U(d.udp_off, d.ip[d.nip - 1].off + d.ip[d.nip - 1].hlen);
		}
		if (r->neth && d.neth && r->nh == 143) {
			CHECK_EQ_U(d.eth[0].off, 40);
			CHECK_EQ_U(d.eth[0].type, 0x8808);
			CHECK_EQ_U(d.has_pfc, 1);
		}
	}
}

static void test_ipv6_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(ipv6_rows) / sizeof(ipv6_rows[0]); i++) {
		const struct ipv6_row *r = &ipv6_rows[i];
		row(r->name);
		sweep(&o, r->linktype ? r->linktype : DP_LINK_IPV6, r->b, r->n);
	}
}

/*
 * A chain of 100 extension headers, of every kind that loops (HBH, DstOpts,
 * Routing type 0), each 8 bytes: the walk stops at DP_MAX_EXT with
 * ipv6_ext_chain_too_long, having read no more than 8 headers.
 */
static void test_ipv6_chain_100(void)
{
	/* v6 plen 800+28 NH 0 | hop limit 64 | 2001:db8::1 > 2001:db8::2 */
	static const uint8_t hdr[40] = {B_V6, 0x03, 0x3c, 0, 64, B_SRC, B_DST};
	static const uint8_t tail[28] = {B_ROCE_ACK28};
	static const uint8_t kinds[3] = {0, 60, 43};
	enum { N = 100 };
	uint8_t f[40 + 8 * N + 28];
	struct dp_opts o;
	struct dpkt d;

	dp_opts_init(&o);
	o.check_icrc = false;
	memcpy(f, hdr, sizeof(hdr));
	for (unsigned k = 0; k < N; k++) {
		uint8_t *h = f + 40 + 8 * k;
		/* NH = next kind (UDP after the last) | len 0 | type 0 for Routing / PadN | ... */
		memset(h, 0, 8);
		h[0] = k + 1 < N ? kinds[(k + 1) % 3] : 17;
		h[2] = kinds[k % 3] == 43 ? 0 : 0x01; /* RH type 0, or a PadN option */
		h[3] = kinds[k % 3] == 43 ? 0 : 0x04;
	}
	memcpy(f + 40 + 8 * N, tail, sizeof(tail));
	row("chain of 100");
	decode(&o, DP_LINK_IPV6, f, sizeof(f), sizeof(f), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ipv6_ext_chain_too_long");
	CHECK_EQ_U(d.status, DP_MALFORMED);
	CHECK_EQ_U(d.ip[0].n_ext, DP_MAX_EXT);
	for (unsigned k = 0; k < DP_MAX_EXT; k++)
		CHECK_EQ_U(d.ip[0].ext[k], kinds[k % 3]);
	CHECK_EQ_U(d.ip[0].hlen, 40 + 8 * DP_MAX_EXT);
	CHECK_EQ_U(d.has_udp, 0);
	sweep(&o, DP_LINK_IPV6, f, sizeof(f));

	/* The same chain with only 3 of its headers captured: truncated at the 4th. */
	row("chain of 100 with a short capture");
	decode(&o, DP_LINK_IPV6, f, 40 + 8 * 3, sizeof(f), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ipv6_ext_truncated");
	CHECK_EQ_U(d.ip[0].n_ext, 4);
}

/* IPv6 in IPv6 nested five deep: the fifth header is past DP_MAX_IP. */
static void test_ipv6_depth(void)
{
	/* v6 NH 41 hop limit 64, payload length filled in below */
	static const uint8_t outer[40] = {B_V6, 0x00, 0x00, 41, 64, B_SRC, B_DST};
	/* v6 plen 28 NH 17 | UDP/BTH ACK */
	static const uint8_t inner[68] = {B_V6, 0x00, 0x1c, 17, 64, B_SRC, B_DST, B_ROCE_ACK28};
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (unsigned depth = 0; depth <= 5; depth++) {
		uint8_t f[5 * 40 + 68];
		uint32_t n = depth * 40 + 68;
		for (unsigned k = 0; k < depth; k++) {
			memcpy(f + 40 * k, outer, 40);
			uint32_t plen = n - 40 * (k + 1);
			f[40 * k + 4] = (uint8_t)(plen >> 8);
			f[40 * k + 5] = (uint8_t)plen;
		}
		memcpy(f + 40 * depth, inner, 68);
		struct dpkt d;
		row(depth + 1 <= DP_MAX_IP ? "nested within the cap" : "nested past the cap");
		decode(&o, DP_LINK_IPV6, f, n, n, &d);
		if (depth + 1 <= DP_MAX_IP) {
			CHECK_EQ_S(dp_cause_name(d.cause), "ok");
			CHECK_EQ_U(d.nip, depth + 1);
			CHECK_EQ_U(d.nevent, depth ? 1 : 0);
		} else {
			CHECK_EQ_S(dp_cause_name(d.cause), "encap_too_deep");
			CHECK_EQ_U(d.nip, DP_MAX_IP);
		}
		sweep(&o, DP_LINK_IPV6, f, n);
	}
}

/* Ethernet in IPv6 on an Ethernet link: the second Ethernet is eth[1]; a third is too deep. */
static void test_ipv6_eth_in_ipv6(void)
{
	/* Ethernet type 0x86dd | v6 plen 18 NH 143 | Ethernet type 0x8808 | PAUSE 0x00ff */
	static const uint8_t f[] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd,
				    B_V6, 0x00, 0x12, 143, 64, B_SRC, B_DST,
				    0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02, 0, 0, 0, 0, 1,
				    0x88, 0x08, 0x00, 0x01, 0x00, 0xff};
	/* Ethernet 0x86dd | v6 plen 72 NH 143 | Ethernet 0x86dd | v6 plen 18 NH 143 | Ethernet |
	 * PAUSE: a third Ethernet header */
	static const uint8_t g[] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd,
				    B_V6, 0x00, 0x48, 143, 64, B_SRC, B_DST,
				    0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd,
				    B_V6, 0x00, 0x12, 143, 64, B_SRC, B_DST,
				    0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02, 0, 0, 0, 0, 1,
				    0x88, 0x08, 0x00, 0x01, 0x00, 0xff};
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);
	row("Ethernet in IPv6 on Ethernet");
	decode(&o, DP_LINK_ETHERNET, f, sizeof(f), sizeof(f), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.neth, 2);
	CHECK_EQ_U(d.eth[1].off, 54);
	CHECK_EQ_U(d.eth[1].type, 0x8808);
	CHECK_EQ_U(d.has_pfc, 1);
	sweep(&o, DP_LINK_ETHERNET, f, sizeof(f));
	row("a third Ethernet header");
	decode(&o, DP_LINK_ETHERNET, g, sizeof(g), sizeof(g), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "encap_too_deep");
	CHECK_EQ_U(d.neth, 2);
	sweep(&o, DP_LINK_ETHERNET, g, sizeof(g));
}

int main(void)
{
	RUN(test_ipv6_table);
	RUN(test_ipv6_short_captures);
	RUN(test_ipv6_chain_100);
	RUN(test_ipv6_depth);
	RUN(test_ipv6_eth_in_ipv6);
	return unit_done();
}
