v="  a  b   c  "
set -- $v; echo $#
IFS=:
v="a::b:c:"
set -- $v; echo $# "$@"
v=":x"
set -- $v; echo $# "[$1]"
IFS=' :'
v="a : b:c  :: d"
set -- $v; echo $#
for f in "$@"; do printf '[%s]' "$f"; done; echo
IFS=
v="a b c"
set -- $v; echo $#
unset IFS
v="a	b
c"
set -- $v; echo $#
e=""
set -- $e; echo $#
set -- "$e"; echo $#
set -- $e"" ; echo $#
IFS=,
read a b c <<EOF
1,2,3,4
EOF
echo "$a|$b|$c"
IFS=' '
read a b <<EOF
  x   y   z  
EOF
echo "[$a][$b]"
