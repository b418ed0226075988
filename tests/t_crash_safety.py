#!/usr/bin/python3
"""t_crash_safety.py - the SQLite store survives SIGKILL and a full disk.

1. SIGKILL during `analyze`: spinetap-gen writes a long capture into a pipe
   (`spinetap-gen -w - | spinetap analyze -d DB -`, several seconds of
   traffic); analyze is killed with SIGKILL after about 2.5 s. The DB then
   opens, PRAGMA integrity_check says ok, the run row exists (status still
   'running': nobody ended it) with the packets of the last flush (> 0),
   and that flush is whole: the run's packet count equals the sum over its
   taps, and its QPs are there.
2. SIGKILL during `capture` (root only: a veth pair, one end in a network
   namespace, traffic replayed with tcpreplay into the other): the same
   checks after a kill at about 2.5 s.
3. Disk full (root only): capture with the DB on a 16 MiB tmpfs; once the
   store exists the rest of the tmpfs is filled, 10,000 packets are
   replayed at 2,000/s (5 s), then the filler is deleted and capture runs
   on to its --duration. Capture keeps counting (the final report has
   exactly the packets sent), reports the store error once per interval
   (about one stderr line per second of full disk, never one per packet),
   and recovers: the run ends 'done' in the DB with every packet and QP.
Not root, or no ip/tcpreplay: 2 and 3 are skipped with the reason.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import spt, tap  # noqa: E402

T = tap.Tap()
GEN = os.environ.get("GEN") or os.path.join(spt.ROOT, "build", "spinetap-gen")
SPT = spt.spinetap_path()


def db_state(db):
    """(integrity, run row (id, status, packets), sum of tap packets, qps rows) of the last run."""
    c = sqlite3.connect(db, timeout=10)
    try:
        integ = c.execute("PRAGMA integrity_check").fetchone()[0]
        run = c.execute("SELECT id, status, packets FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        if not run:
            return integ, None, 0, 0
        taps = c.execute("SELECT coalesce(sum(packets), 0) FROM taps WHERE run_id = ?", (run[0],)).fetchone()[0]
        qps = c.execute("SELECT count(*) FROM qps WHERE run_id = ?", (run[0],)).fetchone()[0]
        return integ, run, taps, qps
    finally:
        c.close()


def check_killed(label, db):
    try:
        integ, run, taps, qps = db_state(db)
    except sqlite3.Error as e:
        T.ok(False, "%s: the DB opens after SIGKILL" % label, str(e))
        return
    T.ok(True, "%s: the DB opens after SIGKILL" % label)
    T.ok(integ == "ok", "%s: PRAGMA integrity_check is ok" % label, integ)
    T.ok(run is not None and run[1] == "running" and run[2] and run[2] > 0,
         "%s: the run row exists with the packets of the last flush (> 0)" % label, repr(run))
    if run:
        T.ok(run[2] == taps and qps > 0, "%s: that flush is whole (run packets = tap packets, QPs stored)" % label,
             "run %r, taps %d, qps %d" % (run, taps, qps))


def analyze_kill(tmp):
    db = os.path.join(tmp, "analyze.db")
    gen = subprocess.Popen([GEN, "--qps", "256", "--packets", "20000000", "--msg-size", "64-1000", "-w", "-"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ana = subprocess.Popen([SPT, "analyze", "-q", "-d", db, "-"], stdin=gen.stdout,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    gen.stdout.close()
    time.sleep(2.5)
    alive = ana.poll() is None
    ana.send_signal(signal.SIGKILL)
    ana.wait()
    gen.kill()
    gen.wait()
    err = ana.stderr.read().decode("utf-8", "replace")
    ana.stderr.close()
    T.ok(alive, "analyze was still running after 2.5 s (killed mid-run)", err[-300:])
    T.ok(not spt.sanitizer_report(err), "analyze: no sanitizer report before the kill", err[-600:])
    check_killed("analyze", db)


class Lab:
    """A veth pair: `outer` in this namespace (tcpreplay sends into it), its peer in namespace `ns`."""

    def __init__(self):
        tag = "%d" % (os.getpid() % 100000)
        self.ns, self.outer, self.inner = "stcs" + tag, "stcA" + tag, "stcB" + tag
        self.up = False

    def sh(self, *cmd):
        subprocess.run(list(cmd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)

    def __enter__(self):
        self.sh("ip", "netns", "add", self.ns)
        self.up = True
        self.sh("ip", "link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
        self.sh("ip", "link", "set", self.inner, "netns", self.ns)
        # No IPv6 on either end: no router or neighbour solicitations among the counted packets.
        self.sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % self.outer)
        self.sh("ip", "netns", "exec", self.ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % self.inner)
        self.sh("ip", "link", "set", self.outer, "up")
        self.sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.inner, "up")
        return self

    def __exit__(self, *a):
        subprocess.run(["ip", "link", "del", self.outer], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.up:
            subprocess.run(["ip", "netns", "del", self.ns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def spec(self):
        return "s1=%s/%s" % (self.ns, self.inner)

    def replay(self, pcap, pps):
        """tcpreplay at pps; returns the packets it says it sent."""
        p = subprocess.run(["tcpreplay", "-q", "-i", self.outer, "--pps", str(pps), pcap],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        for ln in out.splitlines():
            if ln.strip().startswith("Actual:"):
                return int(ln.split()[1])
        raise RuntimeError("tcpreplay: %s" % out[-300:])


def live_reason():
    if os.geteuid() != 0:
        return "not root (needs a network namespace, a veth pair and a tmpfs mount)"
    for tool in ("ip", "tcpreplay", "sysctl"):
        if not shutil.which(tool):
            return "%s is not installed" % tool
    return None


def capture_kill(tmp, lab, pcap):
    db = os.path.join(tmp, "capture.db")
    cap = subprocess.Popen([SPT, "capture", "-q", "-d", db, "-i", lab.spec()], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    time.sleep(0.5)
    rep = subprocess.Popen(["tcpreplay", "-q", "-i", lab.outer, "--pps", "2000", pcap],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.5)
    alive = cap.poll() is None
    cap.send_signal(signal.SIGKILL)
    cap.wait()
    rep.kill()
    rep.wait()
    err = cap.stderr.read().decode("utf-8", "replace")
    cap.stderr.close()
    T.ok(alive, "capture was still running after 2.5 s of traffic (killed mid-run)", err[-300:])
    T.ok(not spt.sanitizer_report(err), "capture: no sanitizer report before the kill", err[-600:])
    check_killed("capture", db)


def disk_full(tmp, lab, pcap):
    mnt = os.path.join(tmp, "tmpfs")
    os.makedirs(mnt)
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except (subprocess.CalledProcessError, OSError) as e:
        T.skip("disk full", "cannot mount a tmpfs: %s" % e)
        return
    try:
        db = os.path.join(mnt, "cap.db")
        out = os.path.join(tmp, "cap.json")
        with open(out, "wb") as fo:
            cap = subprocess.Popen([SPT, "capture", "--json", "-d", db, "--duration", "13", "-i", lab.spec()],
                                   stdout=fo, stderr=subprocess.PIPE)
            time.sleep(1.5)  # the store exists and has flushed once
            filler = os.path.join(mnt, "filler")
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:  # unbuffered: a buffered file would raise ENOSPC again when closed
                while os.write(fd, b"\0" * 65536) > 0:
                    pass
            except OSError:
                pass  # ENOSPC: full
            finally:
                os.close(fd)
            st = os.statvfs(mnt)
            T.ok(st.f_bavail == 0, "the tmpfs under the DB is full", "%d blocks free" % st.f_bavail)
            t0 = time.time()
            sent = lab.replay(pcap, 2000)
            full_s = time.time() - t0
            os.unlink(filler)  # space returns
            time.sleep(2.5)    # two flush intervals: capture is still running (--duration 13)
            try:
                live = db_state(db)
            except sqlite3.Error as e:
                live = (str(e), None, 0, 0)
            T.ok(cap.poll() is None and live[1] is not None and live[1][1] == "running" and live[1][2] == sent,
                 "disk full: once space returns, the next flush stores what was counted meanwhile "
                 "(%d packets, run still running)" % sent, "live DB: %r" % (live,))
            try:
                cap.wait(timeout=60)
            except subprocess.TimeoutExpired:
                cap.kill()
                cap.wait()
            err = cap.stderr.read().decode("utf-8", "replace")
            cap.stderr.close()
        T.ok(cap.returncode in (0, 1) and not spt.sanitizer_report(err),
             "disk full: capture ends by itself, no crash", "rc %r: %s" % (cap.returncode, err[-600:]))
        with open(out) as f:
            try:
                rep = json.load(f)
            except ValueError:
                rep = {}
        T.ok(rep.get("packets") == sent, "disk full: capture kept counting (%d packets sent, %r counted)" % (
            sent, rep.get("packets")), "report: %r" % {k: rep.get(k) for k in ("packets", "accounted", "error")})
        lines = [ln for ln in err.splitlines() if db in ln]
        T.diag("%d store error lines in %.1f s of full disk; first: %s" % (len(lines), full_s,
                                                                        lines[0] if lines else "-"))
        T.ok(1 <= len(lines) <= full_s + 3, "disk full: the store error is reported about once a second "
             "(%d lines in %.1f s, %d packets)" % (len(lines), full_s, sent), err[-600:])
        try:
            integ, run, taps, qps = db_state(db)
        except sqlite3.Error as e:
            T.ok(False, "disk full: the DB opens", str(e))
            return
        T.ok(integ == "ok" and run is not None and run[1] in ("done", "error") and run[2] == sent and
             taps == sent, "disk full: recovered; the DB has the later data (run ended, %d packets)" % sent,
             "integrity %s run %r taps %d" % (integ, run, taps))
        T.ok(qps == rep.get("table", {}).get("qps") and qps > 0, "disk full: every QP is stored after recovery",
             "rows %d, report %r" % (qps, rep.get("table")))
    finally:
        subprocess.run(["umount", "-l", mnt], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    if not spt.have_spinetap() or not os.access(GEN, os.X_OK):
        T.skip("crash safety", "spinetap or spinetap-gen missing")
        return T.done()
    with tempfile.TemporaryDirectory(prefix="spinetap-crash-") as tmp:
        analyze_kill(tmp)
        why = live_reason()
        if why:
            T.skip("SIGKILL during capture", why)
            T.skip("disk full during capture", why)
            return T.done()
        pcap = os.path.join(tmp, "traffic.pcap")
        subprocess.run([GEN, "--qps", "64", "--packets", "10000", "--msg-size", "64-200", "-w", pcap],
                       check=True, timeout=60)
        lab = Lab()
        try:
            lab.__enter__()
        except (subprocess.CalledProcessError, OSError) as e:
            lab.__exit__()
            detail = e.stderr.decode() if getattr(e, "stderr", None) else str(e)
            T.skip("SIGKILL during capture", "cannot build the veth lab: %s" % detail.strip()[:200])
            T.skip("disk full during capture", "cannot build the veth lab")
            return T.done()
        try:  # past the set-up, an error is a failure, not a skip
            capture_kill(tmp, lab, pcap)
            disk_full(tmp, lab, pcap)
        finally:
            lab.__exit__()
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
