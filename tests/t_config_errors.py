#!/usr/bin/python3
"""t_config_errors.py - a bad config stops spinetap at start with
`file:line:col: message` on standard error and exit status 2
(spinetap.conf(5), DESCRIPTION and SECTIONS).

A valid config is broken one way at a time; for `spinetap analyze -c` and
`spinetap decode -c` alike the error must be one line
"spinetap: bad.yaml:LINE:COL: MESSAGE", LINE and COL pointing at the
offending key or value (computed from the text here; for YAML syntax errors
from PyYAML's reading of the same text, which follows libyaml), MESSAGE naming
the problem, nothing on standard output, exit status 2. First the errors the
page names (unknown key, unknown node in a path, unknown node in a tap,
overlapping uSIDs, a block that is not a prefix, bad nflen, bad mode, bad
balance, YAML syntax), then the other rules of SECTIONS.
"""

import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import spt, tap  # noqa: E402

T = tap.Tap()
BASE = """\
usid:
  block: fcbb:bbbb::/32
  nflen: 16
  local: 0xe000-0xffff
nodes:
  leaf1:  { usid: 0x0001, role: leaf }
  leaf2:  { usid: 0x0002, role: leaf }
  spine1: { usid: 0x1001, role: spine }
  spine2: { usid: 0x1002, role: spine }
  host1:  { usid: 0xa001, role: host }
  host2:  { usid: 0xb001, role: host }
taps:
  spine1-l1: { node: spine1, peer: leaf1 }
  spine2-rx: { node: spine2, dir: in }
policies:
  - name: h1-h2
    match: { src: 2001:db8:10::/64, dst: 2001:db8:20::/64, dqpn: 0x100-0x1ff }
    paths: [ [leaf1, "spine*", leaf2, host2] ]
    mode: spray
    balance: 0.2
settings: { roce_ports: [4791], pmtu: 4096, correlation_window_ms: 100 }
"""

# (name, old, new, [tokens the position may point at], [words the message must hold])
NAMED = [
    ("unknown key", "    mode: spray", "    pathz: spray", ["pathz"], ["unknown key", "pathz"]),
    ("unknown node in a path", "leaf2, host2]", "leaf3, host2]", ["leaf3"], ["unknown node", "leaf3", "path"]),
    ("unknown node in a tap", "{ node: spine2,", "{ node: spine9,", ["spine9"], ["unknown node", "spine9"]),
    ("overlapping uSIDs", "spine2: { usid: 0x1002", "spine2: { usid: 0x1001", ["spine2:", "0x1001"],
     ["overlap", "spine1", "spine2", "0x1001"]),
    ("a block that is not a prefix", "block: fcbb:bbbb::/32", "block: fcbb:bbbb::1/32",
     ["fcbb:bbbb::1/32"], ["not a prefix", "fcbb:bbbb::1/32"]),
    ("bad nflen", "nflen: 16", "nflen: 12", ["12"], ["nflen", "12"]),
    ("bad mode", "mode: spray", "mode: sprinkle", ["sprinkle"], ["mode", "sprinkle"]),
    ("bad balance", "balance: 0.2", "balance: 1.5", ["1.5"], ["balance", "1.5"]),
    ("YAML syntax error (unclosed flow mapping)", "host2:  { usid: 0xb001, role: host }",
     "host2:  { usid: 0xb001, role: host", None, []),
    ("YAML syntax error (unclosed flow sequence)", "paths: [ [leaf1,", "paths: [ [[leaf1,", None, []),
    ("YAML syntax error (tab indentation)", "  nflen: 16", "\tnflen: 16", None, []),
]
OTHER = [
    ("block length not a multiple of 8", "block: fcbb:bbbb::/32", "block: fcbb:bbbb::/33",
     ["fcbb:bbbb::/33"], ["/33"]),
    ("node uSID in the local range", "host2:  { usid: 0xb001", "host2:  { usid: 0xe001",
     ["host2:", "0xe001"], ["local", "0xe001"]),
    ("node uSID zero", "host2:  { usid: 0xb001", "host2:  { usid: 0x0", ["host2:", "0x0"], ["host2", "usid"]),
    ("node uSID wider than nflen", "host2:  { usid: 0xb001", "host2:  { usid: 0x1b001",
     ["host2:", "0x1b001"], ["0x1b001"]),
    ("bad role", "role: spine }", "role: boss }", ["boss"], ["role", "boss"]),
    ("bad node name", "  host1:  {", "  host#1:  {", ["host#1:"], ["host#1"]),
    ("bad local range", "local: 0xe000-0xffff", "local: 0xffff-0xe000", ["0xffff-0xe000"], ["local"]),
    ("bad tap dir", "dir: in }", "dir: sideways }", ["sideways"], ["dir", "sideways"]),
    ("tap without a node", "spine2-rx: { node: spine2, dir: in }", "spine2-rx: { dir: in }",
     ["spine2-rx:", "{ dir"], ["spine2-rx", "node"]),
    ("unknown node as a tap's peer", "peer: leaf1 }", "peer: leaf9 }", ["leaf9"], ["leaf9"]),
    ("policy name twice", "  - name: h1-h2\n", "  - name: h1-h2\n    paths: [ [leaf1] ]\n  - name: h1-h2\n",
     ["- name", "name:", "h1-h2"], ["h1-h2", "twice"]),
    ("bad dqpn range", "dqpn: 0x100-0x1ff", "dqpn: 0x1ff-0x100", ["0x1ff-0x100", "dqpn"], ["dqpn"]),
    ("bad prefix", "src: 2001:db8:10::/64", "src: 2001:db8:10::/129", ["2001:db8:10::/129"], ["/129"]),
    ("bad dscp", "match: { src", "match: { dscp: 99, src", ["99"], ["dscp", "99"]),
    ("bad pmtu", "pmtu: 4096", "pmtu: 1000", ["1000"], ["pmtu", "1000"]),
    ("too many RoCE ports", "roce_ports: [4791]", "roce_ports: [1, 2, 3, 4, 5, 6, 7, 8, 9]",
     ["[1, 2", "roce_ports", "9]"], ["roce_ports"]),
    ("unknown section", "settings:", "setings:", ["setings"], ["setings"]),
    ("unknown key in a node", "role: leaf }", "rol: leaf }", ["rol:"], ["rol"]),
    ("unknown key in a match", "dqpn: 0x100-0x1ff", "qpn: 0x100-0x1ff", ["qpn:"], ["qpn"]),
]
LINE = re.compile(r"^spinetap: (?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$")


def positions(text, new, tokens):
    """(line, col) pairs, 1-based, where the tokens start on the lines that `new` changed."""
    start = text.index(new)
    first = text.count("\n", 0, start)
    last = first + new.count("\n")
    lines = text.split("\n")
    out = []
    for i in range(first, last + 1):
        for t in tokens:
            c = lines[i].find(t)
            if c >= 0:
                out.append((i + 1, c + 1))
    return out


def yaml_mark(text):
    try:
        import yaml
    except ImportError:
        return None
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as e:
        m = getattr(e, "problem_mark", None)
        return (m.line + 1, m.column + 1) if m else None
    return None


def check(tmp, name, old, new, tokens, words):
    assert old in BASE, old
    text = BASE.replace(old, new, 1)
    cfg = os.path.join(tmp, "bad.yaml")
    with open(cfg, "w") as f:
        f.write(text)
    if tokens is None:
        m = yaml_mark(text)
        if m is None:
            first = text.count("\n", 0, text.index(new)) + 1
            want = [(first + d, c) for d in (0, 1) for c in range(1, 80)]
            how = "a position on the broken line or the next (PyYAML not installed)"
        else:
            want = [m]
            how = "PyYAML's position %d:%d" % m
    else:
        want = positions(text, new, tokens)
        how = "the position of %s" % " or ".join(repr(t) for t in tokens)
    pcap = os.path.join(spt.ROOT, "samples", "origin-lab.pcap")
    for cmd in (["analyze", "-d", ":memory:", "-c", cfg, "spine1-l1=" + pcap], ["decode", "-c", cfg, pcap]):
        p = subprocess.run([spt.spinetap_path()] + cmd, cwd=tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        err = [l for l in p.stderr.decode().splitlines() if l.strip()]
        m = LINE.match(err[0]) if len(err) == 1 else None
        pos = (int(m.group("line")), int(m.group("col"))) if m else None
        msg = m.group("msg") if m else ""
        ok = (p.returncode == 2 and m and m.group("file") == cfg and pos in want and
              all(w.lower() in msg.lower() for w in words) and not p.stdout)
        T.ok(ok, "%s: %s -c gives 'bad.yaml:%s: ...' naming it, exit 2" %
             (name, cmd[0], "%d:%d" % want[0] if len(want) == 1 else "LINE:COL"),
             ["exit %d, stderr %r" % (p.returncode, err), "want %s %s and the words %s"
              % (how, want[:4], words), "stdout %r" % p.stdout[:100]])


def main():
    if not spt.have_spinetap():
        T.ok(False, "spinetap is built (%s)" % spt.spinetap_path())
        return T.done()
    with tempfile.TemporaryDirectory(prefix="t_config_errors.") as tmp:
        base = os.path.join(tmp, "base.yaml")
        with open(base, "w") as f:
            f.write(BASE)
        rc, out, err = spt.run(["analyze", "-d", ":memory:", "-c", base, "spine1-l1=" +
                                os.path.join(spt.ROOT, "samples", "origin-lab.pcap")])
        T.ok(rc == 0 and not err.strip(), "the valid base config loads (analyze exit 0)", [err[-300:]])
        for case in NAMED:
            check(tmp, *case)
        for case in OTHER:
            check(tmp, *case)
        rc, out, err = spt.run(["analyze", "-d", ":memory:", "-c", os.path.join(tmp, "none.yaml"),
                                os.path.join(spt.ROOT, "samples", "origin-lab.pcap")])
        T.ok(rc == 2 and "none.yaml" in err and not out.strip(),
             "a config that does not exist: exit 2 naming the file", [err[-200:]])
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
