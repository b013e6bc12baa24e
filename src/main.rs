//! The `dockopt` command: the CLI, `measure` (processes, signals, engines) and the language
//! server sit here, outside the library, which only rewrites text.

mod cli;
mod measure;
mod server;

// The workers allocate many small strings at once; the system allocator's arena lock was the top
// of the profile on a corpus run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
