//! devhive-sandbox binary.
fn main() {}
