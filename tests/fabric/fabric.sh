#!/bin/bash
# fabric.sh - a real SRv6 uSID (RFC 9800 NEXT-C-SID, F3216) leaf/spine fabric in Linux network
# namespaces, with the kernel doing the uSID shift-and-forward, for spinetap's live tests and demo.
#
# The default is the origin lab (../shared/reference/usid-fabric.sh, DESIGN.md §7):
#
#   host1 --- leaf1 ---+--- spine1 ---+--- leaf2 --- host2
#                      +--- spine2 ---+
#
# grown to S spines, L leaves and H hosts per leaf (man/spinetap-gen.1, FABRIC MODEL):
#   uSID block BLOCK::/32 (default fcbb:bbbb), 16-bit uSIDs, local range 0xe000-0xffff;
#   leaf i   uSID LEAF_BASE+i   (default 0x0000+i: leaf1 = 0x0001)
#   spine j  uSID SPINE_BASE+j  (default 0x1000+j: spine1 = 0x1001)
#   host k of leaf i (global name host<g+1>, g = (i-1)*H + k-1):
#            uSID 0xa000+0x1000*(i-1)+k with 4 leaves or fewer, else 0x2000+g
#            (--host-usid BASE: BASE+g+1); address NET:(i*0x10)::(k+1)/64 (default
#            NET 2001:db8: host1 = 2001:db8:10::2); the hosts of a leaf share a bridge;
#   UDT (default fe09) = uDT6 on the host, installed in the combined node+function form
#            BLOCK:HOST:UDT::/64 End.DT6 table 255 (local: the host delivers the inner packet);
#   every node: End with the next-csid flavour on its /48 locator (lblen 32, nflen 16);
#   underlay: leaf i port sJ <-> spine j port lI, fd5f:i:j::1/64 and ::2/64, static /48 routes.
# Every host is an SRv6 NIC: H.Encaps.Red (no SRH) to BLOCK:LEAFs:SPINEj:LEAFd:HOST:UDT::, the
# spine chosen per queue pair by the UDP source port: ip rule "ipproto udp sport
# SPORT_BASE+256(j-1) .. +255" -> table 100+j (default SPORT_BASE 49152, as in the reference).
# Other traffic (ping, ICMP errors) goes via the --default-spine (1).
# Links have MTU 9000, so a 4096-byte RoCE payload plus two IPv6 headers fits.
#
# Usage (root):
#   fabric.sh up    [--prefix P] [--spines S] [--leaves L] [--hosts H] [--block HHHH:HHHH]
#                   [--leaf-usid BASE] [--spine-usid BASE] [--host-usid BASE|lab] [--udt HHHH]
#                   [--net HHHH:HHHH] [--sport-base PORT] [--default-spine J] [--mtu N]
#                   [--config-out FILE] [--env] [--no-check]
#   fabric.sh down  [--prefix P | --all]
#   fabric.sh fault misroute    [--prefix P] [--leaf I] [--spine J] [--to-spine K] [--dst-leaf D]
#        leaf I sends spine J's locator (only towards leaf D when given: BLOCK:SPINEj:LEAFd::/64)
#        to spine K (default leaf 1, spine 1, to-spine 2): spine K sees packets whose active uSID
#        is not its own -> misrouted, and drops them (no route).
#   fabric.sh fault blackhole   [--prefix P] [--spine J] [--dst-leaf D]
#        spine J drops what it forwards towards leaf D (default 1 and the last leaf) after its
#        uSID shift: seen entering on lI, never leaving on lD -> lost_in_node at spine J.
#   fabric.sh fault wrong-spine [--prefix P] [--host N] [--sport LO[-HI]] [--to-spine K]
#        host N (default host1) sends UDP source ports LO-HI (default spine 1's range) through
#        spine K's table (default 2): a pinned QP leaves its policy -> policy_violation.
#   fabric.sh fault clear       [--prefix P]
#   fabric.sh info  [--prefix P]       the state (shell assignments) of a running fabric
#   fabric.sh run   [up options] -- COMMAND ...
#        up, run COMMAND with the state in its environment, down (also on failure or a signal).
#
# `up` and `down` are idempotent: `up` first removes a fabric of the same prefix. The prefix
# defaults to "stf<pid>"; namespaces are P-host1, P-leaf1, P-spine1, ... The state (env,
# lab.yaml, hosts.tsv, faults) lives in /run/spinetap-fabric/P. A failing `up` tears down what
# it built (trap). `up` prints the capture specs (-i spine1-l1=P-spine1/l1 ...); with --env it
# prints only shell assignments (FABRIC_PREFIX, FABRIC_CONFIG, FABRIC_IFACES, FABRIC_STATE,
# FABRIC_HOSTS) for eval, progress going to stderr.
set -eu
set -o pipefail

STATE_ROOT=${FABRIC_STATE_ROOT:-/run/spinetap-fabric}

die() { echo "fabric.sh: $*" >&2; exit 2; }
say() { [ "${QUIET:-0}" = 1 ] || echo "fabric: $*" >&2; }
hex() { printf '%x' "$1"; }

usage() { sed -n '/^# Usage/,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# ---------- options ----------
PREFIX="" SPINES=2 LEAVES=2 HOSTS=1 BLOCK=fcbb:bbbb LEAF_BASE=0x0000 SPINE_BASE=0x1000
HOST_BASE=lab UDT=fe09 NET=2001:db8 SPORT_BASE=49152 DEFAULT_SPINE=1 MTU=9000
CONFIG_OUT="" ENV_OUT=0 CHECK=1 ALL=0
F_LEAF=1 F_SPINE="" F_TO="" F_DLEAF="" F_HOST=host1 F_SPORT=""

num() { # name value min max
	case "$2" in '' | *[!0-9xXa-fA-F]*) die "$1 $2: not a number" ;; esac
	local v=$(($2))
	[ "$v" -ge "$3" ] && [ "$v" -le "$4" ] || die "$1 $2: must be $3..$4"
	echo "$v"
}

parse_opts() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--prefix) PREFIX=$2; shift ;;
		--spines) SPINES=$(num "$1" "$2" 1 64); shift ;;
		--leaves) LEAVES=$(num "$1" "$2" 2 64); shift ;;
		--hosts) HOSTS=$(num "$1" "$2" 1 64); shift ;;
		--block) BLOCK=$2; shift ;;
		--leaf-usid) LEAF_BASE=$2; shift ;;
		--spine-usid) SPINE_BASE=$2; shift ;;
		--host-usid) HOST_BASE=$2; shift ;;
		--udt) UDT=$2; shift ;;
		--net) NET=$2; shift ;;
		--sport-base) SPORT_BASE=$(num "$1" "$2" 1024 65280); shift ;;
		--default-spine) DEFAULT_SPINE=$(num "$1" "$2" 1 64); shift ;;
		--mtu) MTU=$(num "$1" "$2" 1280 65535); shift ;;
		--config-out) CONFIG_OUT=$2; shift ;;
		--env) ENV_OUT=1 QUIET=1 ;;
		--quiet | -q) QUIET=1 ;;
		--no-check) CHECK=0 ;;
		--all) ALL=1 ;;
		--leaf) F_LEAF=$(num "$1" "$2" 1 64); shift ;;
		--spine) F_SPINE=$(num "$1" "$2" 1 64); shift ;;
		--to-spine) F_TO=$(num "$1" "$2" 1 64); shift ;;
		--dst-leaf) F_DLEAF=$(num "$1" "$2" 1 64); shift ;;
		--host) F_HOST=$2; shift ;;
		--sport) F_SPORT=$2; shift ;;
		-h | --help) usage; exit 0 ;;
		--) shift; RUN_CMD=("$@"); return 0 ;;
		*) die "unknown option '$1' (fabric.sh --help)" ;;
		esac
		[ $# -gt 0 ] || die "option needs a value"
		shift
	done
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
CMD=$1
shift
SUB=""
if [ "$CMD" = fault ]; then
	[ $# -ge 1 ] || die "fault needs misroute, blackhole, wrong-spine or clear"
	SUB=$1
	shift
fi
RUN_CMD=()
parse_opts "$@"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
command -v ip >/dev/null || die "needs iproute2 (ip)"

# ---------- the model ----------
# Computed once into arrays (forks are slow here: no $(...) in loops).
# LU[i] SU[j] leaf/spine uSIDs; HU[i,k] HN[i,k] HA[i,k] host uSID, name, address; GW[i] NETP[i];
# X_* the same uSIDs in hex; SPLO[j] first source port of spine j.
declare -A HU HN HA XHU
declare -a LU SU XLU XSU GW NETP SPLO
model() {
	local i j k u
	if [ "$HOST_BASE" = lab ] && [ "$LEAVES" -gt 4 ]; then HOST_BASE=0x1fff; fi
	for ((i = 1; i <= LEAVES; i++)); do
		LU[i]=$((LEAF_BASE + i)); printf -v 'XLU[i]' %x "${LU[i]}"
		printf -v 'NETP[i]' '%s:%x::' "$NET" $((i * 16))
		GW[i]="${NETP[i]}1"
		for ((k = 1; k <= HOSTS; k++)); do
			if [ "$HOST_BASE" = lab ]; then u=$((0xa000 + 0x1000 * (i - 1) + k)); else u=$((HOST_BASE + (i - 1) * HOSTS + k)); fi
			HU[$i,$k]=$u; printf -v "XHU[$i,$k]" %x "$u"
			HN[$i,$k]=host$(((i - 1) * HOSTS + k))
			printf -v "HA[$i,$k]" '%s%x' "${NETP[i]}" $((k + 1))
		done
	done
	for ((j = 1; j <= SPINES; j++)); do
		SU[j]=$((SPINE_BASE + j)); printf -v 'XSU[j]' %x "${SU[j]}"
		SPLO[j]=$((SPORT_BASE + 256 * (j - 1)))
	done
}
validate() {
	[[ $BLOCK =~ ^[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}$ ]] || die "--block $BLOCK: two hex words, e.g. fcbb:bbbb"
	[[ $NET =~ ^[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4}){1,2}$ ]] || die "--net $NET: two or three hex words, e.g. 2001:db8"
	[[ $UDT =~ ^[eEfF][0-9a-fA-F]{3}$ ]] || die "--udt $UDT: a local uSID e000-ffff"
	[[ $LEAF_BASE =~ ^(0x)?[0-9a-fA-F]+$ && $SPINE_BASE =~ ^(0x)?[0-9a-fA-F]+$ ]] || die "--leaf-usid/--spine-usid: a hex number"
	[[ $HOST_BASE = lab || $HOST_BASE =~ ^(0x)?[0-9a-fA-F]+$ ]] || die "--host-usid $HOST_BASE: a hex number or lab"
	[ "$DEFAULT_SPINE" -le "$SPINES" ] || die "--default-spine $DEFAULT_SPINE: only $SPINES spines"
	[ $((SPORT_BASE + 256 * SPINES)) -le 65536 ] || die "--sport-base $SPORT_BASE: $SPINES ranges of 256 ports do not fit"
	[ ${#PREFIX} -le 12 ] || die "--prefix $PREFIX: at most 12 characters"
	[[ $PREFIX =~ ^[A-Za-z0-9_.]+$ ]] || die "--prefix $PREFIX: letters, digits, _ and ."
	model
	# every uSID global (below e000), non-zero and unique
	local -A seen
	local u
	for u in "${LU[@]}" "${SU[@]}" "${HU[@]}"; do
		[ "$u" -gt 0 ] && [ "$u" -lt $((0xe000)) ] || die "uSID $(hex "$u") is not a global uSID (1..dfff)"
		[ -z "${seen[$u]:-}" ] || die "uSID $(hex "$u") is given to two nodes (change --leaf-usid/--spine-usid/--host-usid)"
		seen[$u]=1
	done
}
node_list() {
	local i j k
	for ((i = 1; i <= LEAVES; i++)); do for ((k = 1; k <= HOSTS; k++)); do echo "${HN[$i,$k]}"; done; done
	for ((i = 1; i <= LEAVES; i++)); do echo "leaf$i"; done
	for ((j = 1; j <= SPINES; j++)); do echo "spine$j"; done
}
ns() { echo "$PREFIX-$1"; }

# ---------- state ----------
state_dir() { echo "$STATE_ROOT/$PREFIX"; }
load_state() {
	[ -n "$PREFIX" ] || {
		local n
		n=$(ls "$STATE_ROOT" 2>/dev/null | wc -l)
		[ "$n" = 1 ] || die "--prefix needed ($n fabrics in $STATE_ROOT)"
		PREFIX=$(ls "$STATE_ROOT")
	}
	[ -f "$(state_dir)/env" ] || die "no fabric with prefix '$PREFIX' (no $(state_dir)/env)"
	# shellcheck disable=SC1090
	. "$(state_dir)/env"
	model
}

# ---------- down ----------
down_prefix() { # remove every namespace of the prefix, and its state
	local p=$1 n
	for n in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$n" in "$p"-host* | "$p"-leaf* | "$p"-spine*) ip netns del "$n" 2>/dev/null || true ;; esac
	done
	rm -rf "${STATE_ROOT:?}/$p"
}

cmd_down() {
	if [ "$ALL" = 1 ]; then
		local d
		for d in "$STATE_ROOT"/*/; do
			[ -d "$d" ] || continue
			d=${d%/}
			down_prefix "${d##*/}"
			say "down: ${d##*/}"
		done
		return 0
	fi
	[ -n "$PREFIX" ] || die "down needs --prefix P (or --all)"
	down_prefix "$PREFIX"
	say "down: $PREFIX"
}

# ---------- up ----------
# Commands are collected per namespace and run with `ip -batch`, so a big fabric comes up in a
# second or two.
declare -A BATCH
b() { BATCH[$1]+="$2"$'\n'; }

cmd_up() {
	[ -n "$PREFIX" ] || PREFIX="stf$$"
	validate
	down_prefix "$PREFIX"
	local sd="$STATE_ROOT/$PREFIX"
	mkdir -p "$sd"
	# A failing `up` leaves nothing behind.
	trap 'rc=$?; if [ $rc -ne 0 ]; then echo "fabric.sh: up failed, tearing down $PREFIX" >&2; down_prefix "$PREFIX"; fi' EXIT
	trap 'exit 130' INT TERM HUP

	local nodes n i j k d m P=$PREFIX
	nodes=$(node_list)
	say "up: prefix $P, $SPINES spines x $LEAVES leaves x $HOSTS hosts per leaf, block $BLOCK::/32"
	for n in $nodes; do
		ip netns add "$P-$n"
		# before any link exists, so every interface inherits them: forwarding on, no DAD (link-local
		# addresses usable at once, no ND delay), no ICMP rate limit
		ip netns exec "$P-$n" sh -c 'for s in net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_ra=0 net.ipv6.icmp.ratelimit=0; do sysctl -qw $s 2>/dev/null; done; true'
		b "$n" "link set lo up"
	done
	# FABRIC_TEST_FAIL=1: fail half-way, so the tests can see the trap clean up
	[ "${FABRIC_TEST_FAIL:-0}" != 1 ] || die "FABRIC_TEST_FAIL: failing on purpose after the namespaces"
	# links (created from the root namespace straight into the nodes)
	local ll
	for ((i = 1; i <= LEAVES; i++)); do
		for ((j = 1; j <= SPINES; j++)); do
			printf -v ll 'fd5f:%x:%x::' "$i" "$j"
			ip link add "s$j" mtu "$MTU" netns "$P-leaf$i" type veth peer name "l$i" mtu "$MTU" netns "$P-spine$j"
			b "leaf$i" "link set s$j up"
			b "spine$j" "link set l$i up"
			b "leaf$i" "addr add ${ll}1/64 dev s$j nodad"
			b "spine$j" "addr add ${ll}2/64 dev l$i nodad"
		done
		b "leaf$i" "link add br0 mtu $MTU type bridge"
		b "leaf$i" "link set br0 up"
		b "leaf$i" "addr add ${GW[i]}/64 dev br0 nodad"
		for ((k = 1; k <= HOSTS; k++)); do
			ip link add "h$k" mtu "$MTU" netns "$P-leaf$i" type veth peer name eth1 mtu "$MTU" netns "$P-${HN[$i,$k]}"
			b "leaf$i" "link set h$k master br0 up"
			b "${HN[$i,$k]}" "link set eth1 up"
			b "${HN[$i,$k]}" "addr add ${HA[$i,$k]}/64 dev eth1 nodad"
		done
	done
	# uN (End, next-csid flavour) on every node, underlay routes
	local E="encap seg6local action End flavors next-csid lblen 32 nflen 16"
	for ((i = 1; i <= LEAVES; i++)); do
		b "leaf$i" "route add $BLOCK:${XLU[i]}::/48 $E dev br0"
		for ((j = 1; j <= SPINES; j++)); do
			printf -v ll 'fd5f:%x:%x::' "$i" "$j"
			b "leaf$i" "route add $BLOCK:${XSU[j]}::/48 via ${ll}2 dev s$j"
			b "spine$j" "route add $BLOCK:${XLU[i]}::/48 via ${ll}1 dev l$i"
		done
		for ((k = 1; k <= HOSTS; k++)); do
			b "leaf$i" "route add $BLOCK:${XHU[$i,$k]}::/48 via ${HA[$i,$k]} dev br0"
		done
	done
	for ((j = 1; j <= SPINES; j++)); do
		b "spine$j" "route add $BLOCK:${XSU[j]}::/48 $E dev l1"
	done
	# hosts: uN, uDT6, the SRv6 NIC (per-spine tables chosen by UDP source port)
	local hosts_tsv="" h seg
	for ((i = 1; i <= LEAVES; i++)); do
		for ((k = 1; k <= HOSTS; k++)); do
			h=${HN[$i,$k]}
			hosts_tsv+="$h	$P-$h	leaf$i	${HA[$i,$k]}	0x${XHU[$i,$k]}"$'\n'
			b "$h" "route add $BLOCK:${XHU[$i,$k]}::/48 $E dev eth1"
			b "$h" "route add $BLOCK:${XHU[$i,$k]}:$UDT::/64 encap seg6local action End.DT6 table 255 dev eth1"
			b "$h" "route add default via ${GW[i]} dev eth1"
			for ((d = 1; d <= LEAVES; d++)); do
				[ "$d" = "$i" ] && continue
				for ((m = 1; m <= HOSTS; m++)); do
					for ((j = 1; j <= SPINES; j++)); do
						seg="$BLOCK:${XLU[i]}:${XSU[j]}:${XLU[d]}:${XHU[$d,$m]}:$UDT::"
						b "$h" "route add ${HA[$d,$m]}/128 encap seg6 mode encap.red segs $seg via ${GW[i]} dev eth1 table $((100 + j))"
						[ "$j" = "$DEFAULT_SPINE" ] &&
							b "$h" "route add ${HA[$d,$m]}/128 encap seg6 mode encap.red segs $seg via ${GW[i]} dev eth1"
					done
				done
			done
			for ((j = 1; j <= SPINES; j++)); do
				b "$h" "rule add ipproto udp sport ${SPLO[j]}-$((SPLO[j] + 255)) table $((100 + j)) pref $((1000 + j))"
			done
		done
	done
	for n in $nodes; do
		printf '%s' "${BATCH[$n]}" | ip -6 -n "$P-$n" -batch - ||
			die "ip -batch failed in $P-$n"
	done

	# state
	local ifaces="" lab="$sd/lab.yaml" v
	for ((j = 1; j <= SPINES; j++)); do
		for ((i = 1; i <= LEAVES; i++)); do
			ifaces+="${ifaces:+ }-i spine$j-l$i=$P-spine$j/l$i"
		done
	done
	printf '%s' "$hosts_tsv" >"$sd/hosts.tsv"
	: >"$sd/faults"
	{
		echo "# fabric.sh state of $P"
		for v in PREFIX SPINES LEAVES HOSTS BLOCK LEAF_BASE SPINE_BASE HOST_BASE UDT NET SPORT_BASE DEFAULT_SPINE MTU; do
			printf '%s=%q\n' "$v" "${!v}"
		done
		printf 'FABRIC_PREFIX=%q\nFABRIC_STATE=%q\nFABRIC_CONFIG=%q\nFABRIC_IFACES=%q\nFABRIC_HOSTS=%q\n' \
			"$P" "$sd" "$lab" "$ifaces" "$sd/hosts.tsv"
	} >"$sd/env"
	write_config >"$lab"
	if [ -n "$CONFIG_OUT" ]; then cp "$lab" "$CONFIG_OUT"; fi

	if [ "$CHECK" = 1 ]; then check_fabric; fi
	trap - EXIT INT TERM HUP
	if [ "$ENV_OUT" = 1 ]; then
		grep '^FABRIC_' "$sd/env"
	else
		say "up: $(echo "$nodes" | wc -l) namespaces $P-{host*,leaf*,spine*}"
		echo "prefix  $P"
		echo "config  $lab"
		echo "hosts   $(awk '{printf "%s%s=%s(%s)", (NR>1?" ":""), $1, $4, $3}' "$sd/hosts.tsv")"
		echo "capture $ifaces"
		echo "down    $0 down --prefix $P"
	fi
}

# One UDP datagram per (source leaf, destination leaf, spine), from the first host of each leaf
# to the first host of every other leaf with a source port of that spine's range, so a broken
# build fails here and not in a test (python3, no ping needed): one listener per destination.
check_fabric() {
	local i d j py=${PYTHON:-/usr/bin/python3} dsts="" sports="" P=$PREFIX sd="$STATE_ROOT/$PREFIX"
	[ -x "$py" ] || py=python3
	for ((j = 1; j <= SPINES; j++)); do sports+="${sports:+,}$((SPLO[j] + 200))"; done
	local -a lpids
	for ((d = 1; d <= LEAVES; d++)); do
		dsts+="${dsts:+,}${HA[$d,1]}"
		ip netns exec "$P-${HN[$d,1]}" "$py" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 4700)); s.settimeout(3)
got = set(); want = int(sys.argv[2])
try:
    while len(got) < want:
        data, peer = s.recvfrom(100)
        got.add((peer[0], peer[1]))
finally:
    print(" ".join("%s/%d" % p for p in sorted(got)))
' "${HA[$d,1]}" $(((LEAVES - 1) * SPINES)) >"$sd/check.$d" 2>&1 &
		lpids[d]=$!
	done
	local try alive
	for try in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.1
		for ((i = 1; i <= LEAVES; i++)); do
			ip netns exec "$P-${HN[$i,1]}" "$py" -c '
import socket, sys
for d in sys.argv[3].split(","):
    if d == sys.argv[1]: continue
    for p in sys.argv[2].split(","):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::", int(p))); s.sendto(b"fabric-check", (d, 4700)); s.close()
' "${HA[$i,1]}" "$sports" "$dsts" || true
		done
		alive=0
		for ((d = 1; d <= LEAVES; d++)); do kill -0 "${lpids[d]}" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
	done
	for ((d = 1; d <= LEAVES; d++)); do
		wait "${lpids[d]}" ||
			die "check: ${HN[$d,1]} got only [$(cat "$sd/check.$d")] of source ports $sports from every other leaf"
		rm -f "$sd/check.$d"
	done
	say "check: the first host of every leaf reaches every other leaf through every spine"
}

# The spinetap config (man/spinetap.conf.5) of this fabric: nodes, one tap per spine port, and one
# pinned policy per (source leaf, destination leaf, spine) matching that spine's sport range.
write_config() {
	local i j k d hostpat
	echo "# spinetap fabric config, written by tests/fabric/fabric.sh for the namespaces $PREFIX-*"
	echo "usid:"
	echo "  block: $BLOCK::/32"
	echo "  nflen: 16"
	echo "  local: 0xe000-0xffff"
	echo "nodes:"
	for ((i = 1; i <= LEAVES; i++)); do printf '  %-8s { usid: 0x%04x, role: leaf }\n' "leaf$i:" "${LU[i]}"; done
	for ((j = 1; j <= SPINES; j++)); do printf '  %-8s { usid: 0x%04x, role: spine }\n' "spine$j:" "${SU[j]}"; done
	for ((i = 1; i <= LEAVES; i++)); do
		for ((k = 1; k <= HOSTS; k++)); do
			printf '  %-8s { usid: 0x%04x, role: host }   # %s\n' "${HN[$i,$k]}:" "${HU[$i,$k]}" "${HA[$i,$k]}"
		done
	done
	echo "taps:"
	for ((j = 1; j <= SPINES; j++)); do
		for ((i = 1; i <= LEAVES; i++)); do
			echo "  spine$j-l$i: { node: spine$j, peer: leaf$i }   # ip netns exec $PREFIX-spine$j tcpdump -ni l$i"
		done
	done
	echo "policies:"
	for ((i = 1; i <= LEAVES; i++)); do
		for ((d = 1; d <= LEAVES; d++)); do
			[ "$i" = "$d" ] && continue
			if [ "$HOSTS" = 1 ]; then hostpat=${HN[$d,1]}; else hostpat='"host*"'; fi
			for ((j = 1; j <= SPINES; j++)); do
				echo "  - name: l$i-l$d-via-spine$j"
				echo "    match: { src: ${NETP[i]}/64, dst: ${NETP[d]}/64, sport: ${SPLO[j]}-$((SPLO[j] + 255)) }"
				echo "    paths: [ [leaf$i, spine$j, leaf$d, $hostpat] ]"
				echo "    mode: pin"
			done
		done
	done
	echo "settings: { roce_ports: [4791], correlation_window_ms: 100 }"
}

# ---------- faults ----------
# Each fault appends its undo command to the state's faults file; `fault clear` runs them.
fault_add() { # undo-command, then do-command...
	local undo=$1
	shift
	"$@"
	echo "$undo" >>"$(state_dir)/faults"
}

cmd_fault() {
	load_state
	case "$SUB" in
	misroute)
		local L=${F_LEAF:-1} J=${F_SPINE:-1} K=${F_TO:-2} pfx
		[ "$L" -le "$LEAVES" ] && [ "$J" -le "$SPINES" ] && [ "$K" -le "$SPINES" ] && [ "$J" != "$K" ] ||
			die "misroute: leaf $L, spine $J -> spine $K do not fit $SPINES spines x $LEAVES leaves"
		if [ -n "$F_DLEAF" ]; then
			[ "$F_DLEAF" -le "$LEAVES" ] || die "misroute: no leaf $F_DLEAF"
			pfx="$BLOCK:${XSU[J]}:${XLU[F_DLEAF]}::/64"
		else
			# the two /49 halves of the /48: more specific than the leaf's route, removable alone
			pfx="$BLOCK:${XSU[J]}::/49 $BLOCK:${XSU[J]}:8000::/49"
		fi
		local p
		for p in $pfx; do
			fault_add "ip -n $(ns "leaf$L") -6 route del $p" \
				ip -n "$(ns "leaf$L")" -6 route add "$p" via "fd5f:$(hex "$L"):$(hex "$K")::2" dev "s$K"
		done
		say "fault misroute: leaf$L sends spine$J's traffic${F_DLEAF:+ to leaf$F_DLEAF} to spine$K ($pfx)"
		;;
	blackhole)
		local J=${F_SPINE:-1} D=${F_DLEAF:-$LEAVES} pfx
		[ "$J" -le "$SPINES" ] && [ "$D" -le "$LEAVES" ] || die "blackhole: spine $J, leaf $D do not fit"
		# after spine J's shift the DA is BLOCK:LEAFd:...: blackhole both /49 halves of leaf D's /48
		for pfx in "$BLOCK:${XLU[D]}::/49" "$BLOCK:${XLU[D]}:8000::/49"; do
			fault_add "ip -n $(ns "spine$J") -6 route del blackhole $pfx" \
				ip -n "$(ns "spine$J")" -6 route add blackhole "$pfx"
		done
		say "fault blackhole: spine$J drops what it forwards to leaf$D"
		;;
	wrong-spine)
		local K=${F_TO:-2} H=$F_HOST range
		[ "$K" -le "$SPINES" ] || die "wrong-spine: no spine $K"
		grep -q "^$H	" "$(state_dir)/hosts.tsv" || die "wrong-spine: no host '$H'"
		range=${F_SPORT:-${SPLO[1]}-$((SPLO[1] + 255))}
		[[ $range =~ ^[0-9]+(-[0-9]+)?$ ]] || die "wrong-spine: --sport $range: PORT or LO-HI"
		fault_add "ip -n $(ns "$H") -6 rule del pref 900" \
			ip -n "$(ns "$H")" -6 rule add ipproto udp sport "$range" table $((100 + K)) pref 900
		say "fault wrong-spine: $H sends UDP source ports $range via spine$K"
		;;
	clear)
		local f
		f="$(state_dir)/faults"
		if [ -s "$f" ]; then
			tac "$f" | while read -r c; do $c 2>/dev/null || true; done
		fi
		: >"$f"
		say "fault clear: every fault undone"
		;;
	*) die "fault $SUB: misroute, blackhole, wrong-spine or clear" ;;
	esac
}

# ---------- run ----------
cmd_run() {
	[ ${#RUN_CMD[@]} -gt 0 ] || die "run needs -- COMMAND"
	[ -n "$PREFIX" ] || PREFIX="stf$$"
	local keep_env=$ENV_OUT
	ENV_OUT=1 QUIET=${QUIET:-0}
	local envs
	envs=$(cmd_up)
	trap 'down_prefix "$PREFIX"' EXIT
	trap 'exit 130' INT TERM HUP
	eval "$envs"
	export FABRIC_PREFIX FABRIC_STATE FABRIC_CONFIG FABRIC_IFACES FABRIC_HOSTS
	[ "$keep_env" = 1 ] || true
	"${RUN_CMD[@]}"
}

case "$CMD" in
up) cmd_up ;;
down) cmd_down ;;
fault) cmd_fault ;;
info) load_state; grep '^FABRIC_' "$(state_dir)/env" ;;
run) cmd_run ;;
-h | --help | help) usage ;;
*) die "unknown command '$CMD' (up, down, fault, info, run)" ;;
esac
