"""Cases shared by the tests of _heron.config and heron_cluster_config: options of a conf dir for each storage
choice, and Heron's stock heron.aurora (conf/aurora/, Heron 0.20.3 and later) written for these tests from the contract
in heron-aurora-facts.md section 2: curl fetches with the URIs unquoted, the tmanager executor flags."""

from __future__ import annotations

CLUSTER = "devcluster"

# One set of options per storage scheme: the core package URI and the uploader that go with it.
STORAGE_CHOICES = {
    "http": {"core_package_uri": "https://packages.example.org/heron/heron-core.tar.gz",
             "uploader": {"http": {"uri": "http://apiserver.example.org:9000/api/v1/file/upload"}}},
    "hdfs": {"core_package_uri": "hdfs://heron-ns/heron/dist/heron-core.tar.gz",
             "uploader": {"hdfs": {"config_directory": "/etc/hadoop/conf",
                                   "topologies_directory_uri": "hdfs:///heron/topologies/${CLUSTER}"}}},
    "s3": {"core_package_uri": "s3://heron-packages/dist/heron-core.tar.gz",
           "uploader": {"s3": {"bucket": "heron-packages", "path_prefix": "topologies", "region": "eu-west-1",
                               "access_key": "AKIAEXAMPLE", "secret_key": "example-secret"}}},
    "file": {"core_package_uri": "file:///mnt/shared/heron/heron-core.tar.gz",
             "uploader": {"localfs": {"directory": "/mnt/shared/heron/topologies/${CLUSTER}"}}},
}


def conf_dir_options(root, scheme: str = "http", version: str = "0.20.5-incubating", **overrides) -> dict:
    options = {
        "path": str(root / CLUSTER), "cluster": CLUSTER, "heron_version": version,
        "statemgr": {"zookeeper": {"connection_string": "zk1:2181,zk2:2181,zk3:2181", "root_path": "/heron"}},
    }
    options.update(STORAGE_CHOICES[scheme])
    options.update(overrides)
    return options


STOCK_HERON_AURORA = """\
heron_core_release_uri = '{{CORE_PACKAGE_URI}}'
heron_topology_jar_uri = '{{TOPOLOGY_PACKAGE_URI}}'
core_release_file = "heron-core.tar.gz"
topology_package_file = "topology.tar.gz"

fetch_heron_system = Process(
  name = 'fetch_heron_system',
  cmdline = 'curl %s -o %s && tar zxf %s' % (heron_core_release_uri, core_release_file, core_release_file)
)

fetch_user_package = Process(
  name = 'fetch_user_package',
  cmdline = 'curl %s -o %s && tar zxf %s' % (heron_topology_jar_uri, topology_package_file, topology_package_file)
)

command_to_start_executor = \\
  '{{EXECUTOR_BINARY}}' \\
  ' --shard={{mesos.instance}}' \\
  ' --server-port={{thermos.ports[port1]}}' \\
  ' --tmanager-controller-port={{thermos.ports[port2]}}' \\
  ' --tmanager-stats-port={{thermos.ports[port3]}}' \\
  ' --shell-port={{thermos.ports[http]}}' \\
  ' --metrics-manager-port={{thermos.ports[port4]}}' \\
  ' --scheduler-port={{thermos.ports[scheduler]}}' \\
  ' --metricscache-manager-server-port={{thermos.ports[metricscachemgr_serverport]}}' \\
  ' --metricscache-manager-stats-port={{thermos.ports[metricscachemgr_statsport]}}' \\
  ' --checkpoint-manager-port={{thermos.ports[ckptmgr_port]}}' \\
  ' {{TOPOLOGY_ARGUMENTS}}'

launch_heron_executor = Process(
  name = 'launch_heron_executor',
  cmdline = command_to_start_executor,
  max_failures = 1
)

discover_profiler_port = Process(
  name = 'discover_profiler_port',
  cmdline = 'echo {{thermos.ports[yourkit]}} > yourkit.port'
)

heron_task = SequentialTask(
  name = 'setup_and_run',
  processes = [fetch_heron_system, fetch_user_package, launch_heron_executor, discover_profiler_port],
  resources = Resources(cpu = '{{CPUS_PER_CONTAINER}}',
                        ram = '{{RAM_PER_CONTAINER}}',
                        disk = '{{DISK_PER_CONTAINER}}')
)

jobs = [
  Job(
    name = '{{TOPOLOGY_NAME}}',
    cluster = '{{CLUSTER}}',
    role = '{{ROLE}}',
    environment = '{{ENVIRON}}',
    service = True,
    task = heron_task,
    instances = '{{NUM_CONTAINERS}}',
    announce = Announcer(primary_port = 'http', portmap = {'admin': 'http', 'health': 'http'}),
    health_check_config = HealthCheckConfig(
      health_checker = HealthCheckerConfig(
        http = HttpHealthChecker(endpoint = '/health', expected_response = 'ok', expected_response_code = 200)
      ),
      initial_interval_secs = 30,
      interval_secs = 10,
      max_consecutive_failures = 2,
      timeout_secs = 5
    )
  )
]
"""
