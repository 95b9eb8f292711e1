//! A minimal moto server launcher for tests that need S3 or Secrets Manager: picks a free
//! `127.0.0.1` port, spawns `$SHIPLOG_PYTHON -m moto.server -H 127.0.0.1 -p <port>`
//! (`SHIPLOG_PYTHON` defaults to `<repo>/.venv/bin/python`, created by
//! `scripts/setup-test-env.sh`), waits until it answers, and kills it on drop. Fails loudly when
//! moto is missing.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to start.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Region used against moto.
pub const MOTO_REGION: &str = "us-east-1";

/// A running moto server.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python interpreter with moto installed.
pub fn python() -> std::path::PathBuf {
    match std::env::var_os("SHIPLOG_PYTHON") {
        Some(p) if !p.is_empty() => p.into(),
        _ => crate::repo_root().join(".venv/bin/python"),
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Whether an HTTP server answers on `port`.
fn answers(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    matches!(s.read(&mut buf), Ok(n) if n >= 5 && buf.starts_with(b"HTTP/"))
}

impl MotoServer {
    /// Starts moto; an error says how to install it.
    pub fn start() -> Result<Self, String> {
        let python = python();
        if !python.exists() {
            return Err(format!(
                "moto is missing: {} does not exist; run scripts/setup-test-env.sh (or set SHIPLOG_PYTHON)",
                python.display()
            ));
        }
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let mut child = Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {} -m moto.server: {e}", python.display()))?;
        let started = Instant::now();
        loop {
            if answers(port) {
                return Ok(MotoServer { child, port });
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                return Err(format!(
                    "moto server exited with {status} (is moto[server] installed in {}? run scripts/setup-test-env.sh): {err}",
                    python.display()
                ));
            }
            if started.elapsed() > STARTUP_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "moto server did not answer on port {port} within {STARTUP_TIMEOUT:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An AWS configuration pointing every SDK client at this server (static test credentials).
    pub fn sdk_config(&self) -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(MOTO_REGION))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "moto",
            )))
            .endpoint_url(self.endpoint())
            .build()
    }

    /// An S3 client (path-style) for this server.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk_config())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
}
