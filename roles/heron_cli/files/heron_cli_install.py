# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a Heron installer (heron-install-<version>-<platform>.sh) without losing what else lives in its directory.

Heron's installer deletes its whole base directory (~/.heron for --user, <prefix>/heron for --prefix=) when it finds
an install there, and with it the cluster conf dirs and anything else kept beside the release. So this script:

1. moves the current base directory aside (a rename next to it: <parent>/.heron.heron-aurora-previous);
2. runs the installer with the flag it was given, so the installer sees no install and deletes nothing;
3. checks that the release.yaml it installed names the expected version;
4. records what the installer installed in <base>/.heron-aurora-installed.json;
5. moves back every path of the previous tree that the previous installer did not install (its record; without one,
   every path under the release's own top-level directories, and the conf files this release ships, count as the
   installer's), then removes the previous tree.

When the installer fails or installs another version, its partial tree is removed, the previous one is renamed
back and the links the installer removed from the bin directory are made again: the previous install keeps working.
A previous tree left behind by an interrupted run is renamed back first, or, when a new tree is there too, the
script stops and names both, so that nothing is lost.

Prints one JSON object: {"version": ..., "kept": [paths moved back], "saved": [paths kept under another name]}.
Standard library only; Python 3.9 or later, as the collection needs on its hosts.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

RECORD = ".heron-aurora-installed.json"
PREVIOUS_SUFFIX = ".heron-aurora-previous"
SAVED_SUFFIX = ".heron-aurora-saved"
# What Heron's installer links into the bin directory.
TOOLS = ("heron", "heron-explorer", "heron-tracker", "heron-ui", "heron-apiserver")
# Top-level entries of a release other than conf/: entirely the installer's.
RELEASE_DIRS = ("bin", "dist", "etc", "examples", "include", "lib")


class InstallError(Exception):
    pass


def release_version(base):
    """heron.build.version of <base>/release.yaml, or None. Plain text: the host may not have PyYAML yet."""
    try:
        with open(os.path.join(base, "release.yaml"), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip() == "heron.build.version":
            return value.strip().strip("'\"")
    return None


def tree(root):
    """Every path under root, relative, directories with a trailing '/'; symbolic links are not followed."""
    found = set()
    for directory, dirnames, filenames in os.walk(root):
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative + "/"
        for name in dirnames:
            if os.path.islink(os.path.join(directory, name)):
                found.add(prefix + name)
            else:
                found.add(prefix + name + "/")
        found.update(prefix + name for name in filenames)
    return found


def owned_by_previous_installer(previous, installed_now):
    try:
        with open(os.path.join(previous, RECORD), encoding="utf-8") as handle:
            return set(json.load(handle)["paths"]) | {RECORD}
    except (OSError, ValueError, KeyError):
        pass
    owned = {path for path in tree(previous) if path.split("/", 1)[0] in RELEASE_DIRS or path == "release.yaml"}
    return owned | {path for path in installed_now if path.startswith("conf/")} | {RECORD}


def restore_user_paths(previous, base, installed_now):
    """Move back what the previous installer did not install. A directory moves whole when the new tree lacks it;
    a file or link the new release also ships stays beside it, renamed with SAVED_SUFFIX."""
    owned = owned_by_previous_installer(previous, installed_now)
    kept, saved, moved_dirs = [], [], []
    for path in sorted(tree(previous) - owned):  # a directory sorts before its entries
        if any(path.startswith(directory) for directory in moved_dirs):
            continue
        source = os.path.join(previous, path.rstrip("/"))
        target = os.path.join(base, path.rstrip("/"))
        if path.endswith("/"):
            if os.path.lexists(target):
                continue  # the new tree has it: its entries are taken one by one
            moved_dirs.append(path)
        elif os.path.lexists(target):
            target += SAVED_SUFFIX
            saved.append(path + SAVED_SUFFIX)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.rename(source, target)
        kept.append(path)
    return kept, saved


def relink(base, bin_dir):
    """The installer's links, for a restored tree whose links a failed installer removed."""
    for tool in TOOLS:
        target = os.path.join(base, "bin", tool)
        link = os.path.join(bin_dir, tool)
        if os.path.exists(target) and not os.path.lexists(link):
            os.makedirs(bin_dir, exist_ok=True)
            os.symlink(target, link)


def recover(base, previous, bin_dir):
    """Undo what an interrupted run left: a previous tree and no new one is renamed back."""
    if not os.path.lexists(previous):
        return
    if os.path.lexists(base):
        raise InstallError(
            f"{previous} and {base} both exist: a run of this role was interrupted after the installer ran. Keep "
            f"what you need of {previous} in {base} and remove {previous}, then run the role again.")
    os.rename(previous, base)
    relink(base, bin_dir)


def install(args):
    base, bin_dir = locations(args)
    previous = os.path.join(os.path.dirname(base), "." + os.path.basename(base).lstrip(".") + PREVIOUS_SUFFIX)
    recover(base, previous, bin_dir)
    had_previous = os.path.lexists(base)
    if had_previous:
        os.rename(base, previous)
    command = [args.installer, args.flag]
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # noqa: S603 - no shell
                            universal_newlines=True, check=False)
    installed = release_version(base)
    if result.returncode != 0 or installed != args.version:
        problem = ("exited with {}".format(result.returncode) if result.returncode != 0 else
                   "installed version {} (release.yaml of {}), not {}".format(installed, base, args.version))
        if os.path.lexists(base):
            shutil.rmtree(base)
        if had_previous:
            os.rename(previous, base)
            relink(base, bin_dir)
        raise InstallError("{} {} {}; {}. Its output:\n{}".format(
            args.installer, args.flag, problem,
            "the previous install is back in place" if had_previous else "nothing is installed",
            result.stdout[-4000:]))
    installed_now = tree(base)
    with open(os.path.join(base, RECORD), "w", encoding="utf-8") as handle:
        json.dump({"version": installed, "paths": sorted(installed_now)}, handle, indent=1)
    kept, saved = [], []
    if had_previous:
        kept, saved = restore_user_paths(previous, base, installed_now)
        shutil.rmtree(previous)
    return {"version": installed, "home": base, "kept": kept, "saved": saved}


def locations(args):
    """(base, bin) as Heron's installer computes them: --user $HOME/.heron and $HOME/bin, --prefix=P P/heron, P/bin."""
    if args.flag == "--user":
        home = os.environ.get("HOME") or os.path.expanduser("~")
        return os.path.join(home, ".heron"), os.path.join(home, "bin")
    prefix = args.flag.split("=", 1)[1]
    return os.path.join(prefix, "heron"), os.path.join(prefix, "bin")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--installer", required=True, help="the heron-install-<version>-<platform>.sh to run")
    parser.add_argument("--flag", required=True, help="--user or --prefix=DIR, passed to the installer")
    parser.add_argument("--version", required=True, help="the version its release.yaml must name")
    args = parser.parse_args(argv)
    if args.flag != "--user" and not (args.flag.startswith("--prefix=") and len(args.flag) > len("--prefix=")):
        parser.error("--flag must be --user or --prefix=DIR, not {!r}".format(args.flag))
    try:
        print(json.dumps(install(args)))
    except (InstallError, OSError) as exc:
        sys.stderr.write("{}\n".format(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
