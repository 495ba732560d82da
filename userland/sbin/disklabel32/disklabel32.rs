//! `disklabel32`: the classic 32-bit BSD disk label of a slice; the same
//! program as disklabel64(8), on the other format.

use crate::r#disklabel64::{Format, run};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["disklabel32", "disklabel"],
    dir: "sbin",
    main,
};

fn main(args: &[String]) -> i32 {
    run(args, Format::Label32)
}
