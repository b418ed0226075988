/*
 * emit.h - render one decoded packet as a text line or a JSON object,
 * through the one emit path of out.h. The field names are the contract
 * documented in spinetap(8), OUTPUT FORMAT.
 */
#ifndef SPINETAP_EMIT_H
#define SPINETAP_EMIT_H

#include "config.h"
#include "dissect.h"
#include "out.h"
#include "pktsrc.h"

void emit_packet(struct out *o, const struct config *cfg, const struct dp_opts *dp,
		 const struct pkt *p, const struct dpkt *d);

/* Names used in several outputs. */
const char *aeth_type_name(unsigned type);
const char *nak_code_name(unsigned code); /* AETH value of a NAK (0..4), or "other" */
const char *icrc_status_name(unsigned st);

#endif
