//! A moto server (local AWS emulator) per test.
//!
//! [`MotoServer::start`] picks a free port on 127.0.0.1 (binds port 0, releases it; retries on a
//! collision), starts `python -m moto.server -H 127.0.0.1 -p PORT`, waits until it answers HTTP
//! and kills it on drop. Each test starts its own server, so tests run in parallel without
//! sharing state.
//!
//! Python: `$SHIPLOG_PYTHON` when set, else `<repo>/.venv/bin/python` (created by
//! `scripts/setup-test-env.sh`, which installs the pinned `moto[server]`), else `python3`. When
//! none of them has moto, `start` fails with a message saying to run that script: a test that
//! needs moto fails, it is never silently skipped.
//!
//! ```no_run
//! # async fn demo() -> Result<(), shiplog_tests::moto::MotoError> {
//! let moto = shiplog_tests::moto::MotoServer::start()?;
//! let sdk = moto.sdk_config().await; // endpoint = moto, static test credentials, us-east-1
//! let function_arn = moto.create_lambda_function("ship-logs")?;
//! # Ok(()) }
//! ```

use base64::Engine;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable naming the Python interpreter that has moto.
pub const PYTHON_ENV: &str = "SHIPLOG_PYTHON";
/// Account id moto uses.
pub const ACCOUNT_ID: &str = "123456789012";
/// Region the helpers use.
pub const REGION: &str = "us-east-1";
/// How long a server may take to answer after start.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Ports tried before giving up on collisions.
const PORT_ATTEMPTS: usize = 5;
/// Pause between readiness probes.
const PROBE_PAUSE: Duration = Duration::from_millis(100);
/// Timeout of one raw request to moto.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The message every "moto unavailable" failure carries.
const SETUP_HINT: &str = "run scripts/setup-test-env.sh (it installs moto[server] into ./.venv) \
                          or set SHIPLOG_PYTHON to a Python that has moto";

/// Why moto could not be used.
#[derive(Debug)]
pub enum MotoError {
    /// No candidate Python has moto.
    NoMoto {
        /// What each candidate said.
        tried: Vec<String>,
    },
    /// The server did not come up.
    NotReady(String),
    /// A helper request failed.
    Request(String),
}

impl std::fmt::Display for MotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MotoError::NoMoto { tried } => write!(
                f,
                "moto server is not available ({}); {SETUP_HINT}",
                tried.join("; ")
            ),
            MotoError::NotReady(why) => write!(f, "moto server did not start: {why}"),
            MotoError::Request(why) => write!(f, "request to moto failed: {why}"),
        }
    }
}

impl std::error::Error for MotoError {}

/// A running moto server, killed on drop.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

/// How one start attempt ended.
enum Attempt {
    Ready(MotoServer),
    PortTaken,
    NoMoto(String),
    Failed(String),
}

impl MotoServer {
    /// Starts a server on a free port and waits until it answers.
    pub fn start() -> Result<Self, MotoError> {
        let mut tried = Vec::new();
        for python in python_candidates() {
            for _ in 0..PORT_ATTEMPTS {
                match try_start(&python)? {
                    Attempt::Ready(server) => return Ok(server),
                    Attempt::PortTaken => continue,
                    Attempt::NoMoto(why) => {
                        tried.push(format!("{python}: {why}"));
                        break;
                    }
                    Attempt::Failed(why) => return Err(MotoError::NotReady(why)),
                }
            }
        }
        Err(MotoError::NoMoto { tried })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment variables that point an AWS SDK process (e.g. a Lambda binary under test) at
    /// this server: endpoint, region, static test credentials.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_DEFAULT_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// An SDK configuration for this server: its endpoint, static test credentials, us-east-1.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .region(aws_config::Region::new(REGION))
            .test_credentials()
            .load()
            .await
    }

    /// An S3 client for this server's `sdk` configuration ([`Self::sdk_config`]), with path-style
    /// addressing: moto serves every bucket on its one host.
    pub fn s3_client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(sdk)
                .force_path_style(true)
                .build(),
        )
    }

    /// What the server printed so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Creates a Lambda function `name` in moto (with an IAM role, which moto requires, and a
    /// tiny zip) so that moto accepts it as a subscription destination. Returns its ARN.
    pub fn create_lambda_function(&self, name: &str) -> Result<String, MotoError> {
        let role = format!("{name}-role");
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let form = format!(
            "Action=CreateRole&Version=2010-05-08&RoleName={}&AssumeRolePolicyDocument={}",
            percent_encode(&role),
            percent_encode(trust)
        );
        let (status, body) = self.request(
            "iam",
            "POST",
            "/",
            "application/x-www-form-urlencoded",
            form.as_bytes(),
        )?;
        if status != 200 {
            return Err(MotoError::Request(format!("CreateRole {status}: {body}")));
        }
        let zip = stored_zip("bootstrap", b"#!/bin/sh\necho shiplog test function\n");
        let function = serde_json::json!({
            "FunctionName": name,
            "Runtime": "provided.al2023",
            "Role": format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}"),
            "Handler": "bootstrap",
            "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(&zip)},
        });
        let (status, body) = self.request(
            "lambda",
            "POST",
            "/2015-03-31/functions",
            "application/json",
            function.to_string().as_bytes(),
        )?;
        if status != 201 && status != 200 {
            return Err(MotoError::Request(format!(
                "CreateFunction {status}: {body}"
            )));
        }
        Ok(format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        ))
    }

    /// A raw, unsigned request to moto for `service` (moto routes by the credential scope of the
    /// `Authorization` header and does not check signatures). Returns status and body.
    pub fn request(
        &self,
        service: &str,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<(u16, String), MotoError> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
             Content-Type: {content_type}\r\nContent-Length: {len}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\r\n",
            port = self.port,
            len = body.len()
        );
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))
            .map_err(|e| MotoError::Request(e.to_string()))?;
        let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        stream
            .write_all(&request)
            .map_err(|e| MotoError::Request(e.to_string()))?;
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .map_err(|e| MotoError::Request(e.to_string()))?;
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = status_code(&text)
            .ok_or_else(|| MotoError::Request(format!("not an HTTP response: {text}")))?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Ok((status, body))
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `$SHIPLOG_PYTHON`, or the repo venv's python (when present) then `python3`.
fn python_candidates() -> Vec<String> {
    if let Ok(python) = std::env::var(PYTHON_ENV) {
        if !python.trim().is_empty() {
            return vec![python];
        }
    }
    let venv = crate::repo_root().join(".venv/bin/python");
    let mut candidates = Vec::new();
    if venv.exists() {
        candidates.push(venv.to_string_lossy().into_owned());
    }
    candidates.push("python3".to_owned());
    candidates
}

fn free_port() -> Result<u16, MotoError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| MotoError::NotReady(format!("no free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| MotoError::NotReady(e.to_string()))
}

fn try_start(python: &str) -> Result<Attempt, MotoError> {
    let port = free_port()?;
    let log = std::env::temp_dir().join(format!("shiplog-moto-{}-{port}.log", std::process::id()));
    let log_file = std::fs::File::create(&log).map_err(|e| MotoError::NotReady(e.to_string()))?;
    let log_err = log_file
        .try_clone()
        .map_err(|e| MotoError::NotReady(e.to_string()))?;
    let child = match Command::new(python)
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return Ok(Attempt::NoMoto(format!("cannot run: {e}"))),
    };
    let mut server = MotoServer { child, port, log };
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            let output = server.log();
            return Ok(if output.contains("No module named") {
                Attempt::NoMoto("moto is not installed".to_owned())
            } else if output.contains("Address already in use") {
                Attempt::PortTaken
            } else {
                Attempt::Failed(format!("exited with {status}: {output}"))
            });
        }
        if answers_http(port) {
            return Ok(Attempt::Ready(server));
        }
        if started.elapsed() > START_TIMEOUT {
            return Ok(Attempt::Failed(format!(
                "no answer on port {port} after {START_TIMEOUT:?}: {}",
                server.log()
            )));
        }
        std::thread::sleep(PROBE_PAUSE);
    }
}

fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let probe =
        format!("GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(probe.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 16];
    matches!(stream.read(&mut head), Ok(n) if head.get(..n).is_some_and(|h| h.starts_with(b"HTTP/")))
}

fn status_code(response: &str) -> Option<u16> {
    response.split_whitespace().nth(1)?.parse().ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A zip archive holding one file, stored (not compressed).
pub fn stored_zip(name: &str, content: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(content);
    let crc = crc.sum();
    let size = u32::try_from(content.len()).unwrap_or(u32::MAX);
    let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX);
    let mut zip = Vec::new();
    // Local file header.
    zip.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]); // version, flags, stored, time, date
    zip.extend_from_slice(&crc.to_le_bytes());
    zip.extend_from_slice(&size.to_le_bytes());
    zip.extend_from_slice(&size.to_le_bytes());
    zip.extend_from_slice(&name_len.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip.extend_from_slice(name.as_bytes());
    zip.extend_from_slice(content);
    let central_offset = u32::try_from(zip.len()).unwrap_or(u32::MAX);
    // Central directory header (Unix, mode 0755 for the executable bootstrap).
    let mut central = Vec::new();
    central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    central.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
    central.extend_from_slice(&crc.to_le_bytes());
    central.extend_from_slice(&size.to_le_bytes());
    central.extend_from_slice(&size.to_le_bytes());
    central.extend_from_slice(&name_len.to_le_bytes());
    central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // extra, comment, disk, internal attrs
    central.extend_from_slice(&(0o100_755u32 << 16).to_le_bytes());
    central.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    central.extend_from_slice(name.as_bytes());
    let central_len = u32::try_from(central.len()).unwrap_or(u32::MAX);
    zip.extend_from_slice(&central);
    // End of central directory.
    zip.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    zip.extend_from_slice(&central_len.to_le_bytes());
    zip.extend_from_slice(&central_offset.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_zip_has_the_zip_structure_and_the_content() {
        let zip = stored_zip("bootstrap", b"hello");
        assert!(zip.starts_with(b"PK\x03\x04"));
        assert_eq!(&zip[30..39], b"bootstrap");
        assert_eq!(&zip[39..44], b"hello");
        let end = zip.len() - 22;
        assert_eq!(&zip[end..end + 4], b"PK\x05\x06");
        assert_eq!(
            u32::from_le_bytes(zip[14..18].try_into().unwrap()),
            0x3610_a686
        );
    }

    #[test]
    fn percent_encoding_keeps_unreserved_characters_only() {
        assert_eq!(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(percent_encode("{\"a\": 1}"), "%7B%22a%22%3A%201%7D");
    }

    #[test]
    fn moto_server_starts_answers_and_is_killed_on_drop() {
        let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
        let port = moto.port();
        assert!(answers_http(port));
        drop(moto);
        std::thread::sleep(Duration::from_millis(200));
        assert!(!answers_http(port));
    }
}
