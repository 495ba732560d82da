for w in apple banana cherry date 42 x.c "a b" '*' ''; do
  case $w in
    apple|banana) echo "$w: fruit1";;
    c*) echo "$w: c-word";;
    [0-9]*) echo "$w: number";;
    *.c) echo "$w: C file";;
    "a b") echo "$w: spaced";;
    \*) echo "$w: star";;
    '') echo "empty";;
    ?a??) echo "$w: 4 with a";;
    *) echo "$w: other";;
  esac
done
case x in (x) echo parens;; esac
case "[x" in "["*) echo bracket;; esac
p='*b*'
case abc in $p) echo pattern var;; esac
case abc in "$p") echo quoted no;; *) echo quoted literal;; esac
case ! in [!a-z]) echo bang;; esac
case - in [a-]) echo dash;; esac
case X in [[:upper:]]) echo upper;; esac
case foo in
  f) echo f;;
  foo)
    echo multi
    echo line
    ;;
esac
case y in n) ;; esac; echo status $?
