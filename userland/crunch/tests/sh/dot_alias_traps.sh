cd "$TMPDIR"
printf 'echo in dot\nDOTVAR=set\nreturn 3\necho not reached\n' > lib.sh
. ./lib.sh; echo "dot status $? DOTVAR=$DOTVAR"
f() { . ./lib.sh; echo "after dot in function $?"; }
f
alias say='echo said'
say hello
alias ls='ls -d'
ls /
unalias ls
alias e2='echo alias1;'
e2 echo alias2
trap 'echo caught TERM' TERM
kill -TERM $$
echo after TERM
trap 'echo on exit' EXIT
trap - TERM
(trap 'echo sub exit' EXIT; echo in subshell)
trap 'echo usr1 in loop' USR1
for i in 1 2; do kill -USR1 $$; done
echo "$(exit 3)" $?
x=$(exit 4); echo $?
eval 'for i in a b; do echo eval $i; done'
eval "break" 2>/dev/null; echo eval-break $?
for i in 1 2 3; do eval 'if [ $i = 2 ]; then break; fi'; echo loop $i; done
alias e='echo '
alias w='world'
alias nw=nope
e w nw
alias sudo='env '
sudo e w
