#!/busybox/busybox sh
# pkg on Basalt: make a key, a package and a signed repository, then install
# the package into a root through the repository, all inside the VM.
# Busybox lives apart from the base system, whose files pkg verifies.
export PATH=/busybox:/bin HOME=/root
mkdir -p /proc /tmp /root && mount -t proc proc /proc
step() {
    name=$1
    shift
    if "$@"; then echo "PASS $name"; else echo "FAIL $name"; fi
}
mkdir -p /tmp/stage/bin /tmp/repo /tmp/keys /r/etc/pkg/repos /r/etc/pkg/fingerprints/main/trusted
echo hello > /tmp/stage/bin/hello
printf 'name = "hello"\nversion = "1.0"\ncomment = "greets"\n' > /tmp/hello.toml
step key-generate pkg key generate -o /tmp/keys/secret -p /tmp/keys/public
step create pkg create -M /tmp/hello.toml -r /tmp/stage -o /tmp/repo
step repo pkg repo /tmp/repo /tmp/keys/secret
pkg key fingerprint /tmp/keys/public > /r/etc/pkg/fingerprints/main/trusted/dev
printf 'url = "file:///tmp/repo"\nfingerprints = "/etc/pkg/fingerprints/main"\n' > /r/etc/pkg/repos/main.toml
step update pkg -r /r update
step install pkg -r /r -y install hello
step profile [ "$(cat /r/usr/local/bin/hello)" = hello ]
step verify pkg -r /r verify
echo "pkg-on-basalt: done"
poweroff -f
