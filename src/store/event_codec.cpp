// The event codec. EventEncoder writes the 64-byte header, the rule-match lists, the System
// fields the header lacks, the data fields (names pooled, each layout's names encoded once; the
// values of a fixed set of repeating fields pooled) and the normalized columns (one equal to a
// data field's text stored as a reference to it), and sets the content hash: one XXH3 over the
// record's own values and names. EventView reads the bytes in place without checking them: they
// are only ever this encoder's, in memory or in the store's spill files.
#include "store/event_codec.h"

#include <xxhash.h>

#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "evtx/value.h"
#include "text/ascii_case.h"
#include "text/varint.h"

namespace store {
namespace {

using evtx::RawValue;
using evtx::SystemField;
using evtx::ValueType;
using normalize::Field;
using normalize::FieldValue;

// ---- bytes ------------------------------------------------------------------

using text::put_varint;
using text::unzigzag;
using text::zigzag;
uint64_t get_varint(const uint8_t*& p) { return text::get_varint_unchecked(p); }

void put_i64(std::string& out, int64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
int64_t get_i64(const uint8_t*& p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  p += 8;
  return v;
}

// String references: the low two bits of the leading varint say where the text is.
enum StringTag : uint64_t { kInline = 0, kPooled = 1, kDataField = 2 };

bool is_text(uint8_t type) {
  auto t = static_cast<ValueType>(type);
  return t == ValueType::String || t == ValueType::AnsiString || t == ValueType::Utf8;
}

// Data fields whose values repeat across events (paths, accounts, labels).
bool interned_field(std::string_view name) {
  static const std::unordered_set<std::string_view> names = {"Image",
                                                             "ParentImage",
                                                             "NewProcessName",
                                                             "ParentProcessName",
                                                             "ProcessName",
                                                             "Application",
                                                             "SourceImage",
                                                             "TargetImage",
                                                             "ImageLoaded",
                                                             "User",
                                                             "ParentUser",
                                                             "SubjectUserName",
                                                             "SubjectDomainName",
                                                             "SubjectUserSid",
                                                             "TargetUserName",
                                                             "TargetDomainName",
                                                             "TargetUserSid",
                                                             "IntegrityLevel",
                                                             "Company",
                                                             "Product",
                                                             "Description",
                                                             "FileVersion",
                                                             "OriginalFileName",
                                                             "Signature",
                                                             "SignatureStatus",
                                                             "Protocol",
                                                             "CurrentDirectory",
                                                             "LogonProcessName",
                                                             "AuthenticationPackageName",
                                                             "WorkstationName",
                                                             "ServiceName",
                                                             "Direction",
                                                             "LayerName",
                                                             "RuleName",
                                                             "EventType",
                                                             "param1",
                                                             "param2",
                                                             "TokenElevationType",
                                                             "MandatoryLabel",
                                                             "Status"};
  return names.count(name) > 0;
}

bool interned_column(Field f) {
  switch (f) {
    case Field::ActionType:
    case Field::FileName:
    case Field::FolderPath:
    case Field::AccountDomain:
    case Field::AccountName:
    case Field::AccountSid:
    case Field::ProcessIntegrityLevel:
    case Field::InitiatingProcessFileName:
    case Field::InitiatingProcessFolderPath:
    case Field::Protocol:
    case Field::LogonType: return true;
    default: return false;
  }
}

// Normalized columns the header already holds (or replay sets).
bool header_column(Field f) {
  switch (f) {
    case Field::Timestamp:
    case Field::DeviceId:
    case Field::DeviceName:
    case Field::SourceFile:
    case Field::EventRecordID:
    case Field::Provider:
    case Field::Channel:
    case Field::EventID:
    case Field::LastBootTime: return true;
    default: return false;
  }
}

// System fields the header holds.
bool header_system(SystemField f) {
  return f == SystemField::ProviderName || f == SystemField::EventId || f == SystemField::Channel ||
         f == SystemField::Computer || f == SystemField::TimeCreated || f == SystemField::EventRecordId;
}

std::string_view text_of(const RawValue& v, std::string& scratch) {
  scratch.clear();
  if (static_cast<ValueType>(v.type) == ValueType::Utf8) return {reinterpret_cast<const char*>(v.data), v.size};
  evtx::append_value_text(scratch, v);
  return scratch;
}

}  // namespace

// ---- encoding ---------------------------------------------------------------

EventEncoder::EventEncoder(StringPool& pool) : cache_(pool) {}
EventEncoder::~EventEncoder() = default;

uint32_t EventEncoder::header_name(size_t slot, std::string_view text) {
  LastName& last = last_names_[slot];
  if (!last.id || last.text != text) {
    last.id = *cache_.intern(text, true);
    last.text.assign(text);
  }
  return *last.id;
}

void EventEncoder::put_string(std::string& out, std::string_view s, bool intern) {
  if (intern) {
    if (auto id = cache_.intern(s)) {
      put_varint(out, (uint64_t(*id) << 2) | kPooled);
      return;
    }
  }
  put_varint(out, (uint64_t(s.size()) << 2) | kInline);
  out.append(s);
}

const EventEncoder::LayoutCodes& EventEncoder::codes_for(const evtx::DataLayout& layout) {
  auto it = layouts_.find(layout.id);
  if (it != layouts_.end()) return it->second;
  LayoutCodes c;
  for (const std::string& name : layout.names) {
    put_string(c.names, name, true);
    c.end.push_back(static_cast<uint32_t>(c.names.size()));
    c.intern_value.push_back(interned_field(name));
  }
  return layouts_.emplace(layout.id, std::move(c)).first->second;
}

void EventEncoder::put_value(std::string& out, const RawValue& v, bool intern, std::optional<std::string_view> text) {
  out += static_cast<char>(v.type);
  if (is_text(v.type)) {
    put_string(out, text ? *text : text_of(v, text_), intern);
    return;
  }
  put_varint(out, v.size);
  out.append(reinterpret_cast<const char*>(v.data), v.size);
}

void EventEncoder::encode(const EncodeInput& in, const normalize::NormalizedEvent* norm, uint8_t seq,
                          std::string& out) {
  const evtx::RecordFields& f = *in.fields;
  const size_t start = out.size();
  out.resize(start + sizeof(EventHeader));
  EventHeader h{};
  h.time_created = in.time_created;
  h.timestamp = norm ? norm->timestamp() : in.time_created;
  h.ordinal = in.ordinal;
  h.record_id = in.record_id;
  h.file_id = in.file_id;
  h.event_id = in.event_id;
  h.seq = seq;
  bool rules = (in.matched && !in.matched->empty()) || (in.deferred && !in.deferred->empty());
  h.flags =
      static_cast<uint8_t>((norm ? kHasNormalized : 0) | (in.damaged ? kDamaged : 0) | (rules ? kRuleMatches : 0) |
                           (norm && norm->table == normalize::Table::Network ? kNetworkEvent : 0) |
                           (norm && norm->table == normalize::Table::Process ? kProcessEvent : 0));
  std::optional<normalize::RecordAccess> own;
  const normalize::RecordAccess& rec = in.rec ? *in.rec : own.emplace(f, in.record_id, &texts_);
  h.provider_id = header_name(0, rec.provider());
  h.channel_id = header_name(1, rec.channel());
  h.computer_id = header_name(2, rec.computer());

  if (rules) {
    for (const std::vector<uint32_t>* list : {in.matched, in.deferred}) {
      put_varint(out, list ? list->size() : 0);
      if (list)
        for (uint32_t r : *list) put_varint(out, r);
    }
  }

  // The content hash covers the record's own bytes: every System and data
  // value with its type, every data name (gathered, then hashed in one call:
  // the same hash as XXH3's streaming over the pieces, without a call per piece).
  hashed_.clear();
  auto hash_value = [&](const RawValue& v) {
    hashed_ += static_cast<char>(v.type);
    uint32_t size = v.size;
    hashed_.append(reinterpret_cast<const char*>(&size), 4);
    if (v.size) hashed_.append(reinterpret_cast<const char*>(v.data), v.size);
  };

  uint8_t n_system = 0;
  for (size_t i = 0; i < evtx::kSystemFieldCount; ++i)
    if (!header_system(static_cast<SystemField>(i)) && f.system[i].type != 0) ++n_system;
  out += static_cast<char>(n_system);
  for (size_t i = 0; i < evtx::kSystemFieldCount; ++i) {
    hash_value(f.system[i]);
    if (header_system(static_cast<SystemField>(i)) || f.system[i].type == 0) continue;
    out += static_cast<char>(i);
    put_value(out, f.system[i],
              i == static_cast<size_t>(SystemField::UserId) || i == static_cast<size_t>(SystemField::ProviderGuid));
  }

  out += static_cast<char>(f.data_kind);
  put_varint(out, f.data.size());
  data_text_.resize(f.data.size());
  const LayoutCodes* codes = f.layout ? &codes_for(*f.layout) : nullptr;
  for (size_t i = 0; i < f.data.size(); ++i) {
    const auto& [name, v] = f.data[i];
    hashed_.append(name).push_back('\0');
    hash_value(v);
    std::optional<std::string_view> text;
    if (is_text(v.type)) text = rec.data_text(i);
    if (codes) {
      uint32_t begin = i ? codes->end[i - 1] : 0;
      out.append(codes->names, begin, codes->end[i] - begin);
      put_value(out, v, codes->intern_value[i], text);
    } else {
      put_string(out, name, true);
      put_value(out, v, interned_field(name), text);
    }
    data_text_[i] = {};
    // Texts a normalized column may repeat (command lines, paths, GUIDs).
    if (norm && (is_text(v.type) || static_cast<ValueType>(v.type) == ValueType::Guid))
      data_text_[i] = rec.data_text(i);
  }
  h.content_hash = XXH3_64bits(hashed_.data(), hashed_.size());

  if (norm) {
    out += static_cast<char>(norm->table);
    out += static_cast<char>(norm->boot);
    out += static_cast<char>(norm->time_source);
    out += static_cast<char>((norm->inbound.pending ? 1 : 0) | (norm->inbound.source_named_self ? 2 : 0) |
                             (norm->inbound.dest_named_self ? 4 : 0));
    uint64_t present = 0;
    for (size_t i = 0; i < normalize::kFieldCount; ++i)
      if (!header_column(static_cast<Field>(i)) && norm->fields[i].known()) present |= uint64_t(1) << i;
    put_varint(out, present);
    for (size_t i = 0; i < normalize::kFieldCount; ++i) {
      if (!(present & (uint64_t(1) << i))) continue;
      const FieldValue& v = norm->fields[i];
      out += static_cast<char>(v.kind);
      if (v.kind == FieldValue::Kind::Int) {
        put_varint(out, zigzag(v.i));
      } else if (v.kind == FieldValue::Kind::Time) {
        put_i64(out, v.i);
      } else {
        size_t same = data_text_.size();
        if (v.s.size() > 2)
          for (size_t k = 0; k < data_text_.size() && same == data_text_.size(); ++k)
            if (data_text_[k] == v.s) same = k;
        if (same < data_text_.size())
          put_varint(out, (uint64_t(same) << 2) | kDataField);
        else
          put_string(out, v.s, interned_column(static_cast<Field>(i)));
      }
    }
    put_string(out, norm->timestamp_note, false);
  }
  h.size = static_cast<uint32_t>(out.size() - start);
  std::memcpy(out.data() + start, &h, sizeof h);
}

// ---- decoding ---------------------------------------------------------------

namespace {

struct Reader {
  const uint8_t* p;
  const StringPool* pool;

  std::string_view string() {
    uint64_t tag = get_varint(p);
    switch (tag & 3) {
      case kInline: {
        std::string_view s(reinterpret_cast<const char*>(p), tag >> 2);
        p += tag >> 2;
        return s;
      }
      case kPooled: return pool->at(static_cast<uint32_t>(tag >> 2));
      default: throw std::runtime_error("event store: bad string reference");
    }
  }
  // A string's pool id, or nullopt (skipped) when it is kept inline.
  std::optional<uint32_t> string_id() {
    uint64_t tag = get_varint(p);
    if ((tag & 3) == kPooled) return static_cast<uint32_t>(tag >> 2);
    if ((tag & 3) != kInline) throw std::runtime_error("event store: bad string reference");
    p += tag >> 2;
    return std::nullopt;
  }
  RawValue value() {
    uint8_t type = *p++;
    if (is_text(type)) return RawValue::utf8(string());
    RawValue v;
    v.type = type;
    v.size = static_cast<uint32_t>(get_varint(p));
    v.data = p;
    p += v.size;
    return v;
  }
  // Skips the System fields; returns the start of the data section.
  void skip_system() {
    uint8_t n = *p++;
    for (uint8_t i = 0; i < n; ++i) {
      ++p;
      value();
    }
  }
};

}  // namespace

// The start of the System fields: after the header and the rules section.
static const uint8_t* body_start(const uint8_t* event, const EventHeader& h) {
  const uint8_t* p = event + sizeof(EventHeader);
  if (h.flags & kRuleMatches)
    for (int list = 0; list < 2; ++list) {
      uint64_t n = get_varint(p);
      for (uint64_t i = 0; i < n; ++i) get_varint(p);
    }
  return p;
}

EventView::EventView(const uint8_t* event, const StringPool& pool) : p_(event), pool_(&pool), h_(header_of(event)) {}

void EventView::rule_matches(std::vector<uint32_t>& matched, std::vector<uint32_t>& deferred) const {
  matched.clear();
  deferred.clear();
  if (!(h_.flags & kRuleMatches)) return;
  const uint8_t* p = p_ + sizeof(EventHeader);
  for (std::vector<uint32_t>* list : {&matched, &deferred}) {
    uint64_t n = get_varint(p);
    for (uint64_t i = 0; i < n; ++i) list->push_back(static_cast<uint32_t>(get_varint(p)));
  }
}

void EventView::for_each_system(const std::function<void(SystemField, const RawValue&)>& fn) const {
  Reader r{body_start(p_, h_), pool_};
  uint8_t n = *r.p++;
  for (uint8_t i = 0; i < n; ++i) {
    auto f = static_cast<SystemField>(*r.p++);
    RawValue v = r.value();
    fn(f, v);
  }
}

void EventView::for_each_data(const std::function<void(std::string_view, const RawValue&)>& fn) const {
  Reader r{body_start(p_, h_), pool_};
  r.skip_system();
  ++r.p;  // data kind
  uint64_t n = get_varint(r.p);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name = r.string();
    RawValue v = r.value();
    fn(name, v);
  }
}

bool EventView::data_name_ids(std::vector<uint32_t>& ids) const {
  ids.clear();
  Reader r{body_start(p_, h_), pool_};
  r.skip_system();
  ++r.p;  // data kind
  uint64_t n = get_varint(r.p);
  for (uint64_t i = 0; i < n; ++i) {
    std::optional<uint32_t> id = r.string_id();
    if (!id) return false;
    ids.push_back(*id);
    r.value();
  }
  return true;
}

void EventView::decode_normalized(normalize::NormalizedEvent& out, std::string_view source_file) const {
  Reader r{body_start(p_, h_), pool_};
  r.skip_system();
  ++r.p;
  uint64_t n = get_varint(r.p);
  std::vector<std::string_view> texts(n);
  std::vector<std::string> rendered(n);  // GUIDs a column may repeat
  for (uint64_t i = 0; i < n; ++i) {
    r.string();
    RawValue v = r.value();
    if (static_cast<ValueType>(v.type) == ValueType::Utf8) {
      texts[i] = {reinterpret_cast<const char*>(v.data), v.size};
    } else if (static_cast<ValueType>(v.type) == ValueType::Guid) {
      evtx::append_value_text(rendered[i], v);
      texts[i] = rendered[i];
    }
  }
  out.table = static_cast<normalize::Table>(*r.p++);
  out.boot = static_cast<normalize::BootMarker>(*r.p++);
  out.time_source = static_cast<normalize::TimeSource>(*r.p++);
  uint8_t inbound = *r.p++;
  out.inbound = {(inbound & 1) != 0, (inbound & 2) != 0, (inbound & 4) != 0};
  uint64_t present = get_varint(r.p);
  for (size_t i = 0; i < normalize::kFieldCount; ++i) {
    if (!(present & (uint64_t(1) << i))) continue;
    auto kind = static_cast<FieldValue::Kind>(*r.p++);
    FieldValue& v = out.fields[i];
    v.kind = kind;
    if (kind == FieldValue::Kind::Int) {
      v.i = unzigzag(get_varint(r.p));
    } else if (kind == FieldValue::Kind::Time) {
      v.i = get_i64(r.p);
    } else {
      const uint8_t* at = r.p;
      uint64_t tag = get_varint(at);
      if ((tag & 3) == kDataField) {
        r.p = at;
        v.s.assign(texts.at(tag >> 2));
      } else {
        v.s.assign(r.string());
      }
    }
  }
  out.timestamp_note.assign(r.string());
  out.time_created = h_.time_created;
  std::string_view computer = pool_->at(h_.computer_id);
  auto text = [&](Field f, std::string_view s) -> std::string& {
    FieldValue& v = out[f];
    v.kind = FieldValue::Kind::String;
    v.s.assign(s);
    return v.s;
  };
  out[Field::Timestamp] = FieldValue::time(h_.timestamp);
  text(Field::DeviceName, computer);
  ::text::lower_in_place(text(Field::DeviceId, computer));
  text(Field::SourceFile, source_file);
  out[Field::EventRecordID] = FieldValue::integer(static_cast<int64_t>(h_.record_id));
  text(Field::Provider, pool_->at(h_.provider_id));
  text(Field::Channel, pool_->at(h_.channel_id));
  out[Field::EventID] = FieldValue::integer(h_.event_id);
}

}  // namespace store
