/*
 * dissect_unit.h - what every dissector test shares: rows of bytes, a
 * decode from a heap copy of exactly the captured length (ASan sees any
 * overread), the sweep over every shorter capture with the invariants that
 * hold whatever the protocol, and the check of a row's events.
 */
#ifndef SPINETAP_DISSECT_UNIT_H
#define SPINETAP_DISSECT_UNIT_H

#include <stdlib.h>

#include "dissect.h"
#include "unit.h"

#define BYTES(...) .b = (const uint8_t[]){__VA_ARGS__}, .n = sizeof((const uint8_t[]){__VA_ARGS__})
#define EVENTS(...) .ev = {__VA_ARGS__}, .nev = sizeof((const uint8_t[]){__VA_ARGS__})

static inline void decode(const struct dp_opts *o, uint32_t lt, const uint8_t *b, uint32_t cap,
			  uint32_t wire, struct dpkt *d)
{
	uint8_t *p = malloc(cap ? cap : 1);
	if (!p)
		abort();
	if (cap)
		memcpy(p, b, cap);
	else
		p[0] = 0xa5; /* a block of one byte, none of it captured */
	memset(d, 0, sizeof(*d));
	dissect(o, lt, p, cap, wire, d);
	free(p);
}

/*
 * Every shorter capture: no overread, the outcome is the full one or
 * "truncated", and nothing is claimed about bytes that were not captured.
 */
static inline void sweep(const struct dp_opts *o, uint32_t lt, const uint8_t *b, uint32_t n)
{
	struct dpkt full, d;
	decode(o, lt, b, n, n, &full);
	for (uint32_t cap = 0; cap < n; cap++) {
		decode(o, lt, b, cap, n, &d);
		CHECK_EQ_U(d.caplen, cap);
		CHECK_EQ_U(dp_cause_status(d.cause), d.status);
		if (d.status != DP_TRUNCATED && (d.status != full.status || d.cause != full.cause))
			UNIT_FAIL("caplen %u of %u: got %s, the full frame gives %s", cap, n,
				  dp_cause_name(d.cause), dp_cause_name(full.cause));
		/* the payload length never depends on how much was captured */
		if (d.has_payload && full.has_payload)
			CHECK_EQ_U(d.payload_len, full.payload_len);
		if ((d.icrc_status == DP_ICRC_VALID || d.icrc_status == DP_ICRC_INVALID) &&
		    d.payload_off + d.payload_len + d.bth.pad + 4 > cap)
			UNIT_FAIL("caplen %u of %u: ICRC judged without being captured", cap, n);
		/* a segment said to be readable lies inside the capture */
		if (d.nip && d.ip[0].has_srh) {
			const struct dp_srh *s = &d.ip[0].srh;
			if (s->nseg_cap && s->off + 8 + 16u * s->nseg_cap > cap)
				UNIT_FAIL("caplen %u: nseg_cap %u runs past the capture", cap, s->nseg_cap);
			if (s->complete && s->off + 8 + 16u * s->nseg > cap)
				UNIT_FAIL("caplen %u: complete, but the list is not captured", cap);
		}
	}
}

/* The exact set of events, in any order. */
static inline void check_events(const struct dpkt *d, const uint8_t *ev, unsigned nev)
{
	CHECK_EQ_U(d->nevent, nev);
	for (unsigned i = 0; i < nev; i++) {
		bool found = false;
		for (unsigned k = 0; k < d->nevent; k++)
			found |= d->event[k] == ev[i];
		if (!found)
			UNIT_FAIL("event %s missing", dp_event_name(ev[i]));
	}
}

#endif
