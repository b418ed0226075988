/*
 * cmd_analyze.c - `spinetap analyze`: merge capture files in timestamp
 * order, each labelled with its tap, run them through the attribution
 * engine, write SQLite, print the report.
 *
 * Offline analysis never drops: every packet read is either accounted to a
 * QP (or a PFC/PAUSE count) or rejected with its decode cause, and the
 * report shows both sides. A file that ends in an error stops only that
 * file; the report and the store hold everything read before it, and the
 * exit status is 2.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attrib.h"
#include "cli.h"
#include "config.h"
#include "evidence.h"
#include "pktsrc.h"
#include "policy.h"
#include "report.h"
#include "store.h"
#include "util.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spinetap analyze [-c CONFIG] [-d DB] [--json] [-q] [--from T] [--to T]\n"
		"                        [--fail-on KINDS] [--evidence FILE] [--top N] [TAP=]FILE...\n"
		"  -c CONFIG        fabric config: uSID block, nodes, taps, policies\n"
		"  -d DB            SQLite file (default ./spinetap.db); :memory: writes none\n"
		"  --json           one JSON summary object instead of the report\n"
		"  -q               print nothing but errors (exit status still tells)\n"
		"  --from T, --to T analyze packets with from <= time < to (epoch seconds or\n"
		"                   2026-01-01T00:00:00Z)\n"
		"  --fail-on KINDS  violation kinds that make the exit status 1 (comma list)\n"
		"  --evidence FILE  write offending packets to a pcapng, one comment each\n"
		"  --top N          QPs listed in the report (default 10)\n"
		"  TAP=FILE         a capture and its tap name (default: the file's base name)\n");
}

/* "spine1=s1.pcap" -> tap "spine1", file "s1.pcap"; else tap = base name without extension. */
static void split_tap(const char *arg, char *tap, size_t taplen, const char **file)
{
	const char *eq = strchr(arg, '=');
	struct stat sb;
	if (eq && eq != arg && stat(arg, &sb) != 0) {
		size_t n = (size_t)(eq - arg);
		if (n >= taplen)
			n = taplen - 1;
		memcpy(tap, arg, n);
		tap[n] = '\0';
		*file = eq + 1;
		return;
	}
	*file = arg;
	const char *base = strrchr(arg, '/');
	base = base ? base + 1 : arg;
	snprintf(tap, taplen, "%s", base);
	static const char *const ext[] = {".pcapng", ".pcap", ".cap"};
	size_t len = strlen(tap);
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		size_t el = strlen(ext[i]);
		if (len > el && !strcmp(tap + len - el, ext[i])) {
			tap[len - el] = '\0';
			break;
		}
	}
	if (!strcmp(arg, "-"))
		snprintf(tap, taplen, "stdin");
}

int cmd_analyze(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_FROM, OPT_TO, OPT_FAILON, OPT_EVIDENCE, OPT_TOP, OPT_HELP };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"db", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, OPT_JSON},
		{"quiet", no_argument, NULL, 'q'},
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"fail-on", required_argument, NULL, OPT_FAILON},
		{"evidence", required_argument, NULL, OPT_EVIDENCE},
		{"top", required_argument, NULL, OPT_TOP},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	struct config cfg;
	char err[640];
	const char *cfgpath = NULL, *db = "spinetap.db", *evpath = NULL;
	bool json = false, quiet = false;
	uint64_t from = 0, to = UINT64_MAX, top = 10;
	uint32_t failmask = UINT32_MAX;
	int c;

	config_init(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_FROM:
			if (!parse_time(optarg, &from))
				die("--from %s: not a time (epoch seconds or 2026-01-01T00:00:00Z)", optarg);
			break;
		case OPT_TO:
			if (!parse_time(optarg, &to))
				die("--to %s: not a time (epoch seconds or 2026-01-01T00:00:00Z)", optarg);
			break;
		case OPT_FAILON:
			if (!policy_parse_kinds(optarg, &failmask, err, sizeof(err)))
				die("--fail-on: %s", err);
			break;
		case OPT_EVIDENCE:
			evpath = optarg;
			break;
		case OPT_TOP:
			if (!parse_u64(optarg, 0, 1000000, &top))
				die("--top %s: not a number", optarg);
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
	if (from >= to)
		die("--from must be earlier than --to");
	if (cfgpath && !config_load(&cfg, cfgpath, err, sizeof(err)))
		die("%s", err);

	struct engine *e = calloc(1, sizeof(*e));
	if (!e || !engine_init(e, &cfg))
		die("out of memory for the QP table (qp_capacity %u)", cfg.set.qp_capacity);

	int nsrc = argc - optind;
	struct pktsrc **src = calloc((size_t)nsrc, sizeof(*src));
	int *srctap = calloc((size_t)nsrc, sizeof(*srctap));
	if (!src || !srctap)
		die("out of memory");
	for (int i = 0; i < nsrc; i++) {
		char tap[TAP_NAME_MAX];
		const char *file;
		split_tap(argv[optind + i], tap, sizeof(tap), &file);
		src[i] = pktsrc_open(file, err, sizeof(err));
		if (!src[i])
			die("%s", err);
		srctap[i] = engine_add_tap(e, tap, file);
		if (srctap[i] < 0)
			die("too many taps (at most %d)", MAX_TAPS);
		if (cfg.ntaps && e->tap[srctap[i]].cfg < 0)
			warnmsg("tap '%s' (%s) is not in %s: its packets get no direction or node", tap,
				file, cfg.file);
	}

	struct store *st = NULL;
	if (strcmp(db, ":memory:") != 0) {
		st = store_open(db, "analyze", argc, argv, &cfg, err, sizeof(err));
		if (!st)
			die("%s", err);
	}
	struct evidence_writer *ew = NULL;
	if (evpath) {
		ew = evidence_open(evpath, err, sizeof(err));
		if (!ew)
			die("%s", err);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct merger *m = merger_new(src, nsrc);
	if (!m)
		die("out of memory");
	char ebuf[1024] = "";
	struct sbuf errs;
	sb_init(&errs, ebuf, sizeof(ebuf));
	/* Flush every second, or less often when flushing is slow (many QPs change at
	 * once): the store may take at most a tenth of the time. */
	uint64_t n = 0, last_flush = now_ns(), flush_every = 1000000000ull;
	bool store_failed = false;
	struct pkt p;
	int failed, r;
	while (!stop_requested && (r = merger_next(m, &p, &failed)) != 0) {
		if (r < 0) {
			warnmsg("%s", pktsrc_error(src[failed]));
			sb_printf(&errs, "%s%s", errs.len ? "; " : "", pktsrc_error(src[failed]));
			continue; /* that source is out of the merge; the others go on */
		}
		if (p.ts < from || p.ts >= to) {
			e->skipped_window++;
			continue;
		}
		if (st && store_bucket_due(st, p.ts) && !store_flush(st, e, NULL, "running") && !store_failed) {
			warnmsg("%s: %s (will retry)", db, store_error(st));
			store_failed = true;
		}
		engine_packet(e, srctap[p.src], &p);
		bool evq_full = e->nev >= EV_FLUSH_AT; /* a QP flood: write the evicted rows now */
		if (((++n & 0xffff) == 0 || evq_full) && st) {
			uint64_t now = now_ns();
			if (now - last_flush >= flush_every || evq_full) {
				if (!store_flush(st, e, NULL, "running") && !store_failed) {
					warnmsg("%s: %s (will retry)", db, store_error(st));
					store_failed = true;
				}
				last_flush = now_ns();
				uint64_t took = last_flush - now;
				flush_every = took * 10 > 1000000000ull ? took * 10 : 1000000000ull;
			}
		}
	}
	if (stop_requested)
		sb_printf(&errs, "%sinterrupted by a signal", errs.len ? "; " : "");
	engine_finish(e);

	uint32_t *peer = calloc(e->qp.n ? e->qp.n : 1, sizeof(*peer));
	if (!peer)
		die("out of memory pairing QPs");
	engine_pair_and_count(e, peer);

	int rc = errs.len ? EXIT_ERROR : EXIT_OK;
	if (st && !store_flush(st, e, peer, errs.len ? "error" : "done")) {
		warnmsg("%s: %s", db, store_error(st));
		rc = EXIT_ERROR;
	}
	if (ew) {
		if (!evidence_write_all(ew, e, err, sizeof(err))) {
			warnmsg("%s", err);
			rc = EXIT_ERROR;
		}
		evidence_close(ew);
	}

	struct report_opts ro = {
		.top = (int)top,
		.db = st ? db : NULL,
		.run = st ? store_run_id(st) : 0,
		.error = errs.len ? ebuf : NULL,
	};
	if (!quiet) {
		if (json)
			report_json(stdout, e, peer, &ro);
		else
			report_text(stdout, e, peer, &ro);
	}
	fflush(stdout);
	if (rc == EXIT_OK && policy_failed(e, failmask))
		rc = EXIT_VIOLATION;

	merger_free(m);
	for (int i = 0; i < nsrc; i++)
		pktsrc_close(src[i]);
	free(src);
	free(srctap);
	free(peer);
	store_close(st);
	engine_free(e);
	free(e);
	config_free(&cfg);
	return rc;
}
