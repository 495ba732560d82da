//! `newfs_ext2` alone, for hosts: the same code as `crunch newfs_ext2`.

fn main() {
    crunch::main_as("newfs_ext2")
}
