#!/usr/bin/python3
"""t_xcheck_random.py - captures spinetap has never seen.

With a fixed seed, scapy (an independent packet builder) and pylib's IBTA
tables build ~300 Ethernet frames: 0-3 VLAN tags (0x8100 / 0x88a8 /
0x9100, random PCP and DEI); plain IPv4 (sometimes with options) and IPv6
RoCEv2; SRv6 encapsulation (outer IPv6, optional Hop-by-Hop and
Destination Options, SRH with 1-6 segments, SL <= Last Entry, optional
Pad1/PadN TLVs, then IPv4 or IPv6: NH 4/41), the same without an SRH
(H.Encaps.Red), an SRH in line before UDP, and H.Encaps.L2 (NH 143, an
inner Ethernet frame); Ethernet trailers; every RC, UC and UD opcode five
times with its extended headers filled with random values (RETH, AETH with
ACK / RNR / NAK syndromes, DETH, ImmDt, IETH, AtomicETH, AtomicAckETH),
random PadCnt with the payload padded to match, and a correct ICRC; the
opcodes tshark cannot decode (CNP, XRC, RD, FLUSH, ATOMIC WRITE) twice
each; RoCEv1; PFC and PAUSE. Then RoCEv2 frames on Linux cooked v1/v2
(with and without a re-inserted VLAN tag), raw IP, NULL and LOOP links.

Checks: (1) every field spinetap prints equals what was built (status ok,
ICRC valid, payload_len as built, events, uSID split and program with
--usid-block fcbb:bbbb::/32); (2) tshark agrees on every field both decode
(same mapping as t_xcheck_tshark.py); (3) scapy's ICRC and pylib's agree on
every IPv4 packet (pylib's is the reference for IPv6, which scapy 2.5
cannot compute). SEED=n in the environment picks another seed.
"""

import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import pcapio, spt, tap, xcheck  # noqa: E402

T = tap.Tap()
SEED = int(os.environ.get("SEED", "4791"))


def main():
    if not spt.have_spinetap():
        T.ok(False, "spinetap binary at %s" % spt.spinetap_path())
        return T.done()
    try:
        import logging
        logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
        from pylib import randpkt
        randpkt._scapy()
    except ImportError as e:
        T.skip("random captures", "scapy missing (%s)" % e)
        return T.done()

    frames, gen = randpkt.make_frames(SEED)
    T.diag("seed %d: %d frames" % (SEED, len(frames)))
    T.ok(gen.icrc_checked > 100 and not gen.icrc_disagree,
         "scapy and pylib compute the same ICRC (%d IPv4 packets)" % gen.icrc_checked, gen.icrc_disagree)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "random.pcap")
        pcapio.write_pcap(path, [f for f, _ in frames])
        args = ["--usid-block", randpkt.BLOCK]
        ours = spt.decode_json(path, args)
        T.ok(len(ours) == len(frames), "spinetap printed one packet per frame (%d/%d)" % (len(ours), len(frames)))

        # (1) the builder's values
        nfields, problems = 0, []
        for p, (_, exp) in zip(ours, frames):
            n, pr = randpkt.compare_expect(p, exp, "frame %d" % p["frame"])
            nfields += n
            problems += pr
        T.diag("compared %d fields with the builder over %d frames" % (nfields, len(ours)))
        T.ok(not problems and nfields > 10 * len(frames), "every field as built", problems)

        roce = [(p, e) for p, (_, e) in zip(ours, frames) if "bth" in e]
        bad = ["frame %d: %s %s" % (p["frame"], p["status"], p["cause"]) for p, _ in zip(ours, frames)
               if p["status"] != "ok"]
        T.ok(not bad, "status ok for all", bad)
        bad = ["frame %d opcode 0x%02x: icrc %r" % (p["frame"], e["bth"]["opcode"], p.get("icrc"))
               for p, e in roce if p.get("icrc", {}).get("status") != "valid"]
        T.ok(roce and not bad, "icrc valid for all %d RoCE frames" % len(roce), bad)
        bad = ["frame %d opcode 0x%02x: payload_len %r, built %d" % (p["frame"], e["bth"]["opcode"],
                                                                      p.get("payload_len"), e["payload_len"])
               for p, e in roce if p.get("payload_len") != e["payload_len"]]
        T.ok(not bad, "payload_len as built", bad)
        kinds = {(e["bth"]["opcode"]) for _, e in roce}
        missing = [hex(o) for o in randpkt.RC_OPS + randpkt.UC_OPS + randpkt.UD_OPS if o not in kinds]
        T.ok(not missing, "every RC, UC and UD opcode built", missing)

        # (2) tshark
        if spt.tshark_path():
            tshark_part(path, args)
        else:
            T.skip("tshark agrees on random frames", "tshark not installed")
        links(tmp, args)
    return T.done()


def tshark_part(path, args):
    if True:
        stats, problems, ours2, theirs = xcheck.compare_file(path, args, label="random.pcap")
        T.diag("compared %d fields with tshark over %d frames (%d present on one side only)"
               % (stats.fields, stats.frames, stats.skipped))
        T.diag("per field: " + ", ".join("%s %d" % kv for kv in sorted(stats.by_field.items())))
        T.ok(not problems, "tshark agrees on every field both decode", problems)
        # every opcode tshark knows was compared, and every header kind
        seen = set()
        for p, tf in zip(ours2, theirs):
            if "bth" in p and "infiniband.bth.opcode" in tf:
                seen.add(p["bth"]["opcode"])
        missing = [hex(o) for o in sorted(xcheck.TSHARK_KNOWN_OPS) if o not in seen]
        T.ok(not missing, "tshark compared the BTH of every RC, UC and UD opcode", missing)
        need = ["vlan.id", "eth.type", "ip.src", "ipv6.src", "ipv6.flow", "ipv6.routing.segleft",
                "ipv6.routing.srh.addr", "ipv6.routing.srh.tag", "udp.length", "infiniband.bth#becn",
                "infiniband.reth.va", "infiniband.aeth.syndrome.timer", "infiniband.aeth.syndrome.error_code",
                "infiniband.aeth.syndrome.credit_count", "infiniband.deth.q_key", "infiniband.immdt",
                "infiniband.ieth", "infiniband.atomiceth.cmpdt", "infiniband.atomiceth#va",
                "infiniband.atomicacketh.origremdt", "infiniband.invariant.crc", "infiniband.grh.flowlabel",
                "macc.cbfc.pause_time.c7", "macc.pause_time"]
        missing = [f for f in need if stats.by_field.get(f, 0) == 0]
        T.ok(not missing, "tshark compared every header kind", missing)


def links(tmp, args):
    """The same checks on Linux cooked (v1, v2, with re-inserted VLAN
    tags), raw IP, NULL and LOOP captures."""
    from pylib import randpkt
    by_link, _ = randpkt.make_link_frames(SEED)
    groups = []
    for lt, frames in sorted(by_link.items()):
        plain = [f for f in frames if not f[1]["vlan"]]
        tagged = [f for f in frames if f[1]["vlan"]]
        groups.append((lt, "", plain))
        if tagged:
            groups.append((lt, " with a re-inserted 802.1Q tag", tagged))
    for lt, what, frames in groups:
        name = "linktype %d%s" % (lt, what)
        path = os.path.join(tmp, "link%d%s.pcap" % (lt, "v" if what else ""))
        pcapio.write_pcap(path, [f for f, _ in frames], lt)
        ours = spt.decode_json(path, args)
        nfields, problems = 0, []
        for p, (_, exp) in zip(ours, frames):
            n, pr = randpkt.compare_expect(p, exp, "linktype %d frame %d" % (lt, p["frame"]))
            nfields += n
            problems += pr
            if "eth" in p:
                problems.append("linktype %d frame %d: an Ethernet header on a non-Ethernet link" % (lt, p["frame"]))
        if len(ours) != len(frames):
            problems.append("%d packets for %d frames" % (len(ours), len(frames)))
        T.ok(not problems, "%s: every field as built (%d fields)" % (name, nfields), problems)
        if spt.tshark_path():
            stats, problems, _, _ = xcheck.compare_file(path, args, label=os.path.basename(path))
            T.ok(not problems and stats.fields > 0,
                 "%s: tshark agrees (%d fields)" % (name, stats.fields), problems)


if __name__ == "__main__":
    spt.main_guard(main, T)
