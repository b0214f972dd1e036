#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: heron_upload
short_description: Upload Heron packages to HDFS, S3 or a shared path, idempotently and atomically
version_added: 0.1.0
description:
  - Uploads one file from the managed host, typically the Heron core tarball or a topology package, to the store
    that Aurora agents fetch from, and returns the exact URI to put into C(heron.aurora) or C(scheduler.yaml).
  - Idempotent by content, never by timestamps. The sha256 of O(src) is compared with the sha256 recorded with the
    stored object, in its user metadata C(sha256) on S3, its extended attribute C(user.sha256) on HDFS (or a
    sidecar C(<name>.sha256) where extended attributes are off), and for C(file://) the hash of the existing file.
    An unchanged file reports C(changed=false) and sends nothing (RV(transferred_bytes=0)).
  - Atomic. On HDFS and C(file://) the data goes to a temporary name in the destination's directory and is renamed
    over the destination only when complete. On S3 an object appears only through a single PUT or a completed
    multipart upload; a failed multipart upload is aborted.
  - Streaming. Memory stays flat whatever the file size; files are hashed and sent in chunks (S3 parts of
    O(part_size), HDFS in 128 KiB chunks, local copies in 1 MiB chunks).
  - Transient failures (S3 5xx and throttling, WebHDFS 503, reset connections, a standby NameNode) are retried with
    exponential backoff and jitter, within O(timeout) seconds in total.
author:
  - heron.aurora contributors (@heron-aurora)
extends_documentation_fragment:
  - heron.aurora._attributes
  - heron.aurora._storage_s3
  - heron.aurora._storage_hdfs
attributes:
  action_group:
    support: none
    membership: []
    details: >-
      It shares no option set with other modules, so it is in no action group; C(module_defaults) can still set its
      options under its own name, C(heron.aurora.heron_upload).
  check_mode:
    support: full
    details: Hashes O(src) and queries the store, reports what would change, and sends nothing.
  diff_mode:
    support: full
    details: Before and after sha256 and size of the object (and the list of versions with O(versioned=true)).
  idempotent:
    support: partial
    details:
      - By content, never by timestamps. An O(src) whose sha256 is already recorded at O(dest) is not sent again and
        the task reports no change; so is an O(state=absent) with nothing to remove.
      - Not with O(overwrite=always), which uploads on every run by design.
options:
  src:
    description:
      - Path of the file to upload, on the managed host. Must be a regular file.
      - Required with O(state=present). With O(state=absent) and O(versioned=true) it selects the one version to
        remove.
    type: path
  dest:
    description:
      - Where to store the file, as a URI. V(s3://BUCKET/KEY), V(hdfs://NAMESERVICE/PATH) (or V(hdfs:///PATH) for
        the agents' default file system), or V(file:///ABSOLUTE/PATH) on the managed host (a shared mount that every
        Aurora agent sees at the same path).
      - Missing parent directories are created on HDFS and for C(file://).
      - In a C(file://) URI, C(%XX) escapes are decoded as C(curl) decodes them (V(file:///srv/heron%20pkgs/x.tar.gz)
        is the file C(/srv/heron pkgs/x.tar.gz)); S3 keys and HDFS paths are taken literally, as C(aws s3 cp) and
        C(hdfs dfs -get) take them.
      - Refused before anything is touched, naming this option - credentials in the URI (C(user:password@); use the
        credential options), control characters (a tab, a newline, or C(%00) to C(%1F) in a C(file://) URI),
        C(.) or C(..) segments (also in S3 keys, whose URLs would resolve them to another key), names longer than
        172 bytes (255 less room for the version digest and the temporary name), and paths longer than the store
        takes.
      - For C(file://), only a regular file or nothing may be at O(dest); a FIFO, socket or device is refused.
    type: str
    required: true
  state:
    description:
      - V(present) uploads O(src) as needed; V(absent) removes the stored object.
    type: str
    choices: [present, absent]
    default: present
  overwrite:
    description:
      - V(different) uploads only when the content differs from what is stored.
      - V(always) uploads every time, and V(never) leaves an existing object as it is, whatever its content.
    type: str
    choices: [different, always, never]
    default: different
  versioned:
    description:
      - Store under a content-addressed name in the destination's directory, so that earlier versions stay
        fetchable for a rollback. The name is the destination's name with a dash and the first
        O(version_digest_length) hex digits of the sha256 before its extension, which is kept whole,
        for example C(heron-core.tar.gz) becomes C(heron-core-3fa9c0d1e2b34f56.tar.gz).
      - The destination name itself is not written; RV(uri) is the versioned one.
      - With O(state=absent) every version of O(dest) is removed, or only the version of O(src) when given.
    type: bool
    default: false
  keep:
    description:
      - With O(versioned=true), how many versions of O(dest) to retain, counting the one this task uploaded or
        found. The others are kept newest first by modification time, and the rest are removed, but only those
        older than the version of O(src) by more than O(grace_period) seconds, by the modification times the
        store records. So a version that another run is publishing at the same time is never removed, and
        neither is a version newer than the one of O(src).
      - The version of O(src) is never removed. Unset keeps every version.
    type: int
  grace_period:
    description:
      - The longest, in seconds, that a run of this task to the same O(dest) can take, uploads included.
      - With O(keep), versions are pruned only when they are older than the version of O(src) by more than this.
      - After an upload, the temporary files (HDFS, C(file://)) and incomplete multipart uploads (S3) that
        interrupted runs left for O(dest), or its versions, are removed once they are older than this; younger
        ones may belong to a run still going.
      - V(0) turns the protection off, for destinations that only ever one run at a time writes to.
    type: int
    default: 3600
  version_digest_length:
    description:
      - How many hex digits of the sha256 go into a versioned name, from 8 to 64 (the full digest).
    type: int
    default: 16
  timeout:
    description:
      - Time budget in seconds for the task's calls to the store, retries with backoff included. No retry starts
        after it has run out; the last error is then reported.
      - A single request that makes no progress is abandoned after 60 seconds (10 seconds to connect), or after
        O(timeout) seconds when that is shorter.
      - Errors that retrying cannot fix (a certificate that does not verify, an invalid URL, an answer that is not
        the store's) fail the task at once.
    type: int
    default: 120
  owner:
    description:
      - Owner of the uploaded file, for HDFS and C(file://) destinations. Ignored for S3.
    type: str
  group:
    description:
      - Group of the uploaded file, for HDFS and C(file://) destinations. Ignored for S3.
    type: str
  mode:
    description:
      - Permissions of the uploaded file, for HDFS and C(file://) destinations. Ignored for S3.
      - Give an octal string such as V('0644'), from V('0000') to V('7777') (V('1777') on HDFS). C(file://) also
        takes symbolic modes (V(u=rw,g=r,o=r)).
      - Unset, a replaced file keeps its permissions and a new one gets the default ones (the umask on the
        managed host, the cluster's umask on HDFS).
    type: raw
notes:
  - Aurora agents need a way to fetch from the store. With HDFS, the C(fetch_*) processes of C(heron.aurora) must
    run C(hdfs dfs -get <uri> <file>) and the C(hdfs) command must exist on every agent; with private S3 objects,
    C(aws s3 cp <uri> <file>); C(curl) works for C(file://) URIs and public S3 objects (see RV(url)).
  - O(src) must not change while it is uploaded; a change detected during the upload fails the task.
seealso:
  - name: WebHDFS REST API
    description: The HTTP interface to HDFS that the hdfs:// backend uses.
    link: https://hadoop.apache.org/docs/stable/hadoop-project-dist/hadoop-hdfs/WebHDFS.html
"""

EXAMPLES = r"""
- name: Publish the Heron core tarball to S3, encrypted, with content-addressed versions (three kept)
  heron.aurora.heron_upload:
    src: /opt/heron/dist/heron-core.tar.gz
    dest: s3://heron-packages/core/heron-core.tar.gz
    region: eu-west-1
    encryption: aws:kms
    versioned: true
    keep: 3
  register: core

- name: Point the Aurora scheduler at it
  ansible.builtin.lineinfile:
    path: ~/.heron/conf/prod/scheduler.yaml
    regexp: '^heron.package.core.uri:'
    line: "heron.package.core.uri: {{ core.uri }}"

- name: Upload to HDFS behind an HA pair of NameNodes
  heron.aurora.heron_upload:
    src: /opt/heron/dist/heron-core.tar.gz
    dest: hdfs://heron-ns/heron/dist/heron-core.tar.gz
    namenode_url:
      - http://nn1.example.com:9870
      - http://nn2.example.com:9870
    hdfs_user: heron
    mode: '0644'

- name: Use a shared NFS mount that every Aurora agent sees
  heron.aurora.heron_upload:
    src: /opt/heron/dist/heron-core.tar.gz
    dest: file:///mnt/shared/heron/heron-core.tar.gz
    owner: heron
    group: heron
    mode: '0644'

- name: Remove every stored version of a topology package
  heron.aurora.heron_upload:
    dest: s3://heron-packages/topologies/wordcount.tar.gz
    versioned: true
    state: absent
"""

RETURN = r"""
uri:
  description:
    - The exact URI of the stored object, to put into C(heron.aurora) or C(scheduler.yaml)
      (C(heron.package.core.uri)). For O(versioned=true), the content-addressed name.
    - For O(state=absent), the URI removed (O(dest) when several versions were).
    - C(file://) URIs are percent-encoded (a space is C(%20)), so that C(curl) accepts them.
  returned: always
  type: str
  sample: s3://heron-packages/core/heron-core-3fa9c0d1e2b34f56.tar.gz
url:
  description:
    - An http(s) URL of the object, for C(curl) on the agents. It works only where the object is readable
      without credentials.
  returned: when the destination is on S3 and O(state=present)
  type: str
  sample: https://heron-packages.s3.eu-west-1.amazonaws.com/core/heron-core-3fa9c0d1e2b34f56.tar.gz
sha256:
  description: sha256 of the object at RV(uri) after the task (null after O(state=absent)).
  returned: always
  type: str
  sample: 3fa9c0d1e2b34f5611b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718
size:
  description: Size in bytes of the object at RV(uri) after the task.
  returned: always
  type: int
  sample: 94371840
transferred_bytes:
  description: Bytes sent to the store by this task; 0 when nothing changed and in check mode.
  returned: always
  type: int
  sample: 0
previous_sha256:
  description: The sha256 recorded with the object at RV(uri) before the task; null when there was none.
  returned: always
  type: str
  sample: null
backend:
  description: The store that served the destination.
  returned: always
  type: str
  sample: s3
versions:
  description:
    - The versions of O(dest) retained after the task, the one of O(src) first, then newest first.
  returned: when O(versioned=true) and O(state=present)
  type: list
  elements: dict
  contains:
    uri:
      description: URI of the version.
      type: str
    size:
      description: Size in bytes.
      type: int
    modified:
      description: Last modification time, UTC, ISO 8601.
      type: str
    current:
      description: Whether this is the version of O(src).
      type: bool
  sample:
    - uri: s3://heron-packages/core/heron-core-3fa9c0d1e2b34f56.tar.gz
      size: 94371840
      modified: "2025-01-31T10:12:00Z"
      current: true
pruned:
  description: URIs of the versions removed because of O(keep) (that would be removed, in check mode).
  returned: when O(versioned=true) and O(state=present)
  type: list
  elements: str
  sample: []
removed:
  description: URIs removed by O(state=absent) (that would be removed, in check mode).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [file:///mnt/shared/heron/heron-core.tar.gz]
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.heron.aurora.plugins.module_utils._ansible.storage import (
    FILE_ATTRIBUTE_SPEC,
    HDFS_ARGUMENT_SPEC,
    S3_ARGUMENT_SPEC,
    build_backend,
)
from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._common.seconds import seconds_error
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import StorageBackend
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import MissingLibrary, StorageError
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import SourceDigest, SourceFile
from ansible_collections.heron.aurora.plugins.module_utils._storage.retry import describe
from ansible_collections.heron.aurora.plugins.module_utils._storage.sync import (
    OVERWRITE_CHOICES,
    SyncOptions,
    ensure_absent,
    ensure_present,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import embedded_credentials, parse_dest


def argument_spec() -> dict:
    spec = {
        "src": {"type": "path"},
        "dest": {"type": "str", "required": True},
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "overwrite": {"type": "str", "default": "different", "choices": list(OVERWRITE_CHOICES)},
        "versioned": {"type": "bool", "default": False},
        "keep": {"type": "int"},
        "version_digest_length": {"type": "int", "default": 16},
        "timeout": {"type": "int", "default": 120},
        "grace_period": {"type": "int", "default": 3600},
    }
    spec.update(S3_ARGUMENT_SPEC)
    spec.update(HDFS_ARGUMENT_SPEC)
    spec.update(FILE_ATTRIBUTE_SPEC)
    return spec


def file_attribute_setter(module: AnsibleModule):
    def apply(path: str) -> bool:
        return module.set_fs_attributes_if_different(module.load_file_common_arguments(module.params, path=path),
                                                     False)
    return apply


def main() -> None:
    spec = argument_spec()
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True,
                           required_if=[("state", "present", ["src"])])
    params = module.params
    # The stores get credentials without surrounding whitespace: mask them in that form too, and credentials
    # written into a URL (which is refused) wherever the URL is echoed, the invocation included.
    module.no_log_values.update(value.strip() for name, value in params.items()
                                if spec.get(name, {}).get("no_log") and isinstance(value, str) and value.strip())
    for url in [params["dest"], params["endpoint_url"]] + list(params["namenode_url"] or []):
        module.no_log_values.update(embedded_credentials(url))
    timeout_error = seconds_error("timeout", params["timeout"])
    if timeout_error:
        module.fail_json(msg=timeout_error, option="timeout")
    options = SyncOptions(overwrite=params["overwrite"], versioned=params["versioned"], keep=params["keep"],
                          digest_length=params["version_digest_length"], grace_period=params["grace_period"])
    backend = None
    try:
        location = parse_dest(params["dest"])
        source = digest = None
        if params["state"] == "present":
            source = SourceFile.open_checked(params["src"])
            # Hashing starts now and goes on while the store's library loads and answers the first calls.
            digest = SourceDigest(source.path)
        backend = build_backend(location, params, Deadline(params["timeout"]), file_attribute_setter(module))
        if source is None:
            result = ensure_absent(backend, params["src"], location, options, module.check_mode)
        else:
            result = ensure_present(backend, source, location, options, module.check_mode, digest)
    except MissingLibrary as exc:
        module.fail_json(msg=missing_required_lib(exc.library, reason=str(exc)), **_option_of(exc))
    except StorageError as exc:
        _warn(module, backend)
        module.fail_json(msg=str(exc), **_option_of(exc))
    except Exception as exc:  # noqa: BLE001 - reported as a task failure with its traceback, not a crash
        module.fail_json(msg=f"heron_upload failed unexpectedly: {describe(exc)}",
                         exception=traceback.format_exc())
    finally:
        if backend is not None:
            backend.close()
    _warn(module, backend)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


def _option_of(exc: StorageError) -> dict:
    return {"option": exc.option} if exc.option else {}


def _warn(module: AnsibleModule, backend: StorageBackend | None) -> None:
    for warning in backend.warnings if backend else []:
        module.warn(warning)


if __name__ == "__main__":
    main()
