"""The HTTP layer: keep-alive, many concurrent connections, size limits, read timeouts,
malformed requests. Every failure is a 4xx AWS error and the server keeps serving."""
import http.client
import socket
import threading
import time
import unittest
from urllib.parse import urlencode

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from harness import ServerTestCase

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


class HttpTest(ServerTestCase):
    server_args = ("--request-timeout", "2s")

    def tearDown(self):
        self.assertEqual(self.server.health(), 200)

    def signed(self, body):
        ak, sk = self.server.credentials()
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.server.endpoint + "/",
                                             data=body, headers=dict(FORM))
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ak, sk), "sts", "us-east-1").add_auth(req)
        return req.prepare()

    def test_keep_alive_many_requests_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        body = urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"})
        for _ in range(20):
            p = self.signed(body)
            conn.request("POST", "/", body=body, headers=dict(p.headers))
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
        conn.close()

    def test_many_concurrent_connections(self):
        body = urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"})
        errors = []
        statuses = []

        def worker():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
                for _ in range(3):
                    p = self.signed(body)
                    conn.request("POST", "/", body=body, headers=dict(p.headers))
                    r = conn.getresponse()
                    r.read()
                    statuses.append(r.status)
                conn.close()
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        threads = [threading.Thread(target=worker) for _ in range(200)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(statuses, [200] * 600)

    def test_oversized_body_rejected_with_aws_error(self):
        body = "Action=GetCallerIdentity&Version=2011-06-15&Pad=" + "x" * (20 << 20)
        p = self.signed(body)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            conn.request("POST", "/", body=body.encode(), headers=dict(p.headers))
            r = conn.getresponse()
            data = r.read()
        except (BrokenPipeError, ConnectionResetError) as e:
            self.fail(f"server reset the connection instead of answering: {e!r}")
        self.assertEqual(r.status, 413)
        self.assertIn(b"<Code>RequestEntityTooLarge</Code>", data)

    def test_oversized_chunked_body(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=30)
        ak, _ = self.server.credentials()
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Authorization: AWS4-HMAC-SHA256 Credential=" + ak.encode() +
                  b"/20261130/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(40):  # 2.5 MB > 1 MB
                s.sendall(b"10000\r\n" + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = s.recv(65536)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:200])

    def test_slow_headers_are_cut_off(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=20)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        start = time.time()
        closed = False
        try:
            while time.time() - start < 15:
                s.sendall(b"X-Slow: a\r\n")
                time.sleep(0.5)
                s.settimeout(0.01)
                try:
                    if s.recv(1024) == b"":
                        closed = True
                        break
                except socket.timeout:
                    pass
                s.settimeout(20)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        elapsed = time.time() - start
        s.close()
        self.assertTrue(closed, "a client trickling headers was never cut off")
        self.assertLess(elapsed, 10)

    def test_idle_connection_without_request_is_closed(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=20)
        start = time.time()
        self.assertEqual(s.recv(10), b"")
        self.assertLess(time.time() - start, 10)
        s.close()

    def test_oversized_headers(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=20)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
        data = s.recv(65536)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 4"), data[:100])

    def test_garbage_request_line(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=20)
        s.sendall(b"\x00\x01\x02 NOT HTTP\r\n\r\n")
        data = s.recv(65536)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 400"), data[:100])

    def test_health_needs_no_signature(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("GET", "/health")
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        r.read()


if __name__ == "__main__":
    unittest.main()
