cd "$TMPDIR"
echo one > f; echo two >> f; cat f
cat < f | wc -l
echo err 2>&1 1>/dev/null
{ echo out; echo err >&2; } 2>&1 | sort
{ echo out; echo err >&2; } 2>/dev/null
exec 3>g; echo to3 >&3; exec 3>&-; cat g
exec 4<f; read line <&4; echo "read: $line"; read line <&4; echo "read: $line"; exec 4<&-
echo rw > h; exec 5<>h; read l <&5; echo "$l"; exec 5>&-
set -C; (echo clobber > f) 2>/dev/null || echo noclobber works; echo forced >| f; cat f; set +C
cat <<EOF
plain $HOME_X text
$(echo cmd) $((1+1))
  indented
EOF
cat <<'EOF'
quoted $x $(nothing)
EOF
cat <<-EOF
	tabs stripped
		two tabs
	EOF
cat <<A; cat <<B
first
A
second
B
x=1; cat <<"E"
$x
E
while read a b; do echo "$b $a"; done <<EOF
1 one
2 two
EOF
echo missing > /nonexistent/dir/file 2>/dev/null; echo status $?
cat < /nonexistent 2>/dev/null; echo status $?
>empty; wc -c < empty
echo abc | { read x; echo got $x; }
f() { echo in func; }
f > fout; cat fout
for i in 1 2; do echo $i; done > loop; cat loop
if true; then echo ifout; fi > ifo; cat ifo
echo $(echo inner 2>&1)
exec 6>&1; echo via dup >&6; exec 6>&-
echo "no fd" >&9 2>/dev/null; echo status $?
