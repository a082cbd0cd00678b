@echo off
echo a^&b
echo ^<tag^>
echo one ^
two
echo "a&b" ok
