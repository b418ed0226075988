/*
 * emit.c - see emit.h.
 *
 * Verbosity levels for text: 0 is the tcpdump-like one-liner (addresses,
 * the uSID program, UDP ports, RoCE opcode, QP, PSN and length); 1 (-v)
 * adds every field. JSON always carries every field.
 */
#include "emit.h"

#include <inttypes.h>
#include <string.h>

#include "program.h"
#include "util.h"

static const char *const aeth_types[] = {"ack", "rnr_nak", "reserved", "nak"};
static const char *const nak_codes[] = {"psn_seq_err", "invalid_request", "remote_access",
					"remote_op", "invalid_rd_request"};
static const char *const icrc_names[] = {
	[DP_ICRC_NONE] = "unchecked",
	[DP_ICRC_NOT_CAPTURED] = "not-captured",
	[DP_ICRC_VALID] = "valid",
	[DP_ICRC_INVALID] = "invalid",
};

const char *aeth_type_name(unsigned type)
{
	return type < ARRAY_SIZE(aeth_types) ? aeth_types[type] : "?";
}

const char *nak_code_name(unsigned code)
{
	return code < ARRAY_SIZE(nak_codes) ? nak_codes[code] : "other";
}

const char *icrc_status_name(unsigned st)
{
	return st < ARRAY_SIZE(icrc_names) ? icrc_names[st] : "?";
}

static void emit_usid(struct out *o, const struct config *cfg, const struct dp_opts *dp,
		      const struct dp_usid *u)
{
	char tmp[64], pfx[80];
	out_obj_open(o, 1, "usid", " usid ");
	fmt_addr(tmp, sizeof(tmp), 6, dp->block);
	snprintf(pfx, sizeof(pfx), "%s/%u", tmp, dp->lblen);
	out_str(o, 2, "block", "%s ", pfx);
	if (u->n) {
		usid_hex(dp, u->id[0], tmp, sizeof(tmp));
		out_str(o, 2, "active", "active %s ", tmp);
	} else {
		out_null(o, 2, "active");
	}
	block_text(dp, tmp, sizeof(tmp));
	out_text(o, 1, tmp);
	out_arr_open(o, 1, "ids", "[", " ");
	for (unsigned i = 0; i < u->n; i++) {
		usid_hex(dp, u->id[i], tmp, sizeof(tmp));
		out_str(o, 1, NULL, "%s", tmp);
	}
	out_arr_close(o, "]");
	out_arr_open(o, 2, "local", " local [", " ");
	for (unsigned i = 0; i < u->n; i++)
		out_bool(o, 2, NULL, "%d", (u->local_mask >> i) & 1);
	out_arr_close(o, "]");
	out_arr_open(o, 1, "nodes", " (", " ");
	for (unsigned i = 0; i < u->n; i++) {
		int n = (u->local_mask >> i) & 1 ? -1 : config_node_by_usid(cfg, u->id[i]);
		if (n >= 0)
			out_str(o, 1, NULL, "%s", cfg->nodes[n].name);
		else if (out_json(o))
			out_null(o, 1, NULL);
		else
			out_text(o, 1, "-");
	}
	out_arr_close(o, ")");
	out_obj_close(o, NULL);
}

static void emit_srh(struct out *o, const struct dp_srh *s, const uint8_t *frame)
{
	char tmp[64];
	out_obj_open(o, 0, "srh", " srh");
	out_uint(o, 1, "nh", " nh %" PRIu64, s->nh);
	out_uint(o, 0, "sl", " sl %" PRIu64, s->sl);
	out_uint(o, 1, "last", " last %" PRIu64, s->last);
	out_uint(o, 1, "flags", " flags 0x%02" PRIx64, s->flags);
	out_uint(o, 1, "tag", " tag %" PRIu64, s->tag);
	out_arr_open(o, 0, "segs", " [", ", ");
	for (unsigned i = 0; i < s->nseg_cap; i++)
		out_str(o, 0, NULL, "%s", fmt_addr(tmp, sizeof(tmp), 6, frame + s->off + 8 + 16 * i));
	out_arr_close(o, "]");
	out_arr_open(o, 1, "tlvs", " tlvs [", ", ");
	for (unsigned i = 0; i < s->ntlv; i++) {
		const struct dp_tlv *t = &s->tlv[i];
		out_obj_open(o, 1, NULL, NULL);
		out_uint(o, 1, "type", "type %" PRIu64, t->type);
		out_uint(o, 1, "len", " len %" PRIu64, t->len);
		if (t->type == 5 && s->has_hmac) {
			char hex[2 * 255 + 1];
			for (unsigned k = 0; k < s->hmac_len; k++)
				snprintf(hex + 2 * k, 3, "%02x", frame[s->hmac_off + k]);
			hex[2 * s->hmac_len] = '\0';
			out_bool(o, 1, "d", " d %d", s->hmac_d);
			out_hexstr(o, 1, "keyid", " keyid 0x%08" PRIx64, s->hmac_keyid, 8);
			out_str(o, 1, "hmac", " hmac %s", hex);
		}
		out_obj_close(o, NULL);
	}
	out_arr_close(o, "]");
	if (s->tlv_more)
		out_uint(o, 1, "tlvs_not_listed", " (+%" PRIu64 " more)", s->tlv_more);
	out_obj_close(o, NULL);
}

static void emit_ip(struct out *o, const struct config *cfg, const struct dp_opts *dp,
		    const struct dp_ip *ip, const uint8_t *frame)
{
	char a[64], b[64];
	out_obj_open(o, 0, NULL, ip->v == 6 ? " IP6" : " IP");
	out_uint(o, 2, "v", NULL, ip->v);
	out_str(o, 0, "src", " %s", fmt_addr(a, sizeof(a), ip->v, ip->src));
	out_str(o, 0, "dst", " > %s", fmt_addr(b, sizeof(b), ip->v, ip->dst));
	out_uint(o, 1, ip->v == 6 ? "hlim" : "ttl", ip->v == 6 ? " hlim %" PRIu64 : " ttl %" PRIu64,
		 ip->hlim);
	out_uint(o, 1, "dscp", " dscp %" PRIu64, ip->dscp);
	out_uint(o, 1, "ecn", " ecn %" PRIu64, ip->ecn);
	if (ip->v == 6) {
		out_uint(o, 1, "flow", " flow 0x%05" PRIx64, ip->flow);
		out_uint(o, 1, "nh", " nh %" PRIu64, ip->nh);
		if (ip->n_ext) {
			out_arr_open(o, 1, "ext", " ext [", " ");
			for (unsigned i = 0; i < ip->n_ext; i++)
				out_uint(o, 1, NULL, "%" PRIu64, ip->ext[i]);
			out_arr_close(o, "]");
		}
		if (ip->has_srh)
			emit_srh(o, &ip->srh, frame);
		if (ip->in_block)
			emit_usid(o, cfg, dp, &ip->usid);
	} else {
		out_uint(o, 1, "proto", " proto %" PRIu64, ip->nh);
		out_uint(o, 2, "id", NULL, ip->id);
		if (ip->frag)
			out_uint(o, 1, "frag_off", " frag_off %" PRIu64, ip->frag_off);
	}
	out_obj_close(o, NULL);
}

static void emit_program(struct out *o, const struct config *cfg, const struct dp_opts *dp,
			 const struct dpkt *d, const uint8_t *frame)
{
	struct program p;
	char txt[1024], tmp[64];
	if (!program_build(dp, d, frame, &p))
		return;
	bool named = cfg && cfg->nnodes > 0;
	program_text(cfg, dp, &p, named, txt, sizeof(txt));
	out_obj_open(o, 0, "program", NULL);
	out_str(o, 0, "text", " prog %s", txt);
	out_arr_open(o, 2, "hops", NULL, NULL);
	for (unsigned i = 0; i < p.n; i++) {
		if (p.e[i].kind == PE_SID)
			fmt_addr(tmp, sizeof(tmp), 6, p.e[i].sid);
		else
			usid_hex(dp, p.e[i].id, tmp, sizeof(tmp));
		out_str(o, 2, NULL, NULL, tmp);
	}
	out_arr_close(o, NULL);
	out_arr_open(o, 2, "nodes", NULL, NULL);
	for (unsigned i = 0; i < p.n; i++) {
		int n = p.e[i].kind == PE_GLOBAL ? config_node_by_usid(cfg, p.e[i].id) : -1;
		if (n >= 0)
			out_str(o, 2, NULL, NULL, cfg->nodes[n].name);
		else
			out_null(o, 2, NULL);
	}
	out_arr_close(o, NULL);
	out_bool(o, 2, "truncated", NULL, p.truncated);
	out_obj_close(o, NULL);
}

static void emit_roce(struct out *o, const struct dpkt *d)
{
	const struct dp_bth *b = &d->bth;
	const char *name = bth_opname(b->opcode);
	char tmp[32];

	out_obj_open(o, 0, "bth", NULL);
	out_uint(o, 2, "opcode", NULL, b->opcode);
	if (!name) {
		snprintf(tmp, sizeof(tmp), "OPCODE_0x%02x", b->opcode);
		name = tmp;
	}
	out_str(o, 0, "opname", " %s", name);
	out_bool(o, 1, "se", " se %d", b->se);
	out_bool(o, 1, "m", " m %d", b->m);
	out_uint(o, 1, "pad", " pad %" PRIu64, b->pad);
	out_uint(o, 1, "tver", " tver %" PRIu64, b->tver);
	out_uint(o, 1, "pkey", " pkey 0x%04" PRIx64, b->pkey);
	out_bool(o, 1, "fecn", " fecn %d", b->fecn);
	out_bool(o, 1, "becn", " becn %d", b->becn);
	out_uint(o, 0, "dqpn", " dqpn 0x%06" PRIx64, b->dqpn);
	out_bool(o, 1, "ackreq", " ackreq %d", b->ackreq);
	out_uint(o, 0, "psn", " psn %" PRIu64, b->psn);
	out_obj_close(o, NULL);

	if (d->ext & DP_X_RDETH)
		out_uint(o, 1, "rdeth", " rdeth 0x%06" PRIx64, d->rdeth);
	if (d->ext & DP_X_DETH) {
		out_obj_open(o, 1, "deth", " deth");
		out_hexstr(o, 1, "qkey", " qkey 0x%08" PRIx64, d->deth.qkey, 8);
		out_uint(o, 1, "srcqp", " srcqp 0x%06" PRIx64, d->deth.srcqp);
		out_obj_close(o, NULL);
	}
	if (d->ext & DP_X_XRCETH)
		out_uint(o, 1, "xrceth", " xrc_srq 0x%06" PRIx64, d->xrc_srq);
	if (d->ext & DP_X_FETH)
		out_hexstr(o, 1, "feth", " feth 0x%08" PRIx64, d->feth, 8);
	if (d->ext & DP_X_RETH) {
		out_obj_open(o, 1, "reth", " reth");
		out_hexstr(o, 1, "va", " va 0x%016" PRIx64, d->reth.va, 16);
		out_hexstr(o, 1, "rkey", " rkey 0x%08" PRIx64, d->reth.rkey, 8);
		out_uint(o, 1, "dmalen", " dmalen %" PRIu64, d->reth.dmalen);
		out_obj_close(o, NULL);
	}
	if (d->ext & DP_X_ATOMIC) {
		out_obj_open(o, 1, "atomic", " atomic");
		out_hexstr(o, 1, "va", " va 0x%016" PRIx64, d->atomic.va, 16);
		out_hexstr(o, 1, "rkey", " rkey 0x%08" PRIx64, d->atomic.rkey, 8);
		out_hexstr(o, 1, "swap", " swap 0x%016" PRIx64, d->atomic.swap, 16);
		out_hexstr(o, 1, "cmp", " cmp 0x%016" PRIx64, d->atomic.cmp, 16);
		out_obj_close(o, NULL);
	}
	if (d->ext & DP_X_AETH) {
		unsigned type = (d->aeth.syndrome >> 5) & 3, val = d->aeth.syndrome & 0x1f;
		out_obj_open(o, 0, "aeth", NULL);
		out_uint(o, 1, "syndrome", " syndrome 0x%02" PRIx64, d->aeth.syndrome);
		out_str(o, 0, "type", " %s", aeth_type_name(type));
		out_uint(o, type == DP_AETH_ACK ? 1 : 0, "code",
			 type == DP_AETH_ACK ? " credits %" PRIu64
			 : type == DP_AETH_RNR ? " timer %" PRIu64
					       : " code %" PRIu64,
			 val);
		if (type == DP_AETH_NAK)
			out_str(o, 0, "code_name", " (%s)", nak_code_name(val));
		out_uint(o, 0, "msn", " msn %" PRIu64, d->aeth.msn);
		out_obj_close(o, NULL);
	}
	if (d->ext & DP_X_ATOMICACK)
		out_hexstr(o, 1, "atomicack", " orig 0x%016" PRIx64, d->atomicack, 16);
	if (d->ext & DP_X_IMMDT)
		out_hexstr(o, 1, "immdt", " imm 0x%08" PRIx64, d->immdt, 8);
	if (d->ext & DP_X_IETH)
		out_hexstr(o, 1, "ieth", " inv_rkey 0x%08" PRIx64, d->ieth, 8);
	if (d->ext & DP_X_RETH)
		out_textf(o, 0, o->verbose ? "" : " dmalen %u", d->reth.dmalen);
	if (d->has_payload)
		out_uint(o, 0, "payload_len", " len %" PRIu64, d->payload_len);
	if (d->icrc_status != DP_ICRC_NONE) {
		out_obj_open(o, 1, "icrc", " icrc");
		if (d->icrc_status == DP_ICRC_NOT_CAPTURED)
			out_null(o, 1, "value");
		else
			out_hexstr(o, 1, "value", " 0x%08" PRIx64, d->icrc, 8);
		out_str(o, 1, "status", " %s", icrc_status_name(d->icrc_status));
		out_obj_close(o, NULL);
		if (d->icrc_status == DP_ICRC_INVALID)
			out_text(o, 0, " ICRC-INVALID");
	}
}

void emit_packet(struct out *o, const struct config *cfg, const struct dp_opts *dp,
		 const struct pkt *p, const struct dpkt *d)
{
	char ts[32], a[32], b[32];

	fmt_ts(ts, sizeof(ts), p->ts);
	out_obj_open(o, 0, NULL, NULL);
	out_uint(o, 0, "frame", "%" PRIu64, p->frame);
	out_rawnum(o, 0, "ts", " %s", ts);
	out_uint(o, 1, "caplen", " caplen %" PRIu64, d->caplen);
	out_uint(o, 1, "len", " len %" PRIu64, d->len);
	out_str(o, 2, "status", NULL, dp_status_name(d->status));
	out_str(o, 2, "cause", NULL, dp_cause_name(d->cause));
	out_arr_open(o, 1, "events", " {", ",");
	for (unsigned i = 0; i < d->nevent; i++)
		out_str(o, 1, NULL, "%s", dp_event_name(d->event[i]));
	out_arr_close(o, "}");

	if (d->has_sll) {
		out_obj_open(o, 1, "sll", " sll");
		out_uint(o, 1, "pkttype", " pkttype %" PRIu64, d->sll_pkttype);
		out_uint(o, 1, "ifindex", " ifindex %" PRIu64, d->sll_ifindex);
		out_uint(o, 1, "proto", " proto 0x%04" PRIx64, d->sll_proto);
		out_obj_close(o, NULL);
	}
	if (d->neth) {
		out_obj_open(o, 1, "eth", " eth");
		out_str(o, 1, "src", " %s", fmt_mac(a, sizeof(a), d->eth[0].src));
		out_str(o, 1, "dst", " > %s", fmt_mac(b, sizeof(b), d->eth[0].dst));
		out_uint(o, 1, "type", " type 0x%04" PRIx64, d->eth[0].type);
		out_obj_close(o, NULL);
	}
	out_arr_open(o, 0, "vlan", d->nvlan ? " vlan " : NULL, ",");
	for (unsigned i = 0; i < d->nvlan; i++)
		out_uint(o, 0, NULL, "%" PRIu64, d->vlan_id[i]);
	out_arr_close(o, NULL);
	if (d->nvlan) {
		out_arr_open(o, 2, "vlan_pcp", NULL, NULL);
		for (unsigned i = 0; i < d->nvlan; i++)
			out_uint(o, 2, NULL, NULL, d->vlan_pcp[i]);
		out_arr_close(o, NULL);
	}
	if (d->neth > 1) {
		out_obj_open(o, 1, "inner_eth", " inner-eth");
		out_str(o, 1, "src", " %s", fmt_mac(a, sizeof(a), d->eth[1].src));
		out_str(o, 1, "dst", " > %s", fmt_mac(b, sizeof(b), d->eth[1].dst));
		out_uint(o, 1, "type", " type 0x%04" PRIx64, d->eth[1].type);
		out_obj_close(o, NULL);
	}

	out_arr_open(o, 0, "ip", NULL, NULL);
	for (unsigned i = 0; i < d->nip; i++) {
		emit_ip(o, cfg, dp, &d->ip[i], p->data);
		if ((int)i == program_layer(d))
			emit_program(o, cfg, dp, d, p->data);
	}
	out_arr_close(o, NULL);

	if (d->has_grh) {
		const struct dp_grh *g = &d->grh;
		out_obj_open(o, 0, "grh", " GRH");
		out_uint(o, 1, "ipver", " ipver %" PRIu64, g->ipver);
		out_uint(o, 1, "tclass", " tclass %" PRIu64, g->tclass);
		out_uint(o, 1, "flow", " flow 0x%05" PRIx64, g->flow);
		out_uint(o, 1, "paylen", " paylen %" PRIu64, g->paylen);
		out_uint(o, 1, "nxthdr", " nxthdr %" PRIu64, g->nxthdr);
		out_uint(o, 1, "hoplmt", " hoplmt %" PRIu64, g->hoplmt);
		char s1[64], s2[64];
		out_str(o, 0, "sgid", " %s", fmt_addr(s1, sizeof(s1), 6, g->sgid));
		out_str(o, 0, "dgid", " > %s", fmt_addr(s2, sizeof(s2), 6, g->dgid));
		out_obj_close(o, NULL);
	}
	if (d->has_udp) {
		out_obj_open(o, 0, "udp", " UDP");
		out_uint(o, 0, "sport", " %" PRIu64, d->sport);
		out_uint(o, 0, "dport", " > %" PRIu64, d->dport);
		out_uint(o, 1, "len", " len %" PRIu64, d->ulen);
		out_obj_close(o, NULL);
	}
	if (d->has_bth)
		emit_roce(o, d);
	if (d->has_pfc) {
		out_obj_open(o, 0, "pfc", d->pfc.opcode == 1 ? " PAUSE" : " PFC");
		out_hexstr(o, 1, "opcode", " opcode 0x%04" PRIx64, d->pfc.opcode, 4);
		out_hexstr(o, 0, "cev", " cev 0x%02" PRIx64, d->pfc.cev, 2);
		out_arr_open(o, 0, "times", " times [", " ");
		for (unsigned i = 0; i < 8; i++)
			out_uint(o, 0, NULL, "%" PRIu64, d->pfc.time[i]);
		out_arr_close(o, "]");
		out_obj_close(o, NULL);
	}

	static const char *const status_fmt[DP_NSTATUS] = {
		[DP_OK] = "",
		[DP_TRUNCATED] = " [|%s]",
		[DP_MALFORMED] = " (invalid: %s)",
		[DP_UNSUPPORTED] = " [unsupported: %s]",
	};
	if (d->status != DP_OK && d->status < DP_NSTATUS)
		out_textf(o, 0, status_fmt[d->status], dp_cause_name(d->cause));
	out_obj_close(o, NULL);
	out_eol(o);
}
