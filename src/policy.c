/*
 * policy.c - verdicts per sighting, pinning, correlation across taps, and
 * evidence (DESIGN.md §3; the rules are spelled out in spinetap.conf(5)).
 *
 * A verdict depends on the tap, the path (program), the matched policy and
 * the direction - but for pinning, not on the packet - so it is computed
 * once per (tap, path, policy, direction) and cached; per packet the cost
 * is one small hash probe, plus the pin check for pin-mode policies.
 *
 * Paths are judged on their node sequence: global uSIDs mapped to nodes;
 * local uSIDs (uA, uDT) belong to the node before them and are not hops. A
 * program that ends in a plain SID (an address outside the block, usually
 * the destination host) leaves the rest to ordinary routing: its nodes must
 * match the allowed path from the tap's position for as far as they go.
 *
 * Correlation: at a node whose entering and leaving traffic are both tapped,
 * each entering sighting waits in a window (a ring in arrival order with a
 * hash index) for its leaving sighting, matched by flow, DestQP, PSN,
 * opcode and a hash of the first payload bytes. A match checks the RFC 9800
 * shift and the hop limit and feeds the transit-latency histogram; an entry
 * that leaves the window unmatched is lost_in_node.
 */
#include "policy.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "hash.h"
#include "out.h"
#include "util.h"

static const char *const verdict_names[K_N] = {
	[V_COMPLIANT] = "compliant",         [V_MISROUTED] = "misrouted",
	[V_UNKNOWN_SID] = "unknown_sid",     [V_UNSTEERED] = "unsteered",
	[V_POLICY_VIOLATION] = "policy_violation", [V_PIN_VIOLATION] = "pin_violation",
	[V_UNCOVERED] = "uncovered",         [K_SHIFT_ERROR] = "shift_error",
	[K_LOST_IN_NODE] = "lost_in_node",
};

const char *verdict_name(unsigned v)
{
	return v < K_N ? verdict_names[v] : "?";
}

#define MAX_CONCRETE 4096
#define HIST_SUB 16            /* linear sub-buckets per power of two */
#define HIST_N (64 * HIST_SUB)
#define CORR_CAP_MIN 4096u
#define CORR_CAP_MAX (1u << 20)
#define CORR_HDR 160          /* bytes of an entering packet kept for lost_in_node evidence */

/* Per-policy statistics; entry [npol] is "(none)": sightings no policy covers. */
struct pol_stats {
	char name[CFG_NAME_MAX];
	uint64_t v[V_N];
	uint64_t covered;                 /* sightings the policy covered */
	uint32_t nconc;                   /* concrete paths seen, for the shares */
	struct { uint32_t id; uint64_t n; } *conc;
	uint32_t conc_cap;
	uint32_t qps;                     /* computed at report time */
};

struct vcache {
	uint64_t key;    /* path | tap << 32 | (policy+1) << 44 | entering << 60, +1 */
	uint8_t verdict;
	uint32_t concrete;
};

struct corr_ent {
	uint64_t key;
	uint64_t ts;
	uint8_t da[16];
	uint8_t hlim;
	bool matched;
	int16_t tap;
	uint64_t frame;
	struct qp_key qk;
	uint32_t psn;
	uint32_t next_same;  /* hash chain: ring index + 1 */
	uint32_t caplen, len, linktype;
	uint8_t hdr[CORR_HDR];
};

struct corr {
	bool active;              /* both directions of this node are tapped */
	struct corr_ent *ring;
	uint32_t cap, head, n;    /* entries [head, head+n) in arrival order */
	uint32_t *bucket;         /* hash -> ring index + 1 (chained through next_same) */
	uint32_t nbucket;
	uint64_t matched, lost, shift_errors, overflow;
	uint64_t in_flight;       /* entering sightings still in their window when the input ended */
	uint64_t unverified;      /* entered while the node's leaving side was not captured */
	uint64_t hist[HIST_N];
	uint64_t max_ns;
};

struct policy_state {
	struct engine *e;
	int npol;
	struct pol_stats *ps;      /* npol + 1 */
	int *cfg_to_ps;            /* config policy index -> ps index */
	struct vcache *vc;
	uint32_t nvc, vc_slots;
	char **conc;               /* concrete path texts, id = index + 1 */
	uint32_t nconc;
	uint64_t total[K_N];
	struct evidence *ev;
	uint32_t nev, ev_cap;
	uint32_t ev_kind_n[K_N];
	struct corr *corr;         /* per config node */
	int ncorr;
	struct transit_row tr;
};

/* ---- setup ---- */

static bool ps_sync(struct policy_state *s)
{
	const struct config *cfg = s->e->cfg;
	int *map = realloc(s->cfg_to_ps, sizeof(int) * (size_t)(cfg->npolicies + 1));
	if (!map)
		return false;
	s->cfg_to_ps = map;
	for (int i = 0; i < cfg->npolicies; i++) {
		int found = -1;
		for (int k = 0; k < s->npol; k++)
			if (!strcmp(s->ps[k].name, cfg->policies[i].name))
				found = k;
		if (found < 0) {
			/* A new policy: insert before the "(none)" entry, which stays last. */
			struct pol_stats *n = realloc(s->ps, sizeof(*n) * (size_t)(s->npol + 2));
			if (!n)
				return false;
			s->ps = n;
			s->ps[s->npol + 1] = s->ps[s->npol];
			memset(&s->ps[s->npol], 0, sizeof(s->ps[0]));
			snprintf(s->ps[s->npol].name, CFG_NAME_MAX, "%s", cfg->policies[i].name);
			found = s->npol++;
		}
		map[i] = found;
	}
	return true;
}

static bool corr_setup(struct policy_state *s)
{
	struct engine *e = s->e;
	int nn = e->cfg->nnodes;
	struct corr *c = calloc((size_t)(nn ? nn : 1), sizeof(*c));
	if (!c)
		return false;
	s->corr = c;
	s->ncorr = nn;
	return true;
}

/*
 * Recompute which nodes have both directions tapped (taps are added one by
 * one). A node tap (no peer) covers the whole node in its direction(s); a
 * link tap covers one port, and a packet entering by one port leaves by
 * another, so link taps count as covering a direction only when at least
 * two of the node's links are tapped in it.
 */
static void corr_refresh(struct policy_state *s)
{
	struct engine *e = s->e;
	for (int n = 0; n < s->ncorr; n++) {
		bool in = false, out = false;
		int in_peers[2] = {-1, -1}, out_peers[2] = {-1, -1};
		for (int t = 0; t < e->ntaps; t++) {
			const struct tap *tp = &e->tap[t];
			if (tp->node != n)
				continue;
			if (tp->peer < 0) {
				in |= tp->dir != DIR_OUT;
				out |= tp->dir != DIR_IN;
				continue;
			}
			if (tp->dir != DIR_OUT && in_peers[0] != tp->peer)
				in_peers[in_peers[0] < 0 ? 0 : 1] = tp->peer;
			if (tp->dir != DIR_IN && out_peers[0] != tp->peer)
				out_peers[out_peers[0] < 0 ? 0 : 1] = tp->peer;
		}
		in |= in_peers[1] >= 0;
		out |= out_peers[1] >= 0;
		s->corr[n].active = in && out;
	}
}

struct policy_state *policy_new(struct engine *e)
{
	struct policy_state *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->e = e;
	s->ps = calloc(1, sizeof(*s->ps));
	s->vc_slots = 1024;
	s->vc = calloc(s->vc_slots, sizeof(*s->vc));
	if (!s->ps || !s->vc || !ps_sync(s) || !corr_setup(s)) {
		policy_free(s);
		return NULL;
	}
	snprintf(s->ps[s->npol].name, CFG_NAME_MAX, "(none)");
	return s;
}

void policy_free(struct policy_state *s)
{
	if (!s)
		return;
	for (int i = 0; i <= s->npol && s->ps; i++)
		free(s->ps[i].conc);
	for (uint32_t i = 0; i < s->nconc; i++)
		free(s->conc[i]);
	for (uint32_t i = 0; i < s->nev; i++)
		free(s->ev[i].bytes);
	for (int n = 0; n < s->ncorr; n++) {
		free(s->corr[n].ring);
		free(s->corr[n].bucket);
	}
	free(s->corr);
	free(s->conc);
	free(s->ev);
	free(s->ps);
	free(s->cfg_to_ps);
	free(s->vc);
	free(s);
}

void policy_reload(struct engine *e)
{
	struct policy_state *s = e->pol;
	ps_sync(s);
	memset(s->vc, 0, sizeof(*s->vc) * s->vc_slots);
	s->nvc = 0;
	for (uint32_t i = 0; i < e->qp.n; i++)
		e->qp.rec[i].flags &= ~(uint32_t)(QPF_POLICY | QPF_PINNED);
	corr_refresh(s);
}

/* ---- direction ---- */

bool policy_entering(const struct engine *e, const struct tap *tap, const struct dpkt *d,
		     uint32_t path)
{
	if (d->has_sll)
		return d->sll_pkttype != 4; /* PACKET_OUTGOING leaves; everything else arrives */
	if (tap->node < 0)
		return true;
	/* No program: nothing tells where it is; it counts as leaving (spinetap.conf(5)). */
	const struct path *p = path < e->paths.n ? &e->paths.p[path] : NULL;
	if (!p || !p->nhops)
		return false;
	return p->hop[0].kind == PE_GLOBAL && p->hop[0].id == e->cfg->nodes[tap->node].usid;
}

/* ---- policy match ---- */

static bool match_one(const struct cfg_match *m, const struct qp_key *k, uint16_t sport,
		      uint8_t dscp)
{
	int v = (k->dqpn & QPK_V4) ? 4 : 6;
	if (m->has_src && (m->src_v != v || !prefix_match(k->src, m->src, m->src_plen)))
		return false;
	if (m->has_dst && (m->dst_v != v || !prefix_match(k->dst, m->dst, m->dst_plen)))
		return false;
	uint32_t q = k->dqpn & 0xffffff;
	if (m->has_dqpn && (q < m->dqpn_lo || q > m->dqpn_hi))
		return false;
	if (m->has_sport && (sport < m->sport_lo || sport > m->sport_hi))
		return false;
	if (m->has_dscp && !(m->dscp_mask >> dscp & 1))
		return false;
	return true;
}

static int match_policy(const struct config *cfg, const struct qp_key *k, uint16_t sport,
			uint8_t dscp)
{
	for (int i = 0; i < cfg->npolicies; i++)
		if (match_one(&cfg->policies[i].match, k, sport, dscp))
			return i;
	return -1;
}

/* The policy of this sighting: cached on the QP for its first (sport, DSCP). */
static int sighting_policy(const struct engine *e, struct qp *q, const struct dpkt *d)
{
	uint16_t sport = d->has_udp ? d->sport : 0;
	uint8_t dscp = d->nip ? d->ip[0].dscp : d->has_grh ? (uint8_t)(d->grh.tclass >> 2) : 0;
	bool first = q->nsport == 0 || (q->sport[0] == sport && q->pol_dscp == dscp + 1);
	if ((q->flags & QPF_POLICY) && first)
		return q->policy - 1;
	int pi = match_policy(e->cfg, &q->key, sport, dscp);
	if (!(q->flags & QPF_POLICY)) {
		q->flags |= QPF_POLICY;
		q->policy = (uint16_t)(pi + 1);
		q->pol_dscp = (uint8_t)(dscp + 1);
	}
	return pi;
}

const char *policy_qp_name(const struct engine *e, const struct qp *q)
{
	if (!(q->flags & QPF_POLICY) || !q->policy || q->policy > e->cfg->npolicies)
		return NULL;
	return e->cfg->policies[q->policy - 1].name;
}

/* ---- judging a (tap, path, policy, direction) ---- */

static bool hop_is(const struct config *cfg, const struct cfg_hop *h, int node)
{
	if (node < 0)
		return false;
	if (h->node >= 0)
		return h->node == node;
	return config_glob(h->pattern, cfg->nodes[node].name);
}

/* Global hops of a path as node indices; *plain: the program ends in a plain SID. */
static int path_nodes(const struct path *p, int *out, int max, bool *plain)
{
	int n = 0;
	*plain = false;
	for (unsigned i = 0; i < p->nhops; i++) {
		if (p->hop[i].kind == PE_GLOBAL && n < max)
			out[n++] = p->hop[i].node;
		if (p->hop[i].kind == PE_SID)
			*plain = true; /* what follows a plain SID is not ours to judge */
		if (*plain)
			break;
	}
	return n;
}

/*
 * Does the node sequence match allowed path `ap` at the tap's position?
 * Entering at node T: nodes == ap[i..m) where ap[i] is T; leaving: nodes ==
 * ap[i+1..m). Without a tap node: any suffix. A plain-SID ending relaxes
 * "==" to "is a prefix of". On a match, fills the concrete path text.
 */
static bool match_at(const struct config *cfg, const struct cfg_path *ap, const int *nodes, int n,
		     bool plain, int tnode, bool entering, char *conc, size_t clen)
{
	int m = ap->n;
	for (int i = 0; i <= m; i++) {
		int start;
		if (tnode >= 0) {
			if (i >= m || !hop_is(cfg, &ap->hop[i], tnode))
				continue;
			start = entering ? i : i + 1;
		} else {
			start = i;
		}
		int rest = m - start;
		if (plain ? n > rest : n != rest)
			continue;
		bool ok = true;
		for (int k = 0; k < n && ok; k++)
			ok = hop_is(cfg, &ap->hop[start + k], nodes[k]);
		if (!ok)
			continue;
		/* Concrete: resolved names where known (program, tap), patterns elsewhere. */
		struct sbuf b;
		sb_init(&b, conc, clen);
		for (int k = 0; k < m; k++) {
			const char *name = ap->hop[k].pattern;
			if (k >= start && k < start + n)
				name = cfg->nodes[nodes[k - start]].name;
			else if (tnode >= 0 && k == i)
				name = cfg->nodes[tnode].name;
			sb_printf(&b, "%s%s", k ? " > " : "", name);
		}
		return true;
	}
	return false;
}

static void path_list(const struct config *cfg, const struct cfg_policy *pol, char *buf, size_t len)
{
	struct sbuf b;
	sb_init(&b, buf, len);
	for (int j = 0; j < pol->npaths; j++) {
		sb_puts(&b, j ? " | " : "");
		for (int k = 0; k < pol->paths[j].n; k++)
			sb_printf(&b, "%s%s", k ? " > " : "", pol->paths[j].hop[k].pattern);
	}
	(void)cfg;
}

/* Text for evidence: cut to fit, never overrun (vsnprintf). */
static void setx(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void setx(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Can node g follow node t in some allowed path of the policy? */
static bool follows(const struct config *cfg, const struct cfg_policy *pol, int t, int g)
{
	for (int j = 0; j < pol->npaths; j++) {
		const struct cfg_path *ap = &pol->paths[j];
		for (int i = 0; i + 1 < ap->n; i++)
			if (hop_is(cfg, &ap->hop[i], t) && hop_is(cfg, &ap->hop[i + 1], g))
				return true;
	}
	return false;
}

/*
 * The verdict before pinning. `expected` gets what the rule wanted, for
 * evidence; `conc` the concrete path for pin-mode policies.
 */
static unsigned judge(const struct engine *e, const struct tap *tap, uint32_t pathid, int pi,
		      bool entering, char *expected, size_t elen, char *conc, size_t clen)
{
	const struct config *cfg = e->cfg;
	const struct path *p = &e->paths.p[pathid];
	const struct cfg_policy *pol = pi >= 0 ? &cfg->policies[pi] : NULL;
	expected[0] = '\0';
	conc[0] = '\0';

	if (pathid == PATH_NONE) {
		setx(expected, elen, "an SRv6 program for policy %s", pol ? pol->name : "-");
		return pol ? V_UNSTEERED : V_UNCOVERED;
	}
	if (pathid == e->paths.overflow_id)
		return V_UNCOVERED; /* its program was not kept: not judged, never compliant */

	/* 1. misrouted: the first global hop against the tap's node and direction. */
	int t = tap->node;
	int first = -1;
	bool first_global = false, first_plain = false;
	for (unsigned i = 0; i < p->nhops; i++) {
		if (p->hop[i].kind == PE_GLOBAL) {
			first = p->hop[i].node;
			first_global = true;
			break;
		}
		if (p->hop[i].kind == PE_SID) {
			first_plain = true;
			break;
		}
	}
	if (t >= 0 && !first_plain) {
		bool bad = false;
		if (entering) {
			bad = !first_global || first != t;
			if (bad)
				setx(expected, elen, "active uSID %s (%04x) entering %s",
					 cfg->nodes[t].name, cfg->nodes[t].usid, cfg->nodes[t].name);
		} else if (first_global) {
			/* An active uSID the node map does not know is no next hop either (rule 1
			 * comes before rule 2). */
			if (tap->peer >= 0) {
				bad = first != tap->peer;
				if (bad)
					setx(expected, elen, "next hop %s on the link %s-%s",
						 cfg->nodes[tap->peer].name, cfg->nodes[t].name,
						 cfg->nodes[tap->peer].name);
			} else if (pol) {
				bad = first < 0 || !follows(cfg, pol, t, first);
				if (bad)
					setx(expected, elen, "a node after %s in %s", cfg->nodes[t].name,
						 pol->name);
			} else {
				bad = first == t;
				if (bad)
					setx(expected, elen, "a node after %s", cfg->nodes[t].name);
			}
		} else if (!first_global && tap->peer >= 0) {
			bad = true; /* only local functions left, on a link: nothing names the peer */
			setx(expected, elen, "next hop %s", cfg->nodes[tap->peer].name);
		}
		if (bad)
			return V_MISROUTED;
	}
	/* 2. unknown_sid */
	if (p->unknown_global) {
		setx(expected, elen, "uSIDs named in the node map");
		return V_UNKNOWN_SID;
	}
	if (!pol)
		return V_UNCOVERED;
	/* 4. policy_violation: suffix of an allowed path at the tap's position. */
	int nodes[CFG_MAX_HOPS * 2];
	bool plain;
	int n = path_nodes(p, nodes, (int)ARRAY_SIZE(nodes), &plain);
	for (int j = 0; j < pol->npaths; j++)
		if (match_at(cfg, &pol->paths[j], nodes, n, plain, t, entering, conc, clen))
			return V_COMPLIANT;
	char list[400];
	path_list(cfg, pol, list, sizeof(list));
	setx(expected, elen, "%s %s: %s", t >= 0 ? (entering ? "entering" : "leaving") : "at",
		 t >= 0 ? cfg->nodes[t].name : "any tap", list);
	return V_POLICY_VIOLATION;
}

static uint32_t concrete_id(struct policy_state *s, const char *text)
{
	for (uint32_t i = 0; i < s->nconc; i++)
		if (!strcmp(s->conc[i], text))
			return i + 1;
	if (s->nconc >= MAX_CONCRETE)
		return 0;
	char **n = realloc(s->conc, sizeof(*n) * (s->nconc + 1));
	if (!n)
		return 0;
	s->conc = n;
	size_t len = strlen(text) + 1;
	s->conc[s->nconc] = malloc(len);
	if (!s->conc[s->nconc])
		return 0;
	memcpy(s->conc[s->nconc], text, len);
	return ++s->nconc;
}

static struct vcache *vc_find(struct policy_state *s, uint64_t key)
{
	uint32_t mask = s->vc_slots - 1;
	for (uint32_t j = (uint32_t)hash_mix(key) & mask;; j = (j + 1) & mask) {
		if (s->vc[j].key == key || !s->vc[j].key)
			return &s->vc[j];
	}
}

static bool vc_grow(struct policy_state *s)
{
	uint32_t n = s->vc_slots * 2;
	struct vcache *old = s->vc, *nv = calloc(n, sizeof(*nv));
	if (!nv)
		return false;
	uint32_t on = s->vc_slots;
	s->vc = nv;
	s->vc_slots = n;
	for (uint32_t i = 0; i < on; i++)
		if (old[i].key)
			*vc_find(s, old[i].key) = old[i];
	free(old);
	return true;
}

/* ---- evidence ---- */

static void keep_evidence_at(struct policy_state *s, unsigned kind, int pi, int tap,
			     const struct qp_key *k, uint32_t psn, uint64_t ts, uint64_t frame,
			     const uint8_t *data, uint32_t caplen, uint32_t len, uint32_t linktype,
			     const char *expected, const char *observed, const char *detail)
{
	uint32_t cap = s->e->cfg->set.evidence_per_kind;
	if (kind >= K_N || s->ev_kind_n[kind] >= cap)
		return;
	if (s->nev == s->ev_cap) {
		uint32_t nc = s->ev_cap ? s->ev_cap * 2 : 16;
		struct evidence *m = realloc(s->ev, sizeof(*m) * nc);
		if (!m)
			return;
		s->ev = m;
		s->ev_cap = nc;
	}
	struct evidence *ev = &s->ev[s->nev];
	memset(ev, 0, sizeof(*ev));
	ev->kind = (uint8_t)kind;
	ev->policy = (int16_t)pi;
	if (pi >= 0)
		snprintf(ev->policy_name, sizeof(ev->policy_name), "%s", s->e->cfg->policies[pi].name);
	ev->tap = (int16_t)tap;
	ev->key = *k;
	ev->psn = psn;
	ev->ts = ts;
	ev->frame = frame;
	snprintf(ev->expected, sizeof(ev->expected), "%s", expected);
	snprintf(ev->observed, sizeof(ev->observed), "%s", observed);
	snprintf(ev->detail, sizeof(ev->detail), "%s", detail ? detail : "");
	if (data) {
		ev->caplen = caplen;
		ev->len = len;
		ev->linktype = linktype;
		ev->bytes = malloc(caplen ? caplen : 1);
		if (ev->bytes)
			memcpy(ev->bytes, data, caplen);
	}
	s->nev++;
	s->ev_kind_n[kind]++;
}

static void keep_evidence(struct policy_state *s, unsigned kind, int pi, int tap,
			  const struct qp_key *k, uint32_t psn, const struct pkt *p, const char *expected,
			  const char *observed, const char *detail)
{
	keep_evidence_at(s, kind, pi, tap, k, psn, p->ts, p->frame, p->data, p->caplen, p->len,
			 p->linktype, expected, observed, detail);
}

/* ---- correlation ---- */

static uint64_t corr_key(const struct qp_key *k, const struct dpkt *d, const uint8_t *frame)
{
	uint8_t buf[36 + 4 + 1 + 32];
	size_t n = 0;
	memcpy(buf, k, 36);
	n = 36;
	memcpy(buf + n, &d->bth.psn, 4);
	n += 4;
	buf[n++] = d->bth.opcode;
	uint32_t pl = d->payload_len;
	uint32_t avail = d->caplen > d->payload_off ? d->caplen - d->payload_off : 0;
	if (pl > avail)
		pl = avail;
	if (pl > 32)
		pl = 32;
	if (pl)
		memcpy(buf + n, frame + d->payload_off, pl);
	n += pl;
	return hash_bytes(0x9e3779b97f4a7c15ull, buf, n) | 1;
}

/* Rebuild the hash chains after the ring moved. */
static void corr_rehash(struct corr *c)
{
	memset(c->bucket, 0, sizeof(*c->bucket) * c->nbucket);
	for (uint32_t k = 0; k < c->n; k++) {
		uint32_t idx = (c->head + k) % c->cap;
		uint32_t bi = (uint32_t)c->ring[idx].key & (c->nbucket - 1);
		c->ring[idx].next_same = c->bucket[bi];
		c->bucket[bi] = idx + 1;
	}
}

/* Grow the window ring (doubling, up to CORR_CAP_MAX); false when it cannot. */
static bool corr_grow(struct corr *c)
{
	uint32_t nc = c->cap ? c->cap * 2 : CORR_CAP_MIN;
	if (nc > CORR_CAP_MAX)
		return false;
	struct corr_ent *r = malloc(sizeof(*r) * nc);
	uint32_t *b = calloc(nc, sizeof(*b));
	if (!r || !b) {
		free(r);
		free(b);
		return false;
	}
	for (uint32_t k = 0; k < c->n; k++)
		r[k] = c->ring[(c->head + k) % c->cap];
	free(c->ring);
	free(c->bucket);
	c->ring = r;
	c->bucket = b;
	c->cap = nc;
	c->nbucket = nc;
	c->head = 0;
	corr_rehash(c);
	return true;
}

static void hist_add(struct corr *c, uint64_t ns)
{
	unsigned b;
	if (ns < HIST_SUB) {
		b = (unsigned)ns;
	} else {
		unsigned lg = 63u - (unsigned)__builtin_clzll(ns); /* >= 4 */
		unsigned sub = (unsigned)(ns >> (lg - 4)) & (HIST_SUB - 1);
		b = (lg - 3) * HIST_SUB + sub;
	}
	if (b >= HIST_N)
		b = HIST_N - 1;
	c->hist[b]++;
	if (ns > c->max_ns)
		c->max_ns = ns;
}

static double hist_upper_ns(unsigned b)
{
	if (b < HIST_SUB)
		return b;
	unsigned lg = b / HIST_SUB + 3, sub = b % HIST_SUB;
	return (double)((uint64_t)(HIST_SUB + sub + 1) << (lg - 4));
}

static double hist_pct(const struct corr *c, double q)
{
	uint64_t total = 0;
	for (unsigned b = 0; b < HIST_N; b++)
		total += c->hist[b];
	if (!total)
		return 0;
	uint64_t want = (uint64_t)(q * (double)total + 0.5), acc = 0;
	if (want == 0)
		want = 1;
	for (unsigned b = 0; b < HIST_N; b++) {
		acc += c->hist[b];
		if (acc >= want) {
			double up = hist_upper_ns(b);
			return up > (double)c->max_ns ? (double)c->max_ns : up;
		}
	}
	return (double)c->max_ns;
}

/*
 * When the node's leaving side was captured: from the first to the last
 * packet of its taps that can see leaving packets (direction out or both).
 * Separate captures rarely start and stop together; a live interface is
 * captured from the start of the run to now. A side that started within a
 * correlation window of the input's start, or (at the end) stopped within
 * one of its end, counts as captured from the start, or to the end: quiet
 * links are not taken for stopped captures.
 */
static void leave_span(const struct engine *e, int node, uint64_t *first, uint64_t *last)
{
	uint64_t win = (uint64_t)e->cfg->set.correlation_window_ms * 1000000ull;
	uint64_t f = UINT64_MAX, l = 0;
	for (int t = 0; t < e->ntaps; t++) {
		const struct tap *tp = &e->tap[t];
		if (tp->node != node || tp->dir == DIR_IN)
			continue;
		uint64_t tf = tp->live ? e->first_ts : tp->first_ts;
		uint64_t tl = tp->live ? e->last_ts : tp->last_ts;
		if (!tf)
			continue; /* nothing captured there yet */
		if (tf < f)
			f = tf;
		if (tl > l)
			l = tl;
	}
	*first = f == UINT64_MAX ? 0 : f <= e->first_ts + win ? 1 : f;
	*last = l;
}

static void corr_lost(struct policy_state *s, int node, const struct corr_ent *en)
{
	struct corr *c = &s->corr[node];
	c->lost++;
	s->total[K_LOST_IN_NODE]++;
	char exp[96], det[64];
	snprintf(exp, sizeof(exp), "leaving %s within %u ms", s->e->cfg->nodes[node].name,
		 s->e->cfg->set.correlation_window_ms);
	snprintf(det, sizeof(det), "psn %u", en->psn);
	keep_evidence_at(s, K_LOST_IN_NODE, -1, en->tap, &en->qk, en->psn, en->ts, en->frame, en->hdr,
			 en->caplen, en->len, en->linktype, exp, "no leaving sighting", det);
}

/* Drop the oldest window entry, unlinking it from its hash chain. */
static void corr_unlink_head(struct corr *c)
{
	struct corr_ent *en = &c->ring[c->head];
	uint32_t bi = (uint32_t)en->key & (c->nbucket - 1), self = c->head + 1;
	uint32_t *link = &c->bucket[bi];
	while (*link && *link != self)
		link = &c->ring[*link - 1].next_same;
	if (*link)
		*link = en->next_same;
	c->head = (c->head + 1) % c->cap;
	c->n--;
}

/*
 * Drop window entries older than `now - window`. An unmatched one was lost
 * in the node if the node's leaving side was being captured from before it
 * entered to after its window closed; one that entered before that capture
 * began is unverified; one whose window closed after the leaving taps' last
 * packet waits (their capture may have ended: policy_finish decides).
 */
static void corr_expire(struct policy_state *s, int node, uint64_t now)
{
	struct corr *c = &s->corr[node];
	uint64_t win = (uint64_t)s->e->cfg->set.correlation_window_ms * 1000000ull;
	uint64_t lf = 0, ll = 0;
	bool span = false;
	while (c->n) {
		struct corr_ent *en = &c->ring[c->head];
		if (en->ts + win > now)
			break;
		if (!en->matched) {
			if (!span) {
				leave_span(s->e, node, &lf, &ll);
				span = true;
			}
			if (!lf || en->ts < lf)
				c->unverified++;
			else if (ll < en->ts + win)
				break;
			else
				corr_lost(s, node, en);
		}
		corr_unlink_head(c);
	}
}

/* Expected leaving DA: the entering DA shifted by one uSID, or the next SRH segment. */
static bool expected_leave_da(const struct engine *e, const uint8_t *in_da, const struct dpkt *d,
			      const uint8_t *frame, uint8_t *out)
{
	const struct dp_opts *o = &e->dp;
	unsigned lb = o->lblen / 8, ub = o->nflen / 8;
	memcpy(out, in_da, 16);
	if (!o->has_block || memcmp(in_da, o->block, lb) != 0)
		return false;
	memmove(out + lb, in_da + lb + ub, 16 - lb - ub);
	memset(out + 16 - ub, 0, ub);
	bool empty = true;
	for (unsigned i = lb; i < 16; i++)
		empty &= out[i] == 0;
	if (!empty)
		return true;
	/* Carrier exhausted: RFC 8754 End copies Segment List[SL-1] into the DA. */
	int l = program_layer(d);
	if (l < 0 || !d->ip[l].has_srh || !d->ip[l].srh.complete)
		return false;
	/* The leaving packet's own SRH shows SL already decremented: its DA is segs[SL]. */
	memcpy(out, frame + d->ip[l].srh.off + 8 + 16u * d->ip[l].srh.sl, 16);
	return true;
}

static void correlate(struct policy_state *s, int tap, struct qp *q, const struct dpkt *d,
		      const struct pkt *p, bool entering)
{
	struct engine *e = s->e;
	int node = e->tap[tap].node;
	if (node < 0 || node >= s->ncorr || !s->corr[node].active)
		return;
	struct corr *c = &s->corr[node];
	if (c->ring)
		corr_expire(s, node, p->ts);
	int l = program_layer(d);
	if (l < 0)
		return; /* only steered packets are shifted by a node */
	uint64_t key = corr_key(&q->key, d, p->data);
	if (entering) {
		if (c->n == c->cap && !corr_grow(c)) {
			c->overflow++;
			return;
		}
		uint32_t idx = (c->head + c->n) % c->cap;
		struct corr_ent *en = &c->ring[idx];
		en->key = key;
		en->ts = p->ts;
		memcpy(en->da, d->ip[l].dst, 16);
		en->hlim = d->ip[l].hlim;
		en->matched = false;
		en->tap = (int16_t)tap;
		en->frame = p->frame;
		en->qk = q->key;
		en->psn = d->bth.psn;
		en->caplen = p->caplen < CORR_HDR ? p->caplen : CORR_HDR;
		en->len = p->len;
		en->linktype = p->linktype;
		memcpy(en->hdr, p->data, en->caplen);
		uint32_t bi = (uint32_t)key & (c->nbucket - 1);
		en->next_same = c->bucket[bi];
		c->bucket[bi] = idx + 1;
		c->n++;
		return;
	}
	/* Leaving: the oldest unmatched entering sighting with this key. */
	struct corr_ent *best = NULL;
	if (!c->ring)
		return;
	for (uint32_t i = c->bucket[(uint32_t)key & (c->nbucket - 1)]; i; i = c->ring[i - 1].next_same) {
		struct corr_ent *en = &c->ring[i - 1];
		if (en->key == key && !en->matched && (!best || en->ts < best->ts))
			best = en;
	}
	if (!best)
		return;
	best->matched = true;
	c->matched++;
	uint64_t dt = p->ts >= best->ts ? p->ts - best->ts : 0;
	hist_add(c, dt);
	uint8_t want[16];
	bool known = expected_leave_da(e, best->da, d, p->data, want);
	bool da_bad = known && memcmp(want, d->ip[l].dst, 16) != 0;
	bool hl_bad = d->ip[l].hlim + 1 != best->hlim;
	if (da_bad || hl_bad) {
		c->shift_errors++;
		s->total[K_SHIFT_ERROR]++;
		char exp[160], obs[160], a[64], b[64];
		snprintf(exp, sizeof(exp), "DA %s hop limit %u", known ? fmt_addr(a, sizeof(a), 6, want) : "?",
			 best->hlim - 1u);
		snprintf(obs, sizeof(obs), "DA %s hop limit %u", fmt_addr(b, sizeof(b), 6, d->ip[l].dst),
			 d->ip[l].hlim);
		keep_evidence(s, K_SHIFT_ERROR, -1, tap, &q->key, d->bth.psn, p, exp, obs,
			      e->cfg->nodes[node].name);
	}
}

/* ---- per sighting ---- */

static void count_concrete(struct pol_stats *ps, uint32_t id)
{
	for (uint32_t i = 0; i < ps->nconc; i++)
		if (ps->conc[i].id == id) {
			ps->conc[i].n++;
			return;
		}
	if (ps->nconc == ps->conc_cap) {
		uint32_t nc = ps->conc_cap ? ps->conc_cap * 2 : 8;
		void *m = realloc(ps->conc, sizeof(*ps->conc) * nc);
		if (!m)
			return;
		ps->conc = m;
		ps->conc_cap = nc;
	}
	ps->conc[ps->nconc].id = id;
	ps->conc[ps->nconc].n = 1;
	ps->nconc++;
}

void policy_sighting(struct engine *e, int tap, struct qp *q, uint32_t path, const struct dpkt *d,
		     const struct pkt *p, bool entering, bool primary)
{
	struct policy_state *s = e->pol;
	if (!e->cfg->nnodes)
		return; /* no node map, no verdicts */
	if (s->ncorr)
		correlate(s, tap, q, d, p, entering);

	int pi = sighting_policy(e, q, d);
	if (path == PATH_NONE && pi < 0)
		return; /* neither steered nor covered: nothing to judge */

	uint64_t key = ((uint64_t)path | (uint64_t)tap << 32 | (uint64_t)(pi + 1) << 44 |
			(uint64_t)entering << 60) + 1;
	if ((s->nvc + 1) * 2 > s->vc_slots)
		vc_grow(s);
	struct vcache *vc = vc_find(s, key);
	if (!vc->key) {
		char conc[512], expected[256];
		vc->verdict = (uint8_t)judge(e, &e->tap[tap], path, pi, entering, expected,
					     sizeof(expected), conc, sizeof(conc));
		vc->concrete = vc->verdict == V_COMPLIANT && conc[0] ? concrete_id(s, conc) : 0;
		vc->key = key;
		s->nvc++;
	}
	unsigned v = vc->verdict;
	uint32_t conc = vc->concrete;
	const struct cfg_policy *pol = pi >= 0 ? &e->cfg->policies[pi] : NULL;

	/* 5. pin_violation: a pinned QP on another concrete path than its first. */
	if (v == V_COMPLIANT && pol && pol->mode == MODE_PIN && conc) {
		if (!(q->flags & QPF_PINNED)) {
			q->flags |= QPF_PINNED;
			q->pin_path = conc;
		} else if (q->pin_path != conc) {
			v = V_PIN_VIOLATION;
		}
	}

	struct pol_stats *ps = &s->ps[pi >= 0 ? s->cfg_to_ps[pi] : s->npol];
	ps->v[v]++;
	s->total[v]++;
	if (pi >= 0) {
		ps->covered++;
		if (v == V_COMPLIANT && conc && primary)
			count_concrete(ps, conc);
	}
	if (v != V_COMPLIANT && v != V_UNCOVERED) {
		engine_ctr_add(e, q, QCTR_VIOL, 1);
		if (s->ev_kind_n[v] < e->cfg->set.evidence_per_kind) {
			char expected[256], obs[160], cbuf[512];
			judge(e, &e->tap[tap], path, pi, entering, expected, sizeof(expected), cbuf,
			      sizeof(cbuf));
			if (v == V_PIN_VIOLATION)
				snprintf(expected, sizeof(expected), "pinned to %s",
					 q->pin_path && q->pin_path <= s->nconc ? s->conc[q->pin_path - 1] : "?");
			snprintf(obs, sizeof(obs), "%s", e->paths.p[path].names);
			char det[96];
			snprintf(det, sizeof(det), "%s, psn %u", entering ? "entering" : "leaving", d->bth.psn);
			keep_evidence(s, v, pi, tap, &q->key, d->bth.psn, p, expected, obs, det);
		}
	}
}

void policy_finish(struct engine *e)
{
	struct policy_state *s = e->pol;
	/*
	 * The end of the input. A packet still unmatched that entered well before
	 * the end - longer ago than four times the slowest transit seen at the
	 * node, and at least 20 us - was lost; the younger ones were in transit when the
	 * capture stopped and are counted apart (in_flight), not as losses.
	 */
	uint64_t win = (uint64_t)e->cfg->set.correlation_window_ms * 1000000ull;
	for (int n = 0; n < s->ncorr; n++) {
		struct corr *c = &s->corr[n];
		if (!c->active || !c->ring)
			continue;
		uint64_t grace = 4 * c->max_ns;
		if (grace < 20000ull)
			grace = 20000ull;
		if (grace > win)
			grace = win;
		/*
		 * Judged against the end of the node's leaving capture, not of the
		 * merged input: separate captures stop at different times.
		 */
		uint64_t lf, ll;
		leave_span(e, n, &lf, &ll);
		if (ll + win >= e->last_ts)
			ll = e->last_ts; /* stopped with the input, as far as a window tells */
		while (c->n) {
			const struct corr_ent *en = &c->ring[c->head];
			if (!en->matched) {
				if (!lf || en->ts < lf)
					c->unverified++;
				else if (en->ts + grace <= ll)
					corr_lost(s, n, en);
				else if (en->ts > ll)
					c->unverified++; /* entered after the leaving capture's end */
				else
					c->in_flight++;
			}
			corr_unlink_head(c);
		}
		memset(c->bucket, 0, sizeof(*c->bucket) * c->nbucket);
	}
	/* QPs per policy, by the policy each QP was first seen under. */
	for (int i = 0; i <= s->npol; i++)
		s->ps[i].qps = 0;
	for (uint32_t i = 0; i < e->qp.n; i++) {
		const struct qp *q = &e->qp.rec[i];
		if ((q->flags & QPF_POLICY) && q->policy && q->policy <= e->cfg->npolicies)
			s->ps[s->cfg_to_ps[q->policy - 1]].qps++;
	}
}

void policy_taps_changed(struct engine *e)
{
	if (e->pol)
		corr_refresh(e->pol);
}

/* ---- rows for the store and the reports ---- */

void policy_rows_begin(const struct engine *e, struct policy_rows *r)
{
	(void)e;
	memset(r, 0, sizeof(*r));
}

bool policy_rows_verdict(const struct engine *e, struct policy_rows *r, const char **policy,
			 const char **verdict, uint64_t *n)
{
	const struct policy_state *s = e->pol;
	while (r->pi <= s->npol) {
		while (r->vi < V_N) {
			int v = r->vi++;
			if (s->ps[r->pi].v[v]) {
				*policy = s->ps[r->pi].name;
				*verdict = verdict_names[v];
				*n = s->ps[r->pi].v[v];
				return true;
			}
		}
		r->pi++;
		r->vi = 0;
	}
	return false;
}

const struct evidence *policy_rows_evidence(const struct engine *e, struct policy_rows *r,
					    uint32_t *idx)
{
	const struct policy_state *s = e->pol;
	if (r->ei >= s->nev)
		return NULL;
	*idx = r->ei;
	return &s->ev[r->ei++];
}

const struct transit_row *policy_rows_transit(const struct engine *e, struct policy_rows *r)
{
	struct policy_state *s = e->pol;
	while (r->ni < s->ncorr) {
		int n = r->ni++;
		const struct corr *c = &s->corr[n];
		if (!c->active)
			continue;
		s->tr.node = e->cfg->nodes[n].name;
		s->tr.matched = c->matched;
		s->tr.lost = c->lost;
		s->tr.shift_errors = c->shift_errors;
		s->tr.p50_us = hist_pct(c, 0.50) / 1000.0;
		s->tr.p99_us = hist_pct(c, 0.99) / 1000.0;
		s->tr.max_us = (double)c->max_ns / 1000.0;
		return &s->tr;
	}
	return NULL;
}

bool policy_parse_kinds(const char *str, uint32_t *mask, char *err, size_t errlen)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", str);
	*mask = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*mask = UINT32_MAX;
			continue;
		}
		unsigned k;
		for (k = V_MISROUTED; k < K_N; k++)
			if (k != V_UNCOVERED && !strcmp(tok, verdict_names[k]))
				break;
		if (k == K_N) {
			snprintf(err, errlen,
				 "unknown kind '%s' (expected misrouted, unknown_sid, unsteered, "
				 "policy_violation, pin_violation, shift_error, lost_in_node or all)",
				 tok);
			return false;
		}
		*mask |= 1u << k;
	}
	if (!*mask) {
		snprintf(err, errlen, "no kinds given");
		return false;
	}
	return true;
}

bool policy_failed(const struct engine *e, uint32_t mask)
{
	const struct policy_state *s = e->pol;
	for (unsigned k = V_MISROUTED; k < K_N; k++)
		if (k != V_UNCOVERED && (mask >> k & 1) && s->total[k])
			return true;
	return false;
}

/* ---- report sections ---- */

static double adherence(const struct pol_stats *ps)
{
	return ps->covered ? (double)ps->v[V_COMPLIANT] / (double)ps->covered : 1.0;
}

static uint64_t conc_total(const struct pol_stats *ps)
{
	uint64_t t = 0;
	for (uint32_t i = 0; i < ps->nconc; i++)
		t += ps->conc[i].n;
	return t;
}

/* Expected number of concrete paths of a spray policy: wildcard hops expanded. */
static uint64_t policy_alternatives(const struct config *cfg, const struct cfg_policy *pol)
{
	uint64_t total = 0;
	for (int j = 0; j < pol->npaths; j++) {
		uint64_t combos = 1;
		for (int k = 0; k < pol->paths[j].n; k++) {
			const struct cfg_hop *h = &pol->paths[j].hop[k];
			if (h->node >= 0)
				continue;
			uint64_t m = 0;
			for (int n = 0; n < cfg->nnodes; n++)
				m += config_glob(h->pattern, cfg->nodes[n].name);
			combos *= m ? m : 1;
			if (combos > 1000000)
				combos = 1000000;
		}
		total += combos;
	}
	return total;
}

static bool share_strays(const struct config *cfg, const struct cfg_policy *pol, double share)
{
	if (!pol->has_balance || pol->mode != MODE_SPRAY)
		return false;
	uint64_t k = policy_alternatives(cfg, pol);
	if (!k)
		return false;
	double even = 1.0 / (double)k;
	double d = share - even;
	return (d < 0 ? -d : d) > pol->balance * even;
}

void policy_report_text(FILE *f, const struct engine *e)
{
	const struct policy_state *s = e->pol;
	const struct config *cfg = e->cfg;
	char a[32], b[32], c[32];
	if (!cfg->nnodes)
		return;
	uint64_t covered = 0, compliant = 0;
	for (int i = 0; i < s->npol; i++) {
		covered += s->ps[i].covered;
		compliant += s->ps[i].v[V_COMPLIANT];
	}
	fprintf(f, "\nProof\n");
	fprintf(f, "  verdicts:");
	for (unsigned v = 0; v < V_N; v++)
		fprintf(f, " %s %s", verdict_names[v], fmt_count(a, sizeof(a), s->total[v]));
	fputc('\n', f);
	fprintf(f, "  adherence %.6f (%s compliant of %s covered sightings)\n",
		covered ? (double)compliant / (double)covered : 1.0, fmt_count(a, sizeof(a), compliant),
		fmt_count(b, sizeof(b), covered));
	for (int ci = 0; ci < cfg->npolicies; ci++) {
		const struct cfg_policy *pol = &cfg->policies[ci];
		const struct pol_stats *ps = &s->ps[s->cfg_to_ps[ci]];
		uint64_t viol = ps->covered - ps->v[V_COMPLIANT];
		fprintf(f, "  %s (%s): %s sighting%s on %u QP%s", pol->name,
			pol->mode == MODE_PIN ? "pin" : "spray", fmt_count(a, sizeof(a), ps->covered),
			ps->covered == 1 ? "" : "s", ps->qps, ps->qps == 1 ? "" : "s");
		uint64_t ct = conc_total(ps);
		/* One path, clean and (for a spray) not a sign of imbalance: a single line. */
		bool one_line = ps->nconc == 1 && !viol && !share_strays(cfg, pol, 1.0);
		if (one_line)
			fprintf(f, ", all via %s", s->conc[ps->conc[0].id - 1]);
		fprintf(f, "; %s violation%s; adherence %.6f\n", fmt_count(b, sizeof(b), viol),
			viol == 1 ? "" : "s", adherence(ps));
		if (ps->nconc > 1 || (ps->nconc == 1 && !one_line)) {
			for (uint32_t i = 0; i < ps->nconc; i++) {
				double share = ct ? (double)ps->conc[i].n / (double)ct : 0;
				bool stray = share_strays(cfg, pol, share);
				fprintf(f, "    %-50s %12s  %5.1f%%", s->conc[ps->conc[i].id - 1],
					fmt_count(c, sizeof(c), ps->conc[i].n), 100.0 * share);
				if (stray)
					fprintf(f, "  IMBALANCED (balance %.0f%% of an even %.1f%%)", pol->balance * 100,
						100.0 / (double)policy_alternatives(cfg, pol));
				fputc('\n', f);
			}
		}
		for (unsigned v = V_MISROUTED; v < V_N; v++) {
			if (!ps->v[v] || v == V_UNCOVERED)
				continue;
			fprintf(f, "    %s %s\n", verdict_names[v], fmt_count(a, sizeof(a), ps->v[v]));
			int shown = 0;
			for (uint32_t k = 0; k < s->nev && shown < 3; k++) {
				const struct evidence *ev = &s->ev[k];
				if (ev->kind != v || ev->policy < 0 || strcmp(ev->policy_name, pol->name))
					continue;
				char src[64], dst[64], ts[32];
				qp_key_addrs(&ev->key, src, dst, sizeof(src));
				fmt_ts(ts, sizeof(ts), ev->ts);
				fprintf(f, "      tap %s frame %llu %s %s > %s dqpn 0x%06x: expected %s; observed %s\n",
					e->tap[ev->tap].name, (unsigned long long)ev->frame, ts, src, dst,
					ev->key.dqpn & 0xffffff, ev->expected, ev->observed);
				shown++;
			}
		}
	}
	const struct pol_stats *none = &s->ps[s->npol];
	if (none->v[V_UNCOVERED] || none->v[V_MISROUTED] || none->v[V_UNKNOWN_SID]) {
		fprintf(f, "  not covered by a policy: %s sightings", fmt_count(a, sizeof(a), none->v[V_UNCOVERED]));
		if (none->v[V_MISROUTED] || none->v[V_UNKNOWN_SID])
			fprintf(f, "; misrouted %s, unknown_sid %s", fmt_count(b, sizeof(b), none->v[V_MISROUTED]),
				fmt_count(c, sizeof(c), none->v[V_UNKNOWN_SID]));
		fputc('\n', f);
		for (unsigned v = V_MISROUTED; v <= V_UNKNOWN_SID; v++) {
			int shown = 0;
			for (uint32_t k = 0; k < s->nev && shown < 3; k++) {
				const struct evidence *ev = &s->ev[k];
				if (ev->kind != v || ev->policy != -1)
					continue;
				char src[64], dst[64];
				qp_key_addrs(&ev->key, src, dst, sizeof(src));
				fprintf(f, "      %s: tap %s frame %llu %s > %s dqpn 0x%06x: expected %s; observed %s\n",
					verdict_names[v], e->tap[ev->tap].name, (unsigned long long)ev->frame,
					src, dst, ev->key.dqpn & 0xffffff, ev->expected, ev->observed);
				shown++;
			}
		}
	}
	bool any_corr = false;
	for (int n = 0; n < s->ncorr; n++)
		any_corr |= s->corr[n].active;
	if (any_corr) {
		fprintf(f, "  correlation (nodes tapped on both sides):\n");
		for (int n = 0; n < s->ncorr; n++) {
			const struct corr *cc = &s->corr[n];
			if (!cc->active)
				continue;
			fprintf(f, "    %-12s matched %s  lost_in_node %s  shift_error %s  transit p50 %.1f us  p99 %.1f us  max %.1f us%s\n",
				cfg->nodes[n].name, fmt_count(a, sizeof(a), cc->matched),
				fmt_count(b, sizeof(b), cc->lost), fmt_count(c, sizeof(c), cc->shift_errors),
				hist_pct(cc, 0.5) / 1000.0, hist_pct(cc, 0.99) / 1000.0,
				(double)cc->max_ns / 1000.0, cc->overflow ? "  (window full: some not tracked)" : "");
			if (cc->in_flight)
				fprintf(f, "    %-12s %s entering sighting%s still in transit when the input ended"
					   " (not counted as lost)\n",
					"", fmt_count(a, sizeof(a), cc->in_flight), cc->in_flight == 1 ? "" : "s");
			if (cc->unverified)
				fprintf(f, "    %-12s %s entering sighting%s while the leaving side was not captured"
					   " (before its capture began or after it ended; not counted as lost)\n",
					"", fmt_count(a, sizeof(a), cc->unverified), cc->unverified == 1 ? "" : "s");
			for (unsigned kind = K_SHIFT_ERROR; kind <= K_LOST_IN_NODE; kind++) {
				int shown = 0;
				for (uint32_t k = 0; k < s->nev && shown < 3; k++) {
					const struct evidence *ev = &s->ev[k];
					if (ev->kind != kind || e->tap[ev->tap].node != n)
						continue;
					char src[64], dst[64];
					qp_key_addrs(&ev->key, src, dst, sizeof(src));
					fprintf(f, "      %s: tap %s frame %llu %s > %s dqpn 0x%06x psn %u: expected %s; observed %s\n",
						verdict_names[kind], e->tap[ev->tap].name,
						(unsigned long long)ev->frame, src, dst, ev->key.dqpn & 0xffffff,
						ev->psn, ev->expected, ev->observed);
					shown++;
				}
			}
		}
	}
}

void policy_report_json(struct out *o, const struct engine *e)
{
	const struct policy_state *s = e->pol;
	const struct config *cfg = e->cfg;
	out_obj_open(o, 0, "verdicts", NULL);
	for (unsigned v = 0; v < V_N; v++)
		out_uint(o, 0, verdict_names[v], NULL, s->total[v]);
	out_obj_close(o, NULL);

	uint64_t matched = 0;
	for (int n = 0; n < s->ncorr; n++)
		matched += s->corr[n].matched;
	out_obj_open(o, 0, "correlation", NULL);
	out_uint(o, 0, "matched", NULL, matched);
	out_uint(o, 0, "shift_error", NULL, s->total[K_SHIFT_ERROR]);
	out_uint(o, 0, "lost_in_node", NULL, s->total[K_LOST_IN_NODE]);
	out_arr_open(o, 0, "nodes", NULL, NULL);
	for (int n = 0; n < s->ncorr; n++) {
		const struct corr *c = &s->corr[n];
		if (!c->active)
			continue;
		out_obj_open(o, 0, NULL, NULL);
		out_str(o, 0, "name", NULL, cfg->nodes[n].name);
		out_uint(o, 0, "matched", NULL, c->matched);
		out_uint(o, 0, "lost", NULL, c->lost);
		out_uint(o, 0, "shift_error", NULL, c->shift_errors);
		out_double(o, 0, "p50_us", NULL, hist_pct(c, 0.5) / 1000.0);
		out_double(o, 0, "p99_us", NULL, hist_pct(c, 0.99) / 1000.0);
		out_double(o, 0, "max_us", NULL, (double)c->max_ns / 1000.0);
		out_uint(o, 0, "window_overflow", NULL, c->overflow);
		out_uint(o, 0, "in_flight", NULL, c->in_flight);
		out_uint(o, 0, "unverified", NULL, c->unverified);
		out_obj_close(o, NULL);
	}
	out_arr_close(o, NULL);
	out_obj_close(o, NULL);

	uint64_t covered = 0, compliant = 0;
	out_arr_open(o, 0, "policies", NULL, NULL);
	for (int ci = 0; ci < cfg->npolicies; ci++) {
		const struct cfg_policy *pol = &cfg->policies[ci];
		const struct pol_stats *ps = &s->ps[s->cfg_to_ps[ci]];
		covered += ps->covered;
		compliant += ps->v[V_COMPLIANT];
		out_obj_open(o, 0, NULL, NULL);
		out_str(o, 0, "name", NULL, pol->name);
		out_str(o, 0, "mode", NULL, pol->mode == MODE_PIN ? "pin" : "spray");
		out_uint(o, 0, "covered", NULL, ps->covered);
		out_uint(o, 0, "compliant", NULL, ps->v[V_COMPLIANT]);
		out_double(o, 0, "adherence", NULL, adherence(ps));
		out_uint(o, 0, "qps", NULL, ps->qps);
		out_obj_open(o, 0, "violations", NULL);
		for (unsigned v = V_MISROUTED; v < V_N; v++)
			if (v != V_UNCOVERED)
				out_uint(o, 0, verdict_names[v], NULL, ps->v[v]);
		out_obj_close(o, NULL);
		uint64_t ct = conc_total(ps);
		bool balanced = true;
		out_arr_open(o, 0, "paths", NULL, NULL);
		for (uint32_t i = 0; i < ps->nconc; i++) {
			double share = ct ? (double)ps->conc[i].n / (double)ct : 0;
			bool stray = share_strays(cfg, pol, share);
			balanced &= !stray;
			out_obj_open(o, 0, NULL, NULL);
			out_str(o, 0, "nodes", NULL, s->conc[ps->conc[i].id - 1]);
			out_uint(o, 0, "packets", NULL, ps->conc[i].n);
			out_double(o, 0, "share", NULL, share);
			out_bool(o, 0, "imbalanced", NULL, stray);
			out_obj_close(o, NULL);
		}
		out_arr_close(o, NULL);
		if (pol->has_balance && pol->mode == MODE_SPRAY) {
			out_double(o, 0, "balance", NULL, pol->balance);
			out_uint(o, 0, "expected_paths", NULL, policy_alternatives(cfg, pol));
			out_bool(o, 0, "balanced", NULL, balanced);
		}
		out_obj_close(o, NULL);
	}
	out_arr_close(o, NULL);
	out_double(o, 0, "adherence", NULL, covered ? (double)compliant / (double)covered : 1.0);

	out_obj_open(o, 0, "evidence", NULL);
	for (unsigned k = V_MISROUTED; k < K_N; k++) {
		if (k == V_UNCOVERED)
			continue;
		out_arr_open(o, 0, verdict_names[k], NULL, NULL);
		for (uint32_t i = 0; i < s->nev; i++) {
			const struct evidence *ev = &s->ev[i];
			if (ev->kind != k)
				continue;
			char src[64], dst[64], ts[32];
			qp_key_addrs(&ev->key, src, dst, sizeof(src));
			fmt_ts(ts, sizeof(ts), ev->ts);
			out_obj_open(o, 0, NULL, NULL);
			out_str(o, 0, "tap", NULL, e->tap[ev->tap].name);
			out_rawnum(o, 0, "ts", NULL, ts);
			out_uint(o, 0, "frame", NULL, ev->frame);
			out_str(o, 0, "src", NULL, src);
			out_str(o, 0, "dst", NULL, dst);
			out_uint(o, 0, "dqpn", NULL, ev->key.dqpn & 0xffffff);
			out_uint(o, 0, "psn", NULL, ev->psn);
			if (ev->policy >= 0)
				out_str(o, 0, "policy", NULL, ev->policy_name);
			else
				out_null(o, 0, "policy");
			out_str(o, 0, "expected", NULL, ev->expected);
			out_str(o, 0, "observed", NULL, ev->observed);
			out_str(o, 0, "detail", NULL, ev->detail);
			out_obj_close(o, NULL);
		}
		out_arr_close(o, NULL);
	}
	out_obj_close(o, NULL);
}
