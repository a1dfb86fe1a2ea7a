package feastaerospike

// Version is this module's release, the same as the library's version
// (scripts/versions.env; scripts/sync-versions.sh writes it here). The module
// is tagged bindings/go/v<Version> in the repository.
const Version = "0.1.0"
