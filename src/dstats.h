/*
 * dstats.h - decode outcome counters: packets by status, cause and event,
 * RoCE and SRv6 totals, ICRC results. Shared by decode, analyze and
 * capture so every command reports outcomes the same way.
 */
#ifndef SPINETAP_DSTATS_H
#define SPINETAP_DSTATS_H

#include <stdint.h>
#include <stdio.h>

#include "dissect.h"
#include "out.h"

struct dstats {
	uint64_t packets, bytes;
	uint64_t status[DP_NSTATUS];
	uint64_t cause[DP_NCAUSE];
	uint64_t event[DP_NEVENT];
	uint64_t roce, srv6;
	uint64_t icrc[4]; /* by enum dp_icrc */
};

void dstats_add(struct dstats *s, const struct dpkt *d, uint32_t len);
/* The same, with program_layer(d) already known (the engine computes it once). */
void dstats_add_layer(struct dstats *s, const struct dpkt *d, uint32_t len, int layer);
void dstats_merge(struct dstats *into, const struct dstats *from);
/* Human table: statuses with their causes, events, RoCE/SRv6 and ICRC lines. */
void dstats_print(FILE *f, const struct dstats *s, const char *indent);
/* JSON members "packets", "decoded" {ok,truncated,malformed,unsupported}, "causes",
 * "events", "roce_packets", "srv6_packets", "icrc" into the currently open object. */
void dstats_json(struct out *o, const struct dstats *s);

#endif
