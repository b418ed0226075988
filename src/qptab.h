/*
 * qptab.h - the QP table: one record per QP key (DESIGN.md §2), in a flat,
 * fixed-capacity array indexed through an open-addressing hash of 32-bit
 * slots (linear probing, backward-shift deletion, seeded hash).
 *
 * Memory: records are allocated once for the configured capacity; the
 * kernel backs pages only as records are used, so RSS grows with the QPs
 * actually seen (about sizeof(struct qp) + 8 bytes of slots per QP). When
 * the table is full, a new QP evicts an old one by the documented rule
 * (qptab_insert): the least recently seen of 8 records sampled from the
 * table; the evicted record is handed to the caller to be saved.
 *
 * Counters are 32-bit where a QP rarely needs more; on a wrap the high
 * word goes to a small side table (qp_carry), so nothing is lost and the
 * record stays small. Read wide values with qp_get().
 */
#ifndef SPINETAP_QPTAB_H
#define SPINETAP_QPTAB_H

#include <stdbool.h>
#include <stdint.h>

/* Opcode classes, counted per QP. */
enum qp_class {
	QC_SEND = 0,
	QC_WRITE,
	QC_READ_REQ,
	QC_READ_RESP,
	QC_ACK,
	QC_NAK,
	QC_RNR_NAK,
	QC_ATOMIC,
	QC_CNP,
	QC_OTHER,
	QC_N
};

struct qp_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t dqpn; /* bits 0-23 DestQP; QPK_V4: IPv4 addresses; QPK_GID: RoCEv1 GIDs */
};
#define QPK_V4 (1u << 24)
#define QPK_GID (1u << 25)

/* Flags in struct qp.flags */
enum {
	QPF_HAVE_NEXT = 1u << 0,  /* psn_next is valid */
	QPF_HOLE = 1u << 1,       /* [hole_lo, hole_hi) is an open gap */
	QPF_RESP = 1u << 2,       /* inside a READ response message: resp_next valid */
	QPF_DIRTY = 1u << 3,      /* changed since the last flush (also in the dirty bitmap) */
	QPF_HAVE_REQ = 1u << 4,   /* first_req_psn valid */
	QPF_HAVE_RESPPSN = 1u << 5,
	QPF_MULTI = 1u << 6,      /* more than one (path, tap): see the combo table */
	QPF_HAVE_MSG = 1u << 7,
	QPF_PINNED = 1u << 8,     /* pin_path valid */
	QPF_SAVED = 1u << 9,      /* written to the store at least once */
	QPF_POLICY = 1u << 10,    /* policy is resolved (policy field valid, may be none) */
	QPF_READ_LAST = 1u << 11, /* the last request was a READ (see struct nakrec) */
};

/*
 * Per-QP counters. The first QCTR_INLINE live in the record (32-bit, with
 * carry); the others are the rarer ones (loss, NAKs, CNPs, violations...)
 * and live in a side record (struct qpx in attrib.h) that only QPs which
 * have them pay for. Read any of them with engine_ctr().
 */
enum qp_ctr {
	QCTR_SEND = 0,
	QCTR_WRITE,
	QCTR_READ_REQ,
	QCTR_READ_RESP,
	QCTR_ACK,
	QCTR_ECT,
	QCTR_CE,
	QCTR_MSGS,
	QCTR_COMBO,                   /* sightings on (combo_path, combo_tap) */
	QCTR_RETHS,                   /* requests with a RETH: the count behind msg_sum */
	QCTR_VIOL,                    /* sightings with a violation verdict (a misrouted flood is
	                                 when the analyzer must keep up) */
	QCTR_INLINE,
	QCTR_NAK = QCTR_INLINE,
	QCTR_RNR_NAK,
	QCTR_ATOMIC,
	QCTR_CNP,
	QCTR_OTHER,
	QCTR_CE_INNER,
	QCTR_GAPS,
	QCTR_RETRANS,
	QCTR_OOO,
	QCTR_N
};
#define QCTR_SIDE (QCTR_N - QCTR_INLINE)

/* The counter of an opcode class. */
static inline unsigned qctr_of_class(unsigned cls)
{
	static const unsigned char map[QC_N] = {
		[QC_SEND] = QCTR_SEND,     [QC_WRITE] = QCTR_WRITE, [QC_READ_REQ] = QCTR_READ_REQ,
		[QC_READ_RESP] = QCTR_READ_RESP, [QC_ACK] = QCTR_ACK, [QC_NAK] = QCTR_NAK,
		[QC_RNR_NAK] = QCTR_RNR_NAK, [QC_ATOMIC] = QCTR_ATOMIC, [QC_CNP] = QCTR_CNP,
		[QC_OTHER] = QCTR_OTHER,
	};
	return cls < QC_N ? map[cls] : QCTR_OTHER;
}

/*
 * Field order follows use: the first three cache lines hold everything a
 * typical packet touches (key, totals, the common counters, PSN state, the
 * inline combo); the fourth holds what changes rarely.
 */
struct qp {
	/* line 0 */
	struct qp_key key;
	uint32_t flags;
	uint64_t packets, bytes, payload; /* primary sightings */
	/* line 1 */
	uint64_t last_ts;                 /* ns */
	uint64_t combo_bytes;
	uint32_t ctr[QCTR_INLINE];        /* see enum qp_ctr; wide values via qp_get() */
	uint32_t psn_next;                /* expected next request PSN */
	/* line 2 */
	uint16_t pending;                 /* late PSNs filling a hole, not yet classified */
	uint8_t nsport;                   /* distinct source ports seen, saturating at 255 */
	uint8_t pol_dscp;                 /* DSCP + 1 the cached policy was matched with */
	uint32_t hole_lo, hole_hi;        /* the open gap */
	uint32_t resp_next;               /* next READ response PSN in the current message */
	uint32_t combo_path;              /* the first (path, tap): sightings in ctr[QCTR_COMBO] */
	uint16_t combo_tap;
	uint16_t policy;                  /* policy index + 1, 0 = none */
	uint64_t dscp;                    /* bit d: outer DSCP d seen */
	uint16_t sport[4];                /* first distinct UDP source ports */
	uint32_t id;                      /* stable id in the store (1-based, never reused) */
	uint32_t first_req_psn;           /* for pairing */
	uint32_t last_resp_psn;
	uint32_t msg_min, msg_max;
	uint32_t pin_path;                /* pinned concrete path (policy mode pin) */
	/* line 3 */
	uint64_t first_ts;                /* ns */
	uint64_t msg_sum;
};
_Static_assert(sizeof(struct qp) == 208, "struct qp: keep four cache lines, the fourth partly");

struct qptab {
	struct qp *rec;
	uint32_t cap;          /* records allocated */
	uint32_t n;            /* records in use */
	uint32_t *slot;        /* index + 1, 0 = empty */
	uint32_t nslot;        /* power of two */
	uint64_t seed;
	uint64_t evictions;
	uint32_t next_id;
	uint32_t sample_state;
	uint64_t *dirty;       /* bit per record: changed since the last flush */
	/* carry table: (record, counter) -> high 32 bits; linear, it holds only wrapped counters */
	struct qp_carry { uint32_t rec, ctr, hi; } *carry;
	uint32_t ncarry, carry_cap;
};

bool qptab_init(struct qptab *t, uint32_t capacity, uint64_t seed);
void qptab_free(struct qptab *t);

static inline uint64_t qptab_hash(const struct qptab *t, const struct qp_key *k);

/* Hint the cache: the record the key's home slot points at (three lines of it). */
static inline void qptab_prefetch(const struct qptab *t, uint64_t h)
{
	uint32_t s = t->slot[(uint32_t)h & (t->nslot - 1)];
	if (s) {
		const char *r = (const char *)&t->rec[s - 1];
		__builtin_prefetch(r);
		__builtin_prefetch(r + 64);
		__builtin_prefetch(r + 128);
	}
}

/* Find a QP; NULL when absent. */
struct qp *qptab_find(struct qptab *t, const struct qp_key *k, uint64_t h);

/*
 * Insert a new QP (the caller checked it is absent). When the table is
 * full, evicts the least recently seen of 8 sampled records first: *evicted
 * then holds a copy of it and ev_ctr its counters at full width (the caller
 * saves them), and *did_evict is true. The returned record is zeroed but
 * for key and id. NULL only when memory for the slots runs out.
 */
struct qp *qptab_insert(struct qptab *t, const struct qp_key *k, uint64_t h, struct qp *evicted,
			uint64_t ev_ctr[QCTR_INLINE], bool *did_evict);

static inline uint32_t qptab_index(const struct qptab *t, const struct qp *q)
{
	return (uint32_t)(q - t->rec);
}

static inline void qptab_mark_dirty(struct qptab *t, struct qp *q)
{
	uint32_t i = qptab_index(t, q);
	q->flags |= QPF_DIRTY;
	t->dirty[i / 64] |= 1ull << (i % 64);
}

/* Add n to a counter, carrying into the side table on a 32-bit wrap. */
void qp_carry_add(struct qptab *t, struct qp *q, unsigned ctr, uint32_t n);
static inline void qp_add(struct qptab *t, struct qp *q, unsigned ctr, uint32_t n)
{
	uint32_t v;
	if (__builtin_add_overflow(q->ctr[ctr], n, &v))
		qp_carry_add(t, q, ctr, n);
	else
		q->ctr[ctr] = v;
}
/* The full value of a counter. */
uint64_t qp_get(const struct qptab *t, const struct qp *q, unsigned ctr);
/* Subtract (never below zero); used when a gap turns out to be reordering. */
void qp_sub(struct qptab *t, struct qp *q, unsigned ctr, uint32_t n);

#include "hash.h"
static inline uint64_t qptab_hash(const struct qptab *t, const struct qp_key *k)
{
	uint64_t w[5];
	memcpy(w, k, 36);
	uint64_t h = t->seed;
	h = hash_mix(h ^ w[0]) + w[1];
	h = hash_mix(h ^ w[2]) + w[3];
	uint32_t last;
	memcpy(&last, (const uint8_t *)k + 32, 4);
	return hash_mix(h ^ last);
}

#endif
