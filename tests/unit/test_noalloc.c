/*
 * test_noalloc.c - the per-packet path allocates nothing once warm.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (see the
 * Makefile), so every allocation made by spinetap's own code is counted.
 * Every bundled sample is run through the engine (dissect, attribution,
 * verdicts, correlation) twice: the first pass warms the tables (QPs,
 * paths, verdict cache, time series); the second replays the same packets,
 * as a long capture sees the same flows again, and must not allocate at
 * all in the packet loop.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "config.h"
#include "pktsrc.h"
#include "unit.h"

static long n_alloc;
static int counting;

void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	n_alloc += counting;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t a, size_t b)
{
	n_alloc += counting;
	return __real_calloc(a, b);
}

void *__wrap_realloc(void *p, size_t n)
{
	n_alloc += counting;
	return __real_realloc(p, n);
}

/* Feed one capture file to the engine at `tap`; count allocations only inside the packet loop
 * (opening a file allocates its reader, once per file, not per packet). */
static long feed(struct engine *e, int tap, const char *path, int count, uint64_t shift)
{
	char err[512];
	struct pktsrc *s = pktsrc_open(path, err, sizeof(err));
	if (!s)
		return -1;
	struct pkt p;
	long n = 0;
	counting = count;
	while (pktsrc_next(s, &p) == 1) {
		p.ts += shift;
		engine_packet(e, tap, &p);
		n++;
	}
	counting = 0;
	pktsrc_close(s);
	return n;
}

static void test_second_pass_allocates_nothing(void)
{
	const char *dir = "samples";
	struct config cfg;
	char err[512];
	config_init(&cfg);
	/* A config with nodes, taps and policies, so verdicts and correlation run too. */
	CHECK(config_load(&cfg, "samples/fabric-inout/lab.yaml", err, sizeof(err)));
	struct engine *e = calloc(1, sizeof(*e));
	CHECK(e && engine_init(e, &cfg));
	if (!e)
		return;

	const char *files[64];
	char names[64][256];
	int nf = 0;
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	for (struct dirent *de; d && (de = readdir(d)) && nf < 64;) {
		size_t l = strlen(de->d_name);
		if (l > 5 && !strcmp(de->d_name + l - 5, ".pcap")) {
			snprintf(names[nf], sizeof(names[nf]), "%s/%s", dir, de->d_name);
			files[nf] = names[nf];
			nf++;
		}
	}
	if (d)
		closedir(d);
	static const char *const inout[] = {"spine1-rx", "spine1-tx", "spine2-rx", "spine2-tx"};
	for (int i = 0; i < 4; i++) {
		snprintf(names[nf], sizeof(names[nf]), "samples/fabric-inout/%s.pcap", inout[i]);
		files[nf] = names[nf];
		nf++;
	}
	int tap[64];
	for (int i = 0; i < nf; i++) {
		const char *base = strrchr(files[i], '/') + 1;
		char t[64];
		snprintf(t, sizeof(t), "%.*s", (int)(strlen(base) - 5), base);
		tap[i] = engine_add_tap(e, t, files[i]);
	}

	long warm = 0, again = 0;
	/* Warm up twice: replaying the same PSNs makes every request a retransmission,
	 * which the first replay records (side records of the rarer counters). */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < nf; i++)
			warm += feed(e, tap[i], files[i], 0, (uint64_t)pass * 1800 * 1000000000ull);
	/* An hour later the same flows come again; the store has flushed the series rows
	 * meanwhile, as it does every second, so their buffer is reused. */
	engine_finish(e);
	e->nts = 0;
	for (int i = 0; i < nf; i++)
		again += feed(e, tap[i], files[i], 1, 3600ull * 1000000000ull);
	printf("# %d files, %ld packets warm, %ld packets replayed, %ld allocations while replaying\n",
	       nf, warm, again, n_alloc);
	CHECK(warm > 1000);
	CHECK_EQ_U(again * 2, warm);
	CHECK_EQ_U(n_alloc, 0);
	engine_free(e);
	free(e);
	config_free(&cfg);
}

int main(void)
{
	RUN(test_second_pass_allocates_nothing);
	return unit_done();
}
