// The KQL engine on small tables written in the query (datatable): each
// operator and function against rows computed by hand from Kusto's
// documented semantics (innerunique joins, nulls, has terms, dynamic bags,
// times at the given now()).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "kql/engine.h"
#include "kql/parser.h"
#include "rules/time_format.h"
#include "support/temp_dir.h"

namespace {

class NoTables : public kql::Catalog {
 public:
  kql::TablePtr table(std::string_view) override { return nullptr; }
};

// 2024-03-10T12:00:00Z, the evidence's "now" in these tests.
const int64_t kNow = *rules::parse_datetime("2024-03-10T12:00:00Z");

// The result as text: the header "a:long b:string", then one line per row
// with cells joined by " | " (null is "null").
std::string run(const std::string& query) {
  NoTables catalog;
  kql::RunOptions o;
  o.now = kNow;
  kql::RunResult r = kql::run(kql::parse(query), catalog, o);
  std::string out;
  for (size_t c = 0; c < r.table.columns.size(); ++c)
    out += (c ? " " : "") + r.table.columns[c].name + ":" + kql::type_name(r.table.columns[c].type);
  for (const kql::Row& row : r.table.rows) {
    out += "\n";
    for (size_t c = 0; c < row.size(); ++c)
      out += (c ? " | " : "") + (row[c].null ? std::string("null") : kql::to_text(row[c]));
  }
  return out;
}

std::string error(const std::string& query) {
  try {
    run(query);
  } catch (const kql::QueryError& e) {
    return std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column) + ": " + e.message;
  }
  return "no error";
}

const char* kProcs = R"(let P = datatable(Host:string, Image:string, Pid:long, Cmd:string) [
  "ws1", "cmd.exe", 10, "cmd /c whoami",
  "ws1", "powershell.exe", 11, "powershell -enc AAAA",
  "ws2", "CMD.EXE", 20, "cmd.exe /c net user",
  "ws2", "rundll32.exe", 21, "rundll32 comsvcs.dll,MiniDump"];
)";

TEST(KqlEngine, WhereProjectExtend) {
  EXPECT_EQ(run(std::string(kProcs) + "P | where Image =~ 'cmd.exe' | project Host, Pid"),
            "Host:string Pid:long\nws1 | 10\nws2 | 20");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Image == 'cmd.exe' | extend Next = Pid + 1 | project Next"),
            "Next:long\n11");
  // Unnamed columns are Column1, ...; a renamed project keeps its values.
  EXPECT_EQ(run(std::string(kProcs) + "P | take 1 | project tolower(Image), Id = Pid * 2"),
            "Column1:string Id:long\ncmd.exe | 20");
  EXPECT_EQ(run(std::string(kProcs) + "P | take 1 | project-away Cmd, Im*"), "Host:string Pid:long\nws1 | 10");
  EXPECT_EQ(run(std::string(kProcs) + "P | take 1 | project-rename Process = Image | project-reorder Pid, Process"),
            "Pid:long Process:string Host:string Cmd:string\n10 | cmd.exe | ws1 | cmd /c whoami");
}

TEST(KqlEngine, StringOperatorsAndHasTerms) {
  // has: whole terms; contains: substrings; == case-sensitive, =~ not.
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd has 'comsvcs' | project Pid"), "Pid:long\n21");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd has 'comsvc' | count"), "Count:long\n0");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd contains 'comsvc' | count"), "Count:long\n1");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd has_cs 'WHOAMI' | count"), "Count:long\n0");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd has 'WHOAMI' | count"), "Count:long\n1");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Image in ('cmd.exe', 'rundll32.exe') | count"), "Count:long\n2");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Image in~ ('cmd.exe') | count"), "Count:long\n2");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Image !in~ ('cmd.exe') | count"), "Count:long\n2");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd has_any ('net', 'minidump') | project Pid"), "Pid:long\n20\n21");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd has_all ('cmd', 'user') | project Pid"), "Pid:long\n20");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd startswith 'CMD' and Cmd !endswith 'whoami' | project Pid"),
            "Pid:long\n20");
  EXPECT_EQ(run(std::string(kProcs) + "P | where Cmd matches regex @'-enc\\s+[A-Z]+' | project Pid"), "Pid:long\n11");
  // A subquery's first column as the list.
  EXPECT_EQ(run(std::string(kProcs) + "P | where Pid in ((P | where Host == 'ws2' | project Pid)) | count"),
            "Count:long\n2");
}

TEST(KqlEngine, NullsInComparisonsAndAggregates) {
  const std::string t = "let T = datatable(k:string, v:long) ['a', 1, 'a', long(null), 'b', long(null)];\n";
  // A comparison with null is null: where drops the row either way.
  EXPECT_EQ(run(t + "T | where v == 1 | count"), "Count:long\n1");
  EXPECT_EQ(run(t + "T | where v != 1 | count"), "Count:long\n0");
  EXPECT_EQ(run(t + "T | where isnull(v) | count"), "Count:long\n2");
  // Aggregates skip nulls; count() counts rows; sum of only nulls is null.
  EXPECT_EQ(run(t + "T | summarize count(), sum(v), dcount(v), make_set(v), max(v) by k"),
            "k:string count_:long sum_v:long dcount_v:long set_v:dynamic max_v:long\na | 2 | 1 | 1 | [1] | 1\nb | 1 | "
            "null | 0 | [] | null");
  EXPECT_EQ(run(t + "T | summarize countif(isnotnull(v)), avg(v)"), "countif_:long avg_v:real\n1 | 1");
  // Summarize of nothing without by: one row.
  EXPECT_EQ(run(t + "T | where k == 'zzz' | summarize count()"), "count_:long\n0");
}

TEST(KqlEngine, JoinKindsAndInnerunique) {
  const std::string lr =
      "let L = datatable(k:string, l:long) ['a', 1, 'a', 2, 'b', 3, 'c', 4];\n"
      "let R = datatable(k:string, r:long) ['a', 10, 'a', 11, 'b', 12, 'd', 13];\n";
  // Default innerunique: the first left row of each key, every right match.
  EXPECT_EQ(run(lr + "L | join R on k"),
            "k:string l:long k1:string r:long\na | 1 | a | 10\na | 1 | a | 11\nb | 3 | b | 12");
  EXPECT_EQ(run(lr + "L | join kind=inner R on k | count"), "Count:long\n5");
  EXPECT_EQ(run(lr + "L | join kind=leftouter R on k | where isnull(r) | project k, l"), "k:string l:long\nc | 4");
  EXPECT_EQ(run(lr + "L | join kind=rightouter R on k | where isnull(l) | project k1, r"), "k1:string r:long\nd | 13");
  EXPECT_EQ(run(lr + "L | join kind=fullouter R on k | count"), "Count:long\n7");
  EXPECT_EQ(run(lr + "L | join kind=leftanti R on k"), "k:string l:long\nc | 4");
  EXPECT_EQ(run(lr + "L | join kind=leftsemi R on k | project l"), "l:long\n1\n2\n3");
  EXPECT_EQ(run(lr + "L | join kind=rightanti R on k"), "k:string r:long\nd | 13");
  EXPECT_EQ(run(lr + "L | join kind=rightsemi R on $left.k == $right.k | project r"), "r:long\n10\n11\n12");
  // lookup: the right's key columns are not repeated.
  EXPECT_EQ(run(lr + "L | lookup (R | summarize r = max(r) by k) on k"),
            "k:string l:long r:long\na | 1 | 11\na | 2 | 11\nb | 3 | 12\nc | 4 | null");
  EXPECT_EQ(error(lr + "L | join kind=sideways R on k"), "3:5: join kind=sideways is not a kind join has");
  EXPECT_EQ(error(lr + "L | join R on nope"), "3:15: join: the left side has no column 'nope'");
}

TEST(KqlEngine, OrderTopDistinctUnion) {
  const std::string t = "let T = datatable(n:long, s:string) [3, 'c', 1, 'a', long(null), 'z', 2, 'b', 1, 'a'];\n";
  // order by is descending by default with nulls last; asc puts nulls first.
  EXPECT_EQ(run(t + "T | order by n | project n"), "n:long\n3\n2\n1\n1\nnull");
  EXPECT_EQ(run(t + "T | sort by n asc | project n"), "n:long\nnull\n1\n1\n2\n3");
  EXPECT_EQ(run(t + "T | sort by n asc nulls last | take 2 | project n"), "n:long\n1\n1");
  EXPECT_EQ(run(t + "T | top 2 by n | project s"), "s:string\nc\nb");
  EXPECT_EQ(run(t + "T | distinct n, s | count"), "Count:long\n4");
  EXPECT_EQ(run(t + "T | distinct s | order by s asc"), "s:string\na\nb\nc\nz");
  EXPECT_EQ(run(t + "union (T | where n == 3), (print s = 'x', extra = 1) | project s, extra"),
            "s:string extra:long\nc | null\nx | 1");
}

TEST(KqlEngine, ArgMaxMakeSetAndDefaultNames) {
  const std::string t =
      "let T = datatable(h:string, t:long, cmd:string) ['a', 1, 'x', 'a', 3, 'y', 'b', 2, 'z', 'a', 2, 'x'];\n";
  EXPECT_EQ(run(t + "T | summarize arg_max(t, *) by h"), "h:string t:long cmd:string\na | 3 | y\nb | 2 | z");
  EXPECT_EQ(run(t + "T | summarize arg_min(t, cmd) by h"), "h:string t:long cmd:string\na | 1 | x\nb | 2 | z");
  EXPECT_EQ(run(t + "T | summarize make_set(cmd), make_list(cmd), take_any(cmd) by h | where h == 'a'"),
            "h:string set_cmd:dynamic list_cmd:dynamic any_cmd:string\na | [\"x\",\"y\"] | [\"x\",\"y\",\"x\"] | x");
  EXPECT_EQ(run(t + "T | summarize Cmds = make_set_if(cmd, t > 1, 1), n = dcountif(cmd, t < 3) by h | where h == 'a'"),
            "h:string Cmds:dynamic n:long\na | [\"y\"] | 1");
}

TEST(KqlEngine, DynamicBagsArraysAndMvExpand) {
  EXPECT_EQ(run("print j = parse_json('{\"a\": {\"b\": [1, 2, 3]}, \"c\": \"x\"}') | project b = j.a.b[1], c = "
                "tostring(j['c']), n = array_length(j.a.b)"),
            "b:long c:string n:long\n2 | x | 3");
  EXPECT_EQ(run("print a = dynamic(['x', 'y']) | mv-expand a to typeof(string) | project a"), "a:string\nx\ny");
  EXPECT_EQ(run("print a = dynamic([1, 2]) | mv-expand with_itemindex=i a | project i, a"),
            "i:long a:dynamic\n0 | 1\n1 | 2");
  EXPECT_EQ(run("print b = dynamic({'k1': 'v1', 'k2': 2}) | evaluate bag_unpack(b)"), "k1:string k2:long\nv1 | 2");
  EXPECT_EQ(run("print s = set_has_element(dynamic(['a', 'b']), 'b'), i = array_index_of(dynamic([5, 6]), 6), "
                "u = set_union(dynamic([1, 2]), dynamic([2, 3])), x = set_intersect(dynamic([1, 2]), dynamic([2, 3]))"),
            "s:bool i:long u:dynamic x:dynamic\ntrue | 1 | [1,2,3] | [2]");
  EXPECT_EQ(run("print a = dynamic(['x', 'yy', 'zzz']) | mv-apply e = a to typeof(string) on (where strlen(e) > 1 | "
                "summarize long_ones = make_list(e))"),
            "a:dynamic long_ones:dynamic\n[\"x\",\"yy\",\"zzz\"] | [\"yy\",\"zzz\"]");
  EXPECT_EQ(run("print c = parse_command_line('\"C:\\\\Program Files\\\\x.exe\" -a \"b c\"', 'windows')"),
            "c:dynamic\n[\"C:\\\\Program Files\\\\x.exe\",\"-a\",\"b c\"]");
}

TEST(KqlEngine, TimesAtTheEvidencesNow) {
  EXPECT_EQ(run("print now(), ago(1d), bin(datetime(2024-03-10 11:59:59), 1h), startofday(now()), dayofweek(now())"),
            "Column1:datetime Column2:datetime Column3:datetime Column4:datetime Column5:timespan\n"
            "2024-03-10T12:00:00.0000000Z | 2024-03-09T12:00:00.0000000Z | 2024-03-10T11:00:00.0000000Z | "
            "2024-03-10T00:00:00.0000000Z | 00:00:00");  // a Sunday
  EXPECT_EQ(
      run("print d = datetime_diff('second', datetime(2017-10-30 23:00:10.100), datetime(2017-10-30 23:00:00.900)), "
          "a = datetime_add('month', 1, datetime(2024-01-31)), f = format_datetime(datetime(2024-03-10 08:05:03), "
          "'yyyy-MM-dd HH:mm:ss')"),
      "d:long a:datetime f:string\n10 | 2024-02-29T00:00:00.0000000Z | 2024-03-10 08:05:03");
  EXPECT_EQ(run("let T = datatable(Timestamp:datetime) [datetime(2024-03-10 11:00), datetime(2024-03-01)]; "
                "T | where Timestamp > ago(1d) and ingestion_time() between (ago(2h) .. now()) | count"),
            "Count:long\n1");
}

TEST(KqlEngine, LetsFunctionsParseAndStrings) {
  EXPECT_EQ(run("let f = (x:long, y:long = 10) { x * y }; print a = f(2), b = f(2, 3)"), "a:long b:long\n20 | 6");
  EXPECT_EQ(run(std::string(kProcs) +
                "let onHost = (T:(Host:string), h:string) { T | where Host == h }; P | invoke onHost('ws2') | count"),
            "Count:long\n2");
  EXPECT_EQ(run(std::string(kProcs) + "let n = toscalar(P | summarize max(Pid)); print n"), "n:long\n21");
  EXPECT_EQ(run("print s = 'user=bob;host=ws1' | parse s with 'user=' User ';host=' Host"),
            "s:string User:string Host:string\nuser=bob;host=ws1 | bob | ws1");
  EXPECT_EQ(run("print s = 'pid=42 at x' | parse s with 'pid=' Pid:long ' at ' * | project Pid"), "Pid:long\n42");
  EXPECT_EQ(run("print s = 'nothing' | parse-where s with 'pid=' Pid:long | count"), "Count:long\n0");
  EXPECT_EQ(run("print x = extract(@'(\\d+)\\.exe', 1, 'run 42.exe'), y = split('a,b', ',')[1], z = substring('hello', "
                "1, 3), "
                "w = strcat('a', 1), i = indexof('abcb', 'b', 2), r = replace_string('a.b.c', '.', '-'), c = iff(1 > "
                "2, 'y', 'n')"),
            "x:string y:string z:string w:string i:long r:string c:string\n42 | b | ell | a1 | 3 | a-b-c | n");
  EXPECT_EQ(run("print c = case(1 > 2, 'a', 2 > 1, 'b', 'c'), k = coalesce('', 'x'), t = typeof(string)"),
            "c:string k:string t:string\nb | x | string");
}

TEST(KqlEngine, DefenderFunctionsAddNullColumnsAndErrorsSayWhere) {
  NoTables catalog;
  kql::RunResult r = kql::run(kql::parse("print SHA1 = 'ab' | invoke FileProfile(SHA1, 1000)"), catalog);
  ASSERT_EQ(r.table.columns.size(), 15u);
  EXPECT_EQ(r.table.columns[1].name, "GlobalPrevalence");
  EXPECT_TRUE(r.table.rows[0][1].null);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("FileProfile() is a Defender cloud function"), std::string::npos);
  EXPECT_EQ(error("print x = nosuch(1)"), "1:11: the function 'nosuch' is not supported");
  EXPECT_EQ(error("print x = 1 | where y == 2"), "1:21: no column or value named 'y'");
  EXPECT_EQ(error("DeviceFileEvents | take 1"), "1:1: no table, let or function named 'DeviceFileEvents'");
  EXPECT_EQ(error("print x = 1 | summarize count() by z"), "1:36: no column or value named 'z'");
  EXPECT_EQ(error("print x = 1 | where count() > 1"),
            "1:21: count() is an aggregation: it can be used only in summarize");
  EXPECT_EQ(error("print a = dynamic([1]) | mv-expand a | mv-expand a | extend b = a"), "no error");
}

}  // namespace

namespace {

// Which columns a query can see: a catalog may build only those.
TEST(KqlEngine, ColumnsAQueryCanSee) {
  auto use = [](const std::string& q) { return kql::columns_used(kql::parse(q)); };
  kql::ColumnUse shaped =
      use("T | where a == 1 | join (U | project c1) on $left.b == $right.c1 | summarize count() by d");
  EXPECT_FALSE(shaped.all);
  for (const char* name : {"a", "b", "c", "c1", "d", "Timestamp"})
    EXPECT_NE(std::find(shaped.names.begin(), shaped.names.end(), name), shaped.names.end()) << name;
  EXPECT_EQ(std::find(shaped.names.begin(), shaped.names.end(), "e"), shaped.names.end());
  EXPECT_TRUE(use("T | where a == 1").all);                             // every column is the output
  EXPECT_TRUE(use("T | project a | join U on a").all);                  // U's columns after the shape
  EXPECT_TRUE(use("T | summarize arg_max(t, *) by h").all);             // *
  EXPECT_TRUE(use("T | project-away x | summarize count() by a").all);  // the rest of the row
  EXPECT_TRUE(use("T | extend p = pack_all() | project p").all);
}

}  // namespace

// A catalog of one table, T(K:string, V:long), whose row i carries record ref
// i + 1 (as the evidence catalog's rows carry theirs).
class RecordTables : public kql::Catalog {
 public:
  explicit RecordTables(size_t rows) {
    auto t = std::make_shared<kql::Table>();
    t->columns = {{"K", kql::Type::String}, {"V", kql::Type::Long}};
    for (size_t i = 0; i < rows; ++i) {
      kql::Row r{kql::Value::string(i % 2 ? "odd" : "even"), kql::Value::integer(static_cast<int64_t>(i))};
      auto p = std::make_shared<kql::Provenance>();
      p->refs.push_back(i + 1);
      r.sources = std::move(p);
      t->rows.push_back(std::move(r));
    }
    table_ = t;
  }
  kql::TablePtr table(std::string_view name) override { return name == "T" ? table_ : nullptr; }

 private:
  kql::TablePtr table_;
};

// Each result row's records: "refs" joined by ",", "+" when more were left out.
std::vector<std::string> records(const std::string& query, size_t rows = 6) {
  RecordTables catalog(rows);
  kql::RunResult r = kql::run(kql::parse(query), catalog, {});
  std::vector<std::string> out;
  for (const kql::Row& row : r.table.rows) {
    std::string s;
    if (row.sources)
      for (uint64_t ref : row.sources->refs) s += (s.empty() ? "" : ",") + std::to_string(ref);
    if (row.sources && row.sources->more) s += "+";
    out.push_back(s);
  }
  return out;
}

TEST(KqlEngine, RowsKeepTheirRecordsThroughEveryOperator) {
  using V = std::vector<std::string>;
  // A row's copies keep its record: where, project, extend, order, take, mv-expand.
  EXPECT_EQ(records("T | where V > 3 | project V, W = V * 2 | extend X = 1 | order by V asc"), (V{"5", "6"}));
  EXPECT_EQ(records("T | where V == 1 | extend A = dynamic([1, 2]) | mv-expand A"), (V{"2", "2"}));
  // summarize, distinct and count merge the records of the rows they stand for.
  EXPECT_EQ(records("T | summarize max(V) by K"), (V{"1,3,5", "2,4,6"}));
  EXPECT_EQ(records("T | distinct K"), (V{"1,3,5", "2,4,6"}));
  EXPECT_EQ(records("T | count"), (V{"1,2,3,4,5,6"}));
  // A join's row has both sides' records; a leftsemi row the right rows that kept it.
  EXPECT_EQ(records("T | where V < 2 | join kind=inner (T | where V >= 4) on K"), (V{"1,5", "2,6"}));
  EXPECT_EQ(records("T | where V == 0 | join kind=leftsemi (T | where V > 2) on K"), (V{"1,5"}));
  EXPECT_EQ(records("T | where V == 0 | join kind=leftouter (T | where V == 99) on K"), (V{"1"}));
  EXPECT_EQ(records("T | where V > 2 | join kind=rightsemi (T | where V == 0) on K"), (V{"1,5"}));
  // Rows made by the query itself have none; union keeps each side's.
  EXPECT_EQ(records("print x = 1"), (V{""}));
  EXPECT_EQ(records("union (T | where V == 0), (datatable(K:string)[\"k\"])"), (V{"1", ""}));
  // Bounded: the 64 latest refs, and a mark that there were more; a join of a
  // row with a large group keeps the row's own record (the latest).
  std::vector<std::string> all = records("T | summarize count()", 100);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].substr(0, 9), "37,38,39,");
  EXPECT_EQ(all[0].substr(all[0].size() - 8), ",99,100+");
  std::vector<std::string> joined = records(
      "T | where V == 99 | extend One = 1 | join kind=inner (T | where V < 98 | summarize by One = 1) on One", 100);
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].substr(joined[0].size() - 8), ",98,100+");
}

// Pushdown: which rows of T the catalog may leave out while building it.
// Each use of T is a pipeline starting with where; a row is kept when it
// passes every conjunct of some use that reads only T's columns and
// constants. "" when nothing is pushed (some use reads T unfiltered).
std::string pushed(const std::string& query) {
  std::vector<kql::Column> columns = {{"K", kql::Type::String}, {"V", kql::Type::Long}};
  kql::Node q = kql::parse(query);
  kql::RowFilter f = kql::pushed_filter(q, "T", columns, {});
  if (!f) return "";
  std::string kept;
  for (int64_t v = 0; v < 5; ++v)
    if (f(kql::Row{kql::Value::string(v % 2 ? "odd" : "even"), kql::Value::integer(v)})) kept += std::to_string(v);
  return kept;
}

TEST(KqlEngine, PushedDownFiltersKeepEveryRowAUseCanKeep) {
  EXPECT_EQ(pushed("T | where K == 'odd' and V > 2 | join (T | where V == 0) on K"), "03");
  EXPECT_EQ(pushed("T | where K == 'odd' | where V < 2"), "1");
  EXPECT_EQ(pushed("T | where K == 'odd' or V == 4"), "134");
  // Left to the engine: lets, subqueries, functions of the query; a use without where.
  EXPECT_EQ(pushed("let x = 3; T | where V > x and K == 'even'"), "024");
  EXPECT_EQ(pushed("T | where V in ((T | where K == 'odd' | project V))"), "");
  EXPECT_EQ(pushed("T | where V > 1 | union (T | count)"), "");
  EXPECT_EQ(pushed("let T = datatable(K:string, V:long)[]; T | where V > 1"), "");
  EXPECT_EQ(pushed("let f = (n:long) { n * 2 }; T | where f(V) > 2"), "");
  EXPECT_EQ(pushed("T | where tolower(K) has 'even' and V between (1 .. 4)"), "24");
}

// T as a catalog gives a table larger than memory: in chunks of two rows
// (Catalog::scan), counting the times it was read whole instead.
class StreamedTables : public RecordTables {
 public:
  using RecordTables::RecordTables;
  int whole_reads = 0;
  kql::TablePtr table(std::string_view name) override {
    ++whole_reads;
    return RecordTables::table(name);
  }
  bool scan(std::string_view name, const std::function<void(kql::Table&&)>& fn) override {
    kql::TablePtr t = RecordTables::table(name);
    if (!t) return false;
    fn(kql::Table{t->columns, {}});
    for (size_t i = 0; i < t->rows.size(); i += 2)
      fn(kql::Table{t->columns,
                    {t->rows.begin() + static_cast<long>(i),
                     t->rows.begin() + static_cast<long>(std::min(i + 2, t->rows.size()))}});
    return true;
  }
};

// The result and each row's records, as text.
std::string rows_and_records(const std::string& query, kql::Catalog& catalog, const kql::RunOptions& options = {}) {
  kql::RunResult r = kql::run(kql::parse(query), catalog, options);
  std::string out = kql::to_text(r.table);
  for (const kql::Row& row : r.table.rows) {
    out += "\n";
    if (row.sources)
      for (uint64_t ref : row.sources->refs) out += std::to_string(ref) + ",";
  }
  return out;
}

TEST(KqlEngine, AStreamedTableGivesTheRowsOfAWholeOne) {
  // Leading where and project-* run chunk by chunk; a summarize, count, join
  // or lookup after them folds the chunks; the table is never read whole.
  for (const char* q :
       {"T | where V > 2 and K == 'odd'", "T | where V > 99", "T | summarize count(), make_list(V) by K",
        "T | where V != 3 | project-rename Key = K | summarize arg_max(V, *) by Key | order by Key asc",
        "T | project-away K | where V < 5 | count", "T | project-keep V | project-reorder V",
        "T | where V > 100 | summarize count()", "T | count",
        "let x = 2; T | where V > x | summarize sum(V) by K | join kind=inner (T | where V == 1) on K",
        "T | where V > 1 | join (T | where V < 3) on K",
        "T | where V != 2 | join kind=fullouter (T | where V == 2 or V == 5) on K",
        "T | join kind=rightsemi (T | where V == 1) on K",
        "T | where V > 3 | join kind=leftanti (T | where V == 6) on K",
        "T | project-rename K2 = K | lookup (T | where V < 2 | project K2 = K, W = V) on K2",
        "T | join kind=inner (T) on K"}) {
    RecordTables whole(7);
    StreamedTables streamed(7);
    EXPECT_EQ(rows_and_records(q, streamed), rows_and_records(q, whole)) << q;
    EXPECT_EQ(streamed.whole_reads, 0) << q;
  }
  // Every kind with a smaller left side: hashed on the left's keys when the
  // join has both sides whole, on the right's when the left streams.
  for (const char* kind : {"innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftsemi", "leftanti",
                           "rightsemi", "rightanti"}) {
    std::string q = std::string("T | where V < 2 or V == 6 | join kind=") + kind + " (T | where V > 0) on K";
    RecordTables whole(7);
    StreamedTables streamed(7);
    EXPECT_EQ(rows_and_records(q, streamed), rows_and_records(q, whole)) << q;
  }
  // Where a pipeline starts otherwise (a join's right side too), the table is read whole.
  for (const char* q :
       {"T | extend W = V | where W > 2", "T | join kind=inner (T | extend W = 1) on K", "union T, T"}) {
    RecordTables whole(7);
    StreamedTables streamed(7);
    EXPECT_EQ(rows_and_records(q, streamed), rows_and_records(q, whole)) << q;
    EXPECT_GT(streamed.whole_reads, 0) << q;
  }
  // A mistake is the same error whichever way the table comes.
  StreamedTables streamed(7);
  try {
    kql::run(kql::parse("T | where Nope > 1"), streamed, {});
    FAIL() << "no error";
  } catch (const kql::QueryError& e) {
    EXPECT_EQ(e.pos.column, 11u);
    EXPECT_NE(e.message.find("Nope"), std::string::npos) << e.message;
  }
}

TEST(KqlEngine, ASummarizePastItsMemoryAggregatesByPartitionsInFiles) {
  // Groups past the memory (none here): the rows of groups not yet seen go to
  // partitions in files, aggregated one by one; the same rows, in the order
  // of each group's first row, with the same records.
  support::TempDir dir("kql-summarize");
  size_t files = 0;
  kql::RunOptions spill;
  spill.memory_bytes = 0;
  spill.new_spill_file = [&] { return dir / ("part-" + std::to_string(++files)); };
  for (const char* q : {"T | summarize count(), make_list(V), arg_min(V, *), dcount(K) by Bucket = V % 37, K",
                        "T | summarize take_any(K), max(V) by tostring(V / 3)", "T | summarize count()",
                        "T | where V > 1000 | summarize count() by K"}) {
    RecordTables catalog(20000);
    std::string want = rows_and_records(q, catalog);
    EXPECT_EQ(rows_and_records(q, catalog, spill), want) << q;
  }
  // The second's 6,667 groups filled every partition past what one keeps in memory.
  EXPECT_GE(files, 64u);
}

TEST(KqlEngine, AJoinPastItsMemoryJoinsPartitionsInFiles) {
  // The right side streams from a table in files and passes the memory
  // (none here): both sides go to 64 partitions by key, joined pair by pair;
  // the rows come back in the whole join's order, with the same records.
  support::TempDir dir("kql-join");
  size_t files = 0;
  kql::RunOptions spill;
  spill.memory_bytes = 0;
  spill.new_spill_file = [&] { return dir / ("part-" + std::to_string(++files)); };
  for (const char* q :
       {"T | where V < 50 | join (T | where V > 10) on K",
        "T | where V != 7 | join kind=inner (T | where V % 3 == 0) on V",
        "T | where V < 9000 | join kind=fullouter (T | where V > 5) on V",
        "T | where V % 2 == 0 | join kind=rightouter (T | where V < 20) on $left.V == $right.V",
        "T | where V < 100 | join kind=leftsemi (T | where V > 7) on K",
        "T | where V < 9990 | join kind=rightanti (T | project-away K) on V",
        "T | join kind=leftanti (T | where V % 5 == 1) on V",
        "T | where V > 9000 | join kind=rightsemi (T | where V > 9995) on K",
        "T | project-rename K2 = K | lookup kind=leftouter (T | where V < 3 | project-rename K2 = K) on "
        "K2",
        "T | where V < 10 | join kind=inner (T) on V"}) {
    RecordTables whole(10000);
    StreamedTables streamed(10000);
    std::string want = rows_and_records(q, whole);
    EXPECT_EQ(rows_and_records(q, streamed, spill), want) << q;
  }
  EXPECT_GE(files, 64u);  // the right sides of 10,000 rows filled every partition
}

TEST(KqlEngine, UnsignedJsonNumbersPastLongAreReals) {
  // JSON's 2^64 - 1 is past a long: a real, as Kusto reads it (not -1).
  EXPECT_EQ(run("print a = toreal(parse_json('[18446744073709551615]')[0]) > 1e19, b = "
                "tolong(parse_json('[9223372036854775807]')[0])"),
            "a:bool b:long\ntrue | 9223372036854775807");
}
