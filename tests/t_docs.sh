#!/bin/sh
# t_docs.sh - the man pages lint clean, every option of every command is
# documented in spinetap(8) (or spinetap-gen(1) for the generator), and no
# banned function (sprintf, strcpy, strcat, strtok, atoi, gets) is called.
cd "$(dirname "$0")/.." || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }

for m in man/*.[1-8]; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	if [ -z "$w" ]; then ok "man --warnings $m"; else notok "man --warnings $m: $w"; fi
done

# Options in the getopt_long tables: { "name", ... } rows in src/cmd_*.c.
for src in src/cmd_*.c; do
	for opt in $(sed -n 's/^[[:space:]]*{"\([a-z][a-z0-9-]*\)",.*/\1/p' "$src"); do
		if grep -q -- "\\\\-\\\\-$(echo "$opt" | sed 's/-/\\\\-/g')" man/spinetap.8; then
			ok "$src: --$opt is in spinetap(8)"
		else
			notok "$src: --$opt is not documented in man/spinetap.8"
		fi
	done
	# Short options from the getopt string.
	for o in $(sed -n 's/.*getopt_long(argc, argv, "+\{0,1\}\([A-Za-z:]*\)".*/\1/p' "$src" | tr -d ':' | fold -w1); do
		[ "$o" = h ] && continue
		if grep -q -- "^\.B.* \\\\-$o\\b\|^\.BR \\\\-$o \|^\.BI \\\\-$o \|\\\\-$o\"" man/spinetap.8; then
			ok "$src: -$o is in spinetap(8)"
		else
			notok "$src: -$o is not documented in man/spinetap.8"
		fi
	done
done
if [ -f src/gen_cli.c ] && [ -f man/spinetap-gen.1 ]; then
	for opt in $(sed -n 's/^[[:space:]]*{"\([a-z][a-z0-9-]*\)",.*/\1/p' src/gen_cli.c); do
		if grep -q -- "\\\\-\\\\-$(echo "$opt" | sed 's/-/\\\\-/g')" man/spinetap-gen.1; then
			ok "gen: --$opt is in spinetap-gen(1)"
		else
			notok "gen: --$opt is not documented in man/spinetap-gen.1"
		fi
	done
fi

# Banned functions (STYLE.md habit 13): calls, not mentions in comments.
bad=$(grep -nE '(^|[^_a-zA-Z0-9])(sprintf|strcpy|strcat|strtok|atoi|gets)[[:space:]]*\(' \
	dissectors/*.[ch] src/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c 2>/dev/null | grep -v '^\S*:\s*\*' | grep -v '//')
if [ -z "$bad" ]; then ok "no banned functions"; else notok "banned functions: $bad"; fi

# The README shows the two commands at the top and a source tour.
if head -20 README.md | grep -q 'make run' && head -20 README.md | grep -q 'make test'; then
	ok "README shows make run and make test at the top"
else
	notok "README does not show make run and make test at the top"
fi
echo "1..$n"
