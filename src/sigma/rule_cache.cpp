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
    u(static_cast<uint64_t>(c.kind));
    s(c.name);
    u(c.args.size());
    for (const auto& a : c.args) condition(*a);
  }
  void test(const FieldTest& t) {
    s(t.field);
    u(static_cast<uint64_t>(t.op));
    u(static_cast<uint64_t>(t.part));
    u(uint64_t(t.all) | uint64_t(t.cased) << 1 | uint64_t(t.negate) << 2 | uint64_t(t.expected) << 3);
    strings(t.values);
    strings(t.placeholders);
  }
  void optional(const std::optional<int64_t>& v) {
    u(v.has_value());
    if (v) i(*v);
  }
  void rule(const Rule& r) {
    u(static_cast<uint64_t>(r.kind));
    for (const std::string* v : {&r.id, &r.name, &r.title, &r.description, &r.author, &r.status}) s(*v);
    u(r.level ? static_cast<uint64_t>(*r.level) + 1 : 0);
    strings(r.tags);
    strings(r.references);
    strings(r.falsepositives);
    u(static_cast<uint64_t>(r.line));
    for (const std::string* v : {&r.logsource.product, &r.logsource.category, &r.logsource.service}) s(*v);
    u(r.selections.size());
    for (const Selection& sel : r.selections) {
      s(sel.name);
      u(sel.alternatives.size());
      for (const auto& alt : sel.alternatives) {
        u(alt.size());
        for (const FieldTest& t : alt) test(t);
      }
    }
    u(r.conditions.size());
    for (const auto& c : r.conditions) condition(*c);
    const Correlation& k = r.correlation;
    u(static_cast<uint64_t>(k.type));
    strings(k.rules);
    strings(k.group_by);
    i(k.timespan);
    for (const std::optional<int64_t>* v : {&k.gt, &k.gte, &k.lt, &k.lte, &k.eq, &k.neq}) optional(*v);
    s(k.field);
    u(k.aliases.size());
    for (const auto& [alias, fields] : k.aliases) {
      s(alias);
      u(fields.size());
      for (const auto& [rule_name, field] : fields) {
        s(rule_name);
        s(field);
      }
    }
    u(k.generate);
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
    c->name = s();
    for (size_t n = count(sizeof(void*)); n > 0; --n) c->args.push_back(condition(depth + 1));
    return c;
  }
  FieldTest test() {
    FieldTest t;
    t.field = s();
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
    return i();
  }
  Rule rule(const std::string& file) {
    charge(sizeof(Rule));
    Rule r;
    r.kind = small<Rule::Kind>(static_cast<uint64_t>(Rule::Kind::Filter), "rule kind");
    for (std::string* v : {&r.id, &r.name, &r.title, &r.description, &r.author, &r.status}) *v = s();
    if (uint64_t level = small<uint64_t>(static_cast<uint64_t>(rules::Level::Critical) + 1, "level"))
      r.level = static_cast<rules::Level>(level - 1);
    r.tags = strings();
    r.references = strings();
    r.falsepositives = strings();
    r.file = file;
    r.line = static_cast<int>(small<uint64_t>(INT32_MAX, "line"));
    for (std::string* v : {&r.logsource.product, &r.logsource.category, &r.logsource.service}) *v = s();
    r.selections.resize(count(sizeof(Selection)));
    for (Selection& sel : r.selections) {
      sel.name = s();
      sel.alternatives.resize(count(sizeof(sel.alternatives[0])));
      for (auto& alt : sel.alternatives)
        for (size_t n = count(sizeof(FieldTest)); n > 0; --n) alt.push_back(test());
    }
    for (size_t n = count(sizeof(void*)); n > 0; --n) r.conditions.push_back(condition(0));
    Correlation& k = r.correlation;
    k.type = small<Correlation::Type>(static_cast<uint64_t>(Correlation::Type::TemporalOrdered), "correlation");
    k.rules = strings();
    k.group_by = strings();
    k.timespan = i();
    for (std::optional<int64_t>* v : {&k.gt, &k.gte, &k.lt, &k.lte, &k.eq, &k.neq}) *v = optional();
    k.field = s();
    k.aliases.resize(count(sizeof(k.aliases[0])));
    for (auto& [alias, fields] : k.aliases) {
      alias = s();
      fields.resize(count(sizeof(fields[0])));
      for (auto& [rule_name, field] : fields) {
        rule_name = s();
        field = s();
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
  body.u(parsed.size());
  for (size_t f = 0; f < parsed.size(); ++f) {
    const ParsedFile& p = parsed[f];
    XXH128_hash_t key = key_of(files[f]);
    body.s(files[f].first);
    body.u64(key.high64);
    body.u64(key.low64);
    Writer w;  // the entry, length-prefixed: a reader skips the files it does not need
    w.u(p.rule);
    w.u(p.result.rules.size());
    for (const Rule& r : p.result.rules) w.rule(r);
    w.u(p.result.errors.size());
    for (const LoadError& e : p.result.errors) {
      w.u(static_cast<uint64_t>(e.line));
      w.u(static_cast<uint64_t>(e.column));
      w.s(e.message);
    }
    body.s(w.out);
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
      std::string path = entries.s();
      uint64_t high = entries.u64(), low = entries.u64();
      std::string bytes = entries.s();
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
          e.message = r.s();
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
