//! The `ckks` command-line tool.
fn main() {}
