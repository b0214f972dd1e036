# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options of the hdfs:// store (plugins/module_utils/_storage/hdfs.py); argument spec in _ansible/storage.py.
    DOCUMENTATION = r"""
options:
  namenode_url:
    description:
      - WebHDFS base URL of the NameNode, for example V(http://namenode:9870) (V(https://...:9871) with TLS).
      - For HA give every NameNode of the nameservice; the active one is used and a standby is skipped.
      - Required for hdfs:// destinations. The nameservice (or host and port) in the destination URI is not used
        to reach HDFS; it is kept in the URI returned, which Aurora agents fetch with C(hdfs dfs -get).
      - O(validate_certs) and O(ca_bundle) apply to https NameNodes.
      - Each is a base URL without credentials (C(user:password@)), query or fragment.
    type: list
    elements: str
  hdfs_user:
    description:
      - User to act as. Without O(kerberos) it is sent as C(user.name) (simple authentication), and defaults
        to the user the module runs as on the managed host. The NameNode takes only names that match its
        C(dfs.webhdfs.user.provider.user.pattern) (by default ASCII letters, digits, C(.), C(_) and C(-)).
      - With O(kerberos), the principal of the ticket cache authenticates and this user, when set, is
        impersonated (C(doas)), which the cluster must allow for that principal.
    type: str
  kerberos:
    description:
      - Authenticate with Kerberos (SPNEGO), using the ticket cache of the user the module runs as
        (run C(kinit) first). Needs the requests-kerberos Python library on the managed host.
    type: bool
    default: false
  checksum_store:
    description:
      - Where the sha256 of an uploaded file is recorded.
      - V(xattr) uses the extended attribute C(user.sha256) and fails when the NameNode has extended
        attributes turned off (C(dfs.namenode.xattrs.enabled=false)).
      - V(sidecar) writes C(<name>.sha256) next to the file, in C(sha256sum) format.
      - V(auto) uses the extended attribute and falls back to the sidecar when extended attributes are off.
    type: str
    choices: [auto, xattr, sidecar]
    default: auto
requirements:
  - hdfs >= 2.7.0 (HdfsCLI, for hdfs:// destinations)
  - requests-kerberos >= 0.14.0 (for O(kerberos=true))
"""
