# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write plugins/module_utils/_aurora/api_idl.py from scripts/aurora_api.thrift, the authored source of our IDL.

    python3 scripts/embed_aurora_idl.py          # after editing scripts/aurora_api.thrift
    python3 scripts/embed_aurora_idl.py --check  # exit 1 when api_idl.py is stale (tests/unit runs this)

The client loads only the embedded text: an AnsiballZ payload carries Python files only, so a .thrift file beside
the module would be missing where the module runs. Standard library only, so it runs before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "scripts" / "aurora_api.thrift"
EMBEDDED = ROOT / "plugins" / "module_utils" / "_aurora" / "api_idl.py"
HEADER = '''# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our subset of the Aurora scheduler's Thrift IDL, as the text api.py loads (thriftpy2.load_fp).

Generated from scripts/aurora_api.thrift: edit that file, then run python3 scripts/embed_aurora_idl.py.
"""

from __future__ import annotations

'''


def embedded_text(source: str) -> str:
    if "'''" in source:
        raise ValueError(f"{SOURCE} holds ''' and cannot be embedded in a raw string")
    return HEADER + "API_THRIFT = r'''" + source + "'''\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only tell whether api_idl.py is up to date")
    options = parser.parse_args(argv)
    wanted = embedded_text(SOURCE.read_text(encoding="utf-8"))
    current = EMBEDDED.read_text(encoding="utf-8") if EMBEDDED.exists() else None
    if options.check:
        if current != wanted:
            print(f"{EMBEDDED} is stale: run python3 scripts/embed_aurora_idl.py", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        EMBEDDED.write_text(wanted, encoding="utf-8")
        print(f"wrote {EMBEDDED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
