set -- a "b c" "" d
echo $#
for a in "$@"; do echo "[$a]"; done
for a in $@; do echo "<$a>"; done
for a in "$*"; do echo "{$a}"; done
for a in $*; do echo "($a)"; done
IFS=:
echo "$*"
IFS=' 	
'
set --
for a in "$@"; do echo never; done
echo "count $#" "[$@]" "[$*]"
set -- x y z
shift
echo "$@" $#
shift 2
echo "[$@]" $#
f() { echo "$# args: $*"; echo "first=$1"; }
f 1 2 "3 4"
f
set -- one two
f "$@"
echo "$1"
set -- 1 2 3 4 5 6 7 8 9 10 11
echo ${10} ${11} $10
x="$@"
echo "$x"
