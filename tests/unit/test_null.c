/*
 * test_null.c - BSD loopback and raw-IP link types (dissectors/null.c,
 * dissectors/dissect.c): LINKTYPE_NULL (0, address family in the writer's
 * byte order), LINKTYPE_LOOP (108, network byte order), DLT_RAW (12, and 14
 * on OpenBSD), LINKTYPE_RAW (101, version nibble picks IPv4 or IPv6),
 * LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229).
 * Reference: https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html
 *
 * The carried packet is a complete RoCEv2 RC ACKNOWLEDGE (ICRC checking off)
 * so a correct link decode ends with status ok and the BTH read.
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

/*
 * IPv4 10.0.0.1 > 10.0.0.2, IHL 5, total 48, TTL 64, UDP | UDP 49152 > 4791, len 28 |
 * BTH RC_ACKNOWLEDGE (0x11) P_Key 0xffff DestQP 0x000012 PSN 5 | AETH ACK MSN 3 | ICRC 0
 */
#define B_IPV4_ROCE                                                                                \
	0x45, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 0, 1, 10, 0,  \
	    0, 2, 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, 0x11, 0x00, 0xff, 0xff, 0x00, 0x00, \
	    0x00, 0x12, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00
/*
 * IPv6 2001:db8::1 > 2001:db8::2, payload 28, NH UDP, hop limit 64 | the same UDP/BTH/AETH/ICRC
 */
#define B_IPV6_ROCE                                                                                \
	0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, \
	    0, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xc0, 0x00,    \
	    0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, 0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, \
	    0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00

struct null_row {
	const char *name;
	uint32_t linktype;
	const uint8_t *b;
	uint32_t n, cut;
	enum dp_status status;
	const char *cause;
	uint8_t v;    /* IP version decoded, 0 for none */
	uint32_t off; /* frame offset of the IP header */
};

static const struct null_row null_rows[] = {
	/* ---- LINKTYPE_NULL ---- */
	{
		.name = "NULL AF_INET little-endian",
		/* AF 2 as 02 00 00 00 (written on x86) | IPv4 RoCE ACK */
		.linktype = DP_LINK_NULL, BYTES(0x02, 0x00, 0x00, 0x00, B_IPV4_ROCE),
		.status = DP_OK, .cause = "ok", .v = 4, .off = 4,
	},
	{
		.name = "NULL AF_INET big-endian",
		/* AF 2 as 00 00 00 02 (written on SPARC/PowerPC) | IPv4 RoCE ACK */
		.linktype = DP_LINK_NULL, BYTES(0x00, 0x00, 0x00, 0x02, B_IPV4_ROCE),
		.status = DP_OK, .cause = "ok", .v = 4, .off = 4,
	},
	{
		.name = "NULL AF_INET6 10 (Linux) little-endian",
		/* AF 10 as 0a 00 00 00 | IPv6 RoCE ACK */
		.linktype = DP_LINK_NULL, BYTES(0x0a, 0x00, 0x00, 0x00, B_IPV6_ROCE),
		.status = DP_OK, .cause = "ok", .v = 6, .off = 4,
	},
	{
		.name = "NULL AF_INET6 24 (NetBSD/OpenBSD) big-endian",
		/* AF 24 as 00 00 00 18 | IPv6 RoCE ACK */
		.linktype = DP_LINK_NULL, BYTES(0x00, 0x00, 0x00, 0x18, B_IPV6_ROCE),
		.status = DP_OK, .cause = "ok", .v = 6, .off = 4,
	},
	{
		.name = "NULL AF_INET6 28 (FreeBSD) little-endian",
		/* AF 28 as 1c 00 00 00 | IPv6 RoCE ACK */
		.linktype = DP_LINK_NULL, BYTES(0x1c, 0x00, 0x00, 0x00, B_IPV6_ROCE),
		.status = DP_OK, .cause = "ok", .v = 6, .off = 4,
	},
	{
		.name = "NULL AF_INET6 30 (macOS) little-endian",
		/* AF 30 as 1e 00 00 00 | IPv6 RoCE ACK */
		.linktype = DP_LINK_NULL, BYTES(0x1e, 0x00, 0x00, 0x00, B_IPV6_ROCE),
		.status = DP_OK, .cause = "ok", .v = 6, .off = 4,
	},
	{
		.name = "NULL AF_INET6 30 (macOS) big-endian",
		/* AF 30 as 00 00 00 1e | IPv6 RoCE ACK */
		.linktype = DP_LINK_NULL, BYTES(0x00, 0x00, 0x00, 0x1e, B_IPV6_ROCE),
		.status = DP_OK, .cause = "ok", .v = 6, .off = 4,
	},
	{
		.name = "NULL unknown family 7",
		/* AF 7 (neither order names IP) | IPv4 RoCE ACK, not read */
		.linktype = DP_LINK_NULL, BYTES(0x07, 0x00, 0x00, 0x00, B_IPV4_ROCE),
		.status = DP_UNSUPPORTED, .cause = "ethertype",
	},
	{
		.name = "NULL AF_INET6 header on an IPv4 packet",
		/* AF 10 | an IPv4 packet (version nibble 4) of 48 bytes */
		.linktype = DP_LINK_NULL, BYTES(0x0a, 0x00, 0x00, 0x00, B_IPV4_ROCE),
		.status = DP_MALFORMED, .cause = "ipv6_version",
	},
	{
		.name = "NULL header cut at 3 bytes",
		/* AF 02 00 00 | -- cut */
		.linktype = DP_LINK_NULL, BYTES(0x02, 0x00, 0x00, 0x00), .cut = 1,
		.status = DP_TRUNCATED, .cause = "null_truncated",
	},
	{
		.name = "NULL family read, IPv4 cut",
		/* AF 2 | IPv4 header, 16 of 20 bytes */
		.linktype = DP_LINK_NULL, BYTES(0x02, 0x00, 0x00, 0x00, B_IPV4_ROCE), .cut = 32,
		.status = DP_TRUNCATED, .cause = "ipv4_truncated",
	},
	/* ---- LINKTYPE_LOOP ---- */
	{
		.name = "LOOP AF_INET",
		/* AF 2 in network order 00 00 00 02 | IPv4 RoCE ACK */
		.linktype = DP_LINK_LOOP, BYTES(0x00, 0x00, 0x00, 0x02, B_IPV4_ROCE),
		.status = DP_OK, .cause = "ok", .v = 4, .off = 4,
	},
	{
		.name = "LOOP AF_INET6 24",
		/* AF 24 in network order 00 00 00 18 | IPv6 RoCE ACK */
		.linktype = DP_LINK_LOOP, BYTES(0x00, 0x00, 0x00, 0x18, B_IPV6_ROCE),
		.status = DP_OK, .cause = "ok", .v = 6, .off = 4,
	},
	{
		.name = "LOOP with a host-order family is not IP",
		/* 02 00 00 00: LOOP is network order, so this is AF 0x02000000 */
		.linktype = DP_LINK_LOOP, BYTES(0x02, 0x00, 0x00, 0x00, B_IPV4_ROCE),
		.status = DP_UNSUPPORTED, .cause = "ethertype",
	},
	{
		.name = "LOOP empty",
		.linktype = DP_LINK_LOOP, BYTES(0x00, 0x00, 0x00, 0x02), .cut = 4,
		.status = DP_TRUNCATED, .cause = "null_truncated",
	},
	/* ---- raw IP ---- */
	{
		.name = "DLT_RAW (12) IPv4",
		.linktype = DP_LINK_RAW_DLT, BYTES(B_IPV4_ROCE), /* IPv4 RoCE ACK */
		.status = DP_OK, .cause = "ok", .v = 4,
	},
	{
		.name = "DLT_RAW (12) IPv6",
		.linktype = DP_LINK_RAW_DLT, BYTES(B_IPV6_ROCE), /* IPv6 RoCE ACK */
		.status = DP_OK, .cause = "ok", .v = 6,
	},
	{
		.name = "DLT_RAW (14, OpenBSD) IPv4",
		.linktype = DP_LINK_RAW_DLT14, BYTES(B_IPV4_ROCE), /* IPv4 RoCE ACK */
		.status = DP_OK, .cause = "ok", .v = 4,
	},
	{
		.name = "LINKTYPE_RAW (101) IPv4",
		.linktype = DP_LINK_RAW, BYTES(B_IPV4_ROCE), /* IPv4 RoCE ACK */
		.status = DP_OK, .cause = "ok", .v = 4,
	},
	{
		.name = "LINKTYPE_RAW (101) IPv6",
		.linktype = DP_LINK_RAW, BYTES(B_IPV6_ROCE), /* IPv6 RoCE ACK */
		.status = DP_OK, .cause = "ok", .v = 6,
	},
	{
		.name = "LINKTYPE_RAW (101) version 5",
		/* first byte 0x55: version 5, IHL 5 - neither IPv4 nor IPv6 */
		.linktype = DP_LINK_RAW,
		BYTES(0x55, 0x00, 0x00, 0x14, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2),
		.status = DP_MALFORMED, .cause = "ipv4_version",
	},
	{
		.name = "LINKTYPE_RAW (101) empty",
		.linktype = DP_LINK_RAW, BYTES(0x45), .cut = 1,
		.status = DP_TRUNCATED, .cause = "ipv4_truncated",
	},
	{
		.name = "LINKTYPE_IPV4 (228)",
		.linktype = DP_LINK_IPV4, BYTES(B_IPV4_ROCE), /* IPv4 RoCE ACK */
		.status = DP_OK, .cause = "ok", .v = 4,
	},
	{
		.name = "LINKTYPE_IPV4 (228) carrying IPv6",
		.linktype = DP_LINK_IPV4, BYTES(B_IPV6_ROCE), /* IPv6 bytes: version nibble 6 */
		.status = DP_MALFORMED, .cause = "ipv4_version",
	},
	{
		.name = "LINKTYPE_IPV6 (229)",
		.linktype = DP_LINK_IPV6, BYTES(B_IPV6_ROCE), /* IPv6 RoCE ACK */
		.status = DP_OK, .cause = "ok", .v = 6,
	},
	{
		.name = "LINKTYPE_IPV6 (229) carrying IPv4",
		.linktype = DP_LINK_IPV6, BYTES(B_IPV4_ROCE), /* 48 IPv4 bytes: version nibble 4 */
		.status = DP_MALFORMED, .cause = "ipv6_version",
	},
	{
		.name = "LINKTYPE_IPV6 (229) cut inside the header",
		.linktype = DP_LINK_IPV6, BYTES(B_IPV6_ROCE), .cut = 40, /* 28 of 40 header bytes */
		.status = DP_TRUNCATED, .cause = "ipv6_truncated",
	},
	{
		.name = "unknown link type 105 (802.11)",
		.linktype = 105, BYTES(B_IPV4_ROCE),
		.status = DP_UNSUPPORTED, .cause = "linktype",
	},
	{
		.name = "unknown link type 0xffffffff",
		.linktype = 0xffffffffu, BYTES(0x00),
		.status = DP_UNSUPPORTED, .cause = "linktype",
	},
};

static void test_null_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(null_rows) / sizeof(null_rows[0]); i++) {
		const struct null_row *r = &null_rows[i];
		struct dpkt d;
		row(r->name);
		decode(&o, r->linktype, r->b, r->n - r->cut, r->n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		CHECK_EQ_U(d.linktype, r->linktype);
		CHECK_EQ_U(d.neth, 0);
		CHECK_EQ_U(d.has_sll, 0);
		CHECK_EQ_U(d.nip, r->v ? 1 : 0);
		if (r->v && d.nip) {
			CHECK_EQ_U(d.ip[0].v, r->v);
			CHECK_EQ_U(d.ip[0].off, r->off);
			CHECK_EQ_U(d.ip[0].hlim, 64);
			CHECK_EQ_U(d.ip[0].dst[r->v == 4 ? 3 : 15], 2);
		}
		if (r->status == DP_OK) {
			/* the whole RoCE packet was found at the right place */
			CHECK_EQ_U(d.roce, DP_ROCE_V2);
			CHECK_EQ_U(d.has_bth, 1);
			CHECK_EQ_U(d.bth.opcode, 0x11);
			CHECK_EQ_U(d.bth.dqpn, 0x12);
			CHECK_EQ_U(d.bth.psn, 5);
			CHECK_EQ_U(d.aeth.msn, 3);
			CHECK_EQ_U(d.payload_len, 0);
		}
	}
}

static void test_null_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(null_rows) / sizeof(null_rows[0]); i++) {
		row(null_rows[i].name);
		sweep(&o, null_rows[i].linktype, null_rows[i].b, null_rows[i].n);
	}
}

/* Every family value 0..255 in both orders: only 2, 10, 24, 28, 30 are IP. */
static void test_null_families(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (unsigned af = 0; af < 256; af++) {
		bool v4 = af == 2, v6 = af == 10 || af == 24 || af == 28 || af == 30;
		/* AF af little-endian | IPv6 RoCE ACK */
		uint8_t le[4 + 68] = {(uint8_t)af, 0, 0, 0, B_IPV6_ROCE};
		/* AF af big-endian | IPv6 RoCE ACK */
		uint8_t be[4 + 68] = {0, 0, 0, (uint8_t)af, B_IPV6_ROCE};
		struct dpkt d;
		row("NULL little-endian family");
		decode(&o, DP_LINK_NULL, le, sizeof(le), sizeof(le), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), v6 ? "ok" : v4 ? "ipv4_version" : "ethertype");
		row("NULL big-endian family");
		decode(&o, DP_LINK_NULL, be, sizeof(be), sizeof(be), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), v6 ? "ok" : v4 ? "ipv4_version" : "ethertype");
		row("LOOP network-order family");
		decode(&o, DP_LINK_LOOP, be, sizeof(be), sizeof(be), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), v6 ? "ok" : v4 ? "ipv4_version" : "ethertype");
		row("LOOP host-order family");
		decode(&o, DP_LINK_LOOP, le, sizeof(le), sizeof(le), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ethertype"); /* af << 24 is never a family */
	}
}

int main(void)
{
	RUN(test_null_table);
	RUN(test_null_short_captures);
	RUN(test_null_families);
	return unit_done();
}
