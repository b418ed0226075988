"""livelib.py - the live tests' harness: a uSID fabric in network namespaces
(tests/fabric/fabric.sh), spinetap capture on its spine ports, and
spinetap-gen live traffic between its hosts.

Everything torn down on exit, on an exception and on SIGINT/SIGTERM/SIGHUP:
the fabric (namespaces), background processes this harness started (by pid),
and the temporary directory.

Environment (tests/run.sh): SPINETAP, GEN, PYTHON. KEEP=1 keeps the
temporary directory for a look afterwards.
"""

import atexit
import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


# The TAP output every script test uses (tests/pylib/tap.py).
sys.path.insert(0, os.path.dirname(HERE))
from pylib.tap import Tap  # noqa: E402,F401

SPINETAP = os.environ.get("SPINETAP") or os.path.join(ROOT, "build", "spinetap")
GEN = os.environ.get("GEN") or os.path.join(ROOT, "build", "spinetap-gen")
FABRIC = os.path.join(HERE, "fabric.sh")

_procs = []      # background Popen objects we started
_fabrics = []    # prefixes to tear down
_tmpdirs = []


def skip_unless_root(name=None):
    """Print the TAP skip line and exit 0 when the tests cannot run here."""
    why = None
    if os.geteuid() != 0:
        why = "not root (need network namespaces)"
    elif not os.path.exists("/usr/sbin/ip") and not os.path.exists("/sbin/ip") and not os.path.exists("/usr/bin/ip"):
        why = "no iproute2"
    elif not (os.access(SPINETAP, os.X_OK) and os.access(GEN, os.X_OK)):
        why = "spinetap/spinetap-gen not built (%s, %s)" % (SPINETAP, GEN)
    if why:
        print("ok 1 - live tests # SKIP %s" % why)
        print("1..1")
        sys.exit(0)


def cleanup():
    for p in list(_procs):
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass
    _procs.clear()
    for prefix in list(_fabrics):
        subprocess.run(["bash", FABRIC, "down", "--prefix", prefix, "-q"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _fabrics.clear()
    for d in list(_tmpdirs):
        if os.environ.get("KEEP") == "1":
            sys.stderr.write("kept %s\n" % d)
        else:
            subprocess.run(["rm", "-rf", d])
    _tmpdirs.clear()


def _on_signal(sig, frame):
    cleanup()
    sys.exit(128 + sig)


atexit.register(cleanup)
for _s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_s, _on_signal)


def tmpdir(tag):
    d = tempfile.mkdtemp(prefix="spinetap-%s." % tag)
    os.chmod(d, 0o755)
    _tmpdirs.append(d)
    return d


def run(cmd, **kw):
    """Run a command; returns CompletedProcess with text output."""
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


class Fabric:
    """fabric.sh up with these options; .down() (also at exit)."""

    def __init__(self, prefix, *opts):
        self.prefix = prefix
        _fabrics.append(prefix)
        t0 = time.time()
        r = run(["bash", FABRIC, "up", "--prefix", prefix, "--env"] + list(opts))
        self.up_seconds = time.time() - t0
        if r.returncode != 0:
            raise RuntimeError("fabric.sh up failed (%d): %s" % (r.returncode, r.stderr.strip()))
        env = {}
        for line in r.stdout.splitlines():
            k, _, v = line.partition("=")
            env[k] = shlex.split(v)[0] if v else ""
        self.config = env["FABRIC_CONFIG"]
        self.state = env["FABRIC_STATE"]
        self.iface_args = shlex.split(env["FABRIC_IFACES"])
        self.hosts = {}
        with open(env["FABRIC_HOSTS"]) as f:
            for line in f:
                name, ns, leaf, addr, usid = line.split()
                self.hosts[name] = {"ns": ns, "leaf": leaf, "addr": addr, "usid": usid}
        self.vars = {}
        with open(os.path.join(self.state, "env")) as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    k, _, v = line.strip().partition("=")
                    self.vars[k] = shlex.split(v)[0] if v else ""

    def taps(self):
        """Tap names (spineJ-lI), in the order of the -i arguments."""
        return [a.split("=")[0] for a in self.iface_args if a != "-i"]

    def fault(self, kind, *opts):
        r = run(["bash", FABRIC, "fault", kind, "--prefix", self.prefix] + list(opts))
        if r.returncode != 0:
            raise RuntimeError("fault %s failed: %s" % (kind, r.stderr.strip()))
        return r.stderr.strip()

    def ns(self, host):
        return self.hosts[host]["ns"]

    def down(self):
        run(["bash", FABRIC, "down", "--prefix", self.prefix, "-q"])
        if self.prefix in _fabrics:
            _fabrics.remove(self.prefix)


def namespaces_left(prefix):
    out = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(prefix + "-")]


class Capture:
    """spinetap capture in the background; stop() sends a signal and returns (rc, json|None)."""

    def __init__(self, fab, outdir, *extra, db=None, json_out=True, config=None, user=None,
                 iface_args=None):
        self.out = os.path.join(outdir, "capture.out")
        self.err = os.path.join(outdir, "capture.err")
        self.db = db or os.path.join(outdir, "capture.db")
        cmd = [SPINETAP, "capture", "-c", config or fab.config, "-d", self.db]
        cmd += iface_args if iface_args is not None else fab.iface_args
        if json_out:
            cmd.append("--json")
        cmd += list(extra)
        self.cmd = cmd
        self.json_out = json_out
        self.p = subprocess.Popen(cmd, stdout=open(self.out, "w"), stderr=open(self.err, "w"),
                                  preexec_fn=os.setpgrp)
        _procs.append(self.p)
        # ready when the store has its run row (interfaces are open by then)
        t0 = time.time()
        while time.time() - t0 < 10:
            if self.p.poll() is not None:
                break
            if self.db == ":memory:" or self._run_row():
                break
            time.sleep(0.05)
        time.sleep(0.3)  # the workers' first pcap_dispatch

    def _run_row(self):
        if not os.path.exists(self.db):
            return False
        try:
            c = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=1)
            n = c.execute("SELECT count(*) FROM runs").fetchone()[0]
            c.close()
            return n > 0
        except sqlite3.Error:
            return False

    def alive(self):
        return self.p.poll() is None

    def send_signal(self, sig):
        self.p.send_signal(sig)

    def wait(self, timeout=30):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        if self.p in _procs:
            _procs.remove(self.p)
        return rc, self.result()

    def stop(self, sig=signal.SIGINT, settle=0.3, timeout=30):
        time.sleep(settle)
        if self.p.poll() is None:
            self.p.send_signal(sig)
        return self.wait(timeout)

    def result(self):
        text = open(self.out).read()
        if not self.json_out:
            return text
        try:
            return json.loads(text)
        except ValueError:
            return None

    def stderr(self):
        return open(self.err).read()


class Responder:
    """spinetap-gen live --respond in a host's namespace."""

    def __init__(self, fab, host, outdir, *opts):
        self.out = os.path.join(outdir, "responder.%s.json" % host)
        self.err = os.path.join(outdir, "responder.%s.err" % host)
        cmd = ["ip", "netns", "exec", fab.ns(host), GEN, "live", "--respond"] + list(opts)
        self.p = subprocess.Popen(cmd, stdout=open(self.out, "w"), stderr=open(self.err, "w"))
        _procs.append(self.p)
        t0 = time.time()
        while time.time() - t0 < 5 and "responding" not in open(self.err).read():
            if self.p.poll() is not None:
                raise RuntimeError("responder failed: " + open(self.err).read())
            time.sleep(0.02)

    def stop(self, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        if self.p in _procs:
            _procs.remove(self.p)
        return json.load(open(self.out))


def send(fab, src_host, dst_host, *opts, check=True):
    """spinetap-gen live from src_host to dst_host; returns the requester's truth (dict)."""
    dst = fab.hosts[dst_host]["addr"]
    cmd = ["ip", "netns", "exec", fab.ns(src_host), GEN, "live", "--dst", dst, "-q"] + list(opts)
    r = run(cmd)
    if r.returncode != 0 and check:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr))
    return json.loads(r.stdout)


def qp_index(cap):
    """spinetap's qps[] keyed by (src, dst, dqpn)."""
    return {(q["src"], q["dst"], q["dqpn"]): q for q in cap["qps"]}


def tap_index(cap):
    return {t["name"]: t for t in cap["taps"]}


def qp_taps(q):
    return {t["name"]: t["packets"] for t in q["taps"]}


def leaf_of(fab, host):
    return fab.hosts[host]["leaf"][len("leaf"):]


def expected_taps(fab, truth_qp, src_host, dst_host):
    """The two link taps a request QP crosses: entering its spine from the source leaf, leaving
    it to the destination leaf."""
    sp = truth_qp["spine"]
    return {"%s-l%s" % (sp, leaf_of(fab, src_host)): truth_qp["packets"],
            "%s-l%s" % (sp, leaf_of(fab, dst_host)): truth_qp["packets"]}


def compare_qps(fab, cap, truth, src_host, dst_host, bytes_too=True):
    """Mismatches between the sender's truth and spinetap's per-QP, per-tap counts."""
    bad = []
    idx = qp_index(cap)
    for t in truth["qps"]:
        key = (t["src"], t["dst"], t["dqpn"])
        q = idx.get(key)
        if q is None:
            bad.append("QP %s %s 0x%06x (via %s): not seen" % (key[0], key[1], key[2], t["spine"]))
            continue
        if q["packets"] != t["packets"]:
            bad.append("QP 0x%06x: spinetap %d packets, sent %d" % (key[2], q["packets"], t["packets"]))
        if bytes_too and q["bytes"] != t["bytes"]:
            bad.append("QP 0x%06x: spinetap %d bytes, sent %d" % (key[2], q["bytes"], t["bytes"]))
        want = expected_taps(fab, t, src_host, dst_host)
        got = qp_taps(q)
        if got != want:
            bad.append("QP 0x%06x: taps %s, expected %s" % (key[2], got, want))
    return bad


def db_query(db, sql, args=()):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()
