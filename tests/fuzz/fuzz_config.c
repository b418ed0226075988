/*
 * fuzz_config.c - the YAML config loader (config.c, libyaml) on any bytes,
 * and what a config that loads drives.
 *
 * config_load_mem() must either succeed or fail with a message that starts
 * with the file name ("fuzz.yaml:line:col: ..." or "fuzz.yaml: ..."). A
 * config that loads is then used twice: by a fresh engine (its taps,
 * nodes, paths and policies judge the origin lab's packet at every tap),
 * and as a SIGHUP reload over a running engine, the way `capture` swaps it
 * in (cmd_capture.c): paths renamed, taps re-resolved, policies reloaded,
 * counters kept. qp_capacity is clamped to 1024 so a config asking for 2^26
 * QPs does not hit the fuzzer's memory limit.
 */
#include "fuzz_common.h"

#include "attrib.h"
#include "policy.h"
#include "report.h"

/* samples/origin-lab.pcap, its one frame: host1 -> host2 RC WRITE ONLY via spine1 (SRH in line). */
static const uint8_t origin[198] = {
	0x02, 0x00, 0x00, 0x02, 0x00, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x86, 0xdd, 0x66, 0xa0, 0x00, 0x00, 0x00, 0x90, 0x2b, 0x3f, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x04, 0x04, 0x01, 0x01, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xfc, 0xbb, 0xbb, 0xbb, 0x10, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00,
	0x12, 0xb7, 0x00, 0x68, 0x00, 0x00, 0x0a, 0x80, 0xff, 0xff, 0x00, 0x12,
	0x34, 0x56, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x01,
	0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
	0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
	0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
	0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31,
	0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d,
	0x3e, 0x3f, 0x8d, 0xe5, 0x6b, 0x26,
};

static void feed(struct engine *e, int ntaps, uint64_t ts)
{
	struct pkt p = {.ts = ts, .caplen = sizeof(origin), .len = sizeof(origin),
			.linktype = DP_LINK_ETHERNET, .data = origin};
	for (int t = 0; t < ntaps; t++) {
		p.frame = (uint64_t)t + 1;
		p.ts += 1000;
		engine_packet(e, t, &p);
	}
}

static int add_taps(struct engine *e, const struct config *c)
{
	int n = 0;
	for (int i = 0; i < c->ntaps && i < 8; i++)
		if (engine_add_tap(e, c->taps[i].name, "fuzz") >= 0)
			n++;
	if (engine_add_tap(e, "not-in-the-config", "fuzz") >= 0)
		n++;
	return n;
}

static void finish_and_report(struct engine *e)
{
	engine_finish(e);
	uint32_t *peer = calloc(e->qp.n ? e->qp.n : 1, sizeof(*peer));
	if (!peer)
		abort();
	engine_pair_and_count(e, peer);
	struct report_opts ro = {.top = 3};
	report_json(fz_null, e, peer, &ro);
	report_text(fz_null, e, peer, &ro);
	free(peer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_setup();
	if (size > 65536)
		return 0;
	struct config c;
	char err[640];
	config_init(&c);
	err[0] = '\0';
	if (!config_load_mem(&c, "fuzz.yaml", (const char *)data, size, err, sizeof(err))) {
		if (strncmp(err, "fuzz.yaml:", 10) != 0) {
			fprintf(stderr, "fuzz_config: error without the file name: '%s'\n", err);
			abort();
		}
		config_free(&c);
		return 0;
	}
	if (c.set.qp_capacity > 1024)
		c.set.qp_capacity = 1024;

	/* A fresh engine on the fuzzed config. */
	static struct engine eng; /* static: no 100 KiB calloc per input */
	struct engine *e = &eng;
	if (!engine_init(e, &c))
		abort();
	int n = add_taps(e, &c);
	feed(e, n, 1767225600000000000ull);
	finish_and_report(e);
	engine_free(e);

	/* A running engine on the built-in config, then the fuzzed one swapped in (SIGHUP). */
	struct config run;
	config_init(&run);
	if (!config_load_mem(&run, "fuzz.yaml", fz_config_text, sizeof(fz_config_text) - 1, err,
			     sizeof(err)))
		abort();
	if (!engine_init(e, &run))
		abort();
	n = add_taps(e, &run);
	feed(e, n, 1767225600000000000ull);
	struct config old = run;
	run = c; /* the engine holds &run: swap the contents in place, as capture does */
	paths_rename(&e->paths, &run);
	for (int t = 0; t < e->ntaps; t++) {
		struct tap *tp = &e->tap[t];
		tp->cfg = config_tap_by_name(&run, tp->name);
		tp->node = tp->cfg >= 0 ? run.taps[tp->cfg].node : -1;
		tp->peer = tp->cfg >= 0 ? run.taps[tp->cfg].peer : -1;
		tp->dir = tp->cfg >= 0 ? run.taps[tp->cfg].dir : DIR_BOTH;
	}
	policy_reload(e);
	config_free(&old);
	feed(e, n, 1767225601000000000ull);
	finish_and_report(e);
	engine_free(e);
	config_free(&run);
	return 0;
}
