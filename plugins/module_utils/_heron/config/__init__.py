# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Heron cluster conf dir (``~/.heron/conf/<cluster>/``): its options, its YAML files, the heron.aurora job
template with fetch commands that match where the packages live, its validation and its atomic writing.

Modules: options (the model), versions (what changes with the Heron release), uris and fetch (the fetch commands),
yaml_files, aurora_template (the generator), validation (heron.aurora through the Aurora config loader),
writer (one atomic replacement per changed file) and conf_dir (all of it, for a module).
"""

from __future__ import annotations
