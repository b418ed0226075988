/*
 * dstats.c - see dstats.h.
 */
#include "dstats.h"

#include <string.h>

#include "emit.h"
#include "program.h"
#include "util.h"

void dstats_add(struct dstats *s, const struct dpkt *d, uint32_t len)
{
	dstats_add_layer(s, d, len, program_layer(d));
}

void dstats_add_layer(struct dstats *s, const struct dpkt *d, uint32_t len, int layer)
{
	s->packets++;
	s->bytes += len;
	s->status[d->status]++;
	s->cause[d->cause]++;
	for (unsigned i = 0; i < d->nevent; i++)
		s->event[d->event[i]]++;
	if (d->has_bth)
		s->roce++;
	if (layer >= 0)
		s->srv6++;
	s->icrc[d->icrc_status & 3]++;
}

void dstats_merge(struct dstats *into, const struct dstats *from)
{
	into->packets += from->packets;
	into->bytes += from->bytes;
	for (int i = 0; i < DP_NSTATUS; i++)
		into->status[i] += from->status[i];
	for (int i = 0; i < DP_NCAUSE; i++)
		into->cause[i] += from->cause[i];
	for (int i = 0; i < DP_NEVENT; i++)
		into->event[i] += from->event[i];
	into->roce += from->roce;
	into->srv6 += from->srv6;
	for (int i = 0; i < 4; i++)
		into->icrc[i] += from->icrc[i];
}

void dstats_print(FILE *f, const struct dstats *s, const char *indent)
{
	char a[32];
	for (unsigned st = 0; st < DP_NSTATUS; st++) {
		fprintf(f, "%s%-12s %14s", indent, dp_status_name(st),
			fmt_count(a, sizeof(a), s->status[st]));
		bool first = true;
		for (unsigned c = 1; c < DP_NCAUSE; c++) {
			if (dp_cause_status(c) != st || !s->cause[c])
				continue;
			fprintf(f, "%s%s %s", first ? "   " : ", ", dp_cause_name(c),
				fmt_count(a, sizeof(a), s->cause[c]));
			first = false;
		}
		fputc('\n', f);
	}
	bool any = false;
	for (unsigned e = 0; e < DP_NEVENT; e++) {
		if (!s->event[e])
			continue;
		fprintf(f, "%s%s%s %s", any ? ", " : "", any ? "" : indent, dp_event_name(e),
			fmt_count(a, sizeof(a), s->event[e]));
		any = true;
	}
	if (any)
		fputc('\n', f);
	fprintf(f, "%sroce %s", indent, fmt_count(a, sizeof(a), s->roce));
	fprintf(f, "  srv6 %s", fmt_count(a, sizeof(a), s->srv6));
	fprintf(f, "  icrc: valid %s", fmt_count(a, sizeof(a), s->icrc[DP_ICRC_VALID]));
	fprintf(f, " invalid %s", fmt_count(a, sizeof(a), s->icrc[DP_ICRC_INVALID]));
	fprintf(f, " not-captured %s\n", fmt_count(a, sizeof(a), s->icrc[DP_ICRC_NOT_CAPTURED]));
}

void dstats_json(struct out *o, const struct dstats *s)
{
	out_uint(o, 0, "packets", NULL, s->packets);
	out_uint(o, 0, "bytes", NULL, s->bytes);
	out_obj_open(o, 0, "decoded", NULL);
	for (unsigned st = 0; st < DP_NSTATUS; st++)
		out_uint(o, 0, dp_status_name(st), NULL, s->status[st]);
	out_obj_close(o, NULL);
	out_obj_open(o, 0, "causes", NULL);
	for (unsigned c = 1; c < DP_NCAUSE; c++)
		if (s->cause[c])
			out_uint(o, 0, dp_cause_name(c), NULL, s->cause[c]);
	out_obj_close(o, NULL);
	out_obj_open(o, 0, "events", NULL);
	for (unsigned e = 0; e < DP_NEVENT; e++)
		if (s->event[e])
			out_uint(o, 0, dp_event_name(e), NULL, s->event[e]);
	out_obj_close(o, NULL);
	out_uint(o, 0, "roce_packets", NULL, s->roce);
	out_uint(o, 0, "srv6_packets", NULL, s->srv6);
	out_obj_open(o, 0, "icrc", NULL);
	out_uint(o, 0, "valid", NULL, s->icrc[DP_ICRC_VALID]);
	out_uint(o, 0, "invalid", NULL, s->icrc[DP_ICRC_INVALID]);
	out_uint(o, 0, "not_captured", NULL, s->icrc[DP_ICRC_NOT_CAPTURED]);
	out_uint(o, 0, "unchecked", NULL, s->icrc[DP_ICRC_NONE] - (s->packets - s->roce));
	out_obj_close(o, NULL);
}
