#!/bin/busybox sh
# The in-system regression suite for unmodified busybox: run as /init of an
# initramfs holding /bin/busybox and its applet links. The same script is
# the reference on Linux. Prints PASS/FAIL per check, then a summary line,
# then powers off.
export PATH=/bin
mkdir -p /proc /dev /tmp
mount -t proc proc /proc 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null

pass=0
fail=0
check() {
    name=$1
    shift
    if "$@"; then
        echo "PASS $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name"
        fail=$((fail + 1))
    fi
}

t_pipeline() { [ "$(echo hello | tr a-z A-Z | cat)" = HELLO ]; }
t_redirection() {
    echo one > /tmp/r && echo two >> /tmp/r && [ "$(wc -l < /tmp/r)" -eq 2 ] &&
        grep -q two < /tmp/r && ls /nonexistent 2> /tmp/err; [ -s /tmp/err ]
}
t_command_substitution() { [ "$(echo "$(echo nested)")" = nested ]; }
t_arithmetic() { [ $((6 * 7)) -eq 42 ] && [ $(((1 << 10) % 1000)) -eq 24 ]; }
t_functions() {
    greet() { echo "hi $1"; return 3; }
    [ "$(greet you)" = "hi you" ] && { greet x > /dev/null; [ $? -eq 3 ]; }
}
t_background_jobs() {
    (sleep 1; echo done > /tmp/bg) &
    job=$!
    wait $job && [ "$(cat /tmp/bg)" = done ]
}
t_exit_status() { false; [ $? -eq 1 ] && sh -c 'exit 7'; [ $? -eq 7 ]; }
t_files() {
    mkdir -p /tmp/d/e && echo data > /tmp/d/a && cp /tmp/d/a /tmp/d/b &&
        mv /tmp/d/b /tmp/d/e/c && [ "$(cat /tmp/d/e/c)" = data ] &&
        ln -s /tmp/d/a /tmp/d/link && [ "$(cat /tmp/d/link)" = data ] &&
        ln /tmp/d/a /tmp/d/hard && rm /tmp/d/a && [ ! -e /tmp/d/a ] &&
        [ "$(cat /tmp/d/hard)" = data ] && rm -r /tmp/d && [ ! -d /tmp/d ]
}
t_ls() { mkdir -p /tmp/l && touch /tmp/l/x /tmp/l/y && [ "$(ls /tmp/l | tr '\n' ' ')" = "x y " ]; }
t_find() { mkdir -p /tmp/f1/f2 && touch /tmp/f1/f2/x.txt && [ "$(find /tmp/f1 -name '*.txt')" = /tmp/f1/f2/x.txt ]; }
t_text() {
    printf 'b\na\nb\nc\n' > /tmp/t &&
        [ "$(sort /tmp/t | uniq | head -n 2 | tr '\n' ,)" = "a,b," ] &&
        [ "$(sed 's/b/B/g' /tmp/t | grep -c B)" -eq 2 ] &&
        [ "$(echo a:b:c | cut -d: -f2)" = b ] &&
        [ "$(sort -u /tmp/t | wc -l)" -eq 3 ]
}
t_dd_md5sum() {
    dd if=/dev/zero of=/tmp/z bs=1024 count=64 2>/dev/null &&
        [ "$(wc -c < /tmp/z)" -eq 65536 ] &&
        [ "$(md5sum /tmp/z | cut -d' ' -f1)" = fcd6bcb56c1689fcef28b57c22475bad ]
}
t_date() { date +%Y | grep -qE '^20[0-9][0-9]$'; }
t_ps() { ps > /tmp/ps && grep -q 'init\|sh' /tmp/ps; }
t_env() { [ "$(FOO=bar env | grep '^FOO=')" = FOO=bar ]; }
t_yes_sigpipe() { [ "$(yes | head -n 3 | wc -l)" -eq 3 ]; }
t_dev_nodes() { [ -c /dev/null ] && [ "$(head -c 4 /dev/zero | wc -c)" -eq 4 ] && head -c 16 /dev/urandom > /tmp/rnd && [ "$(wc -c < /tmp/rnd)" -eq 16 ]; }
t_stop_continue() {
    (sleep 1; echo alive > /tmp/st) &
    p=$!
    kill -STOP $p && sleep 2 && [ ! -e /tmp/st ] && kill -CONT $p && wait $p && [ "$(cat /tmp/st)" = alive ]
}
t_statfs() { [ "$(stat -f -c %T /proc)" = proc ] && [ "$(stat -f -c %T /dev)" = tmpfs ]; }
t_proc() { [ -d /proc/self ] && grep -q MemTotal /proc/meminfo; }

check pipeline t_pipeline
check redirection t_redirection
check command-substitution t_command_substitution
check arithmetic t_arithmetic
check functions t_functions
check background-jobs t_background_jobs
check exit-status t_exit_status
check files t_files
check ls t_ls
check find t_find
check text t_text
check dd-md5sum t_dd_md5sum
check date t_date
check ps t_ps
check env t_env
check yes-sigpipe t_yes_sigpipe
check dev-nodes t_dev_nodes
check proc t_proc
check stop-continue t_stop_continue
check statfs t_statfs

echo "busybox-suite: $pass passed, $fail failed"
poweroff -f
