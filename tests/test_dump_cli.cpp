// `evtxhunt dump` end to end, through the built binary (EVTXHUNT_BINARY):
// the JSON-lines shape of the Rust evtx_dump, well-formed XML, identical
// output for any thread count, problems on stderr, and exit codes.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <cctype>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/corpus.h"
#include "support/files.h"
#include "support/json.h"
#include "support/lines.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using support::at;
using support::CommandResult;
using support::Json;

const fs::path kMmc = corpus::attack_sample("Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx");

CommandResult dump(const std::string& args) { return support::run_evtxhunt("dump " + args); }
std::string q(const fs::path& p) { return support::shell_quote(p.string()); }

std::vector<std::string> member_names(const Json& j) { return support::keys_of(j); }
std::string txt(const Json& j) { return support::scalar_text(j); }

// YYYY-MM-DDTHH:MM:SS[.fraction]Z
bool is_iso_utc(const std::string& s) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd";
  if (s.size() < shape.size() + 1 || s.back() != 'Z') return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != shape[i]) return false;
  size_t i = shape.size();
  if (s[i] == '.') {
    size_t digits = 0;
    while (++i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++digits;
    if (digits == 0) return false;
  }
  return i == s.size() - 1;
}

// "evtxhunt: FILE.evtx: chunk N at offset 0xHEX: kind-name: message" (or "file header at offset ...").
bool is_problem_line(const std::string& l) {
  if (l.rfind("evtxhunt: ", 0) != 0) return false;
  size_t p = l.find(".evtx: ");
  if (p == std::string::npos) return false;
  p += 7;
  if (l.compare(p, 6, "chunk ") == 0) {
    p += 6;
    size_t d = p;
    while (p < l.size() && std::isdigit(static_cast<unsigned char>(l[p]))) ++p;
    if (p == d) return false;
  } else if (l.compare(p, 11, "file header") == 0) {
    p += 11;
  } else {
    return false;
  }
  if (l.compare(p, 13, " at offset 0x") != 0) return false;
  p += 13;
  size_t h = p;
  while (p < l.size() && std::isxdigit(static_cast<unsigned char>(l[p])) &&
         !std::isupper(static_cast<unsigned char>(l[p])))
    ++p;
  if (p == h || l.compare(p, 2, ": ") != 0) return false;
  p += 2;
  size_t k = p;
  while (p < l.size() && (std::islower(static_cast<unsigned char>(l[p])) || l[p] == '-')) ++p;
  return p > k && l.compare(p, 2, ": ") == 0;
}

// Characters XML 1.0 does not allow (C0 controls other than tab, LF, CR).
size_t forbidden_xml_chars(const std::string& s, std::string* first_context = nullptr) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      if (n++ == 0 && first_context) *first_context = s.substr(i > 200 ? i - 200 : 0, 260);
    }
  }
  return n;
}

TEST(DumpHelpers, ShapeCheckersRejectNearMisses) {
  EXPECT_TRUE(is_iso_utc("2019-04-30T20:35:11.856089Z"));
  EXPECT_TRUE(is_iso_utc("2019-04-30T20:35:11Z"));
  EXPECT_FALSE(is_iso_utc("2019-04-30 20:35:11.856Z"));
  EXPECT_FALSE(is_iso_utc("2019-04-30T20:35:11.856"));
  EXPECT_FALSE(is_iso_utc("2019-04-30T20:35:11.Z"));
  EXPECT_TRUE(is_problem_line("evtxhunt: /a/b.evtx: chunk 6 at offset 0x61000: chunk-bad-magic: not a chunk"));
  EXPECT_TRUE(is_problem_line("evtxhunt: b.evtx: file header at offset 0x7c: header-crc-mismatch: x"));
  EXPECT_FALSE(is_problem_line("evtxhunt: b.evtx: chunk at offset 0x61000: chunk-bad-magic: x"));
  EXPECT_FALSE(is_problem_line("evtxhunt: b.evtx: chunk 6 at offset 397312: chunk-bad-magic: x"));
  EXPECT_FALSE(is_problem_line("evtxhunt: b.evtx: chunk 6 at offset 0x61000: Bad Magic: x"));
  EXPECT_EQ(forbidden_xml_chars("a\tb\nc\r"), 0u);
  EXPECT_EQ(forbidden_xml_chars(std::string("a\x03"
                                            "b\0"
                                            "\x1f",
                                            5)),
            3u);
}

TEST(DumpJsonl, LineCountAndFirstRecordShape) {
  CommandResult r = dump("--format jsonl " + q(kMmc));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = support::split_lines(r.out);
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_NE(r.err.find("9 records"), std::string::npos) << r.err;

  std::string err;
  std::optional<Json> parsed = support::parse_json(lines[0], &err);
  ASSERT_TRUE(parsed) << err << "\n" << lines[0];
  const Json& doc = *parsed;
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(member_names(doc), std::vector<std::string>{"Event"});
  const Json& ev = at(doc, "Event");
  EXPECT_EQ(member_names(ev), (std::vector<std::string>{"#attributes", "System", "EventData"}));
  EXPECT_EQ(txt(at(ev, "#attributes", "xmlns")), "http://schemas.microsoft.com/win/2004/08/events/event");

  const Json& sys = at(ev, "System");
  EXPECT_EQ(member_names(sys), (std::vector<std::string>{"Provider", "EventID", "Version", "Level", "Task", "Opcode",
                                                         "Keywords", "TimeCreated", "EventRecordID", "Correlation",
                                                         "Execution", "Channel", "Computer", "Security"}));
  EXPECT_EQ(txt(at(sys, "Provider", "#attributes", "Name")), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(txt(at(sys, "Provider", "#attributes", "Guid")), "5770385F-C22A-43E0-BF4C-06F5698FFBD9");  // no braces
  ASSERT_TRUE(at(sys, "EventID").is_number());
  EXPECT_EQ(txt(at(sys, "EventID")), "1");
  EXPECT_TRUE(at(sys, "Version").is_number());
  EXPECT_EQ(txt(at(sys, "Version")), "5");
  EXPECT_EQ(txt(at(sys, "Level")), "4");
  EXPECT_EQ(txt(at(sys, "Task")), "1");
  EXPECT_EQ(txt(at(sys, "Opcode")), "0");
  ASSERT_TRUE(at(sys, "Keywords").is_string());
  EXPECT_EQ(txt(at(sys, "Keywords")), "0x8000000000000000");
  const Json& t = at(sys, "TimeCreated", "#attributes", "SystemTime");
  ASSERT_TRUE(t.is_string());
  EXPECT_TRUE(is_iso_utc(txt(t))) << txt(t);
  EXPECT_EQ(txt(t), "2019-04-30T20:35:11.856089Z");
  ASSERT_TRUE(at(sys, "EventRecordID").is_number());
  EXPECT_EQ(txt(at(sys, "EventRecordID")), "9832");
  EXPECT_TRUE(at(sys, "Correlation").is_null());
  ASSERT_TRUE(support::has_member(sys, "Correlation"));
  EXPECT_TRUE(at(sys, "Execution", "#attributes", "ProcessID").is_number());
  EXPECT_EQ(txt(at(sys, "Execution", "#attributes", "ProcessID")), "1964");
  EXPECT_EQ(txt(at(sys, "Execution", "#attributes", "ThreadID")), "1664");
  EXPECT_EQ(txt(at(sys, "Channel")), "Microsoft-Windows-Sysmon/Operational");
  EXPECT_EQ(txt(at(sys, "Computer")), "IEWIN7");
  EXPECT_EQ(txt(at(sys, "Security", "#attributes", "UserID")), "S-1-5-18");

  const Json& data = at(ev, "EventData");
  ASSERT_EQ(data.size(), 21u);
  EXPECT_EQ(member_names(data).front(), "RuleName");
  EXPECT_TRUE(at(data, "RuleName").is_null());
  EXPECT_EQ(txt(at(data, "UtcTime")), "2019-04-30 20:35:11.856");
  EXPECT_EQ(txt(at(data, "ProcessGuid")), "365ABB72-B17F-5CC8-0000-001082A51E00");
  ASSERT_TRUE(at(data, "ProcessId").is_number());
  EXPECT_EQ(txt(at(data, "ProcessId")), "3572");
  EXPECT_EQ(txt(at(data, "Image")), R"(C:\Windows\System32\mmc.exe)");
  EXPECT_EQ(txt(at(data, "CommandLine")), R"(C:\Windows\system32\mmc.exe -Embedding)");
  EXPECT_EQ(txt(at(data, "LogonId")), "0x1ea3c6");
  EXPECT_EQ(txt(at(data, "ParentImage")), R"(C:\Windows\System32\svchost.exe)");
  EXPECT_EQ(txt(at(data, "ParentCommandLine")), R"(C:\Windows\system32\svchost.exe -k DcomLaunch)");
  EXPECT_EQ(member_names(data).back(), "ParentCommandLine");

  // Every line is one event, in file order.
  for (size_t i = 0; i < lines.size(); ++i) {
    std::optional<Json> j = support::parse_json(lines[i], &err);
    ASSERT_TRUE(j) << "line " << i + 1 << ": " << err;
    EXPECT_EQ(txt(at(*j, "Event", "System", "EventRecordID")), std::to_string(9832 + i));
  }
}

TEST(DumpJsonl, ManyFilesOneLinePerRecord) {
  std::vector<fs::path> files = corpus::list_evtx(corpus::root() / "evtx-rs-samples");
  ASSERT_EQ(files.size(), 23u);
  std::string args = "--format jsonl";
  size_t expected = 0;
  for (const auto& f : files) {
    args += " " + q(f);
    expected += corpus::count_records(f);
  }
  CommandResult r = dump(args);
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  std::vector<std::string> lines = support::split_lines(r.out);
  EXPECT_EQ(lines.size(), expected);
  EXPECT_EQ(lines.size(),
            18629u);  // tests/data/corpus_record_counts.tsv; the Rust crate reads 18,397 of these files, libevtx 18,364
  size_t invalid = 0;
  std::string first_error;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string err;
    std::optional<Json> j = support::parse_json(lines[i], &err);
    if (!j || !support::has_member(*j, "Event")) {
      if (invalid++ == 0) first_error = "line " + std::to_string(i + 1) + ": " + err + ": " + lines[i].substr(0, 300);
    }
  }
  EXPECT_EQ(invalid, 0u) << first_error;
  EXPECT_NE(r.err.find("23 files, " + std::to_string(expected) + " records"), std::string::npos)
      << r.err.substr(r.err.size() > 300 ? r.err.size() - 300 : 0);
}

TEST(DumpXml, WellFormedAndComplete) {
  struct Case {
    fs::path file;
    size_t events;
  };
  for (const Case& c :
       {Case{kMmc, 9}, Case{corpus::rs_sample("issue_201.evtx"), 1},
        Case{corpus::rs_sample("E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx"), 0},
        Case{corpus::rs_sample("sample_with_a_bad_chunk_magic.evtx"), 0}}) {
    SCOPED_TRACE(c.file.filename().string());
    CommandResult r = dump("--format xml " + q(c.file));
    ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 1000);
    EXPECT_EQ(r.out.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n", 0), 0u);
    pugi::xml_document doc;
    pugi::xml_parse_result res = doc.load_buffer(r.out.data(), r.out.size());
    ASSERT_TRUE(res) << res.description() << " at offset " << res.offset << ": "
                     << r.out.substr(res.offset > 100 ? size_t(res.offset) - 100 : 0, 200);
    pugi::xml_node events = doc.child("Events");
    ASSERT_TRUE(events);
    size_t n = 0;
    for (pugi::xml_node e : events.children()) {
      EXPECT_STREQ(e.name(), "Event");
      EXPECT_STREQ(e.attribute("xmlns").value(), "http://schemas.microsoft.com/win/2004/08/events/event");
      EXPECT_TRUE(e.child("System").child("Provider")) << n;
      ++n;
    }
    EXPECT_EQ(n, c.events ? c.events : corpus::count_records(c.file));
  }
  // Values of the first event.
  CommandResult r = dump("--format xml " + q(kMmc));
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_buffer(r.out.data(), r.out.size()));
  pugi::xml_node ev = doc.child("Events").child("Event");
  pugi::xml_node sys = ev.child("System");
  EXPECT_STREQ(sys.child("Provider").attribute("Guid").value(), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
  EXPECT_STREQ(sys.child_value("EventID"), "1");
  EXPECT_STREQ(sys.child_value("Keywords"), "0x8000000000000000");
  EXPECT_STREQ(sys.child("TimeCreated").attribute("SystemTime").value(), "2019-04-30T20:35:11.8560890Z");
  EXPECT_STREQ(sys.child_value("Computer"), "IEWIN7");
  pugi::xml_node cmd = ev.child("EventData").find_child_by_attribute("Data", "Name", "ParentCommandLine");
  EXPECT_STREQ(cmd.child_value(), R"(C:\Windows\system32\svchost.exe -k DcomLaunch)");
  // Entity references come out escaped and parse back to the original text.
  CommandResult capi =
      dump("--format xml " +
           q(corpus::rs_sample("E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx")));
  pugi::xml_document cdoc;
  ASSERT_TRUE(cdoc.load_buffer(capi.out.data(), capi.out.size()));
  pugi::xpath_node etag = cdoc.select_node("//URLCacheResponseInfo[@eTag]");
  ASSERT_TRUE(etag);
  EXPECT_STREQ(etag.node().attribute("eTag").value(), "\"ea9ee7b1bc43d21:0\"");
}

// Some Security events (4739 in security.evtx, record 55; PrivilegeList in
// several attack samples) carry strings with control characters (\x03, \x0f,
// \x00 ...). XML 1.0 forbids them even as character references, so strict
// parsers (expat, .NET, Python's ElementTree) would reject the whole dump;
// pugixml is lenient, hence this separate check. Regression test: before
// commit 8b548b7 they were written raw; now they become U+FFFD in XML (JSON
// keeps them, escaped as \u0003).
TEST(DumpXml, OnlyXml10Characters) {
  for (const fs::path& f : {corpus::rs_sample("security.evtx"),
                            corpus::attack_sample("Discovery/dicovery_4661_net_group_domain_admins_target.evtx")}) {
    SCOPED_TRACE(f.filename().string());
    CommandResult r = dump("--format xml " + q(f));
    ASSERT_EQ(r.exit_code, 0);
    std::string context;
    EXPECT_EQ(forbidden_xml_chars(r.out, &context), 0u) << "first at: " << context;
  }
  CommandResult xml = dump("--format xml " + q(corpus::rs_sample("security.evtx")));
  EXPECT_NE(xml.out.find("<Data Name=\"MinPasswordAge\">\xEF\xBF\xBD</Data>"), std::string::npos);
  CommandResult json = dump("--format jsonl " + q(corpus::rs_sample("security.evtx")));
  EXPECT_NE(json.out.find("\"MinPasswordAge\":\"\\u0003\""), std::string::npos);
}

TEST(DumpThreads, OneAndTwoThreadsGiveIdenticalOutput) {
  std::string files;
  for (const char* f : {"sample_with_a_bad_chunk_magic.evtx", "security.evtx",
                        "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
                        "sysmon.evtx", "issue_201.evtx", "system.evtx"})
    files += " " + q(corpus::rs_sample(f));
  files += " " + q(kMmc);
  for (const char* format : {"jsonl", "xml"}) {
    SCOPED_TRACE(format);
    CommandResult one = dump(std::string("--threads 1 --format ") + format + files);
    CommandResult two = dump(std::string("--threads 2 --format ") + format + files);
    CommandResult all = dump(std::string("--format ") + format + files);
    ASSERT_EQ(one.exit_code, 0);
    ASSERT_EQ(two.exit_code, 0);
    ASSERT_EQ(all.exit_code, 0);
    EXPECT_GT(one.out.size(), 1000000u);
    EXPECT_TRUE(one.out == two.out) << "stdout differs between --threads 1 and 2";
    EXPECT_TRUE(one.out == all.out) << "stdout differs between --threads 1 and the default";
    EXPECT_EQ(one.err, two.err);  // problems in file and chunk order too
  }
}

TEST(DumpExitCodes, MissingFileIs3) {
  CommandResult r = dump("/nonexistent/dir/missing.evtx");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("/nonexistent/dir/missing.evtx"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  support::TempDir dir("cli");
  CommandResult empty = dump(q(dir.path()));  // a folder is searched for EVTX files; this one has none
  EXPECT_EQ(empty.exit_code, 8) << empty.err;
  EXPECT_NE(empty.err.find("no readable evidence"), std::string::npos) << empty.err;
}

TEST(DumpExitCodes, NonEvtxFileIs4) {
  support::TempDir dir("cli");
  support::write_bytes(dir / "text.evtx", std::vector<uint8_t>(4096, 'x'));
  support::write_bytes(dir / "empty.evtx", std::vector<uint8_t>{});
  CommandResult r = dump(q(dir / "text.evtx"));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("text.evtx"), std::string::npos);
  EXPECT_NE(r.err.find("not an EVTX file"), std::string::npos) << r.err;
  EXPECT_EQ(dump(q(dir / "empty.evtx")).exit_code, 4);
  EXPECT_EQ(dump(q(corpus::root() / "README.md")).exit_code, 4);
  // The readable file of the same run is still dumped; a missing file wins over a non-EVTX one.
  CommandResult mixed = dump(q(dir / "text.evtx") + " " + q(corpus::rs_sample("issue_201.evtx")));
  EXPECT_EQ(mixed.exit_code, 4);
  EXPECT_EQ(support::split_lines(mixed.out).size(), 1u);
  EXPECT_EQ(dump(q(dir / "text.evtx") + " /nonexistent.evtx").exit_code, 3);
}

TEST(DumpExitCodes, DamagedFileIs0WithProblemsOnStderr) {
  fs::path f = corpus::rs_sample("sample_with_a_bad_chunk_magic.evtx");
  CommandResult r = dump("--format jsonl " + q(f));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(support::split_lines(r.out).size(), corpus::count_records(f));
  // One line per problem, naming file, chunk and offset.
  std::vector<std::string> lines = support::split_lines(r.err);
  auto has_line = [&](const std::string& needle) {
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has_line(f.string() + ": chunk 6 at offset 0x61000: chunk-bad-magic")) << r.err;
  EXPECT_TRUE(has_line(f.string() + ": chunk 10 at offset 0xa1000: chunk-bad-magic")) << r.err;
  EXPECT_TRUE(has_line(f.string() + ": chunk 0 at offset 0x1034: chunk-data-crc-mismatch")) << r.err;
  EXPECT_TRUE(has_line("2 chunks skipped")) << r.err;
  for (const auto& l : lines) {
    if (l.rfind("evtxhunt dump:", 0) == 0) continue;  // the summary
    EXPECT_TRUE(is_problem_line(l)) << l;
  }
  // CRC mismatches of a shadow-copy file name their chunks too.
  CommandResult vss = dump(
      q(corpus::rs_sample("2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx")));
  EXPECT_EQ(vss.exit_code, 0);
  EXPECT_NE(vss.err.find(": chunk 1 at offset 0x11034: chunk-data-crc-mismatch"), std::string::npos) << vss.err;
  EXPECT_NE(vss.err.find(": chunk 15 at offset 0xf1034: chunk-data-crc-mismatch"), std::string::npos) << vss.err;
}

TEST(DumpExitCodes, BadOptionsAre2) {
  EXPECT_EQ(dump("--bogus " + q(kMmc)).exit_code, 2);
  EXPECT_EQ(dump("--format yaml " + q(kMmc)).exit_code, 2);
  EXPECT_EQ(dump("--reader rust " + q(kMmc)).exit_code, 2);
  EXPECT_EQ(dump("--threads many " + q(kMmc)).exit_code, 2);
  CommandResult none = dump("");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no input"), std::string::npos) << none.err;
  CommandResult bad = dump("--bogus " + q(kMmc));
  EXPECT_EQ(bad.out, "");
  EXPECT_NE(bad.err.find("bogus"), std::string::npos) << bad.err;
}

TEST(DumpExitCodes, HelpIs0) {
  CommandResult r = dump("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: evtxhunt dump"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--format"), std::string::npos);
  EXPECT_NE(r.out.find("--threads"), std::string::npos);
  EXPECT_NE(r.out.find("exit codes"), std::string::npos);
  CommandResult top = support::run_evtxhunt("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("dump"), std::string::npos);
}

}  // namespace
