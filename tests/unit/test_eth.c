/*
 * test_eth.c - Ethernet II, IEEE 802.3 length frames, 802.1Q / 802.1ad tags
 * (dissectors/eth.c; IEEE 802.3 clause 3.2.6, IEEE 802.1Q clause 9).
 *
 * One table of frames on LINKTYPE_ETHERNET. The upper layer of each frame
 * is the smallest one that ends the decode in a known state: an 802.3x
 * PAUSE (status ok), a UDP datagram to port 53 (unsupported udp_port: the
 * IPv4 layer was reached) or IPv6 with Next Header 59. Every frame is also
 * decoded at every shorter capture length from a private heap copy, so
 * AddressSanitizer sees any read past caplen.
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

/* A byte array and its length, for a table row. */

/* Decode the first `cap` bytes of `b` from a heap copy of exactly that size. */
/*
 * Every capture length 0..n-1 of an n-byte frame: no read past caplen
 * (ASan), status agrees with the cause, and the outcome is either the full
 * frame's or "truncated" - a short capture never invents another problem.
 */
struct eth_row {
	const char *name;
	const uint8_t *b;
	uint32_t n;
	uint32_t cut; /* bytes missing from the capture (caplen = n - cut) */
	enum dp_status status;
	const char *cause;
	uint8_t neth; /* 0: the Ethernet header itself was not read */
	uint8_t dst[6], src[6];
	uint16_t type; /* EtherType after the tags */
	uint8_t nvlan;
	uint16_t tpid[DP_MAX_VLAN], vid[DP_MAX_VLAN];
	uint8_t pcp[DP_MAX_VLAN];
	uint8_t nip;
	bool pfc;
};

#define MAC_PAUSE {0x01, 0x80, 0xc2, 0x00, 0x00, 0x01}
#define MAC_A {0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
#define MAC_B {0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
/* Bytes of the same addresses, for the frames. */
#define B_PAUSE 0x01, 0x80, 0xc2, 0x00, 0x00, 0x01
#define B_A 0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define B_B 0x02, 0x00, 0x00, 0x00, 0x00, 0x02
/* IPv4 10.0.0.1 > 10.0.0.2, IHL 5, total length 28, TTL 64, proto 17 */
#define B_IPV4_UDP28                                                                               \
	0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 0, 1, 10, 0,  \
	    0, 2
/* UDP 49152 > 53, length 8, checksum 0 */
#define B_UDP_DNS8 0xc0, 0x00, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00
/* IPv6 2001:db8::1 > 2001:db8::2, payload length 0, Next Header 59, hop limit 64 */
#define B_IPV6_NONE                                                                                \
	0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 59, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,  \
	    0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
/* MAC Control 0x8808, opcode 0x0001 PAUSE, pause time 0x00ff quanta */
#define B_PAUSE_BODY 0x88, 0x08, 0x00, 0x01, 0x00, 0xff

static const struct eth_row eth_rows[] = {
	{
		.name = "Ethernet II, PAUSE",
		/* dst 01:80:c2:00:00:01 src 02:00:00:00:00:01 type 0x8808 | PAUSE 0x00ff */
		BYTES(B_PAUSE, B_A, B_PAUSE_BODY),
		.status = DP_OK, .cause = "ok", .neth = 1, .dst = MAC_PAUSE, .src = MAC_A,
		.type = 0x8808, .pfc = true,
	},
	{
		.name = "Ethernet II, PAUSE padded to 60 bytes",
		/* the PAUSE frame above | 40 bytes of zero padding (MAC Control is not narrowed) */
		BYTES(B_PAUSE, B_A, B_PAUSE_BODY, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		.status = DP_OK, .cause = "ok", .neth = 1, .dst = MAC_PAUSE, .src = MAC_A,
		.type = 0x8808, .pfc = true,
	},
	{
		.name = "Ethernet II, IPv4 UDP to port 53",
		/* dst 02::02 src 02::01 type 0x0800 | IPv4 10.0.0.1 > 10.0.0.2 | UDP 49152 > 53 */
		BYTES(B_B, B_A, 0x08, 0x00, B_IPV4_UDP28, B_UDP_DNS8),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .neth = 1, .dst = MAC_B, .src = MAC_A,
		.type = 0x0800, .nip = 1,
	},
	{
		.name = "Ethernet II, IPv6 no next header",
		/* dst 02::02 src 02::01 type 0x86dd | IPv6 NH 59, payload 0 */
		BYTES(B_B, B_A, 0x86, 0xdd, B_IPV6_NONE),
		.status = DP_UNSUPPORTED, .cause = "ip_proto", .neth = 1, .dst = MAC_B, .src = MAC_A,
		.type = 0x86dd, .nip = 1,
	},
	{
		.name = "IEEE 802.3 length frame with LLC",
		/* dst 02::02 src 02::01 length 0x0026 (38) | LLC DSAP 0x42 SSAP 0x42 ctl 0x03 (STP) */
		BYTES(B_B, B_A, 0x00, 0x26, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00),
		.status = DP_UNSUPPORTED, .cause = "ieee8023_llc", .neth = 1, .dst = MAC_B,
		.src = MAC_A, .type = 0x0026,
	},
	{
		.name = "Type/Length 0x05ff is still a length",
		/* dst 02::02 src 02::01 length 0x05ff (1535, the last length value) */
		BYTES(B_B, B_A, 0x05, 0xff, 0xaa, 0xaa, 0x03),
		.status = DP_UNSUPPORTED, .cause = "ieee8023_llc", .neth = 1, .dst = MAC_B,
		.src = MAC_A, .type = 0x05ff,
	},
	{
		.name = "Type/Length 0x0600 is an EtherType",
		/* dst 02::02 src 02::01 type 0x0600 (XNS IDP, the first EtherType value) */
		BYTES(B_B, B_A, 0x06, 0x00, 0x00, 0x00),
		.status = DP_UNSUPPORTED, .cause = "ethertype", .neth = 1, .dst = MAC_B,
		.src = MAC_A, .type = 0x0600,
	},
	{
		.name = "unknown EtherType (LLDP)",
		/* dst 01:80:c2:00:00:0e src 02::01 type 0x88cc LLDP | chassis TLV start */
		BYTES(0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, B_A, 0x88, 0xcc, 0x02, 0x07),
		.status = DP_UNSUPPORTED, .cause = "ethertype", .neth = 1,
		.dst = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}, .src = MAC_A, .type = 0x88cc,
	},
	{
		.name = "one 802.1Q tag",
		/* dst 01:80:c2:00:00:01 src 02::01 | 0x8100 PCP 3 DEI 0 VID 100 (TCI 0x6064) |
		 * type 0x8808 PAUSE */
		BYTES(B_PAUSE, B_A, 0x81, 0x00, 0x60, 0x64, B_PAUSE_BODY),
		.status = DP_OK, .cause = "ok", .neth = 1, .dst = MAC_PAUSE, .src = MAC_A,
		.type = 0x8808, .nvlan = 1, .tpid = {0x8100}, .vid = {100}, .pcp = {3}, .pfc = true,
	},
	{
		.name = "802.1Q tag: PCP 7, DEI 1, VID 4095",
		/* dst 02::02 src 02::01 | 0x8100 TCI 0xffff (PCP 7 DEI 1 VID 0xfff) | IPv4 UDP 53 */
		BYTES(B_B, B_A, 0x81, 0x00, 0xff, 0xff, 0x08, 0x00, B_IPV4_UDP28, B_UDP_DNS8),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .neth = 1, .dst = MAC_B, .src = MAC_A,
		.type = 0x0800, .nvlan = 1, .tpid = {0x8100}, .vid = {0xfff}, .pcp = {7}, .nip = 1,
	},
	{
		.name = "QinQ: 802.1ad S-tag then 802.1Q C-tag",
		/* dst 02::02 src 02::01 | 0x88a8 PCP 5 VID 10 (TCI 0xa00a) | 0x8100 PCP 0 VID 20
		 * (TCI 0x0014) | type 0x86dd IPv6 NH 59 */
		BYTES(B_B, B_A, 0x88, 0xa8, 0xa0, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x86, 0xdd, B_IPV6_NONE),
		.status = DP_UNSUPPORTED, .cause = "ip_proto", .neth = 1, .dst = MAC_B, .src = MAC_A,
		.type = 0x86dd, .nvlan = 2, .tpid = {0x88a8, 0x8100}, .vid = {10, 20}, .pcp = {5, 0},
		.nip = 1,
	},
	{
		.name = "three tags: 0x9100, 0x88a8, 0x8100",
		/* dst 01:80:c2:00:00:01 src 02::01 | 0x9100 VID 1 PCP 1 (0x2001) | 0x88a8 VID 2 PCP 2
		 * (0x4002) | 0x8100 VID 3 PCP 3 (0x6003) | type 0x8808 PAUSE */
		BYTES(B_PAUSE, B_A, 0x91, 0x00, 0x20, 0x01, 0x88, 0xa8, 0x40, 0x02, 0x81, 0x00, 0x60,
		      0x03, B_PAUSE_BODY),
		.status = DP_OK, .cause = "ok", .neth = 1, .dst = MAC_PAUSE, .src = MAC_A,
		.type = 0x8808, .nvlan = 3, .tpid = {0x9100, 0x88a8, 0x8100}, .vid = {1, 2, 3},
		.pcp = {1, 2, 3}, .pfc = true,
	},
	/* ---- malformed ---- */
	{
		.name = "four tags: vlan_too_many",
		/* dst 01:80:c2:00:00:01 src 02::01 | 0x8100 VID 1 | 0x8100 VID 2 | 0x8100 VID 3 |
		 * 0x8100 VID 4 (one too many) | type 0x8808 PAUSE */
		BYTES(B_PAUSE, B_A, 0x81, 0x00, 0x00, 0x01, 0x81, 0x00, 0x00, 0x02, 0x81, 0x00, 0x00,
		      0x03, 0x81, 0x00, 0x00, 0x04, B_PAUSE_BODY),
		.status = DP_MALFORMED, .cause = "vlan_too_many", .neth = 1, .dst = MAC_PAUSE,
		.src = MAC_A, .type = 0x8100, .nvlan = 3, .tpid = {0x8100, 0x8100, 0x8100},
		.vid = {1, 2, 3},
	},
	{
		.name = "ten stacked tags: vlan_too_many, three decoded",
		/* dst 02::02 src 02::01 | ten tags 0x8100 VID 1..10, alternating with 0x88a8 |
		 * type 0x0800 (never reached) */
		BYTES(B_B, B_A, 0x81, 0x00, 0x00, 0x01, 0x88, 0xa8, 0x00, 0x02, 0x81, 0x00, 0x00, 0x03,
		      0x88, 0xa8, 0x00, 0x04, 0x81, 0x00, 0x00, 0x05, 0x88, 0xa8, 0x00, 0x06, 0x81, 0x00,
		      0x00, 0x07, 0x88, 0xa8, 0x00, 0x08, 0x81, 0x00, 0x00, 0x09, 0x88, 0xa8, 0x00, 0x0a,
		      0x08, 0x00),
		.status = DP_MALFORMED, .cause = "vlan_too_many", .neth = 1, .dst = MAC_B, .src = MAC_A,
		.type = 0x88a8, .nvlan = 3, .tpid = {0x8100, 0x88a8, 0x8100}, .vid = {1, 2, 3},
	},
	/* ---- truncated ---- */
	{
		.name = "empty frame",
		BYTES(0x00), .cut = 1,
		.status = DP_TRUNCATED, .cause = "eth_truncated",
	},
	{
		.name = "13 bytes: no room for the EtherType",
		/* dst 02::02 src 02::01 type 0x08|-- cut */
		BYTES(B_B, B_A, 0x08, 0x00), .cut = 1,
		.status = DP_TRUNCATED, .cause = "eth_truncated",
	},
	{
		.name = "13-byte frame on the wire as well",
		/* dst 02::02 src 02::01 and one byte: the frame itself is short */
		BYTES(B_B, B_A, 0x08),
		.status = DP_TRUNCATED, .cause = "eth_truncated",
	},
	{
		.name = "tag cut after its TCI",
		/* dst 02::02 src 02::01 | 0x8100 TCI 0x0064 | inner type cut */
		BYTES(B_B, B_A, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00), .cut = 2,
		.status = DP_TRUNCATED, .cause = "vlan_truncated", .neth = 1, .dst = MAC_B,
		.src = MAC_A, .type = 0x8100,
	},
	{
		.name = "second tag cut",
		/* dst 02::02 src 02::01 | 0x88a8 VID 7 | 0x8100 TCI cut */
		BYTES(B_B, B_A, 0x88, 0xa8, 0x00, 0x07, 0x81, 0x00, 0x00, 0x08, 0x08, 0x00), .cut = 3,
		.status = DP_TRUNCATED, .cause = "vlan_truncated", .neth = 1, .dst = MAC_B,
		.src = MAC_A, .type = 0x8100, .nvlan = 1, .tpid = {0x88a8}, .vid = {7},
	},
	{
		.name = "PAUSE cut inside the pause time",
		/* dst 01:80:c2:00:00:01 src 02::01 type 0x8808 | opcode 0x0001 | time cut */
		BYTES(B_PAUSE, B_A, B_PAUSE_BODY), .cut = 1,
		.status = DP_TRUNCATED, .cause = "pfc_truncated", .neth = 1, .dst = MAC_PAUSE,
		.src = MAC_A, .type = 0x8808,
	},
	{
		.name = "IPv4 cut inside its header",
		/* dst 02::02 src 02::01 type 0x0800 | IPv4 header, 10 of 20 bytes captured */
		BYTES(B_B, B_A, 0x08, 0x00, B_IPV4_UDP28, B_UDP_DNS8), .cut = 18,
		.status = DP_TRUNCATED, .cause = "ipv4_truncated", .neth = 1, .dst = MAC_B,
		.src = MAC_A, .type = 0x0800,
	},
};

static void check_eth_row(const struct eth_row *r, const struct dpkt *d)
{
	CHECK_EQ_S(dp_cause_name(d->cause), r->cause);
	CHECK_EQ_S(dp_status_name(d->status), dp_status_name(r->status));
	CHECK_EQ_U(d->neth, r->neth);
	if (r->neth && d->neth) {
		CHECK(memcmp(d->eth[0].dst, r->dst, 6) == 0);
		CHECK(memcmp(d->eth[0].src, r->src, 6) == 0);
		CHECK_EQ_U(d->eth[0].type, r->type);
		CHECK_EQ_U(d->eth[0].off, 0);
	}
	CHECK_EQ_U(d->nvlan, r->nvlan);
	for (unsigned i = 0; i < r->nvlan && i < d->nvlan; i++) {
		CHECK_EQ_U(d->vlan_tpid[i], r->tpid[i]);
		CHECK_EQ_U(d->vlan_id[i], r->vid[i]);
		CHECK_EQ_U(d->vlan_pcp[i], r->pcp[i]);
	}
	CHECK_EQ_U(d->nip, r->nip);
	CHECK_EQ_U(d->has_pfc, r->pfc);
	CHECK_EQ_U(d->has_sll, 0);
	CHECK_EQ_U(d->nevent, 0);
}

static void test_eth_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(eth_rows) / sizeof(eth_rows[0]); i++) {
		const struct eth_row *r = &eth_rows[i];
		struct dpkt d;
		row(r->name);
		decode(&o, DP_LINK_ETHERNET, r->b, r->n - r->cut, r->n, &d);
		CHECK_EQ_U(d.linktype, DP_LINK_ETHERNET);
		CHECK_EQ_U(d.len, r->n);
		check_eth_row(r, &d);
	}
}

static void test_eth_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(eth_rows) / sizeof(eth_rows[0]); i++) {
		row(eth_rows[i].name);
		sweep(&o, DP_LINK_ETHERNET, eth_rows[i].b, eth_rows[i].n);
	}
}

/* The tag cap holds whatever the depth: 64 stacked tags stop after three. */
static void test_eth_many_tags(void)
{
	/* dst 02::02 src 02::01 | 64 x (0x8100 TCI = tag number) | type 0x0800 */
	uint8_t f[14 + 64 * 4 + 2];
	static const uint8_t head[14] = {B_B, B_A, 0x81, 0x00};
	struct dp_opts o;
	struct dpkt d;

	dp_opts_init(&o);
	memcpy(f, head, sizeof(head));
	for (unsigned t = 0; t < 64; t++) {
		uint8_t *p = f + 14 + 4 * t;
		p[0] = 0;
		p[1] = (uint8_t)(t + 1);
		p[2] = t == 63 ? 0x08 : 0x81; /* next TPID, or IPv4 after the last tag */
		p[3] = 0x00;
	}
	f[sizeof(f) - 2] = 0x08;
	f[sizeof(f) - 1] = 0x00;
	row("64 stacked tags");
	decode(&o, DP_LINK_ETHERNET, f, sizeof(f), sizeof(f), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "vlan_too_many");
	CHECK_EQ_U(d.status, DP_MALFORMED);
	CHECK_EQ_U(d.nvlan, 3);
	CHECK_EQ_U(d.vlan_id[2], 3);
	sweep(&o, DP_LINK_ETHERNET, f, sizeof(f));
}

/* Frames whose wire length field is below the captured length are decoded as captured. */
static void test_eth_wire_below_caplen(void)
{
	/* dst 01:80:c2:00:00:01 src 02::01 type 0x8808 | PAUSE 0x00ff */
	static const uint8_t f[] = {B_PAUSE, B_A, B_PAUSE_BODY};
	struct dp_opts o;
	struct dpkt d;

	dp_opts_init(&o);
	row("record with len < caplen");
	decode(&o, DP_LINK_ETHERNET, f, sizeof(f), 10, &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.has_pfc, 1);
	CHECK_EQ_U(d.pfc.time[0], 0xff);
	CHECK_EQ_U(d.len, 10);
}

/* Names used in every report stay as documented. */
static void test_eth_cause_names(void)
{
	CHECK_EQ_S(dp_cause_name(DP_C_ETH_TRUNC), "eth_truncated");
	CHECK_EQ_S(dp_cause_name(DP_C_VLAN_TRUNC), "vlan_truncated");
	CHECK_EQ_S(dp_cause_name(DP_C_VLAN_TOO_MANY), "vlan_too_many");
	CHECK_EQ_S(dp_cause_name(DP_C_LLC), "ieee8023_llc");
	CHECK_EQ_S(dp_cause_name(DP_C_ETHERTYPE), "ethertype");
	CHECK_EQ_U(dp_cause_status(DP_C_VLAN_TOO_MANY), DP_MALFORMED);
	CHECK_EQ_U(dp_cause_status(DP_C_ETH_TRUNC), DP_TRUNCATED);
	CHECK_EQ_S(dp_cause_name(DP_NCAUSE), "?");
	CHECK_EQ_S(dp_cause_name(1000), "?");
	CHECK_EQ_S(dp_status_name(DP_NSTATUS), "?");
	CHECK_EQ_S(dp_event_name(DP_NEVENT), "?");
	/* every cause has a name and a status that agrees with its name's table */
	for (unsigned c = 0; c < DP_NCAUSE; c++) {
		CHECK(dp_cause_name(c) != NULL && strcmp(dp_cause_name(c), "?") != 0);
		CHECK(dp_cause_status(c) < DP_NSTATUS);
		CHECK((c == DP_C_NONE) == (dp_cause_status(c) == DP_OK));
	}
	for (unsigned e = 0; e < DP_NEVENT; e++)
		CHECK(dp_event_name(e) != NULL && strcmp(dp_event_name(e), "?") != 0);
}

int main(void)
{
	RUN(test_eth_table);
	RUN(test_eth_short_captures);
	RUN(test_eth_many_tags);
	RUN(test_eth_wire_below_caplen);
	RUN(test_eth_cause_names);
	return unit_done();
}
