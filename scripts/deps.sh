#!/bin/sh
# deps.sh build|test - install the Debian packages spinetap needs.
#
# As root, installs what is missing (apt-get update once, then install).
# As another user, prints the exact apt-get line and carries on; the build
# then fails with the compiler's own message if something is really absent.
set -eu
want=${1:-build}
list=$(dirname "$0")/debian-packages.txt
pkgs=$(awk -v w="$want" '!/^#/ && NF==2 && ($2=="build" || w=="test") {print $1}' "$list")
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	stamp=/var/lib/apt/periodic/spinetap-update-stamp
	if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +600 2>/dev/null)" ]; then
		apt-get update -qq && mkdir -p "$(dirname "$stamp")" && touch "$stamp"
	fi
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "deps: missing Debian packages; as root run:"
	echo "  apt-get update && apt-get install -y$missing"
fi
