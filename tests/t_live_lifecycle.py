"""t_live_lifecycle.py - the store of a live capture, while it runs and after it ends, and
capture after a privilege drop (root only).

On the origin lab:
  1. `spinetap capture -d DB` while host1 sends to host2: sqlite3 (another process)
     reads the run as `running` with QP, tap and drops rows before the capture ends;
     after SIGTERM the run is `done` with an end time, and its totals equal the final
     report: run packets, per QP packets, per tap packets, verdicts.
  2. `spinetap capture -Z nobody`: the process runs as nobody once the interfaces are
     open, keeps capturing (every packet sent after the drop is counted), and the DB
     (handed over to nobody) is written to the end.
"""
import os
import pwd
import subprocess
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fabric"))
import livelib as L  # noqa: E402

L.skip_unless_root("live lifecycle")
t = L.Tap()
prefix = "ll%d" % (os.getpid() % 100000)
d = L.tmpdir("t_live_lifecycle")
fab = L.Fabric(prefix)
q = L.db_query

# ---- 1. the store during and after the run
cap = L.Capture(fab, d)
resp = L.Responder(fab, "host2", d)
tr = L.send(fab, "host1", "host2", "--qps", "4", "-c", "3000", "--rate", "3000", "--msg-size", "1024")
time.sleep(1.6)  # two flushes
live = {}
try:
    live["run"] = q(cap.db, "SELECT id, status, packets FROM runs ORDER BY id DESC LIMIT 1")
    run_id = live["run"][0][0]
    live["qps"] = q(cap.db, "SELECT count(*), coalesce(sum(packets), 0) FROM qps WHERE run_id = ?", (run_id,))
    live["taps"] = q(cap.db, "SELECT count(*), coalesce(sum(packets), 0) FROM taps WHERE run_id = ?", (run_id,))
    live["drops"] = q(cap.db, "SELECT count(*) FROM drops WHERE run_id = ?", (run_id,))
except Exception as e:  # noqa: BLE001
    live["error"] = str(e)
t.ok(cap.alive() and "error" not in live and live["run"][0][1] == "running" and live["qps"][0][0] >= 4
     and live["taps"][0][1] > 0 and live["drops"][0][0] > 0,
     "while capture runs, sqlite3 reads the run (running) with QP, tap and drops rows", live)
t.ok(live.get("qps", [(0, 0)])[0][1] >= tr["packets"],
     "the rows read during the run already hold every request sent", (live.get("qps"), tr["packets"]))
rresp = resp.stop()
rc, c = cap.stop(signal.SIGTERM, settle=0.2)
if not t.ok(c is not None and rc in (0, 1), "SIGTERM: capture ends with its report", cap.stderr()[-400:]):
    sys.exit(t.done())
run = q(cap.db, "SELECT id, status, packets, ended FROM runs WHERE id = ?", (run_id,))[0]
t.ok(run[1] == "done" and run[3] is not None and run[2] == c["packets"],
     "after SIGTERM the run is done, with its end time and the report's packet total", (run, c["packets"]))
dbq = {(s, dd, n): p for s, dd, n, p in q(cap.db, "SELECT src, dst, dqpn, packets FROM qps WHERE run_id = ?", (run_id,))}
rep = {(x["src"], x["dst"], x["dqpn"]): x["packets"] for x in c["qps"]}
t.ok(dbq == rep and len(rep) >= 8, "per QP packets in the DB = the report (%d QPs)" % len(rep), (dbq, rep))
dbt = dict(q(cap.db, "SELECT name, packets FROM taps WHERE run_id = ?", (run_id,)))
rept = {x["name"]: x["packets"] for x in c["taps"]}
t.ok(dbt == rept, "per tap packets in the DB = the report", (dbt, rept))
dbv = {}
for pol, verdict, n in q(cap.db, "SELECT policy, verdict, sightings FROM verdicts WHERE run_id = ?", (run_id,)):
    dbv[verdict] = dbv.get(verdict, 0) + n
repv = {k: n for k, n in c["verdicts"].items() if n}
t.ok({k: n for k, n in dbv.items() if n and k in repv} == repv,
     "verdicts in the DB = the report", (dbv, repv))
L.run(["sqlite3", cap.db, "PRAGMA integrity_check"])

# ---- 2. -Z nobody
nobody = pwd.getpwnam("nobody")
d2 = os.path.join(d, "z")
os.mkdir(d2)
os.chown(d2, nobody.pw_uid, nobody.pw_gid)
cap = L.Capture(fab, d2, "-Z", "nobody")
time.sleep(0.2)
uid = None
try:
    for line in open("/proc/%d/status" % cap.p.pid):
        if line.startswith("Uid:"):
            uid = [int(x) for x in line.split()[1:]]
except OSError:
    pass
t.ok(cap.alive() and uid is not None and all(u == nobody.pw_uid for u in uid),
     "-Z nobody: capture runs as nobody (real, effective, saved uid %d)" % nobody.pw_uid, (uid, cap.stderr()[-300:]))
resp = L.Responder(fab, "host2", d2)
tr = L.send(fab, "host1", "host2", "--qps", "4", "-c", "2000", "--rate", "4000", "--msg-size", "1024")
resp.stop()
rc, c = cap.stop(settle=0.5)
t.ok(c is not None and not L.compare_qps(fab, c, tr, "host1", "host2"),
     "-Z nobody: every packet sent after the drop is counted per QP and tap",
     L.compare_qps(fab, c, tr, "host1", "host2") if c else cap.stderr()[-400:])
st = os.stat(cap.db)
run = q(cap.db, "SELECT status, packets FROM runs ORDER BY id DESC LIMIT 1")[0]
nq = q(cap.db, "SELECT count(*) FROM qps WHERE run_id = (SELECT id FROM latest_run)")[0][0]
t.ok(st.st_uid == nobody.pw_uid and run[0] == "done" and c and run[1] == c["packets"] and nq >= 4,
     "-Z nobody: the DB, owned by nobody, is written to the end (run done, %d QPs)" % nq,
     (st.st_uid, run, nq, cap.stderr()[-300:]))
t.ok(rc in (0, 1) and "cannot" not in cap.stderr(), "-Z nobody: capture ends cleanly", (rc, cap.stderr()[-300:]))

fab.down()
t.ok(L.namespaces_left(prefix) == [], "fabric down: no namespace left")
sys.exit(t.done())
