/*
 * store.c - see store.h. SQLite docs: WAL (https://sqlite.org/wal.html),
 * UPSERT (https://sqlite.org/lang_upsert.html).
 */
#include "store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "policy.h"
#include "util.h"

#define SCHEMA_VERSION "2"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);\n"
	"CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, command TEXT, argv TEXT,"
	" version TEXT, config TEXT, started REAL, ended REAL, first_ts REAL, last_ts REAL,"
	" packets INTEGER, status TEXT);\n"
	"CREATE TABLE IF NOT EXISTS taps(run_id INTEGER, id INTEGER, name TEXT, node TEXT,"
	" dir TEXT, peer TEXT, source TEXT, packets INTEGER, bytes INTEGER, roce_packets INTEGER,"
	" roce_bytes INTEGER, primary_packets INTEGER, pfc_frames INTEGER,"
	" kernel_received INTEGER, kernel_dropped INTEGER, if_dropped INTEGER,"
	" PRIMARY KEY(run_id, id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS nodes(run_id INTEGER, id INTEGER, name TEXT, usid INTEGER,"
	" usid_hex TEXT, role TEXT, packets INTEGER, bytes INTEGER, PRIMARY KEY(run_id, id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS paths(run_id INTEGER, id INTEGER, program TEXT, nodes TEXT,"
	" hops INTEGER, unknown_sid INTEGER, packets INTEGER, bytes INTEGER, sightings INTEGER,"
	" qps INTEGER, PRIMARY KEY(run_id, id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS qps(run_id INTEGER, id INTEGER, src TEXT, dst TEXT,"
	" dqpn INTEGER, packets INTEGER, bytes INTEGER, payload_bytes INTEGER, first_ts REAL,"
	" last_ts REAL, send INTEGER, write INTEGER, read_req INTEGER, read_resp INTEGER,"
	" ack INTEGER, nak INTEGER, rnr_nak INTEGER, atomic INTEGER, cnp INTEGER, other INTEGER,"
	" messages INTEGER, msg_min INTEGER, msg_avg REAL, msg_max INTEGER, dscp TEXT,"
	" ect INTEGER, ce INTEGER, ce_inner INTEGER, psn_gaps INTEGER, retransmissions INTEGER,"
	" out_of_order INTEGER, nak_psn_seq_err INTEGER, nak_invalid_request INTEGER,"
	" nak_remote_access INTEGER, nak_remote_op INTEGER, nak_invalid_rd_request INTEGER,"
	" nak_other INTEGER, sports TEXT, nsports INTEGER, policy TEXT, violations INTEGER,"
	" peer_id INTEGER, evicted INTEGER, PRIMARY KEY(run_id, id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS qp_paths(run_id INTEGER, qp_id INTEGER, path_id INTEGER,"
	" tap_id INTEGER, packets INTEGER, bytes INTEGER,"
	" PRIMARY KEY(run_id, qp_id, path_id, tap_id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS timeseries(run_id INTEGER, ts INTEGER, tap_id INTEGER,"
	" path_id INTEGER, packets INTEGER, bytes INTEGER, primary_packets INTEGER,"
	" primary_bytes INTEGER, PRIMARY KEY(run_id, ts, tap_id, path_id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS qp_timeseries(run_id INTEGER, ts INTEGER, qp_id INTEGER,"
	" packets INTEGER, bytes INTEGER, PRIMARY KEY(run_id, ts, qp_id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS counters(run_id INTEGER, kind TEXT, name TEXT, value INTEGER,"
	" PRIMARY KEY(run_id, kind, name)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS drops(run_id INTEGER, ts INTEGER, tap_id INTEGER,"
	" packets INTEGER, bytes INTEGER, kernel_received INTEGER, kernel_dropped INTEGER,"
	" PRIMARY KEY(run_id, ts, tap_id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS verdicts(run_id INTEGER, policy TEXT, verdict TEXT,"
	" sightings INTEGER, PRIMARY KEY(run_id, policy, verdict)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS evidence(run_id INTEGER, id INTEGER, kind TEXT, policy TEXT,"
	" tap TEXT, ts REAL, frame INTEGER, src TEXT, dst TEXT, dqpn INTEGER, psn INTEGER,"
	" expected TEXT, observed TEXT, detail TEXT, PRIMARY KEY(run_id, id)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS transit(run_id INTEGER, node TEXT, matched INTEGER,"
	" lost INTEGER, shift_errors INTEGER, p50_us REAL, p99_us REAL, max_us REAL,"
	" PRIMARY KEY(run_id, node)) WITHOUT ROWID;\n"
	/* Views for the common questions (spinetap(8), STORE). */
	"CREATE VIEW IF NOT EXISTS latest_run AS SELECT max(id) AS id FROM runs;\n"
	"CREATE VIEW IF NOT EXISTS bytes_per_tap_per_second AS"
	" SELECT s.run_id, s.ts, t.name AS tap, sum(s.packets) AS packets, sum(s.bytes) AS bytes"
	" FROM timeseries s JOIN taps t ON t.run_id = s.run_id AND t.id = s.tap_id"
	" GROUP BY s.run_id, s.ts, t.name;\n"
	"CREATE VIEW IF NOT EXISTS bytes_per_node_per_second AS"
	" SELECT s.run_id, s.ts, t.node AS node, sum(s.primary_packets) AS packets,"
	" sum(s.primary_bytes) AS bytes"
	" FROM timeseries s JOIN taps t ON t.run_id = s.run_id AND t.id = s.tap_id"
	" WHERE t.node IS NOT NULL GROUP BY s.run_id, s.ts, t.node;\n"
	"CREATE VIEW IF NOT EXISTS bytes_per_spine_per_second AS"
	" SELECT b.* FROM bytes_per_node_per_second b JOIN nodes n"
	" ON n.run_id = b.run_id AND n.name = b.node WHERE n.role = 'spine';\n"
	"CREATE VIEW IF NOT EXISTS qps_with_loss AS"
	" SELECT run_id, id, src, dst, printf('0x%06x', dqpn) AS dqpn, packets, psn_gaps,"
	" retransmissions, out_of_order, nak, rnr_nak FROM qps"
	" WHERE psn_gaps > 0 OR retransmissions > 0 OR nak > 0;\n"
	"CREATE VIEW IF NOT EXISTS path_share AS"
	" SELECT q.run_id, t.name AS tap, t.node AS node, p.id AS path_id, p.nodes AS path,"
	" sum(q.packets) AS packets, sum(q.bytes) AS bytes,"
	" round(1.0 * sum(q.packets) / (SELECT sum(q2.packets) FROM qp_paths q2"
	"  WHERE q2.run_id = q.run_id AND q2.tap_id = q.tap_id), 4) AS share"
	" FROM qp_paths q JOIN taps t ON t.run_id = q.run_id AND t.id = q.tap_id"
	" JOIN paths p ON p.run_id = q.run_id AND p.id = q.path_id"
	" GROUP BY q.run_id, q.tap_id, q.path_id;\n"
	"CREATE VIEW IF NOT EXISTS qp_rates AS"
	" SELECT run_id, qp_id, ts, packets - coalesce(lag(packets) OVER w, 0) AS packets,"
	" bytes - coalesce(lag(bytes) OVER w, 0) AS bytes FROM qp_timeseries"
	" WINDOW w AS (PARTITION BY run_id, qp_id ORDER BY ts);\n";

enum stmt_id {
	S_RUN_END,
	S_TAP,
	S_NODE,
	S_PATH,
	S_QP,
	S_QP_PATH,
	S_TS,
	S_QP_TS,
	S_COUNTER,
	S_DROP,
	S_PEER,
	S_TRIM_TS,
	S_TRIM_QPTS,
	S_VERDICT,
	S_EVIDENCE,
	S_TRANSIT,
	S_N
};

static const char *const stmt_sql[S_N] = {
	[S_RUN_END] = "UPDATE runs SET ended=?2, first_ts=?3, last_ts=?4, packets=?5, status=?6"
		      " WHERE id=?1",
	[S_TAP] = "INSERT INTO taps VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
		  " ON CONFLICT(run_id,id) DO UPDATE SET packets=excluded.packets,"
		  " bytes=excluded.bytes, roce_packets=excluded.roce_packets,"
		  " roce_bytes=excluded.roce_bytes, primary_packets=excluded.primary_packets,"
		  " pfc_frames=excluded.pfc_frames, kernel_received=excluded.kernel_received,"
		  " kernel_dropped=excluded.kernel_dropped, if_dropped=excluded.if_dropped",
	[S_NODE] = "INSERT INTO nodes VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(run_id,id)"
		   " DO UPDATE SET packets=excluded.packets, bytes=excluded.bytes",
	[S_PATH] = "INSERT INTO paths VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT(run_id,id)"
		   " DO UPDATE SET nodes=excluded.nodes, unknown_sid=excluded.unknown_sid,"
		   " packets=excluded.packets, bytes=excluded.bytes, sightings=excluded.sightings,"
		   " qps=CASE WHEN excluded.qps >= 0 THEN excluded.qps ELSE qps END",
	[S_QP] = "INSERT OR REPLACE INTO qps VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
		 "?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,"
		 "?35,?36,?37,?38,?39,?40,?41,?42,?43)",
	[S_QP_PATH] = "INSERT INTO qp_paths VALUES(?1,?2,?3,?4,?5,?6)"
		      " ON CONFLICT(run_id,qp_id,path_id,tap_id) DO UPDATE SET"
		      " packets=excluded.packets, bytes=excluded.bytes",
	[S_TS] = "INSERT INTO timeseries VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"
		 " ON CONFLICT(run_id,ts,tap_id,path_id) DO UPDATE SET"
		 " packets=packets+excluded.packets, bytes=bytes+excluded.bytes,"
		 " primary_packets=primary_packets+excluded.primary_packets,"
		 " primary_bytes=primary_bytes+excluded.primary_bytes",
	[S_QP_TS] = "INSERT INTO qp_timeseries VALUES(?1,?2,?3,?4,?5)"
		    " ON CONFLICT(run_id,ts,qp_id) DO UPDATE SET packets=excluded.packets,"
		    " bytes=excluded.bytes",
	[S_COUNTER] = "INSERT INTO counters VALUES(?1,?2,?3,?4) ON CONFLICT(run_id,kind,name)"
		      " DO UPDATE SET value=excluded.value",
	[S_DROP] = "INSERT INTO drops VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(run_id,ts,tap_id)"
		   " DO UPDATE SET packets=packets+excluded.packets, bytes=bytes+excluded.bytes,"
		   " kernel_received=excluded.kernel_received, kernel_dropped=excluded.kernel_dropped",
	[S_PEER] = "UPDATE qps SET peer_id=?3 WHERE run_id=?1 AND id=?2",
	[S_TRIM_TS] = "DELETE FROM timeseries WHERE run_id=?1 AND ts<?2",
	[S_TRIM_QPTS] = "DELETE FROM qp_timeseries WHERE run_id=?1 AND ts<?2",
	[S_VERDICT] = "INSERT INTO verdicts VALUES(?1,?2,?3,?4) ON CONFLICT(run_id,policy,verdict)"
		      " DO UPDATE SET sightings=excluded.sightings",
	[S_EVIDENCE] = "INSERT OR IGNORE INTO evidence VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
		       "?12,?13,?14)",
	[S_TRANSIT] = "INSERT INTO transit VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(run_id,node)"
		      " DO UPDATE SET matched=excluded.matched, lost=excluded.lost,"
		      " shift_errors=excluded.shift_errors, p50_us=excluded.p50_us,"
		      " p99_us=excluded.p99_us, max_us=excluded.max_us",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[S_N];
	int64_t run;
	char err[512];
	uint32_t *dirty;     /* record indices collected for one flush */
	uint32_t dirty_cap;
	uint64_t started_ns;
	uint32_t evidence_written;
	uint64_t next_bucket_ns; /* start of the next qp_timeseries bucket, 0 before any packet */
};

const char *store_error(const struct store *s)
{
	return s->err;
}

int64_t store_run_id(const struct store *s)
{
	return s->run;
}

bool store_bucket_due(struct store *s, uint64_t ts)
{
	if (ts < s->next_bucket_ns)
		return false;
	bool due = s->next_bucket_ns != 0;
	uint64_t w = STORE_QP_BUCKET_S * 1000000000ull;
	s->next_bucket_ns = (ts / w + 1) * w;
	return due;
}

static bool fail(struct store *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(s->db));
	return false;
}

static bool exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->err, sizeof(s->err), "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return false;
	}
	return true;
}

static double ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

struct store *store_open(const char *path, const char *command, int argc, char **argv,
			 const struct config *cfg, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	/* One thread uses the connection: no SQLite mutexes. */
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	char argvbuf[4096];
	struct sbuf b;
	sb_init(&b, argvbuf, sizeof(argvbuf));
	for (int i = 0; i < argc; i++)
		sb_printf(&b, "%s%s", i ? " " : "", argv[i]);
	/* A 32 MiB page cache keeps a flush of many QP rows from spilling mid-transaction. */
	if (!exec(s, "PRAGMA journal_mode=WAL") || !exec(s, "PRAGMA synchronous=NORMAL") ||
	    !exec(s, "PRAGMA cache_size=-32768") ||
	    !exec(s, "BEGIN") || !exec(s, schema) ||
	    !exec(s, "INSERT OR IGNORE INTO meta VALUES('schema_version','" SCHEMA_VERSION "')")) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		store_close(s);
		return NULL;
	}
	sqlite3_stmt *ins;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO runs(command, argv, version, config, started, status)"
			       " VALUES(?1,?2,?3,?4,?5,'running')",
			       -1, &ins, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	s->started_ns = now_ns();
	sqlite3_bind_text(ins, 1, command, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 2, argvbuf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 3, SPINETAP_VERSION, -1, SQLITE_STATIC);
	if (cfg->file[0])
		sqlite3_bind_text(ins, 4, cfg->file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(ins, 5, ns_to_s(s->started_ns));
	int rc = sqlite3_step(ins);
	sqlite3_finalize(ins);
	if (rc != SQLITE_DONE || !exec(s, "COMMIT")) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	s->run = sqlite3_last_insert_rowid(s->db);
	for (int i = 0; i < S_N; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing statement %d: %s", path, i,
				 sqlite3_errmsg(s->db));
			store_close(s);
			return NULL;
		}
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db)
		sqlite3_close(s->db);
	free(s->dirty);
	free(s);
}

/* Step a statement with its bindings; reset either way. */
static bool step(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return fail(s, what);
	return true;
}

static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	sqlite3_bind_int64(st, i, v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static void bind_name(sqlite3_stmt *st, int i, const struct config *cfg, int node)
{
	if (node >= 0)
		sqlite3_bind_text(st, i, cfg->nodes[node].name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static bool write_taps(struct store *s, struct engine *e)
{
	sqlite3_stmt *st = s->st[S_TAP];
	for (int i = 0; i < e->ntaps; i++) {
		const struct tap *t = &e->tap[i];
		sqlite3_bind_int64(st, 1, s->run);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, t->name, -1, SQLITE_STATIC);
		bind_name(st, 4, e->cfg, t->node);
		sqlite3_bind_text(st, 5, cfg_dir_name(t->dir), -1, SQLITE_STATIC);
		bind_name(st, 6, e->cfg, t->peer);
		sqlite3_bind_text(st, 7, t->source, -1, SQLITE_STATIC);
		bind_u64(st, 8, t->packets);
		bind_u64(st, 9, t->bytes);
		bind_u64(st, 10, t->roce);
		bind_u64(st, 11, t->roce_bytes);
		bind_u64(st, 12, t->primary);
		bind_u64(st, 13, t->pfc);
		bind_u64(st, 14, t->kernel_recv);
		bind_u64(st, 15, t->kernel_drop);
		bind_u64(st, 16, t->ifdrop);
		if (!step(s, st, "taps"))
			return false;
	}
	return true;
}

static bool write_nodes(struct store *s, struct engine *e)
{
	sqlite3_stmt *st = s->st[S_NODE];
	char hex[16];
	for (int n = 0; n < e->cfg->nnodes; n++) {
		uint64_t pk = 0, by = 0;
		for (int t = 0; t < e->ntaps; t++) {
			if (e->tap[t].node != n)
				continue;
			for (uint32_t p = 0; p < e->tp_stride; p++) {
				const struct tp_ctr *c = &e->tp[(size_t)t * e->tp_stride + p];
				pk += c->ppk;
				by += c->pby;
			}
		}
		const struct cfg_node *nd = &e->cfg->nodes[n];
		usid_hex(&e->dp, nd->usid, hex, sizeof(hex));
		sqlite3_bind_int64(st, 1, s->run);
		sqlite3_bind_int(st, 2, n);
		sqlite3_bind_text(st, 3, nd->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, nd->usid);
		sqlite3_bind_text(st, 5, hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, cfg_role_name(nd->role), -1, SQLITE_STATIC);
		bind_u64(st, 7, pk);
		bind_u64(st, 8, by);
		if (!step(s, st, "nodes"))
			return false;
	}
	return true;
}

static bool write_paths(struct store *s, struct engine *e, bool with_qps)
{
	sqlite3_stmt *st = s->st[S_PATH];
	for (uint32_t i = 0; i < e->paths.n; i++) {
		const struct path *p = &e->paths.p[i];
		sqlite3_bind_int64(st, 1, s->run);
		sqlite3_bind_int(st, 2, (int)i);
		sqlite3_bind_text(st, 3, p->text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, p->names, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, p->nhops);
		sqlite3_bind_int(st, 6, p->unknown_global);
		bind_u64(st, 7, p->packets);
		bind_u64(st, 8, p->bytes);
		bind_u64(st, 9, p->sightings);
		sqlite3_bind_int64(st, 10, with_qps ? (int64_t)p->qps : -1);
		if (!step(s, st, "paths"))
			return false;
	}
	return true;
}

static void dscp_text(uint64_t mask, char *buf, size_t len)
{
	struct sbuf b;
	sb_init(&b, buf, len);
	for (unsigned d = 0; d < 64; d++)
		if (mask >> d & 1)
			sb_printf(&b, "%s%u", b.len ? "," : "", d);
}

static bool write_qp(struct store *s, struct engine *e, const struct qp *q, const uint64_t *ctr,
		     const uint32_t *nak, bool evicted)
{
	sqlite3_stmt *st = s->st[S_QP];
	char src[64], dst[64], dscp[256], sports[64];
	struct sbuf b;
	qp_key_addrs(&q->key, src, dst, sizeof(src));
	dscp_text(q->dscp, dscp, sizeof(dscp));
	sb_init(&b, sports, sizeof(sports));
	for (unsigned i = 0; i < q->nsport && i < 4; i++)
		sb_printf(&b, "%s%u", i ? "," : "", q->sport[i]);
	int k = 1;
	sqlite3_bind_int64(st, k++, s->run);
	sqlite3_bind_int64(st, k++, q->id);
	sqlite3_bind_text(st, k++, src, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, k++, dst, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, k++, q->key.dqpn & 0xffffff);
	bind_u64(st, k++, q->packets);
	bind_u64(st, k++, q->bytes);
	bind_u64(st, k++, q->payload);
	sqlite3_bind_double(st, k++, ns_to_s(q->first_ts));
	sqlite3_bind_double(st, k++, ns_to_s(q->last_ts));
	for (unsigned c = 0; c < QC_N; c++)
		bind_u64(st, k++, ctr[qctr_of_class(c)]);
	bind_u64(st, k++, ctr[QCTR_MSGS]);
	if ((q->flags & QPF_HAVE_MSG) && ctr[QCTR_RETHS]) {
		sqlite3_bind_int64(st, k++, q->msg_min);
		sqlite3_bind_double(st, k++, (double)q->msg_sum / (double)ctr[QCTR_RETHS]);
		sqlite3_bind_int64(st, k++, q->msg_max);
	} else {
		sqlite3_bind_null(st, k++);
		sqlite3_bind_null(st, k++);
		sqlite3_bind_null(st, k++);
	}
	sqlite3_bind_text(st, k++, dscp, -1, SQLITE_TRANSIENT);
	bind_u64(st, k++, ctr[QCTR_ECT]);
	bind_u64(st, k++, ctr[QCTR_CE]);
	bind_u64(st, k++, ctr[QCTR_CE_INNER]);
	bind_u64(st, k++, ctr[QCTR_GAPS]);
	bind_u64(st, k++, ctr[QCTR_RETRANS]);
	bind_u64(st, k++, ctr[QCTR_OOO]);
	for (unsigned c = 0; c < NAK_CODES; c++)
		bind_u64(st, k++, nak[c]);
	sqlite3_bind_text(st, k++, sports, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, k++, q->nsport);
	const char *pol = policy_qp_name(e, q);
	if (pol)
		sqlite3_bind_text(st, k++, pol, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, k++);
	bind_u64(st, k++, ctr[QCTR_VIOL]);
	sqlite3_bind_null(st, k++); /* peer_id: written at the end of the run */
	sqlite3_bind_int(st, k++, evicted);
	return step(s, st, "qps");
}

struct combo_arg {
	struct store *s;
	uint32_t qp_id;
	bool ok;
};

static void write_combo(void *arg, uint32_t path, uint16_t tap, uint64_t packets, uint64_t bytes)
{
	struct combo_arg *a = arg;
	sqlite3_stmt *st = a->s->st[S_QP_PATH];
	if (!a->ok)
		return;
	sqlite3_bind_int64(st, 1, a->s->run);
	sqlite3_bind_int64(st, 2, a->qp_id);
	sqlite3_bind_int64(st, 3, path);
	sqlite3_bind_int(st, 4, tap);
	bind_u64(st, 5, packets);
	bind_u64(st, 6, bytes);
	a->ok = step(a->s, st, "qp_paths");
}

static bool write_counter(struct store *s, const char *kind, const char *name, uint64_t v)
{
	sqlite3_stmt *st = s->st[S_COUNTER];
	sqlite3_bind_int64(st, 1, s->run);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	bind_u64(st, 4, v);
	return step(s, st, "counters");
}

static bool write_counters(struct store *s, struct engine *e)
{
	const struct dstats *d = &e->ds;
	bool ok = write_counter(s, "total", "packets", d->packets) &&
		  write_counter(s, "total", "bytes", d->bytes) &&
		  write_counter(s, "total", "accounted", e->accounted) &&
		  write_counter(s, "total", "roce_packets", d->roce) &&
		  write_counter(s, "total", "srv6_packets", d->srv6) &&
		  write_counter(s, "total", "pfc_frames", e->pfc_frames) &&
		  write_counter(s, "total", "skipped_window", e->skipped_window) &&
		  write_counter(s, "table", "qps", e->qp.n) &&
		  write_counter(s, "table", "qp_evictions", e->qp.evictions) &&
		  write_counter(s, "table", "qp_evictions_unsaved", e->ev_lost) &&
		  write_counter(s, "table", "paths", e->paths.n) &&
		  write_counter(s, "table", "path_overflow_packets", e->paths.overflow) &&
		  write_counter(s, "table", "timeseries_rows_dropped", e->ts_dropped) &&
		  write_counter(s, "icrc", "valid", d->icrc[DP_ICRC_VALID]) &&
		  write_counter(s, "icrc", "invalid", d->icrc[DP_ICRC_INVALID]) &&
		  write_counter(s, "icrc", "not_captured", d->icrc[DP_ICRC_NOT_CAPTURED]);
	for (unsigned i = 0; ok && i < DP_NSTATUS; i++)
		ok = write_counter(s, "status", dp_status_name(i), d->status[i]);
	for (unsigned i = 1; ok && i < DP_NCAUSE; i++)
		if (d->cause[i])
			ok = write_counter(s, "cause", dp_cause_name(i), d->cause[i]);
	for (unsigned i = 0; ok && i < DP_NEVENT; i++)
		if (d->event[i])
			ok = write_counter(s, "event", dp_event_name(i), d->event[i]);
	return ok;
}

static bool collect_dirty(struct store *s, struct engine *e, uint32_t *n)
{
	struct qptab *t = &e->qp;
	*n = 0;
	for (uint32_t w = 0; w < (t->n + 63) / 64; w++) {
		uint64_t bits = t->dirty[w];
		while (bits) {
			uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (*n == s->dirty_cap) {
				uint32_t nc = s->dirty_cap ? s->dirty_cap * 2 : 1024;
				uint32_t *m = realloc(s->dirty, nc * sizeof(*m));
				if (!m) {
					snprintf(s->err, sizeof(s->err), "out of memory listing changed QPs");
					return false;
				}
				s->dirty = m;
				s->dirty_cap = nc;
			}
			s->dirty[(*n)++] = i;
		}
	}
	return true;
}

static bool write_qps(struct store *s, struct engine *e, uint32_t ndirty)
{
	struct qptab *t = &e->qp;
	uint64_t ctr[QCTR_N];
	uint32_t nak[NAK_CODES];
	for (uint32_t k = 0; k < ndirty; k++) {
		const struct qp *q = &t->rec[s->dirty[k]];
		engine_ctrs(e, q, ctr);
		engine_qp_naks(e, q->id, nak);
		if (!write_qp(s, e, q, ctr, nak, false))
			return false;
		struct combo_arg a = {s, q->id, true};
		engine_qp_combos(e, q, write_combo, &a);
		if (!a.ok)
			return false;
		sqlite3_stmt *st = s->st[S_QP_TS];
		sqlite3_bind_int64(st, 1, s->run);
		sqlite3_bind_int64(st, 2, (int64_t)(q->last_ts / 1000000000ull / STORE_QP_BUCKET_S * STORE_QP_BUCKET_S));
		sqlite3_bind_int64(st, 3, q->id);
		bind_u64(st, 4, q->packets);
		bind_u64(st, 5, q->bytes);
		if (!step(s, st, "qp_timeseries"))
			return false;
	}
	for (uint32_t k = 0; k < e->nev; k++) {
		const struct evrec *r = &e->ev[k];
		if (!write_qp(s, e, &r->q, r->ctr, r->nak, true))
			return false;
		if (r->ctr[QCTR_COMBO]) {
			struct combo_arg a = {s, r->q.id, true};
			write_combo(&a, r->q.combo_path, r->q.combo_tap, r->ctr[QCTR_COMBO],
				    r->q.combo_bytes);
			if (!a.ok)
				return false;
		}
	}
	return true;
}

static bool write_ts(struct store *s, struct engine *e)
{
	sqlite3_stmt *st = s->st[S_TS];
	for (uint32_t i = 0; i < e->nts; i++) {
		const struct ts_row *r = &e->ts[i];
		sqlite3_bind_int64(st, 1, s->run);
		bind_u64(st, 2, r->sec);
		sqlite3_bind_int(st, 3, r->tap);
		sqlite3_bind_int64(st, 4, r->path);
		bind_u64(st, 5, r->pk);
		bind_u64(st, 6, r->by);
		bind_u64(st, 7, r->ppk);
		bind_u64(st, 8, r->pby);
		if (!step(s, st, "timeseries"))
			return false;
	}
	/* Bounded retention, relative to the newest packet time. */
	uint64_t keep = e->cfg->set.timeseries_retention_s;
	if (e->cur_sec > keep) {
		for (int which = S_TRIM_TS; which <= S_TRIM_QPTS; which++) {
			st = s->st[which];
			sqlite3_bind_int64(st, 1, s->run);
			bind_u64(st, 2, e->cur_sec - keep);
			if (!step(s, st, "retention"))
				return false;
		}
	}
	return true;
}

static bool write_peers(struct store *s, struct engine *e, const uint32_t *peer)
{
	struct qptab *t = &e->qp;
	sqlite3_stmt *st = s->st[S_PEER];
	for (uint32_t i = 0; i < t->n; i++) {
		if (!peer[i])
			continue;
		sqlite3_bind_int64(st, 1, s->run);
		sqlite3_bind_int64(st, 2, t->rec[i].id);
		sqlite3_bind_int64(st, 3, t->rec[peer[i] - 1].id);
		if (!step(s, st, "qps peer"))
			return false;
	}
	return true;
}

bool store_drops(struct store *s, uint64_t sec, int tap, uint64_t packets, uint64_t bytes,
		 uint64_t kernel_recv, uint64_t kernel_drop)
{
	sqlite3_stmt *st = s->st[S_DROP];
	sqlite3_bind_int64(st, 1, s->run);
	bind_u64(st, 2, sec);
	sqlite3_bind_int(st, 3, tap);
	bind_u64(st, 4, packets);
	bind_u64(st, 5, bytes);
	bind_u64(st, 6, kernel_recv);
	bind_u64(st, 7, kernel_drop);
	return step(s, st, "drops");
}

static bool write_policy(struct store *s, struct engine *e, bool final)
{
	struct policy_rows rows;
	policy_rows_begin(e, &rows);
	sqlite3_stmt *st;
	const char *pol, *verdict;
	uint64_t n;
	while (policy_rows_verdict(e, &rows, &pol, &verdict, &n)) {
		st = s->st[S_VERDICT];
		sqlite3_bind_int64(st, 1, s->run);
		sqlite3_bind_text(st, 2, pol, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, verdict, -1, SQLITE_STATIC);
		bind_u64(st, 4, n);
		if (!step(s, st, "verdicts"))
			return false;
	}
	const struct evidence *ev;
	uint32_t idx;
	while ((ev = policy_rows_evidence(e, &rows, &idx))) {
		if (idx < s->evidence_written)
			continue;
		char src[64], dst[64];
		st = s->st[S_EVIDENCE];
		qp_key_addrs(&ev->key, src, dst, sizeof(src));
		sqlite3_bind_int64(st, 1, s->run);
		sqlite3_bind_int64(st, 2, idx + 1);
		sqlite3_bind_text(st, 3, verdict_name(ev->kind), -1, SQLITE_STATIC);
		if (ev->policy >= 0)
			sqlite3_bind_text(st, 4, ev->policy_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, e->tap[ev->tap].name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 6, ns_to_s(ev->ts));
		bind_u64(st, 7, ev->frame);
		sqlite3_bind_text(st, 8, src, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 9, dst, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 10, ev->key.dqpn & 0xffffff);
		sqlite3_bind_int64(st, 11, ev->psn);
		sqlite3_bind_text(st, 12, ev->expected, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 13, ev->observed, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 14, ev->detail, -1, SQLITE_STATIC);
		if (!step(s, st, "evidence"))
			return false;
		s->evidence_written = idx + 1;
	}
	const struct transit_row *tr;
	while (final && (tr = policy_rows_transit(e, &rows))) {
		st = s->st[S_TRANSIT];
		sqlite3_bind_int64(st, 1, s->run);
		sqlite3_bind_text(st, 2, tr->node, -1, SQLITE_STATIC);
		bind_u64(st, 3, tr->matched);
		bind_u64(st, 4, tr->lost);
		bind_u64(st, 5, tr->shift_errors);
		sqlite3_bind_double(st, 6, tr->p50_us);
		sqlite3_bind_double(st, 7, tr->p99_us);
		sqlite3_bind_double(st, 8, tr->max_us);
		if (!step(s, st, "transit"))
			return false;
	}
	return true;
}

bool store_flush(struct store *s, struct engine *e, const uint32_t *peer, const char *status)
{
	bool final = peer != NULL;
	uint32_t ndirty = 0;
	engine_sync(e);
	s->err[0] = '\0';
	if (!collect_dirty(s, e, &ndirty))
		return false;
	if (!exec(s, "BEGIN IMMEDIATE"))
		return false;
	bool ok = write_taps(s, e) && write_nodes(s, e) && write_qps(s, e, ndirty) &&
		  write_ts(s, e) && write_counters(s, e) && write_policy(s, e, final);
	if (ok && final)
		ok = write_peers(s, e, peer);
	ok = ok && write_paths(s, e, final);
	if (ok) {
		sqlite3_stmt *st = s->st[S_RUN_END];
		sqlite3_bind_int64(st, 1, s->run);
		if (final)
			sqlite3_bind_double(st, 2, ns_to_s(now_ns()));
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_double(st, 3, ns_to_s(e->first_ts));
		sqlite3_bind_double(st, 4, ns_to_s(e->last_ts));
		bind_u64(st, 5, e->ds.packets);
		sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
		ok = step(s, st, "runs");
	}
	if (ok && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		ok = fail(s, "commit");
	if (!ok) {
		char keep[sizeof(s->err)];
		memcpy(keep, s->err, sizeof(keep));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		memcpy(s->err, keep, sizeof(keep));
		return false;
	}
	/* Committed: now the written state may be forgotten. */
	for (uint32_t k = 0; k < ndirty; k++) {
		uint32_t i = s->dirty[k];
		e->qp.dirty[i / 64] &= ~(1ull << (i % 64));
		e->qp.rec[i].flags &= ~(uint32_t)QPF_DIRTY;
	}
	e->nts = 0;
	e->nev = 0;
	if (final)
		sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return true;
}
