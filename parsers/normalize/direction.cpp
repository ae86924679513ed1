#include "normalize/direction.h"

#include <cctype>
#include <set>
#include <string>
#include <utility>

#include "normalize/mapper_parts.h"

namespace norm {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool pending(const NormalizedEvent& ev) { return ev.direction_evidence == kDirectionPending; }

}  // namespace

void resolve_directions(std::vector<NormalizedEvent*>& events) {
  std::set<std::string> own_ips;
  std::set<std::pair<std::string, int64_t>> listening;  // (process file name, local port)
  for (const NormalizedEvent* ev : events) {
    if (ev->table != Table::Network || pending(*ev)) continue;
    const FieldValue& ip = (*ev)[Field::LocalIP];
    if (ip.known() && !ip.s.empty()) own_ips.insert(ip.s);
    const FieldValue& action = (*ev)[Field::ActionType];
    const FieldValue& port = (*ev)[Field::LocalPort];
    const FieldValue& proc = (*ev)[Field::InitiatingProcessFileName];
    if (port.known() && proc.known() && action.s != "ConnectionSuccess") listening.insert({lower(proc.s), port.i});
  }
  for (NormalizedEvent* ev : events) {
    if (ev->table != Table::Network || !pending(*ev)) continue;
    // Provisionally Local = Source, Remote = Destination.
    const FieldValue& src_ip = (*ev)[Field::LocalIP];
    const FieldValue& dst_ip = (*ev)[Field::RemoteIP];
    bool src_own = src_ip.known() && own_ips.count(src_ip.s);
    bool dst_own = dst_ip.known() && own_ips.count(dst_ip.s);
    std::string proc = (*ev)[Field::InitiatingProcessFileName].known() ? lower((*ev)[Field::InitiatingProcessFileName].s) : "";
    int64_t src_port = (*ev)[Field::LocalPort].known() ? (*ev)[Field::LocalPort].i : -1;
    int64_t dst_port = (*ev)[Field::RemotePort].known() ? (*ev)[Field::RemotePort].i : -1;
    bool src_listens = listening.count({proc, src_port}) > 0;
    bool dst_listens = listening.count({proc, dst_port}) > 0;
    if (dst_own && !src_own) {
      swap_endpoints(*ev);
      ev->direction_evidence = "DestinationIp is an address of this host (seen as local in its other connections)";
    } else if (src_own && !dst_own) {
      ev->direction_evidence = "SourceIp is an address of this host (seen as local in its other connections)";
    } else if (dst_listens && !src_listens) {
      swap_endpoints(*ev);
      ev->direction_evidence = "the process listens on DestinationPort";
    } else if (src_listens && !dst_listens) {
      ev->direction_evidence = "the process listens on SourcePort";
    } else if (dst_port >= 0 && dst_port < 1024 && src_port >= 1024) {
      swap_endpoints(*ev);
      ev->direction_evidence = "DestinationPort is a service port, SourcePort an ephemeral one";
    } else if (src_port >= 0 && src_port < 1024 && dst_port >= 1024) {
      ev->direction_evidence = "SourcePort is a service port, DestinationPort an ephemeral one";
    } else {
      ev->direction_evidence = "undecided: no evidence; Source taken as local";
    }
  }
}

}  // namespace norm
