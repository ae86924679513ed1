// The KQL engine: statements and names (lets, functions, materialize), and
// the tabular operators that are a few lines each. summarize.cpp and
// join.cpp hold the two larger ones.
#include "kql/engine.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <set>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "kql/row_spill.h"
#include "kql/runner.h"
#include "rules/time_format.h"

namespace kql {

Sources merge_sources(const Sources& a, const Sources& b) {
  if (!b || b->refs.empty() || a == b) return a ? a : b;
  if (!a || a->refs.empty()) return b;
  if (a->refs.size() >= kMaxSources && a->more && b->refs.back() < a->refs.front()) return a;  // nothing kept changes
  auto p = std::make_shared<Provenance>();
  p->refs.reserve(a->refs.size() + b->refs.size());
  std::set_union(a->refs.begin(), a->refs.end(), b->refs.begin(), b->refs.end(), std::back_inserter(p->refs));
  p->more = a->more || b->more;
  if (p->refs.size() > kMaxSources) {  // the latest are kept
    p->refs.erase(p->refs.begin(), p->refs.end() - static_cast<std::ptrdiff_t>(kMaxSources));
    p->more = true;
  }
  return p;
}

std::string to_text(const Table& t) {
  std::string out;
  for (const Column& c : t.columns) out += c.name + ":" + type_name(c.type) + " ";
  for (const Row& r : t.rows) {
    out += "\n";
    for (const Value& v : r) out += (v.null ? "null" : to_text(v)) + " | ";
  }
  return out;
}

namespace {

using K = Node::Kind;

// A column pattern of project-away / keep / reorder: a name, or a prefix with *.
bool column_matches(const Node& n, const std::string& column) {
  if (n.extra == "*") {
    std::string_view prefix = n.text;
    return std::string_view(column).substr(0, prefix.size()) == prefix;
  }
  return n.text == column;
}

std::string column_name(const Node& assign, size_t& unnamed) {
  if (!assign.text.empty()) return assign.text;
  std::string n = default_name(assign.kids[0]);
  return n.empty() ? "Column" + std::to_string(++unnamed) : n;
}

// Sorting by keys with Kusto's nulls: asc puts them first, desc last, unless said.
void sort_rows(Table& t, const Node& by, Runner& runner, const EnvPtr& env) {
  struct Key {
    Scalar value;
    bool desc;
    bool nulls_first;
  };
  std::vector<Key> keys;
  CompileScope scope{&t.columns, &runner, env};
  for (const Node& k : by.kids) {
    const Node& expr = k.kind == K::SortKey ? k.kids[0] : k;
    bool desc = k.kind != K::SortKey || k.text != "asc";
    bool nulls_first = k.kind == K::SortKey && !k.extra.empty() ? k.extra == "first" : !desc;
    keys.push_back({compile_scalar(expr, scope), desc, nulls_first});
  }
  std::vector<std::vector<Value>> values(t.rows.size());
  for (size_t i = 0; i < t.rows.size(); ++i)
    for (const Key& k : keys) values[i].push_back(k.value(t.rows[i]));
  std::vector<size_t> order(t.rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    for (size_t k = 0; k < keys.size(); ++k) {
      const Value &x = values[a][k], &y = values[b][k];
      if (x.null != y.null) return x.null == keys[k].nulls_first;
      if (x.null) continue;
      int c = compare(x, y);
      if (c != 0) return keys[k].desc ? c > 0 : c < 0;
    }
    return false;
  });
  std::vector<Row> rows;
  rows.reserve(t.rows.size());
  for (size_t i : order) rows.push_back(std::move(t.rows[i]));
  t.rows = std::move(rows);
}

int64_t count_of(const Node& n, Runner& runner, const EnvPtr& env, const char* what) {
  Value v = runner.constant(n, env);
  if (v.type != Type::Long || v.null || v.i < 0) fail(n, std::string(what) + " needs a number of rows");
  return v.i;
}

// Columns the Defender-only functions add, null here (EVTX has no cloud verdicts).
const std::unordered_map<std::string, std::vector<Column>>& defender_functions() {
  static const std::unordered_map<std::string, std::vector<Column>> f = {
      {"FileProfile",
       {{"GlobalPrevalence", Type::Long},
        {"GlobalFirstSeen", Type::DateTime},
        {"GlobalLastSeen", Type::DateTime},
        {"Signer", Type::String},
        {"Issuer", Type::String},
        {"SignerHash", Type::String},
        {"IsCertificateValid", Type::Bool},
        {"IsRootSignerMicrosoft", Type::Bool},
        {"SignatureState", Type::String},
        {"IsExecutable", Type::Bool},
        {"ThreatName", Type::String},
        {"Publisher", Type::String},
        {"SoftwareName", Type::String},
        {"ProfileAvailability", Type::String}}},
      {"DeviceFromIP", {{"IP", Type::String}, {"DeviceId", Type::String}}},
      {"AssignedIPAddresses",
       {{"Timestamp", Type::DateTime},
        {"IPAddress", Type::String},
        {"IPType", Type::String},
        {"NetworkAdapterType", Type::String},
        {"ConnectedNetworks", Type::Dynamic}}},
      {"SeenBy", {{"Timestamp", Type::DateTime}, {"DeviceId", Type::String}}},
  };
  return f;
}

// mv-expand: each element of the expanded arrays (or key/value of bags) a row.
Table mv_expand(Runner& runner, const Table& in, const Node& op, const EnvPtr& env) {
  CompileScope scope{&in.columns, &runner, env};
  struct Item {
    std::string name;
    Scalar value;
    std::optional<Type> to;
    std::optional<size_t> column;
  };
  std::vector<Item> items;
  int64_t limit = -1;
  std::string index_column;
  bool bag_array = false;
  for (const Node& k : op.kids) {
    if (k.kind == K::Option) {
      if (k.text == "limit") limit = count_of(k.kids[0], runner, env, "mv-expand limit");
      if (k.text == "with_itemindex") index_column = k.kids[0].text;
      if (k.text == "bagexpansion") bag_array = k.kids[0].text == "array";
      continue;
    }
    if (k.kind != K::Assign) continue;
    Item it;
    it.name = k.text.empty() ? default_name(k.kids[0]) : k.text;
    if (it.name.empty()) fail(k, "mv-expand needs a column or a name for the expanded value");
    it.value = compile_scalar(k.kids[0], scope);
    if (!k.extra.empty()) {
      it.to = type_by_name(k.extra);
      if (!it.to) fail(k, "unknown type '" + k.extra + "'");
    }
    it.column = in.find(it.name);
    items.push_back(std::move(it));
  }
  Table out;
  out.columns = in.columns;
  for (Item& it : items)
    if (!it.column) {
      out.columns.push_back({it.name, it.to.value_or(Type::Dynamic)});
      it.column = out.columns.size() - 1;
    } else {
      out.columns[*it.column].type = it.to.value_or(Type::Dynamic);
    }
  if (!index_column.empty()) out.columns.push_back({index_column, Type::Long});
  auto convert = [](const Json& e, std::optional<Type> to) {
    if (!to || *to == Type::Dynamic) return Value::dynamic(e);
    Value v = from_json(e);
    if (*to == Type::String) return Value::string(to_text(v.null ? Value::string("") : v));
    if (v.type == *to) return v;
    return Value::null_of(*to);
  };
  for (const Row& r : in.rows) {
    std::vector<std::vector<Value>> expanded;
    size_t n = 0;
    for (const Item& it : items) {
      Value v = it.value(r);
      std::vector<Value> elems;
      if (v.type == Type::Dynamic && v.d && v.d->is_array()) {
        for (const Json& e : *v.d) elems.push_back(convert(e, it.to));
      } else if (v.type == Type::Dynamic && v.d && v.d->is_object()) {
        for (auto e = v.d->begin(); e != v.d->end(); ++e)
          elems.push_back(bag_array ? convert(Json::array({e.key(), e.value()}), it.to)
                                    : convert(Json::object({{e.key(), e.value()}}), it.to));
      } else {
        elems.push_back(it.to && *it.to != Type::Dynamic ? convert(to_json(v), it.to) : v);
      }
      n = std::max(n, elems.size());
      expanded.push_back(std::move(elems));
    }
    if (limit >= 0) n = std::min(n, static_cast<size_t>(limit));
    for (size_t i = 0; i < n; ++i) {
      Row row = r;
      row.resize(out.columns.size());
      for (size_t k = 0; k < items.size(); ++k)
        row[*items[k].column] =
            i < expanded[k].size() ? expanded[k][i] : Value::null_of(out.columns[*items[k].column].type);
      if (!index_column.empty()) row.back() = Value::integer(static_cast<int64_t>(i));
      out.rows.push_back(std::move(row));
      if (out.rows.size() > runner.max_rows())
        fail(op, "mv-expand makes more than " + std::to_string(runner.max_rows()) + " rows (use limit)");
    }
  }
  return out;
}

// parse: a pattern of literals, columns and * matched left to right; each
// column takes the text up to the next literal. A row that does not match
// gets empty columns (parse) or is dropped (parse-where).
Table parse_op(Runner& runner, const Table& in, const Node& op, const EnvPtr& env) {
  const Node* with = nullptr;
  for (const Node& k : op.kids)
    if (k.kind == K::ParseWith) with = &k;
  for (const Node& k : op.kids)
    if (k.kind == K::Option && k.text == "kind" && k.kids[0].text != "simple")
      fail(k, "parse kind=" + k.kids[0].text + " is not supported (simple is)");
  CompileScope scope{&in.columns, &runner, env};
  Scalar source = compile_scalar(with->kids[0], scope);
  Table out;
  out.columns = in.columns;
  std::vector<std::pair<size_t, Type>> targets;  // part index -> column
  for (size_t p = 1; p < with->kids.size(); ++p) {
    const Node& part = with->kids[p];
    if (part.kind != K::Name) continue;
    Type t = Type::String;
    if (!part.extra.empty()) {
      auto ty = type_by_name(part.extra);
      if (!ty) fail(part, "unknown type '" + part.extra + "'");
      t = *ty;
    }
    auto existing = out.find(part.text);
    if (!existing) {
      out.columns.push_back({part.text, t});
      existing = out.columns.size() - 1;
    }
    targets.emplace_back(*existing, t);
  }
  // A typed column (Col:long) takes its text through the matching to*() function.
  std::vector<Function> convert(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    Type type = targets[i].second;
    if (type == Type::String) continue;
    Node call;
    call.kind = K::Call;
    call.pos = with->pos;
    call.text = type == Type::Long       ? "tolong"
                : type == Type::Real     ? "toreal"
                : type == Type::DateTime ? "todatetime"
                : type == Type::Timespan ? "totimespan"
                : type == Type::Bool     ? "tobool"
                                         : "todynamic";
    call.kids.resize(1);
    convert[i] = scalar_function(call, scope);
  }
  bool where = op.text == "parse-where";
  for (const Row& r : in.rows) {
    Value src = source(r);
    std::string s = src.type == Type::String ? src.s : to_text(src);
    std::vector<std::string> captured;
    size_t pos = 0;
    bool ok = true;
    const Node* pending = nullptr;  // a column or * waiting for the next literal
    for (size_t p = 1; p < with->kids.size() && ok; ++p) {
      const Node& part = with->kids[p];
      if (part.kind == K::Literal) {
        size_t at = pending ? s.find(part.text, pos)
                            : (s.compare(pos, part.text.size(), part.text) == 0 ? pos : std::string::npos);
        if (at == std::string::npos) {
          ok = false;
          break;
        }
        if (pending && pending->kind == K::Name) captured.push_back(s.substr(pos, at - pos));
        pending = nullptr;
        pos = at + part.text.size();
      } else {
        if (pending && pending->kind == K::Name) captured.push_back("");
        pending = &part;
      }
    }
    if (ok && pending && pending->kind == K::Name) captured.push_back(s.substr(pos));
    if (!ok && where) continue;
    Row row = r;
    row.resize(out.columns.size());
    for (size_t i = 0; i < targets.size(); ++i) {
      auto [col, type] = targets[i];
      if (!ok || i >= captured.size()) {
        row[col] = Value::null_of(type);
        continue;
      }
      std::vector<Value> args{Value::string(captured[i])};
      row[col] = convert[i] ? convert[i](args) : args[0];
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

Table bag_unpack(Runner& runner, const Table& in, const Node& call, const EnvPtr& env) {
  if (call.kids.empty() || call.kids[0].kind != K::Name) fail(call, "bag_unpack() needs the dynamic column");
  auto col = in.find(call.kids[0].text);
  if (!col) fail(call.kids[0], "no column named '" + call.kids[0].text + "'");
  std::string prefix = call.kids.size() > 1 ? to_text(runner.constant(call.kids[1], env)) : "";
  Table out;
  for (size_t c = 0; c < in.columns.size(); ++c)
    if (c != *col) out.columns.push_back(in.columns[c]);
  size_t base = out.columns.size();
  std::unordered_map<std::string, size_t> keys;
  std::vector<std::string> order;
  for (const Row& r : in.rows)
    if (const Value& v = r[*col]; v.type == Type::Dynamic && v.d && v.d->is_object())
      for (auto it = v.d->begin(); it != v.d->end(); ++it)
        if (keys.emplace(it.key(), order.size()).second) {
          order.push_back(it.key());
          if (order.size() > 10'000) fail(call, "bag_unpack(): more than 10,000 distinct keys");
        }
  for (const std::string& k : order) out.columns.push_back({prefix + k, Type::Dynamic});
  for (const Row& r : in.rows) {
    Row row;
    row.sources = r.sources;
    for (size_t c = 0; c < in.columns.size(); ++c)
      if (c != *col) row.push_back(r[c]);
    row.resize(out.columns.size());
    if (const Value& v = r[*col]; v.type == Type::Dynamic && v.d && v.d->is_object())
      for (auto it = v.d->begin(); it != v.d->end(); ++it) row[base + keys[it.key()]] = from_json(it.value());
    out.rows.push_back(std::move(row));
  }
  for (size_t c = base; c < out.columns.size(); ++c) out.columns[c].type = infer_type(out.rows, c, Type::Dynamic);
  return out;
}

}  // namespace

int64_t Runner::now() const {
  if (options_.now != 0) return options_.now;
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return normalize::kUnixEpoch + std::chrono::duration_cast<std::chrono::microseconds>(since).count() * 10;
}

void Runner::warn(const std::string& w) {
  if (std::find(warnings_.begin(), warnings_.end(), w) == warnings_.end()) warnings_.push_back(w);
}

bool Runner::is_tabular(const Node& n, const EnvPtr& env) const {
  switch (n.kind) {
    case K::Pipeline:
    case K::Datatable:
    case K::Operator: return true;
    case K::Name: {
      if (const Binding* b = env ? env->find(n.text) : nullptr)
        return b->kind == Binding::Kind::Table || b->kind == Binding::Kind::LazyTable;
      return n.extra == "*" || catalog_.table(n.text) != nullptr || !catalog_.missing_reason(n.text).empty();
    }
    case K::Call: {
      if (n.text == "materialize" || n.text == "view") return true;
      const Binding* b = env ? env->find(n.text) : nullptr;
      if (!b || b->kind != Binding::Kind::Function) return false;
      // Tabular when its result is: bind its parameters to probe the body.
      auto probe = std::make_shared<Env>();
      probe->parent = b->env;
      const Node& lambda = *b->node;
      for (size_t i = 0; i + 1 < lambda.kids.size(); ++i) {
        Binding p;
        p.kind = lambda.kids[i].kids[0].text.rfind('(', 0) == 0 ? Binding::Kind::Table : Binding::Kind::Slot;
        probe->names[lambda.kids[i].text] = p;
      }
      const Node& body = lambda.kids.back();
      for (size_t i = 0; i + 1 < body.kids.size(); ++i) {
        Binding p;
        p.kind = is_tabular(body.kids[i].kids[0], probe) ? Binding::Kind::Table : Binding::Kind::Slot;
        probe->names[body.kids[i].text] = p;
      }
      return !body.kids.empty() && is_tabular(body.kids.back(), probe);
    }
    default: return false;
  }
}

Value Runner::constant(const Node& n, const EnvPtr& env) {
  return compile_scalar(n, CompileScope{nullptr, this, env})(Row{});
}

TablePtr Runner::named_table(const Node& name, const EnvPtr& env) {
  if (const Binding* b = env ? env->find(name.text) : nullptr) {
    if (b->kind == Binding::Kind::Table) return b->table;
    if (b->kind == Binding::Kind::LazyTable) {
      if (!b->table) b->table = tabular(*b->node, b->env);
      return b->table;
    }
    fail(name, "'" + name.text + "' is a value, not a table");
  }
  if (name.extra == "*") fail(name, "table wildcards (" + name.text + "*) are not supported: name the tables");
  if (auto it = catalog_cache_.find(name.text); it != catalog_cache_.end()) return it->second;
  if (TablePtr t = catalog_.table(name.text)) {
    catalog_cache_[name.text] = t;
    return t;
  }
  std::string why = catalog_.missing_reason(name.text);
  fail(name, why.empty() ? "no table, let or function named '" + name.text + "'" : why);
}

TablePtr Runner::call_function(const Node& call, const Binding& fn, const EnvPtr& env, const TablePtr& piped) {
  const Node& lambda = *fn.node;
  auto scope = std::make_shared<Env>();
  scope->parent = fn.env;
  size_t params = lambda.kids.size() - 1;
  std::vector<const Node*> args;
  for (const Node& k : call.kids) args.push_back(&k);
  size_t next = 0;
  for (size_t i = 0; i < params; ++i) {
    const Node& p = lambda.kids[i];
    Binding b;
    bool table_param = p.kids[0].text.rfind('(', 0) == 0;
    if (table_param && piped && i == 0) {
      b.kind = Binding::Kind::Table;
      b.table = piped;
    } else if (next < args.size()) {
      const Node& a = args[next]->kind == K::Assign ? args[next]->kids[0] : *args[next];
      ++next;
      if (table_param) {
        b.kind = Binding::Kind::Table;
        b.table = tabular(a, env);
      } else {
        b.kind = Binding::Kind::Scalar;
        b.value = constant(a, env);
      }
    } else if (p.kids.size() > 1) {
      b.kind = Binding::Kind::Scalar;
      b.value = constant(p.kids[1], fn.env);
    } else {
      fail(call, call.text + "() needs its argument " + p.text);
    }
    scope->names[p.text] = b;
  }
  if (next < args.size()) fail(call, call.text + "() takes " + std::to_string(params) + " arguments");
  return std::make_shared<const Table>(run_query(lambda.kids.back(), scope));
}

// A pipeline over a table the catalog streams (one larger than memory):
// its leading operators that keep or drop whole rows and columns (where,
// project-away/keep/rename/reorder) run on each chunk of the table, and a
// summarize, count, join or lookup right after them takes the chunks one by
// one (a join probes its right side, hashed once, with each), so only what
// they keep is held. Sets `next` to the first operator left to apply;
// nullopt when the catalog holds the table whole (or the name is a let's).
namespace {
// The operators that keep or drop whole rows and columns: they run on a
// streamed table chunk by chunk.
const std::set<std::string, std::less<>>& row_wise_operators() {
  static const std::set<std::string, std::less<>> ops = {"where", "project-away", "project-keep", "project-rename",
                                                         "project-reorder"};
  return ops;
}
}  // namespace

bool Runner::stream(const Node& n, const EnvPtr& env, const std::function<void(Table&&)>& sink) {
  const Node& source = n.kind == K::Pipeline ? n.kids[0] : n;
  if (source.kind != K::Name || source.extra == "*" || (env && env->find(source.text)) ||
      catalog_cache_.count(source.text))
    return false;
  size_t ops = n.kind == K::Pipeline ? n.kids.size() : 1;
  for (size_t i = 1; i < ops; ++i)
    if (!row_wise_operators().count(n.kids[i].text)) return false;
  return catalog_.scan(source.text, [&](Table&& chunk) {
    Table t = std::move(chunk);
    for (size_t i = 1; i < ops; ++i) t = apply(std::move(t), n.kids[i], env);
    sink(std::move(t));
  });
}

RightSide Runner::right_side(const Node& op, const std::vector<Column>& left_columns, const EnvPtr& env) {
  const Node* operand = nullptr;
  for (const Node& k : op.kids)
    if (k.kind != K::Option && k.kind != K::On) operand = &k;
  RightSide side;
  std::optional<Table> held;
  size_t bytes = 0;
  bool streamed = stream(*operand, env, [&](Table&& t) {
    if (side.partitioned) {
      side.partitioned->add_right(t.rows);
      return;
    }
    if (!held) held.emplace(Table{t.columns, {}});
    for (Row& r : t.rows) {
      bytes += row_bytes(r);
      held->rows.push_back(std::move(r));
    }
    if (bytes > options_.memory_bytes && options_.new_spill_file) {  // past memory: partitions from here on
      side.partitioned = std::make_unique<PartitionedJoin>(*this, op, op.text == "lookup", left_columns, held->columns);
      side.partitioned->add_right(held->rows);
      held.reset();
    }
  });
  if (!streamed) side.table = tabular(*operand, env);
  if (held) side.table = std::make_shared<const Table>(std::move(*held));
  return side;
}

std::optional<Table> Runner::scan_prefix(const Node& pipeline, const EnvPtr& env, size_t& next) {
  const Node& source = pipeline.kids[0];
  if (source.kind != K::Name || source.extra == "*" || (env && env->find(source.text)) ||
      catalog_cache_.count(source.text))
    return std::nullopt;
  size_t end = 1;
  while (end < pipeline.kids.size() && row_wise_operators().count(pipeline.kids[end].text)) ++end;
  static const std::set<std::string, std::less<>> folds = {"summarize", "count", "join", "lookup"};
  const Node* fold = end < pipeline.kids.size() && folds.count(pipeline.kids[end].text) ? &pipeline.kids[end] : nullptr;
  if (end == 1 && !fold) return std::nullopt;  // nothing to run on chunks: the table is read whole
  std::optional<Table> out;
  std::unique_ptr<Summarizer> summary;
  std::unique_ptr<Joiner> joiner;
  std::unique_ptr<PartitionedJoin> partitioned;
  int64_t count = 0;
  Sources counted;
  bool streamed = catalog_.scan(source.text, [&](Table&& chunk) {
    Table t = std::move(chunk);
    for (size_t i = 1; i < end; ++i) t = apply(std::move(t), pipeline.kids[i], env);
    if (!out) {
      out.emplace();
      out->columns = t.columns;
      if (fold && fold->text == "summarize") summary = std::make_unique<Summarizer>(*this, t.columns, *fold, env);
      if (fold && (fold->text == "join" || fold->text == "lookup")) {
        RightSide right = right_side(*fold, t.columns, env);
        if (right.table)
          joiner = std::make_unique<Joiner>(*this, t.columns, right.table, *fold, fold->text == "lookup");
        partitioned = std::move(right.partitioned);
      }
    }
    if (summary) {
      summary->add(t.rows);
    } else if (joiner) {
      joiner->add(t.rows);
    } else if (partitioned) {
      partitioned->add_left(t.rows);
    } else if (fold) {
      count += static_cast<int64_t>(t.rows.size());
      for (const Row& r : t.rows) counted = merge_sources(counted, r.sources);
    } else {
      for (Row& r : t.rows) out->rows.push_back(std::move(r));
    }
  });
  if (!streamed || !out) return std::nullopt;
  next = end;
  if (!fold) return out;
  next = end + 1;
  if (summary) return summary->finish();
  if (joiner) return joiner->finish();
  if (partitioned) return partitioned->finish();
  Table c;
  c.columns = {{"Count", Type::Long}};
  c.rows.push_back({Value::integer(count)});
  c.rows[0].sources = std::move(counted);
  return c;
}

TablePtr Runner::tabular(const Node& n, const EnvPtr& env) {
  switch (n.kind) {
    case K::Pipeline: {
      Table t;
      size_t first = 1;
      if (n.kids[0].kind == K::Operator) {
        t = apply(Table{}, n.kids[0], env);
      } else if (std::optional<Table> streamed = scan_prefix(n, env, first)) {
        t = std::move(*streamed);
      } else {
        TablePtr src = tabular(n.kids[0], env);
        if (n.kids.size() == 1) return src;
        if (n.kids[1].text == "where") {  // copies only the rows kept, not the whole shared source
          t = where(*src, src->rows, n.kids[1], env);
        } else {
          t = apply(*src, n.kids[1], env);  // copies the shared source once
        }
        first = 2;
      }
      for (size_t i = first; i < n.kids.size(); ++i) t = apply(std::move(t), n.kids[i], env);
      return std::make_shared<const Table>(std::move(t));
    }
    case K::Operator: return std::make_shared<const Table>(apply(Table{}, n, env));
    case K::Datatable: {
      Table t;
      size_t cols = 0;
      for (const Node& k : n.kids)
        if (k.kind == K::Param) {
          auto type = type_by_name(k.kids[0].text);
          if (!type) fail(k, "unknown type '" + k.kids[0].text + "'");
          t.columns.push_back({k.text, *type});
          ++cols;
        }
      std::vector<const Node*> values;
      for (const Node& k : n.kids)
        if (k.kind != K::Param) values.push_back(&k);
      if (cols == 0 || values.size() % cols != 0) fail(n, "datatable: the values do not fill whole rows");
      for (size_t i = 0; i < values.size(); i += cols) {
        Row row;
        for (size_t c = 0; c < cols; ++c) {
          Value v = constant(*values[i + c], env);
          Type want = t.columns[c].type;
          if (v.null)
            v = Value::null_of(want);
          else if (want == Type::Real && v.type == Type::Long)
            v = Value::real(static_cast<double>(v.i));
          else if (want == Type::Dynamic && v.type != Type::Dynamic)
            v = Value::dynamic(to_json(v));
          else if (v.type != want)
            fail(*values[i + c], "datatable: a " + std::string(type_name(v.type)) + " in the " + type_name(want) +
                                     " column " + t.columns[c].name);
          row.push_back(std::move(v));
        }
        t.rows.push_back(std::move(row));
      }
      return std::make_shared<const Table>(std::move(t));
    }
    case K::Name: return named_table(n, env);
    case K::Call: {
      if (n.text == "materialize" || n.text == "view") {
        if (n.kids.size() != 1) fail(n, n.text + "() takes one table");
        return tabular(n.kids[0], env);
      }
      const Binding* b = env ? env->find(n.text) : nullptr;
      if (b && b->kind == Binding::Kind::Function) return call_function(n, *b, env, nullptr);
      if (defender_functions().count(n.text)) fail(n, n.text + "() is a Defender function: call it with invoke");
      fail(n, "no table or function named '" + n.text + "'");
    }
    default: fail(n, "a table is expected here");
  }
}

Table Runner::run_query(const Node& query, const EnvPtr& env, Value* scalar_result) {
  EnvPtr scope = std::make_shared<Env>();
  scope->parent = env;
  const Node* result = nullptr;
  for (const Node& s : query.kids) {
    if (s.kind == K::Let) {
      Binding b;
      const Node& value = s.kids[0];
      if (value.kind == K::Lambda) {
        b.kind = Binding::Kind::Function;
        b.node = &value;
        b.env = scope;
      } else if (is_tabular(value, scope)) {
        b.kind = Binding::Kind::LazyTable;
        b.node = &value;
        b.env = scope;
      } else {
        b.kind = Binding::Kind::Scalar;
        b.value = constant(value, scope);
      }
      // A new scope per let, so that a later let of the same name shadows
      // it without changing what earlier lets already refer to.
      auto next = std::make_shared<Env>();
      next->parent = scope;
      next->names[s.text] = std::move(b);
      scope = next;
      continue;
    }
    result = &s;
  }
  if (!result) fail(query, "the query has no result: it ends with a let");
  if (!is_tabular(*result, scope)) {
    if (!scalar_result) fail(*result, "the query's result is a value, not a table (print it: print x = ...)");
    *scalar_result = constant(*result, scope);
    return {};
  }
  TablePtr t = tabular(*result, scope);
  return *t;
}

// The rows the where's predicate keeps: moved from `rows` when the caller
// owns them, copied (only those kept) from a shared table's.
template <class Rows>
Table Runner::where(const Table& in, Rows&& rows, const Node& op, const EnvPtr& env) {
  Scalar pred = compile_scalar(op.kids[0], CompileScope{&in.columns, this, env});
  Table out;
  out.columns = in.columns;
  for (auto& r : rows) {
    if (!pred(r).truthy()) continue;
    if constexpr (std::is_rvalue_reference_v<Rows&&>)
      out.rows.push_back(std::move(r));
    else
      out.rows.push_back(r);
  }
  return out;
}

Table Runner::apply(Table in, const Node& op, const EnvPtr& env) {
  const std::string& name = op.text;
  CompileScope scope{&in.columns, this, env};
  if (name == "where") return where(in, std::move(in.rows), op, env);
  if (name == "extend" || name == "project" || name == "serialize" || name == "print") {
    bool project = name == "project" || name == "print";
    std::vector<std::pair<std::string, Scalar>> cols;
    size_t unnamed = 0;
    for (const Node& a : op.kids) {
      if (a.kind != K::Assign) continue;
      if (!a.extra.empty()) fail(a, "(a, b) = ... assignments are not supported");
      if (project && a.kids[0].kind == K::Name && a.kids[0].extra == "*") {  // project Foo*
        for (size_t c = 0; c < in.columns.size(); ++c)
          if (column_matches(a.kids[0], in.columns[c].name))
            cols.emplace_back(in.columns[c].name, [c](const Row& r) { return r[c]; });
        continue;
      }
      cols.emplace_back(column_name(a, unnamed), compile_scalar(a.kids[0], scope));
    }
    Table out;
    std::vector<std::optional<size_t>> target;
    if (!project) out.columns = in.columns;
    for (auto& [n, f] : cols) {
      auto existing = out.find(n);
      if (!existing) {
        out.columns.push_back({n, Type::Dynamic});
        existing = out.columns.size() - 1;
      }
      target.push_back(existing);
    }
    if (name == "print") in.rows.assign(1, Row{});
    for (Row& r : in.rows) {
      Row row = project ? Row(out.columns.size()) : r;
      if (project) row.sources = r.sources;
      row.resize(out.columns.size());
      for (size_t i = 0; i < cols.size(); ++i) row[*target[i]] = cols[i].second(r);
      out.rows.push_back(std::move(row));
    }
    for (size_t i = 0; i < cols.size(); ++i)
      out.columns[*target[i]].type = infer_type(out.rows, *target[i], Type::Dynamic);
    // A column kept from the input keeps its type; computed ones take their values'.
    if (!project)
      for (size_t c = 0; c < in.columns.size(); ++c)
        if (std::find(target.begin(), target.end(), std::optional<size_t>(c)) == target.end())
          out.columns[c].type = in.columns[c].type;
    if (project)
      for (size_t i = 0; i < cols.size(); ++i)
        if (op.kids[i].kind == K::Assign && op.kids[i].kids[0].kind == K::Name)
          if (auto src = in.find(op.kids[i].kids[0].text); src && out.rows.empty())
            out.columns[*target[i]].type = in.columns[*src].type;
    return out;
  }
  if (name == "project-away" || name == "project-keep") {
    bool keep = name == "project-keep";
    for (const Node& n : op.kids)
      if (n.extra != "*" && !in.find(n.text)) fail(n, name + ": no column named '" + n.text + "'");
    std::vector<size_t> kept;
    for (size_t c = 0; c < in.columns.size(); ++c) {
      bool matched = std::any_of(op.kids.begin(), op.kids.end(),
                                 [&](const Node& n) { return column_matches(n, in.columns[c].name); });
      if (matched == keep) kept.push_back(c);
    }
    Table out;
    for (size_t c : kept) out.columns.push_back(in.columns[c]);
    for (Row& r : in.rows) {
      Row row;
      row.sources = std::move(r.sources);
      row.reserve(kept.size());
      for (size_t c : kept) row.push_back(std::move(r[c]));
      out.rows.push_back(std::move(row));
    }
    return out;
  }
  if (name == "project-rename") {
    for (const Node& a : op.kids) {
      if (a.text.empty() || a.kids[0].kind != K::Name) fail(a, "project-rename takes NewName = OldName");
      auto c = in.find(a.kids[0].text);
      if (!c) fail(a.kids[0], "project-rename: no column named '" + a.kids[0].text + "'");
      in.columns[*c].name = a.text;
    }
    return in;
  }
  if (name == "project-reorder") {
    std::vector<size_t> order;
    std::vector<bool> used(in.columns.size(), false);
    for (const Node& k : op.kids) {
      const Node& n = k.kind == K::SortKey ? k.kids[0] : k;
      std::vector<size_t> matched;
      for (size_t c = 0; c < in.columns.size(); ++c)
        if (!used[c] && column_matches(n, in.columns[c].name)) matched.push_back(c);
      if (matched.empty() && n.extra != "*") fail(n, "project-reorder: no column named '" + n.text + "'");
      if (k.kind == K::SortKey) {
        bool asc = k.text.find("asc") != std::string::npos;
        std::stable_sort(matched.begin(), matched.end(), [&](size_t a, size_t b) {
          return asc ? in.columns[a].name < in.columns[b].name : in.columns[a].name > in.columns[b].name;
        });
      }
      for (size_t c : matched) {
        used[c] = true;
        order.push_back(c);
      }
    }
    for (size_t c = 0; c < in.columns.size(); ++c)
      if (!used[c]) order.push_back(c);
    Table out;
    for (size_t c : order) out.columns.push_back(in.columns[c]);
    for (Row& r : in.rows) {
      Row row;
      row.sources = std::move(r.sources);
      for (size_t c : order) row.push_back(std::move(r[c]));
      out.rows.push_back(std::move(row));
    }
    return out;
  }
  if (name == "distinct") {
    Table keyed = op.kids.size() == 1 && op.kids[0].kind == K::Star ? std::move(in)
                                                                    : apply(
                                                                          std::move(in),
                                                                          [&] {
                                                                            Node p = op;
                                                                            p.text = "project";
                                                                            return p;
                                                                          }(),
                                                                          env);
    std::unordered_map<std::string, size_t> seen;  // key -> its row in out
    Table out;
    out.columns = keyed.columns;
    std::string key;
    for (Row& r : keyed.rows) {
      key.clear();
      for (const Value& v : r) append_key(key, v);
      auto [it, fresh] = seen.emplace(key, out.rows.size());
      if (fresh)
        out.rows.push_back(std::move(r));
      else if (r.sources)  // the records of every row it stands for
        out.rows[it->second].sources = merge_sources(out.rows[it->second].sources, r.sources);
    }
    return out;
  }
  if (name == "summarize") return summarize(*this, in, op, env);
  if (name == "join" || name == "lookup") {
    RightSide right = right_side(op, in.columns, env);
    if (right.table) return join(*this, in, right.table, op, name == "lookup");
    right.partitioned->add_left(in.rows);
    return right.partitioned->finish();
  }
  if (name == "union") {
    std::vector<TablePtr> tables;
    std::vector<std::string> names;
    bool piped = !in.columns.empty() || !in.rows.empty();
    if (piped) {
      tables.push_back(std::make_shared<const Table>(std::move(in)));
      names.push_back("union_arg0");
    }
    for (const Node& k : op.kids) {
      if (k.kind == K::Option) continue;
      tables.push_back(tabular(k, env));
      names.push_back(k.kind == K::Name ? k.text : "union_arg" + std::to_string(names.size()));
    }
    return union_of(tables, names, op);
  }
  if (name == "order" || name == "top") {
    const Node* by = nullptr;
    for (const Node& k : op.kids)
      if (k.kind == K::By) by = &k;
    sort_rows(in, *by, *this, env);
    if (name == "top") {
      int64_t n = count_of(op.kids[0], *this, env, "top");
      if (in.rows.size() > static_cast<size_t>(n)) in.rows.resize(static_cast<size_t>(n));
    }
    return in;
  }
  if (name == "take" || name == "sample") {
    int64_t n = count_of(op.kids[0], *this, env, name.c_str());
    if (in.rows.size() > static_cast<size_t>(n)) in.rows.resize(static_cast<size_t>(n));
    return in;
  }
  if (name == "count") {
    Table out;
    out.columns = {{"Count", Type::Long}};
    out.rows.push_back({Value::integer(static_cast<int64_t>(in.rows.size()))});
    for (const Row& r : in.rows) out.rows[0].sources = merge_sources(out.rows[0].sources, r.sources);
    return out;
  }
  if (name == "getschema") {
    Table out;
    out.columns = {{"ColumnName", Type::String},
                   {"ColumnOrdinal", Type::Long},
                   {"DataType", Type::String},
                   {"ColumnType", Type::String}};
    for (size_t c = 0; c < in.columns.size(); ++c)
      out.rows.push_back({Value::string(in.columns[c].name), Value::integer(static_cast<int64_t>(c)),
                          Value::string(type_name(in.columns[c].type)), Value::string(type_name(in.columns[c].type))});
    return out;
  }
  if (name == "mv-expand") return mv_expand(*this, in, op, env);
  if (name == "mv-apply") {
    const Node* on = nullptr;
    Node expand = op;
    expand.text = "mv-expand";
    expand.kids.clear();
    for (const Node& k : op.kids) {
      if (k.kind == K::On)
        on = &k;
      else
        expand.kids.push_back(k);
    }
    std::vector<std::string> expanded;
    for (const Node& k : expand.kids)
      if (k.kind == K::Assign) expanded.push_back(k.text.empty() ? default_name(k.kids[0]) : k.text);
    const Node& sub = on->kids[0];  // Pipeline(Star, ops...)
    Table out;
    bool columns_set = false;
    for (const Row& r : in.rows) {
      Table one;
      one.columns = in.columns;
      one.rows.push_back(r);
      Table rows = mv_expand(*this, one, expand, env);
      for (size_t i = 1; i < sub.kids.size(); ++i) rows = apply(std::move(rows), sub.kids[i], env);
      // The subquery's rows, each with the outer row's other columns.
      std::vector<size_t> outer;
      for (size_t c = 0; c < in.columns.size(); ++c)
        if (!rows.find(in.columns[c].name) &&
            std::find(expanded.begin(), expanded.end(), in.columns[c].name) == expanded.end())
          outer.push_back(c);
      if (!columns_set) {
        for (size_t c : outer) out.columns.push_back(in.columns[c]);
        for (const Column& c : rows.columns) out.columns.push_back(c);
        columns_set = true;
      }
      for (Row& s : rows.rows) {
        Row row;
        row.sources = r.sources;
        for (size_t c : outer) row.push_back(r[c]);
        for (Value& v : s) row.push_back(std::move(v));
        row.resize(out.columns.size());
        out.rows.push_back(std::move(row));
        if (out.rows.size() > max_rows()) fail(op, "mv-apply makes more than " + std::to_string(max_rows()) + " rows");
      }
    }
    if (!columns_set) {  // no row: the columns the subquery would give
      Table none;
      none.columns = in.columns;
      Table rows = mv_expand(*this, none, expand, env);
      for (size_t i = 1; i < sub.kids.size(); ++i) rows = apply(std::move(rows), sub.kids[i], env);
      for (const Column& c : in.columns)
        if (!rows.find(c.name) && std::find(expanded.begin(), expanded.end(), c.name) == expanded.end())
          out.columns.push_back(c);
      for (const Column& c : rows.columns) out.columns.push_back(c);
    }
    return out;
  }
  if (name == "parse" || name == "parse-where") return parse_op(*this, in, op, env);
  if (name == "evaluate") {
    const Node& call = op.kids.back();
    if (call.kind == K::Call && call.text == "bag_unpack") return bag_unpack(*this, in, call, env);
    fail(call, "the plugin '" + call.text + "' is not supported (bag_unpack is)");
  }
  if (name == "invoke") {
    const Node& call = op.kids.back();
    if (call.kind != K::Call) fail(call, "invoke needs a function call");
    if (auto f = defender_functions().find(call.text); f != defender_functions().end()) {
      warn(call.text + "() is a Defender cloud function: its columns (" + f->second.front().name +
           ", ...) are null here");
      for (const Column& c : f->second) {
        if (in.find(c.name)) continue;
        in.columns.push_back(c);
        for (Row& r : in.rows) r.push_back(Value::null_of(c.type));
      }
      return in;
    }
    const Binding* b = env ? env->find(call.text) : nullptr;
    if (!b || b->kind != Binding::Kind::Function) fail(call, "no function named '" + call.text + "'");
    return *call_function(call, *b, env, std::make_shared<const Table>(std::move(in)));
  }
  if (name == "as" || name == "render") return in;
  fail(op, "the tabular operator '" + name + "' is not supported");
}

RunResult run(const Node& query, Catalog& catalog, const RunOptions& options) {
  Runner runner(catalog, options);
  RunResult r;
  r.table = runner.run_query(query, nullptr);
  r.warnings = runner.take_warnings();
  return r;
}

namespace {

void collect_names(const Node& n, ColumnUse& use) {
  if (n.kind == K::Star || (n.kind == K::Name && n.extra == "*")) use.all = true;
  if (n.kind == K::Operator &&
      (n.text == "project-away" || n.text == "project-keep" || n.text == "project-reorder" || n.text == "getschema"))
    use.all = true;
  if (n.kind == K::Call && n.text == "pack_all") use.all = true;
  if ((n.kind == K::Name || n.kind == K::Member || n.kind == K::Param || n.kind == K::Assign) && !n.text.empty()) {
    use.names.push_back(n.text);
    std::string base = n.text;
    while (!base.empty() && std::isdigit(static_cast<unsigned char>(base.back()))) base.pop_back();
    if (!base.empty() && base != n.text) use.names.push_back(base);
  }
  if (n.kind == K::Literal && n.extra == "string") use.names.push_back(n.text);  // column_ifexists("X", ...)
  for (const Node& k : n.kids) collect_names(k, use);
}

// Whether the result's columns are shaped after the last operator that
// brings in another table's columns.
bool shaped(const Node& result) {
  if (result.kind != K::Pipeline) return false;
  bool shaped_now = false;
  for (size_t i = 1; i < result.kids.size(); ++i) {
    const std::string& op = result.kids[i].text;
    if (op == "project" || op == "summarize" || op == "count" ||
        (op == "distinct" && !(result.kids[i].kids.size() == 1 && result.kids[i].kids[0].kind == K::Star)))
      shaped_now = true;
    if (op == "join" || op == "lookup" || op == "union" || op == "mv-apply" || op == "invoke") shaped_now = false;
  }
  return shaped_now;
}

}  // namespace

ColumnUse columns_used(const Node& query) {
  ColumnUse use;
  collect_names(query, use);
  const Node* result = nullptr;
  for (const Node& s : query.kids)
    if (s.kind != K::Let) result = &s;
  if (!result || !shaped(*result)) use.all = true;
  for (const char* always : {"Timestamp", "TimeGenerated"}) use.names.push_back(always);  // ingestion_time()
  std::sort(use.names.begin(), use.names.end());
  use.names.erase(std::unique(use.names.begin(), use.names.end()), use.names.end());
  return use;
}

}  // namespace kql
