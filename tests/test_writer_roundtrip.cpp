// The EVTX writer, checked by reading what it writes with three independent
// readers: the native reader (exact values, typed as Windows types them, CRCs
// valid, same rendered XML), libevtx (through evtx::LibevtxReader) and
// python-evtx (`evtx_dump.py`); all must give the input's events field by
// field. Also: template reuse, multi-chunk files, record numbering, the
// `convert` command, and the committed samples/ triage collection.
#include <gtest/gtest.h>

#include "text/utf16.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "evtx/evtx_writer.h"
#include "evtx/writer_typing.h"
#include "libevtx/libevtx_reader.h"
#include "support/command.h"
#include "support/corpus.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "xml/event_xml.h"

namespace {

namespace fs = std::filesystem;
using support::TempDir;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kEvtxDumpPy = "/usr/bin/evtx_dump.py";

// ---------------------------------------------------------------------------
// Test events: every typed event kind, odd values, events without record ids.

const char kInlineEvents[] = R"XML(<?xml version="1.0" encoding="utf-8"?>
<Events>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/>
    <EventID>1</EventID>
    <Version>5</Version>
    <Level>4</Level>
    <Task>1</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T10:47:14.1170000Z"/>
    <EventRecordID>5001</EventRecordID>
    <Correlation/>
    <Execution ProcessID="2212" ThreadID="3104"/>
    <Channel>Microsoft-Windows-Sysmon/Operational</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security UserID="S-1-5-18"/>
  </System>
  <EventData>
    <Data Name="RuleName">-</Data>
    <Data Name="UtcTime">2024-03-12 10:47:14.105</Data>
    <Data Name="ProcessGuid">{5F3A1C2B-3212-65F0-A401-000000000B00}</Data>
    <Data Name="ProcessId">4416</Data>
    <Data Name="Image">C:\Windows\System32\mmc.exe</Data>
    <Data Name="FileVersion">10.0.19041.1 (WinBuild.160101.0800)</Data>
    <Data Name="Description">Microsoft Management Console</Data>
    <Data Name="Product">Microsoft® Windows® Operating System</Data>
    <Data Name="Company">Microsoft Corporation</Data>
    <Data Name="OriginalFileName">MMC.EXE</Data>
    <Data Name="CommandLine">C:\Windows\system32\mmc.exe -Embedding</Data>
    <Data Name="CurrentDirectory">C:\Windows\system32\</Data>
    <Data Name="User">CORP\bob</Data>
    <Data Name="LogonGuid">{5F3A1C2B-3210-65F0-C2F5-A10300000000}</Data>
    <Data Name="LogonId">0x3a1f5c2</Data>
    <Data Name="TerminalSessionId">0</Data>
    <Data Name="IntegrityLevel">High</Data>
    <Data Name="Hashes">SHA256=6F1E0F3B5C3B2C3A2F7E4A4D1B0E9C8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E</Data>
    <Data Name="ParentProcessGuid">{5F3A1C2B-2E84-65F0-0C00-000000000B00}</Data>
    <Data Name="ParentProcessId">784</Data>
    <Data Name="ParentImage">C:\Windows\System32\svchost.exe</Data>
    <Data Name="ParentCommandLine">C:\Windows\system32\svchost.exe -k DcomLaunch -p</Data>
    <Data Name="ParentUser">NT AUTHORITY\SYSTEM</Data>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/>
    <EventID>3</EventID>
    <Version>5</Version>
    <Level>4</Level>
    <Task>3</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T10:47:16.0010000Z"/>
    <EventRecordID>5002</EventRecordID>
    <Correlation/>
    <Execution ProcessID="2212" ThreadID="3120"/>
    <Channel>Microsoft-Windows-Sysmon/Operational</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security UserID="S-1-5-18"/>
  </System>
  <EventData>
    <Data Name="RuleName"></Data>
    <Data Name="UtcTime">2024-03-12 10:47:13.412</Data>
    <Data Name="ProcessGuid">{5F3A1C2B-2E84-65F0-0E00-000000000B00}</Data>
    <Data Name="ProcessId">868</Data>
    <Data Name="Image">C:\Windows\System32\svchost.exe</Data>
    <Data Name="User">NT AUTHORITY\NETWORK SERVICE</Data>
    <Data Name="Protocol">tcp</Data>
    <Data Name="Initiated">false</Data>
    <Data Name="SourceIsIpv6">false</Data>
    <Data Name="SourceIp">10.10.20.12</Data>
    <Data Name="SourceHostname">WS02.corp.local</Data>
    <Data Name="SourcePort">50312</Data>
    <Data Name="SourcePortName">-</Data>
    <Data Name="DestinationIsIpv6">false</Data>
    <Data Name="DestinationIp">10.10.20.11</Data>
    <Data Name="DestinationHostname">WS01.corp.local</Data>
    <Data Name="DestinationPort">135</Data>
    <Data Name="DestinationPortName">epmap</Data>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/>
    <EventID>5</EventID>
    <Version>3</Version>
    <Level>4</Level>
    <Task>5</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T10:52:01.2000000Z"/>
    <EventRecordID>5003</EventRecordID>
    <Correlation/>
    <Execution ProcessID="2212" ThreadID="3104"/>
    <Channel>Microsoft-Windows-Sysmon/Operational</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security UserID="S-1-5-18"/>
  </System>
  <EventData>
    <Data Name="RuleName">-</Data>
    <Data Name="UtcTime">2024-03-12 10:52:01.188</Data>
    <Data Name="ProcessGuid">{5F3A1C2B-3212-65F0-A401-000000000B00}</Data>
    <Data Name="ProcessId">4416</Data>
    <Data Name="Image">C:\Windows\System32\mmc.exe</Data>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>
    <EventID>4688</EventID>
    <Version>2</Version>
    <Level>0</Level>
    <Task>13312</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8020000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T10:47:14.1230000Z"/>
    <EventRecordID>91234</EventRecordID>
    <Correlation/>
    <Execution ProcessID="4" ThreadID="7124"/>
    <Channel>Security</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security/>
  </System>
  <EventData>
    <Data Name="SubjectUserSid">S-1-5-18</Data>
    <Data Name="SubjectUserName">WS01$</Data>
    <Data Name="SubjectDomainName">CORP</Data>
    <Data Name="SubjectLogonId">0x3e7</Data>
    <Data Name="NewProcessId">0x1140</Data>
    <Data Name="NewProcessName">C:\Windows\System32\mmc.exe</Data>
    <Data Name="TokenElevationType">%%1936</Data>
    <Data Name="ProcessId">0x310</Data>
    <Data Name="CommandLine">C:\Windows\system32\mmc.exe -Embedding</Data>
    <Data Name="TargetUserSid">S-1-5-21-1004336348-1177238915-682003330-1107</Data>
    <Data Name="TargetUserName">bob</Data>
    <Data Name="TargetDomainName">CORP</Data>
    <Data Name="TargetLogonId">0x3a1f5c2</Data>
    <Data Name="ParentProcessName">C:\Windows\System32\svchost.exe</Data>
    <Data Name="MandatoryLabel">S-1-16-12288</Data>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>
    <EventID>4689</EventID>
    <Version>0</Version>
    <Level>0</Level>
    <Task>13313</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8020000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T10:52:01.2050000Z"/>
    <EventRecordID>91240</EventRecordID>
    <Correlation/>
    <Execution ProcessID="4" ThreadID="7124"/>
    <Channel>Security</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security/>
  </System>
  <EventData>
    <Data Name="SubjectUserSid">S-1-5-21-1004336348-1177238915-682003330-1107</Data>
    <Data Name="SubjectUserName">bob</Data>
    <Data Name="SubjectDomainName">CORP</Data>
    <Data Name="SubjectLogonId">0x3a1f5c2</Data>
    <Data Name="Status">0x0</Data>
    <Data Name="ProcessId">0x1140</Data>
    <Data Name="ProcessName">C:\Windows\System32\mmc.exe</Data>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>
    <EventID>5156</EventID>
    <Version>1</Version>
    <Level>0</Level>
    <Task>12810</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8020000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T10:47:13.4150000Z"/>
    <EventRecordID>91233</EventRecordID>
    <Correlation/>
    <Execution ProcessID="4" ThreadID="96"/>
    <Channel>Security</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security/>
  </System>
  <EventData>
    <Data Name="ProcessID">868</Data>
    <Data Name="Application">\device\harddiskvolume2\windows\system32\svchost.exe</Data>
    <Data Name="Direction">%%14592</Data>
    <Data Name="SourceAddress">10.10.20.11</Data>
    <Data Name="SourcePort">135</Data>
    <Data Name="DestAddress">10.10.20.12</Data>
    <Data Name="DestPort">50312</Data>
    <Data Name="Protocol">6</Data>
    <Data Name="FilterRTID">70204</Data>
    <Data Name="LayerName">%%14610</Data>
    <Data Name="LayerRTID">44</Data>
    <Data Name="RemoteUserID">S-1-0-0</Data>
    <Data Name="RemoteMachineID">S-1-0-0</Data>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>
    <EventID>4608</EventID>
    <Version>0</Version>
    <Level>0</Level>
    <Task>12288</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8020000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T07:58:05.3020000Z"/>
    <EventRecordID>90001</EventRecordID>
    <Correlation/>
    <Execution ProcessID="612" ThreadID="616"/>
    <Channel>Security</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security/>
  </System>
  <EventData/>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="EventLog"/>
    <EventID Qualifiers="32768">6005</EventID>
    <Version>0</Version>
    <Level>4</Level>
    <Task>0</Task>
    <Opcode>0</Opcode>
    <Keywords>0x80000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T07:58:10.0468750Z"/>
    <EventRecordID>2201</EventRecordID>
    <Correlation/>
    <Execution ProcessID="0" ThreadID="0"/>
    <Channel>System</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security/>
  </System>
  <EventData>
    <Data/>
    <Binary>E8070300020000000C0007003A000A002E00000000000000</Binary>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Kernel-General" Guid="{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}"/>
    <EventID>12</EventID>
    <Version>0</Version>
    <Level>4</Level>
    <Task>1</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000080</Keywords>
    <TimeCreated SystemTime="2024-03-12T07:57:58.5000000Z"/>
    <EventRecordID>2199</EventRecordID>
    <Correlation/>
    <Execution ProcessID="4" ThreadID="8"/>
    <Channel>System</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security UserID="S-1-5-18"/>
  </System>
  <EventData>
    <Data Name="MajorVersion">10</Data>
    <Data Name="MinorVersion">0</Data>
    <Data Name="BuildVersion">19045</Data>
    <Data Name="QfeVersion">4046</Data>
    <Data Name="ServiceVersion">0</Data>
    <Data Name="BootMode">0</Data>
    <Data Name="StartTime">2024-03-12T07:57:56.5000000Z</Data>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Service Control Manager" Guid="{555908D1-A6D7-4695-8E1E-26931D2012F4}" EventSourceName="Service Control Manager"/>
    <EventID Qualifiers="16384">7036</EventID>
    <Version>0</Version>
    <Level>4</Level>
    <Task>0</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8080000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T07:58:20.1000000Z"/>
    <Correlation ActivityID="{0B7C2D3E-4F50-6172-8394-A5B6C7D8E9F0}"/>
    <Execution ProcessID="640" ThreadID="2204"/>
    <Channel>System</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security/>
  </System>
  <EventData>
    <Data Name="param1">Windows Update &amp; "Delivery" &lt;Optimization&gt; é ü 中文</Data>
    <Data Name="param2">running</Data>
    <Binary>770075006100750073006500720076002F0034000000</Binary>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/>
    <EventID>1</EventID>
    <Version>5</Version>
    <Level>4</Level>
    <Task>1</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T10:48:00.0000000Z"/>
    <Correlation/>
    <Execution ProcessID="2212" ThreadID="3104"/>
    <Channel>Microsoft-Windows-Sysmon/Operational</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security UserID="S-1-5-18"/>
  </System>
  <EventData>
    <Data Name="RuleName">-</Data>
    <Data Name="UtcTime">2024-03-12 10:48:00.000</Data>
    <Data Name="ProcessGuid">{5f3a1c2b-3212-65f0-a401-000000000b00}</Data>
    <Data Name="ProcessId">n/a</Data>
    <Data Name="Image">C:\Temp\odd name &amp; spaces.exe</Data>
    <Data Name="CommandLine">  leading and trailing spaces  </Data>
    <Data Name="LogonId">0x3A1F5C2</Data>
    <Data Name="TerminalSessionId">007</Data>
    <Data Name="ParentProcessId"> </Data>
    <Data Name="ParentProcessGuid"></Data>
  </EventData>
</Event>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-TaskScheduler" Guid="{DE7B24EA-73C8-4A09-985D-5BDADCFA9017}"/>
    <EventID>106</EventID>
    <Version>0</Version>
    <Level>4</Level>
    <Task>106</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-12T10:49:00.1234567Z"/>
    <Correlation/>
    <Execution ProcessID="1204" ThreadID="1500"/>
    <Channel>Microsoft-Windows-TaskScheduler/Operational</Channel>
    <Computer>WS01.corp.local</Computer>
    <Security UserID="S-1-5-18"/>
  </System>
  <UserData>
    <TaskRegistered xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog">
      <TaskName>\Microsoft\Windows\Updater</TaskName>
      <UserContext>CORP\alice</UserContext>
    </TaskRegistered>
  </UserData>
</Event>
</Events>
)XML";

// ---------------------------------------------------------------------------
// Helpers.

struct Expected {
  evtx::Record rec;
  std::string xml;  // the input event rendered by the shared renderer
};

std::vector<Expected> expected_events(const xml::EventXmlDocument& doc) {
  std::vector<Expected> out;
  evtx::EventTree tree;
  uint64_t next_id = 1;
  for (size_t i = 0; i < doc.size(); ++i) {
    doc.event_tree(i, tree);
    Expected e;
    evtx::record_from_tree(tree, e.rec);
    uint32_t sys = tree.child(tree.root_element(), "System");
    uint32_t rid = tree.child(sys, "EventRecordID");
    e.rec.record_id = rid != evtx::kNoNode ? corpus::parse_u64([&] {
      std::string s;
      evtx::append_node_text(tree, rid, s);
      return s;
    }())
                                           : next_id;
    next_id = e.rec.record_id + 1;
    e.rec.written_time = e.rec.time_created;
    evtx::render_xml(tree, e.xml);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Expected> expected_events(std::string_view xml) {
  return expected_events(xml::EventXmlDocument::load_string(xml, "inline"));
}

evtx::WriterStats write_xml(std::string_view xml, const fs::path& out) {
  xml::EventXmlDocument doc = xml::EventXmlDocument::load_string(xml, "inline");
  evtx::EvtxFileWriter w(out);
  evtx::EventTree tree;
  for (size_t i = 0; i < doc.size(); ++i) {
    doc.event_tree(i, tree);
    w.add(tree);
  }
  w.commit();
  return w.stats();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool all_hex(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The spelling-independent form of a value, for readers that spell some
// types their own way: hex integers without leading zeros, GUIDs upper case
// in braces, booleans lower case, times as "YYYY-MM-DD HH:MM:SS.ffffff".
std::string canon(const std::string& v) {
  std::string_view s = v;
  if (lower(v) == "true" || lower(v) == "false") return lower(v);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && all_hex(s.substr(2)) && s.size() <= 18) {
    uint64_t x = std::strtoull(v.c_str() + 2, nullptr, 16);
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(x));
    return buf;
  }
  std::string_view g = s;
  if (g.size() == 38 && g.front() == '{' && g.back() == '}') g = g.substr(1, 36);
  if (g.size() == 36 && g[8] == '-' && g[13] == '-' && g[18] == '-' && g[23] == '-')
    return "{" + upper(std::string(g)) + "}";
  if (s.size() >= 19 && all_digits(s.substr(0, 4)) && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') &&
      s[13] == ':' && s[16] == ':') {
    std::string frac;
    size_t p = 19;
    if (p < s.size() && s[p] == '.')
      for (++p; p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])); ++p) frac += s[p];
    if (p == s.size() || (p + 1 == s.size() && s[p] == 'Z')) {
      frac.resize(6, '0');
      return std::string(s.substr(0, 10)) + " " + std::string(s.substr(11, 8)) + "." + frac;
    }
  }
  return v;
}

// Control characters (U+0001-U+001F but tab, newline, return) cannot be
// written in XML 1.0: readers that go through XML drop or mangle them, and
// dump --format xml writes U+FFFD for them. Both are dropped before comparing.
std::string strip_controls(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (s.compare(i, 3, "\xEF\xBF\xBD") == 0) {
      i += 2;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
  }
  return out;
}

// Microseconds of a canonical time "YYYY-MM-DD HH:MM:SS.ffffff".
bool time_us(const std::string& canonical, int64_t& us) {
  if (canonical.size() != 26 || canonical[10] != ' ') return false;
  std::string iso = canonical;
  iso[10] = 'T';
  iso += 'Z';
  uint64_t ft;
  if (!evtx::parse_iso_filetime(iso, ft)) return false;
  us = static_cast<int64_t>(ft / 10);
  return true;
}

std::string base64_to_hex(std::string_view b64) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    size_t k = alphabet.find(c);
    if (k == std::string::npos) continue;  // padding, whitespace
    acc = (acc << 6) | static_cast<uint32_t>(k);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  std::string hex;
  for (unsigned char c : bytes) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02X", c);
    hex += buf;
  }
  return hex;
}

// What dump --format xml makes of a text: C0 controls other than tab, LF, CR become U+FFFD.
std::string xml_safe(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
      out += "\xEF\xBF\xBD";
    else
      out += c;
  }
  return out;
}

enum class Reader { Native, Libevtx, PythonEvtx };

// Field by field: every System field and every data name/value.
void expect_same(const evtx::Record& want, const evtx::Record& got, Reader reader, const std::string& ctx) {
  SCOPED_TRACE(ctx);
  bool exact = reader == Reader::Native;
  auto same = [&](const std::string& a, const std::string& b) {
    // Event XML cannot carry C0 control characters: dump --format xml writes
    // U+FFFD for them, so events that went through XML have that instead.
    if (exact) return a == b || a == xml_safe(b);
    std::string ca = canon(strip_controls(a)), cb = canon(strip_controls(b));
    if (ca == cb) return true;
    int64_t ta, tb;  // python-evtx converts FILETIMEs through a double
    return reader == Reader::PythonEvtx && time_us(ca, ta) && time_us(cb, tb) && std::abs(ta - tb) <= 2;
  };
  EXPECT_EQ(got.record_id, want.record_id);
  EXPECT_EQ(got.provider_name, want.provider_name);
  EXPECT_TRUE(same(got.provider_guid, want.provider_guid)) << got.provider_guid << " vs " << want.provider_guid;
  EXPECT_EQ(got.event_source_name, want.event_source_name);
  EXPECT_EQ(got.event_id, want.event_id);
  EXPECT_EQ(got.qualifiers, want.qualifiers);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.level, want.level);
  EXPECT_EQ(got.task, want.task);
  EXPECT_EQ(got.opcode, want.opcode);
  EXPECT_EQ(got.keywords, want.keywords);
  if (reader == Reader::PythonEvtx) {  // microseconds, through a double: may be off by 1-2 us
    int64_t diff = int64_t(want.time_created / 10) - int64_t(got.time_created / 10);
    EXPECT_LE(std::abs(diff), 2) << got.time_created << " vs " << want.time_created;
  } else {
    EXPECT_EQ(got.time_created, want.time_created);
  }
  EXPECT_TRUE(same(got.activity_id, want.activity_id)) << got.activity_id << " vs " << want.activity_id;
  EXPECT_TRUE(same(got.related_activity_id, want.related_activity_id));
  EXPECT_EQ(got.process_id, want.process_id);
  EXPECT_EQ(got.thread_id, want.thread_id);
  EXPECT_EQ(got.channel, want.channel);
  EXPECT_EQ(got.computer, want.computer);
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.data_kind, want.data_kind);
  ASSERT_EQ(got.data.size(), want.data.size());
  for (size_t i = 0; i < want.data.size(); ++i) {
    EXPECT_EQ(got.data[i].name, want.data[i].name) << "data item " << i;
    std::string g = got.data[i].value.text, w = want.data[i].value.text;
    if (reader == Reader::PythonEvtx && want.data[i].name == "Binary") {
      g = base64_to_hex(g);
    }
    EXPECT_TRUE(same(g, w)) << want.data[i].name << ": got '" << g << "', want '" << w << "'";
  }
}

// Native: records of a file, with no problem reported anywhere.
corpus::ReadResult read_native_clean(const fs::path& path) {
  corpus::ReadResult r = corpus::read_file(path, corpus::ReadOptions{true});
  EXPECT_TRUE(r.header.checksum_ok) << path;
  for (const evtx::Problem& p : r.problems)
    ADD_FAILURE() << path << ": " << evtx::problem_kind_name(p.kind) << " chunk " << p.chunk << ": " << p.message;
  EXPECT_EQ(r.damaged_records, 0u);
  return r;
}

std::vector<evtx::Record> read_libevtx(const fs::path& path) {
  std::vector<evtx::Record> out;
  evtx::LibevtxReader reader;
  evtx::LibevtxResult res = reader.read(path, [&](const evtx::RecordView& v) {
    evtx::Record r;
    r.record_id = v.record_id;
    r.written_time = v.written_time;
    evtx::record_from_tree(v.tree, r);
    out.push_back(std::move(r));
  });
  EXPECT_EQ(res.damaged_records, 0u) << path;
  for (const evtx::Problem& p : res.problems) ADD_FAILURE() << path << ": libevtx: " << p.message;
  return out;
}

bool have_python_evtx() { return fs::exists(kPython) && fs::exists(kEvtxDumpPy); }

// python-evtx's evtx_dump.py must run without error; its XML, parsed, gives the records.
std::vector<evtx::Record> read_python_evtx(const fs::path& path) {
  support::CommandResult cr =
      support::run_command(std::string(kPython) + " " + kEvtxDumpPy + " " + support::shell_quote(path.string()));
  EXPECT_EQ(cr.exit_code, 0) << path << ": " << cr.err;
  EXPECT_EQ(cr.err, "") << path;
  std::vector<evtx::Record> out;
  if (cr.exit_code != 0) return out;
  xml::EventXmlDocument doc = xml::EventXmlDocument::load_string(cr.out, "evtx_dump.py " + path.string());
  evtx::EventTree tree;
  for (size_t i = 0; i < doc.size(); ++i) {
    doc.event_tree(i, tree);
    evtx::Record r;
    evtx::record_from_tree(tree, r);
    uint32_t rid = tree.child(tree.child(tree.root_element(), "System"), "EventRecordID");
    std::string s;
    if (rid != evtx::kNoNode) evtx::append_node_text(tree, rid, s);
    r.record_id = corpus::parse_u64(s);
    out.push_back(std::move(r));
  }
  return out;
}

// All three readers against the expected events. python-evtx shows only the
// XML's EventRecordID: for events without one the header id is not compared.
void check_all_readers(const fs::path& file, const std::vector<Expected>& want, bool check_xml = true) {
  corpus::ReadResult native = read_native_clean(file);
  ASSERT_EQ(native.records.size(), want.size()) << file;
  for (size_t i = 0; i < want.size(); ++i) {
    expect_same(want[i].rec, native.records[i], Reader::Native,
                file.filename().string() + " native record " + std::to_string(i));
    EXPECT_EQ(native.records[i].written_time, want[i].rec.time_created);
    if (check_xml) {
      EXPECT_EQ(native.records[i].xml, want[i].xml) << "record " << i;
    }
  }

  std::vector<evtx::Record> lib = read_libevtx(file);
  ASSERT_EQ(lib.size(), want.size()) << file;
  for (size_t i = 0; i < want.size(); ++i) {
    expect_same(want[i].rec, lib[i], Reader::Libevtx,
                file.filename().string() + " libevtx record " + std::to_string(i));
    EXPECT_EQ(lib[i].written_time, want[i].rec.time_created);
  }

  if (!have_python_evtx()) {
    std::fprintf(stderr, "python-evtx not installed: %s not checked with it\n", file.c_str());
    return;
  }
  std::vector<evtx::Record> py = read_python_evtx(file);
  ASSERT_EQ(py.size(), want.size()) << file;
  for (size_t i = 0; i < want.size(); ++i) {
    evtx::Record w = want[i].rec;
    if (py[i].record_id == 0) py[i].record_id = w.record_id;  // no <EventRecordID> in the event
    expect_same(w, py[i], Reader::PythonEvtx, file.filename().string() + " python-evtx record " + std::to_string(i));
  }
}

// The typed value of a System element (attr "" for its text) in a native tree.
evtx::ValueType system_type(const evtx::EventTree& t, std::string_view element, std::string_view attr) {
  uint32_t e = t.child(t.child(t.root_element(), "System"), element);
  uint32_t n = attr.empty() ? e : t.attribute(e, attr);
  std::string scratch;
  return n == evtx::kNoNode ? evtx::ValueType::Null : evtx::node_value(t, n, scratch).base_type();
}

// ---------------------------------------------------------------------------

TEST(WriterRoundTrip, InlineEventsReadIdenticallyByAllReaders) {
  TempDir tmp("writer");
  fs::path file = tmp / "inline.evtx";
  evtx::WriterStats st = write_xml(kInlineEvents, file);
  std::vector<Expected> want = expected_events(kInlineEvents);
  ASSERT_EQ(want.size(), 12u);
  EXPECT_EQ(st.records, 12u);
  EXPECT_EQ(st.chunks, 1u);
  check_all_readers(file, want);
}

TEST(WriterRoundTrip, ValuesAreTypedAsWindowsTypesThem) {
  TempDir tmp("writer");
  fs::path file = tmp / "typed.evtx";
  write_xml(kInlineEvents, file);
  std::map<std::pair<uint16_t, std::string>, evtx::ValueType> data_types;
  std::vector<std::map<std::string, evtx::ValueType>> system_types;
  corpus::for_each_tree(file, [&](size_t, const evtx::RecordView& v) {
    evtx::Record r;
    evtx::record_from_tree(v.tree, r);
    if (system_types.empty()) {
      std::map<std::string, evtx::ValueType> m;
      m["EventID"] = system_type(v.tree, "EventID", "");
      m["Version"] = system_type(v.tree, "Version", "");
      m["Level"] = system_type(v.tree, "Level", "");
      m["Task"] = system_type(v.tree, "Task", "");
      m["Opcode"] = system_type(v.tree, "Opcode", "");
      m["Keywords"] = system_type(v.tree, "Keywords", "");
      m["SystemTime"] = system_type(v.tree, "TimeCreated", "SystemTime");
      m["EventRecordID"] = system_type(v.tree, "EventRecordID", "");
      m["ProcessID"] = system_type(v.tree, "Execution", "ProcessID");
      m["ThreadID"] = system_type(v.tree, "Execution", "ThreadID");
      m["ProviderGuid"] = system_type(v.tree, "Provider", "Guid");
      m["ProviderName"] = system_type(v.tree, "Provider", "Name");
      m["Channel"] = system_type(v.tree, "Channel", "");
      m["UserID"] = system_type(v.tree, "Security", "UserID");
      system_types.push_back(m);
    }
    if (r.event_id == 6005) {
      EXPECT_EQ(system_type(v.tree, "EventID", "Qualifiers"), evtx::ValueType::UInt16);
    }
    if (r.event_id == 7036) {
      EXPECT_EQ(system_type(v.tree, "Correlation", "ActivityID"), evtx::ValueType::Guid);
    }
    for (const evtx::DataField& f : r.data) {
      auto key = std::make_pair(r.event_id, f.name);
      if (r.event_id == 1 && r.find("ProcessId")->text == "n/a") key.first = 9999;  // the odd-values event
      data_types[key] = f.value.type;
    }
  });
  using VT = evtx::ValueType;
  const std::map<std::string, VT> sys = {{"EventID", VT::UInt16},      {"Version", VT::UInt8},
                                         {"Level", VT::UInt8},         {"Task", VT::UInt16},
                                         {"Opcode", VT::UInt8},        {"Keywords", VT::HexInt64},
                                         {"SystemTime", VT::FileTime}, {"EventRecordID", VT::UInt64},
                                         {"ProcessID", VT::UInt32},    {"ThreadID", VT::UInt32},
                                         {"ProviderGuid", VT::Guid},   {"ProviderName", VT::String},
                                         {"Channel", VT::String},      {"UserID", VT::Sid}};
  ASSERT_EQ(system_types.size(), 1u);
  for (const auto& [k, t] : sys) EXPECT_EQ(system_types[0][k], t) << k;

  const std::vector<std::tuple<uint16_t, std::string, VT>> data = {
      {1, "RuleName", VT::String},
      {1, "UtcTime", VT::String},
      {1, "ProcessGuid", VT::Guid},
      {1, "ProcessId", VT::UInt32},
      {1, "Image", VT::String},
      {1, "LogonGuid", VT::Guid},
      {1, "LogonId", VT::HexInt64},
      {1, "TerminalSessionId", VT::UInt32},
      {1, "ParentProcessGuid", VT::Guid},
      {1, "ParentProcessId", VT::UInt32},
      {3, "Initiated", VT::Bool},
      {3, "SourceIsIpv6", VT::Bool},
      {3, "SourcePort", VT::UInt16},
      {3, "DestinationPort", VT::UInt16},
      {3, "ProcessId", VT::UInt32},
      {3, "SourceIp", VT::String},
      {3, "RuleName", VT::Null},
      {5, "ProcessGuid", VT::Guid},
      {5, "ProcessId", VT::UInt32},
      {4688, "SubjectUserSid", VT::Sid},
      {4688, "SubjectLogonId", VT::HexInt64},
      {4688, "NewProcessId", VT::HexInt64},
      {4688, "ProcessId", VT::HexInt64},
      {4688, "TokenElevationType", VT::String},
      {4688, "MandatoryLabel", VT::Sid},
      {4688, "TargetLogonId", VT::HexInt64},
      {4689, "Status", VT::HexInt32},
      {4689, "ProcessId", VT::HexInt64},
      {4689, "SubjectUserSid", VT::Sid},
      {5156, "ProcessID", VT::UInt64},
      {5156, "SourcePort", VT::String},
      {5156, "DestPort", VT::String},
      {5156, "Protocol", VT::UInt32},
      {5156, "FilterRTID", VT::UInt64},
      {5156, "RemoteUserID", VT::Sid},
      {6005, "Binary", VT::Binary},
      {12, "StartTime", VT::FileTime},
      {12, "ServiceVersion", VT::UInt16},
      {12, "BuildVersion", VT::UInt32},
      {7036, "param1", VT::String},
      {7036, "Binary", VT::Binary},
      // text that does not parse as the field's type stays a string
      {9999, "ProcessGuid", VT::String},
      {9999, "ProcessId", VT::String},
      {9999, "LogonId", VT::String},
      {9999, "TerminalSessionId", VT::String},
      {9999, "ParentProcessId", VT::String},
      {9999, "ParentProcessGuid", VT::Null}};  // empty
  for (const auto& [eid, name, type] : data) {
    auto it = data_types.find({eid, name});
    ASSERT_NE(it, data_types.end()) << eid << " " << name;
    EXPECT_EQ(static_cast<int>(it->second), static_cast<int>(type)) << eid << " " << name;
  }
}

TEST(WriterRoundTrip, RecordIdsFollowEventRecordIdOrNumberOn) {
  const std::string ev_head =
      R"(<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="X"/><EventID>1</EventID>)";
  const std::string ev_tail =
      R"(<TimeCreated SystemTime="2024-01-01T00:00:00.0000000Z"/><Computer>H</Computer></System><EventData><Data Name="a">b</Data></EventData></Event>)";
  std::string xml = ev_head + ev_tail + ev_head + ev_tail + ev_head + "<EventRecordID>40</EventRecordID>" + ev_tail +
                    ev_head + ev_tail;
  TempDir tmp("writer");
  fs::path file = tmp / "ids.evtx";
  evtx::WriterStats st = write_xml(xml, file);
  EXPECT_EQ(st.first_record_id, 1u);
  EXPECT_EQ(st.last_record_id, 41u);
  corpus::ReadResult r = read_native_clean(file);
  ASSERT_EQ(r.records.size(), 4u);
  EXPECT_EQ(r.records[0].record_id, 1u);
  EXPECT_EQ(r.records[1].record_id, 2u);
  EXPECT_EQ(r.records[2].record_id, 40u);
  EXPECT_EQ(r.records[3].record_id, 41u);
  EXPECT_EQ(r.header.next_record_id, 42u);
  EXPECT_EQ(r.header.chunk_count, 1u);
  EXPECT_EQ(r.header.major_version, 3u);
  EXPECT_EQ(r.header.minor_version, 1u);
  std::vector<evtx::Record> lib = read_libevtx(file);
  ASSERT_EQ(lib.size(), 4u);
  EXPECT_EQ(lib[3].record_id, 41u);
}

TEST(WriterRoundTrip, TemplatesAreDefinedOncePerChunkAndReused) {
  std::string xml = "<Events>";
  for (int i = 0; i < 40; ++i) {
    xml +=
        R"(<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/><EventID>5</EventID><Version>3</Version><Level>4</Level><Task>5</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2024-03-12T10:00:0)" +
        std::to_string(i % 10) + R"(.0000000Z"/><EventRecordID>)" + std::to_string(100 + i) +
        R"(</EventRecordID><Correlation/><Execution ProcessID="2212" ThreadID="3104"/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS01.corp.local</Computer><Security UserID="S-1-5-18"/></System><EventData><Data Name="RuleName">-</Data><Data Name="UtcTime">2024-03-12 10:00:00.000</Data><Data Name="ProcessGuid">{5F3A1C2B-3212-65F0-A401-000000000B00}</Data><Data Name="ProcessId">)" +
        std::to_string(1000 + i) +
        R"(</Data><Data Name="Image">C:\Windows\System32\cmd.exe</Data></EventData></Event>)";
  }
  xml += "</Events>";
  TempDir tmp("writer");
  fs::path file = tmp / "reuse.evtx";
  evtx::WriterStats st = write_xml(xml, file);
  EXPECT_EQ(st.records, 40u);
  EXPECT_EQ(st.chunks, 1u);
  EXPECT_EQ(st.template_definitions, 2u);  // the System template and the Sysmon 5 data template
  corpus::ReadResult r = read_native_clean(file);
  ASSERT_EQ(r.records.size(), 40u);
  uint64_t first = r.records[1].file_offset - r.records[0].file_offset;
  uint64_t second = r.records[2].file_offset - r.records[1].file_offset;
  EXPECT_LT(second * 2, first) << "a record of a known shape holds only its values";
  for (size_t i = 2; i + 1 < r.records.size(); ++i)
    EXPECT_EQ(r.records[i + 1].file_offset - r.records[i].file_offset, second);
  check_all_readers(file, expected_events(xml));
}

// Enough varied events for several chunks: every chunk is checked by every reader.
std::string many_events(int n) {
  std::string xml = "<Events>\n";
  uint32_t seed = 12345;
  auto rnd = [&] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) & 0xffff;
  };
  for (int i = 0; i < n; ++i) {
    char time[64];
    std::snprintf(time, sizeof time, "2024-03-12T%02d:%02d:%02d.%07dZ", 8 + i / 3600, (i / 60) % 60, i % 60,
                  static_cast<int>(rnd() * 37 % 10000000));
    std::string host = i % 7 == 0 ? "WS02.corp.local" : "WS01.corp.local";
    xml +=
        R"(<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/>)";
    bool proc = i % 3 != 2;
    xml += proc ? "<EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task>"
                : "<EventID>3</EventID><Version>5</Version><Level>4</Level><Task>3</Task>";
    xml += "<Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime=\"" + std::string(time) +
           "\"/><EventRecordID>" + std::to_string(7000 + i) +
           "</EventRecordID><Correlation/><Execution ProcessID=\"2212\" ThreadID=\"" +
           std::to_string(3000 + rnd() % 500) +
           "\"/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>" + host +
           "</Computer><Security UserID=\"S-1-5-18\"/></System><EventData>";
    std::string pid = std::to_string(rnd() % 60000 + 4);
    char guid[64];
    std::snprintf(guid, sizeof guid, "{5F3A1C2B-%04X-65F0-%04X-0000000%05X}", rnd(), rnd(), i);
    if (proc) {
      std::string args(static_cast<size_t>(rnd() % 300), 'a' + static_cast<char>(i % 26));
      xml +=
          "<Data Name=\"RuleName\">-</Data><Data Name=\"UtcTime\">2024-03-12 08:00:00.000</Data><Data "
          "Name=\"ProcessGuid\">" +
          std::string(guid) + "</Data><Data Name=\"ProcessId\">" + pid +
          "</Data><Data Name=\"Image\">C:\\Program Files\\App" + std::to_string(i % 13) +
          "\\app.exe</Data><Data Name=\"CommandLine\">app.exe --arg " + args +
          "</Data><Data Name=\"User\">CORP\\alice</Data><Data Name=\"LogonId\">0x" + std::to_string(100000 + i) +
          "</Data><Data Name=\"TerminalSessionId\">1</Data>";
      if (i % 5 == 0) xml += "<Data Name=\"ParentUser\">CORP\\alice</Data>";  // a second data shape
    } else {
      xml +=
          "<Data Name=\"RuleName\">-</Data><Data Name=\"UtcTime\">2024-03-12 08:00:00.000</Data><Data "
          "Name=\"ProcessGuid\">" +
          std::string(guid) + "</Data><Data Name=\"ProcessId\">" + pid +
          "</Data><Data Name=\"Initiated\">true</Data><Data Name=\"SourcePort\">" +
          std::to_string(49152 + rnd() % 16000) + "</Data><Data Name=\"DestinationIp\">192.0.2." +
          std::to_string(rnd() % 250) + "</Data><Data Name=\"DestinationPort\">443</Data>";
    }
    xml += "</EventData></Event>\n";
  }
  xml += "</Events>\n";
  return xml;
}

TEST(WriterRoundTrip, ManyEventsSpanSeveralChunks) {
  const int n = 900;
  std::string xml = many_events(n);
  TempDir tmp("writer");
  fs::path file = tmp / "multi.evtx";
  evtx::WriterStats st = write_xml(xml, file);
  EXPECT_EQ(st.records, static_cast<uint64_t>(n));
  EXPECT_GE(st.chunks, 4u);
  // Every chunk defines its own templates (2 hosts x System, 3 data shapes, as used).
  EXPECT_GE(st.template_definitions, 3 * st.chunks);
  corpus::ReadResult r = corpus::read_file(file);
  EXPECT_EQ(r.header.chunk_count, st.chunks);
  EXPECT_EQ(r.header.next_record_id, 7000u + n);
  EXPECT_EQ(fs::file_size(file), evtx::kFileHeaderSize + st.chunks * evtx::kChunkSize);
  std::set<int64_t> chunks;
  for (const auto& rec : r.records) chunks.insert(rec.chunk);
  EXPECT_EQ(chunks.size(), st.chunks);
  check_all_readers(file, expected_events(xml));
}

TEST(WriterRoundTrip, ChunkHeadersAreConsistent) {
  std::string xml = many_events(400);
  TempDir tmp("writer");
  fs::path file = tmp / "headers.evtx";
  write_xml(xml, file);
  std::vector<uint8_t> bytes = support::read_bytes(file);
  corpus::ReadResult r = corpus::read_file(file);
  auto u32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  auto u64 = [&](size_t at) {
    uint64_t v;
    std::memcpy(&v, bytes.data() + at, 8);
    return v;
  };
  for (uint16_t c = 0; c < r.header.chunk_count; ++c) {
    SCOPED_TRACE("chunk " + std::to_string(c));
    size_t base = evtx::kFileHeaderSize + size_t(c) * evtx::kChunkSize;
    std::vector<const corpus::ReadRecord*> recs;
    for (const auto& rec : r.records)
      if (rec.chunk == c) recs.push_back(&rec);
    ASSERT_FALSE(recs.empty());
    EXPECT_EQ(u64(base + 8), recs.front()->record_id);
    EXPECT_EQ(u64(base + 16), recs.back()->record_id);
    EXPECT_EQ(u64(base + 24), recs.front()->record_id);
    EXPECT_EQ(u64(base + 32), recs.back()->record_id);
    EXPECT_EQ(u32(base + 40), 128u);
    EXPECT_EQ(base + u32(base + 44), recs.back()->file_offset);
    uint32_t last_size = u32(recs.back()->file_offset + 4);
    EXPECT_EQ(base + u32(base + 48), recs.back()->file_offset + last_size);
    EXPECT_LE(u32(base + 48), evtx::kChunkSize - 8) << "libevtx skips a record ending at the chunk's last byte";
    EXPECT_EQ(last_size % 8, 0u);
    // Name table: every bucket chain leads to names whose hash is in that bucket.
    for (uint32_t b = 0; b < 64; ++b) {
      for (uint32_t off = u32(base + 128 + 4 * b), guard = 0; off != 0 && guard < 1000;
           off = u32(base + off), ++guard) {
        uint16_t units;
        std::memcpy(&units, bytes.data() + base + off + 6, 2);
        uint16_t hash;
        std::memcpy(&hash, bytes.data() + base + off + 4, 2);
        EXPECT_EQ(hash % 64, b);
        EXPECT_EQ(evtx::name_hash(bytes.data() + base + off + 8, units) & 0xffff, hash);
      }
    }
    // Template table: every chain entry is a definition right after its instance token.
    size_t templates = 0;
    for (uint32_t b = 0; b < 32; ++b) {
      for (uint32_t off = u32(base + 384 + 4 * b), guard = 0; off != 0 && guard < 1000;
           off = u32(base + off), ++guard) {
        EXPECT_EQ(bytes[base + off - 10], 0x0c);
        EXPECT_EQ(u32(base + off - 4), off);
        EXPECT_EQ(evtx::name_hash(bytes.data() + base + off + 4, 8) % 32, b);
        ++templates;
      }
    }
    EXPECT_GE(templates, 2u);
  }
}

TEST(WriterRoundTrip, EventTreesFromTheNativeReaderCanBeWrittenAgain) {
  // Copy a real log through the writer: native reader trees (typed values) in,
  // the same records out.
  fs::path src = corpus::attack_sample("Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx");
  if (!fs::exists(src)) GTEST_SKIP() << "corpus not present";
  corpus::ReadResult orig = corpus::read_file(src, corpus::ReadOptions{true});
  TempDir tmp("writer");
  fs::path out = tmp / "copy.evtx";
  {
    evtx::EvtxFileWriter w(out);
    corpus::for_each_tree(src, [&](size_t, const evtx::RecordView& v) { w.add(v.tree); });
    w.commit();
  }
  corpus::ReadResult copy = read_native_clean(out);
  ASSERT_EQ(copy.records.size(), orig.records.size());
  for (size_t i = 0; i < orig.records.size(); ++i) {
    evtx::Record want = orig.records[i];
    want.record_id = orig.records[i].xml_record_id;  // this export renumbered its record headers from 1
    expect_same(want, copy.records[i], Reader::Native, "record " + std::to_string(i));
    EXPECT_EQ(copy.records[i].xml, orig.records[i].xml);
    EXPECT_EQ(copy.records[i].json, orig.records[i].json);  // same types: JSON numbers stay numbers
  }
}

TEST(WriterRoundTrip, RealLogsRenderedAsXmlConvertBackToTheSameEvents) {
  // Event XML as Windows renders it (the native reader's rendering of real
  // logs), converted: every reader gives the original events back.
  const char* files[] = {
      "evtx-attack-samples/Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx",
      "evtx-attack-samples/Command and Control/DE_RDP_Tunnel_5156.evtx",
      "evtx-rs-samples/security.evtx",
      "evtx-rs-samples/system.evtx",
      "evtx-rs-samples/sysmon.evtx",
  };
  TempDir tmp("writer");
  for (const char* rel : files) {
    fs::path src = corpus::root() / rel;
    if (!fs::exists(src)) {
      std::fprintf(stderr, "corpus file missing, skipped: %s\n", src.c_str());
      continue;
    }
    SCOPED_TRACE(rel);
    corpus::ReadResult orig = corpus::read_file(src, corpus::ReadOptions{true});
    std::string xml = "<Events>\n";
    for (const auto& r : orig.records) xml += r.xml;
    xml += "</Events>\n";
    fs::path out = tmp / (fs::path(rel).stem().string() + ".evtx");
    write_xml(xml, out);
    std::vector<Expected> want = expected_events(xml);
    ASSERT_EQ(want.size(), orig.records.size());
    for (size_t i = 0; i < want.size(); ++i) {
      evtx::Record o = orig.records[i], w = want[i].rec;
      o.record_id = orig.records[i].xml_record_id;
      o.written_time = w.written_time;
      // XML 1.0 cannot carry control characters: the rendering may drop or escape them.
      for (evtx::Record* r : {&o, &w})
        for (evtx::DataField& f : r->data) f.value.text = strip_controls(f.value.text);
      expect_same(o, w, Reader::Native, std::string(rel) + " XML record " + std::to_string(i));
      // <X></X> (a present but empty string) and <X/> are the same XML.
      static const std::regex empty_element(R"(<([A-Za-z0-9_:]+)([^<>]*)></\1>)");
      EXPECT_EQ(want[i].xml, std::regex_replace(orig.records[i].xml, empty_element, "<$1$2/>"));
    }
    check_all_readers(out, want);
  }
}

TEST(WriterRoundTrip, RecordTooLargeForAChunkIsRefused) {
  std::string big(40000, 'x');  // 80000 bytes as UTF-16
  std::string xml =
      R"(<Event><System><Provider Name="X"/><EventID>1</EventID><Computer>H</Computer></System><EventData><Data Name="a">)" +
      big + "</Data></EventData></Event>";
  xml::EventXmlDocument doc = xml::EventXmlDocument::load_string(xml, "big");
  evtx::EventTree tree;
  doc.event_tree(0, tree);
  std::vector<uint8_t> chunks;
  evtx::EvtxWriter w([&](const uint8_t* c) { chunks.insert(chunks.end(), c, c + evtx::kChunkSize); });
  EXPECT_THROW(w.add(tree), evtx::WriteError);
  // The writer is unchanged and still usable.
  xml::EventXmlDocument ok = xml::EventXmlDocument::load_string(
      R"(<Event><System><Provider Name="X"/><EventID>1</EventID><Computer>H</Computer></System></Event>)", "ok");
  ok.event_tree(0, tree);
  EXPECT_EQ(w.add(tree), 1u);
  w.finish();
  EXPECT_EQ(chunks.size(), evtx::kChunkSize);
}

// ---------------------------------------------------------------------------
// The convert command.

fs::path binary() { return fs::path(EVTXHUNT_BINARY); }

std::string utf16le_with_bom(std::string_view utf8) {
  std::string out = "\xff\xfe";
  text::append_utf16le(out, utf8);
  return out;
}

TEST(ConvertCommand, ConvertsEventsRootAndBareEventsInUtf8AndUtf16) {
  TempDir tmp("convert");
  // wevtutil style: bare <Event> elements, UTF-16 with a BOM.
  std::string xml(kInlineEvents);
  size_t first = xml.find("<Event xmlns"), last = xml.rfind("</Events>");
  std::string bare = xml.substr(first, last - first);
  std::string half1 = bare.substr(0, bare.find("<Event xmlns", bare.find("<Event xmlns", 1) + 1));
  std::string half2 = bare.substr(half1.size());
  std::ofstream(tmp / "a.xml", std::ios::binary) << utf16le_with_bom(half1);
  std::ofstream(tmp / "b.xml", std::ios::binary)
      << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>" << half2 << "</Events>";
  fs::path out = tmp / "out.evtx";
  support::CommandResult cr = support::run_command(
      support::shell_quote(binary().string()) + " convert " + support::shell_quote((tmp / "a.xml").string()) + " " +
      support::shell_quote((tmp / "b.xml").string()) + " -o " + support::shell_quote(out.string()));
  ASSERT_EQ(cr.exit_code, 0) << cr.err;
  EXPECT_NE(cr.err.find("12 records"), std::string::npos) << cr.err;
  check_all_readers(out, expected_events(kInlineEvents));
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "left behind: " << e.path();
}

TEST(ConvertCommand, ErrorsNameTheFileAndLeaveNoOutput) {
  TempDir tmp("convert");
  std::string bin = support::shell_quote(binary().string());
  fs::path out = tmp / "out.evtx";
  std::string o = " -o " + support::shell_quote(out.string());
  std::ofstream(tmp / "good.xml") << kInlineEvents;
  std::ofstream(tmp / "notxml.xml") << "this is not xml <";
  std::ofstream(tmp / "noevents.xml") << "<Events><Other/></Events>";

  support::CommandResult cr = support::run_command(bin + " convert --help");
  EXPECT_EQ(cr.exit_code, 0);
  EXPECT_NE(cr.out.find("usage: evtxhunt convert"), std::string::npos);

  cr = support::run_command(bin + " convert " + support::shell_quote((tmp / "good.xml").string()));
  EXPECT_EQ(cr.exit_code, 2) << "no -o";
  cr = support::run_command(bin + " convert" + o);
  EXPECT_EQ(cr.exit_code, 2) << "no input";

  std::string missing = (tmp / "missing.xml").string();
  cr = support::run_command(bin + " convert " + support::shell_quote((tmp / "good.xml").string()) + " " +
                            support::shell_quote(missing) + o);
  EXPECT_EQ(cr.exit_code, 3);
  EXPECT_NE(cr.err.find(missing), std::string::npos) << cr.err;

  for (const char* bad : {"notxml.xml", "noevents.xml"}) {
    std::string path = (tmp / bad).string();
    cr = support::run_command(bin + " convert " + support::shell_quote(path) + o);
    EXPECT_EQ(cr.exit_code, 5) << bad;
    EXPECT_NE(cr.err.find(path), std::string::npos) << cr.err;
  }
  EXPECT_FALSE(fs::exists(out));

  cr = support::run_command(bin + " convert " + support::shell_quote((tmp / "good.xml").string()) + " -o " +
                            support::shell_quote((tmp / "no-such-dir" / "out.evtx").string()));
  EXPECT_EQ(cr.exit_code, 6);
  EXPECT_NE(cr.err.find("no-such-dir"), std::string::npos) << cr.err;

  size_t files = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 3u) << "only the inputs remain";
}

}  // namespace

// ---------------------------------------------------------------------------
// samples/: the committed triage collection.

namespace samples {

fs::path source_dir() { return fs::path(EVTXHUNT_SOURCE_DIR); }
fs::path triage() { return source_dir() / "samples" / "triage"; }
const char* kHosts[] = {"WS01", "WS02", "DC01"};
const std::pair<const char*, const char*> kLogs[] = {
    {"Security", "Security.evtx"},
    {"Sysmon", "Microsoft-Windows-Sysmon%4Operational.evtx"},
    {"System", "System.evtx"},
};

fs::path log_path(const fs::path& root, const char* host, const char* file) {
  return root / host / "C" / "Windows" / "System32" / "winevt" / "Logs" / file;
}

}  // namespace samples

TEST(Samples, AreTheGeneratorsOutputAndReadIdenticallyByAllReaders) {
  if (!fs::exists(samples::triage())) GTEST_SKIP() << "no samples/triage";
  if (support::run_command("python3 --version").exit_code != 0) GTEST_SKIP() << "no python3 on PATH";
  TempDir tmp("samples");
  support::CommandResult gen = support::run_command(
      "python3 " + support::shell_quote((samples::source_dir() / "scripts" / "make_samples.py").string()) +
      " --evtxhunt " + support::shell_quote(binary().string()) + " --out " +
      support::shell_quote((tmp / "triage").string()) + " --xml-out " + support::shell_quote((tmp / "xml").string()));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  uint64_t total_size = 0;
  for (const char* host : samples::kHosts) {
    for (const auto& [log, file] : samples::kLogs) {
      SCOPED_TRACE(std::string(host) + " " + log);
      fs::path committed = samples::log_path(samples::triage(), host, file);
      ASSERT_TRUE(fs::exists(committed)) << committed;
      total_size += fs::file_size(committed);
      EXPECT_TRUE(support::read_bytes(committed) == support::read_bytes(samples::log_path(tmp / "triage", host, file)))
          << committed << " differs from what scripts/make_samples.py makes of samples/scenario: run it";
      fs::path xml = tmp / "xml" / host / (std::string(log) + ".xml");
      std::vector<Expected> want = expected_events(xml::EventXmlDocument::load_file(xml));
      ASSERT_GT(want.size(), 5u);
      for (const Expected& e : want) EXPECT_EQ(e.rec.computer, std::string(host) + ".corp.local");
      check_all_readers(committed, want);
    }
  }
  EXPECT_LT(total_size, 800u * 1024) << "samples must stay small";
}

// The facts samples/README.md states, read back from the EVTX files.
TEST(Samples, HoldTheDocumentedDcomScenario) {
  if (!fs::exists(samples::triage())) GTEST_SKIP() << "no samples/triage";
  auto sysmon = [](const char* host) {
    return read_native_clean(samples::log_path(samples::triage(), host, "Microsoft-Windows-Sysmon%4Operational.evtx"));
  };
  corpus::ReadResult ws01 = sysmon("WS01");
  auto field = [](const corpus::ReadRecord& r, const char* name) {
    const evtx::TypedValue* v = r.find(name);
    return v ? v->text : std::string();
  };
  std::map<std::string, const corpus::ReadRecord*> by_guid;
  for (const auto& r : ws01.records)
    if (r.event_id == 1) by_guid[field(r, "ProcessGuid")] = &r;

  // Boot: services.exe at 07:58:00.204, well over 5 minutes before the chain.
  std::vector<std::string> services;
  for (const auto& r : ws01.records)
    if (r.event_id == 1 && field(r, "Image") == "C:\\Windows\\System32\\services.exe")
      services.push_back(field(r, "UtcTime"));
  EXPECT_EQ(services, std::vector<std::string>{"2024-03-12 07:58:00.204"});

  // Inbound connections to the endpoint mapper (svchost -k RPCSS, port 135).
  std::vector<std::string> rpc;
  for (const auto& r : ws01.records) {
    if (r.event_id != 3 || field(r, "Initiated") != "false" || field(r, "DestinationPort") != "135") continue;
    const corpus::ReadRecord* p = by_guid[field(r, "ProcessGuid")];
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(field(*p, "CommandLine"), "C:\\Windows\\system32\\svchost.exe -k RPCSS");
    EXPECT_EQ(field(r, "DestinationIp"), "10.10.20.11");
    rpc.push_back(field(r, "UtcTime") + " " + field(r, "SourceIp"));
  }
  EXPECT_EQ(rpc, (std::vector<std::string>{"2024-03-12 09:15:30.214 10.10.20.30", "2024-03-12 09:30:05.206 10.10.20.5",
                                           "2024-03-12 09:40:10.518 10.10.20.30", "2024-03-12 10:05:20.100 10.10.20.30",
                                           "2024-03-12 10:47:13.412 10.10.20.12"}));

  // Processes started by the DCOM launcher, with their direct children.
  std::vector<std::string> dcom;
  for (const auto& r : ws01.records) {
    if (r.event_id != 1) continue;
    const corpus::ReadRecord* parent = by_guid[field(r, "ParentProcessGuid")];
    if (!parent || field(*parent, "CommandLine") != "C:\\Windows\\system32\\svchost.exe -k DcomLaunch") continue;
    std::string line = field(r, "UtcTime") + " " + field(r, "ProcessId") + " " + field(r, "CommandLine");
    for (const auto& c : ws01.records)
      if (c.event_id == 1 && field(c, "ParentProcessGuid") == field(r, "ProcessGuid"))
        line += " | " + field(c, "CommandLine");
    dcom.push_back(line);
  }
  const std::vector<std::string> want_dcom = {
      "2024-03-12 08:02:33.415 5232 C:\\Windows\\System32\\RuntimeBroker.exe -Embedding",
      "2024-03-12 08:02:35.002 5536 "
      "\"C:\\Windows\\SystemApps\\Microsoft.Windows.StartMenuExperienceHost_cw5n1h2txyewy\\"
      "StartMenuExperienceHost.exe\" -ServerName:App.AppXywbrabmsek0gm3tkwpr5kwzbs55tkqay.mca",
      "2024-03-12 08:10:12.733 3212 C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
      "2024-03-12 09:02:44.120 6788 \"C:\\Windows\\system32\\backgroundTaskHost.exe\" "
      "-ServerName:BackgroundTaskHost.WebAccountProvider",
      "2024-03-12 09:15:31.050 6164 C:\\Windows\\system32\\DllHost.exe "
      "/Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}"
      " | C:\\Windows\\system32\\WerFault.exe -u -p 6164 -s 488",
      "2024-03-12 09:40:11.742 2896 \"C:\\Program Files\\Contoso\\InventoryAgent\\InvAgentHost.exe\" -Embedding"
      " | \"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe\" /noconfig /fullpaths "
      "@\"C:\\Windows\\TEMP\\kq3vx1ab\\kq3vx1ab.cmdline\"",
      "2024-03-12 10:05:24.310 7436 \"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE\" /automation "
      "-Embedding"
      " | C:\\Windows\\system32\\cmd.exe /c \"C:\\ProgramData\\Contoso\\export-inventory.cmd\"",
      "2024-03-12 10:47:14.105 4416 C:\\Windows\\system32\\mmc.exe -Embedding"
      " | \"C:\\Windows\\system32\\cmd.exe\" /c whoami | \"C:\\Windows\\system32\\cmd.exe\" /c ipconfig /all"
      " | \"C:\\Windows\\system32\\cmd.exe\" /c net group \"domain admins\" /domain",
  };
  EXPECT_EQ(dcom, want_dcom);

  // The attacker's outbound side on WS02.
  corpus::ReadResult ws02 = sysmon("WS02");
  std::vector<std::string> out;
  for (const auto& r : ws02.records)
    if (r.event_id == 3 && field(r, "DestinationIp") == "10.10.20.11")
      out.push_back(field(r, "UtcTime") + " " + field(r, "Image") + " " + field(r, "Initiated") + " :" +
                    field(r, "DestinationPort"));
  EXPECT_EQ(out,
            (std::vector<std::string>{
                "2024-03-12 10:47:13.398 C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe true :135",
                "2024-03-12 10:47:14.380 C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe true :49712"}));
}
