#include "sigma/rule_cache.h"

#include <sys/stat.h>
#include <xxhash.h>

#include <cstdio>
#include <unordered_map>

#include "text/byte_codec.h"

namespace sigma {
namespace {

constexpr char kMagic[8] = {'E', 'V', 'R', 'U', 'L', 'E', '2', '\0'};  // 2: errors carry a column
constexpr size_t kMaxFile = 256u << 20;
// After the seal (cache_folder.h), the entries: each a file's path, key (128
// bits: this binary, the path, the text) and parse, length-prefixed.
// Condition trees nested at most this deep are read back (a deeper one: the
// files are parsed again).
constexpr int kMaxConditionDepth = 200;

// This binary: a rebuilt or reinstalled evtxhunt (whose loader may differ) does not take another's parses.
std::string binary_identity() {
  struct stat st {};
  if (::stat("/proc/self/exe", &st) != 0) return "unknown";
  char id[160];
  std::snprintf(id, sizeof id, "%llu:%llu:%lld:%lld.%09ld", static_cast<unsigned long long>(st.st_dev),
                static_cast<unsigned long long>(st.st_ino), static_cast<long long>(st.st_size),
                static_cast<long long>(st.st_mtim.tv_sec), static_cast<long>(st.st_mtim.tv_nsec));
  return id;
}

// A file's key: this binary, its path and its text.
XXH128_hash_t key_of(const FileText& file) {
  static const std::string binary = binary_identity();
  XXH3_state_t* st = XXH3_createState();
  XXH3_128bits_reset(st);
  for (std::string_view part : {std::string_view(binary), std::string_view(file.first), file.second}) {
    uint64_t n = part.size();
    XXH3_128bits_update(st, &n, sizeof n);
    XXH3_128bits_update(st, part.data(), part.size());
  }
  XXH128_hash_t h = XXH3_128bits_digest(st);
  XXH3_freeState(st);
  return h;
}

class Writer : public text::ByteWriter {
 public:
  void condition(const Condition& c) {
    varint(static_cast<uint64_t>(c.kind));
    string(c.name);
    varint(c.args.size());
    for (const auto& a : c.args) condition(*a);
  }
  void test(const FieldTest& t) {
    string(t.field);
    varint(static_cast<uint64_t>(t.op));
    varint(static_cast<uint64_t>(t.part));
    varint(uint64_t(t.all) | uint64_t(t.cased) << 1 | uint64_t(t.negate) << 2 | uint64_t(t.expected) << 3);
    strings(t.values);
    strings(t.placeholders);
  }
  void optional(const std::optional<int64_t>& v) {
    varint(v.has_value());
    if (v) svarint(*v);
  }
  void rule(const Rule& r) {
    varint(static_cast<uint64_t>(r.kind));
    for (const std::string* v : {&r.id, &r.name, &r.title, &r.description, &r.author, &r.status}) string(*v);
    varint(r.level ? static_cast<uint64_t>(*r.level) + 1 : 0);
    strings(r.tags);
    strings(r.references);
    strings(r.falsepositives);
    varint(static_cast<uint64_t>(r.line));
    for (const std::string* v : {&r.logsource.product, &r.logsource.category, &r.logsource.service}) string(*v);
    varint(r.selections.size());
    for (const Selection& sel : r.selections) {
      string(sel.name);
      varint(sel.alternatives.size());
      for (const auto& alt : sel.alternatives) {
        varint(alt.size());
        for (const FieldTest& t : alt) test(t);
      }
    }
    varint(r.conditions.size());
    for (const auto& c : r.conditions) condition(*c);
    const Correlation& k = r.correlation;
    varint(static_cast<uint64_t>(k.type));
    strings(k.rules);
    strings(k.group_by);
    svarint(k.timespan);
    for (const std::optional<int64_t>* v : {&k.gt, &k.gte, &k.lt, &k.lte, &k.eq, &k.neq}) optional(*v);
    string(k.field);
    varint(k.aliases.size());
    for (const auto& [alias, fields] : k.aliases) {
      string(alias);
      varint(fields.size());
      for (const auto& [rule_name, field] : fields) {
        string(rule_name);
        string(field);
      }
    }
    varint(k.generate);
    strings(r.filter_rules);
  }
};

class Reader : public text::ByteReader {
 public:
  Reader(std::string_view bytes) : ByteReader(bytes, "rule cache: ", 64 * bytes.size() + (1u << 20)) {}

  std::unique_ptr<Condition> condition(int depth) {
    if (depth > kMaxConditionDepth) fail("a condition nested too deep");
    charge(sizeof(Condition));
    auto c = std::make_unique<Condition>();
    c->kind = small<Condition::Kind>(static_cast<uint64_t>(Condition::Kind::AllOf), "condition kind");
    c->name = string();
    for (size_t n = count(sizeof(void*)); n > 0; --n) c->args.push_back(condition(depth + 1));
    return c;
  }
  FieldTest test() {
    FieldTest t;
    t.field = string();
    t.op = small<FieldTest::Op>(static_cast<uint64_t>(FieldTest::Op::Cidr), "test");
    t.part = small<FieldTest::TimePart>(static_cast<uint64_t>(FieldTest::TimePart::Year), "time part");
    uint64_t flags = small<uint64_t>(15, "test flags");
    t.all = flags & 1;
    t.cased = flags & 2;
    t.negate = flags & 4;
    t.expected = flags & 8;
    t.values = strings();
    t.placeholders = strings();
    return t;
  }
  std::optional<int64_t> optional() {
    if (!small<uint64_t>(1, "flag")) return std::nullopt;
    return svarint();
  }
  Rule rule(const std::string& file) {
    charge(sizeof(Rule));
    Rule r;
    r.kind = small<Rule::Kind>(static_cast<uint64_t>(Rule::Kind::Filter), "rule kind");
    for (std::string* v : {&r.id, &r.name, &r.title, &r.description, &r.author, &r.status}) *v = string();
    if (uint64_t level = small<uint64_t>(static_cast<uint64_t>(rules::Level::Critical) + 1, "level"))
      r.level = static_cast<rules::Level>(level - 1);
    r.tags = strings();
    r.references = strings();
    r.falsepositives = strings();
    r.file = file;
    r.line = static_cast<int>(small<uint64_t>(INT32_MAX, "line"));
    for (std::string* v : {&r.logsource.product, &r.logsource.category, &r.logsource.service}) *v = string();
    r.selections.resize(count(sizeof(Selection)));
    for (Selection& sel : r.selections) {
      sel.name = string();
      sel.alternatives.resize(count(sizeof(sel.alternatives[0])));
      for (auto& alt : sel.alternatives)
        for (size_t n = count(sizeof(FieldTest)); n > 0; --n) alt.push_back(test());
    }
    for (size_t n = count(sizeof(void*)); n > 0; --n) r.conditions.push_back(condition(0));
    Correlation& k = r.correlation;
    k.type = small<Correlation::Type>(static_cast<uint64_t>(Correlation::Type::TemporalOrdered), "correlation");
    k.rules = strings();
    k.group_by = strings();
    k.timespan = svarint();
    for (std::optional<int64_t>* v : {&k.gt, &k.gte, &k.lt, &k.lte, &k.eq, &k.neq}) *v = optional();
    k.field = string();
    k.aliases.resize(count(sizeof(k.aliases[0])));
    for (auto& [alias, fields] : k.aliases) {
      alias = string();
      fields.resize(count(sizeof(fields[0])));
      for (auto& [rule_name, field] : fields) {
        rule_name = string();
        field = string();
      }
    }
    k.generate = small<uint64_t>(1, "flag") != 0;
    r.filter_rules = strings();
    return r;
  }
};

}  // namespace

std::string rule_cache_bytes(const std::vector<FileText>& files, const std::vector<ParsedFile>& parsed) {
  text::ByteWriter body;
  body.varint(parsed.size());
  for (size_t f = 0; f < parsed.size(); ++f) {
    const ParsedFile& p = parsed[f];
    XXH128_hash_t key = key_of(files[f]);
    body.string(files[f].first);
    body.u64(key.high64);
    body.u64(key.low64);
    Writer w;  // the entry, length-prefixed: a reader skips the files it does not need
    w.varint(p.rule);
    w.varint(p.result.rules.size());
    for (const Rule& r : p.result.rules) w.rule(r);
    w.varint(p.result.errors.size());
    for (const LoadError& e : p.result.errors) {
      w.varint(static_cast<uint64_t>(e.line));
      w.varint(static_cast<uint64_t>(e.column));
      w.string(e.message);
    }
    body.string(w.out);
  }
  return sealed(std::string_view(kMagic, 8), body.out);
}

std::vector<std::optional<ParsedFile>> rule_cache_parsed(std::string_view data, const std::vector<FileText>& files) {
  std::vector<std::optional<ParsedFile>> out(files.size());
  if (data.size() > kMaxFile || !is_sealed(data, std::string_view(kMagic, 8))) return out;
  std::unordered_map<std::string_view, size_t> index;  // path -> file
  for (size_t f = 0; f < files.size(); ++f) index.emplace(files[f].first, f);
  try {
    text::ByteReader entries(data.substr(kSealSize), "rule cache: ", data.size());
    for (size_t n = entries.count(); n > 0; --n) {
      std::string path = entries.string();
      uint64_t high = entries.u64(), low = entries.u64();
      std::string bytes = entries.string();
      auto it = index.find(path);
      if (it == index.end() || out[it->second]) continue;
      XXH128_hash_t key = key_of(files[it->second]);
      if (key.high64 != high || key.low64 != low) continue;  // the file changed (or evtxhunt did)
      try {
        Reader r(bytes);
        ParsedFile p;
        p.rule = r.small<uint64_t>(1, "flag") != 0;
        for (size_t k = r.count(); k > 0; --k) p.result.rules.push_back(r.rule(path));
        p.result.errors.resize(r.count(sizeof(LoadError)));
        for (LoadError& e : p.result.errors) {
          e.file = path;
          e.line = static_cast<int>(r.small<uint64_t>(INT32_MAX, "line"));
          e.column = static_cast<int>(r.small<uint64_t>(INT32_MAX, "column"));
          e.message = r.string();
        }
        if (r.done()) out[it->second] = std::move(p);
      } catch (const text::DecodeError&) {  // this entry: parsed again
      }
    }
  } catch (const text::DecodeError&) {  // the entries after the damage: parsed again
  }
  return out;
}

namespace {

std::string slot_name(std::string_view slot) {
  char name[48];
  std::snprintf(name, sizeof name, "rules-%016llx.bin",
                static_cast<unsigned long long>(XXH3_64bits(slot.data(), slot.size())));
  return name;
}

}  // namespace

std::vector<std::optional<ParsedFile>> RuleCache::load(std::string_view slot,
                                                       const std::vector<FileText>& files) const {
  std::optional<std::string> data = folder_.read(slot_name(slot), kMaxFile);
  if (!data) return std::vector<std::optional<ParsedFile>>(files.size());
  return rule_cache_parsed(*data, files);
}

void RuleCache::store(std::string_view slot, const std::vector<FileText>& files,
                      const std::vector<ParsedFile>& parsed) const {
  if (!folder_.folder()) return;
  std::string data = rule_cache_bytes(files, parsed);
  if (data.size() <= kMaxFile) folder_.write(slot_name(slot), data);
}

}  // namespace sigma
