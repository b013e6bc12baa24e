//! The `dockopt` command: the CLI and `measure` (processes, signals, engines) sit here, outside
//! the library, which only rewrites text.

mod cli;
mod measure;

// The workers allocate many small strings at once; the system allocator's arena lock was the top
// of the profile on a corpus run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
