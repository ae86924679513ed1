// The KQL parser (kql/parser.h): every FalconFriday hunt of the shared folder
// parses; trees of each construct hunts use, written out by hand; and errors
// that say what and where.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "kql/parser.h"

namespace {

namespace fs = std::filesystem;

std::string tree(const std::string& query) { return kql::to_text(kql::parse(query)); }

// The QueryError of a query that must fail.
kql::QueryError error_of(const std::string& query) {
  try {
    kql::parse(query);
  } catch (const kql::QueryError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed: " << query;
  return kql::QueryError({0, 0}, "");
}

}  // namespace

// The 88 FalconFriday queries as published (../shared/kql/falconfriday).
TEST(KqlParser, EveryFalconFridayHuntParses) {
  fs::path dir = fs::path(EVTXHUNT_CORPUS).parent_path() / "kql" / "falconfriday";
  size_t parsed = 0, total = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".kql") continue;
    ++total;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    try {
      kql::parse(text.str());
      ++parsed;
    } catch (const kql::QueryError& err) {
      ADD_FAILURE() << e.path().filename() << ": " << err.what();
    }
  }
  EXPECT_EQ(total, 88u);
  EXPECT_EQ(parsed, total);
}

// or below and below comparisons below + below *; not() is a function.
TEST(KqlParser, PrecedenceAndStringOperators) {
  EXPECT_EQ(tree("T | where a == 1 or b has 'x' and not(c) or d + 2 * 3 > 4"),
            "Query(Pipeline(Name(T), Op(where, Binary(or, Binary(or, Binary(==, Name(a), Literal(long 1)), "
            "Binary(and, Binary(has, Name(b), Literal(string x)), Call(not, Name(c)))), Binary(>, Binary(+, Name(d), "
            "Binary(*, Literal(long 2), Literal(long 3))), Literal(long 4))))))");
  EXPECT_EQ(tree("T | where x !in~ ('a', \"b\") and y !has_cs 'z' and n !between (1 .. 5) and p matches regex @'\\d+'"),
            "Query(Pipeline(Name(T), Op(where, Binary(and, Binary(and, Binary(and, Binary(!in~, Name(x), "
            "List(Literal(string a), Literal(string b))), Binary(!has_cs, Name(y), Literal(string z))), "
            "Between(!between, Name(n), Literal(long 1), Literal(long 5))), Binary(matches regex, Name(p), "
            "Literal(string \\d+))))))");
  EXPECT_EQ(tree("T | where a notcontains 'x' and b <> 1"),
            "Query(Pipeline(Name(T), Op(where, Binary(and, Binary(!contains, Name(a), Literal(string x)), Binary(!=, "
            "Name(b), Literal(long 1))))))");
  EXPECT_EQ(tree("T | where $left.a == x.b[0]['c']"),
            "Query(Pipeline(Name(T), Op(where, Binary(==, Member(a, Name($left)), Index(Index(Member(b, Name(x)), "
            "Literal(long 0)), Literal(string c))))))");
}

TEST(KqlParser, Literals) {
  EXPECT_EQ(tree("print a = @'C:\\dir\\', b = h\"hidden\", c = 'x' \"y\", d = 'it\\'s\\n'"),
            "Query(Op(print, Assign(a, Literal(string C:\\dir\\)), Assign(b, Literal(string hidden)), Assign(c, "
            "Literal(string xy)), Assign(d, Literal(string it's\n))))");
  EXPECT_EQ(tree("print 1h, 30m, 2d, 10ms, 2.5, 1e3, 0x1F, true"),
            "Query(Op(print, Assign(Literal(timespan 1h)), Assign(Literal(timespan 30m)), Assign(Literal(timespan "
            "2d)), Assign(Literal(timespan 10ms)), Assign(Literal(real 2.5)), Assign(Literal(real 1e3)), "
            "Assign(Literal(long 0x1F)), Assign(Literal(bool true))))");
  EXPECT_EQ(tree("print datetime(2021-04-26 10:00:00), dynamic([\"a)\", {\"b\": 1}]), ```multi\nline```"),
            "Query(Op(print, Assign(Literal(datetime 2021-04-26 10:00:00)), Assign(Literal(dynamic [\"a)\", {\"b\": "
            "1}])), Assign(Literal(string multi\nline))))");
}

TEST(KqlParser, LetsFunctionsAndDatatable) {
  EXPECT_EQ(tree("let n = 3; let f = (T:(*), k:long = 2) { T | take k }; let t = datatable(a:string, b:long)"
                 "['x', 1, 'y', 2]; t | invoke f(n)"),
            "Query(Let(n, Literal(long 3)), Let(f, Lambda(Param(T, Type((*))), Param(k, Type(long), Literal(long 2)), "
            "Query(Pipeline(Name(T), Op(take, Name(k)))))), Let(t, Datatable(Param(a, Type(string)), Param(b, "
            "Type(long)), Literal(string x), Literal(long 1), Literal(string y), Literal(long 2))), "
            "Pipeline(Name(t), Op(invoke, Call(f, Name(n)))))");
  EXPECT_EQ(tree("let x = materialize(T | where a > ago(1d)); x"),
            "Query(Let(x, Call(materialize, Pipeline(Name(T), Op(where, Binary(>, Name(a), Call(ago, Literal(timespan "
            "1d))))))), Name(x))");
}

TEST(KqlParser, TabularOperators) {
  EXPECT_EQ(tree("T | project-away Foo*, Bar | project-reorder b desc, a | project-rename n = o | distinct a, b"),
            "Query(Pipeline(Name(T), Op(project-away, Name(* Foo), Name(Bar)), Op(project-reorder, Sort(desc, "
            "Name(b)), Name(a)), Op(project-rename, Assign(n, Name(o))), Op(distinct, Assign(Name(a)), "
            "Assign(Name(b)))))");
  EXPECT_EQ(tree("T | summarize c = count(), arg_max(Timestamp, *) by DeviceId, bin(Timestamp, 1h)"),
            "Query(Pipeline(Name(T), Op(summarize, Assign(c, Call(count)), Assign(Call(arg_max, Name(Timestamp), "
            "Star())), By(Assign(Name(DeviceId)), Assign(Call(bin, Name(Timestamp), Literal(timespan 1h)))))))");
  EXPECT_EQ(tree("T | join kind=leftouter hint.strategy=broadcast (U | take 1) on $left.a == $right.b, k"),
            "Query(Pipeline(Name(T), Op(join, Option(kind, Name(leftouter)), Option(hint.strategy, Name(broadcast)), "
            "Pipeline(Name(U), Op(take, Literal(long 1))), On(Binary(==, Member(a, Name($left)), Member(b, "
            "Name($right))), Name(k)))))");
  EXPECT_EQ(tree("union kind=outer T1, (T2 | take 1) | lookup (L) on k | top 5 by x desc nulls last"),
            "Query(Pipeline(Op(union, Option(kind, Name(outer)), Name(T1), Pipeline(Name(T2), Op(take, Literal(long "
            "1)))), Op(lookup, Name(L), On(Name(k))), Op(top, Literal(long 5), By(Sort(last desc, Name(x))))))");
  EXPECT_EQ(tree("T | mv-expand with_itemindex=i x to typeof(string) limit 5 | mv-apply y = z on (where y > 1 | take "
                 "1) | sort by a asc, b"),
            "Query(Pipeline(Name(T), Op(mv-expand, Option(with_itemindex, Name(i)), Assign(string , Name(x)), "
            "Option(limit, Literal(long 5))), Op(mv-apply, Assign(y, Name(z)), On(Pipeline(Star(), Op(where, "
            "Binary(>, Name(y), Literal(long 1))), Op(take, Literal(long 1))))), Op(order, By(Sort(asc, Name(a)), "
            "Sort(Name(b))))))");
  EXPECT_EQ(tree("T | parse kind=regex x with 'a=' A:string ' b=' * | extend (p, q) = f() | evaluate bag_unpack(d) "
                 "| count"),
            "Query(Pipeline(Name(T), Op(parse, Option(kind, Name(regex)), ParseWith(Name(x), Literal(string a=), "
            "Name(string A), Literal(string  b=), Star())), Op(extend, Assign(p,q , Call(f))), Op(evaluate, "
            "Call(bag_unpack, Name(d))), Op(count)))");
}

// Errors name the construct and its line and column.
TEST(KqlParser, ErrorsSayWhatAndWhere) {
  kql::QueryError s = error_of("T\n| where a == 'x");
  EXPECT_EQ(s.pos.line, 2u);
  EXPECT_EQ(s.pos.column, 14u);
  EXPECT_EQ(s.message, "a string that does not end");
  kql::QueryError op = error_of("T | take 1\n  | fork (where a)");
  EXPECT_EQ(std::string(op.what()), "line 2, column 5: the tabular operator 'fork' is not supported");
  kql::QueryError paren = error_of("T | where (a == 1");
  EXPECT_EQ(std::string(paren.what()), "line 1, column 18: expected ')' (found the end of the query)");
  kql::QueryError junk = error_of("T | where a == 1 b");
  EXPECT_EQ(std::string(junk.what()), "line 1, column 18: expected ';' or the end of the query (found 'b')");
}

// Hostile text: nesting and size are bounded, with an error, not a crash.
TEST(KqlParser, NestingAndSizeAreBounded) {
  std::string deep = "print " + std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_NE(error_of(deep).message.find("nests deeper than 200 levels"), std::string::npos);
  std::string minus = "print " + std::string(5000, '-') + "1";
  EXPECT_NE(error_of(minus).message.find("nests deeper"), std::string::npos);
  std::string big = "print '" + std::string(kql::kMaxQueryBytes, 'a') + "'";
  EXPECT_EQ(error_of(big).message, "the query is larger than 1024 KiB");
}
