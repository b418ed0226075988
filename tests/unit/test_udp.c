/*
 * test_udp.c - UDP and the RoCEv2 switch (dissectors/udp.c; RFC 768, IBTA
 * Annex A17.2).
 *
 * The UDP length against the IP payload (below 8, past the payload, short of
 * a BTH), the fields, and RoCEv2 recognised by the destination port alone:
 * the source port is the flow's entropy value, so sport 4791 with another
 * dport is not RoCE and sport 49152 with dport 4791 is. The port list is
 * configurable (dp_opts.roce_ports). Frames are LINKTYPE_IPV4 unless noted.
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

/* Port configurations the rows refer to. */
enum { PORTS_DEFAULT = 0, PORTS_1021_4791, PORTS_1021, PORTS_NONE, PORTS_EIGHT, NPORTS };

static void ports_opts(unsigned which, struct dp_opts *o)
{
	dp_opts_init(o);
	o->check_icrc = false;
	switch (which) {
	case PORTS_1021_4791:
		o->roce_ports[0] = 1021; /* old WinOF RoCEv2 port */
		o->roce_ports[1] = 4791;
		o->nroce_ports = 2;
		break;
	case PORTS_1021:
		o->roce_ports[0] = 1021;
		o->nroce_ports = 1;
		break;
	case PORTS_NONE:
		o->nroce_ports = 0;
		break;
	case PORTS_EIGHT:
		for (unsigned i = 0; i < DP_MAX_PORTS; i++)
			o->roce_ports[i] = (uint16_t)(5000 + i);
		o->roce_ports[DP_MAX_PORTS - 1] = 4791;
		o->nroce_ports = DP_MAX_PORTS;
		break;
	default:
		break;
	}
}

struct udp_row {
	const char *name;
	uint32_t linktype; /* 0: LINKTYPE_IPV4 */
	unsigned ports;    /* PORTS_* */
	const uint8_t *b;
	uint32_t n, cut;
	enum dp_status status;
	const char *cause;
	bool has_udp;
	uint16_t sport, dport, ulen, usum;
	uint32_t udp_off;
	bool roce;    /* dpkt.roce == V2 */
	bool has_bth; /* the BTH was read */
};

/* IPv4 10.0.0.1 > 10.0.0.2, IHL 5, TTL 64, proto 17, total length t */
#define B_IPV4(t) 0x45, 0x00, 0x00, (t), 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2
/* BTH RC_ACKNOWLEDGE P_Key 0xffff DestQP 0x12 PSN 5 | AETH MSN 3 | ICRC 0 (20 bytes) */
#define B_BTH_ACK                                                                                  \
	0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,     \
	    0x03, 0x00, 0x00, 0x00, 0x00

static const struct udp_row udp_rows[] = {
	{
		.name = "sport 49152, dport 4791: RoCE",
		/* IPv4 total 48 | UDP 49152 > 4791 len 28 cksum 0 | BTH ACK */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_OK, .cause = "ok", .has_udp = true, .sport = 49152, .dport = 4791,
		.ulen = 28, .udp_off = 20, .roce = true, .has_bth = true,
	},
	{
		.name = "sport 4791, dport 49152: not RoCE",
		/* IPv4 total 48 | UDP 4791 > 49152 len 28 | BTH-looking bytes */
		BYTES(B_IPV4(0x30), 0x12, 0xb7, 0xc0, 0x00, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_udp = true, .sport = 4791,
		.dport = 49152, .ulen = 28, .udp_off = 20,
	},
	{
		.name = "sport 4791, dport 53: not RoCE",
		/* IPv4 total 28 | UDP 4791 > 53 len 8 */
		BYTES(B_IPV4(0x1c), 0x12, 0xb7, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_udp = true, .sport = 4791,
		.dport = 53, .ulen = 8, .udp_off = 20,
	},
	{
		.name = "sport 4791, dport 4791: RoCE",
		/* IPv4 total 48 | UDP 4791 > 4791 len 28 | BTH ACK */
		BYTES(B_IPV4(0x30), 0x12, 0xb7, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_OK, .cause = "ok", .has_udp = true, .sport = 4791, .dport = 4791,
		.ulen = 28, .udp_off = 20, .roce = true, .has_bth = true,
	},
	{
		.name = "sport 0, dport 4791 (ConnectX CNPs): RoCE",
		/* IPv4 total 48 | UDP 0 > 4791 len 28 cksum 0xbeef | BTH ACK */
		BYTES(B_IPV4(0x30), 0x00, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0xbe, 0xef, B_BTH_ACK),
		.status = DP_OK, .cause = "ok", .has_udp = true, .sport = 0, .dport = 4791,
		.ulen = 28, .usum = 0xbeef, .udp_off = 20, .roce = true, .has_bth = true,
	},
	{
		.name = "dport 4792: not RoCE",
		/* IPv4 total 48 | UDP 49152 > 4792 len 28 | BTH-looking bytes */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb8, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_udp = true, .sport = 49152,
		.dport = 4792, .ulen = 28, .udp_off = 20,
	},
	{
		.name = "over IPv6",
		/* v6 plen 28 NH 17 hop 64 2001:db8::1 > 2001:db8::2 | UDP 65535 > 4791 len 28 | BTH ACK */
		.linktype = DP_LINK_IPV6,
		BYTES(0x60, 0, 0, 0, 0x00, 0x1c, 17, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
		      0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0xff,
		      0x12, 0xb7, 0x00, 0x1c, 0x12, 0x34, B_BTH_ACK),
		.status = DP_OK, .cause = "ok", .has_udp = true, .sport = 65535, .dport = 4791,
		.ulen = 28, .usum = 0x1234, .udp_off = 40, .roce = true, .has_bth = true,
	},
	/* ---- configurable port list ---- */
	{
		.name = "ports {1021, 4791}: dport 1021 is RoCE",
		.ports = PORTS_1021_4791,
		/* IPv4 total 48 | UDP 49152 > 1021 len 28 | BTH ACK */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x03, 0xfd, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_OK, .cause = "ok", .has_udp = true, .sport = 49152, .dport = 1021,
		.ulen = 28, .udp_off = 20, .roce = true, .has_bth = true,
	},
	{
		.name = "ports {1021, 4791}: dport 4791 is RoCE",
		.ports = PORTS_1021_4791,
		/* IPv4 total 48 | UDP 49152 > 4791 len 28 | BTH ACK */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_OK, .cause = "ok", .has_udp = true, .sport = 49152, .dport = 4791,
		.ulen = 28, .udp_off = 20, .roce = true, .has_bth = true,
	},
	{
		.name = "ports {1021}: dport 4791 is not RoCE",
		.ports = PORTS_1021,
		/* IPv4 total 48 | UDP 49152 > 4791 len 28 | BTH ACK */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_udp = true, .sport = 49152,
		.dport = 4791, .ulen = 28, .udp_off = 20,
	},
	{
		.name = "ports {1021}: sport 1021 is not RoCE",
		.ports = PORTS_1021,
		/* IPv4 total 48 | UDP 1021 > 49152 len 28 | BTH ACK */
		BYTES(B_IPV4(0x30), 0x03, 0xfd, 0xc0, 0x00, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_udp = true, .sport = 1021,
		.dport = 49152, .ulen = 28, .udp_off = 20,
	},
	{
		.name = "no RoCE ports: dport 4791 is not RoCE",
		.ports = PORTS_NONE,
		/* IPv4 total 48 | UDP 49152 > 4791 len 28 | BTH ACK */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_udp = true, .sport = 49152,
		.dport = 4791, .ulen = 28, .udp_off = 20,
	},
	{
		.name = "eight ports, 4791 the last",
		.ports = PORTS_EIGHT,
		/* IPv4 total 48 | UDP 49152 > 4791 len 28 | BTH ACK */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_OK, .cause = "ok", .has_udp = true, .sport = 49152, .dport = 4791,
		.ulen = 28, .udp_off = 20, .roce = true, .has_bth = true,
	},
	/* ---- malformed ---- */
	{
		.name = "UDP length 7",
		/* IPv4 total 48 | UDP 49152 > 4791 len 7 | ... */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x07, 0x00, 0x00, B_BTH_ACK),
		.status = DP_MALFORMED, .cause = "udp_len", .has_udp = true, .sport = 49152,
		.dport = 4791, .ulen = 7, .udp_off = 20,
	},
	{
		.name = "UDP length 0",
		/* IPv4 total 48 | UDP 49152 > 4791 len 0 | ... */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x00, 0x00, 0x00, B_BTH_ACK),
		.status = DP_MALFORMED, .cause = "udp_len", .has_udp = true, .sport = 49152,
		.dport = 4791, .ulen = 0, .udp_off = 20,
	},
	{
		.name = "UDP length 29 > IP payload 28",
		/* IPv4 total 48 | UDP 49152 > 4791 len 29 | BTH ACK */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1d, 0x00, 0x00, B_BTH_ACK),
		.status = DP_MALFORMED, .cause = "udp_len", .has_udp = true, .sport = 49152,
		.dport = 4791, .ulen = 29, .udp_off = 20,
	},
	{
		.name = "UDP length 65535",
		/* IPv4 total 48 | UDP 49152 > 53 len 0xffff | ... */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x00, 0x35, 0xff, 0xff, 0x00, 0x00, B_BTH_ACK),
		.status = DP_MALFORMED, .cause = "udp_len", .has_udp = true, .sport = 49152,
		.dport = 53, .ulen = 65535, .udp_off = 20,
	},
	{
		.name = "UDP length 8 to 4791: no room for a BTH",
		/* IPv4 total 48 | UDP 49152 > 4791 len 8 | 20 bytes outside the datagram */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x08, 0x00, 0x00, B_BTH_ACK),
		.status = DP_MALFORMED, .cause = "roce_too_short", .has_udp = true, .sport = 49152,
		.dport = 4791, .ulen = 8, .udp_off = 20, .roce = true,
	},
	{
		.name = "UDP length 20 to 4791: BTH but no ICRC",
		/* IPv4 total 48 | UDP 49152 > 4791 len 20 | BTH | AETH + ICRC outside the datagram */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x14, 0x00, 0x00, B_BTH_ACK),
		.status = DP_MALFORMED, .cause = "roce_too_short", .has_udp = true, .sport = 49152,
		.dport = 4791, .ulen = 20, .udp_off = 20, .roce = true, .has_bth = true,
	},
	{
		.name = "UDP length 8 to port 53",
		/* IPv4 total 48 | UDP 49152 > 53 len 8 | 20 bytes outside the datagram */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00, B_BTH_ACK),
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_udp = true, .sport = 49152,
		.dport = 53, .ulen = 8, .udp_off = 20,
	},
	{
		.name = "IP payload of 4 bytes: no room for the UDP header",
		/* IPv4 total 24 | 4 bytes of a UDP header | the rest outside the IP packet */
		BYTES(B_IPV4(0x18), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK),
		.status = DP_MALFORMED, .cause = "udp_len",
	},
	/* ---- truncated ---- */
	{
		.name = "UDP header cut after 6 bytes",
		/* IPv4 total 48 | UDP 49152 > 4791 len(cut) */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK), .cut = 22,
		.status = DP_TRUNCATED, .cause = "udp_truncated",
	},
	{
		.name = "UDP whole, BTH cut",
		/* IPv4 total 48 | UDP 49152 > 4791 len 28 | BTH, 5 of 12 bytes */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK), .cut = 15,
		.status = DP_TRUNCATED, .cause = "bth_truncated", .has_udp = true, .sport = 49152,
		.dport = 4791, .ulen = 28, .udp_off = 20, .roce = true,
	},
	{
		.name = "UDP whole to port 53, payload cut",
		/* IPv4 total 48 | UDP 49152 > 53 len 28 | payload, 5 of 20 bytes: not read anyway */
		BYTES(B_IPV4(0x30), 0xc0, 0x00, 0x00, 0x35, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK), .cut = 15,
		.status = DP_UNSUPPORTED, .cause = "udp_port", .has_udp = true, .sport = 49152,
		.dport = 53, .ulen = 28, .udp_off = 20,
	},
};

static void test_udp_table(void)
{
	for (size_t i = 0; i < sizeof(udp_rows) / sizeof(udp_rows[0]); i++) {
		const struct udp_row *r = &udp_rows[i];
		struct dp_opts o;
		struct dpkt d;
		row(r->name);
		ports_opts(r->ports, &o);
		decode(&o, r->linktype ? r->linktype : DP_LINK_IPV4, r->b, r->n - r->cut, r->n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		CHECK_EQ_U(d.has_udp, r->has_udp);
		if (r->has_udp && d.has_udp) {
			CHECK_EQ_U(d.sport, r->sport);
			CHECK_EQ_U(d.dport, r->dport);
			CHECK_EQ_U(d.ulen, r->ulen);
			CHECK_EQ_U(d.usum, r->usum);
			CHECK_EQ_U(d.udp_off, r->udp_off);
		}
		CHECK_EQ_U(d.roce, r->roce ? DP_ROCE_V2 : DP_ROCE_NONE);
		CHECK_EQ_U(d.has_bth, r->has_bth);
		if (r->has_bth && d.has_bth) {
			CHECK_EQ_U(d.bth_off, r->udp_off + 8);
			CHECK_EQ_U(d.bth.dqpn, 0x12);
		}
	}
}

static void test_udp_short_captures(void)
{
	for (size_t i = 0; i < sizeof(udp_rows) / sizeof(udp_rows[0]); i++) {
		const struct udp_row *r = &udp_rows[i];
		struct dp_opts o;
		row(r->name);
		ports_opts(r->ports, &o);
		sweep(&o, r->linktype ? r->linktype : DP_LINK_IPV4, r->b, r->n);
	}
}

/* Every destination port: RoCE exactly when it is in the list, whatever the source port. */
static void test_udp_every_port(void)
{
	for (unsigned p = 0; p < NPORTS; p++) {
		struct dp_opts o;
		ports_opts(p, &o);
		for (uint32_t port = 0; port <= 0xffff; port++) {
			for (unsigned dir = 0; dir < 2; dir++) {
				/* IPv4 total 48 | UDP sport/dport = port and 4791 either way | BTH ACK */
				uint16_t sp = dir ? 4791 : (uint16_t)port, dp = dir ? (uint16_t)port : 4791;
				uint8_t f[] = {B_IPV4(0x30), (uint8_t)(sp >> 8), (uint8_t)sp, (uint8_t)(dp >> 8),
					       (uint8_t)dp, 0x00, 0x1c, 0x00, 0x00, B_BTH_ACK};
				struct dpkt d;
				bool listed = false;
				for (unsigned k = 0; k < o.nroce_ports; k++)
					listed |= o.roce_ports[k] == dp;
				row("port scan");
				decode(&o, DP_LINK_IPV4, f, sizeof(f), sizeof(f), &d);
				CHECK_EQ_U(d.roce == DP_ROCE_V2, listed);
				CHECK_EQ_S(dp_cause_name(d.cause), listed ? "ok" : "udp_port");
			}
		}
	}
}

int main(void)
{
	RUN(test_udp_table);
	RUN(test_udp_short_captures);
	RUN(test_udp_every_port);
	return unit_done();
}
