/*
 * report.c - see report.h.
 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emit.h"
#include "out.h"
#include "policy.h"
#include "util.h"

static int cmp_bytes(const void *a, const void *b, void *arg)
{
	const struct qp *r = arg;
	const struct qp *x = &r[*(const uint32_t *)a], *y = &r[*(const uint32_t *)b];
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Record indices sorted by bytes, largest first. Caller frees. */
static uint32_t *qps_by_bytes(const struct engine *e)
{
	uint32_t n = e->qp.n;
	uint32_t *idx = malloc(sizeof(*idx) * (n ? n : 1));
	if (!idx)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_bytes, e->qp.rec);
	return idx;
}

struct totals {
	uint64_t gaps, retrans, ooo, naks, rnr, cnps, ce, ce_inner, ect, lossy;
	uint64_t nak[NAK_CODES];
};

static void sum_totals(const struct engine *e, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (uint32_t i = 0; i < e->qp.n; i++) {
		const struct qp *q = &e->qp.rec[i];
		uint64_t g = engine_ctr(e, q, QCTR_GAPS), r = engine_ctr(e, q, QCTR_RETRANS);
		uint64_t nk = engine_ctr(e, q, QCTR_NAK);
		t->gaps += g;
		t->retrans += r;
		t->ooo += engine_ctr(e, q, QCTR_OOO);
		t->naks += nk;
		t->rnr += engine_ctr(e, q, QCTR_RNR_NAK);
		t->cnps += engine_ctr(e, q, QCTR_CNP);
		t->ce += engine_ctr(e, q, QCTR_CE);
		t->ce_inner += engine_ctr(e, q, QCTR_CE_INNER);
		t->ect += engine_ctr(e, q, QCTR_ECT);
		if (g || r || nk)
			t->lossy++;
		uint32_t n[NAK_CODES];
		if (nk) {
			engine_qp_naks(e, q->id, n);
			for (int c = 0; c < NAK_CODES; c++)
				t->nak[c] += n[c];
		}
	}
	t->gaps += e->ev_gaps;
	t->retrans += e->ev_retrans;
	t->ooo += e->ev_ooo;
	t->naks += e->ev_naks;
	t->rnr += e->ev_rnr;
	t->cnps += e->ev_cnps;
	t->ce += e->ev_ce;
}

static uint64_t rejected(const struct engine *e)
{
	return e->ds.packets - e->accounted - e->pfc_frames;
}

static void fmt_time(char *buf, size_t len, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&t, &tm);
	char s[32];
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03u", s, (unsigned)(ns / 1000000 % 1000));
}

/* Primary packets of a path at a node (sum over the node's taps). */
static uint64_t node_path_packets(const struct engine *e, int node, uint32_t path)
{
	uint64_t n = 0;
	if (path >= e->tp_stride)
		return 0;
	for (int t = 0; t < e->ntaps; t++)
		if (e->tap[t].node == node)
			n += e->tp[(size_t)t * e->tp_stride + path].ppk;
	return n;
}

static uint64_t tap_path_packets(const struct engine *e, int tap, uint32_t path)
{
	return path < e->tp_stride ? e->tp[(size_t)tap * e->tp_stride + path].pk : 0;
}

/* Nodes that have taps, in config order. */
static int tapped_nodes(const struct engine *e, int *out, int max)
{
	int n = 0;
	for (int i = 0; i < e->cfg->nnodes && n < max; i++)
		for (int t = 0; t < e->ntaps; t++)
			if (e->tap[t].node == i) {
				out[n++] = i;
				break;
			}
	return n;
}

static void pct(char *buf, size_t len, uint64_t part, uint64_t whole)
{
	if (!whole || !part)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * (double)part / (double)whole);
}

/* CPU time per packet, for the capture threads' lines. */
static double ns_per_packet(double cpu_s, uint64_t packets)
{
	return packets ? cpu_s * 1e9 / (double)packets : 0.0;
}

void report_text(FILE *f, struct engine *e, const uint32_t *peer, const struct report_opts *o)
{
	char a[32], b[32], c[32], d[32], t1[48], t2[48];
	struct totals tot;
	sum_totals(e, &tot);
	const struct dstats *ds = &e->ds;

	fmt_time(t1, sizeof(t1), e->first_ts);
	fmt_time(t2, sizeof(t2), e->last_ts);
	fprintf(f, "spinetap report: %s packet%s on %d tap%s", fmt_count(a, sizeof(a), ds->packets),
		ds->packets == 1 ? "" : "s", e->ntaps, e->ntaps == 1 ? "" : "s");
	if (ds->packets)
		fprintf(f, ", %s .. %s UTC (%.3f s)", t1, t2,
			(double)(e->last_ts - e->first_ts) / 1e9);
	fputc('\n', f);
	if (o->error)
		fprintf(f, "  INCOMPLETE: %s\n  (the results below cover the packets read before it)\n",
			o->error);

	fprintf(f, "\nTotals\n");
	fprintf(f, "  packets read   %14s = accounted %s + rejected %s%s\n",
		fmt_count(a, sizeof(a), ds->packets), fmt_count(b, sizeof(b), e->accounted + e->pfc_frames),
		fmt_count(c, sizeof(c), rejected(e)), rejected(e) ? " (by cause below)" : "");
	if (e->skipped_window)
		fprintf(f, "  outside --from/--to %9s packets read and skipped (in no figure here)\n",
			fmt_count(a, sizeof(a), e->skipped_window));
	if (e->accounted_cut)
		fprintf(f, "                 (of the accounted, %s had extended headers cut by the snapshot"
			   " length: counted, without RETH/AETH values)\n",
			fmt_count(a, sizeof(a), e->accounted_cut));
	fprintf(f, "  bytes          %14s\n", fmt_count(a, sizeof(a), ds->bytes));
	fprintf(f, "  RoCE sightings %14s   SRv6 %s   PFC/PAUSE %s\n",
		fmt_count(a, sizeof(a), e->accounted), fmt_count(b, sizeof(b), ds->srv6),
		fmt_count(c, sizeof(c), e->pfc_frames));
	fprintf(f, "  QPs %s   paths %u", fmt_count(a, sizeof(a), e->qp.n), e->paths.n - 1);
	if (e->qp.evictions)
		fprintf(f, "   QPs evicted %s (table capacity %s%s)", fmt_count(b, sizeof(b), e->qp.evictions),
			fmt_count(c, sizeof(c), e->qp.cap),
			e->ev_lost ? ", some summarised only" : "");
	if (e->paths.overflow)
		fprintf(f, "   packets on paths beyond the table: %s",
			fmt_count(d, sizeof(d), e->paths.overflow));
	fputc('\n', f);

	fprintf(f, "\nDecode outcomes\n");
	dstats_print(f, ds, "  ");

	fprintf(f, "\nTaps\n");
	fprintf(f, "  %-16s %-10s %-4s %14s %16s %14s %14s\n", "tap", "node", "dir", "packets", "bytes",
		"roce", "primary");
	for (int i = 0; i < e->ntaps; i++) {
		const struct tap *t = &e->tap[i];
		char bb[32];
		char tn[17];
		snprintf(tn, sizeof(tn), "%s", t->name);
		fprintf(f, "  %-16s %-10s %-4s %14s %16s %14s %14s\n", tn,
			t->node >= 0 ? e->cfg->nodes[t->node].name : "-", cfg_dir_name(t->dir),
			fmt_count(a, sizeof(a), t->packets), fmt_count(bb, sizeof(bb), t->bytes),
			fmt_count(c, sizeof(c), t->roce), fmt_count(d, sizeof(d), t->primary));
		if (t->kernel_recv || t->kernel_drop || t->ifdrop)
			fprintf(f, "  %-16s kernel: received %s, dropped %s, interface dropped %s\n", "",
				fmt_count(a, sizeof(a), t->kernel_recv), fmt_count(bb, sizeof(bb), t->kernel_drop),
				fmt_count(c, sizeof(c), t->ifdrop));
		if (t->pfc)
			fprintf(f, "  %-16s PFC/PAUSE frames %s\n", "", fmt_count(a, sizeof(a), t->pfc));
		if (t->live)
			fprintf(f, "  %-16s capture worker: %s packets read, CPU %.3f s (%.0f ns/packet), ring drops %s\n",
				"", fmt_count(a, sizeof(a), t->worker_packets), t->cpu_s,
				ns_per_packet(t->cpu_s, t->worker_packets),
				fmt_count(bb, sizeof(bb), t->ring_drops));
	}
	if (o->live)
		fprintf(f, "  attribution thread: CPU %.3f s (%.0f ns/packet: dissection, attribution, verdicts, store)\n",
			o->attr_cpu_s, ns_per_packet(o->attr_cpu_s, ds->packets));

	/* Paths, with their share per tapped node (or per tap without a config). */
	int nodes[16];
	int nn = tapped_nodes(e, nodes, 16);
	bool by_node = nn > 0;
	int ncols = by_node ? nn : (e->ntaps < 8 ? e->ntaps : 8);
	fprintf(f, "\nPaths (share of each %s's RoCE packets)\n", by_node ? "node" : "tap");
	fprintf(f, "  %-4s %-44s %12s %6s", "id", "path", "packets", "QPs");
	for (int k = 0; k < ncols; k++)
		fprintf(f, " %9.9s", by_node ? e->cfg->nodes[nodes[k]].name : e->tap[k].name);
	fputc('\n', f);
	uint64_t colsum[16] = {0};
	for (int k = 0; k < ncols; k++)
		for (uint32_t p = 0; p < e->paths.n; p++)
			colsum[k] += by_node ? node_path_packets(e, nodes[k], p) : tap_path_packets(e, k, p);
	for (uint32_t p = 0; p < e->paths.n; p++) {
		const struct path *pa = &e->paths.p[p];
		if (!pa->sightings)
			continue;
		char name[45];
		text_safe(name, sizeof(name), pa->names);
		fprintf(f, "  %-4u %-44s %12s %6u", p, name, fmt_count(a, sizeof(a), pa->packets), pa->qps);
		for (int k = 0; k < ncols; k++) {
			uint64_t v = by_node ? node_path_packets(e, nodes[k], p) : tap_path_packets(e, k, p);
			pct(b, sizeof(b), v, colsum[k]);
			fprintf(f, " %9s", b);
		}
		fputc('\n', f);
		if (strlen(pa->names) > 44 || pa->unknown_global)
			fprintf(f, "       %s%s\n", pa->text, pa->unknown_global ? "  (unknown uSID)" : "");
	}

	uint32_t *idx = qps_by_bytes(e);
	uint32_t show = e->qp.n < (uint32_t)o->top ? e->qp.n : (uint32_t)o->top;
	fprintf(f, "\nTop QPs by bytes (%u of %s)\n", show, fmt_count(a, sizeof(a), e->qp.n));
	fprintf(f, "  %-40s %8s %11s %14s %6s %6s %5s %5s %5s %5s %6s  %s\n", "src > dst", "dqpn",
		"packets", "bytes", "gaps", "retx", "ooo", "naks", "rnr", "cnps", "ce", "peer");
	for (uint32_t k = 0; idx && k < show; k++) {
		const struct qp *q = &e->qp.rec[idx[k]];
		char src[64], dst[64], sd[132], pr[40];
		qp_key_addrs(&q->key, src, dst, sizeof(src));
		snprintf(sd, sizeof(sd), "%s > %s", src, dst);
		if (peer && peer[idx[k]])
			snprintf(pr, sizeof(pr), "0x%06x", e->qp.rec[peer[idx[k]] - 1].key.dqpn & 0xffffff);
		else
			snprintf(pr, sizeof(pr), "-");
		fprintf(f, "  %-40s 0x%06x %11s %14s %6" PRIu64 " %6" PRIu64 " %5" PRIu64 " %5" PRIu64
			   " %5" PRIu64 " %5" PRIu64 " %6" PRIu64 "  %s\n",
			sd, q->key.dqpn & 0xffffff, fmt_count(a, sizeof(a), q->packets),
			fmt_count(b, sizeof(b), q->bytes), engine_ctr(e, q, QCTR_GAPS),
			engine_ctr(e, q, QCTR_RETRANS), engine_ctr(e, q, QCTR_OOO),
			engine_ctr(e, q, QCTR_NAK), engine_ctr(e, q, QCTR_RNR_NAK),
			engine_ctr(e, q, QCTR_CNP), engine_ctr(e, q, QCTR_CE), pr);
	}
	free(idx);

	fprintf(f, "\nAnomalies\n");
	fprintf(f, "  PSN gaps %s (PSNs skipped: packets lost before the taps)   retransmissions %s"
		   "   out of order %s\n",
		fmt_count(a, sizeof(a), tot.gaps), fmt_count(b, sizeof(b), tot.retrans),
		fmt_count(c, sizeof(c), tot.ooo));
	fprintf(f, "  NAKs %s", fmt_count(a, sizeof(a), tot.naks));
	if (tot.naks) {
		fputs(" (", f);
		bool first = true;
		for (int k = 0; k < NAK_CODES; k++)
			if (tot.nak[k]) {
				fprintf(f, "%s%s %s", first ? "" : ", ", nak_code_name((unsigned)k),
					fmt_count(b, sizeof(b), tot.nak[k]));
				first = false;
			}
		fputs(")", f);
	}
	fprintf(f, "   RNR NAKs %s   CNPs %s\n", fmt_count(b, sizeof(b), tot.rnr),
		fmt_count(c, sizeof(c), tot.cnps));
	fprintf(f, "  CE marks %s (outer header; inner %s)   ECT %s   QPs with loss or NAKs %s\n",
		fmt_count(a, sizeof(a), tot.ce), fmt_count(b, sizeof(b), tot.ce_inner),
		fmt_count(c, sizeof(c), tot.ect), fmt_count(d, sizeof(d), tot.lossy));

	policy_report_text(f, e);

	if (o->db)
		fprintf(f, "\nStore: run %" PRId64 " in %s\n", o->run, o->db);
}

/* ---- JSON ---- */

struct json_combo {
	struct out *o;
	struct engine *e;
	int mode; /* 0 paths, 1 taps */
	uint32_t seen[64];
	int nseen;
	uint64_t tap_pk[MAX_TAPS], tap_by[MAX_TAPS];
};

static void jc_fn(void *arg, uint32_t path, uint16_t tap, uint64_t packets, uint64_t bytes)
{
	struct json_combo *j = arg;
	if (j->mode == 0) {
		for (int i = 0; i < j->nseen; i++)
			if (j->seen[i] == path)
				return;
		if (j->nseen < 64)
			j->seen[j->nseen++] = path;
		out_uint(j->o, 0, NULL, NULL, path);
	} else if (tap < MAX_TAPS) {
		j->tap_pk[tap] += packets;
		j->tap_by[tap] += bytes;
	}
}

static void json_qp(struct out *o, struct engine *e, const struct qp *q, const uint32_t *peer,
		    uint32_t rec)
{
	char src[64], dst[64];
	qp_key_addrs(&q->key, src, dst, sizeof(src));
	out_obj_open(o, 0, NULL, NULL);
	out_str(o, 0, "src", NULL, src);
	out_str(o, 0, "dst", NULL, dst);
	out_uint(o, 0, "dqpn", NULL, q->key.dqpn & 0xffffff);
	out_uint(o, 0, "packets", NULL, q->packets);
	out_uint(o, 0, "bytes", NULL, q->bytes);
	out_uint(o, 0, "payload_bytes", NULL, q->payload);
	char ts[32];
	fmt_ts(ts, sizeof(ts), q->first_ts);
	out_rawnum(o, 0, "first_ts", NULL, ts);
	fmt_ts(ts, sizeof(ts), q->last_ts);
	out_rawnum(o, 0, "last_ts", NULL, ts);
	out_obj_open(o, 0, "classes", NULL);
	for (unsigned c = 0; c < QC_N; c++)
		out_uint(o, 0, qp_class_name(c), NULL, engine_ctr(e, q, qctr_of_class(c)));
	out_obj_close(o, NULL);
	out_uint(o, 0, "messages", NULL, engine_ctr(e, q, QCTR_MSGS));
	uint64_t nreth = engine_ctr(e, q, QCTR_RETHS);
	if ((q->flags & QPF_HAVE_MSG) && nreth) {
		out_obj_open(o, 0, "msg_size", NULL);
		out_uint(o, 0, "min", NULL, q->msg_min);
		out_double(o, 0, "avg", NULL, (double)q->msg_sum / (double)nreth);
		out_uint(o, 0, "max", NULL, q->msg_max);
		out_obj_close(o, NULL);
	} else {
		out_null(o, 0, "msg_size");
	}
	out_arr_open(o, 0, "dscp", NULL, NULL);
	for (unsigned dv = 0; dv < 64; dv++)
		if (q->dscp >> dv & 1)
			out_uint(o, 0, NULL, NULL, dv);
	out_arr_close(o, NULL);
	out_uint(o, 0, "ect", NULL, engine_ctr(e, q, QCTR_ECT));
	out_uint(o, 0, "ce", NULL, engine_ctr(e, q, QCTR_CE));
	out_uint(o, 0, "ce_inner", NULL, engine_ctr(e, q, QCTR_CE_INNER));
	out_uint(o, 0, "psn_gaps", NULL, engine_ctr(e, q, QCTR_GAPS));
	out_uint(o, 0, "retransmissions", NULL, engine_ctr(e, q, QCTR_RETRANS));
	out_uint(o, 0, "out_of_order", NULL, engine_ctr(e, q, QCTR_OOO));
	out_uint(o, 0, "naks", NULL, engine_ctr(e, q, QCTR_NAK));
	uint32_t nk[NAK_CODES];
	engine_qp_naks(e, q->id, nk);
	out_obj_open(o, 0, "nak_codes", NULL);
	for (int k = 0; k < NAK_CODES; k++)
		out_uint(o, 0, nak_code_name((unsigned)k), NULL, nk[k]);
	out_obj_close(o, NULL);
	out_uint(o, 0, "rnr_naks", NULL, engine_ctr(e, q, QCTR_RNR_NAK));
	out_uint(o, 0, "cnps", NULL, engine_ctr(e, q, QCTR_CNP));
	out_arr_open(o, 0, "sports", NULL, NULL);
	for (unsigned k = 0; k < q->nsport && k < 4; k++)
		out_uint(o, 0, NULL, NULL, q->sport[k]);
	out_arr_close(o, NULL);
	out_uint(o, 0, "distinct_sports", NULL, q->nsport);

	struct json_combo j;
	memset(&j, 0, sizeof(j));
	j.o = o;
	j.e = e;
	out_arr_open(o, 0, "paths", NULL, NULL);
	engine_qp_combos(e, q, jc_fn, &j);
	out_arr_close(o, NULL);
	j.mode = 1;
	engine_qp_combos(e, q, jc_fn, &j);
	out_arr_open(o, 0, "taps", NULL, NULL);
	for (int t = 0; t < e->ntaps; t++) {
		if (!j.tap_pk[t])
			continue;
		out_obj_open(o, 0, NULL, NULL);
		out_str(o, 0, "name", NULL, e->tap[t].name);
		out_uint(o, 0, "packets", NULL, j.tap_pk[t]);
		out_uint(o, 0, "bytes", NULL, j.tap_by[t]);
		out_obj_close(o, NULL);
	}
	out_arr_close(o, NULL);
	const char *pol = policy_qp_name(e, q);
	if (pol)
		out_str(o, 0, "policy", NULL, pol);
	else
		out_null(o, 0, "policy");
	out_uint(o, 0, "violations", NULL, engine_ctr(e, q, QCTR_VIOL));
	if (peer && peer[rec]) {
		const struct qp *p = &e->qp.rec[peer[rec] - 1];
		char ps[64], pd[64];
		qp_key_addrs(&p->key, ps, pd, sizeof(ps));
		out_obj_open(o, 0, "peer", NULL);
		out_str(o, 0, "src", NULL, ps);
		out_str(o, 0, "dst", NULL, pd);
		out_uint(o, 0, "dqpn", NULL, p->key.dqpn & 0xffffff);
		out_obj_close(o, NULL);
	} else {
		out_null(o, 0, "peer");
	}
	out_obj_close(o, NULL);
}

void report_json(FILE *f, struct engine *e, const uint32_t *peer, const struct report_opts *ro)
{
	struct out o;
	struct totals tot;
	sum_totals(e, &tot);
	out_init(&o, f, OUT_JSON, 0);
	out_obj_open(&o, 0, NULL, NULL);
	dstats_json(&o, &e->ds);
	out_uint(&o, 0, "accounted", NULL, e->accounted + e->pfc_frames);
	out_uint(&o, 0, "rejected", NULL, rejected(e));
	out_uint(&o, 0, "accounted_cut", NULL, e->accounted_cut);
	out_uint(&o, 0, "skipped_window", NULL, e->skipped_window);
	out_uint(&o, 0, "pfc_frames", NULL, e->pfc_frames);
	char ts[32];
	fmt_ts(ts, sizeof(ts), e->first_ts);
	out_rawnum(&o, 0, "first_ts", NULL, ts);
	fmt_ts(ts, sizeof(ts), e->last_ts);
	out_rawnum(&o, 0, "last_ts", NULL, ts);
	if (ro->error)
		out_str(&o, 0, "error", NULL, ro->error);
	else
		out_null(&o, 0, "error");

	out_obj_open(&o, 0, "anomalies", NULL);
	out_uint(&o, 0, "psn_gaps", NULL, tot.gaps);
	out_uint(&o, 0, "retransmissions", NULL, tot.retrans);
	out_uint(&o, 0, "out_of_order", NULL, tot.ooo);
	out_uint(&o, 0, "naks", NULL, tot.naks);
	out_obj_open(&o, 0, "nak_codes", NULL);
	for (int k = 0; k < NAK_CODES; k++)
		out_uint(&o, 0, nak_code_name((unsigned)k), NULL, tot.nak[k]);
	out_obj_close(&o, NULL);
	out_uint(&o, 0, "rnr_naks", NULL, tot.rnr);
	out_uint(&o, 0, "cnps", NULL, tot.cnps);
	out_uint(&o, 0, "ce", NULL, tot.ce);
	out_uint(&o, 0, "ce_inner", NULL, tot.ce_inner);
	out_uint(&o, 0, "qps_with_loss", NULL, tot.lossy);
	out_obj_close(&o, NULL);

	out_obj_open(&o, 0, "table", NULL);
	out_uint(&o, 0, "qps", NULL, e->qp.n);
	out_uint(&o, 0, "capacity", NULL, e->qp.cap);
	out_uint(&o, 0, "evictions", NULL, e->qp.evictions);
	out_uint(&o, 0, "evictions_unsaved", NULL, e->ev_lost);
	out_uint(&o, 0, "path_overflow_packets", NULL, e->paths.overflow);
	out_obj_close(&o, NULL);

	uint32_t *idx = qps_by_bytes(e);
	out_arr_open(&o, 0, "qps", NULL, NULL);
	for (uint32_t k = 0; idx && k < e->qp.n; k++)
		json_qp(&o, e, &e->qp.rec[idx[k]], peer, idx[k]);
	out_arr_close(&o, NULL);
	free(idx);

	out_arr_open(&o, 0, "paths", NULL, NULL);
	for (uint32_t p = 1; p < e->paths.n; p++) {
		const struct path *pa = &e->paths.p[p];
		out_obj_open(&o, 0, NULL, NULL);
		out_uint(&o, 0, "id", NULL, p);
		out_str(&o, 0, "program", NULL, pa->text);
		out_arr_open(&o, 0, "usids", NULL, NULL);
		for (unsigned h = 0; h < pa->nhops; h++) {
			char tmp[64];
			if (pa->hop[h].kind == PE_SID)
				fmt_addr(tmp, sizeof(tmp), 6, pa->hop[h].sid);
			else
				usid_hex(&e->dp, pa->hop[h].id, tmp, sizeof(tmp));
			out_str(&o, 0, NULL, NULL, tmp);
		}
		out_arr_close(&o, NULL);
		out_arr_open(&o, 0, "nodes", NULL, NULL);
		for (unsigned h = 0; h < pa->nhops; h++) {
			if (pa->hop[h].node >= 0)
				out_str(&o, 0, NULL, NULL, e->cfg->nodes[pa->hop[h].node].name);
			else
				out_null(&o, 0, NULL);
		}
		out_arr_close(&o, NULL);
		out_str(&o, 0, "names", NULL, pa->names);
		out_uint(&o, 0, "packets", NULL, pa->packets);
		out_uint(&o, 0, "bytes", NULL, pa->bytes);
		out_uint(&o, 0, "sightings", NULL, pa->sightings);
		out_uint(&o, 0, "qps", NULL, pa->qps);
		out_obj_close(&o, NULL);
	}
	out_arr_close(&o, NULL);
	out_uint(&o, 0, "unsteered_packets", NULL, e->paths.p[0].packets);

	out_arr_open(&o, 0, "taps", NULL, NULL);
	for (int i = 0; i < e->ntaps; i++) {
		const struct tap *t = &e->tap[i];
		out_obj_open(&o, 0, NULL, NULL);
		out_str(&o, 0, "name", NULL, t->name);
		if (t->node >= 0)
			out_str(&o, 0, "node", NULL, e->cfg->nodes[t->node].name);
		else
			out_null(&o, 0, "node");
		out_str(&o, 0, "dir", NULL, cfg_dir_name(t->dir));
		out_str(&o, 0, "source", NULL, t->source);
		out_uint(&o, 0, "packets", NULL, t->packets);
		out_uint(&o, 0, "bytes", NULL, t->bytes);
		out_uint(&o, 0, "roce_packets", NULL, t->roce);
		out_uint(&o, 0, "primary_packets", NULL, t->primary);
		out_uint(&o, 0, "pfc_frames", NULL, t->pfc);
		out_uint(&o, 0, "kernel_received", NULL, t->kernel_recv);
		out_uint(&o, 0, "kernel_dropped", NULL, t->kernel_drop);
		out_uint(&o, 0, "if_dropped", NULL, t->ifdrop);
		if (t->live) {
			out_obj_open(&o, 0, "worker", NULL);
			out_uint(&o, 0, "packets", NULL, t->worker_packets);
			out_uint(&o, 0, "ring_drops", NULL, t->ring_drops);
			out_double(&o, 0, "cpu_s", NULL, t->cpu_s);
			out_double(&o, 0, "cpu_ns_per_packet", NULL,
				   ns_per_packet(t->cpu_s, t->worker_packets));
			out_obj_close(&o, NULL);
		}
		out_arr_open(&o, 0, "paths", NULL, NULL);
		uint64_t tot_pk = 0;
		for (uint32_t p = 0; p < e->paths.n; p++)
			tot_pk += tap_path_packets(e, i, p);
		for (uint32_t p = 0; p < e->paths.n; p++) {
			uint64_t v = tap_path_packets(e, i, p);
			if (!v)
				continue;
			out_obj_open(&o, 0, NULL, NULL);
			out_uint(&o, 0, "id", NULL, p);
			out_uint(&o, 0, "packets", NULL, v);
			out_double(&o, 0, "share", NULL, (double)v / (double)tot_pk);
			out_obj_close(&o, NULL);
		}
		out_arr_close(&o, NULL);
		out_obj_close(&o, NULL);
	}
	out_arr_close(&o, NULL);
	if (ro->live) {
		out_obj_open(&o, 0, "attribution", NULL);
		out_double(&o, 0, "cpu_s", NULL, ro->attr_cpu_s);
		out_double(&o, 0, "cpu_ns_per_packet", NULL,
			   ns_per_packet(ro->attr_cpu_s, e->ds.packets));
		out_obj_close(&o, NULL);
	} else {
		out_null(&o, 0, "attribution");
	}

	out_arr_open(&o, 0, "nodes", NULL, NULL);
	for (int n = 0; n < e->cfg->nnodes; n++) {
		bool tapped = false;
		for (int t = 0; t < e->ntaps; t++)
			tapped |= e->tap[t].node == n;
		if (!tapped)
			continue;
		uint64_t pk = 0, by = 0;
		for (int t = 0; t < e->ntaps; t++) {
			if (e->tap[t].node != n)
				continue;
			for (uint32_t p = 0; p < e->tp_stride; p++) {
				pk += e->tp[(size_t)t * e->tp_stride + p].ppk;
				by += e->tp[(size_t)t * e->tp_stride + p].pby;
			}
		}
		out_obj_open(&o, 0, NULL, NULL);
		out_str(&o, 0, "name", NULL, e->cfg->nodes[n].name);
		out_uint(&o, 0, "packets", NULL, pk);
		out_uint(&o, 0, "bytes", NULL, by);
		out_arr_open(&o, 0, "paths", NULL, NULL);
		for (uint32_t p = 0; p < e->paths.n; p++) {
			uint64_t v = node_path_packets(e, n, p);
			if (!v)
				continue;
			out_obj_open(&o, 0, NULL, NULL);
			out_uint(&o, 0, "id", NULL, p);
			out_uint(&o, 0, "packets", NULL, v);
			out_double(&o, 0, "share", NULL, (double)v / (double)pk);
			out_obj_close(&o, NULL);
		}
		out_arr_close(&o, NULL);
		out_obj_close(&o, NULL);
	}
	out_arr_close(&o, NULL);

	policy_report_json(&o, e);
	if (ro->db) {
		out_obj_open(&o, 0, "store", NULL);
		out_str(&o, 0, "db", NULL, ro->db);
		out_int(&o, 0, "run", NULL, ro->run);
		out_obj_close(&o, NULL);
	} else {
		out_null(&o, 0, "store");
	}
	out_obj_close(&o, NULL);
	out_eol(&o);
}
