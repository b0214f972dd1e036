"""docs/architecture.md keeps matching the tree: its layout names every module, module_utils package, doc fragment,
role and shipped playbook. Plain pytest on files as text, so it also runs under `ansible-test units`."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()


def names_in_tree() -> list[str]:
    plugins = ROOT / "plugins"
    names = [path.name for path in (plugins / "modules").glob("*.py") if path.name != "__init__.py"]
    names += [f"{path.name}/" for path in (plugins / "module_utils").iterdir() if path.is_dir()
              and path.name != "__pycache__"]
    names += [path.stem for path in (plugins / "doc_fragments").glob("_*.py")]
    names += [path.name for path in (ROOT / "roles").iterdir() if path.is_dir()]
    names += [path.name for path in (ROOT / "playbooks").glob("*.yml")]
    return sorted(names)


@pytest.mark.parametrize("name", names_in_tree())
def test_the_layout_names_it(name):
    assert name in ARCHITECTURE, f"docs/architecture.md does not mention {name}: add it to the layout"
