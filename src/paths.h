/*
 * paths.h - path interning: each distinct uSID program gets a small id.
 *
 * The fast path hashes the raw bytes that determine the program (the
 * carrying layer's destination address and Segment List[SL-1..0]) and
 * looks them up; only a new raw key pays for decoding the program into
 * hops and node names. Different raw keys that decode to the same program
 * (bytes after an end-of-carrier, say) share one path id.
 *
 * Path id 0 means "no program" (unsteered). At most PATHS_MAX paths are
 * kept; later new programs all map to one extra path named "(overflow)",
 * and the packets are counted in `overflow`.
 */
#ifndef SPINETAP_PATHS_H
#define SPINETAP_PATHS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dissect.h"
#include "program.h"

#define PATHS_MAX 65535u
#define PATH_NONE 0u
#define PATH_RAW_MAX (16 + 16 * 32) /* DA + up to 32 segments hashed; longer lists are cut */

struct path_hop {
	int32_t node;    /* config node index for a known global uSID, else -1 */
	uint32_t id;     /* uSID value, or 0 for a plain SID */
	uint8_t kind;    /* enum prog_kind */
	uint8_t sid[16]; /* the plain SID (PE_SID) */
};

struct path {
	uint32_t id;
	uint8_t nhops;
	bool truncated;
	bool unknown_global;          /* a global uSID the node map does not know */
	struct path_hop *hop;
	char *text;                   /* program text with uSIDs in hex */
	char *names;                  /* "spine1 > leaf2 > host2 > fe09", or the hex text */
	const uint8_t *raw;           /* the first raw key interned to this path (a hint check) */
	uint16_t rawlen;
	uint64_t packets, bytes;      /* primary sightings */
	uint64_t sightings, sighting_bytes;
	uint32_t qps;                 /* distinct QPs, computed by attrib at report time */
};

struct paths {
	struct path *p;      /* p[0] is the "no program" path */
	uint32_t n, cap;
	uint32_t *slot;      /* raw key -> path index + 1 */
	uint32_t nslot;
	uint32_t *tslot;     /* program text -> path index + 1 (tells equal programs apart) */
	uint32_t ntslot;
	struct raw { uint64_t h; uint32_t path; uint16_t len; uint8_t *bytes; } *raw;
	uint32_t nraw, raw_cap;
	uint64_t seed;
	uint64_t overflow;   /* packets whose program found no room */
	uint32_t overflow_id;/* the "(overflow)" path, 0 until needed */
	const struct config *cfg;
	const struct dp_opts *dp;
};

bool paths_init(struct paths *t, const struct config *cfg, const struct dp_opts *dp, uint64_t seed);
void paths_free(struct paths *t);

/*
 * Path id for the packet's program (PATH_NONE when it has none). `hint` is
 * a path the caller expects (the QP's last one): when the raw bytes match
 * it, no hashing is done. `layer` is program_layer(d), computed once.
 */
uint32_t paths_intern(struct paths *t, const struct dpkt *d, const uint8_t *frame, int layer,
		      uint32_t hint);
/* Re-resolve node names after a config reload (SIGHUP). */
void paths_rename(struct paths *t, const struct config *cfg);
static inline struct path *paths_get(struct paths *t, uint32_t id)
{
	return id < t->n ? &t->p[id] : NULL;
}

#endif
