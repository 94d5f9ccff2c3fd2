#!/usr/bin/env bash
# fetch.sh — gather the real-world .proto corpus into a cache folder.
#
# Usage: tests/corpus/fetch.sh [CACHE_DIR]
#   CACHE_DIR defaults to $TYPERPC_CORPUS_CACHE, else ~/.cache/typerpc-corpus.
#
# The corpus is .proto files that no one on this project wrote, from two
# registries a fresh CI machine reaches:
#   - Debian 12 packages (debian-packages.txt, exact versions), fetched with
#     `apt-get download` (nothing is installed) and unpacked, .proto files
#     only, into one tree CACHE/debian/root laid out as on an installed
#     system (/usr/include/google/protobuf, /usr/share/gocode/src/..., ...);
#   - npm packages (npm/package.json with its lock file, exact versions),
#     installed with `npm ci --ignore-scripts` into CACHE/npm.
# Nothing fetched is committed (licences and size); CACHE/MANIFEST.tsv says
# what was gathered: source, package, version, folder, number of .proto files.
#
# A pinned Debian version that the archive no longer serves (a point release
# replaced it) is replaced by the current one, with a warning and the version
# actually used in the manifest.
#
# Exit status: 0 the corpus is in CACHE_DIR; 3 a source could not be fetched
# (no network, no apt lists, no npm): callers such as the ctest skip then.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${TYPERPC_CORPUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/typerpc-corpus}}
mkdir -p "$cache" || exit 3
cache=$(cd "$cache" && pwd)

die_fetch() {
    echo "corpus: $*" >&2
    exit 3
}

# Fetch again only when the pins (or this script) change.
stamp=$(cat "$here/debian-packages.txt" "$here/npm/package.json" \
            "$here/npm/package-lock.json" "$0" | sha256sum | cut -c1-16)
if [ -f "$cache/.complete" ] && [ "$(cat "$cache/.complete")" = "$stamp" ]; then
    echo "corpus: up to date in $cache"
    exit 0
fi
rm -f "$cache/.complete"

for tool in apt-get dpkg-deb tar npm; do
    command -v "$tool" >/dev/null || die_fetch "'$tool' is not installed"
done

manifest="$cache/MANIFEST.tsv.tmp"
printf 'source\tpackage\tversion\tfolder\tproto_files\n' >"$manifest"

# ---------------------------------------------------------------- Debian
mkdir -p "$cache/debs"
rm -rf "$cache/debian.tmp"
mkdir -p "$cache/debian.tmp/root" "$cache/debian.tmp/lists"
while read -r pkg ver _; do
    case "$pkg" in ''|'#'*) continue ;; esac
    # apt-get download names the file PKG_VERSION_ARCH.deb, with ':' as %3a.
    deb=""
    for f in "$cache/debs/${pkg}_"*.deb; do
        [ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$ver" ] && deb=$f
    done
    if [ -z "$deb" ]; then
        if ! (cd "$cache/debs" && timeout 300 apt-get download -q "$pkg=$ver" >/dev/null 2>&1); then
            echo "corpus: warning: $pkg $ver is not served; taking the current version" >&2
            (cd "$cache/debs" && timeout 300 apt-get download -q "$pkg" >/dev/null 2>&1) ||
                die_fetch "cannot download Debian package $pkg (apt-get update first?)"
        fi
        for f in "$cache/debs/${pkg}_"*.deb; do
            [ -f "$f" ] && deb=$f
        done
        [ -n "$deb" ] || die_fetch "apt-get download $pkg left no .deb"
    fi
    got=$(dpkg-deb -f "$deb" Version)
    # Regular files only: a symlink to another .proto is the same file.
    dpkg-deb -c "$deb" | awk '$1 ~ /^-/ {print $6}' | grep '\.proto$' | sed 's|^\./||' |
        sort >"$cache/debian.tmp/lists/$pkg.txt"
    dpkg-deb --fsys-tarfile "$deb" |
        tar -x -C "$cache/debian.tmp/root" --wildcards '*.proto' ||
        die_fetch "cannot unpack $deb"
    n=$(wc -l <"$cache/debian.tmp/lists/$pkg.txt")
    printf 'debian\t%s\t%s\tdebian/root\t%d\n' "$pkg" "$got" "$n" >>"$manifest"
done <"$here/debian-packages.txt"
rm -rf "$cache/debian"
mv "$cache/debian.tmp" "$cache/debian"

# ------------------------------------------------------------------- npm
mkdir -p "$cache/npm"
cp "$here/npm/package.json" "$here/npm/package-lock.json" "$cache/npm/"
(cd "$cache/npm" && timeout 900 npm ci --ignore-scripts --no-audit --no-fund \
    --loglevel=error >/dev/null) || die_fetch "npm ci failed (is the npm registry reachable?)"
# The packages named in package.json are the collections; their own
# dependencies are only installed, not part of the corpus.
deps=$(/usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["dependencies"]))' \
           "$cache/npm/package.json") || die_fetch "cannot read npm/package.json"
for dep in $deps; do
    dir="$cache/npm/node_modules/$dep"
    ver=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
              "$dir/package.json") || die_fetch "npm package $dep is missing"
    n=$(find "$dir" -name '*.proto' -type f | wc -l)
    printf 'npm\t%s\t%s\tnpm/node_modules/%s\t%d\n' "$dep" "$ver" "$dep" "$n" >>"$manifest"
done

mv "$manifest" "$cache/MANIFEST.tsv"
echo "$stamp" >"$cache/.complete"
total=$(awk -F'\t' 'NR > 1 { n += $5 } END { print n }' "$cache/MANIFEST.tsv")
echo "corpus: $total .proto files in $cache"
