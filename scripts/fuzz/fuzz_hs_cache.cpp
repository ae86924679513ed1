// libFuzzer harness: a compiled-pattern cache file (sigma/hs_cache.h) for a
// fixed set of patterns, a field's earlier keys file, and a parsed-rule cache
// file (sigma/rule_cache.h) for fixed rule texts, edited alike. Whatever the bytes, loading never
// trusts a count or an index; a database that loads must scan text without
// going out of bounds, and parsed rules that load must compile.
#include <hs/hs.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sigma/hs_cache.h"
#include "sigma/rule_cache.h"
#include "sigma/rule_set.h"

namespace {

const std::vector<std::string> kPatterns = {"mimikatz", "\\\\temp\\\\", "powershell", "-enc"};
const std::string kKey = "0i8:mimikatz6:\\temp\\10:powershell4:-enc";

// A valid file for the key, so that the fuzzer starts from the structure.
std::string seed() {
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < kPatterns.size(); ++i) {
    exprs.push_back(kPatterns[i].c_str());
    lens.push_back(kPatterns[i].size());
    flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(), static_cast<unsigned>(exprs.size()),
                           HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    if (err) hs_free_compile_error(err);
    std::abort();
  }
  sigma::CachedDb c;
  c.db.reset(db, hs_free_database);
  c.kept = {0, 1, 2, 3};
  return sigma::cache_file_bytes(kKey, c);
}

// A parsed-rule cache file for two rule files (a detection with every kind of
// test and a correlation using it), so that the edits reach each part.
const std::string kRules[2] = {
    "title: t\nid: d\nname: d\nlevel: high\nlogsource:\n  product: windows\n  service: security\ndetection:\n"
    "  s:\n    EventID: 4625\n    IpAddress|cidr: 10.0.0.0/8\n    WorkstationName|re: '^ws\\d+'\n"
    "    Status|exists: false\n  k: ['mimi*katz']\n  condition: s and not k\n",
    "title: c\nid: c\ncorrelation:\n  type: event_count\n  rules: [d]\n  group-by: [IpAddress]\n"
    "  timespan: 5m\n  condition:\n    gte: 3\n"};
const std::vector<sigma::FileText> kRuleFiles = {{"d.yml", kRules[0]}, {"c.yml", kRules[1]}};

std::string rule_seed() {
  std::vector<sigma::ParsedFile> parsed(2);
  for (size_t i = 0; i < 2; ++i) {
    parsed[i].rule = true;
    parsed[i].result = sigma::load_sigma_text(kRules[i], kRuleFiles[i].first);
  }
  return sigma::rule_cache_bytes(kRuleFiles, parsed);
}

// The input's edit of a valid file past its first `fixed` bytes (magic,
// checksum, a pattern file's key hash): its first 4 bytes give the new
// length, the rest are XOR-ed in; the checksum is then written again, so the
// edits reach what follows.
std::string edited(const std::string& valid, const uint8_t* data, size_t size, size_t kFixed) {
  std::string bytes = valid;
  if (size >= 4) {
    uint32_t len = 0;
    std::memcpy(&len, data, 4);
    bytes.resize(kFixed + len % (2 * (valid.size() - kFixed) + 1), '\0');
    data += 4;
    size -= 4;
  }
  for (size_t i = 0; i < size && bytes.size() > kFixed; ++i)
    bytes[kFixed + (i * 131) % (bytes.size() - kFixed)] ^= static_cast<char>(data[i]);
  sigma::seal_cache_file(bytes);
  return bytes;
}

int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  auto* hits = static_cast<std::vector<int>*>(ctx);
  if (id < hits->size()) ++(*hits)[id];  // as the matcher: another id is ignored
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string valid = seed(), valid_rules = rule_seed();
  std::vector<sigma::Rule> rules;
  for (std::optional<sigma::ParsedFile>& p : sigma::rule_cache_parsed(edited(valid_rules, data, size, 16), kRuleFiles))
    if (p)
      for (sigma::Rule& r : p->result.rules) rules.push_back(std::move(r));
  if (!rules.empty()) {
    sigma::SetReport report;
    setenv("EVTXHUNT_CACHE", "off", 1);
    try {
      sigma::RuleSet::build(std::move(rules), report);
    } catch (const std::runtime_error&) {  // a placeholder or value the loader would have refused
    }
  }
  static const std::string valid_keys = sigma::earlier_keys_bytes({kKey, "m09/4:-enc"});
  if (std::optional<std::vector<std::string>> keys = sigma::earlier_keys_of(edited(valid_keys, data, size, 16)))
    if (keys->size() > sigma::HsCache::kEarlierKeys) std::abort();
  std::string bytes = edited(valid, data, size, 32);
  std::optional<sigma::CachedDb> c = sigma::cache_file_database(bytes, kKey, kPatterns.size());
  if (!c) return 0;
  for (uint32_t k : c->kept)
    if (k >= kPatterns.size()) std::abort();
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(c->db.get(), &scratch) != HS_SUCCESS) return 0;
  const std::string text = "C:\\temp\\mimikatz.exe powershell -enc SQBFAFgA";
  std::vector<int> hits(c->kept.size());
  hs_scan(c->db.get(), text.data(), static_cast<unsigned>(text.size()), 0, scratch, on_match, &hits);
  hs_free_scratch(scratch);
  return 0;
}
