"""`opentrail serve` as the contract fixes it: listening line, /health, first-start
credentials (mode 0600), env vars for flags, graceful stop, identity across restarts."""
import os
import re
import signal
import stat
import subprocess
import tempfile
import time
import unittest

from harness import BIN, Server, free_port


class ServeTest(unittest.TestCase):
    def test_first_start_listening_health_credentials(self):
        s = Server().start()
        try:
            self.assertEqual(s.listening_line, f"opentrail listening on http://127.0.0.1:{s.port}")
            self.assertEqual(s.health(), 200)
            path = os.path.join(s.data_dir, "credentials")
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            text = open(path).read()
            self.assertTrue(text.startswith("[default]\n"))
            ak, sk = s.credentials()
            self.assertRegex(ak, r"^AKIA[A-Z0-9]{16}$")
            self.assertEqual(len(sk), 40)
            out = s.aws("sts", "get-caller-identity", "--output", "json").stdout
            import json
            ident = json.loads(out)
            self.assertRegex(ident["Account"], r"^\d{12}$")
            self.assertEqual(ident["Arn"], f"arn:aws:iam::{ident['Account']}:root")
            self.assertEqual(ident["UserId"], ident["Account"])
            # Secrets never reach the server's output.
            self.assertNotIn(sk, "".join(s.output))
            # The same account and key after a restart; the file is not rewritten.
            s.restart()
            self.assertEqual(s.credentials(), (ak, sk))
            self.assertEqual(json.loads(s.aws("sts", "get-caller-identity").stdout)["Account"],
                             ident["Account"])
        finally:
            s.cleanup()

    def test_env_vars_configure_flags(self):
        with tempfile.TemporaryDirectory() as d:
            port = free_port()
            env = dict(os.environ, OPENTRAIL_DATA_DIR=d, OPENTRAIL_LISTEN=f"127.0.0.1:{port}",
                       OPENTRAIL_REGION="eu-west-1", OPENTRAIL_DELIVERY_INTERVAL="2s")
            p = subprocess.Popen([BIN, "serve"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, env=env)
            try:
                line = ""
                deadline = time.time() + 20
                while time.time() < deadline and not line.startswith("opentrail listening"):
                    line = p.stdout.readline()
                self.assertEqual(line.strip(), f"opentrail listening on http://127.0.0.1:{port}")
                self.assertTrue(os.path.exists(os.path.join(d, "credentials")))
            finally:
                p.send_signal(signal.SIGINT)
                self.assertEqual(p.wait(timeout=20), 0)

    def test_bad_duration_flag_rejected(self):
        p = subprocess.run([BIN, "serve", "--delivery-interval", "soon"], capture_output=True,
                           text=True, timeout=20)
        self.assertNotEqual(p.returncode, 0)

    def test_sigterm_is_graceful_and_keeps_records(self):
        s = Server().start()
        try:
            sts = s.client("sts")
            ids = [sts.get_caller_identity()["ResponseMetadata"]["RequestId"] for _ in range(20)]
            self.assertEqual(s.stop(signal.SIGTERM), 0)
            journal_ids = [r["requestID"] for _, r in s.journal()]
            for rid in ids:
                self.assertEqual(journal_ids.count(rid), 1)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
