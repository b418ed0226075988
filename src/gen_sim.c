/*
 * gen_sim.c - the traffic simulation of spinetap-gen: requesters and
 * responders of RC queue pairs, the scenario faults, the taps, and the
 * per-packet truth accounting.
 *
 * Time is cut into slots of 1/rate seconds; in each slot one packet enters
 * the fabric: a ready responder job (ACK, NAK, READ response, ATOMIC ACK,
 * CNP, go-back-N resend) if there is one, else the next request packet of a
 * queue pair drawn at random. A packet entering spine S at time t is seen
 * by S's ingress tap at t and by its egress tap one transit time later
 * (2 µs + 100 ns per spine index: constant, so no spine reorders a QP).
 * Sightings wait in a min-heap ordered by (time, creation) and are written
 * once no later slot can produce an earlier one, so every output file is in
 * timestamp order and the run stops after exactly --packets records: the
 * capture is cut at the time of the last record, like a real one.
 *
 * Transport rules (IBTA Vol 1 ch. 9; roce-notes.md §3): one PSN per request
 * packet, a READ REQUEST reserves ceil(len/PMTU) PSNs, READ responses use
 * the request's PSNs, ACK/NAK carry the acknowledged/expected PSN and the
 * responder's MSN; go-back-N resends every PSN from the NAK'd one.
 *
 * Truth (what spinetap analyze must find) is counted when a sighting is
 * written, on its *primary* sighting only (the one entering a spine, or
 * leaving it with --taps out). A dropped PSN becomes a psn_gap only when a
 * later PSN of the stream has been written, as an observer would see it:
 * the packet after a drop carries GEN_PF_GAP and counts the gap. Which
 * sighting is primary, and its verdict, is for gen_judge.c to say.
 *
 * The policy scenarios move packets between spines (gen_pkt.spine, the spine
 * crossed, and pspine, the one the program names), strip or extend their
 * programs (GEN_XF_*) and drop them inside a spine; with both sides of the
 * spines tapped the run ends drained (flush_until()).
 */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define RESP_DELAY_NS 3000u      /* responder turnaround, request -> response */
#define RNR_DELAY_NS 10000u      /* RNR timer code 1 (0.01 ms) before the retry */
#define TRANSIT_NS 2000u         /* spine ingress -> egress */
#define CNP_GAP_US 50u           /* NP: at most one CNP per QP per 50 µs (ce) */
#define HELD_MAX 1024u           /* reorder: packets held back at once */
#define HEAP_MAX (64u << 20)     /* entries: far beyond any sane window */
#define IDLE_MAX 100000000ull    /* slots without output: internal error */

enum gen_fault {
	GF_NONE,
	GF_LOSS,     /* a loss drop; cleared by the QP's next packet */
	GF_GBN_LOST, /* PSN f_psn lost; the next packet makes the responder NAK */
	GF_NAKED,    /* NAK/RNR NAK scheduled: responder discards, QP stops at message end */
	GF_RESEND,   /* NAK sent: QP blocked until the resend burst is out */
	GF_HELD,     /* reorder: a packet held back until the QP's next one */
};

enum job { J_ACK, J_NAK, J_READRESP, J_ATOMICACK, J_CNP, J_RESEND };

struct heap {
	struct gen_pkt *a;
	size_t n, cap;
};

struct held {
	struct gen_pkt p;
	bool used;
};

struct sim {
	struct gen *g;
	struct heap jobs;    /* responder work, by ready time */
	struct heap sights;  /* sightings to write, by timestamp */
	uint64_t seq;
	uint32_t emit_id;
	uint64_t thresh;     /* intensity as a 32-bit threshold; 2^32 = always */
	uint32_t cum[2][GEN_NKIND]; /* [0] RC kinds, [1] UD kinds: cumulative weights */
	uint32_t total[2];
	struct held *held;
	unsigned nheld;
	uint8_t *victim;     /* cnp-storm: hosts whose incoming data draws CNPs */
	uint64_t eps;        /* how far a late packet trails its successor */
	unsigned nak_rot;    /* fatal NAK code rotation */
	unsigned shift_rot;  /* bad-shift: DA and hop-limit faults in turn */
	uint8_t *frame;
	/* the end of a two-sided capture (--taps both, inout): see flush_until() */
	uint64_t reserved;   /* leaving sightings owed to entering ones written */
	bool closing;        /* no more entering sightings are written */
	uint64_t close_ts, close_seq; /* the first entering sighting left out */
	uint64_t last_in_seq; /* seq of the entering sighting push_sightings() queued last */
};

/* ---- heap of packets, ordered by (ts, seq) ---- */

static bool before(const struct gen_pkt *x, const struct gen_pkt *y)
{
	return x->ts < y->ts || (x->ts == y->ts && x->seq < y->seq);
}

static void heap_push(struct sim *s, struct heap *h, struct gen_pkt *p)
{
	p->seq = s->seq++;
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 1024;
		if (nc > HEAP_MAX)
			die("internal error: %zu packets pending", h->n);
		struct gen_pkt *na = realloc(h->a, nc * sizeof(*na));
		if (!na)
			die("out of memory");
		h->a = na;
		h->cap = nc;
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!before(p, &h->a[up]))
			break;
		h->a[i] = h->a[up];
		i = up;
	}
	h->a[i] = *p;
}

static void heap_pop(struct heap *h, struct gen_pkt *out)
{
	*out = h->a[0];
	struct gen_pkt last = h->a[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->a[c + 1], &h->a[c]))
			c++;
		if (!before(&h->a[c], &last))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	if (h->n)
		h->a[i] = last;
}

/* ---- small helpers ---- */

static uint32_t psn_add(uint32_t a, uint32_t b)
{
	return (a + b) & GEN_PSN_MASK;
}

static bool chance(struct sim *s)
{
	if (s->thresh == 0)
		return false;
	return (gen_rand(&s->g->rng) & 0xffffffffu) < s->thresh;
}

static uint32_t npk_of(const struct gen *g, uint32_t len)
{
	return len == 0 ? 1 : (uint32_t)((len + (uint64_t)g->o.pmtu - 1) / g->o.pmtu);
}

static bool kind_is_data(uint8_t k)
{
	return k <= GEN_K_SEND_INV; /* WRITE, WRITE_IMM, SEND, SEND_IMM, SEND_INV */
}

static bool kind_is_send(uint8_t k)
{
	return k == GEN_K_SEND || k == GEN_K_SEND_IMM || k == GEN_K_SEND_INV;
}

static struct gen_rare *rare_of(struct gen *g, struct gen_rec *r)
{
	if (r->rare == 0) {
		if (g->nrare == g->caprare) {
			uint32_t nc = g->caprare ? g->caprare * 2 : 256;
			struct gen_rare *na = realloc(g->rare, (size_t)nc * sizeof(*na));
			if (!na)
				die("out of memory");
			g->rare = na;
			g->caprare = nc;
		}
		memset(&g->rare[g->nrare], 0, sizeof(g->rare[0]));
		r->rare = ++g->nrare;
	}
	return &g->rare[r->rare - 1];
}

/* ---- writing sightings ---- */

static void write_sighting(struct sim *s, const struct gen_pkt *p, unsigned tapi)
{
	struct gen *g = s->g;
	uint32_t caplen;
	uint32_t wire = gen_frame(g, p, s->frame, &caplen);
	struct gen_tap *t = &g->tap[tapi];
	if (g->merged && pcapw_write(g->merged, p->ts, s->frame, caplen, wire) < 0)
		die("cannot write %s: %s", g->o.wfile, strerror(errno));
	if (t->w && pcapw_write(t->w, p->ts, s->frame, caplen, wire) < 0)
		die("cannot write %s/%s.pcap: %s", g->o.out_dir, t->name, strerror(errno));
	t->packets++;
	t->bytes += wire;

	/* Primary: entering the spine, or leaving it when only leaving traffic is
	 * tapped; the judge classifies as the analyzer must (a misforwarded or
	 * unsteered packet may not look like it enters). */
	bool primary = g->judging ? gen_judge_sighting(g, p, tapi)
				  : g->o.taps == GEN_TAPS_OUT ? p->pos == 1 : p->pos == 0;
	if (primary) {
		const bool resp = p->flags & GEN_PF_RESP;
		struct gen_rec *r = &g->rec[2 * (size_t)p->qp + resp];
		const struct gen_qp *q = &g->qp[p->qp];
		r->packets++;
		r->bytes += wire;
		if (p->spine != (resp ? q->rspine : q->spine))
			r->alt++;
		if (p->flags & GEN_PF_CE)
			r->ce++;
		if (p->opcode == GEN_OP_CNP)
			r->cnps++;
		if (p->opcode == GEN_OP_ACK) {
			unsigned type = (p->syndrome >> 5) & 3, val = p->syndrome & 0x1f;
			if (type == 3)
				rare_of(g, r)->nak[val < GEN_NNAK ? val : GEN_NNAK - 1]++;
			else if (type == 1)
				rare_of(g, r)->rnr++;
		}
		if (!resp) {
			if (p->flags & GEN_PF_RESEND)
				rare_of(g, r)->retrans++;
			if (p->flags & GEN_PF_LATE)
				rare_of(g, r)->ooo++;
			/* a dropped PSN shows as a gap once a later PSN is seen:
			 * sightings of one QP at one tap keep their order */
			if (p->flags & GEN_PF_GAP)
				rare_of(g, r)->gaps++;
		}
	}
	if (g->manifest)
		gen_manifest_line(g, p, tapi, primary, caplen, wire);
	g->written++;
}

static bool two_sided(const struct gen *g)
{
	return g->o.taps == GEN_TAPS_BOTH || g->o.taps == GEN_TAPS_INOUT;
}

/* Was the entering sighting with this (ts, seq) written? Only the end of a
 * two-sided capture leaves some out: every one from (close_ts, close_seq) on. */
static bool entering_written(const struct sim *s, uint64_t ts, uint64_t seq)
{
	return !s->closing || ts < s->close_ts || (ts == s->close_ts && seq < s->close_seq);
}

/* Was the primary sighting of a late packet's successor written? Its entering
 * sighting came one `eps` earlier; `idx` keeps the low bits of its seq. */
static bool succ_written(const struct sim *s, const struct gen_pkt *h)
{
	uint64_t ts = h->ts - s->eps;
	if (!s->closing || ts < s->close_ts)
		return true;
	return ts == s->close_ts && (int32_t)(h->idx - (uint32_t)s->close_seq) < 0;
}

/* A late (reorder) packet's primary sighting will never be written: a gap, when its
 * successor's was (the observer saw the PSN skipped and never filled). */
static void late_lost(struct sim *s, const struct gen_pkt *h, bool succ_written)
{
	if (succ_written)
		rare_of(s->g, &s->g->rec[2 * (size_t)h->qp])->gaps++;
}

/*
 * Write every pending sighting earlier than `t`, up to the packet budget.
 *
 * With both sides of the spines tapped, a capture cut at an arbitrary record
 * would end with packets seen entering a spine and not yet leaving it, which
 * the analyzer must count as lost_in_node. So the budget is kept for them: an
 * entering sighting is written only while its leaving one still fits, and
 * once one does not, no entering sighting is written any more (the fabric
 * drains). If that leaves one record of the budget, it goes to the leaving
 * sighting of a packet whose entry was not written (a spine whose entering
 * tap has records), which the analyzer matches to nothing.
 */
static void flush_until(struct sim *s, uint64_t t)
{
	struct gen *g = s->g;
	const int mode = g->o.taps;
	const bool both = two_sided(g);
	while (s->sights.n && s->sights.a[0].ts < t && g->written < g->o.packets) {
		struct gen_pkt p;
		heap_pop(&s->sights, &p);
		unsigned tapi = mode == GEN_TAPS_INOUT ? 2 * p.spine + p.pos : p.spine;
		if (both && p.pos == 0) {
			uint64_t leave = (p.xf & GEN_XF_NOLEAVE) ? 0 : 1;
			if (!s->closing && g->written + s->reserved + 1 + leave > g->o.packets) {
				s->closing = true;
				s->close_ts = p.ts;
				s->close_seq = p.seq;
			}
			if (s->closing) {
				if (p.flags & GEN_PF_LATE)
					late_lost(s, &p, succ_written(s, &p));
				continue;
			}
			s->reserved += leave;
		} else if (both) {
			/* its entering sighting: queued just before it, one transit earlier */
			uint64_t tin = p.ts - (TRANSIT_NS + 100u * p.spine);
			if (entering_written(s, tin, p.seq - 1)) {
				s->reserved--;
			} else {
				unsigned in_tap = mode == GEN_TAPS_INOUT ? 2 * p.spine : p.spine;
				if (g->written + s->reserved >= g->o.packets || !g->tap[in_tap].packets)
					continue;
				p.xf |= GEN_XF_FILL;
			}
		}
		write_sighting(s, &p, tapi);
	}
}

/* Queue the sightings of a packet entering its spine at t_in; returns the
 * time it leaves (its egress sighting time, taken or not). */
static uint64_t push_sightings(struct sim *s, struct gen_pkt *p, uint64_t t_in, uint64_t t_out)
{
	const int mode = s->g->o.taps;
	if (mode != GEN_TAPS_OUT) {
		struct gen_pkt a = *p;
		a.ts = t_in;
		a.pos = 0;
		heap_push(s, &s->sights, &a);
		s->last_in_seq = a.seq;
	}
	if (mode != GEN_TAPS_IN && !(p->xf & GEN_XF_NOLEAVE)) {
		struct gen_pkt b = *p;
		b.ts = t_out;
		b.pos = 1;
		heap_push(s, &s->sights, &b);
	}
	return t_out;
}

/* Constant per spine, so a spine never reorders the packets of a QP. */
static uint64_t transit_of(unsigned spine)
{
	return TRANSIT_NS + 100u * spine;
}

uint64_t gen_transit_ns(unsigned spine)
{
	return transit_of(spine);
}

enum action { A_NORMAL, A_DROP, A_HOLD };

/* A packet leaves its sender at slot time t. Returns its egress time. */
static uint64_t emit_pkt(struct sim *s, struct gen_pkt *p, uint64_t t, enum action a)
{
	struct gen *g = s->g;
	p->emit = ++s->emit_id;
	if (s->emit_id == 0)
		p->emit = s->emit_id = 1; /* wrapped: only the ICRC cache key */
	g->emitted++;
	g->rec[2 * (size_t)p->qp + ((p->flags & GEN_PF_RESP) ? 1 : 0)].sent++;
	uint64_t t_out = t + transit_of(p->spine);
	if (a == A_DROP)
		return t_out;
	if (a == A_HOLD) {
		for (unsigned i = 0; i < HELD_MAX; i++) {
			if (!s->held[i].used) {
				s->held[i].p = *p;
				s->held[i].used = true;
				s->nheld++;
				return t_out;
			}
		}
		die("internal error: held table full");
	}
	return push_sightings(s, p, t, t_out);
}

/* ---- jobs ---- */

static void push_job_syn(struct sim *s, int type, uint32_t qp, uint64_t ready, uint32_t psn,
			 uint8_t syndrome)
{
	struct gen_pkt j;
	memset(&j, 0, sizeof(j));
	j.ts = ready;
	j.pos = (uint8_t)type;
	j.qp = qp;
	j.psn = psn & GEN_PSN_MASK;
	j.syndrome = syndrome;
	j.aux = s->g->qp[qp].msn;
	heap_push(s, &s->jobs, &j);
}

static void push_job(struct sim *s, int type, uint32_t qp, uint64_t ready, uint32_t psn)
{
	push_job_syn(s, type, qp, ready, psn, 0);
}

/* Fill request packet `idx` of the QP's current message. */
static void fill_request(const struct gen *g, uint32_t qi, uint32_t idx, struct gen_pkt *p)
{
	const struct gen_qp *q = &g->qp[qi];
	const uint32_t pmtu = g->o.pmtu;
	memset(p, 0, sizeof(*p));
	p->qp = qi;
	p->spine = p->pspine = (uint8_t)gen_req_spine(g, q);
	if (q->qx & GEN_QX_PLAIN)
		p->xf |= GEN_XF_PLAIN;
	if (q->qx & GEN_QX_UNKNOWN)
		p->xf |= GEN_XF_UNKNOWN;
	p->psn = psn_add(q->m_psn0, idx);
	p->aux = q->m_len;
	const bool first = idx == 0, last = idx + 1 >= q->m_npk, only = first && last;
	if (kind_is_data(q->m_kind))
		p->plen = last ? q->m_len - (q->m_npk - 1) * pmtu : pmtu;
	switch (q->m_kind) {
	case GEN_K_WRITE:
	case GEN_K_WRITE_IMM: {
		bool imm = q->m_kind == GEN_K_WRITE_IMM;
		p->opcode = only ? (imm ? GEN_OP_WRITE_ONLY_IMM : GEN_OP_WRITE_ONLY)
			: first ? GEN_OP_WRITE_FIRST
			: last  ? (imm ? GEN_OP_WRITE_LAST_IMM : GEN_OP_WRITE_LAST)
				: GEN_OP_WRITE_MIDDLE;
		break;
	}
	case GEN_K_SEND:
	case GEN_K_SEND_IMM:
	case GEN_K_SEND_INV: {
		uint8_t lo = q->m_kind == GEN_K_SEND ? GEN_OP_SEND_ONLY
			: q->m_kind == GEN_K_SEND_IMM ? GEN_OP_SEND_ONLY_IMM : GEN_OP_SEND_ONLY_INV;
		uint8_t ll = q->m_kind == GEN_K_SEND ? GEN_OP_SEND_LAST
			: q->m_kind == GEN_K_SEND_IMM ? GEN_OP_SEND_LAST_IMM : GEN_OP_SEND_LAST_INV;
		p->opcode = only ? lo : first ? GEN_OP_SEND_FIRST : last ? ll : GEN_OP_SEND_MIDDLE;
		break;
	}
	case GEN_K_READ:
		p->opcode = GEN_OP_READ_REQ;
		break;
	case GEN_K_CAS:
		p->opcode = GEN_OP_CMP_SWAP;
		break;
	case GEN_K_FAA:
		p->opcode = GEN_OP_FETCH_ADD;
		break;
	case GEN_K_UD:
	case GEN_K_UD_IMM:
		p->opcode = q->m_kind == GEN_K_UD ? GEN_OP_UD_SEND_ONLY : GEN_OP_UD_SEND_ONLY_IMM;
		p->plen = q->m_len;
		break;
	default:
		die("internal error: message kind %u", q->m_kind);
	}
	if (last) {
		p->flags |= GEN_PF_ACKREQ;
		if (kind_is_data(q->m_kind) || q->m_kind == GEN_K_UD || q->m_kind == GEN_K_UD_IMM)
			p->flags |= GEN_PF_SE;
	}
}

static void start_message(struct sim *s, struct gen_qp *q)
{
	struct gen *g = s->g;
	/* a UD QP sends UD messages only, an RC QP the other kinds */
	const int ud = (q->flags & GEN_QF_UD) ? 1 : 0;
	uint32_t r = (uint32_t)(gen_rand(&g->rng) % s->total[ud]);
	uint8_t k = 0;
	while (k + 1 < GEN_NKIND && r >= s->cum[ud][k])
		k++;
	uint32_t len = g->o.msg_min;
	if (g->o.msg_max > g->o.msg_min)
		len += (uint32_t)(gen_rand(&g->rng) % ((uint64_t)g->o.msg_max - g->o.msg_min + 1));
	if (k == GEN_K_CAS || k == GEN_K_FAA)
		len = 8; /* the atomic operand */
	if ((k == GEN_K_UD || k == GEN_K_UD_IMM) && len > g->o.pmtu)
		len = g->o.pmtu; /* UD messages are one packet */
	q->m_kind = k;
	q->m_len = len;
	q->m_psn0 = q->psn;
	q->m_idx = 0;
	q->m_npk = kind_is_data(k) ? npk_of(g, len) : 1;
}

/* The responder accepted request packet p at time t: complete, acknowledge,
 * answer, and react to congestion marks. */
static void respond(struct sim *s, const struct gen_pkt *p, uint64_t t)
{
	struct gen *g = s->g;
	struct gen_qp *q = &g->qp[p->qp];
	const uint64_t ready = t + RESP_DELAY_NS;
	switch (p->opcode) {
	case GEN_OP_SEND_LAST:
	case GEN_OP_SEND_LAST_IMM:
	case GEN_OP_SEND_ONLY:
	case GEN_OP_SEND_ONLY_IMM:
	case GEN_OP_SEND_LAST_INV:
	case GEN_OP_SEND_ONLY_INV:
	case GEN_OP_WRITE_LAST:
	case GEN_OP_WRITE_LAST_IMM:
	case GEN_OP_WRITE_ONLY:
	case GEN_OP_WRITE_ONLY_IMM:
		q->msn = psn_add(q->msn, 1);
		if (g->o.ack_every && ++q->acks_due >= g->o.ack_every) {
			push_job(s, J_ACK, p->qp, ready, p->psn);
			q->acks_due = 0;
		}
		break;
	case GEN_OP_READ_REQ: {
		q->msn = psn_add(q->msn, 1);
		struct gen_pkt j;
		memset(&j, 0, sizeof(j));
		j.ts = ready;
		j.pos = J_READRESP;
		j.qp = p->qp;
		j.psn = p->psn;
		j.mlen = p->aux;
		j.count = npk_of(g, p->aux);
		j.aux = q->msn;
		heap_push(s, &s->jobs, &j);
		break;
	}
	case GEN_OP_CMP_SWAP:
	case GEN_OP_FETCH_ADD:
		q->msn = psn_add(q->msn, 1);
		push_job(s, J_ATOMICACK, p->qp, ready, p->psn);
		break;
	default:
		break; /* FIRST/MIDDLE, UD: nothing to answer */
	}

	if (g->o.scenario == GEN_SCN_CE && (p->flags & GEN_PF_CE)) {
		/* the notification point paces its CNPs per QP */
		uint64_t us = (t - g->o.start_ns) / 1000 + 1;
		if (us > UINT32_MAX)
			us = UINT32_MAX;
		if (q->last_cnp_us == 0 || us - q->last_cnp_us >= CNP_GAP_US) {
			q->last_cnp_us = (uint32_t)us;
			push_job(s, J_CNP, p->qp, ready, 0);
		}
	} else if (g->o.scenario == GEN_SCN_CNP_STORM && s->victim[q->dst] && kind_is_data(q->m_kind) &&
		   chance(s)) {
		/* incast at the victim's leaf port, marked after the spines: every
		 * data packet draws a CNP */
		push_job(s, J_CNP, p->qp, ready, 0);
	}
}

/* bad-shift: spine1 rewrites the odd packet wrongly as it leaves: the DA shifted
 * by two uSIDs, or the hop limit left as it was, in turn (inline: the hop limit,
 * as its DA leaves the carrier for a plain address). */
static void bad_shift(struct sim *s, struct gen_pkt *p)
{
	struct gen *g = s->g;
	if (g->o.scenario != GEN_SCN_BAD_SHIFT || p->spine != 0 || (p->xf & GEN_XF_PLAIN) ||
	    !chance(s))
		return;
	bool da = (s->shift_rot++ & 1) && g->o.style != GEN_STYLE_INLINE;
	p->xf |= da ? GEN_XF_SHIFT2 : GEN_XF_HLIM;
	g->inj.bad_shifts++;
}

/*
 * Will a request packet that enters the fabric have a primary sighting? Not when
 * it is dropped in the spine with only leaving traffic tapped, nor when the
 * analyzer cannot tell that it enters a both-direction tap (its active uSID is
 * not the spine's: misforwarded, or no program at all). Then, as for a drop
 * before the tap, the observer sees a gap at the QP's next primary sighting.
 */
static bool has_primary(const struct sim *s, const struct gen_pkt *p)
{
	const struct gen *g = s->g;
	switch (g->o.taps) {
	case GEN_TAPS_IN:
	case GEN_TAPS_INOUT:
		return true;
	case GEN_TAPS_OUT:
		return !(p->xf & GEN_XF_NOLEAVE);
	default: {
		struct gen_pkt x = *p;
		x.pos = 0;
		if (gen_sighting_enters(g, &x, x.spine))
			return true;
		x.pos = 1;
		return !(p->xf & GEN_XF_NOLEAVE) && gen_sighting_enters(g, &x, x.spine);
	}
	}
}

/* Emit a responder job's next packet at slot time t. */
static void run_job(struct sim *s, struct gen_pkt *j, uint64_t t)
{
	struct gen *g = s->g;
	struct gen_qp *q = &g->qp[j->qp];
	struct gen_pkt p;
	memset(&p, 0, sizeof(p));
	p.qp = j->qp;
	p.flags = GEN_PF_RESP;
	p.spine = p.pspine = q->rspine;
	if (j->pos != J_RESEND)
		bad_shift(s, &p);
	switch (j->pos) {
	case J_ACK:
	case J_NAK:
		p.opcode = GEN_OP_ACK;
		p.psn = j->psn;
		p.syndrome = j->pos == J_ACK ? GEN_AETH_ACK : j->syndrome;
		p.aux = j->aux;
		emit_pkt(s, &p, t, A_NORMAL);
		if (j->pos == J_ACK) {
			g->inj.acks++;
			break;
		}
		if (j->syndrome == GEN_AETH_NAK_SEQ || (j->syndrome >> 5) == 1) {
			/* the requester goes back to the NAK'd PSN and resends
			 * everything it sent since (go-back-N, IBTA §9.7.5.1.3) */
			bool rnr = (j->syndrome >> 5) == 1;
			q->fault = GF_RESEND;
			struct gen_pkt r;
			memset(&r, 0, sizeof(r));
			r.ts = t + (rnr ? RNR_DELAY_NS : RESP_DELAY_NS);
			r.pos = J_RESEND;
			r.qp = j->qp;
			r.psn = q->f_psn;
			r.count = (q->psn - q->f_psn) & GEN_PSN_MASK;
			if (r.count == 0)
				q->fault = GF_NONE;
			else
				heap_push(s, &s->jobs, &r);
		}
		break;
	case J_READRESP: {
		uint32_t i = j->idx, n = j->count;
		p.psn = psn_add(j->psn, i);
		p.opcode = n == 1 ? GEN_OP_READ_RESP_ONLY
			: i == 0 ? GEN_OP_READ_RESP_FIRST
			: i + 1 == n ? GEN_OP_READ_RESP_LAST : GEN_OP_READ_RESP_MIDDLE;
		p.plen = i + 1 == n ? j->mlen - (n - 1) * g->o.pmtu : g->o.pmtu;
		p.syndrome = GEN_AETH_ACK;
		p.aux = j->aux;
		emit_pkt(s, &p, t, A_NORMAL);
		g->inj.read_responses++;
		if (++j->idx < n) {
			/* keep the ready time: the burst stays ahead of every later job,
			 * so the responder answers in request order (no interleaving of
			 * two READs, no ACK of a later message before the data) */
			heap_push(s, &s->jobs, j);
		}
		break;
	}
	case J_ATOMICACK:
		p.opcode = GEN_OP_ATOMIC_ACK;
		p.psn = j->psn;
		p.syndrome = GEN_AETH_ACK;
		p.aux = j->aux;
		emit_pkt(s, &p, t, A_NORMAL);
		break;
	case J_CNP:
		/* Annex A17.9.3: BECN set, DestQP = the QP to slow down, PSN 0 */
		p.opcode = GEN_OP_CNP;
		p.flags |= GEN_PF_BECN;
		p.psn = 0;
		emit_pkt(s, &p, t, A_NORMAL);
		g->inj.cnps++;
		break;
	case J_RESEND: {
		uint32_t psn = psn_add(j->psn, j->idx);
		fill_request(g, j->qp, (psn - q->m_psn0) & GEN_PSN_MASK, &p);
		p.flags |= GEN_PF_RESEND;
		emit_pkt(s, &p, t, A_NORMAL);
		g->inj.resent++;
		respond(s, &p, t);
		if (++j->idx < j->count) {
			heap_push(s, &s->jobs, j); /* same ready time: the burst goes on */
		} else {
			q->fault = GF_NONE;
		}
		break;
	}
	default:
		die("internal error: job %u", j->pos);
	}
}

static bool blocked(const struct gen_qp *q)
{
	return q->fault == GF_RESEND || (q->fault == GF_NAKED && q->m_idx >= q->m_npk);
}

static const uint8_t fatal_naks[3] = {0x61, 0x62, 0x63};

/* The QP's next request packet enters the fabric at slot time t. */
static void run_request(struct sim *s, uint32_t qi, uint64_t t)
{
	struct gen *g = s->g;
	struct gen_qp *q = &g->qp[qi];
	if (q->m_idx >= q->m_npk)
		start_message(s, q);
	struct gen_pkt p;
	uint32_t idx = q->m_idx;
	fill_request(g, qi, idx, &p);
	q->m_idx++;
	if (q->m_kind == GEN_K_READ)
		q->psn = psn_add(q->psn, npk_of(g, q->m_len)); /* PSN reservation */
	else
		q->psn = psn_add(q->psn, 1);
	const bool last = q->m_idx >= q->m_npk;
	const bool started = q->flags & GEN_QF_STARTED;
	q->flags |= GEN_QF_STARTED;

	enum action a = A_NORMAL;
	bool accepted = true;
	bool release = false;
	const uint64_t ready = t + RESP_DELAY_NS;
	switch (g->o.scenario) {
	case GEN_SCN_LOSS:
		if (q->fault == GF_LOSS) {
			q->fault = GF_NONE;
		} else if (q->fault == GF_NONE && started && kind_is_data(q->m_kind) && chance(s)) {
			/* lost before the tap; the transport's reaction is not modelled */
			a = A_DROP;
			q->fault = GF_LOSS;
			g->inj.drops++;
		}
		break;
	case GEN_SCN_GOBACKN:
	case GEN_SCN_NAK:
		if (q->fault == GF_GBN_LOST) {
			/* the responder sees f_psn+1 and NAKs with ePSN = f_psn */
			push_job_syn(s, J_NAK, qi, ready, q->f_psn, GEN_AETH_NAK_SEQ);
			g->inj.naks[GEN_NAK_SEQ]++;
			q->fault = GF_NAKED;
			accepted = false;
		} else if (q->fault == GF_NAKED) {
			accepted = false; /* discarded by the responder */
		} else if (q->fault == GF_NONE && started && kind_is_data(q->m_kind) && !last &&
			   chance(s)) {
			if (g->o.scenario == GEN_SCN_GOBACKN) {
				a = A_DROP; /* lost before the tap */
				g->inj.drops++;
			} else {
				g->inj.downstream_drops++; /* seen, then lost after the spine */
			}
			q->fault = GF_GBN_LOST;
			q->f_psn = p.psn;
			accepted = false;
		} else if (g->o.scenario == GEN_SCN_NAK && q->fault == GF_NONE && started &&
			   q->m_npk == 1 && q->m_kind != GEN_K_UD && q->m_kind != GEN_K_UD_IMM &&
			   (gen_rand(&g->rng) & 3) == 0 && chance(s)) {
			/* a fatal NAK (bad R_Key, bad request, remote failure); the QP
			 * error state is not modelled, the connection goes on */
			uint8_t code = fatal_naks[s->nak_rot++ % 3];
			push_job_syn(s, J_NAK, qi, ready, p.psn, code);
			g->inj.naks[code & 0x1f]++;
			accepted = false;
		}
		break;
	case GEN_SCN_RNR:
		if (q->fault == GF_NAKED) {
			accepted = false;
		} else if (q->fault == GF_NONE && started && kind_is_send(q->m_kind) && idx == 0 &&
			   chance(s)) {
			/* no receive WQE posted: RNR NAK, retry from this PSN */
			push_job_syn(s, J_NAK, qi, ready, p.psn, GEN_AETH_RNR);
			g->inj.rnr_naks++;
			q->fault = GF_NAKED;
			q->f_psn = p.psn;
			accepted = false;
		}
		break;
	case GEN_SCN_REORDER:
		if (q->fault == GF_HELD) {
			release = true;
		} else if (q->fault == GF_NONE && started && q->m_kind != GEN_K_READ &&
			   s->nheld < HELD_MAX && chance(s)) {
			a = A_HOLD;
			q->fault = GF_HELD;
			g->inj.reorders++;
		}
		break;
	case GEN_SCN_CE:
		if (chance(s)) {
			p.flags |= GEN_PF_CE; /* marked upstream of the spine, outer header */
			g->inj.ce_marked++;
		}
		break;
	case GEN_SCN_PIN_MOVE:
		if (!(q->qx & GEN_QX_MOVED) && started && chance(s)) {
			/* the source re-steers the QP over the next spine, for good */
			q->qx |= GEN_QX_MOVED;
			p.spine = p.pspine = (uint8_t)gen_req_spine(g, q);
			g->inj.moved++;
		}
		break;
	case GEN_SCN_LEAF_MISFWD:
	case GEN_SCN_SPINE_DROP:
		if (q->fault == GF_LOSS) {
			q->fault = GF_NONE;
		} else if (q->fault == GF_NONE && started && kind_is_data(q->m_kind) &&
			   (g->o.scenario == GEN_SCN_LEAF_MISFWD || p.spine == 0) && chance(s)) {
			/* misforward: leafS hands it to the next spine, which holds no route
			 * for another spine's uSID and drops it; spine-drop: spine1 drops it.
			 * Either way it is seen entering a spine and never leaving it; the
			 * transport's reaction is not modelled. */
			if (g->o.scenario == GEN_SCN_LEAF_MISFWD) {
				p.spine = (uint8_t)gen_alt_spine(g, p.spine);
				g->inj.misforwarded++;
			} else {
				g->inj.spine_drops++;
			}
			p.xf |= GEN_XF_NOLEAVE;
			q->fault = GF_LOSS;
		}
		break;
	case GEN_SCN_BAD_SHIFT:
		if (started)
			bad_shift(s, &p);
		break;
	default:
		break;
	}

	if (a == A_DROP || !has_primary(s, &p)) {
		q->flags |= GEN_QF_PENDGAP;
	} else if (q->flags & GEN_QF_PENDGAP) {
		p.flags |= GEN_PF_GAP; /* the observer finds the gap on this one */
		q->flags &= (uint8_t)~GEN_QF_PENDGAP;
	}
	uint64_t t_out = emit_pkt(s, &p, t, a);
	if (release) {
		/* the held packet arrives just behind its successor, at every tap;
		 * the responder (out-of-order capable) completes it first, so its
		 * ACKs and MSNs stay in PSN order */
		for (unsigned i = 0; i < HELD_MAX; i++) {
			if (s->held[i].used && s->held[i].p.qp == qi) {
				struct gen_pkt h = s->held[i].p;
				s->held[i].used = false;
				s->nheld--;
				h.flags |= GEN_PF_LATE;
				h.count = p.emit; /* its successor, see settle_end() */
				h.idx = (uint32_t)s->last_in_seq; /* and its entering sighting */
				push_sightings(s, &h, t + s->eps, t_out + s->eps);
				respond(s, &h, t);
				break;
			}
		}
		q->fault = GF_NONE;
	}
	if (accepted && a != A_HOLD)
		respond(s, &p, t);
}

/* ---- setup and the main loop ---- */

static void sim_init(struct sim *s, struct gen *g)
{
	memset(s, 0, sizeof(*s));
	s->g = g;
	double in = g->o.intensity;
	s->thresh = in >= 1.0 ? (1ull << 32) : in <= 0.0 ? 0 : (uint64_t)(in * 4294967296.0);
	for (unsigned k = 0; k < GEN_NKIND; k++) {
		const int ud = k == GEN_K_UD || k == GEN_K_UD_IMM;
		s->total[ud] += g->o.mix[k];
		s->cum[0][k] = s->total[0];
		s->cum[1][k] = s->total[1];
	}
	for (uint32_t q = 0; q < g->nqp; q++)
		if (s->total[(g->qp[q].flags & GEN_QF_UD) ? 1 : 0] == 0)
			die("internal error: QP %u has no message kind", q);
	s->held = calloc(HELD_MAX, sizeof(*s->held));
	s->frame = malloc(GEN_FRAME_MAX);
	s->victim = calloc(g->f.nhosts, 1);
	if (!s->held || !s->frame || !s->victim)
		die("out of memory");
	/* cnp-storm: a quarter of the hosts are incast victims, always at least
	 * the first QP's responder */
	for (unsigned h = 0; h < g->f.nhosts; h++)
		s->victim[h] = (gen_mix64(g->o.seed * 0x100000001b3ull + h) & 3) == 0;
	if (g->nqp)
		s->victim[g->qp[0].dst] = 1;
	uint64_t period = 1000000000ull / g->o.rate;
	s->eps = period / 4 ? period / 4 : 1;
}

static void sim_free(struct sim *s)
{
	free(s->jobs.a);
	free(s->sights.a);
	free(s->held);
	free(s->frame);
	free(s->victim);
}

/*
 * The capture ended. A late packet still waiting while its successor was
 * written is, for an observer, a PSN skipped and never seen: a gap.
 * (Everything else unwritten left no trace an observer could count.)
 */
static void settle_end(struct sim *s)
{
	struct gen *g = s->g;
	const uint8_t ppos = g->o.taps == GEN_TAPS_OUT ? 1 : 0;
	for (size_t i = 0; i < s->sights.n; i++) {
		const struct gen_pkt *h = &s->sights.a[i];
		if (!(h->flags & GEN_PF_LATE) || h->pos != ppos)
			continue;
		if (s->closing) {
			/* entering sightings stopped at close_ts: was the successor's before? */
			late_lost(s, h, succ_written(s, h));
			continue;
		}
		bool succ_pending = false;
		for (size_t k = 0; k < s->sights.n && !succ_pending; k++)
			succ_pending = s->sights.a[k].emit == h->count && s->sights.a[k].pos == ppos;
		if (!succ_pending)
			rare_of(g, &g->rec[2 * (size_t)h->qp])->gaps++;
	}
}

void gen_run(struct gen *g)
{
	struct sim s;
	sim_init(&s, g);
	const uint64_t start = g->o.start_ns, rate = g->o.rate;
	uint64_t idle = 0, last_written = 0;
	for (uint64_t k = 0; g->written < g->o.packets; k++) {
		uint64_t t = start + (uint64_t)((unsigned __int128)k * 1000000000u / rate);
		flush_until(&s, t);
		if (g->written >= g->o.packets)
			break;
		if (s.jobs.n && s.jobs.a[0].ts <= t) {
			struct gen_pkt j;
			heap_pop(&s.jobs, &j);
			run_job(&s, &j, t);
		} else {
			for (int tries = 0; tries < 16; tries++) {
				uint32_t qi = (uint32_t)(gen_rand(&g->rng) % g->nqp);
				if (!blocked(&g->qp[qi])) {
					run_request(&s, qi, t);
					break;
				}
			}
		}
		/* defensive: every slot makes progress by construction */
		if (g->written != last_written) {
			last_written = g->written;
			idle = 0;
		} else if (++idle > IDLE_MAX) {
			die("internal error: no packet written for %llu slots",
			    (unsigned long long)IDLE_MAX);
		}
	}
	settle_end(&s);
	sim_free(&s);
}

/*
 * The origin-lab packet: host1 (2001:db8:10::2) writes to host2 over spine1
 * with the SRH in line, exactly as in the lab, seen on spine1's l1 link
 * entering spine1: DA fcbb:bbbb:1001::, SRH [2001:db8:20::2,
 * fcbb:bbbb:1001::] SL 1, UDP 49152 -> 4791, RC RDMA WRITE ONLY to QP
 * 0x123456, PSN 0, RETH DMA length 64, 64 bytes of payload, ICRC.
 */
void gen_sample_origin(struct gen *g)
{
	struct sim s;
	g->nqp = 1;
	g->qp = calloc(1, sizeof(*g->qp));
	g->rec = calloc(2, sizeof(*g->rec));
	if (!g->qp || !g->rec)
		die("out of memory");
	struct gen_qp *q = &g->qp[0];
	q->src = 0;
	q->dst = 1;
	q->spine = 0;
	q->rspine = 1; /* host2 answers via spine2 in the lab */
	q->sport = GEN_SPORT_BASE;
	q->dqpn = 0x123456;
	q->rqpn = 0x000123;
	q->psn = 0;
	g->flow_zero = true;
	gen_policies_init(g);
	if (g->judging)
		gen_judge_init(g);
	sim_init(&s, g);
	struct gen_pkt p;
	memset(&p, 0, sizeof(p));
	p.qp = 0;
	p.opcode = GEN_OP_WRITE_ONLY;
	p.psn = 0;
	p.plen = 64;
	p.aux = 64;
	p.flags = GEN_PF_SE | GEN_PF_ACKREQ;
	p.pos = 0;
	p.spine = p.pspine = 0;
	p.ts = g->o.start_ns;
	p.emit = 1;
	g->rec[0].sent = 1;
	g->emitted = 1;
	if (g->o.packets > 0)
		write_sighting(&s, &p, 0);
	sim_free(&s);
}
