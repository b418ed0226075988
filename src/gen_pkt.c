/*
 * gen_pkt.c - build the bytes of one sighting: a RoCEv2 packet on a spine
 * link, steered by an SRv6 uSID program.
 *
 *   Ethernet [802.1ad/802.1Q tags] | outer IPv6 [SRH] | [inner IPv6/IPv4]
 *   | UDP 4791 | BTH | extended headers | payload | pad | ICRC
 *
 * Program styles (RFC 8986 §5, RFC 9800 §4):
 *   red     H.Encaps.Red, one carrier in the outer DA, no SRH:
 *           fcbb:bbbb:<leafS>:<spine>:<leafD>:<hostD>:fe09::
 *   encap   H.Encaps with an SRH [B, A], SL 1: A = fcbb:bbbb:<leafS>:<spine>::,
 *           B = fcbb:bbbb:<leafD>:<hostD>:fe09::
 *   inline  no encapsulation; DA fcbb:bbbb:<spine>::, SRH [host address, carrier]
 * Every uSID node shifts the DA left by 16 bits and decrements the hop
 * limit (RFC 9800 S05-S07); a node whose carrier is exhausted processes the
 * SRH (RFC 8754 §4.3.1.1: SL-1, DA = Segment List[SL]). The host sends with
 * hop limit 64 and leafS always forwards once, so a spine sees 63 entering
 * and 62 leaving.
 *
 * ICRC (IBTA Annex A17.3.3, roce-notes.md §1.2): CRC-32 over 8 bytes of
 * ones, the IP header that precedes UDP with its variant fields set to ones,
 * UDP with checksum ones, the BTH with byte 4 set to ones, and the rest;
 * stored least significant byte first. For the inline SRH the sender's IPv6
 * header is the one before insertion: payload length = UDP length, next
 * header UDP, destination = Segment List[0] (spinetap's convention, see
 * dissectors/icrc.c). The ICRC covers only what transit never changes, so
 * it is computed once per emitted packet and reused for all its sightings.
 */
#include "gen.h"

#include <string.h>

#include "dissect.h" /* crc32_ieee() */

static uint8_t payload_pattern[4096];
static bool pattern_ready;

/* IBTA Vol 1 Table 38 header sequences; see roce-notes.md §2.2-2.3. */
unsigned gen_ext_len(uint8_t op)
{
	switch (op) {
	case GEN_OP_SEND_LAST_IMM:
	case GEN_OP_SEND_ONLY_IMM:
	case GEN_OP_WRITE_LAST_IMM:
	case GEN_OP_SEND_LAST_INV:
	case GEN_OP_SEND_ONLY_INV:
		return 4; /* ImmDt or IETH */
	case GEN_OP_WRITE_FIRST:
	case GEN_OP_WRITE_ONLY:
	case GEN_OP_READ_REQ:
		return 16; /* RETH */
	case GEN_OP_WRITE_ONLY_IMM:
		return 20; /* RETH, ImmDt */
	case GEN_OP_READ_RESP_FIRST:
	case GEN_OP_READ_RESP_LAST:
	case GEN_OP_READ_RESP_ONLY:
	case GEN_OP_ACK:
		return 4; /* AETH */
	case GEN_OP_ATOMIC_ACK:
		return 12; /* AETH, AtomicAckETH */
	case GEN_OP_CMP_SWAP:
	case GEN_OP_FETCH_ADD:
		return 28; /* AtomicETH */
	case GEN_OP_UD_SEND_ONLY:
		return 8; /* DETH */
	case GEN_OP_UD_SEND_ONLY_IMM:
		return 12; /* DETH, ImmDt */
	case GEN_OP_CNP:
		return 16; /* reserved, zero (Annex A17.9.3) */
	default:
		return 0;
	}
}

/* Values of the memory-related fields: deterministic functions of the QP
 * and the PSN, so a resend carries exactly the bytes of the original. */
static uint64_t qp_va(uint32_t qp, uint32_t psn)
{
	return 0x00007f0000000000ull + ((uint64_t)(qp & 0xffffff) << 16) +
	       ((uint64_t)(psn & 0xfff) << 4);
}

static uint32_t qp_rkey(uint32_t qp)
{
	return 0x00010000u + qp;
}

void gen_view(const struct gen *g, const struct gen_pkt *p, struct gen_view *v)
{
	bool resp = p->flags & GEN_PF_RESP;
	unsigned sh = resp ? g->qp[p->qp].dst : g->qp[p->qp].src;
	unsigned dh = resp ? g->qp[p->qp].src : g->qp[p->qp].dst;
	unsigned ps = p->pspine; /* the spine the program names */
	unsigned ls = gen_host_leaf(g, sh), ld = gen_host_leaf(g, dh);
	unsigned out = p->pos ? 1 : 0;
	/* bad-shift: the spine shifted twice (one uSID too many), or kept the hop limit */
	unsigned shift2 = out && (p->xf & GEN_XF_SHIFT2) ? 1 : 0;
	bool unknown = p->xf & GEN_XF_UNKNOWN;

	v->src_host = sh;
	v->dst_host = dh;
	v->spine = p->spine;
	v->hlim = (uint8_t)(GEN_HLIM_HOST - 1 - (out && !(p->xf & GEN_XF_HLIM) ? 1 : 0));
	memcpy(v->outer_src, g->f.addr6[sh], 16);
	v->has_srh = false;
	v->plain = false;
	v->sl = 0;
	if (p->xf & GEN_XF_PLAIN) {
		/* unsteered: the host's own header, routed by plain IP */
		v->plain = true;
		memcpy(v->outer_dst, g->f.addr6[dh], 16);
		return;
	}
	switch (g->o.style) {
	case GEN_STYLE_RED: {
		/* unknown-usid: the stray uSID after leafD, so leaving the spine is still right */
		uint16_t ids[6] = {gen_leaf_usid(ls), gen_spine_usid(ps), gen_leaf_usid(ld)};
		unsigned n = 3;
		if (unknown)
			ids[n++] = GEN_USID_UNKNOWN;
		ids[n++] = g->f.usid[dh];
		ids[n++] = GEN_USID_UDT6;
		/* leafS consumed one uSID; the spine, leaving, one more */
		unsigned skip = 1 + out + shift2;
		gen_carrier(v->outer_dst, ids + skip, n - skip);
		break;
	}
	case GEN_STYLE_ENCAP: {
		uint16_t a[2] = {gen_leaf_usid(ls), gen_spine_usid(ps)};
		uint16_t b[4] = {gen_leaf_usid(ld)};
		unsigned nb = 1;
		if (unknown)
			b[nb++] = GEN_USID_UNKNOWN;
		b[nb++] = g->f.usid[dh];
		b[nb++] = GEN_USID_UDT6;
		v->has_srh = true;
		gen_carrier(v->seg[0], b, nb);
		gen_carrier(v->seg[1], a, 2);
		v->sl = (uint8_t)(1 - out);
		if (out)
			gen_carrier(v->outer_dst, b + shift2, nb - shift2);
		else
			gen_carrier(v->outer_dst, a + 1, 1);
		break;
	}
	default: { /* inline */
		uint16_t c[2] = {gen_spine_usid(ps), GEN_USID_UNKNOWN};
		unsigned nc = unknown ? 2 : 1;
		v->has_srh = true;
		memcpy(v->seg[0], g->f.addr6[dh], 16);
		gen_carrier(v->seg[1], c, nc);
		if (out && nc > 1) {
			/* the carrier is not exhausted: shifted, and Segments Left stays */
			v->sl = 1;
			gen_carrier(v->outer_dst, c + 1, nc - 1);
		} else {
			v->sl = (uint8_t)(1 - out);
			memcpy(v->outer_dst, v->seg[out ? 0 : 1], 16);
		}
		break;
	}
	}
}

static uint16_t ipv4_csum(const uint8_t *h)
{
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void ipv6_hdr(uint8_t *h, uint8_t tc, uint32_t flow, uint32_t plen, uint8_t nh,
		     uint8_t hlim, const uint8_t *src, const uint8_t *dst)
{
	put_be32(h, 6u << 28 | (uint32_t)tc << 20 | (flow & 0xfffff));
	put_be16(h + 4, plen);
	h[6] = nh;
	h[7] = hlim;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

static void ipv4_hdr(uint8_t *h, uint8_t tos, uint32_t udp_len, uint8_t ttl, const uint8_t *src,
		     const uint8_t *dst)
{
	h[0] = 0x45;
	h[1] = tos;
	put_be16(h + 2, 20 + udp_len);
	put_be16(h + 4, 0);      /* identification */
	put_be16(h + 6, 0x4000); /* DF */
	h[8] = ttl;
	h[9] = 17;
	h[10] = h[11] = 0;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	put_be16(h + 10, ipv4_csum(h));
}

/* The ICRC of a fully built packet; `ip` is the header UDP follows. */
static uint32_t icrc_of(const uint8_t *buf, uint32_t ip_off, int ipkind,
			const uint8_t *final_dst, uint32_t udp_off, uint32_t icrc_off)
{
	uint8_t ph[8 + 40 + 8 + 12];
	uint32_t n = 8;
	memset(ph, 0xff, 8);
	if (ipkind == 4) {
		memcpy(ph + n, buf + ip_off, 20);
		ph[n + 1] = 0xff;             /* TOS */
		ph[n + 8] = 0xff;             /* TTL */
		ph[n + 10] = ph[n + 11] = 0xff; /* header checksum */
		n += 20;
	} else {
		memcpy(ph + n, buf + ip_off, 40);
		if (ipkind == 0) {
			/* in-line SRH: the header as the sender built it, before insertion */
			uint32_t ulen = icrc_off + 4 - udp_off;
			put_be16(ph + n + 4, ulen);
			ph[n + 6] = 17;
			memcpy(ph + n + 24, final_dst, 16);
		}
		ph[n] |= 0x0f; /* traffic class, flow label */
		ph[n + 1] = ph[n + 2] = ph[n + 3] = 0xff;
		ph[n + 7] = 0xff; /* hop limit */
		n += 40;
	}
	memcpy(ph + n, buf + udp_off, 8);
	ph[n + 6] = ph[n + 7] = 0xff; /* UDP checksum */
	n += 8;
	memcpy(ph + n, buf + udp_off + 8, 12);
	ph[n + 4] = 0xff; /* FECN, BECN, reserved */
	n += 12;
	uint32_t crc = crc32_ieee(0, ph, n);
	return crc32_ieee(crc, buf + udp_off + 20, icrc_off - (udp_off + 20));
}

uint32_t gen_frame(struct gen *g, const struct gen_pkt *p, uint8_t *buf, uint32_t *caplen)
{
	if (!pattern_ready) {
		for (unsigned i = 0; i < sizeof(payload_pattern); i++)
			payload_pattern[i] = (uint8_t)i;
		pattern_ready = true;
	}
	const struct gen_qp *q = &g->qp[p->qp];
	const int style = g->o.style;
	const bool resp = p->flags & GEN_PF_RESP;
	const bool cnp = p->opcode == GEN_OP_CNP;
	struct gen_view v;
	gen_view(g, p, &v);

	const unsigned ext = gen_ext_len(p->opcode);
	const uint32_t plen = p->plen;
	const uint32_t pad = (4 - (plen & 3)) & 3;
	const uint32_t udp_len = 8 + 12 + ext + plen + pad + 4;
	const bool v4 = g->f.ipv4 && style != GEN_STYLE_INLINE;
	const bool plain = v.plain;
	const uint32_t inner_len = style == GEN_STYLE_INLINE || plain ? 0 : (v4 ? 20 : 40);
	const uint32_t srh_len = v.has_srh ? 40 : 0;
	const uint8_t tc = cnp ? GEN_TC_CNP : GEN_TC_DATA;
	const uint8_t otc = (p->flags & GEN_PF_CE) ? (uint8_t)(tc | GEN_ECN_CE) : tc;
	const uint32_t flow = g->flow_zero ? 0 : gen_flow_label(q->rqpn, q->dqpn);
	uint32_t off = 0;

	/* Ethernet: the link leafS -> spine entering, spine -> leafD leaving */
	unsigned ls = gen_host_leaf(g, v.src_host), ld = gen_host_leaf(g, v.dst_host);
	if (p->pos) {
		gen_node_mac(buf, 1, ld + 1);
		gen_node_mac(buf + 6, 2, v.spine + 1);
	} else {
		gen_node_mac(buf, 2, v.spine + 1);
		gen_node_mac(buf + 6, 1, ls + 1);
	}
	off = 12;
	const unsigned pcp = cnp ? GEN_PCP_CNP : GEN_PCP_DATA;
	for (unsigned t = 0; t < g->o.nvlan; t++) {
		/* 802.1ad: with two or more tags the outermost is an S-tag */
		put_be16(buf + off, (t == 0 && g->o.nvlan >= 2) ? 0x88a8 : 0x8100);
		put_be16(buf + off + 2, pcp << 13 | g->o.vlan[t]);
		off += 4;
	}
	put_be16(buf + off, plain && v4 ? 0x0800 : 0x86dd);
	off += 2;

	uint32_t ip_off = off;
	int ipkind = 0; /* 0 the outer IPv6 with in-line SRH, 6 IPv6 before UDP, 4 IPv4 */
	if (plain) {
		/* unsteered: the host's header as leafS forwarded it (hop limit / TTL one down) */
		if (v4) {
			ipv4_hdr(buf + off, otc, udp_len, v.hlim, g->f.addr4[v.src_host],
				 g->f.addr4[v.dst_host]);
			ipkind = 4;
			off += 20;
		} else {
			ipv6_hdr(buf + off, otc, flow, udp_len, 17, v.hlim, v.outer_src, v.outer_dst);
			ipkind = 6;
			off += 40;
		}
	} else {
		/* outer IPv6: traffic class copied from the inner header at encap
		 * (RFC 6040), flow label copied from an inner IPv6 header (Linux
		 * seg6_flowlabel 0), CE marks only here */
		const uint32_t outer_off = off;
		uint8_t nh;
		if (style == GEN_STYLE_RED)
			nh = v4 ? 4 : 41;
		else
			nh = 43;
		ipv6_hdr(buf + off, otc, v4 ? 0 : flow, srh_len + inner_len + udp_len, nh, v.hlim,
			 v.outer_src, v.outer_dst);
		off += 40;

		if (v.has_srh) {
			uint8_t *s = buf + off;
			s[0] = style == GEN_STYLE_INLINE ? 17 : (v4 ? 4 : 41);
			s[1] = 4; /* (2 segments * 16) / 8 */
			s[2] = 4; /* Routing Type: SRH */
			s[3] = v.sl;
			s[4] = 1; /* Last Entry */
			s[5] = 0; /* Flags */
			s[6] = s[7] = 0; /* Tag */
			memcpy(s + 8, v.seg[0], 16);
			memcpy(s + 24, v.seg[1], 16);
			off += 40;
		}

		ip_off = outer_off;
		if (style != GEN_STYLE_INLINE) {
			ip_off = off;
			if (v4) {
				ipv4_hdr(buf + off, tc, udp_len, GEN_HLIM_HOST, g->f.addr4[v.src_host],
					 g->f.addr4[v.dst_host]);
				ipkind = 4;
				off += 20;
			} else {
				ipv6_hdr(buf + off, tc, flow, udp_len, 17, GEN_HLIM_HOST,
					 g->f.addr6[v.src_host], g->f.addr6[v.dst_host]);
				ipkind = 6;
				off += 40;
			}
		}
	}

	/* UDP: checksum 0, RoCEv2 relies on the ICRC (Annex A17.4) */
	const uint32_t udp_off = off;
	put_be16(buf + off, q->sport);
	put_be16(buf + off + 2, GEN_ROCE_PORT);
	put_be16(buf + off + 4, udp_len);
	put_be16(buf + off + 6, 0);
	off += 8;

	/* BTH (IBTA Vol 1 §9.2) */
	uint8_t *b = buf + off;
	b[0] = p->opcode;
	b[1] = (uint8_t)((p->flags & GEN_PF_SE ? 0x80 : 0) | pad << 4); /* M 0, TVer 0 */
	put_be16(b + 2, 0xffff);
	b[4] = (p->flags & GEN_PF_BECN) ? 0x40 : 0;
	put_be24(b + 5, resp ? q->rqpn : q->dqpn);
	b[8] = (p->flags & GEN_PF_ACKREQ) ? 0x80 : 0;
	put_be24(b + 9, p->psn & GEN_PSN_MASK);
	off += 12;

	uint8_t *x = buf + off;
	const uint32_t msg_psn = p->psn & GEN_PSN_MASK;
	switch (p->opcode) {
	case GEN_OP_WRITE_FIRST:
	case GEN_OP_WRITE_ONLY:
	case GEN_OP_READ_REQ:
	case GEN_OP_WRITE_ONLY_IMM:
		put_be64(x, qp_va(p->qp, msg_psn));
		put_be32(x + 8, qp_rkey(p->qp));
		put_be32(x + 12, p->aux); /* DMA length: the whole message */
		if (p->opcode == GEN_OP_WRITE_ONLY_IMM)
			put_be32(x + 16, 0x1d000000u | msg_psn);
		break;
	case GEN_OP_SEND_LAST_IMM:
	case GEN_OP_SEND_ONLY_IMM:
	case GEN_OP_WRITE_LAST_IMM:
		put_be32(x, 0x1d000000u | msg_psn); /* ImmDt, opaque */
		break;
	case GEN_OP_SEND_LAST_INV:
	case GEN_OP_SEND_ONLY_INV:
		put_be32(x, qp_rkey(p->qp)); /* IETH: R_Key to invalidate */
		break;
	case GEN_OP_READ_RESP_FIRST:
	case GEN_OP_READ_RESP_LAST:
	case GEN_OP_READ_RESP_ONLY:
	case GEN_OP_ACK:
	case GEN_OP_ATOMIC_ACK:
		x[0] = p->syndrome;
		put_be24(x + 1, p->aux & GEN_PSN_MASK); /* MSN */
		if (p->opcode == GEN_OP_ATOMIC_ACK)
			put_be64(x + 4, 0x0000a70000000000ull | msg_psn); /* original data */
		break;
	case GEN_OP_CMP_SWAP:
	case GEN_OP_FETCH_ADD:
		put_be64(x, qp_va(p->qp, msg_psn) & ~7ull);
		put_be32(x + 8, qp_rkey(p->qp));
		put_be64(x + 12, 0x5a00000000000000ull | msg_psn); /* swap or add */
		put_be64(x + 20, p->opcode == GEN_OP_CMP_SWAP ? 0x0000a70000000000ull | msg_psn : 0);
		break;
	case GEN_OP_UD_SEND_ONLY:
	case GEN_OP_UD_SEND_ONLY_IMM:
		put_be32(x, GEN_QKEY);
		x[4] = 0;
		put_be24(x + 5, q->rqpn); /* SrcQP */
		if (p->opcode == GEN_OP_UD_SEND_ONLY_IMM)
			put_be32(x + 8, 0x1d000000u | msg_psn);
		break;
	case GEN_OP_CNP:
		memset(x, 0, 16);
		break;
	default:
		break;
	}
	off += ext;

	const uint32_t wire = off + plen + pad + 4;
	const uint32_t snap = g->o.snaplen;
	*caplen = wire < snap ? wire : snap;
	if (off < snap) {
		uint32_t room = snap - off;
		uint32_t n = plen < room ? plen : room;
		/* payload: the 0,1,2,... pattern, so hexdumps stay readable */
		for (uint32_t done = 0; done < n;) {
			uint32_t c = n - done < sizeof(payload_pattern) ? n - done
									: (uint32_t)sizeof(payload_pattern);
			memcpy(buf + off + done, payload_pattern, c);
			done += c;
		}
	}
	if (wire <= snap) {
		memset(buf + off + plen, 0, pad);
		const uint32_t icrc_off = off + plen + pad;
		uint32_t crc;
		struct gen_icrc_slot *slot = &g->icrc_cache[p->emit & 255];
		if (p->emit && slot->emit == p->emit) {
			crc = slot->icrc;
		} else {
			crc = icrc_of(buf, ip_off, ipkind, v.seg[0], udp_off, icrc_off);
			slot->emit = p->emit;
			slot->icrc = crc;
		}
		buf[icrc_off] = (uint8_t)crc; /* least significant byte first */
		buf[icrc_off + 1] = (uint8_t)(crc >> 8);
		buf[icrc_off + 2] = (uint8_t)(crc >> 16);
		buf[icrc_off + 3] = (uint8_t)(crc >> 24);
	}
	return wire;
}
