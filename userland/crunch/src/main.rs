//! The multi-call binary: every base program, chosen by the name it runs as.

fn main() {
    crunch::main()
}
