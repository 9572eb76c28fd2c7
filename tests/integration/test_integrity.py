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

    def test_3b_inclusion_proofs(self):
        """opentrail's extension (integrity.md §12): a signed Merkle tree per digest interval
        in CloudTrail-Merkle/, `opentrail prove-event` and offline `opentrail verify-proof`."""
        import base64
        import hashlib
        import tempfile
        digest_key = self.digests[1]
        digest_raw = gzip.decompress(self.s3.get_object(Bucket="validated-logs", Key=digest_key)["Body"].read())
        digest = json.loads(digest_raw)
        root_key = digest_key.replace("CloudTrail-Digest", "CloudTrail-Merkle")
        self.assertIn(root_key, self.keys)
        root = json.loads(gzip.decompress(self.s3.get_object(Bucket="validated-logs", Key=root_key)["Body"].read()))
        self.assertEqual(root["digestHashValue"], hashlib.sha256(digest_raw).hexdigest())
        self.assertEqual(root["digestS3Object"], digest_key)
        self.assertEqual([f["s3Object"] for f in root["logFiles"]], [f["s3Object"] for f in digest["logFiles"]])
        # The leaves are each delivered record's bytes, hashed as RFC 6962 leaves.
        leaves = gzip.decompress(self.s3.get_object(Bucket="validated-logs", Key=root["leavesS3Object"])["Body"].read())
        self.assertEqual(len(leaves), 32 * root["treeSize"])
        self.assertGreater(root["treeSize"], 0)
        first = root["logFiles"][0]
        content = gzip.decompress(self.s3.get_object(Bucket="validated-logs", Key=first["s3Object"])["Body"].read())
        records = json.loads(content)["Records"]
        self.assertEqual(first["leafCount"], len(records))
        body = content.decode()
        self.assertTrue(body.startswith('{"Records":['))
        first_record = json.dumps(records[0], separators=(",", ":"))
        self.assertIn(first_record, body)  # compact JSON as delivered
        event = records[len(records) // 2]
        event_id = event["eventID"]

        def mth(hashes):  # an independent RFC 6962 implementation
            if len(hashes) == 1:
                return hashes[0]
            k = 1
            while k * 2 < len(hashes):
                k *= 2
            return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()
        hashes = [leaves[i:i + 32] for i in range(0, len(leaves), 32)]
        self.assertEqual(mth(hashes).hex(), root["rootHash"])

        common = ["--trail-arn", self.arn, "--endpoint", self.server.endpoint, "--data-dir", self.server.data_dir,
                  "--region", "us-east-1"]
        p = subprocess.run([BIN, "prove-event", event_id, *common], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        proof = json.loads(p.stdout)
        self.assertEqual(proof["eventID"], event_id)
        self.assertEqual(json.loads(proof["record"]), event)
        self.assertEqual(proof["logFileS3Object"], first["s3Object"])
        self.assertEqual(proof["leafIndex"], len(records) // 2)
        self.assertEqual(proof["rootHash"], root["rootHash"])
        self.assertLessEqual(len(proof["auditPath"]), max(1, (root["treeSize"] - 1).bit_length()))

        # Verify the path independently (RFC 9162 §2.1.3.2).
        fn, sn = proof["leafIndex"], proof["treeSize"] - 1
        r = hashlib.sha256(b"\x00" + proof["record"].encode()).digest()
        for h in map(bytes.fromhex, proof["auditPath"]):
            if fn & 1 or fn == sn:
                r = hashlib.sha256(b"\x01" + h + r).digest()
                while not fn & 1 and fn:
                    fn, sn = fn >> 1, sn >> 1
            else:
                r = hashlib.sha256(b"\x01" + r + h).digest()
            fn, sn = fn >> 1, sn >> 1
        self.assertEqual((sn, r.hex()), (0, root["rootHash"]))
        keys = self.server.client("cloudtrail").list_public_keys()["PublicKeyList"]
        try:
            from cryptography.hazmat.primitives import hashes as chashes, serialization
            from cryptography.hazmat.primitives.asymmetric import padding
            key = next(k for k in keys if k["Fingerprint"] == proof["publicKeyFingerprint"])
            signed = "\n".join(["opentrail-merkle-v1", proof["digestEndTime"],
                                f'{proof["digestS3Bucket"]}/{proof["digestS3Object"]}', proof["digestHashValue"],
                                str(proof["treeSize"]), proof["rootHash"]])
            serialization.load_der_public_key(key["Value"]).verify(
                bytes.fromhex(proof["signature"]), signed.encode(), padding.PKCS1v15(), chashes.SHA256())
        except ImportError:
            pass

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "proof.json")
            with open(path, "w") as f:
                f.write(p.stdout)
            keyfile = os.path.join(tmp, "keys.json")
            with open(keyfile, "w") as f:
                json.dump({"PublicKeyList": [{"Fingerprint": k["Fingerprint"],
                                              "Value": base64.b64encode(k["Value"]).decode()} for k in keys]}, f)
            v = subprocess.run([BIN, "verify-proof", path, "--public-key-file", keyfile], capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            self.assertIn(f"Proof valid: event {event_id} is leaf {proof['leafIndex']} of {proof['treeSize']}", v.stdout)
            v = subprocess.run([BIN, "verify-proof", "-"], input=p.stdout, capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

            def tampered(change):
                altered = json.loads(p.stdout)
                change(altered)
                with open(path, "w") as f:
                    json.dump(altered, f)
                return subprocess.run([BIN, "verify-proof", path, "--public-key-file", keyfile],
                                      capture_output=True, text=True)
            def other_record(a):
                rec = json.loads(a["record"])
                rec["sourceIPAddress"] = "203.0.113.9"
                a["record"] = json.dumps(rec, separators=(",", ":"))
            def other_path(a):
                a["auditPath"][0] = "00" * 32
            def other_size(a):
                a["treeSize"] += 1
            for change in (other_record, other_path, other_size):
                v = tampered(change)
                self.assertEqual(v.returncode, 1, change.__name__ + v.stdout + v.stderr)
                self.assertIn("Proof INVALID", v.stdout, change.__name__)
            with open(path, "w") as f:
                f.write("{not json")
            self.assertEqual(subprocess.run([BIN, "verify-proof", path], capture_output=True).returncode, 1)
            self.assertEqual(subprocess.run([BIN, "verify-proof", os.path.join(tmp, "missing")],
                                            capture_output=True).returncode, 255)

        p = subprocess.run([BIN, "prove-event", "00000000-0000-0000-0000-000000000000", *common],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("--event-time", p.stderr)

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
