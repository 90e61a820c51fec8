//! placeholder
pub mod names;
