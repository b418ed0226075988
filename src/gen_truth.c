/*
 * gen_truth.c - what spinetap-gen injected, in the forms tests read:
 *   the truth file (JSON): per tap and per QP record, the counters that
 *     `spinetap analyze --json` must reproduce (names shared with it);
 *   the manifest (CSV): one line per written record with the fields the
 *     generator meant the frame to carry, for decode tests against tshark.
 * The semantics of every counter are in man/spinetap-gen.1 (TRUTH FILE).
 */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "out.h" /* json_string() */
#include "util.h"

/* While the truth is written: every host's flow address, formatted once. */
static char (*host_str)[48];
static unsigned host_nstr;

static const char *const scenario_names[GEN_NSCN] = {
	[GEN_SCN_CLEAN] = "clean",         [GEN_SCN_LOSS] = "loss",
	[GEN_SCN_GOBACKN] = "gobackn",     [GEN_SCN_READ] = "read",
	[GEN_SCN_NAK] = "nak",             [GEN_SCN_RNR] = "rnr",
	[GEN_SCN_CNP_STORM] = "cnp-storm", [GEN_SCN_CE] = "ce",
	[GEN_SCN_PSN_WRAP] = "psn-wrap",   [GEN_SCN_REORDER] = "reorder",
	[GEN_SCN_WRONG_SPINE] = "wrong-spine", [GEN_SCN_LEAF_MISFWD] = "leaf-misforward",
	[GEN_SCN_PIN_MOVE] = "pin-move",   [GEN_SCN_UNSTEERED] = "unsteered",
	[GEN_SCN_UNKNOWN_USID] = "unknown-usid", [GEN_SCN_SPINE_DROP] = "spine-drop",
	[GEN_SCN_BAD_SHIFT] = "bad-shift", [GEN_SCN_SPRAY_IMBALANCE] = "spray-imbalance",
};

static const char *const style_names[GEN_NSTYLE] = {
	[GEN_STYLE_RED] = "red",
	[GEN_STYLE_ENCAP] = "encap",
	[GEN_STYLE_INLINE] = "inline",
};

static const char *const tapmode_names[GEN_NTAPMODE] = {
	[GEN_TAPS_IN] = "in",
	[GEN_TAPS_OUT] = "out",
	[GEN_TAPS_BOTH] = "both",
	[GEN_TAPS_INOUT] = "inout",
};

static const char *const kind_names[GEN_NKIND] = {
	[GEN_K_WRITE] = "write", [GEN_K_WRITE_IMM] = "write_imm", [GEN_K_SEND] = "send",
	[GEN_K_SEND_IMM] = "send_imm", [GEN_K_SEND_INV] = "send_inv", [GEN_K_READ] = "read",
	[GEN_K_CAS] = "cas", [GEN_K_FAA] = "faa", [GEN_K_UD] = "ud", [GEN_K_UD_IMM] = "ud_imm",
};

static const char *const nak_names[GEN_NNAK] = {
	[GEN_NAK_SEQ] = "psn_seq_err",
	[GEN_NAK_INV_REQ] = "invalid_request",
	[GEN_NAK_REM_ACCESS] = "remote_access",
	[GEN_NAK_REM_OP] = "remote_op",
	[GEN_NAK_INV_RD] = "invalid_rd_request",
};

const char *gen_scenario_name(int s)
{
	return s >= 0 && (size_t)s < ARRAY_SIZE(scenario_names) ? scenario_names[s] : "?";
}

const char *gen_style_name(int s)
{
	return s >= 0 && (size_t)s < ARRAY_SIZE(style_names) ? style_names[s] : "?";
}

const char *gen_tapmode_name(int t)
{
	return t >= 0 && (size_t)t < ARRAY_SIZE(tapmode_names) ? tapmode_names[t] : "?";
}

const char *gen_kind_name(int k)
{
	return k >= 0 && (size_t)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

/* The flow address of a host as the QP key uses it: the inner header's. */
static const char *flow_addr(const struct gen *g, unsigned host, char *buf, size_t len)
{
	if (host_str && host < host_nstr)
		return host_str[host];
	if (g->f.ipv4 && g->o.style != GEN_STYLE_INLINE)
		return fmt_addr(buf, len, 4, g->f.addr4[host]);
	return fmt_addr(buf, len, 6, g->f.addr6[host]);
}

static const char *tap_dir_name(int dir)
{
	return dir == 0 ? "in" : dir == 1 ? "out" : "both";
}

static void write_rec(FILE *f, const struct gen *g, uint32_t qi, int resp, bool *first)
{
	const struct gen_qp *q = &g->qp[qi];
	const struct gen_rec *r = &g->rec[2 * (size_t)qi + resp];
	if (r->sent == 0 && r->packets == 0)
		return; /* a direction that never carried a packet */
	static const struct gen_rare zero;
	const struct gen_rare *x = r->rare ? &g->rare[r->rare - 1] : &zero;
	char a[64], b[64];
	unsigned src = resp ? q->dst : q->src, dst = resp ? q->src : q->dst;
	uint32_t naks = 0;
	for (unsigned i = 0; i < GEN_NNAK; i++)
		naks += x->nak[i];
	fprintf(f, "%s\n    {\"src\": \"%s\", \"dst\": \"%s\", \"dqpn\": %u, ", *first ? "" : ",",
		flow_addr(g, src, a, sizeof(a)), flow_addr(g, dst, b, sizeof(b)),
		resp ? q->rqpn : q->dqpn);
	*first = false;
	fprintf(f, "\"dir\": \"%s\", \"sport\": %u, ", resp ? "response" : "request", q->sport);
	fprintf(f, "\"packets\": %u, \"bytes\": %llu, ", r->packets, (unsigned long long)r->bytes);
	fprintf(f, "\"psn_gaps\": %u, \"retransmissions\": %u, \"out_of_order\": %u, ", x->gaps,
		x->retrans, x->ooo);
	fprintf(f, "\"naks\": %u, \"nak_codes\": {", naks);
	for (unsigned i = 0; i < GEN_NNAK; i++)
		fprintf(f, "%s\"%s\": %u", i ? ", " : "", nak_names[i], x->nak[i]);
	fprintf(f, "}, \"rnr_naks\": %u, \"cnps\": %u, \"ce\": %u, \"sent\": %u, ", x->rnr, r->cnps,
		r->ce, r->sent);
	if (g->judging)
		fprintf(f, "\"sightings\": %u, ", g->j.sightings[2 * (size_t)qi + resp]);
	unsigned spine = resp ? q->rspine : q->spine, alt = gen_alt_spine(g, spine);
	fputs("\"spines\": {", f);
	if (r->packets > r->alt)
		fprintf(f, "\"spine%u\": %u", spine + 1, r->packets - r->alt);
	if (r->alt)
		fprintf(f, "%s\"spine%u\": %u", r->packets > r->alt ? ", " : "", alt + 1, r->alt);
	fputs("}}", f);
}

void gen_write_truth(const struct gen *g, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot write truth %s: %s", path, strerror(errno));
	const struct gen_opts *o = &g->o;
	const struct gen_injected *in = &g->inj;
	fprintf(f, "{\"generator\": \"spinetap-gen\", \"version\": \"%s\", \"seed\": %llu, ",
		SPINETAP_VERSION, (unsigned long long)o->seed);
	fprintf(f, "\"scenario\": \"%s\", \"style\": \"%s\",\n",
		o->sample ? o->sample : gen_scenario_name(o->scenario), gen_style_name(o->style));
	fputs(" \"command\": ", f);
	json_string(f, o->cmdline);
	fprintf(f, ",\n \"inner\": \"%s\", \"pmtu\": %u, \"tap_mode\": \"%s\", \"start_ns\": %llu, "
		   "\"rate\": %llu, \"records\": %llu, \"emitted\": %llu,\n",
		o->style == GEN_STYLE_INLINE ? "none" : o->ipv4 ? "ipv4" : "ipv6", o->pmtu,
		o->sample ? "lab" : gen_tapmode_name(o->taps), (unsigned long long)o->start_ns,
		(unsigned long long)o->rate, (unsigned long long)g->written,
		(unsigned long long)g->emitted);
	fprintf(f, " \"intensity\": %.6g,\n", o->intensity);
	fprintf(f, " \"injected\": {\"drops\": %llu, \"downstream_drops\": %llu, \"naks\": {",
		(unsigned long long)in->drops, (unsigned long long)in->downstream_drops);
	for (unsigned i = 0; i < GEN_NNAK; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", nak_names[i],
			(unsigned long long)in->naks[i]);
	fprintf(f, "}, \"rnr_naks\": %llu, \"resent\": %llu, \"reorders\": %llu, "
		   "\"ce_marked\": %llu, \"cnps\": %llu, \"acks\": %llu, \"read_responses\": %llu},\n",
		(unsigned long long)in->rnr_naks, (unsigned long long)in->resent,
		(unsigned long long)in->reorders, (unsigned long long)in->ce_marked,
		(unsigned long long)in->cnps, (unsigned long long)in->acks,
		(unsigned long long)in->read_responses);
	fprintf(f, " \"injected_verdicts\": {\"wrong_spine_qps\": %llu, \"unsteered_qps\": %llu, "
		   "\"unknown_usid_qps\": %llu, \"skewed_qps\": %llu, \"moved\": %llu, "
		   "\"misforwarded\": %llu, \"spine_drops\": %llu, \"bad_shifts\": %llu},\n",
		(unsigned long long)in->wrong_spine_qps, (unsigned long long)in->unsteered_qps,
		(unsigned long long)in->unknown_usid_qps, (unsigned long long)in->skewed_qps,
		(unsigned long long)in->moved, (unsigned long long)in->misforwarded,
		(unsigned long long)in->spine_drops, (unsigned long long)in->bad_shifts);
	if (g->judging)
		gen_write_verdict_truth(f, g);
	fputs(" \"taps\": [", f);
	for (unsigned t = 0; t < g->ntap; t++) {
		const struct gen_tap *tp = &g->tap[t];
		fprintf(f, "%s\n    {\"name\": \"%s\", \"node\": \"spine%u\", \"dir\": \"%s\", "
			   "\"packets\": %llu, \"bytes\": %llu}",
			t ? "," : "", tp->name, tp->spine + 1, tap_dir_name(tp->dir),
			(unsigned long long)tp->packets, (unsigned long long)tp->bytes);
	}
	fputs("],\n \"qps\": [", f);
	char(*cache)[48] = calloc(g->f.nhosts, sizeof(*cache));
	if (cache) {
		/* without the cache every record formats its addresses itself */
		for (unsigned h = 0; h < g->f.nhosts; h++)
			flow_addr(g, h, cache[h], sizeof(cache[h]));
		host_str = cache;
		host_nstr = g->f.nhosts;
	}
	bool first = true;
	for (uint32_t q = 0; q < g->nqp; q++) {
		write_rec(f, g, q, 0, &first);
		write_rec(f, g, q, 1, &first);
	}
	fputs("]}\n", f);
	host_str = NULL;
	host_nstr = 0;
	free(cache);
	if (ferror(f) | (fclose(f) != 0))
		die("error writing truth %s", path);
}

void gen_manifest_header(FILE *f)
{
	fputs("frame,ts_ns,tap,pos,primary,dir,flow_src,flow_dst,outer_src,outer_dst,segs,sl,hlim,ecn,"
	      "sport,dport,opcode,dqpn,psn,dmalen,syndrome,msn,flags,caplen,len\n",
	      f);
}

static bool has_reth(uint8_t op)
{
	return op == GEN_OP_WRITE_FIRST || op == GEN_OP_WRITE_ONLY || op == GEN_OP_WRITE_ONLY_IMM ||
	       op == GEN_OP_READ_REQ;
}

static bool has_aeth(uint8_t op)
{
	return op == GEN_OP_READ_RESP_FIRST || op == GEN_OP_READ_RESP_LAST ||
	       op == GEN_OP_READ_RESP_ONLY || op == GEN_OP_ACK || op == GEN_OP_ATOMIC_ACK;
}

/* One CSV line per record; the frame number is 1-based as in tshark. */
void gen_manifest_line(struct gen *g, const struct gen_pkt *p, unsigned tap, bool primary,
		       uint32_t caplen, uint32_t len)
{
	FILE *f = g->manifest;
	const struct gen_qp *q = &g->qp[p->qp];
	const bool resp = p->flags & GEN_PF_RESP;
	struct gen_view v;
	gen_view(g, p, &v);
	char fs[64], fd[64], os[64], od[64], s0[64], s1[64];
	/* an unsteered packet's only header is the flow's own (IPv4 with --ipv4) */
	bool v4 = v.plain && g->f.ipv4 && g->o.style != GEN_STYLE_INLINE;
	fprintf(f, "%llu,%llu,%s,%s,%d,%s,%s,%s,%s,%s,", (unsigned long long)g->written + 1,
		(unsigned long long)p->ts, g->tap[tap].name, p->pos ? "out" : "in", primary ? 1 : 0,
		resp ? "resp" : "req", flow_addr(g, v.src_host, fs, sizeof(fs)),
		flow_addr(g, v.dst_host, fd, sizeof(fd)),
		v4 ? flow_addr(g, v.src_host, os, sizeof(os)) : fmt_addr(os, sizeof(os), 6, v.outer_src),
		v4 ? flow_addr(g, v.dst_host, od, sizeof(od)) : fmt_addr(od, sizeof(od), 6, v.outer_dst));
	if (v.has_srh)
		fprintf(f, "%s;%s,%u,", fmt_addr(s0, sizeof(s0), 6, v.seg[0]),
			fmt_addr(s1, sizeof(s1), 6, v.seg[1]), v.sl);
	else
		fputs(",,", f);
	unsigned tc = p->opcode == GEN_OP_CNP ? GEN_TC_CNP : GEN_TC_DATA;
	unsigned ecn = (p->flags & GEN_PF_CE) ? GEN_ECN_CE : (tc & 3);
	fprintf(f, "%u,%u,%u,%u,%u,%u,%u,", v.hlim, ecn, q->sport, GEN_ROCE_PORT, p->opcode,
		resp ? q->rqpn : q->dqpn, p->psn);
	if (has_reth(p->opcode))
		fprintf(f, "%u,", p->aux);
	else
		fputc(',', f);
	if (has_aeth(p->opcode))
		fprintf(f, "%u,%u,", p->syndrome, p->aux);
	else
		fputs(",,", f);
	char fl[8];
	size_t n = 0;
	if (p->flags & GEN_PF_RESEND)
		fl[n++] = 'R';
	if (p->flags & GEN_PF_LATE)
		fl[n++] = 'L';
	if (p->flags & GEN_PF_CE)
		fl[n++] = 'C';
	if (p->flags & GEN_PF_BECN)
		fl[n++] = 'B';
	if (p->flags & GEN_PF_GAP)
		fl[n++] = 'G';
	fl[n] = '\0';
	fprintf(f, "%s,%u,%u\n", fl, caplen, len);
}
