//! seq against GNU coreutils' seq.

use assert_cmd::Command;

#[test]
fn sequences_match_gnu_seq() {
    for args in [
        &["5"][..],
        &["2", "4"],
        &["1", "2", "9"],
        &["-w", "8", "10"],
        &["-s", ",", "3"],
        &["1.5", "0.5", "3"],
        &["5", "-1", "1"],
        &["0"],
        &["3", "1"],
    ] {
        let gnu = std::process::Command::new("seq")
            .args(args)
            .output()
            .unwrap();
        let ours = Command::cargo_bin("crunch")
            .unwrap()
            .arg("seq")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&gnu.stdout),
            "seq {args:?}"
        );
        assert_eq!(ours.status.code(), gnu.status.code(), "seq {args:?}");
    }
}

#[test]
fn bad_input_is_a_usage_error() {
    for args in [&["x"][..], &[], &["1", "0", "3"], &["1", "2", "3", "4"]] {
        let out = Command::cargo_bin("crunch")
            .unwrap()
            .arg("seq")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "seq {args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("seq: "));
    }
}
