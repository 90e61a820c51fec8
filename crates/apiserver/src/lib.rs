//! rkube's Kubernetes API server.
//!
//! The only door to the store: authentication, authorization, admission, then the
//! generic REST registry over [`rkube_store::Store`]. Start reading at `router`.

pub mod discovery;
pub mod openapi;
