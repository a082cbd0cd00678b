@echo off
true && echo ok-after-true
false && echo never
false || echo after-false
true || echo never2
