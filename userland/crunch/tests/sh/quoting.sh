x='a  b'
echo $x "$x" '$x' \$x "\$x \" \\ \a"
echo 'single "double"' "double 'single'"
echo "a"'b'c\ d
echo ""  ''  x
printf '%s|' $x "$x" ""; echo
echo "tab	in quotes" end
echo \
continued
y="line1
line2"
echo "$y"
echo "${x}" "${x}y"
