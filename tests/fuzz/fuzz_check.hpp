// A property a fuzz target asserts about a parser's output: when it does not hold, the input
// is a bug, so abort and let libFuzzer save it (same as a sanitizer finding).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define HAVEN_FUZZ_CHECK(condition, explanation)                                           \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n  %s\n", __FILE__, __LINE__, \
                   #condition, std::string(explanation).c_str());                          \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)
