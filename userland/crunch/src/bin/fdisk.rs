//! `fdisk` alone, for hosts: the same code as `crunch fdisk`.

fn main() {
    crunch::main_as("fdisk")
}
