#!/usr/bin/env python3
"""Builds samples/triage, the sample triage collection, from readable XML.

    python3 scripts/make_samples.py [--evtxhunt build/src/evtxhunt]

Inputs: samples/scenario/<HOST>/{Sysmon,Security,System}.xml, the scenario
written out as Windows event XML (the DCOM lateral movement chain, its near
misses, boot and benign DCOM activity), without EventRecordIDs.

This script adds about a hundred ordinary background events per host, some
three hundred in all (process starts and exits, connections, service state changes),
synthesized from a fixed seed so every run gives the same bytes, merges them
with the scenario per log, orders each log by TimeCreated, numbers the
records, and writes each log with `evtxhunt convert` to
samples/triage/<HOST>/C/Windows/System32/winevt/Logs/<log>.evtx, the layout
KAPE writes. --xml-out DIR keeps the merged XML (the exact converter input).

Background events never touch what the DCOM rule looks at: no inbound
connection to port 135, no child of the DcomLaunch svchost. Only the standard
library is used.
"""

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SYSMON = ("Microsoft-Windows-Sysmon", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}")
SECURITY = ("Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-A5BA-3E3B0328C30D}")
SCM = ("Service Control Manager", "{555908D1-A6D7-4695-8E1E-26931D2012F4}")

# log name in samples/scenario -> file name in the triage collection, first record id
LOGS = {
    "Security": ("Security.evtx", 184230),
    "Sysmon": ("Microsoft-Windows-Sysmon%4Operational.evtx", 52011),
    "System": ("System.evtx", 7316),
}
DAY = datetime(2024, 3, 12, tzinfo=timezone.utc)
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"

# ---------------------------------------------------------------------------
# Time: integers in 100 ns ticks since DAY 00:00:00 UTC.

TICKS_PER_SECOND = 10_000_000


def at(hms, day_offset=0):
    """'10:47:13.412' (optionally with 7 fraction digits) -> ticks."""
    h, m, s = hms.split(":")
    sec, _, frac = s.partition(".")
    frac = (frac + "0000000")[:7]
    return ((day_offset * 24 + int(h)) * 3600 + int(m) * 60 + int(sec)) * TICKS_PER_SECOND + int(frac)


def seconds(x):
    return int(round(x * TICKS_PER_SECOND))


def _dt(ticks):
    return DAY + timedelta(microseconds=ticks // 10)


def system_time(ticks):
    """As Windows renders SystemTime: 7 fraction digits, Z."""
    return _dt(ticks).strftime("%Y-%m-%dT%H:%M:%S") + ".%07dZ" % (ticks % TICKS_PER_SECOND)


def utc_time(ticks):
    """As Sysmon writes UtcTime: milliseconds, no zone."""
    return _dt(ticks).strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % (ticks % TICKS_PER_SECOND // 10_000)


def parse_system_time(text):
    date, _, rest = text.partition("T")
    base = datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    days = (base - DAY).days
    return at(rest.rstrip("Z"), days)


def parse_utc_time(text):
    """Sysmon's UtcTime ('2024-03-12 10:47:14.105') -> ticks."""
    return parse_system_time(text.replace(" ", "T") + "Z")


def unix_seconds(ticks):
    return int(_dt(ticks).timestamp())


# ---------------------------------------------------------------------------
# Hosts, accounts, processes.

class Account:
    def __init__(self, name, sid, logon_id, session, integrity, elevation="%%1936"):
        self.name, self.sid, self.logon_id = name, sid, logon_id
        self.session, self.integrity, self.elevation = session, integrity, elevation

    @property
    def domain(self):
        return self.name.split("\\")[0]

    @property
    def user(self):
        return self.name.split("\\")[1]


SYSTEM = Account("NT AUTHORITY\\SYSTEM", "S-1-5-18", 0x3E7, 0, "System", "%%1936")
LOCAL_SERVICE = Account("NT AUTHORITY\\LOCAL SERVICE", "S-1-5-19", 0x3E5, 0, "System", "%%1936")
NETWORK_SERVICE = Account("NT AUTHORITY\\NETWORK SERVICE", "S-1-5-20", 0x3E4, 0, "System", "%%1936")


class Host:
    def __init__(self, name, ip, machine, seq_suffix, sysmon_pid, boot, logon_ids):
        self.name = name
        self.fqdn = name + ".corp.local"
        self.ip = ip
        self.machine = machine          # first group of this machine's Sysmon GUIDs
        self.seq_suffix = seq_suffix    # last group of its process GUIDs
        self.sysmon_pid = sysmon_pid    # Execution ProcessID of its Sysmon events
        self.boot = boot                # ticks of the boot (Kernel-General 12 StartTime)
        self.logon_ids = logon_ids
        self.seq = 0x100

    def next_seq(self):
        self.seq += 1
        return self.seq


HOSTS = {
    "WS01": Host("WS01", "10.10.20.11", "7C5E2A11", "000000000B00", 2212, at("07:57:56.5000000"), {}),
    "WS02": Host("WS02", "10.10.20.12", "7C5E2A12", "000000000C00", 2196, at("07:54:41.2500000"), {}),
    "DC01": Host("DC01", "10.10.20.5", "7C5E2A05", "000000000A00", 2488, at("06:31:07.7500000"), {}),
}


def system_process(host):
    """The System process (PID 4): Sysmon never logs its start; its GUID derives from the boot."""
    t = unix_seconds(host.boot)
    return Proc(host, 4, "System", "", SYSTEM, host.boot, None, None,
                "{%s-%04X-%04X-EB03-%s}" % (host.machine, t & 0xFFFF, (t >> 16) & 0xFFFF, host.seq_suffix))


class Proc:
    """A process instance: what Sysmon and Security events say about it."""

    def __init__(self, host, pid, image, cmdline, account, start, parent=None, cwd=None, guid=None):
        self.host, self.pid, self.image, self.cmdline = host, pid, image, cmdline
        self.account, self.start, self.parent = account, start, parent
        self.cwd = cwd or "C:\\Windows\\system32\\"
        self.guid = guid or process_guid(host, start)

    @property
    def name(self):
        return self.image.split("\\")[-1]


def process_guid(host, start):
    t = unix_seconds(start)
    return "{%s-%04X-%04X-%04X-%s}" % (host.machine, t & 0xFFFF, (t >> 16) & 0xFFFF, host.next_seq(), host.seq_suffix)


def logon_guid(host, account, logon_time):
    t = unix_seconds(logon_time)
    lid = account.logon_id
    return "{%s-%04X-%04X-%02X%02X-%012X}" % (
        host.machine, t & 0xFFFF, (t >> 16) & 0xFFFF, lid & 0xFF, (lid >> 8) & 0xFF, lid >> 16)


# File metadata Sysmon reports for an image (FileVersion, Description, Product, Company, OriginalFileName).
WIN_PRODUCT = "Microsoft® Windows® Operating System"
MS = "Microsoft Corporation"
WINVER = "10.0.19041.%d (WinBuild.160101.0800)"
META = {
    "smss.exe": (WINVER % 1, "Windows Session Manager", WIN_PRODUCT, MS, "smss.exe"),
    "csrss.exe": (WINVER % 1, "Client Server Runtime Process", WIN_PRODUCT, MS, "CSRSS.Exe"),
    "wininit.exe": (WINVER % 1, "Windows Start-Up Application", WIN_PRODUCT, MS, "WinInit.exe"),
    "winlogon.exe": (WINVER % 3636, "Windows Logon Application", WIN_PRODUCT, MS, "WINLOGON.EXE"),
    "services.exe": (WINVER % 3636, "Services and Controller app", WIN_PRODUCT, MS, "services.exe"),
    "lsass.exe": (WINVER % 3636, "Local Security Authority Process", WIN_PRODUCT, MS, "lsass.exe"),
    "svchost.exe": (WINVER % 3636, "Host Process for Windows Services", WIN_PRODUCT, MS, "svchost.exe"),
    "userinit.exe": (WINVER % 1, "Userinit Logon Application", WIN_PRODUCT, MS, "USERINIT.EXE"),
    "explorer.exe": (WINVER % 3636, "Windows Explorer", WIN_PRODUCT, MS, "EXPLORER.EXE"),
    "runtimebroker.exe": (WINVER % 3636, "Runtime Broker", WIN_PRODUCT, MS, "RuntimeBroker.exe"),
    "startmenuexperiencehost.exe": ("10.0.19041.3636", "", "", MS, "StartMenuExperienceHost.exe"),
    "wmiprvse.exe": (WINVER % 3636, "WMI Provider Host", WIN_PRODUCT, MS, "Wmiprvse.exe"),
    "backgroundtaskhost.exe": (WINVER % 1, "Background Task Host", WIN_PRODUCT, MS, "backgroundTaskHost.exe"),
    "dllhost.exe": (WINVER % 1, "COM Surrogate", WIN_PRODUCT, MS, "dllhost.exe"),
    "werfault.exe": (WINVER % 3636, "Windows Problem Reporting", WIN_PRODUCT, MS, "WerFault.exe"),
    "invagenthost.exe": ("4.2.118.0", "Contoso Inventory Agent COM Host", "Contoso Inventory", "Contoso Ltd.", "InvAgentHost.exe"),
    "csc.exe": ("4.8.4084.0 built by: NET48REL1", "Visual C# Command Line Compiler", "Microsoft® .NET Framework", MS, "csc.exe"),
    "cvtres.exe": ("14.10.25028.0 built by: NET48REL1", "Microsoft® Resource File To COFF Object Conversion Utility", "Microsoft® .NET Framework", MS, "CVTRES.EXE"),
    "excel.exe": ("16.0.17328.20162", "Microsoft Excel", "Microsoft Office", MS, "Excel.exe"),
    "winword.exe": ("16.0.17328.20162", "Microsoft Word", "Microsoft Office", MS, "WinWord.exe"),
    "outlook.exe": ("16.0.17328.20162", "Microsoft Outlook", "Microsoft Outlook", MS, "Outlook.exe"),
    "mmc.exe": (WINVER % 1, "Microsoft Management Console", WIN_PRODUCT, MS, "MMC.EXE"),
    "cmd.exe": (WINVER % 3636, "Windows Command Processor", WIN_PRODUCT, MS, "Cmd.Exe"),
    "conhost.exe": (WINVER % 3636, "Console Window Host", WIN_PRODUCT, MS, "CONHOST.EXE"),
    "whoami.exe": (WINVER % 1, "whoami - displays logged on user information", WIN_PRODUCT, MS, "whoami.exe"),
    "ipconfig.exe": (WINVER % 1, "IP Configuration Utility", WIN_PRODUCT, MS, "ipconfig.exe"),
    "net.exe": (WINVER % 1, "Net Command", WIN_PRODUCT, MS, "net.exe"),
    "net1.exe": (WINVER % 1, "Net Command", WIN_PRODUCT, MS, "net1.exe"),
    "powershell.exe": (WINVER % 3636, "Windows PowerShell", WIN_PRODUCT, MS, "PowerShell.EXE"),
    "chrome.exe": ("122.0.6261.112", "Google Chrome", "Google Chrome", "Google LLC", "chrome.exe"),
    "notepad.exe": (WINVER % 3636, "Notepad", WIN_PRODUCT, MS, "NOTEPAD.EXE"),
    "taskhostw.exe": (WINVER % 3636, "Host Process for Windows Tasks", WIN_PRODUCT, MS, "taskhostw.exe"),
    "mpcmdrun.exe": ("4.18.24010.12 (WinBuild.160101.0800)", "Microsoft Malware Protection Command Line Utility", WIN_PRODUCT, MS, "MpCmdRun.exe"),
    "compattelrunner.exe": (WINVER % 3636, "Microsoft Compatibility Telemetry", WIN_PRODUCT, MS, "CompatTelRunner.exe"),
    "searchprotocolhost.exe": (WINVER % 3636, "Microsoft Windows Search Protocol Host", WIN_PRODUCT, MS, "SearchProtocolHost.exe"),
    "searchfilterhost.exe": (WINVER % 3636, "Microsoft Windows Search Filter Host", WIN_PRODUCT, MS, "SearchFilterHost.exe"),
    "mstsc.exe": (WINVER % 3636, "Remote Desktop Connection", WIN_PRODUCT, MS, "mstsc.exe"),
    "dns.exe": (WINVER % 3636, "Domain Name System (DNS) Server", WIN_PRODUCT, MS, "dns.exe"),
    "repadmin.exe": (WINVER % 1, "Replication Diagnostics Tool", WIN_PRODUCT, MS, "repadmin.exe"),
    "gpupdate.exe": (WINVER % 1, "Microsoft® Windows Group Policy Update Utility", WIN_PRODUCT, MS, "GPUpdate.exe"),
    "sppsvc.exe": (WINVER % 3636, "Microsoft Software Protection Platform Service", WIN_PRODUCT, MS, "sppsvc.exe"),
}


def hashes(image):
    return "SHA256=" + hashlib.sha256(image.lower().encode()).hexdigest().upper()


# ---------------------------------------------------------------------------
# Event builders (ElementTree elements without namespace; Event carries xmlns).

def _sub(parent, tag, text=None, **attrs):
    e = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        e.text = text
    return e


def _event(provider, event_id, version, level, task, opcode, keywords, time, host, exec_pid, exec_tid,
           channel, user_sid=None, qualifiers=None, source_name=None):
    ev = ET.Element("Event", {"xmlns": EVENT_NS})
    sys_ = _sub(ev, "System")
    _sub(sys_, "Provider", Name=provider[0], Guid=provider[1], EventSourceName=source_name)
    _sub(sys_, "EventID", str(event_id), Qualifiers=qualifiers)
    _sub(sys_, "Version", str(version))
    _sub(sys_, "Level", str(level))
    _sub(sys_, "Task", str(task))
    _sub(sys_, "Opcode", str(opcode))
    _sub(sys_, "Keywords", keywords)
    _sub(sys_, "TimeCreated", SystemTime=system_time(time))
    _sub(sys_, "Correlation")
    _sub(sys_, "Execution", ProcessID=str(exec_pid), ThreadID=str(exec_tid))
    _sub(sys_, "Channel", channel)
    _sub(sys_, "Computer", host.fqdn)
    _sub(sys_, "Security", UserID=user_sid)
    return ev


def _data(ev, items):
    ed = _sub(ev, "EventData")
    for name, value in items:
        _sub(ed, "Data", value if value not in (None, "") else None, Name=name)
    return ev


def sysmon_process_create(p, written, tid, rule="-"):
    h, a, par = p.host, p.account, p.parent
    meta = META.get(p.name.lower(), ("-", "-", "-", "-", "-"))
    ev = _event(SYSMON, 1, 5, 4, 1, 0, "0x8000000000000000", written, h, h.sysmon_pid, tid,
                "Microsoft-Windows-Sysmon/Operational", "S-1-5-18")
    return _data(ev, [
        ("RuleName", rule), ("UtcTime", utc_time(p.start)), ("ProcessGuid", p.guid), ("ProcessId", str(p.pid)),
        ("Image", p.image), ("FileVersion", meta[0] or "-"), ("Description", meta[1] or "-"),
        ("Product", meta[2] or "-"), ("Company", meta[3] or "-"), ("OriginalFileName", meta[4] or "-"),
        ("CommandLine", p.cmdline), ("CurrentDirectory", p.cwd), ("User", a.name),
        ("LogonGuid", h.logon_ids.get(a.logon_id) or logon_guid(h, a, h.boot)), ("LogonId", "0x%x" % a.logon_id),
        ("TerminalSessionId", str(a.session)), ("IntegrityLevel", a.integrity), ("Hashes", hashes(p.image)),
        ("ParentProcessGuid", par.guid), ("ParentProcessId", str(par.pid)), ("ParentImage", par.image),
        ("ParentCommandLine", par.cmdline), ("ParentUser", par.account.name),
    ])


def sysmon_network(p, when, written, tid, protocol, initiated, src, sport, dst, dport, src_host="-", dst_host="-",
                   sport_name="-", dport_name="-"):
    h = p.host
    ev = _event(SYSMON, 3, 5, 4, 3, 0, "0x8000000000000000", written, h, h.sysmon_pid, tid,
                "Microsoft-Windows-Sysmon/Operational", "S-1-5-18")
    return _data(ev, [
        ("RuleName", "-"), ("UtcTime", utc_time(when)), ("ProcessGuid", p.guid), ("ProcessId", str(p.pid)),
        ("Image", p.image), ("User", p.account.name), ("Protocol", protocol), ("Initiated", "true" if initiated else "false"),
        ("SourceIsIpv6", "false"), ("SourceIp", src), ("SourceHostname", src_host), ("SourcePort", str(sport)),
        ("SourcePortName", sport_name), ("DestinationIsIpv6", "false"), ("DestinationIp", dst),
        ("DestinationHostname", dst_host), ("DestinationPort", str(dport)), ("DestinationPortName", dport_name),
    ])


def sysmon_process_terminate(p, when, written, tid):
    h = p.host
    ev = _event(SYSMON, 5, 3, 4, 5, 0, "0x8000000000000000", written, h, h.sysmon_pid, tid,
                "Microsoft-Windows-Sysmon/Operational", "S-1-5-18")
    return _data(ev, [("RuleName", "-"), ("UtcTime", utc_time(when)), ("ProcessGuid", p.guid),
                      ("ProcessId", str(p.pid)), ("Image", p.image)])


def security_4688(p, written, tid, subject=None):
    """Version 2: with the target account and ParentProcessName."""
    h, a, par = p.host, p.account, p.parent
    s = subject or (a if a.logon_id == par.account.logon_id else SYSTEM)
    subject_name = h.name + "$" if s is SYSTEM else s.user
    subject_domain = "CORP" if s is SYSTEM else s.domain
    same = s is a
    ev = _event(SECURITY, 4688, 2, 0, 13312, 0, "0x8020000000000000", written, h, 4, tid, "Security")
    return _data(ev, [
        ("SubjectUserSid", s.sid), ("SubjectUserName", subject_name), ("SubjectDomainName", subject_domain),
        ("SubjectLogonId", "0x%x" % s.logon_id), ("NewProcessId", "0x%x" % p.pid), ("NewProcessName", p.image),
        ("TokenElevationType", a.elevation), ("ProcessId", "0x%x" % par.pid), ("CommandLine", p.cmdline),
        ("TargetUserSid", "S-1-0-0" if same else a.sid), ("TargetUserName", "-" if same else a.user),
        ("TargetDomainName", "-" if same else a.domain), ("TargetLogonId", "0x0" if same else "0x%x" % a.logon_id),
        ("ParentProcessName", par.image), ("MandatoryLabel", INTEGRITY_SIDS[a.integrity]),
    ])


INTEGRITY_SIDS = {"Low": "S-1-16-4096", "Medium": "S-1-16-8192", "High": "S-1-16-12288", "System": "S-1-16-16384"}


def security_4689(p, written, tid):
    h, a = p.host, p.account
    ev = _event(SECURITY, 4689, 0, 0, 13313, 0, "0x8020000000000000", written, h, 4, tid, "Security")
    name = h.name + "$" if a is SYSTEM else a.user
    return _data(ev, [
        ("SubjectUserSid", a.sid), ("SubjectUserName", name), ("SubjectDomainName", "CORP" if a is SYSTEM else a.domain),
        ("SubjectLogonId", "0x%x" % a.logon_id), ("Status", "0x0"), ("ProcessId", "0x%x" % p.pid), ("ProcessName", p.image),
    ])


def device_path(image):
    if image == "System":
        return "System"
    return "\\device\\harddiskvolume3" + image[2:].lower()


def security_5156(p, written, tid, inbound, src, sport, dst, dport, protocol=6, filter_rtid=70213):
    h = p.host
    ev = _event(SECURITY, 5156, 1, 0, 12810, 0, "0x8020000000000000", written, h, 4, tid, "Security")
    return _data(ev, [
        ("ProcessID", str(p.pid)), ("Application", device_path(p.image)),
        ("Direction", "%%14592" if inbound else "%%14593"), ("SourceAddress", src), ("SourcePort", str(sport)),
        ("DestAddress", dst), ("DestPort", str(dport)), ("Protocol", str(protocol)), ("FilterRTID", str(filter_rtid)),
        ("LayerName", "%%14610" if inbound else "%%14611"), ("LayerRTID", "44" if inbound else "48"),
        ("RemoteUserID", "S-1-0-0"), ("RemoteMachineID", "S-1-0-0"),
    ])


def scm_7036(h, written, services_pid, tid, display, key, state):
    ev = _event(SCM, 7036, 0, 4, 0, 0, "0x8080000000000000", written, h, services_pid, tid, "System",
                qualifiers="16384", source_name="Service Control Manager")
    binary = (key + "/" + ("4" if state == "running" else "1")).encode("utf-16-le").hex().upper() + "0000"
    return _data(ev, [("param1", display), ("param2", state), ("Binary", binary)])


# ---------------------------------------------------------------------------
# Reading the scenario and writing event XML.

def local(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def strip_namespaces(e):
    e.tag = local(e.tag)
    for c in e:
        strip_namespaces(c)
    return e


def read_events(path):
    """The <Event> elements of an XML file (an <Events> root or bare events)."""
    with open(path, "rb") as f:
        data = f.read()
    root = ET.fromstring(b"<Root>" + data.split(b"?>", 1)[-1] + b"</Root>" if data.startswith(b"<?xml") else
                         b"<Root>" + data + b"</Root>")
    events = []
    for e in root.iter():
        if local(e.tag) == "Event":
            ev = strip_namespaces(e)
            ev.attrib = {"xmlns": EVENT_NS, **{k: v for k, v in ev.attrib.items() if k != "xmlns"}}
            events.append(ev)
    return events


def child(e, name):
    for c in e:
        if c.tag == name:
            return c
    return None


def time_created(ev):
    return parse_system_time(child(child(ev, "System"), "TimeCreated").get("SystemTime"))


def set_record_id(ev, record_id):
    sys_ = child(ev, "System")
    rid = child(sys_, "EventRecordID")
    if rid is None:
        rid = ET.Element("EventRecordID")
        pos = list(sys_).index(child(sys_, "TimeCreated")) + 1
        sys_.insert(pos, rid)
    rid.text = str(record_id)


def _esc(s, attr):
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;") if attr else s


def render(e, depth, out):
    pad = "  " * depth
    attrs = "".join(' %s="%s"' % (k, _esc(v, True)) for k, v in e.attrib.items())
    kids = list(e)
    text = e.text if e.text and (not kids or e.text.strip()) else None
    if not kids and not text:
        out.append("%s<%s%s/>\n" % (pad, e.tag, attrs))
    elif not kids:
        out.append("%s<%s%s>%s</%s>\n" % (pad, e.tag, attrs, _esc(text, False), e.tag))
    else:
        out.append("%s<%s%s>\n" % (pad, e.tag, attrs))
        for k in kids:
            render(k, depth + 1, out)
        out.append("%s</%s>\n" % (pad, e.tag))


def events_xml(events, comments=None):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', "<Events>\n"]
    for i, ev in enumerate(events):
        if comments and comments.get(i):
            out.append("\n<!-- %s -->\n" % comments[i].replace("--", "- -").replace("\n", "\n     "))
        render(ev, 0, out)
    out.append("</Events>\n")
    return "".join(out)


def sysmon_processes(host, events):
    """Process instances the scenario's Sysmon 1 events describe, by GUID."""
    procs = {}
    for ev in events:
        sys_ = child(ev, "System")
        if child(sys_, "EventID").text != "1" or child(sys_, "Provider").get("Name") != SYSMON[0]:
            continue
        d = {x.get("Name"): (x.text or "") for x in child(ev, "EventData")}
        procs[d["ProcessGuid"]] = d
    return procs


# ---------------------------------------------------------------------------
# Background: ordinary activity, the same on every run.

class Background:
    def __init__(self, host, scenario_events, seed):
        self.h = host
        self.rng = random.Random(seed)
        self.events = {"Sysmon": [], "Security": [], "System": []}
        self.used_pids = set()
        self.known = sysmon_processes(host, scenario_events.get("Sysmon", []))
        for d in self.known.values():
            self.used_pids.add(int(d["ProcessId"]))
        self.scenario_times = sorted(time_created(ev) for evs in scenario_events.values() for ev in evs)

    def existing(self, image_suffix, cmd_part=""):
        """A process of the scenario (boot processes, the logged-on user's shell) as a parent."""
        for d in self.known.values():
            if d["Image"].lower().endswith(image_suffix.lower()) and cmd_part.lower() in d["CommandLine"].lower():
                user = d["User"]
                acct = {"NT AUTHORITY\\SYSTEM": SYSTEM, "NT AUTHORITY\\LOCAL SERVICE": LOCAL_SERVICE,
                        "NT AUTHORITY\\NETWORK SERVICE": NETWORK_SERVICE}.get(user)
                if acct is None:
                    acct = Account(user, self.user_sids[user], int(d["LogonId"], 16), int(d["TerminalSessionId"]),
                                   d["IntegrityLevel"])
                    self.h.logon_ids[acct.logon_id] = d["LogonGuid"]
                return Proc(self.h, int(d["ProcessId"]), d["Image"], d["CommandLine"], acct,
                            parse_utc_time(d["UtcTime"]), None, d["CurrentDirectory"], d["ProcessGuid"])
        raise SystemExit("%s: the scenario has no process %s %s" % (self.h.name, image_suffix, cmd_part))

    def pid(self):
        while True:
            p = self.rng.randrange(1000, 14000) * 4
            if p not in self.used_pids:
                self.used_pids.add(p)
                return p

    def tid(self):
        return self.rng.randrange(300, 9000) * 4

    def spawn(self, parent, image, cmdline, account, start, cwd=None, lifetime=None, conns=()):
        p = Proc(self.h, self.pid(), image, cmdline, account, start, parent, cwd)
        self.events["Sysmon"].append(sysmon_process_create(p, start + seconds(self.rng.uniform(0.004, 0.03)), self.tid()))
        self.events["Security"].append(security_4688(p, start + seconds(self.rng.uniform(0.001, 0.02)), self.tid()))
        for c in conns:
            self.connect(p, start + seconds(self.rng.uniform(0.5, 240)), *c)
        if lifetime is not None:
            end = start + seconds(lifetime)
            self.events["Sysmon"].append(sysmon_process_terminate(p, end, end + seconds(self.rng.uniform(0.003, 0.02)), self.tid()))
            self.events["Security"].append(security_4689(p, end + seconds(self.rng.uniform(0.001, 0.01)), self.tid()))
        return p

    def connect(self, p, when, dst_ip, dport, proto="tcp", dst_host="-", dport_name="-", wfp=False):
        """An outbound connection: Sysmon 3 (written 1-4 s later) and, sometimes, Security 5156."""
        sport = self.rng.randrange(49700, 65000) if proto == "tcp" else self.rng.randrange(50000, 65000)
        written = when + seconds(self.rng.uniform(1.0, 4.0))
        self.events["Sysmon"].append(sysmon_network(p, when, written, self.tid(), proto, True, self.h.ip, sport, dst_ip,
                                                    dport, self.h.fqdn, dst_host, "-", dport_name))
        if wfp:
            self.events["Security"].append(security_5156(p, when + seconds(self.rng.uniform(0.0005, 0.003)), self.tid(),
                                                         False, self.h.ip, sport, dst_ip, dport,
                                                         6 if proto == "tcp" else 17))

    def inbound(self, p, when, src_ip, src_host, dport, dport_name, proto="tcp", wfp=False):
        """An inbound connection accepted by p (never port 135 in the background)."""
        assert dport != 135
        sport = self.rng.randrange(49700, 65000)
        written = when + seconds(self.rng.uniform(1.0, 4.0))
        self.events["Sysmon"].append(sysmon_network(p, when, written, self.tid(), proto, False, src_ip, sport, self.h.ip,
                                                    dport, src_host, self.h.fqdn, "-", dport_name))
        if wfp:
            self.events["Security"].append(security_5156(p, when + seconds(self.rng.uniform(0.0005, 0.003)), self.tid(),
                                                         True, self.h.ip, dport, src_ip, sport,
                                                         6 if proto == "tcp" else 17, 70211))

    def quiet(self, t, margin=20):
        """False near scenario events (keeps the scenario readable in the logs)."""
        m = seconds(margin)
        return all(abs(t - s) > m for s in self.scenario_times)

    def times(self, n, start, end):
        out = []
        while len(out) < n:
            t = self.rng.randrange(start, end)
            if self.quiet(t):
                out.append(t)
        return sorted(out)

    def services(self, services_pid, names, start, end, n):
        for t in self.times(n, start, end):
            display, key = self.rng.choice(names)
            state = self.rng.choice(["running", "stopped"])
            self.events["System"].append(scm_7036(self.h, t, services_pid, self.tid(), display, key, state))


INTERNET = [("142.250.185.78", "-"), ("142.251.36.3", "-"), ("13.107.42.14", "-"), ("52.97.146.162", "-"),
            ("20.190.159.2", "-"), ("40.126.32.68", "-"), ("104.208.16.94", "-"), ("23.55.161.19", "-")]
SERVICES = [("Windows Update", "wuauserv"), ("Background Intelligent Transfer Service", "BITS"),
            ("Windows Modules Installer", "TrustedInstaller"), ("Microsoft Defender Antivirus Network Inspection Service", "WdNisSvc"),
            ("Delivery Optimization", "DoSvc"), ("WinHTTP Web Proxy Auto-Discovery Service", "WinHttpAutoProxySvc"),
            ("Software Protection", "sppsvc"), ("Windows Error Reporting Service", "WerSvc")]
DEFENDER = "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24010.12-0\\MpCmdRun.exe"
CHROME = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
OFFICE = "C:\\Program Files\\Microsoft Office\\root\\Office16\\"
DC = ("10.10.20.5", "DC01.corp.local")


def workstation_background(bg, user_name, end, n_user, n_system):
    h, rng = bg.h, bg.rng
    explorer = bg.existing("\\explorer.exe")
    netsvcs = bg.existing("\\svchost.exe", "-k netsvcs")
    services = bg.existing("\\services.exe")
    lsass = bg.existing("\\lsass.exe")
    user = explorer.account
    explorer_start = explorer.start
    apps = [
        (CHROME, '"%s"' % CHROME, [(ip, 443, "tcp", host, "https", i == 0) for i, (ip, host) in enumerate(INTERNET[:4])],
         None),
        (OFFICE + "OUTLOOK.EXE", '"%sOUTLOOK.EXE" ' % OFFICE, [("52.97.146.162", 443, "tcp", "-", "https", True)], None),
        (OFFICE + "WINWORD.EXE", '"%sWINWORD.EXE" /n "C:\\Users\\%s\\Documents\\Q1 report.docx" /o ""' % (OFFICE, user_name),
         [("13.107.42.14", 443, "tcp", "-", "https", False)], 1800),
        ("C:\\Windows\\system32\\notepad.exe", '"C:\\Windows\\system32\\notepad.exe" C:\\Users\\%s\\Desktop\\todo.txt' % user_name,
         [], 900),
        ("C:\\Windows\\System32\\cmd.exe", '"C:\\Windows\\System32\\cmd.exe" ', [], 300),
        ("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
         '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" ', [], 600),
        ("C:\\Windows\\system32\\mstsc.exe", '"C:\\Windows\\system32\\mstsc.exe" ', [], 1200),
    ]
    chrome = None
    for t in bg.times(n_user, explorer_start + seconds(60), end):
        image, cmd, conns, life = rng.choice(apps)
        if image == CHROME and chrome is not None:  # a new tab: a renderer of the running browser
            bg.spawn(chrome, CHROME, '"%s" --type=renderer --lang=en-US --renderer-client-id=%d --launch-time-ticks=%d'
                     % (CHROME, rng.randrange(5, 90), rng.randrange(10**9, 10**10)), user, t,
                     "C:\\Program Files\\Google\\Chrome\\Application\\122.0.6261.112\\", rng.uniform(60, 3000),
                     [(ip, 443, "tcp", "-", "https", False) for ip, _ in rng.sample(INTERNET, 2)])
            continue
        cwd = "C:\\Users\\%s\\" % user_name if image.endswith("cmd.exe") or image.endswith("powershell.exe") else None
        p = bg.spawn(explorer, image, cmd, user, t, cwd, None if life is None else rng.uniform(life / 3, life), conns)
        if image == CHROME:
            chrome = p
        if image.endswith("cmd.exe") or image.endswith("powershell.exe"):
            bg.spawn(p, "C:\\Windows\\System32\\conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
                     user, t + seconds(0.011), "C:\\Windows\\system32\\", rng.uniform(100, 290))
    tasks = [
        ("C:\\Windows\\system32\\taskhostw.exe", "taskhostw.exe Install $(Arg0)", 40),
        (DEFENDER, '"%s" SignaturesUpdateService -ScheduleJob -UnmanagedUpdate' % DEFENDER, 90),
        ("C:\\Windows\\system32\\compattelrunner.exe", "C:\\Windows\\system32\\compattelrunner.exe -maintenance", 300),
        ("C:\\Windows\\system32\\gpupdate.exe", "gpupdate.exe /target:computer /force", 20),
    ]
    for t in bg.times(n_system, h.boot + seconds(400), end):
        image, cmd, life = rng.choice(tasks)
        conns = [(DC[0], 445, "tcp", DC[1], "microsoft-ds", False)] if "gpupdate" in image else []
        bg.spawn(netsvcs, image, cmd, SYSTEM, t, None, rng.uniform(life / 2, life), conns)
    # The workstation's own talk with the domain controller.
    for t in bg.times(max(4, n_system // 2), h.boot + seconds(30), end):
        port, name, proto = rng.choice([(88, "kerberos", "tcp"), (389, "ldap", "tcp"), (53, "domain", "udp")])
        bg.connect(lsass if port != 53 else netsvcs, t, DC[0], port, proto, DC[1], name, rng.random() < 0.3)
    bg.services(services.pid, SERVICES, h.boot + seconds(60), end, 10)


def dc_background(bg, end, n_tasks, n_inbound):
    h, rng = bg.h, bg.rng
    netsvcs = bg.existing("\\svchost.exe", "-k netsvcs")
    services = bg.existing("\\services.exe")
    lsass = bg.existing("\\lsass.exe")
    dns = bg.existing("\\dns.exe")
    system = system_process(h)
    tasks = [
        ("C:\\Windows\\system32\\taskhostw.exe", "taskhostw.exe SYSTEM", 40),
        (DEFENDER, '"%s" -IdleTask -TaskName WdCacheMaintenance' % DEFENDER, 60),
        ("C:\\Windows\\System32\\repadmin.exe", "repadmin.exe /showrepl * /csv", 8),
        ("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
         "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\ad-health.ps1", 25),
    ]
    for t in bg.times(n_tasks, h.boot + seconds(300), end):
        image, cmd, life = rng.choice(tasks)
        p = bg.spawn(netsvcs, image, cmd, SYSTEM, t, None, rng.uniform(life / 2, life))
        if image.endswith("powershell.exe"):
            bg.spawn(p, "C:\\Windows\\System32\\conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
                     SYSTEM, t + seconds(0.009), "C:\\Windows\\system32\\", life / 2)
    clients = [(HOSTS["WS01"].ip, HOSTS["WS01"].fqdn), (HOSTS["WS02"].ip, HOSTS["WS02"].fqdn)]
    for t in bg.times(n_inbound, h.boot + seconds(60), end):
        ip, name = rng.choice(clients)
        kind = rng.choice(["kerberos", "ldap", "smb", "dns"])
        if kind == "kerberos":
            bg.inbound(lsass, t, ip, name, 88, "kerberos", wfp=rng.random() < 0.4)
        elif kind == "ldap":
            bg.inbound(lsass, t, ip, name, 389, "ldap", wfp=rng.random() < 0.4)
        elif kind == "smb":
            bg.inbound(system, t, ip, name, 445, "microsoft-ds")
        else:
            bg.inbound(dns, t, ip, name, 53, "domain", "udp")
    bg.services(services.pid, SERVICES, h.boot + seconds(60), end, 8)


# ---------------------------------------------------------------------------

def build(scenario_dir, out_dir, xml_out, evtxhunt):
    end = at("11:55:00")
    users = {"CORP\\alice": "%s-1104" % DOMAIN_SID, "CORP\\bob": "%s-1107" % DOMAIN_SID,
             "CORP\\svc_mgmt": "%s-1120" % DOMAIN_SID}
    plans = {
        "WS01": lambda bg: workstation_background(bg, "alice", end, 14, 6),
        "WS02": lambda bg: workstation_background(bg, "bob", end, 9, 5),
        "DC01": lambda bg: dc_background(bg, end, 10, 24),
    }
    for name in sorted(HOSTS):
        h = HOSTS[name]
        h.seq = 0x4000  # background GUIDs never meet the scenario's
        scen = {}
        for log in LOGS:
            path = os.path.join(scenario_dir, name, log + ".xml")
            scen[log] = read_events(path) if os.path.exists(path) else []
        seed = int(hashlib.sha256(("evtxhunt-samples-" + name).encode()).hexdigest()[:12], 16)
        bg = Background(h, scen, seed)
        bg.user_sids = users
        plans[name](bg)
        for log, (file_name, first_id) in LOGS.items():
            events = scen[log] + bg.events[log]
            events.sort(key=time_created)  # stable: scenario order kept for equal times
            for i, ev in enumerate(events):
                set_record_id(ev, first_id + i)
            text = events_xml(events)
            xml_dir = xml_out or tempfile.mkdtemp(prefix="evtxhunt-samples-")
            os.makedirs(os.path.join(xml_dir, name), exist_ok=True)
            xml_path = os.path.join(xml_dir, name, log + ".xml")
            with open(xml_path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            dest_dir = os.path.join(out_dir, name, "C", "Windows", "System32", "winevt", "Logs")
            os.makedirs(dest_dir, exist_ok=True)
            dest = os.path.join(dest_dir, file_name)
            subprocess.run([evtxhunt, "convert", "-q", xml_path, "-o", dest], check=True)
            print("%-4s %-8s %4d events (%d scenario) -> %s" % (name, log, len(events), len(scen[log]),
                                                              os.path.relpath(dest)))
            if not xml_out:
                shutil.rmtree(xml_dir)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--evtxhunt", default=os.environ.get("EVTXHUNT", os.path.join(root, "build", "src", "evtxhunt")),
                    help="the evtxhunt binary (default: $EVTXHUNT or build/src/evtxhunt)")
    ap.add_argument("--scenario", default=os.path.join(root, "samples", "scenario"), help="scenario XML directory")
    ap.add_argument("--out", default=os.path.join(root, "samples", "triage"), help="triage collection to write")
    ap.add_argument("--xml-out", help="also keep the merged XML of every log here")
    args = ap.parse_args()
    if not os.access(args.evtxhunt, os.X_OK):
        sys.exit("make_samples: %s is not an executable evtxhunt (build it, or pass --evtxhunt)" % args.evtxhunt)
    build(args.scenario, args.out, args.xml_out, args.evtxhunt)


if __name__ == "__main__":
    main()
