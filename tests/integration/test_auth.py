"""SigV4 on every request: each failure gets the AWS error of the service's protocol, and
the server keeps serving."""
import datetime
import json
import unittest
from unittest import mock
from urllib.parse import urlencode

import botocore.exceptions

from harness import ServerTestCase

STS_BODY = urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"}).encode()
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
JSON_HDRS = {"Content-Type": "application/x-amz-json-1.1",
             "X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails"}


def error_code(exc):
    return exc.response["Error"]["Code"]


class AuthTest(ServerTestCase):
    def tearDown(self):
        self.assertEqual(self.server.health(), 200)

    def assertQueryError(self, status, body, code, http_status):
        self.assertEqual(status, http_status, body)
        self.assertIn(f"<Code>{code}</Code>".encode(), body)
        self.assertIn(b"<ErrorResponse", body)

    def assertJsonError(self, status, body, code, http_status):
        self.assertEqual(status, http_status, body)
        self.assertEqual(json.loads(body)["__type"], code)

    def assertS3Error(self, status, body, code, http_status):
        self.assertEqual(status, http_status, body)
        self.assertIn(f"<Error><Code>{code}</Code>".encode(), body)

    # --- unsigned ---------------------------------------------------------------------
    def test_unsigned_query(self):
        st, h, body = self.server.signed_request("POST", "sts", body=STS_BODY, headers=FORM, sign=False)
        self.assertQueryError(st, body, "MissingAuthenticationToken", 403)
        self.assertIn("x-amzn-requestid", h)

    def test_unsigned_json(self):
        st, h, body = self.server.signed_request("POST", "cloudtrail", body=b"{}", headers=JSON_HDRS, sign=False)
        self.assertJsonError(st, body, "MissingAuthenticationTokenException", 403)
        self.assertIn("x-amzn-requestid", h)

    def test_unsigned_s3(self):
        st, h, body = self.server.signed_request("GET", "s3", path="/", sign=False)
        self.assertS3Error(st, body, "AccessDenied", 403)
        self.assertIn("x-amz-request-id", h)

    # --- wrong secret -------------------------------------------------------------------
    def test_wrong_secret_boto3_sts(self):
        ak, _ = self.server.credentials()
        sts = self.server.client("sts", access_key=ak, secret_key="x" * 40)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sts.get_caller_identity()
        self.assertEqual(error_code(cm.exception), "SignatureDoesNotMatch")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_wrong_secret_json(self):
        ak, _ = self.server.credentials()
        st, _, body = self.server.signed_request("POST", "cloudtrail", body=b"{}", headers=JSON_HDRS,
                                                 secret_key="y" * 40)
        self.assertJsonError(st, body, "InvalidSignatureException", 400)

    def test_wrong_secret_s3(self):
        st, _, body = self.server.signed_request("GET", "s3", path="/", secret_key="z" * 40, s3=True)
        self.assertS3Error(st, body, "SignatureDoesNotMatch", 403)

    def test_tampered_body_after_signing(self):
        from harness import send
        import botocore.auth, botocore.awsrequest, botocore.credentials
        ak, sk = self.server.credentials()
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.server.endpoint + "/",
                                             data=STS_BODY, headers=dict(FORM))
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ak, sk), "sts", "us-east-1").add_auth(req)
        p = req.prepare()
        p.body = STS_BODY.replace(b"GetCallerIdentity", b"GetCallerIdentitz")
        st, _, body = send(p)
        self.assertQueryError(st, body, "SignatureDoesNotMatch", 403)

    # --- unknown key ----------------------------------------------------------------------
    def test_unknown_key(self):
        sts = self.server.client("sts", access_key="AKIAAAAAAAAAAAAAAAAA", secret_key="s" * 40)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sts.get_caller_identity()
        self.assertEqual(error_code(cm.exception), "InvalidClientTokenId")
        st, _, body = self.server.signed_request("POST", "kms", body=b"{}", access_key="AKIAAAAAAAAAAAAAAAAB",
                                                 headers={"Content-Type": "application/x-amz-json-1.1",
                                                          "X-Amz-Target": "TrentService.ListKeys"})
        self.assertJsonError(st, body, "UnrecognizedClientException", 400)
        st, _, body = self.server.signed_request("GET", "s3", path="/", access_key="AKIAAAAAAAAAAAAAAAAC", s3=True)
        self.assertS3Error(st, body, "InvalidAccessKeyId", 403)

    # --- clock skew -------------------------------------------------------------------------
    def skewed(self, minutes):
        t = datetime.datetime.utcnow() + datetime.timedelta(minutes=minutes)
        return mock.patch("botocore.auth.get_current_datetime", return_value=t)

    def test_skewed_clock(self):
        with self.skewed(-20):
            st, _, body = self.server.signed_request("POST", "sts", body=STS_BODY, headers=FORM)
            self.assertQueryError(st, body, "RequestExpired", 400)
            st, _, body = self.server.signed_request("POST", "cloudtrail", body=b"{}", headers=JSON_HDRS)
            self.assertJsonError(st, body, "InvalidSignatureException", 400)
            self.assertIn(b"Signature expired", body)
        with self.skewed(+20):
            st, _, body = self.server.signed_request("GET", "s3", path="/", s3=True)
            self.assertS3Error(st, body, "RequestTimeTooSkewed", 403)
        with self.skewed(-10):  # within 15 minutes: accepted
            st, _, body = self.server.signed_request("POST", "sts", body=STS_BODY, headers=FORM)
            self.assertEqual(st, 200, body)

    # --- malformed Authorization ---------------------------------------------------------
    def test_malformed_authorization(self):
        from harness import send
        import botocore.awsrequest
        for auth in ["AWS4-HMAC-SHA256 Credential=AKIA/2026/us-east-1",
                     "AWS4-HMAC-SHA256 garbage",
                     "AWS4-HMAC-SHA256 Credential=" + "A" * 20000,
                     "Basic Zm9vOmJhcg=="]:
            req = botocore.awsrequest.AWSRequest(method="POST", url=self.server.endpoint + "/",
                                                 data=STS_BODY, headers=dict(FORM, Authorization=auth,
                                                 **{"X-Amz-Date": "20261130T000000Z"}))
            st, _, body = send(req.prepare())
            self.assertIn(st, (400, 403), body)
            self.assertIn(b"<Code>", body)

    # --- presigned URLs -----------------------------------------------------------------------
    def test_presigned_query_string(self):
        import urllib.request
        sts = self.server.client("sts")
        url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertIn(b"<GetCallerIdentityResult>", r.read())

    def test_presigned_expired(self):
        import urllib.error, urllib.request
        with self.skewed(-30):
            url = self.server.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url, timeout=10)
        self.assertEqual(cm.exception.code, 400)
        self.assertIn(b"<Code>RequestExpired</Code>", cm.exception.read())

    def test_presigned_tampered(self):
        import urllib.error, urllib.request
        url = self.server.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url.replace("GetCallerIdentity", "GetSessionToken"), timeout=10)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"SignatureDoesNotMatch", cm.exception.read())

    # --- session tokens -----------------------------------------------------------------------
    def test_session_credentials(self):
        sts = self.server.client("sts")
        me = sts.get_caller_identity()
        creds = sts.get_session_token(DurationSeconds=900)["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        temp = self.server.client("sts", access_key=creds["AccessKeyId"],
                                  secret_key=creds["SecretAccessKey"], session_token=creds["SessionToken"])
        self.assertEqual(temp.get_caller_identity()["Account"], me["Account"])
        # Without the token, or with another, the key is refused.
        for token in (None, creds["SessionToken"][:-4] + "AAAA"):
            bad = self.server.client("sts", access_key=creds["AccessKeyId"],
                                     secret_key=creds["SecretAccessKey"], session_token=token)
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                bad.get_caller_identity()
            self.assertEqual(error_code(cm.exception), "InvalidClientTokenId")
        # The CLI works with them too.
        import os, subprocess
        env = dict(os.environ, AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
                   AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"], AWS_SESSION_TOKEN=creds["SessionToken"],
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        out = subprocess.run(["aws", "--endpoint-url", self.server.endpoint, "sts", "get-caller-identity"],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["Account"], me["Account"])


class RoutingTest(ServerTestCase):
    def test_unknown_query_action(self):
        body = urlencode({"Action": "FlyToTheMoon", "Version": "2011-06-15"}).encode()
        st, _, resp = self.server.signed_request("POST", "sts", body=body, headers=FORM)
        self.assertEqual(st, 400)
        self.assertIn(b"<Code>InvalidAction</Code>", resp)

    def test_missing_action(self):
        st, _, resp = self.server.signed_request("POST", "sts", body=b"Version=2011-06-15", headers=FORM)
        self.assertEqual(st, 400)
        self.assertIn(b"<Code>MissingAction</Code>", resp)

    def test_unknown_json_operation(self):
        st, _, resp = self.server.signed_request(
            "POST", "cloudtrail", body=b"{}",
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.Teleport"})
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(resp)["__type"], "UnknownOperationException")

    def test_unknown_service(self):
        st, _, resp = self.server.signed_request(
            "POST", "warpdrive", body=b"{}",
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Warp.Engage"})
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(resp)["__type"], "UnknownOperationException")

    def test_malformed_query_string(self):
        st, _, resp = self.server.signed_request("POST", "sts", body=b"Action=GetCallerIdentity&Version=%zz",
                                                 headers=FORM)
        self.assertEqual(st, 400)
        self.assertIn(b"<Code>MalformedQueryString</Code>", resp)

    def test_validation_error_from_service(self):
        sts = self.server.client("sts", validate=False)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            sts.get_session_token(DurationSeconds=100)
        self.assertEqual(error_code(cm.exception), "ValidationError")

    def test_request_id_headers(self):
        r = self.server.client("sts").get_caller_identity()
        self.assertRegex(r["ResponseMetadata"]["RequestId"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"],
                         r["ResponseMetadata"]["RequestId"])


if __name__ == "__main__":
    unittest.main()
