#!/bin/sh
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1...
# t_gen.sh - tests of spinetap-gen (man/spinetap-gen.1), in TAP lines.
#
# What is checked, and against what (the generator is never its own judge):
#   - options: help, man page (lint, every option documented), bad options -> exit 2;
#   - determinism: same seed -> same bytes, other seed -> other bytes; --packets exact;
#     timestamps in order; per-tap files = the merged file;
#   - decode: tshark reads every record with the fields the generator meant (its
#     --manifest): addresses, SRH segments and Segments Left, hop limit, ECN outer and
#     inner, VLAN tags, UDP ports, BTH opcode/DestQP/PSN, RETH DMA length, AETH
#     syndrome and MSN; for red, encap and inline styles, IPv6 and IPv4 inner, snaplen cuts;
#   - the uSID programs re-derived in Python from the fabric rules (leaf 0x000i, spine
#     0x100j, host 0xa000+0x1000(i-1)+k, fe09, spine by UDP source port range);
#   - ICRC: recomputed in Python with zlib.crc32 (IBTA Annex A17, roce-notes.md 1.2);
#     that recipe itself is checked against scapy (IPv4) and real Soft-RoCE captures;
#   - truth: per (src, dst, DestQP) tshark's packets, bytes, CNPs, CE, NAKs by code and
#     RNR NAKs equal the truth file, and a replay of each request stream's PSNs agrees
#     with psn_gaps, retransmissions and out_of_order, in every scenario and tap mode;
#   - READ responses use the request's PSNs, psn-wrap wraps, samples/ regenerate exactly;
#   - verdict scenarios: the truth's verdicts, correlation and policy shares equal what
#     simple rules find in tshark's reading of each tap file (the active uSID against the
#     tap's spine, the source port's spine, the first spine of a QP, frames without SRv6,
#     uSID 0x1fff, entering frames of spine1 never seen leaving, leaving frames whose DA or
#     hop limit is not the entering one shifted); the config holds the policies judged;
#     and the two-sided captures end with every entering packet seen leaving;
#   - speed: 2M header-only records (rate printed), 1M QPs.
# Environment (tests/run.sh): GEN, PYTHON, SHARED.
set -u
cd "$(dirname "$0")/.." || exit 2
: "${GEN:=$PWD/build/spinetap-gen}" "${PYTHON:=/usr/bin/python3}" "${SHARED:=$(cd .. && pwd)/shared}"
T=$(mktemp -d "${TMPDIR:-/tmp}/t_gen.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# check NAME CMD...: ok when CMD succeeds; its output becomes diagnostics either way
check() {
	_cn=$1
	shift
	if "$@" >"$T/out" 2>&1; then
		ok "$_cn"
		sed 's/^/#   /' "$T/out" | head -5
	else
		notok "$_cn"
		sed 's/^/#   /' "$T/out" | head -30
	fi
}
gen() { "$GEN" "$@"; }
py() { "$PYTHON" "$T/chk.py" "$@"; }

if [ ! -x "$GEN" ]; then
	echo "not ok 1 - spinetap-gen is built ($GEN)"
	exit 1
fi
if ! command -v tshark >/dev/null 2>&1; then
	TSHARK=no
else
	TSHARK=yes
fi

cat >"$T/chk.py" <<'PYEOF'
"""Checks for tests/t_gen.sh: an independent reading of spinetap-gen output.

Subcommands (each prints one line of findings and exits 1 on a mismatch):
  icrc FILE...                 every fully captured RoCE record has a valid ICRC
  decode FILE MANIFEST         tshark decodes every record with the manifest's fields
  model MANIFEST STYLE LEAVES  the uSID programs follow the fabric rules
  truth FILE TRUTH PMTU        tshark's per-QP counts and PSN history match the truth
"""
import csv, json, struct, subprocess, sys, zlib

def records(path):
    with open(path, 'rb') as f:
        hdr = f.read(24)
        if struct.unpack('<I', hdr[:4])[0] != 0xa1b23c4d:
            raise SystemExit('%s: not a nanosecond pcap' % path)
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            sec, nsec, cap, ln = struct.unpack('<IIII', rh)
            yield sec * 10**9 + nsec, f.read(cap), ln

def layers(fr):
    """Walk Ethernet, tags, IPv6/IPv4 and the SRH up to UDP."""
    off = 12
    et = struct.unpack('>H', fr[off:off + 2])[0]
    off += 2
    while et in (0x8100, 0x88a8):
        et = struct.unpack('>H', fr[off + 2:off + 4])[0]
        off += 4
    ips, nh = [], {0x86dd: 41, 0x0800: 4}[et]
    for _ in range(8):
        if nh == 41:
            ips.append({'v': 6, 'off': off, 'srh': None})
            nh = fr[off + 6]
            off += 40
        elif nh == 4:
            ihl = (fr[off] & 15) * 4
            ips.append({'v': 4, 'off': off, 'hlen': ihl})
            nh = fr[off + 9]
            off += ihl
        elif nh == 43:
            ips[-1]['srh'] = [fr[off + 8 + 16 * i:off + 24 + 16 * i] for i in range(fr[off + 4] + 1)]
            nh = fr[off]
            off += (fr[off + 1] + 1) * 8
        elif nh == 17:
            return ips, off
    raise ValueError('no UDP')

def icrc_ok(fr, ln):
    """IBTA Annex A17 ICRC with zlib.crc32, per roce-notes.md 1.2."""
    ips, u = layers(fr)
    ip = ips[-1]
    ulen = struct.unpack('>H', fr[u + 4:u + 6])[0]
    if u + ulen != ln:
        return False
    if ip['v'] == 4:
        h = bytearray(fr[ip['off']:ip['off'] + ip['hlen']])
        h[1] = 0xff; h[8] = 0xff; h[10] = 0xff; h[11] = 0xff
    else:
        h = bytearray(fr[ip['off']:ip['off'] + 40])
        if ip['srh'] is not None:  # in-line SRH: spinetap's convention (dissectors/icrc.c)
            h[4:6] = struct.pack('>H', ulen)
            h[6] = 17
            h[24:40] = ip['srh'][0]
        h[0] |= 0x0f; h[1] = h[2] = h[3] = 0xff; h[7] = 0xff
    udp = bytearray(fr[u:u + 8]); udp[6] = udp[7] = 0xff
    bth = bytearray(fr[u + 8:u + 20]); bth[4] = 0xff
    crc = zlib.crc32(b'\xff' * 8 + bytes(h) + bytes(udp) + bytes(bth) + fr[u + 20:ln - 4])
    return crc & 0xffffffff == struct.unpack('<I', fr[ln - 4:ln])[0]

def cmd_icrc(paths):
    n = full = bad = 0
    for p in paths:
        for _, fr, ln in records(p):
            n += 1
            if len(fr) == ln:
                full += 1
                if not icrc_ok(fr, ln):
                    bad += 1
    print('records %d fully captured %d bad ICRC %d' % (n, full, bad))
    return bad == 0 and full > 0

FIELDS = ['frame.number', 'frame.len', 'frame.cap_len', 'frame.protocols', 'ieee8021ad.id',
          'vlan.id', 'ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'ipv6.tclass.ecn', 'ip.src', 'ip.dst',
          'ip.dsfield.ecn', 'ipv6.routing.segleft', 'ipv6.routing.srh.addr', 'udp.srcport',
          'udp.dstport', 'infiniband.bth.opcode', 'infiniband.bth.destqp', 'infiniband.bth.psn',
          'infiniband.reth.dmalen', 'infiniband.aeth.syndrome', 'infiniband.aeth.msn']

def tshark(path):
    cmd = ['tshark', '-n', '-r', path, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|']
    for f in FIELDS:
        cmd += ['-e', f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        v = line.split('\t')
        rows.append({f: [x for x in v[i].split('|') if x != ''] for i, f in enumerate(FIELDS)})
    return rows

def num(x):
    return int(x, 0)

def flow_of(r):
    """(src, dst) of the QP key: inner addresses, else outer source and final segment."""
    if r['ip.src']:
        return r['ip.src'][-1], r['ip.dst'][-1]
    if len(r['ipv6.src']) > 1:
        return r['ipv6.src'][-1], r['ipv6.dst'][-1]
    segs = r['ipv6.routing.srh.addr']
    return r['ipv6.src'][0], segs[0] if segs else r['ipv6.dst'][0]

def cmd_decode(path, manifest, vlans=''):
    rows = tshark(path)
    man = list(csv.DictReader(open(manifest)))
    want_vlan = [x for x in vlans.split(',') if x]
    errs = []
    if len(rows) != len(man):
        errs.append('tshark %d records, manifest %d' % (len(rows), len(man)))
    for r, m in zip(rows, man):
        fn = m['frame']
        def want(name, got, exp):
            if str(got) != str(exp):
                errs.append('frame %s %s: tshark %s, intended %s' % (fn, name, got, exp))
        full = m['caplen'] == m['len']
        want('len', r['frame.len'][0], m['len'])
        want('caplen', r['frame.cap_len'][0], m['caplen'])
        if full and 'infiniband' not in r['frame.protocols'][0]:
            errs.append('frame %s: not decoded as InfiniBand: %s' % (fn, r['frame.protocols'][0]))
        want('vlan', ','.join(r['ieee8021ad.id'] + r['vlan.id']), ','.join(want_vlan))
        want('outer src', r['ipv6.src'][0], m['outer_src'])
        want('outer dst', r['ipv6.dst'][0], m['outer_dst'])
        want('hop limit', r['ipv6.hlim'][0], m['hlim'])
        want('outer ecn', r['ipv6.tclass.ecn'][0], m['ecn'])
        want('segments', ';'.join(r['ipv6.routing.srh.addr']), m['segs'])
        want('segleft', ''.join(r['ipv6.routing.segleft']), m['sl'])
        if not full and not r['infiniband.bth.opcode']:
            continue  # cut by the snaplen before the BTH
        src, dst = flow_of(r)
        want('flow src', src, m['flow_src'])
        want('flow dst', dst, m['flow_dst'])
        if r['ip.src']:
            want('inner ecn', r['ip.dsfield.ecn'][0], '2')
        elif len(r['ipv6.src']) > 1:
            want('inner ecn', r['ipv6.tclass.ecn'][-1], '2')
        want('sport', r['udp.srcport'][0], m['sport'])
        want('dport', r['udp.dstport'][0], m['dport'])
        want('opcode', r['infiniband.bth.opcode'][0], m['opcode'])
        want('destqp', num(r['infiniband.bth.destqp'][0]), m['dqpn'])
        want('psn', r['infiniband.bth.psn'][0], m['psn'])
        if full or r['infiniband.reth.dmalen']:
            want('dmalen', ''.join(r['infiniband.reth.dmalen']), m['dmalen'])
        if full or r['infiniband.aeth.syndrome']:
            want('syndrome', ''.join(r['infiniband.aeth.syndrome']), m['syndrome'])
            want('msn', ''.join(r['infiniband.aeth.msn']), m['msn'])
        if len(errs) > 20:
            break
    for e in errs[:20]:
        print(e)
    print('decoded %d records, %d mismatches' % (len(rows), len(errs)))
    return not errs

def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed

def carrier(ids):
    b = bytes.fromhex('fcbbbbbb') + b''.join(struct.pack('>H', i) for i in ids)
    import ipaddress
    return str(ipaddress.IPv6Address(b + bytes(16 - len(b))))

def cmd_model(manifest, style, leaves):
    """Re-derive every program from the rules of the brief: leaf i = 0x000i, spine j =
    0x100j, host k of leaf i = 0xa000+0x1000(i-1)+k (<= 4 leaves), fe09, spine by sport."""
    import ipaddress
    leaves = int(leaves)
    errs = []
    n = 0
    for m in csv.DictReader(open(manifest)):
        n += 1
        src = ipaddress.IPv6Address(m['outer_src']).packed
        li = struct.unpack('>H', src[4:6])[0] // 0x10
        # the destination host: from the flow (IPv6), or the final segment / outer program
        fd = m['flow_dst']
        if ':' in fd:
            d = ipaddress.IPv6Address(fd).packed
            lj, kj = struct.unpack('>H', d[4:6])[0] // 0x10, struct.unpack('>H', d[14:16])[0] - 1
        else:
            o = [int(x) for x in fd.split('.')]
            lj, kj = o[1], o[2] * 256 + o[3] - 1
        if leaves > 4:
            continue  # host uSIDs use the 0x2000+g scheme: checked by the truth tests
        hu = 0xa000 + 0x1000 * (lj - 1) + kj
        sj = (int(m['sport']) - 49152) // 256 + 1
        if m['dir'] == 'resp' and m.get('_rev') == 'next':
            pass
        spine = 0x1000 + sj
        out = m['pos'] == 'out'
        exp_hl = '62' if out else '63'
        if m['hlim'] != exp_hl:
            errs.append('frame %s hop limit %s, rule %s' % (m['frame'], m['hlim'], exp_hl))
        if style == 'red':
            prog = [li, spine, lj, hu, 0xfe09][2 if out else 1:]
            exp = (carrier(prog), '', '')
        elif style == 'encap':
            a, b = carrier([li, spine]), carrier([lj, hu, 0xfe09])
            exp = (b if out else carrier([spine]), b + ';' + a, '0' if out else '1')
        else:
            c = carrier([spine])
            exp = (fd if out else c, fd + ';' + c, '0' if out else '1')
        got = (m['outer_dst'], m['segs'], m['sl'])
        if got != exp:
            errs.append('frame %s: program %s, rule %s' % (m['frame'], got, exp))
    for e in errs[:10]:
        print(e)
    print('checked %d programs, %d off the rules' % (n, len(errs)))
    return n > 0 and not errs

REQ = set(range(0x00, 0x0d)) | set(range(0x13, 0x18)) | {0x64, 0x65}

def cmd_truth(path, truth_path, pmtu, *more):
    """Count per (src, dst, destqp) in tshark's reading of the primary tap files and compare
    with the truth; replay each request stream's PSNs: PSNs skipped forward must be
    psn_gaps + out_of_order, PSNs going back must be retransmissions + out_of_order."""
    pmtu = int(pmtu)
    truth = json.load(open(truth_path))
    stats = {}
    for p in [path] + list(more):
        for r in tshark(p):
            if not r['infiniband.bth.opcode']:
                continue
            src, dst = flow_of(r)
            key = (src, dst, num(r['infiniband.bth.destqp'][0]))
            s = stats.setdefault(key, dict(packets=0, bytes=0, cnps=0, ce=0, rnr=0, naks={},
                                           skipped=0, back=0, e=None))
            s['packets'] += 1
            s['bytes'] += int(r['frame.len'][0])
            op = int(r['infiniband.bth.opcode'][0])
            ecn = r['ipv6.tclass.ecn'][0]
            if ecn == '3':
                s['ce'] += 1
            if op == 0x81:
                s['cnps'] += 1
            if op == 0x11:
                syn = int(r['infiniband.aeth.syndrome'][0])
                if syn >> 5 == 3:
                    s['naks'][syn & 31] = s['naks'].get(syn & 31, 0) + 1
                elif syn >> 5 == 1:
                    s['rnr'] += 1
            if op in REQ:
                psn = int(r['infiniband.bth.psn'][0])
                nxt = psn + 1
                if op == 0x0c:
                    nxt = psn + max(1, -(-int(r['infiniband.reth.dmalen'][0]) // pmtu))
                if s['e'] is None:
                    s['e'] = nxt % (1 << 24)
                    continue
                d = (psn - s['e']) % (1 << 24)
                if d == 0 or d < (1 << 23):
                    s['skipped'] += d
                    s['e'] = nxt % (1 << 24)
                else:
                    s['back'] += 1
    names = ['psn_seq_err', 'invalid_request', 'remote_access', 'remote_op', 'invalid_rd_request']
    errs = []
    seen = set()
    for q in truth['qps']:
        key = (q['src'], q['dst'], q['dqpn'])
        seen.add(key)
        s = stats.get(key, dict(packets=0, bytes=0, cnps=0, ce=0, rnr=0, naks={}, skipped=0, back=0))
        checks = [('packets', s['packets'], q['packets']), ('bytes', s['bytes'], q['bytes']),
                  ('cnps', s['cnps'], q['cnps']), ('ce', s['ce'], q['ce']),
                  ('rnr_naks', s['rnr'], q['rnr_naks']),
                  ('naks', sum(s['naks'].values()), q['naks']),
                  ('psn skipped = psn_gaps + out_of_order', s['skipped'],
                   q['psn_gaps'] + q['out_of_order']),
                  ('psn back = retransmissions + out_of_order', s['back'],
                   q['retransmissions'] + q['out_of_order']),
                  ('spines', sum(q['spines'].values()), q['packets'])]
        for i, nm in enumerate(names):
            checks.append(('nak ' + nm, s['naks'].get(i, 0), q['nak_codes'][nm]))
        for what, got, exp in checks:
            if got != exp:
                errs.append('%s %s: tshark %s, truth %s' % (key, what, got, exp))
    for key, s in stats.items():
        if key not in seen:
            errs.append('%s: %d packets, not in the truth' % (key, s['packets']))
    for e in errs[:15]:
        print(e)
    tot = {k: sum(q[k] for q in truth['qps']) for k in
           ('packets', 'psn_gaps', 'retransmissions', 'out_of_order', 'naks', 'rnr_naks', 'cnps', 'ce')}
    print('qp records %d, totals %s, mismatches %d' % (len(truth['qps']), tot, len(errs)))
    return not errs


def cmd_order(*paths):
    """Timestamps never go back within a file; print the record count."""
    total = 0
    for p in paths:
        last = 0
        for ts, _, _ in records(p):
            if ts < last:
                print('%s: timestamp goes back at record %d' % (p, total + 1))
                return False
            last = ts
            total += 1
    print(total)
    return True

def cmd_count(path):
    n = sum(1 for _ in records(path))
    print(n)
    return True

def cmd_snap(path, snap):
    snap = int(snap)
    n = cut = 0
    for _, fr, ln in records(path):
        n += 1
        if len(fr) > snap or len(fr) > ln or (ln > snap and len(fr) != snap):
            print('record %d: caplen %d len %d snaplen %d' % (n, len(fr), ln, snap))
            return False
        cut += ln > snap
    print('records %d, cut by the snaplen %d' % (n, cut))
    return cut > 0

def cmd_wrap(path):
    """Every request stream that crosses 2^24 wraps to small PSNs, and at least one does."""
    keys = {}
    for r in tshark(path):
        if not r['infiniband.bth.opcode'] or int(r['infiniband.bth.opcode'][0]) not in REQ:
            continue
        src, dst = flow_of(r)
        keys.setdefault((src, dst, r['infiniband.bth.destqp'][0]), []).append(int(r['infiniband.bth.psn'][0]))
    wrapped = [k for k, v in keys.items() if max(v) >= (1 << 24) - 16 and min(v) < 64]
    print('streams %d, wrapped %d' % (len(keys), len(wrapped)))
    return len(wrapped) > 0

def cmd_read(path, pmtu):
    """Each READ REQUEST (PSN p, DMA length L) is answered with ceil(L/PMTU) responses
    carrying PSN p+i: ONLY, or FIRST, MIDDLE..., LAST."""
    pmtu = int(pmtu)
    rows = tshark(path)
    resp = {}
    for r in rows:
        if r['infiniband.bth.opcode'] and 13 <= int(r['infiniband.bth.opcode'][0]) <= 16:
            src, dst = flow_of(r)
            resp[(src, dst, int(r['infiniband.bth.psn'][0]))] = int(r['infiniband.bth.opcode'][0])
    checked = bad = 0
    for r in rows[:len(rows) * 3 // 4]:  # the last ones may be answered after the capture
        if not r['infiniband.bth.opcode'] or int(r['infiniband.bth.opcode'][0]) != 12:
            continue
        src, dst = flow_of(r)
        p, ln = int(r['infiniband.bth.psn'][0]), int(r['infiniband.reth.dmalen'][0])
        n = max(1, -(-ln // pmtu))
        want = [16] if n == 1 else [13] + [14] * (n - 2) + [15]
        got = [resp.get((dst, src, (p + i) % (1 << 24))) for i in range(n)]
        checked += 1
        if got != want:
            bad += 1
            if bad < 5:
                print('READ psn %d len %d: responses %s, want %s' % (p, ln, got, want))
    print('READ requests checked %d, wrong %d' % (checked, bad))
    return checked > 0 and bad == 0

def cmd_scapy(path):
    """Our ICRC reading agrees with scapy's (scapy 2.5 computes it for IPv4 only)."""
    import logging
    logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
    from scapy.all import rdpcap, Ether, raw
    from scapy.contrib.roce import BTH
    n = ok = 0
    for p in rdpcap(path):
        if BTH not in p or p.wirelen != len(raw(p)):
            continue
        q = Ether(raw(p))
        wire = q[BTH].icrc
        q[BTH].icrc = None
        n += 1
        ok += Ether(raw(q))[BTH].icrc == wire and icrc_ok(raw(p), len(raw(p)))
    print('scapy recomputed %d ICRCs, %d agree' % (n, ok))
    return n > 0 and n == ok

def cmd_rxe(*paths):
    """The checker's ICRC recipe on real Soft-RoCE (rxe) captures, classic pcap, IPv4."""
    n = ok = 0
    for path in paths:
        with open(path, 'rb') as f:
            f.read(24)
            while True:
                rh = f.read(16)
                if len(rh) < 16:
                    break
                _, _, cap, ln = struct.unpack('<IIII', rh)
                fr = f.read(cap)
                if cap != ln or fr[12:14] != b'\x08\x00' or fr[23] != 17:
                    continue
                u = 14 + (fr[14] & 15) * 4
                if struct.unpack('>H', fr[u + 2:u + 4])[0] != 4791:
                    continue
                n += 1
                ok += icrc_ok(fr[:u + struct.unpack('>H', fr[u + 4:u + 6])[0]],
                              u + struct.unpack('>H', fr[u + 4:u + 6])[0])
    print('rxe packets %d, ICRC agrees %d' % (n, ok))
    return n > 0 and n == ok

VFIELDS = ['frame.time_epoch', 'frame.len', 'ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'ip.src', 'ip.dst',
           'ipv6.routing.srh.addr', 'ipv6.routing.segleft', 'udp.srcport',
           'infiniband.bth.opcode', 'infiniband.bth.destqp', 'infiniband.bth.psn']

def vfields(path):
    cmd = ['tshark', '-n', '-r', path, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|']
    for f in VFIELDS:
        cmd += ['-e', f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [{f: [x for x in v.split('|') if x != ''] for f, v in zip(VFIELDS, line.split('\t'))}
            for line in out.splitlines()]

def usids(addr):
    """The uSIDs of a carrier in fcbb:bbbb::/32, or None for a plain address."""
    import ipaddress
    b = ipaddress.IPv6Address(addr).packed
    if b[:4] != bytes.fromhex('fcbbbbbb'):
        return None
    ids = []
    for i in range(4, 16, 2):
        v = struct.unpack('>H', b[i:i + 2])[0]
        if not v:
            break
        ids.append(v)
    return ids

def shifted(addr):
    import ipaddress
    b = ipaddress.IPv6Address(addr).packed
    return str(ipaddress.IPv6Address(b[:4] + b[6:] + b'\0\0'))

def tkey(r):
    return flow_of(r) + tuple(r['infiniband.bth.' + f][0] for f in ('destqp', 'psn', 'opcode'))

def cmd_verdicts(d, scenario):
    """Re-derive the verdict truth of a verdict scenario from tshark's reading of the
    tap files of DIR, with rules simple enough to trust for the fabric the scenario
    builds (2 spines, 2 leaves, a host each, style red; default taps: in, or inout
    for spine-drop and bad-shift)."""
    truth = json.load(open(d + '/truth.json'))
    v = dict.fromkeys(truth['verdicts'], 0)
    corr = {'matched': 0, 'shift_error': 0, 'lost_in_node': 0}
    frames = {t['name']: vfields('%s/%s.pcap' % (d, t['name'])) for t in truth['taps']}
    pinned, shares = {}, {}
    from decimal import Decimal
    merged = sorted(((Decimal(r['frame.time_epoch'][0]), tap, i) for tap in frames
                     for i, r in enumerate(frames[tap])))  # pinning goes by time, across taps
    for _, tap, i in merged:
        r = frames[tap][i]
        spine = int(tap[5:].split('-')[0])
        steered = bool(r['ipv6.dst']) and (usids(r['ipv6.dst'][0]) is not None or
                                            bool(r['ipv6.routing.srh.addr']))
        prog = usids(r['ipv6.dst'][0]) if steered else None
        named = (int(r['udp.srcport'][0]) - 49152) // 256 + 1
        if tap.endswith('-tx'):
            # leaving: the next hop must follow the spine (a leaf); a host is misrouted
            v['misrouted' if prog and prog[0] >= 0xa000 else 'compliant'] += 1
            continue
        if not steered:
            v['unsteered'] += 1
        elif prog[0] != 0x1000 + spine:
            v['misrouted'] += 1
        elif 0x1fff in prog:
            v['unknown_sid'] += 1
        elif scenario == 'wrong-spine' and named != spine:
            v['policy_violation'] += 1
        elif scenario == 'pin-move' and pinned.setdefault(flow_of(r) + (r['infiniband.bth.destqp'][0],), spine) != spine:
            v['pin_violation'] += 1
        else:
            v['compliant'] += 1
            cnt = shares.setdefault(flow_of(r), {})
            cnt[spine] = cnt.get(spine, 0) + 1
    for tap in sorted(frames):
        if tap.endswith('-rx'):
            # the same spine's leaving frames, matched by (flow, DestQP, PSN, opcode) in order
            pending = {}
            for r in frames[tap]:
                pending.setdefault(tkey(r), []).append(r)
            for r in frames[tap[:-3] + '-tx']:
                if not pending.get(tkey(r)):
                    continue
                e = pending[tkey(r)].pop(0)
                corr['matched'] += 1
                want = shifted(e['ipv6.dst'][0])
                if usids(want) == []:  # the carrier ran out: the next segment
                    want = e['ipv6.routing.srh.addr'][0]
                if int(r['ipv6.hlim'][0]) != int(e['ipv6.hlim'][0]) - 1 or r['ipv6.dst'][0] != want:
                    corr['shift_error'] += 1
            corr['lost_in_node'] += sum(len(x) for x in pending.values())
    errs = ['verdicts.%s: rules %d, truth %d' % (k, v[k], truth['verdicts'][k])
            for k in v if v[k] != truth['verdicts'][k]]
    errs += ['correlation.%s: rules %d, truth %d' % (k, corr[k], truth['correlation'][k])
             for k in corr if corr[k] != truth['correlation'][k]]
    if scenario == 'spray-imbalance':
        for p in truth['policies']:
            a, b = (int(x[4:]) for x in p['name'].split('-'))
            pair = ('2001:db8:%x::2' % (a * 16), '2001:db8:%x::2' % (b * 16))
            for path in p['paths']:
                sp = int(path['nodes'].split(' > ')[1][5:])
                got = shares.get(pair, {}).get(sp, 0)
                total = sum(shares.get(pair, {}).values())
                if got != path['packets'] or abs(got / total - path['share']) > 1e-6 or \
                        path['imbalanced'] != (abs(got / total - 0.5) > 0.2 * 0.5):
                    errs.append('policy %s path %s: truth %d packets, share %s, imbalanced %s; '
                                'tshark %d of %d' % (p['name'], path['nodes'], path['packets'],
                                                     path['share'], path['imbalanced'], got, total))
    fail = any(truth['verdicts'][k] for k in ('misrouted', 'unknown_sid', 'unsteered',
                                               'policy_violation', 'pin_violation'))
    fail = fail or truth['correlation']['shift_error'] or truth['correlation']['lost_in_node']
    if truth['exit_status'] != (1 if fail else 0):
        errs.append('exit_status %s with these counts' % truth['exit_status'])
    for e in errs[:10]:
        print(e)
    print('verdicts %s correlation %s, %d mismatches' % (v, corr, len(errs)))
    return not errs

def cmd_drained(d):
    """Two-sided taps: every frame seen entering a spine is seen leaving it."""
    truth = json.load(open(d + '/truth.json'))
    lost = 0
    for t in truth['taps']:
        if not t['name'].endswith('-rx'):
            continue
        keys = {}
        for r in vfields('%s/%s.pcap' % (d, t['name'])):
            keys[tkey(r)] = keys.get(tkey(r), 0) + 1
        for r in vfields('%s/%s-tx.pcap' % (d, t['name'][:-3])):
            if keys.get(tkey(r)):
                keys[tkey(r)] -= 1
        lost += sum(keys.values())
    print('entering frames never seen leaving: %d; truth lost_in_node %d'
          % (lost, truth['correlation']['lost_in_node']))
    return lost == 0 and truth['correlation']['lost_in_node'] == 0 and truth['exit_status'] == 0

if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = {'icrc': lambda: cmd_icrc(args), 'decode': lambda: cmd_decode(*args),
          'model': lambda: cmd_model(*args), 'truth': lambda: cmd_truth(*args),
          'order': lambda: cmd_order(*args), 'count': lambda: cmd_count(*args),
          'snap': lambda: cmd_snap(*args), 'wrap': lambda: cmd_wrap(*args),
          'read': lambda: cmd_read(*args), 'scapy': lambda: cmd_scapy(*args),
          'rxe': lambda: cmd_rxe(*args), 'verdicts': lambda: cmd_verdicts(*args),
          'drained': lambda: cmd_drained(*args)}[cmd]
    sys.exit(0 if fn() else 1)
PYEOF

# ---- options, help, man page ----
check "--version names the program" sh -c '"$0" --version | grep -q "^spinetap-gen [0-9]"' "$GEN"
gen --help >"$T/help" 2>&1
check "--help lists the options" grep -q -- '--scenario' "$T/help"
if command -v man >/dev/null 2>&1; then
	man --warnings -l man/spinetap-gen.1 >/dev/null 2>"$T/manwarn"
	check "man page lints clean (man --warnings)" test ! -s "$T/manwarn"
	[ -s "$T/manwarn" ] && sed 's/^/#   /' "$T/manwarn"
else
	skip "man page lints clean" "man not installed"
fi
missing=""
for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$T/help" | sort -u); do
	esc=$(echo "$o" | sed 's/-/\\\\-/g')
	grep -q -- "$esc" man/spinetap-gen.1 || missing="$missing $o"
done
check "every option of --help is in the man page${missing:+ (missing:$missing)}" test -z "$missing"

bad=""
for args in "--bogus" "--spines 0 -w $T/x" "--spines 65 -w $T/x" "--leaves 1 -w $T/x" \
	"--pmtu 1000 -w $T/x" "--mix foo=1 -w $T/x" "--mix write=0 -w $T/x" \
	"--vlan 1,2,3,4 -w $T/x" "--vlan 4095 -w $T/x" "--style inline --ipv4 -w $T/x" \
	"--intensity 1.5 -w $T/x" "--msg-size 9-3 -w $T/x" "--seed" "--qps 0 -w $T/x" \
	"--taps sideways -w $T/x" "--scenario nope -w $T/x" "--snaplen 0 -w $T/x" "" \
	"-w $T/no/such/dir/x.pcap" "--start someday -w $T/x" "stray -w $T/x" \
	"--scenario wrong-spine --spines 1 -w $T/x" "--scenario pin-move --spines 1 -w $T/x" \
	"--scenario wrong-spine --reverse-spine next -w $T/x" \
	"--scenario pin-move --taps out --spines 20 --rate 200000000 -w $T/x" \
	"--taps inout --packets 1 -w $T/x"; do
	# shellcheck disable=SC2086
	gen $args >"$T/o" 2>&1
	rc=$?
	if [ "$rc" -ne 2 ] || ! grep -q '^spinetap-gen: ' "$T/o"; then
		bad="$bad [$args: rc $rc]"
	fi
done
check "bad options: one 'spinetap-gen: ...' message, exit status 2${bad:+ -$bad}" test -z "$bad"

# ---- determinism, counts, order ----
A="--spines 3 --leaves 3 --hosts 2 --qps 10 --packets 2000 --pmtu 1024 --msg-size 0-6000"
mkdir -p "$T/r1" "$T/r2" "$T/r3"
for r in r1 r2 r3; do
	seed=7
	[ $r = r3 ] && seed=8
	# same file names in each directory: the recorded command line is the same too
	# shellcheck disable=SC2086
	(cd "$T/$r" && "$GEN" $A --seed $seed -w d.pcap --truth d.json --config-out d.yaml --manifest d.csv)
done
check "same seed, same pcap" cmp "$T/r1/d.pcap" "$T/r2/d.pcap"
check "same seed, same config, truth and manifest" sh -c 'cmp "$1/d.yaml" "$2/d.yaml" && cmp "$1/d.json" "$2/d.json" && cmp "$1/d.csv" "$2/d.csv"' x "$T/r1" "$T/r2"
check "another seed, other bytes" sh -c '! cmp -s "$1" "$2"' x "$T/r1/d.pcap" "$T/r3/d.pcap"
gen --qps 3 --packets 50 -w - >"$T/stdout.pcap"
gen --qps 3 --packets 50 -w "$T/file.pcap"
check "-w - writes the same bytes to stdout" cmp "$T/stdout.pcap" "$T/file.pcap"

for mode in in out both inout; do
	# shellcheck disable=SC2086
	gen $A --taps $mode --packets 1234 -w "$T/m.pcap" --out-dir "$T/m_$mode" >/dev/null
	cnt=$(py order "$T/m.pcap" 2>&1)
	per=$(py order "$T/m_$mode"/*.pcap 2>&1)
	taps=$("$PYTHON" -c 'import json,sys; print(sum(t["packets"] for t in json.load(open(sys.argv[1]))["taps"]))' "$T/m_$mode/truth.json")
	check "--taps $mode: exactly --packets records, in time order, per-tap files add up ($cnt, $per, truth $taps)" \
		test "$cnt" = 1234 -a "$per" = 1234 -a "$taps" = 1234
done
check "--taps inout writes spineN-rx/tx files, lab.yaml and truth.json" test -s "$T/m_inout/spine3-tx.pcap" -a \
	-s "$T/m_inout/spine1-rx.pcap" -a -s "$T/m_inout/lab.yaml" -a -s "$T/m_inout/truth.json"
check "--packets 0 writes an empty capture" sh -c '"$0" --packets 0 -w "$1" && test "$(stat -c %s "$1")" = 24' "$GEN" "$T/empty.pcap"

# ---- ICRC ----
check "ICRC recipe of the checker agrees with scapy (IPv4)" sh -c \
	'"$0" --ipv4 --qps 6 --packets 300 --pmtu 512 --msg-size 0-2000 -w "$1" && "$2" "$3" scapy "$1"' \
	"$GEN" "$T/v4.pcap" "$PYTHON" "$T/chk.py"
rxe=$(ls "$SHARED"/captures/public/montybeatnik__rdma-roce-lab/*.pcap 2>/dev/null)
if [ -n "$rxe" ]; then
	# shellcheck disable=SC2086
	check "ICRC recipe of the checker agrees with real Soft-RoCE captures" py rxe $rxe
else
	skip "ICRC recipe against real Soft-RoCE captures" "no \$SHARED/captures/public"
fi

# ---- decode against tshark, per style ----
MIX="write=4,write_imm=2,send=3,send_imm=1,send_inv=1,read=3,cas=1,faa=1,ud=1,ud_imm=1"
B="--spines 3 --leaves 3 --hosts 2 --qps 9 --packets 400 --pmtu 512 --msg-size 0-1500 --mix $MIX"
for v in "red||" "encap||100" "inline||100,200" "red|--ipv4|7" "encap|--ipv4|10,20,30" "red|--scenario ce --intensity 0.3|"; do
	style=${v%%|*}
	rest=${v#*|}
	extra=${rest%%|*}
	vlan=${rest#*|}
	name="$style${extra:+ $extra}${vlan:+ vlan $vlan}"
	tag=$(echo "$name" | tr -c 'a-z0-9' _)
	# shellcheck disable=SC2086
	gen $B --style $style $extra ${vlan:+--vlan $vlan} --taps both -w "$T/$tag.pcap" --manifest "$T/$tag.csv"
	check "$name: every ICRC valid (zlib)" py icrc "$T/$tag.pcap"
	check "$name: the uSID programs follow the fabric rules" py model "$T/$tag.csv" "$style" 3
	if [ "$TSHARK" = yes ]; then
		check "$name: tshark decodes every record with the intended fields" py decode "$T/$tag.pcap" "$T/$tag.csv" "$vlan"
	else
		skip "$name: tshark decode" "tshark not installed"
	fi
done

gen --qps 6 --packets 300 --snaplen 128 -w "$T/snap.pcap" --manifest "$T/snap.csv"
check "--snaplen 128: records cut to 128 bytes keep their wire length" py snap "$T/snap.pcap" 128
if [ "$TSHARK" = yes ]; then
	check "--snaplen 128: tshark reads the captured headers as intended" py decode "$T/snap.pcap" "$T/snap.csv"
else
	skip "--snaplen 128 decode" "tshark not installed"
fi

# ---- the origin-lab sample ----
gen --sample origin-lab -w "$T/lab.pcap" --config-out "$T/lab.yaml" --truth "$T/lab.json"
check "origin-lab: one packet, valid ICRC" py icrc "$T/lab.pcap"
if [ "$TSHARK" = yes ]; then
	tshark -n -r "$T/lab.pcap" -T fields -E occurrence=a -E aggregator=, -e frame.len -e ipv6.src -e ipv6.dst \
		-e ipv6.hlim -e ipv6.nxt -e ipv6.routing.srh.addr -e ipv6.routing.segleft -e ipv6.routing.srh.last_entry \
		-e ipv6.routing.nxt -e udp.srcport -e udp.dstport -e infiniband.bth.opcode -e infiniband.bth.destqp \
		-e infiniband.bth.psn -e infiniband.reth.dmalen -e data.len >"$T/lab.txt" 2>/dev/null
	want="198	2001:db8:10::2	fcbb:bbbb:1001::	63	43	2001:db8:20::2,fcbb:bbbb:1001::	1	1	17	49152	4791	10	0x123456	0	64	64"
	check "origin-lab: the lab packet, field by field (tshark)" test "$(cat "$T/lab.txt")" = "$want"
	[ "$(cat "$T/lab.txt")" = "$want" ] || { echo "#   got:  $(cat "$T/lab.txt")"; echo "#   want: $want"; }
else
	skip "origin-lab fields" "tshark not installed"
fi
check "origin-lab config: lab uSIDs, taps and the h1-h2-via-spine1 policy" sh -c '
	grep -q "leaf1: *{ usid: 0x0001, role: leaf }" "$1" && grep -q "leaf2: *{ usid: 0x0002" "$1" &&
	grep -q "spine1: *{ usid: 0x1001, role: spine }" "$1" && grep -q "spine2: *{ usid: 0x1002" "$1" &&
	grep -q "host1: *{ usid: 0xa001, role: host }" "$1" && grep -q "host2: *{ usid: 0xb001" "$1" &&
	grep -q "spine1-l1: { node: spine1" "$1" && grep -q "name: h1-h2-via-spine1" "$1" &&
	grep -q "paths: \[ \[leaf1, spine1, leaf2, host2\] \]" "$1"' x "$T/lab.yaml"

# ---- truth against tshark, every scenario ----
S="--spines 2 --leaves 2 --hosts 2 --qps 8 --packets 1500 --pmtu 1024 --msg-size 0-6000"
for sc in clean loss gobackn read nak rnr cnp-storm ce psn-wrap reorder; do
	# shellcheck disable=SC2086
	gen $S --scenario $sc --intensity 0.15 --out-dir "$T/s_$sc" -w "$T/s_$sc.pcap"
	inj=$("$PYTHON" -c '
import json, sys
t = json.load(open(sys.argv[1])); i = t["injected"]; q = t["qps"]
tot = lambda k: sum(x[k] for x in q)
need = {"clean": True, "read": i["read_responses"] > 0, "psn-wrap": True,
        "loss": tot("psn_gaps") > 0 and tot("retransmissions") == 0,
        "gobackn": tot("psn_gaps") > 0 and tot("retransmissions") > 0 and i["naks"]["psn_seq_err"] > 0,
        "nak": tot("naks") > 0 and tot("retransmissions") > 0 and tot("psn_gaps") == 0,
        "rnr": tot("rnr_naks") > 0 and tot("retransmissions") > 0,
        "cnp-storm": tot("cnps") > 0 and tot("ce") == 0,
        "ce": tot("ce") > 0 and tot("cnps") > 0,
        "reorder": tot("out_of_order") > 0 and tot("psn_gaps") == 0}[sys.argv[2]]
print("yes" if need else "no: %s" % i)' "$T/s_$sc/truth.json" "$sc")
	check "scenario $sc: the truth shows what was injected ($inj)" test "$inj" = yes
	if [ "$TSHARK" = yes ]; then
		check "scenario $sc: tshark's per-QP counts and PSN replay match the truth" \
			py truth "$T/s_$sc.pcap" "$T/s_$sc/truth.json" 1024
	else
		skip "scenario $sc truth" "tshark not installed"
	fi
done
if [ "$TSHARK" = yes ]; then
	for mode in out inout; do
		# shellcheck disable=SC2086
		gen $S --scenario gobackn --intensity 0.15 --taps $mode --out-dir "$T/g_$mode"
		if [ $mode = out ]; then p1="$T/g_$mode/spine1.pcap" p2="$T/g_$mode/spine2.pcap"; else p1="$T/g_$mode/spine1-rx.pcap" p2="$T/g_$mode/spine2-rx.pcap"; fi
		check "gobackn, --taps $mode: primary sightings match the truth" py truth "$p1" "$T/g_$mode/truth.json" 1024 "$p2"
	done
	# cut the capture at every point of a fault-dense run: the truth must follow
	cut_bad=""
	for c in 40 41 42 43 44 45 46 47; do
		for sc in reorder gobackn; do
			gen --qps 2 --packets $c --pmtu 1024 --msg-size 0-6000 --scenario $sc --intensity 0.4 \
				-w "$T/c.pcap" --truth "$T/c.json" >/dev/null
			py truth "$T/c.pcap" "$T/c.json" 1024 >/dev/null 2>&1 || cut_bad="$cut_bad $sc/$c"
		done
	done
	check "captures cut at any record keep an exact truth${cut_bad:+ (bad:$cut_bad)}" test -z "$cut_bad"
	check "READ responses carry the request's PSN + i" py read "$T/s_read.pcap" 1024
	check "psn-wrap: request PSNs wrap through 2^24" py wrap "$T/s_psn-wrap.pcap"
else
	skip "tap modes, cuts, READ PSNs, wrap" "tshark not installed"
fi

# ---- verdict scenarios: the truth against simple rules over tshark's reading ----
V="--spines 2 --leaves 2 --qps 8 --packets 1500 --pmtu 1024 --msg-size 0-6000"
for sc in clean wrong-spine leaf-misforward pin-move unsteered unknown-usid spine-drop bad-shift spray-imbalance; do
	# shellcheck disable=SC2086
	gen $V --scenario $sc --seed 11 --out-dir "$T/v_$sc"
	shows=$("$PYTHON" -c '
import json, sys
t = json.load(open(sys.argv[1])); v = t["verdicts"]; c = t["correlation"]; sc = sys.argv[2]
paths = [p for q in t["policies"] for p in q["paths"]]
need = {"clean": v["compliant"] == t["records"] and t["exit_status"] == 0,
        "wrong-spine": v["policy_violation"] > 0,
        "leaf-misforward": v["misrouted"] > 0,
        "pin-move": v["pin_violation"] > 0,
        "unsteered": v["unsteered"] > 0,
        "unknown-usid": v["unknown_sid"] > 0,
        "spine-drop": c["lost_in_node"] > 0 and [n["name"] for n in c["nodes"] if n["lost"]] == ["spine1"],
        "bad-shift": c["shift_error"] > 0 and [n["name"] for n in c["nodes"] if n["shift_error"]] == ["spine1"],
        "spray-imbalance": any(p["imbalanced"] for p in paths) and t["exit_status"] == 0}[sc]
need = need and (sc in ("clean", "spray-imbalance") or t["exit_status"] == 1)
need = need and sum(v.values()) == t["records"]
print("yes" if need else "no: verdicts %s correlation %s exit %s" % (v, c, t["exit_status"]))' "$T/v_$sc/truth.json" "$sc")
	check "scenario $sc: the truth shows the fault, one verdict per record ($shows)" test "$shows" = yes
	if [ "$TSHARK" = yes ]; then
		check "scenario $sc: verdicts and correlation re-derived from tshark's reading match the truth" \
			py verdicts "$T/v_$sc" "$sc"
	else
		skip "scenario $sc: verdicts from tshark" "tshark not installed"
	fi
done
check "wrong-spine config: per leaf pair and spine, the spine's source ports pinned to it" sh -c '
	grep -q "name: leaf1-leaf2-spine2" "$1" && grep -q "sport: 49408-49663" "$1" &&
	grep -q "paths: \[ \[leaf1, spine2, leaf2, host2\] \]" "$1" && grep -q "mode: pin" "$1"' x "$T/v_wrong-spine/lab.yaml"
check "pin-move config: leaf pairs pinned over \"spine*\"" sh -c '
	grep -q "paths: \[ \[leaf1, \"spine\*\", leaf2, host2\] \]" "$1" && grep -q "mode: pin" "$1" &&
	! grep -q "mode: spray" "$1"' x "$T/v_pin-move/lab.yaml"
check "spray-imbalance config: per host pair, spray with balance 0.2" sh -c '
	grep -q "name: host1-host2" "$1" && grep -q "src: 2001:db8:10::2/128" "$1" && grep -q "balance: 0.2" "$1"' \
	x "$T/v_spray-imbalance/lab.yaml"
check "spine-drop and bad-shift tap both sides by default" sh -c '
	test -s "$1/spine1-rx.pcap" -a -s "$1/spine1-tx.pcap" -a -s "$2/spine2-tx.pcap"' x "$T/v_spine-drop" "$T/v_bad-shift"
# shellcheck disable=SC2086
gen $V --scenario unsteered --ipv4 --seed 12 -w "$T/u4.pcap" --manifest "$T/u4.csv"
check "unsteered --ipv4: plain IPv4 packets keep a valid ICRC" py icrc "$T/u4.pcap"
# shellcheck disable=SC2086
gen $V --scenario unknown-usid --style inline --seed 12 -w "$T/ui.pcap"
check "unknown-usid inline: every ICRC valid" py icrc "$T/ui.pcap"
# shellcheck disable=SC2086
(cd "$T" && "$GEN" $V --scenario pin-move --seed 5 -w p1.pcap --truth p1.json && "$GEN" $V --scenario pin-move --seed 5 -w p2.pcap --truth p2.json)
check "verdict scenarios are deterministic (pin-move, same seed: same pcap)" cmp "$T/p1.pcap" "$T/p2.pcap"
if [ "$TSHARK" = yes ]; then
	drained_bad=""
	for c in 997 998 999 1000 1001; do
		for m in inout; do
			gen $V --scenario gobackn --intensity 0.1 --taps $m --packets $c --seed 3 --out-dir "$T/dr_$c" >/dev/null
			py drained "$T/dr_$c" >/dev/null 2>&1 || drained_bad="$drained_bad $c"
		done
	done
	check "two-sided captures end with every entering packet seen leaving, at any --packets${drained_bad:+ (bad:$drained_bad)}" test -z "$drained_bad"
else
	skip "two-sided captures drain" "tshark not installed"
fi

# ---- committed samples ----
if [ -f samples/README.md ]; then
	mkdir -p "$T/regen/samples"
	regen_bad=""
	grep '^spinetap-gen ' samples/README.md >"$T/cmds"
	while read -r _ args; do
		# shellcheck disable=SC2086
		(cd "$T/regen" && "$GEN" $args) || regen_bad="$regen_bad [$args]"
	done <"$T/cmds"
	diff -r -x README.md samples "$T/regen/samples" >"$T/diff" 2>&1 || regen_bad="$regen_bad $(head -3 "$T/diff" | tr '\n' ' ')"
	check "samples/ regenerate byte for byte from samples/README.md ($(wc -l <"$T/cmds") commands)${regen_bad:+:$regen_bad}" test -z "$regen_bad"
	big=$(find samples -type f -size +200k)
	check "every sample is under 200 KB${big:+ ($big)}" test -z "$big"
	check "samples: every ICRC valid" py icrc samples/*.pcap samples/*/*.pcap
	check "samples: origin-lab pcap and yaml exist" test -s samples/origin-lab.pcap -a -s samples/origin-lab.yaml
else
	skip "samples regenerate" "no samples/README.md"
fi

# ---- speed and scale ----
start=$(date +%s.%N)
gen --qps 1024 --packets 2000000 --snaplen 128 -w "$T/bench.pcap"
rc=$?
end=$(date +%s.%N)
secs=$(echo "$start $end" | awk '{printf "%.2f", $2 - $1}')
rate=$(echo "$secs" | awk '{printf "%.2f", 2 / ($1 > 0 ? $1 : 0.01)}')
recs=$("$PYTHON" -c '
import struct, sys
f = open(sys.argv[1], "rb"); f.seek(24); n = 0
while True:
    h = f.read(16)
    if len(h) < 16: break
    f.seek(struct.unpack("<IIII", h)[2], 1); n += 1
print(n)' "$T/bench.pcap")
echo "# 2M records, snaplen 128, 1024 QPs: ${secs} s, ${rate} Mpps"
check "2M header-only records in under 10 s (${secs} s, ${rate} Mpps)" test "$rc" = 0 -a "$recs" = 2000000 -a \
	"$(echo "$secs" | awk '{print ($1 < 10)}')" = 1
rm -f "$T/bench.pcap"
gen --qps 1000000 --packets 1000000 --snaplen 128 -w "$T/qps.pcap" --config-out "$T/qps.yaml"
rc=$?
check "1M distinct QPs: runs, config asks for a larger QP table" sh -c \
	'test "$0" = 0 && grep -q "qp_capacity: 4194304" "$1"' "$rc" "$T/qps.yaml"
rm -f "$T/qps.pcap"
echo "1..$n"
