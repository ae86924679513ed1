#!/usr/bin/env python3
"""Writes the readable XML scenarios of the DCOM variant rules and of the
cross-host linking (tests/test_dcom_variants.cpp converts each file with
`evtxhunt convert` and scans it). The XML files are committed; this script
is how they were made and how to change them:

    python3 tests/scenarios/dcom_variants/make_scenarios.py

Each scenario is a list of events built by the helpers below (Sysmon 1 / 3,
Security 4624 / 4688 version 2, PowerShell 4104), with a comment per event
and a header saying what the scenario shows and what must be found. Hosts:
WS01 (10.0.0.5) is the target, WS02 (10.0.0.12) the attacker's foothold,
WS03 (10.0.0.13) an unrelated host. Everything happens on 2024-03-05 (UTC).
"""
import os
from xml.sax.saxutils import escape

OUT = os.path.dirname(os.path.abspath(__file__))
DAY = "2024-03-05"
NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SYSMON = ('Microsoft-Windows-Sysmon', '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}', 'Microsoft-Windows-Sysmon/Operational')
SECURITY = ('Microsoft-Windows-Security-Auditing', '{54849625-5478-4994-A5BA-3E3B0328C30D}', 'Security')
POWERSHELL = ('Microsoft-Windows-PowerShell', '{A0C1853B-5C40-4B15-8766-3CF1C58F985A}', 'Microsoft-Windows-PowerShell/Operational')
FQDN = {"WS01": "WS01.corp.local", "WS02": "WS02.corp.local", "WS03": "WS03.corp.local"}
IP = {"WS01": "10.0.0.5", "WS02": "10.0.0.12", "WS03": "10.0.0.13"}
DCOMLAUNCH = r"C:\Windows\system32\svchost.exe -k DcomLaunch"
RPCSS = r"C:\Windows\system32\svchost.exe -k RPCSS"


class Log:
    """The events of one scenario file, numbered per host."""

    def __init__(self):
        self.items = []  # (comment, xml)
        self.record = {}

    def _system(self, host, provider, event_id, version, written, task, pid=2264, user="S-1-5-18"):
        rid = self.record.get((host, provider[2]), 1000) + 1
        self.record[(host, provider[2])] = rid
        security = f'<Security UserID="{user}"/>' if user else "<Security/>"
        return rid, (f'<System><Provider Name="{provider[0]}" Guid="{provider[1]}"/><EventID>{event_id}</EventID>'
                     f'<Version>{version}</Version><Level>4</Level><Task>{task}</Task><Opcode>0</Opcode>'
                     f'<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="{DAY}T{written}Z"/>'
                     f'<EventRecordID>{rid}</EventRecordID><Correlation/><Execution ProcessID="{pid}" ThreadID="3460"/>'
                     f'<Channel>{provider[2]}</Channel><Computer>{FQDN[host]}</Computer>{security}</System>')

    def add(self, comment, system, data):
        body = "".join(f'<Data Name="{k}">{escape(str(v))}</Data>' for k, v in data)
        self.items.append((comment, f'<Event xmlns="{NS}">{system}<EventData>{body}</EventData></Event>'))

    def sysmon1(self, host, t, guid, pid, image, cmd, user, parent_guid, parent_pid, parent_image, parent_cmd,
                logon_id="0x3e7", comment=""):
        rid, system = self._system(host, SYSMON, 1, 5, t + "1", 1)
        self.add(comment or f"Sysmon 1: {cmd} (PID {pid}) started by {parent_image.split(chr(92))[-1]} (PID {parent_pid})",
                 system, [("RuleName", "-"), ("UtcTime", f"{DAY} {t[:12]}"), ("ProcessGuid", guid),
                          ("ProcessId", pid), ("Image", image), ("CommandLine", cmd),
                          ("CurrentDirectory", "C:\\Windows\\system32\\"), ("User", user),
                          ("LogonId", logon_id), ("IntegrityLevel", "High"), ("ParentProcessGuid", parent_guid),
                          ("ParentProcessId", parent_pid), ("ParentImage", parent_image),
                          ("ParentCommandLine", parent_cmd)])
        return rid

    def sysmon3(self, host, t, guid, pid, image, user, outbound, local, lport, remote, rport, written=None,
                comment=""):
        rid, system = self._system(host, SYSMON, 3, 5, written or t + "1", 3)
        # Newer Sysmon: Source is the initiator, Destination the acceptor; the
        # local side's host name is this computer's.
        src, sport, dst, dport = (local, lport, remote, rport) if outbound else (remote, rport, local, lport)
        src_name, dst_name = (FQDN[host], "") if outbound else ("", FQDN[host])
        direction = "outbound" if outbound else "inbound"
        self.add(comment or f"Sysmon 3: {image.split(chr(92))[-1]} (PID {pid}) {direction} "
                            f"{src}:{sport} -> {dst}:{dport}",
                 system, [("RuleName", "-"), ("UtcTime", f"{DAY} {t[:12]}"), ("ProcessGuid", guid),
                          ("ProcessId", pid), ("Image", image), ("User", user), ("Protocol", "tcp"),
                          ("Initiated", "true" if outbound else "false"), ("SourceIsIpv6", "false"),
                          ("SourceIp", src), ("SourceHostname", src_name), ("SourcePort", sport),
                          ("DestinationIsIpv6", "false"), ("DestinationIp", dst), ("DestinationHostname", dst_name),
                          ("DestinationPort", dport)])
        return rid

    def sec4624(self, host, t, user, domain, logon_id, logon_type, ip, port, workstation, comment=""):
        rid, system = self._system(host, SECURITY, 4624, 2, t, 12544, pid=640, user="")
        self.add(comment or f"Security 4624: logon type {logon_type} of {domain}\\{user} from {ip}, logon id {logon_id}",
                 system, [("SubjectUserSid", "S-1-0-0"), ("SubjectUserName", "-"), ("SubjectDomainName", "-"),
                          ("SubjectLogonId", "0x0"), ("TargetUserSid", "S-1-5-21-1111-2222-3333-1104"),
                          ("TargetUserName", user), ("TargetDomainName", domain), ("TargetLogonId", logon_id),
                          ("LogonType", logon_type), ("LogonProcessName", "NtLmSsp"),
                          ("AuthenticationPackageName", "NTLM"), ("WorkstationName", workstation),
                          ("ProcessId", "0x0"), ("ProcessName", "-"), ("IpAddress", ip), ("IpPort", port)])
        return rid

    def sec4688(self, host, t, pid, image, cmd, parent_pid, parent_image, user="-", domain="-", logon_id="0x0",
                comment=""):
        rid, system = self._system(host, SECURITY, 4688, 2, t, 13312, pid=4, user="")
        self.add(comment or f"Security 4688: {cmd} (PID {pid}) created by {parent_image.split(chr(92))[-1]} "
                            f"(PID {parent_pid}), TargetLogonId {logon_id}",
                 system, [("SubjectUserSid", "S-1-5-18"), ("SubjectUserName", f"{host}$"),
                          ("SubjectDomainName", "CORP"), ("SubjectLogonId", "0x3e7"), ("NewProcessId", hex(pid)),
                          ("NewProcessName", image), ("TokenElevationType", "%%1936"), ("ProcessId", hex(parent_pid)),
                          ("CommandLine", cmd), ("TargetUserSid", "S-1-0-0"), ("TargetUserName", user),
                          ("TargetDomainName", domain), ("TargetLogonId", logon_id),
                          ("ParentProcessName", parent_image), ("MandatoryLabel", "S-1-16-12288")])
        return rid

    def ps4104(self, host, t, pid, text, comment=""):
        rid, system = self._system(host, POWERSHELL, 4104, 1, t, 2, pid=pid,
                                   user="S-1-5-21-1111-2222-3333-1104")
        self.add(comment or f"PowerShell 4104 in PID {pid}: {text}", system,
                 [("MessageNumber", 1), ("MessageTotal", 1), ("ScriptBlockText", text),
                  ("ScriptBlockId", "{8C3A5E41-3F0B-4C55-9C1D-0A4E3E5B7C21}"), ("Path", "")])
        return rid

    def write(self, name, header):
        with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
            f.write('<?xml version="1.0" encoding="utf-8"?>\n<!-- ' + header.strip() + " -->\n<Events>\n")
            for comment, xml in self.items:
                f.write(f"<!-- {escape(comment).replace('--', '- -')} -->\n{xml}\n")
            f.write("</Events>\n")


# ---- reusable pieces ------------------------------------------------------------------------

SVCHOST = r"C:\Windows\System32\svchost.exe"
SERVICES = r"C:\Windows\System32\services.exe"
G_SERVICES = "{0E5B0001-6A1C-65E6-0000-001000020258}"
G_DCOMLAUNCH = "{0E5B0001-6A1C-65E6-0000-001000030264}"
G_RPCSS = "{0E5B0001-6A1C-65E6-0000-001000040378}"
G_EXPLORER = "{0E5B0001-6A1C-65E6-0000-001000051010}"
G_TARGET = "{0E5B0001-6A1C-65E6-0000-0010000604D2}"
G_CHILD = "{0E5B0001-6A1C-65E6-0000-001000070FA0}"
G_PS = "{0E5B0002-6A1C-65E6-0000-001000081860}"


def boot(log, host="WS01"):
    """services.exe (the boot, 09:00), svchost -k DcomLaunch (PID 612), -k RPCSS (PID 888), explorer (PID 4120)."""
    log.sysmon1(host, "09:00:00.000000", G_SERVICES, 600, SERVICES, r"C:\Windows\system32\services.exe",
                r"NT AUTHORITY\SYSTEM", "{0E5B0001-6A1C-65E6-0000-0010000101E0}", 480,
                r"C:\Windows\System32\wininit.exe", "wininit.exe", comment="boot: services.exe started by wininit.exe")
    log.sysmon1(host, "09:00:01.000000", G_DCOMLAUNCH, 612, SVCHOST, DCOMLAUNCH, r"NT AUTHORITY\SYSTEM",
                G_SERVICES, 600, SERVICES, r"C:\Windows\system32\services.exe", comment="the DCOM launcher")
    log.sysmon1(host, "09:00:02.000000", G_RPCSS, 888, SVCHOST, RPCSS, r"NT AUTHORITY\NETWORK SERVICE",
                G_SERVICES, 600, SERVICES, r"C:\Windows\system32\services.exe", comment="the endpoint mapper (RPCSS)")
    log.sysmon1(host, "09:05:00.000000", G_EXPLORER, 4120, r"C:\Windows\explorer.exe", r"C:\Windows\Explorer.EXE",
                r"CORP\alice", "{0E5B0001-6A1C-65E6-0000-001000050F00}", 4000, r"C:\Windows\System32\userinit.exe",
                "userinit.exe", comment="alice's shell")


def dcom_server(log, t, image, cmd, pid=1234, guid=G_TARGET, host="WS01", parent=(G_DCOMLAUNCH, 612, SVCHOST, DCOMLAUNCH)):
    return log.sysmon1(host, t, guid, pid, image, cmd, r"CORP\bob", parent[0], parent[1], parent[2], parent[3],
                       logon_id="0x5a1f00")


def child(log, t, cmd, parent_cmd, parent_pid=1234, parent_guid=G_TARGET, parent_image=r"C:\Windows\System32\mmc.exe",
          pid=4000, guid=G_CHILD, image=r"C:\Windows\System32\cmd.exe", host="WS01"):
    return log.sysmon1(host, t, guid, pid, image, cmd, r"CORP\bob", parent_guid, parent_pid, parent_image, parent_cmd,
                       logon_id="0x5a1f00")


MMC = r"C:\Windows\System32\mmc.exe"
MMC_CMD = r"C:\Windows\system32\mmc.exe -Embedding"
MSHTA = r"C:\Windows\System32\mshta.exe"
MSHTA_CMD = r"C:\Windows\System32\mshta.exe -Embedding"
DLLHOST = r"C:\Windows\System32\dllhost.exe"
POWERSHELL_EXE = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"


def mmc(name, header, inbound_from="10.0.0.66", inbound_t="10:00:02.300000", with_child=True, parent=None,
        rport=33474, local="10.0.0.5"):
    log = Log()
    boot(log)
    dcom_server(log, "10:00:02.000000", MMC, MMC_CMD, parent=parent or (G_DCOMLAUNCH, 612, SVCHOST, DCOMLAUNCH))
    log.sysmon3("WS01", inbound_t, G_TARGET, 1234, MMC, r"CORP\bob", False, local, 49712, inbound_from, rport)
    if with_child:
        child(log, "10:00:05.000000", "cmd.exe /Q /c whoami", MMC_CMD)
    log.write(name, header)


def main():
    # ---- MMC20.Application ------------------------------------------------------------------
    mmc("mmc20_linux_source_port.xml", """
MMC20.Application on WS01 (impacket dcomexec from a Linux host): the DCOM launcher starts
mmc.exe -Embedding (PID 1234) at 10:00:02.000; mmc.exe accepts 10.0.0.66:33474 -> 10.0.0.5:49712
at 10:00:02.300 (a Linux source port, below 49152); it starts cmd.exe /Q /c whoami at 10:00:05.
Must find: one dcom-mmc20-application finding, high, evidence dcom #1005, inbound #1006, child #1007.""")
    mmc("mmc20_no_child.xml", """
Near miss: mmc.exe -Embedding from the DCOM launcher accepts a connection from 10.0.0.66, but
starts no process. Must find: nothing from dcom-mmc20-application.""", with_child=False)
    mmc("mmc20_loopback.xml", """
Near miss: the connection to mmc.exe comes from 127.0.0.1 (a local client, 127.0.0.1:33474 ->
127.0.0.1:49712). Must find: nothing from dcom-mmc20-application.""", inbound_from="127.0.0.1", local="127.0.0.1")
    mmc("mmc20_started_by_user.xml", """
Near miss: mmc.exe -Embedding started by alice's explorer.exe, not by the DCOM launcher.
Must find: nothing from dcom-mmc20-application.""", parent=(G_EXPLORER, 4120, r"C:\Windows\explorer.exe",
                                                          r"C:\Windows\Explorer.EXE"))
    mmc("mmc20_connection_11_minutes_later.xml", """
Near miss: the inbound connection comes 11 minutes after mmc.exe started (10:11:02.300).
Must find: nothing from dcom-mmc20-application.""", inbound_t="10:11:02.300000")
    mmc("mmc20_connection_1s_before_start.xml", """
The connection is stamped 1 s before mmc.exe's start (10:00:02.000): UtcTime 10:00:01.000, written
10:00:01.0000001. A UtcTime before its process started is not taken (the record's TimeCreated is,
with a note); that too lies before the start, within the 2 s the rule allows for clocks and
Sysmon's queues. Must find: one dcom-mmc20-application finding, inbound at 10:00:01.0000001.""",
        inbound_t="10:00:01.000000")

    # ---- ShellWindows / ShellBrowserWindow ---------------------------------------------------
    def shell(name, header, child_t=None, outbound=False, remote="10.0.0.66"):
        log = Log()
        boot(log)
        log.sysmon3("WS01", "10:00:02.300000", G_EXPLORER, 4120, r"C:\Windows\explorer.exe", r"CORP\alice",
                    outbound, "10.0.0.5", 49158, remote, 55099 if not outbound else 443)
        if child_t:
            child(log, child_t, r'"C:\Windows\system32\cmd.exe" /c calc.exe', r"C:\Windows\Explorer.EXE",
                  parent_pid=4120, parent_guid=G_EXPLORER, parent_image=r"C:\Windows\explorer.exe")
        log.write(name, header)

    shell("shellwindows_connection_only.xml", """
ShellWindows on WS01: alice's explorer.exe (PID 4120) accepts 10.0.0.66:55099 -> 10.0.0.5:49158
at 10:00:02.300 and starts nothing. Must find: one dcom-shellwindows finding, medium (no child).""")
    shell("shellwindows_child_within_10s.xml", """
ShellBrowserWindow on WS01: explorer.exe accepts 10.0.0.66:55099 -> 10.0.0.5:49158 at
10:00:02.300, then starts cmd.exe /c calc.exe at 10:00:09.000 (6.7 s later).
Must find: one dcom-shellwindows finding, high, with the child's command line.""", child_t="10:00:09.000000")
    shell("shellwindows_child_after_11s.xml", """
Near miss for the stronger form: explorer.exe accepts the connection at 10:00:02.300 and starts
cmd.exe at 10:00:13.400 (11.1 s later). Must find: one dcom-shellwindows finding, medium, no child.""",
          child_t="10:00:13.400000")
    shell("shellwindows_outbound.xml", """
Near miss: explorer.exe makes an outbound connection (10.0.0.5:49158 -> 10.0.0.66:443).
Must find: nothing from dcom-shellwindows.""", outbound=True)

    # ---- MSHTA / LethalHTA -------------------------------------------------------------------
    def mshta(name, header, parent=None, with_child=False):
        log = Log()
        boot(log)
        dcom_server(log, "10:00:02.000000", MSHTA, MSHTA_CMD, parent=parent or (G_DCOMLAUNCH, 612, SVCHOST, DCOMLAUNCH))
        log.sysmon3("WS01", "10:00:03.200000", G_TARGET, 1234, MSHTA, r"CORP\bob", False, "10.0.0.5", 49168,
                    "10.0.0.66", 55683)
        if with_child:
            child(log, "10:00:04.000000", "powershell.exe -nop -w hidden -enc SQBFAFgA", MSHTA_CMD,
                  parent_image=MSHTA, image=POWERSHELL_EXE)
        log.write(name, header)

    mshta("mshta_lethalhta.xml", """
LethalHTA on WS01: the DCOM launcher starts mshta.exe -Embedding (PID 1234) at 10:00:02.000;
it accepts 10.0.0.66:55683 -> 10.0.0.5:49168 at 10:00:03.200; no child.
Must find: one dcom-mshta-lethalhta finding, high, no children collected.""")
    mshta("mshta_lethalhta_child.xml", """
LethalHTA on WS01 as above, and the HTA starts powershell.exe at 10:00:04.
Must find: one dcom-mshta-lethalhta finding, high, collecting the powershell.exe command line.""",
          with_child=True)
    mshta("mshta_started_by_user.xml", """
Near miss: mshta.exe -Embedding started by explorer.exe (an HTA opened by the user) with an inbound
connection. Must find: nothing from dcom-mshta-lethalhta.""",
          parent=(G_EXPLORER, 4120, r"C:\Windows\explorer.exe", r"C:\Windows\Explorer.EXE"))

    # ---- dllhost.exe surrogates --------------------------------------------------------------
    def surrogate(name, header, appid, with_child=True):
        log = Log()
        boot(log)
        log.sysmon3("WS01", "10:00:01.200000", G_RPCSS, 888, SVCHOST, r"NT AUTHORITY\NETWORK SERVICE", False,
                    "10.0.0.5", 135, "10.0.0.66", 50123)
        cmd = rf"C:\Windows\system32\DllHost.exe /Processid:{appid}"
        dcom_server(log, "10:00:02.000000", DLLHOST, cmd)
        if with_child:
            child(log, "10:00:03.000000", "cmd.exe /c whoami", cmd, parent_image=DLLHOST)
        log.write(name, header)

    surrogate("surrogate_unvetted_with_child.xml", """
An unvetted surrogate on WS01: 10.0.0.66 connects to RPCSS on port 135 at 10:00:01.200; the DCOM
launcher starts DllHost.exe /Processid:{D8E1F3A2-5B7C-4E9A-8F61-2C3B4A5D6E7F} (not in
rules/lists/dcom-surrogates-vetted.txt) at 10:00:02.000; it starts cmd.exe /c whoami.
Must find: one dcom-unvetted-surrogate finding, high, AppId {D8E1F3A2-5B7C-4E9A-8F61-2C3B4A5D6E7F}.""",
              "{D8E1F3A2-5B7C-4E9A-8F61-2C3B4A5D6E7F}")
    surrogate("surrogate_vetted.xml", """
Near miss: the same chain, but the surrogate hosts the vetted Thumbnail Cache server, written in
lower case: /Processid:{ab8902b4-09ca-4bb6-b78d-a8f59079a8d5}.
Must find: nothing from dcom-unvetted-surrogate (the list is compared ignoring case).""",
              "{ab8902b4-09ca-4bb6-b78d-a8f59079a8d5}")
    surrogate("surrogate_unvetted_no_child.xml", """
Near miss: an unvetted surrogate after inbound RPC, but without a child.
Must find: nothing from dcom-unvetted-surrogate.""", "{D8E1F3A2-5B7C-4E9A-8F61-2C3B4A5D6E7F}", with_child=False)

    # ---- Security auditing only --------------------------------------------------------------
    def security_only(name, header, logon_type=3, server_logon="0x5a1f00", dcom_t="10:00:02.0000000",
                      with_child=True, ip="10.0.0.66", child_image=r"C:\Windows\System32\cmd.exe",
                      child_cmd="cmd.exe /Q /c whoami"):
        log = Log()
        log.sec4688("WS01", "09:00:01.0000000", 612, SVCHOST, DCOMLAUNCH, 600, SERVICES,
                    comment="the DCOM launcher (PID 612) created by services.exe")
        log.sec4624("WS01", "10:00:01.5000000", "bob", "CORP", "0x5a1f00", logon_type, ip, 50990, "KALI")
        log.sec4688("WS01", dcom_t, 1234, MMC, MMC_CMD, 612, SVCHOST, "bob", "CORP", server_logon)
        if with_child:
            log.sec4688("WS01", "10:00:05.0000000", 4000, child_image, child_cmd, 1234, MMC, "bob", "CORP", server_logon)
        log.write(name, header)

    security_only("security_only_with_child.xml", """
WS01 with Security auditing only: network logon (type 3) of CORP\\bob from 10.0.0.66 (workstation
KALI), logon id 0x5a1f00, at 10:00:01.500; the DCOM launcher (PID 612) creates mmc.exe -Embedding
(PID 1234) in that session (TargetLogonId 0x5a1f00) at 10:00:02; mmc.exe creates cmd.exe at 10:00:05.
Must find: one dcom-network-logon-embedding finding, high, naming CORP\\bob, 10.0.0.66, 0x5a1f00.""")
    security_only("security_only_no_child.xml", """
As security_only_with_child, without the child process.
Must find: one dcom-network-logon-embedding finding, medium (no child).""", with_child=False)
    security_only("security_only_csc_child.xml", """
As security_only_with_child, but the only child is csc.exe (excluded as in the seed rule).
Must find: one dcom-network-logon-embedding finding, medium, no child collected.""",
                  child_image=r"C:\Windows\Microsoft.NET\Framework64\v4.0.30319\csc.exe",
                  child_cmd=r'"C:\Windows\Microsoft.NET\Framework64\v4.0.30319\csc.exe" /noconfig @"C:\Windows\TEMP\x.cmdline"')
    security_only("security_only_other_session.xml", """
Near miss: mmc.exe -Embedding runs in another logon session (TargetLogonId 0x5a2000), not the
network logon's 0x5a1f00. Must find: nothing from dcom-network-logon-embedding.""", server_logon="0x5a2000")
    security_only("security_only_interactive_logon.xml", """
Near miss: the logon is interactive (type 2), not a network logon.
Must find: nothing from dcom-network-logon-embedding.""", logon_type=2)
    security_only("security_only_11s_after_logon.xml", """
Near miss: mmc.exe starts 11 s after the logon (10:00:12.500).
Must find: nothing from dcom-network-logon-embedding.""", dcom_t="10:00:12.5000000")
    security_only("security_only_loopback_logon.xml", """
Near miss: the network logon comes from ::1 (a local client).
Must find: nothing from dcom-network-logon-embedding.""", ip="::1")

    # ---- the source side ---------------------------------------------------------------------
    def source(log, host="WS02", t0="10:00", target_ip="10.0.0.5", script=None, dyn_port=49712, lport=33474,
               epm=True):
        """bob's powershell.exe (PID 6240) on the source host: a script, then 135 and a dynamic port of target_ip."""
        ip = IP[host]
        log.sysmon1(host, "09:58:00.000000", G_PS, 6240, POWERSHELL_EXE, f'"{POWERSHELL_EXE}" ', r"CORP\bob",
                    "{0E5B0002-6A1C-65E6-0000-001000051010}", 5120, r"C:\Windows\explorer.exe",
                    r"C:\Windows\Explorer.EXE", comment="bob starts PowerShell (PID 6240)")
        if script:
            log.ps4104(host, f"{t0}:00.5000000", 6240, script)
        if epm:
            log.sysmon3(host, f"{t0}:01.100000", G_PS, 6240, POWERSHELL_EXE, r"CORP\bob", True, ip, lport - 1,
                        target_ip, 135)
            log.sysmon3(host, f"{t0}:01.300000", G_PS, 6240, POWERSHELL_EXE, r"CORP\bob", True, ip, lport,
                        target_ip, dyn_port)

    invoke = '$c = [activator]::CreateInstance([type]::GetTypeFromProgID("MMC20.Application", "10.0.0.5")); ' \
             '$c.Document.ActiveView.ExecuteShellCommand("cmd.exe", $null, "/Q /c whoami", "7")'
    log = Log()
    source(log, script=invoke, epm=False)
    log.write("source_powershell_progid.xml", """
Source side on WS02: bob's PowerShell (PID 6240) logs a script block (4104) that creates
MMC20.Application on 10.0.0.5 through GetTypeFromProgID(..., "10.0.0.5"); no network events.
Must find: one dcom-source-powershell finding, medium, Server 10.0.0.5, process powershell.exe.""")
    log = Log()
    source(log, script='$t = [type]::GetTypeFromCLSID("9BA05972-F6A8-11CF-A442-00A0C90A8F39", $target); '
                       '$o = [System.Activator]::CreateInstance($t)', epm=False)
    log.write("source_powershell_clsid_variable.xml", """
Source side on WS02: ShellWindows by CLSID on a server held in a variable ($target).
Must find: one dcom-source-powershell finding, medium, with no server name (Server null).""")
    log = Log()
    source(log, script='$t = [type]::GetTypeFromProgID("Excel.Application", $true); [activator]::CreateInstance($t)',
           epm=False)
    log.write("source_powershell_throw_on_error.xml", """
Near miss: GetTypeFromProgID("Excel.Application", $true) is the throwOnError overload, a local object.
Must find: nothing from dcom-source-powershell.""")
    log = Log()
    source(log)
    log.write("source_rpc_client.xml", """
Source side on WS02, network only: powershell.exe (PID 6240) connects 10.0.0.12:33473 -> 10.0.0.5:135
at 10:00:01.100, then 10.0.0.12:33474 -> 10.0.0.5:49712 at 10:00:01.300.
Must find: one dcom-source-rpc-client finding, low, naming powershell.exe and CORP\\bob.""")
    log = Log()
    source(log)
    log.sysmon3("WS02", "10:00:01.300000", G_PS, 6240, POWERSHELL_EXE, r"CORP\bob", True, "10.0.0.12", 33480,
                "10.0.0.13", 49712, comment="the dynamic-port connection goes to another host (10.0.0.13)")
    log.items = [i for i in log.items if "10.0.0.5:49712" not in i[0]]
    log.write("source_rpc_client_other_host.xml", """
Near miss: powershell.exe connects to 10.0.0.5:135, then to a dynamic port of another host (10.0.0.13).
Must find: nothing from dcom-source-rpc-client.""")

    # ---- both ends linked --------------------------------------------------------------------
    def linked(name, header, skew_s=0.0, source_host="WS02", target_rule="mmc", third_host=False):
        """WS02 attacks WS01 at 10:00 (WS02's clock); WS01's clock is skew_s seconds behind."""
        def shift(hms, d):
            h, m, s = hms.split(":")
            total = int(h) * 3600 + int(m) * 60 + float(s) - d
            return f"{int(total // 3600):02d}:{int(total % 3600 // 60):02d}:{total % 60:09.6f}"
        log = Log()
        source(log, host=source_host, script=invoke)
        if third_host:
            source(log, host="WS03", target_ip="10.0.0.99", lport=41000)
        if target_rule == "mmc":
            boot(log)
            dcom_server(log, shift("10:00:01.400000", skew_s), MMC, MMC_CMD)
            log.sysmon3("WS01", shift("10:00:01.450000", skew_s), G_TARGET, 1234, MMC, r"CORP\bob", False,
                        "10.0.0.5", 49712, IP[source_host], 33474)
            child(log, shift("10:00:02.000000", skew_s), "cmd.exe /Q /c whoami", MMC_CMD)
        else:
            log.sec4688("WS01", "09:00:01.0000000", 612, SVCHOST, DCOMLAUNCH, 600, SERVICES)
            log.sec4624("WS01", shift("10:00:01.050000", skew_s) + "0", "bob", "CORP", "0x5a1f00", 3, IP[source_host],
                        33470, source_host)
            log.sec4688("WS01", shift("10:00:01.400000", skew_s) + "0", 1234, MMC, MMC_CMD, 612, SVCHOST, "bob",
                        "CORP", "0x5a1f00")
            log.sec4688("WS01", shift("10:00:02.000000", skew_s) + "0", 4000, r"C:\Windows\System32\cmd.exe",
                        "cmd.exe /Q /c whoami", 1234, MMC, "bob", "CORP", "0x5a1f00")
        log.write(name, header)

    linked("link_mmc20_same_clock.xml", """
Both ends in one file: WS02 (10.0.0.12) runs the MMC20 one-liner against 10.0.0.5 (script block at
10:00:00.500; 10.0.0.12:33473 -> 10.0.0.5:135 at 10:00:01.100; 10.0.0.12:33474 -> 10.0.0.5:49712 at
10:00:01.300); WS01 (10.0.0.5) starts mmc.exe -Embedding at 10:00:01.400, accepts
10.0.0.12:33474 -> 10.0.0.5:49712 at 10:00:01.450, and mmc.exe starts cmd.exe at 10:00:02.
Must find: the WS01 dcom-mmc20-application finding linked to WS02's dcom-source-rpc-client
(matched by connection) and dcom-source-powershell (matched by address) findings, each naming
powershell.exe PID 6240 and CORP\\bob; both WS02 findings name the WS01 finding.""")
    linked("link_mmc20_clock_skew.xml", """
As link_mmc20_same_clock, but WS01's clock runs 7.5 s behind WS02's: its events are stamped
7.5 s earlier (mmc.exe at 09:59:53.900, the connection at 09:59:53.950).
Must find: the same links, with the source's time +7.45 s from the target end.""", skew_s=7.5)
    linked("link_mmc20_skew_beyond_window.xml", """
As link_mmc20_same_clock, but WS01's clock runs 6 minutes behind: beyond the 5-minute link window.
Must find: the WS01 and WS02 findings, none of them linked.""", skew_s=360.0)
    linked("link_security_only_target.xml", """
The target logs Security only: WS01 logs the network logon of CORP\\bob from 10.0.0.12 (logon id
0x5a1f00) at 10:00:01.050, mmc.exe -Embedding in that session at 10:00:01.400 and its child; WS02
runs the MMC20 one-liner as in link_mmc20_same_clock (WS01's clock 3 s behind).
Must find: the WS01 dcom-network-logon-embedding finding, high, linked to WS02's source findings
by address (WS01 shows no address of its own: WS02's peer address is not contradicted).""",
           skew_s=3.0, target_rule="security")
    linked("link_unrelated_third_host.xml", """
As link_mmc20_same_clock, and WS03 (10.0.0.13) runs the same kind of RPC client against 10.0.0.99
at the same time. Must find: WS01's finding linked to WS02's findings only; WS03's finding unlinked.""",
           third_host=True)


if __name__ == "__main__":
    main()
