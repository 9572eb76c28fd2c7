#!/usr/bin/env python3
"""Log file validation benchmark (issue 6), driven by scripts/bench_integrity.sh.

Builds a trail archive through a real `opentrail serve`, then times the AWS CLI's
`aws cloudtrail validate-logs` and the native `opentrail validate-logs` on it:

  1. server: `opentrail serve --delivery-interval 200ms --digest-interval 1s` (fresh data dir,
     free loopback port); a bucket with the CloudTrail bucket policy, a trail with
     EnableLogFileValidation, StartLogging (all with boto3, as the management root);
  2. load, until the bucket holds >= --min-logs log files and >= --min-digests digest files:
     `--load import` (default) runs `opentrail import FILE` every --pace (default 0.6 x the
     delivery interval) on unique synthetic log files written beforehand by
     bench/gen_cloudtrail_logs for the trail's account (--records-per-import records each),
     so almost every delivery window gets events and each delivered log file is of a
     realistic size; `--load sts` makes STS GetCallerIdentity calls instead (tiny files);
  3. stop the load, wait a few delivery intervals, StopLogging (the chain's final digest),
     wait until no object is added any more; the archive is then frozen (the AWS CLI lists
     digests up to end-time + 1 h, so a live chain would grow between runs);
  4. time `aws cloudtrail validate-logs` and `opentrail validate-logs` with the same trail,
     start and end times, --runs times each, alternating which goes first; the median wall
     time of each, files/s ((log + digest files) / wall) and the ratio. Every run must exit
     0, report every digest and log file valid, and both must report the same counts, equal
     to the digest and log files in the bucket.

Prints progress and a report block; writes the report to --report when given; exit status
1 when a check failed (not when the 20x aim is missed: the machine may be shared and noisy).
"""
import argparse
import configparser
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

import boto3
import botocore.config

CHILDREN = []  # Popen objects to stop on exit


def say(msg=""):
    print(msg, flush=True)


def parse_duration(text):
    m = re.fullmatch(r"\s*([0-9.]+)\s*(ms|s|m|h)?\s*", text)
    if not m:
        raise SystemExit(f"bench-integrity: bad duration {text!r}")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600}[m.group(2)]


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def group(n):
    return f"{int(round(n)):,}"


def stop_child(p, timeout=30):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def cpu_seconds_of(pid):
    """utime + stime of a live process, seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def cpu_total():
    """Busy seconds of the whole machine (all cores) from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


class Bench:
    def __init__(self, args):
        self.a = args
        self.work = args.work
        self.data = os.path.join(self.work, "data")
        self.server = None
        self.endpoint = None
        self.failed = False

    # --- server ------------------------------------------------------------------------
    def start_server(self):
        os.makedirs(self.data, exist_ok=True)
        log_path = os.path.join(self.work, "server.log")
        cmd = [self.a.opentrail, "serve", "--data-dir", self.data, "--listen", "127.0.0.1:0",
               "--delivery-interval", self.a.delivery_interval, "--digest-interval", self.a.digest_interval]
        if self.a.server_threads:
            cmd += ["--threads", str(self.a.server_threads)]
        self.server_log = log_path
        with open(log_path, "w") as log:
            self.server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        CHILDREN.append(self.server)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(log_path) as f:
                m = re.search(r"^opentrail listening on (http://\S+)", f.read(), re.M)
            creds = os.path.join(self.data, "credentials")
            if m and os.path.exists(creds) and os.path.getsize(creds) > 0:
                self.endpoint = m.group(1)
                break
            if self.server.poll() is not None:
                raise RuntimeError("the server exited before listening:\n" + open(log_path).read())
            time.sleep(0.1)
        else:
            raise RuntimeError("the server did not listen within 30 s:\n" + open(log_path).read())
        cp = configparser.ConfigParser()
        cp.read(os.path.join(self.data, "credentials"))
        self.ak = cp["default"]["aws_access_key_id"]
        self.sk = cp["default"]["aws_secret_access_key"]

    def client(self, service):
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.ak, aws_secret_access_key=self.sk,
                            config=botocore.config.Config(
                                retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5,
                                read_timeout=60, signature_version="s3v4" if service == "s3" else None))

    def stop_server(self):
        if self.server:
            stop_child(self.server)
            CHILDREN.remove(self.server)
            self.server = None

    # --- bucket contents ---------------------------------------------------------------
    def list_bucket(self):
        """(log keys, digest keys, log bytes, digest bytes) in the trail's bucket."""
        logs, digests, log_bytes, digest_bytes = [], [], 0, 0
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for o in page.get("Contents", []):
                if "/CloudTrail-Digest/" in o["Key"]:
                    digests.append(o["Key"])
                    digest_bytes += o["Size"]
                elif "/CloudTrail/" in o["Key"]:
                    logs.append(o["Key"])
                    log_bytes += o["Size"]
        return logs, digests, log_bytes, digest_bytes

    # --- 1. trail ----------------------------------------------------------------------
    def setup_trail(self):
        self.account = self.client("sts").get_caller_identity()["Account"]
        self.bucket = "integrity-bench"
        self.trail = "integrity-bench"
        self.arn = f"arn:aws:cloudtrail:us-east-1:{self.account}:trail/{self.trail}"
        self.s3 = self.client("s3")
        self.ct = self.client("cloudtrail")
        self.s3.create_bucket(Bucket=self.bucket)
        policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
             "Resource": f"arn:aws:s3:::{self.bucket}", "Condition": {"StringEquals": {"aws:SourceArn": self.arn}}},
            {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{self.bucket}/AWSLogs/{self.account}/*",
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceArn": self.arn}}}]}
        self.s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(policy))
        self.ct.create_trail(Name=self.trail, S3BucketName=self.bucket, EnableLogFileValidation=True)

    # --- 2. load -----------------------------------------------------------------------
    def generate(self):
        """Unique synthetic log files for the trail's account (us-east-1 ones: the trail's)."""
        delivery = parse_duration(self.a.delivery_interval)
        digest = parse_duration(self.a.digest_interval)
        expected = max(self.a.min_logs * delivery, self.a.min_digests * digest)
        imports = int(expected * 1.6 / self.pace) + 100  # the files must be unique: a margin
        per = self.a.records_per_import
        # ~85 % of the generator's files are us-east-1; the rest are left out.
        files = int(imports / 0.8) + 20
        out = os.path.join(self.work, "gen")
        say(f"-- generating {group(files)} synthetic log files of {per} records for account {self.account} "
            f"(bench/gen_cloudtrail_logs)")
        t0 = time.time()
        p = subprocess.run([self.a.gen, "--out", out, "--records", str(files * per), "--per-file", str(per),
                            "--account", self.account, "--days", "1", "--seed", "6",
                            "--end", str(int(time.time()))],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"gen_cloudtrail_logs failed ({p.returncode}): {p.stderr}")
        root = os.path.join(out, "AWSLogs", self.account, "CloudTrail", "us-east-1")
        self.gen_files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
        say(f"   {len(self.gen_files)} us-east-1 files in {time.time() - t0:.1f} s")

    def run_load(self):
        a = self.a
        delivery = parse_duration(a.delivery_interval)
        if a.load == "import":
            self.generate()
        sts = self.client("sts") if a.load == "sts" else None
        self.ct.start_logging(Name=self.trail)
        self.logging_started = time.time()
        self.start_time = self.logging_started - 5
        say(f"-- load: {'opentrail import of one file' if a.load == 'import' else 'STS GetCallerIdentity'} "
            f"every {self.pace * 1000:.0f} ms until >= {a.min_logs} log files and >= {a.min_digests} digest files")
        next_t = time.monotonic()
        next_check = time.monotonic() + 2
        done = 0
        self.imported_records = 0
        self.rejected_records = 0
        self.import_seconds = []
        deadline = time.monotonic() + a.max_load_seconds
        while True:
            now = time.monotonic()
            if now >= next_check:
                logs, digests, _, _ = self.list_bucket()
                say(f"   {time.time() - self.logging_started:5.0f} s: {len(logs)} log files, "
                    f"{len(digests)} digest files, {done} {'imports' if a.load == 'import' else 'calls'}")
                if len(logs) >= a.min_logs and len(digests) >= a.min_digests:
                    break
                if now > deadline:
                    raise RuntimeError(f"only {len(logs)} log files and {len(digests)} digests after "
                                       f"{a.max_load_seconds} s of load")
                next_check = now + 2
            if a.load == "import":
                if done >= len(self.gen_files):
                    raise RuntimeError("ran out of generated files (raise --min-logs' margin)")
                t0 = time.monotonic()
                p = subprocess.run([a.opentrail, "import", self.gen_files[done], "--endpoint", self.endpoint,
                                    "--data-dir", self.data, "--json", "--no-progress"],
                                   capture_output=True, text=True)
                self.import_seconds.append(time.monotonic() - t0)
                if p.returncode not in (0, 2):  # 2: some records rejected (counted below)
                    raise RuntimeError(f"opentrail import failed ({p.returncode}): {p.stdout}{p.stderr}")
                try:
                    summary = json.loads(p.stdout)
                    self.imported_records += int(summary["Accepted"])
                    self.rejected_records += int(summary["Rejected"]) + int(summary["Duplicates"])
                except (ValueError, KeyError) as e:
                    raise RuntimeError(f"opentrail import --json printed no summary ({e}): {p.stdout}")
            else:
                sts.get_caller_identity()
            done += 1
            next_t += self.pace
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_t = time.monotonic()  # behind: no burst to catch up
        self.load_seconds = time.time() - self.logging_started
        self.load_ops = done
        # 3. Let the last records be delivered, close the chain, wait for the final digest.
        time.sleep(3 * delivery + 0.5)
        self.ct.stop_logging(Name=self.trail)
        stopped = time.time()
        say("-- load stopped; StopLogging; waiting for the final digest")
        last, stable_since = None, time.time()
        while True:
            logs, digests, log_bytes, digest_bytes = self.list_bucket()
            state = (len(logs), len(digests))
            if state != last:
                last, stable_since = state, time.time()
            elif time.time() - stable_since >= max(3.0, 3 * parse_duration(a.digest_interval)):
                break
            if time.time() - stopped > 120:
                raise RuntimeError("the bucket kept changing for 120 s after StopLogging")
            time.sleep(0.5)
        self.end_time = time.time() + 1
        self.logs, self.digests = sorted(logs), sorted(digests)
        self.log_bytes, self.digest_bytes = log_bytes, digest_bytes
        status = self.ct.get_trail_status(Name=self.trail)
        say(f"   archive: {len(self.logs)} log files ({log_bytes / 2**20:.1f} MiB gzip), {len(self.digests)} "
            f"digest files ({digest_bytes / 2**10:.0f} KiB); IsLogging={status.get('IsLogging')}, "
            f"LatestDeliveryError={status.get('LatestDeliveryError', '')!r}, "
            f"LatestDigestDeliveryError={status.get('LatestDigestDeliveryError', '')!r}")

    # --- 4. validators -----------------------------------------------------------------
    def validator_cmd(self, which):
        common = ["--trail-arn", self.arn, "--start-time", iso(self.start_time), "--end-time", iso(self.end_time)]
        if which == "aws":
            env = dict(os.environ, AWS_ENDPOINT_URL=self.endpoint, AWS_ACCESS_KEY_ID=self.ak,
                       AWS_SECRET_ACCESS_KEY=self.sk, AWS_DEFAULT_REGION="us-east-1",
                       AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
            for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
                env.pop(k, None)
            return [self.aws, "cloudtrail", "validate-logs", *common], env
        cmd = [self.a.opentrail, "validate-logs", *common, "--endpoint", self.endpoint, "--data-dir", self.data]
        if self.a.native_concurrency:
            cmd += ["--concurrency", str(self.a.native_concurrency)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTRAIL_"))}
        return cmd, env

    def run_validator(self, which, i):
        cmd, env = self.validator_cmd(which)
        out_path = os.path.join(self.work, f"{which}-{i}.out")
        err_path = os.path.join(self.work, f"{which}-{i}.err")
        srv0, box0 = cpu_seconds_of(self.server.pid), cpu_total()
        with open(out_path, "w") as out, open(err_path, "w") as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
            CHILDREN.append(p)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            CHILDREN.remove(p)
        srv = cpu_seconds_of(self.server.pid) - srv0
        box = cpu_total() - box0
        text = open(out_path).read()
        errtext = open(err_path).read()
        r = {"which": which, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "server_cpu": srv,
             "other_cpu": max(0.0, box - srv - (ru.ru_utime + ru.ru_stime)), "rc": p.returncode,
             "stdout": text, "stderr": errtext}
        m = re.search(r"(\d+)/(\d+) digest files valid", text)
        r["digests_valid"], r["digests_total"] = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        m = re.search(r"(\d+)/(\d+) log files valid", text)
        r["logs_valid"], r["logs_total"] = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        r["invalid"] = ("INVALID" in text) or ("INVALID" in errtext)
        say(f"   {which:6} run {i}: {wall:7.2f} s wall, {r['cpu']:6.2f} s CPU (server {srv:.2f} s, other "
            f"processes {r['other_cpu']:.2f} s), exit {p.returncode}: "
            f"{r['digests_valid']}/{r['digests_total']} digests, {r['logs_valid']}/{r['logs_total']} logs valid")
        return r

    def check(self, r):
        problems = []
        if r["rc"] != 0:
            problems.append(f"exit status {r['rc']}")
        if r["invalid"]:
            problems.append("INVALID lines")
        if r["digests_total"] != len(self.digests) or r["digests_valid"] != len(self.digests):
            problems.append(f"digests {r['digests_valid']}/{r['digests_total']} valid, bucket has {len(self.digests)}")
        if r["logs_total"] != len(self.logs) or r["logs_valid"] != len(self.logs):
            problems.append(f"log files {r['logs_valid']}/{r['logs_total']} valid, bucket has {len(self.logs)}")
        if problems:
            self.failed = True
            say(f"bench-integrity: {r['which']} validate-logs: " + "; ".join(problems))
            say("   stdout: " + r["stdout"].strip().replace("\n", "\n           ")[:2000])
            say("   stderr: " + r["stderr"].strip().replace("\n", "\n           ")[:2000])
        return not problems

    def run_validators(self):
        say(f"-- validators: --trail-arn {self.arn} --start-time {iso(self.start_time)} "
            f"--end-time {iso(self.end_time)}, {self.a.runs} runs each, alternating")
        runs = {"aws": [], "native": []}
        for i in range(1, self.a.runs + 1):
            order = ("aws", "native") if i % 2 else ("native", "aws")
            for which in order:
                r = self.run_validator(which, i)
                self.check(r)
                runs[which].append(r)
        return runs

    # --- report ------------------------------------------------------------------------
    def summarize(self, runs):
        def median_run(rs):
            return sorted(rs, key=lambda r: r["wall"])[(len(rs) - 1) // 2]
        aws, nat = median_run(runs["aws"]), median_run(runs["native"])
        files = len(self.logs) + len(self.digests)
        ratio = aws["wall"] / nat["wall"] if nat["wall"] > 0 else float("inf")
        aws_version = self.aws_version.split()[0] if self.aws_version else "?"
        same = all(r[k] == runs["aws"][0][k] for rs in runs.values() for r in rs
                   for k in ("digests_valid", "digests_total", "logs_valid", "logs_total"))
        all_ok = not self.failed and same
        delivery = parse_duration(self.a.delivery_interval)
        windows = self.load_seconds / delivery
        conc = self.a.native_concurrency or 16

        def walls(rs):
            return " / ".join(f"{r['wall']:.2f}" for r in rs)

        def line(r, label):
            return (f"  {label} median {r['wall']:.2f} s (runs {walls(runs[r['which']])} s), "
                    f"{group(files / r['wall'])} files/s, {self.log_bytes / 2**20 / r['wall']:.1f} MiB/s of logs; "
                    f"CPU {r['cpu']:.2f} s, server CPU {r['server_cpu']:.2f} s, other processes {r['other_cpu']:.2f} s")
        load_desc = (f"opentrail import of a {self.a.records_per_import}-record file every {self.pace * 1000:.0f} ms, "
                     f"{group(self.imported_records)} records imported, {self.rejected_records} rejected or duplicate"
                     if self.a.load == "import" else f"STS GetCallerIdentity every {self.pace * 1000:.0f} ms")
        rep = [
            f"log file validation (issue 6): one trail archive built through the server "
            f"(--delivery-interval {self.a.delivery_interval}, --digest-interval {self.a.digest_interval}; "
            f"load: {load_desc}; {self.load_seconds:.0f} s):",
            f"  archive: {len(self.logs)} log files ({self.log_bytes / 2**20:.1f} MiB gzip, avg "
            f"{self.log_bytes / max(1, len(self.logs)) / 1024:.1f} KiB), {len(self.digests)} digest files; "
            f"log files in {min(100.0, 100 * len(self.logs) / max(1.0, windows)):.0f}% of the ~{windows:.0f} "
            f"delivery windows of the load",
            line(aws, f"aws cloudtrail validate-logs ({aws_version}):".ljust(46)),
            line(nat, f"opentrail validate-logs (--concurrency {conc}):".ljust(46)),
            f"  ratio aws/opentrail (median wall): {ratio:.1f}x   aim >= 20x: {'met' if ratio >= 20 else 'NOT met'}"
            f"   (for scale: `aws --version` alone takes {self.aws_startup:.2f} s)",
            f"  checks: every run exit 0, {len(self.digests)}/{len(self.digests)} digest files valid and "
            f"{len(self.logs)}/{len(self.logs)} log files valid (= every file in the bucket), same counts from both: "
            f"{'OK' if all_ok else 'FAILED'}",
        ]
        if not same:
            self.failed = True
        say()
        say(f"RESULT aws_s={aws['wall']:.3f} native_s={nat['wall']:.3f} ratio={ratio:.2f} log_files={len(self.logs)} "
            f"digest_files={len(self.digests)} aws_files_per_s={files / aws['wall']:.1f} "
            f"native_files_per_s={files / nat['wall']:.1f} checks={'ok' if all_ok else 'failed'}")
        return rep

    def resolve_aws(self):
        """The AWS CLI's own entry point: a pyenv shim (a shell script that runs `pyenv exec`)
        would add its start-up to every AWS CLI run."""
        self.aws = shutil.which("aws") or "aws"
        if "/.pyenv/shims/" in self.aws:
            p = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True)
            if p.returncode == 0 and os.path.isfile(p.stdout.strip()):
                self.aws = p.stdout.strip()
        v = subprocess.run([self.aws, "--version"], capture_output=True, text=True)
        self.aws_version = (v.stdout or v.stderr).strip()
        walls = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run([self.aws, "--version"], capture_output=True)
            walls.append(time.perf_counter() - t0)
        self.aws_startup = statistics.median(walls)
        say(f"-- AWS CLI: {self.aws} ({self.aws_version}); `aws --version` takes {self.aws_startup:.2f} s")

    def run(self):
        self.resolve_aws()
        say(f"-- server: opentrail serve --delivery-interval {self.a.delivery_interval} "
            f"--digest-interval {self.a.digest_interval}")
        self.start_server()
        say(f"   {self.endpoint}, data dir {self.data}")
        self.pace = self.a.pace if self.a.pace else 0.6 * parse_duration(self.a.delivery_interval)
        self.setup_trail()
        self.run_load()
        runs = self.run_validators()
        rep = self.summarize(runs)
        self.stop_server()
        return rep


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--opentrail", required=True)
    ap.add_argument("--gen", required=True, help="bench/gen_cloudtrail_logs binary")
    ap.add_argument("--work", required=True, help="empty scratch dir (data dir, generated files)")
    ap.add_argument("--report", help="also write the report block here")
    ap.add_argument("--min-logs", type=int, default=500)
    ap.add_argument("--min-digests", type=int, default=100)
    ap.add_argument("--delivery-interval", default="200ms")
    ap.add_argument("--digest-interval", default="1s")
    ap.add_argument("--load", choices=("import", "sts"), default="import")
    ap.add_argument("--records-per-import", type=int, default=100)
    ap.add_argument("--pace", type=float, default=0, help="seconds between load operations "
                    "(default 0.6 x the delivery interval)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--native-concurrency", type=int, default=0, help="0: the validator's default")
    ap.add_argument("--max-load-seconds", type=float, default=600)
    ap.add_argument("--server-threads", type=int, default=0)
    args = ap.parse_args()
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, on_signal)
    bench = Bench(args)
    rc = 0
    try:
        rep = bench.run()
        say("")
        for l in rep:
            say(l)
        if args.report:
            with open(args.report, "w") as f:
                f.write("\n".join(rep) + "\n")
        rc = 1 if bench.failed else 0
    except Exception as e:  # noqa: BLE001 - report any failure, then stop the children
        say(f"bench-integrity: {type(e).__name__}: {e}")
        if bench.server is not None:
            say("bench-integrity: server output (tail):")
            with open(bench.server_log) as f:
                say("".join(f.readlines()[-20:]))
        rc = 1
    finally:
        for p in reversed(CHILDREN[:]):
            stop_child(p)
    return rc


if __name__ == "__main__":
    sys.exit(main())
