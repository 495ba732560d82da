//! `fsck_ext2` alone, for hosts: the same code as `crunch fsck_ext2`.

fn main() {
    crunch::main_as("fsck_ext2")
}
