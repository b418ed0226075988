"""t_live_sighup.py - SIGHUP reloads the policies of a running capture, counters kept
(root only).

On the origin lab, `spinetap capture -c CFG` runs while host1 sends to host2 in phases:
  1. the fabric's own config: every request compliant;
  2. CFG rewritten so that each spine's source-port range must use the *other* spine,
     then SIGHUP: the same QPs (PSNs going on) are now policy_violation, from the
     reload on, and only after it (evidence timestamps);
  3. CFG replaced by a broken file, SIGHUP: the error is reported, the capture goes on
     with the config of phase 2.
Counters survive the reloads: per QP packets = all phases, no PSN gap or
retransmission across them, per tap totals = all phases.
"""
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fabric"))
import livelib as L  # noqa: E402

L.skip_unless_root("live SIGHUP reload")
t = L.Tap()
prefix = "lh%d" % (os.getpid() % 100000)
d = L.tmpdir("t_live_sighup")
fab = L.Fabric(prefix)
cfg = os.path.join(d, "lab.yaml")
shutil.copy(fab.config, cfg)

cap = L.Capture(fab, d, config=cfg)
resp = L.Responder(fab, "host2", d)
N = 1000  # per phase, 4 QPs, one packet per message
common = ["--qps", "4", "-c", str(N), "--rate", "4000", "--msg-size", "1024"]


def phase(psn):
    tr = L.send(fab, "host1", "host2", "--psn", str(psn), *common)
    time.sleep(0.6)  # past capture's hold-back and the kernel block timeout
    return tr


def wait_stderr(pattern, timeout=5):
    t0 = time.time()
    while time.time() - t0 < timeout:
        m = re.search(pattern, cap.stderr())
        if m:
            return m
        time.sleep(0.05)
    return None


p1 = phase(0)
psn1 = p1["qps"][0]["next_psn"]

# swap the spines of the host1 -> host2 policies
text = open(fab.config).read()
text2 = re.sub(r"(name: l1-l2-via-spine\d.*?paths: \[ \[leaf1, )spine(\d)",
               lambda m: m.group(1) + "spine" + ("2" if m.group(2) == "1" else "1"), text, flags=re.S)
t.ok(text2 != text and text2.count("[leaf1, spine2, leaf2") == 1, "config rewritten: l1-l2-via-spine1 now allows only spine2")
open(cfg + ".new", "w").write(text2)
os.rename(cfg + ".new", cfg)
t_reload = time.time()
cap.send_signal(signal.SIGHUP)
t.ok(wait_stderr(r"SIGHUP: reloaded") is not None and cap.alive(), "SIGHUP: reloaded, capture still running", cap.stderr())
time.sleep(0.2)
p2 = phase(psn1)
psn2 = p2["qps"][0]["next_psn"]

# a broken config: reported, the running one kept
open(cfg + ".new", "w").write("policies:\n  - name: x\n    pathz: []\n")
os.rename(cfg + ".new", cfg)
cap.send_signal(signal.SIGHUP)
m = wait_stderr(r"SIGHUP: .*keeping the running config")
t.ok(m is not None and cap.alive(), "SIGHUP with a broken config: reported, running config kept",
     cap.stderr()[-400:])
# a new node: correlation state is per node, so a restart is needed; said, running config kept
text3 = text2.replace("nodes:\n", "nodes:\n  extra9:  { usid: 0x0999, role: leaf }\n", 1)
open(cfg + ".new", "w").write(text3)
os.rename(cfg + ".new", cfg)
cap.send_signal(signal.SIGHUP)
m = wait_stderr(r"SIGHUP: .*nodes were added or removed.*restart to apply it \(keeping the running config\)")
t.ok(text3 != text2 and m is not None and cap.alive(),
     "SIGHUP adding a node: 'restart to apply it', running config kept", cap.stderr()[-400:])
p3 = phase(psn2)

rtruth = resp.stop()
rc, c = cap.stop(settle=0.2)
if not t.ok(c is not None, "capture printed its JSON summary", cap.stderr()):
    sys.exit(t.done())

v = c["verdicts"]
t.ok(v["policy_violation"] == 2 * (p2["packets"] + p3["packets"]),
     "after the reload every request is a policy_violation (both taps of its spine)",
     "policy_violation %d, expected %d" % (v["policy_violation"], 2 * (p2["packets"] + p3["packets"])))
pol = {p["name"]: p for p in c["policies"]}
covered = pol["l1-l2-via-spine1"]["covered"] + pol["l1-l2-via-spine2"]["covered"]
compliant = pol["l1-l2-via-spine1"]["compliant"] + pol["l1-l2-via-spine2"]["compliant"]
t.ok(covered == 2 * (p1["packets"] + p2["packets"] + p3["packets"]) and compliant == 2 * p1["packets"],
     "before the reload the same QPs were compliant: %d compliant of %d covered" % (compliant, covered),
     "compliant %d (expected %d), covered %d" % (compliant, 2 * p1["packets"], covered))
ev = c["evidence"]["policy_violation"]
t.ok(ev and all(e["ts"] >= t_reload for e in ev),
     "policy_violation evidence only from traffic sent after the SIGHUP",
     [e["ts"] - t_reload for e in ev[:3]])
t.ok(pol["l2-l1-via-spine1"]["adherence"] == 1 and pol["l2-l1-via-spine2"]["adherence"] == 1,
     "the responses' policies, unchanged, stay at adherence 1.0")

# counters kept across both reloads
idx = L.qp_index(c)
bad = []
for a, b, cc in zip(p1["qps"], p2["qps"], p3["qps"]):
    q = idx.get((a["src"], a["dst"], a["dqpn"]))
    want = a["packets"] + b["packets"] + cc["packets"]
    if q is None or q["packets"] != want or q["psn_gaps"] or q["retransmissions"]:
        bad.append("QP 0x%06x: %s, expected %d packets, no gap/retransmission" % (
            a["dqpn"], q and (q["packets"], q["psn_gaps"], q["retransmissions"]), want))
t.ok(not bad, "counters kept: per QP packets = the three phases, PSNs continuous", bad)
total_req = p1["packets"] + p2["packets"] + p3["packets"]
tp = L.tap_index(c)
t.ok(tp["spine1-l1"]["primary_packets"] + tp["spine2-l1"]["primary_packets"] == total_req,
     "per tap: the entering taps count every request of all phases",
     (tp["spine1-l1"]["primary_packets"], tp["spine2-l1"]["primary_packets"], total_req))
t.ok(rc == 1, "exit status 1 (violations after the reload)", "exit status %d" % rc)

fab.down()
t.ok(L.namespaces_left(prefix) == [], "fabric down: no namespace left")
sys.exit(t.done())
