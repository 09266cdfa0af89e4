# Sourced by packaging/build (uses $work, $out, $version, $rpm_arch, say, die): the .rpm from the staged
# files, with rpmbuild (Debian's rpm package).
build_rpm() {
  local top=$work/rpmbuild rpm
  mkdir -p "$top"
  rpmbuild -bb --quiet --target "$rpm_arch" \
    --define "_topdir $top" --define "stagedir $work/files" --define "pkgversion $version" \
    --define "_build_id_links none" --define "source_date_epoch_from_changelog 0" \
    --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
    packaging/rpm/bilbyrelay.spec >"$work/rpmbuild.log" 2>&1 || { cat "$work/rpmbuild.log" >&2; die "rpmbuild failed"; }
  rpm=$(find "$top/RPMS" -name "bilbyrelay-$version-1.$rpm_arch.rpm" | head -n1)
  [ -n "$rpm" ] || { cat "$work/rpmbuild.log" >&2; die "rpmbuild wrote no bilbyrelay-$version-1.$rpm_arch.rpm"; }
  cp "$rpm" "$out/"
  say "$(du -h "$out/$(basename "$rpm")" | cut -f1) $out/$(basename "$rpm") (Requires: $(rpm -qp --requires "$rpm" 2>/dev/null | grep -v '^rpmlib(' | tr '\n' ' '))"
}
build_rpm
