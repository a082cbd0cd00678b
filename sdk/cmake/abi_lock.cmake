# Keeps sdk/abi.lock in step with sdk/include/haven/*.hpp and the ABI version in abi.hpp.
#   cmake -DMODE=check   -P sdk/cmake/abi_lock.cmake   # fails when headers changed without a bump
#   cmake -DMODE=refresh -P sdk/cmake/abi_lock.cmake   # rewrites sdk/abi.lock (or sdk/refresh-abi-lock.sh)
# The lock holds the ABI version and one SHA-256 per header, sorted by name, so a failure
# can say which headers changed.
cmake_minimum_required(VERSION 3.20)
get_filename_component(sdk_dir "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(header_dir "${sdk_dir}/include/haven")
set(lock_file "${sdk_dir}/abi.lock")
set(refresh_command "sdk/refresh-abi-lock.sh (or: cmake -DMODE=refresh -P sdk/cmake/abi_lock.cmake)")

file(STRINGS "${header_dir}/abi.hpp" abi_lines REGEX "^#define HAVEN_ABI_(MAJOR|MINOR) +[0-9]+")
string(REGEX MATCH "HAVEN_ABI_MAJOR +([0-9]+)" _ "${abi_lines}")
set(major "${CMAKE_MATCH_1}")
string(REGEX MATCH "HAVEN_ABI_MINOR +([0-9]+)" _ "${abi_lines}")
set(minor "${CMAKE_MATCH_1}")
if(major STREQUAL "" OR minor STREQUAL "")
  message(FATAL_ERROR "${header_dir}/abi.hpp: cannot find '#define HAVEN_ABI_MAJOR <n>' and '#define HAVEN_ABI_MINOR <n>'")
endif()

file(GLOB headers RELATIVE "${header_dir}" "${header_dir}/*.hpp")
list(SORT headers)
set(current "abi ${major}.${minor}\n")
foreach(header IN LISTS headers)
  file(SHA256 "${header_dir}/${header}" digest)
  string(APPEND current "sha256 ${digest} ${header}\n")
endforeach()

set(preamble "# haven SDK ABI lock: the ABI version in sdk/include/haven/abi.hpp and the SHA-256 of each\n# header it was recorded for. Refresh with ${refresh_command}\n# after bumping HAVEN_ABI_MAJOR or HAVEN_ABI_MINOR.\n")

if(MODE STREQUAL "refresh")
  file(WRITE "${lock_file}" "${preamble}${current}")
  message(STATUS "wrote ${lock_file} for haven ABI ${major}.${minor}")
  return()
elseif(NOT MODE STREQUAL "check")
  message(FATAL_ERROR "abi_lock.cmake: -DMODE=check or -DMODE=refresh, got '${MODE}'")
endif()

if(NOT EXISTS "${lock_file}")
  message(FATAL_ERROR "${lock_file} is missing: run ${refresh_command}")
endif()
file(STRINGS "${lock_file}" lock_lines REGEX "^(abi|sha256) ")
set(locked_abi "")
set(locked_entries "")
foreach(line IN LISTS lock_lines)
  if(line MATCHES "^abi (.+)$")
    set(locked_abi "${CMAKE_MATCH_1}")
  else()
    list(APPEND locked_entries "${line}")
  endif()
endforeach()
string(REGEX MATCHALL "sha256 [^\n]+" current_entries "${current}")

if(current_entries STREQUAL locked_entries AND locked_abi STREQUAL "${major}.${minor}")
  message(STATUS "sdk/include/haven matches sdk/abi.lock for haven ABI ${major}.${minor}")
  return()
endif()

# Name the headers that differ, in both directions.
set(changed "")
foreach(entry IN LISTS current_entries)
  if(NOT entry IN_LIST locked_entries)
    string(REGEX REPLACE "^sha256 [0-9a-f]+ " "" name "${entry}")
    list(APPEND changed "${name}")
  endif()
endforeach()
foreach(entry IN LISTS locked_entries)
  string(REGEX REPLACE "^sha256 [0-9a-f]+ " "" name "${entry}")
  if(NOT entry IN_LIST current_entries AND NOT name IN_LIST changed)
    list(APPEND changed "${name} (removed)")
  endif()
endforeach()
list(JOIN changed ", " changed_text)

if(locked_abi STREQUAL "${major}.${minor}")
  message(FATAL_ERROR "sdk/include/haven changed but HAVEN_ABI_MAJOR/MINOR did not (still ${major}.${minor}; "
                      "changed: ${changed_text}): bump the ABI in abi.hpp and run ${refresh_command} "
                      "to refresh sdk/abi.lock")
else()
  message(FATAL_ERROR "sdk/abi.lock records haven ABI ${locked_abi} but abi.hpp says ${major}.${minor}: "
                      "run ${refresh_command} to refresh sdk/abi.lock")
endif()
