// kql::RowSpill: rows kept in memory under a budget, written to a file past
// it, read back in order and in chunks, every value exactly as it was (each
// type and its null, reals bit for bit, dynamic values with NaN, bytes that
// are not UTF-8 and keys in order) with the records behind each row.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kql/row_spill.h"
#include "support/temp_dir.h"

namespace {

using kql::Value;

kql::Row row(int64_t i) {
  kql::Json bag = kql::Json::object();
  bag["z"] = i;
  bag["nan"] = std::nan("");
  bag["bytes"] = std::string("\xff\xfe", 2);
  bag["list"] = kql::Json::array({1.0, "x", nullptr});
  kql::Row r{Value::boolean(i % 2 == 0),
             Value::integer(-i),
             Value::real(0.1 * static_cast<double>(i)),
             Value::string(std::string(static_cast<size_t>(i % 50), 'a') + std::string("\0b", 2)),
             Value::datetime(133'000'000'000'000'000 + i),
             Value::timespan(-i * 10'000'000),
             Value::dynamic(bag),
             Value::null_of(kql::Type::Long),
             Value::null_of(kql::Type::Dynamic)};
  if (i % 3 != 0) {
    auto p = std::make_shared<kql::Provenance>();
    p->refs = {static_cast<uint64_t>(i), (uint64_t{7} << 40) | static_cast<uint64_t>(i)};
    p->more = i % 3 == 2;
    r.sources = std::move(p);
  }
  return r;
}

std::string text(const kql::Row& r) {
  kql::Table t;
  for (size_t c = 0; c < r.size(); ++c) t.columns.push_back({"c" + std::to_string(c), r[c].type});
  t.rows.push_back(r);
  std::string s = kql::to_text(t);
  for (const Value& v : r)
    if (v.type == kql::Type::Dynamic && v.d)
      s += " " + kql::Json(*v.d).dump(-1, ' ', false, kql::Json::error_handler_t::replace);
  if (r.sources) {
    for (uint64_t ref : r.sources->refs) s += " " + std::to_string(ref);
    s += r.sources->more ? " more" : "";
  }
  return s;
}

}  // namespace

TEST(RowSpill, RowsPastTheBudgetComeBackFromTheFileExactlyAndInOrder) {
  support::TempDir dir("row-spill");
  size_t files = 0;
  kql::SpillBudget budget;
  budget.limit = 64 << 10;
  budget.new_file = [&] { return dir / ("rows-" + std::to_string(++files)); };
  kql::RowSpill spill(&budget);
  for (int64_t i = 0; i < 2000; ++i) spill.add(row(i));
  EXPECT_TRUE(spill.spilled());
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(spill.size(), 2000u);
  EXPECT_LT(spill.in_memory().size(), 2000u);  // the rest in the file
  EXPECT_LE(budget.held.load(), size_t{64 << 10} + (16 << 10));
  std::vector<size_t> chunks;
  int64_t next = 0;
  spill.read(300, [&](std::vector<kql::Row>&& rows) {
    chunks.push_back(rows.size());
    for (const kql::Row& r : rows) {
      ASSERT_EQ(text(r), text(row(next))) << next;
      const Value& bag = r[6];
      EXPECT_TRUE(std::isnan((*bag.d)["nan"].get<double>()));
      EXPECT_EQ((*bag.d)["bytes"].get<std::string>(), std::string("\xff\xfe", 2));
      EXPECT_EQ(bag.d->begin().key(), "z");  // keys in the order written
      ++next;
    }
  });
  EXPECT_EQ(next, 2000);
  EXPECT_EQ(chunks.front(), 300u);
  EXPECT_EQ(chunks.size(), 7u);  // 6 x 300 + 200
  // Read again: the spill is unchanged by reading.
  size_t again = 0;
  spill.read(SIZE_MAX, [&](std::vector<kql::Row>&& rows) { again += rows.size(); });
  EXPECT_EQ(again, 2000u);
}

TEST(RowSpill, UnderTheBudgetOrWithoutAFolderRowsStayInMemory) {
  kql::SpillBudget none;  // no folder: never writes
  none.limit = 0;
  kql::RowSpill a(&none);
  for (int64_t i = 0; i < 500; ++i) a.add(row(i));
  EXPECT_FALSE(a.spilled());
  EXPECT_EQ(a.in_memory().size(), 500u);
  kql::RowSpill b;  // no budget
  b.add(row(1));
  EXPECT_FALSE(b.spilled());
  EXPECT_EQ(text(b.in_memory()[0]), text(row(1)));
}
