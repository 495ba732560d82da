# comments
echo hello # trailing comment
echo not#comment
x=1 y=2; echo $x$y
a=b echo assignment before builtin
echo "[$a]"
cmd=echo; $cmd indirect
HOME=/home/test; echo ~ ~/dir "~" x~
echo ${HOME}
PATH=/nonexistent:$PATH nonexist_cmd_q 2>/dev/null; echo notfound $?
/etc 2>/dev/null; echo notexec $?
echo $((3)) $$ | grep -q '^3 [0-9]' && echo pid ok
echo a; echo b; echo c
true; echo $?
echo 'multi
line'
[ "$(echo -n)" = "" ] && echo empty echo
f(){ echo compact;}; f
echo $((1))\
$((2))
