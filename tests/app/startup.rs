//! Starting the real `convene` binary: bad settings end it with one clear line that names the
//! setting, and a good start serves until SIGTERM, then exits cleanly.

use crate::helpers::{ServedBinary, convene_command, stderr};

/// Runs `convene serve` with these settings and returns (exit code, stderr).
fn serve_with(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let mut all = vec![("CONVENE_DATA_DIR", data_dir.to_str().unwrap())];
    all.extend_from_slice(env);
    if !env.iter().any(|(k, _)| *k == "CONVENE_BIND") {
        all.push(("CONVENE_BIND", "127.0.0.1:0"));
    }
    let output = convene_command(&all)
        .arg("serve")
        .output()
        .expect("the convene binary runs");
    (output.status.code(), stderr(&output))
}

fn assert_one_clear_line(code: Option<i32>, stderr: &str, setting: &str, words: &str) {
    assert_ne!(code, Some(0), "should have failed: {stderr}");
    assert!(code.is_some(), "ended by a signal: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr, got: {stderr}");
    assert!(lines[0].contains(setting), "{setting} not named: {stderr}");
    assert!(lines[0].contains(words), "{words:?} not said: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn malformed_database_url() {
    let (code, err) = serve_with(&[("CONVENE_DATABASE_URL", "mysql://db.example/convene")]);
    assert_one_clear_line(code, &err, "CONVENE_DATABASE_URL", "unsupported database");
}

#[test]
fn unreachable_database_names_the_setting_and_hides_the_password() {
    let (code, err) = serve_with(&[(
        "CONVENE_DATABASE_URL",
        "postgres://convene:hunter2@127.0.0.1:1/convene",
    )]);
    assert_one_clear_line(code, &err, "CONVENE_DATABASE_URL", "cannot open");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn unwritable_data_folder() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let inside_a_file = file.path().join("data");
    let (code, err) = serve_with(&[("CONVENE_DATA_DIR", inside_a_file.to_str().unwrap())]);
    assert_one_clear_line(code, &err, "CONVENE_DATA_DIR", "cannot use");
}

#[test]
fn malformed_base_url() {
    let (code, err) = serve_with(&[("CONVENE_BASE_URL", "forum.example.org")]);
    assert_one_clear_line(code, &err, "CONVENE_BASE_URL", "is not a URL");
}

#[test]
fn unknown_time_zone() {
    let (code, err) = serve_with(&[("CONVENE_TIME_ZONE", "Europe/Atlantis")]);
    assert_one_clear_line(code, &err, "CONVENE_TIME_ZONE", "Europe/Atlantis");
}

#[test]
fn upload_limit_that_is_not_a_number() {
    let (code, err) = serve_with(&[("CONVENE_MAX_UPLOAD_MB", "lots")]);
    assert_one_clear_line(code, &err, "CONVENE_MAX_UPLOAD_MB", "lots");
}

#[test]
fn port_already_taken() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, err) = serve_with(&[("CONVENE_BIND", &addr)]);
    assert_one_clear_line(code, &err, "CONVENE_BIND", "cannot listen");
}

#[test]
fn unknown_key_in_the_settings_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("convene.toml");
    std::fs::write(&file, "site_name = \"Forum\"\nsite_nmae = \"typo\"\n").unwrap();
    let (code, err) = serve_with(&[("CONVENE_CONFIG", file.to_str().unwrap())]);
    assert_one_clear_line(code, &err, "site_nmae", "not a Convene setting");
}

#[tokio::test]
async fn serves_until_sigterm_then_exits_cleanly() {
    let mut served = ServedBinary::start(&[("CONVENE_SITE_NAME", "Riverside Data Forum")]).await;
    let home = reqwest::get(format!("{}/", served.url)).await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("Riverside Data Forum"));
    // The database file and the generated key sit in the data folder.
    assert!(served.dir.path().join("secret.key").exists());

    let child = served.take();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        output.status.success(),
        "exit after SIGTERM: {:?} {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn storage_that_is_not_a_bucket_address() {
    let (code, err) = serve_with(&[("CONVENE_STORAGE__URL", "forum-files")]);
    assert_one_clear_line(code, &err, "CONVENE_STORAGE__URL", "is not an address");
}

#[test]
fn unreachable_storage_names_the_setting_and_hides_the_secret() {
    let (code, err) = serve_with(&[
        ("CONVENE_STORAGE__URL", "s3://forum-files"),
        ("CONVENE_STORAGE__ENDPOINT", "http://127.0.0.1:1"),
        ("CONVENE_STORAGE__ACCESS_KEY_ID", "forum"),
        ("CONVENE_STORAGE__SECRET_ACCESS_KEY", "hunter2"),
    ]);
    assert_one_clear_line(
        code,
        &err,
        "CONVENE_STORAGE__URL",
        "cannot use the bucket forum-files",
    );
    assert!(!err.contains("hunter2"), "{err}");
}
