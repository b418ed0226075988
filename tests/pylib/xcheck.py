"""xcheck.py - compare `spinetap decode --json` with tshark, field by field.

tshark (4.0) is the independent reference. `-T fields -E occurrence=a`
prints a field once per layer occurrence, outer to inner (ipv6.src of an
IPv6-in-IPv6 packet is "outer,inner"), so each spec below turns our JSON
packet into the same outer-to-inner list and both sides are normalised to
integers or canonical address strings before comparing.

Rules, per frame and field:
  - both sides have values: compare position by position;
  - the lists differ in length: allowed only when we stopped earlier (our
    status is not ok) and ours is a prefix - tshark decodes ICMP error
    bodies, GTP-U and IS-IS that spinetap leaves undecoded;
  - only one side has values: not compared, counted as skipped, except
    that tshark having a field we should have decoded (eth, IP, SRH, UDP,
    BTH of a RoCEv2 frame) while our status is ok is a mismatch;
  - RoCE extended headers and the ICRC are compared only for opcodes
    tshark 4.0 decodes (RC, UC, UD); it shows CNP, XRC, FLUSH and ATOMIC
    WRITE as "Unknown OpCode" and reads 0x40-0x5F as Mellanox DC, not RD;
  - spinetap calling an EtherType unsupported where tshark decodes a layer
    spinetap supports (VLAN, IP, RoCEv1, MAC Control) is a mismatch, and so
    is spinetap finding more SRHs than tshark's type-4 routing headers.
tshark 4.0 quirks handled here: no FECN/BECN fields (read from the BTH
bytes), AtomicETH VA/R_Key shown with the RETH field names, ImmDt/IETH
printed twice, 802.1ad tags split over ieee8021ad.{id,svid,cvid}.
"""

import ipaddress

from . import spt

# ---- normalisers ----


def n_int(s):
    s = s.strip()
    if s in ("True", "true"):
        return 1
    if s in ("False", "false"):
        return 0
    return int(s, 16) if s[:2].lower() == "0x" else int(s, 10)


def n_hex(s):
    """tshark hex without 0x (SRH tag "abcd", bytes "aabbccdd")."""
    return int(s.replace(":", ""), 16)


def n_addr(s):
    return ipaddress.ip_address(s.strip()).compressed


def n_mac(s):
    return s.strip().lower()


def o_int(v):
    """Our JSON value: number, bool or "0x..." string."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v[:2].lower() == "0x":
        return int(v, 16)
    raise ValueError("not an integer: %r" % (v,))


# Opcodes tshark 4.0 decodes with their IBTA extended headers.
TSHARK_KNOWN_OPS = set(range(0x00, 0x15)) | {0x16, 0x17} | set(range(0x20, 0x2C)) | {0x64, 0x65}

# tshark layers (frame.protocols) right after a link header or a VLAN tag
# that spinetap decodes too.
SUPPORTED_LAYERS = {"vlan", "ieee8021ad", "ip", "ipv6", "infiniband", "macc"}

# Fields whose absence on our side, when our status is ok, is a failure.
MUST_HAVE = ("eth.", "ip.", "ipv6.", "udp.", "infiniband.", "macc.", "sll.")


class Stats:
    def __init__(self):
        self.fields = 0        # values compared
        self.frames = 0        # frames with at least one value compared
        self.files = 0
        self.skipped = 0       # fields present on one side only
        self.by_field = {}     # tshark field -> values compared

    def add(self, other):
        self.fields += other.fields
        self.frames += other.frames
        self.files += other.files
        self.skipped += other.skipped
        for k, v in other.by_field.items():
            self.by_field[k] = self.by_field.get(k, 0) + v


# ---- our side: JSON packet -> outer-to-inner lists ----


def _eths(p):
    out = []
    if "eth" in p:
        out.append(p["eth"])
    if "inner_eth" in p:
        out.append(p["inner_eth"])
    return out


def _ip(p, v):
    return [x for x in spt.ip_layers(p) if x["v"] == v]


def _srhs(p):
    return [x["srh"] for x in _ip(p, 6) if "srh" in x]


_MISSING = object()


def _roce_ext(p, key):
    """Extended headers only for opcodes tshark decodes: None when not
    compared, _MISSING when we did not decode that header."""
    b = p.get("bth")
    if b is None or b["opcode"] not in TSHARK_KNOWN_OPS:
        return None
    return p.get(key, _MISSING)


def _one(v):
    if v is None:
        return None
    return [] if v is _MISSING else [v]


def _aeth_sub(p, kind):
    a = _roce_ext(p, "aeth")
    if a is None:
        return None
    if a is _MISSING:
        return []
    t = (a["syndrome"] >> 5) & 3
    if kind == "opcode":
        return [t]
    # tshark: credit_count for ACK, timer for RNR NAK, error_code for NAK.
    want = {"credit_count": 0, "timer": 1, "error_code": 3}[kind]
    return [a["syndrome"] & 0x1f] if t == want else []


# Each spec: (tshark field, our extractor, tshark normaliser, our normaliser)
SPECS = [
    ("sll.pkttype", lambda p: [p["sll"]["pkttype"]] if "sll" in p else [], n_int, o_int),
    ("sll.ifindex", lambda p: [p["sll"]["ifindex"]] if "sll" in p else [], n_int, o_int),
    ("eth.src", lambda p: [e["src"] for e in _eths(p)], n_mac, n_mac),
    ("eth.dst", lambda p: [e["dst"] for e in _eths(p)], n_mac, n_mac),
    ("ip.src", lambda p: [x["src"] for x in _ip(p, 4)], n_addr, n_addr),
    ("ip.dst", lambda p: [x["dst"] for x in _ip(p, 4)], n_addr, n_addr),
    ("ip.ttl", lambda p: [x["ttl"] for x in _ip(p, 4)], n_int, o_int),
    ("ip.proto", lambda p: [x["proto"] for x in _ip(p, 4)], n_int, o_int),
    ("ip.dsfield.dscp", lambda p: [x["dscp"] for x in _ip(p, 4)], n_int, o_int),
    ("ip.dsfield.ecn", lambda p: [x["ecn"] for x in _ip(p, 4)], n_int, o_int),
    ("ipv6.src", lambda p: [x["src"] for x in _ip(p, 6)], n_addr, n_addr),
    ("ipv6.dst", lambda p: [x["dst"] for x in _ip(p, 6)], n_addr, n_addr),
    ("ipv6.hlim", lambda p: [x["hlim"] for x in _ip(p, 6)], n_int, o_int),
    ("ipv6.nxt", lambda p: [x["nh"] for x in _ip(p, 6)], n_int, o_int),
    ("ipv6.tclass.dscp", lambda p: [x["dscp"] for x in _ip(p, 6)], n_int, o_int),
    ("ipv6.tclass.ecn", lambda p: [x["ecn"] for x in _ip(p, 6)], n_int, o_int),
    ("ipv6.flow", lambda p: [x["flow"] for x in _ip(p, 6)], n_int, o_int),
    # SRH fields: tshark rows are filtered to routing type 4 (see srh_rows).
    ("ipv6.routing.segleft", lambda p: [s["sl"] for s in _srhs(p)], n_int, o_int),
    ("ipv6.routing.srh.last_entry", lambda p: [s["last"] for s in _srhs(p)], n_int, o_int),
    ("ipv6.routing.srh.flags", lambda p: [s["flags"] for s in _srhs(p)], n_int, o_int),
    ("ipv6.routing.srh.tag", lambda p: [s["tag"] for s in _srhs(p)], n_hex, o_int),
    ("ipv6.routing.srh.addr", lambda p: [a for s in _srhs(p) for a in s["segs"]], n_addr, n_addr),
    ("udp.srcport", lambda p: [p["udp"]["sport"]] if "udp" in p else [], n_int, o_int),
    ("udp.dstport", lambda p: [p["udp"]["dport"]] if "udp" in p else [], n_int, o_int),
    ("udp.length", lambda p: [p["udp"]["len"]] if "udp" in p else [], n_int, o_int),
    # BTH: every field tshark has.
    ("infiniband.bth.opcode", lambda p: _bth(p, "opcode"), n_int, o_int),
    ("infiniband.bth.se", lambda p: _bth(p, "se"), n_int, o_int),
    ("infiniband.bth.m", lambda p: _bth(p, "m"), n_int, o_int),
    ("infiniband.bth.padcnt", lambda p: _bth(p, "pad"), n_int, o_int),
    ("infiniband.bth.tver", lambda p: _bth(p, "tver"), n_int, o_int),
    ("infiniband.bth.p_key", lambda p: _bth(p, "pkey"), n_int, o_int),
    ("infiniband.bth.destqp", lambda p: _bth(p, "dqpn"), n_int, o_int),
    ("infiniband.bth.a", lambda p: _bth(p, "ackreq"), n_int, o_int),
    ("infiniband.bth.psn", lambda p: _bth(p, "psn"), n_int, o_int),
    # tshark has no FECN/BECN fields: read them from the BTH bytes it located.
    ("infiniband.bth#fecn", lambda p: _bth(p, "fecn"), None, o_int),
    ("infiniband.bth#becn", lambda p: _bth(p, "becn"), None, o_int),
    # tshark 4.0 shows the VA and R_Key of an AtomicETH with the RETH fields.
    ("infiniband.reth.va", lambda p: _reth_or_atomic(p, "va"), n_int, o_int),
    ("infiniband.reth.r_key", lambda p: _reth_or_atomic(p, "rkey"), n_int, o_int),
    ("infiniband.reth.dmalen", lambda p: _sub(p, "reth", "dmalen"), n_int, o_int),
    ("infiniband.aeth.syndrome", lambda p: _sub(p, "aeth", "syndrome"), n_int, o_int),
    ("infiniband.aeth.msn", lambda p: _sub(p, "aeth", "msn"), n_int, o_int),
    ("infiniband.aeth.syndrome.opcode", lambda p: _aeth_sub(p, "opcode"), n_int, o_int),
    ("infiniband.aeth.syndrome.credit_count", lambda p: _aeth_sub(p, "credit_count"), n_int, o_int),
    ("infiniband.aeth.syndrome.timer", lambda p: _aeth_sub(p, "timer"), n_int, o_int),
    ("infiniband.aeth.syndrome.error_code", lambda p: _aeth_sub(p, "error_code"), n_int, o_int),
    ("infiniband.deth.q_key", lambda p: _sub(p, "deth", "qkey"), n_int, o_int),
    ("infiniband.deth.srcqp", lambda p: _sub(p, "deth", "srcqp"), n_int, o_int),
    ("infiniband.immdt", lambda p: _one(_roce_ext(p, "immdt")), n_hex, o_int),
    ("infiniband.ieth", lambda p: _one(_roce_ext(p, "ieth")), n_hex, o_int),
    ("infiniband.atomiceth.swapdt", lambda p: _sub(p, "atomic", "swap"), n_int, o_int),
    ("infiniband.atomiceth.cmpdt", lambda p: _sub(p, "atomic", "cmp"), n_int, o_int),
    # tshark 4.0 has no VA / R_Key subfields for AtomicETH: read the bytes.
    ("infiniband.atomiceth#va", lambda p: _sub(p, "atomic", "va"), None, o_int),
    ("infiniband.atomiceth#rkey", lambda p: _sub(p, "atomic", "rkey"), None, o_int),
    ("infiniband.atomicacketh.origremdt", lambda p: _one(_roce_ext(p, "atomicack")), n_int, o_int),
    ("infiniband.invariant.crc", lambda p: _icrc(p), n_int, o_int),
    # RoCEv1 GRH
    ("infiniband.grh.ipver", lambda p: _sub1(p, "grh", "ipver"), n_int, o_int),
    ("infiniband.grh.tclass", lambda p: _sub1(p, "grh", "tclass"), n_int, o_int),
    ("infiniband.grh.flowlabel", lambda p: _sub1(p, "grh", "flow"), n_int, o_int),
    ("infiniband.grh.paylen", lambda p: _sub1(p, "grh", "paylen"), n_int, o_int),
    ("infiniband.grh.nxthdr", lambda p: _sub1(p, "grh", "nxthdr"), n_int, o_int),
    ("infiniband.grh.hoplmt", lambda p: _sub1(p, "grh", "hoplmt"), n_int, o_int),
    ("infiniband.grh.sgid", lambda p: _sub1(p, "grh", "sgid"), n_addr, n_addr),
    ("infiniband.grh.dgid", lambda p: _sub1(p, "grh", "dgid"), n_addr, n_addr),
    # MAC Control: PFC and PAUSE
    ("macc.opcode", lambda p: _sub1(p, "pfc", "opcode"), n_int, o_int),
    ("macc.cbfc.enbv", lambda p: _pfc_cbfc(p, lambda f: f["cev"]), n_int, o_int),
    ("macc.pause_time", lambda p: _pfc_pause(p), n_int, o_int),
] + [
    ("macc.cbfc.pause_time.c%d" % i, (lambda i: lambda p: _pfc_cbfc(p, lambda f: f["times"][i]))(i),
     n_int, o_int)
    for i in range(8)
]

# Fields that need more than the plain -e list, requested from tshark too.
EXTRA_TSHARK = ["frame.protocols", "vlan", "vlan.etype", "ieee8021ad", "eth.type",
                "ipv6.routing.type", "infiniband.bth", "infiniband.atomiceth", "_ws.malformed"]


def _sub(p, key, f):
    v = _roce_ext(p, key)
    if v is None:
        return None
    return [] if v is _MISSING else [v[f]]


def _reth_or_atomic(p, f):
    r = _sub(p, "reth", f)
    return r if r != [] else _sub(p, "atomic", f)


def _sub1(p, key, f):
    return [p[key][f]] if key in p else []


def _bth(p, f):
    return [p["bth"][f]] if "bth" in p else []


def _icrc(p):
    b = p.get("bth")
    if b is None or b["opcode"] not in TSHARK_KNOWN_OPS or "icrc" not in p:
        return None
    v = p["icrc"].get("value")
    return None if v is None else [v]


def _pfc_cbfc(p, get):
    f = p.get("pfc")
    if f is None:
        return []
    if o_int(f["opcode"]) != 0x0101:
        return None
    return [get(f)]


def _pfc_pause(p):
    f = p.get("pfc")
    if f is None:
        return []
    if o_int(f["opcode"]) != 0x0001:
        return None
    return [f["times"][0]]


def tshark_field_list():
    names = []
    for name, _, _, _ in SPECS:
        if "#" not in name:
            names.append(name)
    for n in EXTRA_TSHARK:
        if n not in names:
            names.append(n)
    return names


def _summary_ids(text):
    """VLAN IDs from a tag's summary line, e.g. "802.1Q Virtual LAN, PRI: 5,
    DEI: 0, ID: 2307", "IEEE 802.1ad, ID: 331" or "IEEE 802.1ad, S-VID: 1369,
    C-VID: 2422" (tshark dissects an 802.1ad tag followed by a second 802.1ad
    tag as one S-tag/C-tag pair)."""
    out = []
    for part in text.split(","):
        k, _, v = part.partition(":")
        if k.strip() in ("ID", "S-VID", "C-VID"):
            out.append(int(v.strip()))
    return out


def _eth_layers(tf):
    """Each Ethernet (or Linux cooked) layer of tshark's decode, outer to
    inner: its VLAN IDs in wire order and the EtherType after them (None
    when tshark has no field for it). Rebuilt from frame.protocols and the
    summary of each tag layer, because tshark dissects 0x88a8 as
    ieee8021ad and 0x8100 as vlan, with separate fields, and eth.type is
    the type right after the MAC addresses (a TPID when tagged)."""
    protos = tf.get("frame.protocols", [""])[0].split(":")
    ad = list(tf.get("ieee8021ad", []))
    q = list(tf.get("vlan", []))
    q_types = [n_int(x) for x in tf.get("vlan.etype", [])]
    e_types = [n_int(x) for x in tf.get("eth.type", [])]
    layers, cur, nq, ne = [], None, 0, 0
    for tok in protos:
        if tok in ("eth", "sll"):
            cur = {"kind": tok, "tags": [], "type": None}
            if tok == "eth":
                cur["type"] = e_types[ne] if ne < len(e_types) else None
                ne += 1
            layers.append(cur)
        elif cur is None or tok == "ethertype":
            continue
        elif tok == "ieee8021ad" and ad:
            cur["tags"] += _summary_ids(ad.pop(0))
            cur["type"] = None  # no field for the type after an 802.1ad tag
        elif tok == "vlan" and q:
            cur["tags"] += _summary_ids(q.pop(0))
            cur["type"] = q_types[nq] if nq < len(q_types) else None
            nq += 1
        else:
            cur = None  # past the tags of this layer
    return layers


def _srh_rows(tf):
    """Indexes of tshark's routing headers that are SRHs (type 4)."""
    return [i for i, t in enumerate(tf.get("ipv6.routing.type", [])) if n_int(t) == 4]


def _bth_bytes(tf):
    v = tf.get("infiniband.bth")
    if not v:
        return None
    return bytes.fromhex(v[0].replace(":", ""))


def compare_frame(p, tf, label, stats, problems):
    """Compare one packet; append mismatch strings to `problems`."""
    status_ok = p.get("status") == "ok"
    n0 = stats.fields
    srh_idx = _srh_rows(tf)
    nsrh_rows = len(tf.get("ipv6.routing.type", []))

    def cmp(name, ours, theirs):
        # None: this side does not compare the field here (see the rules
        # above); []: this side decoded the layer and found no value.
        o_has, t_has = bool(ours), bool(theirs)
        if not o_has and not t_has:
            return
        if o_has != t_has:
            if t_has and ours is not None and status_ok and name.startswith(MUST_HAVE):
                problems.append("%s %s: tshark %r, ours none (status ok)" % (label, name, theirs))
            else:
                stats.skipped += 1
            return
        n = min(len(ours), len(theirs))
        for i in range(n):
            stats.fields += 1
            stats.by_field[name] = stats.by_field.get(name, 0) + 1
            if ours[i] != theirs[i]:
                problems.append("%s %s[%d]: ours %r, tshark %r" % (label, name, i, ours[i], theirs[i]))
        if len(ours) != len(theirs):
            if len(ours) < len(theirs) and not status_ok:
                pass  # we stopped at an unsupported or broken layer; tshark went on
            else:
                problems.append("%s %s: ours %d value(s) %r, tshark %d %r"
                                % (label, name, len(ours), ours, len(theirs), theirs))

    for name, ours_f, tnorm, onorm in SPECS:
        try:
            ours = ours_f(p)
        except (KeyError, TypeError, IndexError) as e:
            problems.append("%s %s: our JSON lacks a key (%s)" % (label, name, e))
            continue
        if ours is not None:
            ours = [onorm(v) for v in ours]
        if name.startswith("infiniband.bth#"):
            bb = _bth_bytes(tf)
            if bb is None or len(bb) < 12 or ours is None:
                theirs = None
            else:
                bit = 0x80 if name.endswith("fecn") else 0x40
                theirs = [1 if bb[4] & bit else 0]
            cmp(name, ours, theirs)
            continue
        if name.startswith("infiniband.atomiceth#"):
            raw = tf.get("infiniband.atomiceth")
            if not raw or ours is None:
                theirs = None
            else:
                bb = bytes.fromhex(raw[0].replace(":", ""))
                if len(bb) < 28:
                    theirs = None
                elif name.endswith("va"):
                    theirs = [int.from_bytes(bb[0:8], "big")]
                else:
                    theirs = [int.from_bytes(bb[8:12], "big")]
            cmp(name, ours, theirs)
            continue
        raw = tf.get(name)
        theirs = None if raw is None else [tnorm(v) for v in raw]
        if name == "ipv6.routing.segleft" and theirs is not None:
            # segleft exists for every routing type; keep the SRHs' (the
            # ipv6.routing.srh.* fields exist only for type 4 already)
            theirs = [theirs[i] for i in srh_idx if i < len(theirs)]
        if name.startswith("infiniband.") and theirs is not None and not name.startswith("infiniband.grh"):
            # one BTH per frame: tshark may print a field once per subtree
            # (ImmDt, IETH twice); all its occurrences must agree.
            if len(set(theirs)) > 1:
                problems.append("%s %s: tshark gives differing values %r" % (label, name, theirs))
            theirs = theirs[:1]
        if name.startswith("infiniband.aeth.syndrome.") and theirs is None and ours == []:
            ours = None
        cmp(name, ours, theirs)

    # An EtherType spinetap called unsupported, that tshark decoded as a
    # layer spinetap does support, is a disagreement even though our status
    # is not ok (e.g. a VLAN tag after a Linux cooked header).
    if p.get("cause") == "ethertype":
        toks = [t for t in tf.get("frame.protocols", [""])[0].split(":") if t != "ethertype"]
        nvl = len(p.get("vlan", []))
        if len(toks) > 1 + nvl and toks[0] in ("eth", "sll") and toks[1 + nvl] in SUPPORTED_LAYERS:
            problems.append("%s: spinetap stops at an unsupported EtherType where tshark decodes %s (%s)"
                            % (label, toks[1 + nvl], ":".join(toks)))
    # VLAN tags (outer Ethernet; spinetap does not list the tags of an
    # Ethernet frame carried in IPv6), in wire order.
    layers = _eth_layers(tf)
    ours_v = list(p.get("vlan", []))
    if ours_v or (layers and layers[0]["tags"]):
        cmp("vlan.id", ours_v, layers[0]["tags"] if layers else [])
    # EtherType after the tags, per Ethernet layer (802.3 lengths and types
    # tshark has no field for are left out).
    ours_t, theirs_t = [], []
    for e, l in zip(_eths(p), [x for x in layers if x["kind"] == "eth"]):
        if e["type"] >= 0x600 and l["type"] is not None:
            ours_t.append(e["type"])
            theirs_t.append(l["type"])
    cmp("eth.type", ours_t, theirs_t)
    # The number of SRHs: ours may be short only when we stopped early, and
    # never longer (a routing header of another type read as an SRH).
    nours = len(_srhs(p))
    if nours > len(srh_idx) or (status_ok and nours != len(srh_idx)):
        problems.append("%s: tshark shows %d SRH(s) (of %d routing headers), ours %d"
                        % (label, len(srh_idx), nsrh_rows, nours))
    if stats.fields > n0:
        stats.frames += 1


def compare_file(path, extra_args=(), label=None, theirs=None):
    """Decode `path` with both tools (or use tshark's `theirs`, from
    spt.tshark_fields_many); return (Stats, problems, ours, theirs)."""
    label = label or path
    stats = Stats()
    problems = []
    ours = spt.decode_json(path, extra_args)
    if theirs is None:
        theirs = spt.tshark_fields(path, tshark_field_list())
    if len(ours) != len(theirs):
        problems.append("%s: spinetap printed %d packets, tshark %d frames" % (label, len(ours), len(theirs)))
    for p, tf in zip(ours, theirs):
        compare_frame(p, tf, "%s#%d" % (label, p["frame"]), stats, problems)
    stats.files = 1
    return stats, problems, ours, theirs


def coverage_problems(label, stats, ours, theirs):
    """Implausibly low coverage: a frame we decoded (Ethernet or IP) with
    no value compared, or a layer both tools decoded somewhere in the file
    with nothing of it compared."""
    out = []
    decoded = [p for p in ours if p.get("eth") or spt.ip_layers(p)]
    if len(decoded) > stats.frames:
        out.append("%s: %d frame(s) decoded by spinetap, only %d with a field compared"
                   % (label, len(decoded), stats.frames))
    layers = [
        ("ipv6.src", lambda p: any(x["v"] == 6 for x in spt.ip_layers(p))),
        ("ip.src", lambda p: any(x["v"] == 4 for x in spt.ip_layers(p))),
        ("ipv6.routing.srh.addr", lambda p: any("srh" in x for x in spt.ip_layers(p))),
        ("udp.srcport", lambda p: "udp" in p),
        ("infiniband.bth.opcode", lambda p: "bth" in p),
        ("infiniband.invariant.crc", lambda p: p.get("icrc", {}).get("value") is not None
         and p["bth"]["opcode"] in TSHARK_KNOWN_OPS),
    ]
    for field, ours_has in layers:
        if any(ours_has(p) for p in ours) and any(field in tf for tf in theirs) \
                and stats.by_field.get(field, 0) == 0:
            out.append("%s: both tools decode %s somewhere, none compared" % (label, field))
    return out
