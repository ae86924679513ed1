#include "evtx/data_layout.h"

#include <memory>
#include <mutex>
#include <unordered_map>

namespace evtx {
namespace {

struct Registry {
  std::mutex m;
  std::unordered_map<std::string, std::unique_ptr<DataLayout>> by_names;  // names joined by '\0'
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

const DataLayout* intern_data_layout(const std::vector<std::pair<std::string_view, RawValue>>& data) {
  std::string key;
  for (const auto& [name, value] : data) {
    key.append(name);
    key += '\0';
  }
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.m);
  auto it = r.by_names.find(key);
  if (it != r.by_names.end()) return it->second.get();
  if (r.by_names.size() >= kMaxDataLayouts) return nullptr;
  auto layout = std::make_unique<DataLayout>();
  layout->id = static_cast<uint32_t>(r.by_names.size());
  for (const auto& [name, value] : data) layout->names.emplace_back(name);
  return r.by_names.emplace(std::move(key), std::move(layout)).first->second.get();
}

const DataLayout* DataLayoutMemo::layout_of(const std::vector<std::pair<std::string_view, RawValue>>& data) {
  auto same = [&](const Entry& e) {
    if (e.names.size() != data.size()) return false;
    for (size_t i = 0; i < data.size(); ++i)
      if (e.names[i].data() != data[i].first.data() || e.names[i].size() != data[i].first.size()) return false;
    return true;
  };
  for (const Entry& e : entries_)
    if (same(e)) return e.layout;
  if (entries_.size() >= kMaxEntries) return intern_data_layout(data);  // a chunk of very many templates
  Entry e{{}, intern_data_layout(data)};
  for (const auto& [name, value] : data) e.names.push_back(name);
  entries_.push_back(std::move(e));
  return entries_.back().layout;
}

}  // namespace evtx
