# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How the aurora_* modules reach the Aurora scheduler and authenticate to it.
    DOCUMENTATION = r"""
options:
  scheduler_url:
    description:
      - Base URL of an Aurora scheduler, for example C(http://aurora.example.org:8081).
      - A scheduler that is not the leader redirects to the leader, which the modules follow.
      - When not given, the scheduler is found through the O(cluster) entry of clusters.json.
      - Falls back to the environment variable E(AURORA_SCHEDULER_URL).
      - A plain C(http://) or C(https://) URL, without query or fragment, and without credentials
        (C(user:password@)); a URL with credentials is refused without being repeated. Give them with O(username)
        and O(password), or in C(~/.netrc). The same holds for C(scheduler_uri) and C(proxy_url) in clusters.json.
    type: str
  cluster:
    description:
      - Name of the Aurora cluster. It is the first part of the job key and, without O(scheduler_url), the entry
        of clusters.json that says where the scheduler is (its C(scheduler_uri), or C(zk), C(zk_port) and
        C(scheduler_zk_path) to read the leader from ZooKeeper).
    type: str
  clusters_file:
    description:
      - A clusters.json file to use instead of the default search, which reads
        C($AURORA_CONFIG_ROOT/clusters.json) (default C(/etc/aurora/clusters.json)) and then
        C(~/.aurora/clusters.json), the later file winning for a cluster defined in both.
    type: path
  auth:
    description:
      - How to authenticate to the scheduler.
      - V(none) sends no credentials. V(basic) uses O(username) and O(password), or the C(~/.netrc) entry for
        the scheduler host when no username is given. V(kerberos) uses SPNEGO and needs the Python library
        C(requests-kerberos) and a Kerberos ticket.
      - Default is V(basic) when O(username) is given, else V(kerberos) when the clusters.json entry has
        C(auth_mechanism=KERBEROS), else V(none).
    type: str
    choices: [none, basic, kerberos]
  username:
    description:
      - User for O(auth=basic). Falls back to the environment variable E(AURORA_USERNAME).
      - Sent as UTF-8. A control character in it (a trailing newline) or a C(:) is refused.
    type: str
  password:
    description:
      - Password for O(auth=basic). Falls back to the environment variable E(AURORA_PASSWORD).
      - Sent as UTF-8. A control character in it, such as the newline that ends a YAML C(|) block, is refused
        before anything is sent; use C(|-).
    type: str
  request_timeout:
    description:
      - Seconds to wait for the answer to one API call; more than 0.
      - The stock C(aurora) client sets no limit; this one does, so that a scheduler that takes connections but
        never answers cannot hang a play. A call that changes the job (create, kill, restart, add instances, start
        an update) whose answer does not come in time is not reported as failed at once; the scheduler's state is
        read to learn whether it was applied.
    type: float
    default: 300
  retry_budget:
    description:
      - Seconds during which a call is retried, with growing pauses of up to 5 s, while the scheduler answers HTTP
        503 (no leader yet) or C(ERROR_TRANSIENT), cannot be connected to, or cannot be found in ZooKeeper (ZooKeeper
        unreachable, no leader registered); 0 or more.
      - The default is the ten minutes the stock C(aurora) client retries for. Give less to fail sooner.
      - Permanent failures (a TLS certificate that is not trusted, a request that cannot be sent) are not retried.
    type: float
    default: 600
  validate_certs:
    description:
      - Whether to verify the scheduler's TLS certificate for C(https) URLs.
      - This and O(ca_path) are given with each request, so E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) cannot
        override them; they apply only when O(ca_path) is not given and certificates are verified.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle to verify the scheduler's certificate with.
    type: path
requirements:
  - thriftpy2 >= 0.4.16
  - requests >= 2.28.0
  - kazoo >= 2.9.0 (only to find the scheduler through ZooKeeper)
  - pystachio >= 0.8.10 (for M(heron.aurora.aurora_job), which reads C(.aurora) configs)
  - requests-kerberos >= 0.14.0 (only for O(auth=kerberos))
notes:
  - The modules speak the scheduler's Thrift API themselves (binary protocol over HTTP), so the Python 2 only
    C(aurora) client is not needed on the controller or in an execution environment.
"""
