"""Trails deliver gzip JSON log files to buckets (delivery.md): key layout, content, regions,
selectors, failures and recovery, StopLogging/StartLogging, cross-account buckets, and
exactly-once delivery across kill -9."""
import gzip
import json
import os
import random
import re
import subprocess
import threading
import time
import unittest

import botocore.exceptions

from harness import BIN, Server, ServerTestCase

KEY_RE = re.compile(r"^(?:(?P<prefix>.+)/)?AWSLogs/(?P<acct>\d{12})/CloudTrail/(?P<region>[a-z0-9-]+)/"
                    r"(?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)/(?P=acct)_CloudTrail_(?P=region)_"
                    r"(?P<stamp>\d{8}T\d{4}Z)_(?P<unique>[A-Za-z0-9]{16})\.json\.gz$")


def cloudtrail_policy(bucket, trails, accounts, prefix=""):
    p = f"{prefix}/" if prefix else ""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{bucket}", "Condition": {"StringEquals": {"aws:SourceArn": trails}}},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": [f"arn:aws:s3:::{bucket}/{p}AWSLogs/{a}/*" for a in accounts],
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trails}}}]})


def delivered(s3, bucket, prefix=""):
    """Every record of every log file in the bucket: list of (key, record)."""
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            if "/CloudTrail/" not in o["Key"]:
                continue
            body = gzip.decompress(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())
            for r in json.loads(body)["Records"]:
                out.append((o["Key"], r))
    return out


def wait_for(pred, timeout=15, step=0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class DeliveryTest(ServerTestCase):
    server_args = ("--delivery-interval", "1s", "--regions", "us-east-1,eu-west-1,us-west-2")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sts = cls.server.client("sts")
        cls.account = cls.sts.get_caller_identity()["Account"]
        cls.s3 = cls.server.client("s3")
        cls.ct = cls.server.client("cloudtrail")

    def make_trail(self, name, bucket, prefix="", multi=False, start=True, **kw):
        arn = f"arn:aws:cloudtrail:us-east-1:{self.account}:trail/{name}"
        try:
            self.s3.create_bucket(Bucket=bucket)
        except botocore.exceptions.ClientError:
            pass
        self.s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_policy(bucket, [arn], [self.account], prefix))
        args = dict(Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi, **kw)
        if prefix:
            args["S3KeyPrefix"] = prefix
        self.ct.create_trail(**args)
        self.addCleanup(self.ct.delete_trail, Name=name)  # at most 5 trails per region
        if start:
            self.ct.start_logging(Name=name)
        return arn

    def test_delivers_gzip_json_under_aws_key_layout(self):
        self.make_trail("basic-trail", "trail-basic", prefix="audit")
        ids = [self.sts.get_caller_identity()["ResponseMetadata"]["RequestId"] for _ in range(5)]
        got = wait_for(lambda: {r["requestID"] for _, r in delivered(self.s3, "trail-basic")} >= set(ids) and
                       delivered(self.s3, "trail-basic"))
        self.assertTrue(got, "log files were not delivered")
        for key, rec in got:
            m = KEY_RE.match(key)
            self.assertIsNotNone(m, key)
            self.assertEqual(m["prefix"], "audit")
            self.assertEqual(m["acct"], self.account)
            self.assertEqual(m["region"], rec["awsRegion"])
            self.assertEqual(rec["recipientAccountId"], self.account)
        req_ids = [r["requestID"] for _, r in got]
        for rid in ids:
            self.assertEqual(req_ids.count(rid), 1)
        # The objects read like AWS's: readable by the CLI and zcat, SSE, content headers.
        key = got[0][0]
        head = self.s3.head_object(Bucket="trail-basic", Key=key)
        self.assertEqual(head["ServerSideEncryption"], "AES256")
        out = os.path.join(self.server.data_dir, "..", "cp-test.json.gz")
        self.server.aws("s3", "cp", f"s3://trail-basic/{key}", out)
        text = subprocess.run(["zcat", out], capture_output=True, check=True).stdout
        self.assertIn(b'"Records":[', text)
        os.remove(out)
        status = self.ct.get_trail_status(Name="basic-trail")
        self.assertTrue(status["IsLogging"])
        self.assertIn("LatestDeliveryTime", status)
        self.assertNotIn("LatestDeliveryError", status)

    def test_multi_region_trail_writes_each_region_to_its_folder(self):
        self.make_trail("multi-trail", "trail-multi", multi=True)
        eu = self.server.client("sts", region="eu-west-1").get_caller_identity()["ResponseMetadata"]["RequestId"]
        us = self.sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        got = wait_for(lambda: (lambda recs: recs if {eu, us} <= {r["requestID"] for _, r in recs} else None)(
            delivered(self.s3, "trail-multi")))
        self.assertTrue(got)
        by_id = {r["requestID"]: k for k, r in got}
        self.assertIn("/CloudTrail/eu-west-1/", by_id[eu])
        self.assertIn("/CloudTrail/us-east-1/", by_id[us])
        for key, rec in got:
            self.assertEqual(KEY_RE.match(key)["region"], rec["awsRegion"])

    def test_stop_and_start_logging_leave_a_gap(self):
        self.make_trail("gap-trail", "trail-gap")
        before = self.sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        wait_for(lambda: before in {r["requestID"] for _, r in delivered(self.s3, "trail-gap")})
        self.ct.stop_logging(Name="gap-trail")
        during = self.sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        time.sleep(2.5)
        self.ct.start_logging(Name="gap-trail")
        after = self.sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        wait_for(lambda: after in {r["requestID"] for _, r in delivered(self.s3, "trail-gap")})
        ids = [r["requestID"] for _, r in delivered(self.s3, "trail-gap")]
        self.assertIn(before, ids)
        self.assertIn(after, ids)
        self.assertNotIn(during, ids, "events while logging was stopped are not delivered")
        status = self.ct.get_trail_status(Name="gap-trail")
        self.assertIn("StartLoggingTime", status)
        self.assertIn("StopLoggingTime", status)

    def test_failures_are_visible_and_recovered(self):
        arn = self.make_trail("fail-trail", "trail-fail")
        first = self.sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        wait_for(lambda: first in {r["requestID"] for _, r in delivered(self.s3, "trail-fail")})
        self.s3.delete_bucket_policy(Bucket="trail-fail")
        lost_meanwhile = [self.sts.get_caller_identity()["ResponseMetadata"]["RequestId"] for _ in range(3)]
        status = wait_for(lambda: (lambda st: st if st.get("LatestDeliveryError") else None)(
            self.ct.get_trail_status(Name="fail-trail")))
        self.assertEqual(status["LatestDeliveryError"], "AccessDenied")
        self.assertTrue(status["LatestDeliveryAttemptTime"])
        self.s3.put_bucket_policy(Bucket="trail-fail", Policy=cloudtrail_policy("trail-fail", [arn], [self.account]))
        got = wait_for(lambda: set(lost_meanwhile) <= {r["requestID"] for _, r in delivered(self.s3, "trail-fail")},
                       timeout=20)
        self.assertTrue(got, "events waited in the journal and were delivered once the policy was back")
        ids = [r["requestID"] for _, r in delivered(self.s3, "trail-fail")]
        for rid in lost_meanwhile + [first]:
            self.assertEqual(ids.count(rid), 1)
        self.assertNotIn("LatestDeliveryError", self.ct.get_trail_status(Name="fail-trail"))

    def test_s3_data_events_for_one_bucket_only(self):
        self.make_trail("data-trail", "trail-data")
        self.s3.create_bucket(Bucket="watched-bucket")
        self.s3.create_bucket(Bucket="ignored-bucket")
        self.ct.put_event_selectors(TrailName="data-trail", EventSelectors=[{
            "ReadWriteType": "All", "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::watched-bucket/"]}]}])
        w = self.s3.put_object(Bucket="watched-bucket", Key="x", Body=b"1")["ResponseMetadata"]["RequestId"]
        i = self.s3.put_object(Bucket="ignored-bucket", Key="x", Body=b"1")["ResponseMetadata"]["RequestId"]
        got = wait_for(lambda: w in {r["requestID"] for _, r in delivered(self.s3, "trail-data")})
        self.assertTrue(got)
        recs = delivered(self.s3, "trail-data")
        ids = {r["requestID"] for _, r in recs}
        self.assertNotIn(i, ids)
        data = [r for _, r in recs if r["eventCategory"] == "Data"]
        self.assertTrue(all(r["resources"][0]["ARN"].startswith("arn:aws:s3:::watched-bucket/") for r in data))

    def test_default_trail_does_not_log_data_events(self):
        self.make_trail("mgmt-trail", "trail-mgmt")
        self.s3.create_bucket(Bucket="busy-bucket")
        p = self.s3.put_object(Bucket="busy-bucket", Key="k", Body=b"z")["ResponseMetadata"]["RequestId"]
        marker = self.sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        wait_for(lambda: marker in {r["requestID"] for _, r in delivered(self.s3, "trail-mgmt")})
        self.assertNotIn(p, {r["requestID"] for _, r in delivered(self.s3, "trail-mgmt")})


class CrossAccountDeliveryTest(unittest.TestCase):
    def test_bucket_in_another_account_with_the_example_policy(self):
        server = Server(extra_args=("--delivery-interval", "1s")).start()
        try:
            owner_keys = json.loads(subprocess.run(
                [BIN, "admin", "create-account", "--account-id", "999988887777", "--endpoint", server.endpoint,
                 "--data-dir", server.data_dir], capture_output=True, text=True, check=True).stdout)
            owner_s3 = server.client("s3", access_key=owner_keys["AccessKeyId"], secret_key=owner_keys["SecretAccessKey"])
            me = server.client("sts").get_caller_identity()["Account"]
            outsider = "123123123123"
            owner_s3.create_bucket(Bucket="central-trail")
            arns = [f"arn:aws:cloudtrail:us-east-1:{me}:trail/main",
                    f"arn:aws:cloudtrail:us-east-1:{outsider}:trail/main"]
            owner_s3.put_bucket_policy(Bucket="central-trail",
                                       Policy=cloudtrail_policy("central-trail", arns, [me, outsider], "logs"))
            ct = server.client("cloudtrail")
            ct.create_trail(Name="main", S3BucketName="central-trail", S3KeyPrefix="logs")
            ct.start_logging(Name="main")
            rid = server.client("sts").get_caller_identity()["ResponseMetadata"]["RequestId"]
            got = wait_for(lambda: rid in {r["requestID"] for _, r in delivered(owner_s3, "central-trail")})
            self.assertTrue(got)
            self.assertTrue(all(k.startswith(f"logs/AWSLogs/{me}/") for k, _ in delivered(owner_s3, "central-trail")))
            # A trail of an account the policy does not list is refused.
            third = json.loads(subprocess.run(
                [BIN, "admin", "create-account", "--account-id", "555566667777", "--endpoint", server.endpoint,
                 "--data-dir", server.data_dir], capture_output=True, text=True, check=True).stdout)
            ct3 = server.client("cloudtrail", access_key=third["AccessKeyId"], secret_key=third["SecretAccessKey"])
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                ct3.create_trail(Name="main", S3BucketName="central-trail", S3KeyPrefix="logs")
            self.assertEqual(cm.exception.response["Error"]["Code"], "InsufficientS3BucketPolicyException")
        finally:
            server.cleanup()


class ExactlyOnceTest(unittest.TestCase):
    def test_kill9_loop_neither_loses_nor_duplicates(self):
        server = Server(extra_args=("--delivery-interval", "500ms")).start()
        try:
            s3 = server.client("s3")
            account = server.client("sts").get_caller_identity()["Account"]
            arn = f"arn:aws:cloudtrail:us-east-1:{account}:trail/eo-trail"
            s3.create_bucket(Bucket="exactly-once")
            s3.put_bucket_policy(Bucket="exactly-once", Policy=cloudtrail_policy("exactly-once", [arn], [account]))
            ct = server.client("cloudtrail")
            ct.create_trail(Name="eo-trail", S3BucketName="exactly-once")
            ct.start_logging(Name="eo-trail")
            acked = []
            stop = threading.Event()
            lock = threading.Lock()

            def client():
                while not stop.is_set():
                    try:
                        r = server.client("sts").get_caller_identity()
                        with lock:
                            acked.append(r["ResponseMetadata"]["RequestId"])
                    except Exception:  # noqa: BLE001 — the server is being killed
                        time.sleep(0.05)

            threads = [threading.Thread(target=client) for _ in range(4)]
            for t in threads:
                t.start()
            rng = random.Random(3)
            for _ in range(5):
                time.sleep(rng.uniform(0.4, 1.6))
                server.kill()
                server.start()
            time.sleep(0.5)
            stop.set()
            for t in threads:
                t.join()
            s3 = server.client("s3")
            want = set(acked)
            got = wait_for(lambda: (lambda ids: ids if want <= set(ids) else None)(
                [r["requestID"] for _, r in delivered(s3, "exactly-once")]), timeout=30)
            ids = [r["requestID"] for _, r in delivered(s3, "exactly-once")]
            missing = want - set(ids)
            self.assertEqual(missing, set(), f"{len(missing)} acknowledged calls never delivered")
            event_ids = [r["eventID"] for _, r in delivered(s3, "exactly-once")]
            dups = {e for e in event_ids if event_ids.count(e) > 1}
            self.assertEqual(dups, set(), "an event was delivered twice")
            self.assertGreater(len(want), 30)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()


def ingest(server, records):
    st, _, body = server.signed_request("POST", "opentrail", body=json.dumps({"Records": records}).encode(),
                                        headers={"X-Amz-Target": "OpenTrail_20261130.IngestRecords",
                                                 "Content-Type": "application/octet-stream"})
    assert st == 200, body
    return json.loads(body)


def record(account, source, name, region, event_id):
    return {"eventVersion": "1.09", "userIdentity": {"type": "Root", "principalId": account,
                                                     "arn": f"arn:aws:iam::{account}:root", "accountId": account},
            "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "eventSource": source,
            "eventName": name, "awsRegion": region, "sourceIPAddress": "198.51.100.1", "userAgent": "test",
            "requestParameters": None, "responseElements": None, "requestID": event_id, "eventID": event_id,
            "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account,
            "eventCategory": "Management"}


class RegionsAndGlobalEventsTest(unittest.TestCase):
    def test_global_service_events_and_regions_added_later(self):
        import uuid
        server = Server(extra_args=("--delivery-interval", "1s", "--regions", "us-east-1,eu-west-1")).start()
        try:
            account = server.client("sts").get_caller_identity()["Account"]
            s3, ct = server.client("s3"), server.client("cloudtrail")
            arns = [f"arn:aws:cloudtrail:us-east-1:{account}:trail/{n}" for n in ("glob-multi", "no-global")]
            for bucket in ("glob-bucket", "noglob-bucket"):
                s3.create_bucket(Bucket=bucket)
                s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_policy(bucket, arns, [account]))
            ct.create_trail(Name="glob-multi", S3BucketName="glob-bucket", IsMultiRegionTrail=True)
            ct.create_trail(Name="no-global", S3BucketName="noglob-bucket", IncludeGlobalServiceEvents=False)
            ct.start_logging(Name="glob-multi")
            ct.start_logging(Name="no-global")
            iam_id, kms_id, eu_id = (str(uuid.uuid4()) for _ in range(3))
            ingest(server, [record(account, "iam.amazonaws.com", "CreateUser", "us-east-1", iam_id),
                            record(account, "kms.amazonaws.com", "CreateKey", "us-east-1", kms_id),
                            record(account, "kms.amazonaws.com", "CreateKey", "eu-west-1", eu_id)])
            multi = wait_for(lambda: (lambda recs: recs if {iam_id, kms_id, eu_id} <= {r["eventID"] for _, r in recs}
                                      else None)(delivered(s3, "glob-bucket")))
            self.assertTrue(multi)
            keys = {r["eventID"]: k for k, r in multi}
            self.assertIn("/CloudTrail/us-east-1/", keys[iam_id], "global events land in us-east-1, once")
            self.assertEqual([r["eventID"] for _, r in multi].count(iam_id), 1)
            self.assertIn("/CloudTrail/eu-west-1/", keys[eu_id])
            single = wait_for(lambda: (lambda recs: recs if kms_id in {r["eventID"] for _, r in recs} else None)(
                delivered(s3, "noglob-bucket")))
            ids = {r["eventID"] for _, r in single}
            self.assertNotIn(iam_id, ids, "IncludeGlobalServiceEvents=false leaves global events out")
            self.assertNotIn(eu_id, ids, "a single-region trail logs its own region only")
            # A region enabled at a later start is covered at once by the multi-region trail.
            server.stop()
            server.extra_args = ["--delivery-interval", "1s", "--regions", "us-east-1,eu-west-1,ap-south-1"]
            server.start()
            rid = server.client("sts", region="ap-south-1").get_caller_identity()["ResponseMetadata"]["RequestId"]
            s3 = server.client("s3")
            got = wait_for(lambda: {k for k, r in delivered(s3, "glob-bucket") if r["requestID"] == rid})
            self.assertTrue(got)
            self.assertIn("/CloudTrail/ap-south-1/", next(iter(got)))
            shadows = server.client("cloudtrail", region="ap-south-1").describe_trails(includeShadowTrails=True)
            self.assertIn("glob-multi", [t["Name"] for t in shadows["trailList"]])
        finally:
            server.cleanup()
