# Shared by scripts/test and scripts/sandbox: install what the project needs, idempotently.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/.venv
CACHE=$ROOT/.cache
# ansible-test installs pinned linters with --requirements: keep them out of the main virtualenv.
SANITY_VENV=$CACHE/venv-sanity
# The oldest ansible-core meta/runtime.yml claims, for the compat stage of scripts/test.
COMPAT_VENV=$CACHE/venv-compat
export PIP_DISABLE_PIP_VERSION_CHECK=1

DEBIAN_PACKAGES=(zookeeper libslf4j-java nginx-light docker-registry openjdk-17-jdk-headless maven rsync git python3-venv shellcheck curl)

log() { printf '\n==> %s\n' "$*"; }

# install_debian_packages PACKAGE...: those that are missing.
install_debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  log "Installing Debian packages: ${missing[*]}"
  local sudo=()
  ((EUID != 0)) && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Python 3.11 or later: the controller version of the ansible-core we test with.
find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    if [[ -z $candidate ]] || ! command -v "$candidate" >/dev/null; then
      continue
    fi
    "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo "$candidate"; return 0; }
  done
  echo "scripts: no Python 3.11 or later found; set PYTHON=/path/to/python3.11" >&2
  return 1
}

create_virtualenv() {
  local stamp=$VENV/.requirements.sha256 wanted
  wanted=$(cat "$ROOT/requirements.txt" "$ROOT/test-requirements.txt" | sha256sum | cut -d' ' -f1)
  [[ -x $VENV/bin/python && -f $stamp && $(cat "$stamp") == "$wanted" ]] && return 0
  log "Creating the virtualenv $VENV"
  [[ -x $VENV/bin/python ]] || "$(find_python)" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r "$ROOT/test-requirements.txt"
  echo "$wanted" >"$stamp"
}

prepare_hdfs() {
  log "Resolving Hadoop from Maven Central (cached in ~/.m2) and building the HDFS launcher"
  (cd "$ROOT/tests" && "$VENV/bin/python" -c 'from harness.hdfs import prepare_classpath; prepare_classpath()')
}

# The tools an Aurora agent runs to fetch packages (tests/agent-tools-requirements.txt), in a virtualenv of their
# own; only their commands are linked into AGENT_BIN, which goes on PATH.
AGENT_TOOLS_VENV=$CACHE/venv-agent-tools
AGENT_BIN=$CACHE/agent-bin

create_agent_tools() {
  local stamp=$AGENT_TOOLS_VENV/.requirements.sha256 wanted
  wanted=$(sha256sum "$ROOT/tests/agent-tools-requirements.txt" | cut -d' ' -f1)
  if ! [[ -x $AGENT_TOOLS_VENV/bin/aws && -f $stamp && $(cat "$stamp") == "$wanted" ]]; then
    log "Creating the agent tools virtualenv $AGENT_TOOLS_VENV"
    "$(find_python)" -m venv "$AGENT_TOOLS_VENV"
    "$AGENT_TOOLS_VENV/bin/pip" install -q -r "$ROOT/tests/agent-tools-requirements.txt"
    echo "$wanted" >"$stamp"
  fi
  mkdir -p "$AGENT_BIN"
  ln -sfn "$AGENT_TOOLS_VENV/bin/aws" "$AGENT_BIN/aws"
}

# What the integration tests and the sandbox need: Debian's servers, the virtualenv, Hadoop's jars, the agent tools.
bootstrap_services() {
  install_debian_packages "${DEBIAN_PACKAGES[@]}"
  create_virtualenv
  prepare_hdfs
  create_agent_tools
}

bootstrap() {
  bootstrap_services
  export PATH=$VENV/bin:$AGENT_BIN:$PATH
}

# ansible-test wants the collection at .../ansible_collections/<namespace>/<name>: stage a copy of the files git knows.
stage_collection() {
  # Outside the checkout: inside it, ansible-test would ask git and find the copy ignored.
  local dest=${HERON_AURORA_STAGE:-${XDG_CACHE_HOME:-$HOME/.cache}/heron-aurora/staged}/ansible_collections/heron/aurora
  rm -rf "$dest" && mkdir -p "$dest"
  (cd "$ROOT" && git ls-files -co --exclude-standard -z |
    rsync -a --from0 --ignore-missing-args --files-from=- ./ "$dest/") >&2
  echo "$dest"
}

# ansible-test bootstraps pip in its sanity virtualenvs with a script from a host that is not reachable here.
offer_pip_bootstrap() {
  local source version
  source=$("$SANITY_VENV/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
  version=$(sed -n "s/^ *pip='\([0-9.]*\)',.*/\1/p" "$source/_internal/python_requirements.py" | head -n 1)
  [[ -n $version ]] || { echo "scripts: cannot tell which pip ansible-test bootstraps" >&2; return 1; }
  mkdir -p "$HOME/.ansible/test/cache"
  cp "$ROOT/tests/sanity/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
}

create_sanity_virtualenv() {
  [[ -x $SANITY_VENV/bin/ansible-test ]] && return 0
  log "Creating the ansible-test virtualenv $SANITY_VENV"
  "$(find_python)" -m venv "$SANITY_VENV"
  "$SANITY_VENV/bin/pip" install -q "$(grep '^ansible-core' "$ROOT/test-requirements.txt")"
}

# The Python version ansible-test runs on (its virtualenv's).
controller_python() {
  "$SANITY_VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

# Every Python version ansible-test knows for managed hosts that tests/config.yml's python_requires admits.
claimed_managed_host_pythons() {
  "$SANITY_VENV/bin/python" - "$ROOT/tests/config.yml" <<'PY'
import sys
from ansible_test._util.target.common import constants
from packaging.specifiers import SpecifierSet
import yaml

with open(sys.argv[1]) as handle:
    requires = SpecifierSet(yaml.safe_load(handle)["modules"]["python_requires"])
known = constants.REMOTE_ONLY_PYTHON_VERSIONS + constants.CONTROLLER_PYTHON_VERSIONS
print(" ".join(version for version in known if version in requires))
PY
}

# The path of an interpreter of Python VERSION: pyenv's, else one on PATH; nothing when this machine has none.
find_interpreter() {
  local version=$1 candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" /usr/bin/python"$version"; do
    [[ -x $candidate ]] && "$candidate" -c '' 2>/dev/null && { echo "$candidate"; return 0; }
  done
  return 0
}

# A directory of pythonX.Y links to every claimed interpreter, for ansible-test to find on PATH.
interpreter_dir() {
  local dir=$CACHE/interpreters version path
  mkdir -p "$dir"
  for version in $(claimed_managed_host_pythons); do
    path=$(find_interpreter "$version")
    [[ -n $path ]] && ln -sfn "$path" "$dir/python$version"
  done
  echo "$dir"
}

# The claimed versions this machine has; the ones it lacks are named on stderr, and docs/testing.md's matrix
# says which are tested.
managed_host_pythons() {
  local version available=()
  for version in $(claimed_managed_host_pythons); do
    if [[ -n $(find_interpreter "$version") ]]; then
      available+=("$version")
    else
      echo "scripts: no Python $version on this machine: not tested" >&2
    fi
  done
  echo "${available[*]}"
}

create_compat_virtualenv() {
  local oldest stamp=$COMPAT_VENV/.requirements.sha256 wanted test_tools
  oldest=$(sed -n 's/^requires_ansible: *"*>=\([0-9]*\.[0-9]*\).*/\1/p' "$ROOT/meta/runtime.yml")
  [[ -n $oldest ]] || { echo "scripts: cannot read requires_ansible from meta/runtime.yml" >&2; return 1; }
  wanted=$(cat "$ROOT/requirements.txt" "$ROOT/test-requirements.txt" "$ROOT/meta/runtime.yml" | sha256sum | cut -d' ' -f1)
  [[ -x $COMPAT_VENV/bin/python && -f $stamp && $(cat "$stamp") == "$wanted" ]] && return 0
  log "Creating the ansible-core $oldest virtualenv $COMPAT_VENV"
  rm -rf "$COMPAT_VENV"
  "$(find_python)" -m venv "$COMPAT_VENV"
  "$COMPAT_VENV/bin/pip" install -q --upgrade pip
  # The test tools of test-requirements.txt, minus ansible-core and what pins its own (ansible-lint, ansible-builder).
  mapfile -t test_tools < <(grep -E '^(pytest|moto)' "$ROOT/test-requirements.txt")
  "$COMPAT_VENV/bin/pip" install -q -r "$ROOT/requirements.txt" "ansible-core>=$oldest.0,<${oldest%.*}.$((${oldest#*.} + 1))" \
    "${test_tools[@]}"
  echo "$wanted" >"$stamp"
}
