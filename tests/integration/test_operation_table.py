"""src/recorder/operation_table.cc against botocore's models (no server needed).

- Every operation of every botocore model of the nine served services has an entry, so this
  fails as soon as an installed botocore gains an operation the table lacks (records.md §4.5:
  "a test fails when a served operation has no entry").
- The committed file is exactly what scripts/gen_operation_table.py produces now.

Run: python3 -m unittest tests/integration/test_operation_table.py   (from the repo root)
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "src" / "recorder" / "operation_table.cc"
GENERATOR = REPO / "scripts" / "gen_operation_table.py"

# Credential-scope names of the services opentrail serves (records.md §2.2).
SERVICES = ("cloudtrail", "cloudtrail-data", "s3", "kms", "sns", "logs", "sts", "iam",
            "organizations")

ENTRY = re.compile(
    r'^\s*\{"(?P<service>[^"]*)", "(?P<operation>[^"]*)", "(?P<event_name>[^"]*)", '
    r'"(?P<event_source>[^"]*)", (?P<management>true|false), (?P<read_only>true|false), '
    r'"(?P<resource_type>[^"]*)"\},\s*$')


def parse_table(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        m = ENTRY.match(line)
        if m:
            row = m.groupdict()
            row["management"] = row["management"] == "true"
            row["read_only"] = row["read_only"] == "true"
            rows.append(row)
    return rows


def botocore_operations() -> dict[str, set[str]]:
    import botocore

    data = Path(os.path.dirname(botocore.__file__)) / "data"
    result = {}
    for service in SERVICES:
        versions = sorted(p.name for p in (data / service).iterdir() if p.is_dir())
        base = data / service / versions[-1]
        if (base / "service-2.json.gz").exists():
            with gzip.open(base / "service-2.json.gz", "rt", encoding="utf-8") as f:
                model = json.load(f)
        else:
            with open(base / "service-2.json", encoding="utf-8") as f:
                model = json.load(f)
        result[service] = set(model["operations"])
    return result


class OperationTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = TABLE.read_text(encoding="utf-8")
        cls.rows = parse_table(cls.text)

    def test_parsed_every_entry(self):
        # The parser must see every initializer line, or the checks below prove nothing.
        initializers = [line for line in self.text.splitlines()
                        if line.lstrip().startswith('{"')]
        self.assertEqual(len(initializers), len(self.rows))
        self.assertGreater(len(self.rows), 500)

    def test_every_botocore_operation_has_an_entry(self):
        have = {(r["service"], r["operation"]) for r in self.rows}
        missing = sorted((service, op) for service, ops in botocore_operations().items()
                         for op in ops if (service, op) not in have)
        self.assertEqual(missing, [], "operations without a table entry; run "
                         "scripts/gen_operation_table.py and classify them")

    def test_no_duplicates_and_sorted(self):
        keys = [(r["service"].encode(), r["operation"].encode()) for r in self.rows]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertEqual(keys, sorted(keys))

    def test_entries_well_formed(self):
        for r in self.rows:
            with self.subTest(service=r["service"], operation=r["operation"]):
                self.assertIn(r["service"], list(SERVICES) + ["opentrail"])  # + opentrail's own API
                self.assertTrue(r["event_name"])
                source = "cloudtrail" if r["service"] == "cloudtrail-data" else r["service"]
                self.assertEqual(r["event_source"], f"{source}.amazonaws.com")
                if not r["management"]:
                    self.assertTrue(r["resource_type"].startswith("AWS::"))

    def test_spot_checks(self):
        by_key = {(r["service"], r["operation"]): r for r in self.rows}
        cases = {
            # (service, op): (event_name, management, read_only, resource_type)
            ("s3", "ListObjectsV2"): ("ListObjects", False, True, "AWS::S3::Object"),
            ("s3", "GetBucketLifecycleConfiguration"):
                ("GetBucketLifecycle", True, True, "AWS::S3::Bucket"),
            ("s3", "PutObject"): ("PutObject", False, False, "AWS::S3::Object"),
            ("kms", "Decrypt"): ("Decrypt", True, True, "AWS::KMS::Key"),
            ("sts", "AssumeRole"): ("AssumeRole", True, True, "AWS::IAM::Role"),
            ("sns", "Publish"): ("Publish", False, False, "AWS::SNS::Topic"),
            ("cloudtrail", "CreateTrail"): ("CreateTrail", True, False, ""),
        }
        for key, (event_name, management, read_only, resource_type) in cases.items():
            with self.subTest(key=key):
                r = by_key[key]
                self.assertEqual((r["event_name"], r["management"], r["read_only"],
                                  r["resource_type"]),
                                 (event_name, management, read_only, resource_type))

    def test_file_is_what_the_generator_produces(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "operation_table.cc"
            subprocess.run([sys.executable, str(GENERATOR), "--output", str(out)], check=True,
                           cwd=REPO)
            fresh = out.read_text(encoding="utf-8")
        self.assertTrue(fresh == self.text,
                        f"{TABLE.relative_to(REPO)} is stale: run "
                        "python3 scripts/gen_operation_table.py and commit the result")


if __name__ == "__main__":
    unittest.main()
