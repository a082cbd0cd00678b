#!/usr/bin/env bash
# Builds haven's Debian packages from this source tree, in one command (as root on Debian 12,
# which installs the build dependencies; as any user once they are there):
#   haven_<version>_<arch>.deb    havend, haven, haven-agent, haven-hook, the plugins, the
#                                 shipped modules, docs, man pages, the systemd unit, bash completion
#   haven-dev_<version>_all.deb   the plugin SDK: headers and the CMake package haven-sdk
# A release build (-O2, Debian's hardening flags, no debug information) in a folder of its own,
# never the developer's build/, installed into a staging tree and packed with dpkg-deb.
#   BUILD_DIR (default: build-deb)         where to build
#   OUT_DIR   (default: $BUILD_DIR/debs)   where the .deb files are written
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build-deb}"
out="${OUT_DIR:-$build/debs}"

"$here/scripts/install-deps.sh"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"

# Debian's flags for packages (stack protector, fortify, format checks, full RELRO), less -g:
# the package carries no debug information.
export DEB_BUILD_MAINT_OPTIONS="hardening=+bindnow"
cppflags="$(cd "$here" && dpkg-buildflags --get CPPFLAGS)"
cflags="$(cd "$here" && dpkg-buildflags --get CFLAGS | sed -e 's/\(^\| \)-g\( \|$\)/ /')"
cxxflags="$(cd "$here" && dpkg-buildflags --get CXXFLAGS | sed -e 's/\(^\| \)-g\( \|$\)/ /')"
ldflags="$(cd "$here" && dpkg-buildflags --get LDFLAGS)"

# Plugins go to <prefix>/lib/haven/plugins, where the binaries look for them (install_prefix()
# in core/common/haven_paths.cpp), hence lib and not Debian's multiarch lib/<triplet>.
cmake -S "$here" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DCMAKE_C_FLAGS="$cppflags $cflags" -DCMAKE_CXX_FLAGS="$cppflags $cxxflags" \
  -DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DCMAKE_SHARED_LINKER_FLAGS="$ldflags" \
  -DCMAKE_MODULE_LINKER_FLAGS="$ldflags" \
  -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=lib \
  -DHAVEN_BUILD_TESTS=OFF -DHAVEN_WERROR=ON >/dev/null
ninja -C "$build"

"$here/packaging/deb/make-debs.sh" "$build" "$out"
