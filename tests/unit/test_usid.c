/*
 * test_usid.c - splitting an IPv6 address as a uSID carrier
 * (dissectors/usid.c; RFC 9800 §4.1, NEXT-C-SID flavour).
 *
 * A carrier is `lblen` bits of locator block, then uSIDs of `nflen` bits,
 * the first one active; a zero uSID ends the carrier and nothing after it
 * is read. Each uSID is local when it falls in [local_lo, local_hi]. The
 * table covers the usual /32 block with 16-bit uSIDs, 8-, 24- and 32-bit
 * uSIDs, longer blocks up to the extremes that leave no room for a uSID,
 * addresses outside the block, and the edges of the local range. Each
 * address is passed from a 16-byte heap copy so ASan sees any overread.
 */
#include <stdlib.h>

#include "dissect.h"
#include "unit.h"

struct usid_row {
	const char *name;
	bool has_block;
	uint8_t lblen, nflen;
	uint8_t block[16];
	uint32_t local_lo, local_hi;
	uint8_t addr[16];
	bool in_block; /* what usid_split returns */
	uint8_t n;
	uint32_t id[DP_MAX_USID];
	uint16_t local_mask;
};

/* fcbb:bbbb::/32 */
#define BLK32 {0xfc, 0xbb, 0xbb, 0xbb}

static const struct usid_row usid_rows[] = {
	{
		.name = "/32 block, 16-bit uSIDs, last one local",
		/* fcbb:bbbb:1001:2:b001:fe09:: -> 1001 0002 b001 fe09(local) then 0000 */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01, 0x00, 0x02, 0xb0, 0x01, 0xfe, 0x09},
		.in_block = true, .n = 4, .id = {0x1001, 0x0002, 0xb001, 0xfe09}, .local_mask = 0x8,
	},
	{
		.name = "zero ends the carrier: nothing after it is read",
		/* fcbb:bbbb:1001:0:b001:fe09:: -> 1001, then 0000 ends it (b001 fe09 are leftovers) */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01, 0x00, 0x00, 0xb0, 0x01, 0xfe, 0x09},
		.in_block = true, .n = 1, .id = {0x1001},
	},
	{
		.name = "block only: no uSID left",
		/* fcbb:bbbb:: -> first uSID is 0000 */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff, .addr = {0xfc, 0xbb, 0xbb, 0xbb}, .in_block = true, .n = 0,
	},
	{
		.name = "full carrier: six 16-bit uSIDs",
		/* fcbb:bbbb:1:2:3:4:5:e006 -> 0001..0005, e006 (local) */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0xe0, 0x06},
		.in_block = true, .n = 6, .id = {1, 2, 3, 4, 5, 0xe006}, .local_mask = 0x20,
	},
	{
		.name = "outside the block by one bit",
		/* fcbb:bbbc:1001:: against fcbb:bbbb::/32 */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff, .addr = {0xfc, 0xbb, 0xbb, 0xbc, 0x10, 0x01}, .in_block = false,
	},
	{
		.name = "outside the block: a global address",
		/* 2001:db8::1 against fcbb:bbbb::/32 */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, .in_block = false,
	},
	{
		.name = "no block configured",
		/* fcbb:bbbb:1001:: with has_block false */
		.has_block = false, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff, .addr = {0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01}, .in_block = false,
	},
	{
		.name = "nflen 32",
		/* fcbb:bbbb:0001:0002:0003:0004:ffff:0006 -> 00010002 00030004 ffff0006(local) */
		.has_block = true, .lblen = 32, .nflen = 32, .block = BLK32, .local_lo = 0xe0000000,
		.local_hi = 0xffffffff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0, 1, 0, 2, 0, 3, 0, 4, 0xff, 0xff, 0, 6},
		.in_block = true, .n = 3, .id = {0x00010002, 0x00030004, 0xffff0006},
		.local_mask = 0x4,
	},
	{
		.name = "nflen 32: a zero 16-bit group inside a uSID does not end it",
		/* fcbb:bbbb:0000:0002:0000:0000:0005:0006 -> 00000002, then 00000000 ends */
		.has_block = true, .lblen = 32, .nflen = 32, .block = BLK32, .local_lo = 0xe0000000,
		.local_hi = 0xffffffff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0, 0, 0, 2, 0, 0, 0, 0, 0, 5, 0, 6},
		.in_block = true, .n = 1, .id = {0x00000002},
	},
	{
		.name = "nflen 8",
		/* fcbb:bbbb:0102:03ff:: -> 01 02 03 ff(local), then 00 */
		.has_block = true, .lblen = 32, .nflen = 8, .block = BLK32, .local_lo = 0xe0,
		.local_hi = 0xff, .addr = {0xfc, 0xbb, 0xbb, 0xbb, 0x01, 0x02, 0x03, 0xff},
		.in_block = true, .n = 4, .id = {1, 2, 3, 0xff}, .local_mask = 0x8,
	},
	{
		.name = "nflen 24",
		/* fcbb:bbbb | 000001 000002 000003 ffffff(local) */
		.has_block = true, .lblen = 32, .nflen = 24, .block = BLK32, .local_lo = 0xe00000,
		.local_hi = 0xffffff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0xff, 0xff, 0xff},
		.in_block = true, .n = 4, .id = {1, 2, 3, 0xffffff}, .local_mask = 0x8,
	},
	{
		.name = "lblen 48",
		/* fcbb:bbbb:cccc:1001:2002:: in fcbb:bbbb:cccc::/48 -> 1001 2002 */
		.has_block = true, .lblen = 48, .nflen = 16,
		.block = {0xfc, 0xbb, 0xbb, 0xbb, 0xcc, 0xcc}, .local_lo = 0xe000, .local_hi = 0xffff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0xcc, 0xcc, 0x10, 0x01, 0x20, 0x02},
		.in_block = true, .n = 2, .id = {0x1001, 0x2002},
	},
	{
		.name = "lblen 48, fifth byte differs",
		/* fcbb:bbbb:cdcc:1001:: against fcbb:bbbb:cccc::/48 */
		.has_block = true, .lblen = 48, .nflen = 16,
		.block = {0xfc, 0xbb, 0xbb, 0xbb, 0xcc, 0xcc}, .local_lo = 0xe000, .local_hi = 0xffff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0xcd, 0xcc, 0x10, 0x01}, .in_block = false,
	},
	{
		.name = "lblen 120, nflen 8: one uSID, local",
		/* 2001:db8::e5 in 2001:db8::/120 -> e5 (local) */
		.has_block = true, .lblen = 120, .nflen = 8, .block = {0x20, 0x01, 0x0d, 0xb8},
		.local_lo = 0xe0, .local_hi = 0xff, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xe5},
		.in_block = true, .n = 1, .id = {0xe5}, .local_mask = 0x1,
	},
	{
		.name = "lblen 120, nflen 8: last byte zero",
		/* 2001:db8:: in 2001:db8::/120 -> 00 ends at once */
		.has_block = true, .lblen = 120, .nflen = 8, .block = {0x20, 0x01, 0x0d, 0xb8},
		.local_lo = 0xe0, .local_hi = 0xff, .addr = {0x20, 0x01, 0x0d, 0xb8},
		.in_block = true, .n = 0,
	},
	{
		.name = "lblen 120, nflen 16: half a uSID is not read",
		/* 2001:db8::42 in 2001:db8::/120 with 16-bit uSIDs: one byte left, no uSID */
		.has_block = true, .lblen = 120, .nflen = 16, .block = {0x20, 0x01, 0x0d, 0xb8},
		.local_lo = 0xe000, .local_hi = 0xffff, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x42},
		.in_block = true, .n = 0,
	},
	{
		.name = "lblen 112, nflen 24: no room",
		/* 2001:db8::4242 in 2001:db8::/112: two bytes left, a uSID needs three */
		.has_block = true, .lblen = 112, .nflen = 24, .block = {0x20, 0x01, 0x0d, 0xb8},
		.local_lo = 0xe00000, .local_hi = 0xffffff,
		.addr = {0x20, 0x01, 0x0d, 0xb8, [14] = 0x42, [15] = 0x42}, .in_block = true, .n = 0,
	},
	{
		.name = "lblen 104, nflen 32: no room",
		/* 2001:db8::42:4242 in 2001:db8::/104: three bytes left, a uSID needs four */
		.has_block = true, .lblen = 104, .nflen = 32, .block = {0x20, 0x01, 0x0d, 0xb8},
		.local_lo = 0xe0000000, .local_hi = 0xffffffff,
		.addr = {0x20, 0x01, 0x0d, 0xb8, [13] = 0x42, [14] = 0x42, [15] = 0x42},
		.in_block = true, .n = 0,
	},
	{
		.name = "lblen 96, nflen 32: exactly one uSID",
		/* 2001:db8::4242:4242 in 2001:db8::/96 -> 42424242 */
		.has_block = true, .lblen = 96, .nflen = 32, .block = {0x20, 0x01, 0x0d, 0xb8},
		.local_lo = 0xe0000000, .local_hi = 0xffffffff,
		.addr = {0x20, 0x01, 0x0d, 0xb8, [12] = 0x42, [13] = 0x42, [14] = 0x42, [15] = 0x42},
		.in_block = true, .n = 1, .id = {0x42424242},
	},
	{
		.name = "lblen 128: the whole address is block",
		/* 2001:db8::42 == the /128 block -> in the block, 0 uSIDs */
		.has_block = true, .lblen = 128, .nflen = 16,
		.block = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x42}, .local_lo = 0xe000, .local_hi = 0xffff,
		.addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x42}, .in_block = true, .n = 0,
	},
	{
		.name = "lblen 128, last byte differs",
		/* 2001:db8::43 against the /128 block 2001:db8::42 */
		.has_block = true, .lblen = 128, .nflen = 8,
		.block = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x42}, .local_lo = 0xe0, .local_hi = 0xff,
		.addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x43}, .in_block = false,
	},
	{
		.name = "lblen 8, nflen 8: fifteen uSIDs",
		/* fc01:0203:0405:0607:0809:0a0b:0c0d:0ee0 in fc00::/8 -> 01..0e, e0(local) */
		.has_block = true, .lblen = 8, .nflen = 8, .block = {0xfc}, .local_lo = 0xe0,
		.local_hi = 0xff,
		.addr = {0xfc, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xe0}, .in_block = true,
		.n = 15, .id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xe0},
		.local_mask = 0x4000,
	},
	{
		.name = "local range edges",
		/* fcbb:bbbb:dfff:e000:efff:f000:: with local e000-efff -> global, local, local, global */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xefff,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0xdf, 0xff, 0xe0, 0x00, 0xef, 0xff, 0xf0, 0x00},
		.in_block = true, .n = 4, .id = {0xdfff, 0xe000, 0xefff, 0xf000}, .local_mask = 0x6,
	},
	{
		.name = "local range of one value",
		/* fcbb:bbbb:e000:e001:dfff:: with local e000-e000 -> local, global, global */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xe000,
		.addr = {0xfc, 0xbb, 0xbb, 0xbb, 0xe0, 0x00, 0xe0, 0x01, 0xdf, 0xff},
		.in_block = true, .n = 3, .id = {0xe000, 0xe001, 0xdfff}, .local_mask = 0x1,
	},
	{
		.name = "local range 0x0001-0xffff: every uSID local",
		/* fcbb:bbbb:1:ffff:: -> 0001(local) ffff(local) */
		.has_block = true, .lblen = 32, .nflen = 16, .block = BLK32, .local_lo = 1,
		.local_hi = 0xffff, .addr = {0xfc, 0xbb, 0xbb, 0xbb, 0, 1, 0xff, 0xff},
		.in_block = true, .n = 2, .id = {1, 0xffff}, .local_mask = 0x3,
	},
	/* ---- malformed options (config validates these; the split must refuse, not overread) ---- */
	{
		.name = "nflen 0 is refused",
		.has_block = true, .lblen = 32, .nflen = 0, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff, .addr = {0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01}, .in_block = false,
	},
	{
		.name = "nflen 40 is refused",
		.has_block = true, .lblen = 32, .nflen = 40, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff, .addr = {0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01}, .in_block = false,
	},
	{
		.name = "lblen 136 is refused",
		.has_block = true, .lblen = 136, .nflen = 16, .block = BLK32, .local_lo = 0xe000,
		.local_hi = 0xffff, .addr = {0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01}, .in_block = false,
	},
	{
		.name = "lblen 255 is refused",
		.has_block = true, .lblen = 255, .nflen = 8, .block = BLK32, .local_lo = 0xe0,
		.local_hi = 0xff, .addr = {0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01}, .in_block = false,
	},
};

static void test_usid_table(void)
{
	for (size_t i = 0; i < sizeof(usid_rows) / sizeof(usid_rows[0]); i++) {
		const struct usid_row *r = &usid_rows[i];
		struct dp_opts o;
		row(r->name);
		dp_opts_init(&o);
		o.has_block = r->has_block;
		o.lblen = r->lblen;
		o.nflen = r->nflen;
		memcpy(o.block, r->block, 16);
		o.local_lo = r->local_lo;
		o.local_hi = r->local_hi;

		uint8_t *addr = malloc(16); /* exactly 16 bytes: an overread is an ASan error */
		struct dp_usid *u = malloc(sizeof(*u));
		if (!addr || !u)
			abort();
		memcpy(addr, r->addr, 16);
		memset(u, 0xa5, sizeof(*u)); /* stale values must not survive */
		bool in = usid_split(&o, addr, u);
		CHECK_EQ_U(in, r->in_block);
		CHECK_EQ_U(u->n, r->n);
		CHECK_EQ_U(u->local_mask, r->local_mask);
		for (unsigned k = 0; k < r->n && k < u->n; k++)
			CHECK_EQ_U(u->id[k], r->id[k]);
		/* local_mask agrees with usid_is_local for every uSID found */
		for (unsigned k = 0; k < u->n && k < DP_MAX_USID; k++)
			CHECK_EQ_U((u->local_mask >> k) & 1, usid_is_local(&o, u->id[k]));
		free(addr);
		free(u);
	}
}

struct local_row {
	uint32_t lo, hi, id;
	bool local;
};

static void test_usid_is_local(void)
{
	static const struct local_row rows[] = {
		{.lo = 0xe000, .hi = 0xffff, .id = 0xdfff, .local = false}, /* just below */
		{.lo = 0xe000, .hi = 0xffff, .id = 0xe000, .local = true},  /* lower edge */
		{.lo = 0xe000, .hi = 0xffff, .id = 0xffff, .local = true},  /* upper edge */
		{.lo = 0xe000, .hi = 0xefff, .id = 0xf000, .local = false}, /* just above */
		{.lo = 0xe000, .hi = 0xe000, .id = 0xe000, .local = true},  /* range of one */
		{.lo = 0xe000, .hi = 0xffff, .id = 0, .local = false},      /* end-of-carrier */
		{.lo = 0xe0000000, .hi = 0xffffffff, .id = 0xffffffff, .local = true}, /* 32 bits */
		{.lo = 0xe0000000, .hi = 0xffffffff, .id = 0xdfffffff, .local = false},
		{.lo = 0xe0, .hi = 0xff, .id = 0x100, .local = false}, /* wider than an 8-bit uSID */
	};
	struct dp_opts o;
	dp_opts_init(&o);
	/* the defaults: 16-bit uSIDs, local 0xe000-0xffff */
	CHECK_EQ_U(o.nflen, 16);
	CHECK_EQ_U(o.lblen, 32);
	CHECK_EQ_U(o.local_lo, 0xe000);
	CHECK_EQ_U(o.local_hi, 0xffff);
	CHECK_EQ_U(o.has_block, 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		row("usid_is_local");
		o.local_lo = rows[i].lo;
		o.local_hi = rows[i].hi;
		CHECK_EQ_U(usid_is_local(&o, rows[i].id), rows[i].local);
	}
}

/* Every address of the form fcbb:bbbb:XXXX:YYYY:: for a grid of X and Y, checked
 * against a direct computation. */
static void test_usid_grid(void)
{
	static const uint16_t vals[] = {0x0000, 0x0001, 0x00ff, 0x0100, 0xdfff, 0xe000, 0xfffe, 0xffff};
	struct dp_opts o;
	dp_opts_init(&o);
	o.has_block = true;
	memcpy(o.block, (const uint8_t[])BLK32, 4);
	for (size_t a = 0; a < 8; a++) {
		for (size_t b = 0; b < 8; b++) {
			/* fcbb:bbbb:vals[a]:vals[b]:: */
			uint8_t addr[16] = {0xfc, 0xbb, 0xbb, 0xbb, (uint8_t)(vals[a] >> 8), (uint8_t)vals[a],
					    (uint8_t)(vals[b] >> 8), (uint8_t)vals[b]};
			struct dp_usid u;
			row("grid");
			CHECK(usid_split(&o, addr, &u));
			unsigned want = vals[a] == 0 ? 0 : vals[b] == 0 ? 1 : 2;
			CHECK_EQ_U(u.n, want);
			if (want >= 1)
				CHECK_EQ_U(u.id[0], vals[a]);
			if (want >= 2)
				CHECK_EQ_U(u.id[1], vals[b]);
			unsigned mask = (want >= 1 && vals[a] >= 0xe000 ? 1u : 0) |
					(want >= 2 && vals[b] >= 0xe000 ? 2u : 0);
			CHECK_EQ_U(u.local_mask, mask);
		}
	}
}

/* Through the dissector: the IPv6 destination of a frame is split when in the block. */
static void test_usid_in_dissect(void)
{
	/* v6 plen 0 NH 59 hop 64 | 2001:db8::1 > fcbb:bbbb:1001:2:b001:fe09:: */
	static const uint8_t in[40] = {0x60, 0, 0, 0, 0, 0, 59, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 1, 0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01,
				       0x00, 0x02, 0xb0, 0x01, 0xfe, 0x09, 0, 0, 0, 0};
	/* v6 plen 0 NH 59 hop 64 | 2001:db8::1 > 2001:db8::2 */
	static const uint8_t out[40] = {0x60, 0, 0, 0, 0, 0, 59, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0, 2};
	struct dp_opts o;
	struct dpkt d;
	dp_opts_init(&o);
	o.has_block = true;
	memcpy(o.block, (const uint8_t[])BLK32, 4);

	row("destination in the block");
	memset(&d, 0, sizeof(d));
	dissect(&o, DP_LINK_IPV6, in, sizeof(in), sizeof(in), &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ip_proto");
	CHECK_EQ_U(d.ip[0].in_block, 1);
	CHECK_EQ_U(d.ip[0].usid.n, 4);
	CHECK_EQ_U(d.ip[0].usid.id[0], 0x1001);
	CHECK_EQ_U(d.ip[0].usid.id[3], 0xfe09);
	CHECK_EQ_U(d.ip[0].usid.local_mask, 0x8);

	row("destination outside the block");
	dissect(&o, DP_LINK_IPV6, out, sizeof(out), sizeof(out), &d);
	CHECK_EQ_U(d.ip[0].in_block, 0);
	CHECK_EQ_U(d.ip[0].usid.n, 0);

	row("no block configured");
	o.has_block = false;
	dissect(&o, DP_LINK_IPV6, in, sizeof(in), sizeof(in), &d);
	CHECK_EQ_U(d.ip[0].in_block, 0);
	CHECK_EQ_U(d.ip[0].usid.n, 0);

	/* a capture that ends inside the destination: truncated, nothing split, no overread */
	o.has_block = true;
	for (uint32_t cap = 0; cap < sizeof(in); cap++) {
		uint8_t *p = malloc(cap ? cap : 1);
		if (!p)
			abort();
		memcpy(p, in, cap);
		row("capture cut inside the IPv6 header");
		memset(&d, 0, sizeof(d));
		dissect(&o, DP_LINK_IPV6, p, cap, sizeof(in), &d);
		free(p);
		CHECK_EQ_S(dp_cause_name(d.cause), "ipv6_truncated");
		CHECK_EQ_U(d.nip, 0);
	}
	/* a 30-byte packet on the wire: malformed, nothing split */
	row("packet ends inside the destination");
	memset(&d, 0, sizeof(d));
	dissect(&o, DP_LINK_IPV6, in, 30, 30, &d);
	CHECK_EQ_S(dp_cause_name(d.cause), "ipv6_payload_len");
	CHECK_EQ_U(d.status, DP_MALFORMED);
	CHECK_EQ_U(d.nip, 0);
}

int main(void)
{
	RUN(test_usid_table);
	RUN(test_usid_is_local);
	RUN(test_usid_grid);
	RUN(test_usid_in_dissect);
	return unit_done();
}
