greet() {
  echo "hello $1"
}
greet world
add() { echo $(($1 + $2)); }
add 2 3
r() { return $1; }
r 7; echo $?
count() { local n=$1; if [ $n -gt 0 ]; then echo $n; count $((n-1)); fi; }
count 3
x=global
scope() { local x=local; echo $x; inner; }
inner() { echo inner sees $x; }
scope; echo $x
noloc() { y=set_in_func; }
noloc; echo $y
args() { echo $#; shift; echo "$@"; }
args a b c
echo "$#" after
f() { echo one; }
f() { echo two; }
f
unset -f f
f 2>/dev/null || echo gone
recur() { [ $1 -le 1 ] && { echo 1; return; }; echo $(( $1 * $(recur $(($1-1))) )); }
recur 5
loopret() { for i in 1 2 3; do [ $i = 2 ] && return 9; done; }
loopret; echo $?
sh_env() { echo "V=$V"; }
V=temp sh_env
echo "V after: [$V]"
sub() ( echo subshell body; exit 2 )
sub; echo $?
