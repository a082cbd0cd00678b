@echo off
(echo one& echo two) > blk.txt
(
  echo three
) >> blk.txt
type blk.txt
