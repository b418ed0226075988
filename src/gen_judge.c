/*
 * gen_judge.c - the policies spinetap-gen writes into its config, and the
 * verdicts and correlation results that spinetap.conf(5) (VERDICTS,
 * CORRELATION) and spinetap(8) (COUNTING RULES) give for every sighting it
 * writes: the "verdicts", "correlation" and "policies" members of the truth.
 *
 * This is a second reading of the documented rules, written from the man
 * pages and the generator's own knowledge of each packet (its program, the
 * spine it crosses, the tap that sees it), sharing no code with policy.c.
 * Each sighting's program is read back from the addresses the frame carries
 * (the DA carrier, then Segment List[SL-1] .. [0]), so what is judged is what
 * the capture shows.
 *
 * Readings where the rules leave room (also in man/spinetap-gen.1):
 *   - a both-direction tap tells entering from leaving by the program only:
 *     a packet with no program, or whose active uSID is not the tap's node,
 *     is leaving (spinetap(8) COUNTING RULES, literally);
 *   - leaving a node, an active uSID that the node map does not know is not
 *     "a node that follows the tap's node": misrouted (rule 1 before rule 2);
 *   - correlation covers steered packets (a program to shift), at the nodes
 *     tapped on both sides among the taps that recorded a packet;
 *   - a policy's concrete-path shares count its compliant primary sightings.
 *
 * Every policy has one path [leafS, spine, leafD, host] (spine and host may be
 * wildcards) and a match on leaf prefixes or host addresses, plus a UDP
 * source-port range, so matching and judging stay small and exact.
 */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Node ids of the judge: leaves 0.., spines NODE_SPINE+j, hosts NODE_HOST+h. */
#define NODE_SPINE 0x1000000
#define NODE_HOST 0x2000000
#define NODE_NONE (-1) /* a global uSID no node has */

#define PROG_MAX 16

enum { EK_GLOBAL, EK_LOCAL, EK_PLAIN };

struct prog {
	unsigned n;
	uint8_t kind[PROG_MAX];
	int32_t node[PROG_MAX];
};

static const char *const verdict_names[GV_N] = {
	[GV_COMPLIANT] = "compliant",
	[GV_MISROUTED] = "misrouted",
	[GV_UNKNOWN_SID] = "unknown_sid",
	[GV_UNSTEERED] = "unsteered",
	[GV_POLICY_VIOLATION] = "policy_violation",
	[GV_PIN_VIOLATION] = "pin_violation",
	[GV_UNCOVERED] = "uncovered",
};

unsigned gen_alt_spine(const struct gen *g, unsigned spine)
{
	return (spine + 1) % g->f.nspines;
}

unsigned gen_req_spine(const struct gen *g, const struct gen_qp *q)
{
	return (q->qx & (GEN_QX_WRONG | GEN_QX_MOVED)) ? gen_alt_spine(g, q->spine) : q->spine;
}

/* ---- policies ---- */

static struct gen_policy *pol_add(struct gen *g, uint32_t *cap)
{
	struct gen_judge *j = &g->j;
	if (j->npol == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 16;
		struct gen_policy *n = realloc(j->pol, sizeof(*n) * nc);
		if (!n)
			die("out of memory for the policies");
		j->pol = n;
		*cap = nc;
	}
	struct gen_policy *p = &j->pol[j->npol++];
	memset(p, 0, sizeof(*p));
	p->src_host = p->dst_host = p->path_spine = p->path_host = -1;
	return p;
}

/* The ordered leaf pairs that carry traffic (requests one way, responses the other). */
static uint8_t *used_leaf_pairs(const struct gen *g)
{
	size_t nl = g->f.nleaves;
	uint8_t *used = calloc((nl * nl + 7) / 8, 1);
	if (!used)
		die("out of memory");
	for (uint32_t q = 0; q < g->nqp; q++) {
		size_t a = gen_host_leaf(g, g->qp[q].src), b = gen_host_leaf(g, g->qp[q].dst);
		size_t ab = a * nl + b, ba = b * nl + a;
		used[ab / 8] |= (uint8_t)(1u << (ab % 8));
		used[ba / 8] |= (uint8_t)(1u << (ba % 8));
	}
	return used;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_idx(const void *a, const void *b)
{
	const struct { uint64_t k1, k2; uint32_t pol; } *x = a, *y = b;
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? -1 : 1;
	return x->pol < y->pol ? -1 : x->pol > y->pol;
}

static uint64_t sel_key(int32_t host, uint32_t leaf)
{
	return host >= 0 ? (0x80000000ull | (uint32_t)host) : leaf;
}

/*
 * The policies, per scenario (the config is written from this list):
 *   default        per leaf pair: spray over "spine*" (the clean fabric adheres);
 *   wrong-spine    per leaf pair and spine: the spine's UDP source ports, pinned
 *                  to that spine (the lab's convention: the port picks the spine);
 *   pin-move       per leaf pair: pin, over "spine*";
 *   spray-imbalance per host pair: spray over "spine*", balance 0.2;
 *   origin-lab     the lab's two policies.
 */
void gen_policies_init(struct gen *g)
{
	struct gen_judge *j = &g->j;
	const struct gen_fabric *f = &g->f;
	uint32_t cap = 0;
	if (g->lab) {
		struct gen_policy *p = pol_add(g, &cap);
		snprintf(p->name, sizeof(p->name), "h1-h2-via-spine1");
		p->src_leaf = 0, p->dst_leaf = 1, p->src_host = 0, p->dst_host = 1;
		p->path_spine = 0, p->path_host = 1, p->pin = true;
		p = pol_add(g, &cap);
		snprintf(p->name, sizeof(p->name), "h2-h1-via-spine2");
		p->src_leaf = 1, p->dst_leaf = 0, p->src_host = 1, p->dst_host = 0;
		p->path_spine = 1, p->path_host = 0, p->pin = true;
	} else if (g->o.scenario == GEN_SCN_SPRAY_IMBALANCE) {
		uint64_t *pairs = malloc(sizeof(*pairs) * 2 * (size_t)(g->nqp ? g->nqp : 1));
		if (!pairs)
			die("out of memory");
		size_t n = 0;
		for (uint32_t q = 0; q < g->nqp; q++) {
			pairs[n++] = (uint64_t)g->qp[q].src << 32 | g->qp[q].dst;
			pairs[n++] = (uint64_t)g->qp[q].dst << 32 | g->qp[q].src;
		}
		qsort(pairs, n, sizeof(*pairs), cmp_u64);
		for (size_t i = 0; i < n; i++) {
			if (i && pairs[i] == pairs[i - 1])
				continue;
			unsigned a = (unsigned)(pairs[i] >> 32), b = (unsigned)pairs[i];
			struct gen_policy *p = pol_add(g, &cap);
			snprintf(p->name, sizeof(p->name), "host%u-host%u", a + 1, b + 1);
			p->src_leaf = gen_host_leaf(g, a), p->dst_leaf = gen_host_leaf(g, b);
			p->src_host = (int32_t)a, p->dst_host = (int32_t)b, p->path_host = (int32_t)b;
			p->has_balance = true;
			p->balance = 0.2;
		}
		free(pairs);
	} else {
		size_t nl = f->nleaves;
		uint8_t *used = used_leaf_pairs(g);
		for (size_t a = 0; a < nl; a++) {
			for (size_t b = 0; b < nl; b++) {
				size_t ab = a * nl + b;
				if (!(used[ab / 8] & (1u << (ab % 8))))
					continue;
				unsigned ns = g->o.scenario == GEN_SCN_WRONG_SPINE ? f->nspines : 1;
				for (unsigned s = 0; s < ns; s++) {
					struct gen_policy *p = pol_add(g, &cap);
					p->src_leaf = (uint32_t)a, p->dst_leaf = (uint32_t)b;
					if (f->hpl == 1)
						p->path_host = (int32_t)(b * f->hpl);
					if (g->o.scenario == GEN_SCN_WRONG_SPINE) {
						snprintf(p->name, sizeof(p->name), "leaf%u-leaf%u-spine%u",
							 (unsigned)a + 1u, (unsigned)b + 1u, s + 1u);
						p->path_spine = (int32_t)s;
						p->sport_lo = (uint16_t)(GEN_SPORT_BASE + 256 * s);
						p->sport_hi = (uint16_t)(p->sport_lo + 255);
						p->pin = true;
					} else {
						snprintf(p->name, sizeof(p->name), "leaf%u-leaf%u",
							 (unsigned)a + 1u, (unsigned)b + 1u);
						p->pin = g->o.scenario == GEN_SCN_PIN_MOVE;
					}
				}
			}
		}
		free(used);
	}
	/* lookup keys: (source selector, destination selector), sport range start */
	j->idx = malloc(sizeof(*j->idx) * (j->npol ? j->npol : 1));
	if (!j->idx)
		die("out of memory");
	for (uint32_t i = 0; i < j->npol; i++) {
		const struct gen_policy *p = &j->pol[i];
		j->idx[i].k1 = sel_key(p->src_host, p->src_leaf) << 32 | sel_key(p->dst_host, p->dst_leaf);
		j->idx[i].k2 = p->sport_lo;
		j->idx[i].pol = i;
	}
	j->nidx = j->npol;
	qsort(j->idx, j->nidx, sizeof(*j->idx), cmp_idx);
}

/* First policy (in config order) that covers traffic from host a to host b with sport. */
static int32_t policy_for(const struct gen *g, unsigned a, unsigned b, uint16_t sport)
{
	const struct gen_judge *j = &g->j;
	uint32_t la = gen_host_leaf(g, a), lb = gen_host_leaf(g, b);
	uint64_t ks[2] = {sel_key((int32_t)a, la), la}, kd[2] = {sel_key((int32_t)b, lb), lb};
	uint64_t kp[2] = {0, sport >= GEN_SPORT_BASE ? GEN_SPORT_BASE + (sport - GEN_SPORT_BASE) / 256 * 256
						    : 0};
	int32_t best = -1;
	for (unsigned x = 0; x < 2; x++)
		for (unsigned y = 0; y < 2; y++)
			for (unsigned z = 0; z < 2; z++) {
				uint64_t k1 = ks[x] << 32 | kd[y], k2 = kp[z];
				size_t lo = 0, hi = j->nidx;
				while (lo < hi) { /* first entry >= (k1, k2) */
					size_t mid = (lo + hi) / 2;
					if (j->idx[mid].k1 < k1 || (j->idx[mid].k1 == k1 && j->idx[mid].k2 < k2))
						lo = mid + 1;
					else
						hi = mid;
				}
				for (; lo < j->nidx && j->idx[lo].k1 == k1 && j->idx[lo].k2 == k2; lo++) {
					const struct gen_policy *p = &j->pol[j->idx[lo].pol];
					bool sp_ok = (!p->sport_lo && !p->sport_hi) ||
						     (sport >= p->sport_lo && sport <= p->sport_hi);
					if (sp_ok && (best < 0 || (int32_t)j->idx[lo].pol < best))
						best = (int32_t)j->idx[lo].pol;
				}
			}
	return best;
}

void gen_judge_init(struct gen *g)
{
	struct gen_judge *j = &g->j;
	size_t nrec = 2 * (size_t)g->nqp;
	j->rec_pol = malloc(sizeof(*j->rec_pol) * (nrec ? nrec : 1));
	j->pin = calloc(nrec ? nrec : 1, sizeof(*j->pin));
	j->sightings = calloc(nrec ? nrec : 1, sizeof(*j->sightings));
	j->c_in = calloc(g->f.nspines, sizeof(*j->c_in));
	j->c_match = calloc(g->f.nspines, sizeof(*j->c_match));
	j->c_shift = calloc(g->f.nspines, sizeof(*j->c_shift));
	j->c_drop_ts = calloc(g->f.nspines, sizeof(*j->c_drop_ts));
	j->c_ndrop = calloc(g->f.nspines, sizeof(*j->c_ndrop));
	j->c_capdrop = calloc(g->f.nspines, sizeof(*j->c_capdrop));
	j->cap_conc = 1024;
	j->conc = calloc(j->cap_conc, sizeof(*j->conc));
	if (!j->rec_pol || !j->pin || !j->sightings || !j->c_in || !j->c_match || !j->c_shift ||
	    !j->c_drop_ts || !j->c_ndrop || !j->c_capdrop || !j->conc)
		die("out of memory for the verdict truth");
	/* The QPs' UDP source port and DSCP never change, so each record keeps the
	 * policy of its first packet (spinetap.conf(5): chosen per QP). */
	for (uint32_t q = 0; q < g->nqp; q++) {
		const struct gen_qp *x = &g->qp[q];
		j->rec_pol[2 * (size_t)q] = policy_for(g, x->src, x->dst, x->sport);
		j->rec_pol[2 * (size_t)q + 1] = policy_for(g, x->dst, x->src, x->sport);
	}
}

void gen_judge_free(struct gen *g)
{
	struct gen_judge *j = &g->j;
	free(j->pol);
	free(j->idx);
	free(j->rec_pol);
	free(j->pin);
	free(j->sightings);
	free(j->c_in);
	free(j->c_match);
	free(j->c_shift);
	for (unsigned s = 0; j->c_drop_ts && s < g->f.nspines; s++)
		free(j->c_drop_ts[s]);
	free(j->c_drop_ts);
	free(j->c_ndrop);
	free(j->c_capdrop);
	free(j->conc);
	memset(j, 0, sizeof(*j));
}

/* ---- programs, read back from the frame's addresses ---- */

static int32_t node_of_usid(const struct gen *g, uint32_t id)
{
	const struct gen_fabric *f = &g->f;
	if (id >= 1 && id <= f->nleaves && id < 0x1000)
		return (int32_t)(id - 1);
	if (id > 0x1000 && id <= 0x1000 + f->nspines)
		return NODE_SPINE + (int32_t)(id - 0x1001);
	if (f->nleaves <= 4) {
		if (id >= 0xa000 && id < 0xe000) {
			unsigned i = (id - 0xa000) / 0x1000, k = id & 0xfff;
			if (i < f->nleaves && k >= 1 && k <= f->hpl)
				return NODE_HOST + (int32_t)(i * f->hpl + k - 1);
		}
	} else if (id >= 0x2000 && id < 0x2000 + f->nhosts) {
		return NODE_HOST + (int32_t)(id - 0x2000);
	}
	return NODE_NONE;
}

static bool in_block(const uint8_t *a)
{
	return a[0] == (GEN_BLOCK_HI >> 8) && a[1] == (GEN_BLOCK_HI & 0xff) &&
	       a[2] == (GEN_BLOCK_LO >> 8) && a[3] == (GEN_BLOCK_LO & 0xff);
}

static void prog_add(const struct gen *g, struct prog *pr, const uint8_t *a)
{
	if (!in_block(a)) {
		if (pr->n < PROG_MAX) {
			pr->kind[pr->n] = EK_PLAIN;
			pr->node[pr->n++] = NODE_NONE;
		}
		return;
	}
	for (unsigned i = 0; i < 6 && pr->n < PROG_MAX; i++) {
		uint32_t id = (uint32_t)a[4 + 2 * i] << 8 | a[5 + 2 * i];
		if (!id)
			break; /* end of carrier */
		bool local = id >= GEN_LOCAL_LO;
		pr->kind[pr->n] = local ? EK_LOCAL : EK_GLOBAL;
		pr->node[pr->n++] = local ? NODE_NONE : node_of_usid(g, id);
	}
}

/* The program of a sighting; false when it carries none (unsteered). */
static bool prog_of(const struct gen *g, const struct gen_pkt *p, struct prog *pr)
{
	struct gen_view v;
	gen_view(g, p, &v);
	pr->n = 0;
	if (v.plain)
		return false;
	prog_add(g, pr, v.outer_dst);
	if (v.has_srh)
		for (int i = (int)v.sl - 1; i >= 0; i--)
			prog_add(g, pr, v.seg[i]);
	return true;
}

static int32_t tap_node(const struct gen_tap *t)
{
	return NODE_SPINE + (int32_t)t->spine;
}

static bool enters(const struct gen_tap *t, const struct prog *pr, bool steered)
{
	if (t->dir == 0)
		return true;
	if (t->dir == 1)
		return false;
	/* both directions: the program tells, its first element being the node */
	return steered && pr->n && pr->kind[0] == EK_GLOBAL && pr->node[0] == tap_node(t);
}

bool gen_sighting_enters(const struct gen *g, const struct gen_pkt *p, unsigned tapi)
{
	struct prog pr;
	bool steered = prog_of(g, p, &pr);
	return enters(&g->tap[tapi], &pr, steered);
}

/* ---- the rules ---- */

static bool is_spine(int32_t n)
{
	return n >= NODE_SPINE && n < NODE_HOST;
}

static bool is_host(int32_t n)
{
	return n >= NODE_HOST;
}

/* Does hop k of the policy's path [leafS, spine, leafD, host] name node n? */
static bool hop_is(const struct gen_policy *p, unsigned k, int32_t n)
{
	if (n == NODE_NONE)
		return false;
	switch (k) {
	case 0:
		return n == (int32_t)p->src_leaf;
	case 1:
		return p->path_spine >= 0 ? n == NODE_SPINE + p->path_spine : is_spine(n);
	case 2:
		return n == (int32_t)p->dst_leaf;
	default:
		return p->path_host >= 0 ? n == NODE_HOST + p->path_host : is_host(n);
	}
}

#define PATH_HOPS 4

/* Can node n follow node t in the policy's path? */
static bool follows(const struct gen_policy *p, int32_t t, int32_t n)
{
	for (unsigned i = 0; i + 1 < PATH_HOPS; i++)
		if (hop_is(p, i, t) && hop_is(p, i + 1, n))
			return true;
	return false;
}

/*
 * Rule 4 at the tap's position: the program's nodes (globals up to a plain SID)
 * equal the path from the tap's node on (entering) or after it (leaving); a
 * program ending in a plain SID need only match as far as it goes. On a match,
 * *conc gets the concrete path: wildcards resolved by the program's nodes and
 * the tap's node, patterns elsewhere (spine+1 << 24 | host+1, 0 = pattern).
 */
static bool match_at(const struct gen_policy *p, const int32_t *nodes, unsigned n, bool plain,
		     int32_t t, bool entering, uint64_t *conc)
{
	for (unsigned i = 0; i < PATH_HOPS; i++) {
		if (!hop_is(p, i, t))
			continue;
		unsigned start = entering ? i : i + 1;
		unsigned rest = PATH_HOPS - start;
		if (plain ? n > rest : n != rest)
			continue;
		bool ok = true;
		for (unsigned k = 0; k < n && ok; k++)
			ok = hop_is(p, start + k, nodes[k]);
		if (!ok)
			continue;
		int32_t name[PATH_HOPS] = {NODE_NONE, p->path_spine >= 0 ? NODE_SPINE + p->path_spine : NODE_NONE,
					   NODE_NONE, p->path_host >= 0 ? NODE_HOST + p->path_host : NODE_NONE};
		for (unsigned k = 0; k < PATH_HOPS; k++) {
			if (k >= start && k < start + n)
				name[k] = nodes[k - start];
			else if (k == i)
				name[k] = t;
		}
		uint64_t sres = is_spine(name[1]) ? (uint64_t)(name[1] - NODE_SPINE) + 1 : 0;
		uint64_t hres = is_host(name[3]) ? (uint64_t)(name[3] - NODE_HOST) + 1 : 0;
		*conc = sres << 24 | hres;
		return true;
	}
	return false;
}

static unsigned judge(const struct gen *g, const struct gen_tap *tap, bool entering,
		      const struct prog *pr, bool steered, int32_t pi, uint64_t *conc)
{
	const struct gen_policy *pol = pi >= 0 ? &g->j.pol[pi] : NULL;
	*conc = 0;
	if (!steered)
		return pol ? GV_UNSTEERED : GV_N; /* GV_N: nothing to judge */
	const int32_t t = tap_node(tap);
	/* 1. misrouted: the active uSID (first global) against the tap's node */
	unsigned f = 0;
	while (f < pr->n && pr->kind[f] == EK_LOCAL)
		f++;
	bool has_first = f < pr->n;
	if (!(has_first && pr->kind[f] == EK_PLAIN)) {
		int32_t first = has_first ? pr->node[f] : NODE_NONE;
		bool bad;
		if (entering)
			bad = !has_first || first != t;
		else if (has_first && tap->peer >= 0)
			bad = first != tap->peer; /* leaves are nodes 0.. */
		else if (has_first && pol)
			bad = !follows(pol, t, first);
		else if (has_first)
			bad = first == t;
		else
			bad = tap->peer >= 0; /* only local functions left on a link */
		if (bad)
			return GV_MISROUTED;
	}
	/* 2. unknown_sid */
	for (unsigned i = 0; i < pr->n; i++)
		if (pr->kind[i] == EK_GLOBAL && pr->node[i] == NODE_NONE)
			return GV_UNKNOWN_SID;
	if (!pol)
		return GV_UNCOVERED;
	/* 4. policy_violation */
	int32_t nodes[PROG_MAX];
	unsigned n = 0;
	bool plain = false;
	for (unsigned i = 0; i < pr->n; i++) {
		if (pr->kind[i] == EK_PLAIN) {
			plain = true;
			break;
		}
		if (pr->kind[i] == EK_GLOBAL)
			nodes[n++] = pr->node[i];
	}
	if (!match_at(pol, nodes, n, plain, t, entering, conc))
		return GV_POLICY_VIOLATION;
	return GV_COMPLIANT;
}

static void conc_count(struct gen_judge *j, uint64_t key)
{
	if ((j->nconc + 1) * 2 > j->cap_conc) {
		uint32_t nc = j->cap_conc * 2;
		struct gen_conc *n = calloc(nc, sizeof(*n)), *o = j->conc;
		if (!n)
			die("out of memory");
		for (uint32_t i = 0; i < j->cap_conc; i++) {
			if (!o[i].key)
				continue;
			uint32_t h = (uint32_t)gen_mix64(o[i].key) & (nc - 1);
			while (n[h].key)
				h = (h + 1) & (nc - 1);
			n[h] = o[i];
		}
		free(o);
		j->conc = n;
		j->cap_conc = nc;
	}
	uint32_t h = (uint32_t)gen_mix64(key) & (j->cap_conc - 1);
	while (j->conc[h].key && j->conc[h].key != key)
		h = (h + 1) & (j->cap_conc - 1);
	if (!j->conc[h].key) {
		j->conc[h].key = key;
		j->nconc++;
	}
	j->conc[h].n++;
}

bool gen_judge_sighting(struct gen *g, const struct gen_pkt *p, unsigned tapi)
{
	struct gen_judge *j = &g->j;
	const struct gen_tap *tap = &g->tap[tapi];
	struct prog pr;
	const bool steered = prog_of(g, p, &pr);
	const bool entering = enters(tap, &pr, steered);
	/* COUNTING RULES: the entering sighting, or the leaving one where only
	 * leaving traffic is tapped */
	const bool primary = entering || g->o.taps == GEN_TAPS_OUT;
	const size_t rec = 2 * (size_t)p->qp + ((p->flags & GEN_PF_RESP) ? 1 : 0);
	const int32_t pi = j->rec_pol[rec];
	j->sightings[rec]++;

	uint64_t conc;
	unsigned v = judge(g, tap, entering, &pr, steered, pi, &conc);
	if (v == GV_COMPLIANT && pi >= 0 && j->pol[pi].pin) {
		/* 5. pin_violation: another concrete path than the record's first */
		if (!j->pin[rec])
			j->pin[rec] = conc + 1;
		else if (j->pin[rec] != conc + 1)
			v = GV_PIN_VIOLATION;
	}
	if (v < GV_N) {
		j->v[v]++;
		if (pi >= 0) {
			j->pol[pi].covered++;
			j->pol[pi].v[v]++;
			if (v == GV_COMPLIANT && primary)
				conc_count(j, ((uint64_t)pi << 32 | conc) + 1);
		}
	}

	/* CORRELATION, per spine; which spines count is decided at the end */
	if (p->ts > j->last_ts)
		j->last_ts = p->ts;
	if (steered) {
		if (entering) {
			j->c_in[tap->spine]++;
			if (p->xf & GEN_XF_NOLEAVE) {
				unsigned sp = tap->spine;
				if (j->c_ndrop[sp] == j->c_capdrop[sp]) {
					uint32_t nc = j->c_capdrop[sp] ? 2 * j->c_capdrop[sp] : 64;
					uint64_t *m = realloc(j->c_drop_ts[sp], sizeof(*m) * nc);
					if (!m)
						die("out of memory");
					j->c_drop_ts[sp] = m;
					j->c_capdrop[sp] = nc;
				}
				j->c_drop_ts[sp][j->c_ndrop[sp]++] = p->ts;
			}
		} else if (p->pos == 1 && !(p->xf & GEN_XF_FILL) && g->o.taps != GEN_TAPS_OUT) {
			/* its entering sighting was written just before: was it entering? */
			struct gen_pkt x = *p;
			x.pos = 0;
			unsigned in_tap = g->o.taps == GEN_TAPS_INOUT ? tapi - 1 : tapi;
			if (gen_sighting_enters(g, &x, in_tap)) {
				j->c_match[tap->spine]++;
				if (p->xf & (GEN_XF_HLIM | GEN_XF_SHIFT2))
					j->c_shift[tap->spine]++;
			}
		}
	}
	return primary;
}

/* ---- output ---- */

static void addr_prefix(const struct gen *g, char *buf, size_t len, int32_t host, uint32_t leaf)
{
	char a[64];
	if (host >= 0) {
		if (g->f.ipv4)
			snprintf(buf, len, "%s/32", fmt_addr(a, sizeof(a), 4, g->f.addr4[host]));
		else
			snprintf(buf, len, "%s/128", fmt_addr(a, sizeof(a), 6, g->f.addr6[host]));
		return;
	}
	if (g->f.ipv4) {
		snprintf(buf, len, "10.%u.0.0/16", leaf + 1);
		return;
	}
	uint8_t p[16] = {0x20, 0x01, 0x0d, 0xb8};
	p[4] = (uint8_t)(((leaf + 1) * 0x10) >> 8);
	p[5] = (uint8_t)((leaf + 1) * 0x10);
	snprintf(buf, len, "%s/64", fmt_addr(a, sizeof(a), 6, p));
}

void gen_write_policies(FILE *f, const struct gen *g)
{
	const struct gen_judge *j = &g->j;
	fputs("policies:\n", f);
	for (uint32_t i = 0; i < j->npol; i++) {
		const struct gen_policy *p = &j->pol[i];
		char src[64], dst[64], sp[32], host[32];
		addr_prefix(g, src, sizeof(src), p->src_host, p->src_leaf);
		addr_prefix(g, dst, sizeof(dst), p->dst_host, p->dst_leaf);
		if (p->path_spine >= 0)
			snprintf(sp, sizeof(sp), "spine%d", p->path_spine + 1);
		else
			snprintf(sp, sizeof(sp), "\"spine*\"");
		if (p->path_host >= 0)
			gen_host_name(host, sizeof(host), (unsigned)p->path_host);
		else
			snprintf(host, sizeof(host), "\"host*\"");
		fprintf(f, "  - name: %s\n", p->name);
		if (p->sport_lo || p->sport_hi)
			fprintf(f, "    match: { src: %s, dst: %s, sport: %u-%u }\n", src, dst, p->sport_lo,
				p->sport_hi);
		else
			fprintf(f, "    match: { src: %s, dst: %s }\n", src, dst);
		fprintf(f, "    paths: [ [leaf%u, %s, leaf%u, %s] ]\n", p->src_leaf + 1, sp,
			p->dst_leaf + 1, host);
		fprintf(f, "    mode: %s\n", p->pin ? "pin" : "spray");
		if (p->has_balance)
			fprintf(f, "    balance: %g\n", p->balance);
	}
}

/* Is node n (a spine) tapped on both sides by the taps that recorded a packet? */
static bool corr_active(const struct gen *g, unsigned spine)
{
	bool in = false, out = false;
	int in_peer[2] = {-1, -1}, out_peer[2] = {-1, -1};
	for (unsigned t = 0; t < g->ntap; t++) {
		const struct gen_tap *tp = &g->tap[t];
		if (tp->spine != spine || !tp->packets)
			continue;
		if (tp->peer < 0) {
			in |= tp->dir != 1;
			out |= tp->dir != 0;
			continue;
		}
		/* link taps: a packet enters by one port and leaves by another */
		if (tp->dir != 1 && in_peer[0] != tp->peer)
			in_peer[in_peer[0] < 0 ? 0 : 1] = tp->peer;
		if (tp->dir != 0 && out_peer[0] != tp->peer)
			out_peer[out_peer[0] < 0 ? 0 : 1] = tp->peer;
	}
	in |= in_peer[1] >= 0;
	out |= out_peer[1] >= 0;
	return in && out;
}

static void conc_text(const struct gen *g, const struct gen_policy *p, uint64_t c, char *buf,
		      size_t len)
{
	char sp[32], host[32];
	uint64_t sres = c >> 24 & 0xff, hres = c & 0xffffff;
	if (sres)
		snprintf(sp, sizeof(sp), "spine%u", (unsigned)sres);
	else
		snprintf(sp, sizeof(sp), "spine*");
	if (hres)
		gen_host_name(host, sizeof(host), (unsigned)(hres - 1));
	else
		snprintf(host, sizeof(host), "host*");
	(void)g;
	snprintf(buf, len, "leaf%u > %s > leaf%u > %s", p->src_leaf + 1, sp, p->dst_leaf + 1, host);
}

static int cmp_conc(const void *a, const void *b)
{
	const struct gen_conc *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

void gen_write_verdict_truth(FILE *f, const struct gen *g)
{
	const struct gen_judge *j = &g->j;
	fputs(" \"verdicts\": {", f);
	for (unsigned v = 0; v < GV_N; v++)
		fprintf(f, "%s\"%s\": %llu", v ? ", " : "", verdict_names[v], (unsigned long long)j->v[v]);
	fputs("},\n", f);

	/*
	 * As spinetap.conf(5) says: at the end of the input, an unmatched entering
	 * sighting is lost only if it entered longer ago than four times the
	 * slowest transit seen at the node (at least 20 us); younger ones are in
	 * transit (in_flight).
	 */
	uint64_t *inflight = calloc(g->f.nspines, sizeof(*inflight));
	if (!inflight)
		die("out of memory");
	for (unsigned s = 0; s < g->f.nspines; s++) {
		uint64_t grace = j->c_match[s] ? 4 * gen_transit_ns(s) : 0;
		if (grace < 20000)
			grace = 20000;
		for (uint32_t k = 0; k < j->c_ndrop[s]; k++)
			inflight[s] += j->c_drop_ts[s][k] + grace > j->last_ts;
	}
	uint64_t matched = 0, shift = 0, lost = 0;
	for (unsigned s = 0; s < g->f.nspines; s++) {
		if (!corr_active(g, s))
			continue;
		matched += j->c_match[s];
		shift += j->c_shift[s];
		lost += j->c_in[s] - j->c_match[s] - inflight[s];
	}
	fprintf(f, " \"correlation\": {\"matched\": %llu, \"shift_error\": %llu, \"lost_in_node\": %llu, "
		   "\"nodes\": [",
		(unsigned long long)matched, (unsigned long long)shift, (unsigned long long)lost);
	bool first = true;
	for (unsigned s = 0; s < g->f.nspines; s++) {
		if (!corr_active(g, s))
			continue;
		fprintf(f, "%s{\"name\": \"spine%u\", \"matched\": %llu, \"lost\": %llu, \"shift_error\": %llu, "
			   "\"in_flight\": %llu}",
			first ? "" : ", ", s + 1, (unsigned long long)j->c_match[s],
			(unsigned long long)(j->c_in[s] - j->c_match[s] - inflight[s]),
			(unsigned long long)j->c_shift[s], (unsigned long long)inflight[s]);
		first = false;
	}
	fputs("]},\n", f);
	free(inflight);

	/* concrete paths, by policy */
	struct gen_conc *cs = malloc(sizeof(*cs) * (j->nconc ? j->nconc : 1));
	if (!cs)
		die("out of memory");
	uint32_t nc = 0;
	for (uint32_t i = 0; i < j->cap_conc; i++)
		if (j->conc[i].key)
			cs[nc++] = j->conc[i];
	qsort(cs, nc, sizeof(*cs), cmp_conc);

	/* QP records per policy: those with a sighting, by their first policy */
	uint32_t *qps = calloc(j->npol ? j->npol : 1, sizeof(*qps));
	if (!qps)
		die("out of memory");
	for (size_t r = 0; r < 2 * (size_t)g->nqp; r++)
		if (j->sightings[r] && j->rec_pol[r] >= 0)
			qps[j->rec_pol[r]]++;
	uint64_t covered = 0, compliant = 0;
	uint32_t ci = 0;
	fputs(" \"policies\": [", f);
	for (uint32_t i = 0; i < j->npol; i++) {
		const struct gen_policy *p = &j->pol[i];
		covered += p->covered;
		compliant += p->v[GV_COMPLIANT];
		fprintf(f, "%s\n    {\"name\": \"%s\", \"mode\": \"%s\", \"covered\": %llu, \"compliant\": %llu, "
			   "\"adherence\": %.6f, \"qps\": %u, \"violations\": {",
			i ? "," : "", p->name, p->pin ? "pin" : "spray", (unsigned long long)p->covered,
			(unsigned long long)p->v[GV_COMPLIANT],
			p->covered ? (double)p->v[GV_COMPLIANT] / (double)p->covered : 1.0, qps[i]);
		for (unsigned v = GV_MISROUTED; v < GV_UNCOVERED; v++)
			fprintf(f, "%s\"%s\": %llu", v > GV_MISROUTED ? ", " : "", verdict_names[v],
				(unsigned long long)p->v[v]);
		fputs("}, \"paths\": [", f);
		uint32_t c0 = ci;
		uint64_t total = 0;
		while (ci < nc && ((cs[ci].key - 1) >> 32) == i)
			total += cs[ci++].n;
		uint64_t k = (p->path_spine < 0 ? g->f.nspines : 1) * (uint64_t)(p->path_host < 0 ? g->f.nhosts : 1);
		double even = 1.0 / (double)k;
		bool balanced = true;
		for (uint32_t c = c0; c < ci; c++) {
			char text[128];
			conc_text(g, p, (cs[c].key - 1) & 0xffffffffull, text, sizeof(text));
			double share = total ? (double)cs[c].n / (double)total : 0;
			double d = share - even;
			bool stray = p->has_balance && !p->pin && (d < 0 ? -d : d) > p->balance * even;
			balanced &= !stray;
			fprintf(f, "%s{\"nodes\": \"%s\", \"packets\": %llu, \"share\": %.6f, \"imbalanced\": %s}",
				c > c0 ? ", " : "", text, (unsigned long long)cs[c].n, share,
				stray ? "true" : "false");
		}
		fputs("]", f);
		if (p->has_balance && !p->pin)
			fprintf(f, ", \"balance\": %g, \"expected_paths\": %llu, \"balanced\": %s", p->balance,
				(unsigned long long)k, balanced ? "true" : "false");
		fputs("}", f);
	}
	fputs("],\n", f);
	free(cs);
	free(qps);
	bool fail = lost || shift;
	for (unsigned v = GV_MISROUTED; v < GV_UNCOVERED; v++)
		fail |= j->v[v] != 0;
	fprintf(f, " \"adherence\": %.6f, \"exit_status\": %d,\n",
		covered ? (double)compliant / (double)covered : 1.0, fail ? 1 : 0);
}
