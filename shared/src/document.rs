//! TODO(lead): documents.
