/*
 * cmd_capture.c - `spinetap capture`: live capture on spine interfaces,
 * possibly in other network namespaces, through the same engine, store and
 * report as `analyze`.
 *
 * Threads: one capture worker per interface (live.c); this thread drains
 * them in timestamp order, holding each packet until every interface has
 * read past its time, runs attribution, and
 * once a second records per-interface drops, flushes SQLite and prints a
 * status line when stderr is a terminal. Signals: SIGINT/SIGTERM stop with
 * a final flush and report; SIGHUP reloads the config (nodes, taps,
 * policies) keeping every counter.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib.h"
#include "cli.h"
#include "config.h"
#include "evidence.h"
#include "live.h"
#include "policy.h"
#include "report.h"
#include "store.h"
#include "util.h"

#define HOLD_NS 20000000ull /* at least this long; live.c also waits for every interface */

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spinetap capture [-c CONFIG] [-d DB] -i [TAP=][NETNS/]IFACE ... [-s SNAPLEN]\n"
		"                        [-B MiB] [-Z USER] [--duration S] [--json] [-q]\n"
		"                        [--fail-on KINDS] [--evidence FILE] [EXPRESSION]\n"
		"  -i SPEC          interface to capture; NETNS is a name under /run/netns or a\n"
		"                   path such as /proc/PID/ns/net; TAP names it in the config\n"
		"  -s SNAPLEN       bytes kept per packet (default 256: headers only)\n"
		"  -B MiB           kernel buffer per interface (default 64)\n"
		"  -Z USER          drop root for USER once every interface is open\n"
		"  --duration S     stop after S seconds\n"
		"  -c, -d, --json, -q, --fail-on, --evidence, --top: as for analyze\n"
		"  EXPRESSION       a BPF filter applied to every interface\n");
}

/*
 * Can a running capture take `n` in place of `o`? Taps and policies can
 * change; the uSID layout and the nodes' uSIDs (their number and order:
 * the correlation state is kept per node) cannot. Names and roles can.
 */
static bool reloadable(const struct config *o, const struct config *n, char *why, size_t len)
{
	if (o->has_block != n->has_block || memcmp(o->block, n->block, sizeof(o->block)) != 0 ||
	    o->lblen != n->lblen || o->nflen != n->nflen || o->local_lo != n->local_lo ||
	    o->local_hi != n->local_hi) {
		snprintf(why, len, "the usid block, nflen or local range changed");
		return false;
	}
	if (o->nnodes != n->nnodes) {
		snprintf(why, len, "nodes were added or removed (%d, now %d)", o->nnodes, n->nnodes);
		return false;
	}
	for (int i = 0; i < o->nnodes; i++)
		if (o->nodes[i].usid != n->nodes[i].usid) {
			snprintf(why, len, "node %s changed its usid or place in the list", n->nodes[i].name);
			return false;
		}
	return true;
}

/* CPU time of the calling thread: here the attribution thread, which is main. */
static double thread_cpu_s(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Copy the live counters of every interface into its tap; several interfaces
 * may feed one tap (-i spine1=l1 -i spine1=l2), so their counters are summed.
 */
static void sync_taps(struct engine *e, struct live *l, const int *tapof)
{
	for (int i = 0; i < live_count(l); i++) {
		struct tap *t = &e->tap[tapof[i]];
		t->kernel_recv = t->kernel_drop = t->ifdrop = t->ring_drops = t->worker_packets = 0;
		t->cpu_s = 0;
	}
	for (int i = 0; i < live_count(l); i++) {
		struct live_stats s;
		live_stats(l, i, &s);
		struct tap *t = &e->tap[tapof[i]];
		t->live = true;
		t->kernel_recv += s.kernel_recv;
		t->kernel_drop += s.kernel_drop + s.ring_drops;
		t->ifdrop += s.ifdrop;
		t->ring_drops += s.ring_drops;
		t->worker_packets += s.packets;
		t->cpu_s += s.cpu_s;
	}
}

/* The per-second drops rows: one per tap, the sum of its interfaces. */
static void store_drop_rows(struct store *st, const struct engine *e, struct live *l, const int *tapof,
			    const struct live_stats *cur, const struct live_stats *prev)
{
	struct {
		bool used;
		uint64_t packets, bytes, recv, drop;
	} sum[MAX_TAPS];
	memset(sum, 0, sizeof(sum[0]) * (size_t)e->ntaps);
	for (int i = 0; i < live_count(l); i++) {
		int t = tapof[i];
		sum[t].used = true;
		sum[t].packets += cur[i].packets - prev[i].packets;
		sum[t].bytes += cur[i].bytes - prev[i].bytes;
		sum[t].recv += cur[i].kernel_recv;
		sum[t].drop += cur[i].kernel_drop + cur[i].ring_drops;
	}
	uint64_t sec = (uint64_t)time(NULL);
	for (int t = 0; t < e->ntaps; t++)
		if (sum[t].used)
			store_drops(st, sec, t, sum[t].packets, sum[t].bytes, sum[t].recv, sum[t].drop);
}

int cmd_capture(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_DURATION, OPT_FAILON, OPT_EVIDENCE, OPT_TOP, OPT_HELP };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"db", required_argument, NULL, 'd'},
		{"interface", required_argument, NULL, 'i'},
		{"snaplen", required_argument, NULL, 's'},
		{"buffer", required_argument, NULL, 'B'},
		{"user", required_argument, NULL, 'Z'},
		{"json", no_argument, NULL, OPT_JSON},
		{"quiet", no_argument, NULL, 'q'},
		{"duration", required_argument, NULL, OPT_DURATION},
		{"fail-on", required_argument, NULL, OPT_FAILON},
		{"evidence", required_argument, NULL, OPT_EVIDENCE},
		{"top", required_argument, NULL, OPT_TOP},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	struct config cfg;
	char err[640];
	const char *cfgpath = NULL, *db = "spinetap.db", *user = NULL, *evpath = NULL;
	bool json = false, quiet = false;
	uint64_t snaplen = 256, bufmib = 64, duration = 0, top = 10;
	uint32_t failmask = UINT32_MAX;
	struct live_spec specs[64];
	int nspec = 0, c;

	config_init(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:d:i:s:B:Z:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'i':
			if (nspec >= (int)ARRAY_SIZE(specs))
				die("too many -i (at most %zu)", ARRAY_SIZE(specs));
			if (!live_parse_spec(optarg, &specs[nspec], err, sizeof(err)))
				die("%s", err);
			nspec++;
			break;
		case 's':
			if (!parse_u64(optarg, 64, 262144, &snaplen))
				die("-s %s: a snapshot length from 64 to 262144", optarg);
			break;
		case 'B':
			if (!parse_u64(optarg, 1, 2047, &bufmib)) /* libpcap takes an int of bytes */
				die("-B %s: a buffer size in MiB from 1 to 2047", optarg);
			break;
		case 'Z':
			user = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_DURATION:
			if (!parse_u64(optarg, 1, 10ull * 365 * 86400, &duration))
				die("--duration %s: seconds, at least 1", optarg);
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
	if (!nspec) {
		usage(stderr);
		die("capture needs at least one -i");
	}
	char filter[2048] = "";
	{
		struct sbuf b;
		sb_init(&b, filter, sizeof(filter));
		for (int i = optind; i < argc; i++)
			sb_printf(&b, "%s%s", b.len ? " " : "", argv[i]);
	}
	if (cfgpath && !config_load(&cfg, cfgpath, err, sizeof(err)))
		die("%s", err);

	struct live_opts lo = {
		.snaplen = (int)snaplen,
		.buffer_mib = (int)bufmib,
		.filter = filter[0] ? filter : NULL,
	};
	struct live *l = live_new(&lo);
	if (!l)
		die("out of memory");
	for (int i = 0; i < nspec; i++)
		if (!live_open(l, &specs[i], err, sizeof(err)))
			die("%s", err);

	struct engine *e = calloc(1, sizeof(*e));
	if (!e || !engine_init(e, &cfg))
		die("out of memory for the QP table (qp_capacity %u)", cfg.set.qp_capacity);
	int tapof[64];
	for (int i = 0; i < nspec; i++) {
		tapof[i] = engine_add_tap(e, specs[i].tap, specs[i].text);
		if (tapof[i] < 0)
			die("too many taps");
		e->tap[tapof[i]].live = true; /* captured from the start: see policy.c leave_span */
		if (cfg.ntaps && e->tap[tapof[i]].cfg < 0)
			warnmsg("tap '%s' is not in %s: its packets get no direction or node", specs[i].tap,
				cfg.file);
	}

	struct store *st = NULL;
	if (strcmp(db, ":memory:") != 0) {
		st = store_open(db, "capture", argc, argv, &cfg, err, sizeof(err));
		if (!st)
			die("%s", err);
	}
	struct evidence_writer *ew = NULL;
	if (evpath && !(ew = evidence_open(evpath, err, sizeof(err))))
		die("%s", err);
	if (user) {
		char wal[600], shm[600];
		snprintf(wal, sizeof(wal), "%s-wal", db);
		snprintf(shm, sizeof(shm), "%s-shm", db);
		const char *files[] = {st ? db : NULL, st ? wal : NULL, st ? shm : NULL, evpath};
		if (!live_drop_privileges(user, files, (int)ARRAY_SIZE(files), err, sizeof(err)))
			die("%s", err);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!live_start(l, err, sizeof(err)))
		die("%s", err);

	bool tty = isatty(STDERR_FILENO);
	uint64_t start = mono_ns(), next_tick = start + 1000000000ull;
	uint64_t store_err_reported = 0, next_flush = 0;
	struct live_stats prev[64];
	memset(prev, 0, sizeof(prev));
	struct config newcfg;
	config_init(&newcfg);
	char ebuf[1024] = "";
	struct sbuf errs;
	sb_init(&errs, ebuf, sizeof(ebuf));

	for (;;) {
		bool stopping = stop_requested || (duration && mono_ns() - start >= duration * 1000000000ull);
		if (stopping)
			break;
		struct pkt p;
		int got = 0;
		uint64_t upto = now_ns() - HOLD_NS;
		while (got < 4096 && live_next(l, &p, upto) == 1) {
			if (st && store_bucket_due(st, p.ts) && !store_flush(st, e, NULL, "running"))
				next_tick = 0; /* report the store error at once */
			engine_packet(e, tapof[p.src], &p);
			got++;
		}
		if (st && e->nev >= EV_FLUSH_AT && !store_flush(st, e, NULL, "running"))
			next_tick = 0; /* report the store error at once */
		if (!got) {
			engine_sync(e); /* an idle link leaves no packet waiting to be judged */
			struct timespec nap = {0, 1000000};
			nanosleep(&nap, NULL);
		}
		if (reload_requested) {
			reload_requested = 0;
			if (!cfgpath) {
				warnmsg("SIGHUP: no config file to reload");
			} else if (!config_load(&newcfg, cfgpath, err, sizeof(err))) {
				warnmsg("SIGHUP: %s (keeping the running config)", err);
			} else if (!reloadable(&cfg, &newcfg, err, sizeof(err))) {
				warnmsg("SIGHUP: %s: %s; restart to apply it (keeping the running config)",
					cfgpath, err);
				config_free(&newcfg);
				config_init(&newcfg);
			} else {
				/* Packets before the reload are judged under the old config. */
				engine_sync(e);
				/* The engine holds a pointer to cfg: swap the contents in place. */
				struct config old = cfg;
				cfg = newcfg;
				config_init(&newcfg);
				paths_rename(&e->paths, &cfg);
				for (int t = 0; t < e->ntaps; t++) {
					struct tap *tp = &e->tap[t];
					tp->cfg = config_tap_by_name(&cfg, tp->name);
					tp->node = tp->cfg >= 0 ? cfg.taps[tp->cfg].node : -1;
					tp->peer = tp->cfg >= 0 ? cfg.taps[tp->cfg].peer : -1;
					tp->dir = tp->cfg >= 0 ? cfg.taps[tp->cfg].dir : DIR_BOTH;
				}
				policy_reload(e);
				config_free(&old);
				warnmsg("SIGHUP: reloaded %s", cfgpath);
			}
		}
		uint64_t now = mono_ns();
		if (now < next_tick)
			continue;
		next_tick = now + 1000000000ull;
		bool flush_now = now >= next_flush;
		sync_taps(e, l, tapof);
		char line[1024];
		struct sbuf sl;
		sb_init(&sl, line, sizeof(line));
		struct live_stats cur[64];
		for (int i = 0; i < live_count(l); i++) {
			struct live_stats *s = &cur[i];
			live_stats(l, i, s);
			if (s->failed && !strstr(ebuf, s->error)) {
				warnmsg("%s", s->error);
				sb_printf(&errs, "%s%s", errs.len ? "; " : "", s->error);
			}
			const struct live_spec *sp = live_spec_at(l, i);
			char rate[32], kr[32], kd[32];
			fmt_count(kr, sizeof(kr), s->kernel_recv);
			fmt_count(kd, sizeof(kd), s->kernel_drop + s->ring_drops);
			fmt_bytes(rate, sizeof(rate), s->bytes - prev[i].bytes);
			sb_printf(&sl, "%s%s %s: %llu pkt/s %s/s, kernel recv %s drop %s", i ? " | " : "",
				  sp->tap, sp->iface, (unsigned long long)(s->packets - prev[i].packets), rate,
				  kr, kd);
		}
		if (st)
			store_drop_rows(st, e, l, tapof, cur, prev);
		memcpy(prev, cur, sizeof(cur[0]) * (size_t)live_count(l));
		uint64_t f0 = mono_ns();
		if (st && flush_now && !store_flush(st, e, NULL, "running")) {
			/* Once per interval, not per packet; counting goes on and the next flush retries. */
			if (!store_err_reported || now - store_err_reported >= 1000000000ull) {
				warnmsg("%s: %s (counting goes on; retrying every second)", db, store_error(st));
				store_err_reported = now;
			}
		} else if (flush_now) {
			store_err_reported = 0;
		}
		if (flush_now) {
			/* Every second, or less often when a flush is slow (very many QPs):
			 * the store may take at most a fifth of the attribution thread. */
			uint64_t took = mono_ns() - f0;
			next_flush = now + (took * 5 > 1000000000ull ? took * 5 : 1000000000ull);
		}
		if (tty && !quiet)
			fprintf(stderr, "\r%s\033[K", line);
	}
	if (tty && !quiet)
		fputc('\n', stderr);

	live_stop(l);
	struct pkt p;
	while (live_next(l, &p, UINT64_MAX) == 1)
		engine_packet(e, tapof[p.src], &p);
	sync_taps(e, l, tapof);
	if (st) { /* the last, partial second */
		struct live_stats cur[64];
		for (int i = 0; i < live_count(l); i++)
			live_stats(l, i, &cur[i]);
		store_drop_rows(st, e, l, tapof, cur, prev);
	}
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
		.live = true,
		.attr_cpu_s = thread_cpu_s(),
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
	free(peer);
	store_close(st);
	live_free(l);
	engine_free(e);
	free(e);
	config_free(&cfg);
	config_free(&newcfg);
	return rc;
}
