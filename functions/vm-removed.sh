#!/bin/sh
# vm-removed: an audit record for every VM removed from vCenter, sent to your log collector,
# and a com.switchboard.vm.decommissioned event for clean-up functions to chain on (release
# its IP address, drop it from monitoring, backup and the CMDB).
#
# Trigger:  com.vmware.vsphere.VmRemovedEvent.v0 (subscription `vm-removed`, declared in
#           vm-removed.yaml): "Delete from Disk" and "Remove from Inventory" both raise it.
# Env:      AUDIT_URL      (optional) an HTTP endpoint taking one JSON record per POST: a
#                          Graylog GELF HTTP input, a Splunk/Elastic HTTP input, a SIEM. Unset:
#                          the audit line only goes to the appliance's log (stdout).
#           AUDIT_TIMEOUT  seconds for that POST (default 10).
# Secrets:  none. If the collector wants a token, create a secret `audit-token` and add
#           `secrets: [audit-token]` to vm-removed.yaml: it arrives as AUDIT_TOKEN and is sent
#           as "Authorization: Bearer …" (through curl's stdin, never on a command line).
# Emits:    com.switchboard.vm.decommissioned (data: vm, vmId, host, cluster, datacenter,
#           removedBy, removedAt, vcenter) as one JSON line on file descriptor 3.
#
# The contract of executable functions: the CloudEvent is JSON on stdin, its attributes are
# CE_ID, CE_TYPE, CE_SOURCE, CE_SUBJECT, CE_TIME; exit 0 is success, anything else is retried
# by the subscription; each JSON line on fd 3 is a CloudEvent for Switchboard to publish.
# stdout and stderr go to the appliance's log.
#
# POSIX sh. Reads the payload with jq when installed, else python3, else a sed fallback that
# understands only compact JSON. Try it by hand:  sh vm-removed.sh < vm-removed-event.json
set -eu
: "${PATH:=/usr/local/bin:/usr/bin:/bin}"
export PATH

event=$(cat)

# One line of the payload's fields, separated by the ASCII unit separator (0x1f) so that an
# empty field stays a field. Newlines inside values become spaces.
FIELDS='data.Vm.Name data.Vm.Vm.Value data.Host.Name data.ComputeResource.Name data.Datacenter.Name data.UserName'
US=$(printf '\037')
if command -v jq >/dev/null 2>&1; then
  line=$(printf '%s' "$event" | jq -r '[.data.Vm.Name, .data.Vm.Vm.Value, .data.Host.Name, .data.ComputeResource.Name, .data.Datacenter.Name, .data.UserName]
    | map(. // "" | tostring | gsub("[\n\r\u001f]"; " ")) | join("\u001f")')
elif command -v python3 >/dev/null 2>&1; then
  line=$(printf '%s' "$event" | python3 -c '
import json, sys
event = json.load(sys.stdin)
def get(path):
    value = event
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return "" if value is None else " ".join(str(value).replace("\x1f", " ").splitlines())
print("\x1f".join(get(p) for p in sys.argv[1:]))' $FIELDS)
else
  # No JSON parser: entity arguments look like "Vm":{"Name":"prod-web-01","Vm":{"Type":…,"Value":"vm-42"}}.
  # $1 is a key, $2 what precedes the string value; the value's \" and \\ are unescaped.
  string='\(\([^"\\]\|\\.\)*\)'   # a JSON string's contents: no bare quote, escapes allowed
  pick() { printf '%s' "$event" | sed -n "s/.*\"$1\":$2\"$string\".*/\\1/p" | head -n 1 | sed 's/\\\(.\)/\1/g'; }
  line="$(pick Vm '{"Name":')$US$(pick Vm '{"Type":"VirtualMachine","Value":')$US$(pick Host '{"Name":')$US$(pick ComputeResource '{"Name":')$US$(pick Datacenter '{"Name":')$US$(pick UserName '')"
fi
IFS=$US read -r vm vm_id host cluster datacenter user <<EOF
$line
EOF

if [ -z "$vm" ]; then
  # A misrouted event: failing parks it in the dead-letter queue, where someone sees it.
  printf 'event %s (%s) names no VM: expected data.Vm.Name (subscribe this function to VmRemovedEvent)\n' "${CE_ID:-?}" "${CE_TYPE:-?}" >&2
  exit 1
fi

at=${CE_TIME:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
where=$host
[ -n "$cluster$datacenter" ] && where="$host (${cluster:+$cluster, }$datacenter)"
# printf, not echo: dash's echo would turn the \a of LAB\alice into a bell.
printf 'AUDIT vm-removed: VM %s removed by %s from %s at %s [event %s from %s]\n' \
  "$vm${vm_id:+ ($vm_id)}" "${user:-vCenter}" "${where:-an unknown host}" "$at" "${CE_ID:-?}" "${CE_SOURCE:-?}"

# "text" as a JSON string, or null when empty. Control characters are dropped.
json() {
  if [ -z "$1" ]; then printf 'null'; return; fi
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\037')"
}

if [ -n "${AUDIT_URL:-}" ]; then
  record=$(printf '{"at":%s,"kind":"vm.removed","vm":%s,"vmId":%s,"host":%s,"cluster":%s,"datacenter":%s,"user":%s,"eventId":%s,"source":%s}' \
    "$(json "$at")" "$(json "$vm")" "$(json "$vm_id")" "$(json "$host")" "$(json "$cluster")" "$(json "$datacenter")" \
    "$(json "$user")" "$(json "${CE_ID:-}")" "$(json "${CE_SOURCE:-}")")
  # At most AUDIT_TIMEOUT, and never past SWITCHBOARD_DEADLINE (ms since the epoch), when the
  # appliance would kill us: then this run fails cleanly and is retried.
  max_time=${AUDIT_TIMEOUT:-10}
  if [ -n "${SWITCHBOARD_DEADLINE:-}" ]; then
    left=$(( SWITCHBOARD_DEADLINE / 1000 - $(date +%s) - 1 ))
    [ "$left" -lt "$max_time" ] && max_time=$(( left > 1 ? left : 1 ))
  fi
  if command -v curl >/dev/null 2>&1; then
    # -f: a 4xx/5xx answer is a failure, so the subscription retries and the record is not lost.
    if [ -n "${AUDIT_TOKEN:-}" ]; then
      printf 'authorization: Bearer %s\n' "$AUDIT_TOKEN" | curl -fsS --max-time "$max_time" -H @- \
        -H 'content-type: application/json' --data-binary "$record" "$AUDIT_URL" >/dev/null
    else
      curl -fsS --max-time "$max_time" -H 'content-type: application/json' --data-binary "$record" "$AUDIT_URL" >/dev/null
    fi || { echo "could not deliver the audit record to AUDIT_URL (curl exit status $?)" >&2; exit 1; }
  else
    echo "AUDIT_URL is set but curl is not installed: the audit record is in this log only" >&2
  fi
fi

ce=$(printf '{"specversion":"1.0","type":"com.switchboard.vm.decommissioned","subject":%s,"datacontenttype":"application/json","data":{"vm":%s,"vmId":%s,"host":%s,"cluster":%s,"datacenter":%s,"removedBy":%s,"removedAt":%s,"vcenter":%s}}' \
  "$(json "$vm")" "$(json "$vm")" "$(json "$vm_id")" "$(json "$host")" "$(json "$cluster")" "$(json "$datacenter")" \
  "$(json "$user")" "$(json "$at")" "$(json "${CE_SOURCE:-}")")
if (true >&3) 2>/dev/null; then
  printf '%s\n' "$ce" >&3
elif [ -n "${SWITCHBOARD_FUNCTION:-}" ]; then
  echo "file descriptor 3 is not open: cannot publish com.switchboard.vm.decommissioned" >&2
  exit 1
else
  echo "fd 3 is not open (run by hand?): the event follows" >&2
  printf '%s\n' "$ce"
fi
