#include "normalize/mapping_util.h"

#include <algorithm>
#include <charconv>
#include <cctype>

namespace norm {

std::string_view basename(std::string_view path) {
  size_t cut = path.find_last_of("\\/");
  return cut == std::string_view::npos ? path : path.substr(cut + 1);
}

std::string host_key(std::string_view computer) {
  std::string key(computer.substr(0, computer.find('.')));
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::optional<Ticks> parse_time(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  auto num = [&](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  if (s.size() < 19 || !num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d) ||
      (s[10] != ' ' && s[10] != 'T') || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  int64_t frac = 0;
  int digits = 0;
  if (s.size() > 19 && s[19] == '.')
    for (size_t i = 20; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, ++digits)
      if (digits < 7) frac = frac * 10 + (s[i] - '0');
  for (int k = std::min(digits, 7); k < 7; ++k) frac *= 10;
  // days from civil (Howard Hinnant), then shift the epoch to 1601-01-01
  int yy = y - (mo <= 2);
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  unsigned yoe = static_cast<unsigned>(yy - era * 400);
  unsigned doy = (153u * static_cast<unsigned>(mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + static_cast<unsigned>(d) - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = int64_t(era) * 146097 + int64_t(doe) - 719468;
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec + 11644473600ll;
  return secs * kTicksPerSecond + frac;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  std::from_chars_result r{};
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t u = 0;
    r = std::from_chars(s.data() + 2, s.data() + s.size(), u, 16);
    v = static_cast<int64_t>(u);
  } else {
    r = std::from_chars(s.data(), s.data() + s.size(), v);
  }
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string integrity_from_label(std::string_view sid) {
  if (sid == "S-1-16-0") return "Untrusted";
  if (sid == "S-1-16-4096") return "Low";
  if (sid == "S-1-16-8192") return "Medium";
  if (sid == "S-1-16-8448") return "MediumPlus";
  if (sid == "S-1-16-12288") return "High";
  if (sid == "S-1-16-16384") return "System";
  if (sid == "S-1-16-20480") return "ProtectedProcess";
  return std::string(sid);
}

void set_common(NormalizedEvent& ev, const evtx::Record& rec, const std::string& source_file) {
  ev[Field::DeviceName] = FieldValue::str(rec.computer);
  ev[Field::DeviceId] = FieldValue::str(host_key(rec.computer));
  ev[Field::SourceFile] = FieldValue::str(source_file);
  ev[Field::EventRecordID] = FieldValue::integer(static_cast<int64_t>(rec.event_record_id.value_or(rec.record_id)));
  ev[Field::Provider] = FieldValue::str(rec.provider_name);
  ev[Field::Channel] = FieldValue::str(rec.channel);
  ev[Field::EventID] = FieldValue::integer(rec.event_id);
  ev[Field::Timestamp] = FieldValue::time(static_cast<Ticks>(rec.time_created));
}

void copy_string(NormalizedEvent& ev, Field f, const evtx::Record& rec, std::string_view data_name) {
  if (const evtx::TypedValue* v = rec.find(data_name)) ev[f] = FieldValue::str(v->text);
}

void copy_int(NormalizedEvent& ev, Field f, const evtx::Record& rec, std::string_view data_name) {
  if (const evtx::TypedValue* v = rec.find(data_name))
    if (auto i = parse_int(v->text)) ev[f] = FieldValue::integer(*i);
}

void copy_path(NormalizedEvent& ev, Field folder, Field file, const evtx::Record& rec, std::string_view data_name) {
  if (const evtx::TypedValue* v = rec.find(data_name)) {
    ev[folder] = FieldValue::str(v->text);
    ev[file] = FieldValue::str(std::string(basename(v->text)));
  }
}

}  // namespace norm
