/*
 * test_pfc.c - MAC Control frames, EtherType 0x8808 (dissectors/pfc.c;
 * IEEE 802.3 Annex 31B PAUSE, IEEE 802.1Qbb PFC).
 *
 *   PAUSE: opcode 0x0001 | pause time (quanta of 512 bit times)
 *   PFC  : opcode 0x0101 | class-enable vector (low octet: priorities 0..7,
 *          high octet reserved) | 8 x pause time
 * Other opcodes are unsupported; the reserved high octet of the vector is
 * noted as an event; a frame that ends early on the wire is malformed
 * (pfc_len), one cut by the capture truncated (pfc_truncated).
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

struct pfc_row {
	const char *name;
	uint32_t linktype; /* 0: Ethernet */
	const uint8_t *b;
	uint32_t n, cut;
	enum dp_status status;
	const char *cause;
	uint8_t ev[2], nev;
	bool has_pfc;
	uint16_t opcode; /* checked when the opcode was read (opcode_read) */
	bool opcode_read;
	uint16_t cev;
	uint16_t time[8];
	uint8_t nvlan;
};

/* Ethernet dst 01:80:c2:00:00:01 (MAC Control) src 02:00:00:00:00:01 type 0x8808 */
#define B_HDR 0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x08
/* 26 bytes of zero padding (a PFC frame is 34 bytes before padding to 60) */
#define B_PAD26 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

static const struct pfc_row pfc_rows[] = {
	{
		.name = "PFC: priorities 0 and 3",
		/* 0x8808 | opcode 0x0101 | vector 0x0009 (e0, e3) | times ffff 0 0 1234 0 0 0 0 | pad */
		BYTES(B_HDR, 0x01, 0x01, 0x00, 0x09, 0xff, 0xff, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0,
		      0, 0, B_PAD26),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0101, .opcode_read = true,
		.cev = 0x0009, .time = {0xffff, 0, 0, 0x1234},
	},
	{
		.name = "PFC: every priority, distinct times",
		/* opcode 0x0101 | vector 0x00ff | times 0001 0002 0004 0008 0010 0020 0040 8000 */
		BYTES(B_HDR, 0x01, 0x01, 0x00, 0xff, 0x00, 0x01, 0x00, 0x02, 0x00, 0x04, 0x00, 0x08, 0x00,
		      0x10, 0x00, 0x20, 0x00, 0x40, 0x80, 0x00, B_PAD26),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0101, .opcode_read = true,
		.cev = 0x00ff, .time = {1, 2, 4, 8, 0x10, 0x20, 0x40, 0x8000},
	},
	{
		.name = "PFC: XON for priority 3",
		/* opcode 0x0101 | vector 0x0008 | all times 0 (resume) */
		BYTES(B_HDR, 0x01, 0x01, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      B_PAD26),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0101, .opcode_read = true,
		.cev = 0x0008,
	},
	{
		.name = "PFC: unpadded 34-byte frame",
		/* opcode 0x0101 | vector 0x0080 | time[7] 0x0100 */
		BYTES(B_HDR, 0x01, 0x01, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0101, .opcode_read = true,
		.cev = 0x0080, .time = {[7] = 0x0100},
	},
	{
		.name = "PFC: reserved high bits of the vector",
		/* opcode 0x0101 | vector 0x0108 (bit 8 reserved, e3) | time[3] 0xffff */
		BYTES(B_HDR, 0x01, 0x01, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
		      B_PAD26),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_PFC_ENBV_HIGH), .has_pfc = true,
		.opcode = 0x0101, .opcode_read = true, .cev = 0x0108, .time = {[3] = 0xffff},
	},
	{
		.name = "PFC: only high bits in the vector",
		/* opcode 0x0101 | vector 0xff00 | times 0 */
		BYTES(B_HDR, 0x01, 0x01, 0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      B_PAD26),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_PFC_ENBV_HIGH), .has_pfc = true,
		.opcode = 0x0101, .opcode_read = true, .cev = 0xff00,
	},
	{
		.name = "PFC behind a priority tag",
		/* Ethernet | 0x8100 PCP 7 VID 0 | 0x8808 | opcode 0x0101 | vector 0x0001 | time[0] 0x00ff */
		BYTES(0x01, 0x80, 0xc2, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81, 0x00,
		      0xe0, 0x00, 0x88, 0x08, 0x01, 0x01, 0x00, 0x01, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      0, 0, 0, 0, 0, 0, 0),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0101, .opcode_read = true,
		.cev = 1, .time = {0x00ff}, .nvlan = 1,
	},
	{
		.name = "PFC in a Linux cooked (SLL) capture",
		/* SLL pkttype 4 ARPHRD 1 addr len 6 addr 02::01 proto 0x8808 | opcode 0x0101 | 0x0004 |
		 * time[2] 0x0200 */
		.linktype = DP_LINK_SLL,
		BYTES(0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		      0x88, 0x08, 0x01, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      0),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0101, .opcode_read = true,
		.cev = 4, .time = {[2] = 0x0200},
	},
	{
		.name = "PAUSE: 0xffff quanta",
		/* 0x8808 | opcode 0x0001 | pause time 0xffff | pad */
		BYTES(B_HDR, 0x00, 0x01, 0xff, 0xff, B_PAD26, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		      0, 0),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0001, .opcode_read = true,
		.time = {0xffff},
	},
	{
		.name = "PAUSE: XON (time 0)",
		/* 0x8808 | opcode 0x0001 | pause time 0 */
		BYTES(B_HDR, 0x00, 0x01, 0x00, 0x00),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0001, .opcode_read = true,
	},
	{
		.name = "PAUSE: the bytes after the time are not a vector",
		/* 0x8808 | opcode 0x0001 | pause time 0x0102 | 0xffff... (padding, ignored) */
		BYTES(B_HDR, 0x00, 0x01, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff),
		.status = DP_OK, .cause = "ok", .has_pfc = true, .opcode = 0x0001, .opcode_read = true,
		.time = {0x0102},
	},
	/* ---- unsupported ---- */
	{
		.name = "opcode 0x0002 (GATE, EPON)",
		/* 0x8808 | opcode 0x0002 | ... */
		BYTES(B_HDR, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00),
		.status = DP_UNSUPPORTED, .cause = "mac_control_opcode", .opcode = 0x0002,
		.opcode_read = true,
	},
	{
		.name = "opcode 0x0000",
		/* 0x8808 | opcode 0x0000 */
		BYTES(B_HDR, 0x00, 0x00, 0x00, 0x00),
		.status = DP_UNSUPPORTED, .cause = "mac_control_opcode", .opcode = 0x0000,
		.opcode_read = true,
	},
	{
		.name = "opcode 0x0102",
		/* 0x8808 | opcode 0x0102 | a PFC-shaped body */
		BYTES(B_HDR, 0x01, 0x02, 0x00, 0x01, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		.status = DP_UNSUPPORTED, .cause = "mac_control_opcode", .opcode = 0x0102,
		.opcode_read = true,
	},
	/* ---- malformed: the frame itself ends early ---- */
	{
		.name = "no opcode at all",
		/* 0x8808 and nothing after it */
		BYTES(B_HDR),
		.status = DP_MALFORMED, .cause = "pfc_len",
	},
	{
		.name = "PAUSE without its time",
		/* 0x8808 | opcode 0x0001 | frame ends */
		BYTES(B_HDR, 0x00, 0x01),
		.status = DP_MALFORMED, .cause = "pfc_len", .opcode = 0x0001, .opcode_read = true,
	},
	{
		.name = "PFC with 10 of 18 bytes",
		/* 0x8808 | opcode 0x0101 | vector 0x0001 | 4 of 8 times | frame ends */
		BYTES(B_HDR, 0x01, 0x01, 0x00, 0x01, 0xff, 0xff, 0, 0, 0, 0, 0, 0),
		.status = DP_MALFORMED, .cause = "pfc_len", .opcode = 0x0101, .opcode_read = true,
	},
	/* ---- truncated: the capture ends early ---- */
	{
		.name = "opcode cut",
		/* 0x8808 | opcode 0x01|-- */
		BYTES(B_HDR, 0x01, 0x01, 0x00, 0x09, 0xff, 0xff, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0,
		      0, 0, B_PAD26),
		.cut = 45, .status = DP_TRUNCATED, .cause = "pfc_truncated",
	},
	{
		.name = "PAUSE time cut",
		/* 0x8808 | opcode 0x0001 | time 0xff|-- */
		BYTES(B_HDR, 0x00, 0x01, 0xff, 0xff), .cut = 1,
		.status = DP_TRUNCATED, .cause = "pfc_truncated", .opcode = 0x0001, .opcode_read = true,
	},
	{
		.name = "PFC cut inside time[5]",
		/* 0x8808 | opcode 0x0101 | vector | times 0..4 | time[5] half | -- */
		BYTES(B_HDR, 0x01, 0x01, 0x00, 0x09, 0xff, 0xff, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0,
		      0, 0, B_PAD26),
		.cut = 31, .status = DP_TRUNCATED, .cause = "pfc_truncated", .opcode = 0x0101,
		.opcode_read = true,
	},
};

static void test_pfc_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(pfc_rows) / sizeof(pfc_rows[0]); i++) {
		const struct pfc_row *r = &pfc_rows[i];
		struct dpkt d;
		row(r->name);
		decode(&o, r->linktype ? r->linktype : DP_LINK_ETHERNET, r->b, r->n - r->cut, r->n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		check_events(&d, r->ev, r->nev);
		CHECK_EQ_U(d.has_pfc, r->has_pfc);
		if (r->opcode_read)
			CHECK_EQ_U(d.pfc.opcode, r->opcode);
		if (r->has_pfc && d.has_pfc) {
			CHECK_EQ_U(d.pfc.cev, r->cev);
			for (unsigned k = 0; k < 8; k++)
				CHECK_EQ_U(d.pfc.time[k], r->time[k]);
		}
		CHECK_EQ_U(d.nvlan, r->nvlan);
		CHECK_EQ_U(d.nip, 0);
		CHECK_EQ_U(d.roce, DP_ROCE_NONE);
	}
}

static void test_pfc_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (size_t i = 0; i < sizeof(pfc_rows) / sizeof(pfc_rows[0]); i++) {
		const struct pfc_row *r = &pfc_rows[i];
		row(r->name);
		sweep(&o, r->linktype ? r->linktype : DP_LINK_ETHERNET, r->b, r->n);
	}
}

/* Each of the 16 vector bits alone: only bits 8..15 raise the event. */
static void test_pfc_vector_bits(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	for (unsigned bit = 0; bit < 16; bit++) {
		uint16_t v = (uint16_t)(1u << bit);
		/* 0x8808 | opcode 0x0101 | vector 1 << bit | times: time[i] = i + 1 */
		uint8_t f[] = {B_HDR, 0x01, 0x01, (uint8_t)(v >> 8), (uint8_t)v, 0, 1, 0, 2, 0, 3, 0, 4,
			       0, 5, 0, 6, 0, 7, 0, 8};
		struct dpkt d;
		row("vector bit");
		decode(&o, DP_LINK_ETHERNET, f, sizeof(f), sizeof(f), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ok");
		CHECK_EQ_U(d.pfc.cev, v);
		CHECK_EQ_U(d.nevent, bit >= 8 ? 1 : 0);
		for (unsigned k = 0; k < 8; k++)
			CHECK_EQ_U(d.pfc.time[k], k + 1);
	}
}

int main(void)
{
	RUN(test_pfc_table);
	RUN(test_pfc_short_captures);
	RUN(test_pfc_vector_bits);
	return unit_done();
}
