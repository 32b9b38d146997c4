//! `cargo xtask`: project automation.
#![allow(clippy::print_stderr, clippy::print_stdout)]

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(other) => anyhow::bail!("unknown task {other:?}"),
        None => {
            println!("usage: cargo xtask <task>");
            Ok(())
        }
    }
}
