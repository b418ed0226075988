/*
 * test_bth.c - the Base Transport Header and extended transport headers
 * (dissectors/bth.c; IBTA Vol 1 §9.2-9.3, Annex A17; layouts as in
 * ../shared/research/roce-notes.md §2).
 *
 *  - every BTH field from byte patterns where each field differs;
 *  - every opcode: bth_layout() and bth_opname() against a table written
 *    here from the IBTA opcode table (notes §2.2), not from bth.c; each known
 *    opcode decoded in a packet, each reserved one refused as bth_opcode;
 *  - the field values of RETH, AETH (ACK, RNR, NAK; MSN), DETH, ImmDt, IETH,
 *    AtomicETH, AtomicAckETH, XRCETH, FETH, RDETH and the CNP padding;
 *  - payload length = UDP length - 8 - 12 - ext - PadCnt - 4;
 *  - malformed and truncated: PadCnt past the payload, an ACK with no room
 *    for its AETH, a short CNP, TVer != 0, a UDP length too short for
 *    BTH + ICRC, the BTH or an extended header cut by the capture.
 * RoCE bytes of a row go behind IPv4 10.0.0.1 > 10.0.0.2 and UDP 49152 >
 * 4791 whose lengths are computed (LINKTYPE_IPV4); ICRC checking is off
 * here (test_icrc.c covers it).
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

/* Short names for the extended-header bits, for the tables. */
enum {
	RETH = DP_X_RETH,
	AETH = DP_X_AETH,
	DETH = DP_X_DETH,
	IMM = DP_X_IMMDT,
	IETH = DP_X_IETH,
	ATOM = DP_X_ATOMIC,
	AACK = DP_X_ATOMICACK,
	XRC = DP_X_XRCETH,
	FETH = DP_X_FETH,
	RDETH = DP_X_RDETH,
	CNP = DP_X_CNP,
};

/* Sizes from IBTA Vol 1 §9.3 (notes §2.3), independent of bth.c. */
static uint32_t ext_size(uint16_t ext)
{
	static const struct {
		uint16_t bit;
		uint32_t len;
	} sz[] = {
		{RETH, 16}, {AETH, 4}, {DETH, 8}, {IMM, 4},  {IETH, 4},  {ATOM, 28},
		{AACK, 8},  {XRC, 4},  {FETH, 4}, {RDETH, 4}, {CNP, 16},
	};
	uint32_t n = 0;
	for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++)
		if (ext & sz[i].bit)
			n += sz[i].len;
	return n;
}

/*
 * The IBTA opcode table (Vol 1 §9.2 Table 38; notes §2.2): every defined
 * opcode, its name and the extended headers after the BTH. Everything not
 * listed is reserved. RD requests carry RDETH + DETH, RD responses RDETH
 * only; XRC requests carry XRCETH, XRC responses do not.
 */
struct opdef {
	uint8_t op;
	const char *name;
	uint16_t ext;
};

static const struct opdef ibta_ops[] = {
	/* Reliable Connection (0x00) */
	{0x00, "RC_SEND_FIRST", 0},
	{0x01, "RC_SEND_MIDDLE", 0},
	{0x02, "RC_SEND_LAST", 0},
	{0x03, "RC_SEND_LAST_WITH_IMMEDIATE", IMM},
	{0x04, "RC_SEND_ONLY", 0},
	{0x05, "RC_SEND_ONLY_WITH_IMMEDIATE", IMM},
	{0x06, "RC_RDMA_WRITE_FIRST", RETH},
	{0x07, "RC_RDMA_WRITE_MIDDLE", 0},
	{0x08, "RC_RDMA_WRITE_LAST", 0},
	{0x09, "RC_RDMA_WRITE_LAST_WITH_IMMEDIATE", IMM},
	{0x0a, "RC_RDMA_WRITE_ONLY", RETH},
	{0x0b, "RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE", RETH | IMM},
	{0x0c, "RC_RDMA_READ_REQUEST", RETH},
	{0x0d, "RC_RDMA_READ_RESPONSE_FIRST", AETH},
	{0x0e, "RC_RDMA_READ_RESPONSE_MIDDLE", 0},
	{0x0f, "RC_RDMA_READ_RESPONSE_LAST", AETH},
	{0x10, "RC_RDMA_READ_RESPONSE_ONLY", AETH},
	{0x11, "RC_ACKNOWLEDGE", AETH},
	{0x12, "RC_ATOMIC_ACKNOWLEDGE", AETH | AACK},
	{0x13, "RC_COMPARE_SWAP", ATOM},
	{0x14, "RC_FETCH_ADD", ATOM},
	{0x16, "RC_SEND_LAST_WITH_INVALIDATE", IETH},
	{0x17, "RC_SEND_ONLY_WITH_INVALIDATE", IETH},
	{0x1c, "RC_FLUSH", FETH | RETH},
	{0x1d, "RC_ATOMIC_WRITE", RETH},
	/* Unreliable Connection (0x20): SEND and RDMA WRITE only */
	{0x20, "UC_SEND_FIRST", 0},
	{0x21, "UC_SEND_MIDDLE", 0},
	{0x22, "UC_SEND_LAST", 0},
	{0x23, "UC_SEND_LAST_WITH_IMMEDIATE", IMM},
	{0x24, "UC_SEND_ONLY", 0},
	{0x25, "UC_SEND_ONLY_WITH_IMMEDIATE", IMM},
	{0x26, "UC_RDMA_WRITE_FIRST", RETH},
	{0x27, "UC_RDMA_WRITE_MIDDLE", 0},
	{0x28, "UC_RDMA_WRITE_LAST", 0},
	{0x29, "UC_RDMA_WRITE_LAST_WITH_IMMEDIATE", IMM},
	{0x2a, "UC_RDMA_WRITE_ONLY", RETH},
	{0x2b, "UC_RDMA_WRITE_ONLY_WITH_IMMEDIATE", RETH | IMM},
	/* Reliable Datagram (0x40) */
	{0x40, "RD_SEND_FIRST", RDETH | DETH},
	{0x41, "RD_SEND_MIDDLE", RDETH | DETH},
	{0x42, "RD_SEND_LAST", RDETH | DETH},
	{0x43, "RD_SEND_LAST_WITH_IMMEDIATE", RDETH | DETH | IMM},
	{0x44, "RD_SEND_ONLY", RDETH | DETH},
	{0x45, "RD_SEND_ONLY_WITH_IMMEDIATE", RDETH | DETH | IMM},
	{0x46, "RD_RDMA_WRITE_FIRST", RDETH | DETH | RETH},
	{0x47, "RD_RDMA_WRITE_MIDDLE", RDETH | DETH},
	{0x48, "RD_RDMA_WRITE_LAST", RDETH | DETH},
	{0x49, "RD_RDMA_WRITE_LAST_WITH_IMMEDIATE", RDETH | DETH | IMM},
	{0x4a, "RD_RDMA_WRITE_ONLY", RDETH | DETH | RETH},
	{0x4b, "RD_RDMA_WRITE_ONLY_WITH_IMMEDIATE", RDETH | DETH | RETH | IMM},
	{0x4c, "RD_RDMA_READ_REQUEST", RDETH | DETH | RETH},
	{0x4d, "RD_RDMA_READ_RESPONSE_FIRST", RDETH | AETH},
	{0x4e, "RD_RDMA_READ_RESPONSE_MIDDLE", RDETH},
	{0x4f, "RD_RDMA_READ_RESPONSE_LAST", RDETH | AETH},
	{0x50, "RD_RDMA_READ_RESPONSE_ONLY", RDETH | AETH},
	{0x51, "RD_ACKNOWLEDGE", RDETH | AETH},
	{0x52, "RD_ATOMIC_ACKNOWLEDGE", RDETH | AETH | AACK},
	{0x53, "RD_COMPARE_SWAP", RDETH | DETH | ATOM},
	{0x54, "RD_FETCH_ADD", RDETH | DETH | ATOM},
	{0x55, "RD_RESYNC", RDETH | DETH},
	/* notes §2.2: "RD (0x40-0x55, FLUSH 0x5C)"; Linux ib_pack.h IB_OPCODE(RD, FLUSH) */
	{0x5c, "RD_FLUSH", RDETH | DETH | FETH | RETH},
	/* Unreliable Datagram (0x60) */
	{0x64, "UD_SEND_ONLY", DETH},
	{0x65, "UD_SEND_ONLY_WITH_IMMEDIATE", DETH | IMM},
	/* Congestion Notification Packet (Annex A17.9.3) */
	{0x81, "CNP", CNP},
	/* Extended Reliable Connection (0xa0) */
	{0xa0, "XRC_SEND_FIRST", XRC},
	{0xa1, "XRC_SEND_MIDDLE", XRC},
	{0xa2, "XRC_SEND_LAST", XRC},
	{0xa3, "XRC_SEND_LAST_WITH_IMMEDIATE", XRC | IMM},
	{0xa4, "XRC_SEND_ONLY", XRC},
	{0xa5, "XRC_SEND_ONLY_WITH_IMMEDIATE", XRC | IMM},
	{0xa6, "XRC_RDMA_WRITE_FIRST", XRC | RETH},
	{0xa7, "XRC_RDMA_WRITE_MIDDLE", XRC},
	{0xa8, "XRC_RDMA_WRITE_LAST", XRC},
	{0xa9, "XRC_RDMA_WRITE_LAST_WITH_IMMEDIATE", XRC | IMM},
	{0xaa, "XRC_RDMA_WRITE_ONLY", XRC | RETH},
	{0xab, "XRC_RDMA_WRITE_ONLY_WITH_IMMEDIATE", XRC | RETH | IMM},
	{0xac, "XRC_RDMA_READ_REQUEST", XRC | RETH},
	{0xad, "XRC_RDMA_READ_RESPONSE_FIRST", AETH},
	{0xae, "XRC_RDMA_READ_RESPONSE_MIDDLE", 0},
	{0xaf, "XRC_RDMA_READ_RESPONSE_LAST", AETH},
	{0xb0, "XRC_RDMA_READ_RESPONSE_ONLY", AETH},
	{0xb1, "XRC_ACKNOWLEDGE", AETH},
	{0xb2, "XRC_ATOMIC_ACKNOWLEDGE", AETH | AACK},
	{0xb3, "XRC_COMPARE_SWAP", XRC | ATOM},
	{0xb4, "XRC_FETCH_ADD", XRC | ATOM},
	{0xb6, "XRC_SEND_LAST_WITH_INVALIDATE", XRC | IETH},
	{0xb7, "XRC_SEND_ONLY_WITH_INVALIDATE", XRC | IETH},
};

static const struct opdef *ibta_lookup(unsigned op)
{
	for (size_t i = 0; i < sizeof(ibta_ops) / sizeof(ibta_ops[0]); i++)
		if (ibta_ops[i].op == op)
			return &ibta_ops[i];
	return NULL;
}

/*
 * Frame of a RoCE packet: IPv4 10.0.0.1 > 10.0.0.2 (total = 28 + n) | UDP 49152 > 4791
 * (length = 8 + n + ulen_delta) | n RoCE bytes. Returns the frame length.
 */
static uint32_t build(const uint8_t *roce, uint32_t n, int32_t ulen_delta, uint8_t *f)
{
	/* v4 IHL 5 | TOS 0 | total (set below) | id 0 | TTL 64 | UDP | 10.0.0.1 > 10.0.0.2 */
	static const uint8_t ip[20] = {0x45, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x11, 0, 0,
				       10,   0, 0, 1, 10, 0, 0, 2};
	/* UDP 49152 > 4791 | length (set below) | checksum 0 */
	static const uint8_t udp[8] = {0xc0, 0x00, 0x12, 0xb7, 0, 0, 0, 0};
	uint32_t total = 28 + n, ulen = (uint32_t)((int32_t)(8 + n) + ulen_delta);
	memcpy(f, ip, 20);
	f[2] = (uint8_t)(total >> 8);
	f[3] = (uint8_t)total;
	memcpy(f + 20, udp, 8);
	f[24] = (uint8_t)(ulen >> 8);
	f[25] = (uint8_t)ulen;
	memcpy(f + 28, roce, n);
	return 28 + n;
}

/* ---------------------------------------------------------------------------------------- */

struct bth_row {
	const char *name;
	const uint8_t *b; /* BTH onwards: BTH | ext | payload | pad | ICRC */
	uint32_t n;
	int32_t ulen_delta;
	uint32_t cut;
	enum dp_status status;
	const char *cause;
	uint8_t ev[4], nev;
	bool has_bth;
	struct dp_bth bth; /* checked in full when has_bth */
	bool has_payload;
	uint16_t ext; /* DP_X_* read */
	uint32_t payload_len;
	/* extended header values, checked for each bit in ext */
	uint64_t reth_va;
	uint32_t reth_rkey, reth_dmalen;
	uint8_t aeth_syndrome;
	uint32_t aeth_msn;
	uint32_t deth_qkey, deth_srcqp;
	uint32_t immdt, ieth;
	uint64_t atomic_va, atomic_swap, atomic_cmp;
	uint32_t atomic_rkey;
	uint64_t atomicack;
	uint32_t xrc_srq, feth, rdeth;
};

/* ICRC placeholder bytes (not checked here) */
#define B_ICRC 0x11, 0x22, 0x33, 0x44

static const struct bth_row bth_rows[] = {
	/* ---- every BTH field ---- */
	{
		.name = "field pattern A",
		/* op 0x04 RC_SEND_ONLY | SE 1 M 0 PadCnt 2 TVer 0 (0xa0) | P_Key 0x1234 |
		 * F 1 B 0 resv6 0x2a (0xaa) | DestQP 0xabcdef | A 1 resv7 0x55 (0xd5) | PSN 0x123456 |
		 * payload 01..06 | pad 00 00 | ICRC */
		BYTES(0x04, 0xa0, 0x12, 0x34, 0xaa, 0xab, 0xcd, 0xef, 0xd5, 0x12, 0x34, 0x56, 1, 2, 3, 4,
		      5, 6, 0, 0, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x04, .se = true, .m = false, .pad = 2, .tver = 0, .pkey = 0x1234,
			.fecn = true, .becn = false, .resv6 = 0x2a, .dqpn = 0xabcdef, .ackreq = true,
			.resv7 = 0x55, .psn = 0x123456},
		.has_payload = true, .payload_len = 6,
	},
	{
		.name = "field pattern B (the complement bits)",
		/* op 0x00 RC_SEND_FIRST | SE 0 M 1 PadCnt 1 TVer 0 (0x50) | P_Key 0xfedc |
		 * F 0 B 1 resv6 0x15 (0x55) | DestQP 0x010203 | A 0 resv7 0x2a | PSN 0xffffff |
		 * payload 3 bytes | pad 00 | ICRC */
		BYTES(0x00, 0x50, 0xfe, 0xdc, 0x55, 0x01, 0x02, 0x03, 0x2a, 0xff, 0xff, 0xff, 7, 8, 9, 0,
		      B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x00, .se = false, .m = true, .pad = 1, .tver = 0, .pkey = 0xfedc,
			.fecn = false, .becn = true, .resv6 = 0x15, .dqpn = 0x010203, .ackreq = false,
			.resv7 = 0x2a, .psn = 0xffffff},
		.has_payload = true, .payload_len = 3,
	},
	{
		.name = "all-zero BTH, no payload",
		/* op 0x00 RC_SEND_FIRST, every other field 0 | ICRC */
		BYTES(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true, .bth = {.opcode = 0},
		.has_payload = true, .payload_len = 0,
	},
	{
		.name = "all ones but TVer: reserved opcode 0xff, fields still read",
		/* op 0xff | SE M PadCnt 3 TVer 0 (0xf0) | 0xffff | 0xff | 0xffffff | 0xff | 0xffffff */
		BYTES(0xff, 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0,
		      B_ICRC),
		.status = DP_UNSUPPORTED, .cause = "bth_opcode", .has_bth = true,
		.bth = {.opcode = 0xff, .se = true, .m = true, .pad = 3, .pkey = 0xffff, .fecn = true,
			.becn = true, .resv6 = 0x3f, .dqpn = 0xffffff, .ackreq = true, .resv7 = 0x7f,
			.psn = 0xffffff},
	},
	/* ---- extended headers ---- */
	{
		.name = "RETH: RC RDMA WRITE FIRST",
		/* op 0x06 | P_Key 0xffff | DestQP 0x12 | A 1 PSN 1 | RETH VA 0x0102030405060708
		 * R_Key 0x090a0b0c DMA Length 0x0d0e0f10 | payload 4 bytes | ICRC */
		BYTES(0x06, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x80, 0x00, 0x00, 0x01, 0x01, 0x02,
		      0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
		      0xaa, 0xbb, 0xcc, 0xdd, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x06, .pkey = 0xffff, .dqpn = 0x12, .ackreq = true, .psn = 1},
		.has_payload = true, .ext = RETH, .payload_len = 4, .reth_va = 0x0102030405060708,
		.reth_rkey = 0x090a0b0c, .reth_dmalen = 0x0d0e0f10,
	},
	{
		.name = "RETH + ImmDt: RC RDMA WRITE ONLY with immediate",
		/* op 0x0b | DestQP 0x12 | RETH VA 0xffffffffffffffff R_Key 0 DMA Length 0x00010000 |
		 * ImmDt 0xdeadbeef | payload 8 bytes | ICRC */
		BYTES(0x0b, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x02, 0xff, 0xff,
		      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x00, 0xde, 0xad,
		      0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x0b, .pkey = 0xffff, .dqpn = 0x12, .psn = 2},
		.has_payload = true, .ext = RETH | IMM, .payload_len = 8,
		.reth_va = 0xffffffffffffffff, .reth_dmalen = 0x10000, .immdt = 0xdeadbeef,
	},
	{
		.name = "ImmDt: RC SEND ONLY with immediate",
		/* op 0x05 | DestQP 0x12 | ImmDt 0x00000001 | no payload | ICRC */
		BYTES(0x05, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
		      0x00, 0x01, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x05, .pkey = 0xffff, .dqpn = 0x12, .psn = 3},
		.has_payload = true, .ext = IMM, .payload_len = 0, .immdt = 1,
	},
	{
		.name = "AETH ACK, unlimited credits (0x1f), MSN 0x000102",
		/* op 0x11 | DestQP 0x12 | PSN 5 | AETH syndrome 0x1f MSN 0x000102 | ICRC */
		BYTES(0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x05, 0x1f, 0x00,
		      0x01, 0x02, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x11, .pkey = 0xffff, .dqpn = 0x12, .psn = 5},
		.has_payload = true, .ext = AETH, .aeth_syndrome = 0x1f, .aeth_msn = 0x102,
	},
	{
		.name = "AETH RNR NAK, timer 14",
		/* op 0x11 | AETH syndrome 0x2e (RNR, timer code 14) MSN 9 | ICRC */
		BYTES(0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x05, 0x2e, 0x00,
		      0x00, 0x09, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x11, .pkey = 0xffff, .dqpn = 0x12, .psn = 5},
		.has_payload = true, .ext = AETH, .aeth_syndrome = 0x2e, .aeth_msn = 9,
	},
	{
		.name = "AETH NAK PSN sequence error, MSN 0xffffff",
		/* op 0x11 | AETH syndrome 0x60 (NAK, PSN sequence error) MSN 0xffffff | ICRC */
		BYTES(0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x05, 0x60, 0xff,
		      0xff, 0xff, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x11, .pkey = 0xffff, .dqpn = 0x12, .psn = 5},
		.has_payload = true, .ext = AETH, .aeth_syndrome = 0x60, .aeth_msn = 0xffffff,
	},
	{
		.name = "AETH NAK remote access error",
		/* op 0x11 | AETH syndrome 0x62 (NAK, remote access error) MSN 0xabcdef | ICRC */
		BYTES(0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x05, 0x62, 0xab,
		      0xcd, 0xef, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x11, .pkey = 0xffff, .dqpn = 0x12, .psn = 5},
		.has_payload = true, .ext = AETH, .aeth_syndrome = 0x62, .aeth_msn = 0xabcdef,
	},
	{
		.name = "AETH on a READ RESPONSE FIRST, with payload",
		/* op 0x0d | PadCnt 0 | AETH syndrome 0x00 MSN 4 | payload 12 bytes | ICRC */
		BYTES(0x0d, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00,
		      0x00, 0x04, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x0d, .pkey = 0xffff, .dqpn = 0x12, .psn = 7},
		.has_payload = true, .ext = AETH, .payload_len = 12, .aeth_msn = 4,
	},
	{
		.name = "AETH + AtomicAckETH: RC ATOMIC ACKNOWLEDGE",
		/* op 0x12 | AETH 0x00 MSN 7 | original data 0x8888888899999999 | ICRC */
		BYTES(0x12, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
		      0x00, 0x07, 0x88, 0x88, 0x88, 0x88, 0x99, 0x99, 0x99, 0x99, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x12, .pkey = 0xffff, .dqpn = 0x12, .psn = 8},
		.has_payload = true, .ext = AETH | AACK, .aeth_msn = 7,
		.atomicack = 0x8888888899999999,
	},
	{
		.name = "AtomicETH: RC COMPARE SWAP",
		/* op 0x13 | VA 0x1111111122222222 | R_Key 0x33333333 | swap 0x4444444455555555 |
		 * compare 0x6666666677777777 | ICRC */
		BYTES(0x13, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x80, 0x00, 0x00, 0x09, 0x11, 0x11,
		      0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x33, 0x33, 0x33, 0x33, 0x44, 0x44, 0x44, 0x44,
		      0x55, 0x55, 0x55, 0x55, 0x66, 0x66, 0x66, 0x66, 0x77, 0x77, 0x77, 0x77, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x13, .pkey = 0xffff, .dqpn = 0x12, .ackreq = true, .psn = 9},
		.has_payload = true, .ext = ATOM, .atomic_va = 0x1111111122222222,
		.atomic_rkey = 0x33333333, .atomic_swap = 0x4444444455555555,
		.atomic_cmp = 0x6666666677777777,
	},
	{
		.name = "IETH: RC SEND ONLY with invalidate",
		/* op 0x17 | IETH R_Key 0xcafef00d | payload 4 | ICRC */
		BYTES(0x17, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x0a, 0xca, 0xfe,
		      0xf0, 0x0d, 1, 2, 3, 4, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x17, .pkey = 0xffff, .dqpn = 0x12, .psn = 10},
		.has_payload = true, .ext = IETH, .payload_len = 4, .ieth = 0xcafef00d,
	},
	{
		.name = "FETH + RETH: RC FLUSH",
		/* op 0x1c | FETH 0x00000021 (selectivity 2, placement 1) | RETH VA 0x1000 R_Key 0x77
		 * DMA Length 0x40 | ICRC */
		BYTES(0x1c, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x80, 0x00, 0x00, 0x0b, 0x00, 0x00,
		      0x00, 0x21, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 0x00, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00,
		      0x40, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x1c, .pkey = 0xffff, .dqpn = 0x12, .ackreq = true, .psn = 11},
		.has_payload = true, .ext = FETH | RETH, .feth = 0x21, .reth_va = 0x1000,
		.reth_rkey = 0x77, .reth_dmalen = 0x40,
	},
	{
		.name = "DETH: UD SEND ONLY to GSI",
		/* op 0x64 | DestQP 1 | DETH Q_Key 0x80010000 reserved 0xff SrcQP 0x000001 | payload 4 */
		BYTES(0x64, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x80, 0x01,
		      0x00, 0x00, 0xff, 0x00, 0x00, 0x01, 1, 2, 3, 4, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x64, .pkey = 0xffff, .dqpn = 1, .psn = 12},
		.has_payload = true, .ext = DETH, .payload_len = 4, .deth_qkey = 0x80010000,
		.deth_srcqp = 1,
	},
	{
		.name = "DETH + ImmDt: UD SEND ONLY with immediate",
		/* op 0x65 | DETH Q_Key 0x11111111 SrcQP 0xfedcba | ImmDt 0x01020304 | no payload */
		BYTES(0x65, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x99, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x11,
		      0x11, 0x11, 0x00, 0xfe, 0xdc, 0xba, 0x01, 0x02, 0x03, 0x04, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x65, .pkey = 0xffff, .dqpn = 0x99, .psn = 13},
		.has_payload = true, .ext = DETH | IMM, .deth_qkey = 0x11111111,
		.deth_srcqp = 0xfedcba, .immdt = 0x01020304,
	},
	{
		.name = "XRCETH: XRC SEND ONLY",
		/* op 0xa4 | XRCETH reserved 0xff XRC SRQ 0x00abcd | payload 4 | ICRC */
		BYTES(0xa4, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x0e, 0xff, 0x00,
		      0xab, 0xcd, 1, 2, 3, 4, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0xa4, .pkey = 0xffff, .dqpn = 0x12, .psn = 14},
		.has_payload = true, .ext = XRC, .payload_len = 4, .xrc_srq = 0xabcd,
	},
	{
		.name = "XRCETH + RETH: XRC RDMA WRITE FIRST",
		/* op 0xa6 | XRCETH SRQ 0x123456 | RETH VA 0x42 R_Key 0x43 DMA Length 0x44 | payload 4 */
		BYTES(0xa6, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x12,
		      0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 0x42, 0, 0, 0, 0x43, 0, 0, 0, 0x44, 1, 2, 3, 4,
		      B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0xa6, .pkey = 0xffff, .dqpn = 0x12, .psn = 15},
		.has_payload = true, .ext = XRC | RETH, .payload_len = 4, .xrc_srq = 0x123456,
		.reth_va = 0x42, .reth_rkey = 0x43, .reth_dmalen = 0x44,
	},
	{
		.name = "XRC ACKNOWLEDGE has no XRCETH",
		/* op 0xb1 | AETH 0x00 MSN 1 | ICRC */
		BYTES(0xb1, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
		      0x00, 0x01, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0xb1, .pkey = 0xffff, .dqpn = 0x12, .psn = 16},
		.has_payload = true, .ext = AETH, .aeth_msn = 1,
	},
	{
		.name = "RDETH + DETH: RD SEND ONLY",
		/* op 0x44 | RDETH reserved 0xff EE-Context 0x123456 | DETH Q_Key 0x22222222 SrcQP 7 |
		 * payload 4 | ICRC */
		BYTES(0x44, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x11, 0xff, 0x12,
		      0x34, 0x56, 0x22, 0x22, 0x22, 0x22, 0x00, 0x00, 0x00, 0x07, 1, 2, 3, 4, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x44, .pkey = 0xffff, .dqpn = 0x12, .psn = 17},
		.has_payload = true, .ext = RDETH | DETH, .payload_len = 4, .rdeth = 0x123456,
		.deth_qkey = 0x22222222, .deth_srcqp = 7,
	},
	{
		.name = "RDETH + AETH: RD ACKNOWLEDGE",
		/* op 0x51 | RDETH EE-Context 0x000001 | AETH 0x61 (NAK invalid request) MSN 2 | ICRC */
		BYTES(0x51, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00,
		      0x00, 0x01, 0x61, 0x00, 0x00, 0x02, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x51, .pkey = 0xffff, .dqpn = 0x12, .psn = 18},
		.has_payload = true, .ext = RDETH | AETH, .rdeth = 1, .aeth_syndrome = 0x61,
		.aeth_msn = 2,
	},
	{
		.name = "CNP with 16 zero bytes",
		/* op 0x81 | P_Key 0xffff | B 1 (0x40) | DestQP 0x118 | PSN 0 | 16 x 00 | ICRC */
		BYTES(0x81, 0x00, 0xff, 0xff, 0x40, 0x00, 0x01, 0x18, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0,
		      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x81, .pkey = 0xffff, .becn = true, .dqpn = 0x118},
		.has_payload = true, .ext = CNP,
	},
	{
		.name = "CNP with a non-zero reserved byte",
		/* op 0x81 | B 1 | DestQP 0x118 | 15 x 00, 01 | ICRC */
		BYTES(0x81, 0x00, 0xff, 0xff, 0x40, 0x00, 0x01, 0x18, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0,
		      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, B_ICRC),
		.status = DP_OK, .cause = "ok", EVENTS(DP_E_CNP_RESERVED), .has_bth = true,
		.bth = {.opcode = 0x81, .pkey = 0xffff, .becn = true, .dqpn = 0x118},
		.has_payload = true, .ext = CNP,
	},
	/* ---- payload length = UDP len - 8 - 12 - ext - PadCnt - 4 ---- */
	{
		.name = "payload 5, PadCnt 3",
		/* op 0x04 | PadCnt 3 (0x30) | payload 5 | pad 3 | ICRC: UDP len 32 */
		BYTES(0x04, 0x30, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x20, 1, 2, 3, 4,
		      5, 0, 0, 0, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x04, .pad = 3, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x20},
		.has_payload = true, .payload_len = 5,
	},
	{
		.name = "RETH, payload 13, PadCnt 3",
		/* op 0x0a | PadCnt 3 | RETH VA 0 R_Key 0 DMA Length 13 | payload 13 | pad 3 | ICRC */
		BYTES(0x0a, 0x30, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x21, 0, 0, 0, 0,
		      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 0,
		      0, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x0a, .pad = 3, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x21},
		.has_payload = true, .ext = RETH, .payload_len = 13, .reth_dmalen = 13,
	},
	{
		.name = "BTH + ICRC only (SEND MIDDLE of 0 bytes)",
		/* op 0x01 | ICRC: UDP len 24, the minimum */
		BYTES(0x01, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x22, B_ICRC),
		.status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x01, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x22},
		.has_payload = true, .payload_len = 0,
	},
	{
		.name = "payload not captured: the length still comes from UDP",
		/* op 0x04 | PadCnt 1 | payload 7 | pad 1 | ICRC - captured up to 2 payload bytes */
		BYTES(0x04, 0x10, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x23, 1, 2, 3, 4,
		      5, 6, 7, 0, B_ICRC),
		.cut = 10, .status = DP_OK, .cause = "ok", .has_bth = true,
		.bth = {.opcode = 0x04, .pad = 1, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x23},
		.has_payload = true, .payload_len = 7,
	},
	/* ---- malformed ---- */
	{
		.name = "PadCnt 3 with no payload",
		/* op 0x04 | PadCnt 3 | ICRC: 3 pad bytes cannot be there */
		BYTES(0x04, 0x30, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x24, B_ICRC),
		.status = DP_MALFORMED, .cause = "bth_pad_overrun", .has_bth = true,
		.bth = {.opcode = 0x04, .pad = 3, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x24},
	},
	{
		.name = "PadCnt 2 with a 1-byte payload",
		/* op 0x04 | PadCnt 2 | 1 byte | ICRC */
		BYTES(0x04, 0x20, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x25, 0x01,
		      B_ICRC),
		.status = DP_MALFORMED, .cause = "bth_pad_overrun", .has_bth = true,
		.bth = {.opcode = 0x04, .pad = 2, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x25},
	},
	{
		.name = "ACK with no room for its AETH",
		/* op 0x11 | ICRC: UDP len 24 holds BTH + ICRC only */
		BYTES(0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x26, B_ICRC),
		.status = DP_MALFORMED, .cause = "roce_ext_overrun", .has_bth = true,
		.bth = {.opcode = 0x11, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x26},
	},
	{
		.name = "COMPARE SWAP with 20 of 28 AtomicETH bytes",
		/* op 0x13 | 20 bytes | ICRC */
		BYTES(0x13, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x27, 0, 0, 0, 0,
		      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, B_ICRC),
		.status = DP_MALFORMED, .cause = "roce_ext_overrun", .has_bth = true,
		.bth = {.opcode = 0x13, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x27},
	},
	{
		.name = "short CNP: 8 reserved bytes",
		/* op 0x81 | B 1 | DestQP 0x118 | 8 x 00 | ICRC */
		BYTES(0x81, 0x00, 0xff, 0xff, 0x40, 0x00, 0x01, 0x18, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0,
		      0, 0, 0, 0, B_ICRC),
		.status = DP_MALFORMED, .cause = "cnp_len", .has_bth = true,
		.bth = {.opcode = 0x81, .pkey = 0xffff, .becn = true, .dqpn = 0x118},
	},
	{
		.name = "short CNP: no reserved bytes",
		/* op 0x81 | B 1 | DestQP 0x118 | ICRC */
		BYTES(0x81, 0x00, 0xff, 0xff, 0x40, 0x00, 0x01, 0x18, 0x00, 0x00, 0x00, 0x00, B_ICRC),
		.status = DP_MALFORMED, .cause = "cnp_len", .has_bth = true,
		.bth = {.opcode = 0x81, .pkey = 0xffff, .becn = true, .dqpn = 0x118},
	},
	{
		.name = "UDP length 20: BTH but no ICRC",
		/* op 0x04 | ICRC outside the datagram (UDP len 8 + 12) */
		BYTES(0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x28, B_ICRC),
		.ulen_delta = -4, .status = DP_MALFORMED, .cause = "roce_too_short", .has_bth = true,
		.bth = {.opcode = 0x04, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x28},
	},
	{
		.name = "UDP length 23: one byte short of BTH + ICRC",
		/* op 0x04 | 3 of the ICRC bytes inside the datagram */
		BYTES(0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x29, B_ICRC),
		.ulen_delta = -1, .status = DP_MALFORMED, .cause = "roce_too_short", .has_bth = true,
		.bth = {.opcode = 0x04, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x29},
	},
	{
		.name = "UDP length 19: not even a BTH",
		/* 11 BTH bytes inside the datagram */
		BYTES(0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x2a, B_ICRC),
		.ulen_delta = -5, .status = DP_MALFORMED, .cause = "roce_too_short",
	},
	/* ---- unsupported ---- */
	{
		.name = "TVer 1",
		/* op 0x04 | TVer 1 (0x01) | payload 0 | ICRC */
		BYTES(0x04, 0x01, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x2b, B_ICRC),
		.status = DP_UNSUPPORTED, .cause = "bth_tver", .has_bth = true,
		.bth = {.opcode = 0x04, .tver = 1, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x2b},
	},
	{
		.name = "TVer 15 on a CNP too short: TVer is reported",
		/* op 0x81 | TVer 15 (0x0f) | ICRC */
		BYTES(0x81, 0x0f, 0xff, 0xff, 0x40, 0x00, 0x01, 0x18, 0x00, 0x00, 0x00, 0x00, B_ICRC),
		.status = DP_UNSUPPORTED, .cause = "bth_tver", .has_bth = true,
		.bth = {.opcode = 0x81, .tver = 15, .pkey = 0xffff, .becn = true, .dqpn = 0x118},
	},
	{
		.name = "reserved opcode 0x15",
		/* op 0x15 (RC reserved) | ICRC */
		BYTES(0x15, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x2c, B_ICRC),
		.status = DP_UNSUPPORTED, .cause = "bth_opcode", .has_bth = true,
		.bth = {.opcode = 0x15, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x2c},
	},
	{
		.name = "manufacturer-specific opcode 0xe0",
		/* op 0xe0 | ICRC */
		BYTES(0xe0, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x2d, B_ICRC),
		.status = DP_UNSUPPORTED, .cause = "bth_opcode", .has_bth = true,
		.bth = {.opcode = 0xe0, .pkey = 0xffff, .dqpn = 0x12, .psn = 0x2d},
	},
	/* ---- truncated ---- */
	{
		.name = "BTH cut after 7 bytes",
		/* op 0x04 ... DestQP cut */
		BYTES(0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x2e, B_ICRC),
		.cut = 9, .status = DP_TRUNCATED, .cause = "bth_truncated",
	},
	{
		.name = "RETH cut after 10 bytes",
		/* op 0x06 | RETH, 10 of 16 bytes captured */
		BYTES(0x06, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x80, 0x00, 0x00, 0x01, 0x01, 0x02,
		      0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
		      0xaa, 0xbb, 0xcc, 0xdd, B_ICRC),
		.cut = 14, .status = DP_TRUNCATED, .cause = "roce_ext_truncated", .has_bth = true,
		.bth = {.opcode = 0x06, .pkey = 0xffff, .dqpn = 0x12, .ackreq = true, .psn = 1},
		/* the payload length comes from the declared sizes, so it is known */
		.has_payload = true, .payload_len = 4,
	},
	{
		.name = "RDETH read, DETH cut",
		/* op 0x44 | RDETH | DETH, 3 of 8 bytes captured */
		BYTES(0x44, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x11, 0xff, 0x12,
		      0x34, 0x56, 0x22, 0x22, 0x22, 0x22, 0x00, 0x00, 0x00, 0x07, 1, 2, 3, 4, B_ICRC),
		.cut = 13, .status = DP_TRUNCATED, .cause = "roce_ext_truncated", .has_bth = true,
		.bth = {.opcode = 0x44, .pkey = 0xffff, .dqpn = 0x12, .psn = 17}, .ext = RDETH,
		.rdeth = 0x123456, .has_payload = true, .payload_len = 4,
	},
};

static void check_ext(const struct bth_row *r, const struct dpkt *d)
{
	if (r->ext & RETH) {
		CHECK_EQ_U(d->reth.va, r->reth_va);
		CHECK_EQ_U(d->reth.rkey, r->reth_rkey);
		CHECK_EQ_U(d->reth.dmalen, r->reth_dmalen);
	}
	if (r->ext & AETH) {
		CHECK_EQ_U(d->aeth.syndrome, r->aeth_syndrome);
		CHECK_EQ_U(d->aeth.msn, r->aeth_msn);
	}
	if (r->ext & DETH) {
		CHECK_EQ_U(d->deth.qkey, r->deth_qkey);
		CHECK_EQ_U(d->deth.srcqp, r->deth_srcqp);
	}
	if (r->ext & IMM)
		CHECK_EQ_U(d->immdt, r->immdt);
	if (r->ext & IETH)
		CHECK_EQ_U(d->ieth, r->ieth);
	if (r->ext & ATOM) {
		CHECK_EQ_U(d->atomic.va, r->atomic_va);
		CHECK_EQ_U(d->atomic.rkey, r->atomic_rkey);
		CHECK_EQ_U(d->atomic.swap, r->atomic_swap);
		CHECK_EQ_U(d->atomic.cmp, r->atomic_cmp);
	}
	if (r->ext & AACK)
		CHECK_EQ_U(d->atomicack, r->atomicack);
	if (r->ext & XRC)
		CHECK_EQ_U(d->xrc_srq, r->xrc_srq);
	if (r->ext & FETH)
		CHECK_EQ_U(d->feth, r->feth);
	if (r->ext & RDETH)
		CHECK_EQ_U(d->rdeth, r->rdeth);
}

static void test_bth_table(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(bth_rows) / sizeof(bth_rows[0]); i++) {
		const struct bth_row *r = &bth_rows[i];
		uint8_t f[256];
		uint32_t n = build(r->b, r->n, r->ulen_delta, f);
		struct dpkt d;
		row(r->name);
		decode(&o, DP_LINK_IPV4, f, n - r->cut, n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), r->cause);
		CHECK_EQ_S(dp_status_name(d.status), dp_status_name(r->status));
		check_events(&d, r->ev, r->nev);
		CHECK_EQ_U(d.has_bth, r->has_bth);
		if (r->has_bth && d.has_bth) {
			const struct dp_bth *e = &r->bth, *b = &d.bth;
			CHECK_EQ_U(d.bth_off, 28);
			CHECK_EQ_U(b->opcode, e->opcode);
			CHECK_EQ_U(b->se, e->se);
			CHECK_EQ_U(b->m, e->m);
			CHECK_EQ_U(b->pad, e->pad);
			CHECK_EQ_U(b->tver, e->tver);
			CHECK_EQ_U(b->pkey, e->pkey);
			CHECK_EQ_U(b->fecn, e->fecn);
			CHECK_EQ_U(b->becn, e->becn);
			CHECK_EQ_U(b->resv6, e->resv6);
			CHECK_EQ_U(b->dqpn, e->dqpn);
			CHECK_EQ_U(b->ackreq, e->ackreq);
			CHECK_EQ_U(b->resv7, e->resv7);
			CHECK_EQ_U(b->psn, e->psn);
		}
		CHECK_EQ_U(d.ext, r->ext);
		check_ext(r, &d);
		CHECK_EQ_U(d.has_payload, r->has_payload);
		if (r->has_payload && d.has_payload) {
			/* the opcode's whole layout, even when the capture cut it short */
			const struct opdef *e = ibta_lookup(r->bth.opcode);
			uint32_t eb = e ? ext_size(e->ext) : 0;
			CHECK_EQ_U(d.payload_len, r->payload_len);
			CHECK_EQ_U(d.payload_off, 28 + 12 + eb);
			/* payload = UDP len - 8 - 12 - ext - PadCnt - 4, computed here */
			CHECK_EQ_U(d.payload_len, d.ulen - 8u - 12u - eb - r->bth.pad - 4u);
		}
		/* the ICRC is looked at only once everything before it was read */
		CHECK_EQ_U(d.icrc_status, r->status != DP_OK	 ? DP_ICRC_NONE
					  : r->cut		 ? DP_ICRC_NOT_CAPTURED
								 : DP_ICRC_NONE);
		if (r->status == DP_OK)
			CHECK_EQ_U(d.roce, DP_ROCE_V2);
	}
}

static void test_bth_short_captures(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(bth_rows) / sizeof(bth_rows[0]); i++) {
		const struct bth_row *r = &bth_rows[i];
		uint8_t f[256];
		uint32_t n = build(r->b, r->n, r->ulen_delta, f);
		row(r->name);
		sweep(&o, DP_LINK_IPV4, f, n);
	}
}

/* bth_layout and bth_opname for all 256 opcodes, against the IBTA table above. */
static void test_bth_opcode_table(void)
{
	unsigned known = 0;
	for (unsigned op = 0; op < 256; op++) {
		const struct opdef *e = ibta_lookup(op);
		char label[64];
		uint16_t ext = 0xffff;
		snprintf(label, sizeof(label), "opcode 0x%02x %s", op, e ? e->name : "(reserved)");
		row(label);
		bool ok = bth_layout((uint8_t)op, &ext);
		CHECK_EQ_U(ok, e != NULL);
		if (e) {
			known++;
			CHECK_EQ_U(ext, e->ext);
			CHECK_EQ_S(bth_opname((uint8_t)op), e->name);
		} else {
			CHECK_EQ_U(ext, 0);
			CHECK(bth_opname((uint8_t)op) == NULL);
		}
	}
	CHECK_EQ_U(known, sizeof(ibta_ops) / sizeof(ibta_ops[0]));
}

/*
 * Each of the 256 opcodes in a packet: known ones decode with exactly their
 * extended headers and a 4-byte payload (PadCnt 0), reserved ones stop as
 * unsupported bth_opcode with the BTH read and nothing else.
 */
static void test_bth_opcode_packets(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (unsigned op = 0; op < 256; op++) {
		const struct opdef *e = ibta_lookup(op);
		uint16_t ext = e ? e->ext : 0;
		uint32_t eb = ext_size(ext);
		/* BTH op | P_Key 0xffff | DestQP 0x000042 | PSN 0x000100 | ext (zeros) | payload
		 * 0xa5 x 4 | ICRC */
		uint8_t roce[12 + 60 + 4 + 4] = {(uint8_t)op, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x42,
						 0x00, 0x00, 0x01, 0x00};
		memset(roce + 12 + eb, 0xa5, 4);
		memset(roce + 12 + eb + 4, 0x5a, 4);
		uint8_t f[256];
		uint32_t n = build(roce, 12 + eb + 8, 0, f);
		struct dpkt d;
		char label[64];
		snprintf(label, sizeof(label), "packet with opcode 0x%02x", op);
		row(label);
		decode(&o, DP_LINK_IPV4, f, n, n, &d);
		CHECK_EQ_U(d.has_bth, 1);
		CHECK_EQ_U(d.bth.opcode, op);
		CHECK_EQ_U(d.bth.dqpn, 0x42);
		CHECK_EQ_U(d.bth.psn, 0x100);
		if (op == 0x81) {
			/* A CNP is exactly BTH + 16 reserved bytes + ICRC: 4 more bytes are malformed.
			 * The exact-size CNP is covered by the CNP rows of the main table. */
			CHECK_EQ_S(dp_cause_name(d.cause), "cnp_len");
			CHECK_EQ_U(d.status, DP_MALFORMED);
		} else if (e) {
			CHECK_EQ_S(dp_cause_name(d.cause), "ok");
			CHECK_EQ_U(d.ext, e->ext);
			CHECK_EQ_U(d.has_payload, 1);
			CHECK_EQ_U(d.payload_off, 28 + 12 + eb);
			CHECK_EQ_U(d.payload_len, 4);
		} else {
			CHECK_EQ_S(dp_cause_name(d.cause), "bth_opcode");
			CHECK_EQ_U(d.status, DP_UNSUPPORTED);
			CHECK_EQ_U(d.ext, 0);
			CHECK_EQ_U(d.has_payload, 0);
		}
		if (op % 16 == 0 || e)
			sweep(&o, DP_LINK_IPV4, f, n);
	}
}

/* AETH syndromes: type in bits 6:5, as the notes' table gives them. */
static void test_bth_aeth_syndromes(void)
{
	static const struct {
		uint8_t syndrome;
		enum dp_aeth_type type;
	} rows[] = {
		{0x00, DP_AETH_ACK}, /* ACK, credit code 0 */
		{0x1f, DP_AETH_ACK}, /* ACK, unlimited credits */
		{0x20, DP_AETH_RNR}, /* RNR NAK, timer 0 (655.36 ms) */
		{0x3f, DP_AETH_RNR}, /* RNR NAK, timer 31 */
		{0x40, DP_AETH_RESERVED},
		{0x60, DP_AETH_NAK}, /* PSN sequence error */
		{0x61, DP_AETH_NAK}, /* invalid request */
		{0x62, DP_AETH_NAK}, /* remote access error */
		{0x63, DP_AETH_NAK}, /* remote operational error */
		{0x64, DP_AETH_NAK}, /* invalid RD request */
	};
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* op 0x11 RC_ACKNOWLEDGE | DestQP 0x12 | PSN 5 | AETH syndrome, MSN 0x00beef | ICRC */
		uint8_t roce[] = {0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x05,
				  rows[i].syndrome, 0x00, 0xbe, 0xef, B_ICRC};
		uint8_t f[128];
		uint32_t n = build(roce, sizeof(roce), 0, f);
		struct dpkt d;
		row("AETH syndrome");
		decode(&o, DP_LINK_IPV4, f, n, n, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ok");
		CHECK_EQ_U(d.aeth.syndrome, rows[i].syndrome);
		CHECK_EQ_U((d.aeth.syndrome >> 5) & 3, rows[i].type);
		CHECK_EQ_U(d.aeth.msn, 0xbeef);
	}
}

/* Every PadCnt against 0..8 bytes between the BTH and the ICRC: overrun exactly when PadCnt
 * is more than those bytes. */
static void test_bth_pad_grid(void)
{
	struct dp_opts o;
	dp_opts_init(&o);
	o.check_icrc = false;
	for (unsigned pad = 0; pad < 4; pad++) {
		for (unsigned tail = 0; tail <= 8; tail++) {
			/* op 0x04 RC_SEND_ONLY | PadCnt pad | `tail` bytes (payload + pad) | ICRC */
			uint8_t roce[12 + 8 + 4] = {0x04, (uint8_t)(pad << 4), 0xff, 0xff, 0x00, 0x00, 0x00,
						    0x12, 0x00, 0x00, 0x00, 0x01};
			uint8_t f[128];
			uint32_t n = build(roce, 12 + tail + 4, 0, f);
			struct dpkt d;
			row("PadCnt grid");
			decode(&o, DP_LINK_IPV4, f, n, n, &d);
			if (pad > tail) {
				CHECK_EQ_S(dp_cause_name(d.cause), "bth_pad_overrun");
				CHECK_EQ_U(d.has_payload, 0);
			} else {
				CHECK_EQ_S(dp_cause_name(d.cause), "ok");
				CHECK_EQ_U(d.payload_len, tail - pad);
			}
		}
	}
}

int main(void)
{
	RUN(test_bth_table);
	RUN(test_bth_short_captures);
	RUN(test_bth_opcode_table);
	RUN(test_bth_opcode_packets);
	RUN(test_bth_aeth_syndromes);
	RUN(test_bth_pad_grid);
	return unit_done();
}
