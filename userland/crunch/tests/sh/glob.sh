cd "$TMPDIR"
mkdir -p g/sub && cd g
touch a.txt b.txt c.log .hidden sub/x.txt
echo *.txt
echo *
echo .*
echo ?.log
echo [ab].txt
echo [!a].txt
echo sub/*.txt
echo */x.txt
echo nomatch*
echo "*.txt" '*'
set -f; echo *.txt; set +f
x='*.log'; echo $x "$x"
echo \*.txt
for f in *.txt; do echo "file $f"; done
echo a.tx?
