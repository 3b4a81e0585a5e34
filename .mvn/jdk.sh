# Finds a JDK >= 21 and exports JAVA_HOME to it. Sourced (POSIX sh) by ./mvnw and ./beacon.
# Order: JAVA_HOME, the java on the PATH, then the usual install folders (newest first).

beacon_java_major() { # $1 = JDK home; prints its feature version, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

beacon_find_jdk() {
  beacon_seen=""
  for beacon_c in "${JAVA_HOME-}" \
    "$(command -v javac >/dev/null 2>&1 && dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"; do
    [ -n "$beacon_c" ] || continue
    beacon_v=$(beacon_java_major "$beacon_c")
    beacon_seen="$beacon_seen $beacon_c(${beacon_v:-not a JDK})"
    if [ -n "$beacon_v" ] && [ "$beacon_v" -ge 21 ]; then JAVA_HOME="$beacon_c"; return 0; fi
  done
  beacon_best=""; beacon_best_v=0
  case $- in *f*) beacon_noglob=1; set +f ;; *) beacon_noglob=0 ;; esac # mvnw runs with set -f
  for beacon_c in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /usr/java/* \
    "${HOME-}"/.sdkman/candidates/java/* "${HOME-}"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$beacon_c" ] || continue
    beacon_v=$(beacon_java_major "$beacon_c")
    if [ -n "$beacon_v" ] && [ "$beacon_v" -gt "$beacon_best_v" ]; then beacon_best="$beacon_c"; beacon_best_v="$beacon_v"; fi
  done
  [ "$beacon_noglob" = 0 ] || set -f
  if [ "$beacon_best_v" -ge 21 ]; then JAVA_HOME="$beacon_best"; return 0; fi
  {
    echo "Beacon needs a JDK 21 or newer, and none was found."
    echo "  looked at:${beacon_seen:- (JAVA_HOME unset, no javac on the PATH)} and /usr/lib/jvm, /opt/java, ~/.sdkman"
    echo "  Install one, for example:  sudo apt-get install openjdk-21-jdk   (Debian/Ubuntu)"
    echo "                             brew install openjdk@21                (macOS)"
    echo "  or Temurin from adoptium.net, then run again or set JAVA_HOME to its folder."
  } >&2
  return 1
}

beacon_find_jdk || exit 1
export JAVA_HOME
