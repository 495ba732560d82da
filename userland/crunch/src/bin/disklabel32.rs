//! `disklabel32` alone, for hosts: the same code as `crunch disklabel32`.

fn main() {
    crunch::main_as("disklabel32")
}
