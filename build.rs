//! Rebuild when anything under assets/ changes, a file added or removed included: the web
//! server embeds that folder (rust-embed in src/web/assets.rs), and a new file is not one the
//! compiler has read.

fn main() {
    println!("cargo:rerun-if-changed=assets");
}
