#!/bin/sh
# demo.sh - `make demo` (root): a real SRv6 uSID fabric in network namespaces, RoCEv2 traffic
# across it, spinetap capturing live on every spine port, one injected fault, and the proof.
#
#   1. tests/fabric/fabric.sh builds the origin lab: host1 - leaf1 - {spine1, spine2} - leaf2 -
#      host2, the kernel doing the uSID shift (End next-csid), host1 and host2 acting as SRv6
#      NICs (H.Encaps.Red, the spine chosen per QP by the UDP source port);
#   2. spinetap capture runs in the background on the four spine ports (a DB in a temp dir);
#   3. spinetap-gen live sends RDMA WRITEs from host1 to host2 on 8 QPs (4 per spine), host2
#      answers with ACKs and CNPs: clean traffic first;
#   4. a fault: leaf1 now sends spine1's traffic to spine2 (a wrong route on a leaf), more traffic;
#   5. SIGINT stops the capture; its report is printed: the Proof section shows the misrouted
#      sightings at spine2-l1 with evidence; the evidence pcapng is shown with tshark.
# Everything is torn down on exit and on Ctrl-C.
#
# Environment: SPINETAP, GEN (set by `make demo`), DEMO_SECONDS (per phase, default 3),
# DEMO_RATE (packets per second, default 4000), KEEP=1 keeps the temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 2
: "${SPINETAP:=$PWD/build/spinetap}" "${GEN:=$PWD/build/spinetap-gen}"
SECS=${DEMO_SECONDS:-3}
RATE=${DEMO_RATE:-4000}
FABRIC="bash tests/fabric/fabric.sh"
P="demo$$"
T=""
CAP_PID="" RESP_PID="" FG_PID=""

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (network namespaces): sudo make demo" >&2
	exit 2
fi
for b in "$SPINETAP" "$GEN"; do
	[ -x "$b" ] || { echo "demo: $b is not built (make)" >&2; exit 2; }
done

# Long steps run in the background and are waited for: `wait` returns at once on Ctrl-C, so the
# trap runs now (a foreground child that handles SIGINT itself would keep sh going).
run_fg() {
	"$@" &
	FG_PID=$!
	wait "$FG_PID"
	_rc=$?
	FG_PID=""
	return $_rc
}

cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$FG_PID" ] && kill "$FG_PID" 2>/dev/null && wait "$FG_PID" 2>/dev/null
	[ -n "$RESP_PID" ] && kill "$RESP_PID" 2>/dev/null
	[ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null
	[ -n "$RESP_PID" ] && wait "$RESP_PID" 2>/dev/null
	[ -n "$CAP_PID" ] && wait "$CAP_PID" 2>/dev/null
	$FABRIC down --prefix "$P" -q
	if [ -n "$T" ]; then
		if [ "${KEEP:-0}" = 1 ]; then echo "demo: kept $T"; else rm -rf "$T"; fi
	fi
	left=$(ip netns list | grep -c "^$P-")
	echo "demo: torn down ($left namespaces left)"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM HUP

T=$(mktemp -d "${TMPDIR:-/tmp}/spinetap-demo.XXXXXX") || exit 2

step "1. the fabric: 2 hosts, 2 leaves, 2 spines in network namespaces $P-*"
run_fg $FABRIC up --prefix "$P" >"$T/fabric.out" || exit 2
sed 's/^/    /' "$T/fabric.out"
. "/run/spinetap-fabric/$P/env"
note "host1 sends via spine1 for UDP source ports 49152-49407, via spine2 for 49408-49663:"
ip -n "$P-host1" -6 rule | grep sport | sed 's/^/      /'
ip -n "$P-host1" -6 route show table 101 | sed 's/^/      /'
note "spinetap config: $FABRIC_CONFIG (4 taps, 4 pinned policies)"

step "2. spinetap capture on every spine port (background)"
note "$SPINETAP capture -c lab.yaml -d $T/demo.db --evidence $T/evidence.pcapng $FABRIC_IFACES"
# shellcheck disable=SC2086 # FABRIC_IFACES is a list of options
"$SPINETAP" capture -c "$FABRIC_CONFIG" -d "$T/demo.db" --evidence "$T/evidence.pcapng" \
	$FABRIC_IFACES >"$T/report.txt" 2>"$T/capture.err" &
CAP_PID=$!
sleep 1
kill -0 "$CAP_PID" 2>/dev/null || { cat "$T/capture.err" >&2; exit 2; }
note "capture running (pid $CAP_PID)"

step "3. host2 answers; host1 sends clean traffic: 8 QPs, 4 per spine, ${SECS}s at $RATE pps"
ip netns exec "$P-host2" "$GEN" live --respond --cnp-every 50 >"$T/responder.json" 2>"$T/responder.err" &
RESP_PID=$!
sleep 0.3
run_fg ip netns exec "$P-host1" "$GEN" live --dst 2001:db8:20::2 --qps 8 --duration "$SECS" --rate "$RATE" \
	--msg-size 256-4096 --pmtu 1024 >"$T/clean.json" || exit 2
summary() { # truth.json: the sender's totals, per spine, rate
	grep '^ "packets"' "$1" | sed 's/^ "packets": \([0-9]*\),.*/    sent \1 request packets/'
	grep '^ "spines"' "$1" | sed 's/^ "spines": /    per spine: /; s/,$//'
	grep -o '"rate_pps": [0-9.]*' "$1" | sed 's/"rate_pps": /    rate reached: /; s/$/ pps/'
}
summary "$T/clean.json"

step "4. fault: leaf1 sends spine1's locator (towards leaf2) to spine2 - a wrong route on a leaf"
$FABRIC fault misroute --prefix "$P" --leaf 1 --spine 1 --to-spine 2 --dst-leaf 2 2>&1 | sed 's/^/    /'
ip -n "$P-leaf1" -6 route show | grep 'fcbb:bbbb:1001:2::' | sed 's/^/      leaf1: /'
note "the same 8 QPs go on for ${SECS}s (PSNs continuing); the spine1 QPs now reach spine2 and die there"
PSN=$(sed -n 's/.*"next_psn": \([0-9]*\).*/\1/p' "$T/clean.json" | sort -n | head -1)
run_fg ip netns exec "$P-host1" "$GEN" live --dst 2001:db8:20::2 --qps 8 --duration "$SECS" --rate "$RATE" \
	--msg-size 256-4096 --pmtu 1024 --psn "${PSN:-0}" --seed 2 >"$T/fault.json" || exit 2
summary "$T/fault.json"
$FABRIC fault clear --prefix "$P" 2>&1 | sed 's/^/    /'

step "5. SIGINT to the capture: final flush and report"
sleep 0.5
kill "$RESP_PID" 2>/dev/null
wait "$RESP_PID" 2>/dev/null
RESP_PID=""
kill -INT "$CAP_PID"
wait "$CAP_PID"
RC=$?
[ "$RC" -gt 128 ] && exit 130 # interrupted while waiting
CAP_PID=""
# the report, without the decode outcomes (all ok) and the path table (the proof shows paths)
awk '/^Decode outcomes/ || /^Paths/ {skip=1} /^Taps/ || /^Top QPs/ {skip=0} !skip' "$T/report.txt" | sed 's/^/    /'

step "6. the evidence: $T/evidence.pcapng"
if command -v tshark >/dev/null 2>&1; then
	note "tshark -r evidence.pcapng -Y 'frame.comment contains \"misrouted\"' (3 packets, spinetap's comment):"
	tshark -r "$T/evidence.pcapng" -Y 'frame.comment contains "misrouted"' -T fields -e frame.number \
		-e ipv6.dst -e frame.comment 2>/dev/null | head -3 | sed 's/^/      /'
	note "packets kept: $(tshark -r "$T/evidence.pcapng" 2>/dev/null | wc -l)"
else
	note "(tshark not installed)"
fi
note "store: sqlite3 demo.db \"SELECT kind, tap, expected, observed FROM evidence WHERE kind = 'misrouted' LIMIT 3\""
sqlite3 "$T/demo.db" "SELECT kind, tap, expected, observed FROM evidence WHERE run_id = (SELECT id FROM latest_run) AND kind = 'misrouted' LIMIT 3" 2>/dev/null |
	sed 's/^/      /'

step "result"
if [ "$RC" = 1 ]; then
	note "spinetap capture exited 1: violations found - the injected misroute was caught (see Proof above)"
else
	note "spinetap capture exited $RC (expected 1: the misroute should have been caught)"
fi
[ "$RC" = 1 ]
