/*
 * test_icrc.c - the RoCEv2 Invariant CRC (dissectors/icrc.c, its use in
 * bth.c; IBTA Annex A17.3.3; recipe in roce-notes.md §1.2).
 *
 *  - crc32_ieee against published CRC-32 check values and a bit-at-a-time
 *    reference written here, for every split and alignment;
 *  - a real ConnectX-4 Lx CNP (scapy test/contrib/roce.uts, as
 *    ../shared/captures/public/secdev__scapy/rocev2_cnp_connectx4lx_from_hexdump.pcap):
 *    VALID; each covered byte flipped: INVALID; each masked byte (TOS, TTL,
 *    IP checksum, UDP checksum, BTH byte 4 with FECN/BECN) changed: still
 *    VALID; a capture short of the ICRC: NOT_CAPTURED; the same CNP behind
 *    a VLAN tag and inside an outer IPv6 header (uSID encapsulation);
 *  - IPv6 RoCEv2 packets whose ICRC this file computes from the recipe with
 *    crc32_ieee, not through icrc.c: plain, and with an SRH inserted (the
 *    convention stated in icrc.c: pseudo-header Payload Length = UDP length,
 *    Next Header = UDP, destination = Segment List[0]).
 */
#include <stdlib.h>

#include "dissect.h"
#include "dissect_unit.h"

static bool has_event(const struct dpkt *d, enum dp_event ev)
{
	for (unsigned i = 0; i < d->nevent; i++)
		if (d->event[i] == ev)
			return true;
	return false;
}

/* CRC-32 (IEEE 802.3, reflected, init and final ~0), one bit at a time. */
static uint32_t crc_ref(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
	}
	return ~crc;
}

/* ---- crc32_ieee ---- */

struct crc_row {
	const char *text;
	size_t len; /* 0: strlen(text) */
	uint8_t fill;
	uint32_t crc;
};

static void test_crc32_vectors(void)
{
	static const struct crc_row rows[] = {
		{.text = "", .crc = 0x00000000},
		{.text = "a", .crc = 0xe8b7be43},
		{.text = "abc", .crc = 0x352441c2},
		{.text = "123456789", .crc = 0xcbf43926}, /* the CRC-32 check value */
		{.text = "message digest", .crc = 0x20159d7f},
		{.text = "The quick brown fox jumps over the lazy dog", .crc = 0x414fa339},
		{.text = NULL, .len = 32, .fill = 0x00, .crc = 0x190a55ad}, /* 32 x 00 */
		{.text = NULL, .len = 32, .fill = 0xff, .crc = 0xff6cab0b}, /* 32 x ff */
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t buf[64];
		size_t n = rows[i].text ? strlen(rows[i].text) : rows[i].len;
		if (rows[i].text)
			memcpy(buf, rows[i].text, n);
		else
			memset(buf, rows[i].fill, n);
		row(rows[i].text ? rows[i].text : "filled buffer");
		uint8_t *p = malloc(n ? n : 1); /* exact size: ASan sees an overread */
		if (!p)
			abort();
		memcpy(p, buf, n);
		CHECK_EQ_U(crc32_ieee(0, p, n), rows[i].crc);
		CHECK_EQ_U(crc_ref(0, p, n), rows[i].crc);
		free(p);
	}
}

/* Every length 0..80, every split point and every start alignment against the reference. */
static void test_crc32_splits(void)
{
	uint8_t data[96];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(data); i++) {
		x = x * 1103515245u + 12345u; /* a fixed LCG: the same bytes every run */
		data[i] = (uint8_t)(x >> 16);
	}
	row("splits");
	for (size_t a = 0; a < 8; a++) {
		for (size_t n = 0; n + a <= 88; n++) {
			uint32_t whole = crc_ref(0, data + a, n);
			if (crc32_ieee(0, data + a, n) != whole)
				UNIT_FAIL("offset %zu length %zu", a, n);
			for (size_t s = 0; s <= n; s++) {
				uint32_t c = crc32_ieee(crc32_ieee(0, data + a, s), data + a + s, n - s);
				if (c != whole)
					UNIT_FAIL("offset %zu length %zu split %zu", a, n, s);
			}
		}
	}
}

/* ---- the ConnectX-4 Lx CNP ---- */

/*
 * From scapy test/contrib/roce.uts, "RoCE CNP captured on ConnectX-4 Lx":
 * Ethernet 7c:fe:90:64:3b:32 > e4:1d:2d:ab:2b:c2 type 0x0800 |
 * IPv4 TOS 0xc2 (DSCP 48 ECT(0)) total 60 id 0x718c DF TTL 64 UDP cksum 0x9161
 * 10.0.17.1 > 10.0.18.1 | UDP 0 > 4791 len 40 cksum 0 |
 * BTH CNP (0x81) P_Key 0xffff B=1 DestQP 0x000118 PSN 0 | 16 reserved zero bytes |
 * ICRC 82 fd 00 2a (CRC 0x2a00fd82, least significant byte first)
 */
static const uint8_t cnp[74] = {
	/* Ethernet: dst e4:1d:2d:ab:2b:c2 src 7c:fe:90:64:3b:32 type 0x0800 */
	0xe4, 0x1d, 0x2d, 0xab, 0x2b, 0xc2, 0x7c, 0xfe, 0x90, 0x64, 0x3b, 0x32, 0x08, 0x00,
	/* IPv4 @14: 45 | TOS c2 | total 003c | id 718c | 4000 DF | TTL 40 | UDP | cksum 9161 |
	 * 10.0.17.1 > 10.0.18.1 */
	0x45, 0xc2, 0x00, 0x3c, 0x71, 0x8c, 0x40, 0x00, 0x40, 0x11, 0x91, 0x61, 0x0a, 0x00, 0x11,
	0x01, 0x0a, 0x00, 0x12, 0x01,
	/* UDP @34: sport 0 dport 4791 len 40 cksum 0 */
	0x00, 0x00, 0x12, 0xb7, 0x00, 0x28, 0x00, 0x00,
	/* BTH @42: 81 | 00 | P_Key ffff | 40 (B) | DestQP 000118 | 00 | PSN 000000 */
	0x81, 0x00, 0xff, 0xff, 0x40, 0x00, 0x01, 0x18, 0x00, 0x00, 0x00, 0x00,
	/* CNP reserved @54: 16 x 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* ICRC @70 */
	0x82, 0xfd, 0x00, 0x2a};

struct flip_row {
	const char *name;
	uint32_t off;  /* frame offset to change */
	uint8_t value; /* new byte */
	uint8_t icrc;  /* expected enum dp_icrc */
};

static const struct flip_row cnp_flips[] = {
	/* covered bytes */
	{"IPv4 identification", 14 + 5, 0x8d, DP_ICRC_INVALID},
	{"IPv4 flags (DF cleared)", 14 + 6, 0x00, DP_ICRC_INVALID},
	{"IPv4 source 10.0.17.2", 14 + 15, 0x02, DP_ICRC_INVALID},
	{"IPv4 destination 11.0.18.1", 14 + 16, 0x0b, DP_ICRC_INVALID},
	{"UDP source port 0x0100", 34 + 0, 0x01, DP_ICRC_INVALID},
	{"BTH SE bit", 42 + 1, 0x80, DP_ICRC_INVALID},
	{"BTH P_Key 0x7fff", 42 + 2, 0x7f, DP_ICRC_INVALID},
	{"BTH DestQP 0x000119", 42 + 7, 0x19, DP_ICRC_INVALID},
	{"BTH AckReq", 42 + 8, 0x80, DP_ICRC_INVALID},
	{"BTH PSN 1", 42 + 11, 0x01, DP_ICRC_INVALID},
	{"CNP reserved byte 0", 54, 0x01, DP_ICRC_INVALID},
	{"CNP reserved byte 15", 69, 0x80, DP_ICRC_INVALID},
	{"ICRC byte 0", 70, 0x83, DP_ICRC_INVALID},
	{"ICRC byte 3", 73, 0x2b, DP_ICRC_INVALID},
	/* masked bytes: a switch may change them, the ICRC does not cover them */
	{"IPv4 TOS 0xc3 (CE)", 14 + 1, 0xc3, DP_ICRC_VALID},
	{"IPv4 TOS 0x00", 14 + 1, 0x00, DP_ICRC_VALID},
	{"IPv4 TTL 1", 14 + 8, 0x01, DP_ICRC_VALID},
	{"IPv4 checksum high byte", 14 + 10, 0x00, DP_ICRC_VALID},
	{"IPv4 checksum low byte", 14 + 11, 0xff, DP_ICRC_VALID},
	{"UDP checksum", 34 + 6, 0xbe, DP_ICRC_VALID},
	{"UDP checksum low byte", 34 + 7, 0xef, DP_ICRC_VALID},
	{"BTH FECN set", 42 + 4, 0xc0, DP_ICRC_VALID},
	{"BTH BECN cleared", 42 + 4, 0x00, DP_ICRC_VALID},
	{"BTH reserved bits of byte 4", 42 + 4, 0x7f, DP_ICRC_VALID},
	/* not part of the RoCE packet at all */
	{"Ethernet destination", 0, 0x00, DP_ICRC_VALID},
	{"Ethernet source", 11, 0x00, DP_ICRC_VALID},
};

static void test_icrc_cnp(void)
{
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);

	row("ConnectX-4 Lx CNP as captured");
	decode(&o, DP_LINK_ETHERNET, cnp, sizeof(cnp), sizeof(cnp), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);
	CHECK_EQ_U(d.nevent, 0);
	CHECK_EQ_U(d.bth.opcode, 0x81);
	CHECK_EQ_U(d.bth.becn, 1);
	CHECK_EQ_U(d.bth.dqpn, 0x118);
	CHECK_EQ_U(d.ext, DP_X_CNP);
	CHECK_EQ_U(d.sport, 0);
	CHECK_EQ_U(d.ip[0].dscp, 48);
	CHECK_EQ_U(d.ip[0].ecn, 2);
	/* the computed CRC is 0x2a00fd82; the wire carries it least significant byte first.
	 * bth.c keeps the wire order in dpkt.icrc (as tshark and scapy show it). */
	CHECK_EQ_U(d.icrc, 0x82fd002a);

	for (size_t i = 0; i < sizeof(cnp_flips) / sizeof(cnp_flips[0]); i++) {
		const struct flip_row *r = &cnp_flips[i];
		uint8_t f[sizeof(cnp)];
		memcpy(f, cnp, sizeof(cnp));
		CHECK(f[r->off] != r->value); /* the row really changes something */
		f[r->off] = r->value;
		row(r->name);
		decode(&o, DP_LINK_ETHERNET, f, sizeof(f), sizeof(f), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ok"); /* a bad ICRC is an event, not a status */
		CHECK_EQ_U(d.icrc_status, r->icrc);
		CHECK_EQ_U(has_event(&d, DP_E_ICRC_BAD), r->icrc == DP_ICRC_INVALID);
	}

	/* every single-bit flip of every covered byte is caught */
	row("every bit of the covered bytes");
	for (uint32_t off = 14; off < 74; off++) {
		bool masked = off == 15 || off == 22 || off == 24 || off == 25 || off == 40 || off == 41 ||
			      off == 46;
		/* bytes that change the framing are left out: IP version/IHL, total length,
		 * flags/fragment offset, protocol, UDP destination port and length, the BTH
		 * opcode and PadCnt/TVer */
		bool framing = off == 14 || off == 16 || off == 17 || off == 20 || off == 21 ||
			       off == 23 || off == 36 || off == 37 || off == 38 || off == 39 ||
			       off == 42 || off == 43;
		if (framing)
			continue;
		for (unsigned bit = 0; bit < 8; bit++) {
			uint8_t f[sizeof(cnp)];
			memcpy(f, cnp, sizeof(cnp));
			f[off] ^= (uint8_t)(1u << bit);
			decode(&o, DP_LINK_ETHERNET, f, sizeof(f), sizeof(f), &d);
			if (d.cause != DP_C_NONE)
				UNIT_FAIL("offset %u bit %u: %s", off, bit, dp_cause_name(d.cause));
			else if (d.icrc_status != (masked ? DP_ICRC_VALID : DP_ICRC_INVALID))
				UNIT_FAIL("offset %u bit %u: icrc status %u", off, bit, d.icrc_status);
		}
	}
}

/* The ICRC not captured: each cut of 1..4 bytes, and a header-only snaplen. */
static void test_icrc_not_captured(void)
{
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);
	for (uint32_t cut = 1; cut <= 4; cut++) {
		row("capture short of the ICRC");
		decode(&o, DP_LINK_ETHERNET, cnp, sizeof(cnp) - cut, sizeof(cnp), &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ok");
		CHECK_EQ_U(d.icrc_status, DP_ICRC_NOT_CAPTURED);
		CHECK_EQ_U(d.nevent, 0);
		CHECK_EQ_U(d.has_payload, 1);
	}
	row("snaplen 54: BTH only");
	decode(&o, DP_LINK_ETHERNET, cnp, 54, sizeof(cnp), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "roce_ext_truncated");
	CHECK_EQ_U(d.icrc_status, DP_ICRC_NONE);

	row("ICRC checking off");
	o.check_icrc = false;
	decode(&o, DP_LINK_ETHERNET, cnp, sizeof(cnp), sizeof(cnp), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.icrc_status, DP_ICRC_NONE);
	CHECK_EQ_U(d.icrc, 0x82fd002a); /* still read */

	o.check_icrc = true;
	row("CNP sweep");
	sweep(&o, DP_LINK_ETHERNET, cnp, sizeof(cnp));
}

/* The same CNP behind a VLAN tag, with Ethernet padding, and inside an outer IPv6 header. */
static void test_icrc_cnp_wrapped(void)
{
	struct dp_opts o;
	struct dpkt d;
	uint8_t f[160];
	dp_opts_init(&o);

	/* Ethernet | 0x8100 PCP 3 VID 100 | 0x0800 | the CNP's IPv4 packet */
	static const uint8_t vlan[4] = {0x81, 0x00, 0x60, 0x64};
	memcpy(f, cnp, 12);
	memcpy(f + 12, vlan, 4);
	memcpy(f + 16, cnp + 12, sizeof(cnp) - 12);
	row("behind a VLAN tag");
	decode(&o, DP_LINK_ETHERNET, f, sizeof(cnp) + 4, sizeof(cnp) + 4, &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);

	/* the CNP frame | 6 bytes of Ethernet padding (not part of IP or UDP) */
	memcpy(f, cnp, sizeof(cnp));
	memset(f + sizeof(cnp), 0xee, 6);
	row("with an Ethernet trailer");
	decode(&o, DP_LINK_ETHERNET, f, sizeof(cnp) + 6, sizeof(cnp) + 6, &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);
	CHECK_EQ_U(d.icrc, 0x82fd002a);

	/*
	 * Outer IPv6 (uSID encapsulation, H.Encaps.Red): v6 TC 0xc2 flow 0 plen 60 NH 4 (IPv4)
	 * hop 63 | 2001:db8::1 > fcbb:bbbb:100:200:: | the CNP's IPv4 packet. The ICRC covers
	 * the inner IPv4 header, which transit never changes.
	 */
	static const uint8_t outer[40] = {0x6c, 0x20, 0x00, 0x00, 0x00, 0x3c, 4, 63,
					  0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
					  0xfc, 0xbb, 0xbb, 0xbb, 0x01, 0x00, 0x02, 0x00, 0, 0, 0, 0,
					  0, 0, 0, 0};
	memcpy(f, outer, 40);
	memcpy(f + 40, cnp + 14, 60);
	row("inside an outer IPv6 header");
	decode(&o, DP_LINK_IPV6, f, 100, 100, &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.nip, 2);
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);
	sweep(&o, DP_LINK_IPV6, f, 100);
}

/* ---- IPv6, with the expected ICRC computed here from the recipe ---- */

/*
 * Compute the RoCEv2 ICRC of a packet from its parts, as the recipe says:
 * 8 x 0xff | IPv6 header (TC, flow label, hop limit set to ones) | UDP header
 * (checksum set to ones) | BTH (byte 4 set to ones) | rest up to the ICRC.
 */
static uint32_t recipe_v6(const uint8_t ip6[40], const uint8_t udp[8], const uint8_t *bth,
			  size_t rest_len)
{
	static const uint8_t lrh[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t ip[40], u[8], b[12];
	memcpy(ip, ip6, 40);
	ip[0] |= 0x0f;
	ip[1] = ip[2] = ip[3] = 0xff;
	ip[7] = 0xff;
	memcpy(u, udp, 8);
	u[6] = u[7] = 0xff;
	memcpy(b, bth, 12);
	b[4] = 0xff;
	uint32_t c = crc32_ieee(0, lrh, 8);
	c = crc32_ieee(c, ip, 40);
	c = crc32_ieee(c, u, 8);
	c = crc32_ieee(c, b, 12);
	return crc32_ieee(c, bth + 12, rest_len);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * IPv6 TC 0x6a flow 0x12345 plen 32 NH 17 hop 64 2001:db8::1 > 2001:db8::2 |
 * UDP 0xc123 > 4791 len 32 cksum 0x1234 |
 * BTH RC_SEND_ONLY (0x04) PadCnt 2 P_Key 0xffff DestQP 0x000abc A PSN 0x000777 |
 * payload 6 bytes | pad 2 | ICRC (computed by the test)
 */
static const uint8_t v6_pkt[72] = {
	/* IPv6 @0: 6 | TC 6a | flow 12345 | plen 0020 | NH 17 | hop 64 */
	0x66, 0xa1, 0x23, 0x45, 0x00, 0x20, 17, 64,
	/* 2001:db8::1 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	/* 2001:db8::2 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	/* UDP @40: 0xc123 > 4791 | len 32 | cksum 0x1234 */
	0xc1, 0x23, 0x12, 0xb7, 0x00, 0x20, 0x12, 0x34,
	/* BTH @48: 04 | PadCnt 2 (0x20) | ffff | 00 | DestQP 000abc | A (80) | PSN 000777 */
	0x04, 0x20, 0xff, 0xff, 0x00, 0x00, 0x0a, 0xbc, 0x80, 0x00, 0x07, 0x77,
	/* payload @60: 6 bytes | pad @66: 2 bytes | ICRC @68 (filled in) */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x00, 0x00, 0, 0, 0, 0};

static void test_icrc_ipv6(void)
{
	enum { N = 72 };
	uint8_t f[N];
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);

	memcpy(f, v6_pkt, N);
	put_le32(f + 68, recipe_v6(f, f + 40, f + 48, 8));
	row("IPv6 RoCEv2, ICRC from the recipe");
	decode(&o, DP_LINK_IPV6, f, N, N, &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.payload_len, 6);
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);
	sweep(&o, DP_LINK_IPV6, f, N);

	static const struct flip_row flips[] = {
		{"IPv6 traffic class (ECN CE)", 1, 0xb1, DP_ICRC_VALID},
		{"IPv6 flow label", 3, 0x00, DP_ICRC_VALID},
		{"IPv6 hop limit", 7, 1, DP_ICRC_VALID},
		{"UDP checksum", 46, 0x00, DP_ICRC_VALID},
		{"BTH byte 4 (BECN)", 52, 0x40, DP_ICRC_VALID},
		{"IPv6 source", 23, 9, DP_ICRC_INVALID},
		{"IPv6 destination", 39, 9, DP_ICRC_INVALID},
		{"UDP source port", 41, 0x24, DP_ICRC_INVALID},
		{"BTH DestQP", 55, 0xbd, DP_ICRC_INVALID},
		{"payload", 60, 0x10, DP_ICRC_INVALID},
		{"pad byte", 67, 0x01, DP_ICRC_INVALID},
	};
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		uint8_t g[N];
		memcpy(g, f, N);
		g[flips[i].off] = flips[i].value;
		row(flips[i].name);
		decode(&o, DP_LINK_IPV6, g, N, N, &d);
		CHECK_EQ_S(dp_cause_name(d.cause), "ok");
		CHECK_EQ_U(d.icrc_status, flips[i].icrc);
	}
}

/*
 * An SRH inserted in line after the sender computed the ICRC: the frame is
 * IPv6 plen 72 NH 43 DA fcbb:bbbb:2:: (the active segment) | SRH NH 17 len 4 SL 1
 * Last 1 [0] fcbb:bbbb:100:: (final) [1] fcbb:bbbb:2:: | UDP | BTH | payload | ICRC,
 * and the sender's pseudo-header was IPv6 plen 32 (= UDP length) NH 17 DA
 * fcbb:bbbb:100:: (= Segment List[0]).
 */
static void test_icrc_ipv6_srh(void)
{
	static const uint8_t srh[40] = {
		/* SRH: NH 17 | len 4 | type 4 | SL 1 | Last 1 | flags 0 | tag 0 */
		17, 4, 4, 1, 1, 0, 0, 0,
		/* [0] fcbb:bbbb:100:: */
		0xfc, 0xbb, 0xbb, 0xbb, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* [1] fcbb:bbbb:2:: */
		0xfc, 0xbb, 0xbb, 0xbb, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	enum { N = 40 + 40 + 32 };
	uint8_t f[N], sender[40];
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);

	/* the sender's header: plen 32, NH 17, DA = the final segment */
	memcpy(sender, v6_pkt, 40);
	memcpy(sender + 24, srh + 8, 16);
	/* on the wire: plen 72, NH 43, DA = the active segment [1] */
	memcpy(f, v6_pkt, 40);
	f[5] = 72;
	f[6] = 43;
	memcpy(f + 24, srh + 24, 16);
	memcpy(f + 40, srh, 40);
	memcpy(f + 80, v6_pkt + 40, 32);
	put_le32(f + 108, recipe_v6(sender, f + 80, f + 88, 8));

	row("SRH inserted after the ICRC was computed");
	decode(&o, DP_LINK_IPV6, f, N, N, &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ok");
	CHECK_EQ_U(d.ip[0].has_srh, 1);
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);
	sweep(&o, DP_LINK_IPV6, f, N);

	/* a transit node shifts the DA to the next segment: the ICRC still holds */
	f[24 + 5] = 0x03;
	row("DA rewritten in transit");
	decode(&o, DP_LINK_IPV6, f, N, N, &d);
	CHECK_EQ_U(d.icrc_status, DP_ICRC_VALID);

	/* Segment List[0] changed: the destination the sender hashed is gone */
	f[40 + 8 + 5] = 0x01;
	row("final segment changed");
	decode(&o, DP_LINK_IPV6, f, N, N, &d);
	CHECK_EQ_U(d.icrc_status, DP_ICRC_INVALID);
	CHECK_EQ_U(has_event(&d, DP_E_ICRC_BAD), 1);
}

/* The carry-less multiplication CRC equals the table CRC, for every length and alignment. */
static void test_icrc_clmul_matches_table(void)
{
	static uint8_t buf[4096 + 64];
	uint32_t seed = 12345;
	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	unsigned bad = 0, runs = 0;
	for (size_t len = 0; len <= 600; len++)
		for (size_t off = 0; off < 8; off++) {
			runs++;
			bad += crc32_ieee(0x5a5a5a5au, buf + off, len) !=
			       crc32_ieee_table(0x5a5a5a5au, buf + off, len);
		}
	for (size_t len = 4000; len <= 4096; len += 7) {
		runs++;
		bad += crc32_ieee(0, buf + 3, len) != crc32_ieee_table(0, buf + 3, len);
	}
	ROW("CLMUL CRC-32 vs the table CRC-32 over 0..600 and 4000..4096 bytes at 8 alignments");
	CHECK(runs > 4800);
	CHECK_EQ_U(bad, 0);
	/* "123456789" -> 0xCBF43926, long enough only with a prefix: check a 64-byte buffer too. */
	CHECK_EQ_U(crc32_ieee(0, (const uint8_t *)"123456789", 9), 0xcbf43926u);
}

int main(void)
{
	RUN(test_crc32_vectors);
	RUN(test_crc32_splits);
	RUN(test_icrc_cnp);
	RUN(test_icrc_not_captured);
	RUN(test_icrc_cnp_wrapped);
	RUN(test_icrc_ipv6);
	RUN(test_icrc_ipv6_srh);
	RUN(test_icrc_clmul_matches_table);
	return unit_done();
}
