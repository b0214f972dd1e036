"""STAND-IN for the Apache Aurora scheduler, for tests only; never shipped, never a real scheduler.

It serves the scheduler API of our IDL (the client's api.load_api(), written in scripts/aurora_api.thrift) as Thrift
binary over HTTP on loopback, registers in ZooKeeper the way the real scheduler does (ephemeral sequential member_
nodes holding the serverset JSON), moves tasks through PENDING -> ASSIGNED -> STARTING -> RUNNING and KILLING ->
KILLED, runs job updates with rollback, and rejects what the real scheduler rejects with the real response codes. It
can also run each task's processes, in order, in a sandbox directory per instance, so that fetch commands really
execute.
Switches inject ERROR_TRANSIENT, HTTP 503, tasks that never start, createJob refused as over quota (refuse_create),
and restarted tasks that end FAILED, LOST or FINISHED instead of KILLED (restart_ends, as the scheduler's state
machine allows for a RESTARTING task), replace the stock tiers (tiers, in the layout of the scheduler's
tiers.json), and apply a call but close the connection without answering it (lose_answer, per method).
"""
