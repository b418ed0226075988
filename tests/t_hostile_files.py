#!/usr/bin/python3
"""t_hostile_files.py - damaged capture files, built at test time.

Every file starts with good records (the first records of
samples/fabric-encap.pcap: RoCE over SRv6, so analyze attributes them to
QPs), then breaks in one way:

  pcap:   truncated global header; truncated record header; a record header
          with no body; a file that ends mid-packet; caplen > snaplen;
          caplen > 256 KiB; a zero-length record; the wrong magic.
  pcapng: truncated section header; a section header cut short; truncated
          block header; a block header with no body; a file that ends
          mid-packet; caplen > 256 KiB; caplen > the interface's snaplen; a
          zero-length record; oversized blocks (> 16 MiB, not a multiple of
          4, shorter than 12); unknown, custom, statistics and name
          resolution blocks, which must be skipped (the file decodes).

For each, `spinetap decode --json FILE`, `cat FILE | spinetap decode --json -`
and `spinetap analyze --json -d DB FILE` (and through a pipe for some):
  - no crash (no signal, no sanitizer report) and no hang (a timeout fails);
  - exit status 2 with one message naming the file (or "-") and the byte
    offset of the bad record, which the test knows from how it built it;
  - the packets before the bad record are decoded (one JSON line each) and
    counted by analyze;
  - analyze commits them: the run row has status 'error' and the packet
    count, its QPs are in the qps table.
A damaged header (nothing read yet) fails at open: exit 2, the message, no
packets, and no run row left 'running'. Two damaged files in one analyze:
both errors are reported (none lost in the merge), the good packets of
both counted.
"""

import concurrent.futures
import json
import os
import re
import sqlite3
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import pcapio, spt, tap  # noqa: E402

T = tap.Tap()
TIMEOUT = 30
GOOD_N = 5


# ---- file builders ----

def pcap_header(snaplen=262144, linktype=1, magic=0xA1B23C4D):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_rec(data, wire=None, caplen=None, sec=1767225600, frac=0):
    cl = len(data) if caplen is None else caplen
    return struct.pack("<IIII", sec, frac, cl, len(data) if wire is None else wire) + data


def ng_block(btype, body, blen=None):
    body = body + b"\0" * (-len(body) % 4)
    n = len(body) + 12 if blen is None else blen
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def ng_shb():
    return ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def ng_idb(linktype=1, snaplen=0):
    # if_tsresol = 9 (nanoseconds), then opt_endofopt
    return ng_block(1, struct.pack("<HHI", linktype, 0, snaplen) + struct.pack("<HHB3x", 9, 1, 9) +
                    b"\0" * 4)


def ng_epb(data, caplen=None, wire=None, ts=1767225600000000000):
    cl = len(data) if caplen is None else caplen
    return ng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, cl,
                                   len(data) if wire is None else wire) + data)


def good_records():
    path = os.path.join(spt.ROOT, "samples", "fabric-encap.pcap")
    lt, recs = pcapio.read_pcap(path)
    assert lt == 1
    return [r[2] for r in recs[:GOOD_N]]


# ---- the cases: (name, bytes, expected) ----
# expected: good = packets decoded before the error; offset = byte of the bad
# record (None: the file is fine, exit 0); what = a regexp the message must
# match; at_open = the error comes before any packet (open fails).

def cases():
    g = good_records()
    pc = pcap_header() + b"".join(pcap_rec(x) for x in g)
    big = bytes(300000)
    out = []

    def add(name, data, good, offset, what, at_open=False):
        out.append((name, data, {"good": good, "offset": offset, "what": what, "at_open": at_open}))

    add("pcap: good records only", pc, GOOD_N, None, None)
    add("pcap: truncated global header", pcap_header()[:10], 0, 0, r"truncated .*header", True)
    add("pcap: truncated record header", pc + pcap_rec(g[0])[:10], GOOD_N, len(pc),
        r"truncated record header")
    add("pcap: record header without its body", pc + pcap_rec(g[0])[:16], GOOD_N, len(pc),
        r"ends inside the packet")
    add("pcap: file ends mid-packet", pc + pcap_rec(g[0])[:16 + len(g[0]) // 2], GOOD_N, len(pc),
        r"ends inside the packet")
    # snaplen 256: the good records cut to it (their headers stay whole), then one of 300 bytes
    short = [x[:256] for x in g]
    over = (g[0] + bytes(300))[:300]
    ps = pcap_header(snaplen=256) + b"".join(pcap_rec(x, wire=len(y)) for x, y in zip(short, g))
    add("pcap: caplen > snaplen", ps + pcap_rec(over), GOOD_N, len(ps), r"larger than the file's snaplen")
    add("pcap: caplen > 256 KiB", pc + pcap_rec(big), GOOD_N, len(pc), r"larger than 262144")
    add("pcap: zero-length record", pc + pcap_rec(b"", wire=0), GOOD_N, len(pc), r"zero-length")
    add("pcap: wrong magic", b"\x00\x01\x02\x03" + pc[4:], 0, 0, r"not a pcap or pcapng", True)

    head = ng_shb() + ng_idb()
    ng = head + b"".join(ng_epb(x) for x in g)
    add("pcapng: good records only", ng, GOOD_N, None, None)
    add("pcapng: truncated section header", ng_shb()[:8], 0, 0, r"truncated pcapng block header", True)
    add("pcapng: section header cut short", ng_shb()[:20], 0, 0, r"cut short", True)
    add("pcapng: truncated block header", ng + ng_epb(g[0])[:6], GOOD_N, len(ng),
        r"truncated pcapng block header")
    add("pcapng: block header without its body", ng + ng_epb(g[0])[:12], GOOD_N, len(ng), r"cut short")
    add("pcapng: file ends mid-packet", ng + ng_epb(g[0])[:28 + len(g[0]) // 2], GOOD_N, len(ng),
        r"cut short")
    add("pcapng: caplen > 256 KiB", ng + ng_epb(big), GOOD_N, len(ng), r"larger than 262144")
    hs = ng_shb() + ng_idb(snaplen=256)
    ngs = hs + b"".join(ng_epb(x, wire=len(y)) for x, y in zip(short, g))
    add("pcapng: caplen > the interface's snaplen", ngs + ng_epb(over), GOOD_N, len(ngs), r"snaplen")
    add("pcapng: zero-length record", ng + ng_epb(b"", wire=0), GOOD_N, len(ng), r"zero-length")
    add("pcapng: block longer than 16 MiB", ng + struct.pack("<II", 6, 0x7FFFFFF0) + bytes(64), GOOD_N,
        len(ng), r"larger than")
    add("pcapng: block length not a multiple of 4", ng + ng_block(6, bytes(28), blen=41), GOOD_N, len(ng),
        r"invalid length")
    add("pcapng: block length below 12", ng + struct.pack("<II", 6, 8) + bytes(8), GOOD_N, len(ng),
        r"invalid length")
    add("pcapng: trailing length differs", ng + ng_block(6, bytes(28))[:-4] + struct.pack("<I", 44),
        GOOD_N, len(ng), r"trailing length")
    # Unknown and ignorable blocks everywhere: before the IDB, between packets, at the end.
    unk = (ng_shb() + ng_block(0x0BADF00D, b"hello") + ng_idb() + ng_block(0x00000BAD, b"\0\0\0\0custom")
           + ng_epb(g[0]) + ng_block(4, struct.pack("<HH", 0, 0)) + ng_epb(g[1])
           + ng_block(5, bytes(16)) + ng_block(0x0000000A, bytes(8)) + ng_block(0x40000BAD, b"x")
           + b"".join(ng_epb(x) for x in g[2:]) + ng_block(0x12345678, b""))
    add("pcapng: unknown blocks are skipped", unk, GOOD_N, None, None)
    return out


# ---- running spinetap ----

def run(args, stdin_path=None):
    """(rc, stdout, stderr); rc None on a timeout (a hang)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run([spt.spinetap_path()] + args, stdin=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "", "timeout after %d s" % TIMEOUT
    finally:
        if stdin_path:
            stdin.close()


def check_common(label, rc, err, exp, shown):
    """Exit status, no crash, the message naming the file (`shown`) and the offset."""
    if rc is None:
        T.ok(False, "%s: no hang" % label, err)
        return False
    bad = spt.sanitizer_report(err)
    T.ok(rc >= 0 and not bad, "%s: no crash" % label, "rc %d %s" % (rc, err[-800:]))
    if exp["offset"] is None:
        T.ok(rc == 0, "%s: exit 0 (the file is fine)" % label, "rc %d: %s" % (rc, err[-300:]))
        return rc == 0
    T.ok(rc == 2, "%s: exit status 2" % label, "rc %d" % rc)
    want = "%s: byte %d: " % (shown, exp["offset"])
    lines = [ln for ln in err.splitlines() if want in ln]
    T.ok(bool(lines) and re.search(exp["what"], lines[0]),
         "%s: message names the file and byte %d (%s)" % (label, exp["offset"], exp["what"]),
         "stderr: %r" % err[-400:])
    return True


def decode_cmd(path, pipe):
    return ["decode", "--json", "-" if pipe else path], (path if pipe else None)


def check_decode(label, path, exp, pipe, res):
    shown = "-" if pipe else path
    rc, out, err = res
    if not check_common(label, rc, err, exp, shown):
        return
    pk = []
    for ln in out.splitlines():
        try:
            pk.append(json.loads(ln))
        except ValueError:
            T.ok(False, "%s: JSON lines" % label, repr(ln[:200]))
            return
    T.ok(len(pk) == exp["good"], "%s: the %d packets before the error are decoded" % (label, exp["good"]),
         "got %d" % len(pk))
    T.ok(all(p.get("status") == "ok" or p.get("cause") == "roce_ext_truncated" for p in pk),
         "%s: they decode as ok (or cut by the snaplen inside the RoCE headers)" % label,
         [p.get("cause") for p in pk])


def analyze_cmd(path, pipe, db):
    return ["analyze", "--json", "-d", db, "-" if pipe else path], (path if pipe else None)


def check_analyze(label, path, exp, pipe, db, res):
    shown = "-" if pipe else path
    rc, out, err = res
    if not check_common(label, rc, err, exp, shown):
        return
    if exp["at_open"]:
        T.ok(out.strip() == "", "%s: nothing reported (nothing was read)" % label, out[:200])
        if os.path.exists(db):
            c = sqlite3.connect(db)
            n = c.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0]
            c.close()
            T.ok(n == 0, "%s: no run left 'running'" % label)
        return
    try:
        rep = json.loads(out)
    except ValueError:
        T.ok(False, "%s: the JSON report is printed" % label, out[:300])
        return
    T.ok(rep.get("packets") == exp["good"] and rep.get("accounted") == exp["good"],
         "%s: report counts the %d packets before the error" % (label, exp["good"]),
         "packets %r accounted %r" % (rep.get("packets"), rep.get("accounted")))
    if exp["offset"] is not None:
        T.ok(isinstance(rep.get("error"), str) and ("byte %d" % exp["offset"]) in rep["error"],
             "%s: report's error names the byte" % label, repr(rep.get("error")))
    c = sqlite3.connect(db)
    try:
        ok = c.execute("PRAGMA integrity_check").fetchone()[0]
        run_row = c.execute("SELECT id, status, packets FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        nq = c.execute("SELECT count(*) FROM qps WHERE run_id = ?", (run_row[0],)).fetchone()[0] \
            if run_row else 0
    finally:
        c.close()
    want_status = "done" if exp["offset"] is None else "error"
    T.ok(ok == "ok" and run_row is not None and run_row[1] == want_status and run_row[2] == exp["good"],
         "%s: run row committed (status %s, %d packets)" % (label, want_status, exp["good"]),
         "integrity %s, run %r" % (ok, run_row))
    T.ok(nq == rep.get("table", {}).get("qps") and nq > 0, "%s: its QPs are in the store" % label,
         "qps rows %d, report %r" % (nq, rep.get("table")))


def main():
    if not spt.have_spinetap():
        T.skip("hostile files", "no spinetap binary at %s" % spt.spinetap_path())
        return T.done()
    with tempfile.TemporaryDirectory(prefix="spinetap-hostile-") as tmp:
        jobs = []  # (case index, kind, label, path, exp, pipe, db, args, stdin)
        allcases = cases()
        for i, (name, data, exp) in enumerate(allcases):
            path = os.path.join(tmp, "case%02d.%s" % (i, "pcapng" if name.startswith("pcapng") else "pcap"))
            with open(path, "wb") as f:
                f.write(data)
            for pipe in (False, True):
                args, stdin = decode_cmd(path, pipe)
                jobs.append((i, "decode", "%s, decode%s" % (name, " via a pipe" if pipe else ""), path, exp,
                             pipe, None, args, stdin))
            for pipe in (False, True):
                if pipe and not (i % 3 == 0 or exp["offset"] is None):
                    continue
                db = os.path.join(tmp, "case%02d%s.db" % (i, "-pipe" if pipe else ""))
                args, stdin = analyze_cmd(path, pipe, db)
                jobs.append((i, "analyze", "%s, analyze%s" % (name, " via a pipe" if pipe else ""), path, exp,
                             pipe, db, args, stdin))
        # Two damaged files in one analyze: each error is reported once, none is lost, and the
        # good packets of both are counted (the merger drops a failed source and goes on).
        g = good_records()
        pair = []
        for k, cut in enumerate((0, 2)):
            pth = os.path.join(tmp, "pair%d.pcap" % k)
            body = pcap_header() + b"".join(pcap_rec(x) for x in g[:cut])
            with open(pth, "wb") as f:
                f.write(body + pcap_rec(g[0])[:10])
            pair.append((pth, len(body)))
        db = os.path.join(tmp, "pair.db")
        rc, out, err = run(["analyze", "--json", "-d", db] + [p_ for p_, _ in pair])
        named = all(("%s: byte %d: " % (p_, off)) in err for p_, off in pair)
        T.ok(rc == 2 and named and not spt.sanitizer_report(err),
             "two damaged files in one analyze: exit 2, both errors named with their byte", err[-500:])
        try:
            rep = json.loads(out)
        except ValueError:
            rep = {}
        T.ok(rep.get("packets") == 2 and all(p_ in (rep.get("error") or "") for p_, _ in pair),
             "two damaged files: the good packets counted, both errors in the report",
             "packets %r error %r" % (rep.get("packets"), rep.get("error")))

        # Two runs at a time (the sanitized build is slow to start); checks in order afterwards.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda j: run(j[7], stdin_path=j[8]), jobs))
        last = None
        for j, res in zip(jobs, results):
            i, kind, label, path, exp, pipe, db = j[:7]
            if i != last:
                T.diag("%s (%s, %d bytes)" % (allcases[i][0], os.path.basename(path), len(allcases[i][1])))
                last = i
            if kind == "decode":
                check_decode(label, path, exp, pipe, res)
            else:
                check_analyze(label, path, exp, pipe, db, res)
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
