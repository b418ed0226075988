"""t_live_ifaces.py - several interfaces feeding one tap, the kernel buffer option and
BPF filters on a real uSID fabric (root only).

On the origin lab, host1 sends to host2 over 4 QPs while three captures run at once:
  1. both ports of spine1 as one tap (-i spine1=NS/l1 -i spine1=NS/l2) with -B 2048:
     the tap's kernel_received and worker packets are the sum of its two interfaces
     (twice what crossed spine1: once in, once out), and the per-second drops rows
     of the store add up to the tap's packets;
  2. spine1's port towards leaf1 with the filter the man page recommends
     (ip6 dst net fcbb:bbbb::/32): every request that crossed spine1 is seen;
  3. the same port with `udp dst port 4791`, the filter the man page warns about:
     RoCE sits inside the outer IPv6 header, so it sees nothing.
And -B beyond libpcap's int (2048 MiB and up) is refused with exit status 2.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fabric"))
import livelib as L  # noqa: E402

L.skip_unless_root("live interfaces, buffer and filters")
t = L.Tap()

r = subprocess.run([L.SPINETAP, "capture", "-B", "2048", "-i", "lo", "--duration", "1"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
t.ok(r.returncode == 2 and "-B 2048" in r.stderr, "-B 2048: refused (libpcap takes an int of bytes), exit 2",
     (r.returncode, r.stderr[-200:]))

prefix = "li%d" % (os.getpid() % 100000)
d = L.tmpdir("t_live_ifaces")
fab = L.Fabric(prefix)
ports = {a.split("=")[0]: a.split("=", 1)[1] for a in fab.iface_args if a != "-i"}
s1 = [ports["spine1-l1"], ports["spine1-l2"]]

os.makedirs(os.path.join(d, "both"), exist_ok=True)
os.makedirs(os.path.join(d, "good"), exist_ok=True)
os.makedirs(os.path.join(d, "bad"), exist_ok=True)
# tap names not in the lab config: counted without a node (a warning says so)
both = L.Capture(fab, os.path.join(d, "both"), "-B", "2047",
                 iface_args=["-i", "spine1=" + s1[0], "-i", "spine1=" + s1[1]])
good = L.Capture(fab, os.path.join(d, "good"), "ip6", "dst", "net", "fcbb:bbbb::/32", db=":memory:",
                 iface_args=["-i", "s1l1=" + s1[0]])
bad = L.Capture(fab, os.path.join(d, "bad"), "udp", "dst", "port", "4791", db=":memory:",
                iface_args=["-i", "s1l1=" + s1[0]])
t.ok(both.alive() and good.alive() and bad.alive(), "three captures running (-B 2047, two filters)",
     both.stderr() + good.stderr() + bad.stderr())
tr = L.send(fab, "host1", "host2", "--qps", "4", "-c", "2000", "--rate", "4000", "--msg-size", "512")
req1 = tr["spines"].get("spine1", {}).get("packets", 0)
time.sleep(1.2)  # a drops row for the traffic's second
rc, c = both.stop(settle=0.5)
rcg, cg = good.stop(settle=0.1)
rcb, cb = bad.stop(settle=0.1)
if not t.ok(c is not None and cg is not None and cb is not None, "all three printed their JSON summary",
            both.stderr() + good.stderr() + bad.stderr()):
    sys.exit(t.done())

tp = L.tap_index(c)["spine1"]
w = tp["worker"]
t.ok(req1 > 0 and tp["roce_packets"] == 2 * req1, "one tap, two interfaces: %d RoCE packets = 2 x %d requests "
     "that crossed spine1 (in on l1, out on l2)" % (tp["roce_packets"], req1), (tp["roce_packets"], req1))
t.ok(w["packets"] == tp["packets"] and tp["kernel_received"] >= tp["packets"] and tp["kernel_dropped"] == 0,
     "the tap's kernel and worker counters are the sum of both interfaces (received %d, worker %d, tap %d)"
     % (tp["kernel_received"], w["packets"], tp["packets"]), tp)
rows = L.db_query(both.db, "SELECT count(*), coalesce(sum(d.packets), 0) FROM drops d JOIN taps t ON"
                  " t.run_id = d.run_id AND t.id = d.tap_id WHERE t.name = 'spine1'")
t.ok(rows and rows[0][0] >= 1 and rows[0][1] == tp["packets"],
     "drops table: %d per-second rows for the tap, adding up to its %d packets" % (rows[0][0], tp["packets"]),
     (rows, tp["packets"]))
t.ok(c.get("attribution") and c["attribution"]["cpu_s"] > 0, "the attribution thread's CPU is reported",
     c.get("attribution"))

gt = L.tap_index(cg)["s1l1"]
t.ok(gt["roce_packets"] == req1, "filter 'ip6 dst net fcbb:bbbb::/32': all %d requests into spine1 seen" % req1,
     (gt["roce_packets"], req1))
bt = L.tap_index(cb)["s1l1"]
t.ok(bt["roce_packets"] == 0, "filter 'udp dst port 4791': nothing (RoCE is inside the outer IPv6), as documented",
     bt["roce_packets"])
t.ok(rc == 0 and rcg == 0 and rcb == 0, "exit status 0 for all three", (rc, rcg, rcb))

fab.down()
t.ok(L.namespaces_left(prefix) == [], "fabric down: no namespace left")
sys.exit(t.done())
