"""Nothing lost: clients call while the server is killed with SIGKILL at random moments and
restarted; afterwards every call that got a 2xx is in the journal exactly once."""
import random
import threading
import time
import unittest
from urllib.parse import urlencode

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from harness import Server, send

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
BODY = urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"})


class CrashTest(unittest.TestCase):
    def test_kill9_loses_no_acknowledged_call(self):
        server = Server().start()
        ak, sk = server.credentials()
        acknowledged = []
        lock = threading.Lock()
        stop = threading.Event()

        def client():
            while not stop.is_set():
                port = server.port
                req = botocore.awsrequest.AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/",
                                                     data=BODY, headers=dict(FORM))
                botocore.auth.SigV4Auth(botocore.credentials.Credentials(ak, sk), "sts",
                                        "us-east-1").add_auth(req)
                try:
                    status, headers, _ = send(req.prepare(), timeout=5)
                except OSError:
                    time.sleep(0.02)
                    continue
                if 200 <= status < 300:
                    with lock:
                        acknowledged.append(headers["x-amzn-requestid"])

        rng = random.Random(7)
        try:
            threads = [threading.Thread(target=client) for _ in range(8)]
            for t in threads:
                t.start()
            for _ in range(5):
                time.sleep(rng.uniform(0.3, 1.5))
                server.kill()
                server.start()
            time.sleep(0.5)
            stop.set()
            for t in threads:
                t.join()
            server.stop()
            journal = [r["requestID"] for _, r in server.journal()]
            counts = {}
            for rid in journal:
                counts[rid] = counts.get(rid, 0) + 1
            self.assertGreater(len(acknowledged), 50)
            missing = [rid for rid in acknowledged if counts.get(rid, 0) == 0]
            duplicated = [rid for rid, n in counts.items() if n > 1]
            self.assertEqual(missing, [], f"{len(missing)} acknowledged calls lost")
            self.assertEqual(duplicated, [])
        finally:
            stop.set()
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
