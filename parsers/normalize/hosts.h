// Host identity over a whole run. An event's host is its Computer; a short
// name (WIN10) and the one FQDN that starts with it (win10.corp.local) are one
// host, but two different FQDNs with the same first label (dc1.test.local,
// dc1.corp.local) are two hosts, and a short name that could be either of
// them stays a host of its own (and is reported).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace normalize {

class HostNames {
 public:
  // Every computer name of the run, as events write it (any case).
  void add(std::string_view computer);
  // Decides the keys; returns a warning per ambiguous short name.
  std::vector<std::string> resolve();
  // The host key (lower case; the FQDN where one is known) of a name given to add().
  std::string key(std::string_view computer) const;

 private:
  std::set<std::string> names_;              // lower case
  std::map<std::string, std::string> keys_;  // lower-case name -> key
};

}  // namespace normalize
