/*
 * evidence.c - see evidence.h.
 */
#include "evidence.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "util.h"

#define MAX_IFACES 16

struct evidence_writer {
	FILE *f;
	char path[512];
	uint32_t iface_link[MAX_IFACES];
	int niface;
	bool failed;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* pcapng is written in host order; the SHB magic says which */
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static bool wr(struct evidence_writer *w, const void *p, size_t n)
{
	if (w->failed || fwrite(p, 1, n, w->f) != n)
		w->failed = true;
	return !w->failed;
}

struct evidence_writer *evidence_open(const char *path, char *err, size_t errlen)
{
	struct evidence_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	w->f = fopen(path, "wb");
	if (!w->f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	snprintf(w->path, sizeof(w->path), "%s", path);
	uint8_t shb[28];
	put32(shb, 0x0a0d0d0a);
	put32(shb + 4, sizeof(shb));
	put32(shb + 8, 0x1a2b3c4d);
	put16(shb + 12, 1);
	put16(shb + 14, 0);
	memset(shb + 16, 0xff, 8); /* section length unknown */
	put32(shb + 24, sizeof(shb));
	wr(w, shb, sizeof(shb));
	return w;
}

static int iface_for(struct evidence_writer *w, uint32_t linktype)
{
	for (int i = 0; i < w->niface; i++)
		if (w->iface_link[i] == linktype)
			return i;
	if (w->niface >= MAX_IFACES)
		return -1;
	uint8_t idb[32];
	put32(idb, 1);
	put32(idb + 4, sizeof(idb));
	put16(idb + 8, (uint16_t)linktype);
	put16(idb + 10, 0);
	put32(idb + 12, 262144);
	put16(idb + 16, 9); /* if_tsresol */
	put16(idb + 18, 1);
	idb[20] = 9;        /* 10^-9: nanoseconds */
	idb[21] = idb[22] = idb[23] = 0;
	put16(idb + 24, 0); /* opt_endofopt */
	put16(idb + 26, 0);
	put32(idb + 28, sizeof(idb));
	if (!wr(w, idb, sizeof(idb)))
		return -1;
	w->iface_link[w->niface] = linktype;
	return w->niface++;
}

bool evidence_write(struct evidence_writer *w, uint32_t linktype, uint64_t ts_ns, const uint8_t *data,
		    uint32_t caplen, uint32_t len, const char *comment)
{
	int ifc = iface_for(w, linktype);
	if (ifc < 0)
		return false;
	size_t clen = strlen(comment);
	if (clen > 60000)
		clen = 60000;
	uint32_t dpad = (caplen + 3u) & ~3u, cpad = (uint32_t)((clen + 3) & ~(size_t)3);
	uint32_t total = 28 + dpad + 4 + cpad + 4 + 4;
	uint8_t h[28], zero[4] = {0}, opt[4], tail[4];
	put32(h, 6);
	put32(h + 4, total);
	put32(h + 8, (uint32_t)ifc);
	put32(h + 12, (uint32_t)(ts_ns >> 32));
	put32(h + 16, (uint32_t)ts_ns);
	put32(h + 20, caplen);
	put32(h + 24, len);
	wr(w, h, sizeof(h));
	wr(w, data, caplen);
	wr(w, zero, dpad - caplen);
	put16(opt, 1); /* opt_comment */
	put16(opt + 2, (uint16_t)clen);
	wr(w, opt, 4);
	wr(w, comment, clen);
	wr(w, zero, cpad - clen);
	put32(opt, 0); /* opt_endofopt */
	wr(w, opt, 4);
	put32(tail, total);
	return wr(w, tail, 4);
}

bool evidence_write_all(struct evidence_writer *w, const struct engine *e, char *err, size_t errlen)
{
	struct policy_rows r;
	const struct evidence *ev;
	uint32_t idx;
	policy_rows_begin(e, &r);
	while ((ev = policy_rows_evidence(e, &r, &idx))) {
		if (!ev->bytes)
			continue;
		char comment[640];
		snprintf(comment, sizeof(comment), "spinetap %s%s%s at tap %s (frame %llu): expected %s; observed %s%s%s",
			 verdict_name(ev->kind), ev->policy >= 0 ? " policy " : "",
			 ev->policy >= 0 ? ev->policy_name : "", e->tap[ev->tap].name,
			 (unsigned long long)ev->frame, ev->expected, ev->observed,
			 ev->detail[0] ? "; " : "", ev->detail);
		evidence_write(w, ev->linktype, ev->ts, ev->bytes, ev->caplen, ev->len, comment);
	}
	if (fflush(w->f) != 0)
		w->failed = true;
	if (w->failed) {
		snprintf(err, errlen, "%s: write failed: %s", w->path, strerror(errno));
		return false;
	}
	return true;
}

void evidence_close(struct evidence_writer *w)
{
	if (!w)
		return;
	fclose(w->f);
	free(w);
}
