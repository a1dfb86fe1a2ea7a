//! SKELETON (to be replaced by the test-server work).
