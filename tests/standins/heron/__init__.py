"""Stand-ins for Apache Heron, which cannot be installed here (tests only, never shipped).

- topology/: a small WordCount of our own, compiled against Heron's real API (heron-api from Maven Central), whose
  main class makes Heron's own HeronSubmitter write the topology definition (build.py, with the Maven and javac
  steps of tests/harness/java.py);
- znodes.py: writes Heron's znodes into a real ZooKeeper in the order and shape Heron's CLI and TManager use;
- cli/ (run as tests/standins/bin/heron): the heron CLI: submit, kill, activate, deactivate, restart;
- executor/: the heron-executor (TManager location, physical plan, activate/deactivate, /health) and
  core_release(), the heron-core tarball holding it;
- packages.py: tar_gz(), how the stand-ins and tests pack a Heron package (heron-core release, topology package);
- heronpy.py: Heron's own protobuf descriptors, read from the heronpy wheel, to check ours against;
- chain.py: the whole chain for a test (conf dir, clusters.json, the launchers of tests/standins/bin on PATH);
- pytest_plugin.py (taken by tests/integration/conftest.py): the fixtures heron_sample_jars, heron_definition,
  heron_znodes and heron_chain.
"""
