"""Log file integrity: digest files that the installed AWS CLI's `aws cloudtrail
validate-logs` accepts, tamper detection by it and by `opentrail validate-logs`."""
import datetime
import gzip
import json
import os
import subprocess
import time
import unittest

from harness import BIN, Server
from test_delivery import cloudtrail_policy, delivered, wait_for


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class IntegrityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=("--delivery-interval", "1s", "--digest-interval", "3s")).start()
        s = cls.server
        cls.account = s.client("sts").get_caller_identity()["Account"]
        cls.arn = f"arn:aws:cloudtrail:us-east-1:{cls.account}:trail/validated"
        cls.s3 = s.client("s3")
        cls.s3.create_bucket(Bucket="validated-logs")
        cls.s3.put_bucket_policy(Bucket="validated-logs",
                                 Policy=cloudtrail_policy("validated-logs", [cls.arn], [cls.account], "pre"))
        ct = s.client("cloudtrail")
        ct.create_trail(Name="validated", S3BucketName="validated-logs", S3KeyPrefix="pre",
                        EnableLogFileValidation=True)
        cls.start = time.time() - 5
        ct.start_logging(Name="validated")
        sts = s.client("sts")
        for _ in range(4):  # several digest windows, with events in most of them
            for _ in range(5):
                sts.get_caller_identity()
            time.sleep(2.5)
        time.sleep(6)  # the last window closes and its digest is written
        cls.keys = [o["Key"] for p in cls.s3.get_paginator("list_objects_v2").paginate(Bucket="validated-logs")
                    for o in p.get("Contents", [])]
        cls.digests = sorted(k for k in cls.keys if "/CloudTrail-Digest/" in k)
        cls.end = time.time()
        # The log files the digests list (a file delivered after the last closed window is
        # not covered yet and not checked by validators).
        cls.logs = sorted({f["s3Object"] for k in cls.digests for f in json.loads(gzip.decompress(
            cls.s3.get_object(Bucket="validated-logs", Key=k)["Body"].read()))["logFiles"]})
        cls.all_logs = sorted(k for k in cls.keys if "/CloudTrail/" in k)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def aws_validate(self, *extra):
        ak, sk = self.server.credentials()
        env = dict(os.environ, AWS_ENDPOINT_URL=self.server.endpoint, AWS_ACCESS_KEY_ID=ak,
                   AWS_SECRET_ACCESS_KEY=sk, AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        return subprocess.run(["aws", "cloudtrail", "validate-logs", "--trail-arn", self.arn,
                               "--start-time", iso(self.start), "--end-time", iso(self.end), *extra],
                              env=env, capture_output=True, text=True, timeout=300)

    def native_validate(self, *extra):
        return subprocess.run([BIN, "validate-logs", "--trail-arn", self.arn, "--start-time", iso(self.start),
                               "--end-time", iso(self.end), "--endpoint", self.server.endpoint,
                               "--data-dir", self.server.data_dir, *extra],
                              capture_output=True, text=True, timeout=300)

    def test_1_digest_files_look_like_aws(self):
        self.assertGreaterEqual(len(self.digests), 3)
        self.assertGreaterEqual(len(self.logs), 3)
        for key in self.digests:
            self.assertRegex(key, r"^pre/AWSLogs/\d{12}/CloudTrail-Digest/us-east-1/\d{4}/\d\d/\d\d/"
                                  r"\d{12}_CloudTrail-Digest_us-east-1_validated_us-east-1_\d{8}T\d{6}Z\.json\.gz$")
        obj = self.s3.get_object(Bucket="validated-logs", Key=self.digests[0])
        self.assertEqual(obj["Metadata"]["signature-algorithm"], "SHA256withRSA")
        self.assertEqual(len(obj["Metadata"]["signature"]), 512)
        first = json.loads(gzip.decompress(obj["Body"].read()))
        self.assertIsNone(first["previousDigestSignature"], "a chain starts with null previous fields")
        second = json.loads(gzip.decompress(self.s3.get_object(Bucket="validated-logs", Key=self.digests[1])["Body"].read()))
        self.assertEqual(second["previousDigestS3Object"], self.digests[0])
        self.assertEqual(second["digestStartTime"], first["digestEndTime"])
        listed = {f["s3Object"] for k in self.digests for f in json.loads(gzip.decompress(
            self.s3.get_object(Bucket="validated-logs", Key=k)["Body"].read()))["logFiles"]}
        self.assertEqual(listed, set(self.logs))
        # Every file delivered before the last digest's window closed is listed.
        last_end = json.loads(gzip.decompress(self.s3.get_object(Bucket="validated-logs", Key=self.digests[-1])["Body"].read()))["digestEndTime"]
        stamp = last_end.replace("-", "").replace(":", "")[:13]  # YYYYMMDDTHHMM
        for key in self.all_logs:
            if key.rsplit("_", 2)[-2] < stamp:
                self.assertIn(key, listed)
        keys = self.server.client("cloudtrail").list_public_keys()["PublicKeyList"]
        self.assertTrue(keys)
        self.assertEqual(first["digestPublicKeyFingerprint"], keys[0]["Fingerprint"])
        status = self.server.client("cloudtrail").get_trail_status(Name="validated")
        self.assertIn("LatestDigestDeliveryTime", status)

    def test_2_aws_cli_accepts_everything(self):
        p = self.aws_validate("--verbose")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(f"{len(self.digests)}/{len(self.digests)} digest files valid", p.stdout)
        self.assertIn(f"{len(self.logs)}/{len(self.logs)} log files valid", p.stdout)
        self.assertNotIn("INVALID", p.stdout + p.stderr)

    def test_3_native_validator_accepts_everything(self):
        p = self.native_validate()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(f"{len(self.digests)}/{len(self.digests)} digest files valid", p.stdout)
        self.assertIn(f"{len(self.logs)}/{len(self.logs)} log files valid", p.stdout)

    def test_4_tampering_is_reported_by_both(self):
        modified, deleted = self.logs[0], self.logs[-1]
        original = self.s3.get_object(Bucket="validated-logs", Key=modified)["Body"].read()
        records = json.loads(gzip.decompress(original))
        records["Records"][0]["eventName"] = "SomethingElse"
        self.s3.put_object(Bucket="validated-logs", Key=modified, Body=gzip.compress(json.dumps(records).encode()))
        self.s3.delete_object(Bucket="validated-logs", Key=deleted)
        for name, run in (("aws", self.aws_validate), ("native", self.native_validate)):
            p = run()
            self.assertEqual(p.returncode, 1, f"{name}: {p.stdout}{p.stderr}")
            invalid = [l for l in (p.stdout + p.stderr).splitlines() if "\tINVALID" in l]
            self.assertEqual(len(invalid), 2, f"{name}: {invalid}")
            text = "\n".join(invalid)
            self.assertIn(f"s3://validated-logs/{modified}\tINVALID: hash value doesn't match", text, name)
            self.assertIn(f"s3://validated-logs/{deleted}\tINVALID: not found", text, name)
            self.assertIn(f"{len(self.logs) - 2}/{len(self.logs)} log files valid, 2/{len(self.logs)} log files INVALID",
                          p.stdout, name)


if __name__ == "__main__":
    unittest.main()


class ChainRestartTest(unittest.TestCase):
    def test_stop_start_closes_and_restarts_the_chain(self):
        server = Server(extra_args=("--delivery-interval", "1s", "--digest-interval", "2s")).start()
        try:
            account = server.client("sts").get_caller_identity()["Account"]
            arn = f"arn:aws:cloudtrail:us-east-1:{account}:trail/restarted"
            s3, ct, sts = server.client("s3"), server.client("cloudtrail"), server.client("sts")
            s3.create_bucket(Bucket="restart-logs")
            s3.put_bucket_policy(Bucket="restart-logs", Policy=cloudtrail_policy("restart-logs", [arn], [account]))
            ct.create_trail(Name="restarted", S3BucketName="restart-logs", EnableLogFileValidation=True)
            start = time.time() - 5
            ct.start_logging(Name="restarted")
            for _ in range(3):
                sts.get_caller_identity()
                time.sleep(1.5)
            ct.stop_logging(Name="restarted")
            time.sleep(4)
            ct.start_logging(Name="restarted")
            for _ in range(3):
                sts.get_caller_identity()
                time.sleep(1.5)
            time.sleep(5)
            digests = []
            for p in s3.get_paginator("list_objects_v2").paginate(Bucket="restart-logs"):
                digests += [o["Key"] for o in p.get("Contents", []) if "/CloudTrail-Digest/" in o["Key"]]
            starts = [k for k in sorted(digests) if json.loads(gzip.decompress(
                s3.get_object(Bucket="restart-logs", Key=k)["Body"].read()))["previousDigestSignature"] is None]
            self.assertEqual(len(starts), 2, "one chain before the stop, a new one after the start")
            ak, sk = server.credentials()
            env = dict(os.environ, AWS_ENDPOINT_URL=server.endpoint, AWS_ACCESS_KEY_ID=ak, AWS_SECRET_ACCESS_KEY=sk,
                       AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
            p = subprocess.run(["aws", "cloudtrail", "validate-logs", "--trail-arn", arn, "--start-time", iso(start),
                                "--end-time", iso(time.time())], env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertNotIn("\tINVALID", p.stdout + p.stderr)
            self.assertIn("No log files were delivered by CloudTrail between", p.stderr)
        finally:
            server.cleanup()
