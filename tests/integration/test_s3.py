"""The embedded S3 through boto3 and the AWS CLI: buckets, objects, multipart, listings,
policies, encryption at rest, lifecycle, hostile keys, and how each call is recorded."""
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import botocore.exceptions

from harness import BIN, Server, ServerTestCase


def code(exc):
    return exc.exception.response["Error"]["Code"]


class S3BasicsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.server.client("s3")
        cls.s3.create_bucket(Bucket="basics")

    def tearDown(self):
        self.assertEqual(self.server.health(), 200)

    def test_bucket_lifecycle_and_naming_rules(self):
        s3 = self.s3
        s3.create_bucket(Bucket="another-bucket.1")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertIn("another-bucket.1", names)
        s3.head_bucket(Bucket="another-bucket.1")
        self.assertIsNone(s3.get_bucket_location(Bucket="another-bucket.1").get("LocationConstraint"))
        acl = s3.get_bucket_acl(Bucket="another-bucket.1")
        self.assertEqual(acl["Grants"][0]["Permission"], "FULL_CONTROL")
        s3.delete_bucket(Bucket="another-bucket.1")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.head_bucket(Bucket="another-bucket.1")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        for bad in ["ab", "UpperCase", "a" * 64, "bad_underscore", "-leading", "trailing-", "192.168.1.1",
                    "xn--punycode", "double..dot", "ends-s3alias"]:
            with self.assertRaises(botocore.exceptions.ClientError, msg=bad) as cm:
                self.server.client("s3", validate=False).create_bucket(Bucket=bad)
            self.assertEqual(code(cm), "InvalidBucketName", bad)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.get_bucket_acl(Bucket="no-such-bucket-here")
        self.assertEqual(code(cm), "NoSuchBucket")

    def test_region_constraint(self):
        eu = self.server.client("s3", region="eu-west-1")
        eu.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(eu.get_bucket_location(Bucket="eu-bucket")["LocationConstraint"], "eu-west-1")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            eu.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(code(cm), "BucketAlreadyOwnedByYou")

    def test_object_round_trip_metadata_and_ranges(self):
        s3 = self.s3
        data = os.urandom(200_000)
        put = s3.put_object(Bucket="basics", Key="dir/binary.bin", Body=data, ContentType="application/x-test",
                            Metadata={"colour": "blue"})
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.assertEqual(put["ServerSideEncryption"], "AES256")
        got = s3.get_object(Bucket="basics", Key="dir/binary.bin")
        self.assertEqual(got["Body"].read(), data)
        self.assertEqual(got["ContentType"], "application/x-test")
        self.assertEqual(got["Metadata"], {"colour": "blue"})
        self.assertEqual(got["ServerSideEncryption"], "AES256")
        head = s3.head_object(Bucket="basics", Key="dir/binary.bin")
        self.assertEqual(head["ContentLength"], len(data))
        for rng, want in [("bytes=0-0", data[:1]), ("bytes=65530-65600", data[65530:65601]),
                          ("bytes=-10", data[-10:]), ("bytes=199990-", data[199990:]),
                          ("bytes=100-999999999", data[100:])]:
            r = s3.get_object(Bucket="basics", Key="dir/binary.bin", Range=rng)
            self.assertEqual(r["Body"].read(), want, rng)
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 206)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.get_object(Bucket="basics", Key="dir/binary.bin", Range="bytes=300000-")
        self.assertEqual(code(cm), "InvalidRange")
        # Conditional reads.
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.get_object(Bucket="basics", Key="dir/binary.bin", IfMatch='"nope"')
        self.assertEqual(code(cm), "PreconditionFailed")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.get_object(Bucket="basics", Key="dir/binary.bin", IfNoneMatch=put["ETag"])
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        # Empty object.
        s3.put_object(Bucket="basics", Key="empty", Body=b"")
        self.assertEqual(s3.get_object(Bucket="basics", Key="empty")["Body"].read(), b"")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.get_object(Bucket="basics", Key="missing")
        self.assertEqual(code(cm), "NoSuchKey")

    def test_copy_delete_and_delete_objects(self):
        s3 = self.s3
        s3.put_object(Bucket="basics", Key="copy/src", Body=b"source", Metadata={"a": "1"})
        s3.copy_object(Bucket="basics", Key="copy/dst", CopySource={"Bucket": "basics", "Key": "copy/src"})
        dst = s3.get_object(Bucket="basics", Key="copy/dst")
        self.assertEqual(dst["Body"].read(), b"source")
        self.assertEqual(dst["Metadata"], {"a": "1"})
        s3.copy_object(Bucket="basics", Key="copy/dst2", CopySource="basics/copy/src", MetadataDirective="REPLACE",
                       Metadata={"b": "2"})
        self.assertEqual(s3.head_object(Bucket="basics", Key="copy/dst2")["Metadata"], {"b": "2"})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.copy_object(Bucket="basics", Key="copy/src", CopySource="basics/copy/src")
        self.assertEqual(code(cm), "InvalidRequest")
        res = s3.delete_objects(Bucket="basics", Delete={"Objects": [{"Key": "copy/dst"}, {"Key": "copy/dst2"},
                                                                    {"Key": "never-existed"}]})
        self.assertEqual(sorted(d["Key"] for d in res["Deleted"]), ["copy/dst", "copy/dst2", "never-existed"])
        s3.delete_object(Bucket="basics", Key="copy/src")
        self.assertNotIn("Contents", s3.list_objects_v2(Bucket="basics", Prefix="copy/"))

    def test_listings(self):
        s3 = self.s3
        s3.create_bucket(Bucket="listing")
        keys = [f"a/{i:03d}" for i in range(25)] + ["b/x", "b/y/z", "c", "sp ace/é+plus"]
        for k in keys:
            s3.put_object(Bucket="listing", Key=k, Body=k.encode())
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket="listing", PaginationConfig={"PageSize": 7})
        got = [o["Key"] for p in pages for o in p.get("Contents", [])]
        self.assertEqual(got, sorted(keys, key=lambda k: k.encode()))
        r = s3.list_objects_v2(Bucket="listing", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/", "b/", "sp ace/"])
        self.assertEqual([o["Key"] for o in r["Contents"]], ["c"])
        r = s3.list_objects_v2(Bucket="listing", Prefix="a/", MaxKeys=5, StartAfter="a/010")
        self.assertEqual([o["Key"] for o in r["Contents"]], [f"a/{i:03d}" for i in range(11, 16)])
        self.assertTrue(r["IsTruncated"])
        r = s3.list_objects(Bucket="listing", Prefix="b/", Marker="b/x")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["b/y/z"])
        v1 = [o["Key"] for p in s3.get_paginator("list_objects").paginate(Bucket="listing", PaginationConfig={"PageSize": 4})
              for o in p.get("Contents", [])]
        self.assertEqual(v1, got)
        self.assertEqual(s3.list_objects_v2(Bucket="listing", MaxKeys=0)["KeyCount"], 0)

    def test_multipart_with_boto3(self):
        s3 = self.s3
        up = s3.create_multipart_upload(Bucket="basics", Key="mp/object")
        uid = up["UploadId"]
        parts_data = [os.urandom(5 * 1024 * 1024), os.urandom(5 * 1024 * 1024), os.urandom(1234)]
        parts = []
        for i, d in enumerate(parts_data, 1):
            r = s3.upload_part(Bucket="basics", Key="mp/object", UploadId=uid, PartNumber=i, Body=d)
            parts.append({"PartNumber": i, "ETag": r["ETag"]})
        listed = s3.list_parts(Bucket="basics", Key="mp/object", UploadId=uid)["Parts"]
        self.assertEqual([p["PartNumber"] for p in listed], [1, 2, 3])
        self.assertIn(uid, [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="basics").get("Uploads", [])])
        done = s3.complete_multipart_upload(Bucket="basics", Key="mp/object", UploadId=uid,
                                            MultipartUpload={"Parts": parts})
        md5s = b"".join(hashlib.md5(d).digest() for d in parts_data)
        self.assertEqual(done["ETag"], '"%s-3"' % hashlib.md5(md5s).hexdigest())
        whole = b"".join(parts_data)
        self.assertEqual(s3.get_object(Bucket="basics", Key="mp/object")["Body"].read(), whole)
        r = s3.get_object(Bucket="basics", Key="mp/object", Range="bytes=5242000-5243000")
        self.assertEqual(r["Body"].read(), whole[5242000:5243001])
        # Errors: small parts, wrong order, aborted uploads.
        up2 = s3.create_multipart_upload(Bucket="basics", Key="mp/small")["UploadId"]
        e1 = s3.upload_part(Bucket="basics", Key="mp/small", UploadId=up2, PartNumber=1, Body=b"x")["ETag"]
        e2 = s3.upload_part(Bucket="basics", Key="mp/small", UploadId=up2, PartNumber=2, Body=b"y")["ETag"]
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.complete_multipart_upload(Bucket="basics", Key="mp/small", UploadId=up2,
                                         MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        self.assertEqual(code(cm), "EntityTooSmall")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.complete_multipart_upload(Bucket="basics", Key="mp/small", UploadId=up2,
                                         MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]})
        self.assertEqual(code(cm), "InvalidPartOrder")
        s3.abort_multipart_upload(Bucket="basics", Key="mp/small", UploadId=up2)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.list_parts(Bucket="basics", Key="mp/small", UploadId=up2)
        self.assertEqual(code(cm), "NoSuchUpload")

    def test_large_objects_are_streamed_consistently(self):
        """Bodies above 8 MiB are sent piece by piece from the store: whole, ranged, after
        a keep-alive reuse, and unchanged when the object is replaced mid-read."""
        s3 = self.s3
        data = os.urandom(21 * 1024 * 1024 + 17)
        s3.put_object(Bucket="basics", Key="big/one", Body=data)
        r = s3.get_object(Bucket="basics", Key="big/one")
        self.assertEqual(r["ContentLength"], len(data))
        self.assertEqual(hashlib.sha256(r["Body"].read()).hexdigest(), hashlib.sha256(data).hexdigest())
        r = s3.get_object(Bucket="basics", Key="big/one", Range="bytes=3000000-17999999")
        self.assertEqual(r["ContentRange"], f"bytes 3000000-17999999/{len(data)}")
        self.assertEqual(r["Body"].read(), data[3000000:18000000])
        r = s3.get_object(Bucket="basics", Key="big/one", Range="bytes=1000-")
        self.assertEqual(r["Body"].read(), data[1000:])
        # The connection is reused after a streamed body.
        self.assertEqual(s3.get_object(Bucket="basics", Key="big/one", Range="bytes=0-9")["Body"].read(), data[:10])
        etag = s3.head_object(Bucket="basics", Key="big/one")["ETag"]
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.get_object(Bucket="basics", Key="big/one", IfNoneMatch=etag)
        self.assertIn(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], (304,))
        # Replaced while being read: the reader still gets the whole old version.
        body = s3.get_object(Bucket="basics", Key="big/one")["Body"]
        first = body.read(1024 * 1024)
        newer = os.urandom(len(data))
        s3.put_object(Bucket="basics", Key="big/one", Body=newer)
        self.assertEqual(first + body.read(), data)
        self.assertEqual(hashlib.sha256(s3.get_object(Bucket="basics", Key="big/one")["Body"].read()).digest(),
                         hashlib.sha256(newer).digest())

    def test_aws_cli_cp_ls_sync_rm(self):
        with tempfile.TemporaryDirectory() as d:
            big = os.path.join(d, "big.bin")
            with open(big, "wb") as f:
                f.write(os.urandom(20 * 1024 * 1024 + 17))  # multipart with the CLI's 8 MB parts
            os.makedirs(os.path.join(d, "tree", "sub"))
            for name in ("tree/a.txt", "tree/sub/b.txt", "tree/sub/c d.txt"):
                with open(os.path.join(d, name), "w") as f:
                    f.write(name * 100)
            self.server.aws("s3", "mb", "s3://cli-bucket")
            self.server.aws("s3", "cp", big, "s3://cli-bucket/big.bin")
            self.server.aws("s3", "cp", "s3://cli-bucket/big.bin", os.path.join(d, "back.bin"))
            self.assertEqual(open(big, "rb").read(), open(os.path.join(d, "back.bin"), "rb").read())
            self.server.aws("s3", "sync", os.path.join(d, "tree"), "s3://cli-bucket/tree")
            ls = self.server.aws("s3", "ls", "--recursive", "s3://cli-bucket/").stdout
            for name in ("big.bin", "tree/a.txt", "tree/sub/b.txt", "tree/sub/c d.txt"):
                self.assertIn(name, ls)
            out = os.path.join(d, "synced")
            self.server.aws("s3", "sync", "s3://cli-bucket/tree", out)
            self.assertEqual(open(os.path.join(out, "sub", "c d.txt")).read(), "tree/sub/c d.txt" * 100)
            self.server.aws("s3", "rm", "--recursive", "s3://cli-bucket/")
            self.server.aws("s3", "rb", "s3://cli-bucket")
            head = self.server.aws("s3api", "head-bucket", "--bucket", "cli-bucket", check=False)
            self.assertNotEqual(head.returncode, 0)

    def test_delete_non_empty_bucket(self):
        self.s3.create_bucket(Bucket="full-bucket")
        self.s3.put_object(Bucket="full-bucket", Key="k", Body=b"v")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.s3.delete_bucket(Bucket="full-bucket")
        self.assertEqual(code(cm), "BucketNotEmpty")

    def test_presigned_get(self):
        self.s3.put_object(Bucket="basics", Key="presigned.txt", Body=b"hello presigned")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "basics", "Key": "presigned.txt"},
                                             ExpiresIn=60)
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.read(), b"hello presigned")

    def test_hostile_keys_stay_inside_the_store(self):
        s3 = self.s3
        for key in ["../../escape", "/leading-slash", "a/../../b", "%2F..%2Fx", "dots/./..", "a" * 1024]:
            s3.put_object(Bucket="basics", Key=key, Body=key.encode()[:100])
            self.assertEqual(s3.get_object(Bucket="basics", Key=key)["Body"].read(), key.encode()[:100])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.put_object(Bucket="basics", Key="k" * 1025, Body=b"x")
        self.assertEqual(code(cm), "KeyTooLongError")
        # Nothing was written outside the data dir's object area.
        for root, dirs, files in os.walk(self.server.data_dir):
            for f in files:
                self.assertNotIn("escape", f)
        parent = os.path.dirname(self.server.data_dir)
        self.assertFalse(any("escape" in n for n in os.listdir(parent)))

    def test_encrypted_at_rest(self):
        marker = b"PLAINTEXT-MARKER-" * 1000
        self.s3.put_object(Bucket="basics", Key="secret.txt", Body=marker)
        for root, _, files in os.walk(self.server.data_dir):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    self.assertNotIn(b"PLAINTEXT-MARKER-", fh.read(), os.path.join(root, f))
        key_file = os.path.join(self.server.data_dir, "master.key")
        self.assertEqual(os.stat(key_file).st_mode & 0o777, 0o600)
        enc = self.s3.get_bucket_encryption(Bucket="basics")
        rule = enc["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")
        self.s3.put_bucket_encryption(Bucket="basics", ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        self.s3.delete_bucket_encryption(Bucket="basics")

    def test_malformed_xml_and_unknown_subresource(self):
        st, _, body = self.server.signed_request("POST", "s3", path="/basics", query="delete", body=b"<Delete><Obj",
                                                 s3=True, headers={"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="})
        self.assertEqual(st, 400)
        self.assertIn(b"<Code>MalformedXML</Code>", body)
        st, _, body = self.server.signed_request("PUT", "s3", path="/basics", query="lifecycle",
                                                 body=b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><LifecycleConfiguration>&a;</LifecycleConfiguration>",
                                                 s3=True)
        self.assertEqual(st, 400)
        st, _, body = self.server.signed_request("GET", "s3", path="/basics", query="versioning", s3=True)
        self.assertEqual(st, 400)
        self.assertIn(b"<Code>NotImplemented</Code>", body)


class BucketPolicyTest(ServerTestCase):
    def test_policy_crud_and_cross_account_access(self):
        owner = self.server.client("s3")
        owner.create_bucket(Bucket="shared-bucket")
        owner.put_object(Bucket="shared-bucket", Key="public/a", Body=b"a")
        owner.put_object(Bucket="shared-bucket", Key="private/b", Body=b"b")
        other_keys = json.loads(subprocess.run(
            [BIN, "admin", "create-account", "--account-id", "444455556666", "--endpoint", self.server.endpoint,
             "--data-dir", self.server.data_dir], capture_output=True, text=True, check=True).stdout)
        other = self.server.client("s3", access_key=other_keys["AccessKeyId"], secret_key=other_keys["SecretAccessKey"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            other.get_object(Bucket="shared-bucket", Key="public/a")
        self.assertEqual(code(cm), "AccessDenied")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            owner.get_bucket_policy(Bucket="shared-bucket")
        self.assertEqual(code(cm), "NoSuchBucketPolicy")
        policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "ReadPublic", "Effect": "Allow", "Principal": {"AWS": "444455556666"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-bucket/public/*"},
            {"Sid": "ListPublic", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
             "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::shared-bucket",
             "Condition": {"StringLike": {"s3:prefix": "public/*"}}},
            {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
             "Resource": "arn:aws:s3:::shared-bucket/*"}]}
        owner.put_bucket_policy(Bucket="shared-bucket", Policy=json.dumps(policy))
        self.assertEqual(json.loads(owner.get_bucket_policy(Bucket="shared-bucket")["Policy"]), policy)
        self.assertEqual(other.get_object(Bucket="shared-bucket", Key="public/a")["Body"].read(), b"a")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            other.get_object(Bucket="shared-bucket", Key="private/b")
        self.assertEqual(code(cm), "AccessDenied")
        self.assertEqual([o["Key"] for o in other.list_objects_v2(Bucket="shared-bucket", Prefix="public/")["Contents"]],
                         ["public/a"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            other.list_objects_v2(Bucket="shared-bucket", Prefix="private/")
        self.assertEqual(code(cm), "AccessDenied")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            other.put_object(Bucket="shared-bucket", Key="public/new", Body=b"x")
        self.assertEqual(code(cm), "AccessDenied")
        # Explicit deny wins, even for the owner.
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            owner.delete_object(Bucket="shared-bucket", Key="public/a")
        self.assertEqual(code(cm), "AccessDenied")
        # Malformed policies are refused.
        for bad in ["{", json.dumps({"Statement": []}),
                    json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*",
                                                                        "Action": "s3:*", "Resource": "*"}]}),
                    json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                                        "Resource": "*"}]})]:
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                owner.put_bucket_policy(Bucket="shared-bucket", Policy=bad)
            self.assertEqual(code(cm), "MalformedPolicy", bad)
        owner.delete_bucket_policy(Bucket="shared-bucket")
        owner.delete_object(Bucket="shared-bucket", Key="public/a")


class LifecycleTest(ServerTestCase):
    server_args = ("--lifecycle-day", "1s")

    def test_objects_expire_and_stale_uploads_abort(self):
        s3 = self.server.client("s3")
        s3.create_bucket(Bucket="expiring")
        for k in ("logs/a", "logs/b", "keep/c", "tagged/d", "tagged/e"):
            s3.put_object(Bucket="expiring", Key=k, Body=b"x",
                          Tagging="temp=yes" if k == "tagged/d" else "")
        uid = s3.create_multipart_upload(Bucket="expiring", Key="logs/upload")["UploadId"]
        s3.put_bucket_lifecycle_configuration(Bucket="expiring", LifecycleConfiguration={"Rules": [
            {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 2},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
            {"ID": "tags", "Status": "Enabled", "Filter": {"Tag": {"Key": "temp", "Value": "yes"}},
             "Expiration": {"Days": 1}}]})
        rules = s3.get_bucket_lifecycle_configuration(Bucket="expiring")["Rules"]
        self.assertEqual(sorted(r["ID"] for r in rules), ["logs", "tags"])
        deadline = time.time() + 15
        while time.time() < deadline:
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="expiring").get("Contents", [])]
            if keys == ["keep/c", "tagged/e"]:
                break
            time.sleep(0.5)
        self.assertEqual(keys, ["keep/c", "tagged/e"])
        self.assertEqual(s3.list_multipart_uploads(Bucket="expiring").get("Uploads", []), [])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.put_bucket_lifecycle_configuration(Bucket="expiring", LifecycleConfiguration={"Rules": [
                {"ID": "bad", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}]})
        self.assertIn(code(cm), ("InvalidArgument", "MalformedXML"))
        s3.delete_bucket_lifecycle(Bucket="expiring")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.get_bucket_lifecycle_configuration(Bucket="expiring")
        self.assertEqual(code(cm), "NoSuchLifecycleConfiguration")


class S3RecordingTest(unittest.TestCase):
    def test_object_calls_are_data_events_bucket_calls_management(self):
        server = Server().start()
        try:
            s3 = server.client("s3")
            s3.create_bucket(Bucket="recorded")
            put = s3.put_object(Bucket="recorded", Key="dir/obj.txt", Body=b"12345")
            s3.get_object(Bucket="recorded", Key="dir/obj.txt")["Body"].read()
            s3.list_objects_v2(Bucket="recorded", Prefix="dir/")
            s3.put_bucket_policy(Bucket="recorded", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::recorded/nope/*"}]}))
            time.sleep(1)
            ct = server.client("cloudtrail")
            names = {e["EventName"] for e in ct.lookup_events()["Events"]}
            self.assertIn("CreateBucket", names)
            self.assertIn("PutBucketPolicy", names)
            self.assertNotIn("PutObject", names, "data events never enter history")
            server.stop()
            records = [r for _, r in server.journal() if r["eventSource"] == "s3.amazonaws.com"]
            by_name = {r["eventName"]: r for r in records}
            p = by_name["PutObject"]
            self.assertEqual(p["eventCategory"], "Data")
            self.assertIs(p["managementEvent"], False)
            self.assertIs(p["readOnly"], False)
            self.assertEqual(p["requestParameters"]["bucketName"], "recorded")
            self.assertEqual(p["requestParameters"]["key"], "dir/obj.txt")
            self.assertEqual(p["resources"][0], {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::recorded/dir/obj.txt"})
            self.assertEqual(p["resources"][1]["type"], "AWS::S3::Bucket")
            self.assertEqual(p["additionalEventData"]["bytesTransferredIn"], 5)
            self.assertEqual(p["requestID"], put["ResponseMetadata"]["RequestId"])
            g = by_name["GetObject"]
            self.assertIs(g["readOnly"], True)
            self.assertEqual(g["additionalEventData"]["bytesTransferredOut"], 5)
            l = by_name["ListObjects"]
            self.assertEqual(l["requestParameters"]["list-type"], "2")
            self.assertEqual(l["eventCategory"], "Data")
            c = by_name["CreateBucket"]
            self.assertEqual(c["eventCategory"], "Management")
            self.assertEqual(c["resources"], [{"accountId": c["recipientAccountId"], "type": "AWS::S3::Bucket",
                                               "ARN": "arn:aws:s3:::recorded"}])
            self.assertEqual(by_name["PutBucketPolicy"]["requestParameters"]["bucketPolicy"]["Statement"][0]["Effect"], "Deny")
        finally:
            server.cleanup()


class S3CrashTest(unittest.TestCase):
    def test_put_killed_midway_leaves_old_or_new(self):
        server = Server().start()
        try:
            s3 = server.client("s3")
            s3.create_bucket(Bucket="crashy")
            old = b"O" * (3 * 1024 * 1024)
            s3.put_object(Bucket="crashy", Key="obj", Body=old)
            new = b"N" * (3 * 1024 * 1024)
            for delay in (0.01, 0.05, 0.1, 0.2):
                t = threading.Thread(target=lambda: self._try_put(server, new))
                t.start()
                time.sleep(delay)
                server.kill()
                t.join()
                server.start()
                body = server.client("s3").get_object(Bucket="crashy", Key="obj")["Body"].read()
                self.assertIn(body, (old, new))
                old = body
        finally:
            server.cleanup()

    @staticmethod
    def _try_put(server, data):
        try:
            server.client("s3").put_object(Bucket="crashy", Key="obj", Body=data)
        except Exception:  # noqa: BLE001 — the server is being killed
            pass


if __name__ == "__main__":
    unittest.main()
