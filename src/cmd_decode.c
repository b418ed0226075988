/*
 * cmd_decode.c - `spinetap decode`: print every packet of one or more
 * capture files, tcpdump-like text or JSON Lines, then the outcome
 * counters. With -q nothing but the counters is printed (benchmarks).
 *
 * Exit status: 0 when every file was read to its end, 2 when a file could
 * not be opened or ended in an error (the packets before it are printed).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "dissect.h"
#include "dstats.h"
#include "emit.h"
#include "out.h"
#include "pktsrc.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spinetap decode [-v] [--json] [-q] [-c CONFIG] [--usid-block PREFIX]\n"
		"                       [--usid-nflen N] [--count N] FILE...\n"
		"  -v               every field (repeat for more)\n"
		"  --json           JSON Lines: one object per packet\n"
		"  -q               decode without printing; print only the counters\n"
		"  -c CONFIG        fabric config (uSID block, node names)\n"
		"  --usid-block P   uSID locator block, e.g. fcbb:bbbb::/32\n"
		"  --usid-nflen N   uSID length in bits (8, 16, 24, 32; default 16)\n"
		"  --count N        stop after N packets\n"
		"  FILE             pcap or pcapng; - for standard input\n");
}

int cmd_decode(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_BLOCK, OPT_NFLEN, OPT_COUNT, OPT_HELP };
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"usid-block", required_argument, NULL, OPT_BLOCK},
		{"usid-nflen", required_argument, NULL, OPT_NFLEN},
		{"count", required_argument, NULL, OPT_COUNT},
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	struct config cfg;
	char err[512];
	int verbose = 0, c;
	bool json = false, quiet = false;
	const char *cfgpath = NULL, *block = NULL;
	uint64_t nflen = 0, count = UINT64_MAX;

	config_init(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "vqc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose++;
			break;
		case 'q':
			quiet = true;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_BLOCK:
			block = optarg;
			break;
		case OPT_NFLEN:
			if (!parse_u64(optarg, 8, 32, &nflen) || nflen % 8)
				die("--usid-nflen %s: must be 8, 16, 24 or 32", optarg);
			break;
		case OPT_COUNT:
			if (!parse_u64(optarg, 1, UINT64_MAX, &count))
				die("--count %s: not a positive number", optarg);
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (cfgpath && !config_load(&cfg, cfgpath, err, sizeof(err)))
		die("%s", err);
	if (nflen && !config_set_nflen(&cfg, (unsigned)nflen, err, sizeof(err)))
		die("--usid-nflen: %s", err);
	if (block && !config_set_block(&cfg, block, err, sizeof(err)))
		die("--usid-block: %s", err);

	struct dp_opts dp;
	config_dp_opts(&cfg, &dp);

	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	struct out o;
	out_init(&o, stdout, json ? OUT_JSON : OUT_TEXT, verbose);

	struct dstats st;
	memset(&st, 0, sizeof(st));
	struct dpkt d;
	int rc = EXIT_OK;
	uint64_t t0 = now_ns(), n = 0;

	for (int i = optind; i < argc && n < count; i++) {
		struct pktsrc *s = pktsrc_open(argv[i], err, sizeof(err));
		if (!s) {
			warnmsg("%s", err);
			rc = EXIT_ERROR;
			continue;
		}
		struct pkt p;
		int r;
		while (n < count && (r = pktsrc_next(s, &p)) == 1) {
			dissect(&dp, p.linktype, p.data, p.caplen, p.len, &d);
			dstats_add(&st, &d, p.len);
			n++;
			if (!quiet)
				emit_packet(&o, &cfg, &dp, &p, &d);
		}
		if (n < count && r < 0) {
			fflush(stdout);
			warnmsg("%s", pktsrc_error(s));
			rc = EXIT_ERROR;
		}
		pktsrc_close(s);
	}
	fflush(stdout);
	double secs = (double)(now_ns() - t0) / 1e9;

	if (quiet && json) {
		out_init(&o, stdout, OUT_JSON, 0);
		out_obj_open(&o, 0, NULL, NULL);
		dstats_json(&o, &st);
		out_double(&o, 0, "seconds", NULL, secs);
		out_obj_close(&o, NULL);
		out_eol(&o);
	} else {
		FILE *f = quiet ? stdout : stderr;
		char a[32];
		fprintf(f, "%s packets decoded in %.3f s (%.2f Mpps)\n", fmt_count(a, sizeof(a), st.packets),
			secs, secs > 0 ? (double)st.packets / secs / 1e6 : 0.0);
		dstats_print(f, &st, "  ");
	}
	fflush(stdout);
	config_free(&cfg);
	return rc;
}
