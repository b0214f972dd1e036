"""The test harness: real ZooKeeper, S3 (moto server), HDFS, nginx and a Docker registry on loopback, for tests and
the sandbox."""

from __future__ import annotations

from .docker_registry import DockerRegistry
from .hdfs import HdfsCluster
from .http import HttpServer
from .s3 import S3Server
from .zookeeper import ZooKeeperEnsemble, ZooKeeperNode

# One table for both ways in: the name on `python -m harness up --services`, its pytest fixture, its class.
SERVICES = {
    "zookeeper": ("zookeeper", ZooKeeperNode),
    "zookeeper-ensemble": ("zookeeper_ensemble", ZooKeeperEnsemble),
    "s3": ("s3_server", S3Server),
    "hdfs": ("hdfs_cluster", HdfsCluster),
    "http": ("http_server", HttpServer),
    "docker-registry": ("docker_registry", DockerRegistry),
}
