/*
 * attrib.c - see attrib.h. IBTA Vol 1 §9.7 (PSN rules), roce-notes.md §3.
 *
 * PSN analysis, per QP record, on primary sightings of request packets:
 *   expected = last PSN + 1 (a READ REQUEST reserves ceil(DMA length/PMTU)
 *   PSNs), modulo 2^24, compared in a ±2^23 window.
 *   - ahead by n: n PSNs were skipped (psn_gaps += n) and become the open
 *     hole;
 *   - behind, inside the hole: a late packet; whether it is reordering or
 *     the start of a go-back-N resend is decided by the next packet: if
 *     that one repeats a PSN already seen, the late run was a resend
 *     (retransmissions), else it was reordering (out_of_order, and the
 *     gap shrinks by as much);
 *   - behind, already seen: a retransmission.
 * READ responses use the requester's PSN space; gaps and repeats inside one
 * response message (FIRST..LAST) count the same way.
 */
#include "attrib.h"

#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "util.h"

#define PSN_MASK 0xffffffu
#define PSN_HALF 0x800000u

static const char *const class_names[QC_N] = {
	[QC_SEND] = "send",       [QC_WRITE] = "write", [QC_READ_REQ] = "read_req",
	[QC_READ_RESP] = "read_resp", [QC_ACK] = "ack", [QC_NAK] = "nak",
	[QC_RNR_NAK] = "rnr_nak", [QC_ATOMIC] = "atomic", [QC_CNP] = "cnp",
	[QC_OTHER] = "other",
};

const char *qp_class_name(unsigned cls)
{
	return cls < QC_N ? class_names[cls] : "?";
}

void qp_key_addrs(const struct qp_key *k, char *src, char *dst, size_t len)
{
	int v = (k->dqpn & QPK_V4) ? 4 : 6;
	fmt_addr(src, len, v, k->src);
	fmt_addr(dst, len, v, k->dst);
}

bool engine_init(struct engine *e, const struct config *cfg)
{
	memset(e, 0, sizeof(*e));
	e->cfg = cfg;
	config_dp_opts(cfg, &e->dp);
	e->dp.no_split = true; /* programs come from paths.c, once per distinct program */
	e->pmtu = cfg->set.pmtu;
	e->pmtu_fixed = cfg->set.pmtu_set;
	e->seed = hash_seed();
	if (!qptab_init(&e->qp, cfg->set.qp_capacity, e->seed))
		return false;
	if (!paths_init(&e->paths, cfg, &e->dp, e->seed ^ 0x5bd1e995u)) {
		qptab_free(&e->qp);
		return false;
	}
	e->tp_stride = 16;
	e->combo_nslot = 256;
	e->combo_slot = calloc(e->combo_nslot, sizeof(*e->combo_slot));
	e->nak_nslot = 64;
	e->nak_slot = calloc(e->nak_nslot, sizeof(*e->nak_slot));
	e->pol = policy_new(e);
	e->pend[0].buf = malloc(PEND_BUF);
	e->pend[1].buf = malloc(PEND_BUF);
	if (!e->combo_slot || !e->nak_slot || !e->pol || !e->pend[0].buf || !e->pend[1].buf) {
		engine_free(e);
		return false;
	}
	return true;
}

void engine_free(struct engine *e)
{
	policy_free(e->pol);
	qptab_free(&e->qp);
	paths_free(&e->paths);
	free(e->tp);
	free(e->ts);
	free(e->touched);
	free(e->combo);
	free(e->combo_slot);
	free(e->ev);
	free(e->nak);
	free(e->nak_slot);
	free(e->pend[0].buf);
	free(e->pend[1].buf);
	memset(e, 0, sizeof(*e));
}

int engine_add_tap(struct engine *e, const char *name, const char *source)
{
	if (e->ntaps >= MAX_TAPS)
		return -1;
	for (int i = 0; i < e->ntaps; i++)
		if (!strcmp(e->tap[i].name, name))
			return i; /* several files or interfaces may feed one tap */
	struct tap *t = &e->tap[e->ntaps];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->source, sizeof(t->source), "%s", source);
	t->cfg = config_tap_by_name(e->cfg, name);
	t->node = t->cfg >= 0 ? e->cfg->taps[t->cfg].node : -1;
	t->peer = t->cfg >= 0 ? e->cfg->taps[t->cfg].peer : -1;
	t->dir = t->cfg >= 0 ? e->cfg->taps[t->cfg].dir : DIR_BOTH;
	e->ntaps++;
	/* Leaving sightings are primary only at nodes with no entering view. */
	for (int i = 0; i < e->ntaps; i++) {
		struct tap *a = &e->tap[i];
		a->leaving_primary = true;
		if (a->node < 0)
			continue;
		for (int j = 0; j < e->ntaps; j++)
			if (e->tap[j].node == a->node && e->tap[j].dir != DIR_OUT)
				a->leaving_primary = false;
	}
	/* The (tap, path) rows grow with the taps. */
	struct tp_ctr *n = realloc(e->tp, sizeof(*n) * (size_t)e->ntaps * e->tp_stride);
	if (!n) {
		e->ntaps--;
		return -1;
	}
	e->tp = n;
	memset(&e->tp[(size_t)(e->ntaps - 1) * e->tp_stride], 0, sizeof(*n) * e->tp_stride);
	policy_taps_changed(e);
	return e->ntaps - 1;
}

/* ---- time series ---- */

#define TS_ROWS_MAX (1u << 22) /* rows held while the store cannot write (disk full) */

static bool ts_push(struct engine *e, const struct ts_row *r)
{
	if (e->nts >= TS_ROWS_MAX) {
		e->ts_dropped++;
		return false;
	}
	if (e->nts == e->ts_cap) {
		uint32_t nc = e->ts_cap ? e->ts_cap * 2 : 256;
		struct ts_row *m = realloc(e->ts, nc * sizeof(*m));
		if (!m) {
			e->ts_dropped++;
			return false;
		}
		e->ts = m;
		e->ts_cap = nc;
	}
	e->ts[e->nts++] = *r;
	return true;
}

static void second_close(struct engine *e)
{
	for (uint32_t i = 0; i < e->ntouched; i++) {
		uint32_t idx = e->touched[i];
		struct tp_ctr *c = &e->tp[idx];
		struct ts_row r = {
			.sec = e->cur_sec,
			.tap = (uint16_t)(idx / e->tp_stride),
			.path = idx % e->tp_stride,
			.pk = c->pk - c->snap_pk,
			.by = c->by - c->snap_by,
			.ppk = c->ppk - c->snap_ppk,
			.pby = c->pby - c->snap_pby,
		};
		ts_push(e, &r);
		c->snap_pk = c->pk;
		c->snap_by = c->by;
		c->snap_ppk = c->ppk;
		c->snap_pby = c->pby;
	}
	e->ntouched = 0;
	e->sec_index++;
}

static void time_advance(struct engine *e, uint64_t ts)
{
	uint64_t sec = ts / 1000000000ull;
	if (!e->first_ts)
		e->first_ts = ts;
	if (ts > e->last_ts)
		e->last_ts = ts;
	if (sec > e->cur_sec) {
		if (e->cur_sec)
			second_close(e);
		e->cur_sec = sec;
	}
}

/* Widen the (tap, path) rows so `path` fits; touched indices are remapped. */
static bool tp_fit(struct engine *e, uint32_t path)
{
	if (path < e->tp_stride)
		return true;
	uint32_t ns = e->tp_stride;
	while (ns <= path)
		ns *= 2;
	struct tp_ctr *n = calloc((size_t)e->ntaps * ns, sizeof(*n));
	if (!n)
		return false;
	for (int t = 0; t < e->ntaps; t++)
		memcpy(&n[(size_t)t * ns], &e->tp[(size_t)t * e->tp_stride], sizeof(*n) * e->tp_stride);
	for (uint32_t i = 0; i < e->ntouched; i++) {
		uint32_t idx = e->touched[i];
		e->touched[i] = idx / e->tp_stride * ns + idx % e->tp_stride;
	}
	free(e->tp);
	e->tp = n;
	e->tp_stride = ns;
	return true;
}

static void tp_count(struct engine *e, int tap, uint32_t path, uint32_t len, bool primary)
{
	if (!tp_fit(e, path))
		return;
	uint32_t idx = (uint32_t)tap * e->tp_stride + path;
	struct tp_ctr *c = &e->tp[idx];
	if (c->sec_mark != e->sec_index + 1) {
		c->sec_mark = e->sec_index + 1;
		if (e->ntouched == e->touched_cap) {
			uint32_t nc = e->touched_cap ? e->touched_cap * 2 : 64;
			uint32_t *m = realloc(e->touched, nc * sizeof(*m));
			if (!m) {
				e->ts_dropped++;
				goto count;
			}
			e->touched = m;
			e->touched_cap = nc;
		}
		e->touched[e->ntouched++] = idx;
	}
count:
	c->pk++;
	c->by += len;
	if (primary) {
		c->ppk++;
		c->pby += len;
	}
}

/* ---- combos: (QP, path, tap) beyond the inline one ---- */

static uint64_t combo_hash(const struct engine *e, uint32_t qp_id, uint32_t path, uint16_t tap)
{
	return hash_mix(e->seed ^ ((uint64_t)qp_id << 32 | path) ^ ((uint64_t)tap << 48));
}

static bool combo_grow(struct engine *e)
{
	uint32_t n = e->combo_nslot * 2;
	uint32_t *s = calloc(n, sizeof(*s));
	if (!s)
		return false;
	for (uint32_t i = 0; i < e->ncombo; i++) {
		const struct combo *c = &e->combo[i];
		uint32_t j = (uint32_t)combo_hash(e, c->qp_id, c->path, c->tap) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i + 1;
	}
	free(e->combo_slot);
	e->combo_slot = s;
	e->combo_nslot = n;
	return true;
}

static struct combo *combo_get(struct engine *e, const struct qp *q, uint32_t path, uint16_t tap)
{
	uint64_t h = combo_hash(e, q->id, path, tap);
	uint32_t mask = e->combo_nslot - 1, j;
	for (j = (uint32_t)h & mask; e->combo_slot[j]; j = (j + 1) & mask) {
		struct combo *c = &e->combo[e->combo_slot[j] - 1];
		if (c->qp_id == q->id && c->path == path && c->tap == tap)
			return c;
	}
	if ((uint64_t)(e->ncombo + 1) * 2 > e->combo_nslot) {
		if (!combo_grow(e))
			return NULL;
		mask = e->combo_nslot - 1;
		for (j = (uint32_t)h & mask; e->combo_slot[j]; j = (j + 1) & mask)
			;
	}
	if (e->ncombo == e->combo_cap) {
		uint32_t nc = e->combo_cap ? e->combo_cap * 2 : 64;
		struct combo *m = realloc(e->combo, nc * sizeof(*m));
		if (!m)
			return NULL;
		e->combo = m;
		e->combo_cap = nc;
	}
	struct combo *c = &e->combo[e->ncombo];
	memset(c, 0, sizeof(*c));
	c->qp_id = q->id;
	c->rec = qptab_index(&e->qp, q);
	c->path = path;
	c->tap = tap;
	e->combo_slot[j] = ++e->ncombo;
	return c;
}

static void combo_count(struct engine *e, struct qp *q, uint32_t path, uint16_t tap, uint32_t len)
{
	if (!(q->flags & QPF_MULTI)) {
		if (q->ctr[QCTR_COMBO] == 0 && !q->combo_bytes) {
			q->combo_path = path;
			q->combo_tap = tap;
		}
		if (q->combo_path == path && q->combo_tap == tap) {
			qp_add(&e->qp, q, QCTR_COMBO, 1);
			q->combo_bytes += len;
			return;
		}
		q->flags |= QPF_MULTI;
	}
	if (q->combo_path == path && q->combo_tap == tap) {
		qp_add(&e->qp, q, QCTR_COMBO, 1);
		q->combo_bytes += len;
		return;
	}
	struct combo *c = combo_get(e, q, path, tap);
	if (!c)
		return; /* out of memory: the QP totals stay right, the breakdown is short */
	c->packets++;
	c->bytes += len;
	c->dirty = 1;
}

void engine_qp_combos(const struct engine *e, const struct qp *q, combo_fn fn, void *arg)
{
	uint64_t n = qp_get(&e->qp, q, QCTR_COMBO);
	if (n)
		fn(arg, q->combo_path, q->combo_tap, n, q->combo_bytes);
	if (!(q->flags & QPF_MULTI))
		return;
	for (uint32_t i = 0; i < e->ncombo; i++) {
		const struct combo *c = &e->combo[i];
		if (c->qp_id == q->id)
			fn(arg, c->path, c->tap, c->packets, c->bytes);
	}
}

/* ---- NAK breakdown ---- */

static struct nakrec *nak_get(struct engine *e, uint32_t qp_id, bool create)
{
	uint32_t mask = e->nak_nslot - 1, j;
	uint64_t h = hash_mix(e->seed ^ qp_id);
	for (j = (uint32_t)h & mask; e->nak_slot[j]; j = (j + 1) & mask)
		if (e->nak[e->nak_slot[j] - 1].qp_id == qp_id)
			return &e->nak[e->nak_slot[j] - 1];
	if (!create)
		return NULL;
	if ((uint64_t)(e->nnak + 1) * 2 > e->nak_nslot) {
		uint32_t n = e->nak_nslot * 2;
		uint32_t *s = calloc(n, sizeof(*s));
		if (!s)
			return NULL;
		for (uint32_t i = 0; i < e->nnak; i++) {
			uint32_t k = (uint32_t)hash_mix(e->seed ^ e->nak[i].qp_id) & (n - 1);
			while (s[k])
				k = (k + 1) & (n - 1);
			s[k] = i + 1;
		}
		free(e->nak_slot);
		e->nak_slot = s;
		e->nak_nslot = n;
		mask = n - 1;
		for (j = (uint32_t)h & mask; e->nak_slot[j]; j = (j + 1) & mask)
			;
	}
	if (e->nnak == e->nak_cap) {
		uint32_t nc = e->nak_cap ? e->nak_cap * 2 : 16;
		struct nakrec *m = realloc(e->nak, nc * sizeof(*m));
		if (!m)
			return NULL;
		e->nak = m;
		e->nak_cap = nc;
	}
	struct nakrec *r = &e->nak[e->nnak];
	memset(r, 0, sizeof(*r));
	r->qp_id = qp_id;
	r->rec = UINT32_MAX; /* the caller that creates it sets the record index */
	e->nak_slot[j] = ++e->nnak;
	return r;
}

/* The extras of q, created when absent. */
static struct nakrec *nak_of(struct engine *e, const struct qp *q)
{
	struct nakrec *r = nak_get(e, q->id, true);
	if (r)
		r->rec = qptab_index(&e->qp, q);
	return r;
}

void engine_qp_naks(const struct engine *e, uint32_t qp_id, uint32_t out[NAK_CODES])
{
	memset(out, 0, sizeof(uint32_t) * NAK_CODES);
	struct nakrec *r = nak_get((struct engine *)e, qp_id, false);
	if (r)
		memcpy(out, r->n, sizeof(r->n));
}

/* Add to any counter of a QP: inline with carry, or in its side record. */
void engine_ctr_add(struct engine *e, struct qp *q, unsigned c, uint32_t n)
{
	if (c < QCTR_INLINE) {
		qp_add(&e->qp, q, c, n);
		return;
	}
	struct nakrec *x = nak_of(e, q);
	if (x)
		x->ctr[c - QCTR_INLINE] += n;
}

static void ctr_sub(struct engine *e, struct qp *q, unsigned c, uint32_t n)
{
	if (c < QCTR_INLINE) {
		qp_sub(&e->qp, q, c, n);
		return;
	}
	struct nakrec *x = nak_get(e, q->id, false);
	if (x)
		x->ctr[c - QCTR_INLINE] -= x->ctr[c - QCTR_INLINE] < n ? x->ctr[c - QCTR_INLINE] : n;
}

uint64_t engine_ctr(const struct engine *e, const struct qp *q, unsigned c)
{
	if (c < QCTR_INLINE)
		return qp_get(&e->qp, q, c);
	const struct nakrec *x = nak_get((struct engine *)e, q->id, false);
	return x && c < QCTR_N ? x->ctr[c - QCTR_INLINE] : 0;
}

void engine_ctrs(const struct engine *e, const struct qp *q, uint64_t out[QCTR_N])
{
	const struct nakrec *x = nak_get((struct engine *)e, q->id, false);
	for (unsigned c = 0; c < QCTR_INLINE; c++)
		out[c] = qp_get(&e->qp, q, c);
	for (unsigned c = QCTR_INLINE; c < QCTR_N; c++)
		out[c] = x ? x->ctr[c - QCTR_INLINE] : 0;
}

/* ---- eviction ---- */

static void evict_save(struct engine *e, const struct qp *q, const uint64_t inl[QCTR_INLINE])
{
	uint64_t ctr[QCTR_N];
	memcpy(ctr, inl, sizeof(uint64_t) * QCTR_INLINE);
	struct nakrec *x = nak_get(e, q->id, false);
	for (unsigned c = QCTR_INLINE; c < QCTR_N; c++)
		ctr[c] = x ? x->ctr[c - QCTR_INLINE] : 0;
	e->ev_gaps += ctr[QCTR_GAPS];
	e->ev_retrans += ctr[QCTR_RETRANS];
	e->ev_ooo += ctr[QCTR_OOO];
	e->ev_naks += ctr[QCTR_NAK];
	e->ev_rnr += ctr[QCTR_RNR_NAK];
	e->ev_cnps += ctr[QCTR_CNP];
	e->ev_ce += ctr[QCTR_CE];
	if (e->nev == e->ev_cap) {
		uint32_t nc = e->ev_cap ? e->ev_cap * 2 : 64;
		struct evrec *m = nc <= EV_QUEUE_MAX ? realloc(e->ev, nc * sizeof(*m)) : NULL;
		if (!m) {
			/* The queue is full until the next flush: keep the totals only. */
			e->ev_lost++;
			e->ev_lost_packets += q->packets;
			e->ev_lost_bytes += q->bytes;
			return;
		}
		e->ev = m;
		e->ev_cap = nc;
	}
	struct evrec *r = &e->ev[e->nev++];
	r->q = *q;
	memcpy(r->ctr, ctr, sizeof(r->ctr));
	engine_qp_naks(e, q->id, r->nak);
}

/* ---- per packet ---- */

static void qp_key_from(const struct dpkt *d, const uint8_t *frame, struct qp_key *k)
{
	if (d->roce == DP_ROCE_V1) {
		memcpy(k->src, d->grh.sgid, 16);
		memcpy(k->dst, d->grh.dgid, 16);
		k->dqpn = d->bth.dqpn | QPK_GID;
		return;
	}
	const struct dp_ip *ip = &d->ip[d->nip - 1];
	memcpy(k->src, ip->src, 16);
	if (d->nip == 1 && ip->has_srh && ip->srh.complete)
		memcpy(k->dst, frame + ip->srh.off + 8, 16); /* Segment List[0]: the final destination */
	else
		memcpy(k->dst, ip->dst, 16);
	k->dqpn = d->bth.dqpn | (ip->v == 4 ? QPK_V4 : 0);
}

static unsigned op_class(const struct dpkt *d)
{
	uint8_t op = d->bth.opcode;
	unsigned t = op & 0xe0u, o = op & 0x1fu;
	if (op == 0x81)
		return QC_CNP;
	if (t == 0x60)
		return QC_SEND;
	if (t == 0x80 || t == 0xc0 || t == 0xe0)
		return QC_OTHER;
	switch (o) {
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x16: case 0x17:
		return QC_SEND;
	case 0x06: case 0x07: case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x1c:
		return QC_WRITE;
	case 0x0c:
		return QC_READ_REQ;
	case 0x0d: case 0x0e: case 0x0f: case 0x10:
		return QC_READ_RESP;
	case 0x11:
		if (!(d->ext & DP_X_AETH))
			return QC_OTHER; /* the AETH was cut by the snapshot length */
		switch ((d->aeth.syndrome >> 5) & 3) {
		case DP_AETH_ACK:
			return QC_ACK;
		case DP_AETH_RNR:
			return QC_RNR_NAK;
		case DP_AETH_NAK:
			return QC_NAK;
		default:
			return QC_OTHER;
		}
	case 0x12:
		return QC_ACK;
	case 0x13: case 0x14: case 0x1d:
		return QC_ATOMIC;
	default:
		return QC_OTHER;
	}
}

static bool ends_message(uint8_t op)
{
	switch (op & 0x1fu) {
	case 0x02: case 0x03: case 0x04: case 0x05: case 0x08: case 0x09: case 0x0a: case 0x0b:
	case 0x0c: case 0x13: case 0x14: case 0x16: case 0x17: case 0x1c: case 0x1d:
		return true;
	default:
		return false;
	}
}

static void pending_to_reorder(struct engine *e, struct qp *q)
{
	if (!q->pending)
		return;
	engine_ctr_add(e, q, QCTR_OOO, q->pending);
	ctr_sub(e, q, QCTR_GAPS, q->pending);
	q->pending = 0;
}

static bool in_hole(const struct qp *q, uint32_t psn)
{
	return (q->flags & QPF_HOLE) &&
	       ((psn - q->hole_lo) & PSN_MASK) < ((q->hole_hi - q->hole_lo) & PSN_MASK);
}

/*
 * The last request was a READ whose reservation was computed with a PMTU
 * guess (none configured, none seen in FIRST/MIDDLE payloads yet): does a
 * PMTU of 256..4096 make its responses end just before `psn`? Then that
 * PMTU is learned and there is no gap. If the PMTU has been learned since
 * (from another QP's payloads), the reservation is recomputed with it.
 */
static bool read_explains(struct engine *e, const struct qp *q, uint32_t psn)
{
	if (e->pmtu_fixed)
		return false; /* the PMTU is known: the reservation was right, a jump is a gap */
	struct nakrec *r = nak_get(e, q->id, false);
	if (!r || !r->read_guess)
		return false;
	if (r->read_len == UINT32_MAX)
		return true; /* its RETH was not captured: any reservation is possible */
	if (e->pmtu_learned) {
		uint32_t span = r->read_len ? (r->read_len + e->pmtu_learned - 1) / e->pmtu_learned : 1;
		return ((r->read_psn + span) & PSN_MASK) == psn;
	}
	for (uint32_t m = 256; m <= 4096; m *= 2) {
		uint32_t span = r->read_len ? (r->read_len + m - 1) / m : 1;
		if (((r->read_psn + span) & PSN_MASK) == psn) {
			if (!e->pmtu_fixed)
				e->pmtu = m;
			return true;
		}
	}
	return false;
}

/* A request packet; returns true when it is a retransmission. */
static bool psn_request(struct engine *e, struct qp *q, uint32_t psn, uint32_t span)
{
	if (!(q->flags & QPF_HAVE_REQ)) {
		q->flags |= QPF_HAVE_REQ;
		q->first_req_psn = psn;
	}
	if (!(q->flags & QPF_HAVE_NEXT)) {
		q->flags |= QPF_HAVE_NEXT;
		q->psn_next = (psn + span) & PSN_MASK;
		return false;
	}
	uint32_t ahead = (psn - q->psn_next) & PSN_MASK;
	if (ahead == 0) {
		pending_to_reorder(e, q);
		q->psn_next = (psn + span) & PSN_MASK;
		return false;
	}
	if (ahead < PSN_HALF && (q->flags & QPF_READ_LAST) && read_explains(e, q, psn)) {
		pending_to_reorder(e, q);
		q->psn_next = (psn + span) & PSN_MASK;
		return false;
	}
	if (ahead < PSN_HALF) {
		pending_to_reorder(e, q);
		engine_ctr_add(e, q, QCTR_GAPS, ahead);
		q->hole_lo = q->psn_next;
		q->hole_hi = psn;
		q->flags |= QPF_HOLE;
		q->psn_next = (psn + span) & PSN_MASK;
		return false;
	}
	if (in_hole(q, psn)) {
		/* Late: reordering or the first of a resend burst; the next packet decides. */
		if (!q->pending) {
			struct nakrec *x = nak_of(e, q);
			if (x)
				x->late_psn = psn;
		}
		if (q->pending < UINT16_MAX)
			q->pending++;
		if (psn == q->hole_lo) {
			q->hole_lo = (psn + span) & PSN_MASK;
			if (((q->hole_hi - q->hole_lo) & PSN_MASK) == 0 ||
			    ((q->hole_hi - q->hole_lo) & PSN_MASK) >= PSN_HALF)
				q->flags &= ~(uint32_t)QPF_HOLE;
		}
		return false;
	}
	/* A PSN already passed: go-back-N resend; any late run before it was one too. */
	engine_ctr_add(e, q, QCTR_RETRANS, (uint32_t)q->pending + 1);
	q->pending = 0;
	return true;
}

static void psn_response(struct engine *e, struct qp *q, uint8_t op, uint32_t psn)
{
	unsigned o = op & 0x1fu;
	q->last_resp_psn = psn;
	q->flags |= QPF_HAVE_RESPPSN;
	if (o == 0x0d) { /* FIRST */
		q->resp_next = (psn + 1) & PSN_MASK;
		q->flags |= QPF_RESP;
		return;
	}
	if (o == 0x10) { /* ONLY */
		q->flags &= ~(uint32_t)QPF_RESP;
		return;
	}
	if (q->flags & QPF_RESP) {
		uint32_t ahead = (psn - q->resp_next) & PSN_MASK;
		if (ahead && ahead < PSN_HALF)
			engine_ctr_add(e, q, QCTR_GAPS, ahead);
		else if (ahead)
			engine_ctr_add(e, q, QCTR_RETRANS, 1);
	}
	if (o == 0x0e) {
		q->resp_next = (psn + 1) & PSN_MASK;
		q->flags |= QPF_RESP;
	} else {
		q->flags &= ~(uint32_t)QPF_RESP;
	}
}

static void sport_note(struct qp *q, uint16_t sport)
{
	unsigned n = q->nsport < 4 ? q->nsport : 4;
	for (unsigned i = 0; i < n; i++)
		if (q->sport[i] == sport)
			return;
	if (q->nsport < 4)
		q->sport[q->nsport] = sport;
	/* Beyond four, the count is of source-port changes not seen in the first four. */
	if (q->nsport < 255)
		q->nsport++;
}

/* Primary counters, telemetry and PSN analysis of one sighting. */
static void qp_account(struct engine *e, struct qp *q, const struct dpkt *d, const struct pkt *p)
{
	unsigned cls = op_class(d);
	uint8_t op = d->bth.opcode;
	const struct dp_ip *outer = d->nip ? &d->ip[0] : NULL;
	const struct dp_ip *inner = d->nip ? &d->ip[d->nip - 1] : NULL;

	if (!q->packets)
		q->first_ts = p->ts;
	if (p->ts > q->last_ts)
		q->last_ts = p->ts;
	q->packets++;
	q->bytes += p->len;
	q->payload += d->payload_len;
	engine_ctr_add(e, q, qctr_of_class(cls), 1);
	if (outer) {
		q->dscp |= 1ull << outer->dscp;
		if (outer->ecn == 3)
			qp_add(&e->qp, q, QCTR_CE, 1);
		else if (outer->ecn)
			qp_add(&e->qp, q, QCTR_ECT, 1);
		if (d->nip > 1 && inner->ecn == 3)
			engine_ctr_add(e, q, QCTR_CE_INNER, 1);
	} else if (d->has_grh) {
		q->dscp |= 1ull << (d->grh.tclass >> 2);
		if ((d->grh.tclass & 3) == 3)
			qp_add(&e->qp, q, QCTR_CE, 1);
		else if (d->grh.tclass & 3)
			qp_add(&e->qp, q, QCTR_ECT, 1);
	}
	if (d->has_udp)
		sport_note(q, d->sport);

	if (cls == QC_NAK) {
		unsigned code = d->aeth.syndrome & 0x1f;
		struct nakrec *r = nak_of(e, q);
		if (r) {
			r->n[code < NAK_CODES - 1 ? code : NAK_CODES - 1]++;
			if (code == 0) { /* PSN sequence error: its PSN is the one the responder expects */
				r->seqerr_psn = d->bth.psn;
				r->has_seqerr = true;
			}
		}
	}

	bool retrans = false;
	bool reliable = (op & 0xe0u) != 0x60 && op != 0x81;
	unsigned o5 = op & 0x1fu;
	/* FIRST and MIDDLE packets carry exactly one PMTU of payload. */
	if (reliable && !e->pmtu_fixed && (o5 == 0x00 || o5 == 0x01 || o5 == 0x06 || o5 == 0x07 ||
					   o5 == 0x0d || o5 == 0x0e)) {
		uint32_t pl = d->payload_len;
		if (pl >= 256 && pl <= 4096 && !(pl & (pl - 1)) && pl != e->pmtu_learned) {
			e->pmtu_learned = pl;
			e->pmtu = pl;
		}
	}
	if (reliable && (cls == QC_SEND || cls == QC_WRITE || cls == QC_READ_REQ || cls == QC_ATOMIC)) {
		uint32_t span = 1;
		/* Without the RETH the reservation is unknown: read_explains() decides later. */
		if (cls == QC_READ_REQ && (d->ext & DP_X_RETH) && e->pmtu)
			span = d->reth.dmalen ? (uint32_t)(((uint64_t)d->reth.dmalen + e->pmtu - 1) / e->pmtu) : 1;
		retrans = psn_request(e, q, d->bth.psn, span);
		if (cls == QC_READ_REQ && !retrans) {
			struct nakrec *r = nak_of(e, q);
			if (r) {
				r->read_psn = d->bth.psn;
				r->read_len = (d->ext & DP_X_RETH) ? d->reth.dmalen : UINT32_MAX;
				/* the reservation is a guess without the RETH or the PMTU */
				r->read_guess = r->read_len == UINT32_MAX || (!e->pmtu_fixed && !e->pmtu_learned);
				q->flags |= QPF_READ_LAST;
			}
		} else {
			q->flags &= ~(uint32_t)QPF_READ_LAST;
		}
	} else if (reliable && cls == QC_READ_RESP) {
		psn_response(e, q, op, d->bth.psn);
	} else if (reliable && (cls == QC_ACK || cls == QC_NAK || cls == QC_RNR_NAK)) {
		/* Acknowledgements name a PSN of the peer's requests: kept for pairing. */
		q->last_resp_psn = d->bth.psn;
		q->flags |= QPF_HAVE_RESPPSN;
	}

	if (!retrans && reliable && ends_message(op) && cls != QC_READ_RESP)
		qp_add(&e->qp, q, QCTR_MSGS, 1);
	if (!retrans && (d->ext & DP_X_RETH) && cls != QC_READ_RESP) {
		uint32_t len = d->reth.dmalen;
		if (!(q->flags & QPF_HAVE_MSG)) {
			q->flags |= QPF_HAVE_MSG;
			q->msg_min = q->msg_max = len;
		}
		if (len < q->msg_min)
			q->msg_min = len;
		if (len > q->msg_max)
			q->msg_max = len;
		q->msg_sum += len;
		qp_add(&e->qp, q, QCTR_RETHS, 1);
	}
}

/*
 * The second half of a packet's work: everything after the dissection. It
 * runs one packet late (see engine_packet), by when the QP record that the
 * first half asked the cache for has arrived.
 */
static void finish(struct engine *e, struct pend *pe)
{
	struct tap *tap = &e->tap[pe->tap];
	const struct pkt *p = &pe->p;
	const struct dpkt *dd = &pe->d;
#define d (*dd)
	int tapidx = pe->tap;
	bool cut = pe->cut, roce = pe->roce;
	tap->packets++;
	tap->bytes += p->len;
	if (!tap->first_ts)
		tap->first_ts = p->ts;
	tap->last_ts = p->ts;
	time_advance(e, p->ts);
	int layer = program_layer(&d);
	dstats_add_layer(&e->ds, &d, p->len, layer);
	if (d.status != DP_OK && !cut)
		return;
	if (cut)
		e->accounted_cut++;
	if (d.has_pfc) {
		e->pfc_frames++;
		tap->pfc++;
		for (unsigned i = 0; i < 8; i++)
			if ((d.pfc.cev >> i & 1) && d.pfc.time[i])
				tap->pfc_xoff[i]++;
		return;
	}
	if (!roce)
		return; /* defensive: an ok frame is RoCE or MAC control */

	struct qp *q = qptab_find(&e->qp, &pe->k, pe->h);
	if (!q) {
		struct qp ev;
		uint64_t evc[QCTR_INLINE];
		bool evicted;
		q = qptab_insert(&e->qp, &pe->k, pe->h, &ev, evc, &evicted);
		if (evicted)
			evict_save(e, &ev, evc);
		if (!q)
			return; /* defensive: slots could not grow; counted in ds as decoded only */
	}
	e->accounted++;
	uint32_t path = paths_intern(&e->paths, &d, p->data, layer, q->combo_path);

	/* Entering or leaving the tap's node, and whether this sighting is primary. */
	bool entering = true;
	if (tap->dir == DIR_OUT)
		entering = false;
	else if (tap->dir == DIR_BOTH && tap->node >= 0)
		entering = policy_entering(e, tap, &d, path);
	bool primary = tap->node < 0 || entering || tap->leaving_primary;

	tap->roce++;
	tap->roce_bytes += p->len;
	combo_count(e, q, path, (uint16_t)tapidx, p->len);
	tp_count(e, tapidx, path, p->len, primary);
	if (primary) {
		struct path *pa = &e->paths.p[path];
		pa->packets++;
		pa->bytes += p->len;
		tap->primary++;
		qp_account(e, q, &d, p);
	} else if (p->ts > q->last_ts) {
		q->last_ts = p->ts;
	}
	struct path *pa = &e->paths.p[path];
	pa->sightings++;
	pa->sighting_bytes += p->len;
	policy_sighting(e, tapidx, q, path, &d, p, entering, primary);
	qptab_mark_dirty(&e->qp, q);
#undef d
}

/*
 * One packet seen at a tap. The frame is copied (it is the caller's only
 * until its next read) and dissected, and the cache is asked for its QP
 * record; then the previous packet is finished, while that record arrives.
 * Packets are thus finished in order, one call late: engine_sync() finishes
 * the last one, and everything that reads the engine's tables calls it.
 */
void engine_packet(struct engine *e, int tapidx, const struct pkt *p)
{
	struct pend *pe = &e->pend[e->pcur];
	uint32_t caplen = p->caplen <= PEND_BUF ? p->caplen : PEND_BUF; /* defensive: readers cap it */
	memcpy(pe->buf, p->data, caplen);
	pe->p = *p;
	pe->p.caplen = caplen;
	pe->p.data = pe->buf;
	pe->tap = tapidx;
	struct dpkt *d = &pe->d;
	dissect(&e->dp, p->linktype, pe->buf, caplen, p->len, d);
	/*
	 * Attributable: a decoded packet, or one whose BTH is whole and only its
	 * extended headers were cut by the snapshot length (the lengths are
	 * declared, so only RETH/AETH values are missing).
	 */
	pe->cut = d->status == DP_TRUNCATED && d->cause == DP_C_ROCE_EXT_TRUNC && d->has_payload;
	pe->roce = d->has_bth && (d->status == DP_OK || pe->cut);
	if (pe->roce) {
		qp_key_from(d, pe->buf, &pe->k);
		pe->h = qptab_hash(&e->qp, &pe->k);
		qptab_prefetch(&e->qp, pe->h);
	}
	pe->has = true;
	struct pend *prev = &e->pend[e->pcur ^ 1];
	if (prev->has) {
		prev->has = false;
		finish(e, prev);
	}
	e->pcur ^= 1;
}

void engine_sync(struct engine *e)
{
	for (int k = 0; k < 2; k++) {
		/* The older one first: the one not at pcur. */
		struct pend *pe = &e->pend[e->pcur ^ 1 ^ k];
		if (pe->has) {
			pe->has = false;
			finish(e, pe);
		}
	}
}

/*
 * Was the late run of q a resend? At the end of the input no next packet can
 * tell; a PSN-sequence-error NAK from the responder naming the first late
 * PSN can: the requester went back to it (go-back-N).
 */
static bool late_run_was_resent(struct engine *e, const struct qp *q)
{
	struct nakrec *x = nak_get(e, q->id, false);
	if (!x)
		return false;
	for (uint32_t i = 0; i < e->nnak; i++) {
		const struct nakrec *r = &e->nak[i];
		if (!r->has_seqerr || r->seqerr_psn != x->late_psn)
			continue;
		/* r belongs to a record going the other way between the same hosts? */
		if (r->rec >= e->qp.n)
			continue;
		const struct qp *p = &e->qp.rec[r->rec];
		if (p->id == r->qp_id && !memcmp(p->key.src, q->key.dst, 16) &&
		    !memcmp(p->key.dst, q->key.src, 16))
			return true;
	}
	return false;
}

void engine_finish(struct engine *e)
{
	engine_sync(e);
	if (e->cur_sec)
		second_close(e);
	for (uint32_t i = 0; i < e->qp.n; i++) {
		struct qp *q = &e->qp.rec[i];
		if (!q->pending)
			continue;
		if (late_run_was_resent(e, q)) {
			engine_ctr_add(e, q, QCTR_RETRANS, q->pending);
			q->pending = 0;
		} else {
			pending_to_reorder(e, q);
		}
		qptab_mark_dirty(&e->qp, q);
	}
	policy_finish(e);
}

uint64_t engine_qp_nak(const struct engine *e, const struct qp *q, unsigned code)
{
	uint32_t n[NAK_CODES];
	engine_qp_naks(e, q->id, n);
	return code < NAK_CODES ? n[code] : 0;
}

/* ---- report-time work: distinct QPs per path, and pairing ---- */

struct qpath { uint32_t qp, path; };

static int cmp_qpath(const void *a, const void *b)
{
	const struct qpath *x = a, *y = b;
	if (x->qp != y->qp)
		return x->qp < y->qp ? -1 : 1;
	return x->path < y->path ? -1 : x->path > y->path;
}

/* Records by (src, dst), then by the first request PSN (records with no requests last). */
static int cmp_by_pair(const void *a, const void *b, void *arg)
{
	const struct qp *r = arg;
	const struct qp *x = &r[*(const uint32_t *)a], *y = &r[*(const uint32_t *)b];
	int c = memcmp(x->key.src, y->key.src, 16);
	if (!c)
		c = memcmp(x->key.dst, y->key.dst, 16);
	if (c)
		return c;
	uint64_t px = (x->flags & QPF_HAVE_REQ) ? x->first_req_psn : UINT64_MAX;
	uint64_t py = (y->flags & QPF_HAVE_REQ) ? y->first_req_psn : UINT64_MAX;
	return px < py ? -1 : px > py;
}

/* Does the responder record r answer requests of record q (PSN inside q's range)? */
static bool answers(struct engine *e, const struct qp *r, const struct qp *q)
{
	if (!(r->flags & QPF_HAVE_RESPPSN) || !(q->flags & QPF_HAVE_REQ) || !(q->flags & QPF_HAVE_NEXT))
		return false;
	uint32_t end = q->psn_next;
	if (q->flags & QPF_READ_LAST) {
		/* The last READ may reserve more PSNs than the PMTU guess gave it. */
		struct nakrec *x = nak_get(e, q->id, false);
		if (x)
			end = (x->read_psn + (x->read_len ? (x->read_len + 255) / 256 : 1)) & PSN_MASK;
	}
	uint32_t span = (end - q->first_req_psn) & PSN_MASK;
	return ((r->last_resp_psn - q->first_req_psn) & PSN_MASK) < span;
}

static bool shares_sport(const struct qp *a, const struct qp *b)
{
	for (unsigned i = 0; i < a->nsport && i < 4; i++)
		for (unsigned j = 0; j < b->nsport && j < 4; j++)
			if (a->sport[i] == b->sport[j])
				return true;
	return false;
}

#define PAIR_NEIGHBOURS 8 /* candidates checked around the PSN found by binary search */

/* First index in [lo, hi) whose record's (src, dst) is not below (src, dst). */
static uint32_t lower_pair(const struct qptab *t, const uint32_t *idx, uint32_t lo, uint32_t hi,
			   const uint8_t *src, const uint8_t *dst, bool upper)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct qp *m = &t->rec[idx[mid]];
		int c = memcmp(m->key.src, src, 16);
		if (!c)
			c = memcmp(m->key.dst, dst, 16);
		if (c < 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void engine_pair_and_count(struct engine *e, uint32_t *peer)
{
	struct qptab *t = &e->qp;

	/* Distinct QPs per path, from the inline combos and the combo table. */
	for (uint32_t i = 0; i < e->paths.n; i++)
		e->paths.p[i].qps = 0;
	size_t n = t->n + e->ncombo;
	struct qpath *v = malloc(sizeof(*v) * (n ? n : 1));
	if (v) {
		size_t k = 0;
		for (uint32_t i = 0; i < t->n; i++)
			if (qp_get(t, &t->rec[i], QCTR_COMBO))
				v[k++] = (struct qpath){t->rec[i].id, t->rec[i].combo_path};
		for (uint32_t i = 0; i < e->ncombo; i++) {
			const struct combo *c = &e->combo[i];
			if (c->rec < t->n && t->rec[c->rec].id == c->qp_id)
				v[k++] = (struct qpath){c->qp_id, c->path};
		}
		qsort(v, k, sizeof(*v), cmp_qpath);
		for (size_t i = 0; i < k; i++)
			if ((i == 0 || v[i].qp != v[i - 1].qp || v[i].path != v[i - 1].path) &&
			    v[i].path < e->paths.n)
				e->paths.p[v[i].path].qps++;
		free(v);
	}

	if (!peer)
		return;
	memset(peer, 0, sizeof(*peer) * t->n);
	uint32_t *idx = malloc(sizeof(*idx) * (t->n ? t->n : 1));
	if (!idx)
		return;
	for (uint32_t i = 0; i < t->n; i++)
		idx[i] = i;
	qsort_r(idx, t->n, sizeof(*idx), cmp_by_pair, t->rec);
	for (uint32_t i = 0; i < t->n; i++) {
		const struct qp *r = &t->rec[i];
		if (!(r->flags & QPF_HAVE_RESPPSN) || peer[i])
			continue;
		/* The records going the other way (src and dst swapped), sorted by first request PSN. */
		uint32_t glo = lower_pair(t, idx, 0, t->n, r->key.dst, r->key.src, false);
		uint32_t ghi = lower_pair(t, idx, glo, t->n, r->key.dst, r->key.src, true);
		if (glo == ghi)
			continue;
		/* The last record whose first request PSN is <= the response PSN, and a few
		 * before it (ranges may nest); the group's last record covers a wrap. */
		uint32_t lo = glo, hi = ghi;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			const struct qp *m = &t->rec[idx[mid]];
			if ((m->flags & QPF_HAVE_REQ) && m->first_req_psn <= r->last_resp_psn)
				lo = mid + 1;
			else
				hi = mid;
		}
		int found = -1, nfound = 0, sport_match = -1, nsport_match = 0;
		uint32_t cand[PAIR_NEIGHBOURS + 1];
		int nc = 0;
		for (uint32_t j = lo; j > glo && nc < PAIR_NEIGHBOURS; j--)
			cand[nc++] = idx[j - 1];
		if (ghi - 1 >= lo)
			cand[nc++] = idx[ghi - 1];
		for (int k = 0; k < nc; k++) {
			const struct qp *q = &t->rec[cand[k]];
			if (!answers(e, r, q))
				continue;
			bool dup = false;
			for (int m = 0; m < k; m++)
				dup |= cand[m] == cand[k];
			if (dup)
				continue;
			found = (int)cand[k];
			nfound++;
			if (shares_sport(r, q)) {
				sport_match = (int)cand[k];
				nsport_match++;
			}
		}
		int pick = nfound == 1 ? found : nsport_match == 1 ? sport_match : -1;
		if (pick >= 0 && !peer[pick]) {
			peer[i] = (uint32_t)pick + 1;
			peer[pick] = i + 1;
		}
	}
	free(idx);
}
