// haven SDK: the plugin ABI version and the toolchain tag.
//
// A plugin records both at build time in its descriptor; the host compares them with its
// own before it calls any C++ code in the plugin, and refuses a mismatch naming the file.
#pragma once

#include <boost/version.hpp>

/// Bumped when a change to sdk/include/haven/ breaks plugins built against the old headers.
/// `sdk/abi.lock` records the headers' digest for this version; a test fails when the
/// headers change and the version does not.
#define HAVEN_ABI_MAJOR 2
/// Bumped when headers gain something old plugins can ignore. Within one major, the host
/// accepts plugins whose minor is at most its own.
#define HAVEN_ABI_MINOR 3

#define HAVEN_ABI_STR2(x) #x
#define HAVEN_ABI_STR(x) HAVEN_ABI_STR2(x)

#if defined(_LIBCPP_VERSION)
#define HAVEN_ABI_STDLIB "libc++"
#elif defined(__GLIBCXX__)
#if defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define HAVEN_ABI_STDLIB "libstdc++-cxx11"
#else
#define HAVEN_ABI_STDLIB "libstdc++-cow"
#endif
#else
#define HAVEN_ABI_STDLIB "stdlib-unknown"
#endif

#if defined(__GXX_ABI_VERSION)
#define HAVEN_ABI_CXXABI "itanium-" HAVEN_ABI_STR(__GXX_ABI_VERSION)
#elif defined(_MSC_VER)
#define HAVEN_ABI_CXXABI "msvc-" HAVEN_ABI_STR(_MSC_VER)
#else
#define HAVEN_ABI_CXXABI "cxxabi-unknown"
#endif

/// The toolchain tag: C++ ABI, standard library ABI and Boost version. Plugins exchange
/// std::string, std::vector and std::variant with the host, so these must match exactly.
#define HAVEN_TOOLCHAIN_TAG HAVEN_ABI_CXXABI ";" HAVEN_ABI_STDLIB ";boost-" HAVEN_ABI_STR(BOOST_VERSION)
