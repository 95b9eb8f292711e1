//! TODO(lead): pipeline.
/// Pipeline.
pub struct Pipeline;
/// Config.
pub struct PipelineConfig;
/// Output.
pub struct PipelineOutput;
