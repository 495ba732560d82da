echo $(echo a b) "$(echo a   b)"
echo `echo back` "`echo quoted back`"
x=$(printf 'trail\n\n\n'); echo "[$x]"
echo $(echo $(echo nested))
echo "$(echo "inner "quotes"")"
n=$(false); echo $?
n=$(exit 5); echo $?
echo $(case a in a) echo paren in case;; esac)
v=`echo \`echo deep\``; echo $v
echo $( echo one; echo two )
y=$(cat <<EOF
heredoc in subst
EOF
)
echo "$y"
echo "$(echo '$(not)')"
echo $(( $(echo 3) + 4 ))
z=$(:); echo "[$z]"
