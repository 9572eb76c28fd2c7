"""Event history through LookupEvents (history.md), driven with boto3 and the AWS CLI."""
import json
import threading
import time
import unittest
import uuid

import botocore.exceptions

from harness import Server, ServerTestCase

JSON_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"


def walk(ct, **kwargs):
    events, tokens = [], []
    while True:
        page = ct.lookup_events(**kwargs)
        events += page["Events"]
        if "NextToken" not in page:
            return events, tokens
        tokens.append(page["NextToken"])
        kwargs["NextToken"] = page["NextToken"]


class LookupEventsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        sts = s.client("sts", validate=False)
        cls.gci_ids = [sts.get_caller_identity()["ResponseMetadata"]["RequestId"] for _ in range(23)]
        creds = sts.get_session_token(DurationSeconds=900)
        cls.temp = creds["Credentials"]
        temp = s.client("sts", access_key=cls.temp["AccessKeyId"], secret_key=cls.temp["SecretAccessKey"],
                        session_token=cls.temp["SessionToken"])
        cls.temp_ids = [temp.get_caller_identity()["ResponseMetadata"]["RequestId"] for _ in range(4)]
        try:
            sts.get_session_token(DurationSeconds=7)
        except botocore.exceptions.ClientError:
            pass
        cls.eu_ids = [s.client("sts", region="eu-west-1").get_caller_identity()["ResponseMetadata"]["RequestId"]
                      for _ in range(3)]
        cls.ct = s.client("cloudtrail")
        cls.ct_eu = s.client("cloudtrail", region="eu-west-1")
        cls.account = sts.get_caller_identity()["Account"]
        time.sleep(1.0)
        cls.all_events, _ = walk(cls.ct)

    def records(self, events):
        return [json.loads(e["CloudTrailEvent"]) for e in events]

    def test_everything_recorded_is_listed_newest_first(self):
        recs = self.records(self.all_events)
        ids = [r["requestID"] for r in recs]
        for rid in self.gci_ids + self.temp_ids:
            self.assertEqual(ids.count(rid), 1)
        for rid in self.eu_ids:
            self.assertNotIn(rid, ids, "another region's events are not in this region's history")
        times = [e["EventTime"] for e in self.all_events]
        self.assertEqual(times, sorted(times, reverse=True))
        self.assertEqual(len({e["EventId"] for e in self.all_events}), len(self.all_events))

    def test_event_shape(self):
        e = next(e for e in self.all_events if e["EventName"] == "GetSessionToken"
                 and "errorCode" not in json.loads(e["CloudTrailEvent"]))
        rec = json.loads(e["CloudTrailEvent"])
        self.assertEqual(e["EventId"], rec["eventID"])
        self.assertEqual(e["ReadOnly"], "false")
        self.assertEqual(e["EventSource"], "sts.amazonaws.com")
        self.assertEqual(e["Username"], "root")
        self.assertEqual(e["AccessKeyId"], self.server.credentials()[0])
        self.assertEqual(e["Resources"], [])
        self.assertEqual(e["EventTime"].strftime("%Y-%m-%dT%H:%M:%SZ"), rec["eventTime"])

    def test_region_scoping(self):
        eu, _ = walk(self.ct_eu)
        eu = [e for e in eu if e["EventSource"] != "cloudtrail.amazonaws.com"]  # other tests' lookups
        self.assertEqual(sorted(json.loads(e["CloudTrailEvent"])["requestID"] for e in eu), sorted(self.eu_ids))

    def test_attribute_event_name(self):
        got, _ = walk(self.ct, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}])
        want = [e for e in self.all_events if e["EventName"] == "GetCallerIdentity"]
        self.assertEqual([e["EventId"] for e in got], [e["EventId"] for e in want])
        self.assertGreaterEqual(len(got), 28)

    def test_attribute_read_only(self):
        writes, _ = walk(self.ct, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "false"}])
        self.assertEqual({e["EventName"] for e in writes}, {"GetSessionToken"})
        self.assertEqual(len(writes), 2)
        reads, _ = walk(self.ct, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}])
        self.assertTrue(all(e["ReadOnly"] == "true" for e in reads))
        none, _ = walk(self.ct, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "maybe"}])
        self.assertEqual(none, [])

    def test_attribute_access_key_and_username(self):
        temp, _ = walk(self.ct, LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": self.temp["AccessKeyId"]}])
        self.assertEqual(sorted(json.loads(e["CloudTrailEvent"])["requestID"] for e in temp), sorted(self.temp_ids))
        root, _ = walk(self.ct, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "root"}])
        sts_only = lambda events: [e for e in events if e["EventSource"] == "sts.amazonaws.com"]
        self.assertEqual(len(sts_only(root)), len([e for e in sts_only(self.all_events) if e.get("Username") == "root"]))
        self.assertGreater(len(root), 25)

    def test_attribute_event_id_and_source_and_case(self):
        target = self.all_events[5]
        got = self.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": target["EventId"]}])["Events"]
        self.assertEqual([e["EventId"] for e in got], [target["EventId"]])
        src, _ = walk(self.ct, LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "sts.amazonaws.com"}])
        self.assertEqual(len(src), len([e for e in self.all_events if e["EventSource"] == "sts.amazonaws.com"]))
        upper = self.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "STS.amazonaws.com"}])
        self.assertEqual(upper["Events"], [], "matching is exact and case-sensitive")

    def test_time_range(self):
        times = sorted({e["EventTime"] for e in self.all_events})
        if len(times) < 2:
            self.skipTest("all events in one second")
        lo, hi = times[0], times[-1]
        got, _ = walk(self.ct, StartTime=hi, EndTime=hi)
        self.assertEqual(len(got), len([e for e in self.all_events if e["EventTime"] == hi]))
        got, _ = walk(self.ct, StartTime=lo, EndTime=lo)
        self.assertEqual(len(got), len([e for e in self.all_events if e["EventTime"] == lo]))
        future, _ = walk(self.ct, StartTime=hi.timestamp() + 3600)
        self.assertEqual(future, [])

    def test_paging_walk_has_no_duplicates_or_gaps(self):
        for size in (1, 7, 50):
            got, tokens = walk(self.ct, MaxResults=size)
            ids = [e["EventId"] for e in got]
            # New events (this test's own LookupEvents calls) may be newer than the snapshot of
            # the first page; the walk must equal the history as of its first page.
            self.assertEqual(len(ids), len(set(ids)))
            first_walk = [e["EventId"] for e in self.all_events]
            self.assertEqual([i for i in ids if i in set(first_walk)], first_walk)
            if size == 7:
                self.assertTrue(all(len(t) > 0 for t in tokens))

    def test_paging_is_stable_while_events_arrive(self):
        page = self.ct.lookup_events(MaxResults=5)
        sts = self.server.client("sts")
        for _ in range(10):
            sts.get_caller_identity()
        time.sleep(0.5)
        seen = [e["EventId"] for e in page["Events"]]
        token = page["NextToken"]
        while token:
            page = self.ct.lookup_events(MaxResults=5, NextToken=token)
            self.assertTrue(page["Events"], "no empty page carrying a token")
            seen += [e["EventId"] for e in page["Events"]]
            token = page.get("NextToken")
        self.assertEqual(len(seen), len(set(seen)))

    def test_boto3_paginator_and_cli(self):
        pages = self.ct.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetSessionToken"}],
            PaginationConfig={"PageSize": 1})
        got = [e for p in pages for e in p["Events"]]
        self.assertEqual(len(got), 2)
        out = self.server.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                              "AttributeKey=EventName,AttributeValue=GetSessionToken", "--page-size", "1").stdout
        self.assertEqual(len(json.loads(out)["Events"]), 2)
        out = self.server.aws("cloudtrail", "lookup-events", "--max-items", "3").stdout
        self.assertEqual(len(json.loads(out)["Events"]), 3)

    def assertClientError(self, code, **kwargs):
        ct = self.server.client("cloudtrail", validate=False)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            ct.lookup_events(**kwargs)
        self.assertEqual(cm.exception.response["Error"]["Code"], code)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_errors(self):
        a = {"AttributeKey": "EventName", "AttributeValue": "X"}
        self.assertClientError("InvalidLookupAttributesException", LookupAttributes=[a, a])
        self.assertClientError("InvalidLookupAttributesException",
                               LookupAttributes=[{"AttributeKey": "Colour", "AttributeValue": "X"}])
        self.assertClientError("InvalidLookupAttributesException",
                               LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "x" * 2001}])
        self.assertClientError("InvalidLookupAttributesException",
                               LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "_" * 1001}])
        self.assertClientError("InvalidLookupAttributesException",
                               LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": ""}])
        self.assertClientError("InvalidMaxResultsException", MaxResults=51)
        self.assertClientError("InvalidMaxResultsException", MaxResults=0)
        self.assertClientError("InvalidEventCategoryException", EventCategory="management")
        self.assertClientError("InvalidTimeRangeException", StartTime=2000000000, EndTime=1000000000)
        self.assertClientError("InvalidNextTokenException", NextToken="bm90IGEgdG9rZW4=.AAAA")
        self.assertClientError("InvalidLookupAttributesException", EventCategory="insight",
                               LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "root"}])
        # A token is bound to its query.
        token = self.ct.lookup_events(MaxResults=1)["NextToken"]
        self.assertClientError("InvalidNextTokenException", MaxResults=1, NextToken=token,
                               LookupAttributes=[a])
        self.assertClientError("InvalidNextTokenException", NextToken=token[:-6] + "AAAAAA")
        # ...and to the account and region.
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ct_eu.lookup_events(MaxResults=1, NextToken=token)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidNextTokenException")

    def test_malformed_json_and_wrong_types(self):
        for body in (b"{", b"[1]", b'{"MaxResults": "ten"}', b'{"LookupAttributes": "x"}',
                     b'{"StartTime": "yesterday"}'):
            st, h, resp = self.server.signed_request(
                "POST", "cloudtrail", body=body,
                headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": JSON_TARGET})
            self.assertEqual(st, 400, body)
            self.assertEqual(json.loads(resp)["__type"], "SerializationException", body)
        self.assertEqual(self.server.health(), 200)

    def test_insight_category_is_empty_without_insights(self):
        self.assertEqual(self.ct.lookup_events(EventCategory="insight")["Events"], [])

    def test_lookup_events_call_is_recorded(self):
        self.ct.lookup_events(MaxResults=3)
        time.sleep(0.5)
        got = self.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "LookupEvents"}],
                                    MaxResults=50)["Events"]
        self.assertTrue(got)
        rec = json.loads(got[0]["CloudTrailEvent"])
        self.assertEqual(rec["eventSource"], "cloudtrail.amazonaws.com")
        self.assertIs(rec["readOnly"], True)
        self.assertIsNone(rec["responseElements"])
        self.assertTrue(any(json.loads(e["CloudTrailEvent"])["requestParameters"] == {"maxResults": 3} for e in got))


class VisibilityTest(unittest.TestCase):
    """A call is visible to LookupEvents within one second of its response, under load too."""

    def test_visible_within_one_second_under_load(self):
        server = Server().start()
        stop = threading.Event()
        try:
            def load():
                sts = server.client("sts")
                while not stop.is_set():
                    sts.get_caller_identity()
            workers = [threading.Thread(target=load) for _ in range(6)]
            for w in workers:
                w.start()
            sts = server.client("sts")
            ct = server.client("cloudtrail")
            worst = 0.0
            for _ in range(10):
                resp = sts.get_session_token(DurationSeconds=900)
                answered = time.time()
                rid = resp["ResponseMetadata"]["RequestId"]
                found = False
                while time.time() - answered < 1.0:
                    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                                 "AttributeValue": "GetSessionToken"}],
                                              MaxResults=5)["Events"]
                    if any(json.loads(e["CloudTrailEvent"])["requestID"] == rid for e in events):
                        found = True
                        break
                worst = max(worst, time.time() - answered)
                self.assertTrue(found, "a call was not visible within one second")
        finally:
            stop.set()
            for w in workers:
                w.join()
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
