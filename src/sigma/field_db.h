// The pattern databases of one record field: every glob of every rule on the
// field (its atoms), compiled with Hyperscan so that the field's text is
// scanned once for all of them, and the scan that marks which atoms matched.
//
// Globs with wildcards only at their ends (contains, startswith, endswith,
// equals: nearly all of Sigma) are literals, compiled by Hyperscan's literal
// compiler, many times faster to build than the same patterns as regular
// expressions; the others are regular expressions; the few Hyperscan refuses
// are matched by text::glob_match. Compiled databases are kept in the on-disk
// cache (hs_cache.h) between runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/glob.h"

struct hs_database;
struct hs_scratch;

namespace sigma {

// Atoms matched in one scan of a record, without clearing per record: an atom
// matched when its stamp is the current generation.
struct AtomHits {
  std::vector<uint32_t> stamp;  // atom -> generation it last matched in
  std::vector<uint32_t> fired;  // atoms matched in this generation
  uint32_t gen = 0;

  // A new scan; `also` (per-rule stamps of the same generation) is cleared
  // with `stamp` when the generation wraps.
  void start(std::vector<uint32_t>& also) {
    if (++gen == 0) {  // wrapped: old stamps could look current
      std::fill(stamp.begin(), stamp.end(), 0);
      std::fill(also.begin(), also.end(), 0);
      gen = 1;
    }
    fired.clear();
  }
  bool hit(uint32_t atom) const { return stamp[atom] == gen; }
  void mark(uint32_t atom) {
    if (stamp[atom] == gen) return;
    stamp[atom] = gen;
    fired.push_back(atom);
  }
};

// A pattern id of an earlier database (compile_field_dbs) that no atom has now.
inline constexpr uint32_t kNoAtom = UINT32_MAX;

// One Hyperscan database and what its pattern ids stand for.
struct HsDb {
  enum class Kind : uint8_t { Literal, Regex };
  std::vector<std::string> patterns;  // while building
  std::vector<unsigned> flags;        // while building: each pattern's Hyperscan flags
  std::vector<std::string> globs;     // while building: each pattern's glob
  std::vector<uint32_t> atoms;        // pattern id -> atom (kNoAtom: none)
  std::vector<text::Anchor> anchors;  // literal database: where the literal must sit
  std::vector<uint32_t> lengths;      // literal database: the literal's length
  std::shared_ptr<hs_database> db;    // shared by fields with the same patterns
};

// The atoms of one record field, in two databases scanned once each per
// value: the literals (each ASCII case-folded or not; reported once where the
// first match decides: anywhere, prefix, exact; at every occurrence where the
// last one does: suffix) and the other globs as regular expressions.
struct FieldDb {
  std::string field;  // record field ("" keywords: every value)
  HsDb literals, regex;
  HsDb added;    // the literals an earlier database standing in for `literals` lacks (compile_field_dbs)
  struct Slow {  // a glob Hyperscan refused: matched by text::glob_match
    uint32_t atom;
    std::string glob;
    bool cased;
  };
  std::vector<Slow> slow;
  std::vector<uint32_t> always;  // "*": any present text
  std::vector<uint32_t> empty;   // atoms whose glob matches ""
  bool literal_nul = false;      // a literal holds a NUL byte
  bool values_at_once = false;   // joinable(), decided once the databases are compiled

  // Adds atom `atom` for a canonical glob (text/glob.h), ASCII case ignored unless `cased`.
  void add(uint32_t atom, const std::string& glob, bool cased);
  // Whether its atoms are found in several values at once, joined by NUL:
  // literals found anywhere, none holding a NUL (none can span two values).
  bool joinable() const;
};

// What building the databases took: a rule set not seen before is compiled
// (about a second for every SigmaHQ rule), later runs load it from the cache.
struct CompileStats {
  size_t databases = 0;      // distinct pattern sets
  size_t from_cache = 0;     // of them loaded from the cache
  size_t from_earlier = 0;   // of them an earlier database of the field with the patterns it lacks
  size_t added = 0;          // patterns those lacked, compiled alone
  double seconds = 0;        // wall time to compile or load them all
  std::string cache_folder;  // "" when no cache is used
};

// Compiles every database of the fields (identical pattern sets once, in
// parallel, through the on-disk cache); the patterns a database refused become
// slow atoms. Why the cache was not used goes to `warnings`. A large literal
// set not in the cache (a rule edited: SigmaHQ's command-line set takes 0.2 s
// to compile) is matched by the field's last compiled database when that
// holds nearly all of its patterns: its other patterns are ignored and the
// few missing compiled alone into `added`, the same atoms matched.
CompileStats compile_field_dbs(const std::vector<FieldDb*>& fields, std::vector<std::string>& warnings);

// Scratch space for scanning any of the fields' databases (grown from `proto`,
// which may be null); throws std::runtime_error when Hyperscan cannot allocate it.
hs_scratch* scratch_for(const std::vector<const FieldDb*>& fields, hs_scratch* proto);

// Marks the atoms of `d` that match `text` (one value of the field).
void scan_field(const FieldDb& d, std::string_view text, hs_scratch* scratch, AtomHits& hits);

// Marks the atoms of `d` that match any of `values` (a keyword database, on
// every value of a record), as scan_field on each would: in one scan of the
// values joined by NUL when `d` is joinable (`joined` holds them, made by
// the first call for a record: clear it for the next).
void scan_values(const FieldDb& d, const std::vector<std::string_view>& values, std::string& joined,
                 hs_scratch* scratch, AtomHits& hits);

}  // namespace sigma
