/*
 * qptab.c - see qptab.h.
 *
 * Linear probing keeps a lookup to one or two cache lines of slots plus the
 * record compared. Slots grow (doubling, full rehash of 32-bit indices)
 * while records never move, so pointers to records stay valid across
 * growth; only eviction reuses a record.
 */
#include "qptab.h"

#include <stdlib.h>
#include <string.h>

#define SLOT_MIN 1024u
#define EVICT_SAMPLE 8

bool qptab_init(struct qptab *t, uint32_t capacity, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	if (capacity < 16)
		capacity = 16;
	t->rec = calloc(capacity, sizeof(*t->rec));
	t->nslot = SLOT_MIN;
	t->slot = calloc(t->nslot, sizeof(*t->slot));
	t->dirty = calloc((capacity + 63) / 64, sizeof(uint64_t));
	if (!t->rec || !t->slot || !t->dirty) {
		qptab_free(t);
		return false;
	}
	t->cap = capacity;
	t->seed = seed;
	t->sample_state = (uint32_t)(seed | 1);
	return true;
}

void qptab_free(struct qptab *t)
{
	free(t->rec);
	free(t->slot);
	free(t->carry);
	free(t->dirty);
	memset(t, 0, sizeof(*t));
}

/* Keys are compared as words: no call into libc on the per-packet path. */
static inline bool key_eq(const struct qp_key *a, const struct qp_key *b)
{
	uint64_t x[4], y[4];
	memcpy(x, a, 32);
	memcpy(y, b, 32);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0 &&
	       a->dqpn == b->dqpn;
}

struct qp *qptab_find(struct qptab *t, const struct qp_key *k, uint64_t h)
{
	uint32_t mask = t->nslot - 1;
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint32_t s = t->slot[i];
		if (!s)
			return NULL;
		struct qp *q = &t->rec[s - 1];
		if (key_eq(&q->key, k))
			return q;
	}
}

static void slot_put(struct qptab *t, uint64_t h, uint32_t idx)
{
	uint32_t mask = t->nslot - 1;
	uint32_t i = (uint32_t)h & mask;
	while (t->slot[i])
		i = (i + 1) & mask;
	t->slot[i] = idx + 1;
}

static bool grow(struct qptab *t)
{
	uint32_t n = t->nslot * 2;
	uint32_t *s = calloc(n, sizeof(*s));
	if (!s)
		return false;
	free(t->slot);
	t->slot = s;
	t->nslot = n;
	for (uint32_t i = 0; i < t->n; i++)
		slot_put(t, qptab_hash(t, &t->rec[i].key), i);
	return true;
}

/* Remove record idx from the slots (backward-shift deletion, Knuth 6.4 R). */
static void slot_del(struct qptab *t, uint32_t idx)
{
	uint32_t mask = t->nslot - 1;
	uint32_t i = (uint32_t)qptab_hash(t, &t->rec[idx].key) & mask;
	while (t->slot[i] != idx + 1)
		i = (i + 1) & mask;
	for (uint32_t j = i;;) {
		t->slot[i] = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!t->slot[j])
				return;
			uint32_t home = (uint32_t)qptab_hash(t, &t->rec[t->slot[j] - 1].key) & mask;
			/* Move slot j back to i unless its home lies cyclically in (i, j]. */
			bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
			if (!stays)
				break;
		}
		t->slot[i] = t->slot[j];
		i = j;
	}
}

uint64_t qp_get(const struct qptab *t, const struct qp *q, unsigned ctr);

static void carry_drop(struct qptab *t, uint32_t rec)
{
	for (uint32_t i = 0; i < t->ncarry;) {
		if (t->carry[i].rec == rec)
			t->carry[i] = t->carry[--t->ncarry];
		else
			i++;
	}
}

struct qp *qptab_insert(struct qptab *t, const struct qp_key *k, uint64_t h, struct qp *evicted,
			uint64_t ev_ctr[QCTR_INLINE], bool *did_evict)
{
	uint32_t idx;
	*did_evict = false;
	if (t->n < t->cap) {
		if ((uint64_t)(t->n + 1) * 2 > t->nslot && !grow(t))
			return NULL;
		idx = t->n++;
	} else {
		/* Full: evict the least recently seen of a few sampled records (Redis' approximated LRU). */
		uint32_t best = 0;
		uint64_t best_ts = UINT64_MAX;
		for (int s = 0; s < EVICT_SAMPLE; s++) {
			uint32_t x = t->sample_state;
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			t->sample_state = x;
			uint32_t c = x % t->n;
			if (t->rec[c].last_ts < best_ts) {
				best_ts = t->rec[c].last_ts;
				best = c;
			}
		}
		idx = best;
		*evicted = t->rec[idx];
		for (unsigned c = 0; c < QCTR_INLINE; c++)
			ev_ctr[c] = qp_get(t, &t->rec[idx], c);
		*did_evict = true;
		carry_drop(t, idx);
		slot_del(t, idx);
		t->dirty[idx / 64] &= ~(1ull << (idx % 64));
		t->evictions++;
	}
	struct qp *q = &t->rec[idx];
	memset(q, 0, sizeof(*q));
	q->key = *k;
	q->id = ++t->next_id;
	slot_put(t, h, idx);
	return q;
}

static struct qp_carry *carry_find(const struct qptab *t, uint32_t rec, unsigned ctr)
{
	for (uint32_t i = 0; i < t->ncarry; i++)
		if (t->carry[i].rec == rec && t->carry[i].ctr == ctr)
			return &t->carry[i];
	return NULL;
}

void qp_carry_add(struct qptab *t, struct qp *q, unsigned ctr, uint32_t n)
{
	uint32_t rec = qptab_index(t, q);
	struct qp_carry *c = carry_find(t, rec, ctr);
	if (!c) {
		if (t->ncarry == t->carry_cap) {
			uint32_t nc = t->carry_cap ? t->carry_cap * 2 : 16;
			struct qp_carry *m = realloc(t->carry, nc * sizeof(*m));
			if (!m) { /* defensive: saturate rather than wrap */
				q->ctr[ctr] = UINT32_MAX;
				return;
			}
			t->carry = m;
			t->carry_cap = nc;
		}
		c = &t->carry[t->ncarry++];
		c->rec = rec;
		c->ctr = ctr;
		c->hi = 0;
	}
	c->hi++;
	q->ctr[ctr] += n; /* wraps modulo 2^32: the carry holds the lost 2^32 */
}

uint64_t qp_get(const struct qptab *t, const struct qp *q, unsigned ctr)
{
	uint64_t v = q->ctr[ctr];
	if (t->ncarry && q >= t->rec && q < t->rec + t->cap) {
		const struct qp_carry *c = carry_find(t, qptab_index(t, q), ctr);
		if (c)
			v += (uint64_t)c->hi << 32;
	}
	return v;
}

void qp_sub(struct qptab *t, struct qp *q, unsigned ctr, uint32_t n)
{
	if (q->ctr[ctr] >= n) {
		q->ctr[ctr] -= n;
		return;
	}
	struct qp_carry *c = carry_find(t, qptab_index(t, q), ctr);
	if (c && c->hi) {
		c->hi--;
		q->ctr[ctr] -= n; /* borrows 2^32 from the carry */
	} else {
		q->ctr[ctr] = 0;
	}
}
