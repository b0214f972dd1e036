# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The attributes every module of this collection documents; each module then states its level of support (and,
    # for action_group, its membership as meta/runtime.yml has it).
    DOCUMENTATION = r"""
options: {}
attributes:
  action_group:
    description:
      - The module belongs to the action groups listed, so C(module_defaults) can set its options, with those of the
        other modules of the group, under C(group/<name>).
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    description:
      - Run again with the same arguments, outside check mode, the module reports no change and changes nothing,
        provided nothing else has changed what it manages in the meantime.
"""

    # For *_info modules, which never change anything.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: This module never changes anything, so it runs the same way in check mode.
  diff_mode:
    support: N/A
    details: This module never changes anything, so there is no diff.
  idempotent:
    support: full
    details: This module never changes anything.
"""
