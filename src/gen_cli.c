/*
 * gen_cli.c - the command line of spinetap-gen (also `spinetap gen`):
 * parse and check the options, set up the fabric, the taps and the output
 * files, run the simulation (gen_sim.c) and write the config and truth.
 *
 * Every option is documented in man/spinetap-gen.1; bad options exit with
 * status 2 and one message naming the option (STYLE.md, error regime 1).
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gen.h"
#include "util.h"

enum {
	O_OUTDIR = 256,
	O_CONFIG,
	O_TRUTH,
	O_MANIFEST,
	O_SEED,
	O_SPINES,
	O_LEAVES,
	O_HOSTS,
	O_QPS,
	O_RATE,
	O_START,
	O_VLAN,
	O_IPV4,
	O_STYLE,
	O_MIX,
	O_PMTU,
	O_MSGSIZE,
	O_ACKEVERY,
	O_TAPS,
	O_SCENARIO,
	O_INTENSITY,
	O_REVERSE,
	O_SAMPLE,
};

static const struct option longopts[] = {
	{"write", required_argument, NULL, 'w'},
	{"out-dir", required_argument, NULL, O_OUTDIR},
	{"config-out", required_argument, NULL, O_CONFIG},
	{"truth", required_argument, NULL, O_TRUTH},
	{"manifest", required_argument, NULL, O_MANIFEST},
	{"seed", required_argument, NULL, O_SEED},
	{"spines", required_argument, NULL, O_SPINES},
	{"leaves", required_argument, NULL, O_LEAVES},
	{"hosts", required_argument, NULL, O_HOSTS},
	{"qps", required_argument, NULL, O_QPS},
	{"packets", required_argument, NULL, 'c'},
	{"rate", required_argument, NULL, O_RATE},
	{"start", required_argument, NULL, O_START},
	{"vlan", required_argument, NULL, O_VLAN},
	{"snaplen", required_argument, NULL, 's'},
	{"ipv4", no_argument, NULL, O_IPV4},
	{"style", required_argument, NULL, O_STYLE},
	{"mix", required_argument, NULL, O_MIX},
	{"pmtu", required_argument, NULL, O_PMTU},
	{"msg-size", required_argument, NULL, O_MSGSIZE},
	{"ack-every", required_argument, NULL, O_ACKEVERY},
	{"taps", required_argument, NULL, O_TAPS},
	{"scenario", required_argument, NULL, O_SCENARIO},
	{"intensity", required_argument, NULL, O_INTENSITY},
	{"reverse-spine", required_argument, NULL, O_REVERSE},
	{"sample", required_argument, NULL, O_SAMPLE},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spinetap-gen [options] -w FILE | --out-dir DIR\n"
		"       spinetap-gen --sample origin-lab -w FILE [--config-out FILE]\n"
		"Deterministic RoCEv2 over SRv6 uSID traffic, as spine taps see it.\n"
		"\n"
		"output:\n"
		"  -w, --write FILE        all taps merged in time order (\"-\" = stdout)\n"
		"      --out-dir DIR       DIR/<tap>.pcap per tap, DIR/lab.yaml, DIR/truth.json\n"
		"      --config-out FILE   the fabric's spinetap YAML config\n"
		"      --truth FILE        what was injected (JSON)\n"
		"      --manifest FILE     one CSV line per record: the intended fields\n"
		"  -s, --snaplen N         bytes kept per record (default 262144)\n"
		"  -v, --verbose           a summary on stderr\n"
		"fabric:\n"
		"      --spines N          spines (default 2, at most 64)\n"
		"      --leaves N          leaves (default 2, at least 2)\n"
		"      --hosts N           hosts per leaf (default 1)\n"
		"      --style S           red (H.Encaps.Red), encap (H.Encaps + SRH), inline\n"
		"      --ipv4              inner IPv4 (red and encap)\n"
		"      --vlan ID[,ID,ID]   802.1Q tags, outermost first (2+: S-tag 0x88a8)\n"
		"      --taps MODE         in, out, both, inout (default in)\n"
		"      --reverse-spine R   same (default) or next: the spine of responses\n"
		"traffic:\n"
		"      --seed N            random seed (default 1)\n"
		"      --qps N             queue pairs (default 4)\n"
		"  -c, --packets N         records to write, all taps together (default 1000)\n"
		"      --rate PPS          packets entering the fabric per second (default 1000000)\n"
		"      --start TIME        first timestamp (default 2026-01-01T00:00:00Z)\n"
		"      --mix K=W,...       message mix: write write_imm send send_imm send_inv\n"
		"                          read cas faa ud ud_imm\n"
		"      --msg-size N|LO-HI  message bytes (default 8192)\n"
		"      --pmtu N            256 512 1024 2048 4096 (default 4096)\n"
		"      --ack-every N       one ACK per N messages, 0 = none (default 1)\n"
		"      --scenario NAME     clean loss gobackn read nak rnr cnp-storm ce\n"
		"                          psn-wrap reorder (default clean); verdicts:\n"
		"                          wrong-spine leaf-misforward pin-move unsteered\n"
		"                          unknown-usid spine-drop bad-shift spray-imbalance\n"
		"      --intensity P       fault probability of the scenario, 0..1\n"
		"      --sample NAME       origin-lab: the lab's one packet\n"
		"  -h, --help              this text\n"
		"  -V, --version           the version\n");
}

static uint64_t num(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	uint64_t v;
	if (!parse_u64(arg, min, max, &v))
		die("%s: '%s' is not a number in %llu..%llu", opt, arg, (unsigned long long)min,
		    (unsigned long long)max);
	return v;
}

static int pick(const char *opt, const char *arg, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return i;
	char list[256];
	struct sbuf b;
	sb_init(&b, list, sizeof(list));
	for (int i = 0; i < n; i++)
		sb_printf(&b, "%s%s", i ? ", " : "", names[i]);
	die("%s: unknown value '%s' (one of: %s)", opt, arg, list);
}

/* "write=60,send=10,...": weights per message kind; the rest are zero. */
static void parse_mix(struct gen_opts *o, const char *arg)
{
	memset(o->mix, 0, sizeof(o->mix));
	const char *p = arg;
	for (unsigned items = 0; *p; items++) {
		if (items >= 64)
			die("--mix: too many items");
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[64], *eq;
		if (len == 0 || len >= sizeof(item))
			die("--mix: bad item in '%s'", arg);
		memcpy(item, p, len);
		item[len] = '\0';
		eq = strchr(item, '=');
		if (!eq)
			die("--mix: '%s' is not KIND=WEIGHT", item);
		*eq = '\0';
		int k = -1;
		for (int i = 0; i < GEN_NKIND; i++)
			if (strcmp(item, gen_kind_name(i)) == 0)
				k = i;
		if (k < 0)
			die("--mix: unknown kind '%s' (write, write_imm, send, send_imm, send_inv, "
			    "read, cas, faa, ud, ud_imm)",
			    item);
		o->mix[k] = (uint32_t)num("--mix", eq + 1, 0, 1000000);
		p += len;
		if (*p == ',')
			p++;
	}
	uint64_t total = 0;
	for (int i = 0; i < GEN_NKIND; i++)
		total += o->mix[i];
	if (total == 0)
		die("--mix: all weights are zero");
	o->mix_set = true;
}

static void parse_msg_size(struct gen_opts *o, const char *arg)
{
	const char *dash = strchr(arg, '-');
	if (!dash) {
		o->msg_min = o->msg_max = (uint32_t)num("--msg-size", arg, 0, GEN_MAX_MSG);
	} else {
		char lo[32];
		size_t n = (size_t)(dash - arg);
		if (n == 0 || n >= sizeof(lo))
			die("--msg-size: '%s' is not N or MIN-MAX", arg);
		memcpy(lo, arg, n);
		lo[n] = '\0';
		o->msg_min = (uint32_t)num("--msg-size", lo, 0, GEN_MAX_MSG);
		o->msg_max = (uint32_t)num("--msg-size", dash + 1, 0, GEN_MAX_MSG);
		if (o->msg_max < o->msg_min)
			die("--msg-size: %s: the range is empty", arg);
	}
	o->msg_set = true;
}

static void parse_vlan(struct gen_opts *o, const char *arg)
{
	o->nvlan = 0;
	const char *p = arg;
	while (*p) {
		if (o->nvlan >= GEN_MAX_VLAN)
			die("--vlan: at most %d tags", GEN_MAX_VLAN);
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char id[16];
		if (len == 0 || len >= sizeof(id))
			die("--vlan: bad tag list '%s'", arg);
		memcpy(id, p, len);
		id[len] = '\0';
		o->vlan[o->nvlan++] = (uint16_t)num("--vlan", id, 0, 4094);
		p += len;
		if (*p == ',')
			p++;
	}
	if (o->nvlan == 0)
		die("--vlan: no tag given");
}

static void record_cmdline(struct gen_opts *o, int argc, char **argv)
{
	struct sbuf b;
	sb_init(&b, o->cmdline, sizeof(o->cmdline));
	sb_puts(&b, "spinetap-gen");
	for (int i = 1; i < argc; i++) {
		sb_puts(&b, " ");
		sb_puts(&b, argv[i]);
	}
}

static void defaults(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->spines = 2;
	o->leaves = 2;
	o->hosts = 1;
	o->qps = 4;
	o->packets = 1000;
	o->rate = 1000000;
	o->start_ns = GEN_START_NS;
	o->snaplen = GEN_MAX_SNAPLEN;
	o->style = GEN_STYLE_RED;
	o->taps = GEN_TAPS_IN;
	o->scenario = GEN_SCN_CLEAN;
	o->reverse = GEN_REV_SAME;
	o->pmtu = 4096;
	o->ack_every = 1;
}

/* Defaults that depend on the scenario, unless the user chose. */
static void scenario_defaults(struct gen_opts *o)
{
	static const double intensity[GEN_NSCN] = {
		[GEN_SCN_LOSS] = 0.02, [GEN_SCN_GOBACKN] = 0.02,  [GEN_SCN_NAK] = 0.02,
		[GEN_SCN_RNR] = 0.05,  [GEN_SCN_CNP_STORM] = 1.0, [GEN_SCN_CE] = 0.1,
		[GEN_SCN_REORDER] = 0.02,
		[GEN_SCN_WRONG_SPINE] = 0.25, [GEN_SCN_LEAF_MISFWD] = 0.05, [GEN_SCN_PIN_MOVE] = 0.02,
		[GEN_SCN_UNSTEERED] = 0.25, [GEN_SCN_UNKNOWN_USID] = 0.25, [GEN_SCN_SPINE_DROP] = 0.05,
		[GEN_SCN_BAD_SHIFT] = 0.05, [GEN_SCN_SPRAY_IMBALANCE] = 0.5,
	};
	if (!o->intensity_set)
		o->intensity = intensity[o->scenario];
	/* faults between a spine's two sides: tap both sides unless told otherwise */
	if (!o->taps_set && (o->scenario == GEN_SCN_SPINE_DROP || o->scenario == GEN_SCN_BAD_SHIFT))
		o->taps = GEN_TAPS_INOUT;
	if (!o->mix_set) {
		memset(o->mix, 0, sizeof(o->mix));
		if (o->scenario == GEN_SCN_READ) {
			o->mix[GEN_K_READ] = 60;
			o->mix[GEN_K_WRITE] = 30;
			o->mix[GEN_K_SEND] = 10;
		} else if (o->scenario == GEN_SCN_RNR) {
			o->mix[GEN_K_SEND] = 50;
			o->mix[GEN_K_SEND_IMM] = 10;
			o->mix[GEN_K_WRITE] = 40;
		} else {
			o->mix[GEN_K_WRITE] = 60;
			o->mix[GEN_K_WRITE_IMM] = 10;
			o->mix[GEN_K_SEND] = 10;
			o->mix[GEN_K_SEND_IMM] = 5;
			o->mix[GEN_K_SEND_INV] = 2;
			o->mix[GEN_K_READ] = 10;
			o->mix[GEN_K_CAS] = 1;
			o->mix[GEN_K_FAA] = 2;
		}
	}
	if (!o->msg_set) {
		if (o->scenario == GEN_SCN_READ) {
			o->msg_min = 1024;
			o->msg_max = 32768;
		} else {
			o->msg_min = o->msg_max = 8192;
		}
	}
}

static void check_fabric(const struct gen_opts *o)
{
	if (o->leaves <= 4 && o->hosts > 4095)
		die("--hosts: at most 4095 per leaf (host uSIDs 0xa000+0x1000*(i-1)+k stay "
		    "below 0xe000)");
	if ((uint64_t)o->leaves * o->hosts > GEN_MAX_HOSTS)
		die("--leaves x --hosts: at most %d hosts (global uSIDs 0x2000-0xdfff)",
		    GEN_MAX_HOSTS);
	if (o->ipv4 && o->leaves > 255)
		die("--ipv4: at most 255 leaves (inner addresses 10.<leaf>.x.y)");
	if (o->ipv4 && o->style == GEN_STYLE_INLINE)
		die("--ipv4: the inline style has no inner header; use --style red or encap");
	if ((o->taps == GEN_TAPS_BOTH || o->taps == GEN_TAPS_INOUT) && o->packets == 1)
		die("--packets 1: with both sides of the spines tapped a packet makes two records");
	const int sc = o->scenario;
	if ((sc == GEN_SCN_WRONG_SPINE || sc == GEN_SCN_LEAF_MISFWD || sc == GEN_SCN_PIN_MOVE) &&
	    o->spines < 2)
		die("--scenario %s: needs at least 2 spines (--spines)", gen_scenario_name(sc));
	if (sc == GEN_SCN_WRONG_SPINE && o->reverse != GEN_REV_SAME)
		die("--scenario wrong-spine: the UDP source port names the spine of both directions; "
		    "use --reverse-spine same");
	/* a QP moving to spine+1 must not overtake itself where leaving traffic is tapped
	 * (the spines' transit times differ by 100 ns each) */
	if (sc == GEN_SCN_PIN_MOVE && o->taps != GEN_TAPS_IN &&
	    1000000000ull / o->rate <= 100ull * (o->spines - 1))
		die("--scenario pin-move: at --rate %llu a QP moved from spine%u to spine1 could "
		    "overtake itself; lower --rate or use --taps in",
		    (unsigned long long)o->rate, o->spines);
}

static void open_taps(struct gen *g)
{
	const struct gen_opts *o = &g->o;
	unsigned per = o->taps == GEN_TAPS_INOUT ? 2 : 1;
	g->ntap = o->spines * per;
	g->tap = calloc(g->ntap, sizeof(*g->tap));
	if (!g->tap)
		die("out of memory");
	for (unsigned j = 0; j < o->spines; j++) {
		for (unsigned d = 0; d < per; d++) {
			struct gen_tap *t = &g->tap[j * per + d];
			t->spine = j;
			t->peer = -1;
			if (o->taps == GEN_TAPS_INOUT) {
				t->dir = (int)d;
				snprintf(t->name, sizeof(t->name), "spine%u-%s", j + 1, d ? "tx" : "rx");
			} else {
				t->dir = o->taps == GEN_TAPS_IN ? 0 : o->taps == GEN_TAPS_OUT ? 1 : 2;
				snprintf(t->name, sizeof(t->name), "spine%u", j + 1);
			}
		}
	}
}

/* The origin lab's taps: both directions of each spine interface. */
static void open_lab_taps(struct gen *g)
{
	static const char *const names[4] = {"spine1-l1", "spine1-l2", "spine2-l1", "spine2-l2"};
	g->ntap = 4;
	g->tap = calloc(4, sizeof(*g->tap));
	if (!g->tap)
		die("out of memory");
	for (unsigned i = 0; i < 4; i++) {
		snprintf(g->tap[i].name, sizeof(g->tap[i].name), "%s", names[i]);
		g->tap[i].spine = i / 2;
		g->tap[i].dir = 2;
		g->tap[i].peer = (int)(i % 2); /* leaf1, leaf2 */
	}
}

static void join_path(char *buf, size_t len, const char *dir, const char *name, const char *ext)
{
	int n = snprintf(buf, len, "%s/%s%s", dir, name, ext);
	if (n < 0 || (size_t)n >= len)
		die("--out-dir: path too long: %s/%s%s", dir, name, ext);
}

static void open_outputs(struct gen *g)
{
	const struct gen_opts *o = &g->o;
	if (o->wfile) {
		g->merged = pcapw_open(o->wfile, PCAPW_LINKTYPE_ETHERNET, o->snaplen, 0);
		if (!g->merged)
			die("cannot create %s: %s", o->wfile, strerror(errno));
	}
	if (o->out_dir) {
		if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
			die("--out-dir: cannot create %s: %s", o->out_dir, strerror(errno));
		/* keep the buffers of many taps within 64 MiB */
		size_t buf = (64u << 20) / g->ntap;
		if (buf > PCAPW_DEFAULT_BUF)
			buf = PCAPW_DEFAULT_BUF;
		if (buf < (256u << 10))
			buf = 256u << 10;
		for (unsigned t = 0; t < g->ntap; t++) {
			char path[PATH_MAX];
			join_path(path, sizeof(path), o->out_dir, g->tap[t].name, ".pcap");
			g->tap[t].w = pcapw_open(path, PCAPW_LINKTYPE_ETHERNET, o->snaplen, buf);
			if (!g->tap[t].w)
				die("cannot create %s: %s", path, strerror(errno));
		}
	}
	if (o->manifest) {
		g->manifest = fopen(o->manifest, "w");
		if (!g->manifest)
			die("cannot create %s: %s", o->manifest, strerror(errno));
		gen_manifest_header(g->manifest);
	}
}

static void close_outputs(struct gen *g)
{
	const struct gen_opts *o = &g->o;
	if (g->merged && pcapw_close(g->merged) < 0)
		die("cannot write %s: %s", o->wfile, strerror(errno));
	g->merged = NULL;
	for (unsigned t = 0; t < g->ntap; t++) {
		if (g->tap[t].w && pcapw_close(g->tap[t].w) < 0)
			die("cannot write %s/%s.pcap: %s", o->out_dir, g->tap[t].name, strerror(errno));
		g->tap[t].w = NULL;
	}
	if (g->manifest && (ferror(g->manifest) | (fclose(g->manifest) != 0)))
		die("cannot write %s", o->manifest);
	g->manifest = NULL;
}

static void write_meta(struct gen *g, bool lab)
{
	const struct gen_opts *o = &g->o;
	if (o->config_out) {
		if (lab)
			gen_write_lab_config(g, o->config_out);
		else
			gen_write_config(g, o->config_out);
	}
	if (o->truth_out)
		gen_write_truth(g, o->truth_out);
	if (o->out_dir) {
		char path[PATH_MAX];
		join_path(path, sizeof(path), o->out_dir, "lab", ".yaml");
		if (lab)
			gen_write_lab_config(g, path);
		else
			gen_write_config(g, path);
		join_path(path, sizeof(path), o->out_dir, "truth", ".json");
		gen_write_truth(g, path);
	}
}

static double secs_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int gen_cli(int argc, char **argv)
{
	/* `spinetap-gen live ...`: send the traffic for real from a host namespace (gen_live.c). */
	if (argc > 1 && !strcmp(argv[1], "live"))
		return gen_live_main(argc - 1, argv + 1);
	struct gen *g = calloc(1, sizeof(*g));
	if (!g)
		die("out of memory");
	struct gen_opts *o = &g->o;
	defaults(o);
	record_cmdline(o, argc, argv);
	bool verbose = false;

	static const char *const styles[] = {"red", "encap", "inline"};
	static const char *const tapmodes[] = {"in", "out", "both", "inout"};
	static const char *const reverses[] = {"same", "next"};
	static const char *const samples[] = {"origin-lab"};
	const char *scn[GEN_NSCN];
	for (int i = 0; i < GEN_NSCN; i++)
		scn[i] = gen_scenario_name(i);

	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":w:c:s:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			o->wfile = optarg;
			break;
		case O_OUTDIR:
			o->out_dir = optarg;
			break;
		case O_CONFIG:
			o->config_out = optarg;
			break;
		case O_TRUTH:
			o->truth_out = optarg;
			break;
		case O_MANIFEST:
			o->manifest = optarg;
			break;
		case O_SEED:
			o->seed = num("--seed", optarg, 0, UINT64_MAX);
			break;
		case O_SPINES:
			o->spines = (unsigned)num("--spines", optarg, 1, GEN_MAX_SPINES);
			break;
		case O_LEAVES:
			o->leaves = (unsigned)num("--leaves", optarg, 2, GEN_MAX_LEAVES);
			break;
		case O_HOSTS:
			o->hosts = (unsigned)num("--hosts", optarg, 1, GEN_MAX_HOSTS);
			break;
		case O_QPS:
			o->qps = (uint32_t)num("--qps", optarg, 1, GEN_MAX_QPS);
			break;
		case 'c':
			o->packets = num("--packets", optarg, 0, 1ull << 40);
			break;
		case O_RATE:
			o->rate = num("--rate", optarg, 1, GEN_MAX_RATE);
			break;
		case O_START:
			if (!parse_time(optarg, &o->start_ns))
				die("--start: '%s' is not a time (epoch seconds or "
				    "2026-01-01T00:00:00Z)",
				    optarg);
			break;
		case O_VLAN:
			parse_vlan(o, optarg);
			break;
		case 's':
			o->snaplen = (uint32_t)num("--snaplen", optarg, 1, GEN_MAX_SNAPLEN);
			break;
		case O_IPV4:
			o->ipv4 = true;
			break;
		case O_STYLE:
			o->style = pick("--style", optarg, styles, 3);
			break;
		case O_MIX:
			parse_mix(o, optarg);
			break;
		case O_PMTU:
			o->pmtu = (uint32_t)num("--pmtu", optarg, 256, 4096);
			if (o->pmtu & (o->pmtu - 1))
				die("--pmtu: %u is not an IB MTU (256, 512, 1024, 2048, 4096)", o->pmtu);
			break;
		case O_MSGSIZE:
			parse_msg_size(o, optarg);
			break;
		case O_ACKEVERY:
			o->ack_every = (uint32_t)num("--ack-every", optarg, 0, 255);
			break;
		case O_TAPS:
			o->taps = pick("--taps", optarg, tapmodes, 4);
			o->taps_set = true;
			break;
		case O_SCENARIO:
			o->scenario = pick("--scenario", optarg, scn, GEN_NSCN);
			break;
		case O_INTENSITY:
			if (!parse_double(optarg, &o->intensity) || !(o->intensity >= 0.0) ||
			    o->intensity > 1.0)
				die("--intensity: '%s' is not a probability in 0..1", optarg);
			o->intensity_set = true;
			break;
		case O_REVERSE:
			o->reverse = pick("--reverse-spine", optarg, reverses, 2);
			break;
		case O_SAMPLE:
			o->sample = samples[pick("--sample", optarg, samples, 1)];
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			free(g);
			return EXIT_OK;
		case 'V':
			printf("spinetap-gen %s\n", SPINETAP_VERSION);
			free(g);
			return EXIT_OK;
		case ':':
			die("option '%s' needs a value (see --help)", argv[optind - 1]);
		default:
			die("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);
	if (!o->wfile && !o->out_dir)
		die("nothing to write: give -w FILE or --out-dir DIR");

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	g->rng = gen_mix64(o->seed);
	bool lab = o->sample != NULL;
	g->lab = lab;
	/* the config's policies and, when a truth or manifest is wanted, the verdicts */
	g->judging = o->truth_out || o->out_dir || o->manifest;
	if (lab) {
		/* the lab: 2 spines, 2 leaves, one host each, the in-line SRH */
		o->spines = 2;
		o->leaves = 2;
		o->hosts = 1;
		o->ipv4 = false;
		o->style = GEN_STYLE_INLINE;
		o->scenario = GEN_SCN_CLEAN;
		o->intensity = 0;
		if (o->packets > 1)
			o->packets = 1;
		scenario_defaults(o);
		gen_fabric_init(g);
		open_lab_taps(g);
		open_outputs(g);
		gen_sample_origin(g);
	} else {
		scenario_defaults(o);
		check_fabric(o);
		gen_fabric_init(g);
		gen_qps_init(g);
		g->rec = calloc(2 * (size_t)g->nqp, sizeof(*g->rec));
		if (!g->rec)
			die("out of memory for %u queue pairs", g->nqp);
		open_taps(g);
		gen_policies_init(g);
		if (g->judging)
			gen_judge_init(g);
		open_outputs(g);
		gen_run(g);
	}
	close_outputs(g);
	write_meta(g, lab);

	if (verbose) {
		double s = secs_since(&t0);
		fprintf(stderr,
			"spinetap-gen: %llu records (%llu packets emitted) in %.3f s: %.2f Mpps\n",
			(unsigned long long)g->written, (unsigned long long)g->emitted, s,
			s > 0 ? (double)g->written / s / 1e6 : 0.0);
	}
	gen_judge_free(g);
	gen_fabric_free(g);
	free(g->qp);
	free(g->rec);
	free(g->rare);
	free(g->tap);
	free(g);
	return EXIT_OK;
}
