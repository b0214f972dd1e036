# -*- coding: utf-8 -*-
# Copyright: heron.aurora contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options of the s3:// store (plugins/module_utils/_storage/s3.py); argument spec in _ansible/storage.py.
    DOCUMENTATION = r"""
options:
  endpoint_url:
    description:
      - URL of the S3 API, for S3-compatible stores (MinIO, Ceph RGW, ...) or a VPC endpoint.
      - Leave unset for AWS S3 itself.
      - Falls back to the E(AWS_ENDPOINT_URL_S3) or E(AWS_ENDPOINT_URL) environment variable.
      - An V(http://) or V(https://) base URL, without credentials (C(user:password@)), query or fragment.
    type: str
    aliases: [aws_endpoint_url, s3_url]
  region:
    description:
      - The bucket's region. Falls back to E(AWS_REGION), then E(AWS_DEFAULT_REGION).
      - Needed in practice for AWS S3 outside us-east-1, and by most S3-compatible stores.
    type: str
    aliases: [aws_region]
  access_key:
    description:
      - Access key id. Falls back to E(AWS_ACCESS_KEY_ID).
      - Whitespace around O(access_key), O(secret_key) and O(session_token) is removed (a YAML C(|) block ends
        with a newline); other control characters or non-ASCII ones are refused, and never shown.
      - When neither this nor O(profile) is given, boto3's usual lookup applies (shared credentials file,
        instance or container role).
      - When given, it is used with O(secret_key) and O(profile) is ignored.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - Secret access key. Falls back to E(AWS_SECRET_ACCESS_KEY). Goes with O(access_key).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - Session token of temporary credentials. Falls back to E(AWS_SESSION_TOKEN).
    type: str
    aliases: [aws_session_token, security_token]
  profile:
    description:
      - Named profile of the AWS shared configuration files. Falls back to E(AWS_PROFILE).
    type: str
    aliases: [aws_profile]
  encryption:
    description:
      - Server-side encryption of uploaded objects.
      - Content comparison uses the sha256 recorded in the object's metadata, so it works with either kind.
      - Changing this alone does not re-upload an unchanged object (for heron.aurora.heron_upload, use its
        C(overwrite=always) for that).
    type: str
    choices: [AES256, 'aws:kms']
  kms_key_id:
    description:
      - KMS key id or ARN for O(encryption=aws:kms); the bucket's default KMS key when unset.
    type: str
  validate_certs:
    description:
      - Verify TLS certificates of the S3 endpoint (and of https WebHDFS NameNodes).
      - Given explicitly on every connection, so the E(AWS_CA_BUNDLE), E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE)
        environment variables do not override V(false), nor O(ca_bundle).
    type: bool
    default: true
  ca_bundle:
    description:
      - PEM file of CA certificates to verify the endpoint with, instead of the system ones.
      - Falls back to E(AWS_CA_BUNDLE). Also used for https WebHDFS NameNodes.
    type: path
  part_size:
    description:
      - Part size of multipart uploads, in bytes or with a unit (V(64MiB)).
      - Files no larger than one part are sent in a single PUT.
      - Between 5 MiB and 5 GiB; raised automatically when a file would need more than 10000 parts.
      - At most O(concurrency) parts are held in memory at once.
    type: raw
    default: 8MiB
  concurrency:
    description:
      - How many parts of a multipart upload are sent at the same time.
    type: int
    default: 4
  create_bucket:
    description:
      - Create the bucket when it does not exist. When false, a missing bucket fails the task.
    type: bool
    default: false
  addressing_style:
    description:
      - How the bucket is put into request URLs. V(path) is what Heron's own S3 uploader uses and what many
        S3-compatible stores need; V(auto) lets boto3 choose.
    type: str
    choices: [auto, path, virtual]
    default: auto
requirements:
  - boto3 >= 1.28.0 (for s3:// destinations)
"""
