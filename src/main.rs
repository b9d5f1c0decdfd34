//! Parse the command line and hand over to the library.

fn main() {
    std::process::exit(frontdesk::cli::main(std::env::args().skip(1).collect()));
}
