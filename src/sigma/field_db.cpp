// The field pattern databases. add() sorts each glob into the literal set (with its anchor), the
// regex set, or the always / empty lists; compile_field_dbs() compiles each distinct set once, in
// parallel, through the on-disk cache, lets a field's earlier literal database plus a small
// `added` one stand in for a large set that changed a little, and makes patterns Hyperscan
// refuses slow glob atoms. The scan callback checks a literal's anchor from its match's end
// offset. rule_set.cpp builds the databases and scans them for each record.
#include "sigma/field_db.h"

#include <hs/hs.h>
#include <tbb/parallel_for_each.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "sigma/hs_cache.h"

namespace sigma {

void FieldDb::add(uint32_t atom, const std::string& glob, bool cased) {
  if (text::glob_match(glob, "", cased)) empty.push_back(atom);
  unsigned fold = cased ? 0 : HS_FLAG_CASELESS;
  if (std::optional<text::GlobLiteral> lit = text::glob_as_literal(glob)) {
    if (lit->text.empty()) {
      if (lit->anchor == text::Anchor::None) always.push_back(atom);  // "*"; "" matches only "" (empty)
      return;
    }
    // A suffix shows at the last occurrence: every one is reported.
    literal_nul |= lit->text.find('\0') != std::string::npos;
    literals.flags.push_back(fold | (lit->anchor == text::Anchor::Suffix ? 0 : HS_FLAG_SINGLEMATCH));
    literals.lengths.push_back(static_cast<uint32_t>(lit->text.size()));
    literals.patterns.push_back(std::move(lit->text));
    literals.globs.push_back(glob);
    literals.atoms.push_back(atom);
    literals.anchors.push_back(lit->anchor);
  } else {
    regex.flags.push_back(fold | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY);
    regex.patterns.push_back(text::glob_regex(glob));
    regex.globs.push_back(glob);
    regex.atoms.push_back(atom);
  }
}

bool FieldDb::joinable() const {
  auto anywhere = [](const HsDb& h) {
    return std::all_of(h.anchors.begin(), h.anchors.end(), [](text::Anchor a) { return a == text::Anchor::None; });
  };
  return !literal_nul && regex.atoms.empty() && slow.empty() && anywhere(literals) && anywhere(added);
}

namespace {

// Compiles patterns; a regular expression Hyperscan refuses is left out (and
// matched by glob), a literal set refused leaves them all out.
CachedDb compile_patterns(const std::vector<std::string>& patterns, const std::vector<unsigned>& pattern_flags,
                          HsDb::Kind kind) {
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
      flags.push_back(pattern_flags[out.kept[i]]);
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* err = nullptr;
    hs_database_t* db = nullptr;
    hs_error_t rc = kind == HsDb::Kind::Regex
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
    if (bad < 0 || kind != HsDb::Kind::Regex) {
      out.kept.clear();
      return out;
    }
    out.kept.erase(out.kept.begin() + bad);
  }
  return out;
}

// Takes a compiled database: the patterns it left out become slow atoms.
void take_compiled(HsDb& h, const CachedDb& c, std::vector<FieldDb::Slow>& slow) {
  std::vector<bool> in(h.atoms.size(), false);
  for (uint32_t k : c.kept) in[k] = true;
  for (size_t i = 0; i < h.atoms.size(); ++i)
    if (!in[i]) slow.push_back({h.atoms[i], h.globs[i], (h.flags[i] & HS_FLAG_CASELESS) == 0});
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
  h.flags.clear();
  h.globs.clear();
}

// The cache key of a pattern set: everything that decides its database.
std::string cache_key(HsDb::Kind kind, const std::vector<std::string>& patterns, const std::vector<unsigned>& flags) {
  std::string key = "m";  // case modes mixed in one database
  key += std::to_string(static_cast<int>(kind));
  for (size_t i = 0; i < patterns.size(); ++i)
    (key += std::to_string(flags[i]) + '/' + std::to_string(patterns[i].size()) + ':') += patterns[i];
  return key;
}

// The (flags, literal) pairs of a literal database's cache key (cache_key's
// format); nullopt when it is not one. Views into `key`.
std::optional<std::vector<std::pair<unsigned, std::string_view>>> key_literals(std::string_view key) {
  std::string_view head = "m0";  // HsDb::Kind::Literal
  if (key.substr(0, head.size()) != head) return std::nullopt;
  std::vector<std::pair<unsigned, std::string_view>> out;
  const char* at = key.data() + head.size();
  const char* end = key.data() + key.size();
  while (at != end) {
    unsigned flags = 0;
    size_t size = 0;
    auto f = std::from_chars(at, end, flags);
    if (f.ec != std::errc() || f.ptr == end || *f.ptr != '/') return std::nullopt;
    auto n = std::from_chars(f.ptr + 1, end, size);
    if (n.ec != std::errc() || n.ptr == end || *n.ptr != ':' || size > static_cast<size_t>(end - n.ptr - 1))
      return std::nullopt;
    out.emplace_back(flags, std::string_view(n.ptr + 1, size));
    at = n.ptr + 1 + size;
  }
  return out;
}

// The field's last compiled database stands in for a large literal set
// when they share at least this many patterns.
constexpr size_t kEarlierMin = 1000;
constexpr size_t kMaxAdded = 64;  // patterns it lacks, compiled alone

// An earlier database standing in for a new literal set: the patterns both
// hold are read through its ids; those it lacks are compiled alone.
struct Earlier {
  CachedDb db;
  size_t size = 0;                 // its patterns
  std::vector<uint32_t> id_of;     // new pattern -> its id there (kNoAtom: in `added`)
  CachedDb added;                  // the new patterns it lacks
  std::vector<uint32_t> added_of;  // added id -> new pattern
};

std::string literal_key(unsigned flags, std::string_view pattern) {
  std::string k(reinterpret_cast<const char*>(&flags), sizeof flags);
  return k += pattern;
}

// The field's earlier database that holds all but a few of the patterns and
// not many more (a rule edited, added or removed), with the others compiled.
std::optional<Earlier> earlier_for(const HsCache& cache, const std::string& field,
                                   const std::vector<std::string>& patterns, const std::vector<unsigned>& flags) {
  struct Candidate {
    std::string key;
    size_t size = 0, cost = 0;
    std::vector<uint32_t> id_of;
  };
  std::vector<Candidate> candidates;
  for (std::string& key : cache.earlier_keys(field)) {
    std::optional<std::vector<std::pair<unsigned, std::string_view>>> old = key_literals(key);
    if (!old || old->empty()) continue;
    // Each pattern of the old set taken once, in order (the same literal may
    // be several atoms: a prefix and an exact value).
    std::unordered_map<std::string, std::vector<uint32_t>> ids;
    for (uint32_t i = 0; i < old->size(); ++i) ids[literal_key((*old)[i].first, (*old)[i].second)].push_back(i);
    for (auto& [k, v] : ids) std::reverse(v.begin(), v.end());
    Candidate c;
    c.size = old->size();
    c.id_of.assign(patterns.size(), kNoAtom);
    size_t shared = 0;
    for (size_t i = 0; i < patterns.size(); ++i) {
      auto it = ids.find(literal_key(flags[i], patterns[i]));
      if (it == ids.end() || it->second.empty()) continue;
      c.id_of[i] = it->second.back();
      it->second.pop_back();
      ++shared;
    }
    size_t added = patterns.size() - shared, ignored = c.size - shared;
    if (shared < kEarlierMin || added > kMaxAdded || ignored > c.size / 8) continue;
    c.cost = added + ignored;
    c.key = std::move(key);
    candidates.push_back(std::move(c));
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.cost < b.cost; });
  for (Candidate& c : candidates) {
    std::optional<CachedDb> db = cache.load(c.key, c.size);
    if (!db || db->kept.size() != c.size) continue;  // a literal database holds every pattern
    Earlier e;
    e.db = std::move(*db);
    e.size = c.size;
    e.id_of = std::move(c.id_of);
    std::vector<std::string> added;
    std::vector<unsigned> added_flags;
    for (uint32_t i = 0; i < e.id_of.size(); ++i)
      if (e.id_of[i] == kNoAtom) {
        e.added_of.push_back(i);
        added.push_back(patterns[i]);
        added_flags.push_back(flags[i]);
      }
    e.added = compile_patterns(added, added_flags, HsDb::Kind::Literal);
    if (!added.empty() && e.added.kept.size() != added.size()) return std::nullopt;
    return e;
  }
  return std::nullopt;
}

// Takes an earlier database for a field's literals: its ids read the atoms
// of the patterns it shares with them, the others none; the literals it
// lacks go to `added`.
void take_earlier(FieldDb& d, const Earlier& e) {
  HsDb& h = d.literals;
  std::vector<uint32_t> atoms(e.size, kNoAtom), lengths(e.size, 0);
  std::vector<text::Anchor> anchors(e.size, text::Anchor::None);
  for (size_t i = 0; i < h.atoms.size(); ++i) {
    uint32_t id = e.id_of[i];
    if (id == kNoAtom) continue;
    atoms[id] = h.atoms[i];
    anchors[id] = h.anchors[i];
    lengths[id] = h.lengths[i];
  }
  for (uint32_t i : e.added_of) {
    d.added.atoms.push_back(h.atoms[i]);
    d.added.anchors.push_back(h.anchors[i]);
    d.added.lengths.push_back(h.lengths[i]);
  }
  d.added.db = e.added.db;
  h.atoms = std::move(atoms);
  h.anchors = std::move(anchors);
  h.lengths = std::move(lengths);
  h.db = e.db.db;
  h.patterns.clear();
  h.flags.clear();
  h.globs.clear();
}

}  // namespace

CompileStats compile_field_dbs(const std::vector<FieldDb*>& fields, std::vector<std::string>& warnings) {
  auto start = std::chrono::steady_clock::now();
  struct Use {
    HsDb* db;
    FieldDb* field;
  };
  // Identical pattern sets (the same field of Sysmon 1 and Security 4688
  // rules) are compiled once.
  using Key = std::tuple<HsDb::Kind, std::vector<std::string>, std::vector<unsigned>>;
  std::map<Key, std::vector<Use>> unique;
  for (FieldDb* d : fields)
    for (auto [h, kind] : {std::pair{&d->literals, HsDb::Kind::Literal}, std::pair{&d->regex, HsDb::Kind::Regex}})
      if (!h->patterns.empty()) unique[{kind, h->patterns, h->flags}].push_back({h, d});
  struct Result {
    const Key* key;
    CachedDb compiled;
    std::optional<Earlier> earlier;  // standing in for `compiled`
    bool compiled_now = false;
  };
  std::vector<Result> results;
  for (const auto& [key, uses] : unique) results.push_back({&key, CachedDb{}, std::nullopt, false});
  HsCache cache;
  if (!cache.warning().empty()) warnings.push_back(cache.warning());
  std::atomic<size_t> hits = 0;
  tbb::parallel_for_each(results.begin(), results.end(), [&](Result& r) {
    const auto& [kind, patterns, flags] = *r.key;
    std::string key = cache_key(kind, patterns, flags);
    if (std::optional<CachedDb> hit = cache.load(key, patterns.size())) {
      r.compiled = std::move(*hit);
      ++hits;
      return;
    }
    if (kind == HsDb::Kind::Literal && patterns.size() >= kEarlierMin && cache.folder()) {
      r.earlier = earlier_for(cache, unique.find(*r.key)->second.front().field->field, patterns, flags);
      if (r.earlier) return;
    }
    r.compiled = compile_patterns(patterns, flags, kind);
    r.compiled_now = true;
    cache.store(key, r.compiled);
  });
  CompileStats stats;
  for (const Result& r : results) {
    const auto& [kind, patterns, flags] = *r.key;
    if (r.earlier) {
      ++stats.from_earlier;
      stats.added += r.earlier->added_of.size();
      for (const Use& u : unique[*r.key]) take_earlier(*u.field, *r.earlier);
      continue;
    }
    // A large literal set compiled: where its field's set, edited, finds it.
    if (r.compiled_now && kind == HsDb::Kind::Literal && patterns.size() >= kEarlierMin && r.compiled.db) {
      std::string key = cache_key(kind, patterns, flags);
      std::set<std::string_view> fields;
      for (const Use& u : unique[*r.key])
        if (fields.insert(u.field->field).second) cache.add_earlier_key(u.field->field, key);
    }
    for (const Use& u : unique[*r.key]) take_compiled(*u.db, r.compiled, u.field->slow);
  }
  for (FieldDb* d : fields) d->values_at_once = d->joinable();  // not per record
  stats.databases = results.size();
  stats.from_cache = hits;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (cache.folder()) stats.cache_folder = cache.folder()->string();
  return stats;
}

hs_scratch* scratch_for(const std::vector<const FieldDb*>& fields, hs_scratch* proto) {
  for (const FieldDb* d : fields)
    for (const HsDb* h : {&d->literals, &d->added, &d->regex})
      if (h->db && hs_alloc_scratch(h->db.get(), &proto) != HS_SUCCESS)
        throw std::runtime_error("Hyperscan: cannot allocate scratch space");
  return proto;
}

namespace {

struct ScanContext {
  const HsDb* db;
  size_t text_size;
  AtomHits* hits;
};

int on_match(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto* c = static_cast<ScanContext*>(ctx);
  if (id >= c->db->atoms.size()) return 0;  // not a pattern of ours (a database that lies)
  uint32_t atom = c->db->atoms[id];
  if (atom == kNoAtom) return 0;  // an earlier database's pattern no atom has now
  if (!c->db->anchors.empty()) {
    // Literals: the first match of a literal ends earliest, so a prefix (or the
    // whole text) shows there; a suffix shows at the last one.
    uint32_t len = c->db->lengths[id];
    switch (c->db->anchors[id]) {
      case text::Anchor::None: break;
      case text::Anchor::Prefix:
        if (to != len) return 0;
        break;
      case text::Anchor::Exact:
        if (to != len || c->text_size != len) return 0;
        break;
      case text::Anchor::Suffix:
        if (to != c->text_size) return 0;
        break;
    }
  }
  c->hits->mark(atom);
  return 0;
}

}  // namespace

void scan_field(const FieldDb& d, std::string_view text, hs_scratch* scratch, AtomHits& hits) {
  for (uint32_t a : d.always) hits.mark(a);
  if (text.empty()) {
    for (uint32_t a : d.empty) hits.mark(a);
    return;
  }
  unsigned size = static_cast<unsigned>(std::min<size_t>(text.size(), UINT32_MAX));
  for (const HsDb* h : {&d.literals, &d.added, &d.regex}) {
    if (!h->db) continue;
    ScanContext ctx{h, size, &hits};
    hs_scan(h->db.get(), text.data(), size, 0, scratch, on_match, &ctx);
  }
  for (const FieldDb::Slow& s : d.slow)
    if (text::glob_match(s.glob, text, s.cased)) hits.mark(s.atom);
}

void scan_values(const FieldDb& d, const std::vector<std::string_view>& values, std::string& joined,
                 hs_scratch* scratch, AtomHits& hits) {
  if (!d.values_at_once || values.size() < 2) {
    for (std::string_view v : values) scan_field(d, v, scratch, hits);
    return;
  }
  // One scan instead of one per value (a keyword rule reads ~20 per record).
  if (joined.empty()) {
    for (std::string_view v : values) (joined += v) += '\0';
    joined.pop_back();
  }
  bool any_empty = std::any_of(values.begin(), values.end(), [](std::string_view v) { return v.empty(); });
  for (uint32_t a : d.always) hits.mark(a);
  if (any_empty)
    for (uint32_t a : d.empty) hits.mark(a);
  unsigned size = static_cast<unsigned>(std::min<size_t>(joined.size(), UINT32_MAX));
  for (const HsDb* h : {&d.literals, &d.added}) {
    if (!h->db) continue;
    ScanContext ctx{h, size, &hits};
    hs_scan(h->db.get(), joined.data(), size, 0, scratch, on_match, &ctx);
  }
}

}  // namespace sigma
