"""Importing CloudTrail log files (`opentrail import` and the IngestRecords API) and finding
the imported events with LookupEvents, checked against ground truth computed here from the
files themselves."""
import collections
import gzip
import json
import os
import random
import subprocess
import tempfile
import unittest
import uuid

import botocore.exceptions

from harness import BIN, ROOT, Server

ACCOUNT = "123456789012"
OTHER = "210987654321"
SCRATCH = "333333333333"  # tests that add records use their own account
REAL = os.path.join(os.path.dirname(ROOT), "shared", "data", "real-cloudtrail")
INGEST_TARGET = "OpenTrail_20261130.IngestRecords"


def make_record(rng, i, account=ACCOUNT, region="us-east-1", **over):
    kinds = [
        {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICE0001", "arn": f"arn:aws:iam::{account}:user/alice",
         "accountId": account, "accessKeyId": "AKIAEXAMPLEALICE0001", "userName": "alice"},
        {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root", "accountId": account,
         "accessKeyId": "AKIAEXAMPLEROOT00001"},
        {"type": "AssumedRole", "principalId": "AROAEXAMPLEROLE00001:build-7",
         "arn": f"arn:aws:sts::{account}:assumed-role/deployer/build-7", "accountId": account,
         "accessKeyId": "ASIAEXAMPLETEMP00001",
         "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEROLE00001",
                                              "arn": f"arn:aws:iam::{account}:role/deployer",
                                              "accountId": account, "userName": "deployer"},
                            "webIdFederationData": {},
                            "attributes": {"creationDate": "2026-11-01T09:00:00Z", "mfaAuthenticated": "false"}}},
    ]
    names = [("CreateBucket", "s3.amazonaws.com", False), ("ListBuckets", "s3.amazonaws.com", True),
             ("CreateUser", "iam.amazonaws.com", False), ("DescribeTrails", "cloudtrail.amazonaws.com", True),
             ("Decrypt", "kms.amazonaws.com", True), ("ConsoleLogin", "signin.amazonaws.com", False)]
    name, source, ro = names[i % len(names)]
    ident = kinds[i % len(kinds)]
    rec = {
        "eventVersion": "1.09", "userIdentity": ident,
        "eventTime": f"2026-11-{1 + i % 20:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}Z",
        "eventSource": source, "eventName": name, "awsRegion": region,
        "sourceIPAddress": f"198.51.100.{i % 250}", "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"bucketName": f"bucket-{i % 5}"} if source == "s3.amazonaws.com" else None,
        "responseElements": None, "requestID": str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))), "readOnly": ro, "eventType": "AwsApiCall",
        "managementEvent": True, "recipientAccountId": account, "eventCategory": "Management",
        "customField": {"kept": i},
    }
    if source == "s3.amazonaws.com":
        rec["resources"] = [{"accountId": account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::bucket-{i % 5}"}]
    if i % 9 == 0:
        rec["errorCode"] = "AccessDenied"
        rec["errorMessage"] = "denied"
    rec.update(over)
    return rec


def data_event(rng, i):
    rec = make_record(rng, i, eventName="GetObject", readOnly=True, managementEvent=False, eventCategory="Data")
    rec["eventSource"] = "s3.amazonaws.com"
    return rec


def username_of(rec):
    ui = rec.get("userIdentity", {})
    t = ui.get("type")
    if t == "Root":
        return ui.get("userName", "root")
    if t == "AssumedRole":
        return ui["arn"].rsplit("/", 1)[1]
    return ui.get("userName")


def is_management(rec):
    if rec.get("eventCategory") == "Insight":
        return False
    if "managementEvent" in rec:
        return rec["managementEvent"] is True
    return rec.get("eventCategory", "Management") == "Management"


def walk(ct, **kwargs):
    out = []
    while True:
        page = ct.lookup_events(**kwargs)
        out += page["Events"]
        if "NextToken" not in page:
            return out
        kwargs["NextToken"] = page["NextToken"]


def run_import(server, *paths, data_dir=None):
    p = subprocess.run([BIN, "import", *paths, "--endpoint", server.endpoint,
                        "--data-dir", data_dir or server.data_dir],
                       capture_output=True, text=True, timeout=600)
    return p


def create_account(server, account_id):
    p = subprocess.run([BIN, "admin", "create-account", "--account-id", account_id, "--name", "archive",
                        "--endpoint", server.endpoint, "--data-dir", server.data_dir],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(p.stderr)
    return json.loads(p.stdout)


class ImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=("--history-retention", "0")).start()
        cls.tmp = tempfile.TemporaryDirectory(prefix="opentrail-import-")
        rng = random.Random(11)
        cls.records = []
        d = cls.tmp.name
        os.makedirs(os.path.join(d, "AWSLogs", "nested"))
        for f in range(6):
            recs = [make_record(rng, f * 40 + i, region="us-east-1" if i % 4 else "eu-west-1") for i in range(40)]
            recs += [data_event(rng, 1000 + f * 3 + k) for k in range(3)]
            cls.records += recs
            body = json.dumps({"Records": recs}).encode()
            name = os.path.join(d, "AWSLogs", "nested" if f % 2 else "", f"{ACCOUNT}_CloudTrail_{f}.json")
            if f % 3 == 0:
                with gzip.open(name + ".gz", "wb") as out:
                    out.write(body)
            else:
                with open(name, "wb") as out:
                    out.write(body)
        with open(os.path.join(d, "README.md"), "w") as out:
            out.write("not a log file")
        cls.account = create_account(cls.server, ACCOUNT)
        cls.first = run_import(cls.server, d)
        cls.ct = cls.server.client("cloudtrail", access_key=cls.account["AccessKeyId"],
                                   secret_key=cls.account["SecretAccessKey"])
        cls.ct_eu = cls.server.client("cloudtrail", region="eu-west-1", access_key=cls.account["AccessKeyId"],
                                      secret_key=cls.account["SecretAccessKey"])
        import time
        time.sleep(1.0)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        cls.tmp.cleanup()

    def imported(self, events):
        """Drops the events of this test's own calls (its lookups are recorded too)."""
        mine = self.account["AccessKeyId"]
        return [e for e in events if e.get("AccessKeyId") != mine]

    def expected(self, region, pred=lambda r: True):
        return sorted(r["eventID"] for r in self.records
                      if r["awsRegion"] == region and is_management(r) and pred(r))

    def test_import_summary(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr + self.first.stdout)
        out = self.first.stdout
        self.assertIn(str(len(self.records)), out)
        self.assertRegex(out, r"(?i)imported\D+258")

    def test_counts_per_region_match_ground_truth(self):
        for ct, region in ((self.ct, "us-east-1"), (self.ct_eu, "eu-west-1")):
            got = sorted(e["EventId"] for e in self.imported(walk(ct)))
            self.assertEqual(got, self.expected(region))

    def test_attributes_match_ground_truth(self):
        cases = [
            ("EventName", "CreateBucket", lambda r: r["eventName"] == "CreateBucket"),
            ("EventSource", "iam.amazonaws.com", lambda r: r["eventSource"] == "iam.amazonaws.com"),
            ("ReadOnly", "false", lambda r: r.get("readOnly") is False),
            ("Username", "alice", lambda r: username_of(r) == "alice"),
            ("Username", "build-7", lambda r: username_of(r) == "build-7"),
            ("Username", "root", lambda r: username_of(r) == "root"),
            ("AccessKeyId", "ASIAEXAMPLETEMP00001", lambda r: r["userIdentity"].get("accessKeyId") == "ASIAEXAMPLETEMP00001"),
            ("ResourceType", "AWS::S3::Bucket", lambda r: r["eventSource"] == "s3.amazonaws.com"),
            ("ResourceName", "bucket-3", lambda r: (r.get("requestParameters") or {}).get("bucketName") == "bucket-3"),
        ]
        for key, value, pred in cases:
            got = self.imported(walk(self.ct, LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}]))
            self.assertEqual(sorted(e["EventId"] for e in got), self.expected("us-east-1", pred), f"{key}={value}")
            times = [e["EventTime"] for e in got]
            self.assertEqual(times, sorted(times, reverse=True))

    def test_time_range_matches_ground_truth(self):
        import datetime
        start = datetime.datetime(2026, 11, 5, 0, 0, 0, tzinfo=datetime.timezone.utc)
        end = datetime.datetime(2026, 11, 10, 12, 0, 0, tzinfo=datetime.timezone.utc)
        iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
        pred = lambda r: iso(start) <= r["eventTime"] <= iso(end)
        got = self.imported(walk(self.ct, StartTime=start, EndTime=end, MaxResults=13))
        self.assertEqual(sorted(e["EventId"] for e in got), self.expected("us-east-1", pred))
        self.assertTrue(got)
        # Both bounds are inclusive.
        one = self.records[1]["eventTime"]
        t = datetime.datetime.strptime(one, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        exact = self.imported(walk(self.ct, StartTime=t, EndTime=t))
        self.assertEqual(sorted(e["EventId"] for e in exact),
                         self.expected("us-east-1", lambda r: r["eventTime"] == one))

    def test_records_kept_verbatim_and_data_events_absent(self):
        by_id = {r["eventID"]: r for r in self.records}
        for e in walk(self.ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]):
            self.assertEqual(json.loads(e["CloudTrailEvent"]), by_id[e["EventId"]])
        got = walk(self.ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetObject"}])
        self.assertEqual(got, [], "data events never appear in history")

    def test_reimport_changes_nothing(self):
        before = sorted(e["EventId"] for e in walk(self.ct, LookupAttributes=[{"AttributeKey": "EventName",
                                                                               "AttributeValue": "ListBuckets"}]))
        again = run_import(self.server, self.tmp.name)
        self.assertEqual(again.returncode, 0, again.stderr + again.stdout)
        self.assertRegex(again.stdout, r"(?i)duplicates\D+258")
        import time
        time.sleep(1.0)
        after = sorted(e["EventId"] for e in walk(self.ct, LookupAttributes=[{"AttributeKey": "EventName",
                                                                              "AttributeValue": "ListBuckets"}]))
        self.assertEqual(before, after)

    def test_broken_records_are_rejected_good_ones_kept(self):
        rng = random.Random(99)
        good = [make_record(rng, 5000 + i, account=SCRATCH) for i in range(5)]
        bad = [
            dict(make_record(rng, 6000, account=SCRATCH), eventTime="yesterday"),
            dict(make_record(rng, 6001, account=SCRATCH), recipientAccountId="12345"),
            {k: v for k, v in make_record(rng, 6002, account=SCRATCH).items() if k != "eventID"},
            dict(make_record(rng, 6003, account=SCRATCH), eventVersion="2.0"),
            dict(make_record(rng, 6004, account=SCRATCH), readOnly="yes"),
            "not an object",
        ]
        recs = good[:2] + bad[:3] + good[2:] + bad[3:]
        st, _, body = self.server.signed_request("POST", "opentrail", body=json.dumps({"Records": recs}).encode(),
                                                 headers={"X-Amz-Target": INGEST_TARGET,
                                                          "Content-Type": "application/octet-stream"})
        self.assertEqual(st, 200, body)
        resp = json.loads(body)
        self.assertEqual(resp["Accepted"], 5)
        self.assertEqual(resp["Rejected"], 6)
        self.assertEqual(sorted(e["Index"] for e in resp["Errors"]), [2, 3, 4, 8, 9, 10])
        msgs = " ".join(e["Message"] for e in resp["Errors"])
        for field in ("eventTime", "recipientAccountId", "eventID", "eventVersion", "readOnly"):
            self.assertIn(field, msgs)

    def test_unreadable_file_is_an_aws_error(self):
        for body in (b"\x1f\x8b\x08\x00garbage", b"{not json", b'{"NoRecords": []}', b""):
            st, _, resp = self.server.signed_request("POST", "opentrail", body=body,
                                                     headers={"X-Amz-Target": INGEST_TARGET,
                                                              "Content-Type": "application/octet-stream"})
            self.assertEqual(st, 400, body)
            self.assertEqual(json.loads(resp)["__type"], "InvalidLogFile")
        self.assertEqual(self.server.health(), 200)

    def test_other_accounts_root_imports_only_its_own(self):
        other = create_account(self.server, OTHER)
        rng = random.Random(5)
        recs = [make_record(rng, 7000, account=OTHER), make_record(rng, 7001, account=SCRATCH)]
        st, _, body = self.server.signed_request("POST", "opentrail", body=json.dumps({"Records": recs}).encode(),
                                                 headers={"X-Amz-Target": INGEST_TARGET,
                                                          "Content-Type": "application/octet-stream"},
                                                 access_key=other["AccessKeyId"], secret_key=other["SecretAccessKey"])
        resp = json.loads(body)
        self.assertEqual((resp["Accepted"], resp["Rejected"]), (1, 1))

    def test_create_account_rules(self):
        again = subprocess.run([BIN, "admin", "create-account", "--account-id", ACCOUNT, "--endpoint",
                                self.server.endpoint, "--data-dir", self.server.data_dir],
                               capture_output=True, text=True, timeout=60)
        self.assertNotEqual(again.returncode, 0)
        fresh = create_account(self.server, "555555555555")
        self.assertEqual(fresh["AccountId"], "555555555555")
        sts = self.server.client("sts", access_key=fresh["AccessKeyId"], secret_key=fresh["SecretAccessKey"])
        self.assertEqual(sts.get_caller_identity()["Account"], "555555555555")
        # Only the management root may create accounts.
        st, _, body = self.server.signed_request("POST", "opentrail", body=b"{}",
                                                 headers={"X-Amz-Target": "OpenTrail_20261130.CreateAccount",
                                                          "Content-Type": "application/x-amz-json-1.1"},
                                                 access_key=fresh["AccessKeyId"], secret_key=fresh["SecretAccessKey"])
        self.assertEqual(st, 403)
        self.assertEqual(json.loads(body)["__type"], "AccessDeniedException")


@unittest.skipUnless(os.path.isdir(REAL), "real CloudTrail datasets not present")
class RealArchiveTest(unittest.TestCase):
    def test_real_archives_import_completely(self):
        # Ground truth from the files.
        records = []
        for dirpath, _, files in os.walk(REAL):
            for f in sorted(files):
                if not f.endswith(".json"):
                    continue
                data = json.load(open(os.path.join(dirpath, f)))
                records += data["Records"] if isinstance(data, dict) else data
        self.assertEqual(len(records), 3210)
        server = Server(extra_args=("--history-retention", "0")).start()
        try:
            p = run_import(server, REAL)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertRegex(p.stdout, r"(?i)imported\D+3,?210")
            self.assertRegex(p.stdout, r"(?i)rejected\D+0\b")
            per_scope = collections.Counter()
            per_name = collections.Counter()
            for r in records:
                if is_management(r):
                    per_scope[(r["recipientAccountId"], r["awsRegion"])] += 1
                    per_name[(r["recipientAccountId"], r["awsRegion"], r["eventName"])] += 1
            accounts = sorted({a for a, _ in per_scope})
            import time
            time.sleep(1.0)
            for account in accounts:
                keys = create_account(server, account)
                for (acct, region), count in per_scope.items():
                    if acct != account:
                        continue
                    ct = server.client("cloudtrail", region=region, access_key=keys["AccessKeyId"],
                                       secret_key=keys["SecretAccessKey"])
                    events = walk(ct)
                    imported = [e for e in events if json.loads(e["CloudTrailEvent"]).get("userAgent", "") != ""
                                or True]
                    own_calls = [e for e in events if e["EventSource"] == "cloudtrail.amazonaws.com"
                                 and json.loads(e["CloudTrailEvent"])["userIdentity"].get("accessKeyId") == keys["AccessKeyId"]]
                    self.assertEqual(len(imported) - len(own_calls), count, f"{acct} {region}")
                    top = max((n for (a, r, n) in per_name if a == acct and r == region),
                              key=lambda n: per_name[(acct, region, n)])
                    got = walk(ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": top}])
                    got = [e for e in got if json.loads(e["CloudTrailEvent"])["userIdentity"].get("accessKeyId") != keys["AccessKeyId"]]
                    self.assertEqual(len(got), per_name[(acct, region, top)], f"{acct} {region} {top}")
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
