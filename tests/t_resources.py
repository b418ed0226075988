#!/usr/bin/python3
"""t_resources.py - a flood of distinct QPs against a small QP table.

1. Flood: `spinetap-gen --qps 100000` (about 150,000 QP records: both
   directions) analyzed with `settings: { qp_capacity: 1000 }`:
     - no crash, exit 0;
     - evictions counted and reported: JSON table.evictions, the text
       report's "QPs evicted N", the counters table (table/qp_evictions);
     - the table never holds more than its capacity (table.qps = 1000);
     - every evicted QP's row is in SQLite with qps.evicted = 1: rows with
       evicted = 1 = evictions - evictions_unsaved, and none unsaved;
     - peak RSS (wait4 rusage of the child) does not grow with the number
       of QPs flooded: 100,000 QPs cost no more than 25,000 QPs do (15 %
       plus 8 MiB of slack; a table that grew per QP would need about
       25 MiB more).
2. The eviction rule (qptab.h, spinetap(8) "Table capacity"): the least
   recently seen of 8 sampled records. A capture of 10 hot QPs, each seen
   every 20 packets, among 20,000 QPs seen once, with qp_capacity 1000: a
   hot QP always has at most 19 records seen more recently than it, so the
   8 samples all being among those has odds of (19/1000)^8 < 1e-13 per
   eviction. So: no hot QP is ever evicted (each keeps one row with all
   its packets), every evicted row is a flood QP, and evictions = 20,010 -
   1000 exactly. A rule that evicted at random would evict hot QPs about
   190 times here.
3. A flood of distinct uSID programs (every packet to another carrier):
   every packet is accounted, the path table stays bounded (65,535 paths,
   then one overflow path), and the CPU per packet does not grow with the
   number of paths seen: 40,000 programs may cost at most 16 times what
   5,000 cost (linear work: 8 times; comparing each new program with every
   known path: about 60 times).
"""

import json
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import pcapio, spt, tap  # noqa: E402

T = tap.Tap()
GEN = os.environ.get("GEN") or os.path.join(spt.ROOT, "build", "spinetap-gen")
TIMEOUT = 120


def measured(cmd, out_path, env=None):
    """(rc, stderr, maxrss KiB): fork + exec + wait4, so the RSS is this child's own."""
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                os.execve(cmd[0], cmd, env or os.environ)
            finally:
                os._exit(127)
        _, status, ru = os.wait4(pid, 0)
        err.seek(0)
        rc = os.waitstatus_to_exitcode(status)
        return rc, err.read().decode("utf-8", "replace"), ru.ru_maxrss


def flood(tmp):
    cfg = os.path.join(tmp, "cap.yaml")
    with open(cfg, "w") as f:
        f.write("settings: { qp_capacity: 1000 }\n")
    env = dict(os.environ)
    # Under AddressSanitizer, freed memory waits in a quarantine of up to 256 MiB: keep it
    # small so that peak RSS shows the program's own memory.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4").lstrip(":")
    rss = {}
    for nq in (25000, 100000):
        pcap = os.path.join(tmp, "flood%d.pcap" % nq)
        r = subprocess.run([GEN, "--qps", str(nq), "--packets", str(2 * nq if nq > 50000 else 200000),
                            "-s", "128", "-w", pcap], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
        if not T.ok(r.returncode == 0, "spinetap-gen --qps %d" % nq, r.stderr.decode()[-300:]):
            return
        db = os.path.join(tmp, "flood%d.db" % nq)
        out = os.path.join(tmp, "flood%d.json" % nq)
        rc, err, kib = measured([spt.spinetap_path(), "analyze", "-c", cfg, "--json", "-d", db, pcap], out, env)
        rss[nq] = kib
        T.ok(rc == 0 and not spt.sanitizer_report(err), "flood of %d QPs: analyze exits 0, no crash" % nq,
             "rc %r: %s" % (rc, err[-600:]))
        if rc != 0:
            return
        with open(out) as f:
            rep = json.load(f)
        tab = rep.get("table", {})
        ev, unsaved = tab.get("evictions", 0), tab.get("evictions_unsaved", 0)
        T.diag("%d QPs: table %r, peak RSS %d KiB" % (nq, tab, kib))
        T.ok(tab.get("capacity") == 1000 and tab.get("qps") == 1000, "%d QPs: the table holds 1000" % nq, tab)
        T.ok(ev > nq, "%d QPs: evictions counted (%d)" % (nq, ev), tab)
        c = sqlite3.connect(db)
        try:
            rows_ev = c.execute("SELECT count(*) FROM qps WHERE evicted = 1").fetchone()[0]
            rows_live = c.execute("SELECT count(*) FROM qps WHERE evicted = 0").fetchone()[0]
            ctr = dict(c.execute("SELECT name, value FROM counters WHERE kind = 'table'").fetchall())
            status = c.execute("SELECT status FROM runs").fetchall()
        finally:
            c.close()
        T.ok(ctr.get("qp_evictions") == ev and ctr.get("qp_evictions_unsaved") == unsaved,
             "%d QPs: evictions in the counters table" % nq, ctr)
        T.ok(rows_live == 1000 and status == [("done",)], "%d QPs: the 1000 live QPs stored, run done" % nq,
             "live rows %d, runs %r" % (rows_live, status))
        T.ok(rows_ev == ev - unsaved, "%d QPs: evicted rows (evicted = 1) = evictions - unsaved" % nq,
             "rows %d, evictions %d, unsaved %d" % (rows_ev, ev, unsaved))
        T.ok(unsaved == 0, "%d QPs: every evicted QP's row is in SQLite (none unsaved)" % nq,
             "%d of %d evictions were summarised only: analyze lets the eviction queue (65,536 records) "
             "overflow between its once-a-second flushes" % (unsaved, ev))
    txt = os.path.join(tmp, "flood.txt")
    rc, err, _ = measured([spt.spinetap_path(), "analyze", "-c", cfg, "-d", ":memory:",
                           os.path.join(tmp, "flood25000.pcap")], txt, env)
    with open(txt) as f:
        report = f.read()
    T.ok(rc == 0 and "QPs evicted" in report, "the text report names the evictions",
         [ln for ln in report.splitlines() if "QPs" in ln][:3])
    if len(rss) == 2:
        bound = rss[25000] * 1.15 + 8192
        T.ok(rss[100000] <= bound, "peak RSS does not grow with the QPs flooded: %d KiB (100k QPs) <= %d KiB"
             " (25k QPs: %d KiB, +15%% +8 MiB)" % (rss[100000], bound, rss[25000]), rss)


def roce_v4(dqpn, psn, sec, usec):
    bth = struct.pack(">BBHBBHBBH", 0x04, 0, 0xFFFF, 0, dqpn >> 16, dqpn & 0xFFFF, 0x80,
                      (psn >> 16) & 0xFF, psn & 0xFFFF)
    roce = bth + b"\0" * 8 + b"\0" * 4    # SEND ONLY, 8 payload bytes, ICRC (not checked here)
    udp = struct.pack(">HHHH", 0xC000, 4791, 8 + len(roce), 0) + roce
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02") + udp
    return (sec, usec, b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip, 14 + len(ip))


def lru_rule(tmp):
    nflood, hot, cap = 20000, 10, 1000
    recs, psn = [], {}
    t = 0
    for i in range(nflood):
        q = 0x10000 + i
        recs.append(roce_v4(q, 0, 1767225600 + t // 1000000, t % 1000000))
        t += 1
        if True:  # a hot QP after every flood QP: each hot QP every 20 packets
            h = 1 + i % hot
            psn[h] = psn.get(h, -1) + 1
            recs.append(roce_v4(h, psn[h], 1767225600 + t // 1000000, t % 1000000))
            t += 1
    pcap = os.path.join(tmp, "lru.pcap")
    pcapio.write_pcap(pcap, recs)
    cfg = os.path.join(tmp, "lru.yaml")
    with open(cfg, "w") as f:
        f.write("settings: { qp_capacity: %d, icrc: false }\n" % cap)
    db = os.path.join(tmp, "lru.db")
    out = os.path.join(tmp, "lru.json")
    rc, err, _ = measured([spt.spinetap_path(), "analyze", "-c", cfg, "--json", "-d", db, pcap], out)
    if not T.ok(rc == 0 and not spt.sanitizer_report(err), "eviction rule: analyze exits 0", err[-500:]):
        return
    with open(out) as f:
        rep = json.load(f)
    ev = rep["table"]["evictions"]
    T.ok(ev == nflood + hot - cap, "eviction rule: one eviction per QP beyond the capacity (%d)" % (
        nflood + hot - cap), rep["table"])
    c = sqlite3.connect(db)
    try:
        hot_rows = c.execute("SELECT dqpn, packets, evicted FROM qps WHERE dqpn <= ? ORDER BY dqpn",
                             (hot,)).fetchall()
        ev_hot = c.execute("SELECT count(*) FROM qps WHERE evicted = 1 AND dqpn <= ?", (hot,)).fetchone()[0]
        ev_rows = c.execute("SELECT count(*) FROM qps WHERE evicted = 1").fetchone()[0]
    finally:
        c.close()
    T.ok(ev_hot == 0, "eviction rule: no hot QP (seen every 20 packets) is ever evicted",
         "%d evicted rows of hot QPs" % ev_hot)
    T.ok(len(hot_rows) == hot and all(r[1] == nflood // hot and r[2] == 0 for r in hot_rows),
         "eviction rule: each hot QP keeps one row with all its %d packets" % (nflood // hot), hot_rows)
    T.ok(ev_rows == ev, "eviction rule: every eviction (a flood QP) has its row, evicted = 1",
         "rows %d evictions %d" % (ev_rows, ev))


def path_flood_pcap(path, n, seed):
    """n RoCE ACKs, each to a different uSID carrier in fcbb:bbbb::/32: n distinct programs (paths)."""
    import random
    rng = random.Random(seed)
    ack = struct.pack(">BBHBBHBBH", 0x11, 0, 0xFFFF, 0, 0, 0x31, 0x80, 0, 7) + b"\0\0\0\5" + b"\0" * 4
    udp = struct.pack(">HHHH", 0xC000, 4791, 8 + len(ack), 0) + ack
    src = bytes.fromhex("20010db8001000000000000000000002")
    recs = []
    for i in range(n):
        dst = b"\xfc\xbb\xbb\xbb" + struct.pack(">6H", *[rng.randrange(1, 0xE000) for _ in range(6)])
        f = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x86\xdd" + struct.pack(">IHBB", 0x60000000, len(udp), 17, 64) \
            + src + dst + udp
        recs.append((1767225600 + i // 1000, (i % 1000) * 1000, f, len(f)))
    pcapio.write_pcap(path, recs)


def cpu_run(cmd, out_path):
    """(rc, stderr, user+system CPU seconds of that child)."""
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                os.execv(cmd[0], cmd)
            finally:
                os._exit(127)
        _, status, ru = os.wait4(pid, 0)
        err.seek(0)
        return os.waitstatus_to_exitcode(status), err.read().decode("utf-8", "replace"), ru.ru_utime + ru.ru_stime


def path_flood(tmp):
    """A flood of distinct uSID programs: the work per packet must not grow with the paths seen."""
    cfg = os.path.join(tmp, "block.yaml")
    with open(cfg, "w") as f:
        f.write("usid: { block: fcbb:bbbb::/32 }\nsettings: { icrc: false }\n")
    cpu = {}
    for n in (5000, 40000):
        pcap = os.path.join(tmp, "paths%d.pcap" % n)
        path_flood_pcap(pcap, n, n)
        out = os.path.join(tmp, "paths%d.json" % n)
        rc, err, secs = cpu_run([spt.spinetap_path(), "analyze", "--json", "-c", cfg, "-d", ":memory:", pcap], out)
        if not T.ok(rc == 0 and not spt.sanitizer_report(err), "path flood of %d programs: analyze exits 0" % n,
                    "rc %r: %s" % (rc, err[-500:])):
            return
        with open(out) as f:
            rep = json.load(f)
        cpu[n] = secs
        T.diag("%d distinct programs: %.2f s CPU, %d paths" % (n, secs, len(rep.get("paths", []))))
        T.ok(rep.get("accounted") == n and len(rep.get("paths", [])) <= 65536,
             "path flood of %d: every packet accounted, the path table bounded" % n,
             "accounted %r, paths %d" % (rep.get("accounted"), len(rep.get("paths", []))))
    # Linear work takes 8 times as long for 8 times the packets; allow 16 (and 0.5 s of noise).
    T.ok(cpu[40000] <= 16 * cpu[5000] + 0.5,
         "path flood: CPU per packet does not grow with the paths seen (40k programs %.2f s, 5k %.2f s)" % (
             cpu[40000], cpu[5000]),
         "%.1fx the CPU for 8x the packets: a new program is compared with every known path "
         "(paths.c intern_new: strcmp over all paths)" % (cpu[40000] / max(cpu[5000], 1e-3)))


def path_overflow(tmp):
    """More programs than the path table holds (65,535), under a policy covering all of them:
    the sightings whose program was not kept cannot be judged, so they are uncovered, never
    compliant, and counted in table.path_overflow_packets."""
    n = 70000
    pcap = os.path.join(tmp, "overflow.pcap")
    path_flood_pcap(pcap, n, 7)
    cfg = os.path.join(tmp, "overflow.yaml")
    with open(cfg, "w") as f:
        f.write("usid: { block: fcbb:bbbb::/32 }\nnodes:\n  leaf1: { usid: 0x0001, role: leaf }\n"
                "policies:\n  - name: all\n    match: { src: 2001:db8:10::/64 }\n"
                "    paths: [ [leaf1] ]\n    mode: spray\nsettings: { icrc: false }\n")
    rc, out, err = spt.run(["analyze", "--json", "-c", cfg, "-d", ":memory:", pcap], timeout=120)
    rep = json.loads(out) if rc in (0, 1) else {}
    v, over = rep.get("verdicts", {}), rep.get("table", {}).get("path_overflow_packets", 0)
    T.ok(over > 0 and v.get("uncovered") == over and v.get("compliant") == 0 and sum(v.values()) == n,
         "path table overflow: %d sightings beyond 65,535 programs are uncovered, none compliant" % over,
         (rc, v, over, err[-300:]))


def main():
    if not spt.have_spinetap() or not os.access(GEN, os.X_OK):
        T.skip("resources", "spinetap or spinetap-gen missing")
        return T.done()
    with tempfile.TemporaryDirectory(prefix="spinetap-res-") as tmp:
        flood(tmp)
        lru_rule(tmp)
        path_flood(tmp)
        path_overflow(tmp)
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
