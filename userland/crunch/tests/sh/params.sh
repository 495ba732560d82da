unset u
e=
v=value
echo "[${u-unset}] [${e-unset}] [${e:-empty}] [${v:-x}]"
echo "[${u+set}] [${e+set}] [${e:+nonempty}] [${v:+alt}]"
echo "[${u=assigned}] [$u]"
echo "[${e:=filled}] [$e]"
p=/usr/local/lib/libfoo.so.1
echo ${#p} ${p%.*} ${p%%.*} ${p#*/} ${p##*/}
echo ${p%"."*} "${p##*"/"}"
s="hello world"
echo ${#s} ${s#hel} ${s%orld} ${s#"he"} ${s%%o*}
echo ${#u} ${#e}
n=12345
echo ${n#?} ${n%??} ${n#[0-9][0-9]}
( : ${zz?custom message} ) 2>/dev/null; echo status $?
( : ${zz:?} ) 2>/dev/null; echo status $?
echo "${u:-"a b"}" ${u:+"no"}
set -- 1 2 3
echo ${#} ${#@} "${1}${2}"
x=abcabc
echo ${x#*b} ${x##*b} ${x%b*} ${x%%b*}
