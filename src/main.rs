//! The `dockopt` command: the CLI and `measure` (processes, signals, engines) sit here, outside
//! the library, which only rewrites text.

mod cli;
mod measure;

fn main() {
    std::process::exit(cli::main());
}
