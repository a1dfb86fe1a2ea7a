//! Compiles `proto/` into Rust types with prost. protox is a pure-Rust protobuf
//! compiler, so no `protoc` is needed on the build machine.

fn main() {
    let protos = [
        "proto/feast_aerospike/v1/types.proto",
        "proto/feast_aerospike/v1/store.proto",
    ];
    for p in &protos {
        println!("cargo:rerun-if-changed={p}");
    }
    let fds = protox::compile(protos, ["proto"]).expect("compile proto/ with protox");
    prost_build::Config::new()
        // Sorted maps: `WriteRow.values` is written as a key-ordered map, and
        // sorted iteration keeps encodings deterministic.
        .btree_map(["."])
        .compile_fds(fds)
        .expect("generate Rust code from proto/");
}
