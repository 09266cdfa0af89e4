# Sourced by scripts that build a root filesystem under a temporary directory and run things in it
# (chroot, systemd-nspawn). They must leave nothing behind: no process, no mount, no directory.

# Mount points under the tree $1 (as this mount namespace sees them), deepest first.
mounts_under_tree() {
  awk -v root="$1" '$5 == root || index($5, root "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# Every process whose root directory is the tree $1 (a chroot's processes, a container's).
processes_in_tree() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
  done
  return 0
}

# Kills what runs in the tree $1, unmounts what is mounted under it, then deletes it; refuses to
# delete (returns 1) while anything is still mounted there.
release_tree() {
  local root=$1 pids m
  [ -n "$root" ] && [ -d "$root" ] || return 0
  pids=$(processes_in_tree "$root")
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL $pids 2>/dev/null || true
    for _ in $(seq 50); do [ -z "$(processes_in_tree "$root")" ] && break; sleep 0.1; done
  fi
  for m in $(mounts_under_tree "$root"); do
    umount "$m" 2>/dev/null || umount --lazy "$m" || true
  done
  if [ -n "$(mounts_under_tree "$root")" ]; then
    echo "error: still mounted under $root, NOT deleting it:" >&2
    mounts_under_tree "$root" >&2
    return 1
  fi
  # --one-file-system: even if a mount appeared after the check, rm does not cross into it.
  rm -rf --one-file-system "$root"
}
