# Sourced by bench/macro.sh around its apt-get install of nginx and haproxy. Debian's invoke-rc.d asks policy-rc.d
# whether a package may start its service; "exit 101" says no, so the installed nginx and haproxy do not start on :80.
# The file is created only if the host has none (created exclusively, so one that appears meanwhile is left alone) and
# removed again -- right after the install, or at exit if the script stops first -- only if this script created it.
# POLICY_RC_D overrides the path (tests).
policy_rc_d=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
policy_rc_d_created=

block_service_starts() {
  if [ -e "$policy_rc_d" ] || [ -L "$policy_rc_d" ]; then
    return 0
  fi
  trap unblock_service_starts EXIT
  if (set -C; printf '#!/bin/sh\nexit 101\n' > "$policy_rc_d") 2>/dev/null; then
    policy_rc_d_created=1
    chmod +x "$policy_rc_d"
  fi
}

unblock_service_starts() {
  if [ -n "$policy_rc_d_created" ]; then
    rm -f "$policy_rc_d"
    policy_rc_d_created=
  fi
}
