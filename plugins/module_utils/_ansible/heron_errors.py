# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the heron_* modules turn an error of module_utils._heron into a fail_json result."""

from __future__ import annotations

import traceback
from typing import Any, NoReturn

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.heron.aurora.plugins.module_utils._heron.config.errors import HeronConfigError
from ansible_collections.heron.aurora.plugins.module_utils._heron.errors import HeronError, HeronMissingLibrary

LIBRARY_URLS = {
    "kazoo": "https://pypi.org/project/kazoo/",
    "protobuf": "https://pypi.org/project/protobuf/",
    "PyYAML": "https://pypi.org/project/PyYAML/",
    "pystachio": "https://pypi.org/project/pystachio/",
    "thriftpy2": "https://pypi.org/project/thriftpy2/",
}


def fail_from(module: Any, error: BaseException, **result: Any) -> NoReturn:
    """fail_json for ``error``, keeping what the module already knows in the result.

    A missing library gives missing_required_lib's message and the failed import's traceback as ``exception``;
    an error of module_utils._heron its message, ``error_type`` and the option (and, for the conf dir, the file
    and key) to fix; anything else is a bug, reported with its traceback.
    """
    if isinstance(error, HeronMissingLibrary):
        if error.import_error:
            result["exception"] = error.import_error
        module.fail_json(msg=missing_required_lib(error.library, reason=error.purpose,
                                                  url=LIBRARY_URLS.get(error.library)), **result)
    if isinstance(error, HeronError):
        where = {"option": error.option}
        if isinstance(error, HeronConfigError):
            where.update(file=error.file, key=error.key)
        result.update({name: value for name, value in where.items() if value})
        module.fail_json(msg=str(error), error_type=type(error).__name__, **result)
    module.fail_json(msg=f"{module._name} failed unexpectedly: {type(error).__name__}: {error}",
                     exception="".join(traceback.format_exception(type(error), error, error.__traceback__)),
                     **result)
