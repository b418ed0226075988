"""t_live_faults.py - faults injected into a real uSID fabric give the right verdict at the
right tap, with evidence (root only).

On the origin lab (tests/fabric/fabric.sh), host1 sends 4 QPs to host2, two via each
spine (by UDP source port), while `spinetap capture --evidence` runs on all four spine
ports. One capture per fault:
  misroute    leaf1 sends spine1's locator (towards leaf2) to spine2: every request of
              the spine1 QPs is `misrouted` at spine2-l1 (policy l1-l2-via-spine1);
  blackhole   spine1 drops what it forwards to leaf2: every spine1 request is seen
              entering spine1 on l1 and never leaving: `lost_in_node` at spine1;
  wrong-spine host1's rule sends spine1's source ports to spine2: the pinned spine1 QPs
              are a `policy_violation` on both spine2 taps.
Each: the count equals the sender's truth for the affected spine, the JSON evidence names
the tap and the policy, the --evidence pcapng opens in tshark with one packet per kept
evidence and its comment, the traffic of the other spine stays compliant, and the exit
status is 1. `fault clear` restores a clean fabric.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fabric"))
import livelib as L  # noqa: E402

L.skip_unless_root("live faults")
t = L.Tap()
prefix = "lf%d" % (os.getpid() % 100000)
d = L.tmpdir("t_live_faults")
fab = L.Fabric(prefix)
have_tshark = shutil.which("tshark") is not None


def run_with(name):
    out = os.path.join(d, name)
    os.mkdir(out)
    ev = os.path.join(out, "evidence.pcapng")
    cap = L.Capture(fab, out, "--evidence", ev)
    resp = L.Responder(fab, "host2", out)
    truth = L.send(fab, "host1", "host2", "--qps", "4", "-c", "2000", "--rate", "5000", "--msg-size", "1024")
    resp.stop()
    rc, c = cap.stop(settle=0.4)
    return truth, rc, c, ev, cap


def check_pcapng(name, ev, c, kind, tap):
    if not have_tshark:
        t.skip("%s: --evidence pcapng readable by tshark" % name, "no tshark")
        return
    r = L.run(["tshark", "-r", ev, "-T", "fields", "-e", "frame.comment", "-e", "ipv6.dst", "-e", "infiniband.bth.destqp"])
    lines = [x for x in r.stdout.splitlines() if x.strip()]
    kept = sum(len(v) for v in c["evidence"].values())
    mine = [x for x in lines if ("spinetap %s" % kind) in x and ("at tap %s " % tap) in x]
    want = [e for e in c["evidence"][kind] if e["tap"] == tap]
    t.ok(r.returncode == 0 and len(lines) == kept and len(mine) == len(want) and mine,
         "%s: tshark reads the --evidence pcapng: %d packets, each with its verdict comment" % (name, len(lines)),
         ["tshark rc %d: %s" % (r.returncode, r.stderr.strip()[:300]),
          "%d packets, %d kept evidence, %d %s at %s (JSON: %d)" % (len(lines), kept, len(mine), kind, tap, len(want))] + lines[:3])


# ---- misroute
msg = fab.fault("misroute", "--leaf", "1", "--spine", "1", "--to-spine", "2", "--dst-leaf", "2")
t.diag(msg)
truth, rc, c, ev, cap = run_with("misroute")
want = truth["spines"]["spine1"]["packets"]
ev_m = c["evidence"]["misrouted"]
t.ok(c["verdicts"]["misrouted"] == want and want > 0,
     "misroute: %d misrouted sightings = the requests sent via spine1" % want,
     "misrouted %d, sent via spine1 %d; verdicts %s" % (c["verdicts"]["misrouted"], want, c["verdicts"]))
t.ok(ev_m and all(e["tap"] == "spine2-l1" and e["policy"] == "l1-l2-via-spine1" and
                  e["observed"].startswith("spine1") for e in ev_m),
     "misroute: evidence at spine2-l1, policy l1-l2-via-spine1, program starting at spine1",
     ev_m[:2] or "no evidence")
pol = {p["name"]: p for p in c["policies"]}
t.ok(pol["l1-l2-via-spine2"]["adherence"] == 1 and pol["l1-l2-via-spine2"]["covered"] == 2 * truth["spines"]["spine2"]["packets"],
     "misroute: the spine2 QPs stay compliant", pol["l1-l2-via-spine2"])
t.ok(rc == 1, "misroute: exit status 1", "exit status %d: %s" % (rc, cap.stderr()[-300:]))
check_pcapng("misroute", ev, c, "misrouted", "spine2-l1")
fab.fault("clear")

# ---- blackhole
t.diag(fab.fault("blackhole", "--spine", "1", "--dst-leaf", "2"))
truth, rc, c, ev, cap = run_with("blackhole")
want = truth["spines"]["spine1"]["packets"]
nodes = {n["name"]: n for n in c["correlation"]["nodes"]}
ev_l = [e for e in c["evidence"]["lost_in_node"] if e["tap"].startswith("spine1")]
t.ok(nodes.get("spine1", {}).get("lost") == want and want > 0,
     "blackhole: %d lost_in_node at spine1 = the requests sent via spine1" % want,
     "spine1 %s; sent via spine1 %d" % (nodes.get("spine1"), want))
t.ok(ev_l and all(e["tap"] == "spine1-l1" and e["src"] == fab.hosts["host1"]["addr"] for e in ev_l),
     "blackhole: evidence at spine1-l1 (seen entering from leaf1, never leaving)", ev_l[:2] or c["evidence"]["lost_in_node"][:2])
tp = L.tap_index(c)
t.ok(tp["spine1-l1"]["roce_packets"] == want and tp["spine1-l2"]["roce_packets"] == 0,
     "blackhole: spine1-l1 saw the %d requests, spine1-l2 none" % want,
     (tp["spine1-l1"]["roce_packets"], tp["spine1-l2"]["roce_packets"]))
t.ok(rc == 1, "blackhole: exit status 1", "exit status %d" % rc)
check_pcapng("blackhole", ev, c, "lost_in_node", "spine1-l1")
fab.fault("clear")

# ---- wrong spine
t.diag(fab.fault("wrong-spine", "--host", "host1", "--to-spine", "2"))
truth, rc, c, ev, cap = run_with("wrong-spine")
want = truth["spines"]["spine1"]["packets"]  # the QPs whose ports name spine1
ev_p = c["evidence"]["policy_violation"]
t.ok(c["verdicts"]["policy_violation"] == 2 * want and want > 0,
     "wrong-spine: %d policy_violation sightings = spine1's QPs seen on both spine2 taps" % (2 * want),
     "policy_violation %d, spine1 QPs sent %d" % (c["verdicts"]["policy_violation"], want))
t.ok(ev_p and all(e["tap"] in ("spine2-l1", "spine2-l2") and e["policy"] == "l1-l2-via-spine1" for e in ev_p)
     and {e["tap"] for e in ev_p} == {"spine2-l1", "spine2-l2"},
     "wrong-spine: evidence on spine2-l1 and spine2-l2 against policy l1-l2-via-spine1", ev_p[:2])
qpi = L.qp_index(c)
bad = [q for q in truth["qps"] if q["spine"] == "spine1" and
       set(L.qp_taps(qpi[(q["src"], q["dst"], q["dqpn"])])) != {"spine2-l1", "spine2-l2"}]
t.ok(not bad, "wrong-spine: the spine1 QPs crossed spine2 for real", bad)
t.ok(rc == 1, "wrong-spine: exit status 1", "exit status %d" % rc)
check_pcapng("wrong-spine", ev, c, "policy_violation", "spine2-l1")
fab.fault("clear")

# ---- cleared: the spine1 QPs are back on spine1, compliant
truth, rc, c, ev, cap = run_with("cleared")
v = c["verdicts"]
t.ok(v["misrouted"] == 0 and v["policy_violation"] == 0 and c["adherence"] == 1 and
     not L.compare_qps(fab, c, truth, "host1", "host2"),
     "fault clear: every QP back on its spine, every sighting compliant", [v] + L.compare_qps(fab, c, truth, "host1", "host2"))

fab.down()
t.ok(L.namespaces_left(prefix) == [], "fabric down: no namespace left")
sys.exit(t.done())
