#!/usr/bin/env bash
# Runs govulncheck against the Go vulnerability database, built locally from
# the golang.org/x/vulndb module when the database's web host cannot be
# reached (as on machines that only see the Go module proxy). Fails on any
# vulnerability that Cabinet's code can reach.
#
#   VULNDB=latest        version of golang.org/x/vulndb to build the database from
#   VULNDB_DIR=dir       reuse a database built before
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
GOVULNCHECK=golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB=${VULNDB:-latest}

if [ -z "${VULNDB_DIR:-}" ] && curl -fsS --max-time 5 -o /dev/null https://vuln.go.dev/index/db.json 2>/dev/null; then
  exec $GO run $GOVULNCHECK ./...
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${VULNDB_DIR:-}" ]; then
  # The module holds the database's OSV entries; gendb (from the same module)
  # writes them in the layout govulncheck reads. gendb reads a git checkout.
  mod=$(cd "$work" && GOFLAGS=-mod=mod $GO mod download -json "golang.org/x/vulndb@$VULNDB")
  dir=$(printf '%s' "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  version=$(printf '%s' "$mod" | sed -n 's/^[[:space:]]*"Version": "\(.*\)",$/\1/p')
  [ -d "$dir/data/osv" ] || { echo "vulncheck: no data in golang.org/x/vulndb@$VULNDB" >&2; exit 1; }
  mkdir "$work/repo"
  cp -r "$dir/data" "$work/repo/"
  chmod -R u+w "$work/repo"
  git -C "$work/repo" init -q
  git -C "$work/repo" add -A
  git -C "$work/repo" -c user.name=vulncheck -c user.email=vulncheck@localhost commit -qm "vulndb $version"
  (cd "$work" && $GO run "golang.org/x/vulndb/cmd/gendb@$version" -repo "$work/repo" -out "$work/db" 2>/dev/null)
  VULNDB_DIR=$work/db
  echo "vulncheck: database from golang.org/x/vulndb@$version ($(ls "$VULNDB_DIR/ID" | grep -c '\.json$') entries)"
fi
$GO run $GOVULNCHECK -db "file://$VULNDB_DIR" ./...
