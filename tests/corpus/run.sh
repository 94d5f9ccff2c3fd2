#!/usr/bin/env bash
# run.sh — fetch the real-world corpus (if needed) and check typerpc against
# protoc on it: accept/reject agreement, no crash, generated C that compiles
# with gcc and clang -Wall -Wextra -Werror. Prints the counts and every
# disagreement; exit status 0 only when everything passed.
#
# Usage: tests/corpus/run.sh [corpus.py options: --sample N, -j N, --only STR,
#                             --report FILE]
# Environment:
#   TYPERPC               the typerpc to test (default: build-asan/typerpc;
#                         build it with -DTYPERPC_ASAN=ON -DTYPERPC_UBSAN=ON)
#   TYPERPC_CORPUS_CACHE  where the corpus is kept (default ~/.cache/typerpc-corpus)
# The full corpus (8,000+ files) takes 25-50 minutes at -j2 on a 2-core
# machine with an ASan+UBSan build; --sample 150 takes 2-3 minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${TYPERPC_CORPUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/typerpc-corpus}
typerpc=${TYPERPC:-$root/build-asan/typerpc}
[ -x "$typerpc" ] || { echo "run.sh: no typerpc at $typerpc (set TYPERPC)" >&2; exit 2; }
"$here/fetch.sh" "$cache"
exec /usr/bin/python3 "$here/corpus.py" --cache "$cache" --typerpc "$typerpc" \
    --include "$root/include" -j 2 "$@"
