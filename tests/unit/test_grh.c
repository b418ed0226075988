/*
 * test_grh.c - RoCEv1: EtherType 0x8915, the Global Route Header, then the
 * BTH (dissectors/grh.c; IBTA Vol 1 §8.3.1, Annex A16).
 *
 * The two RoCEv1 packets of scapy's test/contrib/roce.uts (RC RDMA WRITE
 * ONLY and RC ACKNOWLEDGE, as ../shared/captures/public/secdev__scapy/
 * rocev1_rc_write_ack_from_hexdump.pcap) decode field by field with a valid
 * ICRC; GRH fields, Next Header other than 0x1B, PayLen narrowing the BTH
 * (a trailer is not payload, a PayLen past the frame or short of BTH + ICRC
 * is malformed), the masked GRH fields (traffic class, flow label, hop
 * limit) and the covered ones, and captures cut anywhere.
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

/* Ethernet 7c:fe:90:75:3c:d8 > 7c:fe:90:75:3c:d8, EtherType 0x8915 (RoCEv1) */
#define B_ETH_V1 0x7c, 0xfe, 0x90, 0x75, 0x3c, 0xd8, 0x7c, 0xfe, 0x90, 0x75, 0x3c, 0xd8, 0x89, 0x15
/* GID ::ffff:15.0.0.2 (IPv4-mapped) */
#define B_GID 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x02

/* scapy roce.uts "RoCE v1 RC RDMA WRITE ONLY" (94 bytes) */
static const uint8_t v1_write[94] = {
	B_ETH_V1,
	/* GRH @14: IPVer 6 TClass 0x02 FlowLabel 0 | PayLen 40 | NxtHdr 0x1b | HopLmt 64 |
	 * SGID ::ffff:15.0.0.2 | DGID ::ffff:15.0.0.2 */
	0x60, 0x20, 0x00, 0x00, 0x00, 0x28, 0x1b, 0x40, B_GID, B_GID,
	/* BTH @54: RC_RDMA_WRITE_ONLY (0x0a) | SE 0 M 1 PadCnt 3 TVer 0 (0x70) | P_Key 0xffff |
	 * 00 | DestQP 0x00010a | A 1 | PSN 0xa788bc */
	0x0a, 0x70, 0xff, 0xff, 0x00, 0x00, 0x01, 0x0a, 0x80, 0xa7, 0x88, 0xbc,
	/* RETH @66: VA 0x000055d4c0726000 | R_Key 0x000047b3 | DMA Length 5 */
	0x00, 0x00, 0x55, 0xd4, 0xc0, 0x72, 0x60, 0x00, 0x00, 0x00, 0x47, 0xb3, 0x00, 0x00, 0x00,
	0x05,
	/* payload @82: 00 00 00 00 01 | pad 00 00 00 | ICRC @90 e3 d8 56 bb */
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xe3, 0xd8, 0x56, 0xbb};

/* scapy roce.uts "RoCE v1 RC ACKNOWLEDGE" (74 bytes) */
static const uint8_t v1_ack[74] = {
	B_ETH_V1,
	/* GRH @14: IPVer 6 TClass 0x02 | PayLen 20 | NxtHdr 0x1b | HopLmt 64 | SGID | DGID */
	0x60, 0x20, 0x00, 0x00, 0x00, 0x14, 0x1b, 0x40, B_GID, B_GID,
	/* BTH @54: RC_ACKNOWLEDGE (0x11) | M 1 (0x40) | P_Key 0xffff | 00 | DestQP 0x000109 |
	 * A 0 | PSN 0xa788c0 */
	0x11, 0x40, 0xff, 0xff, 0x00, 0x00, 0x01, 0x09, 0x00, 0xa7, 0x88, 0xc0,
	/* AETH @66: syndrome 0x00 (ACK) MSN 5 | ICRC @70 25 f0 c0 38 */
	0x00, 0x00, 0x00, 0x05, 0x25, 0xf0, 0xc0, 0x38};

static void test_grh_scapy_samples(void)
{
	static const uint8_t gid[16] = {B_GID};
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);

	row("RoCEv1 RC RDMA WRITE ONLY");
	decode(&o, DP_LINK_ETHERNET, v1_write, sizeof(v1_write), sizeof(v1_write), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.nevent, 0);
	CHECK_EQ_U(d.roce, DP_ROCE_V1);
	CHECK_EQ_U(d.eth[0].type, 0x8915);
	CHECK_EQ_U(d.nip, 0);
	CHECK_EQ_U(d.has_udp, 0);
	CHECK_EQ_U(d.has_grh, 1);
	CHECK_EQ_U(d.grh.ipver, 6);
	CHECK_EQ_U(d.grh.tclass, 0x02);
	CHECK_EQ_U(d.grh.flow, 0);
	CHECK_EQ_U(d.grh.paylen, 40);
	CHECK_EQ_U(d.grh.nxthdr, 0x1b);
	CHECK_EQ_U(d.grh.hoplmt, 64);
	CHECK(memcmp(d.grh.sgid, gid, 16) == 0);
	CHECK(memcmp(d.grh.dgid, gid, 16) == 0);
	CHECK_EQ_U(d.has_bth, 1);
	CHECK_EQ_U(d.bth_off, 54);
	CHECK_EQ_U(d.bth.opcode, 0x0a);
	CHECK_EQ_U(d.bth.se, 0);
	CHECK_EQ_U(d.bth.m, 1);
	CHECK_EQ_U(d.bth.pad, 3);
	CHECK_EQ_U(d.bth.pkey, 0xffff);
	CHECK_EQ_U(d.bth.dqpn, 0x10a);
	CHECK_EQ_U(d.bth.ackreq, 1);
	CHECK_EQ_U(d.bth.psn, 0xa788bc);
	CHECK_EQ_U(d.ext, DP_X_RETH);
	CHECK_EQ_U(d.reth.va, 0x000055d4c0726000);
	CHECK_EQ_U(d.reth.rkey, 0x47b3);
	CHECK_EQ_U(d.reth.dmalen, 5);
	CHECK_EQ_U(d.has_payload, 1);
	CHECK_EQ_U(d.payload_off, 82);
	CHECK_EQ_U(d.payload_len, 5);
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);
	CHECK_EQ_U(d.icrc, 0xe3d856bb); /* wire order, as bth.c keeps it */
	sweep(&o, DP_LINK_ETHERNET, v1_write, sizeof(v1_write));

	row("RoCEv1 RC ACKNOWLEDGE");
	decode(&o, DP_LINK_ETHERNET, v1_ack, sizeof(v1_ack), sizeof(v1_ack), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.nevent, 0);
	CHECK_EQ_U(d.roce, DP_ROCE_V1);
	CHECK_EQ_U(d.grh.paylen, 20);
	CHECK_EQ_U(d.bth.opcode, 0x11);
	CHECK_EQ_U(d.bth.dqpn, 0x109);
	CHECK_EQ_U(d.bth.psn, 0xa788c0);
	CHECK_EQ_U(d.ext, DP_X_AETH);
	CHECK_EQ_U(d.aeth.syndrome, 0);
	CHECK_EQ_U(d.aeth.msn, 5);
	CHECK_EQ_U(d.payload_len, 0);
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);
	CHECK_EQ_U(d.icrc, 0x25f0c038);
	sweep(&o, DP_LINK_ETHERNET, v1_ack, sizeof(v1_ack));

	row("RoCEv1 with ICRC checking off");
	o.check_icrc = false;
	decode(&o, DP_LINK_ETHERNET, v1_ack, sizeof(v1_ack), sizeof(v1_ack), &d);
	CHECK_EQ_U(d.icrc_status, DP_ICRC_NONE);
	CHECK_EQ_U(d.icrc, 0x25f0c038);
}

struct flip_row {
	const char *name;
	uint32_t off;
	uint8_t value;
	uint8_t icrc;
};

/* Bytes of the ACK sample changed one at a time: masked ones keep the ICRC valid. */
static void test_grh_icrc_flips(void)
{
	static const struct flip_row rows[] = {
		{"GRH traffic class (low nibble of byte 0)", 14 + 0, 0x6f, DP_ICRC_VALID},
		{"GRH traffic class and flow label", 14 + 1, 0xff, DP_ICRC_VALID},
		{"GRH flow label", 14 + 3, 0x42, DP_ICRC_VALID},
		{"GRH hop limit", 14 + 7, 0x01, DP_ICRC_VALID},
		{"BTH FECN", 54 + 4, 0x80, DP_ICRC_VALID},
		{"Ethernet source", 6, 0x00, DP_ICRC_VALID},
		{"GRH IPVer 7", 14 + 0, 0x70, DP_ICRC_INVALID},
		{"GRH SGID", 14 + 8 + 15, 0x03, DP_ICRC_INVALID},
		{"GRH DGID", 14 + 24 + 15, 0x03, DP_ICRC_INVALID},
		{"BTH P_Key", 54 + 3, 0xfe, DP_ICRC_INVALID},
		{"BTH DestQP", 54 + 7, 0x0a, DP_ICRC_INVALID},
		{"BTH PSN", 54 + 11, 0xc1, DP_ICRC_INVALID},
		{"AETH MSN", 66 + 3, 0x06, DP_ICRC_INVALID},
		{"ICRC", 70, 0x24, DP_ICRC_INVALID},
	};
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t f[sizeof(v1_ack)];
		struct dpkt d;
		memcpy(f, v1_ack, sizeof(f));
		CHECK(f[rows[i].off] != rows[i].value);
		f[rows[i].off] = rows[i].value;
		row(rows[i].name);
		decode(&o, DP_LINK_ETHERNET, f, sizeof(f), sizeof(f), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ok");
		CHECK_EQ_U(d.icrc_status, rows[i].icrc);
		CHECK_EQ_U(d.nevent, rows[i].icrc == DP_ICRC_INVALID ? 1 : 0);
	}
}

struct grh_row {
	const char *name;
	const uint8_t *b;
	uint32_t n, cut;
	enum dp_status status;
	const char *cause;
	uint8_t ev[4], nev;
	bool has_grh;
	uint16_t paylen;
	uint8_t nxthdr;
	bool has_bth;
	uint8_t nvlan;
	uint8_t icrc;
};

/* GRH IPVer 6 TClass 2 | PayLen hi lo | NxtHdr nh | HopLmt 64 | SGID | DGID */
#define B_GRH(hi, lo, nh) 0x60, 0x20, 0x00, 0x00, (hi), (lo), (nh), 0x40, B_GID, B_GID
/* the ACK sample's BTH + AETH + ICRC (20 bytes) */
#define B_ACK_BODY                                                                                 \
	0x11, 0x40, 0xff, 0xff, 0x00, 0x00, 0x01, 0x09, 0x00, 0xa7, 0x88, 0xc0, 0x00, 0x00, 0x00,     \
	    0x05, 0x25, 0xf0, 0xc0, 0x38

static const struct grh_row grh_rows[] = {
	{
		.name = "PayLen 20 with 6 bytes of Ethernet padding after it",
		/* Ethernet 0x8915 | GRH PayLen 20 | ACK body | 6 x 00 trailer */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x14, 0x1b), B_ACK_BODY, 0, 0, 0, 0, 0, 0),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_TRAILER), .has_grh = true,
		.paylen = 20, .nxthdr = 0x1b, .has_bth = true, .icrc = DP_ICRC_VALID,
	},
	{
		.name = "behind an 802.1Q tag",
		/* Ethernet | 0x8100 PCP 3 VID 5 | 0x8915 | GRH PayLen 20 | ACK body */
		BYTES(0x7c, 0xfe, 0x90, 0x75, 0x3c, 0xd8, 0x7c, 0xfe, 0x90, 0x75, 0x3c, 0xd8, 0x81, 0x00,
		      0x60, 0x05, 0x89, 0x15, B_GRH(0x00, 0x14, 0x1b), B_ACK_BODY),
		.status = DP_OK, .cause = "ok", .has_grh = true, .paylen = 20, .nxthdr = 0x1b,
		.has_bth = true, .nvlan = 1, .icrc = DP_ICRC_VALID,
	},
	{
		.name = "Next Header 0x11 is not IBA transport",
		/* Ethernet 0x8915 | GRH PayLen 20 NxtHdr 0x11 | ACK body */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x14, 0x11), B_ACK_BODY),
		.status = DP_UNSUPPORTED, .cause = "grh_next_header", .has_grh = true, .paylen = 20,
		.nxthdr = 0x11,
	},
	{
		.name = "Next Header 0x1c",
		/* Ethernet 0x8915 | GRH PayLen 20 NxtHdr 0x1c | ACK body */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x14, 0x1c), B_ACK_BODY),
		.status = DP_UNSUPPORTED, .cause = "grh_next_header", .has_grh = true, .paylen = 20,
		.nxthdr = 0x1c,
	},
	/* ---- malformed ---- */
	{
		.name = "PayLen 21, one past the frame",
		/* Ethernet 0x8915 | GRH PayLen 21 | ACK body (20 bytes) */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x15, 0x1b), B_ACK_BODY),
		.status = DP_MALFORMED, .cause = "roce_too_short", .has_grh = true, .paylen = 21,
		.nxthdr = 0x1b,
	},
	{
		.name = "PayLen 0xffff",
		/* Ethernet 0x8915 | GRH PayLen 65535 | ACK body */
		BYTES(B_ETH_V1, B_GRH(0xff, 0xff, 0x1b), B_ACK_BODY),
		.status = DP_MALFORMED, .cause = "roce_too_short", .has_grh = true, .paylen = 0xffff,
		.nxthdr = 0x1b,
	},
	{
		.name = "PayLen 10: no room for the BTH",
		/* Ethernet 0x8915 | GRH PayLen 10 | ACK body (BTH past PayLen) */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x0a, 0x1b), B_ACK_BODY),
		.status = DP_MALFORMED, .cause = "roce_too_short", EVENTS(DP_E_TRAILER),
		.has_grh = true, .paylen = 10, .nxthdr = 0x1b,
	},
	{
		.name = "PayLen 14: BTH, but no room for the ICRC",
		/* Ethernet 0x8915 | GRH PayLen 14 | ACK body */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x0e, 0x1b), B_ACK_BODY),
		.status = DP_MALFORMED, .cause = "roce_too_short", EVENTS(DP_E_TRAILER),
		.has_grh = true, .paylen = 14, .nxthdr = 0x1b, .has_bth = true,
	},
	{
		.name = "PayLen 16: an ACK with no room for its AETH",
		/* Ethernet 0x8915 | GRH PayLen 16 | ACK body (AETH + ICRC past what fits) */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x10, 0x1b), B_ACK_BODY),
		.status = DP_MALFORMED, .cause = "roce_ext_overrun", EVENTS(DP_E_TRAILER),
		.has_grh = true, .paylen = 16, .nxthdr = 0x1b, .has_bth = true,
	},
	{
		.name = "frame ends inside the GRH",
		/* Ethernet 0x8915 | 30 of 40 GRH bytes: the record ends */
		BYTES(B_ETH_V1, 0x60, 0x20, 0x00, 0x00, 0x00, 0x14, 0x1b, 0x40, B_GID, 0, 0, 0, 0, 0, 0),
		.status = DP_MALFORMED, .cause = "roce_too_short",
	},
	/* ---- truncated ---- */
	{
		.name = "GRH cut by the capture",
		/* Ethernet 0x8915 | GRH, 20 of 40 bytes captured */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x14, 0x1b), B_ACK_BODY), .cut = 40,
		.status = DP_TRUNCATED, .cause = "grh_truncated",
	},
	{
		.name = "BTH cut by the capture",
		/* Ethernet 0x8915 | GRH | BTH, 6 of 12 bytes captured */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x14, 0x1b), B_ACK_BODY), .cut = 14,
		.status = DP_TRUNCATED, .cause = "bth_truncated", .has_grh = true, .paylen = 20,
		.nxthdr = 0x1b,
	},
	{
		.name = "ICRC cut by the capture",
		/* Ethernet 0x8915 | GRH | BTH | AETH | ICRC, 2 of 4 bytes captured */
		BYTES(B_ETH_V1, B_GRH(0x00, 0x14, 0x1b), B_ACK_BODY), .cut = 2,
		.status = DP_OK, .cause = "ok", .has_grh = true, .paylen = 20, .nxthdr = 0x1b,
		.has_bth = true, .icrc = DP_ICRC_NOT_CAPTURED,
	},
};

static void test_grh_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(grh_rows) / sizeof(grh_rows[0]); i++) {
		const struct grh_row *r = &grh_rows[i];
		struct dpkt d;
		row(r->name);
		decode(&o, DP_LINK_ETHERNET, r->b, r->n - r->cut, r->n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		check_events(&d, r->ev, r->nev);
		CHECK_EQ_U(d.has_grh, r->has_grh);
		if (r->has_grh && d.has_grh) {
			CHECK_EQ_U(d.roce, DP_ROCE_V1);
			CHECK_EQ_U(d.grh.ipver, 6);
			CHECK_EQ_U(d.grh.tclass, 2);
			CHECK_EQ_U(d.grh.hoplmt, 64);
			CHECK_EQ_U(d.grh.paylen, r->paylen);
			CHECK_EQ_U(d.grh.nxthdr, r->nxthdr);
		}
		CHECK_EQ_U(d.nvlan, r->nvlan);
		CHECK_EQ_U(d.has_bth, r->has_bth);
		if (r->has_bth && d.has_bth) {
			CHECK_EQ_U(d.bth.opcode, 0x11);
			CHECK_EQ_U(d.bth.dqpn, 0x109);
		}
		CHECK_EQ_U(d.icrc_status, r->icrc);
	}
}

static void test_grh_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(grh_rows) / sizeof(grh_rows[0]); i++) {
		row(grh_rows[i].name);
		sweep(&o, DP_LINK_ETHERNET, grh_rows[i].b, grh_rows[i].n);
	}
}

int main(void)
{
	RUN(test_grh_scapy_samples);
	RUN(test_grh_icrc_flips);
	RUN(test_grh_table);
	RUN(test_grh_short_captures);
	return unit_done();
}
