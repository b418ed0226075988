/*
 * attrib.h - the attribution engine: every decoded packet (a sighting at a
 * tap) is counted on its QP record, its path and its tap, with RoCE
 * telemetry (opcode classes, PSN gaps, retransmissions, reordering, NAKs,
 * CNPs, ECN) and, when a config gives policies, a verdict (policy.c).
 *
 * The same engine serves `analyze` (files, one thread) and `capture` (live,
 * fed by capture workers). Per packet it does O(header bytes) work, no
 * allocation once tables are warm, no locks, no syscalls and no SQLite:
 * the store (store.c) reads the engine's tables and batches at flush time.
 *
 * Primary sightings: a packet may be seen at several taps (entering and
 * leaving a spine). QP, path and node counters, and PSN analysis, use one
 * sighting per packet per tapped node: the entering one, or the leaving one
 * at a node whose taps see only leaving traffic. Tap and (QP, path, tap)
 * counters count every sighting.
 */
#ifndef SPINETAP_ATTRIB_H
#define SPINETAP_ATTRIB_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dissect.h"
#include "dstats.h"
#include "paths.h"
#include "pktsrc.h"
#include "qptab.h"

#define MAX_TAPS 256
#define TAP_NAME_MAX 64

/* NAK codes tracked per QP (AETH NAK values 0..4, then "other"). */
#define NAK_CODES 6

struct tap {
	char name[TAP_NAME_MAX];
	char source[256];     /* file path or interface spec */
	int cfg;              /* config tap index, or -1 */
	int node;             /* config node index, or -1 */
	int peer;             /* config node index, or -1 */
	uint8_t dir;          /* enum cfg_dir */
	bool leaving_primary; /* no tap on this node sees entering traffic */
	uint64_t packets, bytes;   /* every packet read at this tap */
	uint64_t roce, roce_bytes; /* RoCE sightings accounted */
	uint64_t primary;          /* of which primary */
	uint64_t pfc;              /* PAUSE/PFC frames */
	uint64_t pfc_xoff[8];      /* PFC frames with a non-zero time per priority */
	uint64_t kernel_recv, kernel_drop, ifdrop; /* live capture (pcap_stats) */
	bool live;                 /* fed by a capture worker */
	uint64_t ring_drops;       /* packets the worker's ring could not take (in kernel_drop too) */
	uint64_t worker_packets;   /* packets the worker read */
	double cpu_s;              /* the worker thread's CPU time */
	uint64_t first_ts, last_ts;
};

/* Counters per (tap, path): all sightings and primary ones. */
struct tp_ctr {
	uint64_t pk, by, ppk, pby;
	uint64_t snap_pk, snap_by, snap_ppk, snap_pby; /* at the start of the current second */
	uint32_t sec_mark;                             /* second index when last touched */
};

/* One per-second row of the time series, waiting for the store. */
struct ts_row {
	uint64_t sec;
	uint16_t tap;
	uint32_t path;
	uint64_t pk, by, ppk, pby;
};

/* A (QP, path, tap) counter beyond the one kept inline in the QP record. */
struct combo {
	uint32_t qp_id, rec, path;
	uint16_t tap;
	uint8_t dirty;
	uint64_t packets, bytes;
};

/* Evicted QPs wait in a queue of at most EV_QUEUE_MAX for the store; commands flush
 * early when it reaches EV_FLUSH_AT, so a flood of new QPs loses no rows. */
#define EV_QUEUE_MAX 65536u
#define EV_FLUSH_AT 32768u

/* An evicted QP waiting to be written. */
struct evrec {
	struct qp q;
	uint64_t ctr[QCTR_N];
	uint32_t nak[NAK_CODES];
};

/*
 * Per-QP extras kept aside because few QPs need them (keyed by QP id): the
 * NAK code breakdown, and the last RDMA READ request, whose PSN reservation
 * is re-checked against the next request once the PMTU is known.
 */
struct nakrec {
	uint32_t qp_id;
	uint64_t ctr[QCTR_SIDE]; /* the side counters, QCTR_INLINE.. (enum qp_ctr) */
	uint32_t rec;          /* record index when created; valid while rec[rec].id == qp_id */
	uint32_t n[NAK_CODES];
	uint32_t read_psn, read_len;
	bool read_guess;       /* the last READ's reservation used a guessed PMTU */
	uint32_t late_psn;     /* first PSN of the unresolved late run (struct qp.pending) */
	uint32_t seqerr_psn;   /* expected PSN named by the last PSN-sequence-error NAK */
	bool has_seqerr;
};

struct policy_state; /* policy.c */

#define PEND_BUF 262144u /* the largest record the readers hand out */

/* A packet dissected and waiting to be finished (engine_packet). */
struct pend {
	bool has, roce, cut;
	int tap;
	uint64_t h;
	struct qp_key k;
	struct pkt p;
	struct dpkt d;
	uint8_t *buf;
};

struct engine {
	const struct config *cfg;
	struct dp_opts dp;
	uint32_t pmtu;             /* for READ reservations: configured, or learned from traffic */
	bool pmtu_fixed;           /* the config set pmtu: never learn it */
	uint32_t pmtu_learned;     /* largest FIRST/MIDDLE payload seen (a power of two), 0 none */
	struct qptab qp;
	struct paths paths;
	struct tap tap[MAX_TAPS];
	int ntaps;

	struct dstats ds;          /* decode outcomes, all taps */
	uint64_t accounted;        /* RoCE sightings attributed */
	uint64_t accounted_cut;    /* of which the snapshot cut extended headers */
	uint64_t pfc_frames;
	uint64_t skipped_window;   /* read, but outside analyze --from/--to: in no other figure */
	uint64_t first_ts, last_ts;

	/* (tap, path) counters: a row of tp_stride entries per tap */
	struct tp_ctr *tp;
	uint32_t tp_stride;

	/* per-second series */
	uint64_t cur_sec;          /* second of the packets now arriving */
	uint32_t sec_index;        /* increments each second, marks touched tp entries */
	struct ts_row *ts;
	uint32_t nts, ts_cap;
	uint64_t ts_dropped;       /* rows not kept for lack of memory */
	uint32_t *touched;         /* tp entry indices touched this second */
	uint32_t ntouched, touched_cap;

	/* combos */
	struct combo *combo;
	uint32_t ncombo, combo_cap;
	uint32_t *combo_slot;
	uint32_t combo_nslot;

	/* evictions waiting for the store */
	struct evrec *ev;
	uint32_t nev, ev_cap;
	uint64_t ev_lost, ev_lost_packets, ev_lost_bytes;

	struct nakrec *nak;
	uint32_t nnak, nak_cap;
	uint32_t *nak_slot;
	uint32_t nak_nslot;

	/* totals over evicted QPs, so reports stay whole */
	uint64_t ev_gaps, ev_retrans, ev_ooo, ev_naks, ev_rnr, ev_cnps, ev_ce;

	struct policy_state *pol;  /* verdicts, correlation, evidence (policy.c) */
	struct pend pend[2];       /* the packet being finished one call late, and the next */
	int pcur;
	uint64_t seed;
};

bool engine_init(struct engine *e, const struct config *cfg);
void engine_free(struct engine *e);

/* Add a tap; returns its index or -1 (too many). `name` may name a config tap. */
int engine_add_tap(struct engine *e, const char *name, const char *source);

/* One packet seen at tap `tap` (finished one call later; see engine_sync). */
void engine_packet(struct engine *e, int tap, const struct pkt *p);
/* Finish the packet still pending: call before reading the engine's tables. */
void engine_sync(struct engine *e);

/* Close the current second and resolve pending PSN classifications (end of input). */
void engine_finish(struct engine *e);

/* Read helpers for the store and the reports. */
uint64_t engine_qp_nak(const struct engine *e, const struct qp *q, unsigned code);
void engine_qp_naks(const struct engine *e, uint32_t qp_id, uint32_t out[NAK_CODES]);
/* Distinct QPs per path (fills paths[].qps); pairs QPs (fills peer[] by record index). */
void engine_pair_and_count(struct engine *e, uint32_t *peer);
/* Iterate (path, tap, packets, bytes) of a QP: inline combo then table entries. */
typedef void (*combo_fn)(void *arg, uint32_t path, uint16_t tap, uint64_t packets, uint64_t bytes);
void engine_qp_combos(const struct engine *e, const struct qp *q, combo_fn fn, void *arg);
/* A counter of a QP at full width, inline or side (enum qp_ctr). */
uint64_t engine_ctr(const struct engine *e, const struct qp *q, unsigned c);
/* Add to a counter (the side record is created when needed). */
void engine_ctr_add(struct engine *e, struct qp *q, unsigned c, uint32_t n);
/* All counters of a QP, for the store. */
void engine_ctrs(const struct engine *e, const struct qp *q, uint64_t out[QCTR_N]);
const char *qp_class_name(unsigned cls);
/* Format the QP key addresses. */
void qp_key_addrs(const struct qp_key *k, char *src, char *dst, size_t len);

#endif
