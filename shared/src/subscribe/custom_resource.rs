//! CloudFormation custom resource: the request `subscribe` receives at deploy time and the
//! response body it must always PUT to the pre-signed `ResponseURL` (without it the stack waits
//! for an hour and fails).

use super::lenient::string_of;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// CloudFormation's limit on the response body.
pub const MAX_RESPONSE_BYTES: usize = 4096;

/// Bytes of the `…` appended to a shortened reason.
const ELLIPSIS_BYTES: usize = '…'.len_utf8();

/// Prefix of the physical resource id given on `Create`.
pub const PHYSICAL_ID_PREFIX: &str = "shiplog-subscribe-";

/// What CloudFormation asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RequestType {
    /// Stack create: run the backfill.
    Create,
    /// Stack update: run the backfill again (configuration may have changed).
    Update,
    /// Stack delete: optional cleanup of our own filters.
    Delete,
}

/// A custom-resource request.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomResourceRequest {
    /// Create, Update or Delete.
    pub request_type: RequestType,
    /// Pre-signed S3 URL the response is PUT to.
    pub response_url: String,
    /// The stack.
    pub stack_id: String,
    /// The request.
    pub request_id: String,
    /// The resource's logical id in the template.
    pub logical_resource_id: String,
    /// Present on Update and Delete.
    pub physical_resource_id: Option<String>,
    /// `Custom::…` type.
    pub resource_type: Option<String>,
    /// The resource's properties (`ServiceToken` and whatever the template adds).
    pub resource_properties: Value,
}

impl CustomResourceRequest {
    /// Recognises a custom-resource request; `None` when a required field is missing.
    pub fn from_value(value: &Value) -> Option<Self> {
        let request_type = match string_of(value.get("RequestType"))?.as_str() {
            "Create" => RequestType::Create,
            "Update" => RequestType::Update,
            "Delete" => RequestType::Delete,
            _ => return None,
        };
        Some(CustomResourceRequest {
            request_type,
            response_url: string_of(value.get("ResponseURL"))?,
            stack_id: string_of(value.get("StackId"))?,
            request_id: string_of(value.get("RequestId"))?,
            logical_resource_id: string_of(value.get("LogicalResourceId"))?,
            physical_resource_id: string_of(value.get("PhysicalResourceId")),
            resource_type: string_of(value.get("ResourceType")),
            resource_properties: value
                .get("ResourceProperties")
                .cloned()
                .unwrap_or(Value::Null),
        })
    }

    /// The physical id to answer with: the existing one on Update/Delete (changing it would make
    /// CloudFormation delete the "old" resource), a stable one derived from the logical id on
    /// Create.
    pub fn physical_resource_id(&self) -> String {
        self.physical_resource_id
            .clone()
            .unwrap_or_else(|| format!("{PHYSICAL_ID_PREFIX}{}", self.logical_resource_id))
    }
}

/// `SUCCESS` or `FAILED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ResponseStatus {
    /// The resource operation succeeded (also when some groups were skipped).
    Success,
    /// It failed; `Reason` says why.
    Failed,
}

/// The response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomResourceResponse {
    /// SUCCESS or FAILED.
    pub status: ResponseStatus,
    /// Human reason (required for FAILED; truncated to fit the size limit).
    pub reason: String,
    /// Physical id.
    pub physical_resource_id: String,
    /// Echoed from the request.
    pub stack_id: String,
    /// Echoed from the request.
    pub request_id: String,
    /// Echoed from the request.
    pub logical_resource_id: String,
    /// Values for `Fn::GetAtt` (counts).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
}

impl CustomResourceResponse {
    /// The response to `request`.
    pub fn new(
        request: &CustomResourceRequest,
        status: ResponseStatus,
        reason: impl Into<String>,
        data: BTreeMap<String, String>,
    ) -> Self {
        CustomResourceResponse {
            status,
            reason: reason.into(),
            physical_resource_id: request.physical_resource_id(),
            stack_id: request.stack_id.clone(),
            request_id: request.request_id.clone(),
            logical_resource_id: request.logical_resource_id.clone(),
            data,
        }
    }

    /// The JSON body, at most [`MAX_RESPONSE_BYTES`]: the reason is shortened first, then the
    /// data dropped.
    pub fn to_body(&self) -> Vec<u8> {
        let mut fitted = self.clone();
        let mut body = fitted.serialise();
        while let Some(excess) = body
            .len()
            .checked_sub(MAX_RESPONSE_BYTES)
            .filter(|e| *e > 0)
        {
            if fitted.reason.is_empty() {
                fitted.data.clear();
                return fitted.serialise();
            }
            let keep = fitted.reason.len().saturating_sub(excess + ELLIPSIS_BYTES);
            fitted.reason = truncate(&fitted.reason, keep);
            if keep == 0 {
                fitted.reason.clear();
            }
            body = fitted.serialise();
        }
        body
    }

    fn serialise(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// At most `max` bytes of `text`, cut at a char boundary, with `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let end = text.floor_char_boundary(max);
    let mut cut = text.get(..end).unwrap_or_default().to_owned();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn create_request() -> Value {
        json!({
            "RequestType": "Create",
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:shiplog-subscribe",
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?sig=1",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/shiplog/guid",
            "RequestId": "unique-id",
            "LogicalResourceId": "Backfill",
            "ResourceType": "Custom::ShiplogBackfill",
            "ResourceProperties": {"ServiceToken": "arn:…", "ConfigVersion": "3"}
        })
    }

    #[test]
    fn create_request_is_recognised_with_a_derived_physical_id() {
        let request = CustomResourceRequest::from_value(&create_request()).unwrap();
        assert_eq!(request.request_type, RequestType::Create);
        assert_eq!(request.physical_resource_id(), "shiplog-subscribe-Backfill");
        assert_eq!(request.resource_properties["ConfigVersion"], "3");
    }

    #[test]
    fn update_and_delete_keep_the_existing_physical_id() {
        let mut value = create_request();
        value["RequestType"] = json!("Delete");
        value["PhysicalResourceId"] = json!("existing-id");
        let request = CustomResourceRequest::from_value(&value).unwrap();
        assert_eq!(request.request_type, RequestType::Delete);
        assert_eq!(request.physical_resource_id(), "existing-id");
    }

    #[test]
    fn requests_missing_a_required_field_are_not_custom_resource_requests() {
        for field in [
            "RequestType",
            "ResponseURL",
            "StackId",
            "RequestId",
            "LogicalResourceId",
        ] {
            let mut value = create_request();
            value.as_object_mut().unwrap().remove(field);
            assert_eq!(CustomResourceRequest::from_value(&value), None, "{field}");
        }
        let mut value = create_request();
        value["RequestType"] = json!("Replace");
        assert_eq!(CustomResourceRequest::from_value(&value), None);
    }

    #[test]
    fn response_body_has_the_cloudformation_field_names() {
        let request = CustomResourceRequest::from_value(&create_request()).unwrap();
        let data = [("Subscribed".to_owned(), "3".to_owned())].into();
        let response = CustomResourceResponse::new(&request, ResponseStatus::Success, "ok", data);
        let body: Value = serde_json::from_slice(&response.to_body()).unwrap();
        assert_eq!(
            body,
            json!({
                "Status": "SUCCESS", "Reason": "ok",
                "PhysicalResourceId": "shiplog-subscribe-Backfill",
                "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/shiplog/guid",
                "RequestId": "unique-id", "LogicalResourceId": "Backfill",
                "Data": {"Subscribed": "3"}
            })
        );
    }

    #[test]
    fn oversized_reason_is_truncated_at_a_char_boundary_to_fit_4096_bytes() {
        let request = CustomResourceRequest::from_value(&create_request()).unwrap();
        let reason = "é".repeat(5000);
        let response =
            CustomResourceResponse::new(&request, ResponseStatus::Failed, reason, BTreeMap::new());
        let body = response.to_body();
        assert!(body.len() <= MAX_RESPONSE_BYTES, "{}", body.len());
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["Status"], "FAILED");
        assert!(parsed["Reason"].as_str().unwrap().ends_with('…'));
    }

    #[test]
    fn reason_that_grows_when_escaped_still_fits() {
        let request = CustomResourceRequest::from_value(&create_request()).unwrap();
        let data = (0..20).map(|i| (format!("K{i}"), "v".repeat(10))).collect();
        let response = CustomResourceResponse::new(
            &request,
            ResponseStatus::Failed,
            "\"\n".repeat(3000),
            data,
        );
        let body = response.to_body();
        assert!(body.len() <= MAX_RESPONSE_BYTES, "{}", body.len());
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["Data"]["K3"], "vvvvvvvvvv");
    }
}
