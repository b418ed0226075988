"""t_live_clean.py - live capture on a real uSID fabric, clean traffic (root only).

The origin lab (tests/fabric/fabric.sh: 2 hosts, 2 leaves, 2 spines, the
kernel's End next-csid / encap.red / uDT6) with `spinetap capture` on all four
spine ports while spinetap-gen live sends RoCEv2 WRITEs from host1 to host2 over
8 QPs spread on both spines, and host2 answers (ACKs, NAKs for the PSNs the
sender leaves out, CNPs). Checked against the generator's truth (never
spinetap's own numbers):
  - per QP: packets and bytes = what was sent; seen on exactly the two link
    taps of its spine (entering from leaf1, leaving to leaf2), once each;
  - per spine (nodes[]) and per tap: requests + responses of that spine;
    primary sightings on the entering tap;
  - the responses: per QP ACK / NAK / CNP counts = what the responder sent;
    PSN gaps = PSNs the sender skipped;
  - ICRC valid on every RoCE packet (snaplen 2048: whole packets);
  - verdicts all compliant, adherence 1.0, no correlation fault, exit status 0;
  - kernel drops 0 on every tap;
  - the fabric leaves no namespace behind.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fabric"))
import livelib as L  # noqa: E402

L.skip_unless_root("live clean run")
t = L.Tap()
prefix = "lc%d" % (os.getpid() % 100000)
d = L.tmpdir("t_live_clean")

fab = L.Fabric(prefix)
t.ok(len(L.namespaces_left(prefix)) == 6, "fabric up: 6 namespaces (%.1f s)" % fab.up_seconds)

cap = L.Capture(fab, d, "-s", "2048")
t.ok(cap.alive(), "capture running on %d spine ports" % len(fab.taps()), cap.stderr())
resp = L.Responder(fab, "host2", d, "--cnp-every", "25")
SKIP = 97
truth = L.send(fab, "host1", "host2", "--qps", "8", "-c", "6000", "--rate", "6000",
               "--msg-size", "64-3000", "--pmtu", "1024", "--skip-every", str(SKIP))
rtruth = resp.stop()
rc, c = cap.stop(settle=0.5)
t.diag("sent %d requests at %.0f pps; responder sent %s" % (truth["packets"], truth["rate_pps"],
                                                             rtruth["sent"]))
if not t.ok(c is not None, "capture printed its JSON summary", cap.stderr()):
    sys.exit(t.done())

t.ok(truth["send_errors"] == 0 and truth["packets"] == 6000, "the sender sent all 6000 packets",
     "send errors %d (%s)" % (truth["send_errors"], truth["last_error"]))
t.ok(rtruth["requests"] == truth["packets"], "the responder received every request",
     "%d of %d" % (rtruth["requests"], truth["packets"]))

# --- requests: per QP, per tap
bad = L.compare_qps(fab, c, truth, "host1", "host2")
t.ok(not bad, "per QP: packets and bytes = sent, on both link taps of its spine", bad)

# --- responses: per QP classes
idx = L.qp_index(c)
bad = []
for r in rtruth["qps"]:
    q = idx.get((r["src"], r["dst"], r["dqpn"]))
    if q is None:
        bad.append("response QP 0x%06x not seen" % r["dqpn"])
        continue
    cl = q["classes"]
    got = (q["packets"], cl["ack"], cl["nak"], cl["cnp"], q["bytes"])
    want = (r["packets"], r["acks"], r["naks"], r["cnps"], r["bytes"])
    if got != want:
        bad.append("response QP 0x%06x: (packets, acks, naks, cnps, bytes) %s, sent %s" % (r["dqpn"], got, want))
    sp = r["spine"]
    if L.qp_taps(q) != {sp + "-l2": r["packets"], sp + "-l1": r["packets"]}:
        bad.append("response QP 0x%06x: taps %s, expected both of %s" % (r["dqpn"], L.qp_taps(q), sp))
t.ok(not bad and rtruth["qps"], "per response QP: ACKs, NAKs, CNPs and bytes = what host2 sent", bad)

skipped = sum(q["skipped_psns"] for q in truth["qps"])
an = c["anomalies"]
t.ok(an["psn_gaps"] == skipped and an["naks"] == rtruth["sent"]["naks"] and skipped > 0 and
     an["nak_codes"]["psn_seq_err"] == rtruth["sent"]["naks"] and an["cnps"] == rtruth["sent"]["cnps"],
     "PSN gaps = PSNs left out (%d), NAKs (PSN sequence error) and CNPs = sent" % skipped,
     "gaps %d naks %d cnps %d; skipped %d, responder naks %d cnps %d" % (
         an["psn_gaps"], an["naks"], an["cnps"], skipped, rtruth["sent"]["naks"], rtruth["sent"]["cnps"]))
t.ok(truth["received"]["acks"] == rtruth["sent"]["acks"] and truth["received"]["naks"] == rtruth["sent"]["naks"]
     and truth["received"]["cnps"] == rtruth["sent"]["cnps"],
     "host1 received every ACK, NAK and CNP host2 sent", (truth["received"], rtruth["sent"]))

# --- per spine and per tap
taps = L.tap_index(c)
nodes = {n["name"]: n for n in c["nodes"]}
bad = []
for j in (1, 2):
    sp = "spine%d" % j
    req = truth["spines"][sp]["packets"]
    rsp = rtruth["spines"].get(sp, 0)
    if nodes.get(sp, {}).get("packets") != req + rsp:
        bad.append("%s: %s primary packets, expected %d requests + %d responses" % (
            sp, nodes.get(sp, {}).get("packets"), req, rsp))
    for leaf, prim in ((1, req), (2, rsp)):
        tp = taps.get("%s-l%d" % (sp, leaf))
        if tp is None:
            bad.append("no tap %s-l%d" % (sp, leaf))
            continue
        if tp["roce_packets"] != req + rsp or tp["primary_packets"] != prim:
            bad.append("%s: roce %d primary %d, expected %d and %d" % (
                tp["name"], tp["roce_packets"], tp["primary_packets"], req + rsp, prim))
t.ok(not bad, "per spine and per tap: requests + responses, primary on the entering tap", bad)
t.diag("per spine (requests): %s" % {k: v["packets"] for k, v in truth["spines"].items()})

roce = c["roce_packets"]
t.ok(c["icrc"]["valid"] == roce and c["icrc"]["invalid"] == 0 and roce > 0,
     "ICRC valid on all %d RoCE sightings (the generator's ICRC survives the kernel's SRv6)" % roce, c["icrc"])
v = c["verdicts"]
t.ok(v["compliant"] == roce and c["adherence"] == 1 and
     all(v[k] == 0 for k in v if k != "compliant"), "every sighting compliant, adherence 1.0", v)
drops = {tp["name"]: (tp["kernel_received"], tp["kernel_dropped"], tp["if_dropped"]) for tp in c["taps"]}
t.ok(all(x[1] == 0 and x[2] == 0 for x in drops.values()) and all(x[0] >= taps[n]["packets"] for n, x in drops.items()),
     "kernel drops 0 on every tap", drops)
corr = c["correlation"]
t.ok(corr["lost_in_node"] == 0 and corr["shift_error"] == 0 and corr["matched"] == truth["packets"] + rtruth["sent"]["packets"],
     "correlation: every packet matched entering and leaving its spine, none lost",
     ["matched %d (expected %d), lost_in_node %d, shift_error %d" % (
         corr["matched"], truth["packets"] + rtruth["sent"]["packets"], corr["lost_in_node"], corr["shift_error"]),
      "first evidence: %s" % (c["evidence"]["lost_in_node"][:1],)])
t.ok(rc == 0, "capture exit status 0 on clean traffic", "exit status %d" % rc)

fab.down()
t.ok(L.namespaces_left(prefix) == [] and not os.path.exists(fab.state), "fabric down: no namespace left")
sys.exit(t.done())
