#!/usr/bin/env bash
# Installs the Debian packages Kirchhoff needs, only those missing. Idempotent
# and quiet when everything is there. Run as root (or with sudo available).
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ ccache pkg-config make
  # libraries
  libyaml-cpp-dev libsqlite3-dev nlohmann-json3-dev libboost-dev libargon2-dev
  # tests, benchmarks, fuzzing, formatting
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev clang-format
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
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
