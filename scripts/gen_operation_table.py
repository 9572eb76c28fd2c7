#!/usr/bin/env python3
"""Generate src/recorder/operation_table.cc: AWS's CloudTrail classification of every
operation of every service opentrail serves (records.md §4).

Input: botocore's service models installed on this machine
(<botocore>/data/<service>/<newest api version>/service-2.json[.gz]).
Output: one OperationInfo per (service, operation), sorted by (service, operation) so that
FindOperation can binary-search; see src/recorder/operation_table.h.

Usage:
  scripts/gen_operation_table.py                 # rewrite src/recorder/operation_table.cc
  scripts/gen_operation_table.py --output PATH   # write elsewhere (the tests compare)
  scripts/gen_operation_table.py --check         # exit 1 when the committed file is stale

All classification rules are the data tables below; the code after them only applies them.
Spec references are to /work/shared/spec/records.md (§N) and selectors.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# Rules (data)
# ---------------------------------------------------------------------------------------------

# Services opentrail serves, by credential-scope name (the name in the SigV4 scope). The value
# is botocore's data directory name (identical for all nine today).
SERVICES: dict[str, str] = {
    "cloudtrail": "cloudtrail",
    "cloudtrail-data": "cloudtrail-data",
    "s3": "s3",
    "kms": "kms",
    "sns": "sns",
    "logs": "logs",
    "sts": "sts",
    "iam": "iam",
    "organizations": "organizations",
}

# eventSource (§2.2): "<service>.amazonaws.com", except cloudtrail-data PutAuditEvents, which
# §2.2 records under cloudtrail.amazonaws.com (marked uncertain there).
EVENT_SOURCE_OVERRIDES: dict[str, str] = {
    "cloudtrail-data": "cloudtrail.amazonaws.com",
}

# readOnly first guess by name prefix (§4.5). Applied to every operation without an explicit
# READ_ONLY_OVERRIDES entry (or a data-event entry, which carries its own flag).
READ_ONLY_PREFIXES: tuple[str, ...] = (
    "Get", "List", "Describe", "Head", "Lookup", "Search", "Query", "Scan", "Select", "BatchGet",
)

# Explicit readOnly where AWS differs from (or the prefix rule does not reach) the op (§4.5).
READ_ONLY_OVERRIDES: dict[tuple[str, str], bool] = {
    # KMS (§4.4, §4.5): cryptographic operations are management events, read-only. Confirmed
    # by KMS's published CloudTrail examples for ReEncrypt, Sign, GenerateMac; the rest by
    # the same family.
    ("kms", "Encrypt"): True,
    ("kms", "Decrypt"): True,
    ("kms", "ReEncrypt"): True,
    ("kms", "GenerateDataKey"): True,
    ("kms", "GenerateDataKeyWithoutPlaintext"): True,
    ("kms", "GenerateDataKeyPair"): True,
    ("kms", "GenerateDataKeyPairWithoutPlaintext"): True,
    ("kms", "GenerateRandom"): True,
    ("kms", "GenerateMac"): True,
    ("kms", "VerifyMac"): True,
    ("kms", "Sign"): True,
    ("kms", "Verify"): True,
    ("kms", "DeriveSharedSecret"): True,
    # STS (§4.4): AssumeRole* read-only true (seen); DecodeAuthorizationMessage true.
    ("sts", "AssumeRole"): True,
    ("sts", "AssumeRoleWithSAML"): True,
    ("sts", "AssumeRoleWithWebIdentity"): True,
    ("sts", "AssumeRoot"): True,
    ("sts", "DecodeAuthorizationMessage"): True,
    # STS token issuers: GetFederationToken false (seen); GetSessionToken uncertain, treated
    # as false (§4.4). The newer Get*Token issuers follow the same rule (uncertain).
    ("sts", "GetFederationToken"): False,
    ("sts", "GetSessionToken"): False,
    ("sts", "GetDelegatedAccessToken"): False,
    ("sts", "GetWebIdentityToken"): False,
    # SNS: a pure lookup without a read prefix.
    ("sns", "CheckIfPhoneNumberIsOptedOut"): True,
    # CloudWatch Logs: dry-run evaluators that change nothing (uncertain).
    ("logs", "TestMetricFilter"): True,
    ("logs", "TestTransformer"): True,
    # IAM policy simulation evaluates policies and changes nothing (uncertain).
    ("iam", "SimulateCustomPolicy"): True,
    ("iam", "SimulatePrincipalPolicy"): True,
}

# CloudTrail eventName where it differs from the SDK operation name (§4.2). Everything else
# is recorded under the operation name.
EVENT_NAME_RENAMES: dict[tuple[str, str], str] = {
    ("s3", "GetBucketLifecycleConfiguration"): "GetBucketLifecycle",
    ("s3", "PutBucketLifecycleConfiguration"): "PutBucketLifecycle",
    ("s3", "GetBucketNotificationConfiguration"): "GetBucketNotification",
    ("s3", "PutBucketNotificationConfiguration"): "PutBucketNotification",
    ("s3", "GetObjectLockConfiguration"): "GetBucketObjectLockConfiguration",
    ("s3", "PutObjectLockConfiguration"): "PutBucketObjectLockConfiguration",
    ("s3", "GetPublicAccessBlock"): "GetBucketPublicAccessBlock",
    ("s3", "PutPublicAccessBlock"): "PutBucketPublicAccessBlock",
    ("s3", "DeletePublicAccessBlock"): "DeleteBucketPublicAccessBlock",
    ("s3", "GetBucketAccelerateConfiguration"): "GetAccelerateConfiguration",
    ("s3", "PutBucketAccelerateConfiguration"): "PutAccelerateConfiguration",
    # §4.2: both list calls are recorded as ListObjects ("list-type":"2" in the parameters).
    ("s3", "ListObjectsV2"): "ListObjects",
    # Kept as is (the spec names them so): DeleteBucketLifecycle, GetBucketCors, ...
    # Unverified, kept as the SDK name: the analytics / inventory / metrics /
    # intelligent-tiering / ownership-controls / metadata-table bucket calls.
}

S3_OBJECT = "AWS::S3::Object"
S3_EXPRESS_OBJECT = "AWS::S3Express::Object"

# Data events (§4.1 managementEvent false): (service, operation) -> (readOnly, resources.type).
DATA_EVENTS: dict[tuple[str, str], tuple[bool, str]] = {
    # S3 object-level calls (§4.2 data-event table).
    ("s3", "GetObject"): (True, S3_OBJECT),
    ("s3", "HeadObject"): (True, S3_OBJECT),
    ("s3", "GetObjectAcl"): (True, S3_OBJECT),
    ("s3", "GetObjectTagging"): (True, S3_OBJECT),
    ("s3", "GetObjectAttributes"): (True, S3_OBJECT),
    ("s3", "ListParts"): (True, S3_OBJECT),
    ("s3", "PutObject"): (False, S3_OBJECT),
    ("s3", "PostObject"): (False, S3_OBJECT),
    ("s3", "CopyObject"): (False, S3_OBJECT),
    ("s3", "DeleteObject"): (False, S3_OBJECT),
    ("s3", "DeleteObjects"): (False, S3_OBJECT),
    ("s3", "PutObjectAcl"): (False, S3_OBJECT),
    ("s3", "PutObjectTagging"): (False, S3_OBJECT),
    ("s3", "CreateMultipartUpload"): (False, S3_OBJECT),
    ("s3", "UploadPart"): (False, S3_OBJECT),
    ("s3", "UploadPartCopy"): (False, S3_OBJECT),
    ("s3", "CompleteMultipartUpload"): (False, S3_OBJECT),
    ("s3", "AbortMultipartUpload"): (False, S3_OBJECT),
    ("s3", "RestoreObject"): (False, S3_OBJECT),
    # Further object-level calls not in the §4.2 table, same category (object-addressed).
    ("s3", "DeleteObjectTagging"): (False, S3_OBJECT),
    ("s3", "GetObjectLegalHold"): (True, S3_OBJECT),
    ("s3", "GetObjectRetention"): (True, S3_OBJECT),
    ("s3", "GetObjectTorrent"): (True, S3_OBJECT),
    ("s3", "PutObjectLegalHold"): (False, S3_OBJECT),
    ("s3", "PutObjectRetention"): (False, S3_OBJECT),
    ("s3", "SelectObjectContent"): (True, S3_OBJECT),
    ("s3", "UpdateObjectEncryption"): (False, S3_OBJECT),
    # Bucket-addressed calls that are data events, logged under object-level selectors with an
    # ARNPrefix resource (§4.2; ListMultipartUploads is the spec's (opentrail) choice).
    ("s3", "ListObjects"): (True, S3_OBJECT),
    ("s3", "ListObjectsV2"): (True, S3_OBJECT),
    ("s3", "ListObjectVersions"): (True, S3_OBJECT),
    ("s3", "HeadBucket"): (True, S3_OBJECT),
    ("s3", "ListMultipartUploads"): (True, S3_OBJECT),
    # Directory-bucket (S3 Express One Zone) zonal calls: data events of their own type
    # (selectors.md lists AWS types beyond the must-support ones). readOnly uncertain.
    ("s3", "CreateSession"): (False, S3_EXPRESS_OBJECT),
    ("s3", "RenameObject"): (False, S3_EXPRESS_OBJECT),
    # S3 Object Lambda's response writer (uncertain; AWS may use another eventSource).
    ("s3", "WriteGetObjectResponse"): (False, "AWS::S3ObjectLambda::AccessPoint"),
    # SNS (§4.4): message publishing on topics.
    ("sns", "Publish"): (False, "AWS::SNS::Topic"),
    ("sns", "PublishBatch"): (False, "AWS::SNS::Topic"),
    # CloudTrail Lake ingestion (§4.4).
    ("cloudtrail-data", "PutAuditEvents"): (False, "AWS::CloudTrail::Channel"),
    # CloudWatch Logs (§4.4): reading and writing log events is "not recorded as a management
    # event" -- (uncertain) whether AWS records them as data events today, and under which
    # resources.type; opentrail treats them as data events on the log group.
    ("logs", "PutLogEvents"): (False, "AWS::Logs::LogGroup"),
    ("logs", "GetLogEvents"): (True, "AWS::Logs::LogGroup"),
    ("logs", "FilterLogEvents"): (True, "AWS::Logs::LogGroup"),
    ("logs", "GetLogRecord"): (True, "AWS::Logs::LogGroup"),
    ("logs", "GetLogObject"): (True, "AWS::Logs::LogGroup"),
    ("logs", "StartLiveTail"): (True, "AWS::Logs::LogGroup"),
}

# Operations opentrail serves that no botocore model describes (browser-form upload, §4.2):
# (service, operation) pairs; their classification comes from the tables above.
EXTRA_OPERATIONS: tuple[tuple[str, str], ...] = (
    ("s3", "PostObject"),
    # opentrail's own API (credential scope "opentrail", eventSource opentrail.amazonaws.com):
    # importing CloudTrail log files and the admin call that creates accounts. Both write.
    ("opentrail", "CreateAccount"),
    ("opentrail", "IngestRecords"),
)

# resources.type of management events that name a resource (§2.9: "S3 bucket calls carry
# the bucket; KMS calls the key; STS AssumeRole the role"). Decided from the model's input
# members: a management op of the service whose input has one of these members gets the type.
MANAGEMENT_RESOURCE_BY_INPUT_MEMBER: dict[str, tuple[tuple[str, ...], str]] = {
    "s3": (("Bucket",), "AWS::S3::Bucket"),
    "kms": (("KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId"), "AWS::KMS::Key"),
}
# ... plus explicit ones the input members do not reveal.
MANAGEMENT_RESOURCE_OVERRIDES: dict[tuple[str, str], str] = {
    ("kms", "CreateKey"): "AWS::KMS::Key",  # the key it creates
    ("sts", "AssumeRole"): "AWS::IAM::Role",
    ("sts", "AssumeRoleWithSAML"): "AWS::IAM::Role",
    ("sts", "AssumeRoleWithWebIdentity"): "AWS::IAM::Role",
}

# ---------------------------------------------------------------------------------------------
# Machinery
# ---------------------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "src" / "recorder" / "operation_table.cc"


@dataclass(frozen=True)
class Entry:
    service: str
    operation: str
    event_name: str
    event_source: str
    management: bool
    read_only: bool
    resource_type: str


def botocore_data_dir() -> Path:
    import botocore  # noqa: PLC0415 -- only needed here

    return Path(os.path.dirname(botocore.__file__)) / "data"


def load_model(data_dir: Path, directory: str) -> tuple[str, dict]:
    """Newest API version's service-2 model of one service: (api_version, model)."""
    versions = sorted(p.name for p in (data_dir / directory).iterdir() if p.is_dir())
    if not versions:
        raise SystemExit(f"no botocore model for {directory} under {data_dir}")
    version = versions[-1]
    base = data_dir / directory / version
    if (base / "service-2.json.gz").exists():
        with gzip.open(base / "service-2.json.gz", "rt", encoding="utf-8") as f:
            return version, json.load(f)
    with open(base / "service-2.json", encoding="utf-8") as f:
        return version, json.load(f)


def input_members(model: dict, op: dict) -> set[str]:
    shape_name = op.get("input", {}).get("shape")
    if not shape_name:
        return set()
    return set(model["shapes"].get(shape_name, {}).get("members", {}))


def classify(service: str, operation: str, members: set[str]) -> Entry:
    key = (service, operation)
    event_name = EVENT_NAME_RENAMES.get(key, operation)
    event_source = EVENT_SOURCE_OVERRIDES.get(service, f"{service}.amazonaws.com")
    if key in DATA_EVENTS:
        read_only, resource_type = DATA_EVENTS[key]
        return Entry(service, operation, event_name, event_source, False, read_only,
                     resource_type)
    if key in READ_ONLY_OVERRIDES:
        read_only = READ_ONLY_OVERRIDES[key]
    else:
        read_only = operation.startswith(READ_ONLY_PREFIXES)
    resource_type = MANAGEMENT_RESOURCE_OVERRIDES.get(key, "")
    if not resource_type and service in MANAGEMENT_RESOURCE_BY_INPUT_MEMBER:
        names, rtype = MANAGEMENT_RESOURCE_BY_INPUT_MEMBER[service]
        if members.intersection(names):
            resource_type = rtype
    return Entry(service, operation, event_name, event_source, True, read_only, resource_type)


def check_rules(known: set[tuple[str, str]]) -> None:
    """Every rule must name a real operation, so a renamed/removed op cannot go unnoticed."""
    for table_name, table in (("READ_ONLY_OVERRIDES", READ_ONLY_OVERRIDES),
                              ("EVENT_NAME_RENAMES", EVENT_NAME_RENAMES),
                              ("DATA_EVENTS", DATA_EVENTS),
                              ("MANAGEMENT_RESOURCE_OVERRIDES", MANAGEMENT_RESOURCE_OVERRIDES)):
        stale = sorted(k for k in table if k not in known)
        if stale:
            raise SystemExit(f"{table_name} names unknown operations: {stale}")
    both = sorted(set(READ_ONLY_OVERRIDES) & set(DATA_EVENTS))
    if both:
        raise SystemExit(f"operations in both READ_ONLY_OVERRIDES and DATA_EVENTS: {both}")


def build_entries(data_dir: Path) -> tuple[list[Entry], dict[str, str]]:
    entries: list[Entry] = []
    versions: dict[str, str] = {}
    known: set[tuple[str, str]] = set()
    for service, directory in SERVICES.items():
        version, model = load_model(data_dir, directory)
        versions[service] = version
        for operation, op in model["operations"].items():
            known.add((service, operation))
            entries.append(classify(service, operation, input_members(model, op)))
    for service, operation in EXTRA_OPERATIONS:
        if (service, operation) in known:
            raise SystemExit(f"EXTRA_OPERATIONS: {service} {operation} is in the model now")
        known.add((service, operation))
        entries.append(classify(service, operation, set()))
    check_rules(known)
    entries.sort(key=lambda e: (e.service.encode(), e.operation.encode()))
    return entries, versions


def cpp_str(s: str) -> str:
    assert all(c.isalnum() or c in ":-._" for c in s), s
    return f'"{s}"'


def render(entries: list[Entry], versions: dict[str, str]) -> str:
    b = lambda v: "true" if v else "false"  # noqa: E731
    model_list = ", ".join(f"{s} {v}" for s, v in versions.items())
    out = []
    out.append("// recorder/operation_table.cc — GENERATED by scripts/gen_operation_table.py; "
               "do not edit.\n")
    out.append("// Regenerate: python3 scripts/gen_operation_table.py "
               "(the rules live in that script).\n")
    for line in textwrap.wrap(f"botocore models: {model_list}.", width=96):
        out.append(f"// {line}\n")
    out.append(f"// {len(entries)} operations, sorted by (service, operation).\n")
    out.append('#include "recorder/operation_table.h"\n\n')
    out.append("#include <algorithm>\n#include <iterator>\n\n")
    out.append("namespace ot::recorder {\nnamespace {\n\n")
    out.append("// {service, operation, event_name, event_source, management, read_only, "
               "resource_type}\n")
    out.append("constexpr OperationInfo kOperations[] = {\n")
    for e in entries:
        out.append(f"    {{{cpp_str(e.service)}, {cpp_str(e.operation)}, "
                   f"{cpp_str(e.event_name)}, {cpp_str(e.event_source)}, {b(e.management)}, "
                   f"{b(e.read_only)}, {cpp_str(e.resource_type)}}},\n")
    out.append("};\n\n")
    out.append("constexpr bool Less(const OperationInfo& a, const OperationInfo& b) {\n"
               "  return a.service != b.service ? a.service < b.service "
               ": a.operation < b.operation;\n}\n\n")
    out.append("static_assert(std::is_sorted(std::begin(kOperations), std::end(kOperations), "
               "Less),\n              \"kOperations must stay sorted for FindOperation\");\n\n")
    out.append("}  // namespace\n\n")
    out.append("const OperationInfo* FindOperation(std::string_view service, "
               "std::string_view operation) {\n"
               "  const OperationInfo key{service, operation, {}, {}, false, false, {}};\n"
               "  const auto* it = std::lower_bound(std::begin(kOperations), "
               "std::end(kOperations), key, Less);\n"
               "  if (it == std::end(kOperations) || it->service != service || "
               "it->operation != operation) {\n"
               "    return nullptr;\n  }\n  return it;\n}\n\n")
    out.append("std::span<const OperationInfo> AllOperations() { return kOperations; }\n\n")
    out.append("}  // namespace ot::recorder\n")
    return "".join(out)


def generate(data_dir: Path | None = None) -> str:
    entries, versions = build_entries(data_dir or botocore_data_dir())
    return render(entries, versions)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="compare with --output instead of writing it")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; run scripts/gen_operation_table.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
