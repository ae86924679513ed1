// summarize: hash aggregation. Groups in the order their first row came,
// each aggregate's state updated row by row; the by columns first, then the
// aggregates, named as Kusto names them (count_, dcount_X, set_X, ...).
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "kql/row_spill.h"
#include "kql/runner.h"

namespace kql {
namespace {

using K = Node::Kind;

// Partitions of a summarize past its memory (each read back whole).
constexpr size_t kPartitions = 64;

struct Spec {
  std::string fn;
  std::vector<Scalar> args;        // the value, then the predicate (..if), per aggregate
  Scalar predicate;                // countif / ..._if: rows that count
  std::vector<std::string> names;  // its output columns
  std::vector<Scalar> returns;     // arg_max / arg_min / take_any: the values returned
  size_t limit = 1'048'576;        // make_set / make_list: most elements
};

struct State {
  int64_t count = 0;
  Value best;                            // min / max / arg_* key / take_any
  std::vector<Value> row;                // arg_* / take_any: the returned values
  Json list = Json::array();             // make_set / make_list
  std::unordered_set<std::string> seen;  // make_set / dcount
  double sum = 0;
  int64_t isum = 0;
  bool real = false, overflow = false, any = false;
};

const std::unordered_map<std::string, std::string>& prefixes() {
  static const std::unordered_map<std::string, std::string> p = {
      {"dcount", "dcount_"},   {"dcountif", "dcountif_"}, {"count_distinct", "count_distinct_"},
      {"sum", "sum_"},         {"sumif", "sumif_"},       {"avg", "avg_"},
      {"avgif", "avgif_"},     {"min", "min_"},           {"max", "max_"},
      {"minif", "minif_"},     {"maxif", "maxif_"},       {"make_set", "set_"},
      {"make_set_if", "set_"}, {"make_list", "list_"},    {"make_list_if", "list_"},
      {"take_any", "any_"},    {"any", "any_"},           {"take_anyif", "any_"},
      {"anyif", "any_"},       {"make_bag", "bag_"},      {"make_bag_if", "bag_"}};
  return p;
}

Spec compile_aggregate(const Node& assign, const Table& in, const CompileScope& scope,
                       const std::vector<std::string>& by_names) {
  const Node& call = assign.kids[0];
  if (call.kind != K::Call) fail(call, "summarize needs an aggregation (count(), dcount(x), make_set(x), ...)");
  Spec s;
  s.fn = call.text;
  const std::string& f = s.fn;
  auto arity = [&](size_t lo, size_t hi) {
    if (call.kids.size() < lo || call.kids.size() > hi)
      fail(call, f + "() takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                     " arguments");
  };
  auto arg = [&](size_t i) { return compile_scalar(call.kids[i], scope); };
  std::string name = assign.text;
  if (f == "count") {
    arity(0, 1);
    s.names = {name.empty() ? "count_" : name};
    return s;
  }
  if (f == "countif") {
    arity(1, 1);
    s.predicate = arg(0);
    s.names = {name.empty() ? "countif_" : name};
    return s;
  }
  if (f == "arg_max" || f == "arg_min" || f == "take_any" || f == "any" || f == "take_anyif" || f == "anyif") {
    bool arg_fn = f == "arg_max" || f == "arg_min";
    bool iff = f == "take_anyif" || f == "anyif";
    if (call.kids.empty() || (arg_fn && call.kids.size() < 2)) fail(call, f + "() needs what to return");
    size_t first_return = 0;
    if (arg_fn) {
      s.args.push_back(arg(0));
      first_return = 1;
      std::string key = default_name(call.kids[0]);
      // The key is returned under its own name; with `*` it is one of the columns.
      bool star = std::any_of(call.kids.begin() + 1, call.kids.end(), [](const Node& k) { return k.kind == K::Star; });
      if (!star || key.empty()) {
        s.names.push_back(!name.empty() ? name : key.empty() ? (f == "arg_max" ? "max_" : "min_") : key);
        s.returns.push_back(s.args[0]);
      }
    }
    size_t last = iff ? call.kids.size() - 1 : call.kids.size();
    if (iff) s.predicate = arg(call.kids.size() - 1);
    for (size_t i = first_return; i < last; ++i) {
      const Node& k = call.kids[i];
      if (k.kind == K::Star) {
        for (size_t c = 0; c < in.columns.size(); ++c) {
          const std::string& col = in.columns[c].name;
          if (std::find(by_names.begin(), by_names.end(), col) != by_names.end()) continue;
          if (std::find(s.names.begin(), s.names.end(), col) != s.names.end()) continue;
          s.names.push_back(col);
          s.returns.push_back([c](const Row& r) { return r[c]; });
        }
        continue;
      }
      const Node& value = k.kind == K::Assign ? k.kids[0] : k;
      std::string n = k.kind == K::Assign && !k.text.empty() ? k.text : default_name(value);
      if (n.empty()) n = (arg_fn ? f.substr(4) + "_" : "any_") + std::to_string(i);
      if (!arg_fn && call.kids.size() == 1 && !name.empty()) n = name;
      if (!arg_fn && call.kids.size() == 1 && name.empty() && value.kind == K::Name) n = "any_" + value.text;
      s.names.push_back(n);
      s.returns.push_back(compile_scalar(value, scope));
    }
    return s;
  }
  auto pre = prefixes().find(f);
  if (pre == prefixes().end()) fail(call, "the aggregation '" + f + "' is not supported");
  bool iff = f.size() > 2 && (f.substr(f.size() - 2) == "if" || f.substr(f.size() - 3) == "_if");
  bool capped = f.rfind("make_set", 0) == 0 || f.rfind("make_list", 0) == 0;
  size_t need = iff ? 2 : 1;
  arity(need, need + (capped || f.rfind("dcount", 0) == 0 ? 1 : 0));
  s.args.push_back(arg(0));
  if (iff) s.predicate = arg(1);
  if (capped && call.kids.size() > need) {
    Value limit = compile_scalar(call.kids[need], CompileScope{nullptr, scope.runner, scope.env})(Row{});
    if (limit.type != Type::Long || limit.null || limit.i < 1)
      fail(call.kids[need], f + "(): the most elements must be a positive number");
    s.limit = static_cast<size_t>(std::min<int64_t>(limit.i, 1'048'576));
  }
  std::string col = default_name(call.kids[0]);
  s.names = {!name.empty() ? name : pre->second + col};
  return s;
}

void add(const Spec& s, State& st, const Row& r) {
  if (s.predicate && !s.predicate(r).truthy()) return;
  const std::string& f = s.fn;
  if (f == "count" || f == "countif") {
    ++st.count;
    return;
  }
  if (f == "arg_max" || f == "arg_min") {
    Value key = s.args[0](r);
    if (key.null) {
      if (!st.any) {  // a group of nulls still returns its first row
        st.any = true;
        st.best = key;
        for (const Scalar& x : s.returns) st.row.push_back(x(r));
      }
      return;
    }
    int c = st.best.null ? 1 : compare(key, st.best);
    if (f == "arg_min") c = -c;
    if (!st.any || st.best.null || c > 0) {
      st.any = true;
      st.best = key;
      st.row.clear();
      for (const Scalar& x : s.returns) st.row.push_back(x(r));
    }
    return;
  }
  if (f == "take_any" || f == "any" || f == "take_anyif" || f == "anyif") {
    if (st.any) return;
    st.any = true;
    for (const Scalar& x : s.returns) st.row.push_back(x(r));
    return;
  }
  Value v = s.args[0](r);
  if (v.type == Type::Dynamic && v.d && !v.d->is_array() && !v.d->is_object() && f != "make_set" && f != "make_list" &&
      f != "make_set_if" && f != "make_list_if")
    v = from_json(*v.d);
  if (v.null) return;
  if (f == "dcount" || f == "dcountif" || f == "count_distinct") {
    std::string k;
    append_key(k, v);
    st.seen.insert(std::move(k));
  } else if (f == "make_set" || f == "make_set_if") {
    if (st.list.size() >= s.limit) return;
    auto add_one = [&](const Value& x) {
      std::string k;
      append_key(k, x);
      if (st.list.size() < s.limit && st.seen.insert(std::move(k)).second) st.list.push_back(to_json(x));
    };
    if (v.type == Type::Dynamic && v.d && v.d->is_array()) {
      for (const Json& e : *v.d) add_one(from_json(e));  // an array's elements join the set
    } else {
      add_one(v);
    }
  } else if (f == "make_list" || f == "make_list_if") {
    if (st.list.size() >= s.limit) return;
    if (v.type == Type::Dynamic && v.d && v.d->is_array()) {
      for (const Json& e : *v.d)
        if (st.list.size() < s.limit) st.list.push_back(e);
    } else {
      st.list.push_back(to_json(v));
    }
  } else if (f == "make_bag" || f == "make_bag_if") {
    if (v.type == Type::Dynamic && v.d && v.d->is_object()) {
      if (!st.list.is_object()) st.list = Json::object();
      for (auto it = v.d->begin(); it != v.d->end(); ++it)
        if (!st.list.contains(it.key())) st.list[it.key()] = it.value();
    }
  } else if (f == "min" || f == "max" || f == "minif" || f == "maxif") {
    int c = st.any ? compare(v, st.best) : 0;
    bool want_max = f == "max" || f == "maxif";
    if (!st.any || (want_max ? c > 0 : c < 0)) {
      st.best = v;
      st.any = true;
    }
  } else {  // sum, sumif, avg, avgif
    ++st.count;
    if (v.type == Type::Real) {
      st.real = true;
      st.sum += v.r;
    } else if (v.type == Type::Long || v.type == Type::Timespan || v.type == Type::Bool) {
      st.sum += static_cast<double>(v.i);
      if (__builtin_add_overflow(st.isum, v.i, &st.isum)) st.overflow = true;
      if (v.type == Type::Timespan) st.best = v;  // remembers the type
    }
  }
}

std::vector<Value> result(const Spec& s, const State& st) {
  const std::string& f = s.fn;
  if (f == "count" || f == "countif") return {Value::integer(st.count)};
  if (f == "arg_max" || f == "arg_min" || f == "take_any" || f == "any" || f == "take_anyif" || f == "anyif") {
    if (!st.any) return std::vector<Value>(s.names.size());
    return st.row;
  }
  if (f == "dcount" || f == "dcountif" || f == "count_distinct")
    return {Value::integer(static_cast<int64_t>(st.seen.size()))};
  if (f.rfind("make_", 0) == 0)
    return {Value::dynamic(f.rfind("make_bag", 0) == 0 && !st.list.is_object() ? Json::object() : st.list)};
  if (f == "min" || f == "max" || f == "minif" || f == "maxif") return {st.any ? st.best : Value()};
  if (f == "avg" || f == "avgif")
    return {st.count ? Value::real(st.sum / static_cast<double>(st.count)) : Value::null_of(Type::Real)};
  if (st.count == 0) return {Value::null_of(st.real ? Type::Real : Type::Long)};
  if (st.real || st.overflow) return {Value::real(st.sum)};
  if (st.best.type == Type::Timespan && !st.best.null) return {Value::timespan(st.isum)};
  return {Value::integer(st.isum)};
}

}  // namespace

// Groups in the order their first row came, each with its aggregates'
// states and the number of that first row among all the summarize saw.
struct Groups {
  std::unordered_map<std::string, size_t> index;
  std::vector<Row> keys;  // each group's key values and the records of its rows
  std::vector<std::vector<State>> states;
  std::vector<uint64_t> first;
  size_t bytes = 0;  // estimated, of what they hold

  void clear() { *this = Groups{}; }
};

struct Summarizer::Impl {
  std::vector<Column> columns;  // the input's (the compiled scalars read rows by them)
  std::vector<Scalar> keys;
  std::vector<std::string> key_names;
  std::vector<Spec> specs;
  Groups groups;
  uint64_t seen = 0;  // rows added
  std::string key;
  // Past the memory of RunOptions: rows of groups not in memory go to
  // partitions by key (each row with its number last), aggregated one
  // partition at a time by finish().
  size_t limit = SIZE_MAX;
  SpillBudget spill_budget;  // limit 0: a partition writes once it holds 16 KiB
  std::vector<RowSpill> parts;

  // The row's group in `g`, made when new (unless `only_known`: then null).
  std::vector<State>* group_of(Groups& g, const Row& r, uint64_t number, bool only_known) {
    key.clear();
    Row values;
    values.reserve(keys.size());
    for (const Scalar& k : keys) {
      values.push_back(k(r));
      append_key(key, values.back());
    }
    auto it = g.index.find(key);
    if (it == g.index.end()) {
      if (only_known) return nullptr;
      g.bytes += key.size() * 2 + row_bytes(values) + specs.size() * sizeof(State) + 96;
      it = g.index.emplace(key, g.keys.size()).first;
      values.sources = r.sources;
      g.keys.push_back(std::move(values));
      g.states.emplace_back(specs.size());
      g.first.push_back(number);
    } else if (r.sources) {
      g.keys[it->second].sources = merge_sources(g.keys[it->second].sources, r.sources);
    }
    return &g.states[it->second];
  }
  void aggregate(std::vector<State>& st, const Row& r) {
    for (size_t i = 0; i < specs.size(); ++i) kql::add(specs[i], st[i], r);
  }
  // The groups' result rows, each with the number of its first row.
  void results(Groups& g, std::vector<std::pair<uint64_t, Row>>& out) {
    for (size_t i = 0; i < g.keys.size(); ++i) {
      Row row = std::move(g.keys[i]);
      for (size_t a = 0; a < specs.size(); ++a)
        for (Value& v : result(specs[a], g.states[i][a])) row.push_back(std::move(v));
      out.emplace_back(g.first[i], std::move(row));
    }
    g.clear();
  }
};

Summarizer::Summarizer(Runner& runner, std::vector<Column> columns, const Node& op, const EnvPtr& env)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.columns = std::move(columns);
  Table in;  // the columns, for compile_aggregate's `*`
  in.columns = m.columns;
  CompileScope scope{&m.columns, &runner, env};
  std::vector<const Node*> aggregates;
  for (const Node& k : op.kids) {
    if (k.kind == K::By) {
      for (const Node& b : k.kids) {
        const Node& value = b.kind == K::Assign ? b.kids[0] : b;
        std::string n = b.kind == K::Assign && !b.text.empty() ? b.text : default_name(value);
        if (n.empty()) n = "Column" + std::to_string(m.key_names.size() + 1);
        m.keys.push_back(compile_scalar(value, scope));
        m.key_names.push_back(n);
      }
    } else if (k.kind == K::Assign) {
      aggregates.push_back(&k);
    }
  }
  for (const Node* a : aggregates) m.specs.push_back(compile_aggregate(*a, in, scope, m.key_names));
  const RunOptions& o = runner.options();
  if (o.new_spill_file && !m.keys.empty()) {
    m.limit = o.memory_bytes;
    m.spill_budget.limit = 0;
    m.spill_budget.new_file = o.new_spill_file;
  }
}

Summarizer::~Summarizer() = default;

void Summarizer::add(const std::vector<Row>& rows) {
  Impl& m = *impl_;
  for (const Row& r : rows) {
    uint64_t number = m.seen++;
    std::vector<State>* st = m.group_of(m.groups, r, number, !m.parts.empty());
    if (st) {
      m.aggregate(*st, r);
      if (m.parts.empty() && m.groups.bytes > m.limit)
        for (size_t p = 0; p < kPartitions; ++p) m.parts.emplace_back(&m.spill_budget);
      continue;
    }
    Row spilled = r;
    spilled.push_back(Value::integer(static_cast<int64_t>(number)));
    m.parts[std::hash<std::string>()(m.key) % kPartitions].add(std::move(spilled));
  }
}

Table Summarizer::finish() {
  Impl& m = *impl_;
  if (m.keys.empty() && m.groups.keys.empty()) {  // no rows, no groups: one row of empty aggregates
    m.groups.keys.emplace_back();
    m.groups.states.emplace_back(m.specs.size());
    m.groups.first.push_back(0);
  }
  std::vector<std::pair<uint64_t, Row>> rows;
  m.results(m.groups, rows);
  // Each partition's groups in turn (a group's rows are all in one place,
  // in the order they came), then every group in the order of its first row.
  for (const RowSpill& part : m.parts) {
    Groups g;
    part.read(4096, [&](std::vector<Row>&& chunk) {
      for (Row& r : chunk) {
        uint64_t number = static_cast<uint64_t>(r.back().i);
        r.pop_back();
        m.aggregate(*m.group_of(g, r, number, false), r);
      }
    });
    m.results(g, rows);
  }
  if (!m.parts.empty())
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  m.parts.clear();
  Table out;
  std::vector<std::string> names = m.key_names;
  for (const Spec& s : m.specs)
    for (const std::string& n : s.names) names.push_back(n);
  out.rows.reserve(rows.size());
  for (auto& [number, row] : rows) out.rows.push_back(std::move(row));
  // Duplicate names get a number, as Kusto does (count_, count_1).
  for (size_t i = 0; i < names.size(); ++i) {
    std::string base = names[i];
    for (int n = 1; std::count(names.begin(), names.begin() + static_cast<long>(i), names[i]); ++n)
      names[i] = base + std::to_string(n);
    Type fallback = Type::Dynamic;
    out.columns.push_back({names[i], infer_type(out.rows, i, fallback)});
  }
  return out;
}

Table summarize(Runner& runner, const Table& in, const Node& op, const EnvPtr& env) {
  Summarizer s(runner, in.columns, op, env);
  s.add(in.rows);
  return s.finish();
}

}  // namespace kql
