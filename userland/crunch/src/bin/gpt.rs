//! `gpt` alone, for hosts: the same code as `crunch gpt`.

fn main() {
    crunch::main_as("gpt")
}
