//! The embedded, durable backend (to be written).
