// RuleSet's build and match. build() expands placeholders, compiles each detection for every
// kind of record it reads (buckets in parallel, each bucket's atoms numbered in rule order),
// attaches filters to the rules whose log source they cover, decides which correlations run
// (missing rules, self references and cycles named), then compiles the field databases and the
// prefilters. match() scans a bucket's fields once per record and evaluates, in rule order, only
// the rules whose prefilter clauses were met; one that lacked a process-table field is deferred.
#include "sigma/rule_set.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include <tbb/parallel_for.h>
#include <tbb/parallel_for_each.h>
#include <tbb/parallel_invoke.h>

#include "rules/regex.h"
#include "rules/text_match.h"
#include "sigma/compiled_rule.h"
#include "sigma/field_db.h"
#include "sigma/logsources.h"
#include "sigma/prefilter.h"
#include "text/ascii_case.h"
#include "text/glob.h"

namespace sigma {
namespace {

// A filter's log source covers a rule's when each field the filter sets is
// the rule's (pySigma's `rule.logsource in filter.logsource`).
bool covers(const LogSource& filter, const LogSource& rule) {
  auto same = [](const std::string& f, const std::string& r) {
    return f.empty() || text::lowered(f) == text::lowered(r);
  };
  return same(filter.product, rule.product) && same(filter.category, rule.category) &&
         same(filter.service, rule.service);
}

}  // namespace

// ---- rules by kind of record -------------------------------------------------------

namespace {

// Each test of a compiled rule and of its filters.
template <typename Compiled, typename Fn>
void for_each_test(Compiled& c, Fn&& fn) {
  for (auto& sel : c.sels)
    for (auto& alt : sel.alternatives)
      for (auto& t : alt) fn(t);
  for (auto& f : c.filters) for_each_test(f, fn);
}

}  // namespace

struct RuleSet::Bucket {
  RecordKind src;
  std::map<std::string, std::string> renames;
  std::set<std::string> deferrable;
  std::vector<CompiledRule> rules;
  std::vector<FieldDb> dbs;
  // A rule is evaluated only when an atom that it needs matched (its
  // triggers), or always when no set of atoms decides it (prefilter.h).
  Prefilter prefilter;
  // Field name -> its database (data fields, scanned in one pass over the
  // record); the others are asked by name (keywords, System and derived fields).
  std::map<std::string, uint32_t, std::less<>> db_of_field;
  std::vector<uint32_t> asked_by_name;
  // Atom by field, case and glob: the key "field\0c|iglob" (c cased, i not).
  std::unordered_map<std::string, uint32_t> atom_ids;
  std::unordered_map<std::string, uint32_t> db_index;  // field -> its database in dbs
  std::vector<std::string> atom_globs;                 // atom -> its glob

  std::string record_field(const std::string& sigma_field) const {
    auto it = renames.find(sigma_field);
    return it == renames.end() ? sigma_field : it->second;
  }

  uint32_t atom(const std::string& field, bool cased, const std::string& glob) {
    std::string key;
    key.reserve(field.size() + glob.size() + 2);
    key.append(field).append(1, '\0').append(1, cased ? 'c' : 'i').append(glob);
    auto [it, added] = atom_ids.try_emplace(std::move(key), static_cast<uint32_t>(atom_globs.size()));
    if (!added) return it->second;
    uint32_t id = it->second;
    atom_globs.push_back(glob);
    auto [db, new_field] = db_index.try_emplace(field, static_cast<uint32_t>(dbs.size()));
    if (new_field) dbs.emplace_back().field = field;
    dbs[db->second].add(id, glob, cased);
    return id;
  }
};

struct RuleSet::Scratch {
  hs_scratch_t* hs = nullptr;
  AtomHits hits;
  std::vector<uint32_t> seen;   // bucket rule -> hits.gen its `met` bits are of
  std::vector<uint8_t> met;     // bucket rule -> its prefilter clauses met (bits)
  std::vector<uint32_t> queue;  // bucket rules to evaluate
  bool touched_deferred = false;
  std::vector<std::string_view> values;  // eval_test: the tested field's values
  // The record's data values for keyword databases, gathered once per record
  // (`has_all_values`), and joined by NUL by the first joinable one.
  std::vector<std::string_view> all_values;
  std::string joined;
  bool has_all_values = false;
  void new_record() {
    has_all_values = false;
    joined.clear();
  }
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
  // Per data layout and tested field (layout id << 32 | field id): the data
  // items a data-only field's values are, in record order.
  std::unordered_map<uint64_t, std::vector<uint32_t>> items;
  std::string key;
  const std::vector<const Bucket*>* last_buckets = nullptr;  // of the last record's kind
  std::string last_provider, last_channel;
  uint16_t last_event = 0;
  ~Scratch() {
    if (hs) hs_free_scratch(hs);
  }
};

namespace {

// Sigma's regular expressions compiled once per rule set, with their literals
// (prefilter.h): a rule's expression is in every kind of record it reads
// (process creation: Sysmon 1 and Security 4688), compiled by parallel threads.
class RegexCache {
 public:
  struct Entry {
    std::shared_ptr<const RE2> re;
    std::optional<std::vector<std::string>> literals;
  };
  std::shared_ptr<const Entry> get(const std::string& pattern) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = map_.find(pattern); it != map_.end()) return it->second;
    }
    RE2::Options o;
    o.set_log_errors(false);
    o.set_dot_nl(false);
    auto e = std::make_shared<Entry>();
    e->re = rules::make_regex(pattern, o);
    if (e->re->ok()) e->literals = regex_literals(pattern, o);
    std::lock_guard<std::mutex> lock(mu_);
    return map_.try_emplace(pattern, std::move(e)).first->second;  // another thread's when it was first
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> map_;
};

struct Builder {
  RuleSet::Bucket& bucket;
  RegexCache& regexes;
  std::string error;
  size_t program = 0;  // RE2 instructions of the rule's regular expressions

  bool compile_test(const FieldTest& ft, CompiledTest& t) {
    // Data fields by their key (data_name_key: spaces left out), so that
    // "Threat Name" and ThreatName are one field and one database.
    t.field = ft.field.empty() ? "" : data_name_key(bucket.record_field(ft.field));
    t.op = ft.op;
    t.all = ft.all;
    t.negate = ft.negate;
    t.expected = ft.expected;
    t.cased = ft.cased;
    t.deferrable = bucket.deferrable.count(t.field) > 0;
    t.data_only = !t.field.empty() && !not_only_data(t.field);
    switch (ft.op) {
      case FieldTest::Op::Glob:
        for (const std::string& g : ft.values) {
          t.atoms.push_back(bucket.atom(t.field, ft.cased, g));
        }
        break;
      case FieldTest::Op::Regex:
        for (const std::string& r : ft.values) {
          std::shared_ptr<const RegexCache::Entry> compiled = regexes.get(r);
          const std::shared_ptr<const RE2>& re = compiled->re;
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
          t.regexes.push_back(re);
          // Its literals as atoms of the field: where none is in the text, it is not run.
          std::vector<uint32_t>& atoms = t.regex_atoms.emplace_back();
          if (compiled->literals)
            for (const std::string& l : *compiled->literals) {
              std::string glob = "*";
              glob += text::escape_glob(l);
              atoms.push_back(bucket.atom(t.field, false, glob += '*'));
            }
        }
        // The test's trigger atoms: only when every expression has some.
        if (std::none_of(t.regex_atoms.begin(), t.regex_atoms.end(), [](const auto& a) { return a.empty(); }))
          for (const auto& a : t.regex_atoms) t.atoms.insert(t.atoms.end(), a.begin(), a.end());
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

  bool compile_selections(const Rule& r, CompiledRule& c) {
    for (const Selection& s : r.selections) {
      CompiledSelection sel;
      sel.name = s.name;
      for (const auto& alt : s.alternatives) {
        std::vector<CompiledTest> tests;
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

  ConditionNode compile_condition(const Condition& cond, const CompiledRule& c) {
    ConditionNode n;
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
          if (text::glob_match(cond.name, name, true)) n.sels.push_back(static_cast<int>(i));
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
  std::map<std::string, size_t> by_name;  // bucket position
  // Detection rules first; filters and correlations refer to them.
  std::vector<Rule> filters, correlations;
  for (Rule& r : rules) {
    // |expand placeholders: with their values, or the rule does not run.
    try {
      std::vector<std::string> missing = expand_placeholders(r, placeholders);
      if (!missing.empty()) {
        std::string names;
        for (const std::string& m : missing) names += (names.empty() ? "" : ", ") + m;
        report.needs_values.push_back({r.file, r.line, 0,
                                       "rule " + r.id + ": not run: placeholder " + names +
                                           " has no values (|expand; give them with --placeholders FILE)"});
        continue;
      }
    } catch (const std::runtime_error& e) {
      report.skipped.push_back({r.file, r.line, 0, "rule " + r.id + ": " + e.what()});
      continue;
    }
    if (r.kind == Rule::Kind::Filter)
      filters.push_back(std::move(r));
    else if (r.kind == Rule::Kind::Correlation)
      correlations.push_back(std::move(r));
    else
      set->rules_.push_back(std::move(r));
  }
  // Each rule compiled for each kind of record it reads: the buckets in
  // parallel (each bucket's rules in order, so its atoms are numbered as one
  // thread would), then kept in rule order where every kind compiled.
  struct Job {
    size_t bucket;  // position in buckets_
    CompiledRule compiled;
    std::string error;  // "" compiled
  };
  std::vector<std::vector<Job>> jobs(set->rules_.size());  // per rule, per kind of record
  std::vector<std::string> unknown_source(set->rules_.size());
  for (size_t i = 0; i < set->rules_.size(); ++i) {
    const Rule& r = set->rules_[i];
    Resolved res = resolve_logsource(r.logsource);
    if (res.sources.empty()) {
      if (res.not_applicable)
        ++report.not_applicable[res.reason];
      else
        unknown_source[i] = res.reason;
      continue;
    }
    for (const RecordKind& src : res.sources) {
      auto [at, added] = by_name.try_emplace(src.name, set->buckets_.size());
      if (added) {
        Bucket& b = *set->buckets_.emplace_back(std::make_unique<Bucket>());
        b.src = src;
        for (const auto& [from, to] : src.renames) b.renames[from] = to;
        b.deferrable.insert(src.from_process_table.begin(), src.from_process_table.end());
      }
      jobs[i].push_back({at->second, {}, {}});
    }
  }
  std::vector<std::vector<std::pair<size_t, Job*>>> bucket_jobs(set->buckets_.size());  // (rule, job), rule order
  for (size_t i = 0; i < jobs.size(); ++i)
    for (Job& j : jobs[i]) bucket_jobs[j.bucket].emplace_back(i, &j);
  RegexCache regexes;
  tbb::parallel_for(size_t{0}, set->buckets_.size(), [&](size_t bi) {
    for (auto [i, j] : bucket_jobs[bi]) {
      Builder builder{*set->buckets_[bi], regexes, {}};
      if (!builder.compile_selections(set->rules_[i], j->compiled)) j->error = builder.error;
    }
  });
  std::vector<Rule> kept;
  for (size_t i = 0; i < set->rules_.size(); ++i) {
    Rule& r = set->rules_[i];
    if (!unknown_source[i].empty()) report.skipped.push_back({r.file, r.line, 0, unknown_source[i]});
    if (jobs[i].empty()) continue;  // no kind of record
    auto failed = std::find_if(jobs[i].begin(), jobs[i].end(), [](const Job& j) { return !j.error.empty(); });
    if (failed != jobs[i].end()) {
      report.skipped.push_back({r.file, r.line, 0, failed->error});
      continue;
    }
    for (Job& j : jobs[i]) {
      j.compiled.rule = static_cast<uint32_t>(kept.size());
      set->buckets_[j.bucket]->rules.push_back(std::move(j.compiled));
    }
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
    bool any_rule = f.filter_rules.size() == 1 && text::lowered(f.filter_rules[0]) == "any";
    for (uint32_t i = 0; i < set->rules_.size(); ++i) {
      const Rule& r = set->rules_[i];
      if (r.kind != Rule::Kind::Detection || !covers(f.logsource, r.logsource)) continue;
      bool named = any_rule || std::any_of(f.filter_rules.begin(), f.filter_rules.end(), [&](const std::string& t) {
                     return t == r.id || (!r.name.empty() && t == r.name);
                   });
      if (named) targets.push_back(i);
    }
    bool any = false;
    std::vector<std::string> failed;  // each reason once, however many rules it failed for
    for (auto& b : set->buckets_)
      for (CompiledRule& c : b->rules) {
        if (std::find(targets.begin(), targets.end(), c.rule) == targets.end()) continue;
        Builder builder{*b, regexes, {}};
        CompiledRule fc;
        fc.rule = c.rule;
        if (!builder.compile_selections(f, fc)) {
          if (std::find(failed.begin(), failed.end(), builder.error) == failed.end()) failed.push_back(builder.error);
          continue;
        }
        c.filters.push_back(std::move(fc));
        any = true;
      }
    for (const std::string& why : failed) report.skipped.push_back({f.file, f.line, 0, why});
    if (any)
      ++report.filter;
    else if (failed.empty())
      report.skipped.push_back(
          {f.file, f.line, 0, "filter applies to no loaded rule (its rules, or their log source)"});
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
      report.skipped.push_back({c.file, c.line, 0, "rule " + c.id + ": " + why[i]});
      set->standalone_[i] = false;  // never runs
      continue;
    }
    ++report.correlation;
    if (!c.correlation.generate)
      for (const std::string& name : c.correlation.rules)
        set->standalone_[static_cast<size_t>(set->find(name))] = false;
  }

  // The tested fields numbered across the set (layout_items' key).
  std::map<std::string, uint32_t> field_ids;
  for (auto& b : set->buckets_)
    for (CompiledRule& c : b->rules)
      for_each_test(c, [&](CompiledTest& t) {
        t.field_id = field_ids.emplace(t.field, static_cast<uint32_t>(field_ids.size())).first->second;
      });

  // Hyperscan databases, and a scratch prototype big enough for all of them;
  // meanwhile each kind's prefilter.
  std::vector<FieldDb*> fields;
  for (auto& b : set->buckets_)
    for (FieldDb& d : b->dbs) fields.push_back(&d);
  tbb::parallel_invoke([&] { report.patterns = compile_field_dbs(fields, report.warnings); },
                       [&] {
                         tbb::parallel_for_each(set->buckets_.begin(), set->buckets_.end(),
                                                [](std::unique_ptr<Bucket>& b) {
                                                  std::vector<float> cost;
                                                  for (const std::string& g : b->atom_globs)
                                                    cost.push_back(atom_cost(g));
                                                  b->prefilter = build_prefilter(b->rules, cost);
                                                });
                       });
  hs_scratch_t* proto = scratch_for({fields.begin(), fields.end()}, nullptr);
  for (auto& b : set->buckets_) {
    for (uint32_t i = 0; i < b->dbs.size(); ++i) {
      const std::string& f = b->dbs[i].field;
      if (f.empty() || not_only_data(f))
        b->asked_by_name.push_back(i);
      else
        b->db_of_field.emplace(f, i);
    }
    set->max_atoms_ = std::max<size_t>(set->max_atoms_, b->atom_globs.size());
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
  s->hits.stamp.assign(max_atoms_, 0);
  s->seen.assign(max_rules_, 0);
  s->met.assign(max_rules_, 0);
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
  if (auto it = by_provider_.find(text::lowered(provider)); it != by_provider_.end())
    for (uint32_t bi : it->second) take(bi);
  if (auto it = by_channel_.find(text::lowered(channel)); it != by_channel_.end())
    for (uint32_t bi : it->second) take(bi);
  for (uint32_t bi : any_) take(bi);
  return out;
}

namespace {

// Scan plans kept per thread (bucket x data layout); past it the cache starts over.
constexpr size_t kMaxPlans = 1u << 16;

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
  s.hits.start(s.seen);
  // Data fields in one pass. With a layout, the fields to scan are known already.
  if (!b.db_of_field.empty() && src.layout()) {
    for (auto [field, db] : scan_plan(b, *src.layout(), s)) scan_field(b.dbs[db], src.data_value(field), s.hs, s.hits);
  } else if (!b.db_of_field.empty()) {
    src.for_each_field([&](std::string_view name, std::string_view value) {
      if (const uint32_t* db = db_of_name(b, name)) scan_field(b.dbs[*db], value, s.hs, s.hits);
    });
  }
  for (uint32_t i : b.asked_by_name) {
    const FieldDb& d = b.dbs[i];
    if (d.field.empty()) {
      if (!s.has_all_values) {
        s.all_values.clear();
        src.for_each_value([&](std::string_view v) { s.all_values.push_back(v); });
        s.has_all_values = true;
      }
      scan_values(d, s.all_values, s.joined, s.hs, s.hits);
    } else
      src.for_each_text(d.field, [&](std::string_view v) { scan_field(d, v, s.hs, s.hits); });
  }
}

// The data items of a layout that a data-only test's field reads (what
// for_each_text finds by comparing names), resolved once per layout.
const std::vector<uint32_t>& layout_items(const evtx::DataLayout& layout, const CompiledTest& t, RuleSet::Scratch& s) {
  uint64_t key = (static_cast<uint64_t>(layout.id) << 32) | t.field_id;
  if (auto it = s.items.find(key); it != s.items.end()) return it->second;
  if (s.items.size() >= kMaxPlans) s.items.clear();
  std::vector<uint32_t> items;
  for (uint32_t i = 0; i < layout.names.size(); ++i)
    if (data_name_matches(layout.names[i], t.field)) items.push_back(i);
  return s.items.emplace(key, std::move(items)).first->second;
}

bool eval_test(const CompiledTest& t, FieldSource& src, RuleSet::Scratch& s) {
  if (t.op == FieldTest::Op::Glob && !t.negate && !t.deferrable) {
    // The scan stamped what matched; an absent field stamped nothing.
    bool any = false, all = !t.atoms.empty();
    for (uint32_t a : t.atoms) {
      bool h = s.hits.hit(a);
      any |= h;
      all &= h;
    }
    return t.all ? all : any;
  }
  // The field's values: one, or each item of a list field (field_source.h).
  std::vector<std::string_view>& values = s.values;
  values.clear();
  if (t.data_only && src.layout()) {
    for (uint32_t i : layout_items(*src.layout(), t, s)) values.push_back(src.data_value(i));
  } else if (!t.field.empty()) {
    src.for_each_text(t.field, [&](std::string_view v) { values.push_back(v); });
  } else if (t.op != FieldTest::Op::Glob) {  // a keyword regex: every data field's value
    src.for_each_value([&](std::string_view v) { values.push_back(v); });
  }
  if (values.empty() && t.deferrable && src.deferrable(t.field)) s.touched_deferred = true;
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
      if (t.field.empty() || present) return combine(t.atoms.size(), [&](size_t i) { return s.hits.hit(t.atoms[i]); });
      return false;
    case FieldTest::Op::Regex:
      if (!present) return false;
      return combine(t.regexes.size(), [&](size_t i) {
        // None of its literals in the field: it cannot match (a field the
        // process table supplies later was not scanned: run it).
        const std::vector<uint32_t>& need = t.regex_atoms[i];
        if (!t.deferrable && !need.empty() &&
            std::none_of(need.begin(), need.end(), [&](uint32_t a) { return s.hits.hit(a); }))
          return false;
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
        return some_value([&](std::string_view v) { return t.cased ? *other == v : text::iequals(*other, v); });
      });
    case FieldTest::Op::Cidr:
      if (!present) return false;
      return combine(t.networks.size(), [&](size_t i) {
        return some_value([&](std::string_view v) { return t.networks[i].contains(v); });
      });
  }
  return false;
}

bool eval_selection(const CompiledSelection& sel, FieldSource& src, RuleSet::Scratch& s) {
  for (const auto& alt : sel.alternatives) {
    bool all = true;
    for (const CompiledTest& t : alt)
      if (!eval_test(t, src, s)) {
        all = false;
        break;
      }
    if (all) return true;
  }
  return false;
}

bool eval_node(const ConditionNode& n, const CompiledRule& c, FieldSource& src, RuleSet::Scratch& s) {
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

bool eval_compiled(const CompiledRule& c, FieldSource& src, RuleSet::Scratch& s) {
  bool m = false;
  for (const ConditionNode& n : c.conditions) m = m || eval_node(n, c, src, s);
  if (!m) return false;
  for (const CompiledRule& f : c.filters)
    if (!eval_compiled(f, src, s)) return false;
  return true;
}

}  // namespace

void RuleSet::match(std::string_view provider, std::string_view channel, uint16_t event_id, FieldSource& src,
                    Scratch& s, std::vector<uint32_t>& matched, std::vector<uint32_t>& deferred) const {
  // Records come in runs of one kind (a chunk of one log): the last kind's
  // buckets are kept, the others looked up by (provider, channel, event id).
  if (!s.last_buckets || event_id != s.last_event || provider != s.last_provider || channel != s.last_channel) {
    std::string& key = s.key;  // reused: no allocation per record
    key.clear();
    key.append(provider).append(1, '\0').append(channel).append(1, '\0');
    key.append(reinterpret_cast<const char*>(&event_id), sizeof event_id);
    auto it = s.buckets.find(key);
    if (it == s.buckets.end()) it = s.buckets.emplace(key, buckets_for(provider, channel, event_id)).first;
    s.last_buckets = &it->second;  // node-based map: stays valid
    s.last_provider.assign(provider);
    s.last_channel.assign(channel);
    s.last_event = event_id;
  }
  s.new_record();
  for (const Bucket* b : *s.last_buckets) {
    if (b->rules.empty()) continue;
    scan_bucket(*b, src, s);
    // Only rules that can still match: those whose every prefilter clause
    // an atom that matched meets, and those no atom decides (prefilter.h).
    const Prefilter& pf = b->prefilter;
    s.queue.assign(pf.untriggered.begin(), pf.untriggered.end());
    for (uint32_t a : s.hits.fired)
      for (uint32_t e : pf.clauses_of_atom[a]) {
        uint32_t ci = e >> 3;
        if (s.seen[ci] != s.hits.gen) {
          s.seen[ci] = s.hits.gen;
          s.met[ci] = 0;
        }
        uint8_t before = s.met[ci];
        s.met[ci] |= static_cast<uint8_t>(1u << (e & 7));
        if (s.met[ci] != before && s.met[ci] == pf.all_met[ci]) s.queue.push_back(ci);
      }
    std::sort(s.queue.begin(), s.queue.end());
    for (uint32_t ci : s.queue) {
      const CompiledRule& c = b->rules[ci];
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
  s.new_record();
  for (const Bucket* b : buckets_for(provider, channel, event_id)) {
    bool scanned = false;  // each bucket's fields once, whatever the number of rules
    for (const CompiledRule& c : b->rules) {
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
