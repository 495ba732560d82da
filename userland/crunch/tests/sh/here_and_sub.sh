cat <<END | tr a-z A-Z
pipe from heredoc
END
f() {
  cat <<EOF
in function $1
EOF
}
f arg
x=$(cat <<EOF
a
b
EOF
)
echo "$x" | wc -l
cat <<EOF
backslash \$ \` \\ \x
EOF
cat <<EOF
${undefined:-default} $(( 6 * 7 ))
EOF
big=$(i=0; while [ $i -lt 600 ]; do echo "line $i of a long here-document body"; i=$((i+1)); done)
cat <<EOF | wc -l
$big
EOF
