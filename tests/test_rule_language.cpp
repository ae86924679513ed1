// The rule expression language (src/rules/expression.h): every operator with
// KQL's case rules, literals, datetime_diff / bin with Kusto's semantics,
// three-valued logic and the unknown fields it reports, stage references,
// compile errors with positions, and the time windows derived for the replay.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "normalize/normalized_event.h"
#include "rules/expression.h"
#include "rules/text_match.h"
#include "rules/time_format.h"

namespace {

using normalize::Field;
using normalize::FieldValue;
using normalize::NormalizedEvent;
using rules::Truth;

normalize::Ticks at(const char* text) {
  auto t = rules::parse_datetime(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(0);
}

NormalizedEvent event(std::initializer_list<std::pair<Field, FieldValue>> fields) {
  NormalizedEvent e;
  for (const auto& [f, v] : fields) e[f] = v;
  return e;
}

FieldValue S(const char* s) { return FieldValue::str(s); }
FieldValue I(int64_t i) { return FieldValue::integer(i); }
FieldValue T(const char* s) { return FieldValue::time(at(s)); }

// Evaluates a predicate on one event (no stages).
Truth eval(const std::string& expr, const NormalizedEvent& ev = NormalizedEvent{}) {
  rules::Expression e = rules::compile_predicate(expr);
  return e.test(rules::EvalContext{&ev, {}}).truth;
}

rules::Value value(const std::string& expr, const NormalizedEvent& ev = NormalizedEvent{}) {
  return rules::compile(expr).evaluate(rules::EvalContext{&ev, {}});
}

// The compile error for an expression (offset, message); fails if it compiles.
rules::CompileError error_of(const std::string& expr, const rules::Scope& scope = {}) {
  try {
    rules::compile_predicate(expr, scope);
  } catch (const rules::CompileError& e) {
    return e;
  }
  ADD_FAILURE() << "compiled: " << expr;
  return rules::CompileError{0, ""};
}

#define EXPECT_TRUE_EXPR(x) EXPECT_EQ(eval(x), Truth::True) << (x)
#define EXPECT_FALSE_EXPR(x) EXPECT_EQ(eval(x), Truth::False) << (x)

// --- schema names ---

TEST(Schema, EveryFieldHasAUniqueNameThatRoundTrips) {
  for (size_t i = 0; i < normalize::kFieldCount; ++i) {
    auto f = static_cast<Field>(i);
    ASSERT_NE(normalize::field_name(f), nullptr) << i;
    std::string name = normalize::field_name(f);
    ASSERT_FALSE(name.empty()) << i;
    EXPECT_EQ(normalize::field_by_name(name), f) << name;
  }
  EXPECT_EQ(normalize::field_by_name("LastBootTime"), Field::LastBootTime);
  EXPECT_EQ(normalize::field_by_name("filename"), std::nullopt);  // names are case-sensitive, as KQL columns
  EXPECT_STREQ(normalize::table_name(normalize::Table::Process), "DeviceProcessEvents");
  EXPECT_STREQ(normalize::table_name(normalize::Table::Network), "DeviceNetworkEvents");
}

// --- equality and case rules ---

TEST(Operators, EqualityIsCaseSensitiveTildeFormsAreNot) {
  EXPECT_TRUE_EXPR(R"("aBc" == "aBc")");
  EXPECT_FALSE_EXPR(R"("abc" == "ABC")");
  EXPECT_TRUE_EXPR(R"("abc" != "ABC")");
  EXPECT_TRUE_EXPR(R"("abc" =~ "ABC")");
  EXPECT_FALSE_EXPR(R"("abc" !~ "ABC")");
  EXPECT_TRUE_EXPR(R"("aBc" !~ "xyz")");
  NormalizedEvent ev = event({{Field::InitiatingProcessFileName, S("SVCHOST.EXE")}});
  EXPECT_EQ(eval(R"(InitiatingProcessFileName =~ "svchost.exe")", ev), Truth::True);
  EXPECT_EQ(eval(R"(InitiatingProcessFileName == "svchost.exe")", ev), Truth::False);
  EXPECT_EQ(eval(R"("svchost.exe" =~ InitiatingProcessFileName)", ev), Truth::True);  // folded at run time
}

TEST(Operators, UnicodeCaseFolding) {
  EXPECT_TRUE_EXPR(R"("ÄRGER.EXE" =~ "ärger.exe")");
  EXPECT_TRUE_EXPR(R"("ПРИВЕТ" =~ "привет")");
  EXPECT_FALSE_EXPR(R"("ÄRGER" == "ärger")");
  EXPECT_FALSE_EXPR(R"("Straße.exe" contains "SSE.EXE")");  // no multi-character folding
  EXPECT_EQ(rules::fold_case("ÀÉÎ ΣΩ Ё"), "àéî σω ё");
  EXPECT_EQ(rules::upper_case("àéî σω ё"), "ÀÉÎ ΣΩ Ё");
}

TEST(Operators, Ordering) {
  EXPECT_TRUE_EXPR("1 < 2");
  EXPECT_TRUE_EXPR("2 <= 2");
  EXPECT_FALSE_EXPR("2 > 2");
  EXPECT_TRUE_EXPR("2 >= 2");
  EXPECT_TRUE_EXPR("1.5 < 2");
  EXPECT_TRUE_EXPR(R"("a" < "b")");
  EXPECT_TRUE_EXPR(R"("B" < "a")");  // ordinal
  EXPECT_TRUE_EXPR("datetime(2019-04-30) < datetime(2019-04-30 00:00:00.0000001)");
  EXPECT_TRUE_EXPR("1s < 1001ms");
  EXPECT_TRUE_EXPR("-1s < 0s");
}

TEST(Operators, IntegersCompareWithIntegerStrings) {
  NormalizedEvent ev = event({{Field::ProcessId, I(420)}, {Field::LocalPort, I(135)}});
  EXPECT_EQ(eval(R"(ProcessId == "0x1a4")", ev), Truth::True);  // Security logs write PIDs in hex
  EXPECT_EQ(eval(R"(ProcessId == "420")", ev), Truth::True);
  EXPECT_EQ(eval(R"(LocalPort == 135)", ev), Truth::True);
  EXPECT_EQ(eval(R"(LocalPort != 135)", ev), Truth::False);
  EXPECT_EQ(eval(R"(LocalPort in (135, 445))", ev), Truth::True);
  EXPECT_EQ(eval(R"(LocalPort > 100 and LocalPort < 200)", ev), Truth::True);
}

// --- string operators ---

TEST(Operators, ContainsIsSubstringHasIsWholeTerm) {
  NormalizedEvent ev =
      event({{Field::InitiatingProcessCommandLine, S(R"(C:\Windows\system32\svchost.exe -k DcomLaunch -p)")}});
  EXPECT_EQ(eval(R"(InitiatingProcessCommandLine contains "dcomlaunch")", ev), Truth::True);
  EXPECT_EQ(eval(R"(InitiatingProcessCommandLine contains "dcom")", ev), Truth::True);
  EXPECT_EQ(eval(R"(InitiatingProcessCommandLine has "dcomlaunch")", ev), Truth::True);
  EXPECT_EQ(eval(R"(InitiatingProcessCommandLine has "dcom")", ev), Truth::False);  // not a whole term
  EXPECT_EQ(eval(R"(InitiatingProcessCommandLine has "launch")", ev), Truth::False);
  EXPECT_EQ(eval(R"(InitiatingProcessCommandLine has "svchost.exe")", ev), Truth::True);
  // A needle of several terms matches at term boundaries.
  EXPECT_EQ(eval(R"(InitiatingProcessCommandLine has @"system32\svchost")", ev), Truth::True);
  EXPECT_EQ(eval(R"(InitiatingProcessCommandLine has @"stem32\svchost")", ev), Truth::False);
}

TEST(Operators, StringOperatorsAndTheirCaseSensitiveAndNegatedForms) {
  EXPECT_TRUE_EXPR(R"("FabriKam" contains "BRik")");
  EXPECT_FALSE_EXPR(R"("FabriKam" !contains "BRik")");
  EXPECT_TRUE_EXPR(R"("Fabrikam" !contains "xyz")");
  EXPECT_TRUE_EXPR(R"("FabriKam" contains_cs "Kam")");
  EXPECT_FALSE_EXPR(R"("FabriKam" contains_cs "kam")");
  EXPECT_TRUE_EXPR(R"("Fabrikam" !contains_cs "Kam")");
  EXPECT_TRUE_EXPR(R"("North America" has "america")");
  EXPECT_FALSE_EXPR(R"("North America" has_cs "america")");
  EXPECT_TRUE_EXPR(R"("North America" has_cs "America")");
  EXPECT_TRUE_EXPR(R"("North America" !has "amer")");
  EXPECT_TRUE_EXPR(R"("North America" !has_cs "america")");
  EXPECT_TRUE_EXPR(R"("Fabrikam" startswith "fab")");
  EXPECT_FALSE_EXPR(R"("Fabrikam" startswith_cs "fab")");
  EXPECT_TRUE_EXPR(R"("Fabrikam" !startswith "kam")");
  EXPECT_TRUE_EXPR(R"("Fabrikam" !startswith_cs "fab")");
  EXPECT_TRUE_EXPR(R"("Fabrikam" endswith "KAM")");
  EXPECT_FALSE_EXPR(R"("Fabrikam" endswith_cs "KAM")");
  EXPECT_TRUE_EXPR(R"("Fabrikam" !endswith "brik")");
  EXPECT_TRUE_EXPR(R"("Fabrikam" !endswith_cs "Kam")");
  EXPECT_TRUE_EXPR(R"("abc" contains "")");
}

TEST(Operators, InListsAndTheirCaseRules) {
  EXPECT_FALSE_EXPR(R"("DcomLaunch" in ("dcomlaunch"))");
  EXPECT_TRUE_EXPR(R"("DcomLaunch" in~ ("dcomlaunch"))");
  EXPECT_TRUE_EXPR(R"("DcomLaunch" !in ("dcomlaunch"))");
  EXPECT_FALSE_EXPR(R"("DcomLaunch" !in~ ("dcomlaunch"))");
  EXPECT_FALSE_EXPR(R"("csc.exe" !in~ ("CSC.EXE"))");
  EXPECT_TRUE_EXPR(R"("csc.exe" !in ("CSC.EXE"))");
  EXPECT_TRUE_EXPR(R"("b" in ("a", "b", "c"))");
  // The seed's allow-list is case-sensitive: SppExtComObj.exe as Windows
  // writes it is not the listed "SppExtComObj.Exe".
  const std::string seed_list = R"(("TiWorker.exe", "dllhost.exe", "backgroundTaskHost.exe", "mobsync.exe",
      "WmiPrvSE.exe", "RuntimeBroker.exe", "smartscreen.exe", "SppExtComObj.Exe",
      "usocoreworker.exe", "browser_broker.exe", "ssoncom.exe"))";
  NormalizedEvent ev = event({{Field::FileName, S("SppExtComObj.exe")}});
  EXPECT_EQ(eval("FileName !in " + seed_list, ev), Truth::True);
  ev[Field::FileName] = S("dllhost.exe");
  EXPECT_EQ(eval("FileName !in " + seed_list, ev), Truth::False);
  ev[Field::FileName] = S("DllHost.exe");
  EXPECT_EQ(eval("FileName !in " + seed_list, ev), Truth::True);
  EXPECT_EQ(eval("FileName !in~ " + seed_list, ev), Truth::False);
}

TEST(Operators, InWithFieldItems) {
  NormalizedEvent ev = event({{Field::LocalIP, S("10.0.0.1")}, {Field::RemoteIP, S("10.0.0.1")}});
  EXPECT_EQ(eval(R"("10.0.0.1" in (LocalIP, "x"))", ev), Truth::True);
  EXPECT_EQ(eval(R"("y" in (AccountName, "x"))", ev), Truth::Unknown);  // no match, one unknown item
  EXPECT_EQ(eval(R"("x" in (AccountName, "x"))", ev), Truth::True);     // a match decides
}

TEST(Operators, MatchesRegex) {
  EXPECT_FALSE_EXPR(R"("svchost.exe -k DcomLaunch" matches regex "-k\\s+dcom")");  // case-sensitive
  EXPECT_TRUE_EXPR(R"("svchost.exe -k DcomLaunch" matches regex "-k\\s+Dcom")");
  EXPECT_TRUE_EXPR(R"("C:\\Windows\\mmc.exe" matches regex @"\\mmc\.exe$")");
  EXPECT_TRUE_EXPR(R"("svchost.exe -k DcomLaunch" matches regex "(?i)-k\\s+dcom")");
  // RE2: linear time whatever the text (a backtracking engine takes exponential
  // time on this pattern and overflows its stack on long inputs).
  std::string long_text(100000, 'a');
  EXPECT_EQ(eval("\"" + long_text + "!\" matches regex \"(a+)+$\""), Truth::False);
  EXPECT_EQ(eval("\"" + long_text + "\" matches regex \"^(a|aa)*$\""), Truth::True);
}

TEST(Functions, ExtractReturnsTheGroupOrEmpty) {
  NormalizedEvent ev =
      event({{Field::ProcessCommandLine,
              S("C:\\Windows\\system32\\DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}")}});
  rules::Value v = value(R"x(extract(@"(?i)/processid:(\{[0-9a-f-]+\})", 1, ProcessCommandLine))x", ev);
  EXPECT_EQ(v.str(), "{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}");
  EXPECT_EQ(value(R"x(extract("Processid", 0, ProcessCommandLine))x", ev).str(), "Processid");
  EXPECT_EQ(value(R"x(extract("nothing(here)", 1, ProcessCommandLine))x", ev).str(), "");  // as Kusto: ""
  EXPECT_EQ(eval(R"x(extract("x(y)", 1, AccountName) == "y")x", ev), Truth::Unknown);
  EXPECT_NE(error_of(R"x(extract("(a)", 2, FileName) == "")x").message.find("has 1 capture group(s), not 2"),
            std::string::npos);
  EXPECT_NE(error_of(R"x(extract(FileName, 1, FileName) == "")x").message.find("string literal"), std::string::npos);
  EXPECT_NE(error_of(R"x(extract("(a", 1, FileName) == "")x").message.find("RE2"), std::string::npos);
}

TEST(Operators, BetweenWithNumbersDatetimesAndTimespans) {
  EXPECT_TRUE_EXPR("2 between (0 .. 2)");
  EXPECT_TRUE_EXPR("0 between (0 .. 2)");
  EXPECT_FALSE_EXPR("3 between (0 .. 2)");
  EXPECT_FALSE_EXPR("-1 between (0 .. 2)");
  EXPECT_TRUE_EXPR("-1 !between (0 .. 2)");
  EXPECT_FALSE_EXPR("1 !between (0 .. 2)");
  EXPECT_TRUE_EXPR("1.5 between (1 .. 2)");
  EXPECT_TRUE_EXPR("1 between (0..2)");  // no spaces: 0..2 is not a real number
  EXPECT_TRUE_EXPR("datetime(2020-01-01 12:00) between (datetime(2020-01-01) .. datetime(2020-01-02))");
  EXPECT_TRUE_EXPR("datetime(2020-01-01 12:00) between (datetime(2020-01-01) .. 12h)");  // start .. length
  EXPECT_FALSE_EXPR("datetime(2020-01-01 12:00) between (datetime(2020-01-01) .. 11h)");
  EXPECT_TRUE_EXPR("90s between (1m .. 2m)");
}

// --- datetime_diff ---

TEST(DatetimeDiff, CountsBoundariesCrossedAsKustoDoes) {
  // Kusto's documented example row.
  auto diff = [](const char* p, const char* a, const char* b) {
    return value(std::string("datetime_diff(\"") + p + "\", datetime(" + a + "), datetime(" + b + "))").i;
  };
  EXPECT_EQ(diff("year", "2017-01-01", "2000-12-31"), 17);
  EXPECT_EQ(diff("quarter", "2017-07-01", "2017-03-30"), 2);
  EXPECT_EQ(diff("month", "2017-01-01", "2015-12-30"), 13);
  EXPECT_EQ(diff("week", "2017-10-29 00:00", "2017-09-30 23:59"), 5);
  EXPECT_EQ(diff("day", "2017-10-29 00:00", "2017-09-30 23:59"), 29);
  EXPECT_EQ(diff("hour", "2017-10-31 01:00", "2017-10-30 23:59"), 2);
  EXPECT_EQ(diff("minute", "2017-10-30 23:05:01", "2017-10-30 23:00:59"), 5);
  EXPECT_EQ(diff("second", "2017-10-30 23:00:10.100", "2017-10-30 23:00:00.900"), 10);
  EXPECT_EQ(diff("millisecond", "2017-10-30 23:00:00.200100", "2017-10-30 23:00:00.100900"), 100);
  EXPECT_EQ(diff("microsecond", "2017-10-30 23:00:00.1009001", "2017-10-30 23:00:00.1008009"), 100);
  EXPECT_EQ(diff("nanosecond", "2017-10-30 23:00:00.0000000", "2017-10-30 23:00:00.0000007"), -700);
  EXPECT_EQ(diff("Second", "2017-10-30 23:00:10.100", "2017-10-30 23:00:00.900"), 10);  // period is case-insensitive
  // Weeks start on Sunday: Saturday 2017-10-14 -> Sunday 2017-10-15 crosses one.
  EXPECT_EQ(diff("week", "2017-10-15", "2017-10-14"), 1);
  EXPECT_EQ(diff("week", "2017-10-14", "2017-10-09"), 0);
}

TEST(DatetimeDiff, SecondBoundaryCasesOfTheSeedWindow) {
  // where datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2)
  rules::Scope scope{{"rpc", "dcom"}, 1, false, {}};
  rules::Expression e =
      rules::compile_predicate(R"(datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2))", scope);
  rules::Expression d = rules::compile(R"(datetime_diff("second", Timestamp, rpc.Timestamp))", scope);
  auto check = [&](const char* rpc_time, const char* dcom_time, int64_t expect_diff, Truth expect) {
    NormalizedEvent rpc = event({{Field::Timestamp, T(rpc_time)}});
    NormalizedEvent dcom = event({{Field::Timestamp, T(dcom_time)}});
    const NormalizedEvent* chain[] = {&rpc};
    rules::EvalContext ctx{&dcom, chain};
    EXPECT_EQ(d.evaluate(ctx).i, expect_diff) << rpc_time << " -> " << dcom_time;
    EXPECT_EQ(e.test(ctx).truth, expect) << rpc_time << " -> " << dcom_time;
  };
  check("2019-04-30 23:00:00.900", "2019-04-30 23:00:10.100", 10, Truth::False);
  check("2019-04-30 10:00:00.100", "2019-04-30 10:00:02.900", 2, Truth::True);    // 2.8 s gap, seconds differ by 2
  check("2019-04-30 10:00:00.950", "2019-04-30 10:00:03.050", 3, Truth::False);   // 2.1 s gap, seconds differ by 3
  check("2019-04-30 10:00:00.700", "2019-04-30 10:00:00.200", 0, Truth::True);    // 0.5 s before, same second
  check("2019-04-30 10:00:01.200", "2019-04-30 10:00:00.700", -1, Truth::False);  // 0.5 s before, across a boundary
  check("2019-04-30 10:00:00.000", "2019-04-30 10:00:02.9999999", 2, Truth::True);
  check("2019-04-30 10:00:00.000", "2019-04-30 10:00:03.000", 3, Truth::False);
}

// --- bin ---

TEST(Bin, FloorsToMultiplesOfTheSize) {
  EXPECT_EQ(value("bin(Timestamp, 5s)", event({{Field::Timestamp, T("2019-04-30 10:00:04.9999999")}})).i,
            at("2019-04-30 10:00:00"));
  EXPECT_EQ(value("bin(Timestamp, 5s)", event({{Field::Timestamp, T("2019-04-30 10:00:05")}})).i,
            at("2019-04-30 10:00:05"));
  EXPECT_EQ(value("bin(datetime(1970-05-11 13:45:07), 1d)").i, at("1970-05-11"));
  EXPECT_EQ(value("bin(17, 5)").i, 15);
  EXPECT_EQ(value("bin(-3, 5)").i, -5);
  EXPECT_DOUBLE_EQ(value("bin(4.5, 1)").r, 4.0);
  EXPECT_EQ(value("bin(timespan(16d), 7d)").i, value("14d").i);
  EXPECT_EQ(value("floor(17, 5)").i, 15);
  // Bins count from 0001-01-01 as Kusto's do: 7-day bins start on Mondays
  // (2017-05-15), and a bin of any size starts at 0001-01-01 00:00.
  EXPECT_EQ(value("bin(datetime(2017-05-17 10:20), 7d)").i, at("2017-05-15"));
  EXPECT_EQ(value("bin(datetime(0001-01-01 00:00:10), 11s)").i, at("0001-01-01"));
  EXPECT_EQ(value("bin(datetime(0001-01-01 00:00:12), 11s)").i, at("0001-01-01 00:00:11"));
}

TEST(Bin, BootGraceAtTheEdgeOfItsFiveSecondBin) {
  // where bin(Timestamp, 5s) > LastBootTime + 5m
  auto grace = [](const char* t, const char* boot) {
    return eval("bin(Timestamp, 5s) > LastBootTime + 5m",
                event({{Field::Timestamp, T(t)}, {Field::LastBootTime, T(boot)}}));
  };
  EXPECT_EQ(grace("2019-04-30 10:05:04.999", "2019-04-30 10:00:00"), Truth::False);  // bin 10:05:00 is not after
  EXPECT_EQ(grace("2019-04-30 10:05:05.000", "2019-04-30 10:00:00"), Truth::True);
  EXPECT_EQ(grace("2019-04-30 10:05:09.999", "2019-04-30 10:00:04.5"), Truth::True);  // bin 10:05:05 > 10:05:04.5
  EXPECT_EQ(grace("2019-04-30 10:05:09.999", "2019-04-30 10:00:05"), Truth::False);
}

// --- literals ---

TEST(Literals, Timespans) {
  EXPECT_TRUE_EXPR("2s == timespan(2s)");
  EXPECT_TRUE_EXPR("2s == timespan(00:00:02)");
  EXPECT_TRUE_EXPR("5m == 300s");
  EXPECT_TRUE_EXPR("1h == 60m");
  EXPECT_TRUE_EXPR("1d == 24h");
  EXPECT_TRUE_EXPR("100ms == 1000000tick");
  EXPECT_TRUE_EXPR("3tick + 7tick == 1microsecond");
  EXPECT_TRUE_EXPR("1.5h == 90m");
  EXPECT_TRUE_EXPR("0.25s == 250ms");
  EXPECT_TRUE_EXPR("2sec == 2s and 5min == 5m and 2days == 48h and 2hours == 120minutes");
  EXPECT_TRUE_EXPR("timespan(1.02:03:04.5) == 1d + 2h + 3m + 4s + 500ms");
  EXPECT_TRUE_EXPR("-1s == 0s - 1s");
  EXPECT_TRUE_EXPR("time(1d) == 1d");
  EXPECT_EQ(value("5m").type, rules::Type::Timespan);
  EXPECT_EQ(value("5m").i, 5 * 60 * normalize::kTicksPerSecond);
}

TEST(Literals, DatetimesAndArithmetic) {
  EXPECT_EQ(value("datetime(2019-04-30T20:35:11.856Z)").i, at("2019-04-30 20:35:11.856"));
  EXPECT_EQ(rules::format_value(value("datetime(2019-04-30T20:35:11.856Z)")), "2019-04-30T20:35:11.8560000Z");
  EXPECT_EQ(value("datetime(2019-04-30T22:35:11.856+02:00)").i, at("2019-04-30 20:35:11.856"));
  EXPECT_EQ(value("datetime(1601-01-01)").i, 0);
  EXPECT_TRUE_EXPR("datetime(2019-04-30) + 1d == datetime(2019-05-01)");
  EXPECT_TRUE_EXPR("datetime(2019-05-01) - 1d == datetime(2019-04-30)");
  EXPECT_TRUE_EXPR("datetime(2019-05-01) - datetime(2019-04-30) == 24h");
  EXPECT_TRUE_EXPR("1d + datetime(2019-04-30) == datetime(2019-05-01)");
  EXPECT_EQ(rules::format_value(value("datetime(2019-05-01) - datetime(2019-04-29 22:59:58.5)")), "1.01:00:01.5000000");
  EXPECT_EQ(rules::format_value(value("0s - 90s")), "-00:01:30");
}

TEST(Literals, StringsNumbersBools) {
  EXPECT_TRUE_EXPR(R"("a\"b" == 'a"b')");
  EXPECT_TRUE_EXPR(R"('it\'s' == "it's")");
  EXPECT_TRUE_EXPR(R"(@"C:\Windows" == "C:\\Windows")");
  EXPECT_TRUE_EXPR(R"(@"say ""hi""" == 'say "hi"')");
  EXPECT_TRUE_EXPR(R"("\u00e4" == "ä")");
  EXPECT_TRUE_EXPR(R"(strlen("a\tb\n") == 4)");
  EXPECT_TRUE_EXPR("0x1A == 26");
  EXPECT_TRUE_EXPR("1e3 == 1000");
  EXPECT_TRUE_EXPR("true and not(false)");
  EXPECT_TRUE_EXPR("1 + 2 * 3 == 7 and (1 + 2) * 3 == 9 and 7 / 2 == 3 and 7 % 3 == 1 and -7 / 2 == -3");
  EXPECT_TRUE_EXPR("1.5 * 2 == 3 and 2s * 3 == 6s and 6s / 2 == 3s and 6s / 2s == 3.0");
  EXPECT_TRUE_EXPR("1 == 1 // a comment to the end of the line\n and 2 == 2");
}

TEST(Functions, StringFunctions) {
  EXPECT_TRUE_EXPR(R"(tolower("SvcHost.EXE") == "svchost.exe")");
  EXPECT_TRUE_EXPR(R"(toupper("svchost.exe") == "SVCHOST.EXE")");
  EXPECT_TRUE_EXPR(R"(strlen("ärger") == 5)");
  EXPECT_TRUE_EXPR(R"(isempty(""))");
  EXPECT_FALSE_EXPR(R"(isempty("x"))");
  EXPECT_TRUE_EXPR(R"(isnotempty("x"))");
  EXPECT_FALSE_EXPR(R"(isempty(0))");
  NormalizedEvent ev = event({{Field::FileName, S("MMC.exe")}});
  EXPECT_EQ(eval(R"(tolower(FileName) == "mmc.exe")", ev), Truth::True);
  EXPECT_EQ(rules::format_value(value("tolower(FileName)", ev)), "mmc.exe");
}

// --- three-valued logic ---

TEST(Unknown, ComparisonsWithUnknownValuesAreUnknownAndNameTheField) {
  NormalizedEvent ev = event({{Field::Timestamp, T("2019-04-30 10:05:05")}, {Field::FileName, S("mmc.exe")}});
  rules::Expression e = rules::compile_predicate("bin(Timestamp, 5s) > LastBootTime + 5m");
  rules::Verdict v = e.test({&ev, {}});
  EXPECT_EQ(v.truth, Truth::Unknown);
  EXPECT_EQ(e.unknown_fields(v.unknowns), std::vector<std::string>{"LastBootTime"});

  EXPECT_EQ(eval(R"(FileName == "mmc.exe" and LastBootTime < Timestamp)", ev), Truth::Unknown);
  EXPECT_EQ(eval(R"(FileName == "calc.exe" and LastBootTime < Timestamp)", ev), Truth::False);  // False dominates
  EXPECT_EQ(eval(R"(FileName == "mmc.exe" or LastBootTime < Timestamp)", ev), Truth::True);     // True dominates
  EXPECT_EQ(eval(R"(FileName == "calc.exe" or LastBootTime < Timestamp)", ev), Truth::Unknown);
  EXPECT_EQ(eval("not(LastBootTime < Timestamp)", ev), Truth::Unknown);
  EXPECT_EQ(eval("isempty(AccountName)", ev), Truth::Unknown);
  EXPECT_EQ(eval("isnotempty(AccountName)", ev), Truth::Unknown);
  EXPECT_EQ(eval(R"(AccountName != "x")", ev), Truth::Unknown);
  EXPECT_EQ(eval(R"(AccountName !in ("x"))", ev), Truth::Unknown);
  EXPECT_EQ(eval(R"(AccountName !contains "x")", ev), Truth::Unknown);
  EXPECT_EQ(eval(R"(AccountName matches regex "x")", ev), Truth::Unknown);
  EXPECT_EQ(eval(R"(tolower(AccountName) == "x")", ev), Truth::Unknown);
  EXPECT_EQ(eval(R"(strlen(AccountName) > 0)", ev), Truth::Unknown);
  EXPECT_EQ(eval(R"(LocalPort between (0 .. 2))", ev), Truth::Unknown);
}

TEST(Unknown, FalseConjunctHidesUnknownOnes) {
  NormalizedEvent ev = event({{Field::FileName, S("calc.exe")}});
  rules::Expression e = rules::compile_predicate(R"(AccountName == "x" and FileName == "mmc.exe")");
  rules::Verdict v = e.test({&ev, {}});
  EXPECT_EQ(v.truth, Truth::False);
  EXPECT_EQ(v.unknowns, 0u);
}

TEST(Unknown, FieldsOfEarlierStagesAreNamedWithTheStage) {
  rules::Scope scope{{"rpc", "dcom"}, 1, false, {}};
  rules::Expression e = rules::compile_predicate(
      R"(InitiatingProcessCommandLine contains "dcomlaunch" and FileName != "x"
         and datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2))",
      scope);
  NormalizedEvent rpc = event({{Field::LocalPort, I(135)}});  // no Timestamp
  NormalizedEvent dcom = event({{Field::Timestamp, T("2019-04-30 10:00:00")}, {Field::FileName, S("mmc.exe")}});
  const NormalizedEvent* chain[] = {&rpc};
  rules::Verdict v = e.test({&dcom, chain});
  EXPECT_EQ(v.truth, Truth::Unknown);
  EXPECT_EQ(e.unknown_fields(v.unknowns), (std::vector<std::string>{"InitiatingProcessCommandLine", "rpc.Timestamp"}));
  // An unbound stage reads as unknown too.
  v = e.test({&dcom, {}});
  EXPECT_EQ(v.truth, Truth::Unknown);
}

// --- stages ---

TEST(Stages, ReferencesResolveToEarlierStageEvents) {
  rules::Scope scope{{"rpc", "dcom", "child"}, 2, false, {}};
  rules::Expression e = rules::compile_predicate(
      R"(InitiatingProcessUniqueId == dcom.ProcessUniqueId and rpc.LocalPort == 135 and child.FileName =~ "cmd.exe")",
      scope);
  EXPECT_EQ(e.referenced_stages(), (std::vector<size_t>{0, 1}));  // child.X is the current event
  NormalizedEvent rpc = event({{Field::LocalPort, I(135)}});
  NormalizedEvent dcom = event({{Field::ProcessUniqueId, S("{guid-1}")}});
  NormalizedEvent child = event({{Field::InitiatingProcessUniqueId, S("{guid-1}")}, {Field::FileName, S("CMD.EXE")}});
  const NormalizedEvent* chain[] = {&rpc, &dcom};
  EXPECT_EQ(e.test({&child, chain}).truth, Truth::True);
  child[Field::InitiatingProcessUniqueId] = S("{guid-2}");
  EXPECT_EQ(e.test({&child, chain}).truth, Truth::False);
  ASSERT_EQ(e.join_keys().size(), 1u);
  EXPECT_EQ(e.join_keys()[0].field, Field::InitiatingProcessUniqueId);
  EXPECT_EQ(e.join_keys()[0].stage, 1u);
  EXPECT_EQ(e.join_keys()[0].stage_field, Field::ProcessUniqueId);
  EXPECT_FALSE(e.join_keys()[0].case_insensitive);
}

TEST(Stages, SummarizeScopeSeesEveryStage) {
  rules::Scope scope{{"rpc", "dcom", "child"}, 2, true, {}};
  rules::Expression e = rules::compile("child.ProcessCommandLine", scope);
  NormalizedEvent child = event({{Field::ProcessCommandLine, S("cmd /c whoami")}});
  const NormalizedEvent* chain[] = {nullptr, nullptr, &child};
  EXPECT_EQ(rules::format_value(e.evaluate({&child, chain})), "cmd /c whoami");
}

// --- compile errors ---

// RE2 is linear in the text, but its constant is the program's size: a
// pattern of large bounded repeats is refused at load, not paid per event.
TEST(CompileErrors, RegularExpressionsTooLargeAreRefused) {
  std::string big = "(?:ab|cd){1000}(?:ef|gh){1000}(?:ij|kl){1000}(?:mn|op){1000}(?:qr|st){1000}x";
  rules::CompileError e = error_of("ProcessCommandLine matches regex \"" + big + "\"");
  EXPECT_EQ(e.offset, 33u);
  EXPECT_NE(e.message.find("regular expression too large: 20005 RE2 instructions (at most 20000)"), std::string::npos)
      << e.message;
  e = error_of("extract(\"" + big + "\", 0, ProcessCommandLine) == \"\"");
  EXPECT_NE(e.message.find("regular expression too large"), std::string::npos) << e.message;
  rules::compile_predicate(R"(ProcessCommandLine matches regex ".{1000,}")");  // SigmaHQ's largest: 8,005
}

TEST(CompileErrors, NamesAndPositions) {
  rules::Scope dcom_scope{{"rpc", "dcom", "child"}, 1, false, {}};
  rules::CompileError e = error_of("InitiatingProcessUniqueId == child.ProcessUniqueId", dcom_scope);
  EXPECT_EQ(e.offset, 29u);
  EXPECT_NE(e.message.find("stage 'child' comes after stage 'dcom'"), std::string::npos) << e.message;

  e = error_of("FileName == foo.FileName", dcom_scope);
  EXPECT_EQ(e.offset, 12u);
  EXPECT_NE(e.message.find("unknown stage 'foo' (stages: rpc, dcom, child)"), std::string::npos) << e.message;

  e = error_of(R"(filename == "x")");
  EXPECT_EQ(e.offset, 0u);
  EXPECT_NE(e.message.find("unknown field 'filename' (did you mean FileName?)"), std::string::npos) << e.message;

  e = error_of(R"(rpc.Bogus == 1)", dcom_scope);
  EXPECT_EQ(e.offset, 4u);
  EXPECT_NE(e.message.find("unknown field 'Bogus'"), std::string::npos) << e.message;

  e = error_of("rpc == 1", dcom_scope);
  EXPECT_NE(e.message.find("'rpc' is a stage"), std::string::npos) << e.message;

  e = error_of(R"(FileName contain "x")");
  EXPECT_EQ(e.offset, 9u);
  EXPECT_NE(e.message.find("'contain'"), std::string::npos) << e.message;

  e = error_of(R"(FileName == )");
  EXPECT_EQ(e.offset, 12u);

  e = error_of(R"(FileName = "x")");
  EXPECT_EQ(e.offset, 9u);

  e = error_of(R"(FileName == "x)");
  EXPECT_EQ(e.offset, 12u);
  EXPECT_NE(e.message.find("unterminated string"), std::string::npos);

  e = error_of(R"(datetime_diff("fortnight", Timestamp, Timestamp) > 1)");
  EXPECT_EQ(e.offset, 14u);
  EXPECT_NE(e.message.find("unknown datetime_diff period \"fortnight\""), std::string::npos) << e.message;

  e = error_of(R"(Timestamp == "yesterday")");
  EXPECT_EQ(e.offset, 10u);
  EXPECT_NE(e.message.find("cannot compare datetime"), std::string::npos) << e.message;

  e = error_of("bin(Timestamp, 5) > LastBootTime");
  EXPECT_EQ(e.offset, 15u);
  e = error_of("bin(Timestamp, 0s) > LastBootTime");
  EXPECT_NE(e.message.find("above zero"), std::string::npos);
  e = error_of("bin(Timestamp, Timestamp - LastBootTime) > LastBootTime");
  EXPECT_NE(e.message.find("constant bin size"), std::string::npos);

  e = error_of(R"(FileName contains 5)");
  EXPECT_EQ(e.offset, 18u);

  e = error_of(R"(1 < 2 < 3)");
  EXPECT_EQ(e.offset, 6u);
  EXPECT_NE(e.message.find("chained"), std::string::npos);

  e = error_of(R"(FileName in ())");
  EXPECT_EQ(e.offset, 13u);

  e = error_of(R"(FileName)");
  EXPECT_NE(e.message.find("must be true or false"), std::string::npos);

  e = error_of(R"(FileName == "a" and LocalPort)");
  EXPECT_EQ(e.offset, 20u);

  e = error_of(R"(make_set(FileName))");
  EXPECT_NE(e.message.find("belongs in summarize.collect"), std::string::npos);

  e = error_of(R"(not FileName == "x")");
  EXPECT_EQ(e.offset, 0u);
  EXPECT_NE(e.message.find("not(condition)"), std::string::npos);

  e = error_of(R"(nosuch(FileName))");
  EXPECT_NE(e.message.find("unknown function 'nosuch'"), std::string::npos);

  e = error_of(R"(FileName matches regex "(")");
  EXPECT_EQ(e.offset, 23u);
  // Nesting is bounded (the parser and evaluator recurse per level): 7,000
  // parentheses overflowed the stack before (rules check: SIGSEGV); now an
  // error at the 101st level.
  std::string deep = std::string(7000, '(') + "FileName == \"x\"" + std::string(7000, ')');
  e = error_of(deep);
  EXPECT_EQ(e.offset, 100u);
  EXPECT_NE(e.message.find("nested deeper than 100 levels"), std::string::npos) << e.message;
  EXPECT_EQ(error_of(std::string(5000, '-') + "1 > 0").message, "expression nested deeper than 100 levels");
  EXPECT_EQ(eval(std::string(99, '(') + "1 == 1" + std::string(99, ')')), Truth::True);
  // Back references are beyond RE2 (and linear time): a load error, not a slow scan.
  e = error_of(R"(FileName matches regex @"(a)\1")");
  EXPECT_EQ(e.offset, 23u);
  EXPECT_NE(e.message.find("RE2"), std::string::npos) << e.message;

  e = error_of(R"(Timestamp > datetime(2019-13-01))");
  EXPECT_EQ(e.offset, 21u);

  e = error_of(R"(5parsecs > 1s)");
  EXPECT_NE(e.message.find("unknown timespan unit 'parsecs'"), std::string::npos);

  e = error_of(R"("x" == "y" ))");
  EXPECT_EQ(e.offset, 11u);
  EXPECT_NE(e.message.find("found ')'"), std::string::npos) << e.message;
}

// --- time windows ---

TEST(TimeWindows, SeedDcomStageIsBoundedByTheRpcEvent) {
  rules::Scope scope{{"rpc", "dcom"}, 1, false, {}};
  rules::Expression e = rules::compile_predicate(
      R"(InitiatingProcessFileName =~ "svchost.exe" and InitiatingProcessCommandLine contains "dcomlaunch"
         and datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2)
         and bin(Timestamp, 5s) > LastBootTime + 5m)",
      scope);
  std::vector<rules::TimeBound> b = e.time_bounds();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].stage, 0u);
  // Conservative, for any anchor R: Timestamp in (R - 1 s, R + 3 s).
  EXPECT_EQ(b[0].min_offset, -normalize::kTicksPerSecond + 1);
  EXPECT_EQ(b[0].max_offset, 3 * normalize::kTicksPerSecond);
  EXPECT_TRUE(b[0].bounded_above());
  ASSERT_EQ(b[0].sources.size(), 1u);
  EXPECT_EQ(b[0].sources[0], R"(datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2))");
  // Exact: whole seconds around the anchor's second.
  rules::TimeWindow w = b[0].window(at("2019-04-30 10:00:00.900"));
  EXPECT_EQ(w.begin, at("2019-04-30 10:00:00"));
  EXPECT_EQ(w.end, at("2019-04-30 10:00:03"));
}

TEST(TimeWindows, ExactWindowAgreesWithEvaluation) {
  rules::Scope scope{{"rpc", "dcom"}, 1, false, {}};
  const char* exprs[] = {
      R"(datetime_diff("second", Timestamp, rpc.Timestamp) between (0 .. 2))",
      R"(datetime_diff("second", rpc.Timestamp, Timestamp) between (-2 .. 0))",
      R"(datetime_diff("minute", Timestamp + 30s, rpc.Timestamp) <= 1 and datetime_diff("minute", Timestamp, rpc.Timestamp) > -1)",
      R"(Timestamp - rpc.Timestamp between (-1s .. 10s))",
      R"(rpc.Timestamp - Timestamp < 2s and Timestamp < rpc.Timestamp + 5s)",
      R"(Timestamp between (rpc.Timestamp - 500ms .. 3s))",
      R"(Timestamp >= rpc.Timestamp and Timestamp <= rpc.Timestamp + 1m)",
      R"(2 >= datetime_diff("second", Timestamp, rpc.Timestamp) and FileName != "x")",
  };
  const normalize::Ticks anchors[] = {at("2019-04-30 10:00:00"), at("2019-04-30 10:00:00.900"),
                                      at("2019-04-30 10:00:59.999"), at("2019-04-30 10:00:30.0000001")};
  for (const char* x : exprs) {
    rules::Expression e = rules::compile_predicate(x, scope);
    std::vector<rules::TimeBound> b = e.time_bounds();
    ASSERT_EQ(b.size(), 1u) << x;
    for (normalize::Ticks anchor : anchors) {
      rules::TimeWindow w = b[0].window(anchor);
      NormalizedEvent rpc = event({{Field::Timestamp, FieldValue::time(anchor)}});
      const NormalizedEvent* chain[] = {&rpc};
      for (normalize::Ticks d = -3 * 60 * normalize::kTicksPerSecond; d <= 3 * 60 * normalize::kTicksPerSecond;
           d += 1'000'000 + 7) {
        NormalizedEvent cur = event({{Field::Timestamp, FieldValue::time(anchor + d)}, {Field::FileName, S("y")}});
        bool matched = e.test({&cur, chain}).truth == Truth::True;
        ASSERT_EQ(w.contains(anchor + d), matched) << x << " anchor " << rules::format_datetime(anchor) << " d " << d;
        if (matched) {
          ASSERT_GE(d, b[0].min_offset) << x;
          ASSERT_LT(d, b[0].max_offset) << x;
        }
      }
    }
  }
}

TEST(TimeWindows, NoWindowWhenNothingBoundsTime) {
  rules::Scope scope{{"rpc", "dcom", "child"}, 2, false, {}};
  EXPECT_TRUE(
      rules::compile_predicate("InitiatingProcessUniqueId == dcom.ProcessUniqueId", scope).time_bounds().empty());
  // Only one side bounded: reported, but not bounded above.
  auto b = rules::compile_predicate("Timestamp >= dcom.Timestamp", scope).time_bounds();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].stage, 1u);
  EXPECT_EQ(b[0].min_offset, 0);
  EXPECT_FALSE(b[0].bounded_above());
  // Under `or` / `not` nothing is derived (the conjunct need not hold).
  EXPECT_TRUE(
      rules::compile_predicate("Timestamp < rpc.Timestamp + 1s or FileName == \"x\"", scope).time_bounds().empty());
  // Calendar periods have no fixed length.
  EXPECT_TRUE(rules::compile_predicate(R"(datetime_diff("month", Timestamp, rpc.Timestamp) == 0)", scope)
                  .time_bounds()
                  .empty());
}

TEST(Expression, CopiesShareTheCompiledProgram) {
  rules::Expression a = rules::compile_predicate(R"(FileName =~ "MMC.exe")");
  rules::Expression b = a;
  NormalizedEvent ev = event({{Field::FileName, S("mmc.EXE")}});
  EXPECT_EQ(b.test({&ev, {}}).truth, Truth::True);
  EXPECT_EQ(b.text(), R"(FileName =~ "MMC.exe")");
  rules::Expression empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_EQ(empty.test({&ev, {}}).truth, Truth::Unknown);
}

}  // namespace
