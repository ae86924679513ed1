// join and lookup as hash joins (the smaller side's keys hashed with the
// right rows of each, the left probed in its order, whole or in parts: a
// streamed table's chunks), every kind Kusto has with its semantics: innerunique (the
// default) keeps the first left row of each key; null keys match nothing.
// union: columns merged by name.
#include <algorithm>
#include <optional>
#include <unordered_map>

#include "kql/row_spill.h"
#include "kql/runner.h"

namespace kql {
namespace {

using K = Node::Kind;

// `$left.A` / `$right.B` / a bare column: which side and which name.
std::pair<int, std::string> side_of(const Node& n) {
  if (n.kind == K::Member && n.kids[0].kind == K::Name) {
    if (n.kids[0].text == "$left") return {0, n.text};
    if (n.kids[0].text == "$right") return {1, n.text};
  }
  if (n.kind == K::Name) return {-1, n.text};
  fail(n, "a join key is a column name or $left.column == $right.column");
}

struct KeyPair {
  std::string left, right;
  const Node* at;
};

void keys_of(const Node& n, std::vector<KeyPair>& keys) {
  if (n.kind == K::Binary && n.text == "and") {
    keys_of(n.kids[0], keys);
    keys_of(n.kids[1], keys);
    return;
  }
  if (n.kind == K::Name) {
    keys.push_back({n.text, n.text, &n});
    return;
  }
  if (n.kind == K::Binary && n.text == "==") {
    auto a = side_of(n.kids[0]), b = side_of(n.kids[1]);
    if (a.first == 1 || b.first == 0) std::swap(a, b);
    if (a.first != 0 || b.first != 1) fail(n, "a join condition compares $left.column with $right.column");
    keys.push_back({a.second, b.second, &n});
    return;
  }
  fail(n, "a join condition is a column name or $left.column == $right.column (joined with and)");
}

size_t column_or_fail(const Table& t, const std::string& name, const char* side, const Node& at) {
  if (auto i = t.find(name)) return *i;
  fail(at, std::string("join: the ") + side + " side has no column '" + name + "'");
}

// A row's key; false when a key value is null (it matches nothing).
bool key_of(const Row& r, const std::vector<size_t>& cols, std::string& key) {
  key.clear();
  for (size_t c : cols) {
    const Value& v = r[c];
    if (v.null) return false;
    if (v.type == Type::Dynamic && v.d && !v.d->is_array() && !v.d->is_object())
      append_key(key, from_json(*v.d));
    else
      append_key(key, v);
  }
  return true;
}

std::string unique_name(const std::vector<Column>& cols, const std::string& name) {
  auto taken = [&](const std::string& n) {
    return std::any_of(cols.begin(), cols.end(), [&](const Column& c) { return c.name == n; });
  };
  if (!taken(name)) return name;
  for (int i = 1;; ++i)
    if (!taken(name + std::to_string(i))) return name + std::to_string(i);
}

// The join's kind (KQL's default innerunique; lookup's leftouter), its
// synonyms named as one; a kind the operator does not have is an error.
std::string kind_of(const Node& op, bool lookup) {
  std::string kind = lookup ? "leftouter" : "innerunique";
  for (const Node& k : op.kids)
    if (k.kind == K::Option && k.text == "kind") kind = k.kids[0].text;
  if (kind == "anti" || kind == "leftantisemi") kind = "leftanti";
  if (kind == "rightantisemi") kind = "rightanti";
  static const std::vector<std::string> kinds = {"innerunique", "inner",     "leftouter", "rightouter", "fullouter",
                                                 "leftanti",    "rightanti", "leftsemi",  "rightsemi"};
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end() || (lookup && kind != "leftouter" && kind != "inner"))
    fail(op,
         (lookup ? "lookup kind=" : "join kind=") + kind + " is not a kind " + (lookup ? "lookup" : "join") + " has");
  return kind;
}

}  // namespace

struct Joiner::Impl {
  Runner* runner;
  const Node* op;
  std::vector<Column> left_columns;
  TablePtr right;
  bool lookup;
  std::string kind;
  std::vector<size_t> lk, rk;
  std::unordered_map<std::string, std::vector<size_t>> hashed;
  std::string key;
  bool left_only = false, right_only = false;
  std::vector<size_t> right_cols;
  Table out;
  std::vector<bool> right_matched;
  std::unordered_map<std::string, bool> left_seen;  // innerunique: keys already taken
  // Semi joins: the records of the other side's rows of a key (each key merged once).
  std::unordered_map<std::string, Sources> other_side;

  void check() {
    if (out.rows.size() > runner->max_rows())
      fail(*op, "the join makes more than " + std::to_string(runner->max_rows()) +
                    " rows: narrow it (where before the join, or fewer rows per key)");
  }
  void emit(const Row* l, const Row* r) {
    Row row;
    row.reserve(out.columns.size());
    if (!right_only) {
      if (l) {
        row = *l;
      } else {
        for (const Column& c : left_columns) row.push_back(Value::null_of(c.type));
      }
    }
    for (size_t c : right_cols) row.push_back(r ? (*r)[c] : Value::null_of(right->columns[c].type));
    row.sources = merge_sources(l ? l->sources : nullptr, r ? r->sources : nullptr);
    out.rows.push_back(std::move(row));
    check();
  }
};

Joiner::Joiner(Runner& runner, std::vector<Column> left_columns, TablePtr right_table, const Node& op, bool lookup,
               const std::vector<Row>* left_rows)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.runner = &runner;
  m.op = &op;
  m.left_columns = std::move(left_columns);
  m.right = std::move(right_table);
  m.lookup = lookup;
  const Table& right = *m.right;
  m.kind = kind_of(op, lookup);
  const Node* on = nullptr;
  for (const Node& k : op.kids)
    if (k.kind == K::On) on = &k;
  const std::string& kind = m.kind;
  Table left_shape;
  left_shape.columns = m.left_columns;
  std::vector<KeyPair> names;
  for (const Node& k : on->kids) keys_of(k, names);
  for (const KeyPair& k : names) {
    m.lk.push_back(column_or_fail(left_shape, k.left, "left", *k.at));
    m.rk.push_back(column_or_fail(right, k.right, "right", *k.at));
  }
  if (left_rows && left_rows->size() < right.rows.size()) {
    // The smaller side's keys hashed: the left's, each with the right rows
    // of its key (none held for the others).
    for (const Row& l : *left_rows)
      if (key_of(l, m.lk, m.key)) m.hashed.try_emplace(m.key);
    for (size_t i = 0; i < right.rows.size(); ++i)
      if (key_of(right.rows[i], m.rk, m.key))
        if (auto it = m.hashed.find(m.key); it != m.hashed.end()) it->second.push_back(i);
  } else {
    for (size_t i = 0; i < right.rows.size(); ++i)
      if (key_of(right.rows[i], m.rk, m.key)) m.hashed[m.key].push_back(i);
  }

  // Output columns: the left's, then the right's (renamed where they clash;
  // lookup drops the right's key columns).
  m.left_only = kind == "leftanti" || kind == "leftsemi";
  m.right_only = kind == "rightanti" || kind == "rightsemi";
  if (!m.right_only) m.out.columns = m.left_columns;
  if (!m.left_only) {
    for (size_t c = 0; c < right.columns.size(); ++c) {
      if (lookup && std::find(m.rk.begin(), m.rk.end(), c) != m.rk.end()) continue;
      m.right_cols.push_back(c);
      m.out.columns.push_back({m.right_only ? right.columns[c].name : unique_name(m.out.columns, right.columns[c].name),
                               right.columns[c].type});
    }
  }
  m.right_matched.assign(right.rows.size(), false);
}

Joiner::~Joiner() = default;

void Joiner::add(const std::vector<Row>& left_rows) {
  Impl& m = *impl_;
  const Table& right = *m.right;
  const std::string& kind = m.kind;
  std::string& key = m.key;
  for (const Row& l : left_rows) {
    const std::vector<size_t>* matches = nullptr;
    if (key_of(l, m.lk, key)) {
      auto it = m.hashed.find(key);
      if (it != m.hashed.end() && !it->second.empty()) matches = &it->second;
    }
    if (kind == "innerunique") {
      if (!matches || !m.left_seen.emplace(key, true).second) continue;
      for (size_t r : *matches) m.emit(&l, &right.rows[r]);
    } else if (kind == "inner" || kind == "leftouter" || kind == "rightouter" || kind == "fullouter") {
      if (matches) {
        for (size_t r : *matches) {
          m.right_matched[r] = true;
          m.emit(&l, &right.rows[r]);
        }
      } else if (kind == "leftouter" || kind == "fullouter") {
        m.emit(&l, nullptr);
      }
    } else if (kind == "leftsemi" || kind == "leftanti") {
      if ((matches != nullptr) == (kind == "leftsemi")) {
        m.out.rows.push_back(l);
        if (matches) {  // the right rows that kept it are its evidence too
          auto [it, fresh] = m.other_side.try_emplace(key);
          if (fresh)
            for (size_t r : *matches) it->second = merge_sources(it->second, right.rows[r].sources);
          m.out.rows.back().sources = merge_sources(m.out.rows.back().sources, it->second);
        }
        m.check();
      }
    } else if (matches) {  // rightsemi / rightanti: mark
      for (size_t r : *matches) m.right_matched[r] = true;
      if (kind == "rightsemi" && l.sources) m.other_side[key] = merge_sources(m.other_side[key], l.sources);
    }
  }
}

Table Joiner::finish() {
  Impl& m = *impl_;
  const Table& right = *m.right;
  const std::string& kind = m.kind;
  if (kind == "rightouter" || kind == "fullouter") {
    for (size_t r = 0; r < right.rows.size(); ++r)
      if (!m.right_matched[r]) m.emit(nullptr, &right.rows[r]);
  }
  if (kind == "rightsemi" || kind == "rightanti") {
    for (size_t r = 0; r < right.rows.size(); ++r) {
      if (m.right_matched[r] != (kind == "rightsemi")) continue;
      m.emit(nullptr, &right.rows[r]);
      if (m.right_matched[r] && key_of(right.rows[r], m.rk, m.key))  // the left rows that kept it
        if (auto it = m.other_side.find(m.key); it != m.other_side.end())
          m.out.rows.back().sources = merge_sources(m.out.rows.back().sources, it->second);
    }
  }
  return std::move(m.out);
}

Table join(Runner& runner, const Table& left, const TablePtr& right, const Node& op, bool lookup) {
  Joiner j(runner, left.columns, right, op, lookup, &left.rows);
  j.add(left.rows);
  return j.finish();
}

namespace {
constexpr size_t kJoinPartitions = 64;
const char* const kLeftNumber = "\x01left row";  // names no query can write
const char* const kRightNumber = "\x01right row";
}  // namespace

PartitionedJoin::PartitionedJoin(Runner& runner, const Node& op, bool lookup, std::vector<Column> left_columns,
                                 std::vector<Column> right_columns)
    : runner_(runner), op_(op), lookup_(lookup) {
  kind_of(op, lookup);  // a kind the join does not have is said before any row is read
  left_columns_ = std::move(left_columns);
  right_columns_ = std::move(right_columns);
  const Node* on = nullptr;
  for (const Node& k : op.kids)
    if (k.kind == K::On) on = &k;
  std::vector<KeyPair> names;
  for (const Node& k : on->kids) keys_of(k, names);
  Table left_shape, right_shape;
  left_shape.columns = left_columns_;
  right_shape.columns = right_columns_;
  for (const KeyPair& k : names) {
    lk_.push_back(column_or_fail(left_shape, k.left, "left", *k.at));
    rk_.push_back(column_or_fail(right_shape, k.right, "right", *k.at));
  }
  budget_.limit = 0;  // every partition writes once it holds 16 KiB
  budget_.new_file = runner.options().new_spill_file;
  for (size_t p = 0; p < kJoinPartitions; ++p) {
    left_.emplace_back(&budget_);
    right_.emplace_back(&budget_);
  }
}

PartitionedJoin::~PartitionedJoin() = default;

void PartitionedJoin::add(std::vector<RowSpill>& parts, const std::vector<size_t>& keys, uint64_t& number,
                          const std::vector<Row>& rows) {
  std::string key;
  for (const Row& r : rows) {
    if (!key_of(r, keys, key)) key.clear();  // a null key matches nothing: any partition
    Row numbered = r;
    numbered.push_back(Value::integer(static_cast<int64_t>(number++)));
    parts[std::hash<std::string>()(key) % kJoinPartitions].add(std::move(numbered));
  }
}

void PartitionedJoin::add_right(const std::vector<Row>& rows) { add(right_, rk_, right_rows_, rows); }
void PartitionedJoin::add_left(const std::vector<Row>& rows) { add(left_, lk_, left_rows_, rows); }

Table PartitionedJoin::finish() {
  std::vector<Column> lc = left_columns_, rc = right_columns_;
  lc.push_back({kLeftNumber, Type::Long});
  rc.push_back({kRightNumber, Type::Long});
  Table out;
  for (size_t p = 0; p < kJoinPartitions; ++p) {
    Table left{lc, {}};
    auto right = std::make_shared<Table>(Table{rc, {}});
    left_[p].read(SIZE_MAX, [&](std::vector<Row>&& rows) { left.rows = std::move(rows); });
    right_[p].read(SIZE_MAX, [&](std::vector<Row>&& rows) { right->rows = std::move(rows); });
    Table part = join(runner_, left, right, op_, lookup_);
    if (out.columns.empty()) out.columns = part.columns;
    for (Row& r : part.rows) out.rows.push_back(std::move(r));
    if (out.rows.size() > runner_.max_rows())
      fail(op_, "the join makes more than " + std::to_string(runner_.max_rows()) +
                    " rows: narrow it (where before the join, or fewer rows per key)");
  }
  left_.clear();
  right_.clear();
  // Back in the whole join's order: the left rows' in order (each with its
  // right rows in order), then the right rows no left row matched.
  std::optional<size_t> ln = out.find(kLeftNumber), rn = out.find(kRightNumber);
  auto number = [](const Row& r, std::optional<size_t> c) {
    return !c || r[*c].null ? std::optional<int64_t>() : std::optional<int64_t>(r[*c].i);
  };
  std::stable_sort(out.rows.begin(), out.rows.end(), [&](const Row& a, const Row& b) {
    std::optional<int64_t> la = number(a, ln), lb = number(b, ln);
    if (la.has_value() != lb.has_value()) return la.has_value();
    if (la != lb) return la < lb;
    return number(a, rn) < number(b, rn);
  });
  for (std::optional<size_t> c : {rn, ln}) {  // the later column first
    if (!c) continue;
    out.columns.erase(out.columns.begin() + static_cast<long>(*c));
    for (Row& r : out.rows) r.erase(r.begin() + static_cast<long>(*c));
  }
  return out;
}

Table union_of(const std::vector<TablePtr>& tables, const std::vector<std::string>& names, const Node& op) {
  std::string kind = "outer", source;
  for (const Node& k : op.kids) {
    if (k.kind == K::Option && k.text == "kind") kind = k.kids[0].text;
    if (k.kind == K::Option && k.text == "withsource") source = k.kids[0].text;
  }
  if (kind != "outer" && kind != "inner") fail(op, "union kind=" + kind + " is not a kind union has (outer, inner)");
  Table out;
  if (!source.empty()) out.columns.push_back({source, Type::String});
  for (const TablePtr& t : tables)
    for (const Column& c : t->columns)
      if (!out.find(c.name)) out.columns.push_back(c);
  if (kind == "inner") {
    std::vector<Column> common;
    for (const Column& c : out.columns) {
      bool all = c.name == source || std::all_of(tables.begin(), tables.end(),
                                                 [&](const TablePtr& t) { return t->find(c.name).has_value(); });
      if (all) common.push_back(c);
    }
    out.columns = common;
  }
  for (size_t t = 0; t < tables.size(); ++t) {
    std::vector<std::optional<size_t>> from;
    for (const Column& c : out.columns) from.push_back(c.name == source ? std::nullopt : tables[t]->find(c.name));
    for (const Row& r : tables[t]->rows) {
      Row row;
      row.sources = r.sources;
      row.reserve(out.columns.size());
      for (size_t c = 0; c < out.columns.size(); ++c) {
        if (!source.empty() && c == 0)
          row.push_back(Value::string(names[t]));
        else
          row.push_back(from[c] ? r[*from[c]] : Value::null_of(out.columns[c].type));
      }
      out.rows.push_back(std::move(row));
    }
  }
  return out;
}

}  // namespace kql
