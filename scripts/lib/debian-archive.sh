# Sourced by scripts that need the Debian archive this machine already uses. Reusing the configured
# URI keeps every mirror host name out of the repository.

# Prints the first configured Debian main-archive URI (deb822 "URIs:" or one-line "deb" entries);
# prints nothing when there is none.
debian_archive_uri() {
  { grep -rhsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ || true; } \
    | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' \
    | tr ' ' '\n' | grep -E '/debian/?$' | sed -n 1p
}
