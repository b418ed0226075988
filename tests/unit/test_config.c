/*
 * test_config.c - the YAML fabric config loader (src/config.c;
 * spinetap.conf(5)).
 *
 *  - a full config with every section and key, as in the man page's
 *    SYNOPSIS, loads with the right values, and the dissector options it
 *    yields are right; defaults when keys are left out; sections are read in
 *    dependency order wherever they appear in the file;
 *  - every error is "name:line:col: message": the line and column of the
 *    offending token (1-based, as libyaml marks plus one) and a message that
 *    names the problem; a failed load leaves an empty config;
 *  - config_glob on the patterns paths use.
 * The YAML texts are written one line per source line with the line number
 * in a comment, so each expected position can be checked by eye.
 */
#include <math.h>
#include <stdlib.h>

#include "config.h"
#include "dissect.h"
#include "unit.h"

/* Load `text` from a heap copy of exactly its length (no NUL: ASan sees overreads). */
static bool load(struct config *c, const char *text, char *err, size_t errlen)
{
	size_t n = strlen(text);
	char *p = malloc(n ? n : 1);
	if (!p)
		abort();
	memcpy(p, text, n);
	err[0] = '\0';
	bool ok = config_load_mem(c, "t.yaml", p, n, err, errlen);
	free(p);
	return ok;
}

/* ---- a full, valid config ---- */

static const char full_conf[] =
	/*  1 */ "# every section and key of spinetap.conf(5)\n"
	/*  2 */ "usid:\n"
	/*  3 */ "  block: fcbb:bbbb::/32\n"
	/*  4 */ "  nflen: 16\n"
	/*  5 */ "  local: 0xe000-0xefff\n"
	/*  6 */ "nodes:\n"
	/*  7 */ "  leaf1:  { usid: 0x0001, role: leaf }\n"
	/*  8 */ "  leaf2:  { usid: 2, role: leaf }\n"
	/*  9 */ "  spine1: { usid: 0x1001, role: spine }\n"
	/* 10 */ "  spine2: { usid: 1002, role: spine }       # hex without 0x\n"
	/* 11 */ "  ss1:    { usid: 0x2001, role: superspine }\n"
	/* 12 */ "  host1:  { usid: 0xA001, role: host }\n"
	/* 13 */ "  host2:  { usid: 0xb001 }                   # role defaults to other\n"
	/* 14 */ "  tor9:   { usid: 0xf001, role: other }      # above the local range\n"
	/* 15 */ "taps:\n"
	/* 16 */ "  spine1:    { node: spine1 }\n"
	/* 17 */ "  spine1-rx: { node: spine1, dir: in }\n"
	/* 18 */ "  spine1-tx: { node: spine1, dir: out }\n"
	/* 19 */ "  s1-l2:     { node: spine1, peer: leaf2, dir: both }\n"
	/* 20 */ "policies:\n"
	/* 21 */ "  - name: h1-h2-pinned\n"
	/* 22 */ "    match: { src: 2001:db8:10::/64, dst: 2001:db8:20::/64, dqpn: 0x100-0x1ff,\n"
	/* 23 */ "             sport: 49152-49407, dscp: 26 }\n"
	/* 24 */ "    paths: [ [leaf1, spine1, leaf2, host2] ]\n"
	/* 25 */ "    mode: pin\n"
	/* 26 */ "  - name: h1-h2-spray\n"
	/* 27 */ "    match: { src: 10.1.0.0/16, dqpn: 512, dscp: [0-7, 26, 48] }\n"
	/* 28 */ "    paths: [ [leaf1, \"spine*\", leaf2, host2], [leaf1, ss1, leaf2] ]\n"
	/* 29 */ "    mode: spray\n"
	/* 30 */ "    balance: 0.2\n"
	/* 31 */ "settings: { roce_ports: [4791, 1021], pmtu: 1024, correlation_window_ms: 250,\n"
	/* 32 */ "            evidence_per_kind: 7, qp_capacity: 4096, timeseries_retention_s: 3600,\n"
	/* 33 */ "            icrc: false }\n";

struct node_exp {
	const char *name;
	uint32_t usid;
	uint8_t role;
};

static void test_config_full(void)
{
	static const struct node_exp nodes[] = {
		{"leaf1", 0x0001, ROLE_LEAF},   {"leaf2", 0x0002, ROLE_LEAF},
		{"spine1", 0x1001, ROLE_SPINE}, {"spine2", 0x1002, ROLE_SPINE},
		{"ss1", 0x2001, ROLE_SUPERSPINE}, {"host1", 0xa001, ROLE_HOST},
		{"host2", 0xb001, ROLE_OTHER},  {"tor9", 0xf001, ROLE_OTHER},
	};
	static const uint8_t block[16] = {0xfc, 0xbb, 0xbb, 0xbb};
	static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x10};
	static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20};
	static const uint8_t src4[16] = {10, 1, 0, 0};
	struct config c;
	char err[512];

	config_init(&c);
	row("full config");
	bool ok = config_load_mem(&c, "spinetap.conf", full_conf, sizeof(full_conf) - 1, err,
				  sizeof(err));
	CHECK(ok);
	if (!ok) {
		UNIT_FAIL("%s", err);
		return;
	}
	CHECK_EQ_S(c.file, "spinetap.conf");

	/* usid */
	CHECK_EQ_U(c.has_block, 1);
	CHECK(memcmp(c.block, block, 16) == 0);
	CHECK_EQ_U(c.lblen, 32);
	CHECK_EQ_U(c.nflen, 16);
	CHECK_EQ_U(c.local_lo, 0xe000);
	CHECK_EQ_U(c.local_hi, 0xefff);

	/* nodes, in file order, and the lookups */
	CHECK_EQ_U(c.nnodes, 8);
	for (int i = 0; i < 8 && i < c.nnodes; i++) {
		row(nodes[i].name);
		CHECK_EQ_S(c.nodes[i].name, nodes[i].name);
		CHECK_EQ_U(c.nodes[i].usid, nodes[i].usid);
		CHECK_EQ_U(c.nodes[i].role, nodes[i].role);
		CHECK_EQ_U(config_node_by_name(&c, nodes[i].name), i);
		CHECK_EQ_U(config_node_by_usid(&c, nodes[i].usid), i);
	}
	row("full config lookups");
	CHECK_EQ_U(config_node_by_usid(&c, 0x1003), (uint64_t)-1);
	CHECK_EQ_U(config_node_by_usid(&c, 0), (uint64_t)-1);
	CHECK_EQ_U(config_node_by_usid(&c, 0xffffffff), (uint64_t)-1);
	CHECK_EQ_U(config_node_by_name(&c, "spine"), (uint64_t)-1);
	CHECK_EQ_S(cfg_role_name(ROLE_SUPERSPINE), "superspine");
	CHECK_EQ_S(cfg_role_name(99), "?");

	/* taps */
	CHECK_EQ_U(c.ntaps, 4);
	if (c.ntaps == 4) {
		CHECK_EQ_S(c.taps[0].name, "spine1");
		CHECK_EQ_U(c.taps[0].node, 2);
		CHECK_EQ_U(c.taps[0].peer, (uint64_t)-1);
		CHECK_EQ_U(c.taps[0].dir, DIR_BOTH);
		CHECK_EQ_U(c.taps[1].dir, DIR_IN);
		CHECK_EQ_U(c.taps[2].dir, DIR_OUT);
		CHECK_EQ_S(c.taps[3].name, "s1-l2");
		CHECK_EQ_U(c.taps[3].node, 2);
		CHECK_EQ_U(c.taps[3].peer, 1);
		CHECK_EQ_U(c.taps[3].dir, DIR_BOTH);
		CHECK_EQ_U(config_tap_by_name(&c, "spine1-tx"), 2);
		CHECK_EQ_U(config_tap_by_name(&c, "spine9"), (uint64_t)-1);
		CHECK_EQ_S(cfg_dir_name(DIR_OUT), "out");
	}

	/* policies */
	CHECK_EQ_U(c.npolicies, 2);
	if (c.npolicies == 2) {
		const struct cfg_policy *p = &c.policies[0];
		row("policy h1-h2-pinned");
		CHECK_EQ_S(p->name, "h1-h2-pinned");
		CHECK_EQ_U(p->match.has_src, 1);
		CHECK_EQ_U(p->match.src_v, 6);
		CHECK_EQ_U(p->match.src_plen, 64);
		CHECK(memcmp(p->match.src, src6, 16) == 0);
		CHECK_EQ_U(p->match.has_dst, 1);
		CHECK_EQ_U(p->match.dst_plen, 64);
		CHECK(memcmp(p->match.dst, dst6, 16) == 0);
		CHECK_EQ_U(p->match.has_dqpn, 1);
		CHECK_EQ_U(p->match.dqpn_lo, 0x100);
		CHECK_EQ_U(p->match.dqpn_hi, 0x1ff);
		CHECK_EQ_U(p->match.has_sport, 1);
		CHECK_EQ_U(p->match.sport_lo, 49152);
		CHECK_EQ_U(p->match.sport_hi, 49407);
		CHECK_EQ_U(p->match.has_dscp, 1);
		CHECK_EQ_U(p->match.dscp_mask, 1ull << 26);
		CHECK_EQ_U(p->npaths, 1);
		CHECK_EQ_U(p->paths[0].n, 4);
		static const int hops0[4] = {0, 2, 1, 6}; /* leaf1 spine1 leaf2 host2 */
		for (int k = 0; k < 4 && k < p->paths[0].n; k++)
			CHECK_EQ_U(p->paths[0].hop[k].node, hops0[k]);
		CHECK_EQ_S(p->paths[0].hop[3].pattern, "host2");
		CHECK_EQ_U(p->mode, MODE_PIN);
		CHECK_EQ_U(p->has_balance, 0);

		p = &c.policies[1];
		row("policy h1-h2-spray");
		CHECK_EQ_S(p->name, "h1-h2-spray");
		CHECK_EQ_U(p->match.has_src, 1);
		CHECK_EQ_U(p->match.src_v, 4);
		CHECK_EQ_U(p->match.src_plen, 16);
		CHECK(memcmp(p->match.src, src4, 16) == 0);
		CHECK_EQ_U(p->match.has_dst, 0);
		CHECK_EQ_U(p->match.has_sport, 0);
		CHECK_EQ_U(p->match.dqpn_lo, 512);
		CHECK_EQ_U(p->match.dqpn_hi, 512);
		CHECK_EQ_U(p->match.dscp_mask, 0xffull | 1ull << 26 | 1ull << 48);
		CHECK_EQ_U(p->npaths, 2);
		CHECK_EQ_U(p->paths[0].n, 4);
		CHECK_EQ_S(p->paths[0].hop[1].pattern, "spine*");
		CHECK_EQ_U(p->paths[0].hop[1].node, (uint64_t)-1); /* a pattern, not one node */
		CHECK_EQ_U(p->paths[1].n, 3);
		CHECK_EQ_U(p->paths[1].hop[1].node, 4); /* ss1 */
		CHECK_EQ_U(p->mode, MODE_SPRAY);
		CHECK_EQ_U(p->has_balance, 1);
		CHECK(fabs(p->balance - 0.2) < 1e-12);
	}

	/* settings */
	row("settings");
	CHECK_EQ_U(c.set.nroce_ports, 2);
	CHECK_EQ_U(c.set.roce_ports[0], 4791);
	CHECK_EQ_U(c.set.roce_ports[1], 1021);
	CHECK_EQ_U(c.set.pmtu, 1024);
	CHECK_EQ_U(c.set.correlation_window_ms, 250);
	CHECK_EQ_U(c.set.evidence_per_kind, 7);
	CHECK_EQ_U(c.set.qp_capacity, 4096);
	CHECK_EQ_U(c.set.timeseries_retention_s, 3600);
	CHECK_EQ_U(c.set.check_icrc, 0);

	/* what the dissectors get */
	struct dp_opts o;
	config_dp_opts(&c, &o);
	row("dissector options");
	CHECK_EQ_U(o.nroce_ports, 2);
	CHECK_EQ_U(o.roce_ports[0], 4791);
	CHECK_EQ_U(o.roce_ports[1], 1021);
	CHECK_EQ_U(o.check_icrc, 0);
	CHECK_EQ_U(o.has_block, 1);
	CHECK(memcmp(o.block, block, 16) == 0);
	CHECK_EQ_U(o.lblen, 32);
	CHECK_EQ_U(o.nflen, 16);
	CHECK_EQ_U(o.local_lo, 0xe000);
	CHECK_EQ_U(o.local_hi, 0xefff);
	/* and the split they drive: fcbb:bbbb:1:1001:e001:: -> leaf1 spine1 e001(local) */
	static const uint8_t a[16] = {0xfc, 0xbb, 0xbb, 0xbb, 0x00, 0x01, 0x10, 0x01, 0xe0, 0x01};
	struct dp_usid u;
	CHECK(usid_split(&o, a, &u));
	CHECK_EQ_U(u.n, 3);
	CHECK_EQ_U(u.local_mask, 0x4);

	config_free(&c);
	CHECK_EQ_U(c.nnodes, 0);
	CHECK_EQ_U(c.npolicies, 0);
	CHECK(c.nodes == NULL);
}

/* Keys left out take their documented defaults. */
struct default_row {
	const char *name;
	const char *text;
	bool has_block;
	uint8_t lblen, nflen;
	uint32_t local_lo, local_hi;
};

static void test_config_defaults(void)
{
	static const struct default_row rows[] = {
		{
			.name = "no config at all",
			.text = "settings: {}\n", /* 1 */
			.has_block = false, .lblen = 32, .nflen = 16, .local_lo = 0xe000,
			.local_hi = 0xffff,
		},
		{
			.name = "block only: nflen 16, local the top eighth",
			.text = "usid: { block: fcbb:bbbb::/32 }\n", /* 1 */
			.has_block = true, .lblen = 32, .nflen = 16, .local_lo = 0xe000,
			.local_hi = 0xffff,
		},
		{
			.name = "nflen 8: local 0xe0-0xff",
			.text = "usid: { block: fcbb:bbbb::/32, nflen: 8 }\n", /* 1 */
			.has_block = true, .lblen = 32, .nflen = 8, .local_lo = 0xe0, .local_hi = 0xff,
		},
		{
			.name = "nflen 24: local 0xe00000-0xffffff",
			.text = "usid: { block: fcbb:bbbb::/32, nflen: 24 }\n", /* 1 */
			.has_block = true, .lblen = 32, .nflen = 24, .local_lo = 0xe00000,
			.local_hi = 0xffffff,
		},
		{
			.name = "nflen 32: local 0xe0000000-0xffffffff",
			.text = "usid: { block: fcbb:bbbb::/32, nflen: 32 }\n", /* 1 */
			.has_block = true, .lblen = 32, .nflen = 32, .local_lo = 0xe0000000,
			.local_hi = 0xffffffff,
		},
		{
			.name = "nflen before block, /120 with 8-bit uSIDs",
			.text = "usid:\n"                       /* 1 */
				"  nflen: 8\n"                  /* 2 */
				"  block: fcbb:bbbb::/120\n",   /* 3 */
			.has_block = true, .lblen = 120, .nflen = 8, .local_lo = 0xe0, .local_hi = 0xff,
		},
		{
			.name = "block /8",
			.text = "usid: { block: fc00::/8 }\n", /* 1 */
			.has_block = true, .lblen = 8, .nflen = 16, .local_lo = 0xe000, .local_hi = 0xffff,
		},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct default_row *r = &rows[i];
		struct config c;
		char err[512];
		row(r->name);
		config_init(&c);
		bool ok = load(&c, r->text, err, sizeof(err));
		CHECK(ok);
		if (!ok)
			UNIT_FAIL("%s", err);
		CHECK_EQ_U(c.has_block, r->has_block);
		CHECK_EQ_U(c.lblen, r->lblen);
		CHECK_EQ_U(c.nflen, r->nflen);
		CHECK_EQ_U(c.local_lo, r->local_lo);
		CHECK_EQ_U(c.local_hi, r->local_hi);
		CHECK_EQ_U(c.set.nroce_ports, 1);
		CHECK_EQ_U(c.set.roce_ports[0], 4791);
		CHECK_EQ_U(c.set.pmtu, 4096);
		CHECK_EQ_U(c.set.correlation_window_ms, 100);
		CHECK_EQ_U(c.set.evidence_per_kind, 100);
		CHECK_EQ_U(c.set.qp_capacity, 1u << 21);
		CHECK_EQ_U(c.set.timeseries_retention_s, 604800);
		CHECK_EQ_U(c.set.check_icrc, 1);
		config_free(&c);
	}
}

/* Sections are validated in dependency order wherever they appear: the nflen
 * given after the nodes still bounds their uSIDs. */
static void test_config_section_order(void)
{
	static const char text[] =
		/* 1 */ "policies:\n"
		/* 2 */ "  - { name: p, paths: [[b, a]] }\n"
		/* 3 */ "nodes:\n"
		/* 4 */ "  a: { usid: 0x12 }\n"
		/* 5 */ "  b: { usid: 0x1ff }\n"
		/* 6 */ "usid: { block: fcbb:bbbb::/32, nflen: 8 }\n";
	struct config c;
	char err[512];
	config_init(&c);
	row("nflen after the nodes");
	CHECK(!load(&c, text, err, sizeof(err)));
	CHECK(strncmp(err, "t.yaml:5:14: ", 13) == 0);
	CHECK(strstr(err, "0x1..0xff") != NULL);
	if (strncmp(err, "t.yaml:5:14: ", 13) != 0)
		UNIT_FAIL("message: %s", err);
	config_free(&c);
}

/* ---- errors ---- */

struct err_row {
	const char *name;
	const char *text;
	unsigned line, col; /* 0, 0: the message carries no position */
	unsigned col2;      /* another acceptable column, 0 if none */
	const char *msg;    /* must appear in the message */
};

static const struct err_row err_rows[] = {
	{
		.name = "unknown key in usid",
		.text = "usid:\n"                      /* 1 */
			"  block: fcbb:bbbb::/32\n"    /* 2 */
			"  nflenn: 16\n",              /* 3: the key at column 3 */
		.line = 3, .col = 3, .msg = "unknown key 'nflenn' in usid (expected block, nflen, local)",
	},
	{
		.name = "unknown section",
		.text = "usid: {}\n"                   /* 1 */
			"setting: { pmtu: 1024 }\n",   /* 2 */
		.line = 2, .col = 1, .msg = "unknown key 'setting' in the config",
	},
	{
		.name = "unknown key in a policy (the man page's example)",
		.text = "nodes: { a: { usid: 1 } }\n"  /* 1 */
			"policies:\n"                  /* 2 */
			"  - name: p\n"                /* 3 */
			"    pathz: [[a]]\n",          /* 4: pathz at column 5 */
		.line = 4, .col = 5,
		.msg = "unknown key 'pathz' in a policy (expected name, match, paths, mode, balance)",
	},
	{
		.name = "unknown node in a path",
		.text = "nodes:\n"                             /* 1 */
			"  leaf1:  { usid: 0x0001 }\n"         /* 2 */
			"  spine1: { usid: 0x1001 }\n"         /* 3 */
			"policies:\n"                          /* 4 */
			"  - name: p\n"                        /* 5 */
			"    paths: [ [leaf1, spine3] ]\n",    /* 6: spine3 at column 22 */
		.line = 6, .col = 22, .msg = "unknown node 'spine3' in a path",
	},
	{
		.name = "a path pattern that matches no node",
		.text = "nodes: { leaf1: { usid: 1 } }\n"      /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    paths: [ [leaf1, \"spine*\"] ]\n", /* 4: "spine*" at column 22 */
		.line = 4, .col = 22, .msg = "path hop 'spine*' matches no node",
	},
	{
		.name = "unknown node in a tap",
		.text = "nodes:\n"                             /* 1 */
			"  spine1: { usid: 0x1001 }\n"         /* 2 */
			"taps:\n"                              /* 3 */
			"  t1: { node: spine9 }\n",            /* 4: spine9 at column 15 */
		.line = 4, .col = 15, .msg = "tap 't1': unknown node 'spine9'",
	},
	{
		.name = "unknown peer in a tap",
		.text = "nodes:\n"                             /* 1 */
			"  spine1: { usid: 0x1001 }\n"         /* 2 */
			"taps:\n"                              /* 3 */
			"  t1: { node: spine1, peer: leaf7 }\n", /* 4: leaf7 at column 29 */
		.line = 4, .col = 29, .msg = "tap 't1': unknown node 'leaf7'",
	},
	{
		.name = "a tap whose peer is its own node",
		.text = "nodes: { s1: { usid: 1 } }\n"         /* 1 */
			"taps:\n"                              /* 2 */
			"  t1: { node: s1, peer: s1 }\n",      /* 3: the tap's mapping at column 7 */
		.line = 3, .col = 7, .col2 = 3, .msg = "peer is the tap's own node",
	},
	{
		.name = "a tap with a bad dir",
		.text = "nodes: { s1: { usid: 1 } }\n"         /* 1 */
			"taps:\n"                              /* 2 */
			"  t1: { node: s1, dir: sideways }\n", /* 3: sideways at column 24 */
		.line = 3, .col = 24, .msg = "dir 'sideways' (expected in, out or both)",
	},
	{
		.name = "overlapping uSIDs (the man page's form: the second node's name)",
		.text = "nodes:\n"                             /* 1 */
			"  spine1: { usid: 0x1001 }\n"         /* 2 */
			"  spine2: { usid: 0x1001 }\n",        /* 3: spine2 at column 3 */
		.line = 3, .col = 3, .col2 = 19, /* or its usid value */
		.msg = "nodes 'spine1' and 'spine2' overlap: both have usid 0x1001",
	},
	{
		.name = "overlapping uSIDs written differently (1001 and 0x1001)",
		.text = "nodes:\n"                             /* 1 */
			"  spine1: { usid: 1001 }\n"           /* 2 */
			"  spine2: { usid: 0x1001 }\n",        /* 3 */
		.line = 3, .col = 3, .col2 = 19,
		.msg = "nodes 'spine1' and 'spine2' overlap: both have usid 0x1001",
	},
	{
		.name = "a uSID in the local range",
		.text = "nodes:\n"                             /* 1 */
			"  leaf1: { usid: 0x0001 }\n"          /* 2 */
			"  bad:   { usid: 0xe001 }\n",         /* 3: bad at 3, 0xe001 at 18 */
		.line = 3, .col = 3, .col2 = 18,
		.msg = "node 'bad': usid 0xe001 is in the local range 0xe000-0xffff",
	},
	{
		.name = "a uSID in a configured local range",
		.text = "usid: { block: fcbb:bbbb::/32, local: 0x8000-0x8fff }\n" /* 1 */
			"nodes:\n"                                                 /* 2 */
			"  n1: { usid: 0x8fff }\n",                                /* 3 */
		.line = 3, .col = 3, .col2 = 15,
		.msg = "node 'n1': usid 0x8fff is in the local range 0x8000-0x8fff",
	},
	{
		.name = "uSID 0",
		.text = "nodes:\n"                             /* 1 */
			"  n1: { usid: 0 }\n",                 /* 2: 0 at column 15 */
		.line = 2, .col = 15, .msg = "node 'n1': usid '0' must be hexadecimal in 0x1..0xffff",
	},
	{
		.name = "uSID wider than nflen",
		.text = "nodes:\n"                             /* 1 */
			"  n1: { usid: 0x10000 }\n",           /* 2 */
		.line = 2, .col = 15, .msg = "usid '0x10000' must be hexadecimal in 0x1..0xffff",
	},
	{
		.name = "uSID not hexadecimal",
		.text = "nodes:\n"                             /* 1 */
			"  n1: { usid: spine }\n",             /* 2 */
		.line = 2, .col = 15, .msg = "usid 'spine' must be hexadecimal",
	},
	{
		.name = "a node without a uSID",
		.text = "nodes:\n"                             /* 1 */
			"  n1: { role: leaf }\n",              /* 2: mapping at 7 */
		.line = 2, .col = 7, .col2 = 3, .msg = "node 'n1' has no usid",
	},
	{
		.name = "a node defined twice",
		.text = "nodes:\n"                             /* 1 */
			"  a: { usid: 1 }\n"                   /* 2 */
			"  a: { usid: 2 }\n",                  /* 3 */
		.line = 3, .col = 3, .msg = "node 'a' is defined twice",
	},
	{
		.name = "a bad role",
		.text = "nodes:\n"                             /* 1 */
			"  a: { usid: 1, role: router }\n",    /* 2: router at 23 */
		.line = 2, .col = 23,
		.msg = "role 'router' (expected host, leaf, spine, superspine or other)",
	},
	{
		.name = "a node name with a space",
		.text = "nodes:\n"                             /* 1 */
			"  \"a b\": { usid: 1 }\n",            /* 2 */
		.line = 2, .col = 3, .msg = "node name 'a b': use letters, digits and - _ . : / only",
	},
	{
		.name = "a block that is not a prefix (the man page's example)",
		.text = "usid:\n"                              /* 1 */
			"  block: fcbb:bbbb::1/32\n",          /* 2: value at column 10 */
		.line = 2, .col = 10,
		.msg = "block 'fcbb:bbbb::1/32' is not a prefix: bits are set past /32 (did you mean "
		       "fcbb:bbbb::/32?)",
	},
	{
		.name = "a block of /0",
		.text = "usid:\n"                              /* 1 */
			"  block: ::/0\n",                     /* 2 */
		.line = 2, .col = 10, .msg = "the length must be a multiple of 8 from 8 (got /0)",
	},
	{
		.name = "a block of /128",
		.text = "usid:\n"                              /* 1 */
			"  block: fcbb:bbbb::/128\n",          /* 2 */
		.line = 2, .col = 10, .msg = "block /128 leaves no room for a 16-bit uSID",
	},
	{
		.name = "a block of /120 with 16-bit uSIDs",
		.text = "usid:\n"                              /* 1 */
			"  block: fcbb:bbbb::/120\n",          /* 2 */
		.line = 2, .col = 10, .msg = "block /120 leaves no room for a 16-bit uSID",
	},
	{
		.name = "a block of /33",
		.text = "usid:\n"                              /* 1 */
			"  block: fcbb:bbbb::/33\n",           /* 2 */
		.line = 2, .col = 10, .msg = "the length must be a multiple of 8 from 8 (got /33)",
	},
	{
		.name = "an IPv4 block",
		.text = "usid:\n"                              /* 1 */
			"  block: 10.0.0.0/8\n",               /* 2 */
		.line = 2, .col = 10, .msg = "block '10.0.0.0/8' is not an IPv6 prefix",
	},
	{
		.name = "a block without a length",
		.text = "usid:\n"                              /* 1 */
			"  block: \"fcbb:bbbb::\"\n",          /* 2: quoted, or "::" ends a key */
		.line = 2, .col = 10, .msg = "block 'fcbb:bbbb::' is not an IPv6 prefix",
	},
	{
		.name = "nflen 12",
		.text = "usid:\n"                              /* 1 */
			"  block: fcbb:bbbb::/32\n"            /* 2 */
			"  nflen: 12\n",                       /* 3: 12 at column 10 */
		.line = 3, .col = 10, .msg = "usid.nflen 12: must be 8, 16, 24 or 32",
	},
	{
		.name = "nflen 40",
		.text = "usid:\n"                              /* 1 */
			"  nflen: 40\n",                       /* 2 */
		.line = 2, .col = 10, .msg = "usid.nflen: '40' is not a number in 8..32",
	},
	{
		.name = "a local range including 0",
		.text = "usid:\n"                              /* 1 */
			"  local: 0-0xff\n",                   /* 2 */
		.line = 2, .col = 10, .msg = "uSID 0 ends a carrier and cannot be local",
	},
	{
		.name = "a local range wider than nflen",
		.text = "usid:\n"                              /* 1 */
			"  local: 0xe000-0x1ffff\n",           /* 2 */
		.line = 2, .col = 10, .msg = "is not a value or a range LOW-HIGH within 0..0xffff",
	},
	{
		.name = "a bad mode",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    paths: [[a]]\n"                   /* 4 */
			"    mode: random\n",                  /* 5: random at column 11 */
		.line = 5, .col = 11, .msg = "mode 'random' (expected pin or spray)",
	},
	{
		.name = "balance 1.5",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    paths: [[a]]\n"                   /* 4 */
			"    balance: 1.5\n",                  /* 5: 1.5 at column 14 */
		.line = 5, .col = 14, .msg = "balance '1.5' must be a fraction from 0 to 1",
	},
	{
		.name = "balance -0.1",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    paths: [[a]]\n"                   /* 4 */
			"    balance: -0.1\n",                 /* 5 */
		.line = 5, .col = 14, .msg = "balance '-0.1' must be a fraction from 0 to 1",
	},
	{
		.name = "balance nan",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    paths: [[a]]\n"                   /* 4 */
			"    balance: nan\n",                  /* 5 */
		.line = 5, .col = 14, .msg = "balance 'nan' must be a fraction from 0 to 1",
	},
	{
		.name = "dqpn range 0x200-0x100 runs backwards",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    match: { dqpn: 0x200-0x100 }\n"   /* 4: value at column 20 */
			"    paths: [[a]]\n",                  /* 5 */
		.line = 4, .col = 20, .msg = "match.dqpn: range '0x200-0x100' runs backwards",
	},
	{
		.name = "dqpn beyond 24 bits",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    match: { dqpn: 0x1000000 }\n"     /* 4 */
			"    paths: [[a]]\n",                  /* 5 */
		.line = 4, .col = 20, .msg = "match.dqpn: '0x1000000' is not a value or a range",
	},
	{
		.name = "dscp 64",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    match: { dscp: [26, 64] }\n"      /* 4: 64 at column 25 */
			"    paths: [[a]]\n",                  /* 5 */
		.line = 4, .col = 25, .msg = "match.dscp: '64' is not a value or a range",
	},
	{
		.name = "a bad source prefix",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    match: { src: 10.1.0.0/33 }\n"    /* 4: value at column 19 */
			"    paths: [[a]]\n",                  /* 5 */
		.line = 4, .col = 19, .msg = "match.src '10.1.0.0/33' is not an address or prefix",
	},
	{
		.name = "a duplicate policy name",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    paths: [[a]]\n"                   /* 4 */
			"  - name: p\n"                        /* 5: the second policy at column 5 */
			"    paths: [[a]]\n",                  /* 6 */
		.line = 5, .col = 5, .col2 = 11, .msg = "policy 'p' is defined twice",
	},
	{
		.name = "a policy without paths",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    mode: pin\n",                     /* 4 */
		.line = 3, .col = 5, .msg = "policy 'p' has no paths",
	},
	{
		.name = "a policy without a name",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - paths: [[a]]\n",                  /* 3 */
		.line = 3, .col = 5, .msg = "a policy has no name",
	},
	{
		.name = "an empty path",
		.text = "nodes: { a: { usid: 1 } }\n"          /* 1 */
			"policies:\n"                          /* 2 */
			"  - name: p\n"                        /* 3 */
			"    paths: [[]]\n",                   /* 4: [] at column 13 */
		.line = 4, .col = 13, .msg = "a path must name at least one node",
	},
	{
		.name = "nine RoCE ports",
		.text = "settings: { roce_ports: [1, 2, 3, 4, 5, 6, 7, 8, 9] }\n", /* 1: 9 at 50 */
		.line = 1, .col = 50, .msg = "roce_ports: at most 8 ports",
	},
	{
		.name = "RoCE port 0",
		.text = "settings: { roce_ports: [0] }\n",   /* 1: 0 at 26 */
		.line = 1, .col = 26, .msg = "a RoCE port: '0' is not a number in 1..65535",
	},
	{
		.name = "pmtu 1000",
		.text = "settings:\n"                          /* 1 */
			"  pmtu: 1000\n",                      /* 2: 1000 at column 9 */
		.line = 2, .col = 9, .msg = "pmtu 1000: must be 256, 512, 1024, 2048 or 4096",
	},
	{
		.name = "icrc maybe",
		.text = "settings:\n"                          /* 1 */
			"  icrc: maybe\n",                     /* 2 */
		.line = 2, .col = 9, .msg = "icrc: expected true or false, got 'maybe'",
	},
	{
		.name = "a section that is not a mapping",
		.text = "usid: 5\n",                           /* 1: 5 at column 7 */
		.line = 1, .col = 7, .msg = "usid must be a mapping",
	},
	{
		.name = "a section given twice",
		.text = "usid: {}\n"                           /* 1 */
			"usid: {}\n",                          /* 2 */
		.line = 2, .col = 1, .msg = "section 'usid' appears twice",
	},
	{
		.name = "a list at the top",
		.text = "- usid\n"                             /* 1 */
			"- nodes\n",                           /* 2 */
		.line = 1, .col = 1, .msg = "the config must be a mapping",
	},
	{
		.name = "YAML syntax: a second ':' in a value",
		.text = "usid:\n"                              /* 1 */
			"  block: a: b\n",                     /* 2: the second ':' at column 11 */
		.line = 2, .col = 11, .msg = "mapping values are not allowed in this context",
	},
	{
		.name = "YAML syntax: an unclosed flow mapping",
		.text = "nodes: { a: { usid: 1 }\n",           /* 1; the parser notices on line 2 */
		.line = 2, .col = 1, .msg = "did not find expected ',' or '}'",
	},
	{
		.name = "YAML syntax: a tab for indentation",
		.text = "usid:\n"                              /* 1 */
			"\tblock: fcbb:bbbb::/32\n",           /* 2: the tab at column 1 */
		.line = 2, .col = 1, .msg = "found character that cannot start any token",
	},
	{
		.name = "an empty document",
		.text = "",
		.msg = "the file is empty",
	},
	{
		.name = "a document of comments only",
		.text = "# nothing here\n",
		.msg = "the file is empty",
	},
	{
		.name = "two documents",
		.text = "usid: {}\n"                           /* 1 */
			"---\n"                                /* 2 */
			"nodes: {}\n",                         /* 3 */
		.msg = "more than one YAML document",
	},
};

static void test_config_errors(void)
{
	for (size_t i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++) {
		const struct err_row *r = &err_rows[i];
		struct config c;
		char err[512], want[64], want2[64] = "";
		row(r->name);
		config_init(&c);
		bool ok = load(&c, r->text, err, sizeof(err));
		CHECK(!ok);
		if (ok) {
			config_free(&c);
			continue;
		}
		if (r->line) {
			snprintf(want, sizeof(want), "t.yaml:%u:%u: ", r->line, r->col);
			if (r->col2)
				snprintf(want2, sizeof(want2), "t.yaml:%u:%u: ", r->line, r->col2);
		} else {
			snprintf(want, sizeof(want), "t.yaml: ");
		}
		bool pos = strncmp(err, want, strlen(want)) == 0 ||
			   (want2[0] && strncmp(err, want2, strlen(want2)) == 0);
		if (!pos)
			UNIT_FAIL("position: got \"%s\", want prefix \"%s\"%s%s", err, want,
				  want2[0] ? " or " : "", want2);
		if (!strstr(err, r->msg))
			UNIT_FAIL("message: got \"%s\", want it to contain \"%s\"", err, r->msg);
		/* one line, no trailing newline */
		CHECK(strchr(err, '\n') == NULL);
		/* a failed load leaves nothing behind */
		CHECK_EQ_U(c.nnodes, 0);
		CHECK_EQ_U(c.ntaps, 0);
		CHECK_EQ_U(c.npolicies, 0);
		CHECK_EQ_U(c.has_block, 0);
		CHECK_EQ_S(c.file, "");
		config_free(&c);
	}
}

/* A message longer than the caller's buffer is cut, never overrun. */
static void test_config_small_err_buffer(void)
{
	struct config c;
	char *err = malloc(12); /* exact size: ASan sees an overrun */
	if (!err)
		abort();
	config_init(&c);
	row("12-byte error buffer");
	CHECK(!config_load_mem(&c, "t.yaml", "usid:\n  nflenn: 1\n", 18, err, 12));
	CHECK(strlen(err) < 12);
	CHECK(strncmp(err, "t.yaml:2:3:", 11) == 0);
	config_free(&c);
	free(err);
}

/* Every prefix of the full config (a file cut short): loads or fails with a message that
 * names the file, never reads past the text (ASan), never leaves a half-filled config. */
static void test_config_truncated(void)
{
	size_t n = sizeof(full_conf) - 1;
	unsigned loaded = 0;
	row("prefixes of the full config");
	for (size_t len = 0; len < n; len++) {
		struct config c;
		char err[512] = "";
		char *p = malloc(len ? len : 1);
		if (!p)
			abort();
		memcpy(p, full_conf, len);
		config_init(&c);
		bool ok = config_load_mem(&c, "t.yaml", p, len, err, sizeof(err));
		free(p);
		if (ok) {
			loaded++;
		} else {
			if (strncmp(err, "t.yaml:", 7) != 0)
				UNIT_FAIL("prefix of %zu bytes: message \"%s\"", len, err);
			if (c.nnodes || c.ntaps || c.npolicies || c.has_block)
				UNIT_FAIL("prefix of %zu bytes: config left half-filled", len);
		}
		config_free(&c);
	}
	/* cut at a line end, most prefixes are valid configs of their own */
	CHECK(loaded > 0);
}

struct glob_row {
	const char *pattern, *name;
	bool match;
};

static void test_config_glob(void)
{
	static const struct glob_row rows[] = {
		{"spine*", "spine1", true},   {"spine*", "spine", true},
		{"spine*", "leaf1", false},   {"spine*", "xspine1", false},
		{"*1", "spine1", true},       {"*1", "1", true},
		{"*1", "spine12", false},     {"*1", "spine", false},
		{"s*e*1", "spine1", true},    {"s*e*1", "superspine1", true},
		{"s*e*1", "se1", true},       {"s*e*1", "spine2", false},
		{"s*e*1", "s1", false},       {"s*e*1", "spine1x", false},
		{"*", "anything", true},      {"*", "", true},
		{"**", "x", true},            {"", "", true},
		{"", "a", false},             {"a", "", false},
		{"leaf1", "leaf1", true},     {"leaf1", "leaf10", false},
		{"leaf10", "leaf1", false},   {"*spine*", "superspine3", true},
		{"spine?", "spine1", false},  {"spine?", "spine?", true}, /* only '*' is special */
		{"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", true},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char label[160];
		snprintf(label, sizeof(label), "glob '%s' on '%s'", rows[i].pattern, rows[i].name);
		row(label);
		CHECK_EQ_U(config_glob(rows[i].pattern, rows[i].name), rows[i].match);
	}
}

int main(void)
{
	RUN(test_config_full);
	RUN(test_config_defaults);
	RUN(test_config_section_order);
	RUN(test_config_errors);
	RUN(test_config_small_err_buffer);
	RUN(test_config_truncated);
	RUN(test_config_glob);
	return unit_done();
}
