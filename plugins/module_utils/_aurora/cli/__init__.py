# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``aurora`` command line (docs/aurora-cli.md): ``python3 -m ...module_utils._aurora.cli ARGS`` runs it.

command.py parses the command line and maps errors to the stock client's exit codes; job.py and update.py are the
verbs of the two nouns; arguments.py the argument types and config loading they share; render.py what they print.
Like the rest of _aurora, it imports nothing of Ansible.
"""
