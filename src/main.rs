fn main() {
    std::process::exit(dockopt::cli::main());
}
