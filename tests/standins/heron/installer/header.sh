#!/usr/bin/env bash
# STAND-IN Heron installer, for the heron.aurora TESTS ONLY (never shipped; built by tests/standins/heron/installer/).
# It is not Heron. It behaves as heron-install-<version>-<platform>.sh does (facts section 5): the flags --user
# ($HOME/.heron and links in $HOME/bin) and --prefix=DIR (DIR/heron and DIR/bin), nothing else (any other argument
# prints the usage and exits 1); it needs unzip, tar and Java; like Heron's, it deletes the base directory when an
# install is there, then unpacks the heron.tar.gz appended to this script (a zip) into it and links the tools.

set -e
progname="$0"
echo "Heron installer (heron.aurora tests' STAND-IN, release %version%)"
echo

usage() {
  echo "Usage: $progname [options]" >&2
  echo "Options are:" >&2
  echo "  --prefix=/some/path set the prefix path (default=/usr/local)." >&2
  echo "  --user configure for user install, expands to" >&2
  # shellcheck disable=SC2016 # the usage names $HOME literally, as Heron's does
  echo '           `--prefix=$HOME/.heron`.' >&2
  exit 1
}

prefix=/usr/local
bin=
base=
for opt in "$@"; do
  case "$opt" in
    --prefix=*) prefix="${opt#--prefix=}" ;;
    --user) bin="$HOME/bin"; base="$HOME/.heron" ;;
    *) usage ;;
  esac
done
bin="${bin:-$prefix/bin}"
base="${base:-$prefix/heron}"

need() {
  if ! command -v "$1" >/dev/null; then
    echo "$1 not found, please install the corresponding package." >&2
    exit 1
  fi
}
need unzip
need tar
if [ -z "${JAVA_HOME-}" ]; then
  JAVA_HOME="$(readlink -f "$(command -v java)" 2>/dev/null | sed 's_/bin/java__')" || true
fi
if [ ! -x "${JAVA_HOME}/bin/java" ]; then
  echo "Java not found, please install the corresponding package" >&2
  exit 1
fi

writable() {
  local path="$1"
  while [ "$path" != / ] && [ -n "$path" ] && [ ! -e "$path" ]; do
    path="$(dirname "$path")"
  done
  if [ ! -w "$path" ]; then
    echo "The Heron installer must have write access to $1!" >&2
    usage
  fi
}
writable "$bin"
writable "$base"

tools="heron heron-explorer heron-tracker heron-ui heron-apiserver"
for tool in $tools; do
  if [ -L "$bin/$tool" ]; then rm -f "$bin/$tool"; fi
done
# As Heron's installer does: an existing install is deleted whole, with anything else in its directory.
if [ -d "$base" ] && [ -x "$base/bin/heron" ]; then
  rm -fr "$base"
fi
mkdir -p "$bin" "$base" "$base/etc"
unzip -q -o "${BASH_SOURCE[0]}" -d "$base"
tar xzf "$base/heron.tar.gz" -C "$base"
for tool in $tools; do
  chmod 0755 "$base/bin/$tool"
  ln -s "$base/bin/$tool" "$bin/$tool"
done
rm "$base/heron.tar.gz"
echo "Heron is now installed!"
echo "Make sure you have \"$bin\" in your path."
exit 0
