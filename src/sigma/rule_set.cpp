#include "sigma/rule_set.h"

#include <arpa/inet.h>
#include <hs/hs.h>
#include <re2/re2.h>
#include <tbb/parallel_for_each.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "rules/text_match.h"
#include "sigma/hs_cache.h"
#include "sigma/logsources.h"

namespace sigma {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// A canonical glob (sigma_loader.h) against text, for the few patterns
// Hyperscan does not take: backtracks only to the last star.
bool glob_match(std::string_view g, std::string_view t, bool cased) {
  size_t gi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (gi < g.size() && g[gi] == '*') {
      star = gi++;
      mark = ti;
      continue;
    }
    if (gi < g.size()) {
      char gc = g[gi];
      size_t step = 1;
      bool wild = false;
      if (gc == '\\' && gi + 1 < g.size()) {
        gc = g[gi + 1];
        step = 2;
      } else if (gc == '?') {
        wild = true;
      }
      if (wild || (cased ? gc == t[ti] : fold(gc) == fold(t[ti]))) {
        gi += step;
        ++ti;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    gi = star + 1;
    ti = ++mark;
  }
  while (gi < g.size() && g[gi] == '*') ++gi;
  return gi == g.size();
}

// A canonical glob as a Hyperscan regular expression: anchored where the
// glob has no leading / trailing star; "" when it matches any text.
std::string hs_pattern(std::string_view g) {
  size_t begin = 0, end = g.size();
  bool lead = false, trail = false;
  while (begin < end && g[begin] == '*') {
    lead = true;
    ++begin;
  }
  // Trailing stars, unless escaped.
  while (end > begin && g[end - 1] == '*') {
    size_t backslashes = 0;
    for (size_t k = end - 1; k > begin && g[k - 1] == '\\'; --k) ++backslashes;
    if (backslashes % 2) break;
    trail = true;
    --end;
  }
  std::string out = lead ? "" : "^";
  bool any = false;
  for (size_t i = begin; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(g[i]);
    if (c == '\\' && i + 1 < end) {
      c = static_cast<unsigned char>(g[++i]);
    } else if (c == '*') {
      out += ".*";
      continue;
    } else if (c == '?') {
      out += '.';
      any = true;
      continue;
    }
    any = true;
    if (std::isalnum(c) || c == ' ' || c == '_' || c == ',' || c == ':' || c == '-' || c == '=' || c == '@' ||
        c == '%' || c == '<' || c == '>' || c == '\'' || c == '"' || c == '!' || c == '#' || c == '&' || c == ';' ||
        c == '~' || c == '`') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (!any && lead && trail) return "";  // "*": any text
  if (!trail) out += "\\z";
  return out;
}

// How a literal atom's match must sit in the text (Hyperscan reports where
// each match ends).
enum class Anchor : uint8_t { None, Prefix, Exact, Suffix };

struct Literal {
  std::string text;
  Anchor anchor = Anchor::None;
};

// A canonical glob with wildcards only at its ends, as a literal and where it
// must sit; nullopt when it has an inner wildcard.
std::optional<Literal> as_literal(std::string_view g) {
  size_t begin = 0, end = g.size();
  bool lead = false, trail = false;
  while (begin < end && g[begin] == '*') {
    lead = true;
    ++begin;
  }
  Literal lit;
  for (size_t i = begin; i < end; ++i) {
    char c = g[i];
    if (c == '\\' && i + 1 < end) {
      lit.text += g[++i];
      continue;
    }
    if (c == '?') return std::nullopt;
    if (c == '*') {
      size_t j = i;
      while (j < end && g[j] == '*') ++j;
      if (j != end) return std::nullopt;  // an inner star
      trail = true;
      break;
    }
    lit.text += c;
  }
  lit.anchor = lead && trail ? Anchor::None : trail ? Anchor::Prefix : lead ? Anchor::Suffix : Anchor::Exact;
  if (lead && !trail && lit.text.empty()) lit.anchor = Anchor::None;  // "*"
  return lit;
}

// A part of a date written "YYYY-MM-DD hh:mm:ss..." or "YYYY-MM-DDThh:mm:ss..."
// (Sysmon's UtcTime, SystemTime); week is the ISO 8601 week number.
std::optional<int64_t> date_part(std::string_view s, FieldTest::TimePart part) {
  auto num = [&](size_t at, size_t len) -> std::optional<int> {
    if (s.size() < at + len) return std::nullopt;
    int v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  std::optional<int> y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-' || *mo < 1 || *mo > 12 || *d < 1 || *d > 31) return std::nullopt;
  using P = FieldTest::TimePart;
  switch (part) {
    case P::Year: return *y;
    case P::Month: return *mo;
    case P::Day: return *d;
    case P::Hour:
      if (!h || *h > 23) return std::nullopt;
      return *h;
    case P::Minute:
      if (!mi || *mi > 59) return std::nullopt;
      return *mi;
    case P::Week: {
      std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(static_cast<unsigned>(*mo)),
                                      std::chrono::day(static_cast<unsigned>(*d))};
      if (!ymd.ok()) return std::nullopt;
      std::chrono::sys_days day(ymd);
      unsigned wd = std::chrono::weekday(day).iso_encoding();                              // Monday 1 .. Sunday 7
      std::chrono::sys_days thursday = day + std::chrono::days(4 - static_cast<int>(wd));  // decides the ISO year
      std::chrono::year iso_year = std::chrono::year_month_day(thursday).year();
      std::chrono::sys_days jan1(iso_year / std::chrono::January / 1);
      return (thursday - jan1).count() / 7 + 1;
    }
    case P::None: break;
  }
  return std::nullopt;
}

// A filter's log source covers a rule's when each field the filter sets is
// the rule's (pySigma's `rule.logsource in filter.logsource`).
bool covers(const LogSource& filter, const LogSource& rule) {
  auto same = [](const std::string& f, const std::string& r) { return f.empty() || lower(f) == lower(r); };
  return same(filter.product, rule.product) && same(filter.category, rule.category) &&
         same(filter.service, rule.service);
}

std::optional<int64_t> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(t.c_str(), &end, 0);
  if (errno || end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

struct Network {
  int family = 0;
  unsigned char addr[16] = {};
  int bits = 0;
  bool contains(std::string_view ip_text) const {
    std::string ip(ip_text.substr(0, ip_text.find('%')));
    // An IPv4-mapped IPv6 address (Security logs write "::ffff:10.0.0.1") is that IPv4 address.
    if (family == AF_INET && ip.size() > 7 && lower(ip.substr(0, 7)) == "::ffff:" && ip.find('.') != std::string::npos)
      ip = ip.substr(7);
    unsigned char a[16] = {};
    if (inet_pton(family, ip.c_str(), a) != 1) return false;
    int full = bits / 8, rest = bits % 8;
    if (std::memcmp(a, addr, static_cast<size_t>(full)) != 0) return false;
    if (rest == 0) return true;
    unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
    return (a[full] & mask) == (addr[full] & mask);
  }
};

std::optional<Network> parse_network(const std::string& s) {
  Network n;
  size_t slash = s.find('/');
  std::string ip = s.substr(0, slash);
  n.family = ip.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (inet_pton(n.family, ip.c_str(), n.addr) != 1) return std::nullopt;
  int max = n.family == AF_INET ? 32 : 128;
  n.bits = max;
  if (slash != std::string::npos) {
    auto b = parse_number(s.substr(slash + 1));
    if (!b || *b < 0 || *b > max) return std::nullopt;
    n.bits = static_cast<int>(*b);
  }
  return n;
}

}  // namespace

// ---- compiled structures ----------------------------------------------------------

struct Test {
  std::string field;  // the record's name ("" keywords)
  FieldTest::Op op = FieldTest::Op::Glob;
  FieldTest::TimePart part = FieldTest::TimePart::None;
  bool all = false, negate = false, expected = true, cased = false;
  bool deferrable = false;  // the process table may supply it (4688 parents)
  std::vector<uint32_t> atoms;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<int64_t> numbers;
  std::vector<Network> networks;
  std::vector<std::string> refs;
};

struct Sel {
  std::string name;
  std::vector<std::vector<Test>> alternatives;
};

struct Node {
  Condition::Kind kind = Condition::Kind::Ref;
  std::vector<int> sels;  // Ref: one; OneOf / AllOf: the matching ones
  std::vector<Node> args;
};

struct Compiled {
  uint32_t rule = 0;
  std::vector<Sel> sels;
  std::vector<Node> conditions;   // OR-ed
  std::vector<Compiled> filters;  // Sigma filters: each one's condition must hold too (AND-ed, as pySigma)
};

// One Hyperscan database and what its pattern ids stand for.
struct HsDb {
  std::vector<std::string> patterns;  // while building
  std::vector<uint32_t> atoms;        // pattern id -> atom
  std::vector<Anchor> anchors;        // literal databases
  std::vector<uint32_t> lengths;      // literal databases: the literal's length
  std::shared_ptr<hs_database_t> db;  // shared by buckets with the same patterns
};

// The atoms of one record field. Globs without inner wildcards (contains,
// startswith, endswith, equals: nearly all of Sigma) are literals, compiled by
// Hyperscan's literal compiler, many times faster to build than the same
// patterns as regular expressions; the others are regular expressions.
struct FieldDb {
  std::string field;  // record field ("" keywords)
  // [cased]: literals reported once (any, prefix, exact), literals reported at
  // every occurrence (suffix: the last one decides), other globs.
  HsDb first[2], every[2], regex[2];
  std::vector<std::pair<uint32_t, std::string>> slow[2];  // globs Hyperscan refused: matched here
  std::vector<uint32_t> always;                           // "*": any present text
  std::vector<uint32_t> empty;                            // atoms whose glob matches ""
};

struct RuleSet::Bucket {
  RecordKind src;
  std::map<std::string, std::string> renames;
  std::set<std::string> deferrable;
  std::vector<Compiled> rules;
  std::vector<FieldDb> dbs;
  // A rule is evaluated only when an atom that it needs matched (its
  // triggers), or always when no set of atoms decides it (a regex-only or
  // negated condition): rules_of_atom[atom] and untriggered hold rule indices.
  std::vector<std::vector<uint32_t>> rules_of_atom;
  std::vector<uint32_t> untriggered;
  // Field name -> its database (data fields, scanned in one pass over the
  // record); the others are asked by name (keywords, System and derived fields).
  std::map<std::string, uint32_t, std::less<>> db_of_field;
  std::vector<uint32_t> asked_by_name;
  std::map<std::tuple<std::string, bool, std::string>, uint32_t> atom_ids;  // (field, cased, glob)
  uint32_t atoms = 0;

  std::string record_field(const std::string& sigma_field) const {
    auto it = renames.find(sigma_field);
    return it == renames.end() ? sigma_field : it->second;
  }

  uint32_t atom(const std::string& field, bool cased, const std::string& glob) {
    auto key = std::make_tuple(field, cased, glob);
    if (auto it = atom_ids.find(key); it != atom_ids.end()) return it->second;
    uint32_t id = atoms++;
    atom_ids.emplace(key, id);
    FieldDb* d = nullptr;
    for (FieldDb& x : dbs)
      if (x.field == field) d = &x;
    if (!d) {
      dbs.emplace_back();
      d = &dbs.back();
      d->field = field;
    }
    if (glob_match(glob, "", cased)) d->empty.push_back(id);
    if (std::optional<Literal> lit = as_literal(glob)) {
      if (lit->text.empty()) {
        if (lit->anchor == Anchor::None) d->always.push_back(id);  // "*"; "" matches only "" (d->empty)
        return id;
      }
      HsDb& h = lit->anchor == Anchor::Suffix ? d->every[cased] : d->first[cased];
      h.patterns.push_back(std::move(lit->text));
      h.atoms.push_back(id);
      h.anchors.push_back(lit->anchor);
      h.lengths.push_back(static_cast<uint32_t>(h.patterns.back().size()));
    } else {
      d->regex[cased].patterns.push_back(hs_pattern(glob));
      d->regex[cased].atoms.push_back(id);
    }
    return id;
  }
};

struct RuleSet::Scratch {
  hs_scratch_t* hs = nullptr;
  std::vector<uint32_t> stamp;  // atom -> gen of the scan it matched in
  std::vector<uint32_t> fired;  // atoms matched in this scan
  std::vector<uint32_t> seen;   // bucket rule -> gen it was queued in
  std::vector<uint32_t> queue;  // bucket rules to evaluate
  uint32_t gen = 0;
  void mark(uint32_t atom) {
    if (stamp[atom] == gen) return;
    stamp[atom] = gen;
    fired.push_back(atom);
  }
  bool touched_deferred = false;
  std::vector<std::string_view> values;                                 // eval_test: the tested field's values
  std::unordered_map<std::string, std::vector<const Bucket*>> buckets;  // by (provider, channel, event id)
  // Per bucket and data layout: the data fields to scan, each with its
  // database (the first field of each name a database reads), in field order.
  struct PlanKey {
    const Bucket* bucket;
    uint32_t layout;
    bool operator==(const PlanKey& o) const { return bucket == o.bucket && layout == o.layout; }
  };
  struct PlanHash {
    size_t operator()(const PlanKey& k) const { return std::hash<const void*>()(k.bucket) * 31 + k.layout; }
  };
  std::unordered_map<PlanKey, std::vector<std::pair<uint32_t, uint32_t>>, PlanHash> plans;
  std::string key;
  ~Scratch() {
    if (hs) hs_free_scratch(hs);
  }
};

namespace {

enum class DbKind : uint8_t { LiteralOnce, LiteralEvery, Regex };

// Compiles patterns; a pattern Hyperscan refuses is left out (and matched by
// glob), a whole set refused leaves them all out.
CachedDb compile_patterns(const std::vector<std::string>& patterns, DbKind kind, bool cased) {
  CachedDb out;
  if (patterns.empty()) return out;
  for (uint32_t i = 0; i < patterns.size(); ++i) out.kept.push_back(i);
  while (!out.kept.empty()) {
    std::vector<const char*> exprs;
    std::vector<size_t> lens;
    std::vector<unsigned> flags, ids;
    for (size_t i = 0; i < out.kept.size(); ++i) {
      const std::string& p = patterns[out.kept[i]];
      exprs.push_back(p.c_str());
      lens.push_back(p.size());
      unsigned f = cased ? 0 : HS_FLAG_CASELESS;
      if (kind == DbKind::Regex) f |= HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
      if (kind == DbKind::LiteralOnce) f |= HS_FLAG_SINGLEMATCH;
      flags.push_back(f);
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* err = nullptr;
    hs_database_t* db = nullptr;
    hs_error_t rc = kind == DbKind::Regex
                        ? hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                                           HS_MODE_BLOCK, nullptr, &db, &err)
                        : hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                                               static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db, &err);
    if (rc == HS_SUCCESS) {
      out.db.reset(db, hs_free_database);
      return out;
    }
    int bad = err ? err->expression : -1;
    if (err) hs_free_compile_error(err);
    if (bad < 0 || kind != DbKind::Regex) {
      out.kept.clear();
      return out;
    }
    out.kept.erase(out.kept.begin() + bad);
  }
  return out;
}

// Takes a compiled database: the patterns it left out become slow atoms.
void take_compiled(HsDb& h, const CachedDb& c, std::vector<std::pair<uint32_t, std::string>>& slow,
                   const std::map<uint32_t, std::string>& globs) {
  std::vector<bool> in(h.atoms.size(), false);
  for (uint32_t k : c.kept) in[k] = true;
  for (size_t i = 0; i < h.atoms.size(); ++i)
    if (!in[i]) slow.emplace_back(h.atoms[i], globs.at(h.atoms[i]));
  auto keep = [&](auto& v) {
    if (v.empty()) return;
    std::remove_reference_t<decltype(v)> kept;
    for (uint32_t k : c.kept) kept.push_back(v[k]);
    v = std::move(kept);
  };
  keep(h.atoms);
  keep(h.anchors);
  keep(h.lengths);
  h.db = c.db;
  h.patterns.clear();
}

// Every Hyperscan database of the buckets. Identical pattern sets (the same
// field of Sysmon 1 and Security 4688 rules) are compiled once, all of them
// in parallel.
void compile_databases(std::vector<std::unique_ptr<RuleSet::Bucket>>& buckets,
                       std::map<RuleSet::Bucket*, std::map<uint32_t, std::string>>& globs,
                       std::vector<std::string>& warnings) {
  struct Use {
    HsDb* db;
    FieldDb* field;
    bool cased;
    const std::map<uint32_t, std::string>* globs;
  };
  using Key = std::tuple<DbKind, bool, std::vector<std::string>>;
  std::map<Key, std::vector<Use>> unique;
  for (auto& b : buckets)
    for (FieldDb& d : b->dbs)
      for (bool cased : {false, true}) {
        std::pair<HsDb*, DbKind> dbs[] = {{&d.first[cased], DbKind::LiteralOnce},
                                          {&d.every[cased], DbKind::LiteralEvery},
                                          {&d.regex[cased], DbKind::Regex}};
        for (auto [h, kind] : dbs)
          if (!h->patterns.empty()) unique[{kind, cased, h->patterns}].push_back({h, &d, cased, &globs[b.get()]});
      }
  std::vector<std::pair<const Key*, CachedDb>> results;
  for (const auto& [key, uses] : unique) results.emplace_back(&key, CachedDb{});
  HsCache cache;
  if (!cache.warning().empty()) warnings.push_back(cache.warning());
  tbb::parallel_for_each(results.begin(), results.end(), [&](auto& r) {
    const auto& [kind, cased, patterns] = *r.first;
    std::string key = std::to_string(static_cast<int>(kind)) + (cased ? "c" : "i");
    for (const std::string& p : patterns) (key += std::to_string(p.size()) + ':') += p;
    if (std::optional<CachedDb> hit = cache.load(key, patterns.size())) {
      r.second = std::move(*hit);
      return;
    }
    r.second = compile_patterns(patterns, kind, cased);
    cache.store(key, r.second);
  });
  for (const auto& [key, compiled] : results)
    for (const Use& u : unique[*key]) take_compiled(*u.db, compiled, u.field->slow[u.cased], *u.globs);
}

// Atoms of which at least one must match for the node to hold; nullopt when
// it may hold with none (negation, regexes, numbers, deferrable fields).
// Of two sets that would do (the tests of an AND), the one likely to match
// least: short literals ("\\", ".exe") match most records.
using AtomSet = std::optional<std::vector<uint32_t>>;

struct Triggers {
  const std::vector<float>& cost;  // per atom: 1 / its literal length

  float score(const std::vector<uint32_t>& atoms) const {
    float s = 0;
    for (uint32_t a : atoms) s += cost[a];
    return s;
  }
  AtomSet cheaper(AtomSet a, AtomSet b) const {
    if (!a) return b;
    if (!b) return a;
    return score(*a) <= score(*b) ? a : b;
  }
  static AtomSet united(AtomSet a, const AtomSet& b) {
    if (!a || !b) return std::nullopt;
    a->insert(a->end(), b->begin(), b->end());
    return a;
  }
  static AtomSet of_test(const Test& t) {
    if (t.op != FieldTest::Op::Glob || t.negate || t.deferrable || t.atoms.empty()) return std::nullopt;
    return t.atoms;  // any: one of them; all: each, so any one of them too
  }
  AtomSet of_selection(const Sel& sel) const {
    AtomSet out = std::vector<uint32_t>{};
    for (const auto& alt : sel.alternatives) {  // OR of ANDs
      AtomSet one;
      for (const Test& t : alt) one = cheaper(one, of_test(t));
      out = united(out, one);
      if (!out) return out;
    }
    return out;
  }
  AtomSet of_node(const Node& n, const Compiled& c) const {
    switch (n.kind) {
      case Condition::Kind::Ref:
        if (n.sels.empty()) return std::vector<uint32_t>{};  // never holds
        return of_selection(c.sels[n.sels[0]]);
      case Condition::Kind::And: {
        AtomSet out;
        for (const Node& a : n.args) out = cheaper(out, of_node(a, c));
        return out;
      }
      case Condition::Kind::Or: {
        AtomSet out = std::vector<uint32_t>{};
        for (const Node& a : n.args) out = united(out, of_node(a, c));
        return out;
      }
      case Condition::Kind::Not: return std::nullopt;
      case Condition::Kind::OneOf: {
        AtomSet out = std::vector<uint32_t>{};
        for (int i : n.sels) out = united(out, of_selection(c.sels[i]));
        return out;
      }
      case Condition::Kind::AllOf: {
        if (n.sels.empty()) return std::vector<uint32_t>{};
        AtomSet out;
        for (int i : n.sels) out = cheaper(out, of_selection(c.sels[i]));
        return out;
      }
    }
    return std::nullopt;
  }
};

void index_triggers(RuleSet::Bucket& b, const std::map<uint32_t, std::string>& globs) {
  std::vector<float> cost(b.atoms, 1.0f);
  for (const auto& [atom, glob] : globs) {
    size_t literal = 0;  // characters that are not wildcards
    for (char ch : glob) literal += ch != '*' && ch != '?' && ch != '\\';
    cost[atom] = 1.0f / static_cast<float>(std::max<size_t>(literal, 1));
  }
  Triggers triggers{cost};
  b.rules_of_atom.assign(b.atoms, {});
  b.untriggered.clear();
  for (uint32_t ci = 0; ci < b.rules.size(); ++ci) {
    const Compiled& c = b.rules[ci];
    AtomSet all = std::vector<uint32_t>{};
    for (const Node& n : c.conditions) all = Triggers::united(all, triggers.of_node(n, c));  // conditions are OR-ed
    if (!all) {
      b.untriggered.push_back(ci);
      continue;
    }
    std::sort(all->begin(), all->end());
    all->erase(std::unique(all->begin(), all->end()), all->end());
    for (uint32_t a : *all) b.rules_of_atom[a].push_back(ci);
  }
}

struct Builder {
  RuleSet::Bucket& bucket;
  std::map<uint32_t, std::string>& globs;  // atom -> glob (for slow atoms)
  std::string error;
  size_t program = 0;  // RE2 instructions of the rule's regular expressions

  bool compile_test(const FieldTest& ft, Test& t) {
    // Data fields by their key (data_name_key: spaces left out), so that
    // "Threat Name" and ThreatName are one field and one database.
    t.field = ft.field.empty() ? "" : data_name_key(bucket.record_field(ft.field));
    t.op = ft.op;
    t.all = ft.all;
    t.negate = ft.negate;
    t.expected = ft.expected;
    t.cased = ft.cased;
    t.deferrable = bucket.deferrable.count(t.field) > 0;
    switch (ft.op) {
      case FieldTest::Op::Glob:
        for (const std::string& g : ft.values) {
          uint32_t a = bucket.atom(t.field, ft.cased, g);
          globs[a] = g;
          t.atoms.push_back(a);
        }
        break;
      case FieldTest::Op::Regex:
        for (const std::string& r : ft.values) {
          RE2::Options o;
          o.set_log_errors(false);
          o.set_dot_nl(false);
          auto re = std::make_unique<RE2>(r, o);
          if (!re->ok()) {
            error = "regular expression '" + r + "' is not RE2 syntax: " + re->error();
            return false;
          }
          program += static_cast<size_t>(re->ProgramSize());
          if (program > static_cast<size_t>(rules::kMaxRegexProgram)) {
            error = "regular expressions too large: more than " + std::to_string(rules::kMaxRegexProgram) +
                    " RE2 instructions in one rule (at '" + r.substr(0, 60) + "')";
            return false;
          }
          t.regexes.push_back(std::move(re));
        }
        break;
      case FieldTest::Op::Eq:
      case FieldTest::Op::Lt:
      case FieldTest::Op::Lte:
      case FieldTest::Op::Gt:
      case FieldTest::Op::Gte:
        t.part = ft.part;
        for (const std::string& v : ft.values) {
          auto n = parse_number(v);
          if (!n) {
            error = "'" + v + "' is not a number";
            return false;
          }
          t.numbers.push_back(*n);
        }
        break;
      case FieldTest::Op::Cidr:
        for (const std::string& v : ft.values) {
          auto n = parse_network(v);
          if (!n) {
            error = "'" + v + "' is not a network (CIDR)";
            return false;
          }
          t.networks.push_back(*n);
        }
        break;
      case FieldTest::Op::FieldRef:
        for (const std::string& v : ft.values) t.refs.push_back(data_name_key(bucket.record_field(v)));
        break;
      default: break;
    }
    return true;
  }

  bool compile_selections(const Rule& r, Compiled& c) {
    for (const Selection& s : r.selections) {
      Sel sel;
      sel.name = s.name;
      for (const auto& alt : s.alternatives) {
        std::vector<Test> tests;
        for (const FieldTest& ft : alt) {
          tests.emplace_back();
          if (!compile_test(ft, tests.back())) return false;
        }
        sel.alternatives.push_back(std::move(tests));
      }
      c.sels.push_back(std::move(sel));
    }
    for (const auto& cond : r.conditions) c.conditions.push_back(compile_condition(*cond, c));
    return true;
  }

  Node compile_condition(const Condition& cond, const Compiled& c) {
    Node n;
    n.kind = cond.kind;
    switch (cond.kind) {
      case Condition::Kind::Ref:
        for (size_t i = 0; i < c.sels.size(); ++i)
          if (c.sels[i].name == cond.name) n.sels.push_back(static_cast<int>(i));
        break;
      case Condition::Kind::OneOf:
      case Condition::Kind::AllOf:
        for (size_t i = 0; i < c.sels.size(); ++i) {
          const std::string& name = c.sels[i].name;
          if (cond.name == "*" && !name.empty() && name[0] == '_') continue;  // "them" leaves out _names
          if (glob_match(cond.name, name, true)) n.sels.push_back(static_cast<int>(i));
        }
        break;
      default:
        for (const auto& a : cond.args) n.args.push_back(compile_condition(*a, c));
        break;
    }
    return n;
  }
};

void collect_fields(const Rule& r, std::vector<std::string>& out) {
  for (const Selection& s : r.selections)
    for (const auto& alt : s.alternatives)
      for (const FieldTest& t : alt)
        if (!t.field.empty() && std::find(out.begin(), out.end(), t.field) == out.end()) out.push_back(t.field);
}

}  // namespace

RuleSet::~RuleSet() {
  if (scratch_prototype_) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_prototype_));
}

int RuleSet::find(std::string_view key) const {
  for (size_t i = 0; i < rules_.size(); ++i)
    if (rules_[i].id == key || (!rules_[i].name.empty() && rules_[i].name == key)) return static_cast<int>(i);
  return -1;
}

std::unique_ptr<RuleSet> RuleSet::build(std::vector<Rule> rules, SetReport& report, const Placeholders& placeholders) {
  std::unique_ptr<RuleSet> set(new RuleSet());
  std::map<std::string, Bucket*> by_name;
  std::map<Bucket*, std::map<uint32_t, std::string>> globs;
  // Detection rules first; filters and correlations refer to them.
  std::vector<Rule> filters, correlations;
  for (Rule& r : rules) {
    // |expand placeholders: with their values, or the rule does not run.
    try {
      std::vector<std::string> missing = expand_placeholders(r, placeholders);
      if (!missing.empty()) {
        std::string names;
        for (const std::string& m : missing) names += (names.empty() ? "" : ", ") + m;
        report.needs_values.push_back({r.file, r.line,
                                       "rule " + r.id + ": not run: placeholder " + names +
                                           " has no values (|expand; give them with --placeholders FILE)"});
        continue;
      }
    } catch (const std::runtime_error& e) {
      report.skipped.push_back({r.file, r.line, "rule " + r.id + ": " + e.what()});
      continue;
    }
    if (r.kind == Rule::Kind::Filter)
      filters.push_back(std::move(r));
    else if (r.kind == Rule::Kind::Correlation)
      correlations.push_back(std::move(r));
    else
      set->rules_.push_back(std::move(r));
  }
  std::vector<Rule> kept;
  for (Rule& r : set->rules_) {
    Resolved res = resolve_logsource(r.logsource);
    if (res.sources.empty()) {
      if (res.not_applicable)
        ++report.not_applicable[res.reason];
      else
        report.skipped.push_back({r.file, r.line, res.reason});
      continue;
    }
    uint32_t index = static_cast<uint32_t>(kept.size());
    bool ok = true;
    std::vector<std::pair<Bucket*, Compiled>> compiled;
    for (const RecordKind& src : res.sources) {
      Bucket*& b = by_name[src.name];
      if (!b) {
        set->buckets_.push_back(std::make_unique<Bucket>());
        b = set->buckets_.back().get();
        b->src = src;
        for (const auto& [from, to] : src.renames) b->renames[from] = to;
        b->deferrable.insert(src.from_process_table.begin(), src.from_process_table.end());
      }
      Builder builder{*b, globs[b], {}};
      Compiled c;
      c.rule = index;
      if (!builder.compile_selections(r, c)) {
        report.skipped.push_back({r.file, r.line, builder.error});
        ok = false;
        break;
      }
      compiled.emplace_back(b, std::move(c));
    }
    if (!ok) continue;
    for (auto& [b, c] : compiled) b->rules.push_back(std::move(c));
    kept.push_back(std::move(r));
    ++report.detection;
  }
  set->rules_ = std::move(kept);
  set->standalone_.assign(set->rules_.size(), true);
  set->tested_.resize(set->rules_.size());
  for (size_t i = 0; i < set->rules_.size(); ++i) collect_fields(set->rules_[i], set->tested_[i]);

  // Filters: compiled into every bucket entry of the rules they name.
  for (const Rule& f : filters) {
    // Targets: the rules named (ids or names), or every rule (`rules: any`),
    // in either case only those whose log source the filter's covers.
    std::vector<uint32_t> targets;
    bool any_rule = f.filter_rules.size() == 1 && lower(f.filter_rules[0]) == "any";
    for (uint32_t i = 0; i < set->rules_.size(); ++i) {
      const Rule& r = set->rules_[i];
      if (r.kind != Rule::Kind::Detection || !covers(f.logsource, r.logsource)) continue;
      bool named = any_rule || std::any_of(f.filter_rules.begin(), f.filter_rules.end(), [&](const std::string& t) {
                     return t == r.id || (!r.name.empty() && t == r.name);
                   });
      if (named) targets.push_back(i);
    }
    bool any = false;
    for (auto& b : set->buckets_)
      for (Compiled& c : b->rules) {
        if (std::find(targets.begin(), targets.end(), c.rule) == targets.end()) continue;
        Builder builder{*b, globs[b.get()], {}};
        Compiled fc;
        fc.rule = c.rule;
        if (!builder.compile_selections(f, fc)) {
          report.skipped.push_back({f.file, f.line, builder.error});
          continue;
        }
        c.filters.push_back(std::move(fc));
        any = true;
      }
    if (any)
      ++report.filter;
    else
      report.skipped.push_back({f.file, f.line, "filter applies to no loaded rule (its rules, or their log source)"});
  }

  // Correlations are kept after the detection rules (the replay runs them);
  // the rules they use alert on their own only with generate: true.
  // All are added before any is resolved: a correlation may name one listed later.
  for (Rule& c : correlations) {
    set->rules_.push_back(std::move(c));
    set->standalone_.push_back(true);
    set->tested_.emplace_back();
  }
  // Which correlations run: every rule they name is loaded and runs, none is
  // the correlation itself, and no chain of correlations comes back to one
  // (a cycle is named and none of it runs). Only a correlation that runs
  // keeps the rules it uses from alerting on their own.
  set->runs_.assign(set->rules_.size(), true);
  std::vector<std::string> why(set->rules_.size());
  for (size_t i = 0; i < set->rules_.size(); ++i) {
    const Rule& c = set->rules_[i];
    if (c.kind != Rule::Kind::Correlation) continue;
    for (const std::string& name : c.correlation.rules) {
      int idx = set->find(name);
      if (idx < 0 || static_cast<size_t>(idx) == i) {
        why[i] = idx < 0 ? "correlation refers to '" + name + "', which is not loaded"
                         : "correlation refers to itself ('" + name + "')";
        set->runs_[i] = false;
        break;
      }
    }
  }
  // Cycles among correlations (a -> b -> a): depth-first, marking each on the path.
  std::vector<int> state(set->rules_.size(), 0);  // 0 new, 1 on the path, 2 done
  std::vector<size_t> path;
  std::function<void(size_t)> visit = [&](size_t i) {
    state[i] = 1;
    path.push_back(i);
    for (const std::string& name : set->rules_[i].correlation.rules) {
      int j = set->find(name);
      if (j < 0 || set->rules_[static_cast<size_t>(j)].kind != Rule::Kind::Correlation) continue;
      size_t k = static_cast<size_t>(j);
      if (state[k] == 1) {
        std::string loop;
        size_t from = static_cast<size_t>(std::find(path.begin(), path.end(), k) - path.begin());
        for (size_t p = from; p < path.size(); ++p) loop += set->rules_[path[p]].id + " -> ";
        loop += set->rules_[k].id;
        for (size_t p = from; p < path.size(); ++p)
          if (set->runs_[path[p]]) {
            set->runs_[path[p]] = false;
            why[path[p]] = "correlation cycle: " + loop;
          }
      } else if (state[k] == 0) {
        visit(k);
      }
    }
    path.pop_back();
    state[i] = 2;
  };
  for (size_t i = 0; i < set->rules_.size(); ++i)
    if (set->rules_[i].kind == Rule::Kind::Correlation && state[i] == 0) visit(i);
  // A correlation using one that does not run does not run either.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < set->rules_.size(); ++i) {
      if (set->rules_[i].kind != Rule::Kind::Correlation || !set->runs_[i]) continue;
      for (const std::string& name : set->rules_[i].correlation.rules)
        if (!set->runs_[static_cast<size_t>(set->find(name))]) {
          set->runs_[i] = false;
          why[i] = "correlation refers to '" + name + "', which does not run";
          changed = true;
          break;
        }
    }
  }
  for (size_t i = 0; i < set->rules_.size(); ++i) {
    const Rule& c = set->rules_[i];
    if (c.kind != Rule::Kind::Correlation) continue;
    if (!set->runs_[i]) {
      report.skipped.push_back({c.file, c.line, "rule " + c.id + ": " + why[i]});
      set->standalone_[i] = false;  // never runs
      continue;
    }
    ++report.correlation;
    if (!c.correlation.generate)
      for (const std::string& name : c.correlation.rules)
        set->standalone_[static_cast<size_t>(set->find(name))] = false;
  }

  // Hyperscan databases, and a scratch prototype big enough for all of them.
  compile_databases(set->buckets_, globs, report.warnings);
  hs_scratch_t* proto = nullptr;
  for (auto& b : set->buckets_) {
    for (FieldDb& d : b->dbs)
      for (int cased : {0, 1})
        for (HsDb* h : {&d.first[cased], &d.every[cased], &d.regex[cased]})
          if (h->db && hs_alloc_scratch(h->db.get(), &proto) != HS_SUCCESS)
            throw std::runtime_error("Hyperscan: cannot allocate scratch space");
    index_triggers(*b, globs[b.get()]);
    for (uint32_t i = 0; i < b->dbs.size(); ++i) {
      const std::string& f = b->dbs[i].field;
      if (f.empty() || not_only_data(f))
        b->asked_by_name.push_back(i);
      else
        b->db_of_field.emplace(f, i);
    }
    set->max_atoms_ = std::max<size_t>(set->max_atoms_, b->atoms);
    set->max_rules_ = std::max<size_t>(set->max_rules_, b->rules.size());
    const RecordKind& s = b->src;
    uint32_t bi = static_cast<uint32_t>(&b - &set->buckets_[0]);
    if (s.providers.empty() && s.channels.empty()) set->any_.push_back(bi);
    for (const std::string& p : s.providers) set->by_provider_[p].push_back(bi);
    for (const std::string& c : s.channels) set->by_channel_[c].push_back(bi);
  }
  set->scratch_prototype_ = proto;
  return set;
}

void RuleSet::ScratchDeleter::operator()(Scratch* s) const { delete s; }

RuleSet::ScratchPtr RuleSet::scratch() const {
  ScratchPtr s(new Scratch());
  if (scratch_prototype_ && hs_clone_scratch(static_cast<hs_scratch_t*>(scratch_prototype_), &s->hs) != HS_SUCCESS)
    throw std::runtime_error("Hyperscan: cannot clone scratch space");
  s->stamp.assign(max_atoms_, 0);
  s->seen.assign(max_rules_, 0);
  return s;
}

std::vector<const RuleSet::Bucket*> RuleSet::buckets_for(std::string_view provider, std::string_view channel,
                                                         uint16_t event_id) const {
  std::vector<const Bucket*> out;
  auto take = [&](uint32_t bi) {
    const Bucket* b = buckets_[bi].get();
    if (!b->src.event_ids.empty() &&
        std::find(b->src.event_ids.begin(), b->src.event_ids.end(), event_id) == b->src.event_ids.end())
      return;
    if (std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  };
  if (auto it = by_provider_.find(lower(provider)); it != by_provider_.end())
    for (uint32_t bi : it->second) take(bi);
  if (auto it = by_channel_.find(lower(channel)); it != by_channel_.end())
    for (uint32_t bi : it->second) take(bi);
  for (uint32_t bi : any_) take(bi);
  return out;
}

namespace {

// Scan plans kept per thread (bucket x data layout); past it the cache starts over.
constexpr size_t kMaxPlans = 1u << 16;

struct ScanContext {
  const HsDb* db;
  size_t text_size;
  RuleSet::Scratch* s;
};

int on_hs_match(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto* c = static_cast<ScanContext*>(ctx);
  if (id >= c->db->atoms.size()) return 0;  // not a pattern of ours (a database that lies)
  if (!c->db->anchors.empty()) {
    // Literals: the first match of a literal ends earliest, so a prefix (or the
    // whole text) shows there; a suffix shows at the last one.
    uint32_t len = c->db->lengths[id];
    switch (c->db->anchors[id]) {
      case Anchor::None: break;
      case Anchor::Prefix:
        if (to != len) return 0;
        break;
      case Anchor::Exact:
        if (to != len || c->text_size != len) return 0;
        break;
      case Anchor::Suffix:
        if (to != c->text_size) return 0;
        break;
    }
  }
  c->s->mark(c->db->atoms[id]);
  return 0;
}

void scan_text(const FieldDb& d, std::string_view text, RuleSet::Scratch& s) {
  for (uint32_t a : d.always) s.mark(a);
  if (text.empty()) {
    for (uint32_t a : d.empty) s.mark(a);
    return;
  }
  unsigned size = static_cast<unsigned>(std::min<size_t>(text.size(), UINT32_MAX));
  for (int cased : {0, 1}) {
    for (const HsDb* h : {&d.first[cased], &d.every[cased], &d.regex[cased]}) {
      if (!h->db) continue;
      ScanContext ctx{h, size, &s};
      hs_scan(h->db.get(), text.data(), size, 0, s.hs, on_hs_match, &ctx);
    }
    for (const auto& [atom, glob] : d.slow[cased])
      if (glob_match(glob, text, cased)) s.mark(atom);
  }
}

// Which data fields of a layout the bucket's databases scan, resolved once
// per (bucket, layout): what the pass over for_each_field finds by name. Every
// item a database's field answers is scanned (a list: its stamps are the union).
const std::vector<std::pair<uint32_t, uint32_t>>& scan_plan(const RuleSet::Bucket& b, const evtx::DataLayout& layout,
                                                            RuleSet::Scratch& s) {
  RuleSet::Scratch::PlanKey key{&b, layout.id};
  if (auto it = s.plans.find(key); it != s.plans.end()) return it->second;
  if (s.plans.size() >= kMaxPlans) s.plans.clear();
  std::vector<std::pair<uint32_t, uint32_t>> plan;
  for (uint32_t i = 0; i < layout.names.size(); ++i) {
    auto it = b.db_of_field.find(data_name_key(layout.names[i]));
    if (it != b.db_of_field.end()) plan.emplace_back(i, it->second);
  }
  return s.plans.emplace(key, std::move(plan)).first->second;
}

// The database of a record's data field name, or nullptr (no copy of the
// name unless it holds a space or is empty).
const uint32_t* db_of_name(const RuleSet::Bucket& b, std::string_view name) {
  bool plain = !name.empty() && name.find(' ') == std::string_view::npos;
  auto it = plain ? b.db_of_field.find(name) : b.db_of_field.find(data_name_key(name));
  return it == b.db_of_field.end() ? nullptr : &it->second;
}

void scan_bucket(const RuleSet::Bucket& b, FieldSource& src, RuleSet::Scratch& s) {
  if (++s.gen == 0) {  // wrapped: old stamps could look current
    std::fill(s.stamp.begin(), s.stamp.end(), 0);
    std::fill(s.seen.begin(), s.seen.end(), 0);
    s.gen = 1;
  }
  s.fired.clear();
  // Data fields in one pass. With a layout, the fields to scan are known already.
  if (!b.db_of_field.empty() && src.layout()) {
    for (auto [field, db] : scan_plan(b, *src.layout(), s)) scan_text(b.dbs[db], src.data_value(field), s);
  } else if (!b.db_of_field.empty()) {
    src.for_each_field([&](std::string_view name, std::string_view value) {
      if (const uint32_t* db = db_of_name(b, name)) scan_text(b.dbs[*db], value, s);
    });
  }
  for (uint32_t i : b.asked_by_name) {
    const FieldDb& d = b.dbs[i];
    if (d.field.empty())
      src.for_each_value([&](std::string_view v) { scan_text(d, v, s); });
    else
      src.for_each_text(d.field, [&](std::string_view v) { scan_text(d, v, s); });
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

bool eval_test(const Test& t, FieldSource& src, RuleSet::Scratch& s) {
  if (t.op == FieldTest::Op::Glob && !t.negate && !t.deferrable) {
    // The scan stamped what matched; an absent field stamped nothing.
    bool any = false, all = !t.atoms.empty();
    for (uint32_t a : t.atoms) {
      bool h = s.stamp[a] == s.gen;
      any |= h;
      all &= h;
    }
    return t.all ? all : any;
  }
  // The field's values: one, or each item of a list field (field_source.h).
  std::vector<std::string_view>& values = s.values;
  values.clear();
  if (!t.field.empty()) {
    src.for_each_text(t.field, [&](std::string_view v) { values.push_back(v); });
    if (values.empty() && t.deferrable && src.deferrable(t.field)) s.touched_deferred = true;
  } else if (t.op != FieldTest::Op::Glob) {  // a keyword regex: every data field's value
    src.for_each_value([&](std::string_view v) { values.push_back(v); });
  }
  bool present = !values.empty();
  // Pattern i holds when some value satisfies it.
  auto some_value = [&](auto satisfies) {
    return std::any_of(values.begin(), values.end(), [&](std::string_view v) { return satisfies(v); });
  };
  auto combine = [&](size_t n, auto hit) {
    bool any = false, all = n > 0;
    for (size_t i = 0; i < n; ++i) {
      bool h = hit(i);
      any |= h;
      all &= h;
    }
    if (t.negate) return !any;
    return t.all ? all : any;
  };
  switch (t.op) {
    case FieldTest::Op::Glob:
      if (t.field.empty() || present)
        return combine(t.atoms.size(), [&](size_t i) { return s.stamp[t.atoms[i]] == s.gen; });
      return false;
    case FieldTest::Op::Regex:
      if (!present) return false;
      return combine(t.regexes.size(), [&](size_t i) {
        return some_value([&](std::string_view v) { return RE2::PartialMatch(v, *t.regexes[i]); });
      });
    case FieldTest::Op::Eq:
    case FieldTest::Op::Lt:
    case FieldTest::Op::Lte:
    case FieldTest::Op::Gt:
    case FieldTest::Op::Gte: {
      if (!present) return false;
      return combine(t.numbers.size(), [&](size_t i) {
        int64_t n = t.numbers[i];
        return some_value([&](std::string_view text) {
          std::optional<int64_t> v = t.part == FieldTest::TimePart::None ? parse_number(text) : date_part(text, t.part);
          if (!v) return false;
          switch (t.op) {
            case FieldTest::Op::Eq: return *v == n;
            case FieldTest::Op::Lt: return *v < n;
            case FieldTest::Op::Lte: return *v <= n;
            case FieldTest::Op::Gt: return *v > n;
            default: return *v >= n;
          }
        });
      });
    }
    case FieldTest::Op::Exists: return present == t.expected;
    case FieldTest::Op::Null: return !some_value([](std::string_view v) { return !v.empty(); });
    case FieldTest::Op::FieldRef:
      if (!present) return false;
      return combine(t.refs.size(), [&](size_t i) {
        std::optional<std::string_view> other = src.text(t.refs[i]);
        if (!other) return false;
        return some_value([&](std::string_view v) { return t.cased ? *other == v : iequals(*other, v); });
      });
    case FieldTest::Op::Cidr:
      if (!present) return false;
      return combine(t.networks.size(), [&](size_t i) {
        return some_value([&](std::string_view v) { return t.networks[i].contains(v); });
      });
  }
  return false;
}

bool eval_selection(const Sel& sel, FieldSource& src, RuleSet::Scratch& s) {
  for (const auto& alt : sel.alternatives) {
    bool all = true;
    for (const Test& t : alt)
      if (!eval_test(t, src, s)) {
        all = false;
        break;
      }
    if (all) return true;
  }
  return false;
}

bool eval_node(const Node& n, const Compiled& c, FieldSource& src, RuleSet::Scratch& s) {
  switch (n.kind) {
    case Condition::Kind::Ref: return !n.sels.empty() && eval_selection(c.sels[n.sels[0]], src, s);
    case Condition::Kind::And: return eval_node(n.args[0], c, src, s) && eval_node(n.args[1], c, src, s);
    case Condition::Kind::Or: return eval_node(n.args[0], c, src, s) || eval_node(n.args[1], c, src, s);
    case Condition::Kind::Not: return !eval_node(n.args[0], c, src, s);
    case Condition::Kind::OneOf:
      for (int i : n.sels)
        if (eval_selection(c.sels[i], src, s)) return true;
      return false;
    case Condition::Kind::AllOf:
      for (int i : n.sels)
        if (!eval_selection(c.sels[i], src, s)) return false;
      return !n.sels.empty();
  }
  return false;
}

bool eval_compiled(const Compiled& c, FieldSource& src, RuleSet::Scratch& s) {
  bool m = false;
  for (const Node& n : c.conditions) m = m || eval_node(n, c, src, s);
  if (!m) return false;
  for (const Compiled& f : c.filters)
    if (!eval_compiled(f, src, s)) return false;
  return true;
}

}  // namespace

void RuleSet::match(std::string_view provider, std::string_view channel, uint16_t event_id, FieldSource& src,
                    Scratch& s, std::vector<uint32_t>& matched, std::vector<uint32_t>& deferred) const {
  std::string& key = s.key;  // reused: no allocation per record
  key.clear();
  key.append(provider).append(1, '\0').append(channel).append(1, '\0');
  key.append(reinterpret_cast<const char*>(&event_id), sizeof event_id);
  auto it = s.buckets.find(key);
  if (it == s.buckets.end()) it = s.buckets.emplace(key, buckets_for(provider, channel, event_id)).first;
  for (const Bucket* b : it->second) {
    if (b->rules.empty()) continue;
    scan_bucket(*b, src, s);
    // Only rules that can still match: those an atom that matched triggers,
    // and those no atom decides (triggers.h of the bucket).
    s.queue.clear();
    auto queue = [&](uint32_t ci) {
      if (s.seen[ci] == s.gen) return;
      s.seen[ci] = s.gen;
      s.queue.push_back(ci);
    };
    for (uint32_t ci : b->untriggered) queue(ci);
    for (uint32_t a : s.fired)
      for (uint32_t ci : b->rules_of_atom[a]) queue(ci);
    std::sort(s.queue.begin(), s.queue.end());
    for (uint32_t ci : s.queue) {
      const Compiled& c = b->rules[ci];
      s.touched_deferred = false;
      bool m = eval_compiled(c, src, s);
      std::vector<uint32_t>& out = s.touched_deferred ? deferred : matched;
      if ((m || s.touched_deferred) && std::find(out.begin(), out.end(), c.rule) == out.end()) out.push_back(c.rule);
    }
  }
}

void RuleSet::rematch(const std::vector<uint32_t>& rules, std::string_view provider, std::string_view channel,
                      uint16_t event_id, FieldSource& src, Scratch& s, std::vector<uint32_t>& matched) const {
  matched.clear();
  for (const Bucket* b : buckets_for(provider, channel, event_id)) {
    bool scanned = false;  // each bucket's fields once, whatever the number of rules
    for (const Compiled& c : b->rules) {
      if (std::find(rules.begin(), rules.end(), c.rule) == rules.end() ||
          std::find(matched.begin(), matched.end(), c.rule) != matched.end())
        continue;
      if (!scanned) scan_bucket(*b, src, s);
      scanned = true;
      if (eval_compiled(c, src, s)) matched.push_back(c.rule);
    }
  }
}

}  // namespace sigma
