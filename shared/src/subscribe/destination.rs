//! What `DESTINATION_ARN` points at: the ship-logs Lambda (the default deployment), a Kinesis data
//! stream or a Firehose stream (buffered modes, which need a role CloudWatch Logs assumes), or a
//! cross-account CloudWatch Logs destination.

use std::fmt;

/// The service behind a subscription destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestinationKind {
    /// A Lambda function; `function_name` without qualifier (its log group is
    /// `/aws/lambda/<function_name>`).
    Lambda {
        /// The function's name, alias or version qualifier removed.
        function_name: String,
    },
    /// A Kinesis data stream (`roleArn` required).
    Kinesis,
    /// A Firehose delivery stream (`roleArn` required).
    Firehose,
    /// A CloudWatch Logs destination (cross-account; no `roleArn`).
    LogsDestination,
}

/// A parsed subscription destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The ARN exactly as configured (this is what filters are compared against).
    pub arn: String,
    /// The service it belongs to.
    pub kind: DestinationKind,
}

/// Why a destination ARN is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    /// Not of the form `arn:<partition>:<service>:<region>:<account>:<resource>`.
    #[error("`{0}` is not an ARN (arn:partition:service:region:account:resource)")]
    NotAnArn(String),
    /// An ARN of a service that cannot receive subscription filters.
    #[error("`{arn}`: service `{service}` cannot be a subscription destination (lambda, kinesis, firehose or logs)")]
    UnsupportedService {
        /// The ARN.
        arn: String,
        /// Its service part.
        service: String,
    },
    /// A Lambda ARN without a function name.
    #[error("`{0}` is a Lambda ARN without `function:<name>`")]
    NoFunctionName(String),
}

impl Destination {
    /// Parses and classifies a destination ARN.
    pub fn parse(arn: &str) -> Result<Self, DestinationError> {
        let arn = arn.trim();
        let mut parts = arn.splitn(6, ':');
        let (
            Some("arn"),
            Some(_partition),
            Some(service),
            Some(_region),
            Some(_account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(DestinationError::NotAnArn(arn.to_owned()));
        };
        let kind = match service {
            "lambda" => DestinationKind::Lambda {
                function_name: lambda_function_name(resource)
                    .ok_or_else(|| DestinationError::NoFunctionName(arn.to_owned()))?
                    .to_owned(),
            },
            "kinesis" => DestinationKind::Kinesis,
            "firehose" => DestinationKind::Firehose,
            "logs" => DestinationKind::LogsDestination,
            other => {
                return Err(DestinationError::UnsupportedService {
                    arn: arn.to_owned(),
                    service: other.to_owned(),
                })
            }
        };
        Ok(Destination {
            arn: arn.to_owned(),
            kind,
        })
    }

    /// Whether CloudWatch Logs needs a role (`roleArn`) to deliver to this destination.
    pub fn needs_role(&self) -> bool {
        matches!(
            self.kind,
            DestinationKind::Kinesis | DestinationKind::Firehose
        )
    }

    /// The destination function's own log group, when the destination is a Lambda function.
    pub fn own_log_group(&self) -> Option<String> {
        match &self.kind {
            DestinationKind::Lambda { function_name } => Some(lambda_log_group(function_name)),
            _ => None,
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

/// The default log group of a Lambda function.
pub fn lambda_log_group(function_name: &str) -> String {
    format!("/aws/lambda/{function_name}")
}

/// `function:<name>[:<qualifier>]` → `<name>`.
fn lambda_function_name(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("function:")?;
    let name = rest.split(':').next().unwrap_or(rest);
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_destination_yields_its_own_log_group_without_qualifier() {
        let d =
            Destination::parse("arn:aws:lambda:us-east-1:123456789012:function:ship:live").unwrap();
        assert_eq!(
            d.kind,
            DestinationKind::Lambda {
                function_name: "ship".into()
            }
        );
        assert_eq!(d.own_log_group().as_deref(), Some("/aws/lambda/ship"));
        assert!(!d.needs_role());
    }

    #[test]
    fn kinesis_and_firehose_need_a_role_and_have_no_own_group() {
        let k = Destination::parse("arn:aws:kinesis:us-east-1:1:stream/logs").unwrap();
        let f = Destination::parse("arn:aws:firehose:us-east-1:1:deliverystream/x").unwrap();
        assert!(k.needs_role() && f.needs_role());
        assert_eq!(k.own_log_group(), None);
        let l = Destination::parse("arn:aws:logs:us-east-1:1:destination:central").unwrap();
        assert!(!l.needs_role());
    }

    #[test]
    fn malformed_and_unsupported_arns_are_rejected() {
        assert!(matches!(
            Destination::parse("ship-logs"),
            Err(DestinationError::NotAnArn(_))
        ));
        assert!(matches!(
            Destination::parse("arn:aws:s3:::bucket"),
            Err(DestinationError::UnsupportedService { .. })
        ));
        assert!(matches!(
            Destination::parse("arn:aws:lambda:us-east-1:1:layer:x"),
            Err(DestinationError::NoFunctionName(_))
        ));
    }
}
