/*
 * test_sll.c - Linux cooked captures (dissectors/sll.c):
 * LINKTYPE_LINUX_SLL (113, 16-byte header) and LINKTYPE_LINUX_SLL2 (276,
 * 20-byte header), per https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
 * and LINKTYPE_LINUX_SLL2.html.
 *
 *   SLL : packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2)
 *   SLL2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1)
 *         addr len(1) addr(8)
 *
 * The header bytes are chosen so that each field has a value no other field
 * has: reading a field at the wrong offset shows up as a wrong value.
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

struct sll_row {
	const char *name;
	uint32_t linktype;
	const uint8_t *b;
	uint32_t n, cut;
	enum dp_status status;
	const char *cause;
	bool has_sll;
	uint16_t pkttype;
	uint32_t ifindex;
	uint16_t proto;
	uint8_t nip;
	uint8_t nvlan;
	uint16_t vid;
	bool pfc;
};

/* IPv4 10.0.0.1 > 10.0.0.2, IHL 5, total length 28, TTL 64, proto 17 | UDP 49152 > 53, len 8 */
#define B_IPV4_UDP_DNS                                                                             \
	0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 0, 1, 10, 0,  \
	    0, 2, 0xc0, 0x00, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00
/* IPv6 2001:db8::1 > 2001:db8::2, payload length 0, Next Header 59, hop limit 64 */
#define B_IPV6_NONE                                                                                \
	0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 59, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,  \
	    0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
/* MAC Control opcode 0x0001 PAUSE, pause time 0x00ff */
#define B_PAUSE 0x00, 0x01, 0x00, 0xff
/* link-layer address 02:00:00:00:00:01 padded to 8 bytes */
#define B_ADDR 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00

static const struct sll_row sll_rows[] = {
	/* ---- SLL (113) ---- */
	{
		.name = "SLL to us, IPv4",
		/* pkttype 0 (host) | ARPHRD 1 | addr len 6 | addr 02::01 | proto 0x0800 | IPv4 UDP 53 */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x00, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x08, 0x00, B_IPV4_UDP_DNS),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_sll = true, .pkttype = 0,
		.proto = 0x0800, .nip = 1,
	},
	{
		.name = "SLL outgoing, IPv6",
		/* pkttype 4 (outgoing) | ARPHRD 1 | addr len 6 | addr | proto 0x86dd | IPv6 NH 59 */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x04, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x86, 0xdd, B_IPV6_NONE),
		.status = DP_UNSUPPORTED, .cause = "ip_proto", .has_sll = true, .pkttype = 4,
		.proto = 0x86dd, .nip = 1,
	},
	{
		.name = "SLL broadcast, MAC Control PAUSE",
		/* pkttype 1 (broadcast) | ARPHRD 0x0304 loopback | addr len 0 | addr 0 | proto 0x8808 */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x01, 0x03, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x08, B_PAUSE),
		.status = DP_OK, .cause = "ok", .has_sll = true, .pkttype = 1, .proto = 0x8808,
		.pfc = true,
	},
	{
		.name = "SLL multicast, unknown protocol",
		/* pkttype 2 (multicast) | ARPHRD 1 | addr len 6 | addr | proto 0x88cc LLDP */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x02, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x88, 0xcc, 0x02, 0x07),
		.status = DP_UNSUPPORTED, .cause = "ethertype", .has_sll = true, .pkttype = 2,
		.proto = 0x88cc,
	},
	{
		.name = "SLL to someone else, 802.2 LLC (protocol 4)",
		/* pkttype 3 (otherhost) | ARPHRD 1 | addr len 6 | addr | proto 0x0004 LINUX_SLL_P_802_2 */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x03, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x00, 0x04, 0x42, 0x42, 0x03),
		.status = DP_UNSUPPORTED, .cause = "ieee8023_llc", .has_sll = true, .pkttype = 3,
		.proto = 0x0004,
	},
	{
		/*
		 * libpcap re-inserts an offloaded VLAN tag into SLL captures at the
		 * protocol field (pcap-linux.c set_vlan_offset: SLL_HDR_LEN - 2), and
		 * tcpdump's sll_if_print decodes 0x8100 there. `-i any` on a tagged
		 * RoCE interface produces exactly this.
		 */
		.name = "SLL with a re-inserted 802.1Q tag",
		/* pkttype 0 | ARPHRD 1 | addr len 6 | addr | proto 0x8100 | TCI 0x6064 (PCP 3 VID 100)
		 * | type 0x0800 | IPv4 UDP 53 */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x00, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x81, 0x00, 0x60, 0x64, 0x08, 0x00,
		      B_IPV4_UDP_DNS),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_sll = true, .pkttype = 0,
		.proto = 0x8100, .nip = 1, .nvlan = 1, .vid = 100,
	},
	{
		.name = "SLL header cut at 15 bytes",
		/* pkttype 0 | ARPHRD 1 | addr len 6 | addr | proto 0x08|-- cut */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x00, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x08, 0x00), .cut = 1,
		.status = DP_TRUNCATED, .cause = "sll_truncated",
	},
	{
		.name = "SLL empty capture",
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x00, 0x00, 0x01), .cut = 4,
		.status = DP_TRUNCATED, .cause = "sll_truncated",
	},
	{
		.name = "SLL 10-byte frame (short on the wire too)",
		/* pkttype 0 | ARPHRD 1 | addr len 6 | addr 02:00:00:00 - the record ends */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00),
		.status = DP_TRUNCATED, .cause = "sll_truncated",
	},
	{
		.name = "SLL complete, IPv4 header cut",
		/* SLL pkttype 0 proto 0x0800 | IPv4 header, 12 of 20 bytes captured */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x00, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x08, 0x00, B_IPV4_UDP_DNS), .cut = 16,
		.status = DP_TRUNCATED, .cause = "ipv4_truncated", .has_sll = true, .proto = 0x0800,
	},
	{
		.name = "SLL complete, IPv4 header short on the wire",
		/* SLL pkttype 0 proto 0x0800 | 12 bytes of an IPv4 header: the record ends */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x00, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x08, 0x00, 0x45, 0x00, 0x00, 0x1c,
		      0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00),
		.status = DP_MALFORMED, .cause = "ipv4_total_len", .has_sll = true, .proto = 0x0800,
	},
	/* ---- SLL2 (276) ---- */
	{
		.name = "SLL2 to us on ifindex 7, IPv4",
		/* proto 0x0800 | reserved 0 | ifindex 7 | ARPHRD 1 | pkttype 0 | addr len 6 | addr |
		 * IPv4 UDP 53 */
		.linktype = DP_LINK_SLL2,
		BYTES(0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x00, 0x06, B_ADDR,
		      B_IPV4_UDP_DNS),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_sll = true, .pkttype = 0,
		.ifindex = 7, .proto = 0x0800, .nip = 1,
	},
	{
		.name = "SLL2 outgoing on ifindex 0xdeadbeef, IPv6",
		/* proto 0x86dd | reserved 0 | ifindex 0xdeadbeef | ARPHRD 0x0304 | pkttype 4 | addr len 0
		 * | addr 0 | IPv6 NH 59 */
		.linktype = DP_LINK_SLL2,
		BYTES(0x86, 0xdd, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x03, 0x04, 0x04, 0x00, 0, 0, 0, 0,
		      0, 0, 0, 0, B_IPV6_NONE),
		.status = DP_UNSUPPORTED, .cause = "ip_proto", .has_sll = true, .pkttype = 4,
		.ifindex = 0xdeadbeef, .proto = 0x86dd, .nip = 1,
	},
	{
		.name = "SLL2 reserved bytes set, broadcast PAUSE",
		/* proto 0x8808 | reserved 0xffff (ignored) | ifindex 0x01020304 | ARPHRD 1 | pkttype 1 |
		 * addr len 6 | addr | PAUSE */
		.linktype = DP_LINK_SLL2,
		BYTES(0x88, 0x08, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04, 0x00, 0x01, 0x01, 0x06, B_ADDR,
		      B_PAUSE),
		.status = DP_OK, .cause = "ok", .has_sll = true, .pkttype = 1, .ifindex = 0x01020304,
		.proto = 0x8808, .pfc = true,
	},
	{
		.name = "SLL2 header cut at 19 bytes",
		/* proto 0x0800 | reserved | ifindex 7 | ARPHRD 1 | pkttype 0 | addr len 6 | addr cut */
		.linktype = DP_LINK_SLL2,
		BYTES(0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x00, 0x06, B_ADDR),
		.cut = 1, .status = DP_TRUNCATED, .cause = "sll_truncated",
	},
	{
		.name = "SLL2 16-byte record (an SLL-sized header in an SLL2 file)",
		/* proto 0x0800 | reserved | ifindex 7 | ARPHRD 1 | pkttype 0 | addr len 6 | 4 addr bytes */
		.linktype = DP_LINK_SLL2,
		BYTES(0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00,
		      0x00, 0x00),
		.status = DP_TRUNCATED, .cause = "sll_truncated",
	},
	{
		.name = "SLL2 complete, IPv6 cut",
		/* SLL2 proto 0x86dd ifindex 2 pkttype 0 | IPv6 header, 20 of 40 bytes captured */
		.linktype = DP_LINK_SLL2,
		BYTES(0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06, B_ADDR,
		      B_IPV6_NONE),
		.cut = 20, .status = DP_TRUNCATED, .cause = "ipv6_truncated", .has_sll = true,
		.ifindex = 2, .proto = 0x86dd,
	},
};

static void test_sll_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(sll_rows) / sizeof(sll_rows[0]); i++) {
		const struct sll_row *r = &sll_rows[i];
		struct dpkt d;
		row(r->name);
		decode(&o, r->linktype, r->b, r->n - r->cut, r->n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		CHECK_EQ_U(d.linktype, r->linktype);
		CHECK_EQ_U(d.has_sll, r->has_sll);
		if (r->has_sll && d.has_sll) {
			CHECK_EQ_U(d.sll_pkttype, r->pkttype);
			CHECK_EQ_U(d.sll_ifindex, r->ifindex);
			CHECK_EQ_U(d.sll_proto, r->proto);
		}
		CHECK_EQ_U(d.neth, 0);
		CHECK_EQ_U(d.nip, r->nip);
		CHECK_EQ_U(d.nvlan, r->nvlan);
		if (r->nvlan && d.nvlan)
			CHECK_EQ_U(d.vlan_id[0], r->vid);
		CHECK_EQ_U(d.has_pfc, r->pfc);
		if (r->pfc && d.has_pfc)
			CHECK_EQ_U(d.pfc.time[0], 0xff);
		if (r->nip && d.nip)
			CHECK_EQ_U(d.ip[0].off, r->linktype == DP_LINK_SLL ? 16u + 4u * r->nvlan : 20u);
	}
}

static void test_sll_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(sll_rows) / sizeof(sll_rows[0]); i++) {
		row(sll_rows[i].name);
		sweep(&o, sll_rows[i].linktype, sll_rows[i].b, sll_rows[i].n);
	}
}

/* Every packet type value is passed through as is: 0..4 and the values beyond. */
static void test_sll_pkttypes(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (unsigned t = 0; t < 8; t++) {
		/* SLL pkttype t | ARPHRD 1 | addr len 6 | addr | proto 0x8808 | PAUSE */
		uint8_t f[] = {0x00, (uint8_t)t, 0x00, 0x01, 0x00, 0x06, B_ADDR, 0x88, 0x08, B_PAUSE};
		/* SLL2 proto 0x8808 | reserved | ifindex 1 | ARPHRD 1 | pkttype t | addr len 6 | addr */
		uint8_t g[] = {0x88, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
			       (uint8_t)t, 0x06, B_ADDR, B_PAUSE};
		struct dpkt d;
		row("SLL pkttype");
		decode(&o, DP_LINK_SLL, f, sizeof(f), sizeof(f), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ok");
		CHECK_EQ_U(d.sll_pkttype, t);
		row("SLL2 pkttype");
		decode(&o, DP_LINK_SLL2, g, sizeof(g), sizeof(g), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ok");
		CHECK_EQ_U(d.sll_pkttype, t);
		CHECK_EQ_U(d.sll_ifindex, 1);
	}
}

int main(void)
{
	RUN(test_sll_table);
	RUN(test_sll_short_captures);
	RUN(test_sll_pkttypes);
	return unit_done();
}
