#!/usr/bin/env bash
# Install everything `make test` and `make demo` need on a fresh Debian 12 or 13 machine of this
# kind: Debian packages through apt-get (as root), Python packages into .venv from pinned files.
# Idempotent: a second run installs nothing and takes a second.
#   scripts/bootstrap.sh                the default toolchain: Debian packages and .venv
#   scripts/bootstrap.sh --ansible 2.16 also the venv of one leg of the ansible-core matrix
#                                       (build/venvs/ansible-2.16, from requirements/ansible-2.16.txt)
# tests/unit/scripts/test_controller_tools.py fails when a program the Makefile, scripts, lab,
# Molecule scenarios, tests or benchmarks run on this machine comes from a package not named here
# (Debian's Essential packages excepted).
set -euo pipefail
cd "$(dirname "$0")/.."

matrix=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ansible) matrix+=("${2:?bootstrap: --ansible needs a version, e.g. --ansible 2.16}"); shift 2 ;;
    *) echo "bootstrap: unknown argument $1 (usage: bootstrap.sh [--ansible X.Y]...)" >&2; exit 2 ;;
  esac
done

DEBIAN_PACKAGES=(
  make git            # the clone and `make` itself: on this kind's image already, named so it is checked
  systemd-container   # systemd-nspawn boots the lab hosts
  mmdebstrap          # builds the lab rootfs
  procps              # kill, ps: the relay scenario ends its "Windows" service by PID
  systemd             # systemd-escape in the mtu unit tests (systemd-container needs it anyway)
  iproute2            # ip netns / veth / bridge for the lab network
  openssh-client      # Ansible over SSH across the lab bridge
  socat               # the lab's SSH ProxyCommand; the competitor in the relay benchmark
  rsync               # builds the ansible_collections tree for ansible-test
  shellcheck          # ansible-test sanity's shellcheck test
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: need root to install Debian packages: ${missing[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The pinned ansible-core runs on Python 3.10-3.13; the image's own python3 (3.11 on this kind,
# Debian 12 and 13 alike) is used unless PYTHON names another.
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys, venv, ensurepip; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
  echo "bootstrap: $PYTHON must be Python 3.10-3.13 with the venv and ensurepip modules" \
       "(Debian: apt-get install python3-venv; or set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
stamp=.venv/.installed-$(cat requirements/controller.txt requirements/constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: creating .venv from requirements/controller.txt"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check \
    -r requirements/controller.txt -c requirements/constraints.txt
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# ansible-test bootstraps pip in its sanity venvs with a script from a host outside the package
# registries; hand it our stand-in under the name it looks for (each ansible-test asks for its own
# pip version), in build/home: the Makefile runs the non-lab gates with HOME there.
seed_get_pip() {
  local pip_version cache
  pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',.*/\1/p" \
    "$1"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -n1)
  [ -n "$pip_version" ] || return 0
  cache=build/home/.ansible/test/cache/get_pip_${pip_version//./_}.py
  mkdir -p "$(dirname "$cache")"
  cmp -s scripts/ansible-test-get-pip.py "$cache" 2>/dev/null || cp scripts/ansible-test-get-pip.py "$cache"
}
seed_get_pip .venv

# The ansible-core matrix. Each requirements/ansible-X.Y.txt names the Python minor versions it runs
# on in a "# python:" line, preferred first; they are looked for as pythonM.N on PATH, then in pyenv
# ($PYENV_ROOT, default ~/.pyenv; the machine's image has 3.10, 3.12 and 3.13 there).
find_python() {
  local minor candidate
  for minor in "$@"; do
    for candidate in "$(command -v "python$minor" || true)" \
                     "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$minor".*/bin/"python$minor"; do
      [ -x "$candidate" ] || continue
      "$candidate" -c 'import venv, ensurepip' 2>/dev/null || continue
      echo "$candidate"
      return 0
    done
  done
  return 1
}

for version in ${matrix[@]+"${matrix[@]}"}; do
  pins=requirements/ansible-$version.txt
  if [ ! -f "$pins" ]; then
    known=(requirements/ansible-*.txt)
    echo "bootstrap: no $pins; pinned ansible-core versions: ${known[*]}" >&2
    exit 1
  fi
  read -r -a minors <<<"$(sed -n 's/^# python: *//p' "$pins")"
  if ! python=$(find_python "${minors[@]}"); then
    echo "bootstrap: ansible-core $version needs Python $(IFS=/; echo "${minors[*]}") with venv and ensurepip" \
         "(pythonX.Y on PATH or a pyenv version such as ~/.pyenv/versions/${minors[0]}.N); none found" >&2
    exit 1
  fi
  venv=build/venvs/ansible-$version
  stamp=$venv/.installed-$( (cat "$pins"; "$python" -V) | sha256sum | cut -c1-16)
  if [ ! -f "$stamp" ]; then
    echo "bootstrap: creating $venv from $pins with $python"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    # The file is a full pin set; --no-deps installs exactly it (see its header).
    "$venv"/bin/python -m pip install -q --disable-pip-version-check --no-deps -r "$pins"
    touch "$stamp"
  fi
  seed_get_pip "$venv"
done
