/*
 * test_ipv4.c - IPv4 (dissectors/ipv4.c; RFC 791).
 *
 * Version and IHL checks, Total Length against the frame (too small, too
 * large), the narrowing that keeps Ethernet padding out of the payload
 * (trailer event, and a UDP length reaching into the padding is
 * malformed), options noted as an event, fragments stopped as unsupported
 * with the fragment event, IPv4-in-IPv4 and the encapsulation depth cap.
 * Frames are on LINKTYPE_IPV4 (228) unless they need Ethernet padding.
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

struct ipv4_row {
	const char *name;
	uint32_t linktype; /* 0 here means LINKTYPE_IPV4 */
	const uint8_t *b;
	uint32_t n, cut;
	enum dp_status status;
	const char *cause;
	uint8_t ev[4], nev;
	uint8_t nip;
	/* fields of ip[0], checked when nip > 0 */
	uint32_t off;
	uint8_t dscp, ecn, ttl, proto;
	uint16_t id;
	uint32_t hlen, plen;
	bool frag;
	uint16_t frag_off;
	bool roce; /* the decode reached the BTH */
};

/* UDP 49152 > 4791 len 28 | BTH RC_ACKNOWLEDGE DestQP 0x12 PSN 5 | AETH MSN 3 | ICRC 0 */
#define B_ROCE_ACK28                                                                               \
	0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, 0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00,     \
	    0x12, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00
/* src 10.0.0.1 dst 10.0.0.2 */
#define B_ADDRS 10, 0, 0, 1, 10, 0, 0, 2
/* Ethernet dst 02::02 src 02::01 type 0x0800 */
#define B_ETH 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00
/* 12 bytes of Ethernet padding */
#define B_PAD12 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

static const struct ipv4_row ipv4_rows[] = {
	{
		.name = "plain header, RoCE inside",
		/* v4 IHL 5 | TOS 0x6a (DSCP 26 ECT(0)) | total 48 | id 0x1234 | DF | TTL 64 | UDP |
		 * cksum 0xabcd | 10.0.0.1 > 10.0.0.2 | UDP/BTH ACK */
		BYTES(0x45, 0x6a, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0xab, 0xcd, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", .nip = 1, .dscp = 26, .ecn = 2, .ttl = 64,
		.proto = 17, .id = 0x1234, .hlen = 20, .plen = 28, .roce = true,
	},
	{
		.name = "CE-marked, TTL 1, DSCP 48",
		/* v4 IHL 5 | TOS 0xc3 (DSCP 48 CE) | total 48 | id 0 | TTL 1 | UDP | RoCE */
		BYTES(0x45, 0xc3, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", .nip = 1, .dscp = 48, .ecn = 3, .ttl = 1,
		.proto = 17, .hlen = 20, .plen = 28, .roce = true,
	},
	{
		.name = "DF only is not a fragment",
		/* flags/offset 0x4000: DF, offset 0 */
		BYTES(0x45, 0x00, 0x00, 0x30, 0x00, 0x07, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", .nip = 1, .ttl = 64, .proto = 17, .id = 7,
		.hlen = 20, .plen = 28, .roce = true,
	},
	{
		.name = "reserved flag only is not a fragment",
		/* flags/offset 0x8000: the reserved (evil) bit, offset 0 */
		BYTES(0x45, 0x00, 0x00, 0x30, 0x00, 0x00, 0x80, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", .nip = 1, .ttl = 64, .proto = 17, .hlen = 20,
		.plen = 28, .roce = true,
	},
	{
		.name = "options: NOP NOP NOP EOL",
		/* v4 IHL 6 | total 52 | TTL 64 | UDP | options 01 01 01 00 | UDP/BTH ACK */
		BYTES(0x46, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      0x01, 0x01, 0x01, 0x00, B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV4_OPTIONS), .nip = 1, .ttl = 64,
		.proto = 17, .hlen = 24, .plen = 28, .roce = true,
	},
	{
		.name = "options: IHL 15, 40 bytes of options",
		/* v4 IHL 15 | total 88 | TTL 64 | UDP | 39 x NOP, EOL | UDP/BTH ACK */
		BYTES(0x4f, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_IPV4_OPTIONS), .nip = 1, .ttl = 64,
		.proto = 17, .hlen = 60, .plen = 28, .roce = true,
	},
	{
		.name = "protocol 6 (TCP) is unsupported",
		/* v4 IHL 5 | total 40 | TTL 64 | proto 6 | 20 bytes of TCP */
		BYTES(0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, B_ADDRS,
		      0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0),
		.status = DP_UNSUPPORTED, .cause = "ip_proto", .nip = 1, .ttl = 64, .proto = 6,
		.hlen = 20, .plen = 20,
	},
	{
		.name = "IPv4 in IPv4",
		/* outer: v4 IHL 5 total 68 TTL 64 proto 4 | inner: v4 IHL 5 total 48 TTL 63 UDP | RoCE */
		BYTES(0x45, 0x00, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x40, 0x04, 0x00, 0x00, B_ADDRS,
		      0x45, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", .nip = 2, .ttl = 64, .proto = 4, .hlen = 20,
		.plen = 48, .roce = true,
	},
	/* ---- fragments: unsupported, with the event ---- */
	{
		.name = "first fragment (MF, offset 0)",
		/* flags/offset 0x2000: MF, offset 0 | UDP header of the whole datagram */
		BYTES(0x45, 0x00, 0x00, 0x30, 0xbe, 0xef, 0x20, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_UNSUPPORTED, .cause = "ipv4_fragment", EVENTS(DP_E_IPV4_FRAGMENT),
		.nip = 1, .ttl = 64, .proto = 17, .id = 0xbeef, .hlen = 20, .plen = 28, .frag = true,
	},
	{
		.name = "last fragment (offset 185)",
		/* flags/offset 0x00b9: offset 185 x 8 = 1480, MF clear */
		BYTES(0x45, 0x00, 0x00, 0x30, 0xbe, 0xef, 0x00, 0xb9, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_UNSUPPORTED, .cause = "ipv4_fragment", EVENTS(DP_E_IPV4_FRAGMENT),
		.nip = 1, .ttl = 64, .proto = 17, .id = 0xbeef, .hlen = 20, .plen = 28, .frag = true,
		.frag_off = 185,
	},
	{
		.name = "DF and MF and the largest offset",
		/* flags/offset 0x7fff: DF, MF, offset 8191 */
		BYTES(0x45, 0x00, 0x00, 0x30, 0x00, 0x01, 0x7f, 0xff, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_UNSUPPORTED, .cause = "ipv4_fragment", EVENTS(DP_E_IPV4_FRAGMENT),
		.nip = 1, .ttl = 64, .proto = 17, .id = 1, .hlen = 20, .plen = 28, .frag = true,
		.frag_off = 8191,
	},
	{
		.name = "fragment with options",
		/* v4 IHL 6 | total 52 | MF offset 0 | options 01 01 01 00 | UDP... */
		BYTES(0x46, 0x00, 0x00, 0x34, 0x00, 0x02, 0x20, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      0x01, 0x01, 0x01, 0x00, B_ROCE_ACK28),
		.status = DP_UNSUPPORTED, .cause = "ipv4_fragment",
		EVENTS(DP_E_IPV4_OPTIONS, DP_E_IPV4_FRAGMENT), .nip = 1, .ttl = 64, .proto = 17,
		.id = 2, .hlen = 24, .plen = 28, .frag = true,
	},
	/* ---- malformed ---- */
	{
		.name = "version 6 in an IPv4 link",
		/* 0x65: version 6, IHL 5 */
		BYTES(0x65, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_version",
	},
	{
		.name = "version 0",
		/* 0x05: version 0, IHL 5 */
		BYTES(0x05, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_version",
	},
	{
		.name = "IHL 4 (16 bytes) is below the minimum",
		/* 0x44: version 4, IHL 4 */
		BYTES(0x44, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_ihl", .nip = 1, .ttl = 64, .proto = 17,
		.hlen = 16,
	},
	{
		.name = "IHL 0",
		/* 0x40: version 4, IHL 0 */
		BYTES(0x40, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_ihl", .nip = 1, .ttl = 64, .proto = 17,
	},
	{
		.name = "total length 19 is below the header",
		/* total 0x0013 */
		BYTES(0x45, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_total_len", .nip = 1, .ttl = 64, .proto = 17,
		.hlen = 20,
	},
	{
		.name = "total length 0 (TSO capture)",
		/* total 0x0000 */
		BYTES(0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_total_len", .nip = 1, .ttl = 64, .proto = 17,
		.hlen = 20,
	},
	{
		.name = "total length 22 is below IHL 6 (24)",
		/* v4 IHL 6 | total 0x0016 | options 01 01 01 00 */
		BYTES(0x46, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      0x01, 0x01, 0x01, 0x00, B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_total_len", .nip = 1, .ttl = 64, .proto = 17,
		.hlen = 24,
	},
	{
		.name = "total length 49, one past the frame",
		/* total 0x0031 in a 48-byte frame */
		BYTES(0x45, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_total_len", .nip = 1, .ttl = 64, .proto = 17,
		.hlen = 20, .plen = 29,
	},
	{
		.name = "total length 65535 in a 48-byte frame",
		/* total 0xffff */
		BYTES(0x45, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_total_len", .nip = 1, .ttl = 64, .proto = 17,
		.hlen = 20, .plen = 65515,
	},
	{
		.name = "total length 44: UDP may not read the last 4 bytes",
		/* total 0x002c: the IP packet ends 4 bytes before the frame does; UDP says 28 */
		BYTES(0x45, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "udp_len", EVENTS(DP_E_TRAILER), .nip = 1,
		.ttl = 64, .proto = 17, .hlen = 20, .plen = 24,
	},
	{
		.name = "IHL 15 with total length 48",
		/* v4 IHL 15 (60 bytes) | total 48 */
		BYTES(0x4f, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.status = DP_MALFORMED, .cause = "ipv4_total_len", .nip = 1, .ttl = 64, .proto = 17,
		.hlen = 60,
	},
	{
		.name = "19-byte packet on the wire",
		/* v4 IHL 5 total 19 ... the record holds 19 bytes */
		BYTES(0x45, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 0, 1,
		      10, 0, 0),
		.status = DP_MALFORMED, .cause = "ipv4_total_len",
	},
	/* ---- truncated ---- */
	{
		.name = "header cut at 8 bytes",
		BYTES(0x45, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.cut = 40, .status = DP_TRUNCATED, .cause = "ipv4_truncated",
	},
	{
		.name = "options cut",
		/* v4 IHL 6 | total 52 | options 01 01 | -- cut */
		BYTES(0x46, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      0x01, 0x01, 0x01, 0x00, B_ROCE_ACK28),
		.cut = 30, .status = DP_TRUNCATED, .cause = "ipv4_truncated",
		EVENTS(DP_E_IPV4_OPTIONS), .nip = 1, .ttl = 64, .proto = 17, .hlen = 24, .plen = 28,
	},
	{
		.name = "header whole, UDP cut",
		/* IPv4 header | UDP header, 4 of 8 bytes */
		BYTES(0x45, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS,
		      B_ROCE_ACK28),
		.cut = 24, .status = DP_TRUNCATED, .cause = "udp_truncated", .nip = 1, .ttl = 64,
		.proto = 17, .hlen = 20, .plen = 28,
	},
	/* ---- Ethernet padding ---- */
	{
		.name = "Ethernet padding is a trailer, not payload",
		/* Ethernet type 0x0800 | IPv4 total 48 | RoCE ACK | 12 bytes of padding to 74 */
		.linktype = DP_LINK_ETHERNET,
		BYTES(B_ETH, 0x45, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
		      B_ADDRS, B_ROCE_ACK28, B_PAD12),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_TRAILER), .nip = 1, .off = 14,
		.ttl = 64, .proto = 17, .hlen = 20, .plen = 28, .roce = true,
	},
	{
		.name = "no padding, no trailer event",
		/* Ethernet type 0x0800 | IPv4 total 48 | RoCE ACK */
		.linktype = DP_LINK_ETHERNET,
		BYTES(B_ETH, 0x45, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
		      B_ADDRS, B_ROCE_ACK28),
		.status = DP_OK, .cause = "ok", .nip = 1, .off = 14, .ttl = 64, .proto = 17,
		.hlen = 20, .plen = 28, .roce = true,
	},
	{
		.name = "UDP length reaching into the padding is malformed",
		/* Ethernet | IPv4 total 36 | UDP len 28 (16 bytes past the IP packet) | BTH... | pad */
		.linktype = DP_LINK_ETHERNET,
		BYTES(B_ETH, 0x45, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
		      B_ADDRS, B_ROCE_ACK28, B_PAD12),
		.status = DP_MALFORMED, .cause = "udp_len", EVENTS(DP_E_TRAILER), .nip = 1,
		.off = 14, .ttl = 64, .proto = 17, .hlen = 20, .plen = 16,
	},
};

static void test_ipv4_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(ipv4_rows) / sizeof(ipv4_rows[0]); i++) {
		const struct ipv4_row *r = &ipv4_rows[i];
		uint32_t lt = r->linktype ? r->linktype : DP_LINK_IPV4;
		struct dpkt d;
		row(r->name);
		decode(&o, lt, r->b, r->n - r->cut, r->n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		check_events(&d, r->ev, r->nev);
		CHECK_EQ_U(d.nip, r->nip);
		if (r->nip && d.nip) {
			const struct dp_ip *ip = &d.ip[0];
			static const uint8_t src[16] = {10, 0, 0, 1}, dst[16] = {10, 0, 0, 2};
			CHECK_EQ_U(ip->v, 4);
			CHECK_EQ_U(ip->off, r->off);
			CHECK_EQ_U(ip->dscp, r->dscp);
			CHECK_EQ_U(ip->ecn, r->ecn);
			CHECK_EQ_U(ip->hlim, r->ttl);
			CHECK_EQ_U(ip->nh, r->proto);
			CHECK_EQ_U(ip->upper, r->proto);
			CHECK_EQ_U(ip->id, r->id);
			CHECK_EQ_U(ip->hlen, r->hlen);
			CHECK_EQ_U(ip->plen, r->plen);
			CHECK_EQ_U(ip->frag, r->frag);
			CHECK_EQ_U(ip->frag_off, r->frag_off);
			CHECK_EQ_U(ip->n_ext, 0);
			CHECK_EQ_U(ip->has_srh, 0);
			CHECK_EQ_U(ip->flow, 0);
			/* IPv4 addresses in the first 4 bytes, zero beyond */
			CHECK(memcmp(ip->src, src, 16) == 0);
			CHECK(memcmp(ip->dst, dst, 16) == 0);
		}
		CHECK_EQ_U(d.has_bth, r->roce);
		if (r->roce && d.has_bth) {
			CHECK_EQ_U(d.bth.dqpn, 0x12);
			CHECK_EQ_U(d.udp_off, d.ip[d.nip - 1].off + d.ip[d.nip - 1].hlen);
		}
	}
}

static void test_ipv4_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(ipv4_rows) / sizeof(ipv4_rows[0]); i++) {
		const struct ipv4_row *r = &ipv4_rows[i];
		row(r->name);
		sweep(&o, r->linktype ? r->linktype : DP_LINK_IPV4, r->b, r->n);
	}
}

/* IPv4 in IPv4 nested five deep: the fifth header is past DP_MAX_IP (4). */
static void test_ipv4_depth(void)
{
	/* v4 IHL 5, total filled in below, TTL 64, proto 4 (IPv4), 10.0.0.1 > 10.0.0.2 */
	static const uint8_t outer[20] = {0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x04,
					  0x00, 0x00, B_ADDRS};
	/* v4 IHL 5, total 48, UDP | RoCE ACK */
	static const uint8_t inner[48] = {0x45, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11,
					  0x00, 0x00, B_ADDRS, B_ROCE_ACK28};
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (unsigned depth = 0; depth <= 5; depth++) {
		uint8_t f[5 * 20 + 48];
		uint32_t n = depth * 20 + 48;
		for (unsigned k = 0; k < depth; k++) {
			memcpy(f + 20 * k, outer, 20);
			uint32_t total = n - 20 * k;
			f[20 * k + 2] = (uint8_t)(total >> 8);
			f[20 * k + 3] = (uint8_t)total;
		}
		memcpy(f + 20 * depth, inner, 48);
		struct dpkt d;
		row(depth + 1 <= DP_MAX_IP ? "nested within the cap" : "nested past the cap");
		decode(&o, DP_LINK_IPV4, f, n, n, &d);
		if (depth + 1 <= DP_MAX_IP) {
			CHECK_EQ_S(dp_cause_name(d.cause), "ok");
			CHECK_EQ_U(d.nip, depth + 1);
			CHECK_EQ_U(d.ip[d.nip - 1].off, 20 * depth);
		} else {
			CHECK_EQ_S(dp_cause_name(d.cause), "encap_too_deep");
			CHECK_EQ_U(d.status, DP_UNSUPPORTED);
			CHECK_EQ_U(d.nip, DP_MAX_IP);
		}
		sweep(&o, DP_LINK_IPV4, f, n);
	}
}

/* Only the outermost IP layer notes a trailer: an inner packet shorter than its outer
 * one is an encapsulation matter, not Ethernet padding. */
static void test_ipv4_inner_shorter(void)
{
	/* outer: v4 total 72 proto 4 | inner: v4 total 48 UDP RoCE | 4 extra bytes inside outer */
	static const uint8_t f[] = {0x45, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00, 0x00, 0x40, 0x04,
				    0x00, 0x00, B_ADDRS, 0x45, 0x00, 0x00, 0x30, 0x00, 0x00,
				    0x00, 0x00, 0x40, 0x11, 0x00, 0x00, B_ADDRS, B_ROCE_ACK28,
				    0xee, 0xee, 0xee, 0xee};
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);
	o.check_icrc = false;
	row("inner packet shorter than the outer payload");
	decode(&o, DP_LINK_IPV4, f, sizeof(f), sizeof(f), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.nip, 2);
	CHECK_EQ_U(d.nevent, 0);
	CHECK_EQ_U(d.ip[1].plen, 28);
}

int main(void)
{
	RUN(test_ipv4_table);
	RUN(test_ipv4_short_captures);
	RUN(test_ipv4_depth);
	RUN(test_ipv4_inner_shorter);
	return unit_done();
}
