#!/bin/sh
# check_readme.sh REPO_ROOT
#
# Every fenced code block in README.md whose language is c, cmake, make,
# nginx, proto, js or html must be taken from files the tests build: each non-blank
# line, trimmed, must appear (trimmed, as a whole line) in some file under
# examples/, tests/, cmake/ or bench/. Elision lines ("...", "/* ... */")
# are exempt. Markdown files and tests/readme/ itself do not count. Prints
# the README line number of every line not found.
set -eu
root=${1:?usage: check_readme.sh REPO_ROOT}
readme=$root/README.md
[ -f "$readme" ] || { echo "FAIL: $readme not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Trimmed copy of every candidate line, one file.
for d in examples tests cmake bench; do
    [ -d "$root/$d" ] || continue
    # Not documentation (*.md) nor this test: those are not built code.
    find "$root/$d/" -type f -size -2M ! -name '*.md' ! -path '*/readme/*' \
        ! -path '*/.git/*' -print
done | while IFS= read -r f; do
    grep -Iq . "$f" 2>/dev/null || continue   # skip binary and empty files
    sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$f"
done | grep -v '^$' | sort -u > "$tmp/lines"

# The README lines to check: "LINENO<TAB>trimmed text".
awk '
    /^[[:space:]]*```/ {
        if (!inblock) {
            lang = $0; sub(/^[[:space:]]*```[[:space:]]*/, "", lang); sub(/[[:space:]].*$/, "", lang)
            inblock = 1
            check = (lang == "c" || lang == "cmake" || lang == "make" || lang == "nginx" || lang == "proto" ||
                     lang == "js" || lang == "html")
            if (check) nblocks++
        } else {
            inblock = 0; check = 0
        }
        next
    }
    inblock && check {
        t = $0; sub(/^[[:space:]]+/, "", t); sub(/[[:space:]]+$/, "", t)
        if (t == "" || t == "..." || t == "/* ... */") next
        printf "%d\t%s\n", NR, t
    }
    END { print nblocks + 0 > "/dev/stderr" }
' "$readme" > "$tmp/wanted" 2> "$tmp/nblocks"

nblocks=$(cat "$tmp/nblocks")
missing=0
while IFS="$(printf '\t')" read -r n text; do
    if ! printf '%s\n' "$text" | grep -F -x -q -f - "$tmp/lines"; then
        printf "README.md:%s: not in any file under examples/ tests/ cmake/ bench/: %s\n" "$n" "$text"
        missing=$((missing + 1))
    fi
done < "$tmp/wanted"

checked=$(wc -l < "$tmp/wanted")
if [ "$missing" -ne 0 ]; then
    echo "FAIL: $missing of $checked checked README lines (in $nblocks code blocks) are not taken from a tested file"
    exit 1
fi
echo "OK: $checked lines in $nblocks c/cmake/make/nginx/proto/js/html code blocks of README.md are taken from tested files"
