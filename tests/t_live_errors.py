"""t_live_errors.py - live capture's start-up errors, and the testbed's own hygiene
(root only).

spinetap capture (man spinetap(8), CAPTURE: "A missing interface, a missing namespace or
a missing permission ends capture at start with a message naming the spec, and exit
status 2"):
  - an interface that is not in the namespace;
  - a namespace that does not exist (a name and a /proc path);
  - as a non-root user (setpriv --reuid nobody): entering a namespace, and opening an
    interface of the current namespace.
tests/fabric/fabric.sh:
  - `up` twice with one prefix and `down` twice succeed (idempotent);
  - a bad option or a uSID clash is refused with exit status 2 before anything is built;
  - an `up` that fails half-way, or is interrupted (SIGINT), leaves no namespace behind;
  - `fault` on a fabric that does not exist is refused;
  - `run -- CMD` tears the fabric down after CMD.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fabric"))
import livelib as L  # noqa: E402

L.skip_unless_root("live start-up errors")
t = L.Tap()
base = "le%d" % (os.getpid() % 100000)
d = L.tmpdir("t_live_errors")
fab = L.Fabric(base)
ns1 = fab.prefix + "-spine1"


def capture(*args, user=None):
    cmd = [L.SPINETAP, "capture", "-d", ":memory:", "--duration", "1"] + list(args)
    if user:
        cmd = ["setpriv", "--reuid=%s" % user, "--regid=nogroup", "--clear-groups", "--"] + cmd
    return L.run(cmd, timeout=20)


r = capture("-i", "s1=%s/nosuch0" % ns1)
t.ok(r.returncode == 2 and "nosuch0" in r.stderr and "no interface" in r.stderr,
     "a missing interface: exit 2, the message names it", (r.returncode, r.stderr.strip()))
r = capture("-i", "s1=%s/l1" % ns1, "-i", "s2=%s/nosuch0" % ns1)
t.ok(r.returncode == 2 and "nosuch0" in r.stderr, "a missing interface after a good one: exit 2",
     (r.returncode, r.stderr.strip()))
r = capture("-i", "s1=%s-nosuchns/l1" % base)
t.ok(r.returncode == 2 and "no network namespace" in r.stderr and "nosuchns" in r.stderr,
     "a missing namespace: exit 2, the message names it", (r.returncode, r.stderr.strip()))
r = capture("-i", "/proc/999999999/ns/net/eth0")
t.ok(r.returncode == 2 and "/proc/999999999/ns/net" in r.stderr,
     "a missing /proc/PID/ns/net namespace: exit 2", (r.returncode, r.stderr.strip()))

if shutil.which("setpriv") is None:
    t.skip("as nobody: a missing permission", "no setpriv")
else:
    r = capture("-i", "s1=%s/l1" % ns1, user="nobody")
    t.ok(r.returncode == 2 and ns1 in r.stderr and ("root" in r.stderr or "permission" in r.stderr.lower()),
         "as nobody, a namespace: exit 2 with a clear message", (r.returncode, r.stderr.strip()))
    r = capture("-i", "lo", user="nobody")
    t.ok(r.returncode == 2 and "lo" in r.stderr and "permission" in r.stderr.lower(),
         "as nobody, an interface of the current namespace: exit 2, permission denied",
         (r.returncode, r.stderr.strip()))
    r = L.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
               "bash", L.FABRIC, "up", "--prefix", base + "x"])
    t.ok(r.returncode == 2 and "root" in r.stderr, "fabric.sh up as nobody: exit 2, needs root", r.stderr.strip())

# ---- fabric.sh hygiene
r = L.run(["bash", L.FABRIC, "up", "--prefix", base, "--no-check", "-q"])
t.ok(r.returncode == 0 and len(L.namespaces_left(base)) == 6, "fabric.sh up twice with one prefix: rebuilt",
     r.stderr.strip())
for args, what in ((["--spines", "0"], "--spines 0"), (["--leaf-usid", "0x1000"], "a uSID clash"),
                   (["--udt", "1234"], "a global uDT"), (["--bogus"], "an unknown option")):
    r = L.run(["bash", L.FABRIC, "up", "--prefix", base + "b"] + args)
    t.ok(r.returncode == 2 and r.stderr.strip() and not L.namespaces_left(base + "b"),
         "fabric.sh up with %s: exit 2 before building (%s)" % (what, r.stderr.strip().splitlines()[-1][:80]),
         (r.returncode, r.stderr))
env = dict(os.environ, FABRIC_TEST_FAIL="1")
r = L.run(["bash", L.FABRIC, "up", "--prefix", base + "f"], env=env)
t.ok(r.returncode != 0 and "tearing down" in r.stderr and not L.namespaces_left(base + "f")
     and not os.path.exists("/run/spinetap-fabric/%sf" % base),
     "an up that fails half-way tears down what it built", (r.returncode, r.stderr.strip()))
p = subprocess.Popen(["bash", L.FABRIC, "up", "--prefix", base + "i", "--spines", "4", "--leaves", "4",
                      "--hosts", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
time.sleep(0.6)
p.send_signal(signal.SIGINT)
try:
    _, err = p.communicate(timeout=60)
except subprocess.TimeoutExpired:
    p.kill()
    err = "timeout"
time.sleep(0.2)
t.ok(p.returncode != 0 and not L.namespaces_left(base + "i"),
     "SIGINT during up: nothing left behind (exit %s)" % p.returncode, (err or "").strip()[-300:])
L.run(["bash", L.FABRIC, "down", "--prefix", base + "i", "-q"])
r = L.run(["bash", L.FABRIC, "fault", "misroute", "--prefix", base + "nosuch"])
t.ok(r.returncode == 2 and "no fabric" in r.stderr, "fault on a fabric that does not exist: exit 2", r.stderr.strip())
r = L.run(["bash", L.FABRIC, "run", "--prefix", base + "r", "--no-check", "--", "sh", "-c",
           'test -n "$FABRIC_CONFIG" && ip netns list | grep -c "^$FABRIC_PREFIX-"'])
t.ok(r.returncode == 0 and r.stdout.strip() == "6" and not L.namespaces_left(base + "r"),
     "fabric.sh run -- CMD: CMD sees the fabric, which is gone afterwards", (r.returncode, r.stdout, r.stderr))

fab.down()
r = L.run(["bash", L.FABRIC, "down", "--prefix", base])
t.ok(r.returncode == 0 and not L.namespaces_left(base), "fabric.sh down twice: fine, nothing left")
sys.exit(t.done())
