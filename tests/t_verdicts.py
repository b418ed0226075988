#!/usr/bin/python3
"""t_verdicts.py - the Proof: verdicts, correlation, exit status and evidence
of `spinetap analyze` against the truth of spinetap-gen's policy scenarios.

The rules are spinetap.conf(5) VERDICTS and CORRELATION (the generator's
reading is written down in man/spinetap-gen.1, TRUTH FILE). Checked:
  - every policy scenario (clean, wrong-spine, leaf-misforward, pin-move,
    unsteered, unknown-usid, spine-drop, bad-shift, spray-imbalance) with
    three seeds: verdict totals, correlation totals and per node, per-policy
    covered / compliant / violations / concrete-path shares, adherence and the
    exit status equal the truth, and so do the per-QP counters; then the same
    over every tap mode and program style, one seed each;
  - --fail-on narrows the exit status to the kinds named;
  - --evidence FILE: a pcapng that tshark opens, one packet per kept
    violation (min(count, evidence_per_kind) per kind), each the bytes of the
    offending frame with a comment naming the verdict, the tap and the frame;
    the store's evidence table holds the same rows;
  - the origin-lab sample is compliant via spine1, exit 0;
  - the "done when" example: the origin lab's config with taps spine1 and
    spine2, `spinetap analyze -c lab.yaml spine1=s1.pcap spine2=s2.pcap` on
    clean traffic prints the Proof section and exits 0.
"""

import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import spt, tap, truth  # noqa: E402

T = tap.Tap()
SCENARIOS = ["clean", "wrong-spine", "leaf-misforward", "pin-move", "unsteered", "unknown-usid",
             "spine-drop", "bad-shift", "spray-imbalance"]
BASE = ["--spines", "2", "--leaves", "2", "--hosts", "2", "--qps", "8", "--packets", "1500",
        "--pmtu", "1024", "--msg-size", "0-6000"]
# what each scenario must show, so that "equal to the truth" is not "both zero"
SHOWS = {"clean": lambda t: t["exit_status"] == 0 and t["verdicts"]["compliant"] == t["records"],
         "wrong-spine": lambda t: t["verdicts"]["policy_violation"] > 0,
         "leaf-misforward": lambda t: t["verdicts"]["misrouted"] > 0,
         "pin-move": lambda t: t["verdicts"]["pin_violation"] > 0,
         "unsteered": lambda t: t["verdicts"]["unsteered"] > 0,
         "unknown-usid": lambda t: t["verdicts"]["unknown_sid"] > 0,
         "spine-drop": lambda t: t["correlation"]["lost_in_node"] > 0,
         "bad-shift": lambda t: t["correlation"]["shift_error"] > 0,
         "spray-imbalance": lambda t: any(p["imbalanced"] for q in t["policies"] for p in q["paths"])}


def all_errors(run, rc, summary):
    _, _, qerrs = truth.compare_qps(run.truth, summary)
    return truth.compare_verdicts(run.truth, summary, rc) + ["qp " + e for e in qerrs]


def scenarios(tmp):
    for sc in SCENARIOS:
        bad, shows, info = [], [], []
        for seed in (1, 2, 3):
            run = truth.generate(tmp, BASE + ["--scenario", sc, "--seed", str(seed)],
                                 "%s_%d" % (sc, seed))
            rc, s = truth.analyze(run)
            errs = all_errors(run, rc, s)
            bad += ["seed %d: %s" % (seed, e) for e in errs[:10]]
            if errs:
                bad.append("reproduce: %s && %s" % (run.command(), truth.analyze_command(run)))
            shows.append(SHOWS[sc](run.truth))
            v = {k: n for k, n in run.truth["verdicts"].items() if n}
            c = {k: run.truth["correlation"][k] for k in ("matched", "lost_in_node", "shift_error")
                 if run.truth["correlation"][k]}
            info.append("seed %d: %s %s exit %d" % (seed, v, c, run.truth["exit_status"]))
        T.ok(all(shows), "%s: the truth shows the fault in every seed" % sc, info)
        T.ok(not bad, "%s, 3 seeds: verdicts, correlation, policies, exit status and QP counters "
             "equal the truth" % sc, bad)
        T.diag("%s: %s" % (sc, "; ".join(info)))


MODES = ["in", "out", "both", "inout"]
STYLES = {"red": [], "encap": ["--style", "encap", "--vlan", "7"], "inline": ["--style", "inline"],
          "ipv4": ["--ipv4"]}


def matrix(tmp):
    """Every scenario over every tap mode and program style, one seed each."""
    n = 0
    for si, sc in enumerate(SCENARIOS[1:]):
        for mi, mode in enumerate(MODES):
            bad = []
            for st, extra in STYLES.items():
                seed = 10 + si * 16 + mi * 4 + list(STYLES).index(st)
                run = truth.generate(tmp, BASE + extra + ["--scenario", sc, "--taps", mode,
                                                          "--seed", str(seed)],
                                     "m_%s_%s_%s" % (sc, mode, st))
                rc, s = truth.analyze(run)
                n += 1
                errs = all_errors(run, rc, s)
                bad += ["%s: %s" % (st, e) for e in errs[:6]]
                if errs:
                    bad.append("%s: reproduce: %s && %s" % (st, run.command(),
                                                           truth.analyze_command(run)))
            T.ok(not bad, "%s, --taps %s: the truth holds for styles %s"
                 % (sc, mode, ", ".join(STYLES)), bad)
    T.diag("matrix: %d analyses" % n)


def fail_on(tmp):
    cases = [("wrong-spine", ["misrouted", "policy_violation", "pin_violation,unsteered", "all"]),
             ("spine-drop", ["lost_in_node", "shift_error", "misrouted,shift_error"]),
             ("bad-shift", ["shift_error", "lost_in_node", "misrouted"]),
             ("unsteered", ["unsteered", "unknown_sid", "policy_violation,pin_violation"]),
             ("clean", ["all"])]
    for sc, lists in cases:
        run = truth.generate(tmp, BASE + ["--scenario", sc, "--seed", "4"], "f_" + sc)
        bad = []
        for kinds in lists:
            rc, _ = truth.analyze(run, ["--fail-on", kinds])
            want = truth.expected_exit(run.truth, kinds)
            if rc != want:
                bad.append("--fail-on %s: exit %d, truth %d (%s)" % (kinds, rc, want,
                                                                   truth.analyze_command(run, ["--fail-on", kinds])))
        T.ok(not bad, "%s: --fail-on narrows the exit status (%s)" % (sc, "; ".join(lists)), bad)
    rc, out, err = spt.run(["analyze", "-d", ":memory:", "--fail-on", "misrouted,bogus", "-c",
                            run.config] + run.tap_files())
    T.ok(rc == 2 and "bogus" in err, "--fail-on with an unknown kind: exit 2 naming it",
         ["exit %d: %s" % (rc, err.strip()[-200:])])


def cut_pcap(src, dst, lo, hi):
    """Records [lo, hi) of a classic pcap, as a capture started late and stopped early."""
    with open(src, "rb") as f:
        data = f.read()
    out, off, i = [data[:24]], 24, 0
    while off + 16 <= len(data):
        incl = int.from_bytes(data[off + 8:off + 12], "little")
        if lo <= i < hi:
            out.append(data[off:off + 16 + incl])
        off += 16 + incl
        i += 1
    with open(dst, "wb") as f:
        f.write(b"".join(out))
    return i


def imbalance_text(tmp):
    """A spray policy whose traffic all took one of its paths: the text proof must flag it,
    not sum it up as "all via" the one path (the JSON says imbalanced)."""
    run = truth.generate(tmp, ["--scenario", "spray-imbalance", "--intensity", "1", "--seed", "5"], "imb_text")
    rc, out, err = spt.run(["analyze", "-d", ":memory:", "-c", run.config] + run.tap_files())
    proof = out[out.find("\nProof"):]
    rc2, js = truth.analyze(run)
    one_path = [p["name"] for p in js["policies"] if len(p["paths"]) == 1 and p["paths"][0]["imbalanced"]]
    bad = [n for n in one_path if ("%s (spray)" % n) not in proof or
           "all via" in proof.split("%s (spray)" % n, 1)[1].split("\n", 1)[0]]
    T.ok(one_path and not bad and proof.count("IMBALANCED") >= len(one_path),
         "spray on one path (%s): the text proof says IMBALANCED, not 'all via'" % ", ".join(one_path),
         [proof[:800]])


def ragged_captures(tmp):
    """One tap's capture starting late and ending early (separate tcpdumps): the
    sightings outside it are unverified, not lost_in_node; a real loss inside it
    is still lost."""
    for sc in ("clean", "spine-drop"):
        # 3 s of traffic: the cut capture starts 0.6 s late and stops 0.6 s early, more
        # than the correlation window (100 ms), so it cannot pass for a quiet link
        run = truth.generate(tmp, ["--taps", "inout", "--qps", "8", "--packets", "3000", "--seed", "7",
                                   "--rate", "1000",
                                   "--scenario", sc] + (["--intensity", "0.05"] if sc != "clean" else []),
                             "ragged_" + sc)
        tx = os.path.join(run.dir, "spine1-tx.pcap")
        n = cut_pcap(tx, tx + ".full", 0, 1 << 30)
        cut_pcap(tx + ".full", tx, n // 5, n - n // 5)
        rc, s = truth.analyze(run)
        node = {c["name"]: c for c in s["correlation"]["nodes"]}.get("spine1", {})
        entering = {t["name"]: t for t in s["taps"]}["spine1-rx"]["roce_packets"]
        total = node.get("matched", 0) + node.get("lost", 0) + node.get("unverified", 0) + node.get("in_flight", 0)
        if sc == "clean":
            T.ok(node.get("lost") == 0 and node.get("unverified", 0) > 0 and total == entering and rc == 0,
                 "ragged captures, clean traffic: %d unverified, 0 lost_in_node, exit 0" % node.get("unverified", 0),
                 (node, entering, rc, truth.analyze_command(run)))
        else:
            want = sum(c.get("lost_in_node", 0) for c in [run.truth["correlation"]]) if isinstance(
                run.truth.get("correlation"), dict) else None
            T.ok(0 < node.get("lost", 0) and (want is None or node["lost"] <= want) and total == entering and rc == 1,
                 "ragged captures, spine drops: %d lost_in_node inside the capture (truth %s in all), %d unverified"
                 % (node.get("lost", 0), want, node.get("unverified", 0)), (node, entering, rc))


# ---- evidence ----

def read_pcapng(path):
    """[(linktype, data, wirelen, comments)] of the Enhanced Packet Blocks."""
    buf = open(path, "rb").read()
    off, e, links, out = 0, "<", [], []
    while off + 12 <= len(buf):
        btype = struct.unpack(e + "I", buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            e = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            btype = 0x0A0D0D0A
        blen = struct.unpack(e + "I", buf[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(buf):
            raise ValueError("%s: block at %d overruns the file" % (path, off))
        body = buf[off + 8:off + blen - 4]
        if btype == 1:
            links.append(struct.unpack(e + "H", body[0:2])[0])
        elif btype == 6:
            ifid, _, _, cap, orig = struct.unpack(e + "IIIII", body[0:20])
            data = bytes(body[20:20 + cap])
            o = 20 + ((cap + 3) & ~3)
            comments = []
            while o + 4 <= len(body):
                code, ln = struct.unpack(e + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 1:
                    comments.append(body[o + 4:o + 4 + ln].decode("utf-8", "replace"))
                o += 4 + ((ln + 3) & ~3)
            out.append((links[ifid], data, orig, comments))
        off += blen
    return out


def read_pcap_frames(path):
    buf = open(path, "rb").read()
    e = "<" if buf[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, out = 24, []
    while off + 16 <= len(buf):
        _, _, cap, _ = struct.unpack(e + "IIII", buf[off:off + 16])
        out.append(buf[off + 16:off + 16 + cap])
        off += 16 + cap
    return out


COMMENT = re.compile(r"^spinetap (\w+) .*?at tap (\S+) \(frame (\d+)\)")


def evidence(tmp):
    for sc, per_kind in (("wrong-spine", None), ("bad-shift", 5), ("spine-drop", 3),
                         ("unknown-usid", 7), ("pin-move", None)):
        run = truth.generate(tmp, BASE + ["--scenario", sc, "--seed", "6", "--taps", "inout"],
                             "e_" + sc)
        if per_kind:
            cfg = open(run.config).read()
            cfg = re.sub(r"settings: \{ (.*) \}", r"settings: { \1, evidence_per_kind: %d }" % per_kind, cfg)
            open(run.config, "w").write(cfg)
        cap = per_kind or 100
        ev = os.path.join(run.dir, "evidence.pcapng")
        db = os.path.join(run.dir, "store.db")
        args = ["analyze", "-d", db, "--json", "--evidence", ev, "-c", run.config] + run.tap_files()
        rc, out, err = spt.run(args)
        s = json.loads(out) if out.strip() else {}
        counts = dict(run.truth["verdicts"])
        counts["shift_error"] = run.truth["correlation"]["shift_error"]
        counts["lost_in_node"] = run.truth["correlation"]["lost_in_node"]
        want = {k: min(counts[k], cap) for k in truth.KINDS if counts[k]}
        name = "%s (evidence_per_kind %d)" % (sc, cap)
        # tshark opens it, one packet per kept violation
        if spt.tshark_path():
            p = subprocess.run([spt.tshark_path(), "-n", "-r", ev, "-T", "fields", "-e", "frame.number",
                                "-e", "frame.comment"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            lines = [x for x in p.stdout.decode().splitlines() if x.strip()]
            tkinds = {}
            for x in lines:
                m = re.search(r"spinetap (\w+) ", x)
                if m:
                    tkinds[m.group(1)] = tkinds.get(m.group(1), 0) + 1
            T.ok(p.returncode == 0 and tkinds == want and len(lines) == sum(want.values()),
                 "%s: tshark opens the evidence pcapng, one packet per kept violation with a "
                 "comment naming the verdict" % name,
                 ["tshark exit %d, %d packets, kinds %s; want %s" % (p.returncode, len(lines), tkinds, want),
                  p.stderr.decode()[-200:]])
        else:
            T.skip("%s: tshark opens the evidence pcapng" % name, "tshark not installed")
        # each packet is the offending frame, its comment names verdict, tap and frame
        pk = read_pcapng(ev)
        frames = {t["name"]: read_pcap_frames(os.path.join(run.dir, t["name"] + ".pcap"))
                  for t in run.truth["taps"]}
        bad, rows = [], []
        for i, (lt, data, orig, comments) in enumerate(pk):
            m = COMMENT.match(comments[0]) if comments else None
            if not m:
                bad.append("packet %d: comment %r" % (i + 1, comments))
                continue
            kind, tapn, fr = m.group(1), m.group(2), int(m.group(3))
            rows.append((kind, tapn, fr))
            src = frames.get(tapn, [])
            if not 1 <= fr <= len(src) or not src[fr - 1].startswith(data) or not data:
                bad.append("packet %d (%s at %s frame %d): not the bytes of that frame" % (i + 1, kind, tapn, fr))
            if "expected" not in comments[0] or "observed" not in comments[0]:
                bad.append("packet %d: comment without expected/observed: %r" % (i + 1, comments[0]))
        kinds = {}
        for k, _, _ in rows:
            kinds[k] = kinds.get(k, 0) + 1
        T.ok(rc == run.truth["exit_status"] and kinds == want and not bad,
             "%s: each evidence packet is the offending frame of its tap, with expected and "
             "observed" % name, bad[:10] + ["kinds %s, want %s; exit %d" % (kinds, want, rc)])
        # the JSON and the store hold the same rows
        jrows = sorted((k, e["tap"], e["frame"]) for k, lst in s.get("evidence", {}).items() for e in lst)
        con = sqlite3.connect(db)
        srows = sorted(con.execute("SELECT kind, tap, frame FROM evidence WHERE run_id = "
                                   "(SELECT id FROM latest_run)").fetchall())
        con.close()
        T.ok(sorted(rows) == jrows == srows,
             "%s: the store's evidence table and the JSON evidence hold the same rows as the pcapng"
             % name, ["pcapng %d rows, JSON %d, store %d" % (len(rows), len(jrows), len(srows)),
                      "only in pcapng: %s" % sorted(set(rows) - set(srows))[:5],
                      "only in store: %s" % sorted(set(srows) - set(rows))[:5]])


# ---- the origin lab ----

def origin_lab(tmp):
    root = spt.ROOT
    db = os.path.join(tmp, "lab.db")
    cmd = ["analyze", "-d", db, "-c", os.path.join(root, "samples/origin-lab.yaml"),
           "spine1-l1=" + os.path.join(root, "samples/origin-lab.pcap")]
    rc, out, err = spt.run(cmd)
    line = [x for x in out.splitlines() if "h1-h2-via-spine1" in x]
    T.ok(rc == 0 and line and "1 sighting on 1 QP, all via leaf1 > spine1 > leaf2 > host2" in line[0]
         and "0 violations; adherence 1.000000" in line[0],
         "origin-lab sample: the packet is compliant via spine1, exit 0",
         ["exit %d" % rc] + out.splitlines()[-12:] + [err[-200:]])
    rc2, s = 0, {}
    rc2, out2, _ = spt.run(cmd[:1] + ["-d", ":memory:", "--json"] + cmd[3:])
    s = json.loads(out2) if out2.strip() else {}
    t = json.load(open(os.path.join(root, "samples/origin-lab.truth.json")))
    errs = truth.compare_verdicts(t, s, rc2) if "verdicts" in t else ["the sample truth has no verdicts"]
    T.ok(not errs, "origin-lab sample: verdicts and policies equal its truth file", errs)


def done_when(tmp):
    """The origin lab grown by the generator: 2 spines, 2 leaves, one host each, the SRH
    in line, answers via the other spine; its config with taps spine1 and spine2."""
    d = os.path.join(tmp, "done")
    os.makedirs(d)
    g = subprocess.run([truth.gen_path(), "--spines", "2", "--leaves", "2", "--hosts", "1",
                        "--style", "inline", "--reverse-spine", "next", "--qps", "6",
                        "--packets", "2000", "--seed", "9", "--out-dir", d],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    shutil.copy(os.path.join(d, "spine1.pcap"), os.path.join(tmp, "s1.pcap"))
    shutil.copy(os.path.join(d, "spine2.pcap"), os.path.join(tmp, "s2.pcap"))
    shutil.copy(os.path.join(d, "lab.yaml"), os.path.join(tmp, "lab.yaml"))
    cfg = open(os.path.join(tmp, "lab.yaml")).read()
    lab_ok = all(re.search(p, cfg) for p in (r"leaf1: +\{ usid: 0x0001", r"spine2: +\{ usid: 0x1002",
                                              r"host1: +\{ usid: 0xa001", r"host2: +\{ usid: 0xb001",
                                              r"spine1: +\{ node: spine1", r"spine2: +\{ node: spine2"))
    p = subprocess.run([spt.spinetap_path(), "analyze", "-c", "lab.yaml", "spine1=s1.pcap",
                        "spine2=s2.pcap"], cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.decode()
    T.ok(g.returncode == 0 and lab_ok and p.returncode == 0 and "\nProof\n" in out and
         "adherence 1.000000" in out and "misrouted 0" in out,
         "done when: spinetap analyze -c lab.yaml spine1=s1.pcap spine2=s2.pcap on clean traffic "
         "prints the Proof section and exits 0",
         ["exit %d, lab config %s" % (p.returncode, lab_ok)] +
         out[out.find("Proof"):].splitlines()[:12] + [p.stderr.decode()[-300:]])
    T.ok(os.path.exists(os.path.join(tmp, "spinetap.db")),
         "done when: the default store ./spinetap.db was written")


def main():
    if not spt.have_spinetap() or not os.access(truth.gen_path(), os.X_OK):
        T.ok(False, "spinetap and spinetap-gen are built")
        return T.done()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="t_verdicts.") as tmp:
        scenarios(tmp)
        matrix(tmp)
        fail_on(tmp)
        evidence(tmp)
        origin_lab(tmp)
        done_when(tmp)
        ragged_captures(tmp)
        imbalance_text(tmp)
    T.diag("t_verdicts.py: %.1f s" % (time.time() - t0))
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
