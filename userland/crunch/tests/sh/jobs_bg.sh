sleep 0.2 &
pid=$!
[ -n "$pid" ] && echo got pid
wait $pid; echo wait status $?
(exit 7) &
wait $!; echo bg status $?
(sleep 0.1; echo from bg) &
wait
echo after wait
false & true & wait
echo done $?
