#!/usr/bin/env bash
# Installs the Debian 12 packages opentrail needs to build, test and benchmark, if missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  librocksdb-dev libssl-dev libsimdjson-dev libdeflate-dev zlib1g-dev
  libcli11-dev libfmt-dev libspdlog-dev rapidjson-dev libpugixml-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# The integration tests drive the server with boto3 and the AWS CLI from the default python3.
if ! python3 -c "import boto3, botocore" 2>/dev/null; then
  echo "install-deps: boto3 missing, installing Debian's python3-boto3 and awscli"
  apt-get install -y --no-install-recommends python3-boto3 awscli >/dev/null
fi
