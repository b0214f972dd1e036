"""The test harness: real ZooKeeper, S3 (moto server), HDFS and nginx on loopback, for tests and the sandbox."""
