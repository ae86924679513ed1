// libFuzzer harness: a compiled-pattern cache file (sigma/hs_cache.h) for a
// fixed set of patterns. Whatever the bytes, loading never trusts a count or
// an index; a database that loads must scan text without going out of bounds.
#include <hs/hs.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sigma/hs_cache.h"

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

int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  auto* hits = static_cast<std::vector<int>*>(ctx);
  if (id < hits->size()) ++(*hits)[id];  // as the matcher: another id is ignored
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string valid = seed();
  // The input edits a valid file past its header (magic, checksum, key hash):
  // its first 4 bytes give the new length, the rest are XOR-ed in; the
  // checksum is then written again, so the edits reach the counts, indices
  // and Hyperscan's bytes, which must all be checked.
  constexpr size_t kFixed = 32;
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
