# Sourced by packaging/build (uses $work, $out, $version, $arch, $rpm_arch, $loadgen, say, die): the
# bilbyrelay-tools .deb, and .rpm when rpmbuild is installed, holding bilbyrelay-loadgen. The relay's
# packages do not change; this one installs next to them (or alone, on a machine that only measures).
build_tools() {
  local root=$work/tools files=$work/tools-files depends size deb date rpm top formats=()
  wanted deb && formats+=(deb)
  wanted rpm && formats+=(rpm)
  [ ${#formats[@]} -gt 0 ] || formats=(deb rpm)
  date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
  if [ -z "$loadgen" ]; then
    loadgen=out/loadgen/bilbyrelay-loadgen
    if [ ! -x "$loadgen" ]; then
      [ "$arch" = amd64 ] || die "no --loadgen given for $arch"
      BILBYRELAY_PUBLISH_DIR=out scripts/publish-loadgen >/dev/null || die "loadgen publish failed"
    fi
  fi
  [ -x "$loadgen" ] || die "$loadgen is not an executable"

  # The files, laid out as on Debian; the manual page is the tool's own --help.
  rm -rf "$files" && mkdir -p "$files/usr/share/man/man1" "$files/usr/share/doc/bilbyrelay-tools"
  install -D -m 0755 "$loadgen" "$files/usr/bin/bilbyrelay-loadgen"
  if "$loadgen" --help 2>"$work/loadgen-help.txt" >/dev/null; then
    loadgen_manpage "$work/loadgen-help.txt" "$version" "$date" | gzip -9n >"$files/usr/share/man/man1/bilbyrelay-loadgen.1.gz"
  else
    die "$loadgen --help failed"
  fi
  gzip -9n <docs/loadgen.md >"$files/usr/share/doc/bilbyrelay-tools/loadgen.md.gz"
  sed -e 's#usr/bin/bilbyrelay\b#usr/bin/bilbyrelay-loadgen#g' -e 's#^Upstream-Name: bilbyrelay$#Upstream-Name: bilbyrelay-tools#' \
    packaging/copyright >"$files/usr/share/doc/bilbyrelay-tools/copyright"
  chmod -R u+rwX,go+rX,go-w "$files"
  chmod 0755 "$files/usr/bin/bilbyrelay-loadgen"

  if [[ " ${formats[*]} " == *" deb "* ]]; then
    rm -rf "$root" && cp -a "$files" "$root"
    printf 'bilbyrelay-tools (%s) stable; urgency=medium\n\n  * Release %s of the BilbyRelay load generator.\n\n -- BilbyRelay <packages@bilbycast.example.org>  %s\n' \
      "$version" "$version" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")" | gzip -9n >"$root/usr/share/doc/bilbyrelay-tools/changelog.gz"
    install -D -m 0644 packaging/tools/lintian-overrides "$root/usr/share/lintian/overrides/bilbyrelay-tools"
    mkdir -p "$work/tools-shlibs/debian"
    printf 'Source: bilbyrelay-tools\n\nPackage: bilbyrelay-tools\nArchitecture: any\n' >"$work/tools-shlibs/debian/control"
    depends=$(cd "$work/tools-shlibs" && DEB_HOST_ARCH="$arch" dpkg-shlibdeps -O -e "$root/usr/bin/bilbyrelay-loadgen" 2>/dev/null \
      | sed -n 's/^shlibs:Depends=//p')
    [ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies for $loadgen"
    size=$(du -sk --apparent-size "$root" | cut -f1)
    mkdir -p "$root/DEBIAN"
    sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" -e "s/@INSTALLED_SIZE@/$size/" \
      packaging/tools/control.in >"$root/DEBIAN/control"
    (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
    chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control"
    deb="$out/bilbyrelay-tools_${version}_${arch}.deb"
    dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
    say "$(du -h "$deb" | cut -f1) $deb (Depends: $depends)"
  fi

  if [[ " ${formats[*]} " == *" rpm "* ]]; then
    if ! command -v rpmbuild >/dev/null 2>&1; then
      say "rpmbuild is not installed (apt-get install rpm): no tools .rpm"
      return 0
    fi
    top=$work/tools-rpmbuild
    mkdir -p "$top"
    rpmbuild -bb --quiet --target "$rpm_arch" \
      --define "_topdir $top" --define "stagedir $files" --define "pkgversion $version" \
      --define "_build_id_links none" --define "source_date_epoch_from_changelog 0" \
      --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
      packaging/tools/bilbyrelay-tools.spec >"$work/tools-rpmbuild.log" 2>&1 || { cat "$work/tools-rpmbuild.log" >&2; die "rpmbuild (tools) failed"; }
    rpm=$(find "$top/RPMS" -name "bilbyrelay-tools-$version-1.$rpm_arch.rpm" | head -n1)
    [ -n "$rpm" ] || { cat "$work/tools-rpmbuild.log" >&2; die "rpmbuild wrote no bilbyrelay-tools-$version-1.$rpm_arch.rpm"; }
    cp "$rpm" "$out/"
    say "$(du -h "$out/$(basename "$rpm")" | cut -f1) $out/$(basename "$rpm")"
  fi
}

# bilbyrelay-loadgen(1): a fixed header, then the --help text verbatim (no fill), with roff escapes.
loadgen_manpage() {
  local help_file=$1 version=$2 date=$3
  cat <<HEADER
.TH BILBYRELAY-LOADGEN 1 "$date" "bilbyrelay-tools $version" "User Commands"
.SH NAME
bilbyrelay-loadgen \\- load generator for bilbycast relays
.SH SYNOPSIS
.B bilbyrelay-loadgen
.I command
.RI [ options ]
.SH DESCRIPTION
.nf
HEADER
  sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/" -e 's/-/\\-/g' "$help_file" | sed -e '1{/^bilbyrelay\\-loadgen COMMAND/d}'
  printf '.fi\n.SH SEE ALSO\n.BR bilbyrelay (1),\n/usr/share/doc/bilbyrelay-tools/loadgen.md.gz\n'
}

build_tools
