echo a b c | tr ' ' '\n' | sort -r | head -2
printf '3\n1\n2\n' | sort | while read n; do echo "n=$n"; done
echo x | false; echo $?
false | true; echo $?
! echo x | grep -q y; echo $?
x=1; echo set | read x; echo "x still $x"
seq 1 1000 | head -1
yes | head -2
echo one | cat | cat | cat
