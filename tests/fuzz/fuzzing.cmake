# The libFuzzer configuration, included once from the top-level CMakeLists.txt before any
# library is added, so that every haven library a fuzz target links is instrumented too:
#   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DHAVEN_FUZZ=ON
# Off by default: the main build (g++) never sees any of this.
option(HAVEN_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only); instruments every library" OFF)
if(NOT HAVEN_FUZZ)
  return()
endif()

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "HAVEN_FUZZ=ON needs clang (libFuzzer), but the C++ compiler is "
    "${CMAKE_CXX_COMPILER_ID} (${CMAKE_CXX_COMPILER}). Configure a separate build folder with "
    "-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang.")
endif()

# Coverage and sanitizers on everything compiled from here on (libraries included); only the
# fuzz executables link libFuzzer itself (-fsanitize=fuzzer, in tests/fuzz/CMakeLists.txt).
# UBSan findings must abort, or libFuzzer would not count them as crashes.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer -g)
add_link_options(-fsanitize=address,undefined)

enable_testing()
add_subdirectory(${CMAKE_CURRENT_LIST_DIR} ${CMAKE_BINARY_DIR}/tests/fuzz)
