# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How the heron_* modules find and reach Heron's ZooKeeper; argument spec in module_utils/_ansible/heron_state.py.
    DOCUMENTATION = r"""
options:
  cluster:
    description:
      - Name of the Heron cluster (the Aurora cluster), which is also the name of its conf dir in O(config_path).
      - Its C(statemgr.yaml) says where Heron's state is (C(heron.statemgr.connection.string) and
        C(heron.statemgr.root.path)) unless O(zk_hosts) and O(zk_root) say it.
    type: str
  config_path:
    description:
      - The directory that holds the cluster conf dirs, as the heron CLI's C(--config-path); the cluster's is
        C(<config_path>/<cluster>/).
      - Read when given, or when O(zk_hosts) is not given; it then defaults to C(~/.heron/conf), the heron CLI's
        default.
    type: path
  zk_hosts:
    description:
      - The ZooKeeper connection string, for example V(zk1:2181,zk2:2181,zk3:2181), instead of the one in the
        cluster's C(statemgr.yaml). Any member of the ensemble may be down while a quorum stands.
    type: str
  zk_root:
    description:
      - Heron's state root in ZooKeeper, instead of C(heron.statemgr.root.path) of the cluster's
        C(statemgr.yaml); V(/heron) when neither says.
    type: str
  zk_timeout:
    description:
      - Seconds to get a ZooKeeper session (also its session timeout) and to wait for each answer.
      - With no server reachable, or with no quorum among those that are, the module fails after this time
        with a message that names the hosts.
    type: float
    default: 15
  zk_auth:
    description:
      - Credentials for ZooKeeper's digest scheme, V(user:password), for state protected by ACLs.
    type: str
  zk_use_tls:
    description:
      - Connect to ZooKeeper's TLS client port, verifying the server certificate.
    type: bool
    default: false
  zk_ca_file:
    description:
      - CA bundle (PEM) to verify the ZooKeeper servers with O(zk_use_tls=true); the system's by default.
    type: path
  zk_cert_file:
    description:
      - Client certificate (PEM) for O(zk_use_tls=true), when the servers require one; needs O(zk_key_file).
    type: path
  zk_key_file:
    description:
      - Private key (PEM) of O(zk_cert_file).
    type: path
requirements:
  - kazoo >= 2.9.0
  - protobuf >= 4.22.0
  - PyYAML >= 5.4 (to read the cluster's C(statemgr.yaml))
"""
