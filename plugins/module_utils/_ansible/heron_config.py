# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue of the modules heron_cluster_config and heron_aurora_fetch_commands: the conf dir library's errors as
fail_json results."""

from __future__ import annotations

import traceback
from typing import NoReturn

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError
from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError, HeronMissingLibrary


def fail_from(module: AnsibleModule, exc: Exception) -> NoReturn:
    """fail_json for an error of the library: the message, and the option, file and key it names."""
    if isinstance(exc, HeronMissingLibrary):
        module.fail_json(msg=missing_required_lib(exc.library, reason=str(exc)))
    if isinstance(exc, HeronError):
        where = {"option": exc.option} if exc.option else {}
        if isinstance(exc, HeronConfigError):
            where.update({name: value for name, value in (("file", exc.file), ("key", exc.key)) if value})
        module.fail_json(msg=str(exc), **where)
    module.fail_json(msg=f"{module._name} failed unexpectedly: {type(exc).__name__}: {exc}",
                     exception=traceback.format_exc())
