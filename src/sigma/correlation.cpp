#include "sigma/correlation.h"

#include <algorithm>
#include <optional>
#include <set>

namespace sigma {
namespace {

using Group = std::vector<std::pair<std::string, std::string>>;

std::string group_key(const Group& g) {
  std::string k;
  for (const auto& [f, v] : g) (k += v) += '\x1f';
  return k;
}

bool holds(const Correlation& c, int64_t n) {
  if (c.gt && !(n > *c.gt)) return false;
  if (c.gte && !(n >= *c.gte)) return false;
  if (c.lt && !(n < *c.lt)) return false;
  if (c.lte && !(n <= *c.lte)) return false;
  if (c.eq && !(n == *c.eq)) return false;
  if (c.neq && !(n != *c.neq)) return false;
  return true;
}

// Conditions more events can only make true: judged as events come.
bool grows(const Correlation& c) { return !c.lt && !c.lte && !c.eq && !c.neq; }

void add_piece(std::vector<Piece>& v, Piece p) {
  if (v.size() < Correlator::kMaxPieces) v.push_back(std::move(p));
}

struct Counted {
  Piece piece;
  std::string value;  // value_count
};

}  // namespace

struct Correlator::GroupState {
  Group group;
  int64_t latest = 0;  // its newest event
  std::deque<Counted> window;
  std::map<std::string, size_t> values;  // value_count: value -> events in window
  // event_count / value_count with gt / gte: the hit that fired, still
  // taking the burst's events (each within timespan of the one before).
  std::optional<Hit> open;
  std::set<std::string> open_values;
  std::map<uint32_t, Piece> latest_of;     // temporal: rule -> its latest match
  std::vector<std::vector<Piece>> chains;  // temporal_ordered: chains[k] matched rules 0..k
  std::vector<int64_t> chain_start;
};

struct Correlator::State {
  std::map<std::string, GroupState> groups;
  size_t sweep_at = 1024;  // sweep idle groups when there are more than this
};

Correlator::Correlator(const RuleSet& set) : set_(set) {
  for (uint32_t i = 0; i < set.size(); ++i) {
    const Rule& r = set.rule(i);
    if (r.kind != Rule::Kind::Correlation || !set.runs(i)) continue;  // skipped: never runs
    uint32_t si = static_cast<uint32_t>(correlations_.size());
    correlations_.push_back(i);
    states_.push_back(std::make_unique<State>());
    for (const std::string& name : r.correlation.rules) {
      auto& u = users_[static_cast<uint32_t>(set.find(name))];
      if (std::find(u.begin(), u.end(), si) == u.end()) u.push_back(si);
    }
  }
}

Correlator::~Correlator() = default;

std::vector<Hit> Correlator::on_match(uint32_t rule, int64_t time, FieldSource& fields,
                                      std::shared_ptr<const normalize::NormalizedEvent> event) {
  return feed(rule, time, nullptr, &fields, std::move(event), 0);
}

std::vector<Hit> Correlator::feed(uint32_t rule, int64_t time, const Group* group_of, FieldSource* fields,
                                  std::shared_ptr<const normalize::NormalizedEvent> event, int depth) {
  std::vector<Hit> out;
  auto users = users_.find(rule);
  if (users == users_.end() || depth > 8) return out;
  const Rule& base = set_.rule(rule);
  for (uint32_t si : users->second) {
    uint32_t ci = correlations_[si];
    State& st = *states_[si];
    const Rule& cr = set_.rule(ci);
    const Correlation& c = cr.correlation;
    // The group: each group-by field through the aliases for this base rule.
    Group group;
    auto lookup = [&](const std::string& name) -> std::optional<std::string> {
      std::string field = name;
      for (const auto& [alias, per_rule] : c.aliases)
        if (alias == name)
          for (const auto& [rname, f] : per_rule)
            if (rname == base.name || rname == base.id) field = f;
      if (group_of) {
        for (const auto& [f, v] : *group_of)
          if (f == field || f == name) return v;
        return std::nullopt;
      }
      std::optional<std::string_view> t = fields ? fields->text(field) : std::nullopt;
      return t ? std::optional<std::string>(std::string(*t)) : std::nullopt;
    };
    // value_count counts the field's values: an event without the field adds none.
    std::optional<std::string> counted;
    if (c.type == Correlation::Type::ValueCount && !(counted = lookup(c.field))) continue;
    for (const std::string& g : c.group_by) group.emplace_back(g, lookup(g).value_or(""));
    GroupState& gs = st.groups[group_key(group)];
    gs.group = group;
    gs.latest = time;
    Piece piece{rule, time, event};
    std::vector<Hit> hits;
    auto make_hit = [&](std::vector<Piece> pieces, uint64_t count) {
      Hit h;
      h.rule = ci;
      h.group = gs.group;
      h.count = count;
      h.first = pieces.empty() ? time : pieces.front().time;
      h.last = pieces.empty() ? time : pieces.back().time;
      h.pieces = std::move(pieces);
      hits.push_back(std::move(h));
    };
    switch (c.type) {
      case Correlation::Type::EventCount:
      case Correlation::Type::ValueCount: {
        bool values = c.type == Correlation::Type::ValueCount;
        std::string value = values ? *counted : std::string();
        auto count = [&] {
          return values ? static_cast<int64_t>(gs.values.size()) : static_cast<int64_t>(gs.window.size());
        };
        auto pieces = [&] {
          std::vector<Piece> v;
          for (const auto& x : gs.window) add_piece(v, x.piece);
          return v;
        };
        auto drop_front = [&] {
          if (values && --gs.values[gs.window.front().value] == 0) gs.values.erase(gs.window.front().value);
          gs.window.pop_front();
        };
        if (grows(c)) {
          if (gs.open && time - gs.open->last > c.timespan) {
            hits.push_back(std::move(*gs.open));
            gs.open.reset();
            gs.open_values.clear();
          }
          if (gs.open) {  // the burst goes on: counted, kept as evidence up to the cap
            add_piece(gs.open->pieces, piece);
            gs.open->last = time;
            if (!values)
              ++gs.open->count;
            else if (gs.open_values.insert(value).second)
              ++gs.open->count;
            break;
          }
          while (!gs.window.empty() && gs.window.front().piece.time < time - c.timespan) drop_front();
          gs.window.push_back({piece, value});
          if (values) ++gs.values[value];
          if (holds(c, count())) {
            make_hit(pieces(), static_cast<uint64_t>(count()));
            gs.open = std::move(hits.back());
            hits.pop_back();
            for (const auto& x : gs.window) gs.open_values.insert(x.value);
            gs.window.clear();
            gs.values.clear();
          }
        } else {
          if (!gs.window.empty() && time > gs.window.front().piece.time + c.timespan) {
            if (holds(c, count())) make_hit(pieces(), static_cast<uint64_t>(count()));
            gs.window.clear();
            gs.values.clear();
          }
          gs.window.push_back({piece, value});
          if (values) ++gs.values[value];
        }
        break;
      }
      case Correlation::Type::Temporal: {
        gs.latest_of[rule] = piece;
        for (auto it = gs.latest_of.begin(); it != gs.latest_of.end();)
          it = it->second.time < time - c.timespan ? gs.latest_of.erase(it) : std::next(it);
        int64_t distinct = static_cast<int64_t>(gs.latest_of.size());
        bool done = (c.gt || c.gte || c.lt || c.lte || c.eq || c.neq)
                        ? holds(c, distinct)
                        : distinct == static_cast<int64_t>(c.rules.size());
        if (done) {
          std::vector<Piece> v;
          for (const auto& [r, p] : gs.latest_of) add_piece(v, p);
          std::sort(v.begin(), v.end(), [](const Piece& a, const Piece& b) { return a.time < b.time; });
          make_hit(std::move(v), static_cast<uint64_t>(distinct));
          gs.latest_of.clear();
        }
        break;
      }
      case Correlation::Type::TemporalOrdered: {
        size_t n = c.rules.size();
        gs.chains.resize(n);
        gs.chain_start.resize(n, 0);
        // Positions of this rule in the sequence, last first (an event is used once).
        for (size_t k = n; k-- > 0;) {
          if (set_.find(c.rules[k]) != static_cast<int>(rule)) continue;
          if (k == 0) {
            gs.chains[0] = {piece};
            gs.chain_start[0] = time;
          } else if (!gs.chains[k - 1].empty() && time - gs.chain_start[k - 1] <= c.timespan) {
            gs.chains[k] = gs.chains[k - 1];
            add_piece(gs.chains[k], piece);
            gs.chain_start[k] = gs.chain_start[k - 1];
            gs.chains[k - 1].clear();
          }
          if (k + 1 == n && !gs.chains[k].empty()) {
            make_hit(gs.chains[k], n);
            for (auto& ch : gs.chains) ch.clear();
          }
          break;
        }
        break;
      }
    }
    if (st.groups.size() > st.sweep_at) {
      // Idle groups (nothing within the timespan) are judged and forgotten:
      // state stays bounded by the groups active within one timespan.
      for (auto it = st.groups.begin(); it != st.groups.end();) {
        if (it->second.latest >= time - c.timespan) {
          ++it;
          continue;
        }
        close_group(c, ci, it->second, hits);
        it = st.groups.erase(it);
      }
      st.sweep_at = std::max<size_t>(1024, 2 * st.groups.size());
    }
    for (Hit& h : hits) {
      // A correlation's hit may feed correlations of correlations.
      std::vector<Hit> more =
          feed(ci, h.last, &h.group, nullptr, h.pieces.empty() ? nullptr : h.pieces.back().event, depth + 1);
      out.push_back(std::move(h));
      for (Hit& m : more) out.push_back(std::move(m));
    }
  }
  return out;
}

void Correlator::close_group(const Correlation& c, uint32_t rule, GroupState& gs, std::vector<Hit>& out) {
  if (gs.open) {
    out.push_back(std::move(*gs.open));
    gs.open.reset();
  }
  bool counting = c.type == Correlation::Type::EventCount || c.type == Correlation::Type::ValueCount;
  if (!counting || grows(c) || gs.window.empty()) return;
  int64_t n = c.type == Correlation::Type::ValueCount ? static_cast<int64_t>(gs.values.size())
                                                      : static_cast<int64_t>(gs.window.size());
  if (!holds(c, n)) return;
  Hit h;
  h.rule = rule;
  h.group = gs.group;
  h.count = static_cast<uint64_t>(n);
  for (const auto& x : gs.window) add_piece(h.pieces, x.piece);
  h.first = h.pieces.front().time;
  h.last = h.pieces.back().time;
  out.push_back(std::move(h));
}

std::vector<Hit> Correlator::finish() {
  std::vector<Hit> out;
  for (size_t si = 0; si < correlations_.size(); ++si) {
    const Correlation& c = set_.rule(correlations_[si]).correlation;
    for (auto& [key, gs] : states_[si]->groups) close_group(c, correlations_[si], gs, out);
    states_[si]->groups.clear();
  }
  return out;
}

}  // namespace sigma
