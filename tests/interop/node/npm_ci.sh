#!/usr/bin/env bash
# npm_ci.sh DEST [NPM [NODE]]: installs the grpc-js interop peer's npm
# packages into DEST/node_modules, exactly as node/package-lock.json (beside
# this script, committed) pins them, with `npm ci`: first from npm's cache
# alone (--offline), else from the registry.  Does nothing when DEST already
# holds an install of this very lock file.  Install scripts are not run
# (--ignore-scripts): none of these packages needs one.
#
# ctest runs it as interop_grpcjs_setup, the fixture every grpc-js test
# requires; the tests then run node with NODE_PATH=DEST/node_modules.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEST=${1:?usage: npm_ci.sh DEST [NPM [NODE]]}
NPM=${2:-npm}
NODE=${3:-node}
STAMP=$DEST/installed-package-lock.json

mkdir -p "$DEST"
if [ -f "$STAMP" ] && [ -d "$DEST/node_modules/@grpc/grpc-js" ] &&
   cmp -s "$HERE/package-lock.json" "$STAMP" && cmp -s "$HERE/package.json" "$DEST/package.json"; then
  echo "npm_ci: $DEST is up to date"
  exit 0
fi
rm -f "$STAMP"
cp "$HERE/package.json" "$HERE/package-lock.json" "$DEST/"
cd "$DEST"
flags=(ci --ignore-scripts --no-audit --no-fund --loglevel=error)
if "$NPM" "${flags[@]}" --offline >npm-offline.log 2>&1; then
  echo "npm_ci: installed from npm's cache"
else
  echo "npm_ci: not all in npm's cache ($(grep -m 1 -E "npm (ERR|error)" npm-offline.log)); trying the registry"
  if ! "$NPM" "${flags[@]}"; then
    echo "npm_ci: 'npm ci' failed: the grpc-js interop tests need the npm registry" \
         "(or a warm npm cache) once" >&2
    exit 1
  fi
fi
# The peer loads these two; fail here, not in every test, if they do not load.
NODE_PATH=$DEST/node_modules "$NODE" -e \
  "require('@grpc/grpc-js'); require('@grpc/proto-loader')"
cp "$HERE/package-lock.json" "$STAMP"
echo "npm_ci: grpc-js $("$NODE" -p "require('$DEST/node_modules/@grpc/grpc-js/package.json').version") installed in $DEST"
