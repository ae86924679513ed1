#include "sigma/field_db.h"

#include <hs/hs.h>
#include <tbb/parallel_for_each.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <stdexcept>
#include <tuple>

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
  return !literal_nul && regex.atoms.empty() && slow.empty() &&
         std::all_of(literals.anchors.begin(), literals.anchors.end(),
                     [](text::Anchor a) { return a == text::Anchor::None; });
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
  std::vector<std::pair<const Key*, CachedDb>> results;
  for (const auto& [key, uses] : unique) results.emplace_back(&key, CachedDb{});
  HsCache cache;
  if (!cache.warning().empty()) warnings.push_back(cache.warning());
  std::atomic<size_t> hits = 0;
  tbb::parallel_for_each(results.begin(), results.end(), [&](auto& r) {
    const auto& [kind, patterns, flags] = *r.first;
    std::string key = cache_key(kind, patterns, flags);
    if (std::optional<CachedDb> hit = cache.load(key, patterns.size())) {
      r.second = std::move(*hit);
      ++hits;
      return;
    }
    r.second = compile_patterns(patterns, flags, kind);
    cache.store(key, r.second);
  });
  for (const auto& [key, compiled] : results)
    for (const Use& u : unique[*key]) take_compiled(*u.db, compiled, u.field->slow);
  CompileStats stats;
  stats.databases = results.size();
  stats.from_cache = hits;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (cache.folder()) stats.cache_folder = cache.folder()->string();
  return stats;
}

hs_scratch* scratch_for(const std::vector<const FieldDb*>& fields, hs_scratch* proto) {
  for (const FieldDb* d : fields)
    for (const HsDb* h : {&d->literals, &d->regex})
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
  c->hits->mark(c->db->atoms[id]);
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
  for (const HsDb* h : {&d.literals, &d.regex}) {
    if (!h->db) continue;
    ScanContext ctx{h, size, &hits};
    hs_scan(h->db.get(), text.data(), size, 0, scratch, on_match, &ctx);
  }
  for (const FieldDb::Slow& s : d.slow)
    if (text::glob_match(s.glob, text, s.cased)) hits.mark(s.atom);
}

void scan_values(const FieldDb& d, const std::vector<std::string_view>& values, std::string& joined,
                 hs_scratch* scratch, AtomHits& hits) {
  if (!d.joinable() || values.size() < 2) {
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
  if (!d.literals.db) return;
  unsigned size = static_cast<unsigned>(std::min<size_t>(joined.size(), UINT32_MAX));
  ScanContext ctx{&d.literals, size, &hits};
  hs_scan(d.literals.db.get(), joined.data(), size, 0, scratch, on_match, &ctx);
}

}  // namespace sigma
