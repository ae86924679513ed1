#include "replay/finding_details.h"

#include <map>

#include "details/event_details.h"
#include "sigma/field_source.h"

namespace replay {

void attach_details(const pipeline::Evidence& evidence, const pipeline::Host& host, std::vector<Finding>& findings,
                    bool all_fields) {
  // The steps to fill, by their record's place in the evidence (file, ordinal).
  std::map<std::pair<uint32_t, uint64_t>, std::vector<EvidenceStep*>> wanted;
  for (Finding& f : findings)
    for (EvidenceStep& e : f.evidence)
      if (e.event) wanted[{e.event->origin.file, e.event->origin.position}].push_back(&e);
  if (wanted.empty()) return;
  size_t left = wanted.size();
  store::EventStore::Cursor cursor = evidence.store.open(host.computer_ids);
  while (left > 0 && cursor.next()) {
    store::EventHeader h = store::header_of(cursor.event());
    auto it = wanted.find({h.file_id, h.ordinal});
    if (it == wanted.end() || it->second.empty()) continue;
    store::EventView view(cursor.event(), evidence.store.pool());
    sigma::EventSource src(view);
    details::Details d = details::event_details(src, view.provider(), h.event_id, all_fields);
    for (EvidenceStep* e : it->second) e->details = d;
    it->second.clear();  // a duplicate copy of the record comes later: the first is enough
    --left;
  }
}

}  // namespace replay
