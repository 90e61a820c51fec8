//! rkube's resource model, shared by the API server and the clients.
//!
//! Objects travel as `serde_json::Value`; this crate knows, per kind, what Kubernetes
//! knows: where the kind lives ([`registry`]), how a body is decoded and checked for
//! unknown fields ([`decode`]), its defaults ([`defaults`]), its validation rules and
//! messages ([`validation`]), label and field selectors ([`selectors`]), the patch
//! types ([`patch`]) and the server-side table columns ([`table`]). Types come from
//! `k8s-openapi`; start reading at [`registry::ResourceInfo`].

pub mod decode;
pub mod defaults;
pub mod patch;
pub mod protobuf;
pub mod registry;
pub mod selectors;
pub mod table;
pub mod validation;

pub use registry::{Registry, ResourceInfo};
