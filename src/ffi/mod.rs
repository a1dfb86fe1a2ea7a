//! SKELETON (to be replaced by the C ABI work): the C ABI. See docs/ABI.md.
