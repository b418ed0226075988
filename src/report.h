/*
 * report.h - the end-of-run report of analyze and capture: a human report
 * (totals, decode outcomes, taps, paths and their share per tap/node, top
 * QPs, anomalies, and the proof per policy) or one JSON summary object whose
 * field names are the contract in spinetap(8), OUTPUT FORMAT.
 */
#ifndef SPINETAP_REPORT_H
#define SPINETAP_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "attrib.h"

struct report_opts {
	int top;              /* QPs listed in the text report */
	const char *db;       /* where the store went, or NULL */
	int64_t run;          /* its run id */
	const char *error;    /* an input error that ended the run early, or NULL */
	bool live;            /* capture: report the attribution thread's CPU */
	double attr_cpu_s;    /* its CPU time (dissection, attribution, verdicts, store) */
};

/* `peer` from engine_pair_and_count (indexed by record; may be NULL). */
void report_text(FILE *f, struct engine *e, const uint32_t *peer, const struct report_opts *o);
void report_json(FILE *f, struct engine *e, const uint32_t *peer, const struct report_opts *o);

#endif
