#!/usr/bin/env bash
# sample.sh — the corpus ctest: fetch the real-world corpus (tests/corpus/
# fetch.sh) and check a deterministic sample of it, a few hundred files
# across every package, against protoc (tests/corpus/corpus.py).
#
# Usage: sample.sh TYPERPC CACHE_DIR INCLUDE_DIR [SAMPLE_SIZE]
# Exit status: corpus.py's (0 pass, 1 fail); 77 (ctest's skip) when the
# sources cannot be fetched on this machine (no network, no apt lists, no npm).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
typerpc=$1 cache=$2 include=$3 size=${4:-150}

"$here/fetch.sh" "$cache"
rc=$?
if [ "$rc" -eq 3 ]; then
    echo "SKIPPED: the corpus sources (Debian packages via apt-get download, npm packages"
    echo "via npm ci) cannot be fetched on this machine; see the message above."
    exit 77
elif [ "$rc" -ne 0 ]; then
    exit "$rc"
fi
exec /usr/bin/python3 "$here/corpus.py" --cache "$cache" --typerpc "$typerpc" \
    --include "$include" --sample "$size" -j 2
