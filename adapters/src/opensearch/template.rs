//! The index templates (the logs template and the span template), each ensured once per
//! container: read the installed version, install or upgrade when ours is newer (the decisions
//! are [`shiplog::delivery::index_template`]'s; the span template's body and version are
//! [`shiplog::span::template`]'s). A
//! failure is reported in the delivery's outcome, never raised: shipping goes on regardless, and
//! the check is tried again after [`TEMPLATE_RETRY_INTERVAL`].

use super::client::{HttpClient, JSON};
use shiplog::delivery::index_template::{self, Installed, TemplateError};
use shiplog::delivery::item::ItemError;
use shiplog::span::template as span_template;
use std::time::{Duration, Instant};

/// Cap on each template request; the template never holds up shipping for long.
pub const TEMPLATE_TIMEOUT: Duration = Duration::from_secs(5);
/// After a failed template check, the next invocation tries again no sooner than this.
pub const TEMPLATE_RETRY_INTERVAL: Duration = Duration::from_secs(300);

/// The index template's state in this container.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TemplateStatus {
    /// Template management is off.
    #[default]
    NotManaged,
    /// The cluster already had this version or a newer one.
    Current {
        /// Installed version.
        version: u64,
    },
    /// We installed (or upgraded to) this version.
    Installed {
        /// Our version.
        version: u64,
    },
    /// Checking or installing failed; shipping went on regardless.
    Failed(TemplateError),
}

#[derive(Debug, Default)]
struct TemplateState {
    status: Option<TemplateStatus>,
    checked_at: Option<Instant>,
}

/// Which of shiplog's templates a keeper ensures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TemplateKind {
    /// The log documents' template (`<prefix>`, for `<prefix>-*`).
    Logs,
    /// The invocation spans' template (`otel-v1-apm-span-<prefix>`).
    Spans,
}

impl TemplateKind {
    fn name(self, index_prefix: &str) -> String {
        match self {
            TemplateKind::Logs => index_template::template_name(index_prefix),
            TemplateKind::Spans => span_template::span_template_name(index_prefix),
        }
    }

    fn version(self) -> Result<u64, TemplateError> {
        match self {
            TemplateKind::Logs => index_template::template_version(),
            TemplateKind::Spans => span_template::span_template_version()
                .map_err(|e| TemplateError::Invalid(e.to_string())),
        }
    }

    fn render(self, index_prefix: &str) -> Result<Vec<u8>, TemplateError> {
        match self {
            TemplateKind::Logs => index_template::render_template(index_prefix),
            TemplateKind::Spans => span_template::render_span_template(index_prefix)
                .map_err(|e| TemplateError::Invalid(e.to_string())),
        }
    }
}

/// Ensures one template of one index prefix, remembering the outcome for the container.
#[derive(Debug)]
pub(super) struct TemplateKeeper {
    index_prefix: String,
    kind: TemplateKind,
    manage: bool,
    state: tokio::sync::Mutex<TemplateState>,
}

impl TemplateKeeper {
    /// A keeper of the `kind` template named after `index_prefix`; `manage` off makes it a
    /// no-op.
    pub(super) fn new(index_prefix: &str, kind: TemplateKind, manage: bool) -> Self {
        TemplateKeeper {
            index_prefix: index_prefix.to_owned(),
            kind,
            manage,
            state: tokio::sync::Mutex::new(TemplateState::default()),
        }
    }

    /// Ensures the index template once per container (again after [`TEMPLATE_RETRY_INTERVAL`]
    /// when it failed). Never blocks shipping for more than the template timeout.
    pub(super) async fn ensure(&self, http: &HttpClient, deadline: Instant) -> TemplateStatus {
        if !self.manage {
            return TemplateStatus::NotManaged;
        }
        let mut state = self.state.lock().await;
        let retry_due = state
            .checked_at
            .is_none_or(|t| t.elapsed() >= TEMPLATE_RETRY_INTERVAL);
        match &state.status {
            Some(s @ (TemplateStatus::Current { .. } | TemplateStatus::Installed { .. })) => {
                return s.clone()
            }
            Some(s @ TemplateStatus::Failed(_)) if !retry_due => return s.clone(),
            _ => {}
        }
        let budget = deadline.saturating_duration_since(Instant::now()) / 4;
        let status = match self.install(http, budget.min(TEMPLATE_TIMEOUT)).await {
            Ok(s) => s,
            Err(e) => TemplateStatus::Failed(e),
        };
        state.status = Some(status.clone());
        state.checked_at = Some(Instant::now());
        status
    }

    async fn install(
        &self,
        http: &HttpClient,
        timeout: Duration,
    ) -> Result<TemplateStatus, TemplateError> {
        let name = self.kind.name(&self.index_prefix);
        let ours = self.kind.version()?;
        let path = format!("/_index_template/{name}");
        let transport = |operation: &'static str, e: ItemError| TemplateError::Transport {
            operation,
            name: name.clone(),
            detail: format!("{}: {}", e.kind, e.reason),
        };
        let got = http
            .request(reqwest::Method::GET, &path, None, None, Vec::new(), timeout)
            .await
            .map_err(|e| transport("GET", e))?;
        let installed = index_template::read_installed(&name, got.status, &got.body)?;
        if !index_template::needs_install(installed, ours) {
            let version = match installed {
                Installed::Version(v) => v,
                Installed::Missing => ours,
            };
            return Ok(TemplateStatus::Current { version });
        }
        let body = self.kind.render(&self.index_prefix)?;
        let put = http
            .request(reqwest::Method::PUT, &path, Some(JSON), None, body, timeout)
            .await
            .map_err(|e| transport("PUT", e))?;
        index_template::read_put(&name, put.status, &put.body)?;
        Ok(TemplateStatus::Installed { version: ours })
    }
}
