#!/usr/bin/python3
"""t_store.py - the SQLite store written by `spinetap analyze` (spinetap(8),
STORE).

  - every example query of the STORE section, taken from man/spinetap.8 itself
    (so the test breaks when the page and the schema drift apart), runs with
    the sqlite3 CLI against a store of generated traffic and returns rows;
  - the views agree with the JSON summary of the same run: bytes_per_spine_per_second
    and bytes_per_node_per_second add up to the nodes' bytes and packets,
    bytes_per_tap_per_second to the taps', qps_with_loss is the set of QPs with
    gaps, retransmissions or NAKs, path_share to the taps' paths, qp_rates
    adds up to the QPs' packets, verdicts and evidence to the Proof;
  - analyzing again into the same file adds a run and leaves every row of the
    old run as it was;
  - while a long analyze (8 M generated packets, read twice) runs, another process reading the
    file sees runs.packets grow, committed, before the run ends, and the file
    passes PRAGMA integrity_check afterwards.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import spt, tap, truth  # noqa: E402

T = tap.Tap()
MAN = os.path.join(spt.ROOT, "man", "spinetap.8")
TABLES = ["runs", "taps", "nodes", "paths", "qps", "qp_paths", "timeseries", "qp_timeseries",
          "counters", "drops", "verdicts", "evidence", "transit"]


def man_queries():
    """The example queries of the STORE section: [(sql, text as printed)]."""
    text = open(MAN).read()
    sec = text[text.index(".SH STORE"):]
    sec = sec[:sec.index("\n.SH ", 1)]
    block = sec[sec.index("Example queries:"):]
    block = block[block.index(".nf"):block.index(".fi")]
    block = "\n".join(l for l in block.splitlines() if not l.startswith("."))
    block = block.replace("\\-", "-").replace("\\e", "\\").replace("\\(dq", '"')
    out = []
    for m in re.finditer(r'sqlite3 spinetap\.db "(.*?)"', block, re.S):
        out.append((" ".join(m.group(1).split()), m.group(0)))
    return out


def sqlite_cli(db, sql):
    p = subprocess.run(["sqlite3", db, sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def rows(con, sql, *args):
    return con.execute(sql, args).fetchall()


def analyze_into(db, run, extra=()):
    args = ["analyze", "-d", db, "--json", "-c", run.config] + list(extra) + run.tap_files()
    rc, out, err = spt.run(args, timeout=120)
    if rc not in (0, 1):
        raise spt.SpinetapError("spinetap %s: exit %d: %s" % (" ".join(args), rc, err[-300:]))
    return rc, json.loads(out)


def example_queries(db):
    qs = man_queries()
    T.ok(len(qs) >= 6, "man/spinetap.8 STORE has its example queries (%d found)" % len(qs))
    if not shutil.which("sqlite3"):
        T.skip("example queries run with the sqlite3 CLI", "sqlite3 not installed")
        return
    for sql, shown in qs:
        rc, out, err = sqlite_cli(db, sql)
        lines = [l for l in out.splitlines() if l.strip()]
        T.ok(rc == 0 and not err.strip() and lines,
             "example query answers: %s" % (sql[:90] + ("..." if len(sql) > 90 else "")),
             ["exit %d, %d rows: %s" % (rc, len(lines), err.strip()[-300:]), shown])


def views(db, s):
    con = sqlite3.connect(db)
    run = rows(con, "SELECT id FROM latest_run")[0][0]
    # per node and per spine, per second: add up to the summary's nodes
    want = {n["name"]: (n["packets"], n["bytes"]) for n in s["nodes"]}
    spines = {n for (n,) in rows(con, "SELECT name FROM nodes WHERE run_id = ? AND role = 'spine'", run)}
    for view, names in (("bytes_per_node_per_second", set(want)), ("bytes_per_spine_per_second", spines)):
        got = {n: (p, b) for n, p, b in rows(con, "SELECT node, sum(packets), sum(bytes) FROM %s "
                                                   "WHERE run_id = ? GROUP BY node" % view, run)}
        secs = rows(con, "SELECT count(DISTINCT ts) FROM %s WHERE run_id = ?" % view, run)[0][0]
        exp = {n: want[n] for n in names if n in want}
        T.ok(got == exp and secs >= 3 and names,
             "%s adds up, over %d seconds, to the report's node packets and bytes" % (view, secs),
             ["view %s" % got, "report %s" % exp])
    got = {t: (p, b) for t, p, b in rows(con, "SELECT tap, sum(packets), sum(bytes) FROM "
                                               "bytes_per_tap_per_second WHERE run_id = ? GROUP BY tap", run)}
    exp = {t["name"]: (t["roce_packets"], t["bytes"]) for t in s["taps"]}
    T.ok(got == exp, "bytes_per_tap_per_second adds up to the report's taps", ["view %s" % got,
                                                                               "report %s" % exp])
    # qps_with_loss: the QPs with gaps, retransmissions or NAKs
    got = sorted((a, b, int(d, 16)) for a, b, d in rows(con, "SELECT src, dst, dqpn FROM qps_with_loss "
                                                             "WHERE run_id = ?", run))
    exp = sorted(truth.qp_key(q) for q in s["qps"] if q["psn_gaps"] or q["retransmissions"] or q["naks"])
    T.ok(got == exp and len(got) == s["anomalies"]["qps_with_loss"] and got,
         "qps_with_loss holds the %d QPs with loss of the JSON (anomalies.qps_with_loss %d)"
         % (len(exp), s["anomalies"]["qps_with_loss"]), ["view %s" % got, "json %s" % exp])
    # path_share: per tap, the paths' packets as the report's, shares adding up to 1
    bad = []
    for t in s["taps"]:
        got = {pid: (pk, sh) for pid, pk, sh in rows(con, "SELECT path_id, packets, share FROM path_share "
                                                          "WHERE run_id = ? AND tap = ?", run, t["name"])}
        exp = {p["id"]: p["packets"] for p in t["paths"]}
        if {k: v[0] for k, v in got.items()} != exp:
            bad.append("tap %s: view %s, report %s" % (t["name"], got, exp))
        if got and abs(sum(v[1] for v in got.values()) - 1) > 0.001:
            bad.append("tap %s: shares add up to %s" % (t["name"], sum(v[1] for v in got.values())))
    T.ok(not bad, "path_share: per tap the report's path packets, shares adding up to 1", bad)
    # qp_rates: the per-bucket deltas add up to the QPs' packets
    got = dict(rows(con, "SELECT qp_id, sum(packets) FROM qp_rates WHERE run_id = ? GROUP BY qp_id", run))
    exp = dict(rows(con, "SELECT id, packets FROM qps WHERE run_id = ?", run))
    T.ok(got == exp and got, "qp_rates: the deltas add up to each QP's packets (%d QPs)" % len(exp),
         ["rates %s" % sorted(got.items())[:5], "qps %s" % sorted(exp.items())[:5]])
    # verdicts and evidence: the Proof of the same run
    got = {}
    for pol, v, n in rows(con, "SELECT policy, verdict, sightings FROM verdicts WHERE run_id = ?", run):
        got[v] = got.get(v, 0) + n
    exp = {k: n for k, n in s["verdicts"].items() if n}
    T.ok(got == exp, "the verdicts table adds up to the JSON verdicts", ["table %s" % got, "json %s" % exp])
    got = dict(rows(con, "SELECT kind, count(*) FROM evidence WHERE run_id = ? GROUP BY kind", run))
    exp = {k: len(v) for k, v in s["evidence"].items() if v}
    T.ok(got == exp and got, "the evidence table holds the JSON's kept evidence", ["table %s" % got,
                                                                                   "json %s" % exp])
    qp = rows(con, "SELECT count(*), sum(packets) FROM qps WHERE run_id = ?", run)[0]
    T.ok(qp[0] == len(s["qps"]) and qp[1] == sum(q["packets"] for q in s["qps"]),
         "the qps table has the JSON's QPs and packets (%d, %d)" % (qp[0], qp[1] or 0))
    con.close()


def dump(db, run):
    con = sqlite3.connect(db)
    out = {}
    for t in TABLES:
        col = "id" if t == "runs" else "run_id"
        out[t] = sorted(rows(con, "SELECT * FROM %s WHERE %s = ?" % (t, col), run), key=repr)
    con.close()
    return out


def rerun(db, run2):
    before = dump(db, 1)
    rc, s2 = analyze_into(db, run2)
    after = dump(db, 1)
    con = sqlite3.connect(db)
    runs = rows(con, "SELECT id, status FROM runs ORDER BY id")
    latest = rows(con, "SELECT id FROM latest_run")[0][0]
    new = rows(con, "SELECT count(*) FROM qps WHERE run_id = 2")[0][0]
    con.close()
    changed = [t for t in TABLES if before[t] != after[t]]
    T.ok(runs == [(1, "done"), (2, "done")] and latest == 2 and new == len(s2["qps"]),
         "analyzing into the same file adds run 2 (latest_run 2, its %d QPs)" % new, ["runs %s" % runs])
    T.ok(not changed and sum(len(v) for v in before.values()) > 100,
         "every row of run 1 (%d rows in %d tables) is unchanged after run 2"
         % (sum(len(v) for v in before.values()), len(TABLES)), ["changed: %s" % changed])


def concurrent(tmp):
    pcap = os.path.join(tmp, "big.pcap")
    cfg = os.path.join(tmp, "big.yaml")
    db = os.path.join(tmp, "big.db")
    n = 8000000
    # 12288 QPs: enough table and store work that the run lasts several seconds
    g = subprocess.run([truth.gen_path(), "--qps", "12288", "--packets", str(n), "--snaplen", "128",
                        "--seed", "5", "-w", pcap, "--config-out", cfg],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if g.returncode != 0:
        T.ok(False, "8 M packets generated", [g.stderr.decode()[-300:]])
        return
    t0 = time.time()
    # one merged file of all spines: a tap the config does not place, so no verdicts fail;
    # given twice (several files may feed one tap), so the run lasts several seconds
    copies = 2
    p = subprocess.Popen([spt.spinetap_path(), "analyze", "-q", "-d", db, "-c", cfg]
                         + ["merged=" + pcap] * copies,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen, errors = [], []
    while p.poll() is None:
        if os.path.exists(db):
            try:
                con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
                r = con.execute("SELECT packets, status FROM runs WHERE id = 1").fetchall()
                con.close()
                if r and p.poll() is None:
                    seen.append((round(time.time() - t0, 2), r[0][0], r[0][1]))
            except sqlite3.Error as e:
                errors.append(str(e))
        time.sleep(0.05)
    elapsed = time.time() - t0
    out, err = p.communicate()
    running = [x for x in seen if x[2] == "running" and x[1]]
    values = sorted({x[1] for x in running})
    grew = len(values) >= 2 and all(0 < v < n * copies for v in values)
    mono = all(a[1] is None or b[1] is None or a[1] <= b[1] for a, b in zip(seen, seen[1:]))
    T.diag("analyze of %d packets ran %.1f s; a reader saw runs.packets %s" % (n * copies, elapsed, values))
    T.ok(p.returncode == 0 and grew and mono,
         "a concurrent reader sees committed runs.packets grow while analyze runs (%d values before "
         "it ended, in %.1f s)" % (len(values), elapsed),
         ["exit %d: %s" % (p.returncode, err.decode()[-200:]), "seen %s" % seen[:20],
          "reader errors %s" % errors[:3]])
    con = sqlite3.connect(db)
    ic = con.execute("PRAGMA integrity_check").fetchall()
    fin = con.execute("SELECT packets, status FROM runs WHERE id = 1").fetchall()
    jm = con.execute("PRAGMA journal_mode").fetchall()
    con.close()
    T.ok(ic == [("ok",)] and fin == [(n * copies, "done")] and jm == [("wal",)],
         "after the run: PRAGMA integrity_check ok, runs.packets %d, status done, WAL mode" % (n * copies),
         ["integrity %s, runs %s, journal %s" % (ic[:3], fin, jm)])
    os.unlink(pcap)


def qp_buckets(tmp):
    """A capture 200 s long, analyzed in a fraction of a second: qp_rates has one row
    per QP and 10-s bucket of capture time, each the packets decode saw in it."""
    pcap = os.path.join(tmp, "slow.pcap")
    subprocess.run([truth.gen_path(), "--rate", "2", "--packets", "400", "--qps", "4", "--seed", "5",
                    "-w", pcap], check=True, stdout=subprocess.DEVNULL)
    db = os.path.join(tmp, "slow.db")
    rc, out, err = spt.run(["analyze", "-q", "-d", db, pcap], timeout=60)
    rc2, dec, err2 = spt.run(["decode", "--json", pcap], timeout=60)
    want = {}
    for line in dec.splitlines():
        p = json.loads(line)
        if "bth" not in p:
            continue
        key = (p["ip"][-1]["src"], p["ip"][-1]["dst"], p["bth"]["dqpn"], int(float(p["ts"])) // 10 * 10)
        want[key] = want.get(key, 0) + 1
    con = sqlite3.connect(db)
    got = {}
    for src, dst, dqpn, ts, n in rows(con, "SELECT q.src, q.dst, q.dqpn, r.ts, r.packets FROM qp_rates r"
                                      " JOIN qps q ON q.run_id = r.run_id AND q.id = r.qp_id"):
        if n:
            got[(src, dst, int(dqpn, 0) if isinstance(dqpn, str) else dqpn, ts)] = n
    con.close()
    # --from/--to: the window's packets only, the rest counted as skipped, in the store too
    t0 = min(k[3] for k in want)
    frm, to = t0 + 50, t0 + 120
    inwin = sum(1 for line in dec.splitlines() if frm <= float(json.loads(line)["ts"]) < to)
    wdb = os.path.join(tmp, "window.db")
    rc3, out3, err3 = spt.run(["analyze", "--json", "-d", wdb, "--from", str(frm), "--to", str(to), pcap],
                              timeout=60)
    js = json.loads(out3) if rc3 in (0, 1) else {}
    con = sqlite3.connect(wdb)
    sk = rows(con, "SELECT value FROM counters WHERE kind = 'total' AND name = 'skipped_window'")
    con.close()
    T.ok(js.get("packets") == inwin and js.get("skipped_window") == 400 - inwin and
         sk == [(400 - inwin,)] and 0 < inwin < 400,
         "--from/--to: %d packets in the window, %d counted as skipped (JSON and store)" % (inwin, 400 - inwin),
         (js.get("packets"), js.get("skipped_window"), sk, inwin, err3[-200:]))
    nb = len({k[3] for k in want})
    T.ok(rc in (0, 1) and got == want and nb >= 20,
         "qp_rates of a 200 s capture: %d QP buckets over %d 10-s buckets, each = decode's packets"
         % (len(want), nb), ["rc %d %s" % (rc, err[-200:])] +
         ["%s: spinetap %s, decode %s" % (k, got.get(k), want.get(k))
          for k in sorted(set(got) | set(want), key=str) if got.get(k) != want.get(k)][:8])


def main():
    if not spt.have_spinetap() or not os.access(truth.gen_path(), os.X_OK):
        T.ok(False, "spinetap and spinetap-gen are built")
        return T.done()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="t_store.") as tmp:
        # leaf-misforward with both-direction taps: misrouted evidence, and the misforwarded
        # packets leave PSN gaps; 1000 packets a second for several per-second buckets
        run = truth.generate(tmp, ["--scenario", "leaf-misforward", "--taps", "both", "--qps", "12",
                                   "--hosts", "2", "--packets", "4000", "--rate", "1000",
                                   "--pmtu", "1024", "--msg-size", "0-6000", "--seed", "3"], "a")
        db = os.path.join(tmp, "store.db")
        rc, s = analyze_into(db, run)
        T.ok(rc == run.truth["exit_status"] and s["store"] and s["store"]["run"] == 1,
             "analyze wrote run 1 of %s (exit %d)" % (os.path.basename(db), rc))
        example_queries(db)
        views(db, s)
        run2 = truth.generate(tmp, ["--scenario", "gobackn", "--taps", "inout", "--qps", "6",
                                    "--packets", "2000", "--seed", "4"], "b")
        rerun(db, run2)
        concurrent(tmp)
        qp_buckets(tmp)
    T.diag("t_store.py: %.1f s" % (time.time() - t0))
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
