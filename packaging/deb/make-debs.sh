#!/usr/bin/env bash
# Packs a release build of haven into its two Debian packages, from staging trees, with dpkg-deb
# (scripts/build-deb.sh builds, then calls this):
#   haven_<version>_<arch>.deb    what `cmake --install` installs (stripped), the systemd unit,
#                                 man pages, bash completion, docs; maintainer scripts
#   haven-dev_<version>_all.deb   the SDK component (headers, CMake package haven-sdk)
# Dependencies on shared libraries are computed by dpkg-shlibdeps, so apt resolves them.
#   packaging/deb/make-debs.sh BUILD_DIR OUT_DIR
#   DEBFULLNAME, DEBEMAIL   the Maintainer field (default: the author of the last commit)
set -euo pipefail
umask 022

die() { echo "make-debs: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: make-debs.sh BUILD_DIR OUT_DIR"
here="$(cd "$(dirname "$0")/../.." && pwd)"
packaging="$here/packaging"
build="$(cd "$1" && pwd)"
mkdir -p "$2"
out="$(cd "$2" && pwd)"
stage="$build/deb-stage"
rm -rf "$stage"
mkdir -p "$stage"

[ -x "$build/bin/haven" ] || die "$build/bin/haven is missing: build first (scripts/build-deb.sh)"
version="$("$build/bin/haven" --version | awk '{print $2}')"
[[ $version =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || die "'haven --version' gave '$version', expected 'haven X.Y.Z'"
arch="$(dpkg --print-architecture)"
if [ -n "${DEBEMAIL:-}" ]; then
  maintainer="${DEBFULLNAME:-haven maintainers} <$DEBEMAIL>"
else
  maintainer="$(git -C "$here" log -1 --format='%an <%ae>' 2>/dev/null || true)"
  [ -n "$maintainer" ] || maintainer="haven maintainers <root@localhost>"
fi
# Same sources, same packages: file times, man page dates and the changelog from the last commit.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)}"
commit="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"

# Writes DEBIAN/control of a staged package from its template, with the placeholders filled.
write_control() {  # template root [extra sed expressions...]
  local template="$1" root="$2"
  shift 2
  local size
  size="$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)"
  mkdir -p "$root/DEBIAN"
  sed -e "s|@VERSION@|$version|g" -e "s|@ARCH@|$arch|g" -e "s|@MAINTAINER@|$maintainer|g" \
      -e "s|@INSTALLED_SIZE@|$size|g" "$@" "$template" > "$root/DEBIAN/control"
  if grep -n '@[A-Z_]*@' "$root/DEBIAN/control"; then die "$template: a placeholder was left unfilled"; fi
}

# Writes the package's doc folder: copyright and a Debian changelog naming the commit.
write_doc_basics() {  # root package
  local doc="$1/usr/share/doc/$2"
  install -d "$doc"
  install -m 0644 "$packaging/deb/copyright" "$doc/copyright"
  {
    echo "$2 ($version) unstable; urgency=medium"
    echo
    echo "  * Built by scripts/build-deb.sh from commit $commit."
    echo
    echo " -- $maintainer  $(date -R -u -d "@$SOURCE_DATE_EPOCH")"
  } | gzip -9n > "$doc/changelog.gz"
}

# Packs a staged tree: md5sums, file times clamped, owner root, then dpkg-deb.
pack() {  # root deb-file
  local root="$1" deb="$2"
  (cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0r md5sum) \
    > "$root/DEBIAN/md5sums"
  find "$root" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
  echo "make-debs: wrote $deb"
}

# ---------------------------------------------------------------- haven
root="$stage/debian/haven"  # the layout dpkg-shlibdeps expects: debian/<package>/
DESTDIR="$root" cmake --install "$build" --prefix /usr --component Unspecified --strip >/dev/null
for expected in usr/bin/haven usr/bin/havend usr/bin/haven-agent usr/bin/haven-hook usr/bin/safekit; do
  [ -e "$root/$expected" ] || die "the install into $root lacks $expected"
done
compgen -G "$root/usr/lib/haven/plugins/*.so" >/dev/null || die "the install into $root has no plugin in usr/lib/haven/plugins"
compgen -G "$root/usr/share/haven/modules/*.safe" >/dev/null || die "the install into $root has no module in usr/share/haven/modules"
[ ! -e "$root/usr/include" ] || die "the SDK headers landed in the haven package: its install() rules lack COMPONENT sdk"

# The unit of a source install (scripts/systemd), with the paths of this package.
unit_dir="$root/lib/systemd/system"
install -d "$unit_dir"
sed -e 's|/usr/local/|/usr/|g' -e 's|/share/doc/haven/|/share/doc/haven/docs/|' \
    -e '/^Documentation=/a Documentation=man:havend(8)' \
    "$here/scripts/systemd/havend.service" > "$unit_dir/havend.service"
chmod 0644 "$unit_dir/havend.service"
grep -qx 'ExecStart=/usr/bin/havend' "$unit_dir/havend.service" ||
  die "scripts/systemd/havend.service: no 'ExecStart=/usr/local/bin/havend' line to turn into /usr/bin/havend"

# Man pages from the programs' own --help, with the sections of packaging/man/*.h2m.
man_page() {  # program section summary
  local program="$1" section="$2" summary="$3"
  install -d "$root/usr/share/man/man$section"
  PATH="$root/usr/bin:$PATH" help2man --no-info --no-discard-stderr --version-string="$version" \
    --section="$section" --name="$summary" --include="$packaging/man/$program.h2m" "$program" |
    gzip -9n > "$root/usr/share/man/man$section/$program.$section.gz"
}
man_page haven 1 "high availability for applications: install, start and watch modules"
man_page havend 8 "the haven node daemon"
man_page haven-agent 8 "runs one haven module on this node (started by havend)"
# Pages written by hand, for programs whose --help help2man cannot read (haven-hook).
for page in "$packaging"/man/*.[1-8]; do
  section="${page##*.}"
  target="$root/usr/share/man/man$section/${page##*/}.gz"
  install -d "${target%/*}"
  gzip -9n < "$page" > "$target"
done
ln -s haven.1.gz "$root/usr/share/man/man1/safekit.1.gz"

completions="$root/usr/share/bash-completion/completions"
install -d "$completions"
install -m 0644 "$packaging/bash-completion/haven" "$completions/haven"
ln -s haven "$completions/safekit"

doc="$root/usr/share/doc/haven"
install -d "$doc/docs"
install -m 0644 "$here/README.md" "$doc/README.md"
(cd "$here/docs" && find . -type f -name '*.md' -print0 | xargs -0 -I{} install -D -m 0644 {} "$doc/docs/{}")
write_doc_basics "$root" haven

install -d "$root/DEBIAN"
for script in postinst prerm postrm; do
  sed -e "s|@VERSION@|$version|g" "$packaging/deb/haven.$script" > "$root/DEBIAN/$script"
  chmod 0755 "$root/DEBIAN/$script"
done

# Dependencies: every ELF file's shared libraries, resolved to Debian packages.
printf 'Source: haven\n\nPackage: haven\nArchitecture: any\n' > "$stage/debian/control"
mapfile -t elves < <(cd "$stage" && find debian/haven/usr -type f \( -perm -u+x -o -name '*.so' \) -exec sh -c \
  'head -c4 "$1" | grep -q "ELF" && echo "$1"' _ {} \;)
[ ${#elves[@]} -gt 0 ] || die "no ELF file found under $root/usr"
# What dh_strip removes beyond `cmake --install --strip`: the compiler's notes.
(cd "$stage" && strip --remove-section=.comment --remove-section=.note "${elves[@]}")
shlibs="$(cd "$stage" && dpkg-shlibdeps -O -e "${elves[@]}" 2>"$stage/shlibdeps.log" |
  sed -n 's/^shlibs:Depends=//p')" || { cat "$stage/shlibdeps.log" >&2; die "dpkg-shlibdeps failed"; }
[ -n "$shlibs" ] || { cat "$stage/shlibdeps.log" >&2; die "dpkg-shlibdeps found no dependency"; }
write_control "$packaging/deb/haven.control" "$root" -e "s|@SHLIBS_DEPENDS@|$shlibs|"
pack "$root" "$out/haven_${version}_${arch}.deb"

# ---------------------------------------------------------------- haven-dev
dev="$stage/debian/haven-dev"
DESTDIR="$dev" cmake --install "$build" --prefix /usr --component sdk >/dev/null
[ -f "$dev/usr/include/haven/plugin.hpp" ] || die "the SDK install into $dev lacks usr/include/haven/plugin.hpp"
# Headers and CMake files are the same on every architecture: share/cmake, not lib/cmake (CMake
# searches both; the two folders are equally deep, so the package's relative paths still hold).
[ -d "$dev/usr/lib/cmake/haven-sdk" ] || die "the SDK install into $dev lacks usr/lib/cmake/haven-sdk"
install -d "$dev/usr/share/cmake"
mv "$dev/usr/lib/cmake/haven-sdk" "$dev/usr/share/cmake/haven-sdk"
rmdir "$dev/usr/lib/cmake" "$dev/usr/lib"
sdk_version="$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$dev/usr/share/cmake/haven-sdk/haven-sdkConfigVersion.cmake")"
[ -n "$sdk_version" ] || die "no PACKAGE_VERSION in haven-sdkConfigVersion.cmake"
# haven refuses a plugin built against another Boost than its own (the toolchain tag): the SDK
# package asks for that Boost's headers, libboost<major>.<minor>-dev, not any libboost-dev.
boost_version="$(sed -n 's/^set(haven-sdk_BOOST_VERSION "\([0-9]*\.[0-9]*\).*")$/\1/p' "$dev/usr/share/cmake/haven-sdk/haven-sdkConfig.cmake")"
[ -n "$boost_version" ] || die "no haven-sdk_BOOST_VERSION in haven-sdkConfig.cmake"

dev_doc="$dev/usr/share/doc/haven-dev"
install -d "$dev_doc/examples"
install -m 0644 "$here/docs/plugin-sdk.md" "$dev_doc/plugin-sdk.md"
cp -r "$here/sdk/examples/." "$dev_doc/examples/"
find "$dev_doc/examples" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
write_doc_basics "$dev" haven-dev
write_control "$packaging/deb/haven-dev.control" "$dev" -e "s|@SDK_VERSION@|$sdk_version|g" -e "s|@BOOST_DEV@|libboost$boost_version-dev|g"
pack "$dev" "$out/haven-dev_${version}_all.deb"
