fn main() {
    eprintln!("pkg: not built yet");
    std::process::exit(1);
}
