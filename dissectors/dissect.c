/*
 * dissect.c - the entry point: pick the link dissector, and the shared
 * outcome bookkeeping (status, cause, events) every layer reports through.
 *
 * Contract: dissect() resets only the counters of a dpkt (nip, neth, flags),
 * not the whole struct, so the per-packet cost does not grow with the size
 * of the struct. Readers must look at a field only when its presence flag
 * or count says it was filled.
 */
#include "dissect.h"

static const char *const status_names[DP_NSTATUS] = {
	[DP_OK] = "ok",
	[DP_TRUNCATED] = "truncated",
	[DP_MALFORMED] = "malformed",
	[DP_UNSUPPORTED] = "unsupported",
};

static const char *const cause_names[DP_NCAUSE] = {
#define X(e, s, n) [DP_C_##e] = n,
	DP_CAUSES(X)
#undef X
};

static const uint8_t cause_status[DP_NCAUSE] = {
#define X(e, s, n) [DP_C_##e] = DP_##s,
	DP_CAUSES(X)
#undef X
};

static const char *const event_names[DP_NEVENT] = {
#define X(e, n) [DP_E_##e] = n,
	DP_EVENTS(X)
#undef X
};

const char *dp_status_name(unsigned status)
{
	return status < DP_NSTATUS ? status_names[status] : "?";
}

const char *dp_cause_name(unsigned cause)
{
	return cause < DP_NCAUSE ? cause_names[cause] : "?";
}

unsigned dp_cause_status(unsigned cause)
{
	return cause < DP_NCAUSE ? cause_status[cause] : DP_MALFORMED;
}

const char *dp_event_name(unsigned event)
{
	return event < DP_NEVENT ? event_names[event] : "?";
}

void dp_opts_init(struct dp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->roce_ports[0] = 4791;
	o->nroce_ports = 1;
	o->check_icrc = true;
	o->lblen = 32;
	o->nflen = 16;
	o->local_lo = 0xe000;
	o->local_hi = 0xffff;
}

/* The first failure wins: later layers never overwrite an earlier cause. */
void dp_fail(struct dp_ctx *x, enum dp_cause cause)
{
	if (x->d->cause != DP_C_NONE)
		return;
	x->d->cause = (uint8_t)cause;
	x->d->status = cause_status[cause];
}

void dp_fail_cur(struct dp_ctx *x, enum dp_cause trunc, enum dp_cause malformed)
{
	dp_fail(x, x->c.err == CUR_WIRE ? malformed : trunc);
}

void dp_event(struct dp_ctx *x, enum dp_event ev)
{
	struct dpkt *d = x->d;
	for (unsigned i = 0; i < d->nevent; i++)
		if (d->event[i] == ev)
			return;
	if (d->nevent < DP_MAX_EVENTS - 1)
		d->event[d->nevent++] = (uint8_t)ev;
	else if (d->nevent == DP_MAX_EVENTS - 1)
		d->event[d->nevent++] = DP_E_EVENTS_LOST;
}

void dissect(const struct dp_opts *o, uint32_t linktype, const uint8_t *frame, uint32_t caplen,
	     uint32_t len, struct dpkt *d)
{
	struct dp_ctx x;

	d->caplen = caplen;
	d->len = len;
	d->linktype = linktype;
	d->status = DP_OK;
	d->cause = DP_C_NONE;
	d->nevent = 0;
	d->neth = 0;
	d->nvlan = 0;
	d->has_sll = false;
	d->nip = 0;
	d->has_udp = false;
	d->roce = DP_ROCE_NONE;
	d->has_grh = false;
	d->has_bth = false;
	d->has_payload = false;
	d->ext = 0;
	d->icrc_status = DP_ICRC_NONE;
	d->payload_len = 0;
	d->has_pfc = false;

	x.o = o;
	x.d = d;
	cur_init(&x.c, frame, caplen, len);

	switch (linktype) {
	case DP_LINK_ETHERNET:
		eth_dissect(&x);
		break;
	case DP_LINK_SLL:
		sll_dissect(&x, false);
		break;
	case DP_LINK_SLL2:
		sll_dissect(&x, true);
		break;
	case DP_LINK_NULL:
		null_dissect(&x, false);
		break;
	case DP_LINK_LOOP:
		null_dissect(&x, true);
		break;
	case DP_LINK_RAW:
	case DP_LINK_RAW_DLT:
	case DP_LINK_RAW_DLT14: {
		const uint8_t *v = cur_peek(&x.c, 1);
		if (!v) {
			dp_fail(&x, DP_C_IPV4_TRUNC);
			break;
		}
		if ((v[0] >> 4) == 6)
			ipv6_dissect(&x);
		else
			ipv4_dissect(&x);
		break;
	}
	case DP_LINK_IPV4:
		ipv4_dissect(&x);
		break;
	case DP_LINK_IPV6:
		ipv6_dissect(&x);
		break;
	default:
		dp_fail(&x, DP_C_LINKTYPE);
		break;
	}
}
