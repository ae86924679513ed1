#include "normalize/record_access.h"

#include "evtx/value.h"
#include "normalize/mapping_util.h"

namespace normalize {

using evtx::RawValue;
using evtx::SystemField;
using evtx::ValueType;

std::string value_text(const RawValue& v) {
  std::string s;
  evtx::append_value_text(s, v);
  return s;
}

std::optional<int64_t> value_integer(const RawValue& v) {
  if (v.is_null() || v.is_array()) return std::nullopt;
  auto le = [&](unsigned n) {
    uint64_t x = 0;
    for (unsigned i = n; i-- > 0;) x = (x << 8) | v.data[i];
    return x;
  };
  switch (v.base_type()) {
    case ValueType::Int8:
      if (v.size >= 1) return static_cast<int8_t>(le(1));
      break;
    case ValueType::UInt8:
      if (v.size >= 1) return static_cast<int64_t>(le(1));
      break;
    case ValueType::Int16:
      if (v.size >= 2) return static_cast<int16_t>(le(2));
      break;
    case ValueType::UInt16:
      if (v.size >= 2) return static_cast<int64_t>(le(2));
      break;
    case ValueType::Int32:
      if (v.size >= 4) return static_cast<int32_t>(le(4));
      break;
    case ValueType::UInt32:
    case ValueType::HexInt32:
      if (v.size >= 4) return static_cast<int64_t>(le(4));
      break;
    case ValueType::Int64:
    case ValueType::UInt64:
    case ValueType::HexInt64:
      if (v.size >= 8) return static_cast<int64_t>(le(8));
      break;
    case ValueType::SizeT:
      if (v.size == 4 || v.size == 8) return static_cast<int64_t>(le(v.size));
      break;
    case ValueType::String:
    case ValueType::AnsiString:
    case ValueType::Utf8: return parse_int(value_text(v));
    default: break;
  }
  return std::nullopt;
}

std::optional<uint64_t> value_filetime(const RawValue& v) {
  if (v.base_type() == ValueType::FileTime && v.size >= 8 && !v.is_array()) {
    uint64_t ft = 0;
    for (int i = 7; i >= 0; --i) ft = (ft << 8) | v.data[i];
    return ft;
  }
  if (v.is_null()) return std::nullopt;
  return evtx::parse_iso_filetime(value_text(v));
}

const std::string& RecordTexts::system(size_t slot, const RawValue& v) {
  Slot& s = slots_[slot];
  std::string_view bytes(reinterpret_cast<const char*>(v.data), v.data ? v.size : 0);
  if (!s.set || s.raw.size() != bytes.size() + 1 || static_cast<uint8_t>(s.raw[0]) != v.type ||
      std::string_view(s.raw).substr(1) != bytes) {
    s.raw.assign(1, static_cast<char>(v.type)).append(bytes);
    s.text.clear();
    evtx::append_value_text(s.text, v);
    s.set = true;
  }
  return s.text;
}

void RecordTexts::start(size_t data_fields) {
  if (data_.size() < data_fields) data_.resize(data_fields);
  done_.assign(data_fields, 0);
}

std::string_view RecordTexts::data(size_t i, const RawValue& v) {
  if (static_cast<ValueType>(v.type) == ValueType::Utf8) return {reinterpret_cast<const char*>(v.data), v.size};
  if (!done_[i]) {
    data_[i].clear();
    evtx::append_value_text(data_[i], v);
    done_[i] = 1;
  }
  return data_[i];
}

RecordAccess::RecordAccess(const evtx::RecordFields& f, uint64_t header_record_id, RecordTexts* texts)
    : fields_(f), texts_(texts ? texts : &own_texts_.emplace()) {
  texts_->start(f.data.size());
  provider_ = &texts_->system(0, f[SystemField::ProviderName]);
  channel_ = &texts_->system(1, f[SystemField::Channel]);
  computer_ = &texts_->system(2, f[SystemField::Computer]);
  event_id_ = evtx::event_id_of(f[SystemField::EventId]);
  version_ = static_cast<uint8_t>(value_integer(f[SystemField::Version]).value_or(0));
  time_created_ = ticks_of_filetime(value_filetime(f[SystemField::TimeCreated]).value_or(0));
  auto rid = value_integer(f[SystemField::EventRecordId]);
  event_record_id_ = rid ? static_cast<uint64_t>(*rid) : header_record_id;
}

const RawValue* RecordAccess::find(std::string_view name) const {
  for (const auto& [n, v] : fields_.data)
    if (n == name) return &v;
  return nullptr;
}

std::optional<std::string> RecordAccess::text(std::string_view name) const {
  for (size_t i = 0; i < fields_.data.size(); ++i)
    if (fields_.data[i].first == name) return std::string(data_text(i));
  return std::nullopt;
}

std::optional<int64_t> RecordAccess::integer(std::string_view name) const {
  const RawValue* v = find(name);
  if (!v) return std::nullopt;
  return value_integer(*v);
}

}  // namespace normalize
