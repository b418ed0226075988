/*
 * store.h - the SQLite store (schema in spinetap(8), STORE).
 *
 * One run row per analyze or capture; every other table is keyed by run,
 * so re-running into the same file adds a run and never merges into an
 * old one. WAL mode: readers see committed data while a run writes. All
 * writes of a flush go in one transaction through prepared statements; the
 * engine's tables are read here, off the per-packet path. On a write error
 * (disk full) the transaction rolls back, nothing is marked written, and
 * the next flush tries again: counters keep counting meanwhile.
 */
#ifndef SPINETAP_STORE_H
#define SPINETAP_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "attrib.h"

struct store;

/* Open (creating the schema when new) and start a run. NULL with err on failure. */
struct store *store_open(const char *path, const char *command, int argc, char **argv,
			 const struct config *cfg, char *err, size_t errlen);
/*
 * qp_timeseries bucket width, seconds of capture time. Each flush writes,
 * for every QP that changed, its totals in the bucket of its last packet.
 */
#define STORE_QP_BUCKET_S 10

/*
 * True when a packet at `ts` opens a new qp_timeseries bucket after an
 * earlier one: the caller flushes before handing the packet to the engine,
 * so each bucket is closed by the capture's own clock (a file read in a
 * second still gets one row per bucket, a slow flush does not merge them).
 */
bool store_bucket_due(struct store *s, uint64_t ts);

/*
 * Write what changed since the last flush. With `peer` (from
 * engine_pair_and_count, indexed by record) it also writes the pairing and
 * the QPs per path, and ends the run with `status`.
 */
bool store_flush(struct store *s, struct engine *e, const uint32_t *peer, const char *status);
/* The last error message (for the once-per-interval report). */
const char *store_error(const struct store *s);
int64_t store_run_id(const struct store *s);
/* Per-second live drop counters of a tap (capture). */
bool store_drops(struct store *s, uint64_t sec, int tap, uint64_t packets, uint64_t bytes,
		 uint64_t kernel_recv, uint64_t kernel_drop);
void store_close(struct store *s);

#endif
