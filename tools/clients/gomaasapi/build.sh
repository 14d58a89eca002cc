#!/usr/bin/env bash
# Build the gomaasapi real-client harness, fully offline, from Debian's
# packaged Go sources (/usr/share/gocode, GOPATH mode).
#
#   tools/clients/gomaasapi/build.sh [OUTPUT]
#
# OUTPUT defaults to tools/clients/gomaasapi/bin/gomaasapi-client.
# Idempotent: apt-get runs only when a package is missing, and apt-get update
# only if that install fails (e.g. no package lists on a fresh machine).
# Needs root (or the packages already installed).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/bin/gomaasapi-client}"

# golang-go: the compiler (1.19 in bookworm).
# golang-github-juju-gomaasapi-dev 2.0.0 and every package its non-test code
# (and main.go) imports -- all are Depends of gomaasapi-dev, listed explicitly
# so a change of Depends cannot break the build:
#   github.com/juju/errors          golang-github-juju-errors-dev
#   github.com/juju/collections/set golang-github-juju-collections-dev
#   github.com/juju/loggo           golang-github-juju-loggo-dev
#   github.com/juju/schema          golang-github-juju-schema-dev
#   github.com/juju/version         golang-github-juju-version-dev
#   gopkg.in/mgo.v2/bson            golang-gopkg-mgo.v2-dev (testservice.go)
PKGS=(
  golang-go
  golang-github-juju-gomaasapi-dev
  golang-github-juju-errors-dev
  golang-github-juju-collections-dev
  golang-github-juju-loggo-dev
  golang-github-juju-schema-dev
  golang-github-juju-version-dev
  golang-gopkg-mgo.v2-dev
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "build.sh: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
    echo "build.sh: install failed; running apt-get update and retrying" >&2
    $SUDO apt-get update >&2
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
fi

GO=/usr/lib/go-1.19/bin/go
[ -x "$GO" ] || GO="$(command -v go)"

mkdir -p "$(dirname "$OUT")" "$HERE/.cache/go-build"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"

cd "$HERE"
env \
  GO111MODULE=off \
  GOPATH=/usr/share/gocode \
  GOFLAGS= \
  GOPROXY=off \
  GOSUMDB=off \
  GOENV=off \
  GOTOOLCHAIN=local \
  GOCACHE="${GOCACHE:-$HERE/.cache/go-build}" \
  CGO_ENABLED=0 \
  "$GO" build -trimpath -o "$OUT" ./main.go ./networks.go ./lifecycle.go

echo "$OUT"
