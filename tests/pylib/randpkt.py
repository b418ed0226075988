"""randpkt.py - random RoCE / SRv6 frames built with scapy, each with the
decode spinetap must produce.

scapy (python3-scapy) builds Ethernet, 802.1Q/802.1ad tags, IPv4, IPv6,
Hop-by-Hop options, UDP and the BTH, and computes the ICRC for IPv4
(scapy.contrib.roce.BTH with icrc=None). Everything scapy lacks is packed
by roceref.py from the IBTA tables: the extended transport headers, the
SRH (scapy 2.5's Pad1 TLV is three bytes long, RFC 8754 says one) and the
ICRC of IPv6 packets (scapy 2.5 only handles IPv4; pylib's ICRC is checked
against scapy on every IPv4 packet built here).

make_frames(seed, n) -> list of (bytes, expect): `expect` mirrors the JSON
of `spinetap decode --json --usid-block fcbb:bbbb::/32` for the keys it
holds; compare_expect() checks a decoded packet against it.
"""

import ipaddress
import random
import struct

from . import roceref

BLOCK = "fcbb:bbbb::/32"
BLOCK_BYTES = bytes.fromhex("fcbbbbbb")
LOCAL_LO, LOCAL_HI = 0xE000, 0xFFFF  # spinetap's default local (LIB) uSID range
MAX_TLV = 8  # dissect.h DP_MAX_TLV: SRH TLVs listed; more are counted (srh_tlv_many)

NAK_NAMES = {0: "psn_seq_err", 1: "invalid_request", 2: "remote_access", 3: "remote_op",
             4: "invalid_rd_request"}
AETH_TYPES = {0: "ack", 1: "rnr_nak", 2: "reserved", 3: "nak"}

# Every RC, UC and UD opcode; then the ones tshark 4.0 cannot decode.
RC_OPS = list(range(0x00, 0x15)) + [0x16, 0x17]
UC_OPS = list(range(0x20, 0x2C))
UD_OPS = [0x64, 0x65]
EXTRA_OPS = [0x81, 0x1C, 0x1D] + [0xA0 + o for o in list(range(0x00, 0x15)) + [0x16, 0x17]] + \
    [0x40 + o for o in range(0x00, 0x16)]


def _scapy():
    from scapy.layers.l2 import Ether, Dot1Q, Dot1AD
    from scapy.layers.inet import IP, UDP, IPOption_Router_Alert
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop, PadN, RouterAlert
    from scapy.contrib.roce import BTH
    from scapy.packet import Raw
    return dict(Ether=Ether, Dot1Q=Dot1Q, Dot1AD=Dot1AD, IP=IP, UDP=UDP, IPv6=IPv6,
                RouterAlert4=IPOption_Router_Alert,
                HBH=IPv6ExtHdrHopByHop, PadN=PadN, RouterAlert=RouterAlert, BTH=BTH, Raw=Raw)


def _addr6(b):
    return ipaddress.IPv6Address(b).compressed


def usid_ids(addr16):
    """uSID split of a 16-byte address in fcbb:bbbb::/32 with 16-bit uSIDs,
    up to the first zero uSID (RFC 9800 §4.1); None outside the block."""
    if addr16[:4] != BLOCK_BYTES:
        return None
    ids = []
    for i in range(4, 16, 2):
        v = (addr16[i] << 8) | addr16[i + 1]
        if v == 0:
            break
        ids.append(v)
    return ids


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.S = _scapy()
        self.icrc_checked = 0       # IPv4 packets where scapy's ICRC was compared with ours
        self.icrc_disagree = []     # and those where they differed

    # ---- random values ----
    def bits(self, n):
        return self.r.getrandbits(n)

    def mac(self):
        b = bytearray(self.r.getrandbits(8) for _ in range(6))
        b[0] &= 0xFE  # unicast
        return ":".join("%02x" % x for x in b)

    def ip4(self):
        return "%d.%d.%d.%d" % (self.r.randint(1, 223), self.bits(8), self.bits(8), self.r.randint(1, 254))

    def ip6(self):
        """A random address in 2001:db8::/32."""
        return _addr6(bytes([0x20, 0x01, 0x0D, 0xB8]) + bytes(self.bits(8) for _ in range(12)))

    def carrier(self):
        """A uSID carrier in the block: 1..6 uSIDs, then zeros."""
        n = self.r.randint(1, 6)
        ids = []
        for _ in range(n):
            ids.append(self.r.choice([self.r.randint(0x0001, 0xDFFF), self.r.randint(LOCAL_LO, LOCAL_HI)]))
        b = BLOCK_BYTES + b"".join(struct.pack("!H", i) for i in ids)
        return _addr6(b + b"\x00" * (16 - len(b)))

    def sid(self):
        return self.carrier() if self.r.random() < 0.5 else self.ip6()

    # ---- headers ----
    def srh_tlvs(self):
        """Pad1/PadN TLVs (RFC 8754 §2.1.1) filling 0, 8 or 16 bytes."""
        total = self.r.choice([0, 0, 8, 16])
        out, tlvs, left = b"", [], total
        while left > 0:
            if left == 1 or (self.r.random() < 0.3):
                out += b"\x00"
                tlvs.append({"type": 0, "len": 0})
                left -= 1
            else:
                n = self.r.randint(0, min(5, left - 2))
                out += bytes([4, n]) + b"\x00" * n
                tlvs.append({"type": 4, "len": n})
                left -= 2 + n
        return out, tlvs

    def srh(self, nh, nseg=None, sl=None):
        nseg = nseg or self.r.randint(1, 6)
        segs = [self.sid() for _ in range(nseg)]
        last = nseg - 1
        sl = self.r.randint(0, last) if sl is None else sl
        flags = self.r.choice([0, 0, self.bits(8)])
        tag = self.r.choice([0, self.bits(16)])
        tlv_bytes, tlvs = self.srh_tlvs()
        body = b"".join(ipaddress.IPv6Address(s).packed for s in segs) + tlv_bytes
        assert len(body) % 8 == 0
        hdr = struct.pack("!BBBBBBH", nh, len(body) // 8, 4, sl, last, flags, tag)
        exp = {"nh": nh, "sl": sl, "last": last, "flags": flags, "tag": tag,
               "segs": [_addr6(ipaddress.IPv6Address(s).packed) for s in segs], "tlvs": tlvs}
        if len(tlvs) > MAX_TLV:
            # spinetap lists the first DP_MAX_TLV and counts the rest
            exp["tlvs"] = tlvs[:MAX_TLV]
            exp["tlvs_not_listed"] = len(tlvs) - MAX_TLV
            exp["_events"] = ["srh_tlv_many"]
        return hdr + body, exp

    def hbh(self, nh):
        S = self.S
        opts = self.r.choice([[S["RouterAlert"]()], [S["PadN"](optdata=b"\x00" * 4)],
                              [S["RouterAlert"](), S["PadN"](optdata=b"\x00" * 8)]])
        return bytes(S["HBH"](nh=nh, options=opts))

    def roce(self, op):
        """BTH fields, extended headers and payload for `op`: returns
        (bth_kwargs, rest_bytes, expect) where rest = ext + payload + pad."""
        name, hdrs, has_pl = roceref.opcode_layout(op)
        r = self.r
        if op == 0x1D:
            pad, plen = 0, 8
        elif has_pl:
            pad = r.randint(0, 3)
            plen = 4 * r.randint(1 if pad else 0, 24) - pad
        else:
            pad, plen = 0, 0
        bth = dict(se=self.bits(1), m=self.bits(1), pad=pad, tver=0, pkey=self.bits(16),
                   fecn=self.bits(1), becn=self.bits(1) if op != 0x81 else 1,
                   resv6=r.choice([0, 0, self.bits(6)]), dqpn=self.bits(24), ackreq=self.bits(1),
                   resv7=r.choice([0, 0, self.bits(7)]), psn=self.bits(24))
        v = dict(rdeth=self.bits(24), qkey=self.bits(32), srcqp=self.bits(24), xrceth=self.bits(24),
                 feth=self.bits(32), reth_va=self.bits(64), reth_rkey=self.bits(32),
                 reth_dmalen=self.bits(32), atomic_va=self.bits(64), atomic_rkey=self.bits(32),
                 atomic_swap=self.bits(64), atomic_cmp=self.bits(64), atomicack=self.bits(64),
                 immdt=self.bits(32), ieth=self.bits(32), aeth_msn=self.bits(24),
                 aeth_syndrome=r.choice([r.randint(0x00, 0x1F), r.randint(0x20, 0x3F), r.randint(0x60, 0x64)]))
        ext = b"".join(roceref.pack_ext(h, v) for h in hdrs)
        payload = bytes(self.bits(8) for _ in range(plen)) + b"\x00" * pad
        exp = {"bth": {"opcode": op, "opname": name, "se": bool(bth["se"]), "m": bool(bth["m"]),
                       "pad": pad, "tver": 0, "pkey": bth["pkey"], "fecn": bool(bth["fecn"]),
                       "becn": bool(bth["becn"]), "dqpn": bth["dqpn"], "ackreq": bool(bth["ackreq"]),
                       "psn": bth["psn"]},
               "payload_len": plen}
        if "RDETH" in hdrs:
            exp["rdeth"] = v["rdeth"]
        if "DETH" in hdrs:
            exp["deth"] = {"qkey": v["qkey"], "srcqp": v["srcqp"]}
        if "XRCETH" in hdrs:
            exp["xrceth"] = v["xrceth"]
        if "FETH" in hdrs:
            exp["feth"] = v["feth"]
        if "RETH" in hdrs:
            exp["reth"] = {"va": v["reth_va"], "rkey": v["reth_rkey"], "dmalen": v["reth_dmalen"]}
        if "AtomicETH" in hdrs:
            exp["atomic"] = {"va": v["atomic_va"], "rkey": v["atomic_rkey"], "swap": v["atomic_swap"],
                             "cmp": v["atomic_cmp"]}
        if "AETH" in hdrs:
            s = v["aeth_syndrome"]
            t = (s >> 5) & 3
            exp["aeth"] = {"syndrome": s, "type": AETH_TYPES[t], "code": s & 0x1F, "msn": v["aeth_msn"]}
            if t == 3:
                exp["aeth"]["code_name"] = NAK_NAMES.get(s & 0x1F, "other")
        if "AtomicAckETH" in hdrs:
            exp["atomicack"] = v["atomicack"]
        if "ImmDt" in hdrs:
            exp["immdt"] = v["immdt"]
        if "IETH" in hdrs:
            exp["ieth"] = v["ieth"]
        return bth, ext + payload, exp

    def bth_layer(self, op, bth, icrc=None):
        return self.S["BTH"](opcode=op, solicited=bth["se"], migreq=bth["m"], padcount=bth["pad"],
                             version=bth["tver"], pkey=bth["pkey"], fecn=bth["fecn"], becn=bth["becn"],
                             resv6=bth["resv6"], dqpn=bth["dqpn"], ackreq=bth["ackreq"],
                             resv7=bth["resv7"], psn=bth["psn"], icrc=icrc)

    def udp_roce(self, op):
        """UDP/BTH/rest as scapy layers (ICRC still unset) and the expectation."""
        bth, rest, exp = self.roce(op)
        # Source port: RoCE entropy (0xC000-0xFFFF), anything above 4791, or 0
        # (real CNPs). Not below 4791: tshark would try that port's dissector
        # first (sport 53 decodes as DNS).
        r = self.r.random()
        sport = 0xC000 | self.bits(14) if r < 0.7 else (self.r.randint(4792, 0xFFFF) if r < 0.95 else 0)
        udp = self.S["UDP"](sport=sport, dport=4791,
                            chksum=self.r.choice([0, None, self.bits(16)]))
        return udp, bth, rest, exp

    def ipv4_roce(self, op):
        """IPv4/UDP/BTH with the ICRC computed by scapy, checked with roceref."""
        S = self.S
        udp, bth, rest, exp = self.udp_roce(op)
        # IPv4 options now and then (Router Alert): scapy's ICRC covers the
        # whole header, options included, and so must spinetap's
        opts = [S["RouterAlert4"]()] if self.r.random() < 0.1 else []
        ip = S["IP"](src=self.ip4(), dst=self.ip4(), tos=self.bits(8), ttl=self.r.randint(1, 255),
                     id=self.bits(16), flags=self.r.choice([0, 2]), options=opts)
        pkt = ip / udp / self.bth_layer(op, bth) / S["Raw"](rest)
        b = bytes(pkt)
        ihl = (b[0] & 0x0F) * 4
        ours = roceref.icrc_crc(b[:ihl], b[ihl:ihl + 8], b[ihl + 8:-4])
        self.icrc_checked += 1
        if roceref.icrc_wire(ours) != b[-4:]:
            self.icrc_disagree.append("op 0x%02x: scapy %s, pylib %s" % (op, b[-4:].hex(), roceref.icrc_wire(ours).hex()))
        exp["icrc"] = {"value": struct.unpack("!I", b[-4:])[0], "status": "valid"}
        tos = b[1]
        ipexp = {"v": 4, "src": ip.src, "dst": ip.dst, "ttl": ip.ttl, "dscp": tos >> 2, "ecn": tos & 3,
                 "proto": 17}
        if opts:
            ipexp["_events"] = ["ipv4_options"]
        exp["udp"] = {"sport": udp.sport, "dport": 4791, "len": len(b) - ihl}
        return b, ipexp, exp

    def ipv6_roce(self, op, pseudo_dst=None, exts=b"", first_nh=17, dst=None):
        """IPv6 [exts]/UDP/BTH with the ICRC from roceref. With `exts` (HBH,
        SRH in line) the ICRC follows spinetap's documented convention
        (icrc.c): the pseudo-header is the IPv6 header as the sender built
        it before the SRH was inserted - Payload Length = UDP length, Next
        Header = UDP, destination = Segment List[0]."""
        S = self.S
        udp, bth, rest, exp = self.udp_roce(op)
        tc, fl, hlim = self.bits(8), self.bits(20), self.r.randint(1, 255)
        src = self.ip6()
        if dst is None:
            dst = self.r.choice([self.ip6(), self.carrier()])

        def build(icrc_field):
            l4 = udp / self.bth_layer(op, bth, icrc_field) / S["Raw"](rest)
            l4b = bytes(l4)
            ip6 = S["IPv6"](src=src, dst=dst, tc=tc, fl=fl, hlim=hlim, nh=first_nh,
                            plen=len(exts) + len(l4b))
            return bytes(ip6) + exts + l4b

        b = build(0)
        u = 40 + len(exts)
        ulen = len(b) - u
        pseudo = bytearray(b[:40])
        if exts:
            pseudo[4:6] = struct.pack("!H", ulen)
            pseudo[6] = 17
            pseudo[24:40] = ipaddress.IPv6Address(pseudo_dst).packed
        crc = roceref.icrc_crc(bytes(pseudo), b[u:u + 8], b[u + 8:-4])
        b = build(roceref.icrc_field(crc))
        assert b[-4:] == roceref.icrc_wire(crc)
        exp["icrc"] = {"value": roceref.icrc_field(crc), "status": "valid"}
        ipexp = {"v": 6, "src": _addr6(ipaddress.IPv6Address(src).packed),
                 "dst": _addr6(ipaddress.IPv6Address(dst).packed), "hlim": hlim, "dscp": tc >> 2,
                 "ecn": tc & 3, "flow": fl, "nh": first_nh, "_upper": 17}
        exp["udp"] = {"sport": udp.sport, "dport": 4791, "len": ulen}
        return b, ipexp, exp

    def ipv6_outer(self, nh_after, with_hbh, with_srh):
        """Outer IPv6 header chain (no payload yet): returns (hdr_bytes_fn,
        ipexp, events). hdr_bytes_fn(payload) -> bytes."""
        tc, fl, hlim = self.bits(8), self.bits(20), self.r.randint(1, 255)
        src = self.ip6()
        exts, ext_list, events = b"", [], []
        srh_exp = None
        if with_srh:
            srh_b, srh_exp = self.srh(nh_after)
            # the DA is the active segment, as an SR source node sets it
            dst = srh_exp["segs"][srh_exp["sl"]]
        else:
            dst = self.r.choice([self.ip6(), self.carrier()])
        with_dst = with_srh and self.r.random() < 0.25  # Destination Options before the SRH
        if with_hbh:
            exts += self.hbh(60 if with_dst else 43 if with_srh else nh_after)
            ext_list.append(0)
            events.append("ipv6_hop_by_hop")
        if with_dst:
            exts += bytes([43, 0, 1, 4, 0, 0, 0, 0])  # PadN(4)
            ext_list.append(60)
            events.append("ipv6_dest_options")
        if with_srh:
            exts += srh_b
            ext_list.append(43)
        first_nh = 0 if with_hbh else 60 if with_dst else 43 if with_srh else nh_after
        ipexp = {"v": 6, "src": src, "dst": _addr6(ipaddress.IPv6Address(dst).packed), "hlim": hlim,
                 "dscp": tc >> 2, "ecn": tc & 3, "flow": fl, "nh": first_nh, "_upper": nh_after}
        if ext_list:
            ipexp["ext"] = ext_list
        if srh_exp:
            ipexp["srh"] = srh_exp
            events += srh_exp.get("_events", [])

        def build(payload):
            ip6 = self.S["IPv6"](src=src, dst=dst, tc=tc, fl=fl, hlim=hlim, nh=first_nh,
                                 plen=len(exts) + len(payload))
            return bytes(ip6) + exts + payload
        return build, ipexp, events

    def l2(self, ethertype, payload):
        """Ethernet with 0-3 random 802.1Q / 802.1ad tags."""
        S = self.S
        ntag = self.r.choice([0, 0, 1, 2, 3])
        src, dst = self.mac(), self.mac()
        kinds = [self.r.choice([(S["Dot1Q"], 0x8100), (S["Dot1AD"], 0x88A8), (S["Dot1Q"], 0x8100),
                                (S["Dot1AD"], 0x88A8), (S["Dot1Q"], 0x9100)]) for _ in range(ntag)]
        # every type field explicit: scapy has no binding for every tag order
        types = [k[1] for k in kinds] + [ethertype]
        layers = S["Ether"](src=src, dst=dst, type=types[0])
        tags, pcps = [], []
        for i, (cls, _) in enumerate(kinds):
            vid, pcp = self.bits(12), self.bits(3)
            # random DEI: it sits next to the VLAN ID and must not leak into it
            layers = layers / cls(vlan=vid, prio=pcp, id=self.bits(1), type=types[i + 1])
            tags.append(vid)
            pcps.append(pcp)
        frame = bytes(layers / S["Raw"](payload))
        exp = {"eth": {"src": src, "dst": dst, "type": ethertype}, "vlan": tags}
        if tags:
            exp["vlan_pcp"] = pcps
        return bytes(frame), exp

    # ---- whole frames ----
    def roce_frame(self, op, kind):
        l3, et, exp, ips, events = self.roce_l3(op, kind)
        if self.r.random() < 0.15:
            # Ethernet trailer (an FCS kept by the capture): outside the IP
            # length, so neither the decode nor the ICRC may see it
            l3 += bytes(self.bits(8) for _ in range(4))
            events.append("trailer")
        frame, l2exp = self.l2(et, l3)
        exp.update(l2exp)
        return frame, self._finish(frame, exp, ips, events)

    def _finish(self, frame, exp, ips, events):
        exp["ip"] = ips
        exp["events"] = events
        exp["status"], exp["cause"] = "ok", "ok"
        exp["caplen"] = exp["len"] = len(frame)
        for ip in ips:
            if ip["v"] == 6:
                ids = usid_ids(ipaddress.IPv6Address(ip["dst"]).packed)
                if ids is not None:
                    ip["usid"] = {"block": BLOCK, "active": "%04x" % ids[0],
                                  "ids": ["%04x" % i for i in ids],
                                  "local": [LOCAL_LO <= i <= LOCAL_HI for i in ids]}
        exp["program_hops"] = program_hops(ips)
        return exp

    def link_frame(self, linktype):
        """A RoCEv2 packet on a non-Ethernet link: Linux cooked v1/v2 (with a
        VLAN tag re-inserted by libpcap half of the time, as `tcpdump -i any`
        writes it), raw IP, BSD loopback (NULL: host byte order, LOOP:
        network byte order)."""
        op = self.r.choice(RC_OPS + UC_OPS + UD_OPS)
        kinds = {228: ["ipv4"], 229: ["ipv6", "encap4", "encap6", "inline"]}.get(
            linktype, ["ipv4", "ipv6", "encap4", "encap6", "inline"])
        l3, et, exp, ips, events = self.roce_l3(op, self.r.choice(kinds))
        exp["vlan"] = []
        if linktype in (113, 276):
            pkttype, ifindex = self.r.choice([0, 1, 2, 3, 4]), self.bits(16)
            proto = et
            if self.r.random() < 0.5:
                vid, pcp = self.bits(12), self.bits(3)
                l3 = struct.pack("!HH", (pcp << 13) | vid, et) + l3
                proto = 0x8100
                exp["vlan"], exp["vlan_pcp"] = [vid], [pcp]
            addr = bytes(self.bits(8) for _ in range(6)) + b"\x00\x00"
            if linktype == 113:
                hdr = struct.pack("!HHH", pkttype, 1, 6) + addr + struct.pack("!H", proto)
                exp["sll"] = {"pkttype": pkttype}
            else:
                hdr = struct.pack("!HHIHBB", proto, 0, ifindex, 1, pkttype, 6) + addr
                exp["sll"] = {"pkttype": pkttype, "ifindex": ifindex}
            if proto != 0x8100:
                exp["sll"]["proto"] = proto  # tagged: 0x8100 or the inner type, not pinned here
            frame = hdr + l3
        elif linktype in (0, 108):
            af = 2 if et == 0x0800 else self.r.choice([24, 28, 30])
            frame = struct.pack("<I" if linktype == 0 else "!I", af) + l3
        else:
            frame = l3
        return frame, self._finish(frame, exp, ips, events)

    def roce_l3(self, op, kind):
        """The IP packet of a RoCEv2 frame: (bytes, EtherType, expect, IP
        layer expectations, events)."""
        events = []
        if kind == "ipv4":
            l3, ipexp, exp = self.ipv4_roce(op)
            ips, et = [ipexp], 0x0800
        elif kind == "ipv6":
            l3, ipexp, exp = self.ipv6_roce(op)
            ips, et = [ipexp], 0x86DD
        elif kind in ("encap4", "encap6", "red4", "red6"):
            inner4 = kind.endswith("4")
            nh = 4 if inner4 else 41
            with_srh = kind.startswith("encap")
            with_hbh = self.r.random() < (0.6 if with_srh else 0.3)
            build, outer, events = self.ipv6_outer(nh, with_hbh, with_srh)
            if inner4:
                inner_b, inner, exp = self.ipv4_roce(op)
                events.append("ipv4_in_ipv6")
            else:
                inner_b, inner, exp = self.ipv6_roce(op)
                events.append("ipv6_in_ipv6")
            l3 = build(inner_b)
            ips, et = [outer, inner], 0x86DD
        elif kind == "l2encap":
            # H.Encaps.L2 (RFC 8986 End.DX2): outer IPv6 [SRH] NH 143, then
            # an Ethernet frame, sometimes tagged, carrying the RoCE packet
            with_srh = self.r.random() < 0.7
            build, outer, events = self.ipv6_outer(143, self.r.random() < 0.3, with_srh)
            if self.r.random() < 0.5:
                inner_b, inner, exp = self.ipv4_roce(op)
                iet = 0x0800
            else:
                inner_b, inner, exp = self.ipv6_roce(op)
                iet = 0x86DD
            src, dst = self.mac(), self.mac()
            tag = struct.pack("!HH", 0x8100, self.bits(16)) if self.r.random() < 0.5 else b""
            l2 = bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + tag + \
                struct.pack("!H", iet)
            l3 = build(l2 + inner_b)
            exp["inner_eth"] = {"src": src, "dst": dst, "type": iet}
            events.append("eth_in_ipv6")
            ips, et = [outer, inner], 0x86DD
        elif kind == "inline":
            # SRH inserted in line (UDP right after it), with or without HBH
            with_hbh = self.r.random() < 0.5
            srh_b, srh_exp = self.srh(17)
            exts = (self.hbh(43) if with_hbh else b"") + srh_b
            l3, ipexp, exp = self.ipv6_roce(op, pseudo_dst=srh_exp["segs"][0], exts=exts,
                                            first_nh=0 if with_hbh else 43,
                                            dst=srh_exp["segs"][srh_exp["sl"]])
            ipexp["_upper"] = 17
            ipexp["ext"] = ([0] if with_hbh else []) + [43]
            ipexp["srh"] = srh_exp
            if with_hbh:
                events.append("ipv6_hop_by_hop")
            events += srh_exp.get("_events", [])
            ips, et = [ipexp], 0x86DD
        else:
            raise ValueError(kind)
        for ip in ips:
            events += ip.get("_events", [])
        return l3, et, exp, ips, events

    def rocev1_frame(self, op):
        """RoCEv1: Ethernet 0x8915, GRH (next header 0x1B), BTH; ICRC by roceref."""
        bth, rest, exp = self.roce(op)
        roce = roceref.pack_bth(op, **bth) + rest
        tc, fl, hl = self.bits(8), self.bits(20), self.bits(8)
        sgid, dgid = self.ip6(), self.ip6()
        grh = struct.pack("!IHBB", (6 << 28) | (tc << 20) | fl, len(roce) + 4, 0x1B, hl) + \
            ipaddress.IPv6Address(sgid).packed + ipaddress.IPv6Address(dgid).packed
        crc = roceref.icrc_crc(grh, None, roce)
        frame, l2exp = self.l2(0x8915, grh + roce + roceref.icrc_wire(crc))
        exp.update(l2exp)
        exp["grh"] = {"ipver": 6, "tclass": tc, "flow": fl, "paylen": len(roce) + 4, "nxthdr": 0x1B,
                      "hoplmt": hl, "sgid": sgid, "dgid": dgid}
        exp["icrc"] = {"value": roceref.icrc_field(crc), "status": "valid"}
        exp["ip"], exp["events"], exp["status"], exp["cause"] = [], [], "ok", "ok"
        exp["program_hops"] = None
        return frame, exp

    def pfc_frame(self):
        """802.1Qbb PFC (opcode 0x0101) or 802.3x PAUSE (0x0001), padded to 60 bytes."""
        src = self.mac()
        if self.r.random() < 0.7:
            cev = self.bits(8)
            times = [self.bits(16) for _ in range(8)]
            body = struct.pack("!HH8H", 0x0101, cev, *times)
            pfc = {"opcode": 0x0101, "cev": cev, "times": times}
        else:
            t = self.bits(16)
            body = struct.pack("!HH", 0x0001, t)
            pfc = {"opcode": 0x0001, "cev": 0, "times": [t] + [0] * 7}
        frame = bytes.fromhex("0180c2000001") + bytes.fromhex(src.replace(":", "")) + b"\x88\x08" + body
        frame += b"\x00" * (60 - len(frame))
        exp = {"eth": {"src": src, "dst": "01:80:c2:00:00:01", "type": 0x8808}, "vlan": [],
               "pfc": pfc, "ip": [], "events": [], "status": "ok", "cause": "ok", "program_hops": None}
        return frame, exp


def program_hops(ips):
    """The uSID program spinetap derives (DESIGN: DA, then Segment List
    [SL-1] .. [0]; a carrier in the block lists its uSIDs, any other SID is
    shown whole), for the first IPv6 layer with an SRH, a DA in the block or
    an encapsulated packet; None when there is no such layer."""
    for ip in ips:
        if ip["v"] != 6:
            continue
        upper_encap = ip.get("_upper") in (4, 41, 143)
        in_block = "usid" in ip
        if not ("srh" in ip or in_block or upper_encap):
            continue
        carriers = [ip["dst"]]
        if "srh" in ip:
            s = ip["srh"]
            carriers += [s["segs"][i] for i in range(s["sl"] - 1, -1, -1)]
        hops = []
        for c in carriers:
            ids = usid_ids(ipaddress.IPv6Address(c).packed)
            hops += ["%04x" % i for i in ids] if ids is not None else [c]
        return hops
    return None


# Link types besides Ethernet: Linux cooked v1 and v2, raw IP (101, and
# 228/229), BSD NULL and LOOP.
OTHER_LINKS = [113, 276, 101, 228, 229, 0, 108]


def make_link_frames(seed, per_link=16):
    """{linktype: [(bytes, expect)]} for OTHER_LINKS."""
    g = Gen(seed + 1)
    return {lt: [g.link_frame(lt) for _ in range(per_link)] for lt in OTHER_LINKS}, g


def make_frames(seed, per_op=5):
    """Every RC, UC and UD opcode `per_op` times in random encapsulations,
    the opcodes tshark cannot decode once or twice each, RoCEv1 and PFC."""
    g = Gen(seed)
    kinds = ["ipv4", "ipv6", "encap4", "encap6", "red4", "red6", "inline", "l2encap"]
    weights = [3, 3, 4, 4, 1, 1, 1, 1]
    out = []
    ops = (RC_OPS + UC_OPS + UD_OPS) * per_op + EXTRA_OPS * 2
    g.r.shuffle(ops)
    for op in ops:
        out.append(g.roce_frame(op, g.r.choices(kinds, weights)[0]))
    for op in (RC_OPS + UC_OPS + UD_OPS)[:: 3]:
        out.append(g.rocev1_frame(op))
    for _ in range(10):
        out.append(g.pfc_frame())
    return out, g


# ---- comparing a decoded packet with its expectation ----

def _norm(v):
    if isinstance(v, str):
        if v[:2].lower() == "0x":
            return int(v, 16)
        try:
            return ipaddress.ip_address(v).compressed
        except ValueError:
            return v
    return v


ROCE_EXT_KEYS = ("rdeth", "deth", "xrceth", "feth", "reth", "atomic", "aeth", "atomicack", "immdt", "ieth")


def compare_expect(p, exp, label):
    """Return (fields compared, [problems])."""
    problems, n = [], [0]

    def walk(path, e, o):
        if isinstance(e, dict):
            if not isinstance(o, dict):
                problems.append("%s %s: ours %r, built %r" % (label, path, o, e))
                return
            for k, v in e.items():
                if k.startswith("_"):
                    continue  # builder notes, not decoded fields
                if k not in o:
                    problems.append("%s %s.%s: missing (built %r)" % (label, path, k, v))
                    continue
                walk(path + "." + k, v, o[k])
        elif isinstance(e, list):
            if not isinstance(o, list) or len(o) != len(e):
                problems.append("%s %s: ours %r, built %r" % (label, path, o, e))
                n[0] += 1
                return
            for i, (a, b) in enumerate(zip(e, o)):
                walk("%s[%d]" % (path, i), a, b)
        else:
            n[0] += 1
            if _norm(e) != _norm(o):
                problems.append("%s %s: ours %r, built %r" % (label, path, o, e))

    from . import spt
    e = dict(exp)
    hops = e.pop("program_hops", None)
    ips = e.pop("ip")
    events = e.pop("events")
    walk("", e, p)
    ours_ips = spt.ip_layers(p)
    walk(".ip", ips, ours_ips)
    n[0] += 1
    if sorted(p.get("events", [])) != sorted(events):
        problems.append("%s events: ours %r, built %r" % (label, p.get("events"), events))
    prog = spt.program_of(p)
    n[0] += 1
    if hops is None:
        if prog is not None:
            problems.append("%s program: ours %r, none expected" % (label, prog))
    elif prog is None or prog.get("hops") != hops or prog.get("truncated") is not False:
        problems.append("%s program.hops: ours %r, built %r" % (label, prog, hops))
    present = {k for k in ROCE_EXT_KEYS if k in p}
    wanted = {k for k in ROCE_EXT_KEYS if k in exp}
    n[0] += 1
    if present != wanted:
        problems.append("%s extended headers: ours %s, built %s" % (label, sorted(present), sorted(wanted)))
    if (p.get("status"), p.get("cause")) != (exp.get("status"), exp.get("cause")) and len(problems) > 1:
        # one line for a frame that stopped early, not one per missing field
        problems = ["%s: ours %s %s, built %s %s (%d differences, e.g. %s)"
                    % (label, p.get("status"), p.get("cause"), exp.get("status"), exp.get("cause"),
                       len(problems), problems[0].split(" ", 2)[-1][:160])]
    return n[0], problems
