// The replay library (src/replay) driven directly, without the CLI: the
// process table (parent lookup, PID reuse, Sysmon 1 + 4688 of one run, the
// same-image / same-GUID checks, process ends), the boot clock (markers of one
// boot, the seed query's services.exe boot time), and the rule matcher (stage
// time windows at their edges, optional stages completing when their window
// closes, ties, one finding per summarize key). Events are built in code,
// rules compiled from inline text. Also the normalizer's mapping table
// (MapperTable): wanted() is true exactly for its entries.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "normalize/mapper.h"
#include "normalize/mapper_parts.h"
#include "normalize/normalized_event.h"
#include "pipeline/host_stream.h"
#include "replay/boot_clock.h"
#include "replay/host_replay.h"
#include "replay/log_coverage.h"
#include "replay/process_table.h"
#include "replay/rule_matcher.h"
#include "rules/lexer.h"
#include "rules/rule.h"
#include "support/collect.h"
#include "support/corpus.h"

namespace {

using normalize::Field;
using normalize::FieldValue;
using normalize::NormalizedEvent;
using normalize::Ticks;

constexpr Ticks kSec = normalize::kTicksPerSecond;
// 2024-03-05T14:00:00Z as FILETIME ticks: a whole second.
constexpr Ticks kT0 = 133'541'208'000'000'000;
static_assert(kT0 % kSec == 0);

// A process creation as a mapper makes it: Sysmon 1 when guid is given, else
// Security 4688; "" / -1: not in the record.
NormalizedEvent created(Ticks t, int64_t pid, const std::string& image, const std::string& guid = "",
                        int64_t parent_pid = -1, const std::string& parent_guid = "",
                        const std::string& parent_image = "", const std::string& command_line = "") {
  NormalizedEvent ev;
  ev.table = normalize::Table::Process;
  ev[Field::Timestamp] = FieldValue::time(t);
  ev[Field::ActionType] = FieldValue::str(normalize::kProcessCreated);
  ev[Field::DeviceName] = FieldValue::str("WS1.corp.local");
  ev[Field::DeviceId] = FieldValue::str("ws1");
  ev[Field::Provider] =
      FieldValue::str(std::string(guid.empty() ? normalize::kSecurityProvider : normalize::kSysmonProvider));
  ev[Field::EventID] = FieldValue::integer(guid.empty() ? 4688 : 1);
  ev[Field::ProcessId] = FieldValue::integer(pid);
  if (!image.empty()) ev[Field::FileName] = FieldValue::str(image);
  if (!guid.empty()) ev[Field::ProcessUniqueId] = FieldValue::str(guid);
  if (parent_pid >= 0) ev[Field::InitiatingProcessId] = FieldValue::integer(parent_pid);
  if (!parent_guid.empty()) ev[Field::InitiatingProcessUniqueId] = FieldValue::str(parent_guid);
  if (!parent_image.empty()) ev[Field::InitiatingProcessFileName] = FieldValue::str(parent_image);
  if (!command_line.empty()) ev[Field::ProcessCommandLine] = FieldValue::str(command_line);
  return ev;
}

// A process end (Sysmon 5 with a guid, else Security 4689).
NormalizedEvent ended(Ticks t, int64_t pid, const std::string& guid = "") {
  NormalizedEvent ev;
  ev.table = normalize::Table::ProcessEnd;
  ev[Field::Timestamp] = FieldValue::time(t);
  ev[Field::ProcessId] = FieldValue::integer(pid);
  if (!guid.empty()) ev[Field::ProcessUniqueId] = FieldValue::str(guid);
  return ev;
}

// A connection made (or accepted) by a process.
NormalizedEvent connection(Ticks t, int64_t pid, const std::string& image = "", const std::string& guid = "",
                           const char* action = normalize::kInboundConnectionAccepted) {
  NormalizedEvent ev;
  ev.table = normalize::Table::Network;
  ev[Field::Timestamp] = FieldValue::time(t);
  ev[Field::ActionType] = FieldValue::str(action);
  ev[Field::DeviceName] = FieldValue::str("WS1.corp.local");
  ev[Field::DeviceId] = FieldValue::str("ws1");
  ev[Field::InitiatingProcessId] = FieldValue::integer(pid);
  if (!image.empty()) ev[Field::InitiatingProcessFileName] = FieldValue::str(image);
  if (!guid.empty()) ev[Field::InitiatingProcessUniqueId] = FieldValue::str(guid);
  ev[Field::LocalPort] = FieldValue::integer(135);
  ev[Field::RemoteIP] = FieldValue::str("10.0.0.5");
  return ev;
}

// ---------------------------------------------------------------------------
// Process table

TEST(ProcessTable, ChildTakesItsParentByGuid) {
  replay::ProcessTable table("ws1");
  NormalizedEvent parent = created(kT0, 100, "cmd.exe", "{P}", 50, "", "explorer.exe", "cmd /c x");
  EXPECT_TRUE(table.on_created(parent));
  NormalizedEvent child = created(kT0 + kSec, 200, "whoami.exe", "{C}", 100, "{P}");
  EXPECT_TRUE(table.on_created(child));
  EXPECT_EQ(child[Field::InitiatingProcessUniqueId].s, "{P}");
  EXPECT_EQ(child[Field::InitiatingProcessFileName].s, "cmd.exe");
  EXPECT_EQ(child[Field::InitiatingProcessCommandLine].s, "cmd /c x");
  // The grandparent comes from what the parent's creation said of its own parent.
  EXPECT_EQ(child[Field::InitiatingProcessParentId].i, 50);
  EXPECT_EQ(child[Field::InitiatingProcessParentFileName].s, "explorer.exe");
  const replay::ProcessInstance* p = table.instance("{C}");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->pid, 200);
  EXPECT_EQ(p->parent_file_name.s, "cmd.exe");
  EXPECT_FALSE(p->ended);
}

TEST(ProcessTable, SecurityOnlyProcessesGetASynthesizedIdAndAParentByPid) {
  replay::ProcessTable table("ws1");
  NormalizedEvent parent = created(kT0, 0x1a4, "powershell.exe");
  EXPECT_TRUE(table.on_created(parent));
  std::string id = "ws1:420:" + std::to_string(kT0);
  EXPECT_EQ(parent[Field::ProcessUniqueId].s, id);
  NormalizedEvent child = created(kT0 + 2 * kSec, 0x200, "net.exe", "", 0x1a4);
  EXPECT_TRUE(table.on_created(child));
  EXPECT_EQ(child[Field::InitiatingProcessUniqueId].s, id);
  EXPECT_EQ(child[Field::InitiatingProcessFileName].s, "powershell.exe");
}

TEST(ProcessTable, APidIsNoParentOfEventsBeforeItsProcessStarted) {
  replay::ProcessTable table("ws1");
  NormalizedEvent parent = created(kT0 + 10 * kSec, 300, "a.exe");
  table.on_created(parent);
  NormalizedEvent early = connection(kT0 + 9 * kSec, 300);
  table.on_initiated(early);
  EXPECT_FALSE(early[Field::InitiatingProcessUniqueId].known());
  EXPECT_FALSE(early[Field::InitiatingProcessFileName].known());
  NormalizedEvent at_start = connection(kT0 + 10 * kSec, 300);
  table.on_initiated(at_start);
  EXPECT_EQ(at_start[Field::InitiatingProcessFileName].s, "a.exe");
}

TEST(ProcessTable, PidReuseEndsTheOlderInstance) {
  replay::ProcessTable table("ws1");
  NormalizedEvent first = created(kT0, 500, "first.exe");
  NormalizedEvent second = created(kT0 + 60 * kSec, 500, "second.exe");
  table.on_created(first);
  EXPECT_TRUE(table.on_created(second));
  ASSERT_NE(table.instance(first[Field::ProcessUniqueId].s), nullptr);
  EXPECT_TRUE(table.instance(first[Field::ProcessUniqueId].s)->ended);
  EXPECT_FALSE(table.instance(second[Field::ProcessUniqueId].s)->ended);
  NormalizedEvent child = created(kT0 + 61 * kSec, 501, "child.exe", "", 500);
  table.on_created(child);
  EXPECT_EQ(child[Field::InitiatingProcessFileName].s, "second.exe");
  EXPECT_EQ(child[Field::InitiatingProcessUniqueId].s, second[Field::ProcessUniqueId].s);
}

TEST(ProcessTable, SysmonAndSecurityRecordsOfOneRunAreOneInstance) {
  replay::ProcessTable table("ws1");
  NormalizedEvent sec = created(kT0, 700, "cmd.exe");
  EXPECT_TRUE(table.on_created(sec));
  std::string id = sec[Field::ProcessUniqueId].s;
  // The Sysmon 1 of the same run: same PID, same image (any case), 0.9 s later.
  NormalizedEvent sys = created(kT0 + 9 * kSec / 10, 700, "CMD.EXE", "{S}", -1, "", "", "cmd /c dir");
  EXPECT_FALSE(table.on_created(sys));
  EXPECT_EQ(sys[Field::ProcessUniqueId].s, id);
  // Its GUID is an alias of the instance, which took the command line it lacked.
  const replay::ProcessInstance* p = table.instance("{S}");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->unique_id, id);
  EXPECT_EQ(p->command_line.s, "cmd /c dir");
  // A child naming the GUID finds the merged instance.
  NormalizedEvent child = created(kT0 + 5 * kSec, 701, "x.exe", "{X}", 700, "{S}");
  table.on_created(child);
  EXPECT_EQ(child[Field::InitiatingProcessUniqueId].s, id);
}

TEST(ProcessTable, OtherImageOrLaterThanOneSecondIsAnotherInstance) {
  {
    replay::ProcessTable table("ws1");
    NormalizedEvent sec = created(kT0, 700, "cmd.exe");
    table.on_created(sec);
    NormalizedEvent sys = created(kT0 + kSec / 2, 700, "conhost.exe", "{S}");
    EXPECT_TRUE(table.on_created(sys));
    EXPECT_EQ(sys[Field::ProcessUniqueId].s, "{S}");
  }
  {
    replay::ProcessTable table("ws1");
    NormalizedEvent sec = created(kT0, 700, "cmd.exe");
    table.on_created(sec);
    NormalizedEvent sys = created(kT0 + kSec + 1, 700, "cmd.exe", "{S}");
    EXPECT_TRUE(table.on_created(sys));
    EXPECT_EQ(sys[Field::ProcessUniqueId].s, "{S}");
  }
  {
    // Exactly 1 s apart still merges.
    replay::ProcessTable table("ws1");
    NormalizedEvent sec = created(kT0, 700, "cmd.exe");
    table.on_created(sec);
    NormalizedEvent sys = created(kT0 + kSec, 700, "cmd.exe", "{S}");
    EXPECT_FALSE(table.on_created(sys));
  }
}

TEST(ProcessTable, TwoSysmonCreationsOfOnePidAreTwoRuns) {
  replay::ProcessTable table("ws1");
  NormalizedEvent a = created(kT0, 800, "cmd.exe", "{A}");
  NormalizedEvent b = created(kT0 + kSec / 10, 800, "cmd.exe", "{B}");
  EXPECT_TRUE(table.on_created(a));
  EXPECT_TRUE(table.on_created(b));
  EXPECT_TRUE(table.instance("{A}")->ended);
  EXPECT_FALSE(table.instance("{B}")->ended);
}

TEST(ProcessTable, AnEventNamingAnotherImageIsNotThePidsProcess) {
  replay::ProcessTable table("ws1");
  NormalizedEvent p = created(kT0, 900, "mmc.exe");
  table.on_created(p);
  NormalizedEvent same = connection(kT0 + kSec, 900, "MMC.exe");  // any case
  table.on_initiated(same);
  EXPECT_EQ(same[Field::InitiatingProcessUniqueId].s, p[Field::ProcessUniqueId].s);
  // Another image under PID 900: another process holds it now.
  NormalizedEvent other = connection(kT0 + 2 * kSec, 900, "svchost.exe");
  table.on_initiated(other);
  EXPECT_FALSE(other[Field::InitiatingProcessUniqueId].known());
  EXPECT_TRUE(table.instance(p[Field::ProcessUniqueId].s)->ended);
  NormalizedEvent later = connection(kT0 + 3 * kSec, 900);
  table.on_initiated(later);
  EXPECT_FALSE(later[Field::InitiatingProcessFileName].known());
}

TEST(ProcessTable, AnUnknownSysmonGuidIsNotTheSysmonInstanceOfItsPid) {
  replay::ProcessTable table("ws1");
  NormalizedEvent sys = created(kT0, 900, "mmc.exe", "{M}", -1, "", "", "mmc.exe -Embedding");
  table.on_created(sys);
  // The event's GUID is not {M}: another run of PID 900 the logs never showed.
  NormalizedEvent ev = connection(kT0 + kSec, 900, "mmc.exe", "{OTHER}");
  table.on_initiated(ev);
  EXPECT_EQ(ev[Field::InitiatingProcessUniqueId].s, "{OTHER}");
  EXPECT_FALSE(ev[Field::InitiatingProcessCommandLine].known());
  // An instance known from Security 4688 only has no GUID to contradict: it is taken.
  replay::ProcessTable sec_table("ws1");
  NormalizedEvent sec = created(kT0, 900, "mmc.exe", "", -1, "", "", "mmc.exe -Embedding");
  sec_table.on_created(sec);
  NormalizedEvent ev2 = connection(kT0 + kSec, 900, "mmc.exe", "{OTHER}");
  sec_table.on_initiated(ev2);
  EXPECT_EQ(ev2[Field::InitiatingProcessUniqueId].s, sec[Field::ProcessUniqueId].s);
  EXPECT_EQ(ev2[Field::InitiatingProcessCommandLine].s, "mmc.exe -Embedding");
}

TEST(ProcessTable, AnEndedProcessNoLongerOwnsItsPidButKeepsItsGuidForAnHour) {
  replay::ProcessTable table("ws1");
  NormalizedEvent p = created(kT0, 1000, "a.exe", "{A}");
  table.on_created(p);
  EXPECT_EQ(table.on_ended(ended(kT0 + 10 * kSec, 1000, "{A}")), "{A}");
  EXPECT_TRUE(table.instance("{A}")->ended);
  EXPECT_EQ(table.on_ended(ended(kT0 + 11 * kSec, 4242)), "");
  // By PID: gone.
  NormalizedEvent by_pid = connection(kT0 + 20 * kSec, 1000, "a.exe");
  table.on_initiated(by_pid);
  EXPECT_FALSE(by_pid[Field::InitiatingProcessUniqueId].known());
  // By GUID: a late record still finds it, within the hour after its end.
  NormalizedEvent late = connection(kT0 + 3000 * kSec, 1000, "", "{A}");
  table.on_initiated(late);
  EXPECT_EQ(late[Field::InitiatingProcessFileName].s, "a.exe");
  // Forgotten once a creation comes more than an hour after the end.
  NormalizedEvent later = created(kT0 + 10 * kSec + 3601 * kSec, 1001, "b.exe", "{B}");
  table.on_created(later);
  EXPECT_EQ(table.instance("{A}"), nullptr);
  EXPECT_NE(table.instance("{B}"), nullptr);
}

TEST(ProcessTable, AnEndByPidEndsTheLiveInstance) {
  replay::ProcessTable table("ws1");
  NormalizedEvent p = created(kT0, 1100, "a.exe");
  table.on_created(p);
  EXPECT_EQ(table.on_ended(ended(kT0 + kSec, 1100)), p[Field::ProcessUniqueId].s);
  EXPECT_TRUE(table.instance(p[Field::ProcessUniqueId].s)->ended);
  // An end before the instance started is not its end.
  replay::ProcessTable t2("ws1");
  NormalizedEvent q = created(kT0 + 5 * kSec, 1100, "a.exe");
  t2.on_created(q);
  EXPECT_EQ(t2.on_ended(ended(kT0, 1100)), "");
  EXPECT_FALSE(t2.instance(q[Field::ProcessUniqueId].s)->ended);
}

// A parent found by PID must be plausible (process_table.h): not after a boot,
// not across a clock hour without a record of its log, not when the event
// names another image.
TEST(ProcessTable, ABootEndsEveryInstanceStartedBeforeIt) {
  replay::ProcessTable table("ws1");
  NormalizedEvent old = created(kT0, 0x274, "conhost.exe");
  table.on_created(old);
  // The next boot's first marker a day later; its first processes started
  // seconds before it (smss.exe, wininit.exe) and stay.
  Ticks boot = kT0 + 86400 * kSec;
  NormalizedEvent wininit = created(boot - 30 * kSec, 0x1a0, "wininit.exe");
  table.on_created(wininit);
  table.on_boot(boot);
  EXPECT_TRUE(table.instance(old[Field::ProcessUniqueId].s)->ended);
  EXPECT_FALSE(table.instance(wininit[Field::ProcessUniqueId].s)->ended);
  NormalizedEvent child = created(boot + 600 * kSec, 0x900, "WmiPrvSE.exe", "", 0x274);
  table.on_created(child);
  EXPECT_FALSE(child[Field::InitiatingProcessUniqueId].known());
  EXPECT_FALSE(child[Field::InitiatingProcessFileName].known());
  NormalizedEvent services = created(boot + 5 * kSec, 0x26c, "services.exe", "", 0x1a0);
  table.on_created(services);
  EXPECT_EQ(services[Field::InitiatingProcessFileName].s, "wininit.exe");
}

TEST(ProcessTable, AParentAcrossAnHourWithoutItsLogIsUnknownAndSaysWhy) {
  replay::LogCoverage coverage;
  constexpr Ticks kHour = 3600 * kSec;
  // Security records at 14:00-14:59 and 17:00-17:59, none from 15:00 to 16:59.
  coverage.add("Security", kT0 / kHour);
  coverage.add("Security", kT0 / kHour + 3);
  replay::ProcessTable table("ws1", &coverage);
  NormalizedEvent parent = created(kT0 + 60 * kSec, 0x274, "conhost.exe");
  parent[Field::Channel] = FieldValue::str("Security");
  table.on_created(parent);
  // Within its hour: taken.
  NormalizedEvent near = created(kT0 + 1800 * kSec, 0x300, "cmd.exe", "", 0x274);
  table.on_created(near);
  EXPECT_EQ(near[Field::InitiatingProcessFileName].s, "conhost.exe");
  EXPECT_TRUE(near.parent_note.empty());
  // After the empty hours: not taken, and the event says why.
  NormalizedEvent far = created(kT0 + 3 * kHour + 60 * kSec, 0x900, "WmiPrvSE.exe", "", 0x274);
  table.on_created(far);
  EXPECT_FALSE(far[Field::InitiatingProcessUniqueId].known());
  EXPECT_FALSE(far[Field::InitiatingProcessFileName].known());
  EXPECT_EQ(far.parent_note,
            "initiating process unknown: PID 628 was conhost.exe from 2024-03-05T14:01:00Z, but its log (Security) has "
            "no record of this host in the hour from 2024-03-05T15:00:00Z: the PID may have been reused since");
  // A connection by that PID is not the old process's either.
  NormalizedEvent conn = connection(kT0 + 3 * kHour + 90 * kSec, 0x274);
  table.on_initiated(conn);
  EXPECT_FALSE(conn[Field::InitiatingProcessFileName].known());
}

TEST(ProcessTable, AnotherImageUnderThePidEndsTheInstance) {
  replay::ProcessTable table("ws1");
  NormalizedEvent conhost = created(kT0, 0x274, "conhost.exe");
  table.on_created(conhost);
  // A 4688 version 2 names its parent's image: svchost.exe, not conhost.exe.
  NormalizedEvent wmi = created(kT0 + 60 * kSec, 0x900, "WmiPrvSE.exe", "", 0x274, "", "svchost.exe");
  table.on_created(wmi);
  EXPECT_FALSE(wmi[Field::InitiatingProcessUniqueId].known());
  EXPECT_EQ(wmi[Field::InitiatingProcessFileName].s, "svchost.exe");
  EXPECT_TRUE(table.instance(conhost[Field::ProcessUniqueId].s)->ended);
  // So a later child naming no image does not get conhost.exe either.
  NormalizedEvent child = created(kT0 + 61 * kSec, 0x904, "cmd.exe", "", 0x274);
  table.on_created(child);
  EXPECT_FALSE(child[Field::InitiatingProcessFileName].known());
}

// The process table on real records: every parent of the shared corpus
// found by PID that is more than an hour older than its child, each on the
// host MSEDGEWIN10, where samples recorded months apart share PIDs. None is
// taken now (before, each child got the old process as its parent).
struct Replayed {
  std::unique_ptr<pipeline::Evidence> evidence;
  std::map<std::pair<std::string, int64_t>, NormalizedEvent> events;  // by (file, EventRecordID), after the replay
  const NormalizedEvent* at(const std::string& sample, int64_t record) const {
    auto it = events.find({corpus::attack_sample(sample).string(), record});
    return it == events.end() ? nullptr : &it->second;
  }
};

Replayed replay_files(const std::vector<std::string>& samples) {
  std::vector<std::string> paths;
  for (const std::string& s : samples) paths.push_back(corpus::attack_sample(s).string());
  support::Collected c = support::collect(paths);
  Replayed r;
  r.evidence = std::move(c.evidence);
  for (const pipeline::Host& h : r.evidence->hosts) {
    pipeline::HostStream stream(*r.evidence, h);
    replay::replay_host(stream, {}, [&](const pipeline::StreamEvent& se) {
      if (se.norm) r.events[{(*se.norm)[Field::SourceFile].s, (*se.norm)[Field::EventRecordID].i}] = *se.norm;
    });
  }
  return r;
}

TEST(ProcessTableOnRealRecords, ParentsAcrossAGapInTheirLogAreUnknown) {
  struct Case {
    const char* child_file;
    int64_t record;
    const char* parent_file;  // where the old process under that PID was created
    const char* note;
  } cases[] = {
      // Sysmon 1 explorer.exe (2020-01-14) with ParentImage "?" and
      // ParentProcessId 752: PING.EXE was PID 752 six months earlier.
      {"Lateral Movement/LM_wmi_PoisonHandler_Mr-Un1k0d3r_sysmon_1_13.evtx", 349,
       "AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx",
       "initiating process unknown: PID 752 was PING.EXE from 2019-07-19T14:53:07Z, but its log "
       "(Microsoft-Windows-Sysmon/Operational) has no record of this host in the hour from 2019-07-19T16:00:00Z: "
       "the PID may have been reused since"},
      // WmiPrvSE.exe (2020-10-21) under PID 840, a rundll32.exe 83 hours earlier.
      {"AutomatedTestingTools/Malware/rundll32_hollowing_wermgr_masquerading.evtx", 422746,
       "AutomatedTestingTools/Malware/sideloading_uacbypass_rundll32_injection_c2.evtx",
       "initiating process unknown: PID 840 was rundll32.exe from 2020-10-17T11:43:36Z, but its log "
       "(Microsoft-Windows-Sysmon/Operational) has no record of this host in the hour from 2020-10-17T12:00:00Z: "
       "the PID may have been reused since"},
      // MalSeclogon.exe (2021) under PID 636, a svchost.exe of April 2020.
      {"Credential Access/tutto_malseclogon.evtx", 619518, "Privilege Escalation/privesc_unquoted_svc_sysmon_1_11.evtx",
       "initiating process unknown: PID 636 was svchost.exe from 2020-04-25T22:19:16Z, but its log "
       "(Microsoft-Windows-Sysmon/Operational) has no record of this host in the hour from 2020-04-25T23:00:00Z: "
       "the PID may have been reused since"},
  };
  for (const Case& c : cases) {
    Replayed r = replay_files({c.child_file, c.parent_file});
    const NormalizedEvent* found = r.at(c.child_file, c.record);
    ASSERT_NE(found, nullptr) << c.child_file;
    const NormalizedEvent& ev = *found;
    EXPECT_FALSE(ev[Field::InitiatingProcessUniqueId].known())
        << c.child_file << ": " << ev[Field::InitiatingProcessUniqueId].s;
    EXPECT_FALSE(ev[Field::InitiatingProcessFileName].known()) << c.child_file;
    EXPECT_FALSE(ev[Field::InitiatingProcessCommandLine].known()) << c.child_file;
    EXPECT_EQ(ev.parent_note, c.note) << c.child_file;
  }
  // Security 4688 #329921 (MalSeclogon's lsass.exe) names its parent image,
  // lsass.exe: PID 636's svchost.exe in the table is another process, so it
  // lends neither its id nor its command line.
  Replayed r = replay_files(
      {"Credential Access/tutto_malseclogon.evtx", "Privilege Escalation/privesc_unquoted_svc_sysmon_1_11.evtx"});
  ASSERT_NE(r.at("Credential Access/tutto_malseclogon.evtx", 329921), nullptr);
  const NormalizedEvent& lsass = *r.at("Credential Access/tutto_malseclogon.evtx", 329921);
  EXPECT_EQ(lsass[Field::InitiatingProcessId].i, 636);
  EXPECT_EQ(lsass[Field::InitiatingProcessFileName].s, "lsass.exe");
  EXPECT_FALSE(lsass[Field::InitiatingProcessUniqueId].known());
  EXPECT_FALSE(lsass[Field::InitiatingProcessCommandLine].known());
}

TEST(LogCoverage, TheFirstEmptyHourStrictlyBetween) {
  replay::LogCoverage c;
  constexpr Ticks kHour = 3600 * kSec;
  const int64_t h0 = kT0 / kHour;
  for (int64_t h : {h0, h0 + 1, h0 + 2, h0 + 4}) c.add("Security", h);
  EXPECT_EQ(c.empty_hour("Security", kT0, kT0 + 3 * kHour - 1), std::nullopt);  // hours h0+1, h0+2 between
  EXPECT_EQ(c.empty_hour("Security", kT0, kT0 + 4 * kHour), std::optional<int64_t>(h0 + 3));
  EXPECT_EQ(c.empty_hour("Security", kT0 + 4 * kHour, kT0), std::nullopt);   // backwards: nothing between
  EXPECT_EQ(c.empty_hour("Sysmon", kT0, kT0 + 40 * kHour), std::nullopt);    // nothing known of that log
  EXPECT_EQ(c.empty_hour("Security", kT0, kT0 + kHour + 10), std::nullopt);  // adjacent hours
}

// ---------------------------------------------------------------------------
// Boots

NormalizedEvent boot_marker(Ticks t, normalize::BootMarker m) {
  NormalizedEvent ev;
  ev.table = normalize::Table::Boot;
  ev[Field::Timestamp] = FieldValue::time(t);
  ev.boot = m;
  return ev;
}

TEST(BootClock, NoBootSeenIsUnknown) {
  replay::BootClock clock;
  EXPECT_FALSE(clock.last_boot().known());
}

TEST(BootClock, TheServicesStartIsTheBootTimeOfItsBoot) {
  replay::BootClock clock;
  clock.on_marker(boot_marker(kT0, normalize::BootMarker::OsStarted));
  EXPECT_EQ(clock.last_boot().i, kT0);
  // services.exe started by wininit.exe, 20 s later: the seed query's boot time.
  clock.on_marker(boot_marker(kT0 + 20 * kSec, normalize::BootMarker::ServicesStarted));
  EXPECT_EQ(clock.last_boot().i, kT0 + 20 * kSec);
  // More markers of the same boot change nothing.
  clock.on_marker(boot_marker(kT0 + 30 * kSec, normalize::BootMarker::SystemStarted));
  clock.on_marker(boot_marker(kT0 + 40 * kSec, normalize::BootMarker::EventLogStarted));
  EXPECT_EQ(clock.last_boot().i, kT0 + 20 * kSec);
}

TEST(BootClock, AMarkerMoreThanFiveMinutesAfterTheLastIsANewBoot) {
  replay::BootClock clock;
  clock.on_marker(boot_marker(kT0, normalize::BootMarker::ServicesStarted));
  clock.on_marker(boot_marker(kT0 + 4 * 60 * kSec, normalize::BootMarker::SystemStarted));
  // 5 min after the last marker (not the first): still the same boot.
  clock.on_marker(boot_marker(kT0 + 9 * 60 * kSec, normalize::BootMarker::EventLogStarted));
  EXPECT_EQ(clock.last_boot().i, kT0);
  // One tick more than 5 min after the last marker: a new boot, which resets
  // the services.exe state (its own services start counts again).
  Ticks next = kT0 + 14 * 60 * kSec + 1;
  clock.on_marker(boot_marker(next, normalize::BootMarker::OsStarted));
  EXPECT_EQ(clock.last_boot().i, next);
  clock.on_marker(boot_marker(next + 15 * kSec, normalize::BootMarker::ServicesStarted));
  EXPECT_EQ(clock.last_boot().i, next + 15 * kSec);
}

TEST(BootClock, ASecondServicesStartInOneBootIsNotANewBoot) {
  replay::BootClock clock;
  clock.on_marker(boot_marker(kT0, normalize::BootMarker::ServicesStarted));
  clock.on_marker(boot_marker(kT0 + 60 * kSec, normalize::BootMarker::ServicesStarted));
  EXPECT_EQ(clock.last_boot().i, kT0);
}

// ---------------------------------------------------------------------------
// Rule matcher

rules::Rule load(const std::string& yaml) {
  rules::LoadResult r = rules::load_rule_text(yaml, "test.yml");
  std::string errors;
  for (const rules::RuleError& e : r.errors) errors += e.str() + "\n";
  EXPECT_TRUE(r.ok()) << errors;
  if (r.rules.size() != 1) {
    ADD_FAILURE() << "expected one rule";
    return {};
  }
  return std::move(r.rules[0]);
}

// A parent process, then a connection by it within 10 s (inclusive), then an
// optional child of it within 10 s of the connection.
const char* const kChainRule = R"(id: test-chain
title: Chain
level: high
stages:
  - name: parent
    table: process
    where: FileName =~ "mmc.exe"
  - name: conn
    table: network
    where: InitiatingProcessUniqueId == parent.ProcessUniqueId
           and Timestamp between (parent.Timestamp .. parent.Timestamp + 10s)
  - name: child
    table: process
    optional: true
    level_without: low
    where: InitiatingProcessUniqueId == parent.ProcessUniqueId
           and Timestamp between (conn.Timestamp .. conn.Timestamp + 10s)
summarize:
  collect: make_set(child.ProcessCommandLine)
  by: [parent.ProcessUniqueId]
)";

using EventPtr = replay::RuleMatcher::EventPtr;

EventPtr share(NormalizedEvent ev) { return std::make_shared<const NormalizedEvent>(std::move(ev)); }

EventPtr mmc(Ticks t, const std::string& guid = "{M}") {
  return share(created(t, 900, "mmc.exe", guid, 600, "{SVC}", "svchost.exe", "mmc.exe -Embedding"));
}
EventPtr conn_of(Ticks t, const std::string& guid = "{M}") { return share(connection(t, 900, "mmc.exe", guid)); }
EventPtr child_of(Ticks t, const std::string& cmd, const std::string& parent = "{M}", int64_t pid = 901) {
  return share(created(t, pid, "cmd.exe", "{C" + std::to_string(t) + cmd + "}", 900, parent, "mmc.exe", cmd));
}

std::vector<std::string> stages_of(const replay::Finding& f) {
  std::vector<std::string> v;
  for (const replay::EvidenceStep& e : f.evidence) v.push_back(e.stage);
  return v;
}

std::vector<std::string> collected_texts(const replay::Finding& f) {
  std::vector<std::string> v;
  for (const FieldValue& x : f.collected.at(0).second) v.push_back(x.s);
  return v;
}

TEST(RuleMatcher, AnEventAtTheWindowsInclusiveEndIsIn) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  m.on_event(conn_of(kT0 + 10 * kSec));
  m.on_event(child_of(kT0 + 20 * kSec, "whoami"));
  std::vector<replay::Finding> fs = m.finish();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].rule_id, "test-chain");
  EXPECT_EQ(fs[0].level, rules::Level::High);
  EXPECT_EQ(stages_of(fs[0]), (std::vector<std::string>{"parent", "conn", "child"}));
  EXPECT_EQ(collected_texts(fs[0]), (std::vector<std::string>{"whoami"}));
  EXPECT_EQ(fs[0].timestamp, kT0);
  EXPECT_EQ(fs[0].device_name, "WS1.corp.local");
}

TEST(RuleMatcher, AnEventOneTickAfterTheWindowIsOut) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  m.on_event(conn_of(kT0 + 10 * kSec + 1));
  EXPECT_TRUE(m.finish().empty());
}

TEST(RuleMatcher, AnEventBeforeTheWindowIsOut) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(conn_of(kT0 - 1));
  m.on_event(mmc(kT0));
  EXPECT_TRUE(m.finish().empty());
}

TEST(RuleMatcher, AMissingOptionalStageCompletesWithItsLevelWhenTheWindowCloses) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  m.on_event(conn_of(kT0 + kSec));
  // The child window is [conn, conn + 10 s]; this unrelated event closes it,
  // so a child after it is too late.
  m.on_event(mmc(kT0 + 12 * kSec, "{OTHER}"));
  m.on_event(child_of(kT0 + 11 * kSec + 1, "late"));
  std::vector<replay::Finding> fs = m.finish();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, rules::Level::Low);
  EXPECT_EQ(stages_of(fs[0]), (std::vector<std::string>{"parent", "conn"}));
  EXPECT_TRUE(fs[0].collected.at(0).second.empty());
}

TEST(RuleMatcher, AnOpenWindowAtTheEndOfTheEventsCompletesToo) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  m.on_event(conn_of(kT0 + kSec));
  std::vector<replay::Finding> fs = m.finish();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, rules::Level::Low);
}

TEST(RuleMatcher, ARequiredStageMissingMakesNoFinding) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  m.on_event(child_of(kT0 + kSec, "whoami"));
  EXPECT_TRUE(m.finish().empty());
}

TEST(RuleMatcher, ChainsOfOneSummarizeKeyAreOneFinding) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  m.on_event(conn_of(kT0 + kSec));
  m.on_event(conn_of(kT0 + 2 * kSec));
  m.on_event(child_of(kT0 + 3 * kSec, "whoami", "{M}", 901));
  m.on_event(child_of(kT0 + 4 * kSec, "whoami", "{M}", 902));
  m.on_event(child_of(kT0 + 5 * kSec, "hostname", "{M}", 903));
  // Another mmc.exe instance: its own finding.
  m.on_event(mmc(kT0 + 30 * kSec, "{N}"));
  m.on_event(conn_of(kT0 + 31 * kSec, "{N}"));
  std::vector<replay::Finding> fs = m.finish();
  ASSERT_EQ(fs.size(), 2u);
  const replay::Finding& f = fs[0];
  EXPECT_EQ(f.fields.at(0).first, "parent.ProcessUniqueId");
  EXPECT_EQ(f.fields.at(0).second.s, "{M}");
  EXPECT_EQ(f.level, rules::Level::High);
  // Each event once: the parent, both connections, three children (in stage order, then time).
  EXPECT_EQ(stages_of(f), (std::vector<std::string>{"parent", "conn", "conn", "child", "child", "child"}));
  EXPECT_EQ(f.evidence[1].event->timestamp(), kT0 + kSec);
  EXPECT_EQ(f.evidence[2].event->timestamp(), kT0 + 2 * kSec);
  // make_set: distinct values, first seen first.
  EXPECT_EQ(collected_texts(f), (std::vector<std::string>{"whoami", "hostname"}));
  EXPECT_EQ(fs[1].fields.at(0).second.s, "{N}");
  EXPECT_EQ(fs[1].level, rules::Level::Low);
}

TEST(RuleMatcher, AFindingTakesTheHighestLevelOfItsChains) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  m.on_event(conn_of(kT0 + kSec));  // its child window closes without a child (low)
  m.on_event(conn_of(kT0 + 9 * kSec));
  m.on_event(child_of(kT0 + 15 * kSec, "whoami"));  // only the second connection's window (high)
  std::vector<replay::Finding> fs = m.finish();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, rules::Level::High);
  EXPECT_EQ(stages_of(fs[0]), (std::vector<std::string>{"parent", "conn", "conn", "child"}));
}

TEST(RuleMatcher, EventsOfEqualTimeKeepTheirOrderAndTheWindowStartIsInclusive) {
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  // Same timestamp as the parent, after it: inside [parent, parent + 10 s].
  m.on_event(conn_of(kT0));
  m.on_event(child_of(kT0, "first", "{M}", 901));
  m.on_event(child_of(kT0, "second", "{M}", 902));
  std::vector<replay::Finding> fs = m.finish();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, rules::Level::High);
  EXPECT_EQ(collected_texts(fs[0]), (std::vector<std::string>{"first", "second"}));
  ASSERT_EQ(fs[0].evidence.size(), 4u);
  EXPECT_EQ((*fs[0].evidence[2].event)[Field::ProcessCommandLine].s, "first");
  EXPECT_EQ((*fs[0].evidence[3].event)[Field::ProcessCommandLine].s, "second");
}

TEST(RuleMatcher, AnEventOfEqualTimeBeforeItsAnchorIsNotLookedBackFor) {
  // No stage reaches before its anchor: there is no look-back history.
  rules::Rule rule = load(kChainRule);
  replay::RuleMatcher m(rule);
  m.on_event(conn_of(kT0));
  m.on_event(mmc(kT0));
  EXPECT_TRUE(m.finish().empty());
}

const char* const kLookbackRule = R"(id: test-lookback
title: Lookback
level: medium
stages:
  - name: parent
    table: process
    where: FileName =~ "mmc.exe"
  - name: conn
    table: network
    where: InitiatingProcessUniqueId == parent.ProcessUniqueId
           and Timestamp between (parent.Timestamp - 2s .. parent.Timestamp + 10m)
summarize:
  by: [parent.ProcessUniqueId, conn.Timestamp]
)";

TEST(RuleMatcher, AStageReachingBeforeItsAnchorFindsEarlierEventsUpToItsBound) {
  rules::Rule rule = load(kLookbackRule);
  {
    replay::RuleMatcher m(rule);
    m.on_event(conn_of(kT0 - 2 * kSec));  // exactly 2 s before: in
    m.on_event(mmc(kT0));
    std::vector<replay::Finding> fs = m.finish();
    ASSERT_EQ(fs.size(), 1u);
    EXPECT_EQ(fs[0].level, rules::Level::Medium);
    // The finding's time is its first evidence: the earlier connection.
    EXPECT_EQ(fs[0].timestamp, kT0 - 2 * kSec);
    EXPECT_EQ(stages_of(fs[0]), (std::vector<std::string>{"parent", "conn"}));
  }
  {
    replay::RuleMatcher m(rule);
    m.on_event(conn_of(kT0 - 2 * kSec - 1));  // one tick more: out
    m.on_event(mmc(kT0));
    EXPECT_TRUE(m.finish().empty());
  }
  {
    replay::RuleMatcher m(rule);
    m.on_event(mmc(kT0));
    m.on_event(conn_of(kT0 + 600 * kSec));      // + 10 min: in
    m.on_event(conn_of(kT0 + 600 * kSec + 1));  // out
    std::vector<replay::Finding> fs = m.finish();
    ASSERT_EQ(fs.size(), 1u);
    EXPECT_EQ(fs[0].fields.at(1).second.i, kT0 + 600 * kSec);
  }
}

const char* const kUnboundedRule = R"(id: test-guarded
title: Guarded
level: critical
stages:
  - name: parent
    table: process
    where: FileName =~ "mmc.exe"
  - name: child
    table: process
    where: InitiatingProcessUniqueId == parent.ProcessUniqueId
summarize:
  collect: count()
  by: [parent.ProcessUniqueId]
)";

TEST(RuleMatcher, AStageWithoutTimeBoundWaitsUntilTheProcessEnds) {
  rules::Rule rule = load(kUnboundedRule);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  m.on_event(child_of(kT0 + 3600 * kSec, "a", "{M}", 901));  // an hour later: still running
  m.on_event(child_of(kT0 + 7200 * kSec, "b", "{M}", 902));
  m.on_process_end("{M}");
  m.on_event(child_of(kT0 + 7201 * kSec, "c", "{M}", 903));  // after its end: not counted
  std::vector<replay::Finding> fs = m.finish();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].level, rules::Level::Critical);
  ASSERT_EQ(fs[0].collected.at(0).second.size(), 1u);
  EXPECT_EQ(fs[0].collected.at(0).second[0].i, 2);
}

TEST(RuleMatcher, AnUnknownJoinFieldNeverPairsButAnUnknownAssumableFieldIsAnAssumption) {
  const char* text = R"(id: test-unknown
title: Unknown
level: high
assumable: [LocalPort]
stages:
  - name: parent
    table: process
    where: FileName =~ "mmc.exe"
  - name: conn
    table: network
    where: InitiatingProcessUniqueId == parent.ProcessUniqueId and LocalPort == 135
           and Timestamp between (parent.Timestamp .. parent.Timestamp + 10s)
summarize:
  by: [parent.ProcessUniqueId]
)";
  rules::Rule rule = load(text);
  replay::RuleMatcher m(rule);
  m.on_event(mmc(kT0));
  NormalizedEvent no_guid = connection(kT0 + kSec, 900, "mmc.exe");  // InitiatingProcessUniqueId unknown
  m.on_event(share(no_guid));
  EXPECT_TRUE(m.finish().empty());

  replay::RuleMatcher m2(rule);
  m2.on_event(mmc(kT0));
  NormalizedEvent no_port = connection(kT0 + kSec, 900, "mmc.exe", "{M}");
  no_port[Field::LocalPort] = {};
  m2.on_event(share(no_port));
  std::vector<replay::Finding> fs = m2.finish();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].assumptions, (std::vector<std::string>{"LocalPort"}));
  EXPECT_STREQ(fs[0].confidence(), "medium");
}

// Unknowns weaken a finding, never create one (rule.h): an unknown the rule
// does not name assumable is no match, and an assumable one needs a
// selecting test of the stage observed true.
TEST(RuleMatcher, UnknownsAreAssumedOnlyWhereTheRuleSaysAndNeverAlone) {
  auto findings = [](const std::string& assumable, const std::string& where, NormalizedEvent ev) {
    std::string text = "id: t\ntitle: t\nlevel: high\n" + assumable +
                       "stages:\n  - name: dcom\n    table: process\n    where: " + where + "\n";
    rules::Rule rule = load(text);
    replay::RuleMatcher m(rule);
    m.on_event(share(std::move(ev)));
    return m.finish();
  };
  const std::string where = R"(InitiatingProcessFileName =~ "svchost.exe" and FileName !in ("dllhost.exe"))"
                            R"( and bin(Timestamp, 5s) > LastBootTime + 5m)";
  // PSEXESVC.exe whose parent Sysmon wrote as "?": the only test that asks
  // for something is unknown, the exclusion holds, no boot is known.
  NormalizedEvent psexec = created(kT0, 0x3c8, "PSEXESVC.exe", "{P}");
  EXPECT_TRUE(findings("assumable: [LastBootTime]\n", where, psexec).empty());
  EXPECT_TRUE(findings("assumable: [LastBootTime, InitiatingProcessFileName]\n", where, psexec).empty());
  // With the parent logged, the boot alone may be assumed.
  NormalizedEvent logged = created(kT0, 0x3c8, "mmc.exe", "{P}", 0x260, "{S}", "svchost.exe");
  std::vector<replay::Finding> fs = findings("assumable: [LastBootTime]\n", where, logged);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].assumptions, (std::vector<std::string>{"LastBootTime"}));
  // Without `assumable`, the unknown boot is no match.
  EXPECT_TRUE(findings("", where, logged).empty());
  // A logged empty value is a value: "" contains nothing, so no match either way.
  const std::string script = R"(ProcessCommandLine contains "GetTypeFromProgID")";
  NormalizedEvent empty = created(kT0, 0x500, "powershell.exe", "{Q}");
  empty[Field::ProcessCommandLine] = FieldValue::str("");
  EXPECT_TRUE(findings("assumable: [ProcessCommandLine]\n", script, empty).empty());
}

// A 4104 whose ScriptBlockText was logged empty: a value, so the source-side
// PowerShell rule's script stage is false, not an assumption (it was a
// medium finding with ScriptBlockText assumed).
TEST(RuleMatcher, AnEmptyScriptBlockIsNoPowerShellDcomSource) {
  rules::LoadResult loaded =
      rules::load_rules(std::filesystem::path(EVTXHUNT_SOURCE_DIR) / "rules" / "dcom-source-powershell.yml");
  ASSERT_EQ(loaded.rules.size(), 1u);
  auto script = [](const FieldValue& text) {
    NormalizedEvent ev;
    ev.table = normalize::Table::Script;
    ev[Field::Timestamp] = FieldValue::time(kT0);
    ev[Field::DeviceName] = FieldValue::str("WS1.corp.local");
    ev[Field::InitiatingProcessId] = FieldValue::integer(5500);
    ev[Field::ScriptBlockText] = text;
    return share(std::move(ev));
  };
  for (const FieldValue& text : {FieldValue::str(""), FieldValue{}}) {
    replay::RuleMatcher m(loaded.rules[0]);
    m.on_event(script(text));
    EXPECT_TRUE(m.finish().empty()) << (text.known() ? "empty" : "unknown");
  }
  replay::RuleMatcher m(loaded.rules[0]);
  m.on_event(script(FieldValue::str(R"($t = [Type]::GetTypeFromProgID("MMC20.Application", "10.0.0.5"))")));
  std::vector<replay::Finding> fs = m.finish();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_TRUE(fs[0].assumptions.empty());
}

TEST(Expressions, SelectingTestsAskForSomethingOfTheEventItself) {
  rules::Scope scope{{"rpc", "dcom"}, 1};
  auto selects = [&](const char* where, const NormalizedEvent& ev) {
    rules::Expression e = rules::compile_predicate(where, scope);
    NormalizedEvent rpc = connection(kT0, 0x260, "svchost.exe");
    const NormalizedEvent* chain[] = {&rpc};
    return e.selects({&ev, chain});
  };
  NormalizedEvent ev = created(kT0 + kSec, 0x3c8, "PSEXESVC.exe", "{P}");
  EXPECT_TRUE(selects(R"(FileName =~ "psexesvc.exe")", ev));
  EXPECT_TRUE(selects(R"(InitiatingProcessFileName =~ "x" or FileName startswith "PSEXE")", ev));
  EXPECT_FALSE(selects(R"(FileName !in ("dllhost.exe"))", ev));                                        // an exclusion
  EXPECT_FALSE(selects(R"(not(FileName == "dllhost.exe"))", ev));                                      // under not()
  EXPECT_FALSE(selects(R"(datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2))", ev));  // time
  EXPECT_FALSE(selects(R"(EventID == 4688 and DeviceName =~ "ws1.corp.local")", ev));                  // place only
  EXPECT_TRUE(selects("ProcessId == 0x3c8", ev));
  EXPECT_FALSE(selects(R"(InitiatingProcessFileName =~ "svchost.exe")", ev));  // unknown is not true
}

// ---------------------------------------------------------------------------
// Levels and compile errors

TEST(Levels, NamesAndParsingRoundTrip) {
  for (rules::Level l : {rules::Level::Informational, rules::Level::Low, rules::Level::Medium, rules::Level::High,
                         rules::Level::Critical})
    EXPECT_EQ(rules::parse_level(rules::level_name(l)), l);
  EXPECT_STREQ(rules::level_name(rules::Level::Informational), "informational");
  EXPECT_STREQ(rules::level_name(rules::Level::Critical), "critical");
  EXPECT_EQ(rules::parse_level("High"), std::nullopt);
  EXPECT_EQ(rules::parse_level(""), std::nullopt);
  EXPECT_LT(rules::Level::Low, rules::Level::Medium);
  EXPECT_LT(rules::Level::High, rules::Level::Critical);
}

TEST(CompileErrorType, IsAStdExceptionWithItsMessage) {
  try {
    rules::compile_predicate("FileName ==");
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    auto* ce = dynamic_cast<const rules::CompileError*>(&e);
    ASSERT_NE(ce, nullptr);
    EXPECT_EQ(std::string(e.what()), ce->message);
    EXPECT_FALSE(ce->message.empty());
    EXPECT_EQ(ce->offset, 11u);
  }
}

// ---------------------------------------------------------------------------
// The normalizer's mapping table

TEST(MapperTable, WantedIsTrueExactlyForTheTablesEntries) {
  std::span<const normalize::MapperEntry> table = normalize::mapper_table();
  ASSERT_EQ(table.size(), 36u);
  std::set<std::pair<std::string, uint16_t>> entries;
  std::set<std::string> providers;
  for (const normalize::MapperEntry& e : table) {
    EXPECT_TRUE(entries.emplace(std::string(e.provider), e.event_id).second) << e.provider << " " << e.event_id;
    providers.emplace(e.provider);
    EXPECT_NE(e.map, nullptr);
  }
  EXPECT_EQ(providers, (std::set<std::string>{"Microsoft-Windows-Sysmon", "Microsoft-Windows-Security-Auditing",
                                              "Microsoft-Windows-PowerShell", "EventLog",
                                              "Microsoft-Windows-Kernel-General", "Service Control Manager"}));
  for (const std::string& p : providers)
    for (uint32_t id = 0; id <= 0xffff; ++id)
      EXPECT_EQ(normalize::wanted(p, static_cast<uint16_t>(id), normalize::kAllTables),
                entries.count({p, static_cast<uint16_t>(id)}) == 1)
          << p << " " << id;
  for (const auto& [p, id] : entries) {
    EXPECT_FALSE(normalize::wanted(p + " ", id, normalize::kAllTables));
    EXPECT_FALSE(normalize::wanted("microsoft-windows-sysmon", id, normalize::kAllTables));
  }
  EXPECT_FALSE(normalize::wanted("", 1));
  EXPECT_TRUE(normalize::wanted("Microsoft-Windows-Sysmon", 1));
  EXPECT_TRUE(normalize::wanted("Microsoft-Windows-Security-Auditing", 5158));
  EXPECT_FALSE(
      normalize::wanted("Microsoft-Windows-Sysmon", 4, normalize::kAllTables));  // Sysmon's own state: no table
  EXPECT_FALSE(normalize::wanted("Microsoft-Windows-Sysmon", 19, normalize::kAllTables));  // WMI filters: no table yet
  // A run maps only the tables it reads: replay's by default, Sysmon 7 only for KQL's image loads.
  EXPECT_FALSE(normalize::wanted("Microsoft-Windows-Sysmon", 7));
  EXPECT_FALSE(normalize::wanted("Microsoft-Windows-Sysmon", 2));
  EXPECT_TRUE(normalize::wanted("Microsoft-Windows-Sysmon", 7, normalize::table_bit(normalize::Table::ImageLoad)));
  EXPECT_FALSE(normalize::wanted("Microsoft-Windows-Sysmon", 1, normalize::table_bit(normalize::Table::ImageLoad)));
  EXPECT_FALSE(normalize::wanted("Microsoft-Windows-Security-Auditing", 4672));
}

}  // namespace
