#!/busybox/busybox sh
# On Basalt, pkg upgrades the base system in place from a newer signed
# repository (binary updates), and the result verifies.
# Busybox lives apart from the base system, whose files pkg verifies.
export PATH=/busybox:/bin HOME=/root
mkdir -p /proc /tmp /root && mount -t proc proc /proc
step() {
    name=$1
    shift
    if "$@"; then echo "PASS $name"; else echo "FAIL $name"; fi
}
step before [ "$(pkg -r / query '%v' runtime)" = 0.1.0 ]
step upgrade pkg -r / -y upgrade
step after [ "$(pkg -r / query '%v' runtime)" = 0.2.0 ]
step new-file [ "$(cat /share/basalt/release)" = "Basalt 0.2.0" ]
step kernel-kept [ "$(pkg -r / query '%v' kernel)" = 0.1.0 ]
step verify pkg -r / verify
echo "pkg-base-upgrade: done"
poweroff -f
