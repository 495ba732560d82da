x="a*b"; y="*"; echo "${x#"$y"}" "${x#$y}"
x="a*b"; case $x in "a*b") echo lit;; esac; case "a-b" in $x) echo glob;; esac
p='[ab]'; case a in $p) echo cls;; esac; case a in "$p") echo no;; *) echo lit;; esac
x=abc; echo "${x%"c"}" "${x%'c'}" ${x%\c} "${x%\c}"
x='a"c'; echo "${x#a\"}" "${x%\"c}"
x='a*c'; echo "${x#a\*}" "${x#a*}" "${x#'a*'}"
x='/a/b/'; echo ${x%/} ${x#/} "${x%%/*}"
echo "${x:-'quoted default'}" ${u:-'q d'}
u=; echo "${u:-"$HOME"}" | grep -c /
v='a b'; echo "${v:+"$v"}"
echo "${u-"}"}"
echo ${u:-\}}
echo "${u:-a\"b}"
set -- "a b" "c"; echo "${1+"$@"}"; for i in ${1+"$@"}; do echo "[$i]"; done
IFS=: read a b <<EOF
x:y:z
EOF
echo "$a|$b"
unset IFS
cat <<E"OF"
$HOME
EOF
cat <<\EOF
$HOME \$x
EOF
echo $(( 1 << 62 )) $(( 3 & 6 ^ 1 ))
x=5; echo $(( x > 3 && x < 10 )) $((x==5?1:0))
i=0; echo $(( i += 2 )) $(( i *= 3 )) $(( i /= 4 )) $(( i %= 2 )) $(( i |= 6 )) $(( i &= 3 )) $(( i ^= 1 )) $(( i <<= 2 )) $(( i >>= 1 ))
a=3 b=4; echo $(( a * a + b * b ))
echo $(( 10 / 3 * 3 )) $(( 2 - -2 )) $(( - - 2 )) $(( !!3 ))
f() { echo $1; shift; echo $1; }; set -- p q; f a b; echo $1
(set -- x; echo $1); echo $1
x=1; { x=2; }; echo $x
x=1; (x=2); echo $x
x=1; echo "$(x=2; echo $x)" $x
x=1; x=2 true; echo $x
echo $( ( echo nested subshell ) )
for i in "a b" c; do echo $i; done | while read x y; do echo "$x-$y"; done
printf '%s\n' one two | while IFS= read -r line; do echo "<$line>"; done
test -z "$(echo)" && echo empty
[ "$(printf 'a\n\n')" = a ] && echo trimmed
set -- "" ""; echo $#; set -- $@; echo $#
set -- "" ""; set -- "$@"; echo $#
echo "$(exit 3)" $?
