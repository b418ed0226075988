/*
 * bth.c - the InfiniBand Base Transport Header and the extended transport
 * headers each opcode carries (IBTA Vol 1 §9.2-9.3; RoCEv2 Annex A17; CNP
 * Annex A17.9.3; XRC §9.3.6; FLUSH and ATOMIC WRITE from the IBTA 1.5
 * memory placement extensions, as rxe lays them out).
 *
 * Entered with the cursor narrowed to the RoCE packet: from the BTH to the
 * end of the ICRC (the UDP payload for RoCEv2, the GRH payload for RoCEv1).
 * The layout is:  BTH | [RDETH][DETH][XRCETH][FETH][RETH|AtomicETH]
 *                 [AETH][AtomicAckETH][ImmDt][IETH] | payload | pad | ICRC
 * so the payload length comes from the declared length, never from the
 * captured length: payload = total - 12 - ext - PadCnt - 4.
 */
#include "dissect.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const opnames[256] = {
	[0x00] = "RC_SEND_FIRST",
	[0x01] = "RC_SEND_MIDDLE",
	[0x02] = "RC_SEND_LAST",
	[0x03] = "RC_SEND_LAST_WITH_IMMEDIATE",
	[0x04] = "RC_SEND_ONLY",
	[0x05] = "RC_SEND_ONLY_WITH_IMMEDIATE",
	[0x06] = "RC_RDMA_WRITE_FIRST",
	[0x07] = "RC_RDMA_WRITE_MIDDLE",
	[0x08] = "RC_RDMA_WRITE_LAST",
	[0x09] = "RC_RDMA_WRITE_LAST_WITH_IMMEDIATE",
	[0x0a] = "RC_RDMA_WRITE_ONLY",
	[0x0b] = "RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE",
	[0x0c] = "RC_RDMA_READ_REQUEST",
	[0x0d] = "RC_RDMA_READ_RESPONSE_FIRST",
	[0x0e] = "RC_RDMA_READ_RESPONSE_MIDDLE",
	[0x0f] = "RC_RDMA_READ_RESPONSE_LAST",
	[0x10] = "RC_RDMA_READ_RESPONSE_ONLY",
	[0x11] = "RC_ACKNOWLEDGE",
	[0x12] = "RC_ATOMIC_ACKNOWLEDGE",
	[0x13] = "RC_COMPARE_SWAP",
	[0x14] = "RC_FETCH_ADD",
	[0x16] = "RC_SEND_LAST_WITH_INVALIDATE",
	[0x17] = "RC_SEND_ONLY_WITH_INVALIDATE",
	[0x1c] = "RC_FLUSH",
	[0x1d] = "RC_ATOMIC_WRITE",
	[0x20] = "UC_SEND_FIRST",
	[0x21] = "UC_SEND_MIDDLE",
	[0x22] = "UC_SEND_LAST",
	[0x23] = "UC_SEND_LAST_WITH_IMMEDIATE",
	[0x24] = "UC_SEND_ONLY",
	[0x25] = "UC_SEND_ONLY_WITH_IMMEDIATE",
	[0x26] = "UC_RDMA_WRITE_FIRST",
	[0x27] = "UC_RDMA_WRITE_MIDDLE",
	[0x28] = "UC_RDMA_WRITE_LAST",
	[0x29] = "UC_RDMA_WRITE_LAST_WITH_IMMEDIATE",
	[0x2a] = "UC_RDMA_WRITE_ONLY",
	[0x2b] = "UC_RDMA_WRITE_ONLY_WITH_IMMEDIATE",
	[0x40] = "RD_SEND_FIRST",
	[0x41] = "RD_SEND_MIDDLE",
	[0x42] = "RD_SEND_LAST",
	[0x43] = "RD_SEND_LAST_WITH_IMMEDIATE",
	[0x44] = "RD_SEND_ONLY",
	[0x45] = "RD_SEND_ONLY_WITH_IMMEDIATE",
	[0x46] = "RD_RDMA_WRITE_FIRST",
	[0x47] = "RD_RDMA_WRITE_MIDDLE",
	[0x48] = "RD_RDMA_WRITE_LAST",
	[0x49] = "RD_RDMA_WRITE_LAST_WITH_IMMEDIATE",
	[0x4a] = "RD_RDMA_WRITE_ONLY",
	[0x4b] = "RD_RDMA_WRITE_ONLY_WITH_IMMEDIATE",
	[0x4c] = "RD_RDMA_READ_REQUEST",
	[0x4d] = "RD_RDMA_READ_RESPONSE_FIRST",
	[0x4e] = "RD_RDMA_READ_RESPONSE_MIDDLE",
	[0x4f] = "RD_RDMA_READ_RESPONSE_LAST",
	[0x50] = "RD_RDMA_READ_RESPONSE_ONLY",
	[0x51] = "RD_ACKNOWLEDGE",
	[0x52] = "RD_ATOMIC_ACKNOWLEDGE",
	[0x53] = "RD_COMPARE_SWAP",
	[0x54] = "RD_FETCH_ADD",
	[0x55] = "RD_RESYNC",
	[0x5c] = "RD_FLUSH",
	[0x64] = "UD_SEND_ONLY",
	[0x65] = "UD_SEND_ONLY_WITH_IMMEDIATE",
	[0xa0] = "XRC_SEND_FIRST",
	[0xa1] = "XRC_SEND_MIDDLE",
	[0xa2] = "XRC_SEND_LAST",
	[0xa3] = "XRC_SEND_LAST_WITH_IMMEDIATE",
	[0xa4] = "XRC_SEND_ONLY",
	[0xa5] = "XRC_SEND_ONLY_WITH_IMMEDIATE",
	[0xa6] = "XRC_RDMA_WRITE_FIRST",
	[0xa7] = "XRC_RDMA_WRITE_MIDDLE",
	[0xa8] = "XRC_RDMA_WRITE_LAST",
	[0xa9] = "XRC_RDMA_WRITE_LAST_WITH_IMMEDIATE",
	[0xaa] = "XRC_RDMA_WRITE_ONLY",
	[0xab] = "XRC_RDMA_WRITE_ONLY_WITH_IMMEDIATE",
	[0xac] = "XRC_RDMA_READ_REQUEST",
	[0xad] = "XRC_RDMA_READ_RESPONSE_FIRST",
	[0xae] = "XRC_RDMA_READ_RESPONSE_MIDDLE",
	[0xaf] = "XRC_RDMA_READ_RESPONSE_LAST",
	[0xb0] = "XRC_RDMA_READ_RESPONSE_ONLY",
	[0xb1] = "XRC_ACKNOWLEDGE",
	[0xb2] = "XRC_ATOMIC_ACKNOWLEDGE",
	[0xb3] = "XRC_COMPARE_SWAP",
	[0xb4] = "XRC_FETCH_ADD",
	[0xb6] = "XRC_SEND_LAST_WITH_INVALIDATE",
	[0xb7] = "XRC_SEND_ONLY_WITH_INVALIDATE",
	[0x81] = "CNP",
};

const char *bth_opname(uint8_t opcode)
{
	_Static_assert(ARRAY_SIZE(opnames) == 256, "one entry per opcode value");
	return opnames[opcode];
}

bool bth_layout(uint8_t op, uint16_t *ext)
{
	unsigned t = op & 0xe0u, o = op & 0x1fu;
	uint16_t m = 0;

	*ext = 0;
	if (!opnames[op])
		return false;
	if (op == 0x81) {
		*ext = DP_X_CNP;
		return true;
	}
	if (t == 0x60) { /* UD: SEND ONLY [with immediate] */
		*ext = (uint16_t)(DP_X_DETH | (o == 0x05 ? DP_X_IMMDT : 0));
		return true;
	}
	bool response = o >= 0x0d && o <= 0x12;
	if (t == 0x40) {
		m |= DP_X_RDETH;
		if (!response)
			m |= DP_X_DETH;
	}
	if (t == 0xa0 && !response)
		m |= DP_X_XRCETH;
	switch (o) {
	case 0x03: /* SEND LAST with immediate */
	case 0x05: /* SEND ONLY with immediate */
	case 0x09: /* RDMA WRITE LAST with immediate */
		m |= DP_X_IMMDT;
		break;
	case 0x06: /* RDMA WRITE FIRST */
	case 0x0a: /* RDMA WRITE ONLY */
	case 0x0c: /* RDMA READ REQUEST */
	case 0x1d: /* ATOMIC WRITE: RETH and 8 bytes of payload */
		m |= DP_X_RETH;
		break;
	case 0x0b: /* RDMA WRITE ONLY with immediate */
		m |= DP_X_RETH | DP_X_IMMDT;
		break;
	case 0x0d: /* READ RESPONSE FIRST */
	case 0x0f: /* READ RESPONSE LAST */
	case 0x10: /* READ RESPONSE ONLY */
	case 0x11: /* ACKNOWLEDGE */
		m |= DP_X_AETH;
		break;
	case 0x12: /* ATOMIC ACKNOWLEDGE */
		m |= DP_X_AETH | DP_X_ATOMICACK;
		break;
	case 0x13: /* COMPARE SWAP */
	case 0x14: /* FETCH ADD */
		m |= DP_X_ATOMIC;
		break;
	case 0x16: /* SEND LAST with invalidate */
	case 0x17: /* SEND ONLY with invalidate */
		m |= DP_X_IETH;
		break;
	case 0x1c: /* FLUSH */
		m |= DP_X_FETH | DP_X_RETH;
		break;
	default:
		break;
	}
	*ext = m;
	return true;
}

static const uint8_t ext_len[DP_X_NBITS] = {
	[0] = 4,  /* RDETH */
	[1] = 8,  /* DETH */
	[2] = 4,  /* XRCETH */
	[3] = 4,  /* FETH */
	[4] = 16, /* RETH */
	[5] = 28, /* AtomicETH */
	[6] = 4,  /* AETH */
	[7] = 8,  /* AtomicAckETH */
	[8] = 4,  /* ImmDt */
	[9] = 4,  /* IETH */
	[10] = 16, /* CNP reserved bytes */
};

/* Per opcode, computed once from bth_layout(): the headers, their bytes, known or not. */
static struct {
	uint16_t ext;
	uint8_t bytes;
	bool known;
} layout[256];

__attribute__((constructor)) static void layout_init(void)
{
	for (unsigned op = 0; op < 256; op++) {
		uint16_t ext;
		layout[op].known = bth_layout((uint8_t)op, &ext);
		layout[op].ext = ext;
		unsigned n = 0;
		for (unsigned b = 0; b < DP_X_NBITS; b++)
			if (ext >> b & 1)
				n += ext_len[b];
		layout[op].bytes = (uint8_t)n;
	}
}

/* Fill the fields of one extended header from its checked bytes. */
static void parse_ext(struct dpkt *d, unsigned bit, const uint8_t *e, struct dp_ctx *x)
{
	switch (bit) {
	case 0:
		d->rdeth = rd_be24(e + 1);
		break;
	case 1:
		d->deth.qkey = rd_be32(e);
		d->deth.srcqp = rd_be24(e + 5);
		break;
	case 2:
		d->xrc_srq = rd_be24(e + 1);
		break;
	case 3:
		d->feth = rd_be32(e);
		break;
	case 4:
		d->reth.va = rd_be64(e);
		d->reth.rkey = rd_be32(e + 8);
		d->reth.dmalen = rd_be32(e + 12);
		break;
	case 5:
		d->atomic.va = rd_be64(e);
		d->atomic.rkey = rd_be32(e + 8);
		d->atomic.swap = rd_be64(e + 12);
		d->atomic.cmp = rd_be64(e + 20);
		break;
	case 6:
		d->aeth.syndrome = e[0];
		d->aeth.msn = rd_be24(e + 1);
		break;
	case 7:
		d->atomicack = rd_be64(e);
		break;
	case 8:
		d->immdt = rd_be32(e);
		break;
	case 9:
		d->ieth = rd_be32(e);
		break;
	default: /* 10: the CNP's reserved bytes, zero by the spec */
		for (unsigned i = 0; i < 16; i++)
			if (e[i]) {
				dp_event(x, DP_E_CNP_RESERVED);
				break;
			}
		break;
	}
	d->ext |= (uint16_t)(1u << bit);
}

static void icrc_check(struct dp_ctx *x, uint32_t off, uint32_t total)
{
	struct dpkt *d = x->d;
	uint32_t end = off + total;

	x->c.off = end - 4;
	const uint8_t *p = cur_peek(&x->c, 4);
	if (!p) {
		d->icrc_status = DP_ICRC_NOT_CAPTURED;
		return;
	}
	d->icrc = rd_be32(p);
	if (!x->o->check_icrc) {
		d->icrc_status = DP_ICRC_NONE;
		return;
	}
	bool ok = false;
	uint32_t crc = icrc_compute(x->c.buf, d, &ok);
	/* The CRC is sent least significant byte first; icrc holds the wire order. */
	uint32_t wire = rd_le32(p);
	if (!ok) {
		d->icrc_status = DP_ICRC_NONE;
	} else if (crc == wire) {
		d->icrc_status = DP_ICRC_VALID;
	} else {
		d->icrc_status = DP_ICRC_INVALID;
		dp_event(x, DP_E_ICRC_BAD);
	}
}

void bth_dissect(struct dp_ctx *x)
{
	struct dpkt *d = x->d;
	uint32_t off = x->c.off;
	uint32_t total = cur_left(&x->c);
	const uint8_t *h = cur_take(&x->c, 12);

	if (!h) {
		dp_fail_cur(x, DP_C_BTH_TRUNC, DP_C_ROCE_SHORT);
		return;
	}
	struct dp_bth *b = &d->bth;
	d->has_bth = true;
	d->bth_off = off;
	b->opcode = h[0];
	b->se = (h[1] & 0x80) != 0;
	b->m = (h[1] & 0x40) != 0;
	b->pad = (h[1] >> 4) & 3;
	b->tver = h[1] & 0x0f;
	b->pkey = rd_be16(h + 2);
	b->fecn = (h[4] & 0x80) != 0;
	b->becn = (h[4] & 0x40) != 0;
	b->resv6 = h[4] & 0x3f;
	b->dqpn = rd_be24(h + 5);
	b->ackreq = (h[8] & 0x80) != 0;
	b->resv7 = h[8] & 0x7f;
	b->psn = rd_be24(h + 9);

	if (total < 12 + 4) {
		dp_fail(x, DP_C_ROCE_SHORT);
		return;
	}
	if (b->tver != 0) {
		dp_fail(x, DP_C_BTH_TVER);
		return;
	}
	if (!layout[b->opcode].known) {
		dp_fail(x, DP_C_BTH_OPCODE);
		return;
	}
	uint16_t ext = layout[b->opcode].ext;
	uint32_t rem = total - 12;
	uint32_t eb = layout[b->opcode].bytes;
	if (eb + 4 > rem) {
		dp_fail(x, b->opcode == 0x81 ? DP_C_CNP_LEN : DP_C_ROCE_EXT_OVERRUN);
		return;
	}

	/* Lengths come from the declared sizes, so they are known even when the
	 * capture cuts the extended headers short. */
	rem -= eb;
	if (b->opcode == 0x81 && rem != 4) { /* a CNP is exactly BTH + 16 reserved bytes + ICRC */
		dp_fail(x, DP_C_CNP_LEN);
		return;
	}
	if ((uint32_t)b->pad + 4 > rem) {
		dp_fail(x, DP_C_BTH_PAD);
		return;
	}
	d->payload_off = x->c.off + eb;
	d->payload_len = rem - 4 - b->pad;
	d->has_payload = true;

	/* One bounds check for all the extended headers; the bits are in wire order. */
	const uint8_t *e = cur_peek(&x->c, eb);
	if (e) {
		x->c.off += eb;
		for (uint16_t m = ext; m; m &= (uint16_t)(m - 1)) {
			unsigned bit = (unsigned)__builtin_ctz(m);
			parse_ext(d, bit, e, x);
			e += ext_len[bit];
		}
	} else {
		/* Cut by the capture: read header by header, to keep the ones that are there. */
		for (uint16_t m = ext; m; m &= (uint16_t)(m - 1)) {
			unsigned bit = (unsigned)__builtin_ctz(m);
			const uint8_t *h1 = cur_take(&x->c, ext_len[bit]);
			if (!h1) {
				dp_fail_cur(x, DP_C_ROCE_EXT_TRUNC, DP_C_ROCE_EXT_OVERRUN);
				return;
			}
			parse_ext(d, bit, h1, x);
		}
	}
	icrc_check(x, off, total);
}
