#!/usr/bin/env bash
# Installs the Debian packages Kirchhoff needs, only those missing. Idempotent
# and quiet when everything is there. Run as root (or with sudo available).
set -euo pipefail

# `--test` adds what only the tests and benchmarks need (Chromium for the
# dashboard tests, wrk for the API benchmark, mbpoll as an independent Modbus
# client for the meter server, the mosquitto broker and an independent MQTT
# client for the MQTT tests).
with_test=0
[ "${1:-}" = "--test" ] && with_test=1

packages=(
  # build
  cmake ninja-build g++ ccache pkg-config make
  # packaging (make package: dpkg-shlibdeps for the Depends line)
  dpkg-dev
  # libraries
  libyaml-cpp-dev libsqlite3-dev nlohmann-json3-dev libboost-dev libssl-dev libargon2-dev libmodbus-dev libmosquitto-dev
  coinor-libclp-dev libglpk-dev
  # tests, benchmarks, fuzzing, formatting
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev clang-format
)

if [ $with_test -eq 1 ]; then
  packages+=(chromium wrk openssl mbpoll mosquitto mosquitto-clients python3-paho-mqtt)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
check_node() {
  # The dashboard is built with Vite 5, which runs on Node.js 18 (Debian 12 and
  # Raspberry Pi OS ship 18.19) and on every later release. Debian's nodejs
  # and npm packages are installed when either command is missing.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
    return
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 18 ]; then
    echo "error: Node.js $(node --version) is too old to build the dashboard; install Node.js 18 or newer" >&2
    exit 1
  fi
}
check_node
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Debian packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
