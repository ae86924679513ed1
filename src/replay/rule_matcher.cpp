#include "replay/rule_matcher.h"

#include <algorithm>

#include "normalize/mapping_util.h"
#include "rules/text_match.h"

namespace replay {
namespace {

using normalize::Field;
using normalize::FieldValue;
using normalize::NormalizedEvent;

bool add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) != v.end()) return false;
  v.push_back(s);
  return true;
}

}  // namespace

// The level of a chain: the rule's, or the first missing optional stage's level_without.
rules::Level RuleMatcher::chain_level(const Chain& c) const {
  return c.bound.size() < rule_.stages.size() ? rule_.stages[c.bound.size()].level_without : rule_.level;
}

namespace {

FieldValue to_field(const rules::Value& v) {
  switch (v.type) {
    case rules::Type::Unknown: return {};
    case rules::Type::String: return FieldValue::str(std::string(v.str()));
    case rules::Type::Int: return FieldValue::integer(v.i);
    case rules::Type::DateTime: return FieldValue::time(v.i);
    default: return FieldValue::str(rules::format_value(v));
  }
}

bool same_field(const FieldValue& a, const FieldValue& b) { return a.kind == b.kind && a.i == b.i && a.s == b.s; }

}  // namespace

RuleMatcher::RuleMatcher(const rules::Rule& rule) : rule_(rule) {
  for (const rules::Stage& s : rule.stages)
    for (const rules::TimeBound& b : s.time_bounds)
      if (b.min_offset != rules::kNoLowerBound && b.min_offset < 0) lookback_ = std::max(lookback_, -b.min_offset);
}

void RuleMatcher::open_window(Chain& c) const {
  c.window = {};
  c.guard.clear();
  size_t next = c.bound.size();
  if (next >= rule_.stages.size()) return;
  const rules::Stage& stage = rule_.stages[next];
  bool bounded_above = false;
  for (const rules::TimeBound& b : stage.time_bounds) {
    rules::TimeWindow w = b.window(c.bound[b.stage]->timestamp());
    c.window.begin = std::max(c.window.begin, w.begin);
    c.window.end = std::min(c.window.end, w.end);
    bounded_above |= b.bounded_above();
  }
  // No time bound: the chain can only go on while the process it bound last
  // runs (a process creation's own process; a connection's or script's initiator).
  const NormalizedEvent* last = c.bound.back();
  Field id = last->table == normalize::Table::Process ? Field::ProcessUniqueId : Field::InitiatingProcessUniqueId;
  if (!bounded_above && (*last)[id].known()) c.guard = (*last)[id].s;
}

bool RuleMatcher::extend(const Chain& chain, const EventPtr& evp, Chain& out) const {
  const NormalizedEvent& ev = *evp;
  size_t k = chain.bound.size();
  const rules::Stage& stage = rule_.stages[k];
  if (ev.table != stage.table || !chain.window.contains(ev.timestamp())) return false;
  // Equality joins are strict: an unknown value never pairs events.
  for (const rules::JoinKey& j : stage.join_keys) {
    const FieldValue& mine = ev[j.field];
    const FieldValue& theirs = (*chain.bound[j.stage])[j.stage_field];
    if (!mine.known() || !theirs.known()) return false;
    if (mine.kind != theirs.kind) return false;
    if (mine.kind == FieldValue::Kind::String) {
      if (j.case_insensitive ? rules::fold_case(mine.s) != rules::fold_case(theirs.s) : mine.s != theirs.s)
        return false;
    } else if (mine.i != theirs.i) {
      return false;
    }
  }
  rules::Verdict v = stage.where.test({&ev, chain.bound});
  if (v.truth == rules::Truth::False) return false;
  // Unknowns weaken a finding, never create one (rule.h): only the rule's
  // assumable fields may be unknown, and a selecting test must hold.
  if (v.truth == rules::Truth::Unknown &&
      ((v.unknowns & ~stage.assumable_refs) != 0 || !stage.where.selects({&ev, chain.bound})))
    return false;
  out.bound = chain.bound;
  out.bound.push_back(&ev);
  out.owners = chain.owners;
  out.owners.push_back(evp);
  out.assumptions = chain.assumptions;
  if (v.truth == rules::Truth::Unknown)
    for (const std::string& f : stage.where.unknown_fields(v.unknowns)) add_unique(out.assumptions, f);
  return true;
}

void RuleMatcher::add_chain(Chain&& c, const NormalizedEvent* now) {
  if (c.bound.size() == rule_.stages.size()) {
    complete_.push_back(std::move(c));
    return;
  }
  open_window(c);
  // Look back: events of the next stage that came before `now` but inside the window.
  std::vector<Chain> found;
  for (const EventPtr& past : history_) {
    if (past.get() == now || past->timestamp() < c.window.begin) continue;
    Chain next;
    if (extend(c, past, next)) found.push_back(std::move(next));
  }
  c.extended = !found.empty();
  partial_.push_back(std::move(c));
  for (Chain& f : found) add_chain(std::move(f), now);
}

bool RuleMatcher::completes_without_rest(const Chain& c) const {
  if (c.extended || c.bound.empty()) return false;
  for (size_t s = c.bound.size(); s < rule_.stages.size(); ++s)
    if (!rule_.stages[s].optional) return false;
  return true;
}

void RuleMatcher::retire(Chain&& c) {
  if (completes_without_rest(c)) complete_.push_back(std::move(c));
}

void RuleMatcher::retire_where(const std::function<bool(const Chain&)>& gone) {
  auto keep = std::stable_partition(partial_.begin(), partial_.end(), [&](const Chain& c) { return !gone(c); });
  for (auto it = keep; it != partial_.end(); ++it) retire(std::move(*it));
  partial_.erase(keep, partial_.end());
}

void RuleMatcher::on_event(const EventPtr& evp) {
  const NormalizedEvent& ev = *evp;
  normalize::Ticks now = ev.timestamp();
  retire_where([now](const Chain& c) { return c.window.end <= now; });
  while (!history_.empty() && history_.front()->timestamp() < now - lookback_) history_.pop_front();

  std::vector<Chain> grown;
  for (Chain& c : partial_) {
    Chain next;
    if (extend(c, evp, next)) {
      c.extended = true;
      grown.push_back(std::move(next));
    }
  }
  Chain start;
  if (extend(Chain{}, evp, start)) grown.push_back(std::move(start));
  for (Chain& g : grown) add_chain(std::move(g), &ev);
  if (lookback_ > 0) history_.push_back(evp);
}

void RuleMatcher::on_process_end(const std::string& unique_id) {
  retire_where([&](const Chain& c) { return !c.guard.empty() && c.guard == unique_id; });
}

void RuleMatcher::fill_link(Finding& f, const Chain& c, const rules::EvalContext& ctx) const {
  const rules::Link& l = *rule_.link;
  // "" (extract() that found nothing) says nothing of the other end: unknown.
  auto eval = [&](const rules::Expression& e) {
    FieldValue v = e.valid() ? to_field(e.evaluate(ctx)) : FieldValue{};
    return v.kind == FieldValue::Kind::String && v.s.empty() ? FieldValue{} : v;
  };
  LinkEnd end;
  end.source = l.side == rules::Link::Side::Source;
  end.peer_address = eval(l.peer_address);
  end.peer_port = eval(l.peer_port);
  end.local_address = eval(l.local_address);
  end.local_port = eval(l.local_port);
  end.peer_name = eval(l.peer_name);
  FieldValue t = eval(l.time);
  end.time = t.known() ? t.i : f.timestamp;
  if (l.process_stage < c.bound.size()) {
    const NormalizedEvent& p = *c.bound[l.process_stage];
    // A process creation names its own process; anything else its initiator.
    bool own = p.table == normalize::Table::Process;
    end.process_file = p[own ? Field::FileName : Field::InitiatingProcessFileName];
    end.process_command_line = p[own ? Field::ProcessCommandLine : Field::InitiatingProcessCommandLine];
    end.process_id = p[own ? Field::ProcessId : Field::InitiatingProcessId];
    const FieldValue& name = p[Field::AccountName];
    const FieldValue& domain = p[Field::AccountDomain];
    if (name.known())
      end.process_account = FieldValue::str(domain.known() ? domain.s + "\\" + name.s : name.s);
    else
      end.process_account = p[Field::AccountSid];
    end.process_record = normalize::record_ref(p);
  }
  f.link_end = std::move(end);
}

std::vector<Finding> RuleMatcher::finish() {
  for (Chain& c : partial_) retire(std::move(c));
  partial_.clear();
  std::vector<Finding> out;
  for (const Chain& c : complete_) {
    rules::EvalContext ctx = rules::Summarize::context(c.bound);
    std::vector<std::pair<std::string, FieldValue>> key;
    for (const rules::SummarizeColumn& b : rule_.summarize.by) key.emplace_back(b.name, to_field(b.expr.evaluate(ctx)));
    auto same_key = [&](const Finding& f) {
      if (f.fields.size() != key.size()) return false;
      for (size_t i = 0; i < key.size(); ++i)
        if (!same_field(f.fields[i].second, key[i].second)) return false;
      return true;
    };
    auto it = std::find_if(out.begin(), out.end(), same_key);
    if (it == out.end()) {
      Finding f;
      f.rule_id = rule_.id;
      f.title = rule_.title;
      f.tags = rule_.attack.tags();
      f.device_name = (*c.bound.front())[Field::DeviceName].s;
      f.device_id = (*c.bound.front())[Field::DeviceId].s;
      f.timestamp = c.bound.front()->timestamp();
      f.fields = key;
      for (const rules::Aggregate& a : rule_.summarize.collect)
        f.collected.emplace_back(a.name, std::vector<FieldValue>{});
      f.level = chain_level(c);
      if (rule_.link) fill_link(f, c, ctx);
      out.push_back(std::move(f));
      it = out.end() - 1;
    }
    Finding& f = *it;
    f.level = std::max(f.level, chain_level(c));
    for (const std::string& a : c.assumptions) add_unique(f.assumptions, a);
    for (size_t s = 0; s < c.bound.size(); ++s) {
      bool seen = std::any_of(f.evidence.begin(), f.evidence.end(),
                              [&](const EvidenceStep& e) { return e.event.get() == c.bound[s]; });
      if (!seen) f.evidence.push_back({rule_.stages[s].name, c.owners[s], s, {}});
      f.timestamp = std::min(f.timestamp, c.bound[s]->timestamp());
    }
    for (size_t i = 0; i < rule_.summarize.collect.size(); ++i) {
      const rules::Aggregate& a = rule_.summarize.collect[i];
      auto& values = f.collected[i].second;
      if (a.kind == rules::Aggregate::Kind::Count) {
        if (values.empty()) values.push_back(FieldValue::integer(0));
        ++values[0].i;
        continue;
      }
      FieldValue v = to_field(a.arg.evaluate(ctx));
      if (!v.known()) continue;
      bool dup = std::any_of(values.begin(), values.end(), [&](const FieldValue& x) { return same_field(x, v); });
      if (a.kind == rules::Aggregate::Kind::MakeList || !dup) values.push_back(v);
    }
  }
  // Evidence in stage order, then time.
  for (Finding& f : out) {
    std::stable_sort(f.evidence.begin(), f.evidence.end(), [](const EvidenceStep& a, const EvidenceStep& b) {
      if (a.stage_index != b.stage_index) return a.stage_index < b.stage_index;
      return a.event->timestamp() < b.event->timestamp();
    });
  }
  return out;
}

}  // namespace replay
