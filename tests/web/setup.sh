#!/usr/bin/env bash
# setup.sh DEST SOURCE_DIR [NPM [NODE [PROTOC]]]: fills DEST with everything
# tests/web's clients need; ctest runs it as web_setup, the fixture every
# web test requires.
#
#  1. npm packages (package.json here, exact versions, and the committed
#     package-lock.json) into DEST/node_modules with `npm ci`, first from
#     npm's cache alone (--offline), else from the registry; skipped when
#     DEST already holds this very lock file.  --ignore-scripts: none of
#     them needs an install script (esbuild's only checks its binary, which
#     comes in its @esbuild/<platform> package).
#  2. JavaScript from the .proto files (helloworld; the shop's four;
#     proto/missing.proto) into DEST/gen with protoc-gen-es (target js),
#     run by protoc as a plugin.  protoc rather than `buf generate`: protoc
#     is already the project's oracle and a dependency (Debian's
#     protobuf-compiler), it runs the plugin straight from node_modules/.bin,
#     and buf would add a second npm install and a buf.gen.yaml for nothing.
#  3. The scripts (*.mjs) beside them (ES modules resolve packages from
#     their own folder upward, never through NODE_PATH), and the browser
#     pages bundled with esbuild: DEST/www (page/: index.html and app.js,
#     the Greeter page; watch.html and watch.js, a stock watch) and DEST/shop-www (examples/shop/web: index.html,
#     shop.js, the shop's order page).
# Regenerates 2 and 3 on every run (they take a second), so edits count.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: setup.sh DEST SOURCE_DIR [NPM [NODE [PROTOC]]]}
src=${2:?usage: setup.sh DEST SOURCE_DIR [NPM [NODE [PROTOC]]]}
npm=${3:-npm} node=${4:-node} protoc=${5:-protoc}
stamp=$dest/installed-package-lock.json

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
if [ -f "$stamp" ] && [ -d "$dest/node_modules/@connectrpc/connect-web" ] &&
   cmp -s "$here/package-lock.json" "$stamp" && cmp -s "$here/package.json" "$dest/package.json"; then
    echo "setup: npm packages in $dest are up to date"
else
    rm -f "$stamp"
    cp "$here/package.json" "$here/package-lock.json" "$dest/"
    flags=(ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    if (cd "$dest" && "$npm" "${flags[@]}" --offline >npm-offline.log 2>&1); then
        echo "setup: npm packages installed from npm's cache"
    else
        echo "setup: not all in npm's cache ($(grep -m 1 -E "npm (ERR|error)" "$dest/npm-offline.log" || true)); trying the registry"
        (cd "$dest" && "$npm" "${flags[@]}") || {
            echo "setup: 'npm ci' failed: the web tests need the npm registry (or a warm npm cache) once" >&2
            exit 1
        }
    fi
    cp "$here/package-lock.json" "$stamp"
fi
echo "setup: node $("$node" --version), connect-node $("$node" -p "require('$dest/node_modules/@connectrpc/connect-node/package.json').version"), protoc-gen-es $("$node" -p "require('$dest/node_modules/@bufbuild/protoc-gen-es/package.json').version")"

rm -rf "$dest/gen" "$dest/www" "$dest/shop-www"
mkdir -p "$dest/gen" "$dest/www" "$dest/shop-www"
"$protoc" --plugin=protoc-gen-es="$dest/node_modules/.bin/protoc-gen-es" \
    --es_out="$dest/gen" --es_opt=target=js,import_extension=js \
    -I"$src/examples/helloworld" -I"$src/examples/shop" -I"$here/proto" \
    helloworld.proto users.proto inventory.proto payments.proto checkout.proto missing.proto
echo "setup: generated $(cd "$dest/gen" && echo *.js)"

cp "$here"/*.mjs "$dest/"
cp "$here/page/app.mjs" "$here/page/watch.mjs" "$dest/"
cp "$src/examples/shop/web/shop.mjs" "$dest/shop.mjs"
esbuild=$dest/node_modules/.bin/esbuild
"$esbuild" "$dest/app.mjs" --bundle --format=esm --target=es2022 --log-level=warning \
    --outfile="$dest/www/app.js"
"$esbuild" "$dest/watch.mjs" --bundle --format=esm --target=es2022 --log-level=warning \
    --outfile="$dest/www/watch.js"
cp "$here/page/index.html" "$here/page/watch.html" "$dest/www/"
"$esbuild" "$dest/shop.mjs" --bundle --format=esm --target=es2022 --log-level=warning \
    --outfile="$dest/shop-www/shop.js"
cp "$src/examples/shop/web/index.html" "$dest/shop-www/"
echo "setup: bundled www/app.js ($(wc -c <"$dest/www/app.js") bytes), shop-www/shop.js ($(wc -c <"$dest/shop-www/shop.js") bytes) with esbuild $("$esbuild" --version)"
