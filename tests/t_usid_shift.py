#!/usr/bin/python3
"""t_usid_shift.py - one ping followed hop by hop through a uSID fabric.

The shu1r0/srv6_usid_ebpf lab (SOURCES.md (a)): hosts h1 (fd00:a::2) and
h2 (fd00:b::2), routers n1..n6 with uSIDs 0100..0600 in the block
fdbb:bbbb::/32 and a local (LIB) decapsulation function f00d. n1 and n2
encapsulate (H.Encaps, outer IPv6 + SRH, Next Header 41); each router whose
uSID is active shifts the carrier left by one 16-bit uSID with zero fill
(RFC 9800 §4.1, NEXT-C-SID), and when a carrier holds no more uSIDs the
node moves to the next SRH segment and decrements Segments Left (RFC 8754
§4.3.1.1). One capture per link: h1_n1 n1_n2 n1_n3 n2_h2 n2_n4 n3_n5 n5_n6
(n4_n6 was not captured).

The echo request with sequence SEQ is found in every capture by reading
the inner ICMPv6 header from the bytes (not from spinetap, which stops at
ICMPv6), ordered by the outer hop limit, and each sighting must show the
carrier written out below - first as read from the bytes (so the table is
right), then as decoded by `spinetap decode --json --usid-block
fdbb:bbbb::/32` (DA, uSID ids, local flags, SL, segments, program hops).
The shift rule is checked between consecutive sightings on both. Same for
the echo reply. Last, a table of uSID splits with other block lengths and
uSID lengths (--usid-block /24, /48, --usid-nflen 8, 24, 32).
"""

import ipaddress
import os
import struct
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import pcapio, roceref, spt, tap  # noqa: E402

T = tap.Tap()
DIR = os.path.join(spt.public_dir(), "shu1r0__srv6_usid_ebpf")
LINKS = ["h1_n1", "n1_n2", "n1_n3", "n2_h2", "n2_n4", "n3_n5", "n5_n6"]
BLOCK = "fdbb:bbbb::/32"
SEQ = 3
H1, H2 = "fd00:a::2", "fd00:b::2"

REQ_SRH = ["fdbb:bbbb:500:200:f00d::", "fdbb:bbbb:600::"]  # Segment List [0], [1]
REP_SRH = ["fdbb:bbbb:600:100:f00d::"]

# (link, outer hop limit or None for the plain customer side, DA, SL, uSID
#  ids of the DA, program hops); plain sightings give the inner hop limit.
# Echo request h1 -> h2: n1 encapsulates with SRH [500:200:f00d, 600] SL 1,
# DA = Segment List[1] = fdbb:bbbb:600::.
REQUEST = [
    ("h1_n1", None, 64),                                   # h1 sends
    ("n1_n3", 63, "fdbb:bbbb:600::", 1, ["0600"], ["0600", "0500", "0200", "f00d"]),
    ("n3_n5", 62, "fdbb:bbbb:600::", 1, ["0600"], ["0600", "0500", "0200", "f00d"]),   # n3 transit
    ("n5_n6", 61, "fdbb:bbbb:600::", 1, ["0600"], ["0600", "0500", "0200", "f00d"]),   # n5 transit
    # n6 (0600): carrier exhausted -> next segment, SL 1 -> 0
    ("n5_n6", 60, "fdbb:bbbb:500:200:f00d::", 0, ["0500", "0200", "f00d"], ["0500", "0200", "f00d"]),
    # n5 (0500): shift left by one uSID
    ("n3_n5", 59, "fdbb:bbbb:200:f00d::", 0, ["0200", "f00d"], ["0200", "f00d"]),
    ("n1_n3", 58, "fdbb:bbbb:200:f00d::", 0, ["0200", "f00d"], ["0200", "f00d"]),     # n3 transit
    ("n1_n2", 57, "fdbb:bbbb:200:f00d::", 0, ["0200", "f00d"], ["0200", "f00d"]),     # n1 transit
    ("n2_h2", None, 63),                                   # n2 (0200, f00d) decapsulates
]
# Echo reply h2 -> h1: n2 encapsulates with SRH [600:100:f00d] SL 0.
REPLY = [
    ("n2_h2", None, 64),
    ("n2_n4", 63, "fdbb:bbbb:600:100:f00d::", 0, ["0600", "0100", "f00d"], ["0600", "0100", "f00d"]),
    # n4 transit (link n4_n6 not captured: hop limit 62), n6 (0600) shifts
    ("n5_n6", 61, "fdbb:bbbb:100:f00d::", 0, ["0100", "f00d"], ["0100", "f00d"]),
    ("n3_n5", 60, "fdbb:bbbb:100:f00d::", 0, ["0100", "f00d"], ["0100", "f00d"]),     # n5 transit
    ("n1_n3", 59, "fdbb:bbbb:100:f00d::", 0, ["0100", "f00d"], ["0100", "f00d"]),     # n3 transit
    ("h1_n1", None, 63),                                   # n1 (0100, f00d) decapsulates
]
LOCAL = {"f00d"}  # in the default local range e000-ffff


def a6(b):
    return ipaddress.IPv6Address(bytes(b)).compressed


def parse(frame):
    """Ethernet | IPv6 [ext...] [| IPv6] | ICMPv6, read from the bytes."""
    et, off = struct.unpack("!H", frame[12:14])[0], 14
    while et in (0x8100, 0x88A8):
        et, off = struct.unpack("!H", frame[off + 2:off + 4])[0], off + 4
    if et != 0x86DD or len(frame) < off + 40:
        return None
    ip = frame[off:off + 40]
    r = {"hlim": ip[7], "src": a6(ip[8:24]), "dst": a6(ip[24:40]), "srh": None}
    nh, off = ip[6], off + 40
    while nh in (0, 43, 60) and off + 8 <= len(frame):
        if nh == 43 and frame[off + 2] == 4:
            last = frame[off + 4]
            r["srh"] = {"sl": frame[off + 3], "last": last,
                        "segs": [a6(frame[off + 8 + 16 * i:off + 24 + 16 * i]) for i in range(last + 1)]}
        nh, off = frame[off], off + (frame[off + 1] + 1) * 8
    if nh == 41:
        inner = frame[off:off + 40]
        r["inner"] = {"hlim": inner[7], "src": a6(inner[8:24]), "dst": a6(inner[24:40])}
        nh, off = inner[6], off + 40
    else:
        r["inner"] = None
    if nh != 58 or off + 8 > len(frame):
        return None
    r["icmp_type"], r["icmp_seq"] = frame[off], struct.unpack("!H", frame[off + 6:off + 8])[0]
    return r


def usid_ids(addr):
    b = ipaddress.IPv6Address(addr).packed
    if b[:4] != bytes.fromhex("fdbbbbbb"):
        return None
    ids = []
    for i in range(4, 16, 2):
        v = (b[i] << 8) | b[i + 1]
        if v == 0:
            break
        ids.append("%04x" % v)
    return ids


def shifted(addr):
    """RFC 9800 §4.1: drop the active uSID, shift the rest left, zero fill."""
    b = ipaddress.IPv6Address(addr).packed
    return a6(b[:4] + b[6:] + b"\x00\x00")


def step_ok(prev, cur):
    """The rule between two consecutive encapsulated sightings (DA, SL, segs):
    unchanged (a transit router), a shift (SL unchanged), or - when the
    shift would leave no uSID - the next segment with SL - 1."""
    pda, psl, psegs = prev
    cda, csl, csegs = cur
    if psegs != csegs:
        return "segment list changed %r -> %r" % (psegs, csegs)
    if (cda, csl) == (pda, psl):
        return None
    nxt = shifted(pda)
    if usid_ids(nxt):
        if (cda, csl) == (nxt, psl):
            return None
        return "expected the shift to %s SL %d, got %s SL %d" % (nxt, psl, cda, csl)
    if psl >= 1 and (cda, csl) == (psegs[psl - 1], psl - 1):
        return None
    return "carrier %s exhausted: expected segment %s SL %d, got %s SL %d" % (
        pda, psegs[psl - 1] if psl >= 1 else "-", psl - 1, cda, csl)


def follow(name, table, icmp_type, src, dst, raw, dec):
    """raw[link] = list of (frame no, parsed); dec[link] = spinetap packets."""
    segs_exp = REQ_SRH if icmp_type == 128 else REP_SRH
    sightings = []
    for link in LINKS:
        for fno, r in raw[link]:
            if r["icmp_type"] != icmp_type or r["icmp_seq"] != SEQ:
                continue
            inner = r["inner"] or r
            if (inner["src"], inner["dst"]) != (src, dst):
                continue
            sightings.append((link, fno, r))
    # order: the plain sending side, then outer hop limit down, then the plain receiving side
    first = [s for s in sightings if s[2]["inner"] is None and s[2]["hlim"] == 64]
    mid = sorted([s for s in sightings if s[2]["inner"] is not None], key=lambda s: -s[2]["hlim"])
    last = [s for s in sightings if s[2]["inner"] is None and s[2]["hlim"] != 64]
    seq = first + mid + last
    T.diag("%s seq %d: %s" % (name, SEQ, " -> ".join("%s#%d(hlim %d)" % (l, f, r["hlim"]) for l, f, r in seq)))
    T.ok(len(seq) == len(table) and [s[0] for s in seq] == [t[0] for t in table],
         "%s: seen on %d links in the expected order" % (name, len(table)),
         "got %r" % [(s[0], s[1], s[2]["hlim"]) for s in seq])
    if len(seq) != len(table):
        return

    # 1. the bytes match the table (the table is right)
    bad = []
    for (link, fno, r), row in zip(seq, table):
        if row[1] is None:
            if r["inner"] is not None or r["hlim"] != row[2]:
                bad.append("%s#%d: plain hop limit %d, table %d" % (link, fno, r["hlim"], row[2]))
            continue
        got = (r["hlim"], r["dst"], r["srh"]["sl"] if r["srh"] else None, usid_ids(r["dst"]),
               r["srh"]["segs"] if r["srh"] else None, r["inner"]["hlim"])
        want = (row[1], row[2], row[3], row[4], segs_exp, 64)
        if got != want:
            bad.append("%s#%d: bytes %r, table %r" % (link, fno, got, want))
    T.ok(not bad, "%s: the bytes match the written-out carrier sequence" % name, bad)
    enc = [(r["dst"], r["srh"]["sl"], r["srh"]["segs"]) for _, _, r in seq if r["inner"] is not None]
    bad = [e for e in (step_ok(a, b) for a, b in zip(enc, enc[1:])) if e]
    T.ok(not bad, "%s: each hop is a transit, a uSID shift or the next segment (bytes)" % name, bad)

    # 2. spinetap's decode of each sighting
    dec_enc = []
    for (link, fno, r), row in zip(seq, table):
        p = dec[link][fno - 1]
        ips = spt.ip_layers(p)
        label = "%s: %s#%d" % (name, link, fno)
        if row[1] is None:
            T.ok(len(ips) == 1 and (ips[0]["src"], ips[0]["dst"], ips[0]["hlim"]) == (src, dst, row[2])
                 and spt.program_of(p) is None and "usid" not in ips[0] and "srh" not in ips[0],
                 "%s plain IPv6 %s > %s hlim %d, no program" % (label, src, dst, row[2]),
                 "ours %r program %r" % (ips, spt.program_of(p)))
            continue
        _, hlim, da, sl, ids, hops = row
        o = ips[0] if ips else {}
        prog = spt.program_of(p)
        got = {
            "outer hlim": o.get("hlim"), "DA": o.get("dst"), "SL": o.get("srh", {}).get("sl"),
            "segments": o.get("srh", {}).get("segs"), "uSID ids": o.get("usid", {}).get("ids"),
            "active": o.get("usid", {}).get("active"), "local": o.get("usid", {}).get("local"),
            "block": o.get("usid", {}).get("block"),
            "program hops": prog and prog.get("hops"),
            "inner": len(ips) > 1 and (ips[1]["src"], ips[1]["dst"], ips[1]["hlim"]),
            "status": (p["status"], p["cause"]), "encap event": "ipv6_in_ipv6" in p["events"],
        }
        want = {
            "outer hlim": hlim, "DA": da, "SL": sl, "segments": segs_exp, "uSID ids": ids,
            "active": ids[0], "local": [i in LOCAL for i in ids], "block": BLOCK, "program hops": hops,
            "inner": (src, dst, 64),
            # ICMPv6 is not decoded: the frame stops there, as unsupported
            "status": ("unsupported", "ip_proto"), "encap event": True,
        }
        bad = ["%s: ours %r, expected %r" % (k, got[k], want[k]) for k in want if got[k] != want[k]]
        T.ok(not bad, "%s DA %s SL %d ids %s" % (label, da, sl, " ".join(ids)), bad)
        dec_enc.append((o.get("dst"), o.get("srh", {}).get("sl"), o.get("srh", {}).get("segs")))
    bad = [e for e in (step_ok(a, b) for a, b in zip(dec_enc, dec_enc[1:])) if e]
    T.ok(len(dec_enc) == len(enc) and not bad,
         "%s: each hop is a transit, a uSID shift or the next segment (spinetap)" % name, bad)
    # hop limits fall by one per router, except over the uncaptured n4_n6 link
    hl = [r["hlim"] for _, _, r in seq if r["inner"] is not None]
    gaps = [a - b for a, b in zip(hl, hl[1:])]
    want_gaps = [1] * len(gaps) if icmp_type == 128 else [2, 1, 1]
    T.ok(gaps == want_gaps, "%s: outer hop limit falls by one per captured hop" % name,
         "gaps %r, expected %r" % (gaps, want_gaps))


# uSID splits with other block lengths and uSID lengths (RFC 9800 §4.1:
# block, then uSIDs of nflen bits, up to the first all-zero uSID or the end
# of the address). Each row: block, nflen, DA, expected ids (hex, nflen/4
# digits); None = DA outside the block.
SPLITS = [
    # fc bb bb | 01 00 | 02 00 | 03 00 | 00 00 ...: a /24 block moves every uSID by a byte
    ("fcbb:bb00::/24", 16, "fcbb:bb01:2:3::", ["0100", "0200", "0300"]),
    # fc bb bb | bb 00 | 01 00 | ... six 16-bit uSIDs fit after 3 bytes, byte 15 is left over
    ("fcbb:bb00::/24", 16, "fcbb:bbbb:1:2:3:4:5:6", ["bb00", "0100", "0200", "0300", "0400", "0500"]),
    # 8-bit uSIDs: 01 02 .. 0c, all twelve bytes after the block
    ("fcbb:bbbb::/32", 8, "fcbb:bbbb:102:304:506:708:90a:b0c",
     ["01", "02", "03", "04", "05", "06", "07", "08", "09", "0a", "0b", "0c"]),
    # 8-bit uSIDs: the first byte after the block is 00 - an empty carrier
    ("fcbb:bbbb::/32", 8, "fcbb:bbbb:1:2:3:4:5:6", []),
    ("fcbb:bbbb::/32", 24, "fcbb:bbbb:1:2:3:4:5:6", ["000100", "020003", "000400", "050006"]),
    ("fcbb:bbbb::/32", 32, "fcbb:bbbb:12:3400::", ["00123400"]),
    ("fcbb:bbbb:bbbb::/48", 16, "fcbb:bbbb:bbbb:1:2:3::", ["0001", "0002", "0003"]),
    ("fcbb:bbbb:bbbb::/48", 16, "fcbb:bbbb:12:3400::", None),
]


def split_table(tmp):
    ack = roceref.pack_bth(0x11) + b"\x00\x00\x00\x01"
    inner = roceref.rocev2(4, "10.0.0.1", "10.0.0.2", ack)
    for block, nflen, da, want in SPLITS:
        outer = roceref.ipv6_hdr("2001:db8::1", da, len(inner), nh=4)
        path = os.path.join(tmp, "split.pcap")
        pcapio.write_pcap(path, [roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86DD) + outer + inner])
        p = spt.decode_json(path, ["--usid-block", block, "--usid-nflen", str(nflen)])[0]
        ip = spt.ip_layers(p)[0]
        got = ip["usid"]["ids"] if "usid" in ip else None
        T.ok(got == want, "split %s with --usid-block %s --usid-nflen %d" % (da, block, nflen),
             "ours %r, expected %r" % (got, want))


def main():
    if not spt.have_spinetap():
        T.ok(False, "spinetap binary at %s" % spt.spinetap_path())
        return T.done()
    missing = [l for l in LINKS if not os.path.exists(os.path.join(DIR, l + ".pcap"))]
    if missing:
        T.skip("uSID shift across the lab", "captures missing: %s" % ", ".join(missing))
        return T.done()
    raw, dec = {}, {}
    for link in LINKS:
        path = os.path.join(DIR, link + ".pcap")
        _, recs = pcapio.read_pcap(path)
        raw[link] = [(i + 1, x) for i, x in ((i, parse(r[2])) for i, r in enumerate(recs)) if x]
        dec[link] = spt.decode_json(path, ["--usid-block", BLOCK])
        T.ok(len(dec[link]) == len(recs), "%s: one packet per frame (%d)" % (link, len(recs)))
    follow("echo request", REQUEST, 128, H1, H2, raw, dec)
    follow("echo reply", REPLY, 129, H2, H1, raw, dec)
    # the shift function itself, on the carriers of the table
    T.ok(shifted("fdbb:bbbb:500:200:f00d::") == "fdbb:bbbb:200:f00d::"
         and shifted("fdbb:bbbb:600::") == "fdbb:bbbb::" and usid_ids("fdbb:bbbb::") == [],
         "shift helper: 500:200:f00d -> 200:f00d, 600 -> empty carrier")
    with tempfile.TemporaryDirectory() as tmp:
        split_table(tmp)
    return T.done()


if __name__ == "__main__":
    spt.main_guard(main, T)
