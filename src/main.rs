fn main() {
    std::process::exit(emaillog::cli::main());
}
