// Pushdown: the part of a query's filters on a table that can run while the
// table is built, so rows no use of the table keeps are never held. Only
// conjuncts that read the table's own columns and constants are pushed (a
// let, a subquery or a user function is left to the engine), and the
// engine still runs every where in full: a pushed filter may let through
// more than the query keeps, never less.
#include <set>

#include "kql/runner.h"

namespace kql {
namespace {

using K = Node::Kind;

class NoTables : public Catalog {
 public:
  TablePtr table(std::string_view) override { return nullptr; }
};

// Every name the query binds (lets, function parameters): a conjunct reading
// one is not the table's alone.
void bound_names(const Node& n, std::set<std::string, std::less<>>& out) {
  if (n.kind == K::Let || n.kind == K::Param) out.insert(n.text);
  for (const Node& k : n.kids) bound_names(k, out);
}

// Whether an expression reads only these columns and constants.
bool pure(const Node& n, const std::vector<Column>& columns, const std::set<std::string, std::less<>>& bound) {
  switch (n.kind) {
    case K::Literal: return true;
    case K::Name:
      if (!n.extra.empty() || bound.count(n.text)) return false;
      for (const Column& c : columns)
        if (c.name == n.text) return true;
      return false;
    case K::Call:
      if (bound.count(n.text) || n.text == "toscalar" || n.text == "materialize" || n.text == "ingestion_time")
        return false;
      break;
    case K::Unary:
    case K::Binary:
    case K::Between:
    case K::List: break;
    default: return false;  // a subquery, a member of a bag, ...: left to the engine
  }
  for (const Node& k : n.kids)
    if (!pure(k, columns, bound)) return false;
  return true;
}

void conjuncts(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == K::Binary && n.text == "and") {
    conjuncts(n.kids[0], out);
    conjuncts(n.kids[1], out);
  } else {
    out.push_back(&n);
  }
}

struct Use {
  std::vector<const Node*> terms;  // empty: the table read unfiltered
};

// Where the table is read: each occurrence of its name, with the pure
// conjuncts of the wheres that start its pipeline.
void uses_of(const Node& n, std::string_view table, const std::vector<Column>& columns,
             const std::set<std::string, std::less<>>& bound, std::vector<Use>& out) {
  if (n.kind == K::Pipeline && !n.kids.empty() && n.kids[0].kind == K::Name && n.kids[0].text == table &&
      n.kids[0].extra.empty()) {
    Use use;
    for (size_t i = 1; i < n.kids.size() && n.kids[i].kind == K::Operator && n.kids[i].text == "where"; ++i) {
      std::vector<const Node*> all;
      conjuncts(n.kids[i].kids[0], all);
      for (const Node* t : all)
        if (pure(*t, columns, bound)) use.terms.push_back(t);
    }
    out.push_back(std::move(use));
    for (size_t i = 1; i < n.kids.size(); ++i) uses_of(n.kids[i], table, columns, bound, out);
    return;
  }
  if (n.kind == K::Name && n.text == table) out.emplace_back();  // read some other way: unfiltered
  for (const Node& k : n.kids) uses_of(k, table, columns, bound, out);
}

}  // namespace

RowFilter pushed_filter(const Node& query, std::string_view table, const std::vector<Column>& columns,
                        const RunOptions& options) {
  std::set<std::string, std::less<>> bound;
  bound_names(query, bound);
  if (bound.count(table)) return nullptr;  // a let of the table's name hides it
  std::vector<Use> uses;
  uses_of(query, table, columns, bound, uses);
  if (uses.empty()) return nullptr;
  struct Compiled {
    NoTables none;
    Runner runner;
    std::vector<std::vector<Scalar>> uses;  // each use's terms, all of which a kept row passes
    Compiled(const RunOptions& o) : runner(none, o) {}
  };
  auto c = std::make_shared<Compiled>(options);
  auto env = std::make_shared<Env>();
  for (const Use& u : uses) {
    std::vector<Scalar> terms;
    for (const Node* t : u.terms) {
      try {
        terms.push_back(compile_scalar(*t, CompileScope{&columns, &c->runner, env}));
      } catch (const QueryError&) {  // not one the engine compiles alone: left to it
      }
    }
    if (terms.empty()) return nullptr;
    c->uses.push_back(std::move(terms));
  }
  return [c](const Row& r) {
    for (const std::vector<Scalar>& use : c->uses) {
      bool kept = true;
      for (const Scalar& t : use) {
        try {
          kept = t(r).truthy();
        } catch (const QueryError&) {  // the engine says so when it runs the where
          kept = true;
        }
        if (!kept) break;
      }
      if (kept) return true;
    }
    return false;
  };
}

}  // namespace kql
