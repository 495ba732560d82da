echo -n no newline; echo
echo 'a\tb\nc'
echo 'stop\cignored'; echo
printf '%s-%d-%x-%o-%5s|%-5s|%05d\n' str 42 255 8 r l 42
printf '%c%c\n' abc d
printf '%b\n' 'esc\tx'
printf '%s\n' a b c
printf '%d %d\n' 1 2 3
printf '%.2f %e %g\n' 3.14159 1500 0.0001
printf 'no args %s|\n'
printf '%%\n'
test 1 -eq 1 && echo t1
[ a = a ] && echo t2
[ a != a ] || echo t3
[ -z "" ] && [ -n x ] && echo t4
[ ! -e /nonexistent ] && echo t5
[ 2 -gt 1 -a 3 -lt 4 ] && echo t6
[ 1 -gt 2 -o 1 -eq 1 ] && echo t7
[ \( 1 -eq 1 \) ] && echo t8
[ -d / ] && [ -f /etc/passwd ] && echo t9
[ abc \< abd ] && echo t10
true; echo $?; false; echo $?
: args ignored; echo $?
type echo
type nonexistent_cmd_xyz >/dev/null; echo $?
command -v echo
command -v nonexistent_cmd_xyz; echo $?
command echo via command
alias hi='echo alias works'
eval 'hi'
alias hi
unalias hi
eval 'x=1; y=2'; echo $x $y
eval "echo \$x"
export EXPORTED=yes
sh_child=$(env | grep '^EXPORTED=')
echo $sh_child
readonly RO=1
(RO=2) 2>/dev/null || echo readonly works
unset x; echo "[${x-unset}]"
pwd_before=$(pwd); cd /; pwd; cd "$pwd_before"
cd /tmp && cd - >/dev/null && [ "$(pwd)" = "$pwd_before" ] && echo cd dash
umask 022; umask; umask 077; umask; umask -S
cd /nonexistent_dir_q 2>/dev/null; echo cd status $?
