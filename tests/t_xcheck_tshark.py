#!/usr/bin/python3
"""t_xcheck_tshark.py - spinetap against tshark on every capture we have.

Inputs: every *.pcap / *.pcapng under samples/ and $SHARED/captures/public/.
For every frame and every field both tools decode (Ethernet, VLAN tags,
each IPv4/IPv6 layer, SRH, UDP, BTH, RETH, AETH, DETH, ImmDt, IETH,
AtomicETH, AtomicAckETH, ICRC, RoCEv1 GRH, PFC), spinetap's value must be
tshark's; the mapping is pylib/xcheck.py. A file passes only if the number
of packets agrees and nothing is left implausibly uncompared (a decoded
frame with no field compared, a layer both decode with none compared).
tshark runs once over all files (concatenated with mergecap -a), spinetap
once per file.

tshark 4.0 has no decode for some things spinetap must get right; those
are hand-decoded rows below, each with the bytes it was read from.
"""

import concurrent.futures
import copy
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import pcapio, roceref, spt, tap, xcheck  # noqa: E402

T = tap.Tap()
# Public captures alone give ~4800 values; fewer than this means most of
# the comparison silently stopped happening.
MIN_FIELDS_PUBLIC = 2000


def rel(path):
    for base in (spt.public_dir(), spt.ROOT):
        if path.startswith(base + os.sep):
            return os.path.relpath(path, base)
    return path


def check_file(path, theirs):
    label = rel(path)
    try:
        stats, problems, ours, theirs = xcheck.compare_file(path, label=label, theirs=theirs)
    except spt.SpinetapError as e:
        return label, None, [str(e)]
    except (RuntimeError, OSError) as e:
        return label, None, ["tshark: %s" % e]
    problems += xcheck.coverage_problems(label, stats, ours, theirs)
    return label, stats, problems


def xcheck_all(tmp):
    files = spt.sample_captures() + spt.public_captures()
    if not files:
        T.ok(False, "captures to cross-check exist", "none under samples/ or %s" % spt.public_dir())
        return
    total = xcheck.Stats()
    # one tshark run over all files (mergecap -a), spinetap per file
    theirs = spt.tshark_fields_many(files, xcheck.tshark_field_list(), tmp)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        results = list(ex.map(lambda f: check_file(f, theirs[f]), files))
    for label, stats, problems in results:
        if stats is not None:
            total.add(stats)
            T.diag("%s: %d fields over %d frames" % (label, stats.fields, stats.frames))
        T.ok(not problems, "tshark agrees: %s" % label, problems)
    T.diag("compared %d fields over %d frames in %d files" % (total.fields, total.frames, total.files))
    T.diag("per field: " + ", ".join("%s %d" % kv for kv in sorted(total.by_field.items())))
    want = MIN_FIELDS_PUBLIC if spt.public_captures() else 1
    T.ok(total.fields >= want, "plausible number of compared fields (%d >= %d)" % (total.fields, want))


def self_test():
    """The comparator must notice a planted difference (else every
    `tshark agrees` above could be vacuous)."""
    path = os.path.join(spt.public_dir(), "montybeatnik__rdma-roce-lab", "roce_capture_read-write-ecn.pcap")
    if not os.path.exists(path):
        T.skip("comparator catches a planted difference", "%s missing" % path)
        return
    ours = spt.decode_json(path)
    theirs = spt.tshark_fields(path, xcheck.tshark_field_list())
    planted = []
    for field, key, mutate in (
            ("bth.psn", "bth", lambda p: p["bth"].__setitem__("psn", p["bth"]["psn"] ^ 1)),
            ("bth.becn", "bth", lambda p: p["bth"].__setitem__("becn", not p["bth"]["becn"])),
            ("ip.src", "ip", lambda p: spt.ip_layers(p)[0].__setitem__("src", "10.9.9.9")),
            ("udp (dropped)", "udp", lambda p: p.pop("udp")),
            ("reth.dmalen", "reth", lambda p: p["reth"].__setitem__("dmalen", 1)),
            ("icrc.value", "icrc", lambda p: p["icrc"].__setitem__("value", "0x00000000"))):
        for p, tf in zip(ours, theirs):
            if key in p:
                q = copy.deepcopy(p)
                mutate(q)
                st, probs = xcheck.Stats(), []
                xcheck.compare_frame(q, tf, "planted", st, probs)
                planted.append((field, bool(probs)))
                break
    T.ok(len(planted) == 6 and all(x for _, x in planted), "comparator catches a planted difference",
         ["%s: %s" % (f, "caught" if c else "MISSED") for f, c in planted])


# ---- hand-decoded rows: what tshark 4.0 cannot decode ----

def rows(label, pkt, expected):
    """expected: list of (description, getter, value)."""
    for desc, get, want in expected:
        try:
            got = get(pkt)
        except (KeyError, IndexError, TypeError) as e:
            got = "<missing: %s>" % e
        T.ok(got == want, "%s: %s" % (label, desc), "ours %r, expected %r" % (got, want))


def hand_cnp():
    # The ConnectX-4 Lx CNP (scapy test/contrib/roce.uts, text2pcap'd):
    #   0000  e4 1d 2d ab 2b c2 7c fe 90 64 3b 32 08 00 45 c2   Ethernet, IPv4 TOS 0xc2
    #   0010  00 3c 71 8c 40 00 40 11 91 61 0a 00 11 01 0a 00   10.0.17.1 -> 10.0.18.1
    #   0020  12 01 00 00 12 b7 00 28 00 00 81 00 ff ff 40 00   UDP 0 -> 4791 len 40 | BTH 81 00 ffff 40
    #   0030  01 18 00 00 00 00 00 00 00 00 00 00 00 00 00 00   dQP 000118, A 0, PSN 0 | 16 reserved
    #   0040  00 00 00 00 00 00 82 fd 00 2a                     ... | ICRC 82 fd 00 2a
    # tshark 4.0: "Opcode: Unknown (129)", "Reserved: 40", no FECN/BECN, no ICRC field.
    # BTH byte 4 = 0x40: F=0, B=1. Opcode 0x81 = CNP (IBTA A17.9.3): 16 reserved bytes, no payload.
    path = os.path.join(spt.public_dir(), "secdev__scapy", "rocev2_cnp_connectx4lx_from_hexdump.pcap")
    if not os.path.exists(path):
        T.skip("hand: CNP", "%s missing" % path)
        return
    p = spt.decode_json(path)[0]
    rows("hand: ConnectX-4 Lx CNP", p, [
        ("status ok", lambda p: (p["status"], p["cause"]), ("ok", "ok")),
        ("opcode 0x81", lambda p: p["bth"]["opcode"], 0x81),
        ("opname CNP", lambda p: p["bth"]["opname"], "CNP"),
        ("becn true (byte 4 = 0x40)", lambda p: p["bth"]["becn"], True),
        ("fecn false", lambda p: p["bth"]["fecn"], False),
        ("dqpn 0x118", lambda p: p["bth"]["dqpn"], 0x118),
        ("psn 0", lambda p: p["bth"]["psn"], 0),
        ("pkey 0xffff", lambda p: p["bth"]["pkey"], 0xFFFF),
        ("ackreq false", lambda p: p["bth"]["ackreq"], False),
        ("no payload (16 reserved bytes)", lambda p: p["payload_len"], 0),
        ("no extended header keys", lambda p: [k for k in xcheck_ext_keys() if k in p], []),
        ("no events (reserved bytes zero)", lambda p: p["events"], []),
        ("icrc value 0x82fd002a", lambda p: p["icrc"]["value"], "0x82fd002a"),
        ("icrc valid", lambda p: p["icrc"]["status"], "valid"),
        ("DSCP 48 / ECN 2 from TOS 0xc2", lambda p: (p["ip"][0]["dscp"], p["ip"][0]["ecn"]), (48, 2)),
        ("UDP source port 0", lambda p: p["udp"]["sport"], 0),
    ])


def xcheck_ext_keys():
    return ("rdeth", "deth", "xrceth", "feth", "reth", "atomic", "aeth", "atomicack", "immdt", "ieth")


def hand_usid(tmp):
    # A RoCEv2 ACK in H.Encaps.Red (outer IPv6, Next Header 4, no SRH):
    #   IPv6 dst  fc bb bb bb 10 01 00 02 b0 01 fe 09 00 00 00 00
    #             \ block /32 / \1001/ \0002/ \b001/ \fe09/ \ end of carrier (0000)
    # With --usid-block fcbb:bbbb::/32 and 16-bit uSIDs (RFC 9800 §4.1) the
    # carrier splits into 1001 0002 b001 fe09; fe09 lies in the default
    # local range e000-ffff (a function of node b001), the others are nodes.
    ack = roceref.pack_bth(0x11, dqpn=0x000123, psn=0x00ABCD) + \
        roceref.pack_ext("AETH", {"aeth_syndrome": 0x1F, "aeth_msn": 7})
    inner = roceref.rocev2(4, "10.1.0.1", "10.2.0.1", ack)
    frames = []
    for da in ("fcbb:bbbb:1001:2:b001:fe09::",       # the split above
               "fcbb:bbbb:100:200:300:400:500:e006",  # six uSIDs, no room for a zero
               "fcbb:bbbb:1001:0:b001::",             # a zero uSID ends the carrier
               "2001:db8::1"):                        # outside the block: no split
        outer = roceref.ipv6_hdr("2001:db8::99", da, len(inner), nh=4, tc=0x02, hlim=63)
        frames.append(roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86DD) + outer + inner)
    path = os.path.join(tmp, "usid.pcap")
    pcapio.write_pcap(path, frames)
    pk = spt.decode_json(path, ["--usid-block", "fcbb:bbbb::/32"])
    u = lambda p: spt.ip_layers(p)[0]["usid"]  # noqa: E731
    rows("hand: uSID fcbb:bbbb:1001:2:b001:fe09::", pk[0], [
        ("status ok, ICRC valid", lambda p: (p["status"], p["icrc"]["status"]), ("ok", "valid")),
        ("block", lambda p: u(p)["block"], "fcbb:bbbb::/32"),
        ("ids", lambda p: u(p)["ids"], ["1001", "0002", "b001", "fe09"]),
        ("local", lambda p: u(p)["local"], [False, False, False, True]),
        ("active", lambda p: u(p)["active"], "1001"),
        ("program hops", lambda p: spt.program_of(p)["hops"], ["1001", "0002", "b001", "fe09"]),
        ("program text", lambda p: spt.program_of(p)["text"], "fcbb:bbbb:[1001 0002 b001 fe09]"),
        ("events", lambda p: p["events"], ["ipv4_in_ipv6"]),
    ])
    rows("hand: uSID fcbb:bbbb:100:200:300:400:500:e006", pk[1], [
        ("ids", lambda p: u(p)["ids"], ["0100", "0200", "0300", "0400", "0500", "e006"]),
        ("local", lambda p: u(p)["local"], [False] * 5 + [True]),
    ])
    rows("hand: uSID fcbb:bbbb:1001:0:b001::", pk[2], [
        ("ids stop at the zero uSID", lambda p: u(p)["ids"], ["1001"]),
    ])
    rows("hand: DA outside the block", pk[3], [
        ("no usid object", lambda p: "usid" in spt.ip_layers(p)[0], False),
        ("program is the whole SID", lambda p: spt.program_of(p)["hops"], ["2001:db8::1"]),
    ])
    # Without --usid-block nothing is split.
    pk2 = spt.decode_json(path)
    T.ok(all("usid" not in x for p in pk2 for x in spt.ip_layers(p)), "hand: no uSID split without --usid-block")
    # tshark agrees on everything it does decode in these frames.
    if spt.tshark_path():
        st, probs, _, _ = xcheck.compare_file(path, ["--usid-block", "fcbb:bbbb::/32"], label="usid.pcap")
        T.ok(not probs and st.fields > 0, "tshark agrees: hand-built uSID frames (%d fields)" % st.fields, probs)


def main():
    if not spt.have_spinetap():
        T.ok(False, "spinetap binary at %s" % spt.spinetap_path())
        return T.done()
    with tempfile.TemporaryDirectory() as tmp:
        if spt.tshark_path():
            xcheck_all(tmp)
            self_test()
        else:
            T.skip("tshark cross-check of all captures", "tshark not installed")
        hand_cnp()
        hand_usid(tmp)
    return T.done()


if __name__ == "__main__":
    spt.main_guard(main, T)
