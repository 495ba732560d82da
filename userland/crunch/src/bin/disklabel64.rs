//! `disklabel64` alone, for hosts: the same code as `crunch disklabel64`.

fn main() {
    crunch::main_as("disklabel64")
}
