"""The trail API (trails.md; selectors.md §2; insights.md §2.1–2.2) through boto3 and the AWS CLI:
every operation, names and ARNs, home region and shadow trails, the per-region limit, the
CreateTrail/UpdateTrail checks against the embedded S3 (bucket policy of delivery.md §8.1),
tags, selectors, status fields, what CloudTrail records of each call, and durability."""
import datetime
import json
import subprocess
import time
import unittest

import botocore.exceptions

from harness import BIN, Server, ServerTestCase

REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def code(cm):
    return cm.exception.response["Error"]["Code"]


def message(cm):
    return cm.exception.response["Error"]["Message"]


def cloudtrail_policy(bucket, trail_arns, account, prefix=""):
    """The bucket policy of delivery.md §8.1 (aws:SourceArn lists the trails)."""
    p = f"{prefix}/" if prefix else ""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{bucket}", "Condition": {"StringEquals": {"aws:SourceArn": trail_arns}}},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/{p}AWSLogs/{account}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        "aws:SourceArn": trail_arns}}}]})


def account_policy(bucket, account):
    """Any trail of the account, any prefix (aws:SourceAccount instead of aws:SourceArn)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{bucket}", "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        "aws:SourceAccount": account}}}]})


def strip(resp):
    resp = dict(resp)
    resp.pop("ResponseMetadata", None)
    return resp


def wait_for(pred, timeout=15, step=0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class TrailsApiTest(ServerTestCase):
    server_args = ("--regions", ",".join(REGIONS))
    BUCKET = "trails-api-logs"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.account = s.client("sts").get_caller_identity()["Account"]
        cls.s3 = s.client("s3")
        cls.ct = {r: s.client("cloudtrail", region=r) for r in REGIONS + ("ap-south-1",)}
        cls.raw = {r: s.client("cloudtrail", region=r, validate=False) for r in REGIONS}
        cls.s3.create_bucket(Bucket=cls.BUCKET)
        cls.s3.put_bucket_policy(Bucket=cls.BUCKET, Policy=account_policy(cls.BUCKET, cls.account))
        other = json.loads(subprocess.run(
            [BIN, "admin", "create-account", "--account-id", "444455556666", "--endpoint", s.endpoint,
             "--data-dir", s.data_dir], capture_output=True, text=True, check=True).stdout)
        cls.other_ct = s.client("cloudtrail", access_key=other["AccessKeyId"],
                                secret_key=other["SecretAccessKey"])

    def setUp(self):
        # Registered first, so it runs after every trail's own cleanup: each test leaves no
        # trail behind (the per-region limit is shared by the class).
        self.addCleanup(self._no_trails_left)

    def _no_trails_left(self):
        for r in REGIONS:
            self.assertEqual(self.ct[r].describe_trails(includeShadowTrails=False)["trailList"], [], r)

    # --- helpers ------------------------------------------------------------------------
    def arn(self, name, region="us-east-1", account=None):
        return f"arn:aws:cloudtrail:{region}:{account or self.account}:trail/{name}"

    def create(self, name, region="us-east-1", **kw):
        kw.setdefault("S3BucketName", self.BUCKET)
        resp = self.ct[region].create_trail(Name=name, **kw)
        self.addCleanup(self._delete, name, region)
        return strip(resp)

    def _delete(self, name, region):
        try:
            self.ct[region].delete_trail(Name=name)
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] != "TrailNotFoundException":
                raise

    def error(self, fn, *args, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        return code(cm), message(cm)

    def described(self, region, **kw):
        return [t["TrailARN"] for t in self.ct[region].describe_trails(**kw)["trailList"]]

    # --- CreateTrail / GetTrail / DescribeTrails --------------------------------------
    def test_create_defaults_and_get(self):
        ct = self.ct["us-west-2"]
        resp = self.create("basic-trail", region="us-west-2")
        self.assertEqual(resp, {"Name": "basic-trail", "S3BucketName": self.BUCKET,
                                "IncludeGlobalServiceEvents": True, "IsMultiRegionTrail": False,
                                "TrailARN": self.arn("basic-trail", "us-west-2"),
                                "LogFileValidationEnabled": False, "IsOrganizationTrail": False})
        got = ct.get_trail(Name="basic-trail")["Trail"]
        self.assertEqual(got, {"Name": "basic-trail", "S3BucketName": self.BUCKET,
                               "IncludeGlobalServiceEvents": True, "IsMultiRegionTrail": False,
                               "HomeRegion": "us-west-2", "TrailARN": self.arn("basic-trail", "us-west-2"),
                               "LogFileValidationEnabled": False, "HasCustomEventSelectors": False,
                               "HasInsightSelectors": False, "IsOrganizationTrail": False})
        self.assertEqual(ct.get_trail(Name=self.arn("basic-trail", "us-west-2"))["Trail"], got)
        self.assertEqual(ct.describe_trails()["trailList"], [got])
        self.assertEqual(ct.describe_trails(trailNameList=["basic-trail"])["trailList"], [got])
        self.assertEqual(ct.describe_trails(trailNameList=["unknown-trail"])["trailList"], [])
        # A new trail is not logging.
        self.assertFalse(ct.get_trail_status(Name="basic-trail")["IsLogging"])

    def test_create_with_members(self):
        resp = self.create("full-trail", S3KeyPrefix="some/prefix", EnableLogFileValidation=True,
                           IncludeGlobalServiceEvents=False,
                           TagsList=[{"Key": "team", "Value": "audit"}, {"Key": "flag"}])
        self.assertEqual(resp["S3KeyPrefix"], "some/prefix")
        self.assertTrue(resp["LogFileValidationEnabled"])
        self.assertFalse(resp["IncludeGlobalServiceEvents"])
        for absent in ("SnsTopicName", "SnsTopicARN", "KmsKeyId", "CloudWatchLogsLogGroupArn",
                       "CloudWatchLogsRoleArn", "HomeRegion", "HasCustomEventSelectors"):
            self.assertNotIn(absent, resp)
        tags = self.ct["us-east-1"].list_tags(ResourceIdList=[self.arn("full-trail")])["ResourceTagList"]
        self.assertEqual(tags, [{"ResourceId": self.arn("full-trail"),
                                 "TagsList": [{"Key": "flag"}, {"Key": "team", "Value": "audit"}]}])

    def test_bucket_checks(self):
        ct = self.ct["us-east-1"]
        c, m = self.error(ct.create_trail, Name="bucket-trail", S3BucketName="no-such-trail-bucket")
        self.assertEqual(c, "S3BucketDoesNotExistException")
        self.s3.create_bucket(Bucket="no-policy-bucket")
        c, m = self.error(ct.create_trail, Name="bucket-trail", S3BucketName="no-policy-bucket")
        self.assertEqual((c, m), ("InsufficientS3BucketPolicyException",
                                  "Incorrect S3 bucket policy is detected for bucket: no-policy-bucket"))
        # A grant to the account root does not satisfy the check (§5.1).
        root = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.account}:root"},
             "Action": ["s3:GetBucketAcl", "s3:PutObject"],
             "Resource": ["arn:aws:s3:::no-policy-bucket", "arn:aws:s3:::no-policy-bucket/*"]}]})
        self.s3.put_bucket_policy(Bucket="no-policy-bucket", Policy=root)
        c, _ = self.error(ct.create_trail, Name="bucket-trail", S3BucketName="no-policy-bucket")
        self.assertEqual(c, "InsufficientS3BucketPolicyException")
        # The policy of delivery.md §8.1 for exactly this trail works; for another trail not.
        self.s3.create_bucket(Bucket="exact-policy-bucket")
        self.s3.put_bucket_policy(Bucket="exact-policy-bucket", Policy=cloudtrail_policy(
            "exact-policy-bucket", self.arn("exact-trail"), self.account))
        c, _ = self.error(ct.create_trail, Name="other-trail", S3BucketName="exact-policy-bucket")
        self.assertEqual(c, "InsufficientS3BucketPolicyException")
        self.create("exact-trail", S3BucketName="exact-policy-bucket")
        # The prefix must be covered by the policy (delivery.md §8.4).
        c, _ = self.error(ct.update_trail, Name="exact-trail", S3KeyPrefix="elsewhere")
        self.assertEqual(c, "InsufficientS3BucketPolicyException")
        self.assertNotIn("S3KeyPrefix", ct.get_trail(Name="exact-trail")["Trail"])
        # Syntax comes first.
        for bad in ["ab", "Upper-Case", "a" * 64, "-lead", "trail-", "a..b", "10.1.2.3", "under_score"]:
            c, _ = self.error(self.raw["us-east-1"].create_trail, Name="bucket-trail", S3BucketName=bad)
            self.assertEqual(c, "InvalidS3BucketNameException", bad)
        c, _ = self.error(ct.create_trail, Name="bucket-trail", S3BucketName=self.BUCKET, S3KeyPrefix="p" * 201)
        self.assertEqual(c, "InvalidS3PrefixException")
        self.create("bucket-trail", S3KeyPrefix="p" * 200)

    def test_name_rules(self):
        ct = self.raw["us-east-1"]
        bad_chars = ("Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, "
                     "periods (.), hyphens (-), and underscores (_).")
        cases = {
            "ab": "Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.",
            "a" * 129: "Trail name too long. Maximum allowed length: 128 characters. "
                       "Specified name length: 129 characters.",
            "-trail": "Trail name must starts with a letter or number.",
            "trail_": "Trail name must ends with a letter or number.",
            "my-_namespace": bad_chars, "my--namespace": bad_chars, "a..b": bad_chars,
            "192.168.5.4": bad_chars, "bad name": bad_chars, "bad/name": bad_chars,
        }
        for name, msg in cases.items():
            c, m = self.error(ct.create_trail, Name=name, S3BucketName=self.BUCKET)
            self.assertEqual((c, m), ("InvalidTrailNameException", msg), name)
            for op in (ct.get_trail, ct.get_trail_status, ct.delete_trail, ct.start_logging, ct.stop_logging):
                self.assertEqual(self.error(op, Name=name)[0], "InvalidTrailNameException", (op, name))
        c, _ = self.error(ct.describe_trails, trailNameList=["ok-name", "x"])
        self.assertEqual(c, "InvalidTrailNameException")
        self.create("A1.b_c-D2")
        self.create("a" * 128)
        self.create("123")

    def test_arns_and_not_found(self):
        ct = self.ct["us-east-1"]
        for bad in ["arn:aws:cloudtrail:us-east-1:1234:trail/abc", "arn:aws:s3:::bucket",
                    "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/abc",
                    "arn:aws:cloudtrail:us-east-1:111122223333:trail/a--b"]:
            self.assertEqual(self.error(ct.get_trail, Name=bad)[0], "CloudTrailARNInvalidException", bad)
        c, m = self.error(ct.get_trail, Name=self.arn("abc", account="444455556666"))
        self.assertEqual((c, m), ("CloudTrailARNInvalidException",
                                  f"AccountID in ARN is wrong, you can only access resources with AccountID "
                                  f"{self.account}."))
        c, m = self.error(ct.get_trail, Name="missing-trail")
        self.assertEqual((c, m), ("TrailNotFoundException",
                                  f"Unknown trail: {self.arn('missing-trail')} for the user: {self.account}"))
        c, m = self.error(ct.stop_logging, Name=self.arn("missing-trail"))
        self.assertEqual((c, m), ("TrailNotFoundException",
                                  f"Unknown trail: {self.arn('missing-trail')} for the user: {self.account}"))
        for op in (ct.update_trail, ct.delete_trail, ct.start_logging, ct.get_trail_status):
            self.assertEqual(self.error(op, Name="missing-trail")[0], "TrailNotFoundException")
        self.assertEqual(self.error(ct.get_event_selectors, TrailName="missing-trail")[0], "TrailNotFoundException")
        # Another account sees nothing of ours.
        self.create("shared-name")
        self.assertEqual(self.other_ct.describe_trails()["trailList"], [])
        self.assertEqual(self.other_ct.list_trails()["Trails"], [])
        c, _ = self.error(self.other_ct.get_trail, Name="shared-name")
        self.assertEqual(c, "TrailNotFoundException")
        c, _ = self.error(self.other_ct.get_trail, Name=self.arn("shared-name"))
        self.assertEqual(c, "CloudTrailARNInvalidException")
        # The name is free for it, but our bucket's policy does not admit its trails.
        c, _ = self.error(self.other_ct.create_trail, Name="shared-name", S3BucketName=self.BUCKET)
        self.assertEqual(c, "InsufficientS3BucketPolicyException")

    def test_name_uniqueness(self):
        ct = self.ct["us-east-1"]
        self.create("dup-trail")
        c, m = self.error(ct.create_trail, Name="dup-trail", S3BucketName=self.BUCKET)
        self.assertEqual((c, m), ("TrailAlreadyExistsException",
                                  f"Trail dup-trail already exists for customer: {self.account}"))
        # Same name, single-region, other region: allowed.
        self.create("dup-trail", region="eu-west-1")
        self.assertEqual(self.described("eu-west-1"), [self.arn("dup-trail", "eu-west-1")])
        # A multi-region trail of that name would meet both.
        c, _ = self.error(self.ct["us-west-2"].create_trail, Name="dup-trail", S3BucketName=self.BUCKET,
                          IsMultiRegionTrail=True)
        self.assertEqual(c, "TrailAlreadyExistsException")
        # A shadow blocks a same-named trail in its region.
        self.create("multi-dup", IsMultiRegionTrail=True)
        c, _ = self.error(self.ct["us-west-2"].create_trail, Name="multi-dup", S3BucketName=self.BUCKET)
        self.assertEqual(c, "TrailAlreadyExistsException")

    # --- regions ----------------------------------------------------------------------------
    def test_shadow_trails(self):
        home, eu, west = self.ct["us-east-1"], self.ct["eu-west-1"], self.ct["us-west-2"]
        arn = self.arn("org-wide")
        self.create("org-wide", IsMultiRegionTrail=True)
        self.create("local-west", region="us-west-2")
        # Visible as a shadow in every other enabled region, same ARN and home region.
        self.assertEqual(self.described("us-east-1"), [arn])
        self.assertEqual(self.described("eu-west-1"), [arn])
        self.assertEqual(self.described("us-west-2"), [self.arn("local-west", "us-west-2"), arn])
        self.assertEqual(self.described("us-west-2", includeShadowTrails=False), [self.arn("local-west", "us-west-2")])
        self.assertEqual(self.described("eu-west-1", includeShadowTrails=False), [])
        shadow = eu.describe_trails()["trailList"][0]
        self.assertEqual(shadow["HomeRegion"], "us-east-1")
        self.assertTrue(shadow["IsMultiRegionTrail"])
        # A region that is not enabled has no shadow.
        self.assertEqual(self.ct["ap-south-1"].describe_trails()["trailList"], [])
        self.assertEqual(strip(west.list_trails()), {"Trails": [
            {"TrailARN": arn, "Name": "org-wide", "HomeRegion": "us-east-1"},
            {"TrailARN": self.arn("local-west", "us-west-2"), "Name": "local-west", "HomeRegion": "us-west-2"}]})
        self.assertEqual(strip(eu.list_trails()), {"Trails": [
            {"TrailARN": arn, "Name": "org-wide", "HomeRegion": "us-east-1"}]})
        # Names resolve only in the home region; ARNs anywhere.
        self.assertEqual(self.error(eu.get_trail, Name="org-wide")[0], "TrailNotFoundException")
        self.assertEqual(eu.get_trail(Name=arn)["Trail"]["TrailARN"], arn)
        self.assertEqual(self.described("eu-west-1", trailNameList=["org-wide"]), [])
        self.assertEqual(self.described("eu-west-1", trailNameList=[arn]), [arn])
        self.assertIn("IsLogging", eu.get_trail_status(Name=arn))
        self.assertIn("EventSelectors", eu.get_event_selectors(TrailName=arn))
        # Shadows are not manageable.
        for op in (eu.update_trail, eu.delete_trail, eu.start_logging, eu.stop_logging):
            self.assertEqual(self.error(op, Name=arn)[0], "InvalidHomeRegionException", op)
            self.assertEqual(self.error(op, Name="org-wide")[0], "TrailNotFoundException", op)
        c, _ = self.error(eu.put_event_selectors, TrailName=arn,
                          EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}])
        self.assertEqual(c, "InvalidHomeRegionException")
        c, _ = self.error(eu.put_insight_selectors, TrailName=arn,
                          InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])
        self.assertEqual(c, "InvalidHomeRegionException")
        c, m = self.error(eu.add_tags, ResourceId=arn, TagsList=[{"Key": "k", "Value": "v"}])
        self.assertEqual((c, m), ("CloudTrailARNInvalidException",
                                  "Region in ARN is wrong, you can only access resources in region eu-west-1."))
        # Start/stop at home switches every region.
        home.start_logging(Name="org-wide")
        self.assertTrue(eu.get_trail_status(Name=arn)["IsLogging"])
        home.stop_logging(Name="org-wide")
        self.assertFalse(west.get_trail_status(Name=arn)["IsLogging"])
        # Multi → single removes the shadows; single → multi brings them back.
        resp = home.update_trail(Name="org-wide", IsMultiRegionTrail=False)
        self.assertFalse(resp["IsMultiRegionTrail"])
        self.assertEqual(self.described("eu-west-1"), [])
        home.update_trail(Name="org-wide", IsMultiRegionTrail=True)
        self.assertEqual(self.described("eu-west-1"), [arn])
        # Deleting removes it from every region.
        home.delete_trail(Name=arn)
        for r in REGIONS:
            self.assertNotIn(arn, self.described(r), r)

    def test_trail_limit_counts_shadows(self):
        west = self.ct["us-west-2"]
        self.create("limit-multi", IsMultiRegionTrail=True)          # counts in us-west-2 too
        for i in range(4):
            self.create(f"limit-{i}", region="us-west-2")
        c, m = self.error(west.create_trail, Name="limit-5", S3BucketName=self.BUCKET)
        self.assertEqual((c, m), ("MaximumNumberOfTrailsExceededException",
                                  f"User: {self.account} already has 5 trails in us-west-2."))
        # A multi-region trail from elsewhere would need a place in us-west-2.
        c, _ = self.error(self.ct["eu-west-1"].create_trail, Name="limit-5", S3BucketName=self.BUCKET,
                          IsMultiRegionTrail=True)
        self.assertEqual(c, "MaximumNumberOfTrailsExceededException")
        # So would converting a single-region trail; nothing changes.
        self.create("limit-eu", region="eu-west-1")
        c, _ = self.error(self.ct["eu-west-1"].update_trail, Name="limit-eu", IsMultiRegionTrail=True)
        self.assertEqual(c, "MaximumNumberOfTrailsExceededException")
        self.assertFalse(self.ct["eu-west-1"].get_trail(Name="limit-eu")["Trail"]["IsMultiRegionTrail"])
        # Converting the multi-region trail to single-region frees the place.
        self.ct["us-east-1"].update_trail(Name="limit-multi", IsMultiRegionTrail=False)
        self.create("limit-5", region="us-west-2")

    def test_global_service_events(self):
        ct = self.ct["us-east-1"]
        c, m = self.error(ct.create_trail, Name="gse-trail", S3BucketName=self.BUCKET, IsMultiRegionTrail=True,
                          IncludeGlobalServiceEvents=False)
        self.assertEqual((c, m), ("InvalidParameterCombinationException",
                                  "Multi-Region trail must include global service events."))
        self.create("gse-trail", IsMultiRegionTrail=True)
        c, _ = self.error(ct.update_trail, Name="gse-trail", IncludeGlobalServiceEvents=False)
        self.assertEqual(c, "InvalidParameterCombinationException")
        self.create("gse-single", IncludeGlobalServiceEvents=False)
        c, _ = self.error(ct.update_trail, Name="gse-single", IsMultiRegionTrail=True)
        self.assertEqual(c, "InvalidParameterCombinationException")
        resp = ct.update_trail(Name="gse-single", IsMultiRegionTrail=True, IncludeGlobalServiceEvents=True)
        self.assertTrue(resp["IsMultiRegionTrail"] and resp["IncludeGlobalServiceEvents"])

    # --- UpdateTrail / DeleteTrail -------------------------------------------------------------
    def test_update_trail(self):
        ct = self.ct["us-east-1"]
        self.create("upd-trail", S3KeyPrefix="first")
        resp = strip(ct.update_trail(Name="upd-trail", EnableLogFileValidation=True))
        self.assertEqual(resp, {"Name": "upd-trail", "S3BucketName": self.BUCKET, "S3KeyPrefix": "first",
                                "IncludeGlobalServiceEvents": True, "IsMultiRegionTrail": False,
                                "TrailARN": self.arn("upd-trail"), "LogFileValidationEnabled": True,
                                "IsOrganizationTrail": False})
        # Bucket change is checked against the new bucket.
        c, _ = self.error(ct.update_trail, Name="upd-trail", S3BucketName="no-such-trail-bucket")
        self.assertEqual(c, "S3BucketDoesNotExistException")
        self.s3.create_bucket(Bucket="upd-second-bucket")
        self.s3.put_bucket_policy(Bucket="upd-second-bucket", Policy=account_policy("upd-second-bucket", self.account))
        resp = ct.update_trail(Name=self.arn("upd-trail"), S3BucketName="upd-second-bucket", S3KeyPrefix="")
        self.assertEqual(resp["S3BucketName"], "upd-second-bucket")
        self.assertNotIn("S3KeyPrefix", resp)
        got = ct.get_trail(Name="upd-trail")["Trail"]
        self.assertEqual(got["S3BucketName"], "upd-second-bucket")
        self.assertTrue(got["LogFileValidationEnabled"])
        c, _ = self.error(self.raw["us-east-1"].update_trail, Name="upd-trail", S3BucketName="")
        self.assertEqual(c, "InvalidS3BucketNameException")
        c, _ = self.error(ct.update_trail, Name="upd-trail", IsOrganizationTrail=True)
        self.assertEqual(c, "OrganizationsNotInUseException")
        # A logging trail keeps logging across updates.
        ct.start_logging(Name="upd-trail")
        ct.update_trail(Name="upd-trail", EnableLogFileValidation=False)
        self.assertTrue(ct.get_trail_status(Name="upd-trail")["IsLogging"])
        # Delete: gone, and deleting again is TrailNotFound.
        ct.delete_trail(Name="upd-trail")
        self.assertEqual(self.error(ct.get_trail, Name="upd-trail")[0], "TrailNotFoundException")
        self.assertEqual(self.error(ct.delete_trail, Name="upd-trail")[0], "TrailNotFoundException")

    def test_destinations_not_served_yet(self):
        """KMS, SNS and CloudWatch Logs: a key/topic/group that does not exist (no such service
        yet) fails the checks with the §5 exceptions; the pair rule of §5.4 comes first."""
        ct = self.ct["us-east-1"]
        c, _ = self.error(ct.create_trail, Name="dest-trail", S3BucketName=self.BUCKET,
                          KmsKeyId="1234abcd-12ab-34cd-56ef-1234567890ab")
        self.assertEqual(c, "KmsKeyNotFoundException")
        c, m = self.error(ct.create_trail, Name="dest-trail", S3BucketName=self.BUCKET, SnsTopicName="no-topic")
        self.assertEqual(c, "InsufficientSnsTopicPolicyException")
        c, m = self.error(ct.create_trail, Name="dest-trail", S3BucketName=self.BUCKET,
                          CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{self.account}:log-group:g:*")
        self.assertEqual((c, m), ("InvalidCloudWatchLogsRoleArnException",
                                  "You must specify a role ARN as well as a log group."))
        c, _ = self.error(ct.create_trail, Name="dest-trail", S3BucketName=self.BUCKET,
                          CloudWatchLogsRoleArn=f"arn:aws:iam::{self.account}:role/r")
        self.assertEqual(c, "InvalidCloudWatchLogsLogGroupArnException")
        c, _ = self.error(ct.create_trail, Name="dest-trail", S3BucketName=self.BUCKET,
                          CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{self.account}:log-group:g:*",
                          CloudWatchLogsRoleArn=f"arn:aws:iam::{self.account}:role/r")
        self.assertEqual(c, "InvalidCloudWatchLogsLogGroupArnException")
        c, _ = self.error(ct.create_trail, Name="dest-trail", S3BucketName=self.BUCKET, IsOrganizationTrail=True)
        self.assertEqual(c, "OrganizationsNotInUseException")
        # Empty values mean "none" on create.
        resp = self.create("dest-trail", KmsKeyId="", SnsTopicName="")
        self.assertNotIn("KmsKeyId", resp)
        self.assertNotIn("SnsTopicARN", resp)
        # Order: bucket existence before the key.
        c, _ = self.error(ct.create_trail, Name="dest-two", S3BucketName="no-such-trail-bucket", KmsKeyId="k")
        self.assertEqual(c, "S3BucketDoesNotExistException")

    # --- logging and status -------------------------------------------------------------------
    def test_logging_and_status(self):
        ct = self.ct["us-east-1"]
        self.create("status-trail")
        fresh = strip(ct.get_trail_status(Name="status-trail"))
        self.assertEqual(fresh, {"IsLogging": False, "LatestDeliveryAttemptTime": "",
                                 "LatestNotificationAttemptTime": "", "LatestNotificationAttemptSucceeded": "",
                                 "LatestDeliveryAttemptSucceeded": "", "TimeLoggingStarted": "",
                                 "TimeLoggingStopped": ""})
        before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
        self.assertEqual(strip(ct.start_logging(Name="status-trail")), {})
        st = ct.get_trail_status(Name="status-trail")
        self.assertTrue(st["IsLogging"])
        self.assertIsInstance(st["StartLoggingTime"], datetime.datetime)
        self.assertGreaterEqual(st["StartLoggingTime"], before)
        self.assertEqual(st["TimeLoggingStarted"], st["StartLoggingTime"].astimezone(datetime.timezone.utc)
                         .strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertNotIn("StopLoggingTime", st)
        ct.start_logging(Name="status-trail")  # idempotent
        self.assertEqual(strip(ct.stop_logging(Name=self.arn("status-trail"))), {})
        st = ct.get_trail_status(Name="status-trail")
        self.assertFalse(st["IsLogging"])
        self.assertIn("StartLoggingTime", st)
        self.assertIn("StopLoggingTime", st)
        self.assertNotEqual(st["TimeLoggingStopped"], "")
        ct.stop_logging(Name="status-trail")  # idempotent
        # Raw wire form: epoch seconds with a millisecond fraction, HTTP 400 errors with __type.
        body = self.raw_call("GetTrailStatus", {"Name": "status-trail"})
        self.assertRegex(body[2].decode(), r'"StartLoggingTime":\d{10}\.\d{1,3}[,}]')
        status, _, data = self.raw_call("GetTrailStatus", {"Name": "missing-trail"})
        self.assertEqual(status, 400)
        err = json.loads(data)
        self.assertEqual(err["__type"], "TrailNotFoundException")
        self.assertIn("Unknown trail", err.get("Message", err.get("message", "")))

    def raw_call(self, op, body, region="us-east-1"):
        return self.server.signed_request(
            "POST", "cloudtrail", region=region, body=json.dumps(body).encode(),
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": f"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.{op}"})

    def test_list_trails_token(self):
        ct = self.ct["us-east-1"]
        self.assertEqual(strip(ct.list_trails()), {"Trails": []})
        self.create("listed-one")
        self.assertEqual(ct.list_trails()["Trails"],
                         [{"TrailARN": self.arn("listed-one"), "Name": "listed-one", "HomeRegion": "us-east-1"}])
        self.assertNotIn("NextToken", ct.list_trails())
        c, _ = self.error(ct.list_trails, NextToken="bm90IGEgdG9rZW4=")
        self.assertEqual(c, "InvalidNextTokenException")
        pages = list(ct.get_paginator("list_trails").paginate())
        self.assertEqual(len(pages), 1)

    # --- tags -----------------------------------------------------------------------------------
    def test_tags(self):
        ct = self.ct["us-east-1"]
        arn = self.arn("tag-trail")
        self.create("tag-trail")
        # (botocore insists on Value length >= 1; the API allows 0–256.)
        self.assertEqual(strip(self.raw["us-east-1"].add_tags(ResourceId=arn, TagsList=[{"Key": "a", "Value": "1"},
                                                     {"Key": "b", "Value": ""},
                                                     {"Key": "ünï cödé:/=+-@_.", "Value": "日本"}])), {})
        ct.add_tags(ResourceId=arn, TagsList=[{"Key": "a", "Value": "2"}])  # overwrite
        self.assertEqual(strip(ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "b"}, {"Key": "absent"}])), {})
        got = ct.list_tags(ResourceIdList=[arn])["ResourceTagList"]
        self.assertEqual(got, [{"ResourceId": arn, "TagsList": [{"Key": "a", "Value": "2"},
                                                               {"Key": "ünï cödé:/=+-@_.", "Value": "日本"}]}])
        # Errors.
        raw = self.raw["us-east-1"]
        c, _ = self.error(ct.add_tags, ResourceId="tag-trail", TagsList=[{"Key": "k"}])
        self.assertEqual(c, "CloudTrailARNInvalidException")
        c, _ = self.error(ct.add_tags, ResourceId=self.arn("no-such-trail"), TagsList=[{"Key": "k"}])
        self.assertEqual(c, "ResourceNotFoundException")
        c, m = self.error(ct.list_tags, ResourceIdList=[self.arn("tag-trail", account="444455556666")])
        self.assertEqual((c, m), ("CloudTrailARNInvalidException",
                                  f"AccountID in ARN is wrong, you can only access resources with AccountID "
                                  f"{self.account}."))
        c, _ = self.error(ct.add_tags, ResourceId=f"arn:aws:cloudtrail:us-east-1:{self.account}:widget/x",
                          TagsList=[{"Key": "k"}])
        self.assertEqual(c, "ResourceTypeNotSupportedException")
        for tags in ([{"Key": "bad*key"}], [{"Key": "k", "Value": "bad,value"}], [{"Key": "k" * 129}],
                     [{"Key": "k", "Value": "v" * 257}], [{"Key": "d"}, {"Key": "d", "Value": "x"}]):
            c, _ = self.error(raw.add_tags, ResourceId=arn, TagsList=tags)
            self.assertEqual(c, "InvalidTagParameterException", tags)
        ct.add_tags(ResourceId=arn, TagsList=[{"Key": f"k{i}", "Value": str(i)} for i in range(48)])  # 50 now
        c, _ = self.error(ct.add_tags, ResourceId=arn, TagsList=[{"Key": "one-more"}])
        self.assertEqual(c, "TagsLimitExceededException")
        ct.add_tags(ResourceId=arn, TagsList=[{"Key": "a", "Value": "3"}])  # overwrite at the limit
        self.assertEqual(len(ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"]), 50)
        c, _ = self.error(ct.create_trail, Name="tag-many", S3BucketName=self.BUCKET,
                          TagsList=[{"Key": f"k{i}"} for i in range(51)])
        self.assertEqual(c, "TagsLimitExceededException")
        c, _ = self.error(ct.create_trail, Name="tag-many", S3BucketName=self.BUCKET, TagsList=[{"Key": "a*"}])
        self.assertEqual(c, "InvalidTagParameterException")
        c, _ = self.error(ct.list_tags, ResourceIdList=[arn] * 21)
        self.assertEqual(c, "InvalidParameterException")
        # DeleteTrail takes the tags with it.
        ct.delete_trail(Name="tag-trail")
        self.create("tag-trail")
        self.assertEqual(ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"], [])

    # --- selectors ----------------------------------------------------------------------------
    def test_event_selectors(self):
        ct = self.ct["us-east-1"]
        arn = self.arn("sel-trail")
        self.create("sel-trail")
        self.assertEqual(strip(ct.get_event_selectors(TrailName="sel-trail")), {
            "TrailARN": arn, "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                                 "DataResources": [], "ExcludeManagementEventSources": []}]})
        basic = [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                  "ExcludeManagementEventSources": ["kms.amazonaws.com"], "DataResources": []},
                 {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": False,
                  "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::mybucket/prefix"]}]}]
        put = strip(ct.put_event_selectors(TrailName="sel-trail", EventSelectors=basic))
        expected = {"TrailARN": arn, "EventSelectors": [
            basic[0], dict(basic[1], ExcludeManagementEventSources=[])]}
        self.assertEqual(put, expected)
        self.assertEqual(strip(ct.get_event_selectors(TrailName=arn)), expected)
        self.assertTrue(ct.get_trail(Name="sel-trail")["Trail"]["HasCustomEventSelectors"])
        advanced = [{"Name": "S3 writes", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "readOnly", "Equals": ["false"]}]}]
        put = strip(ct.put_event_selectors(TrailName="sel-trail", AdvancedEventSelectors=advanced))
        self.assertEqual(put, {"TrailARN": arn, "AdvancedEventSelectors": advanced})
        self.assertEqual(strip(ct.get_event_selectors(TrailName="sel-trail")),
                         {"TrailARN": arn, "AdvancedEventSelectors": advanced})
        # Back to the default.
        ct.put_event_selectors(TrailName="sel-trail", EventSelectors=[{"ReadWriteType": "All"}])
        self.assertFalse(ct.get_trail(Name="sel-trail")["Trail"]["HasCustomEventSelectors"])
        raw = self.raw["us-east-1"]
        for bad in ({}, {"EventSelectors": basic, "AdvancedEventSelectors": advanced},
                    {"EventSelectors": [{"ReadWriteType": "read-only"}]},
                    {"EventSelectors": [{"IncludeManagementEvents": False}]},
                    {"EventSelectors": [{"ReadWriteType": "All"}] * 6}):
            c, _ = self.error(raw.put_event_selectors, TrailName="sel-trail", **bad)
            self.assertEqual(c, "InvalidEventSelectorsException", bad)
        c, _ = self.error(ct.put_event_selectors, TrailName="no-such-trail", EventSelectors=basic)
        self.assertEqual(c, "TrailNotFoundException")

    def test_insight_selectors(self):
        ct = self.ct["us-east-1"]
        arn = self.arn("ins-trail")
        self.create("ins-trail")
        c, m = self.error(ct.get_insight_selectors, TrailName="ins-trail")
        self.assertEqual((c, m), ("InsightNotEnabledException",
                                  f"Trail {arn} does not have Insights enabled. Edit the trail settings to enable "
                                  "Insights, and then try the operation again."))
        put = strip(ct.put_insight_selectors(TrailName="ins-trail", InsightSelectors=[
            {"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}]))
        self.assertEqual(put, {"TrailARN": arn, "InsightSelectors": [
            {"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}]})
        self.assertEqual(strip(ct.get_insight_selectors(TrailName=arn)), put)
        self.assertTrue(ct.get_trail(Name="ins-trail")["Trail"]["HasInsightSelectors"])
        for bad in ([{"InsightType": "Nope"}], [{"InsightType": "ApiCallRateInsight"}] * 2):
            c, _ = self.error(ct.put_insight_selectors, TrailName="ins-trail", InsightSelectors=bad)
            self.assertEqual(c, "InvalidInsightSelectorsException", bad)
        c, _ = self.error(self.raw["us-east-1"].put_insight_selectors, TrailName="ins-trail",
                          EventDataStore="eds", InsightSelectors=[])
        self.assertEqual(c, "InvalidParameterCombinationException")
        ct.put_insight_selectors(TrailName="ins-trail", InsightSelectors=[])
        self.assertEqual(self.error(ct.get_insight_selectors, TrailName="ins-trail")[0], "InsightNotEnabledException")
        self.assertFalse(ct.get_trail(Name="ins-trail")["Trail"]["HasInsightSelectors"])

    # --- the AWS CLI -------------------------------------------------------------------------
    def test_aws_cli(self):
        s = self.server
        self.addCleanup(self._delete, "cli-trail", "us-east-1")
        out = json.loads(s.aws("cloudtrail", "create-trail", "--name", "cli-trail", "--s3-bucket-name", self.BUCKET,
                               "--is-multi-region-trail", "--enable-log-file-validation").stdout)
        self.assertEqual(out["TrailARN"], self.arn("cli-trail"))
        self.assertTrue(out["IsMultiRegionTrail"])
        self.assertTrue(out["LogFileValidationEnabled"])
        desc = json.loads(s.aws("cloudtrail", "describe-trails", "--no-include-shadow-trails", region="us-west-2")
                          .stdout)
        self.assertEqual(desc["trailList"], [])
        desc = json.loads(s.aws("cloudtrail", "describe-trails", "--trail-name-list", self.arn("cli-trail"),
                                region="eu-west-1").stdout)
        self.assertEqual([t["Name"] for t in desc["trailList"]], ["cli-trail"])
        self.assertEqual(json.loads(s.aws("cloudtrail", "get-trail", "--name", "cli-trail").stdout)["Trail"]["HomeRegion"],
                         "us-east-1")
        self.assertEqual(json.loads(s.aws("cloudtrail", "list-trails").stdout)["Trails"][0]["Name"], "cli-trail")
        s.aws("cloudtrail", "start-logging", "--name", "cli-trail")
        st = json.loads(s.aws("cloudtrail", "get-trail-status", "--name", "cli-trail").stdout)
        self.assertTrue(st["IsLogging"])
        self.assertIn("StartLoggingTime", st)
        s.aws("cloudtrail", "stop-logging", "--name", "cli-trail")
        st = json.loads(s.aws("cloudtrail", "get-trail-status", "--name", self.arn("cli-trail"),
                              region="eu-west-1").stdout)
        self.assertFalse(st["IsLogging"])
        upd = json.loads(s.aws("cloudtrail", "update-trail", "--name", "cli-trail", "--s3-key-prefix", "cli").stdout)
        self.assertEqual(upd["S3KeyPrefix"], "cli")
        s.aws("cloudtrail", "add-tags", "--resource-id", self.arn("cli-trail"), "--tags-list", "Key=env,Value=test")
        tags = json.loads(s.aws("cloudtrail", "list-tags", "--resource-id-list", self.arn("cli-trail")).stdout)
        self.assertEqual(tags["ResourceTagList"][0]["TagsList"], [{"Key": "env", "Value": "test"}])
        s.aws("cloudtrail", "remove-tags", "--resource-id", self.arn("cli-trail"), "--tags-list", "Key=env")
        sel = json.loads(s.aws("cloudtrail", "put-event-selectors", "--trail-name", "cli-trail", "--event-selectors",
                               json.dumps([{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])).stdout)
        self.assertEqual(sel["EventSelectors"][0]["ReadWriteType"], "WriteOnly")
        got = json.loads(s.aws("cloudtrail", "get-event-selectors", "--trail-name", "cli-trail").stdout)
        self.assertEqual(got["EventSelectors"][0]["ReadWriteType"], "WriteOnly")
        s.aws("cloudtrail", "put-event-selectors", "--trail-name", "cli-trail", "--advanced-event-selectors",
              json.dumps([{"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]))
        got = json.loads(s.aws("cloudtrail", "get-event-selectors", "--trail-name", "cli-trail").stdout)
        self.assertIn("AdvancedEventSelectors", got)
        s.aws("cloudtrail", "put-insight-selectors", "--trail-name", "cli-trail", "--insight-selectors",
              json.dumps([{"InsightType": "ApiCallRateInsight"}]))
        got = json.loads(s.aws("cloudtrail", "get-insight-selectors", "--trail-name", "cli-trail").stdout)
        self.assertEqual(got["InsightSelectors"], [{"InsightType": "ApiCallRateInsight"}])
        # Errors reach the CLI as the AWS exception names.
        p = s.aws("cloudtrail", "delete-trail", "--name", self.arn("cli-trail"), region="eu-west-1", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("InvalidHomeRegionException", p.stderr)
        p = s.aws("cloudtrail", "get-trail", "--name", "no-such-cli-trail", check=False)
        self.assertIn("TrailNotFoundException", p.stderr)
        s.aws("cloudtrail", "delete-trail", "--name", "cli-trail")
        self.assertEqual(json.loads(s.aws("cloudtrail", "describe-trails").stdout)["trailList"], [])

    # --- what CloudTrail records --------------------------------------------------------------
    def test_calls_are_recorded(self):
        ct = self.ct["us-east-1"]
        self.create("rec-trail", IsMultiRegionTrail=True, EnableLogFileValidation=True)
        ct.start_logging(Name="rec-trail")
        ct.add_tags(ResourceId=self.arn("rec-trail"), TagsList=[{"Key": "k", "Value": "v"}])
        ct.get_trail(Name="rec-trail")
        failed_rid = None
        try:
            ct.stop_logging(Name="old-audit")
        except botocore.exceptions.ClientError as e:
            failed_rid = e.response["ResponseMetadata"]["RequestId"]
        ct.stop_logging(Name="rec-trail")

        def record(event_name, pred=lambda r: True):
            events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                         "AttributeValue": event_name}])["Events"]
            recs = [json.loads(e["CloudTrailEvent"]) for e in events]
            recs = [r for r in recs if pred(r)]
            return recs[0] if recs else None

        create = wait_for(lambda: record("CreateTrail", lambda r: r["requestParameters"] and
                                         r["requestParameters"].get("name") == "rec-trail"))
        self.assertIsNotNone(create)
        self.assertEqual(create["requestParameters"], {"name": "rec-trail", "s3BucketName": self.BUCKET,
                                                       "isMultiRegionTrail": True, "enableLogFileValidation": True})
        self.assertEqual(create["responseElements"], {
            "name": "rec-trail", "s3BucketName": self.BUCKET, "includeGlobalServiceEvents": True,
            "isMultiRegionTrail": True, "trailARN": self.arn("rec-trail"), "logFileValidationEnabled": True,
            "isOrganizationTrail": False})
        self.assertEqual(create["eventSource"], "cloudtrail.amazonaws.com")
        self.assertFalse(create["readOnly"])
        start = wait_for(lambda: record("StartLogging", lambda r: r["requestParameters"] == {"name": "rec-trail"}))
        self.assertIsNone(start["responseElements"])
        tags = wait_for(lambda: record("AddTags", lambda r: r["requestParameters"].get("resourceId") ==
                                       self.arn("rec-trail")))
        self.assertEqual(tags["requestParameters"]["tagsList"], [{"key": "k", "value": "v"}])
        self.assertIsNone(tags["responseElements"])
        get = wait_for(lambda: record("GetTrail", lambda r: r["requestParameters"] == {"name": "rec-trail"}))
        self.assertTrue(get["readOnly"])
        self.assertIsNone(get["responseElements"])
        failed = wait_for(lambda: record("StopLogging", lambda r: r["requestID"] == failed_rid))
        self.assertEqual(failed["errorCode"], "TrailNotFoundException")
        self.assertEqual(failed["errorMessage"],
                         f"Unknown trail: {self.arn('old-audit')} for the user: {self.account}")
        self.assertEqual(failed["requestParameters"], {"name": "old-audit"})
        self.assertIsNone(failed["responseElements"])


class TrailsDurabilityTest(unittest.TestCase):
    def test_trails_survive_restart(self):
        server = Server(extra_args=("--regions", "us-east-1,eu-west-1")).start()
        try:
            account = server.client("sts").get_caller_identity()["Account"]
            s3 = server.client("s3")
            s3.create_bucket(Bucket="durable-logs")
            s3.put_bucket_policy(Bucket="durable-logs", Policy=account_policy("durable-logs", account))
            ct = server.client("cloudtrail")
            ct.create_trail(Name="durable", S3BucketName="durable-logs", S3KeyPrefix="p", IsMultiRegionTrail=True,
                            TagsList=[{"Key": "k", "Value": "v"}])
            ct.put_event_selectors(TrailName="durable", EventSelectors=[{"ReadWriteType": "ReadOnly"}])
            ct.put_insight_selectors(TrailName="durable", InsightSelectors=[{"InsightType": "ApiErrorRateInsight"}])
            ct.start_logging(Name="durable")
            before = (ct.get_trail(Name="durable")["Trail"], strip(ct.get_event_selectors(TrailName="durable")),
                      ct.list_tags(ResourceIdList=[f"arn:aws:cloudtrail:us-east-1:{account}:trail/durable"])
                      ["ResourceTagList"], ct.get_trail_status(Name="durable")["StartLoggingTime"])
            server.restart()
            ct = server.client("cloudtrail")
            after = (ct.get_trail(Name="durable")["Trail"], strip(ct.get_event_selectors(TrailName="durable")),
                     ct.list_tags(ResourceIdList=[f"arn:aws:cloudtrail:us-east-1:{account}:trail/durable"])
                     ["ResourceTagList"], ct.get_trail_status(Name="durable")["StartLoggingTime"])
            self.assertEqual(before, after)
            self.assertTrue(ct.get_trail_status(Name="durable")["IsLogging"])
            self.assertEqual(ct.get_insight_selectors(TrailName="durable")["InsightSelectors"],
                             [{"InsightType": "ApiErrorRateInsight"}])
            eu = server.client("cloudtrail", region="eu-west-1")
            self.assertEqual([t["Name"] for t in eu.describe_trails()["trailList"]], ["durable"])
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
