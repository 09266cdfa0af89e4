# Sourced by packaging/build (uses $binary, $arch, $version, $work, $out, SOURCE_DATE_EPOCH, say, die).
# Writes $out/bilbyrelay-rootfs-<version>.tar: the root filesystem of Dockerfile.distroless's final
# stage, without a container engine. The base, gcr.io/distroless/cc-debian12:nonroot, is reproduced from
# the Debian packages it is made of (base-packages), unpacked without maintainer scripts as distroless
# does, plus what distroless adds itself: passwd/group with root, nobody and nonroot (65532), the CA
# bundle, /tmp, /home/nonroot. stage-image adds the relay's files on top.

build_rootfs() {
  local root=$work/rootfs debs=$work/debs tar_file packages
  [ "$arch" = "$(dpkg --print-architecture)" ] || { say "the rootfs is built for this machine's architecture only: no rootfs for $arch"; return 0; }
  mkdir -p "$root" "$debs"
  mapfile -t packages < <(grep -vE '^[[:space:]]*(#|$)' packaging/rootfs/base-packages)
  (cd "$debs" && apt-get download -q "${packages[@]}" >/dev/null 2>"$work/download.log") \
    || (apt-get update -qq && cd "$debs" && apt-get download -q "${packages[@]}" >/dev/null) \
    || { cat "$work/download.log" >&2; die "apt-get download of the distroless base packages failed"; }
  local deb
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done

  # As distroless: the CA bundle instead of the certificate tree and its tools; no manuals, no
  # translations, no documentation but the copyright files.
  mkdir -p "$root/etc/ssl/certs"
  cat "$root"/usr/share/ca-certificates/mozilla/*.crt >"$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$root/usr/share/ca-certificates" "$root/usr/sbin/update-ca-certificates" "$root/etc/ca-certificates" \
    "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/lintian" "$root/usr/share/locale" \
    "$root/usr/share/bug" "$root/usr/share/common-licenses"
  find "$root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true

  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  install -d -m 0700 "$root/root" "$root/home/nonroot"
  install -d -m 1777 "$root/tmp"
  packaging/rootfs/stage-image "$binary" "$root"

  # Everything root-owned except the two directories of the image's user, which the image creates
  # owned by 65532; no root rights needed to build it.
  tar_file="$out/bilbyrelay-rootfs-$version.tar"
  local -a common=(--sort=name --mtime="@$SOURCE_DATE_EPOCH" --numeric-owner --format=gnu -C "$root")
  tar "${common[@]}" --owner=0 --group=0 --exclude=./home/nonroot --exclude=./var/lib/bilbyrelay -cf "$tar_file" .
  tar "${common[@]}" --owner=65532 --group=65532 -rf "$tar_file" ./home/nonroot ./var/lib/bilbyrelay
  say "$(du -h "$tar_file" | cut -f1) $tar_file (base: ${packages[*]}; relay libraries: $(packaging/rootfs/extra-libs "$binary" | xargs -n1 basename | tr '\n' ' '))"
}
build_rootfs
