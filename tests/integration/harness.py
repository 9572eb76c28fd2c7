"""Integration-test harness: runs a real `opentrail serve` and talks to it as AWS clients do.

Each test class gets its own server (fresh data dir, free port). Clients are boto3 clients and
the AWS CLI, pointed at the server with --endpoint-url and the credentials file the server
wrote on first start. Raw signed requests (for bad-input tests) are built with botocore's own
SigV4 signer.
"""
import configparser
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("OPENTRAIL_BIN", os.path.join(ROOT, "build", "opentrail"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One opentrail process over a data dir that outlives restarts."""

    def __init__(self, data_dir=None, extra_args=(), env=None):
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="opentrail-test-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None
        self.output = []

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        args = [BIN, "serve", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}"]
        args += self.extra_args
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError("server exited: " + "".join(self.output))
                continue
            self.output.append(line)
            if line.startswith("opentrail listening on "):
                self.listening_line = line.strip()
                # Drain the rest of the output in the background so the pipe never fills.
                import threading
                threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()
                return self
        raise RuntimeError("server did not start: " + "".join(self.output))

    def _drain(self, proc):
        for line in proc.stdout:
            self.output.append(line)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        if self._tmp:
            self._tmp.cleanup()

    # --- credentials and clients -------------------------------------------------------
    def credentials(self):
        cp = configparser.ConfigParser()
        cp.read(os.path.join(self.data_dir, "credentials"))
        return cp["default"]["aws_access_key_id"], cp["default"]["aws_secret_access_key"]

    def client(self, service, region="us-east-1", access_key=None, secret_key=None,
               session_token=None, retries=0, validate=True):
        ak, sk = self.credentials()
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id=access_key or ak, aws_secret_access_key=secret_key or sk,
            aws_session_token=session_token,
            config=botocore.config.Config(retries={"max_attempts": retries + 1, "mode": "standard"},
                                          connect_timeout=5, read_timeout=30,
                                          parameter_validation=validate,
                                          # opentrail speaks SigV4 only; botocore would
                                          # presign S3 URLs with SigV2 by default.
                                          signature_version="s3v4" if service == "s3" else None))

    def aws(self, *args, region="us-east-1", check=True):
        """Runs the AWS CLI against the server; returns CompletedProcess."""
        env = dict(os.environ)
        env.update({"AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.data_dir, "credentials"),
                    "AWS_CONFIG_FILE": os.devnull, "AWS_DEFAULT_REGION": region,
                    "AWS_MAX_ATTEMPTS": "1"})
        env.pop("AWS_ACCESS_KEY_ID", None)
        env.pop("AWS_SECRET_ACCESS_KEY", None)
        env.pop("AWS_PROFILE", None)
        p = subprocess.run(["aws", "--endpoint-url", self.endpoint, *args], env=env,
                           capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {p.stderr}")
        return p

    def health(self):
        with urllib.request.urlopen(self.endpoint + "/health", timeout=5) as r:
            return r.status

    def journal(self):
        """Records in the journal (server must be stopped): list of (seq, json dict)."""
        import json
        out = subprocess.run([BIN, "journal", "dump", "--data-dir", self.data_dir],
                             capture_output=True, text=True, check=True, timeout=120).stdout
        records = []
        for line in out.splitlines():
            seq, _, body = line.partition(" ")
            records.append((int(seq), json.loads(body)))
        return records

    # --- raw signed requests ------------------------------------------------------------
    def signed_request(self, method, service, region="us-east-1", path="/", body=b"",
                       headers=None, query="", access_key=None, secret_key=None,
                       session_token=None, sign=True, s3=False):
        """Builds and sends a SigV4-signed request with botocore's signer; returns
        (status, headers dict, body bytes)."""
        ak, sk = self.credentials()
        url = self.endpoint + path + (("?" + query) if query else "")
        req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body,
                                             headers=dict(headers or {}))
        if sign:
            creds = botocore.credentials.Credentials(access_key or ak, secret_key or sk,
                                                     session_token)
            signer = (botocore.auth.S3SigV4Auth if s3 else botocore.auth.SigV4Auth)(
                creds, service, region)
            signer.add_auth(req)
        return send(req.prepare())


def send(prepared, timeout=30):
    import http.client
    from urllib.parse import urlsplit
    u = urlsplit(prepared.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    target = u.path + (("?" + u.query) if u.query else "")
    body = prepared.body
    if isinstance(body, str):
        body = body.encode()
    conn.request(prepared.method, target, body=body, headers=dict(prepared.headers))
    r = conn.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return r.status, hdrs, data


class ServerTestCase(unittest.TestCase):
    """A test class with one server for all its tests."""
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
