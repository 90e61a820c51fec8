//! TEMPORARY minimal version on main; replaced by the api-core branch at merge.
use serde_json::Value;
use crate::ResourceInfo;
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat { Json, Yaml }
#[derive(Debug)]
pub struct ParsedBody { pub value: Value, pub duplicate_fields: Vec<String> }
#[derive(Debug)]
pub struct Decoded { pub object: Value, pub unknown_fields: Vec<String> }
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);
pub fn parse_body(bytes: &[u8], format: BodyFormat) -> Result<ParsedBody, DecodeError> {
    let value: Value = match format {
        BodyFormat::Json => serde_json::from_slice(bytes).map_err(|e| DecodeError(e.to_string()))?,
        BodyFormat::Yaml => return Err(DecodeError("yaml unsupported".into())),
    };
    if !value.is_object() { return Err(DecodeError("not an object".into())); }
    Ok(ParsedBody { value, duplicate_fields: vec![] })
}
pub fn decode(_info: &ResourceInfo, value: Value) -> Result<Decoded, DecodeError> {
    Ok(Decoded { object: value, unknown_fields: vec![] })
}
