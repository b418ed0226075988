/*
 * icrc.c - the RoCE Invariant CRC (IBTA Annex A17.3.3 for RoCEv2, Annex
 * A16 for RoCEv1) and a table-driven CRC-32.
 *
 * The ICRC is the IEEE 802.3 CRC-32 (reflected, init and final ~0) over:
 *   8 bytes of 0xFF standing for the masked IB Local Route Header,
 *   the IP header (RoCEv2) or GRH (RoCEv1) with its variant fields set to
 *     ones: IPv4 TOS, TTL and header checksum; IPv6/GRH traffic class,
 *     flow label and hop limit,
 *   the UDP header with its checksum set to ones (RoCEv2),
 *   the BTH with byte 4 (FECN, BECN, reserved) set to ones,
 *   the rest of the packet up to the ICRC.
 * It is sent least significant byte first. Checked against a real
 * ConnectX-4 Lx CNP and Soft-RoCE captures in the tests. The CRC runs with
 * carry-less multiplication (PCLMULQDQ) on x86-64 CPUs that have it, 16
 * bytes at a time, and with slice-by-8 tables elsewhere and for the tail.
 *
 * spinetap's convention for an IPv6 header followed by extension headers
 * (an SRH inserted in line, as in the origin lab): a sender computes the
 * ICRC before the SRH is inserted, so the pseudo-header uses Payload Length
 * = UDP length, Next Header = UDP, and as destination the final segment
 * (Segment List[0]). Without extension headers this is the plain rule.
 */
#include "dissect.h"

static uint32_t crc_tab[8][256];
static bool use_clmul; /* set once, before main(), by crc_init() */

__attribute__((constructor)) static void crc_init(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	__builtin_cpu_init();
	use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = crc_tab[0][crc_tab[t - 1][i] & 0xff] ^ (crc_tab[t - 1][i] >> 8);
}

/* Slice-by-8 on the raw (not inverted) CRC state. */
static uint32_t crc_table(uint32_t c, const uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				   (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			      (uint32_t)p[7] << 24;
		c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		    crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^ crc_tab[3][hi & 0xff] ^
		    crc_tab[2][(hi >> 8) & 0xff] ^ crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_CLMUL 1

/*
 * Carry-less multiplication folding for the reflected IEEE CRC-32 (Intel,
 * "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", 2009; the
 * constants are those of the Linux kernel's crc32-pclmul). Takes the raw
 * state and a length >= 64 that is a multiple of 16. Checked against the
 * table version on random buffers in tests/unit/test_icrc.c.
 */
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc_clmul(uint32_t c, const uint8_t *p,
								 size_t n)
{
	const __m128i r2r1 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);
	const __m128i r4r3 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
	const __m128i r5 = _mm_set_epi64x(0, 0x163cd6124);
	const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
	const __m128i poly = _mm_set_epi64x(0x1f7011641, 0x1db710641);
	__m128i x1 = _mm_loadu_si128((const __m128i *)p);
	__m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
	__m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
	__m128i x4 = _mm_loadu_si128((const __m128i *)(p + 48));
	x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)c));
	p += 64;
	n -= 64;
	while (n >= 64) {
		__m128i t1 = _mm_clmulepi64_si128(x1, r2r1, 0x11);
		__m128i t2 = _mm_clmulepi64_si128(x2, r2r1, 0x11);
		__m128i t3 = _mm_clmulepi64_si128(x3, r2r1, 0x11);
		__m128i t4 = _mm_clmulepi64_si128(x4, r2r1, 0x11);
		x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, r2r1, 0x00), t1);
		x2 = _mm_xor_si128(_mm_clmulepi64_si128(x2, r2r1, 0x00), t2);
		x3 = _mm_xor_si128(_mm_clmulepi64_si128(x3, r2r1, 0x00), t3);
		x4 = _mm_xor_si128(_mm_clmulepi64_si128(x4, r2r1, 0x00), t4);
		x1 = _mm_xor_si128(x1, _mm_loadu_si128((const __m128i *)p));
		x2 = _mm_xor_si128(x2, _mm_loadu_si128((const __m128i *)(p + 16)));
		x3 = _mm_xor_si128(x3, _mm_loadu_si128((const __m128i *)(p + 32)));
		x4 = _mm_xor_si128(x4, _mm_loadu_si128((const __m128i *)(p + 48)));
		p += 64;
		n -= 64;
	}
	/* Fold the four lanes into one. */
	__m128i t;
	t = _mm_clmulepi64_si128(x1, r4r3, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, r4r3, 0x00), t), x2);
	t = _mm_clmulepi64_si128(x1, r4r3, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, r4r3, 0x00), t), x3);
	t = _mm_clmulepi64_si128(x1, r4r3, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, r4r3, 0x00), t), x4);
	while (n >= 16) {
		t = _mm_clmulepi64_si128(x1, r4r3, 0x11);
		x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, r4r3, 0x00), t);
		x1 = _mm_xor_si128(x1, _mm_loadu_si128((const __m128i *)p));
		p += 16;
		n -= 16;
	}
	/* 128 -> 64 bits (adding 32 zero bits), then 64 -> 32. */
	t = _mm_clmulepi64_si128(r4r3, x1, 0x01);
	x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
	x2 = _mm_srli_si128(x1, 4);
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), r5, 0x00);
	x1 = _mm_xor_si128(x1, x2);
	/* Barrett reduction. */
	x2 = x1;
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x10);
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x00);
	x1 = _mm_xor_si128(x1, x2);
	return (uint32_t)_mm_extract_epi32(x1, 1);
}
#endif

/* zlib-compatible: crc32_ieee(0, p, n) is the CRC of p; pass it back to continue. */
uint32_t crc32_ieee(uint32_t crc, const uint8_t *p, size_t n)
{
	uint32_t c = ~crc;
#ifdef HAVE_CLMUL
	if (n >= 64 && use_clmul) {
		size_t m = n & ~(size_t)15;
		c = crc_clmul(c, p, m);
		p += m;
		n -= m;
	}
#endif
	return ~crc_table(c, p, n);
}

/* The table version alone, for tests that compare the two. */
uint32_t crc32_ieee_table(uint32_t crc, const uint8_t *p, size_t n)
{
	return ~crc_table(~crc, p, n);
}

/*
 * Precondition: the whole RoCE packet, ICRC included, is captured (bth.c
 * calls this only after reading the ICRC bytes), so every offset below is
 * inside the frame. *ok is false when the layout is not one we can cover.
 */
uint32_t icrc_compute(const uint8_t *frame, const struct dpkt *d, bool *ok)
{
	uint8_t hdr[8 + 60 + 8 + 12];
	uint32_t n = 0;

	*ok = false;
	memset(hdr, 0xff, 8);
	n = 8;
	if (d->roce == DP_ROCE_V2) {
		if (d->nip == 0 || !d->has_udp)
			return 0;
		const struct dp_ip *ip = &d->ip[d->nip - 1];
		if (ip->v == 4) {
			if (ip->hlen > 60)
				return 0;
			memcpy(hdr + n, frame + ip->off, ip->hlen);
			hdr[n + 1] = 0xff;  /* TOS */
			hdr[n + 8] = 0xff;  /* TTL */
			hdr[n + 10] = 0xff; /* header checksum */
			hdr[n + 11] = 0xff;
			n += ip->hlen;
		} else {
			memcpy(hdr + n, frame + ip->off, 40);
			hdr[n] |= 0x0f; /* traffic class and flow label */
			hdr[n + 1] = hdr[n + 2] = hdr[n + 3] = 0xff;
			hdr[n + 7] = 0xff; /* hop limit */
			if (ip->n_ext) {
				hdr[n + 4] = (uint8_t)(d->ulen >> 8);
				hdr[n + 5] = (uint8_t)d->ulen;
				hdr[n + 6] = 17;
				if (ip->has_srh && ip->srh.complete)
					memcpy(hdr + n + 24, frame + ip->srh.off + 8, 16);
			}
			n += 40;
		}
		memcpy(hdr + n, frame + d->udp_off, 8);
		hdr[n + 6] = hdr[n + 7] = 0xff; /* UDP checksum */
		n += 8;
	} else if (d->roce == DP_ROCE_V1 && d->has_grh) {
		memcpy(hdr + n, frame + d->bth_off - 40, 40);
		hdr[n] |= 0x0f;
		hdr[n + 1] = hdr[n + 2] = hdr[n + 3] = 0xff;
		hdr[n + 7] = 0xff;
		n += 40;
	} else {
		return 0;
	}
	memcpy(hdr + n, frame + d->bth_off, 12);
	hdr[n + 4] = 0xff; /* FECN, BECN, reserved */
	n += 12;

	uint32_t start = d->bth_off + 12;
	uint32_t end = d->payload_off + d->payload_len + d->bth.pad; /* ICRC offset */
	uint32_t crc = crc32_ieee(0, hdr, n);
	crc = crc32_ieee(crc, frame + start, end - start);
	*ok = true;
	return crc;
}
