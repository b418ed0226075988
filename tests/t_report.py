#!/usr/bin/python3
"""t_report.py - the human report of `spinetap analyze` (spinetap(8), OUTPUT
FORMAT, "analyze and capture, text").

Golden tests: the whole text report, byte for byte, for
  - fabric-inout   samples/fabric-inout (both sides of two spines, go-back-N):
                   every section, Proof with shares and correlation;
  - origin-lab     samples/origin-lab.pcap as tap spine1-l1: the lab's one packet;
  - wrong-spine    a small generated capture whose Proof lists violations with
                   their three sample evidence lines;
only the "Store: run N in PATH" line is normalised (to "Store: run N in STORE").

To regenerate the golden files after a deliberate change of the report (then
read the diff before committing it), from the top of the repository:

    SPINETAP=build/spinetap GEN=build/spinetap-gen python3 tests/t_report.py --regen

Besides the golden files: the IMBALANCED flag of a spray policy's path stays on
that path's line, each violation kind shows at most three evidence lines, --top
limits the QP lines, -q prints nothing while the exit status still tells.
"""

import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import spt, tap, truth  # noqa: E402

T = tap.Tap()
GOLDEN = os.path.join(spt.ROOT, "tests", "golden")
S = "samples"
INOUT = ["spine1-rx", "spine1-tx", "spine2-rx", "spine2-tx"]
# name: (spinetap-gen arguments or None, config, [tap=file]) with paths relative to the
# repository, or to the generated directory ("@/")
CASES = {
    "fabric-inout": (None, S + "/fabric-inout/lab.yaml",
                     ["%s=%s/fabric-inout/%s.pcap" % (t, S, t) for t in INOUT]),
    "origin-lab": (None, S + "/origin-lab.yaml", ["spine1-l1=%s/origin-lab.pcap" % S]),
    "wrong-spine": (["--scenario", "wrong-spine", "--taps", "inout", "--qps", "4", "--packets", "400",
                     "--pmtu", "1024", "--msg-size", "0-3000", "--seed", "2"],
                    "@/lab.yaml", ["%s=@/%s.pcap" % (t, t) for t in INOUT]),
}
STORE_LINE = re.compile(r"^Store: run (\d+) in .*$", re.M)


def report(name, tmp):
    gen_args, cfg, files = CASES[name]
    d = os.path.join(tmp, name)
    if gen_args:
        p = subprocess.run([truth.gen_path()] + gen_args + ["--out-dir", d], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode:
            raise spt.SpinetapError("spinetap-gen: %s" % p.stderr.decode()[-300:])
    os.makedirs(d, exist_ok=True)
    cfg = cfg.replace("@", d)
    files = [f.replace("@", d) for f in files]
    db = os.path.join(tmp, name + ".db")
    p = subprocess.run([spt.spinetap_path(), "analyze", "-d", db, "-c", cfg] + files, cwd=spt.ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    text = STORE_LINE.sub(r"Store: run \1 in STORE", p.stdout.decode())
    return p.returncode, text, p.stderr.decode()


def golden(tmp, regen):
    for name in CASES:
        rc, text, err = report(name, tmp)
        path = os.path.join(GOLDEN, name + ".report.txt")
        if regen:
            os.makedirs(GOLDEN, exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            T.diag("wrote %s (exit %d)" % (path, rc))
        want = open(path).read() if os.path.exists(path) else None
        diff = []
        if want is not None and want != text:
            import difflib
            diff = list(difflib.unified_diff(want.splitlines(), text.splitlines(), "golden", "now",
                                             lineterm="", n=1))
        T.ok(want == text and "Store: run 1 in STORE" in text,
             "%s: the report equals tests/golden/%s.report.txt" % (name, name),
             (["no golden file %s" % path] if want is None else diff[:40]) + [err[-200:]])


def imbalanced(tmp):
    run = truth.generate(tmp, ["--scenario", "spray-imbalance", "--qps", "8", "--packets", "1000",
                               "--seed", "1"], "imb")
    p = subprocess.run([spt.spinetap_path(), "analyze", "-d", ":memory:", "-c", run.config]
                       + run.tap_files(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = p.stdout.decode().splitlines()
    flagged = [i for i, l in enumerate(lines) if "IMBALANCED" in l]
    want = sum(1 for q in run.truth["policies"] for x in q["paths"] if x["imbalanced"])
    whole = [l for l in (lines[i] for i in flagged)
             if re.search(r"^\s+leaf\d+ > spine\d+ > leaf\d+ > host\d+\s+[\d,]+\s+[\d.]+%\s+IMBALANCED "
                          r"\(balance 20% of an even 50\.0%\)$", l)]
    T.ok(want and len(flagged) == want and len(whole) == want,
         "IMBALANCED stays on its path's line: 'PATH  N  S%%  IMBALANCED (balance 20%% of an even "
         "50.0%%)' (%d paths imbalanced in the truth)" % want,
         ["flagged lines:"] + [repr(lines[i]) + " + next: " + repr(lines[i + 1] if i + 1 < len(lines) else "")
                               for i in flagged][:6] +
         ["reproduce: %s && spinetap analyze -d :memory: -c %s %s"
          % (run.command(), run.config, " ".join(run.tap_files()))])


def evidence_lines(tmp):
    run = truth.generate(tmp, ["--scenario", "leaf-misforward", "--qps", "8", "--packets", "3000",
                               "--intensity", "0.2", "--seed", "2"], "ev")
    p = subprocess.run([spt.spinetap_path(), "analyze", "-d", ":memory:", "-c", run.config]
                       + run.tap_files(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = p.stdout.decode().splitlines()
    bad, kinds = [], 0
    for i, l in enumerate(lines):
        m = re.match(r"^    (misrouted|unknown_sid|unsteered|policy_violation|pin_violation) ([\d,]+)$", l)
        if not m:
            continue
        kinds += 1
        n = int(m.group(2).replace(",", ""))
        ev = 0
        for x in lines[i + 1:]:
            if not x.startswith("      tap "):
                break
            ev += 1
            if not re.search(r"frame \d+ .* dqpn 0x[0-9a-f]{6}: expected .+; observed .+", x):
                bad.append("evidence line: %r" % x)
        if ev != min(3, n):
            bad.append("%s %d with %d evidence lines" % (m.group(1), n, ev))
    T.ok(kinds and not bad and p.returncode == 1,
         "each violation count of a policy is followed by min(3, count) evidence lines "
         "(%d kinds shown)" % kinds, bad)


def top_and_quiet(tmp):
    run = truth.generate(tmp, ["--qps", "12", "--packets", "600", "--seed", "3"], "top")
    base = [spt.spinetap_path(), "analyze", "-d", ":memory:", "-c", run.config] + run.tap_files()
    for n in (3, 50):
        out = subprocess.run(base[:2] + ["--top", str(n)] + base[2:], stdout=subprocess.PIPE).stdout.decode()
        sec = out[out.index("Top QPs by bytes"):out.index("\nAnomalies")]
        rows = [l for l in sec.splitlines()[2:] if l.strip()]
        want = min(n, len(run.truth["qps"]))
        T.ok(len(rows) == want and ("(%d of %d)" % (want, len(run.truth["qps"]))) in sec,
             "--top %d lists %d QPs" % (n, want), sec.splitlines()[:3])
    p = subprocess.run(base[:2] + ["-q"] + base[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    T.ok(p.returncode == 0 and not p.stdout and not p.stderr, "-q prints nothing, exit 0 on clean traffic",
         [p.stdout.decode()[:200], p.stderr.decode()[:200]])
    bad = truth.generate(tmp, ["--scenario", "unknown-usid", "--qps", "6", "--packets", "600"], "q1")
    p = subprocess.run([spt.spinetap_path(), "analyze", "-q", "-d", ":memory:", "-c", bad.config]
                       + bad.tap_files(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    T.ok(p.returncode == 1 and not p.stdout, "-q with violations: nothing printed, exit 1")


def main():
    regen = "--regen" in sys.argv[1:]
    if not spt.have_spinetap() or not os.access(truth.gen_path(), os.X_OK):
        T.ok(False, "spinetap and spinetap-gen are built")
        return T.done()
    with tempfile.TemporaryDirectory(prefix="t_report.") as tmp:
        golden(tmp, regen)
        imbalanced(tmp)
        evidence_lines(tmp)
        top_and_quiet(tmp)
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
