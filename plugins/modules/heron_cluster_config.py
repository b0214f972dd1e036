#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: heron_cluster_config
short_description: Write a Heron cluster conf dir and its heron.aurora job template, validated before use
version_added: 0.1.0
description:
  - Writes the conf dir that the C(heron) command reads for one cluster (C(~/.heron/conf/<cluster>/)) on the managed
    host, C(scheduler.yaml), C(client.yaml), C(statemgr.yaml), C(uploader.yaml), C(packing.yaml), C(downloader.yaml),
    C(stateful.yaml) and, for Aurora, the job template C(heron.aurora). The YAML files are written by PyYAML.
  - C(heron.aurora) is generated for the storage choices. The fetch command of each package follows where it lives,
    C(curl) for V(http://) and V(https://), C(hdfs dfs -get) for V(hdfs://), C(aws s3 cp) for V(s3://) and C(cp) for
    V(file://). O(core_package_uri) decides for the core package and O(uploader) for topology packages.
  - Thermos substitutes Heron's bindings into each command as plain text and runs it with C(bash -c). Each fetch
    command therefore reads its URI from a quoted here-document, so quotes, spaces, command substitutions,
    backticks and semicolons in a URI are taken literally and never run.
  - The executor's flags follow O(heron_version). Releases from 0.20.3 take the tmanager names and earlier ones the
    tmaster names. Releases before 0.17.6 get the C(com.twitter.heron) class names.
  - Everything is validated before a file is put in place. C(heron.aurora) is written to a temporary directory and
    loaded there with the collection's Aurora config loader and every binding Heron passes. It
    must give exactly one service job of the cluster, with one instance per Heron container
    (C(instances = '{{NUM_CONTAINERS}}')), whose processes run in Heron's order and whose executor gets its shard
    (C(--shard={{mesos.instance}})), Heron's C({{TOPOLOGY_ARGUMENTS}}) and every port this release needs. Every
    YAML file must parse and hold the keys Heron needs for the chosen scheduler, uploader and state manager. Then
    each changed file is renamed into place atomically. A failure names the option, file and key to fix, and
    leaves the conf dir as it was.
  - C(heron_internals.yaml) and C(metrics_sinks.yaml) are long and release-specific. They are copied from
    O(release_conf_dir) when given, else left alone when present and reported in RV(missing) when absent.
author:
  - heron.aurora contributors (@heron-aurora)
extends_documentation_fragment:
  - heron.aurora._attributes
attributes:
  check_mode:
    support: full
    details: Renders and validates everything and reports what would change; writes nothing.
  diff_mode:
    support: full
    details: A unified diff per changed file (S3 keys starred out), and mode changes.
  action_group:
    support: none
    membership: []
    details: >-
      It shares no option set with other modules, so it is in no action group; C(module_defaults) can still set its
      options under its own name, C(heron.aurora.heron_cluster_config).
  idempotent:
    support: full
    details: >-
      A file is written only when its content or mode differs, so a second run with the same options changes nothing.
options:
  path:
    description:
      - The conf dir, created if missing. Its last component must equal O(cluster).
    type: path
    required: true
  cluster:
    description:
      - The Aurora cluster name, which is also the name the C(heron) command takes (C(heron submit <cluster>/...)).
    type: str
    required: true
  heron_version:
    description:
      - The Heron release the conf dir is for, for example V(0.20.5-incubating) or V(0.17.8). It picks the class
        names and the executor flags. Releases before 0.17.0 are not supported.
    type: str
    required: true
  scheduler:
    description:
      - V(aurora) writes the Aurora scheduler and launcher and C(heron.aurora). V(local) writes Heron's local
        scheduler, for one machine, and no job template.
    type: str
    choices: [aurora, local]
    default: aurora
  core_package_uri:
    description:
      - Where every container fetches the Heron core release (C(heron.package.core.uri)), for example the
        RV(heron.aurora.heron_upload#module:uri)
        of C(heron.aurora.heron_upload). Its scheme must be V(http), V(https), V(hdfs), V(s3) or V(file).
      - http(s) URLs must be percent-encoded (curl takes nothing else). HDFS paths, S3 keys and file paths are taken
        literally. No URI may hold a control character.
    type: str
    required: true
  java_home:
    description:
      - C(heron.directory.sandbox.java.home), the Java home in the containers.
      - Defaults to V(/usr/lib/jvm/java-1.8.0-openjdk-amd64/) for Aurora and V(${JAVA_HOME}) for the local scheduler.
    type: str
  local_working_directory:
    description:
      - C(heron.scheduler.local.working.directory), for O(scheduler=local).
      - Defaults to V(${HOME}/.herondata/topologies/${CLUSTER}/${ROLE}/${TOPOLOGY}).
    type: str
  scheduler_tunnel:
    description:
      - The scheduler's SSH tunnel settings (C(heron.scheduler.is.tunnel.needed) and the other
        C(heron.scheduler.tunnel.*) keys).
    type: dict
    suboptions: &tunnel
      needed:
        description: Whether to tunnel when a remote host cannot be reached directly.
        type: bool
        default: false
      host:
        description: The SSH tunnel host. Required when O(scheduler_tunnel.needed) (or the state manager's) is true.
        type: str
      connection_timeout_ms:
        description: Timeout of a direct connection test, in ms.
        type: int
        default: 1000
      connection_retry_count:
        description: Retries of the direct connection test.
        type: int
        default: 2
      retry_interval_ms:
        description: Interval between two retries, in ms.
        type: int
        default: 1000
      verify_count:
        description: Retries when verifying a tunnel.
        type: int
        default: 10
  statemgr:
    description:
      - The state manager, exactly one of O(statemgr.zookeeper) and O(statemgr.localfs).
    type: dict
    required: true
    suboptions:
      zookeeper:
        description:
          - ZooKeeper through Curator (C(CuratorStateManager)), which Aurora needs.
        type: dict
        suboptions:
          connection_string:
            description: The ensemble, for example V(zk1:2181,zk2:2181,zk3:2181). Required.
            type: str
          root_path:
            description: >-
              Heron's root znode, an absolute path other than V(/) without a trailing slash; an exclusive root is
              recommended.
            type: str
            default: /heron
          initialize_tree:
            description: Whether Heron creates the tree under O(statemgr.zookeeper.root_path).
            type: bool
            default: true
          session_timeout_ms:
            description: ZooKeeper session timeout, in ms.
            type: int
            default: 30000
          connection_timeout_ms:
            description: ZooKeeper connection timeout, in ms.
            type: int
            default: 30000
          retry_count:
            description: Connection retries.
            type: int
            default: 10
          retry_interval_ms:
            description: Interval between retries, in ms.
            type: int
            default: 10000
          tunnel:
            description: The state manager's SSH tunnel settings (C(heron.statemgr.*tunnel*) keys).
            type: dict
            suboptions: *tunnel
      localfs:
        description:
          - The local file system state manager, for O(scheduler=local) only.
        type: dict
        suboptions:
          root_path:
            description: Where the state is kept.
            type: str
            default: ${HOME}/.herondata/repository/state/${CLUSTER}
          initialize_tree:
            description: Whether Heron creates the tree under O(statemgr.localfs.root_path).
            type: bool
            default: true
  uploader:
    description:
      - Where C(heron submit) uploads topology packages, exactly one of O(uploader.hdfs), O(uploader.s3),
        O(uploader.http) and O(uploader.localfs). It also decides how the containers fetch them.
    type: dict
    required: true
    suboptions:
      hdfs:
        description:
          - The HDFS uploader. It runs C(hadoop) on the submitting machine and hands Heron C(hdfs://) URIs, fetched
            with C(hdfs dfs -get).
        type: dict
        suboptions:
          config_directory:
            description: The Hadoop conf dir on the submitting machine. Required.
            type: str
          topologies_directory_uri:
            description: >-
              The C(hdfs://) directory of the packages, for example V(hdfs:///heron/topologies/${CLUSTER}). Required.
            type: str
      s3:
        description:
          - The S3 uploader. It hands Heron a path-style https URL, which the containers fetch with C(aws s3 cp)
            after turning it back into C(s3://<bucket>/<key>).
        type: dict
        suboptions:
          bucket:
            description: The bucket. Required.
            type: str
          path_prefix:
            description: The prefix of the keys under the bucket.
            type: str
            default: /
          access_key:
            description:
              - The access key. Give it with O(uploader.s3.secret_key), or neither (then O(uploader.s3.aws_profile)
                or the default credential chain is used). With keys, C(uploader.yaml) is written with mode 0600.
            type: str
          secret_key:
            description: The secret key, with O(uploader.s3.access_key).
            type: str
          aws_profile:
            description: An AWS profile, instead of keys.
            type: str
          region:
            description: The bucket's region (needed in practice); also given to C(aws s3 cp) on the agents.
            type: str
          endpoint_uri:
            description: A custom S3 endpoint (C(heron.uploader.s3.uri)); also given to C(aws s3 cp) on the agents.
            type: str
          proxy_uri:
            description: A proxy for the uploader.
            type: str
      http:
        description:
          - The HTTP uploader (a multipart POST whose response is the download URI), fetched with C(curl).
        type: dict
        suboptions:
          uri:
            description: The upload URL. Required.
            type: str
      localfs:
        description:
          - The local file system uploader; only works when every agent sees the same path. Fetched with C(cp).
        type: dict
        suboptions:
          directory:
            description: The directory of the packages.
            type: str
            default: ${HOME}/.herondata/repository/topologies/${CLUSTER}/${ROLE}/${TOPOLOGY}
  packing:
    description:
      - The packing algorithms; both default to Heron's C(RoundRobinPacking) of O(heron_version)'s package.
    type: dict
    suboptions:
      algorithm:
        description: C(heron.class.packing.algorithm).
        type: str
      repacking_algorithm:
        description: C(heron.class.repacking.algorithm).
        type: str
  stateful:
    description:
      - Where the checkpoint managers of stateful topologies store checkpoints (C(stateful.yaml)).
    type: dict
    suboptions:
      storage:
        description: V(localfs) stores on each agent's disk; V(hdfs) in HDFS.
        type: str
        choices: [localfs, hdfs]
        default: localfs
      root_path:
        description: >-
          Root of the checkpoints. Defaults to V(~/.herondata/checkpoints) for V(localfs); required for V(hdfs).
        type: str
      classpath:
        description: >-
          The Hadoop classpath for V(hdfs), for example the output of C(hadoop --config /etc/hadoop/conf classpath).
        type: str
  role_required:
    description: C(heron.config.is.role.required) in C(client.yaml).
    type: bool
    default: true
  env_required:
    description: C(heron.config.is.env.required) in C(client.yaml).
    type: bool
    default: true
  aurora:
    description:
      - The Aurora keys of C(scheduler.yaml) and the choices of the generated C(heron.aurora).
    type: dict
    suboptions:
      controller_cli:
        description: C(heron.class.scheduler.aurora.controller.cli); V(false) selects the heron-shell controller.
        type: bool
        default: true
      max_kill_attempts:
        description: C(heron.scheduler.job.max.kill.attempts).
        type: int
        default: 5
      kill_retry_interval_ms:
        description: C(heron.scheduler.job.kill.retry.interval.ms).
        type: int
        default: 2000
      core_fetch:
        description:
          - How the containers fetch the core package. V(auto) follows the scheme of O(core_package_uri).
          - V(aws_s3_url) turns a path-style https URL into C(s3://) for C(aws s3 cp).
        type: str
        choices: [auto, curl, hdfs, aws_s3, aws_s3_url, cp]
        default: auto
      topology_fetch:
        description:
          - How the containers fetch topology packages. V(auto) follows O(uploader).
          - V(curl) suits the S3 uploader when the objects are public.
        type: str
        choices: [auto, curl, hdfs, aws_s3, aws_s3_url, cp]
        default: auto
      curl_retries:
        description: C(curl --retry) of the http(s) fetches.
        type: int
        default: 5
      hdfs_command:
        description: The C(hdfs) command on the agents.
        type: str
        default: hdfs
      aws_command:
        description: The C(aws) command on the agents.
        type: str
        default: aws
      s3_endpoint_url:
        description:
          - C(aws --endpoint-url) on the agents. Defaults to O(uploader.s3.endpoint_uri).
          - Credentials never go into C(heron.aurora), which every task carries; give the agents an instance profile
            or credentials of their own.
        type: str
      s3_region:
        description: C(aws --region) on the agents. Defaults to O(uploader.s3.region).
        type: str
      resources:
        description: The task's resources. By default Heron's bindings, which Heron computes from the packing plan.
        type: dict
        suboptions:
          cpu:
            description: CPUs per container.
            type: raw
            default: '{{CPUS_PER_CONTAINER}}'
          ram:
            description: RAM per container, in bytes.
            type: raw
            default: '{{RAM_PER_CONTAINER}}'
          disk:
            description: Disk per container, in bytes.
            type: raw
            default: '{{DISK_PER_CONTAINER}}'
      health_check:
        description: The HTTP health check of the containers' shell port.
        type: dict
        suboptions:
          endpoint:
            description: The path checked.
            type: str
            default: /health
          expected_response:
            description: The body expected.
            type: str
            default: ok
          expected_response_code:
            description: The status expected.
            type: int
            default: 200
          initial_interval_secs:
            description: Grace period before the first check.
            type: int
            default: 30
          interval_secs:
            description: Interval between checks.
            type: int
            default: 10
          max_consecutive_failures:
            description: Failures tolerated in a row.
            type: int
            default: 2
          timeout_secs:
            description: Timeout of a check.
            type: int
            default: 5
      announce_portmap:
        description: The announcer's portmap; the primary port is always V(http).
        type: dict
      production:
        description: The job's production flag.
        type: bool
        default: false
      tier:
        description: The job's tier, for example V({{TIER}}) to take the one Heron picks from the environment.
        type: str
      constraints:
        description: Placement constraints, attribute to V(v1,v2), V(!v) (negated) or V(limit:N).
        type: dict
      metadata:
        description:
          - Job metadata. A value may use Heron's bindings, for example V({{AURORA_METADATA_1}}).
        type: list
        elements: dict
        suboptions:
          key:
            description: The metadata key.
            type: str
            required: true
          value:
            description: The metadata value.
            type: str
            required: true
      extra_processes:
        description:
          - Processes run after the fetches and before the executor, in this order.
        type: list
        elements: dict
        suboptions:
          name:
            description: The process name; it must not be one of Heron's.
            type: str
            required: true
          cmdline:
            description: The command line, run with C(bash -c) like every Thermos process.
            type: str
            required: true
          max_failures:
            description: Failures tolerated.
            type: int
  heron_aurora_template:
    description:
      - An operator's own C(heron.aurora) on the managed host, validated as the generated one would be and written
        instead of it. O(aurora) is then ignored.
    type: path
  release_conf_dir:
    description:
      - A Heron release's conf dir (for example C(~/.heron/conf/aurora) after C(heron-install.sh)) to copy
        C(heron_internals.yaml) and C(metrics_sinks.yaml) from.
    type: path
  extra:
    description:
      - Further keys per file, merged last, as a dict of file name to a dict of keys, for example
        C(scheduler.yaml) to C(heron.scheduler.job.max.kill.attempts) V(10).
      - Takes the YAML files this module writes; the result is validated like the rest.
    type: dict
  mode:
    description:
      - The mode of the files, as an octal string. C(uploader.yaml) holding S3 keys is always V('0600').
    type: raw
    default: '0644'
  fetch_check_topology_uri:
    description:
      - The URI of a topology package to fetch-check with, as the uploader would hand it to Heron. With it,
        RV(fetch_commands) includes the topology fetch.
    type: str
notes:
  - The C(hdfs) or C(aws) command that the fetch commands use must exist on every Aurora agent. Run the fetch check
    (role C(heron.aurora.heron_fetch_check), or C(playbooks/fetch_check.yml)) with RV(fetch_commands).
seealso:
  - module: heron.aurora.heron_aurora_fetch_commands
  - module: heron.aurora.heron_upload
"""

EXAMPLES = r"""
- name: A conf dir for Aurora with packages on HDFS
  heron.aurora.heron_cluster_config:
    path: ~/.heron/conf/devcluster
    cluster: devcluster
    heron_version: 0.20.5-incubating
    core_package_uri: hdfs:///heron/dist/heron-core.tar.gz
    statemgr:
      zookeeper:
        connection_string: zk1:2181,zk2:2181,zk3:2181
        root_path: /heron
    uploader:
      hdfs:
        config_directory: /etc/hadoop/conf
        topologies_directory_uri: hdfs:///heron/topologies/${CLUSTER}
    release_conf_dir: ~/.heron/conf/aurora
  register: heron_conf

- name: A conf dir for Aurora with packages on S3
  heron.aurora.heron_cluster_config:
    path: ~/.heron/conf/prod
    cluster: prod
    heron_version: 0.20.5-incubating
    core_package_uri: s3://heron-packages/dist/heron-core.tar.gz
    statemgr:
      zookeeper:
        connection_string: zk1:2181,zk2:2181,zk3:2181
    uploader:
      s3:
        bucket: heron-packages
        path_prefix: topologies
        region: eu-west-1
        access_key: "{{ heron_s3_access_key }}"
        secret_key: "{{ heron_s3_secret_key }}"
    aurora:
      production: true
      tier: preferred
      constraints:
        rack: limit:1

- name: Validate a site's own heron.aurora and install it
  heron.aurora.heron_cluster_config:
    path: ~/.heron/conf/devcluster
    cluster: devcluster
    heron_version: 0.17.8
    core_package_uri: https://binaries.example.org/heron/heron-core.tar.gz
    statemgr:
      zookeeper:
        connection_string: zk1:2181
    uploader:
      http:
        uri: http://apiserver.example.org:9000/api/v1/file/upload
    heron_aurora_template: /srv/heron/site/heron.aurora
"""

RETURN = r"""
path:
  description: The conf dir.
  returned: always
  type: str
  sample: /home/heron/.heron/conf/devcluster
written:
  description: The files written, or that would be written in check mode (content or mode changed).
  returned: always
  type: list
  elements: str
  sample: [/home/heron/.heron/conf/devcluster/scheduler.yaml]
files:
  description: Every file this task manages in the conf dir.
  returned: always
  type: list
  elements: str
  sample: [/home/heron/.heron/conf/devcluster/scheduler.yaml, /home/heron/.heron/conf/devcluster/heron.aurora]
missing:
  description: Release files (C(heron_internals.yaml), C(metrics_sinks.yaml)) neither given nor present.
  returned: always
  type: list
  elements: str
  sample: []
job_template:
  description: The path of C(heron.aurora) (C(heron.scheduler.job.template)); null for O(scheduler=local).
  returned: always
  type: str
  sample: /home/heron/.heron/conf/devcluster/heron.aurora
fetch_commands:
  description:
    - The fetch processes of C(heron.aurora) with O(core_package_uri) (and O(fetch_check_topology_uri)) bound,
      exactly as an Aurora agent runs them with C(bash -c) in the task's sandbox. Empty for O(scheduler=local).
  returned: always
  type: list
  elements: dict
  contains:
    process:
      description: The process name, C(fetch_heron_system) or C(fetch_user_package).
      type: str
    uri:
      description: The URI bound.
      type: str
    command:
      description: The command line.
      type: str
    archive:
      description: The archive the command downloads and unpacks.
      type: str
    expect:
      description: Paths the unpacked archive must hold.
      type: list
      elements: str
  sample:
    - process: fetch_heron_system
      uri: hdfs:///heron/dist/heron-core.tar.gz
      command: "IFS= read -r uri <<'HERON_URI'\nhdfs:///heron/dist/heron-core.tar.gz\nHERON_URI\n\
        hdfs dfs -get \"$uri\" heron-core.tar.gz && tar zxf heron-core.tar.gz"
      archive: heron-core.tar.gz
      expect: [heron-core/bin/heron-executor]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.heron.aurora.plugins.module_utils._ansible.heron_errors import fail_from
from ansible_collections.heron.aurora.plugins.module_utils._heron.config import conf_dir
from ansible_collections.heron.aurora.plugins.module_utils._heron.config import options as conf_options

FETCH_CHOICES = list(conf_options.FETCH_CHOICES)


def _tunnel_spec() -> dict:
    defaults = conf_options.TUNNEL_DEFAULTS
    return {"type": "dict", "options": {
        "needed": {"type": "bool", "default": defaults["needed"]},
        "host": {"type": "str"},
        "connection_timeout_ms": {"type": "int", "default": defaults["connection_timeout_ms"]},
        "connection_retry_count": {"type": "int", "default": defaults["connection_retry_count"]},
        "retry_interval_ms": {"type": "int", "default": defaults["retry_interval_ms"]},
        "verify_count": {"type": "int", "default": defaults["verify_count"]},
    }}


def _exactly_one_of(options: dict) -> dict:
    names = list(options)
    return {"type": "dict", "required": True, "options": options, "mutually_exclusive": [names],
            "required_one_of": [names]}


def argument_spec() -> dict:
    zookeeper = conf_options.ZOOKEEPER_DEFAULTS
    aurora = conf_options.AURORA_DEFAULTS
    health = conf_options.HEALTH_CHECK_DEFAULTS
    resources = conf_options.RESOURCES_DEFAULTS
    return {
        "path": {"type": "path", "required": True},
        "cluster": {"type": "str", "required": True},
        "heron_version": {"type": "str", "required": True},
        "scheduler": {"type": "str", "default": "aurora", "choices": list(conf_options.SCHEDULERS)},
        "core_package_uri": {"type": "str", "required": True},
        "java_home": {"type": "str"},
        "local_working_directory": {"type": "str"},
        "scheduler_tunnel": _tunnel_spec(),
        "statemgr": _exactly_one_of({
            "zookeeper": {"type": "dict", "options": {
                "connection_string": {"type": "str"},
                "root_path": {"type": "str", "default": zookeeper["root_path"]},
                "initialize_tree": {"type": "bool", "default": zookeeper["initialize_tree"]},
                "session_timeout_ms": {"type": "int", "default": zookeeper["session_timeout_ms"]},
                "connection_timeout_ms": {"type": "int", "default": zookeeper["connection_timeout_ms"]},
                "retry_count": {"type": "int", "default": zookeeper["retry_count"]},
                "retry_interval_ms": {"type": "int", "default": zookeeper["retry_interval_ms"]},
                "tunnel": _tunnel_spec(),
            }},
            "localfs": {"type": "dict", "options": {
                "root_path": {"type": "str", "default": conf_options.LOCALFS_STATE_DEFAULTS["root_path"]},
                "initialize_tree": {"type": "bool", "default": True},
            }},
        }),
        "uploader": _exactly_one_of({
            "hdfs": {"type": "dict", "options": {"config_directory": {"type": "str"},
                                                 "topologies_directory_uri": {"type": "str"}}},
            "s3": {"type": "dict", "options": {
                "bucket": {"type": "str"},
                "path_prefix": {"type": "str", "default": conf_options.S3_DEFAULTS["path_prefix"]},
                "access_key": {"type": "str", "no_log": True},
                "secret_key": {"type": "str", "no_log": True},
                "aws_profile": {"type": "str"},
                "region": {"type": "str"},
                "endpoint_uri": {"type": "str"},
                "proxy_uri": {"type": "str"},
            }},
            "http": {"type": "dict", "options": {"uri": {"type": "str"}}},
            "localfs": {"type": "dict", "options": {
                "directory": {"type": "str", "default": conf_options.LOCALFS_UPLOAD_DIRECTORY}}},
        }),
        "packing": {"type": "dict", "options": {"algorithm": {"type": "str"}, "repacking_algorithm": {"type": "str"}}},
        "stateful": {"type": "dict", "options": {
            "storage": {"type": "str", "default": "localfs", "choices": list(conf_options.STATEFUL_STORAGES)},
            "root_path": {"type": "str"},
            "classpath": {"type": "str"},
        }},
        "role_required": {"type": "bool", "default": True},
        "env_required": {"type": "bool", "default": True},
        "aurora": {"type": "dict", "options": {
            "controller_cli": {"type": "bool", "default": aurora["controller_cli"]},
            "max_kill_attempts": {"type": "int", "default": aurora["max_kill_attempts"]},
            "kill_retry_interval_ms": {"type": "int", "default": aurora["kill_retry_interval_ms"]},
            "core_fetch": {"type": "str", "default": "auto", "choices": FETCH_CHOICES},
            "topology_fetch": {"type": "str", "default": "auto", "choices": FETCH_CHOICES},
            "curl_retries": {"type": "int", "default": aurora["curl_retries"]},
            "hdfs_command": {"type": "str", "default": aurora["hdfs_command"]},
            "aws_command": {"type": "str", "default": aurora["aws_command"]},
            "s3_endpoint_url": {"type": "str"},
            "s3_region": {"type": "str"},
            "resources": {"type": "dict", "options": {
                name: {"type": "raw", "default": resources[name]} for name in ("cpu", "ram", "disk")}},
            "health_check": {"type": "dict", "options": {
                "endpoint": {"type": "str", "default": health["endpoint"]},
                "expected_response": {"type": "str", "default": health["expected_response"]},
                **{name: {"type": "int", "default": health[name]} for name in (
                    "expected_response_code", "initial_interval_secs", "interval_secs", "max_consecutive_failures",
                    "timeout_secs")},
            }},
            "announce_portmap": {"type": "dict"},
            "production": {"type": "bool", "default": False},
            "tier": {"type": "str"},
            "constraints": {"type": "dict"},
            "metadata": {"type": "list", "elements": "dict", "options": {
                "key": {"type": "str", "required": True, "no_log": False},
                "value": {"type": "str", "required": True},
            }},
            "extra_processes": {"type": "list", "elements": "dict", "options": {
                "name": {"type": "str", "required": True},
                "cmdline": {"type": "str", "required": True},
                "max_failures": {"type": "int"},
            }},
        }},
        "heron_aurora_template": {"type": "path"},
        "release_conf_dir": {"type": "path"},
        "extra": {"type": "dict"},
        "mode": {"type": "raw", "default": conf_options.FILE_MODE},
        "fetch_check_topology_uri": {"type": "str"},
    }


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    try:
        options = conf_options.ConfDirOptions.from_dict(module.params)
        plan = conf_dir.plan(options)
        written = [change.path for change in plan.changes if change.changed]
        if not module.check_mode:
            written = plan.apply()
    except Exception as exc:  # noqa: BLE001 - every failure becomes a task failure with its message
        fail_from(module, exc)
    for name in plan.missing:
        module.warn(f"{name} is missing from {options.path}: give release_conf_dir (a Heron release's conf dir) "
                    "to copy it; Heron needs it to run topologies")
    result = {
        "changed": plan.changed, "path": options.path, "written": written,
        "files": [change.path for change in plan.changes], "missing": plan.missing,
        "job_template": options.job_template_path,
        "fetch_commands": [command.as_dict() for command in plan.fetch_commands],
    }
    if module._diff:
        result["diff"] = plan.diffs()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
