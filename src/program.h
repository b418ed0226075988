/*
 * program.h - the uSID program of a packet (DESIGN.md §2): the carrier in
 * the outer destination address, then the SRH entries Segment List[SL-1]
 * down to [0], each split into uSIDs when inside the block, else kept as a
 * plain SID. Used by decode to print it and by attribution to name paths.
 */
#ifndef SPINETAP_PROGRAM_H
#define SPINETAP_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dissect.h"

#define PROG_MAX 48

enum prog_kind { PE_GLOBAL = 0, PE_LOCAL, PE_SID };

struct prog_elt {
	uint8_t kind;     /* enum prog_kind */
	uint8_t seg;      /* 0xff: the DA carrier; else the SRH index it came from */
	uint32_t id;      /* uSID value (PE_GLOBAL, PE_LOCAL) */
	uint8_t sid[16];  /* the plain SID (PE_SID) */
};

struct program {
	uint8_t n;
	bool truncated;       /* more than PROG_MAX elements; the rest are dropped */
	int ip;               /* index of the IP layer that carries it */
	struct prog_elt e[PROG_MAX];
};

/*
 * The IP layer carrying a program: the first IPv6 layer with an SRH, or
 * whose DA lies in the block, or that encapsulates another packet. -1 when
 * the packet is not steered (plain IP).
 */
int program_layer(const struct dpkt *d);

/* Build the program; false when the packet carries none. */
bool program_build(const struct dp_opts *o, const struct dpkt *d, const uint8_t *frame,
		   struct program *out);

/*
 * Render as text, e.g. "fcbb:bbbb:[1001 0002 b001 fe09]" (or with node names,
 * "fcbb:bbbb:[spine1 leaf2 host2 fe09]" when cfg names them), plain SIDs as
 * addresses, elements separated by spaces.
 */
void program_text(const struct config *cfg, const struct dp_opts *o, const struct program *p,
		  bool names, char *buf, size_t len);

/* "fcbb:bbbb:" for a /32 block: the block's 16-bit groups, then ':'. */
void block_text(const struct dp_opts *o, char *buf, size_t len);
/* A uSID as hex, nflen/4 digits. */
void usid_hex(const struct dp_opts *o, uint32_t id, char *buf, size_t len);

#endif
