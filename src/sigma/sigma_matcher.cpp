#include "sigma/sigma_matcher.h"

namespace sigma {
namespace {

struct SetScratch : pipeline::RecordMatcher::Scratch {
  RuleSet::ScratchPtr s;
  RecordBuffers buffers;
};

}  // namespace

std::unique_ptr<pipeline::RecordMatcher::Scratch> SigmaMatcher::scratch() const {
  auto s = std::make_unique<SetScratch>();
  s->s = set_.scratch();
  return s;
}

void SigmaMatcher::match(const normalize::RecordAccess& rec, Scratch& scratch, std::vector<uint32_t>& matched,
                         std::vector<uint32_t>& deferred) const {
  matched.clear();
  deferred.clear();
  SetScratch& ss = static_cast<SetScratch&>(scratch);
  RecordSource src(rec, ss.buffers);
  set_.match(rec.provider(), rec.channel(), rec.event_id(), src, *ss.s, matched, deferred);
}

}  // namespace sigma
