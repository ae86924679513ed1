// The native reader over the shared corpus: record counts against the two
// other readers, exact values of chosen records, and how damage is reported.
//
// Expected values were read from the files with `evtxhunt dump` and
// cross-checked with libevtx (python3-libevtx) where libevtx can read the
// record; issue_201.evtx / MSExchange_Management_wec.evtx (libevtx fails) were
// checked against the UTF-16 strings present in the raw file.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "evtx/value.h"
#include "support/corpus.h"

namespace {

namespace fs = std::filesystem;
using corpus::ReadRecord;
using corpus::ReadResult;
using evtx::ProblemKind;
using evtx::ValueType;
using Slot = evtx::ChunkResult::Slot;

std::string iso(uint64_t filetime) { return evtx::filetime_iso(filetime, 7); }

// Checks one data field: name at position, BinXML type and text.
void expect_field(const ReadRecord& r, size_t index, const std::string& name, ValueType type, const std::string& text) {
  ASSERT_LT(index, r.data.size()) << "record " << r.xml_record_id;
  EXPECT_EQ(r.data[index].name, name) << "field " << index;
  EXPECT_EQ(r.data[index].value.type, type) << "field " << index << " (" << name << ")";
  EXPECT_FALSE(r.data[index].value.array) << name;
  EXPECT_EQ(r.data[index].value.text, text) << "field " << index << " (" << name << ")";
}

// Records come in file order: chunk slots ascending, offsets strictly ascending.
void expect_file_order(const ReadResult& res) {
  for (size_t i = 1; i < res.records.size(); ++i) {
    ASSERT_LT(res.records[i - 1].file_offset, res.records[i].file_offset) << "record index " << i;
    ASSERT_LE(res.records[i - 1].chunk, res.records[i].chunk) << "record index " << i;
    ASSERT_EQ(
        res.records[i].file_offset >= evtx::kFileHeaderSize + uint64_t(res.records[i].chunk) * evtx::kChunkSize + 512,
        true);
  }
}

// ---------------------------------------------------------------------------
// Record counts

struct PeerCount {
  const char* file;
  size_t rust;
  size_t libevtx;
};

// The table of ../shared/corpus/README.md ("Record counts of two other readers").
const PeerCount kRsSampleCounts[] = {
    {"2-system-Microsoft-Windows-LiveId%4Operational.evtx", 399, 399},
    {"2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx", 1910, 1910},
    {"2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx", 1774, 1774},
    {"2-vss_7-System.evtx", 1160, 1160},
    {"Application_no_crc32.evtx", 17, 17},
    {"E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx", 459, 436},
    {"E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx", 340, 337},
    {"E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx", 1146, 1146},
    {"MSExchange_Management_wec.evtx", 1, 0},
    {"Microsoft-Windows-HelloForBusiness%4Operational.evtx", 6, 5},
    {"Microsoft-Windows-LanguagePackSetup%4Operational.evtx", 17, 16},
    {"Security_short_selected.evtx", 7, 7},
    {"Security_with_size_t.evtx", 636, 636},
    {"issue_201.evtx", 1, 0},
    {"new-user-security.evtx", 4, 4},
    {"post-Security.evtx", 126, 126},
    {"sample-with-irregular-bool-values.evtx", 3028, 3028},
    {"sample-with-zero-data-size-event.evtx", 335, 335},
    {"sample_with_a_bad_chunk_magic.evtx", 270, 267},
    {"security.evtx", 2261, 2261},
    {"security_bad_string_cache.evtx", 2261, 2261},
    {"sysmon.evtx", 358, 358},
    {"system.evtx", 1881, 1881},
};

TEST(ReaderCounts, TableCoversEveryRsSample) {
  std::set<std::string> listed;
  for (const PeerCount& c : kRsSampleCounts) listed.insert(c.file);
  std::set<std::string> present;
  for (const auto& p : corpus::list_evtx(corpus::root() / "evtx-rs-samples")) present.insert(p.filename().string());
  EXPECT_EQ(listed.size(), 23u);
  EXPECT_EQ(present, listed);
}

// The Rust and libevtx counts of a file of the corpus, or nullptr (the README
// lists the peers' counts for evtx-rs-samples only).
const PeerCount* peer_count(const std::string& rel) {
  for (const PeerCount& c : kRsSampleCounts)
    if (rel == std::string("evtx-rs-samples/") + c.file) return &c;
  return nullptr;
}

// Exact pins of what the native reader delivers for every file of the corpus,
// in the manner of the Rust crate's tests/test_full_samples.rs (ok_count,
// err_count per sample): tests/data/corpus_record_counts.tsv, one line per
// file: its path relative to the corpus, records read, damaged records skipped
// (ChunkResult::damaged_records) and problems reported (header and chunks).
// A change in any of them is a change of the reader to be explained. Regenerate
// the table after an intended change with
//   EVTXHUNT_UPDATE_GOLDEN=1 build/tests/test_reader_corpus --gtest_filter='ReaderCounts.PinTable*'
// then review `git diff tests/data/corpus_record_counts.tsv`.
struct Pin {
  std::string file;  // relative to the corpus, '/' separated
  size_t records = 0;
  uint64_t damaged = 0;
  size_t problems = 0;
};

const fs::path kPinFile = fs::path(EVTXHUNT_SOURCE_DIR) / "tests" / "data" / "corpus_record_counts.tsv";

std::string relative_to_corpus(const fs::path& p) { return p.lexically_relative(corpus::root()).generic_string(); }

// The pins, or an empty table when the file cannot be read (PinTable fails then).
std::vector<Pin> load_pins() {
  std::vector<Pin> pins;
  std::ifstream in(kPinFile);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Pin pin;
    std::string records, damaged, problems;
    if (!std::getline(fields, pin.file, '\t') || !std::getline(fields, records, '\t') ||
        !std::getline(fields, damaged, '\t') || !std::getline(fields, problems, '\t'))
      throw std::runtime_error(kPinFile.string() + ": bad line: " + line);
    pin.records = std::stoul(records);
    pin.damaged = std::stoull(damaged);
    pin.problems = std::stoul(problems);
    pins.push_back(std::move(pin));
  }
  return pins;
}

const std::vector<Pin>& pins() {
  static const std::vector<Pin> table = load_pins();
  return table;
}

void write_pins() {
  std::ofstream out(kPinFile, std::ios::trunc);
  out << "# Records the native reader delivers for each file of the shared corpus, pinned\n"
         "# exactly (tests/test_reader_corpus.cpp, ReaderCounts). Regenerate with\n"
         "#   EVTXHUNT_UPDATE_GOLDEN=1 build/tests/test_reader_corpus --gtest_filter='ReaderCounts.PinTable*'\n"
         "# path relative to the corpus<TAB>records read<TAB>damaged records skipped<TAB>problems reported\n";
  for (const fs::path& f : corpus::list_evtx()) {
    corpus::ReadResult res = corpus::read_file(f);
    out << relative_to_corpus(f) << '\t' << res.records.size() << '\t' << res.damaged_records << '\t'
        << res.problems.size() << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + kPinFile.string());
}

// Every corpus file has a pin and every pin a file (EVTXHUNT_UPDATE_GOLDEN=1
// rewrites the table from the corpus first; rerun to check the new pins).
TEST(ReaderCounts, PinTableCoversTheCorpusExactly) {
  if (std::getenv("EVTXHUNT_UPDATE_GOLDEN")) {
    write_pins();
    std::cerr << "rewrote " << kPinFile << "\n";
  }
  std::vector<Pin> table = load_pins();
  ASSERT_FALSE(table.empty()) << "no pins in " << kPinFile;
  std::set<std::string> pinned, present;
  for (const Pin& p : table) EXPECT_TRUE(pinned.insert(p.file).second) << "pinned twice: " << p.file;
  for (const fs::path& f : corpus::list_evtx()) present.insert(relative_to_corpus(f));
  for (const std::string& f : present) EXPECT_TRUE(pinned.count(f)) << "corpus file without a pin: " << f;
  for (const std::string& f : pinned) EXPECT_TRUE(present.count(f)) << "pin of a file not in the corpus: " << f;
  EXPECT_EQ(pinned.size(), 300u);
}

class PinnedCount : public ::testing::TestWithParam<Pin> {};

TEST_P(PinnedCount, ExactRecordsDamagedAndProblems) {
  const Pin& pin = GetParam();
  fs::path path = corpus::root() / fs::path(pin.file);
  ASSERT_TRUE(fs::exists(path)) << "pinned file missing from the corpus: " << pin.file;
  corpus::ReadResult res;
  ASSERT_NO_THROW(res = corpus::read_file(path)) << pin.file;  // every corpus file is an EVTX file
  EXPECT_EQ(res.records.size(), pin.records) << pin.file << ": records read";
  EXPECT_EQ(res.damaged_records, pin.damaged) << pin.file << ": damaged records skipped";
  EXPECT_EQ(res.problems.size(), pin.problems) << pin.file << ": problems reported";
  EXPECT_EQ(corpus::count_records(path), res.records.size()) << pin.file << ": count_records";
  if (const PeerCount* peer = peer_count(pin.file)) {
    // The pin itself must not fall below a peer (README: the native reader
    // reaches at least the larger of the two on every file).
    EXPECT_GE(pin.records, peer->rust) << pin.file << ": pinned below the Rust evtx crate";
    EXPECT_GE(pin.records, peer->libevtx) << pin.file << ": pinned below libevtx";
    EXPECT_GE(res.records.size(), peer->rust) << pin.file << ": fewer records than the Rust evtx crate";
    EXPECT_GE(res.records.size(), peer->libevtx) << pin.file << ": fewer records than libevtx";
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, PinnedCount, ::testing::ValuesIn(pins()),
                         [](const ::testing::TestParamInfo<Pin>& info) {
                           std::string name;
                           for (char c : info.param.file.substr(0, info.param.file.rfind(".evtx")))
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           // Unique even if two paths differ only in punctuation.
                           return name + "_" + std::to_string(info.index);
                         });

TEST(ReaderCounts, WholeCorpusExactlyThePinsAndAtLeastTheRustCrate) {
  auto files = corpus::list_evtx();
  ASSERT_EQ(files.size(), 300u);
  size_t attack = 0, total = 0, pinned = 0;
  for (const Pin& p : pins()) pinned += p.records;
  for (const auto& f : files) {
    attack += f.string().find("evtx-attack-samples") != std::string::npos;
    size_t n = 0;
    ASSERT_NO_THROW(n = corpus::count_records(f)) << f;  // every corpus file is an EVTX file
    EXPECT_GT(n, 0u) << f;
    total += n;
  }
  EXPECT_EQ(attack, 277u);
  EXPECT_EQ(total, pinned);
  EXPECT_EQ(total, 26884u);  // Rust evtx crate 26,652; libevtx 26,619
  EXPECT_GE(total, 26652u) << "fewer records than the Rust evtx crate";
  EXPECT_GE(total, 26619u) << "fewer records than libevtx";
}

// ---------------------------------------------------------------------------
// Exact records

TEST(ReaderRecords, SysmonProcessCreateOfDcomMmc) {
  ReadResult res = corpus::read_file(corpus::attack_sample("Lateral Movement/LM_impacket_docmexec_mmc_sysmon_01.evtx"),
                                     {.render = true});
  ASSERT_EQ(res.records.size(), 9u);
  EXPECT_TRUE(res.problems.empty());
  // The exported file renumbers record headers 1..9; the event XML keeps the
  // original EventRecordIDs 9832..9840 (libevtx agrees on both).
  std::vector<uint16_t> event_ids;
  for (size_t i = 0; i < res.records.size(); ++i) {
    EXPECT_EQ(res.records[i].record_id, i + 1);
    EXPECT_EQ(res.records[i].xml_record_id, 9832 + i);
    event_ids.push_back(res.records[i].event_id);
  }
  EXPECT_EQ(event_ids, (std::vector<uint16_t>{1, 1, 3, 3, 3, 3, 1, 1, 1}));

  const ReadRecord* r = res.by_xml_id(9832);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->record_id, 1u);
  EXPECT_EQ(r->file_offset, 4096u + 512u);
  EXPECT_EQ(iso(r->written_time), "2019-04-30T20:35:12.4498390Z");
  EXPECT_EQ(r->provider_name, "Microsoft-Windows-Sysmon");
  EXPECT_EQ(r->provider_guid, "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
  EXPECT_EQ(r->event_id, 1);
  EXPECT_FALSE(r->qualifiers.has_value());
  EXPECT_EQ(r->version, 5);
  EXPECT_EQ(r->level, 4);
  EXPECT_EQ(r->task, 1);
  EXPECT_EQ(r->opcode, 0);
  EXPECT_EQ(r->keywords, 0x8000000000000000ull);
  EXPECT_EQ(iso(r->time_created), "2019-04-30T20:35:11.8560890Z");
  EXPECT_EQ(r->time_created, 132011301118560890ull);  // python: (2019-04-30 20:35:11 - 1601-01-01) * 10^7 + 8560890
  EXPECT_EQ(r->activity_id, "");
  EXPECT_EQ(r->process_id, 1964u);
  EXPECT_EQ(r->thread_id, 1664u);
  EXPECT_EQ(r->channel, "Microsoft-Windows-Sysmon/Operational");
  EXPECT_EQ(r->computer, "IEWIN7");
  EXPECT_EQ(r->user_id, "S-1-5-18");
  EXPECT_EQ(r->data_kind, evtx::Record::DataKind::EventData);
  ASSERT_EQ(r->data.size(), 21u);
  expect_field(*r, 0, "RuleName", ValueType::Null, "");
  expect_field(*r, 1, "UtcTime", ValueType::String, "2019-04-30 20:35:11.856");
  expect_field(*r, 2, "ProcessGuid", ValueType::Guid, "{365ABB72-B17F-5CC8-0000-001082A51E00}");
  expect_field(*r, 3, "ProcessId", ValueType::UInt32, "3572");
  expect_field(*r, 4, "Image", ValueType::String, R"(C:\Windows\System32\mmc.exe)");
  expect_field(*r, 5, "FileVersion", ValueType::String, "6.1.7600.16385 (win7_rtm.090713-1255)");
  expect_field(*r, 7, "Product", ValueType::String, "Microsoft\u00ae Windows\u00ae Operating System");
  expect_field(*r, 9, "CommandLine", ValueType::String, R"(C:\Windows\system32\mmc.exe -Embedding)");
  expect_field(*r, 10, "CurrentDirectory", ValueType::String, R"(C:\Windows\system32\)");
  expect_field(*r, 11, "User", ValueType::String, R"(IEWIN7\IEUser)");
  expect_field(*r, 13, "LogonId", ValueType::HexInt64, "0x1ea3c6");
  expect_field(*r, 14, "TerminalSessionId", ValueType::UInt32, "0");
  expect_field(*r, 15, "IntegrityLevel", ValueType::String, "High");
  expect_field(*r, 17, "ParentProcessGuid", ValueType::Guid, "{365ABB72-2586-5CC9-0000-001087700000}");
  expect_field(*r, 18, "ParentProcessId", ValueType::UInt32, "612");
  expect_field(*r, 19, "ParentImage", ValueType::String, R"(C:\Windows\System32\svchost.exe)");
  expect_field(*r, 20, "ParentCommandLine", ValueType::String, R"(C:\Windows\system32\svchost.exe -k DcomLaunch)");
  ASSERT_NE(r->find("Hashes"), nullptr);
  EXPECT_EQ(r->find("Hashes")->text,
            "SHA1=98D8C5E38510C6220F42747D15F6FFF75DD59845,MD5=A2A5D487D0C3D55739A0491B6872480D,"
            "SHA256=40E2B83F07771D54CE4E45B76A14883D042766FF4E1E7872E482EC91E81E9484,"
            "IMPHASH=6D2ED4ADDAC7EBAE62381320D82AC4C1");
  EXPECT_EQ(r->find("NoSuchField"), nullptr);

  // The renderers agree with the record model.
  EXPECT_NE(r->xml.find("<TimeCreated SystemTime=\"2019-04-30T20:35:11.8560890Z\"/>"), std::string::npos) << r->xml;
  EXPECT_NE(r->xml.find("<Data Name=\"RuleName\"/>"), std::string::npos);
  EXPECT_NE(r->xml.find("<Data Name=\"ParentCommandLine\">C:\\Windows\\system32\\svchost.exe -k DcomLaunch</Data>"),
            std::string::npos);
  EXPECT_NE(r->json.find("\"ProcessGuid\":\"365ABB72-B17F-5CC8-0000-001082A51E00\""), std::string::npos) << r->json;
  EXPECT_NE(r->json.find("\"ProcessId\":3572,"), std::string::npos);
  EXPECT_NE(r->json.find("\"SystemTime\":\"2019-04-30T20:35:11.856089Z\""), std::string::npos);
  EXPECT_NE(r->json.find("\"EventRecordID\":9832,"), std::string::npos);
}

// issue_201.evtx and MSExchange_Management_wec.evtx are the same bytes: one
// forwarded MSExchange event whose System values are text tokens (0x05)
// inside attributes, which libevtx and python-evtx cannot read.
class ForwardedExchangeEvent : public ::testing::TestWithParam<const char*> {};

TEST_P(ForwardedExchangeEvent, ReadsTheOneRecord) {
  ReadResult res = corpus::read_file(corpus::rs_sample(GetParam()), {.render = true});
  EXPECT_TRUE(res.problems.empty());
  EXPECT_TRUE(res.header.checksum_ok);
  ASSERT_EQ(res.records.size(), 1u);
  const ReadRecord& r = res.records[0];
  EXPECT_EQ(r.record_id, 1u);
  EXPECT_EQ(r.xml_record_id, 3229u);
  EXPECT_EQ(r.file_offset, 4608u);
  EXPECT_EQ(iso(r.written_time), "2021-11-19T16:53:03.8365510Z");
  EXPECT_EQ(r.provider_name, "MSExchange CmdletLogs");
  EXPECT_EQ(r.provider_guid, "");
  EXPECT_EQ(r.event_id, 1);
  ASSERT_TRUE(r.qualifiers.has_value());
  EXPECT_EQ(*r.qualifiers, 16384);
  EXPECT_EQ(r.level, 4);
  EXPECT_EQ(r.task, 1);
  EXPECT_EQ(r.keywords, 0x80000000000000ull);
  // Rendered as text with 9 fraction digits; the FILETIME keeps 7.
  EXPECT_EQ(iso(r.time_created), "2021-11-19T16:52:33.8337335Z");
  EXPECT_EQ(r.channel, "MSExchange Management");
  EXPECT_EQ(r.computer, "WEC.ave.local");
  EXPECT_EQ(r.user_id, "");
  EXPECT_EQ(r.data_kind, evtx::Record::DataKind::EventData);
  ASSERT_EQ(r.data.size(), 27u);
  for (const auto& f : r.data) EXPECT_EQ(f.name, "") << "unnamed <Data> items";
  expect_field(r, 0, "", ValueType::String, "Set-Mailbox");
  expect_field(
      r, 1, "", ValueType::String,
      R"(-Identity "Administrateur" -DeliverToMailboxAndForward "False" -ForwardingSmtpAddress "smtp:test2@example.com")");
  expect_field(r, 2, "", ValueType::String, "ave.local/Users/Administrateur");
  expect_field(r, 3, "", ValueType::String, "S-1-5-21-186559946-3925841745-111227986-500");
  expect_field(r, 6, "", ValueType::String, "5668 w3wp#MSExchangePowerShellAppPool");
  expect_field(r, 7, "", ValueType::Null, "");
  expect_field(r, 9, "", ValueType::String, "00:00:26.0389557");
  expect_field(
      r, 10, "", ValueType::String,
      "Afficher la for\u00eat enti\u00e8re : 'False', Port\u00e9e par d\u00e9faut : \u00ab ave.local \u00bb, "
      "Configuration du contr\u00f4leur de domaine : \u00ab DC.ave.local \u00bb, Catalogue global "
      "pr\u00e9f\u00e9r\u00e9 : \u00ab DC.ave.local \u00bb, Contr\u00f4leurs de domaine pr\u00e9f\u00e9r\u00e9s : "
      "\u00ab { DC.ave.local } \u00bb");
  expect_field(r, 17, "", ValueType::String, "False");
  expect_field(r, 23, "", ValueType::String, "ActivityId: a3591746-a27b-447a-b8be-ff54ae3a46f1");
  expect_field(r, 24, "", ValueType::String, "ServicePlan:;IsAdmin:True;");
  expect_field(r, 26, "", ValueType::String, "fr-FR");
  EXPECT_NE(r.xml.find("<EventID Qualifiers=\"16384\">1</EventID>"), std::string::npos) << r.xml;
  EXPECT_NE(r.xml.find("<TimeCreated SystemTime=\"2021-11-19T16:52:33.833733500Z\"/>"), std::string::npos);
  EXPECT_NE(r.xml.find("<Computer>WEC.ave.local</Computer>"), std::string::npos);
  EXPECT_NE(r.json.find("\"Computer\":\"WEC.ave.local\""), std::string::npos) << r.json;
  EXPECT_NE(r.json.find("\"fr-FR\"]"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Corpus, ForwardedExchangeEvent,
                         ::testing::Values("issue_201.evtx", "MSExchange_Management_wec.evtx"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param[0] == 'i' ? "issue_201" : "MSExchange_Management_wec");
                         });

TEST(ReaderRecords, Security4688Version2) {
  ReadResult res = corpus::read_file(corpus::attack_sample("Credential Access/tutto_malseclogon.evtx"));
  const ReadRecord* r = res.by_xml_id(329914);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->record_id, 1u);
  EXPECT_EQ(iso(r->written_time), "2021-12-07T17:33:01.4093121Z");
  EXPECT_EQ(r->provider_name, "Microsoft-Windows-Security-Auditing");
  EXPECT_EQ(r->provider_guid, "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  EXPECT_EQ(r->event_id, 4688);
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->level, 0);
  EXPECT_EQ(r->task, 13312);
  EXPECT_EQ(r->keywords, 0x8020000000000000ull);
  EXPECT_EQ(iso(r->time_created), "2021-12-07T17:33:01.3978144Z");
  EXPECT_EQ(r->process_id, 4u);
  EXPECT_EQ(r->thread_id, 8692u);
  EXPECT_EQ(r->channel, "Security");
  EXPECT_EQ(r->computer, "MSEDGEWIN10");
  EXPECT_EQ(r->user_id, "");
  ASSERT_EQ(r->data.size(), 15u);
  expect_field(*r, 0, "SubjectUserSid", ValueType::Sid, "S-1-5-21-3461203602-4096304019-2269080069-1000");
  expect_field(*r, 1, "SubjectUserName", ValueType::String, "IEUser");
  expect_field(*r, 3, "SubjectLogonId", ValueType::HexInt64, "0x53ca2");
  expect_field(*r, 4, "NewProcessId", ValueType::HexInt64, "0x21a4");
  expect_field(*r, 5, "NewProcessName", ValueType::String,
               R"(\Device\Mup\VBoxSvr\Users\bouss\Downloads\MalSeclogon-master\x64\Debug\MalSeclogon.exe)");
  expect_field(*r, 6, "TokenElevationType", ValueType::String, "%%1937");
  expect_field(*r, 7, "ProcessId", ValueType::HexInt64, "0x2480");
  expect_field(*r, 8, "CommandLine", ValueType::Null, "");
  expect_field(*r, 9, "TargetUserSid", ValueType::Sid, "S-1-0-0");
  expect_field(*r, 12, "TargetLogonId", ValueType::HexInt64, "0x0");
  expect_field(*r, 13, "ParentProcessName", ValueType::String, R"(C:\Windows\System32\cmd.exe)");
  expect_field(*r, 14, "MandatoryLabel", ValueType::Sid, "S-1-16-12288");
}

TEST(ReaderRecords, Security4688Version1HasNoParentName) {
  ReadResult res = corpus::read_file(corpus::attack_sample("Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx"));
  const ReadRecord* r = res.by_xml_id(563298);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->record_id, 5u);
  EXPECT_EQ(r->event_id, 4688);
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(iso(r->time_created), "2019-03-18T22:15:49.6458894Z");
  EXPECT_EQ(r->computer, "WIN-77LTAPHIQ1R.example.corp");
  ASSERT_EQ(r->data.size(), 9u);
  expect_field(*r, 4, "NewProcessId", ValueType::HexInt64, "0xae8");
  expect_field(*r, 5, "NewProcessName", ValueType::String, R"(C:\Windows\System32\wbem\WmiPrvSE.exe)");
  expect_field(*r, 7, "ProcessId", ValueType::HexInt64, "0x248");
  EXPECT_EQ(r->find("ParentProcessName"), nullptr);
}

TEST(ReaderRecords, SizeTValues) {
  ReadResult res = corpus::read_file(corpus::rs_sample("Security_with_size_t.evtx"), {.render = true});
  ASSERT_EQ(res.records.size(), 636u);
  const ReadRecord* r = res.by_header_id(2);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->event_id, 4624);
  EXPECT_EQ(r->computer, "26L2233B1-02");
  EXPECT_EQ(iso(r->time_created), "2015-08-24T06:51:38.4375000Z");
  const evtx::TypedValue* pid = r->find("ProcessId");
  ASSERT_NE(pid, nullptr);
  EXPECT_EQ(pid->type, ValueType::SizeT);
  EXPECT_EQ(pid->text, "0x4");  // libevtx prints "4"; Windows renders size_t in hex
  EXPECT_NE(r->json.find("\"ProcessId\":\"0x4\""), std::string::npos) << r->json;
  r = res.by_header_id(4);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->event_id, 4648);
  ASSERT_NE(r->find("ProcessId"), nullptr);
  EXPECT_EQ(r->find("ProcessId")->type, ValueType::SizeT);
  EXPECT_EQ(r->find("ProcessId")->text, "0x24c");

  // Every size_t in this file is 4 bytes (a 32-bit system) and renders as hex.
  size_t size_t_values = 0;
  corpus::for_each_tree(corpus::rs_sample("Security_with_size_t.evtx"), [&](size_t, const evtx::RecordView& v) {
    for (uint32_t i = 0; i < v.tree.size(); ++i) {
      const evtx::Node& n = v.tree[i];
      if (n.kind != evtx::NodeKind::Text || n.value.base_type() != ValueType::SizeT) continue;
      ++size_t_values;
      EXPECT_EQ(n.value.size, 4u);
      uint32_t raw;
      std::memcpy(&raw, n.value.data, 4);
      std::string text;
      evtx::append_value_text(text, n.value);
      char want[16];
      std::snprintf(want, sizeof want, "0x%x", raw);
      EXPECT_EQ(text, want);
    }
  });
  EXPECT_EQ(size_t_values, 626u);
}

TEST(ReaderRecords, IrregularBoolValuesAreTrue) {
  auto path = corpus::rs_sample("sample-with-irregular-bool-values.evtx");
  size_t bools = 0, irregular = 0;
  std::map<uint32_t, size_t> raw_irregular;
  corpus::for_each_tree(path, [&](size_t, const evtx::RecordView& v) {
    for (uint32_t i = 0; i < v.tree.size(); ++i) {
      const evtx::Node& n = v.tree[i];
      if (n.kind != evtx::NodeKind::Text || n.value.base_type() != ValueType::Bool) continue;
      ++bools;
      ASSERT_EQ(n.value.size, 4u);
      uint32_t raw;
      std::memcpy(&raw, n.value.data, 4);
      std::string text;
      evtx::append_value_text(text, n.value);
      EXPECT_EQ(text, raw ? "true" : "false") << "raw " << raw;
      if (raw > 1) {
        ++irregular;
        ++raw_irregular[raw];
      }
    }
  });
  EXPECT_EQ(bools, 2541u);
  EXPECT_EQ(irregular, 121u);
  EXPECT_TRUE(raw_irregular.count(0x10));
  EXPECT_TRUE(raw_irregular.count(0x08));
  EXPECT_TRUE(raw_irregular.count(0x10000));

  ReadResult res = corpus::read_file(path, {.render = true});
  ASSERT_EQ(res.records.size(), 3028u);
  const ReadRecord* r = res.by_header_id(141);  // IsMachine stored as 0x10
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->event_id, 5351);
  EXPECT_EQ(r->computer, "DESKTOP-0QT8017");
  expect_field(*r, 0, "IsMachine", ValueType::Bool, "true");
  EXPECT_NE(r->json.find("\"IsMachine\":true,"), std::string::npos) << r->json;
  r = res.by_header_id(148);  // 0x10000 and 0x8
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->event_id, 5126);
  EXPECT_EQ(r->activity_id, "{A9EF89D8-6BD0-457D-B559-13BEB4A1C62B}");
  expect_field(*r, 1, "IsBackgroundProcessing", ValueType::Bool, "true");
  expect_field(*r, 2, "IsAsyncProcessing", ValueType::Bool, "true");
  EXPECT_NE(r->xml.find("<Data Name=\"IsAsyncProcessing\">true</Data>"), std::string::npos);
  r = res.by_header_id(2);
  ASSERT_NE(r, nullptr);
  expect_field(*r, 0, "IsServiceRestart", ValueType::Bool, "false");
  expect_field(*r, 1, "IsMachineBoot", ValueType::Bool, "true");
}

TEST(ReaderRecords, EntityReferencesInAttributes) {
  ReadResult res = corpus::read_file(
      corpus::rs_sample("E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx"), {.render = true});
  const ReadRecord* r = res.by_header_id(25);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->data_kind, evtx::Record::DataKind::UserData);
  // &quot; entity references resolve to '"' and are escaped again on output.
  EXPECT_NE(r->xml.find("eTag=\"&quot;ea9ee7b1bc43d21:0&quot;\""), std::string::npos) << r->xml;
  EXPECT_NE(r->json.find("\"eTag\":\"\\\"ea9ee7b1bc43d21:0\\\"\""), std::string::npos) << r->json;
  const evtx::TypedValue* url = r->find("URL");
  ASSERT_NE(url, nullptr);
  EXPECT_EQ(url->text, "http://crl.microsoft.com/pki/crl/products/microsoftrootcert.crl");
}

// ---------------------------------------------------------------------------
// Damage and header handling

TEST(ReaderDamage, BadChunkMagicSlotsSkippedAndReported) {
  ReadResult res = corpus::read_file(corpus::rs_sample("sample_with_a_bad_chunk_magic.evtx"));
  ASSERT_EQ(res.slots.size(), 16u);
  EXPECT_EQ(res.chunks_with(ProblemKind::ChunkBadMagic), (std::vector<int64_t>{6, 10}));
  for (const evtx::Problem& p : res.problems) {
    if (p.kind != ProblemKind::ChunkBadMagic) continue;
    EXPECT_EQ(p.offset, evtx::kFileHeaderSize + uint64_t(p.chunk) * evtx::kChunkSize);
  }
  std::vector<Slot> want(16, Slot::Empty);  // zero slots are not problems
  want[0] = want[7] = want[8] = want[9] = Slot::Chunk;
  want[6] = want[10] = Slot::BadMagic;
  EXPECT_EQ(res.slots, want);
  std::set<int64_t> chunks;
  for (const auto& r : res.records) chunks.insert(r.chunk);
  EXPECT_EQ(chunks, (std::set<int64_t>{0, 7, 8, 9}));
  EXPECT_EQ(res.records.size(), 301u);  // Rust evtx crate 270, libevtx 267
  EXPECT_EQ(res.header.chunk_count, 16);
  EXPECT_EQ(res.header.flags & 1u, 1u);  // dirty
  expect_file_order(res);
}

TEST(ReaderDamage, SysmonChunksStartingWithGarbage) {
  ReadResult res = corpus::read_file(corpus::rs_sample("sysmon.evtx"));
  EXPECT_EQ(res.chunks_with(ProblemKind::ChunkBadMagic), (std::vector<int64_t>{9, 10, 11, 12, 13, 14, 15, 16}));
  EXPECT_EQ(res.records.size(), 358u);  // Rust evtx crate 358, libevtx 358
}

TEST(ReaderDamage, VssCopiesReportDataCrcMismatches) {
  ReadResult rdp = corpus::read_file(
      corpus::rs_sample("2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"));
  EXPECT_EQ(rdp.chunks_with(ProblemKind::ChunkDataCrcMismatch), (std::vector<int64_t>{0, 13}));
  EXPECT_EQ(rdp.count(ProblemKind::ChunkHeaderCrcMismatch), 0u);
  EXPECT_EQ(rdp.count(ProblemKind::HeaderCrcMismatch), 0u);
  EXPECT_EQ(rdp.count(ProblemKind::ChunkBadMagic), 0u);
  for (const evtx::Problem& p : rdp.problems) {
    if (p.kind != ProblemKind::ChunkDataCrcMismatch) continue;
    EXPECT_EQ(p.offset, evtx::kFileHeaderSize + uint64_t(p.chunk) * evtx::kChunkSize + 52) << p.message;
  }
  EXPECT_EQ(rdp.records.size(), 1975u);  // Rust evtx crate 1910, libevtx 1910

  ReadResult rcm = corpus::read_file(
      corpus::rs_sample("2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"));
  EXPECT_EQ(rcm.chunks_with(ProblemKind::ChunkDataCrcMismatch), (std::vector<int64_t>{1, 15}));
  EXPECT_EQ(rcm.count(ProblemKind::ChunkHeaderCrcMismatch), 0u);
  EXPECT_EQ(rcm.count(ProblemKind::HeaderCrcMismatch), 0u);
  EXPECT_EQ(rcm.records.size(), 1796u);  // Rust evtx crate 1774, libevtx 1774
  // The records of the damaged chunks are still read.
  std::set<int64_t> chunks;
  for (const auto& r : rcm.records) chunks.insert(r.chunk);
  EXPECT_TRUE(chunks.count(1) && chunks.count(15));
}

TEST(ReaderDamage, ZeroSizeRecordIsSkippedToTheNextSignature) {
  ReadResult res = corpus::read_file(corpus::rs_sample("sample-with-zero-data-size-event.evtx"));
  // Record 3 at 0x1820 says its size is 0; the next record header is at 0x1908.
  ASSERT_EQ(res.count(ProblemKind::RecordDamaged), 1u);
  for (const evtx::Problem& p : res.problems) {
    if (p.kind != ProblemKind::RecordDamaged) continue;
    EXPECT_EQ(p.chunk, 0);
    EXPECT_EQ(p.offset, 0x1820u);
  }
  EXPECT_EQ(res.damaged_records, 1u);
  EXPECT_EQ(res.by_header_id(3), nullptr);
  ASSERT_NE(res.by_header_id(4), nullptr);
  EXPECT_EQ(res.by_header_id(4)->file_offset, 0x1908u);
  ASSERT_EQ(res.records.size(), 449u);  // Rust evtx crate 335, libevtx 335
  EXPECT_EQ(res.records[0].record_id, 1u);
  EXPECT_EQ(res.records[1].record_id, 2u);
  EXPECT_EQ(res.records[2].record_id, 4u);
  expect_file_order(res);
}

TEST(ReaderDamage, MissingCrcsAreReportedNotFatal) {
  ReadResult res = corpus::read_file(corpus::rs_sample("Application_no_crc32.evtx"));
  EXPECT_FALSE(res.header.checksum_ok);
  EXPECT_EQ(res.header.checksum, 0u);
  EXPECT_EQ(res.chunks_with(ProblemKind::HeaderCrcMismatch), (std::vector<int64_t>{-1}));
  EXPECT_EQ(res.chunks_with(ProblemKind::ChunkHeaderCrcMismatch), (std::vector<int64_t>{0}));
  EXPECT_EQ(res.chunks_with(ProblemKind::ChunkDataCrcMismatch), (std::vector<int64_t>{0}));
  EXPECT_EQ(res.records.size(), 17u);
}

TEST(ReaderDamage, BadStringCacheReadsLikeTheIntactFile) {
  ReadResult good = corpus::read_file(corpus::rs_sample("security.evtx"));
  ReadResult bad = corpus::read_file(corpus::rs_sample("security_bad_string_cache.evtx"));
  EXPECT_TRUE(good.problems.empty());
  EXPECT_EQ(bad.chunks_with(ProblemKind::ChunkHeaderCrcMismatch), (std::vector<int64_t>{0}));
  ASSERT_EQ(good.records.size(), 2261u);
  ASSERT_EQ(bad.records.size(), good.records.size());
  for (size_t i = 0; i < good.records.size(); ++i) {
    const ReadRecord& g = good.records[i];
    const ReadRecord& b = bad.records[i];
    ASSERT_EQ(b.record_id, g.record_id);
    ASSERT_EQ(b.event_id, g.event_id) << g.record_id;
    ASSERT_EQ(b.provider_name, g.provider_name) << g.record_id;
    ASSERT_EQ(b.computer, g.computer) << g.record_id;
    ASSERT_EQ(b.time_created, g.time_created) << g.record_id;
    ASSERT_EQ(b.data.size(), g.data.size()) << g.record_id;
    for (size_t k = 0; k < g.data.size(); ++k) {
      ASSERT_EQ(b.data[k].name, g.data[k].name) << g.record_id;
      ASSERT_EQ(b.data[k].value.text, g.data[k].value.text) << g.record_id;
    }
  }
}

TEST(ReaderHeader, StaleHeaderOfDirtyFileIsWalkedToTheEnd) {
  ReadResult res = corpus::read_file(corpus::rs_sample("system.evtx"));
  // The header was last flushed with 3 chunks and next record 309.
  EXPECT_EQ(res.header.flags & 1u, 1u);
  EXPECT_EQ(res.header.chunk_count, 3);
  EXPECT_EQ(res.header.next_record_id, 309u);
  EXPECT_TRUE(res.header.checksum_ok);
  ASSERT_EQ(res.slots.size(), 17u);
  for (size_t s = 0; s < 15; ++s) EXPECT_EQ(res.slots[s], Slot::Chunk) << s;
  EXPECT_EQ(res.slots[15], Slot::Empty);
  EXPECT_EQ(res.slots[16], Slot::Empty);
  ASSERT_EQ(res.records.size(), 1881u);
  for (size_t i = 0; i < res.records.size(); ++i) ASSERT_EQ(res.records[i].record_id, i + 1);
  EXPECT_EQ(res.records.back().chunk, 14);
  EXPECT_EQ(res.records.back().xml_record_id, 1881u);
  EXPECT_TRUE(res.problems.empty());  // a stale count is normal for a dirty file, not damage
  expect_file_order(res);

  ReadResult sysmon = corpus::read_file(corpus::rs_sample("sysmon.evtx"));
  EXPECT_EQ(sysmon.header.chunk_count, 1);
  EXPECT_EQ(sysmon.header.flags & 1u, 1u);
  ASSERT_EQ(sysmon.records.size(), 358u);
  for (size_t i = 0; i < sysmon.records.size(); ++i) ASSERT_EQ(sysmon.records[i].record_id, 1742 + i);
  EXPECT_EQ(sysmon.records.back().chunk, 8);
}

TEST(ReaderOrder, RecordsInFileOrder) {
  for (const char* f :
       {"2-vss_7-System.evtx", "E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
        "2-system-Microsoft-Windows-LiveId%4Operational.evtx", "security.evtx"}) {
    SCOPED_TRACE(f);
    ReadResult res = corpus::read_file(corpus::rs_sample(f));
    ASSERT_FALSE(res.records.empty());
    expect_file_order(res);
  }
  // A log recovered from a shadow copy wraps around: its first chunk slot is
  // not the oldest one (header first chunk 9), and records still come in slot order.
  ReadResult vss = corpus::read_file(
      corpus::rs_sample("E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx"));
  EXPECT_EQ(vss.header.first_chunk, 9u);
  EXPECT_EQ(vss.records.front().chunk, 0);
  EXPECT_GT(vss.records.front().record_id, vss.records.back().record_id);
}

}  // namespace
