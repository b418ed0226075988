/*
 * gen_fabric.c - the fabric model of spinetap-gen: node uSIDs, host
 * addresses, the queue pairs, and the spinetap YAML config that describes
 * the fabric.
 *
 * The model is the origin lab (../shared/reference/usid-fabric.sh) grown to
 * N spines, N leaves and N hosts per leaf:
 *   uSID block fcbb:bbbb::/32, 16-bit uSIDs (F3216, RFC 9800 §4),
 *   leaf i (1-based)   uSID 0x0000+i       (leaf1 = 0x0001)
 *   spine j (1-based)  uSID 0x1000+j       (spine1 = 0x1001)
 *   host k on leaf i   uSID 0xa000+0x1000*(i-1)+k with at most 4 leaves
 *                      (host1 = 0xa001, the host of leaf2 = 0xb001),
 *                      else 0x2000+g where g = (i-1)*hosts+(k-1): global
 *                      (below the local range 0xe000) and unique,
 *   host address       2001:db8:(i*0x10)::(k+1), inner IPv4 10.i.x.y with
 *                      x.y = k+1 (10.i.0.(k+1) up to 254 hosts per leaf),
 *   uDT6 = 0xfe09, a local function of the host before it.
 */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* splitmix64: tiny, fast, and the same on every platform. */
uint64_t gen_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t gen_mix64(uint64_t x)
{
	uint64_t s = x;
	return gen_rand(&s);
}

/* rdma_calc_flow_label() of include/rdma/ib_verbs.h: symmetric in the QPNs. */
uint32_t gen_flow_label(uint32_t a, uint32_t b)
{
	uint64_t v = (uint64_t)a * b;
	v ^= v >> 20;
	v ^= v >> 40;
	return (uint32_t)(v & 0xfffff);
}

uint16_t gen_leaf_usid(unsigned leaf)
{
	return (uint16_t)(leaf + 1);
}

uint16_t gen_spine_usid(unsigned spine)
{
	return (uint16_t)(0x1000 + spine + 1);
}

unsigned gen_host_leaf(const struct gen *g, unsigned host)
{
	return host / g->f.hpl;
}

void gen_carrier(uint8_t out[16], const uint16_t *ids, unsigned n)
{
	memset(out, 0, 16);
	out[0] = GEN_BLOCK_HI >> 8;
	out[1] = GEN_BLOCK_HI & 0xff;
	out[2] = GEN_BLOCK_LO >> 8;
	out[3] = GEN_BLOCK_LO & 0xff;
	for (unsigned i = 0; i < n && i < 6; i++) {
		out[4 + 2 * i] = (uint8_t)(ids[i] >> 8);
		out[5 + 2 * i] = (uint8_t)ids[i];
	}
}

/* Locally administered MACs: 02:00:00:<role>:<index>; role 1 leaf, 2 spine, 3 host. */
void gen_node_mac(uint8_t mac[6], unsigned role, unsigned idx)
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = 0x00;
	mac[3] = (uint8_t)role;
	mac[4] = (uint8_t)(idx >> 8);
	mac[5] = (uint8_t)idx;
}

void gen_host_name(char *buf, size_t len, unsigned host)
{
	snprintf(buf, len, "host%u", host + 1);
}

void gen_fabric_init(struct gen *g)
{
	struct gen_fabric *f = &g->f;
	f->nspines = g->o.spines;
	f->nleaves = g->o.leaves;
	f->hpl = g->o.hosts;
	f->nhosts = f->nleaves * f->hpl;
	f->ipv4 = g->o.ipv4;
	f->addr6 = calloc(f->nhosts, sizeof(*f->addr6));
	f->addr4 = calloc(f->nhosts, sizeof(*f->addr4));
	f->usid = calloc(f->nhosts, sizeof(*f->usid));
	if (!f->addr6 || !f->addr4 || !f->usid)
		die("out of memory for %u hosts", f->nhosts);
	for (unsigned h = 0; h < f->nhosts; h++) {
		unsigned i = h / f->hpl + 1; /* leaf, 1-based */
		unsigned k = h % f->hpl + 1; /* host on the leaf, 1-based */
		uint8_t *a = f->addr6[h];
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[4] = (uint8_t)((i * 0x10) >> 8);
		a[5] = (uint8_t)(i * 0x10);
		a[14] = (uint8_t)((k + 1) >> 8);
		a[15] = (uint8_t)(k + 1);
		f->addr4[h][0] = 10;
		f->addr4[h][1] = (uint8_t)i;
		f->addr4[h][2] = (uint8_t)((k + 1) >> 8);
		f->addr4[h][3] = (uint8_t)(k + 1);
		if (f->nleaves <= 4)
			f->usid[h] = (uint16_t)(0xa000 + 0x1000 * (i - 1) + k);
		else
			f->usid[h] = (uint16_t)(0x2000 + h);
	}
}

void gen_fabric_free(struct gen *g)
{
	free(g->f.addr6);
	free(g->f.addr4);
	free(g->f.usid);
	g->f.addr6 = NULL;
	g->f.addr4 = NULL;
	g->f.usid = NULL;
}

/*
 * QPNs: an affine bijection of the 24-bit space (odd multiplier), seeded, so
 * every QPN of a run is distinct - which makes every (src, dst, QPN) key
 * distinct too. QPN 0 (SMI), 1 (GSI) and 0xffffff (multicast) are skipped.
 */
/* Is QP q chosen, with probability --intensity? A hash of (seed, salt, q). */
static bool qp_pick(const struct gen *g, uint32_t q, uint64_t salt)
{
	double in = g->o.intensity;
	uint64_t thresh = in >= 1.0 ? (1ull << 32) : in <= 0.0 ? 0 : (uint64_t)(in * 4294967296.0);
	uint64_t h = gen_mix64(g->o.seed * 0x9e3779b97f4a7c15ull ^ salt << 40 ^ q);
	return (h & 0xffffffffu) < thresh;
}

struct qpn_gen {
	uint32_t x, off;
};

static uint32_t next_qpn(struct qpn_gen *s)
{
	for (int tries = 0; tries < 8; tries++) {
		uint32_t v = (s->x * 0x9e3779u + s->off) & GEN_PSN_MASK;
		s->x++;
		if (v >= 2 && v != 0xffffff)
			return v;
	}
	die("internal error: QPN space exhausted");
}

void gen_qps_init(struct gen *g)
{
	const struct gen_opts *o = &g->o;
	const struct gen_fabric *f = &g->f;
	g->nqp = o->qps;
	g->qp = calloc(g->nqp, sizeof(*g->qp));
	if (!g->qp)
		die("out of memory for %u queue pairs", g->nqp);
	struct qpn_gen qg = {0, (uint32_t)(gen_mix64(o->seed ^ 0x51504eull) & GEN_PSN_MASK)};
	/* QPs are UD or RC in the proportion of the UD kinds in the mix */
	uint64_t w_ud = (uint64_t)o->mix[GEN_K_UD] + o->mix[GEN_K_UD_IMM], w_all = 0;
	for (int k = 0; k < GEN_NKIND; k++)
		w_all += o->mix[k];
	for (uint32_t q = 0; q < g->nqp; q++) {
		struct gen_qp *p = &g->qp[q];
		unsigned src = (unsigned)(gen_rand(&g->rng) % f->nhosts);
		unsigned sl = src / f->hpl;
		/* the responder sits on another leaf, so every packet crosses a spine */
		unsigned dl = (unsigned)((sl + 1 + gen_rand(&g->rng) % (f->nleaves - 1)) % f->nleaves);
		unsigned dk = (unsigned)(gen_rand(&g->rng) % f->hpl);
		p->src = (uint16_t)src;
		p->dst = (uint16_t)(dl * f->hpl + dk);
		/* spine round-robin per QP; the sport range names it, as in the lab
		 * (spray-imbalance: some QPs all on spine1) */
		unsigned b = q % f->nspines;
		if (o->scenario == GEN_SCN_SPRAY_IMBALANCE && qp_pick(g, q, 0x5350)) {
			b = 0;
			g->inj.skewed_qps++;
		}
		p->sport = (uint16_t)(GEN_SPORT_BASE + 256 * b + (gen_rand(&g->rng) & 0xff));
		p->spine = (uint8_t)b;
		p->rspine = (uint8_t)(o->reverse == GEN_REV_NEXT ? (b + 1) % f->nspines : b);
		p->dqpn = next_qpn(&qg);
		p->rqpn = next_qpn(&qg);
		uint64_t r = gen_rand(&g->rng);
		if (o->scenario == GEN_SCN_PSN_WRAP)
			p->psn = (uint32_t)((GEN_PSN_MASK - (r % 16)) & GEN_PSN_MASK);
		else
			p->psn = (uint32_t)(r & GEN_PSN_MASK);
		p->m_kind = 0xff;
		p->m_idx = p->m_npk = 0;
		if (w_ud == w_all || (w_ud && gen_rand(&g->rng) % w_all < w_ud))
			p->flags |= GEN_QF_UD;
	}
	/* Per-QP faults of the verdict scenarios: each QP with probability
	 * --intensity, and at least one (a hash of the seed, not the stream). */
	uint8_t qx = o->scenario == GEN_SCN_WRONG_SPINE	   ? GEN_QX_WRONG
		     : o->scenario == GEN_SCN_UNSTEERED	   ? GEN_QX_PLAIN
		     : o->scenario == GEN_SCN_UNKNOWN_USID ? GEN_QX_UNKNOWN
							   : 0;
	if (qx && g->nqp) {
		uint64_t n = 0;
		for (uint32_t q = 0; q < g->nqp; q++)
			if (qp_pick(g, q, qx)) {
				g->qp[q].qx |= qx;
				n++;
			}
		if (!n) {
			g->qp[0].qx |= qx;
			n = 1;
		}
		if (qx == GEN_QX_WRONG)
			g->inj.wrong_spine_qps = n;
		else if (qx == GEN_QX_PLAIN)
			g->inj.unsteered_qps = n;
		else
			g->inj.unknown_usid_qps = n;
	}
}

/* ---- the YAML config ---- */

static void write_header(FILE *f, const struct gen *g)
{
	fprintf(f, "# spinetap fabric config, written by spinetap-gen %s\n", SPINETAP_VERSION);
	fprintf(f, "# command: %s\n", g->o.cmdline);
	fputs("usid:\n  block: fcbb:bbbb::/32\n  nflen: 16\n  local: 0xe000-0xffff\n", f);
}

static void write_node(FILE *f, const char *name, unsigned usid, const char *role,
		       const char *comment)
{
	char key[48];
	snprintf(key, sizeof(key), "%s:", name);
	fprintf(f, "  %-8s { usid: 0x%04x, role: %s }", key, usid, role);
	if (comment && *comment)
		fprintf(f, "   # %s", comment);
	fputc('\n', f);
}

static void write_host_nodes(FILE *f, const struct gen *g)
{
	for (unsigned h = 0; h < g->f.nhosts; h++) {
		char name[32], a6[64], a4[32], c[128];
		gen_host_name(name, sizeof(name), h);
		fmt_addr(a6, sizeof(a6), 6, g->f.addr6[h]);
		if (g->f.ipv4)
			snprintf(c, sizeof(c), "leaf%u, %s, inner %s", gen_host_leaf(g, h) + 1, a6,
				 fmt_addr(a4, sizeof(a4), 4, g->f.addr4[h]));
		else
			snprintf(c, sizeof(c), "leaf%u, %s", gen_host_leaf(g, h) + 1, a6);
		write_node(f, name, g->f.usid[h], "host", c);
	}
}

void gen_write_config(const struct gen *g, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot write config %s: %s", path, strerror(errno));
	const struct gen_fabric *fb = &g->f;
	write_header(f, g);
	fputs("nodes:\n", f);
	for (unsigned i = 0; i < fb->nleaves; i++) {
		char name[32];
		snprintf(name, sizeof(name), "leaf%u", i + 1);
		write_node(f, name, gen_leaf_usid(i), "leaf", NULL);
	}
	for (unsigned j = 0; j < fb->nspines; j++) {
		char name[32];
		snprintf(name, sizeof(name), "spine%u", j + 1);
		write_node(f, name, gen_spine_usid(j), "spine", NULL);
	}
	write_host_nodes(f, g);

	fputs("taps:\n", f);
	for (unsigned t = 0; t < g->ntap; t++) {
		char key[48];
		snprintf(key, sizeof(key), "%s:", g->tap[t].name);
		if (g->tap[t].dir == 2)
			fprintf(f, "  %-12s { node: spine%u }\n", key, g->tap[t].spine + 1);
		else
			fprintf(f, "  %-12s { node: spine%u, dir: %s }\n", key, g->tap[t].spine + 1,
				g->tap[t].dir == 0 ? "in" : "out");
	}

	/* the policies the run is judged against (gen_judge.c) */
	gen_write_policies(f, g);
	/* room for both records of every QP at half load, when the analyzer's
	 * default table (2^21) would be too small */
	uint64_t cap = 1u << 21;
	while (cap < 4ull * g->nqp && cap < (1u << 26))
		cap <<= 1;
	if (cap > (1u << 21))
		fprintf(f, "settings: { roce_ports: [%u], pmtu: %u, qp_capacity: %llu }\n",
			GEN_ROCE_PORT, g->o.pmtu, (unsigned long long)cap);
	else
		fprintf(f, "settings: { roce_ports: [%u], pmtu: %u }\n", GEN_ROCE_PORT, g->o.pmtu);
	if (ferror(f) | (fclose(f) != 0))
		die("error writing config %s", path);
}

/*
 * The origin lab's config (usid-fabric.sh): its six nodes and uSIDs, a tap
 * on each spine interface (tcpdump -i l1 / l2 inside the spine namespace:
 * both directions of the link to leaf1 / leaf2), host1's policy via spine1
 * and host2's answer path via spine2.
 */
void gen_write_lab_config(const struct gen *g, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot write config %s: %s", path, strerror(errno));
	write_header(f, g);
	fputs("nodes:\n", f);
	write_node(f, "leaf1", 0x0001, "leaf", NULL);
	write_node(f, "leaf2", 0x0002, "leaf", NULL);
	write_node(f, "spine1", 0x1001, "spine", NULL);
	write_node(f, "spine2", 0x1002, "spine", NULL);
	write_node(f, "host1", 0xa001, "host", "2001:db8:10::2");
	write_node(f, "host2", 0xb001, "host", "2001:db8:20::2");
	fputs("taps:\n", f);
	fputs("  spine1-l1: { node: spine1, peer: leaf1 }   # ip netns exec ref-spine1 tcpdump -i l1\n"
	      "  spine1-l2: { node: spine1, peer: leaf2 }   # ip netns exec ref-spine1 tcpdump -i l2\n"
	      "  spine2-l1: { node: spine2, peer: leaf1 }   # ip netns exec ref-spine2 tcpdump -i l1\n"
	      "  spine2-l2: { node: spine2, peer: leaf2 }   # ip netns exec ref-spine2 tcpdump -i l2\n",
	      f);
	gen_write_policies(f, g); /* h1-h2-via-spine1, h2-h1-via-spine2 */
	fprintf(f, "settings: { roce_ports: [%u], pmtu: %u }\n", GEN_ROCE_PORT, g->o.pmtu);
	if (ferror(f) | (fclose(f) != 0))
		die("error writing config %s", path);
}
