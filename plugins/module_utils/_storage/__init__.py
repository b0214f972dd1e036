# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Package stores for Heron: one backend per URI scheme (s3, hdfs, file) behind one interface."""

from __future__ import annotations
