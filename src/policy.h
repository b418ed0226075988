/*
 * policy.h - verdicts, cross-tap correlation and evidence (DESIGN.md §3,
 * spinetap.conf(5)). The engine calls policy_sighting() for every RoCE
 * sighting; the policy state keeps verdict counters per policy and per
 * kind, pin state per QP, a correlation window per node, and the first N
 * offending sightings of each kind as evidence.
 */
#ifndef SPINETAP_POLICY_H
#define SPINETAP_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib.h"

enum verdict {
	V_COMPLIANT = 0,
	V_MISROUTED,
	V_UNKNOWN_SID,
	V_UNSTEERED,
	V_POLICY_VIOLATION,
	V_PIN_VIOLATION,
	V_UNCOVERED,
	V_N,
	/* correlation faults, kinds of evidence too */
	K_SHIFT_ERROR = V_N,
	K_LOST_IN_NODE,
	K_N
};

/* One kept offending sighting. */
struct evidence {
	uint8_t kind;          /* enum verdict or K_* */
	int16_t policy;        /* -1 when no policy covers it (index at the time it was kept) */
	char policy_name[CFG_NAME_MAX];
	int16_t tap;
	uint64_t ts, frame;
	struct qp_key key;
	uint32_t psn;
	char expected[160];
	char observed[160];
	char detail[96];
	uint32_t caplen, len, linktype;
	uint8_t *bytes;        /* the captured frame, for the pcapng export */
};

struct transit_row {
	const char *node;
	uint64_t matched, lost, shift_errors;
	double p50_us, p99_us, max_us;
};

/* Cursor for the store and the reports to walk the policy state. */
struct policy_rows {
	int pi, vi, ni;
	uint32_t ei;
};

struct policy_state *policy_new(struct engine *e);
void policy_free(struct policy_state *ps);

/* Is this sighting at a both-direction tap entering the tap's node? */
bool policy_entering(const struct engine *e, const struct tap *tap, const struct dpkt *d,
		     uint32_t path);

void policy_sighting(struct engine *e, int tap, struct qp *q, uint32_t path, const struct dpkt *d,
		     const struct pkt *p, bool entering, bool primary);
void policy_finish(struct engine *e);
/* After the config changed (SIGHUP): new policies, cleared caches, counters kept by name. */
void policy_reload(struct engine *e);
/* After a tap was added: which nodes are tapped on both sides. */
void policy_taps_changed(struct engine *e);

const char *verdict_name(unsigned v);

/* The policy covering a QP, or NULL. */
const char *policy_qp_name(const struct engine *e, const struct qp *q);

void policy_rows_begin(const struct engine *e, struct policy_rows *r);
/* Next (policy, verdict, sightings) row with a non-zero count; policy "(none)" = uncovered. */
bool policy_rows_verdict(const struct engine *e, struct policy_rows *r, const char **policy,
			 const char **verdict, uint64_t *n);
/* Next kept evidence record and its index, or NULL. */
const struct evidence *policy_rows_evidence(const struct engine *e, struct policy_rows *r,
					    uint32_t *idx);
const struct transit_row *policy_rows_transit(const struct engine *e, struct policy_rows *r);

/* The proof section of the text report, and the JSON members of the summary. */
struct out;
void policy_report_text(FILE *f, const struct engine *e);
void policy_report_json(struct out *o, const struct engine *e);
/* Parse a --fail-on list ("misrouted,pin_violation", "all") into a mask of kinds. */
bool policy_parse_kinds(const char *s, uint32_t *mask, char *err, size_t errlen);
/* Exit status contribution: true when a violation of a kind in `mask` was found. */
bool policy_failed(const struct engine *e, uint32_t mask);

#endif
