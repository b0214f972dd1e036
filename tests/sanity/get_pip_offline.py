"""Replacement for the get-pip bootstrap script that ansible-test downloads from a host this machine cannot reach.

ansible-test runs that script inside each fresh sanity virtualenv as ``get_pip.py [pip install options] pip==X``.
This one does the same job with what is reachable: pip from the interpreter's own ensurepip, then the requested pip
from PyPI. scripts/test places it in ansible-test's cache under the name ansible-test looks for.
"""

import subprocess
import sys

GET_PIP_ONLY_FLAGS = ("--no-setuptools", "--no-wheel")

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_FLAGS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q", *arguments]))  # noqa: S603 - argument list, no shell
