/*
 * paths.c - see paths.h.
 */
#include "paths.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "util.h"

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

bool paths_init(struct paths *t, const struct config *cfg, const struct dp_opts *dp, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->dp = dp;
	t->seed = seed;
	t->cap = 64;
	t->p = calloc(t->cap, sizeof(*t->p));
	t->nslot = 256;
	t->slot = calloc(t->nslot, sizeof(*t->slot));
	t->ntslot = 256;
	t->tslot = calloc(t->ntslot, sizeof(*t->tslot));
	if (!t->p || !t->slot || !t->tslot) {
		paths_free(t);
		return false;
	}
	t->p[0].id = PATH_NONE;
	t->p[0].text = xstrdup("-");
	t->p[0].names = xstrdup("(no program)");
	t->n = 1;
	return t->p[0].text && t->p[0].names;
}

void paths_free(struct paths *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		free(t->p[i].hop);
		free(t->p[i].text);
		free(t->p[i].names);
	}
	for (uint32_t i = 0; i < t->nraw; i++)
		free(t->raw[i].bytes);
	free(t->raw);
	free(t->p);
	free(t->slot);
	free(t->tslot);
	memset(t, 0, sizeof(*t));
}

/* The bytes that determine the program; returns their length. */
static uint32_t raw_key(const struct dpkt *d, const uint8_t *frame, int layer, uint8_t *out)
{
	const struct dp_ip *ip = &d->ip[layer];
	uint32_t n = 16;
	memcpy(out, ip->dst, 16);
	if (ip->has_srh && ip->srh.complete) {
		unsigned sl = ip->srh.sl;
		if (sl > 32)
			sl = 32; /* hashing stops; the program itself is built in full */
		out[n++] = ip->srh.sl;
		memcpy(out + n, frame + ip->srh.off + 8, 16u * sl);
		n += 16u * sl;
	}
	return n;
}

static bool set_names(struct paths *t, struct path *p)
{
	char buf[2048], tmp[64];
	struct sbuf b;
	sb_init(&b, buf, sizeof(buf));
	p->unknown_global = false;
	for (unsigned i = 0; i < p->nhops; i++) {
		struct path_hop *h = &p->hop[i];
		h->node = h->kind == PE_GLOBAL && t->cfg ? config_node_by_usid(t->cfg, h->id) : -1;
		if (h->kind == PE_GLOBAL && h->node < 0)
			p->unknown_global = true;
		if (i)
			sb_puts(&b, " > ");
		if (h->node >= 0) {
			sb_puts(&b, t->cfg->nodes[h->node].name);
		} else if (h->kind == PE_SID) {
			sb_puts(&b, fmt_addr(tmp, sizeof(tmp), 6, h->sid));
		} else {
			usid_hex(t->dp, h->id, tmp, sizeof(tmp));
			sb_puts(&b, tmp);
		}
	}
	if (p->truncated)
		sb_puts(&b, " > ...");
	free(p->names);
	p->names = xstrdup(buf);
	return p->names != NULL;
}

static struct path *new_path(struct paths *t, const struct program *pr, const char *text)
{
	if (t->n >= PATHS_MAX + 1u)
		return NULL;
	if (t->n == t->cap) {
		uint32_t nc = t->cap * 2;
		struct path *m = realloc(t->p, nc * sizeof(*m));
		if (!m)
			return NULL;
		memset(m + t->cap, 0, (nc - t->cap) * sizeof(*m));
		t->p = m;
		t->cap = nc;
	}
	struct path *p = &t->p[t->n];
	memset(p, 0, sizeof(*p));
	p->id = t->n;
	p->nhops = pr->n;
	p->truncated = pr->truncated;
	p->hop = calloc(pr->n ? pr->n : 1, sizeof(*p->hop));
	p->text = xstrdup(text);
	if (!p->hop || !p->text) {
		free(p->hop);
		free(p->text);
		return NULL;
	}
	for (unsigned i = 0; i < pr->n; i++) {
		p->hop[i].id = pr->e[i].id;
		p->hop[i].kind = pr->e[i].kind;
		memcpy(p->hop[i].sid, pr->e[i].sid, 16);
	}
	if (!set_names(t, p)) {
		free(p->hop);
		free(p->text);
		return NULL;
	}
	t->n++;
	return p;
}

static bool grow_slots(struct paths *t)
{
	uint32_t n = t->nslot * 2;
	uint32_t *s = calloc(n, sizeof(*s));
	if (!s)
		return false;
	for (uint32_t i = 0; i < t->nraw; i++) {
		uint32_t j = (uint32_t)t->raw[i].h & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i + 1;
	}
	free(t->slot);
	t->slot = s;
	t->nslot = n;
	return true;
}

/* Path index with this program text, or 0 (the text table: linear probing on its hash). */
static uint32_t text_find(const struct paths *t, const char *text, uint64_t h)
{
	uint32_t mask = t->ntslot - 1;
	for (uint32_t j = (uint32_t)h & mask; t->tslot[j]; j = (j + 1) & mask)
		if (!strcmp(t->p[t->tslot[j] - 1].text, text))
			return t->tslot[j] - 1;
	return 0;
}

static bool text_add(struct paths *t, uint32_t id)
{
	if ((uint64_t)(t->n + 1) * 2 > t->ntslot) {
		uint32_t n = t->ntslot * 2;
		uint32_t *ns = calloc(n, sizeof(*ns));
		if (!ns)
			return false;
		for (uint32_t i = 1; i < t->n; i++) {
			if (i == id)
				continue;
			uint32_t j = (uint32_t)hash_bytes(t->seed, t->p[i].text, strlen(t->p[i].text)) & (n - 1);
			while (ns[j])
				j = (j + 1) & (n - 1);
			ns[j] = i + 1;
		}
		free(t->tslot);
		t->tslot = ns;
		t->ntslot = n;
	}
	uint32_t mask = t->ntslot - 1;
	uint32_t j = (uint32_t)hash_bytes(t->seed, t->p[id].text, strlen(t->p[id].text)) & mask;
	while (t->tslot[j])
		j = (j + 1) & mask;
	t->tslot[j] = id + 1;
	return true;
}

/* Slow path: a raw key not seen before. */
static uint32_t intern_new(struct paths *t, const struct dpkt *d, const uint8_t *frame,
			   const uint8_t *key, uint32_t klen, uint64_t h)
{
	struct program pr;
	char text[2048];
	if (!program_build(t->dp, d, frame, &pr))
		return PATH_NONE;
	program_text(NULL, t->dp, &pr, false, text, sizeof(text));
	uint64_t th = hash_bytes(t->seed, text, strlen(text));
	uint32_t id = text_find(t, text, th);
	if (!id && t->n < PATHS_MAX) {
		struct path *p = new_path(t, &pr, text);
		if (p) {
			id = p->id;
			text_add(t, id); /* without it (no memory) the path still works, only unshared */
		}
	}
	if (!id) {
		/* No room (or no memory): one shared path, and the raw key is not kept. */
		if (!t->overflow_id) {
			struct program none;
			memset(&none, 0, sizeof(none));
			struct path *p = new_path(t, &none, "(overflow)");
			if (!p)
				return PATH_NONE;
			t->overflow_id = p->id;
		}
		t->overflow++;
		return t->overflow_id;
	}
	if ((uint64_t)(t->nraw + 1) * 2 > t->nslot && !grow_slots(t))
		return id;
	if (t->nraw == t->raw_cap) {
		uint32_t nc = t->raw_cap ? t->raw_cap * 2 : 64;
		struct raw *m = realloc(t->raw, nc * sizeof(*m));
		if (!m)
			return id;
		t->raw = m;
		t->raw_cap = nc;
	}
	uint8_t *copy = malloc(klen);
	if (!copy)
		return id;
	memcpy(copy, key, klen);
	struct raw *r = &t->raw[t->nraw];
	r->h = h;
	r->path = id;
	r->len = (uint16_t)klen;
	r->bytes = copy;
	if (!t->p[id].raw) {
		t->p[id].raw = copy;
		t->p[id].rawlen = (uint16_t)klen;
	}
	uint32_t j = (uint32_t)h & (t->nslot - 1);
	while (t->slot[j])
		j = (j + 1) & (t->nslot - 1);
	t->slot[j] = ++t->nraw;
	return id;
}

uint32_t paths_intern(struct paths *t, const struct dpkt *d, const uint8_t *frame, int layer,
		      uint32_t hint)
{
	if (layer < 0)
		return PATH_NONE;
	uint8_t key[PATH_RAW_MAX + 1];
	uint32_t klen = raw_key(d, frame, layer, key);
	if (hint && hint < t->n) {
		const struct path *hp = &t->p[hint];
		if (hp->rawlen == klen) {
			if (klen == 16) { /* the common case, a DA only: two words, no libc call */
				uint64_t a[2], b[2];
				memcpy(a, hp->raw, 16);
				memcpy(b, key, 16);
				if (!((a[0] ^ b[0]) | (a[1] ^ b[1])))
					return hint;
			} else if (memcmp(hp->raw, key, klen) == 0) {
				return hint;
			}
		}
	}
	uint64_t h = hash_bytes(t->seed, key, klen);
	uint32_t mask = t->nslot - 1;
	for (uint32_t j = (uint32_t)h & mask;; j = (j + 1) & mask) {
		uint32_t s = t->slot[j];
		if (!s)
			break;
		const struct raw *r = &t->raw[s - 1];
		if (r->h == h && r->len == klen && memcmp(r->bytes, key, klen) == 0)
			return r->path;
	}
	return intern_new(t, d, frame, key, klen, h);
}

void paths_rename(struct paths *t, const struct config *cfg)
{
	t->cfg = cfg;
	for (uint32_t i = 1; i < t->n; i++)
		if (i != t->overflow_id)
			set_names(t, &t->p[i]);
}
