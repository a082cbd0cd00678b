#!/bin/sh
# Rewrites sdk/abi.lock from sdk/include/haven/*.hpp. Run it after bumping HAVEN_ABI_MAJOR or
# HAVEN_ABI_MINOR in sdk/include/haven/abi.hpp (or, before any release, after any header edit).
exec cmake -DMODE=refresh -P "$(dirname "$0")/cmake/abi_lock.cmake"
