( exit 5 )
echo $?
x=$( exit 6 ); echo $?
{ (exit 2); }; echo $?
trap 'echo exit trap' EXIT
echo body
exit 4
