"""Our IDL against the scheduler's contract: every struct, union, enum and method of api.thrift must have the
field ids, names and types of the reference table below, and nothing the table does not know.

The table is written from section 6 of heron-aurora-facts.md; the structs that section does not spell out
(job summaries, update details, results) were checked against apache/aurora's api.thrift at its last commit.
The client loads the embedded copy (api_idl.py) of the authored source scripts/aurora_api.thrift; after changing
that file, run python3 scripts/embed_aurora_idl.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import thriftpy2
from thriftpy2.thrift import TType

from ansible_collections.heron.aurora.plugins.module_utils._aurora import api
from ansible_collections.heron.aurora.tests.unit.utils.aurora import wire

STRUCTS = {
    "JobKey": {1: ("role", "string"), 2: ("environment", "string"), 3: ("name", "string")},
    "Identity": {2: ("user", "string")},
    "InstanceKey": {1: ("jobKey", "JobKey"), 2: ("instanceId", "i32")},
    "Metadata": {1: ("key", "string"), 2: ("value", "string")},
    "Range": {1: ("first", "i32"), 2: ("last", "i32")},
    "ValueConstraint": {1: ("negated", "bool"), 2: ("values", "set<string>")},
    "LimitConstraint": {1: ("limit", "i32")},
    "Constraint": {1: ("name", "string"), 2: ("constraint", "TaskConstraint")},
    "MesosFetcherURI": {1: ("value", "string"), 2: ("extract", "bool"), 3: ("cache", "bool"),
                        4: ("outputFile", "string")},
    "ExecutorConfig": {1: ("name", "string"), 2: ("data", "string")},
    "Volume": {1: ("containerPath", "string"), 2: ("hostPath", "string"), 3: ("mode", "Mode")},
    "DockerImage": {1: ("name", "string"), 2: ("tag", "string")},
    "AppcImage": {1: ("name", "string"), 2: ("imageId", "string")},
    "MesosContainer": {1: ("image", "Image"), 2: ("volumes", "list<Volume>")},
    "DockerParameter": {1: ("name", "string"), 2: ("value", "string")},
    "DockerContainer": {1: ("image", "string"), 2: ("parameters", "list<DockerParameter>")},
    "TaskConfig": {
        28: ("job", "JobKey"), 17: ("owner", "Identity"), 7: ("isService", "bool"), 11: ("priority", "i32"),
        13: ("maxTaskFailures", "i32"), 18: ("production", "bool"), 30: ("tier", "string"),
        32: ("resources", "set<Resource>"), 20: ("constraints", "set<Constraint>"),
        33: ("mesosFetcherUris", "set<MesosFetcherURI>"), 22: ("taskLinks", "map<string,string>"),
        23: ("contactEmail", "string"), 25: ("executorConfig", "ExecutorConfig"),
        27: ("metadata", "set<Metadata>"), 29: ("container", "Container"),
        34: ("partitionPolicy", "PartitionPolicy"), 35: ("slaPolicy", "SlaPolicy"),
    },
    "PartitionPolicy": {1: ("reschedule", "bool"), 2: ("delaySecs", "i64")},
    "PercentageSlaPolicy": {1: ("percentage", "double"), 2: ("durationSecs", "i64")},
    "CountSlaPolicy": {1: ("count", "i64"), 2: ("durationSecs", "i64")},
    "CoordinatorSlaPolicy": {1: ("coordinatorUrl", "string"), 2: ("statusKey", "string")},
    "JobConfiguration": {
        9: ("key", "JobKey"), 7: ("owner", "Identity"), 4: ("cronSchedule", "string"),
        5: ("cronCollisionPolicy", "CronCollisionPolicy"), 6: ("taskConfig", "TaskConfig"), 8: ("instanceCount", "i32"),
    },
    "ResourceAggregate": {4: ("resources", "set<Resource>")},
    "TaskEvent": {1: ("timestamp", "i64"), 2: ("status", "ScheduleStatus"), 3: ("message", "string"),
                  4: ("scheduler", "string")},
    "AssignedTask": {1: ("taskId", "string"), 2: ("slaveId", "string"), 3: ("slaveHost", "string"),
                     4: ("task", "TaskConfig"), 5: ("assignedPorts", "map<string,i32>"), 6: ("instanceId", "i32")},
    "ScheduledTask": {1: ("assignedTask", "AssignedTask"), 2: ("status", "ScheduleStatus"),
                      3: ("failureCount", "i32"), 6: ("timesPartitioned", "i32"), 4: ("taskEvents", "list<TaskEvent>"),
                      5: ("ancestorId", "string")},
    "TaskQuery": {
        14: ("role", "string"), 9: ("environment", "string"), 2: ("jobName", "string"), 4: ("taskIds", "set<string>"),
        5: ("statuses", "set<ScheduleStatus>"), 7: ("instanceIds", "set<i32>"), 10: ("slaveHosts", "set<string>"),
        11: ("jobKeys", "set<JobKey>"), 12: ("offset", "i32"), 13: ("limit", "i32"),
    },
    "JobStats": {1: ("activeTaskCount", "i32"), 2: ("finishedTaskCount", "i32"), 3: ("failedTaskCount", "i32"),
                 4: ("pendingTaskCount", "i32")},
    "JobSummary": {1: ("job", "JobConfiguration"), 2: ("stats", "JobStats"), 3: ("nextCronRunMs", "i64")},
    "ConfigGroup": {1: ("config", "TaskConfig"), 3: ("instances", "set<Range>")},
    "ConfigSummary": {1: ("key", "JobKey"), 2: ("groups", "set<ConfigGroup>")},
    "JobUpdateKey": {1: ("job", "JobKey"), 2: ("id", "string")},
    "QueueJobUpdateStrategy": {1: ("groupSize", "i32")},
    "BatchJobUpdateStrategy": {1: ("groupSize", "i32"), 2: ("autopauseAfterBatch", "bool")},
    "VariableBatchJobUpdateStrategy": {1: ("groupSizes", "list<i32>"), 2: ("autopauseAfterBatch", "bool")},
    "JobUpdateSettings": {
        1: ("updateGroupSize", "i32"), 2: ("maxPerInstanceFailures", "i32"), 3: ("maxFailedInstances", "i32"),
        5: ("minWaitInInstanceRunningMs", "i32"), 6: ("rollbackOnFailure", "bool"),
        7: ("updateOnlyTheseInstances", "set<Range>"), 8: ("waitForBatchCompletion", "bool"),
        9: ("blockIfNoPulsesAfterMs", "i32"), 10: ("slaAware", "bool"), 11: ("updateStrategy", "JobUpdateStrategy"),
    },
    "JobUpdateEvent": {1: ("status", "JobUpdateStatus"), 2: ("timestampMs", "i64"), 3: ("user", "string"),
                       4: ("message", "string")},
    "JobInstanceUpdateEvent": {1: ("instanceId", "i32"), 2: ("timestampMs", "i64"), 3: ("action", "JobUpdateAction"),
                               4: ("message", "string")},
    "InstanceTaskConfig": {1: ("task", "TaskConfig"), 2: ("instances", "set<Range>")},
    "JobUpdateState": {1: ("status", "JobUpdateStatus"), 2: ("createdTimestampMs", "i64"),
                       3: ("lastModifiedTimestampMs", "i64")},
    "JobUpdateSummary": {5: ("key", "JobUpdateKey"), 3: ("user", "string"), 4: ("state", "JobUpdateState"),
                         6: ("metadata", "set<Metadata>")},
    "JobUpdateInstructions": {1: ("initialState", "set<InstanceTaskConfig>"), 2: ("desiredState", "InstanceTaskConfig"),
                              3: ("settings", "JobUpdateSettings")},
    "JobUpdate": {1: ("summary", "JobUpdateSummary"), 2: ("instructions", "JobUpdateInstructions")},
    "JobUpdateDetails": {1: ("update", "JobUpdate"), 2: ("updateEvents", "list<JobUpdateEvent>"),
                         3: ("instanceEvents", "list<JobInstanceUpdateEvent>")},
    "JobUpdateRequest": {1: ("taskConfig", "TaskConfig"), 2: ("instanceCount", "i32"),
                         3: ("settings", "JobUpdateSettings"), 4: ("metadata", "set<Metadata>")},
    "JobUpdateQuery": {2: ("role", "string"), 8: ("key", "JobUpdateKey"), 3: ("jobKey", "JobKey"),
                       4: ("user", "string"), 5: ("updateStatuses", "set<JobUpdateStatus>"), 6: ("offset", "i32"),
                       7: ("limit", "i32")},
    "PopulateJobResult": {2: ("taskConfig", "TaskConfig")},
    "ScheduleStatusResult": {1: ("tasks", "list<ScheduledTask>")},
    "GetJobsResult": {1: ("configs", "set<JobConfiguration>")},
    "GetQuotaResult": {1: ("quota", "ResourceAggregate"), 2: ("prodSharedConsumption", "ResourceAggregate"),
                       3: ("nonProdSharedConsumption", "ResourceAggregate"),
                       4: ("prodDedicatedConsumption", "ResourceAggregate"),
                       5: ("nonProdDedicatedConsumption", "ResourceAggregate")},
    "JobSummaryResult": {1: ("summaries", "set<JobSummary>")},
    "ConfigSummaryResult": {1: ("summary", "ConfigSummary")},
    "StartJobUpdateResult": {1: ("key", "JobUpdateKey"), 2: ("updateSummary", "JobUpdateSummary")},
    "GetJobUpdateSummariesResult": {1: ("updateSummaries", "list<JobUpdateSummary>")},
    "GetJobUpdateDetailsResult": {1: ("details", "JobUpdateDetails"), 2: ("detailsList", "list<JobUpdateDetails>")},
    "PulseJobUpdateResult": {1: ("status", "JobUpdatePulseStatus")},
    "GetJobUpdateDiffResult": {1: ("add", "set<ConfigGroup>"), 2: ("remove", "set<ConfigGroup>"),
                               3: ("update", "set<ConfigGroup>"), 4: ("unchanged", "set<ConfigGroup>")},
    "TierConfig": {1: ("name", "string"), 2: ("settings", "map<string,string>")},
    "GetTierConfigResult": {1: ("defaultTierName", "string"), 2: ("tiers", "set<TierConfig>")},
    "ServerInfo": {1: ("clusterName", "string"), 3: ("statsUrlPrefix", "string")},
    "ResponseDetail": {1: ("message", "string")},
    "Response": {1: ("responseCode", "ResponseCode"), 5: ("serverInfo", "ServerInfo"), 3: ("result", "Result"),
                 6: ("details", "list<ResponseDetail>")},
}

UNIONS = {
    "TaskConstraint": {1: ("value", "ValueConstraint"), 2: ("limit", "LimitConstraint")},
    "Image": {1: ("docker", "DockerImage"), 2: ("appc", "AppcImage")},
    "Container": {1: ("mesos", "MesosContainer"), 2: ("docker", "DockerContainer")},
    "SlaPolicy": {1: ("percentageSlaPolicy", "PercentageSlaPolicy"), 2: ("countSlaPolicy", "CountSlaPolicy"),
                  3: ("coordinatorSlaPolicy", "CoordinatorSlaPolicy")},
    "Resource": {1: ("numCpus", "double"), 2: ("ramMb", "i64"), 3: ("diskMb", "i64"), 4: ("namedPort", "string"),
                 5: ("numGpus", "i64")},
    "JobUpdateStrategy": {1: ("queueStrategy", "QueueJobUpdateStrategy"),
                          2: ("batchStrategy", "BatchJobUpdateStrategy"),
                          3: ("varBatchStrategy", "VariableBatchJobUpdateStrategy")},
    "Result": {
        1: ("populateJobResult", "PopulateJobResult"), 3: ("scheduleStatusResult", "ScheduleStatusResult"),
        4: ("getJobsResult", "GetJobsResult"), 5: ("getQuotaResult", "GetQuotaResult"),
        18: ("jobSummaryResult", "JobSummaryResult"), 20: ("configSummaryResult", "ConfigSummaryResult"),
        22: ("startJobUpdateResult", "StartJobUpdateResult"),
        23: ("getJobUpdateSummariesResult", "GetJobUpdateSummariesResult"),
        24: ("getJobUpdateDetailsResult", "GetJobUpdateDetailsResult"),
        25: ("pulseJobUpdateResult", "PulseJobUpdateResult"), 26: ("getJobUpdateDiffResult", "GetJobUpdateDiffResult"),
        27: ("getTierConfigResult", "GetTierConfigResult"),
    },
}

ENUMS = {
    "ResponseCode": {"INVALID_REQUEST": 0, "OK": 1, "ERROR": 2, "WARNING": 3, "AUTH_FAILED": 4,
                     "JOB_UPDATING_ERROR": 5, "ERROR_TRANSIENT": 6},
    "ScheduleStatus": {"INIT": 11, "THROTTLED": 16, "PENDING": 0, "ASSIGNED": 9, "STARTING": 1, "RUNNING": 2,
                       "FINISHED": 3, "PREEMPTING": 13, "RESTARTING": 12, "DRAINING": 17, "FAILED": 4, "KILLED": 5,
                       "KILLING": 6, "LOST": 7, "PARTITIONED": 18},
    "CronCollisionPolicy": {"KILL_EXISTING": 0, "CANCEL_NEW": 1, "RUN_OVERLAP": 2},
    "Mode": {"RW": 1, "RO": 2},
    "JobUpdateStatus": {"ROLLING_FORWARD": 0, "ROLLING_BACK": 1, "ROLL_FORWARD_PAUSED": 2, "ROLL_BACK_PAUSED": 3,
                        "ROLLED_FORWARD": 4, "ROLLED_BACK": 5, "ABORTED": 6, "ERROR": 7, "FAILED": 8,
                        "ROLL_FORWARD_AWAITING_PULSE": 9, "ROLL_BACK_AWAITING_PULSE": 10},
    "JobUpdateAction": {"INSTANCE_UPDATED": 1, "INSTANCE_ROLLED_BACK": 2, "INSTANCE_UPDATING": 3,
                        "INSTANCE_ROLLING_BACK": 4, "INSTANCE_UPDATE_FAILED": 5, "INSTANCE_ROLLBACK_FAILED": 6},
    "JobUpdatePulseStatus": {"OK": 1, "FINISHED": 2},
}

METHODS = {
    "getJobSummary": {1: ("role", "string")},
    "getTasksStatus": {1: ("query", "TaskQuery")},
    "getTasksWithoutConfigs": {1: ("query", "TaskQuery")},
    "getConfigSummary": {1: ("job", "JobKey")},
    "getJobs": {1: ("ownerRole", "string")},
    "getQuota": {1: ("ownerRole", "string")},
    "populateJobConfig": {1: ("description", "JobConfiguration")},
    "getJobUpdateSummaries": {1: ("jobUpdateQuery", "JobUpdateQuery")},
    "getJobUpdateDetails": {1: ("key", "JobUpdateKey"), 2: ("query", "JobUpdateQuery")},
    "getJobUpdateDiff": {1: ("request", "JobUpdateRequest")},
    "getTierConfigs": {},
    "createJob": {1: ("description", "JobConfiguration")},
    "restartShards": {5: ("job", "JobKey"), 3: ("shardIds", "set<i32>")},
    "killTasks": {4: ("job", "JobKey"), 5: ("instances", "set<i32>"), 6: ("message", "string")},
    "addInstances": {3: ("key", "InstanceKey"), 4: ("count", "i32")},
    "startJobUpdate": {1: ("request", "JobUpdateRequest"), 3: ("message", "string")},
    "pauseJobUpdate": {1: ("key", "JobUpdateKey"), 3: ("message", "string")},
    "resumeJobUpdate": {1: ("key", "JobUpdateKey"), 3: ("message", "string")},
    "abortJobUpdate": {1: ("key", "JobUpdateKey"), 3: ("message", "string")},
    "rollbackJobUpdate": {1: ("key", "JobUpdateKey"), 2: ("message", "string")},
    "pulseJobUpdate": {1: ("key", "JobUpdateKey")},
}

SCALARS = {TType.BOOL: "bool", TType.BYTE: "byte", TType.DOUBLE: "double", TType.I16: "i16", TType.I32: "i32",
           TType.I64: "i64", TType.STRING: "string"}


def type_name(ttype, type_arg=None):
    """Render one thriftpy2 field type as IDL text, e.g. (TType.SET, (TType.STRUCT, Resource)) -> set<Resource>."""
    if ttype in (TType.STRUCT, TType.I32) and hasattr(type_arg, "__name__"):  # a struct, union or enum
        return type_arg.__name__
    if ttype in SCALARS:
        return SCALARS[ttype]
    if ttype in (TType.SET, TType.LIST):
        inner = type_name(*type_arg) if isinstance(type_arg, tuple) else type_name(type_arg)
        return f"{'set' if ttype == TType.SET else 'list'}<{inner}>"
    if ttype == TType.MAP:
        key, value = (type_name(*part) if isinstance(part, tuple) else type_name(part) for part in type_arg)
        return f"map<{key},{value}>"
    raise AssertionError(f"unexpected field type {ttype} {type_arg}")


def fields_of(struct_class):
    fields = {}
    for field_id, spec in struct_class.thrift_spec.items():
        type_arg = spec[2] if len(spec) == 4 else None
        fields[field_id] = (spec[1], type_name(spec[0], type_arg))
    return fields


@pytest.fixture(scope="module")
def idl():
    return api.load_api()


def test_idl_declares_exactly_the_structs_of_the_table(idl):
    assert sorted(cls.__name__ for cls in idl.__thrift_meta__["structs"]) == sorted(STRUCTS)
    assert sorted(cls.__name__ for cls in idl.__thrift_meta__["unions"]) == sorted(UNIONS)


@pytest.mark.parametrize("name", sorted(STRUCTS) + sorted(UNIONS))
def test_struct_field_ids_names_and_types(idl, name):
    expected = STRUCTS.get(name) or UNIONS[name]
    assert fields_of(getattr(idl, name)) == expected


def test_idl_declares_exactly_the_enums_of_the_table(idl):
    assert sorted(cls.__name__ for cls in idl.__thrift_meta__["enums"]) == sorted(ENUMS)


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enum_values(idl, name):
    assert getattr(idl, name)._NAMES_TO_VALUES == ENUMS[name]


def test_service_methods_are_exactly_those_of_the_table(idl):
    assert sorted(idl.AuroraSchedulerManager.thrift_services) == sorted(METHODS)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_method_argument_ids_and_types(idl, method):
    service = idl.AuroraSchedulerManager
    assert fields_of(getattr(service, f"{method}_args")) == METHODS[method]
    assert fields_of(getattr(service, f"{method}_result")) == {0: ("success", "Response")}


def test_job_key_bytes_are_thrift_binary(idl):
    # Field header (type 11 = string, id), 4-byte length, bytes; 0 ends the struct.
    expected = (b"\x0b\x00\x01\x00\x00\x00\x01r" b"\x0b\x00\x02\x00\x00\x00\x01e"
                b"\x0b\x00\x03\x00\x00\x00\x01n" b"\x00")
    assert wire.encode_struct(idl.JobKey(role="r", environment="e", name="n")) == expected


def test_call_message_uses_the_strict_binary_header(idl):
    data = api.encode_call("getJobs", {"ownerRole": "www"}, seqid=7)
    # version 1 | CALL, method name, sequence id, then the arguments struct.
    assert data.startswith(b"\x80\x01\x00\x01" b"\x00\x00\x00\x07getJobs" b"\x00\x00\x00\x07")
    assert data.endswith(b"\x0b\x00\x01\x00\x00\x00\x03www\x00")


def test_call_and_reply_round_trip(idl):
    job = idl.JobConfiguration(
        key=idl.JobKey("www", "prod", "hello"), owner=idl.Identity(user="me"), instanceCount=2,
        cronCollisionPolicy=idl.CronCollisionPolicy.KILL_EXISTING,
        taskConfig=idl.TaskConfig(
            job=idl.JobKey("www", "prod", "hello"), isService=True, priority=0, maxTaskFailures=1,
            resources={idl.Resource(numCpus=0.5), idl.Resource(ramMb=128), idl.Resource(namedPort="http")},
            constraints={idl.Constraint("host", idl.TaskConstraint(limit=idl.LimitConstraint(1)))},
            container=idl.Container(mesos=idl.MesosContainer()),
            executorConfig=idl.ExecutorConfig("AuroraExecutor", "{}")),
    )
    name, seqid, args = wire.decode_call(api.encode_call("createJob", {"description": job}, seqid=3))
    assert (name, seqid) == ("createJob", 3)
    assert args.description.key == job.key
    assert {r.ramMb for r in args.description.taskConfig.resources} == {None, 128}

    response = idl.Response(responseCode=idl.ResponseCode.OK, details=[idl.ResponseDetail("fine")],
                            serverInfo=idl.ServerInfo(clusterName="devcluster"))
    decoded = api.decode_reply("createJob", wire.encode_reply("createJob", 3, response))
    assert decoded == response


def test_a_reply_to_another_method_is_refused(idl):
    from ansible_collections.heron.aurora.plugins.module_utils._aurora.errors import AuroraProtocolError

    response = idl.Response(responseCode=idl.ResponseCode.OK)
    with pytest.raises(AuroraProtocolError, match="answered 'getJobs'"):
        api.decode_reply("createJob", wire.encode_reply("getJobs", 0, response))
    with pytest.raises(AuroraProtocolError, match="unreadable reply"):
        api.decode_reply("createJob", b"<html>proxy error</html>")
    with pytest.raises(AuroraProtocolError, match="rejected the call"):
        api.decode_reply("createJob", wire.encode_exception("createJob", 0, "no such thing"))


ROOT = Path(__file__).resolve().parents[5]
IDL_SOURCE = ROOT / "scripts" / "aurora_api.thrift"
EMBEDDER = ROOT / "scripts" / "embed_aurora_idl.py"


def test_embedded_idl_is_the_thrift_source():
    proc = subprocess.run([sys.executable, str(EMBEDDER), "--check"],  # noqa: S603 - fixed argv
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_thrift_source_loads_to_the_same_types():
    source = thriftpy2.load(str(IDL_SOURCE), module_name="heron_aurora_authored_source_thrift")
    for name in list(STRUCTS) + list(UNIONS):
        assert fields_of(getattr(source, name)) == (STRUCTS.get(name) or UNIONS[name])
