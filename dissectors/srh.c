/*
 * srh.c - the Segment Routing Header (RFC 8754 §2), Routing Type 4.
 *
 *  0               1               2               3
 *  Next Header   | Hdr Ext Len   | Routing Type  | Segments Left
 *  Last Entry    | Flags         | Tag (16)
 *  Segment List[0] .. [Last Entry], 128 bits each ([0] is the final segment)
 *  TLVs (RFC 8754 §2.1): Pad1 (0, one byte), PadN (4), HMAC (5), others
 *
 * Malformed, each with its own cause, checked against the declared lengths
 * before any segment is read:
 *   - the SRH itself overruns the IPv6 payload      (ipv6_ext_overrun)
 *   - Segment List[Last Entry] ends past the header (srh_segments_overrun)
 *   - Segments Left > Last Entry + 1                (srh_sl_exceeds_last_entry;
 *     RFC 8754 §4.3.1.1 drops it; SL == Last Entry + 1 is a reduced SRH)
 *   - a TLV runs past the header                    (srh_tlv_overrun)
 * A capture that ends inside the SRH is truncated (srh_truncated); the
 * fields read so far stay filled in.
 */
#include "dissect.h"

enum { TLV_PAD1 = 0, TLV_PADN = 4, TLV_HMAC = 5 };

/*
 * Called with the cursor at the SRH and h = its first 8 (peeked) bytes.
 * The caller marks the layer as having an SRH whatever this returns, so
 * the fields read are shown; readers of the segment list check `complete`
 * (the whole list) or `nseg_cap` (the segments safe to read).
 */
bool srh_dissect(struct dp_ctx *x, struct dp_srh *s, const uint8_t *h)
{
	uint32_t off = x->c.off;
	uint32_t len = ((uint32_t)h[1] + 1) * 8;

	s->off = off;
	s->nh = h[0];
	s->hdrlen = h[1];
	s->sl = h[3];
	s->last = h[4];
	s->flags = h[5];
	s->tag = rd_be16(h + 6);
	s->nseg = (uint16_t)(s->last + 1);
	s->nseg_cap = 0;
	s->complete = false;
	s->ntlv = 0;
	s->tlv_more = 0;
	s->has_hmac = false;

	if (len > cur_left(&x->c)) {
		dp_fail(x, DP_C_EXT_LEN);
		return false;
	}
	uint32_t seg_bytes = (uint32_t)s->nseg * 16;
	/* Segments that are both inside the header and captured may be shown. */
	uint32_t fit = (len - 8) / 16, cap = cur_caplen(&x->c) > 8 ? (cur_caplen(&x->c) - 8) / 16 : 0;
	s->nseg_cap = (uint16_t)(s->nseg < fit ? s->nseg : fit);
	if (s->nseg_cap > cap)
		s->nseg_cap = (uint16_t)cap;
	if (seg_bytes > len - 8) {
		dp_fail(x, DP_C_SRH_SEGS);
		return false;
	}
	if (s->sl > (unsigned)s->last + 1) {
		dp_fail(x, DP_C_SRH_SL);
		return false;
	}
	if (s->sl == (unsigned)s->last + 1)
		dp_event(x, DP_E_SRH_REDUCED);

	/* The segment list must be captured whole: the program is read from it. */
	x->c.off = off + 8;
	if (!cur_take(&x->c, seg_bytes)) {
		dp_fail(x, DP_C_SRH_TRUNC);
		return false;
	}
	s->complete = true;

	/* TLVs fill the rest of the header. Each step consumes >= 1 byte. */
	uint32_t tend = off + len;
	while (x->c.off < tend) {
		uint32_t toff = x->c.off;
		const uint8_t *t = cur_take(&x->c, 1);
		if (!t) {
			dp_fail(x, DP_C_SRH_TRUNC);
			return false;
		}
		uint8_t type = t[0], vlen = 0;
		if (type != TLV_PAD1) {
			if (tend - x->c.off < 1) {
				dp_fail(x, DP_C_SRH_TLV);
				return false;
			}
			const uint8_t *l = cur_take(&x->c, 1);
			if (!l) {
				dp_fail(x, DP_C_SRH_TRUNC);
				return false;
			}
			vlen = l[0];
			if (vlen > tend - x->c.off) {
				dp_fail(x, DP_C_SRH_TLV);
				return false;
			}
			const uint8_t *v = cur_take(&x->c, vlen);
			if (!v) {
				dp_fail(x, DP_C_SRH_TRUNC);
				return false;
			}
			if (type == TLV_HMAC && vlen >= 6 && !s->has_hmac) {
				s->has_hmac = true;
				s->hmac_d = (v[0] & 0x80) != 0;
				s->hmac_keyid = rd_be32(v + 2);
				s->hmac_len = (uint8_t)(vlen - 6);
				s->hmac_off = x->c.off - vlen + 6;
				dp_event(x, DP_E_SRH_HMAC);
			} else if (type != TLV_PADN) {
				dp_event(x, DP_E_SRH_TLV_UNKNOWN);
			}
		}
		if (s->ntlv < DP_MAX_TLV) {
			s->tlv[s->ntlv].type = type;
			s->tlv[s->ntlv].len = vlen;
			s->tlv[s->ntlv].off = toff;
			s->ntlv++;
		} else {
			if (s->tlv_more < UINT8_MAX)
				s->tlv_more++;
			dp_event(x, DP_E_SRH_TLV_MANY);
		}
	}
	return true;
}
