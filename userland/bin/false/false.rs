//! `false`: do nothing, unsuccessfully.

pub const PROGRAM: crate::Program = crate::Program {
    names: &["false"],
    dir: "bin",
    main,
};

fn main(_args: &[String]) -> i32 {
    1
}
