//! `true`: do nothing, successfully.

pub const PROGRAM: crate::Program = crate::Program {
    names: &["true"],
    dir: "bin",
    main,
};

fn main(_args: &[String]) -> i32 {
    0
}
