"""Every call that reaches a service becomes one CloudTrail record (records.md), checked
field by field through the journal of a stopped server."""
import re
import unittest
import uuid
from urllib.parse import urlencode

import botocore.exceptions

from harness import Server

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

ORDER = ["eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
         "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "requestParameters",
         "responseElements", "additionalEventData", "requestID", "eventID", "readOnly", "resources",
         "eventType", "apiVersion", "managementEvent", "recipientAccountId", "sharedEventID",
         "vpcEndpointId", "vpcEndpointAccountId", "serviceEventDetails", "eventCategory", "addendum",
         "tlsDetails", "sessionCredentialFromConsole"]


class RecorderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        s = cls.server
        sts = s.client("sts", validate=False)
        eu = s.client("sts", region="eu-west-1")
        cls.account = sts.get_caller_identity()["Account"]
        cls.ak, cls.sk = s.credentials()
        cls.calls = {}
        cls.calls["gci"] = sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        creds_resp = eu.get_session_token(DurationSeconds=1800)
        cls.calls["gst"] = creds_resp["ResponseMetadata"]["RequestId"]
        cls.temp = creds_resp["Credentials"]
        temp = s.client("sts", access_key=cls.temp["AccessKeyId"], secret_key=cls.temp["SecretAccessKey"],
                        session_token=cls.temp["SessionToken"])
        cls.calls["temp_gci"] = temp.get_caller_identity()["ResponseMetadata"]["RequestId"]
        try:
            sts.get_session_token(DurationSeconds=5)
        except botocore.exceptions.ClientError as e:
            cls.calls["invalid"] = e.response["ResponseMetadata"]["RequestId"]
        bad = s.client("sts", access_key=cls.ak, secret_key="w" * 40)
        try:
            bad.get_caller_identity()
        except botocore.exceptions.ClientError as e:
            cls.calls["badsig"] = e.response["ResponseMetadata"]["RequestId"]
        unknown = s.client("sts", access_key="AKIAUNKNOWNUNKNOWN00", secret_key="w" * 40)
        try:
            unknown.get_caller_identity()
        except botocore.exceptions.ClientError as e:
            cls.calls["unknownkey"] = e.response["ResponseMetadata"]["RequestId"]
        st, h, _ = s.signed_request("POST", "sts", body=urlencode({"Action": "Nope", "Version": "2011-06-15"}).encode(),
                                    headers=FORM)
        cls.calls["unknownop"] = h["x-amzn-requestid"]
        s.stop()
        cls.records = [r for _, r in s.journal()]
        cls.by_request = {}
        for r in cls.records:
            cls.by_request.setdefault(r["requestID"], []).append(r)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def record(self, name):
        recs = self.by_request.get(self.calls[name], [])
        self.assertEqual(len(recs), 1, f"{name}: expected exactly one record")
        return recs[0]

    def test_every_record_has_the_required_fields(self):
        for r in self.records:
            for f in ["eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
                      "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "requestID",
                      "eventID", "readOnly", "eventType", "managementEvent", "recipientAccountId",
                      "eventCategory"]:
                self.assertIn(f, r)
            self.assertEqual(r["eventVersion"], "1.11")
            self.assertRegex(r["eventTime"], ISO)
            self.assertEqual(str(uuid.UUID(r["eventID"])), r["eventID"])
            self.assertEqual(r["eventType"], "AwsApiCall")
            self.assertEqual(r["sourceIPAddress"], "127.0.0.1")
            self.assertIn("Botocore", r["userAgent"])
            self.assertNotIn("tlsDetails", r)  # plain HTTP
            keys = [k for k in r.keys()]
            self.assertEqual(keys, [k for k in ORDER if k in r], "AWS key order")
            self.assertNotIn(self.sk, str(r))
            self.assertNotIn(self.temp["SecretAccessKey"], str(r))

    def test_successful_read_only_call(self):
        r = self.record("gci")
        self.assertEqual(r["userIdentity"], {"type": "Root", "principalId": self.account,
                                             "arn": f"arn:aws:iam::{self.account}:root",
                                             "accountId": self.account, "accessKeyId": self.ak})
        self.assertEqual(r["eventSource"], "sts.amazonaws.com")
        self.assertEqual(r["eventName"], "GetCallerIdentity")
        self.assertEqual(r["awsRegion"], "us-east-1")
        self.assertIsNone(r["requestParameters"])
        self.assertIsNone(r["responseElements"])
        self.assertIs(r["readOnly"], True)
        self.assertIs(r["managementEvent"], True)
        self.assertEqual(r["eventCategory"], "Management")
        self.assertEqual(r["recipientAccountId"], self.account)
        self.assertNotIn("errorCode", r)

    def test_write_call_with_parameters_and_response(self):
        r = self.record("gst")
        self.assertEqual(r["eventName"], "GetSessionToken")
        self.assertEqual(r["awsRegion"], "eu-west-1")
        self.assertIs(r["readOnly"], False)
        self.assertEqual(r["requestParameters"], {"durationSeconds": 1800})
        creds = r["responseElements"]["credentials"]
        self.assertEqual(creds["accessKeyId"], self.temp["AccessKeyId"])
        self.assertRegex(creds["expiration"], r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d [AP]M$")
        self.assertNotIn("secretAccessKey", str(r).lower().replace("secretaccesskey\": \"hidden", ""))

    def test_temporary_credentials_identity(self):
        r = self.record("temp_gci")
        ui = r["userIdentity"]
        self.assertEqual(ui["type"], "Root")
        self.assertEqual(ui["accessKeyId"], self.temp["AccessKeyId"])
        ctx = ui["sessionContext"]
        self.assertEqual(ctx["sessionIssuer"], {})
        self.assertEqual(ctx["webIdFederationData"], {})
        self.assertEqual(ctx["attributes"]["mfaAuthenticated"], "false")
        self.assertRegex(ctx["attributes"]["creationDate"], ISO)

    def test_failed_call_recorded_with_error(self):
        r = self.record("invalid")
        self.assertEqual(r["errorCode"], "ValidationError")
        self.assertIn("durationSeconds", r["errorMessage"])
        self.assertEqual(r["requestParameters"], {"durationSeconds": 5})
        self.assertIsNone(r["responseElements"])
        self.assertIs(r["readOnly"], False)

    def test_bad_signature_of_known_key_recorded(self):
        r = self.record("badsig")
        self.assertEqual(r["errorCode"], "SignatureDoesNotMatch")
        self.assertEqual(r["userIdentity"]["accessKeyId"], self.ak)

    def test_unknown_key_and_unknown_operation_not_recorded(self):
        self.assertNotIn(self.calls["unknownkey"], self.by_request)
        self.assertNotIn(self.calls["unknownop"], self.by_request)

    def test_each_call_recorded_once_in_order(self):
        seqs = [s for s, _ in self.server.journal()]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        ids = [r["eventID"] for r in self.records]
        self.assertEqual(len(ids), len(set(ids)))


if __name__ == "__main__":
    unittest.main()
