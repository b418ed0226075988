/*
 * pktsrc.c - capture files (pcapfile.c: pcap and pcapng, in place from a
 * mapped file), and a k-way merge by timestamp.
 *
 * The merge keeps one look-ahead packet per source in a binary heap. Since
 * a packet's bytes live in its source's buffer until that source is read
 * again, the merger copies the look-ahead bytes into a per-source buffer
 * only when it must read the source before handing the packet out; in
 * practice it hands out the head packet and then refills that one source,
 * so no copy is needed (see merger_next).
 */
#include "pktsrc.h"

#include <stdlib.h>
#include <string.h>

#include "pcapfile.h"
#include "util.h"

struct pktsrc {
	struct pcapfile *f;
	char path[512];
	uint64_t frame;
};

struct pktsrc *pktsrc_open(const char *path, char *err, size_t errlen)
{
	struct pktsrc *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	s->f = pcapfile_open(path, err, errlen);
	if (!s->f) {
		free(s);
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	return s;
}

int pktsrc_next(struct pktsrc *s, struct pkt *p)
{
	int rc = pcapfile_next(s->f, &p->ts, &p->caplen, &p->len, &p->linktype, &p->data);
	if (rc == 1)
		p->frame = ++s->frame;
	return rc;
}

const char *pktsrc_error(const struct pktsrc *s)
{
	return pcapfile_error(s->f);
}

const char *pktsrc_path(const struct pktsrc *s)
{
	return s->path;
}

uint32_t pktsrc_linktype(const struct pktsrc *s)
{
	return pcapfile_linktype(s->f);
}

uint32_t pktsrc_snaplen(const struct pktsrc *s)
{
	return pcapfile_snaplen(s->f);
}

void pktsrc_close(struct pktsrc *s)
{
	if (!s)
		return;
	pcapfile_close(s->f);
	free(s);
}

/* ---- merge ---- */

struct merger {
	struct pktsrc **src;
	int n;
	int nheap;
	int *heap;          /* source indices, min-heap on (ts, index) */
	struct pkt *head;   /* look-ahead packet per source */
	int refill;         /* source to read before the next pop, or -1 */
	int loaded;         /* sources given their first read (n == 1: 1 once it failed) */
};

static bool before_(const struct merger *m, int a, int b)
{
	const struct pkt *x = &m->head[a], *y = &m->head[b];
	return x->ts != y->ts ? x->ts < y->ts : a < b;
}

static void sift_down(struct merger *m, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, s = i;
		if (l < m->nheap && before_(m, m->heap[l], m->heap[s]))
			s = l;
		if (r < m->nheap && before_(m, m->heap[r], m->heap[s]))
			s = r;
		if (s == i)
			return;
		int t = m->heap[i];
		m->heap[i] = m->heap[s];
		m->heap[s] = t;
		i = s;
	}
}

static void sift_up(struct merger *m, int i)
{
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (!before_(m, m->heap[i], m->heap[parent]))
			return;
		int t = m->heap[i];
		m->heap[i] = m->heap[parent];
		m->heap[parent] = t;
		i = parent;
	}
}

struct merger *merger_new(struct pktsrc **srcs, int n)
{
	struct merger *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->src = srcs;
	m->n = n;
	m->heap = calloc((size_t)(n ? n : 1), sizeof(int));
	m->head = calloc((size_t)(n ? n : 1), sizeof(struct pkt));
	if (!m->heap || !m->head) {
		merger_free(m);
		return NULL;
	}
	m->refill = -1;
	return m;
}

/* Read source i into the heap; returns -1 on a read error. */
static int load(struct merger *m, int i)
{
	int rc = pktsrc_next(m->src[i], &m->head[i]);
	if (rc == 1) {
		m->head[i].src = i;
		m->heap[m->nheap] = i;
		sift_up(m, m->nheap++);
	}
	return rc < 0 ? -1 : 0;
}

int merger_next(struct merger *m, struct pkt *p, int *failed)
{
	*failed = -1;
	if (m->n == 1) { /* nothing to merge */
		if (m->loaded)
			return 0; /* the source failed and is out of the merge: report it once */
		int rc = pktsrc_next(m->src[0], p);
		p->src = 0;
		if (rc < 0) {
			*failed = 0;
			m->loaded = 1;
		}
		return rc;
	}
	/* First reads, one failure reported per call so that none is lost. */
	while (m->loaded < m->n) {
		int i = m->loaded++;
		if (load(m, i) < 0) {
			*failed = i;
			return -1;
		}
	}
	if (m->refill >= 0) {
		/* The previous packet has been consumed: its source may now overwrite it. */
		int i = m->refill;
		m->refill = -1;
		if (load(m, i) < 0) {
			*failed = i;
			return -1;
		}
	}
	if (m->nheap == 0)
		return 0;
	int i = m->heap[0];
	*p = m->head[i];
	m->heap[0] = m->heap[--m->nheap];
	sift_down(m, 0);
	m->refill = i;
	return 1;
}

void merger_free(struct merger *m)
{
	if (!m)
		return;
	free(m->heap);
	free(m->head);
	free(m);
}
