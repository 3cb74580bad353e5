#!/usr/bin/env python3
"""alarm-handler: escalates vSphere alarms that turn red, and says when they recover.

Trigger:  com.vmware.vsphere.AlarmStatusChangedEvent.v0 (subscription `alarm-escalation`,
          declared in alarm-handler.yaml). vCenter raises it whenever an alarm changes
          status on a VM, host, datastore or cluster: data.Alarm.Name, data.Entity.Name,
          data.Entity.Entity {Type, Value}, data.From and data.To (gray/green/yellow/red).
Env:      ESCALATE_ON  statuses that escalate, comma-separated (default "red").
Secrets:  none.
Emits:    com.switchboard.alarm.escalated  when To is in ESCALATE_ON
          com.switchboard.alarm.recovered  when an escalated alarm goes back to green
          (data: alarm, alarmId, entity, entityType, entityId, from, to, datacenter, cluster,
          host, message, at, vcenter). Subscribe your paging or ticketing function to them:
          `prefix: { type: com.switchboard.alarm. }`.
Output:   stdout lines go to the appliance's log at info level, stderr at warn, tagged with
          the event id.

The contract of executable functions: the CloudEvent arrives as JSON on stdin (and its
attributes as CE_ID, CE_TYPE, CE_SOURCE, CE_SUBJECT, CE_TIME); exit status 0 is success,
anything else is a failure the subscription retries; every line written to file
descriptor 3 is a CloudEvent (JSON) that Switchboard publishes once the invocation succeeded.

Standard library only. Try it by hand (no fd 3: the events are printed instead):
    python3 alarm-handler.py < alarm-event.json
"""

import json
import os
import sys

ESCALATED = "com.switchboard.alarm.escalated"
RECOVERED = "com.switchboard.alarm.recovered"


def log(message, stream=sys.stdout):
    # stdout lines are logged at info level, stderr at warn. Flushed at once, so the lines
    # reach the log in order and are not lost if the process is killed at its timeout.
    print(message, file=stream, flush=True)


def name_of(argument):
    """vSphere entity arguments are {"Name": ..., "<Kind>": {"Type", "Value"}} or null."""
    return (argument or {}).get("Name")


def describe(event):
    data = event.get("data") or {}
    entity = data.get("Entity") or {}
    ref = entity.get("Entity") or {}
    alarm = data.get("Alarm") or {}
    return {
        "alarm": alarm.get("Name"),
        "alarmId": (alarm.get("Alarm") or {}).get("Value"),
        "entity": entity.get("Name"),
        "entityType": ref.get("Type"),
        "entityId": ref.get("Value"),
        "from": str(data.get("From", "")).lower(),
        "to": str(data.get("To", "")).lower(),
        "datacenter": name_of(data.get("Datacenter")),
        "cluster": name_of(data.get("ComputeResource")),
        "host": name_of(data.get("Host")),
        "message": data.get("FullFormattedMessage"),
        "at": event.get("time") or data.get("CreatedTime"),
        "vcenter": event.get("source"),
        "triggeredBy": event.get("id"),
    }


def emit(events):
    """Write each CloudEvent as one JSON line to fd 3, where Switchboard reads them."""
    if not events:
        return
    try:
        out = os.fdopen(3, "w", encoding="utf-8")
    except OSError:
        if os.environ.get("SWITCHBOARD_FUNCTION"):
            # Run by Switchboard without fd 3: failing keeps the escalation from being lost.
            raise SystemExit("file descriptor 3 is not open: cannot publish the escalation")
        log("fd 3 is not open (run by hand?): the events follow on stdout", sys.stderr)
        out = sys.stdout
    with out:
        for ce in events:
            out.write(json.dumps(ce, separators=(",", ":")) + "\n")


def main():
    try:
        event = json.load(sys.stdin)
    except ValueError as error:
        raise SystemExit(f"stdin is not a CloudEvent in JSON: {error}")
    alarm = describe(event)
    if not alarm["to"] or not alarm["alarm"]:
        # A misrouted event: failing parks it in the dead-letter queue, where it is seen.
        raise SystemExit(
            f"event {event.get('id')} ({event.get('type')}) is not an alarm status change: "
            "expected data.Alarm and data.To (subscribe this function to AlarmStatusChangedEvent)"
        )
    escalate_on = {s.strip().lower() for s in os.environ.get("ESCALATE_ON", "red").split(",") if s.strip()}
    log(f"alarm '{alarm['alarm']}' on {alarm['entity']} ({alarm['entityType']}): {alarm['from']} -> {alarm['to']}")

    if alarm["to"] in escalate_on:
        kind, severity = ESCALATED, "critical" if alarm["to"] == "red" else "warning"
    elif alarm["to"] == "green" and alarm["from"] in escalate_on:
        kind, severity = RECOVERED, "info"
    else:
        return
    emit([{
        "specversion": "1.0",
        "type": kind,
        "subject": alarm["entity"] or alarm["alarm"],
        "datacontenttype": "application/json",
        "data": {**alarm, "severity": severity},
    }])
    log(f"{'escalated' if kind == ESCALATED else 'recovered'}: '{alarm['alarm']}' on {alarm['entity']}")


if __name__ == "__main__":
    main()
