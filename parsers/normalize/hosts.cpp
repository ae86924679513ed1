#include "normalize/hosts.h"

#include "normalize/mapping_util.h"

namespace normalize {

void HostNames::add(std::string_view computer) { names_.insert(lower_name(computer)); }

std::vector<std::string> HostNames::resolve() {
  std::map<std::string, std::vector<std::string>> fqdns_by_label;
  for (const std::string& n : names_)
    if (size_t dot = n.find('.'); dot != std::string::npos) fqdns_by_label[n.substr(0, dot)].push_back(n);
  std::vector<std::string> warnings;
  keys_.clear();
  for (const std::string& n : names_) {
    keys_[n] = n;
    if (n.empty() || n.find('.') != std::string::npos) continue;
    auto it = fqdns_by_label.find(n);
    if (it == fqdns_by_label.end()) continue;
    if (it->second.size() == 1) {
      keys_[n] = it->second.front();
    } else {
      std::string list;
      for (const std::string& f : it->second) list += (list.empty() ? "" : ", ") + f;
      warnings.push_back("host name " + n + " could be any of " + list + ": kept as a host of its own");
    }
  }
  return warnings;
}

std::string HostNames::key(std::string_view computer) const {
  std::string n = lower_name(computer);
  auto it = keys_.find(n);
  return it == keys_.end() ? n : it->second;
}

}  // namespace normalize
