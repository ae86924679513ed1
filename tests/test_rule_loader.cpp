// Rule files (src/rules/rule.h): the seed rule loads with its documentation,
// stages, derived time window and summarize clause, and evaluates the way the
// seed query does; bad files are rejected with FILE:LINE:COLUMN errors, also
// inside `where` clauses that span lines.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include <unistd.h>
#include "support/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "rules/rule.h"
#include "rules/rule_files.h"
#include "rules/time_format.h"

namespace {

namespace fs = std::filesystem;
using normalize::Field;
using normalize::FieldValue;
using normalize::NormalizedEvent;
using rules::Truth;

const fs::path kSeed = fs::path(EVTXHUNT_SOURCE_DIR) / "rules" / "ff-t1021.003-dcom.yml";

normalize::Ticks at(const char* text) { return rules::parse_datetime(text).value(); }

// The errors of a rule text, as "LINE:COLUMN: message" (file name "r.yml" left out).
std::vector<std::string> errors_of(const std::string& yaml) {
  rules::LoadResult r = rules::load_rule_text(yaml, "r.yml");
  std::vector<std::string> out;
  for (const rules::RuleError& e : r.errors) {
    std::string s = e.str();
    EXPECT_EQ(s.rfind("r.yml:", 0), 0u) << s;
    out.push_back(s.substr(6));
  }
  if (out.empty()) ADD_FAILURE() << "loaded without error:\n" << yaml;
  return out;
}

std::string first_error(const std::string& yaml) {
  std::vector<std::string> e = errors_of(yaml);
  return e.empty() ? "" : e[0];
}

const char* kMinimal = R"(id: test-rule
title: Test
level: low
stages:
  - name: a
    table: process
    where: FileName =~ "cmd.exe"
)";

TEST(SeedRule, LoadsWithThreeStagesAndItsDocumentation) {
  rules::LoadResult r = rules::load_rules(kSeed);
  for (const rules::RuleError& e : r.errors) ADD_FAILURE() << e.str();
  ASSERT_EQ(r.rules.size(), 1u);
  const rules::Rule& rule = r.rules[0];
  EXPECT_EQ(rule.id, "ff-t1021.003-dcom");
  EXPECT_NE(rule.title.find("DCOM"), std::string::npos);
  EXPECT_EQ(rule.level, rules::Level::High);
  EXPECT_EQ(rule.author, "FalconForce");
  EXPECT_EQ(rule.license, "BSD-3-Clause");
  EXPECT_EQ(rule.attack.techniques, std::vector<std::string>{"T1021.003"});
  EXPECT_EQ(rule.attack.tactics, std::vector<std::string>{"Lateral Movement"});
  EXPECT_FALSE(rule.references.empty());
  EXPECT_FALSE(rule.false_positives.empty());
  EXPECT_FALSE(rule.blind_spots.empty());
  EXPECT_FALSE(rule.considerations.empty());
  ASSERT_EQ(rule.deviations.size(), 2u);
  EXPECT_NE(rule.deviations[0].find("LastBootTime"), std::string::npos);
  EXPECT_NE(rule.deviations[1].find("InitiatingProcessUniqueId == dcom.ProcessUniqueId"), std::string::npos);

  ASSERT_EQ(rule.stages.size(), 3u);
  EXPECT_EQ(rule.stages[0].name, "rpc");
  EXPECT_EQ(rule.stages[1].name, "dcom");
  EXPECT_EQ(rule.stages[2].name, "child");
  EXPECT_EQ(rule.stages[0].table, normalize::Table::Network);
  EXPECT_EQ(rule.stages[1].table, normalize::Table::Process);
  EXPECT_EQ(rule.stages[2].table, normalize::Table::Process);
  EXPECT_EQ(rule.stage_index("dcom"), 1);
  EXPECT_EQ(rule.stage_index("nope"), -1);
  for (const rules::Stage& s : rule.stages) EXPECT_EQ(s.where.type(), rules::Type::Bool) << s.name;

  // dcom: within datetime_diff("second") 0..2 of rpc -> (rpc - 1 s, rpc + 3 s)
  ASSERT_EQ(rule.stages[1].time_bounds.size(), 1u);
  EXPECT_EQ(rule.stages[1].time_bounds[0].stage, 0u);
  EXPECT_EQ(rule.stages[1].time_bounds[0].min_offset, -normalize::kTicksPerSecond + 1);
  EXPECT_EQ(rule.stages[1].time_bounds[0].max_offset, 3 * normalize::kTicksPerSecond);
  // child: no time bound (the replay ends it with the DCOM process), joined by instance
  EXPECT_TRUE(rule.stages[2].time_bounds.empty());
  ASSERT_EQ(rule.stages[2].join_keys.size(), 1u);
  EXPECT_EQ(rule.stages[2].join_keys[0].field, Field::InitiatingProcessUniqueId);
  EXPECT_EQ(rule.stages[2].join_keys[0].stage, 1u);
  EXPECT_EQ(rule.stages[2].join_keys[0].stage_field, Field::ProcessUniqueId);

  ASSERT_EQ(rule.summarize.collect.size(), 1u);
  EXPECT_EQ(rule.summarize.collect[0].kind, rules::Aggregate::Kind::MakeSet);
  EXPECT_EQ(rule.summarize.collect[0].name, "make_set(child.ProcessCommandLine)");
  std::vector<std::string> by;
  for (const rules::SummarizeColumn& c : rule.summarize.by) by.push_back(c.name);
  EXPECT_EQ(by, (std::vector<std::string>{"rpc.Timestamp", "dcom.Timestamp", "DeviceId", "DeviceName", "dcom.ProcessId",
                                          "rpc.LocalIP", "rpc.RemoteIP", "LastBootTime", "dcom.ProcessCommandLine"}));
  // Unqualified LastBootTime is the one the dcom stage tested.
  EXPECT_EQ(rule.summarize.field_stage[static_cast<size_t>(Field::LastBootTime)], 1u);
  EXPECT_EQ(rule.summarize.field_stage[static_cast<size_t>(Field::DeviceName)], 2u);
}

TEST(SeedRule, LoadsFromTheRulesDirectoryAndSelectsById) {
  rules::LoadResult r = rules::load_rules(kSeed.parent_path());
  for (const rules::RuleError& e : r.errors) ADD_FAILURE() << e.str();
  std::vector<rules::RuleError> errors;
  std::vector<const rules::Rule*> sel = rules::select_rules(r.rules, {"ff-t1021.003-dcom"}, errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(sel.size(), 1u);
  EXPECT_EQ(sel[0]->id, "ff-t1021.003-dcom");
  sel = rules::select_rules(r.rules, {"no-such-rule"}, errors);
  EXPECT_TRUE(sel.empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].str().find("no-such-rule: no rule with this id"), std::string::npos) << errors[0].str();
}

// One complete chain, built as the replay would bind it.
struct Chain {
  NormalizedEvent rpc, dcom, child;
  Chain() {
    rpc[Field::Timestamp] = FieldValue::time(at("2019-04-30 20:35:11.100"));
    rpc[Field::DeviceId] = FieldValue::str("win10");
    rpc[Field::DeviceName] = FieldValue::str("WIN10");
    rpc[Field::InitiatingProcessFileName] = FieldValue::str("svchost.exe");
    rpc[Field::InitiatingProcessCommandLine] = FieldValue::str(R"(C:\Windows\system32\svchost.exe -k RPCSS -p)");
    rpc[Field::LocalPort] = FieldValue::integer(135);
    rpc[Field::LocalIP] = FieldValue::str("10.0.2.15");
    rpc[Field::RemoteIP] = FieldValue::str("10.0.2.17");
    rpc[Field::ActionType] = FieldValue::str("InboundConnectionAccepted");
    rpc[Field::LastBootTime] = FieldValue::time(at("2019-04-30 08:00:00"));

    dcom[Field::Timestamp] = FieldValue::time(at("2019-04-30 20:35:13.900"));
    dcom[Field::DeviceId] = FieldValue::str("win10");
    dcom[Field::DeviceName] = FieldValue::str("WIN10");
    dcom[Field::InitiatingProcessFileName] = FieldValue::str("svchost.exe");
    dcom[Field::InitiatingProcessCommandLine] = FieldValue::str(R"(C:\Windows\system32\svchost.exe -k DcomLaunch -p)");
    dcom[Field::FileName] = FieldValue::str("mmc.exe");
    dcom[Field::ProcessId] = FieldValue::integer(4242);
    dcom[Field::ProcessUniqueId] = FieldValue::str("{aaaa}");
    dcom[Field::ProcessCommandLine] = FieldValue::str(R"("C:\Windows\system32\mmc.exe" -Embedding)");
    dcom[Field::LastBootTime] = FieldValue::time(at("2019-04-30 08:00:00"));

    child[Field::Timestamp] = FieldValue::time(at("2019-04-30 20:35:20"));
    child[Field::DeviceId] = FieldValue::str("win10");
    child[Field::DeviceName] = FieldValue::str("WIN10");
    child[Field::InitiatingProcessUniqueId] = FieldValue::str("{aaaa}");
    child[Field::InitiatingProcessParentFileName] = FieldValue::str("svchost.exe");
    child[Field::FileName] = FieldValue::str("cmd.exe");
    child[Field::ProcessCommandLine] = FieldValue::str("cmd.exe /c whoami");
    child[Field::LastBootTime] = FieldValue::time(at("2019-04-30 08:00:00"));
  }
};

class SeedChain : public ::testing::Test {
 protected:
  void SetUp() override {
    rules::LoadResult r = rules::load_rules(kSeed);
    ASSERT_TRUE(r.ok());
    rule_ = std::move(r.rules[0]);
  }
  rules::Verdict stage(size_t i, const NormalizedEvent& ev) {
    const NormalizedEvent* bound[] = {&c_.rpc, &c_.dcom};
    return rule_.stages[i].where.test(rules::EvalContext{&ev, std::span(bound, i)});
  }
  rules::Rule rule_;
  Chain c_;
};

TEST_F(SeedChain, BasicChainMatchesEveryStage) {
  EXPECT_EQ(stage(0, c_.rpc).truth, Truth::True);
  EXPECT_EQ(stage(1, c_.dcom).truth, Truth::True);  // 2.8 s later, seconds differ by 2
  EXPECT_EQ(stage(2, c_.child).truth, Truth::True);

  const NormalizedEvent* chain[] = {&c_.rpc, &c_.dcom, &c_.child};
  rules::EvalContext ctx = rules::Summarize::context(chain);
  std::vector<std::string> cols;
  for (const rules::SummarizeColumn& col : rule_.summarize.by)
    cols.push_back(rules::format_value(col.expr.evaluate(ctx)));
  EXPECT_EQ(cols, (std::vector<std::string>{"2019-04-30T20:35:11.1000000Z", "2019-04-30T20:35:13.9000000Z", "win10",
                                            "WIN10", "4242", "10.0.2.15", "10.0.2.17", "2019-04-30T08:00:00.0000000Z",
                                            R"("C:\Windows\system32\mmc.exe" -Embedding)"}));
  EXPECT_EQ(rules::format_value(rule_.summarize.collect[0].arg.evaluate(ctx)), "cmd.exe /c whoami");
}

TEST_F(SeedChain, StageConditionsFollowTheSeed) {
  NormalizedEvent rpc = c_.rpc;
  rpc[Field::LocalIP] = FieldValue::str("10.0.2.17");  // loopback-like: LocalIP !~ RemoteIP fails
  EXPECT_EQ(stage(0, rpc).truth, Truth::False);
  rpc = c_.rpc;
  rpc[Field::ActionType] = FieldValue::str("ListeningConnectionCreated");
  EXPECT_EQ(stage(0, rpc).truth, Truth::False);
  rpc = c_.rpc;
  rpc[Field::InitiatingProcessCommandLine] = FieldValue{};
  rules::Verdict v = stage(0, rpc);
  EXPECT_EQ(v.truth, Truth::Unknown);
  EXPECT_EQ(rule_.stages[0].where.unknown_fields(v.unknowns), std::vector<std::string>{"InitiatingProcessCommandLine"});

  NormalizedEvent dcom = c_.dcom;
  dcom[Field::FileName] = FieldValue::str("dllhost.exe");
  EXPECT_EQ(stage(1, dcom).truth, Truth::False);
  dcom[Field::FileName] =
      FieldValue::str("SppExtComObj.exe");  // the list says SppExtComObj.Exe; `!in` is case-sensitive
  EXPECT_EQ(stage(1, dcom).truth, Truth::True);
  dcom = c_.dcom;
  dcom[Field::Timestamp] = FieldValue::time(at("2019-04-30 20:35:14.000"));  // seconds differ by 3
  EXPECT_EQ(stage(1, dcom).truth, Truth::False);
  dcom = c_.dcom;
  dcom[Field::LastBootTime] = FieldValue{};  // no boot seen: reported with LastBootTime assumed
  v = stage(1, dcom);
  EXPECT_EQ(v.truth, Truth::Unknown);
  EXPECT_EQ(rule_.stages[1].where.unknown_fields(v.unknowns), std::vector<std::string>{"LastBootTime"});
  dcom[Field::LastBootTime] = FieldValue::time(at("2019-04-30 20:31:00"));  // booted 4m51s before: within the grace
  EXPECT_EQ(stage(1, dcom).truth, Truth::False);

  NormalizedEvent child = c_.child;
  child[Field::FileName] = FieldValue::str("CSC.EXE");
  EXPECT_EQ(stage(2, child).truth, Truth::False);
  child = c_.child;
  child[Field::InitiatingProcessUniqueId] = FieldValue::str("{bbbb}");  // same PID, other instance
  EXPECT_EQ(stage(2, child).truth, Truth::False);
}

// --- errors ---

TEST(RuleErrors, MinimalRuleLoads) {
  rules::LoadResult r = rules::load_rule_text(kMinimal, "r.yml");
  for (const rules::RuleError& e : r.errors) ADD_FAILURE() << e.str();
  ASSERT_EQ(r.rules.size(), 1u);
  EXPECT_EQ(r.rules[0].level, rules::Level::Low);
  EXPECT_TRUE(r.rules[0].summarize.collect.empty());
}

TEST(RuleErrors, BadYaml) {
  std::string e = first_error("id: x\ntitle: [unclosed\nlevel: low\n");
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("3:", 0), 0u) << e;  // where the parser noticed
  e = first_error("id: x\n  title: bad indent\n");
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("2:", 0), 0u) << e;
  EXPECT_EQ(first_error(""), "1:1: empty rule file");
  EXPECT_EQ(first_error("- a\n- b\n"), "1:1: a rule file must be a mapping of keys (id, title, level, stages, ...)");
}

TEST(RuleErrors, UnknownKeysAreErrorsWithTheirPosition) {
  std::string text = kMinimal;
  EXPECT_EQ(
      first_error(text + "severity: high\n"),
      "8:1: unknown key 'severity' in rule (expected one of: id, title, description, author, license, references, "
      "attack, level, false_positives, blind_spots, considerations, deviations, lists, assumable, stages, summarize, "
      "link)");
  std::string stage_key = text;
  stage_key.replace(stage_key.find("    table: process"), 0, "    tabel: x\n");
  EXPECT_EQ(first_error(stage_key),
            "6:5: unknown key 'tabel' in stage (expected one of: name, table, where, description, optional, "
            "level_without)");
  EXPECT_EQ(first_error(text + "summarize:\n  colect: make_set(FileName)\n"),
            "9:3: unknown key 'colect' in summarize (expected one of: collect, by)");
  EXPECT_EQ(first_error(text + "attack:\n  technique: [T1021]\n"),
            "9:3: unknown key 'technique' in attack (expected one of: techniques, tactics)");
  EXPECT_EQ(first_error(text + "title: again\n"), "8:1: duplicate key 'title'");
}

TEST(RuleErrors, AssumableNamesFieldsAndStagesThatExist) {
  std::string text = kMinimal;
  EXPECT_EQ(first_error(text + "assumable: [LastBootTime, ProcesCommandLine]\n"),
            "8:27: assumable: unknown field 'ProcesCommandLine'");
  EXPECT_EQ(first_error(text + "assumable: [b.FileName]\n"), "8:13: assumable: unknown stage 'b'");
  rules::LoadResult ok = rules::load_rule_text(text + "assumable: [a.FileName, LastBootTime]\n", "r.yml");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.rules[0].assumable, (std::vector<std::string>{"a.FileName", "LastBootTime"}));
  EXPECT_EQ(ok.rules[0].stages[0].assumable_refs, 1u);  // where's one reference, FileName
  rules::LoadResult seed = rules::load_rules(kSeed);
  ASSERT_EQ(seed.rules.size(), 1u);
  EXPECT_EQ(seed.rules[0].assumable, std::vector<std::string>{"LastBootTime"});
}

TEST(RuleErrors, ValuesAreValidated) {
  std::string text = kMinimal;
  std::string bad_level = text;
  bad_level.replace(bad_level.find("level: low"), 10, "level: severe");
  EXPECT_EQ(first_error(bad_level), "3:8: invalid level 'severe' (informational, low, medium, high or critical)");
  std::string bad_table = text;
  bad_table.replace(bad_table.find("table: process"), 14, "table: registry");
  EXPECT_EQ(first_error(bad_table), "6:12: invalid table 'registry' (process, network, logon or script)");
  EXPECT_EQ(first_error(text + "attack:\n  techniques: [T1021.3]\n"),
            "9:16: invalid ATT&CK technique id 'T1021.3' (T1234 or T1234.567)");
  EXPECT_NE(first_error(text + "attack:\n  tactics: Lateral movement\n")
                .find("9:12: unknown ATT&CK tactic 'Lateral movement'"),
            std::string::npos);
  std::string bad_id = text;
  bad_id.replace(bad_id.find("id: test-rule"), 13, "id: bad id!");
  EXPECT_NE(first_error(bad_id).find("1:5: invalid rule id 'bad id!'"), std::string::npos);
  EXPECT_EQ(first_error("id: x\ntitle: t\nlevel: low\n"), "1:1: missing required key 'stages'");
  EXPECT_EQ(first_error(text + "references: {a: b}\n"), "8:13: 'references' must be a text or a list of texts");
}

TEST(RuleErrors, StageNames) {
  const char* dup = R"(id: x
title: t
level: low
stages:
  - name: a
    table: process
    where: FileName == "a"
  - name: a
    table: process
    where: FileName == "b"
)";
  EXPECT_EQ(first_error(dup), "8:11: duplicate stage name 'a'");
  const char* field_named = R"(id: x
title: t
level: low
stages:
  - name: FileName
    table: process
    where: FileName == "a"
)";
  EXPECT_EQ(first_error(field_named), "5:11: stage name 'FileName' is a field name; choose another");
  const char* missing = R"(id: x
title: t
level: low
stages:
  - name: a
    where: FileName == "a"
)";
  EXPECT_EQ(first_error(missing), "5:5: stage is missing required key 'table'");
}

// A list item that is not a stage is an error of its own; the stages after it
// still resolve their references by name (a fuzzer found a later stage's
// reference read past the loaded stages when such items were dropped).
TEST(RuleErrors, ItemsThatAreNotStagesKeepTheOthersInPlace) {
  const char* text = R"(id: x
title: t
level: low
stages:
  - 1
  - 2
  - 3
  - name: a
    table: process
    where: ProcessId == 1
  - name: b
    table: process
    where: a.ProcessId == InitiatingProcessId
assumable: [a.ProcessId]
)";
  EXPECT_EQ(errors_of(text),
            (std::vector<std::string>{"5:5: each stage must be a mapping with name, table and where",
                                      "6:5: each stage must be a mapping with name, table and where",
                                      "7:5: each stage must be a mapping with name, table and where"}));
}

TEST(RuleErrors, ExpressionErrorsPointIntoTheFile) {
  // A multi-line plain scalar, as the seed rule writes its where clauses.
  const char* text = R"(id: x
title: t
level: low
stages:
  - name: rpc
    table: network
    where: LocalPort == 135
  - name: dcom
    table: process
    where: InitiatingProcessFileName =~ "svchost.exe"
           and datetime_diff("second", Timestamp, rcp.Timestamp) between (0 .. 2)
)";
  EXPECT_EQ(first_error(text), "11:51: where: unknown stage 'rcp' (stages: rpc, dcom)");

  const char* later = R"(id: x
title: t
level: low
stages:
  - name: rpc
    table: network
    where: LocalPort == 135 and Timestamp < dcom.Timestamp
  - name: dcom
    table: process
    where: FileName == "x"
)";
  EXPECT_EQ(first_error(later),
            "7:45: where: stage 'dcom' comes after stage 'rpc': a stage can only refer to earlier stages");

  const char* syntax = R"(id: x
title: t
level: low
stages:
  - name: a
    table: process
    where: FileName == "a" and
           FileName contain "b"
)";
  EXPECT_EQ(first_error(syntax),
            "8:21: where: expected an operator, 'and', 'or' or the end of the expression, found 'contain'");

  const char* quoted = R"(id: x
title: t
level: low
stages:
  - name: a
    table: process
    where: "FileName == \"a\" and Bogus == 1"
)";
  EXPECT_EQ(first_error(quoted), "7:35: where: unknown field 'Bogus'");

  const char* block = R"(id: x
title: t
level: low
stages:
  - name: a
    table: process
    where: |
      FileName == "a"
        and LocalPort > "x" + 1
)";
  EXPECT_EQ(first_error(block), "9:29: where: cannot compute string + long ('\"x\"' + '1')");

  const char* folded = R"(id: x
title: t
level: low
stages:
  - name: a
    table: process
    where: >-
      FileName == "a"
      and bin(Timestamp, 5) > LastBootTime
)";
  EXPECT_EQ(first_error(folded), "9:26: where: bin() of a datetime needs a timespan bin size, got long");

  const char* not_bool = R"(id: x
title: t
level: low
stages:
  - name: a
    table: process
    where: FileName
)";
  EXPECT_EQ(first_error(not_bool), "7:12: where: a condition must be true or false, but this expression is a string");

  const char* empty = R"(id: x
title: t
level: low
stages:
  - name: a
    table: process
    where:
)";
  EXPECT_EQ(first_error(empty).substr(0, 2), "7:");
}

TEST(RuleErrors, SummarizeErrors) {
  std::string text = R"(id: x
title: t
level: low
stages:
  - name: rpc
    table: network
    where: LocalPort == 135
  - name: child
    table: process
    where: FileName == "cmd.exe"
)";
  EXPECT_EQ(first_error(text + "summarize:\n  collect: make_bag(child.FileName)\n"),
            "12:12: summarize.collect: unknown aggregation 'make_bag' (make_set, make_list or count)");
  EXPECT_EQ(first_error(text + "summarize:\n  collect: make_set(child.FileNam)\n"),
            "12:27: summarize.collect: unknown field 'FileNam' (did you mean FileName?)");
  EXPECT_EQ(first_error(text + "summarize:\n  by: [rpc.Timestamp, dcom.ProcessId]\n"),
            "12:23: summarize.by: unknown stage 'dcom' (stages: rpc, child)");
  EXPECT_EQ(first_error(text + "summarize:\n  by: [DeviceName, DeviceName]\n"),
            "12:20: duplicate summarize column 'DeviceName'");

  rules::LoadResult ok =
      rules::load_rule_text(text +
                                "summarize:\n  collect: [Children = make_list(child.ProcessCommandLine), count()]\n"
                                "  by: [Host = tolower(DeviceName), rpc.RemoteIP]\n",
                            "r.yml");
  for (const rules::RuleError& e : ok.errors) ADD_FAILURE() << e.str();
  ASSERT_EQ(ok.rules.size(), 1u);
  const rules::Summarize& s = ok.rules[0].summarize;
  ASSERT_EQ(s.collect.size(), 2u);
  EXPECT_EQ(s.collect[0].name, "Children");
  EXPECT_EQ(s.collect[0].kind, rules::Aggregate::Kind::MakeList);
  EXPECT_EQ(s.collect[1].name, "count()");
  EXPECT_EQ(s.collect[1].kind, rules::Aggregate::Kind::Count);
  EXPECT_FALSE(s.collect[1].arg.valid());
  ASSERT_EQ(s.by.size(), 2u);
  EXPECT_EQ(s.by[0].name, "Host");
  EXPECT_EQ(s.by[1].name, "rpc.RemoteIP");
}

TEST(RuleErrors, DirectoryLoadingAndDuplicateIds) {
  fs::path dir = fs::temp_directory_path() / ("evtxhunt-rules-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  auto write = [](const fs::path& p, const std::string& s) { std::ofstream(p) << s; };
  write(dir / "a.yml", kMinimal);
  write(dir / "sub" / "b.yaml", kMinimal);  // same id
  write(dir / "c.yml", "id: other\ntitle: t\nlevel: low\nstages: []\n");
  write(dir / "notes.txt", "not a rule");
  rules::LoadResult r = rules::load_rules(dir);
  ASSERT_EQ(r.rules.size(), 1u);
  EXPECT_EQ(r.rules[0].id, "test-rule");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].str(), (dir / "c.yml").string() + ":4:9: 'stages' must be a non-empty list of stages");
  EXPECT_EQ(r.errors[1].str(), (dir / "sub" / "b.yaml").string() + ":1:5: duplicate rule id 'test-rule' (also in " +
                                   (dir / "a.yml").string() + ":1)");

  rules::LoadResult missing = rules::load_rules(dir / "nope.yml");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].str(), (dir / "nope.yml").string() + ": no such file or folder");
  fs::remove_all(dir);
}

// The discovery the CLI uses for every rule language is the one load_rules
// uses: sorted, hidden entries left out, a link loop ended and named, a FIFO
// never opened, a file named directly taken whatever its extension.
TEST(RuleFiles, OneDiscoveryForTheCliAndTheLoader) {
  fs::path dir = fs::temp_directory_path() / ("evtxhunt-rule-files-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "b" / ".hidden");
  auto write = [](const fs::path& p, const std::string& s) { std::ofstream(p) << s; };
  write(dir / "b" / "z.YML", "x");
  write(dir / "b" / ".hidden" / "h.yml", "x");
  write(dir / "a.kql", "x");
  write(dir / "notes.txt", "x");
  fs::create_directory_symlink(dir, dir / "b" / "loop");
  ASSERT_EQ(::mkfifo((dir / "pipe.yml").c_str(), 0600), 0);
  rules::RuleFiles found = rules::find_rule_files({dir, dir / "notes.txt", dir / "missing.yml"});
  ASSERT_EQ(found.files.size(), 3u);
  EXPECT_EQ(found.files[0], dir / "a.kql");
  EXPECT_EQ(found.files[1], dir / "b" / "z.YML");
  EXPECT_EQ(found.files[2], dir / "notes.txt");
  ASSERT_EQ(found.problems.size(), 3u);
  EXPECT_EQ(found.problems[0].str(),
            (dir / "b" / "loop").string() + ": folder already read (a symbolic link loop or a second link to it)");
  EXPECT_EQ(found.problems[1].str(),
            (dir / "pipe.yml").string() + ": not a regular file (a FIFO or device is never read as rules)");
  EXPECT_EQ(found.problems[2].str(), (dir / "missing.yml").string() + ": no such file or folder");
  std::string why;
  EXPECT_EQ(rules::read_rule_file(dir / "a.kql", why), std::optional<std::string>("x"));
  EXPECT_FALSE(rules::read_rule_file(dir / "b", why));
  EXPECT_EQ(why, "cannot read: Is a directory");
  fs::remove_all(dir);
}

}  // namespace

// --- optional stages, lists, link ---

TEST(RuleErrors, OptionalStagesAreTrailingAndCarryTheirLevel) {
  std::string two = std::string(kMinimal) + R"(  - name: b
    table: process
    optional: true
    level_without: informational
    where: InitiatingProcessUniqueId == a.ProcessUniqueId
)";
  rules::LoadResult r = rules::load_rule_text(two, "r.yml");
  ASSERT_TRUE(r.ok()) << r.errors[0].str();
  EXPECT_TRUE(r.rules[0].stages[1].optional);
  EXPECT_EQ(r.rules[0].stages[1].level_without, rules::Level::Informational);
  EXPECT_FALSE(r.rules[0].stages[0].optional);
  std::string first = kMinimal;
  first.replace(first.find("    table: process"), 0, "    optional: true\n");
  EXPECT_EQ(first_error(first), "5:5: the first stage cannot be optional");
  std::string after = two + R"(  - name: c
    table: process
    where: FileName == "x"
)";
  EXPECT_EQ(first_error(after), "13:5: a stage after an optional stage must be optional too");
  std::string lone =
      std::string(kMinimal) + "  - name: b\n    table: process\n    level_without: low\n    where: true\n";
  EXPECT_EQ(first_error(lone), "10:20: level_without belongs to an optional stage");
  std::string yes = std::string(kMinimal) + "  - name: b\n    table: process\n    optional: yes\n    where: true\n";
  EXPECT_EQ(first_error(yes), "10:15: 'optional' must be true or false");
}

TEST(RuleErrors, ListsAreReadBesideTheRuleFile) {
  support::TempDir dir("rule-lists");
  std::ofstream(dir / "names.txt") << "# documented values\n{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}  thumbnails\n"
                                      "mmc.exe  MMC\n\n";
  std::string rule = R"(id: t
title: T
level: low
lists:
  names: names.txt
stages:
  - name: a
    table: process
    where: FileName in~ (names, "cmd.exe")
)";
  std::ofstream(dir / "t.yml") << rule;
  rules::LoadResult r = rules::load_rules(dir / "t.yml");
  ASSERT_TRUE(r.ok()) << r.errors[0].str();
  EXPECT_EQ(r.rules[0].lists.at("names"),
            (std::vector<std::string>{"{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}", "mmc.exe"}));
  normalize::NormalizedEvent ev;
  ev[normalize::Field::FileName] = normalize::FieldValue::str("MMC.EXE");
  EXPECT_EQ(r.rules[0].stages[0].where.test({&ev, {}}).truth, rules::Truth::True);
  ev[normalize::Field::FileName] = normalize::FieldValue::str("cmd.exe");
  EXPECT_EQ(r.rules[0].stages[0].where.test({&ev, {}}).truth, rules::Truth::True);
  ev[normalize::Field::FileName] = normalize::FieldValue::str("names");
  EXPECT_EQ(r.rules[0].stages[0].where.test({&ev, {}}).truth, rules::Truth::False);

  std::ofstream(dir / "missing.yml") << std::string(rule).replace(rule.find("names.txt"), 9, "nope.txt");
  rules::LoadResult m = rules::load_rules(dir / "missing.yml");
  ASSERT_GE(m.errors.size(), 1u);  // and the where clause then names an unknown field
  EXPECT_NE(m.errors[0].str().find(":5:10: list 'names': "), std::string::npos) << m.errors[0].str();
  std::ofstream(dir / "empty.txt") << "# nothing\n";
  std::ofstream(dir / "empty.yml") << std::string(rule).replace(rule.find("names.txt"), 9, "empty.txt");
  rules::LoadResult e = rules::load_rules(dir / "empty.yml");
  ASSERT_GE(e.errors.size(), 1u);
  EXPECT_NE(e.errors[0].message.find("the list has no values"), std::string::npos);
  std::string field_name = rule;
  field_name.replace(field_name.find("  names: names.txt"), 18, "  FileName: names.txt");
  EXPECT_EQ(first_error(field_name).rfind("5:3: invalid list name 'FileName'", 0), 0u);
}

TEST(RuleErrors, LinkNeedsItsKeysAndAStage) {
  std::string base = kMinimal;
  rules::LoadResult ok = rules::load_rule_text(
      base + "link:\n  side: source\n  peer_address: a.RemoteIP\n  time: a.Timestamp\n  process: a\n", "r.yml");
  ASSERT_TRUE(ok.ok()) << ok.errors[0].str();
  ASSERT_TRUE(ok.rules[0].link.has_value());
  EXPECT_EQ(ok.rules[0].link->side, rules::Link::Side::Source);
  EXPECT_TRUE(ok.rules[0].link->peer_address.valid());
  EXPECT_FALSE(ok.rules[0].link->peer_name.valid());
  EXPECT_EQ(first_error(base + "link:\n  side: target\n  peer_address: a.RemoteIP\n  time: a.Timestamp\n"),
            "8:1: link is missing required key 'process'");
  EXPECT_EQ(first_error(base + "link:\n  side: up\n  peer_address: a.RemoteIP\n  time: a.Timestamp\n  process: a\n"),
            "9:9: invalid link side 'up' (source or target)");
  EXPECT_EQ(first_error(base + "link:\n  side: target\n  peer_address: a.RemoteIP\n  time: a.FileName\n  process: a\n"),
            "8:1: link.time must be a datetime");
  EXPECT_EQ(
      first_error(base + "link:\n  side: target\n  peer_address: a.RemoteIP\n  time: a.Timestamp\n  process: z\n"),
      "12:12: unknown stage 'z' in link.process");
}

// yaml-cpp 0.7 never returns on a ',' in block context outside a scalar
// (found by fuzzing with the 17-byte file ", The\\017\\0.e\\021 \\243Thee "): such
// text is refused with its position before yaml-cpp sees it; commas inside
// plain scalars (a comment ends one), quoted scalars, flow collections,
// comments and block scalars are left alone.
TEST(RuleErrors, StrayCommaIsAnErrorNotAHang) {
  EXPECT_EQ(first_error(","), "1:1: invalid YAML: ',' outside a flow collection");
  EXPECT_EQ(first_error(std::string(", The\017\0.e\021 \243Thee ", 17)),
            "1:1: invalid YAML: ',' outside a flow collection");
  EXPECT_EQ(first_error("id: x\ntitle: \"t\",\n"), "2:11: invalid YAML: ',' outside a flow collection");
  EXPECT_EQ(first_error("id: x\nlevel: ,\n"), "2:8: invalid YAML: ',' outside a flow collection");
  // A NUL before it (fuzzing, 2 bytes: yaml-cpp never returned).
  EXPECT_EQ(first_error(std::string("\0,", 2)), "1:2: invalid YAML: ',' outside a flow collection");
  // In a tag or an anchor before the node (fuzzing, 4 bytes: "!fu,").
  EXPECT_EQ(first_error("!fu,"), "1:4: invalid YAML: ',' outside a flow collection");
  EXPECT_EQ(first_error("id: &a,\n"), "1:7: invalid YAML: ',' outside a flow collection");
  // A comment ends a plain scalar, so a deeper line after it does not go on with it
  // (fuzzing, 83 bytes: yaml-cpp took 7.5 GB and never returned).
  EXPECT_EQ(first_error("o #Detect1 execution\n , title: AppLocker\nin"),
            "2:2: invalid YAML: ',' outside a flow collection");
  std::string fine = std::string(kMinimal) +
                     "description: >\n  , a folded line may start with a comma\n"
                     "references: [a, b]  # a, comment\nauthor: it's, plain\n";
  rules::LoadResult r = rules::load_rule_text(fine, "r.yml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].str());
}
