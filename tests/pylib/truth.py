"""truth.py - generate captures with spinetap-gen and compare `spinetap
analyze --json` with the generator's truth file (man/spinetap-gen.1, TRUTH
FILE).

The truth is written by the generator from what it injected; the analyzer
must find it from the bytes alone. Both follow the documented rules
(spinetap(8) COUNTING RULES, spinetap.conf(5) VERDICTS and CORRELATION), so
every field must be equal, not close.

    run = generate(tmpdir, ["--scenario", "loss", "--seed", "3"])
    rc, summary = analyze(run)            # every tap file under its tap name
    n, fields, errs = compare_qps(run.truth, summary)
    errs += compare_verdicts(run.truth, summary, rc)
"""

import json
import os
import shlex
import subprocess

from . import spt

QP_FIELDS = ("packets", "bytes", "psn_gaps", "retransmissions", "out_of_order", "naks",
             "rnr_naks", "cnps", "ce")
NAK_CODES = ("psn_seq_err", "invalid_request", "remote_access", "remote_op", "invalid_rd_request")
VERDICTS = ("compliant", "misrouted", "unknown_sid", "unsteered", "policy_violation",
            "pin_violation", "uncovered")
VIOLATIONS = ("misrouted", "unknown_sid", "unsteered", "policy_violation", "pin_violation")
# correlation faults are violation kinds too (--fail-on, evidence)
KINDS = VIOLATIONS + ("shift_error", "lost_in_node")


def gen_path():
    return os.environ.get("GEN") or os.path.join(spt.ROOT, "build", "spinetap-gen")


class Run:
    """One generated capture set: DIR/<tap>.pcap, DIR/lab.yaml, DIR/truth.json."""

    def __init__(self, outdir, args):
        self.dir = outdir
        self.args = list(args)
        self.config = os.path.join(outdir, "lab.yaml")
        with open(os.path.join(outdir, "truth.json")) as f:
            self.truth = json.load(f)

    def tap_files(self, only_recorded=True):
        """['tap=path', ...] for every tap (that recorded a packet: the truth's taps)."""
        out = []
        for t in self.truth["taps"]:
            if only_recorded and not t["packets"]:
                continue
            out.append("%s=%s" % (t["name"], os.path.join(self.dir, t["name"] + ".pcap")))
        return out

    def command(self):
        return "spinetap-gen " + " ".join(shlex.quote(a) for a in self.args)


def generate(tmpdir, args, name=None):
    """Run spinetap-gen ARGS --out-dir TMPDIR/NAME; return a Run."""
    name = name or "run%d" % len(os.listdir(tmpdir))
    outdir = os.path.join(tmpdir, name)
    args = list(args) + ["--out-dir", outdir]
    p = subprocess.run([gen_path()] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    if p.returncode != 0:
        raise spt.SpinetapError("spinetap-gen %s: exit %d: %s"
                                % (" ".join(args), p.returncode, p.stderr.decode()[-300:]))
    return Run(outdir, args)


def analyze(run, extra=(), files=None, timeout=120):
    """`spinetap analyze -d :memory: --json -c lab.yaml [extra] tap=file...`:
    (exit status, summary). Raises SpinetapError on status 2, a sanitizer
    report or output that is not one JSON object."""
    args = ["analyze", "-d", ":memory:", "--json", "-c", run.config] + list(extra)
    args += files if files is not None else run.tap_files()
    rc, out, err = spt.run(args, timeout=timeout)
    if rc not in (0, 1) or spt.sanitizer_report(err):
        raise spt.SpinetapError("spinetap %s: exit %d: %s" % (" ".join(args), rc, err.strip()[-400:]))
    try:
        return rc, json.loads(out)
    except ValueError as e:
        raise spt.SpinetapError("spinetap %s: not JSON (%s): %r" % (" ".join(args), e, out[:200]))


def analyze_command(run, extra=()):
    """The shell command that reproduces an analysis (for reports)."""
    return "spinetap analyze -d :memory: --json -c %s %s %s" % (
        run.config, " ".join(extra), " ".join(run.tap_files()))


def qp_key(q):
    return (q["src"], q["dst"], int(q["dqpn"]))


def compare_qps(truth, summary, fields=QP_FIELDS):
    """Per QP record (src, dst, dqpn): every counter equal, and the same set of
    records. Returns (records compared, fields compared, [mismatch texts])."""
    errs = []
    ours = {}
    for q in summary.get("qps", []):
        ours[qp_key(q)] = q
    # a record none of whose packets was captured (all dropped, or the capture ended)
    # is in the truth with "sightings": 0; the analyzer cannot know it
    want = {qp_key(q): q for q in truth["qps"] if q.get("sightings", 1)}
    for k in sorted(set(ours) - set(want)):
        errs.append("%s dqpn %#x: found by spinetap, not in the truth (%d packets)"
                    % (k[0] + " > " + k[1], k[2], ours[k]["packets"]))
    for k in sorted(set(want) - set(ours)):
        errs.append("%s dqpn %#x: in the truth (%d packets), not found by spinetap"
                    % (k[0] + " > " + k[1], k[2], want[k]["packets"]))
    nrec = nfield = 0
    for k in sorted(set(want) & set(ours)):
        t, o = want[k], ours[k]
        nrec += 1
        for f in fields:
            nfield += 1
            if t[f] != o.get(f):
                errs.append("%s > %s dqpn %#x %s: spinetap %s, truth %s"
                            % (k[0], k[1], k[2], f, o.get(f), t[f]))
        if "sightings" in t:
            nfield += 1
            got = sum(x["packets"] for x in o.get("taps", []))
            if got != t["sightings"]:
                errs.append("%s > %s dqpn %#x sightings (every tap): spinetap %s, truth %s"
                            % (k[0], k[1], k[2], got, t["sightings"]))
        for c in NAK_CODES:
            nfield += 1
            got = o.get("nak_codes", {}).get(c)
            if t["nak_codes"][c] != got:
                errs.append("%s > %s dqpn %#x nak_codes.%s: spinetap %s, truth %s"
                            % (k[0], k[1], k[2], c, got, t["nak_codes"][c]))
    return nrec, nfield, errs


def expected_exit(truth, fail_on=None):
    """The exit status the truth implies, for --fail-on KINDS (None: all)."""
    kinds = KINDS if not fail_on or fail_on == "all" else fail_on.split(",")
    counts = dict(truth["verdicts"])
    counts["shift_error"] = truth["correlation"]["shift_error"]
    counts["lost_in_node"] = truth["correlation"]["lost_in_node"]
    return 1 if any(counts[k] for k in kinds) else 0


def compare_verdicts(truth, summary, rc=None):
    """Verdict totals, correlation totals and per node, per-policy covered,
    compliant and violations, the concrete-path shares of balanced policies, and
    the exit status. Returns [mismatch texts]."""
    errs = []
    for v in VERDICTS:
        got = summary.get("verdicts", {}).get(v)
        if got != truth["verdicts"][v]:
            errs.append("verdicts.%s: spinetap %s, truth %s" % (v, got, truth["verdicts"][v]))
    tc, oc = truth["correlation"], summary.get("correlation", {})
    for f in ("matched", "shift_error", "lost_in_node"):
        if oc.get(f) != tc[f]:
            errs.append("correlation.%s: spinetap %s, truth %s" % (f, oc.get(f), tc[f]))
    onodes = {n["name"]: n for n in oc.get("nodes", [])}
    tnodes = {n["name"]: n for n in tc["nodes"]}
    if set(onodes) != set(tnodes):
        errs.append("correlation.nodes: spinetap %s, truth %s" % (sorted(onodes), sorted(tnodes)))
    for name in sorted(set(onodes) & set(tnodes)):
        for f in ("matched", "lost", "shift_error"):
            if onodes[name].get(f) != tnodes[name][f]:
                errs.append("correlation %s.%s: spinetap %s, truth %s"
                            % (name, f, onodes[name].get(f), tnodes[name][f]))
    opol = {p["name"]: p for p in summary.get("policies", [])}
    for tp in truth["policies"]:
        op = opol.get(tp["name"])
        if op is None:
            errs.append("policy %s: not in spinetap's summary" % tp["name"])
            continue
        for f in ("mode", "covered", "compliant", "qps"):
            if op.get(f) != tp[f]:
                errs.append("policy %s %s: spinetap %s, truth %s" % (tp["name"], f, op.get(f), tp[f]))
        for k in VIOLATIONS:
            got = op.get("violations", {}).get(k)
            if got != tp["violations"][k]:
                errs.append("policy %s violations.%s: spinetap %s, truth %s"
                            % (tp["name"], k, got, tp["violations"][k]))
        opaths = {p["nodes"]: p for p in op.get("paths", [])}
        tpaths = {p["nodes"]: p for p in tp["paths"]}
        if set(opaths) != set(tpaths):
            errs.append("policy %s paths: spinetap %s, truth %s"
                        % (tp["name"], sorted(opaths), sorted(tpaths)))
        for n in sorted(set(opaths) & set(tpaths)):
            o, t = opaths[n], tpaths[n]
            if o.get("packets") != t["packets"] or o.get("imbalanced") != t["imbalanced"] or \
                    abs(o.get("share", -1) - t["share"]) > 1e-6:
                errs.append("policy %s path %s: spinetap packets %s share %s imbalanced %s, "
                            "truth %s %s %s" % (tp["name"], n, o.get("packets"), o.get("share"),
                                                o.get("imbalanced"), t["packets"], t["share"],
                                                t["imbalanced"]))
        for f in ("balance", "expected_paths", "balanced"):
            if f in tp and op.get(f) != tp[f]:
                errs.append("policy %s %s: spinetap %s, truth %s" % (tp["name"], f, op.get(f), tp[f]))
    if abs(summary.get("adherence", -1) - truth["adherence"]) > 1e-6:
        errs.append("adherence: spinetap %s, truth %s" % (summary.get("adherence"), truth["adherence"]))
    if rc is not None and rc != truth["exit_status"]:
        errs.append("exit status: spinetap %s, truth %s" % (rc, truth["exit_status"]))
    return errs
