#include "diagnostics/diagnose.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#include <sstream>

#include "common/text.hpp"

namespace kirchhoff::diagnostics {

namespace {

using Complex = std::complex<double>;
using model::LoadKind;
using model::Phase;

// Ordinary power factors (docs/diagnostics.md): consumers within 30 degrees
// of their voltage (PF >= 0.87), inverters within 25.8 (PF >= 0.9). A
// configured answer within 60 degrees (PF >= 0.5) still fits a consumer.
constexpr double kOrdinaryConeDeg = 30.0;
constexpr double kInverterConeDeg = 25.8;
constexpr double kConsumerConeDeg = 60.0;
constexpr double kInverterFitsDeg = 45.0;
// Hypotheses whose expected directions lie this close are one answer (split
// phase: L1 and L2 reversed).
constexpr double kSameDirectionDeg = 5.0;
// No current: below this many amps or this share of the CT's rating.
constexpr double kMinCurrentA = 0.1;
constexpr double kMinCurrentOfRating = 0.001;
// A voltage below this is missing (a phase not connected).
constexpr double kMinVoltageV = 10.0;
// Kirchhoff's current law with every circuit metered: the right assignment
// leaves at most 10 % of the grid current, the next best at least 30 %.
constexpr double kKclDecisive = 0.10;
constexpr double kKclRunnerUp = 0.30;
// With an unmetered rest: a rest producing more than this is ruled out.
constexpr double kRestProducingShare = 0.05;
constexpr double kRestProducingW = 20.0;

constexpr double kDegPerRad = 180.0 / std::numbers::pi;

double angle_between_deg(Complex current, Complex voltage) {
  // The current's angle relative to the voltage; negative: it lags.
  return std::arg(current * std::conj(voltage)) * kDegPerRad;
}

Complex unit(Complex z) {
  const double m = std::abs(z);
  return m > 0.0 ? z / m : Complex{};
}

std::string phase_text(Phase phase) { return std::string(model::phase_name(phase)); }

// Which way a load's P is known to go, from its kind.
enum class Direction { kPositive, kEither, kUnknown };

// One answer for one CT: the file's phase name and `reversed`, the current's
// expected direction for a load at unity power factor with P > 0, and on
// 3P-230 two-CT loads the conductor.
struct Hypothesis {
  Phase phase = Phase::kL1;
  bool reversed = false;
  Complex direction;
  Complex voltage;                 // the file's reference voltage of `phase`
  std::optional<Phase> conductor;  // Aron: the conductor; phase/reversed set later
  bool operator==(const Hypothesis& o) const {
    return phase == o.phase && reversed == o.reversed && conductor == o.conductor;
  }
};

struct Channel {
  std::size_t load = 0;
  const model::LoadChannel* config = nullptr;
  Complex current;  // as the CT delivers it
  double i_rms = 0.0;
  double rating_a = 0.0;
  Direction direction = Direction::kPositive;
  double cone_deg = kOrdinaryConeDeg;  // another answer must fit within this
  double fits_deg = kConsumerConeDeg;  // the configured answer still fits within this
  bool aron = false;                   // a two-CT load on 3P-230: conductor hypotheses
  std::vector<Hypothesis> hypotheses;
  std::optional<Hypothesis> chosen;
  std::vector<std::string> basis;
  std::string why;
  bool no_current = false;
  bool fixable = true;  // false: the fix is to move the CT, not to edit the file
  std::optional<double> kcl_residual_a;
};

bool consumes(LoadKind kind) {
  return kind == LoadKind::kConsumer || kind == LoadKind::kEv || kind == LoadKind::kHeatpump;
}

// Producers feed the house: seen from the grid their current counts negative.
double grid_share(LoadKind kind) {
  return kind == LoadKind::kSolar || kind == LoadKind::kBattery ? -1.0 : 1.0;
}

// The file's line voltages on 3P-230 as ordered conductor pairs v_ab:
// L1 = v13, L2 = v23, L3 = v12 (0-based conductors).
constexpr std::array<std::pair<int, int>, 3> kDeltaPairs = {{{0, 2}, {1, 2}, {0, 1}}};

// Groups of hypotheses pointing the same way: one answer each.
std::vector<std::vector<Hypothesis>> group_by_direction(const std::vector<Hypothesis>& hyps) {
  std::vector<std::vector<Hypothesis>> groups;
  for (const Hypothesis& h : hyps) {
    bool placed = false;
    for (auto& g : groups) {
      if (std::abs(angle_between_deg(h.direction, g.front().direction)) <= kSameDirectionDeg) {
        g.push_back(h);
        placed = true;
        break;
      }
    }
    if (!placed) {
      groups.push_back({h});
    }
  }
  return groups;
}

// The configured answer if it is in `group`, else the plainest one (not
// reversed, lowest phase).
Hypothesis pick(const std::vector<Hypothesis>& group, const std::optional<Hypothesis>& configured) {
  if (configured) {
    for (const Hypothesis& h : group) {
      if (h == *configured) {
        return h;
      }
    }
  }
  Hypothesis best = group.front();
  for (const Hypothesis& h : group) {
    if (std::pair(h.reversed, h.phase) < std::pair(best.reversed, best.phase)) {
      best = h;
    }
  }
  return best;
}

bool contains(const std::vector<Hypothesis>& group, const std::optional<Hypothesis>& h) {
  return h && std::find(group.begin(), group.end(), *h) != group.end();
}

std::string describe(const Hypothesis& h) {
  std::string text = h.conductor ? "conductor " + phase_text(*h.conductor) : phase_text(h.phase);
  return h.reversed ? text + " reversed" : text;
}

std::string join_answers(const std::vector<std::vector<Hypothesis>>& groups) {
  std::string text;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == groups.size() ? " or " : ", ") + describe(groups[i].front());
  }
  return text;
}

class Diagnoser {
 public:
  Diagnoser(const model::Installation& installation, const metering::WindowPhasors& phasors)
      : installation_(installation),
        phasors_(phasors),
        topo_(model::topology_info(installation.site.topology)) {}

  Diagnosis run() {
    build_channels();
    for (Channel& c : channels_) {
      if (!c.no_current && c.direction != Direction::kUnknown) {
        decide_by_angle(c);
      }
    }
    resolve_aron_loads();
    apply_current_law();
    check_one_ct_per_conductor();
    return report();
  }

 private:
  void build_channels() {
    bool generation = false;
    for (const model::Load& load : installation_.loads) {
      generation |= load.kind == LoadKind::kSolar || load.kind == LoadKind::kBattery;
    }
    std::size_t index = 0;
    for (std::size_t l = 0; l < installation_.loads.size(); ++l) {
      const model::Load& load = installation_.loads[l];
      const bool aron = !topo_.has_neutral && load.channels.size() == 2;
      for (const model::LoadChannel& config : load.channels) {
        Channel c;
        c.load = l;
        c.config = &config;
        if (index < phasors_.currents.size() && phasors_.currents[index].input == config.input) {
          c.current = phasors_.currents[index].i1;
          c.i_rms = phasors_.currents[index].i_rms;
        }
        ++index;
        const model::CtInput* input = installation_.find_input(config.input);
        c.rating_a = input != nullptr ? model::ct_type_info(input->ct).rating_a : 0.0;
        c.aron = aron;
        if (consumes(load.kind)) {
          c.direction = Direction::kPositive;
          c.cone_deg = kOrdinaryConeDeg;
        } else if (load.kind == LoadKind::kSolar) {
          c.direction = Direction::kPositive;
          c.cone_deg = kInverterConeDeg;
          c.fits_deg = kInverterFitsDeg;
        } else if (load.kind == LoadKind::kBattery) {
          c.direction = Direction::kEither;
          c.cone_deg = kInverterConeDeg;
          c.fits_deg = kInverterFitsDeg;
        } else {  // the grid: imports only where nothing generates
          c.direction = generation ? Direction::kUnknown : Direction::kPositive;
          c.cone_deg = kOrdinaryConeDeg;
        }
        const double threshold = std::max(kMinCurrentA, kMinCurrentOfRating * c.rating_a);
        c.no_current = c.i_rms < threshold || std::abs(c.current) < 0.5 * threshold;
        c.hypotheses = hypotheses_for(c);
        channels_.push_back(std::move(c));
      }
    }
  }

  std::vector<Hypothesis> hypotheses_for(const Channel& c) const {
    std::vector<Hypothesis> out;
    const int phases = topo_.has_neutral ? topo_.phase_count : 3;
    for (int p = 0; p < phases; ++p) {
      const Complex v = phasors_.v_ref[static_cast<std::size_t>(p)];
      const Complex star = phasors_.v_star[static_cast<std::size_t>(p)];
      if (std::abs(c.aron ? star : v) < kMinVoltageV) {
        continue;
      }
      for (bool reversed : {false, true}) {
        Hypothesis h;
        h.reversed = reversed;
        if (c.aron) {
          h.conductor = static_cast<Phase>(p);
          h.direction = unit(star) * (reversed ? -1.0 : 1.0);
        } else {
          h.phase = static_cast<Phase>(p);
          h.voltage = v;
          h.direction = unit(v) * (reversed ? -1.0 : 1.0);
        }
        out.push_back(h);
      }
    }
    return out;
  }

  // The configured answer as a hypothesis of the channel's own kind.
  std::optional<Hypothesis> configured(const Channel& c) const {
    if (!c.aron) {
      for (const Hypothesis& h : c.hypotheses) {
        if (h.phase == c.config->phase && h.reversed == c.config->reversed) {
          return h;
        }
      }
      return std::nullopt;
    }
    // Aron: the two configured line voltages share the reference conductor;
    // each CT sits on the other conductor of its voltage.
    const model::Load& load = installation_.loads[c.load];
    const auto& mine = kDeltaPairs[static_cast<std::size_t>(c.config->phase)];
    const model::LoadChannel& other_config =
        &load.channels[0] == c.config ? load.channels[1] : load.channels[0];
    const auto& other = kDeltaPairs[static_cast<std::size_t>(other_config.phase)];
    int reference = -1;
    for (int x : {mine.first, mine.second}) {
      if (x == other.first || x == other.second) {
        reference = x;
      }
    }
    if (reference < 0 || mine == other) {
      return std::nullopt;
    }
    const int conductor = mine.first == reference ? mine.second : mine.first;
    const bool negated = mine.first == reference;  // the file's voltage is v_ca, not v_ac
    const bool ct_reversed = c.config->reversed != negated;
    for (const Hypothesis& h : c.hypotheses) {
      if (h.conductor == static_cast<Phase>(conductor) && h.reversed == ct_reversed) {
        return h;
      }
    }
    return std::nullopt;
  }

  // The angle of the current and the kind of its load (steps 1, 2, 4).
  // Hypotheses point 60 degrees apart (three voltages, both directions), so
  // the angle alone singles one out only within 30 degrees: a consumer at
  // PF 0.64 on L1 looks like one at PF 0.98 on L3 with its CT reversed. An
  // answer other than the configured one is taken only when it fits at an
  // ordinary power factor and the configured one does not fit at all.
  void decide_by_angle(Channel& c) {
    const bool either = c.direction == Direction::kEither;
    // A battery charges and discharges: its own current gives the axis of
    // its voltage, not the direction; that stays as configured.
    auto distance = [&](const Hypothesis& h) {
      const double d = std::abs(angle_between_deg(c.current, h.direction));
      return either ? std::min(d, 180.0 - d) : d;
    };
    const auto config = configured(c);
    std::vector<Hypothesis> candidates;
    const Hypothesis* nearest = nullptr;
    for (const Hypothesis& h : c.hypotheses) {
      if (either && h.reversed != c.config->reversed) {
        continue;
      }
      if (nearest == nullptr || distance(h) < distance(*nearest)) {
        nearest = &h;
      }
      if (distance(h) <= c.cone_deg) {
        candidates.push_back(h);
      }
    }
    const auto groups = group_by_direction(candidates);
    auto pf_text = [&](const Hypothesis& h) {
      return "PF " + common::fixed_number(std::cos(distance(h) / kDegPerRad), 2);
    };
    c.basis = either ? std::vector<std::string>{"angle", "configured"}
                     : std::vector<std::string>{"angle", "kind"};
    for (const auto& group : groups) {
      if (contains(group, config)) {
        c.chosen = *config;
        if (groups.size() > 1 && !either) {
          c.basis.push_back("configured");
        }
        return;
      }
    }
    const bool config_fits = config && distance(*config) <= c.fits_deg;
    if (groups.size() == 1 && !config_fits) {
      c.chosen = pick(groups.front(), config);
      return;
    }
    c.basis.clear();
    if (groups.empty() && nearest != nullptr) {
      c.why = "no phase fits at an ordinary power factor: the nearest is " + describe(*nearest) +
              " at " + pf_text(*nearest) + ", below the " +
              common::fixed_number(std::cos(c.cone_deg / kDegPerRad), 2) + " expected of a " +
              std::string(model::load_kind_name(installation_.loads[c.load].kind));
    } else if (groups.size() == 1) {
      c.why = "the current fits " + describe(groups.front().front()) + " at " +
              pf_text(groups.front().front()) + ", but also the configured " + describe(*config) +
              " at " + pf_text(*config);
    } else {
      c.why = "the current fits " + join_answers(groups) + " equally well";
    }
  }

  // 3P-230 two-CT loads: with both conductors known the third is the
  // reference, and each CT's file phase is the line voltage to it.
  void resolve_aron_loads() {
    for (std::size_t l = 0; l < installation_.loads.size(); ++l) {
      std::vector<Channel*> mine;
      for (Channel& c : channels_) {
        if (c.load == l && c.aron) {
          mine.push_back(&c);
        }
      }
      if (mine.size() != 2) {
        continue;
      }
      Channel& a = *mine[0];
      Channel& b = *mine[1];
      if (!a.chosen || !b.chosen) {
        for (Channel* c : mine) {
          if (c->chosen) {
            c->why = "the load's other CT is undecided, so the reference conductor is unknown";
            c->chosen.reset();
          } else if (c->why.empty() && !c->no_current) {
            c->why = "not enough evidence";
          }
        }
        continue;
      }
      const int ca = static_cast<int>(*a.chosen->conductor);
      const int cb = static_cast<int>(*b.chosen->conductor);
      if (ca == cb) {
        for (Channel* c : mine) {
          c->why = "both CTs of the load measure conductor " + phase_text(*a.chosen->conductor);
          c->chosen.reset();
        }
        continue;
      }
      // The file measures two-CT loads against L3 (the manual): its L1 and
      // L2 are the conductors. A CT on L3 itself cannot be written in the
      // file; it has to be moved.
      for (Channel* c : mine) {
        const Phase conductor = *c->chosen->conductor;
        c->chosen->phase = conductor;
        c->chosen->voltage = conductor == Phase::kL3
                                 ? phasors_.v_star[2]
                                 : phasors_.v_ref[static_cast<std::size_t>(conductor)];
        if (conductor == Phase::kL3) {
          c->fixable = false;
          c->why =
              "the CT is on conductor L3, the reference of the two-wattmeter measurement: "
              "move it to the conductor of the load that has no CT (the installation file "
              "cannot express this wiring)";
        }
      }
    }
  }

  // Kirchhoff's current law for the grid's CTs on star networks (step 3).
  void apply_current_law() {
    if (!topo_.has_neutral) {
      for (Channel& c : channels_) {
        if (c.direction == Direction::kUnknown && !c.no_current) {
          c.why =
              "the grid's direction is unknown where solar or a battery can export, and on "
              "3P-230 the current law is not used";
        }
      }
      return;
    }
    std::vector<Channel*> grid;
    for (Channel& c : channels_) {
      const bool is_grid = installation_.loads[c.load].kind == LoadKind::kGrid;
      if (is_grid && !c.no_current && !c.chosen) {
        grid.push_back(&c);
      }
    }
    if (grid.empty()) {
      return;
    }
    // Every other CT with current must be decided: the law adds them up.
    std::array<Complex, 3> circuits{};
    for (const Channel& c : channels_) {
      const model::Load& load = installation_.loads[c.load];
      if (load.kind == LoadKind::kGrid || c.no_current) {
        continue;
      }
      if (!c.chosen) {
        for (Channel* g : grid) {
          g->why = "the current law needs every circuit decided; " + load.name + "'s CT " +
                   c.config->input.to_string() + " is not";
        }
        return;
      }
      const double sign = c.chosen->reversed ? -1.0 : 1.0;
      circuits[static_cast<std::size_t>(c.chosen->phase)] +=
          sign * grid_share(load.kind) * c.current;
    }
    // Every assignment of the grid's CTs to distinct phases and directions.
    struct Assignment {
      std::vector<Hypothesis> hyps;
      double ratio = 0.0;
      double residual_a = 0.0;
      bool plausible = true;
    };
    std::vector<Assignment> assignments;
    std::vector<Hypothesis> current;
    auto recurse = [&](auto& self, std::size_t k) -> void {
      if (k == grid.size()) {
        assignments.push_back({current});
        return;
      }
      for (const Hypothesis& h : grid[k]->hypotheses) {
        const bool taken = std::any_of(current.begin(), current.end(),
                                       [&](const Hypothesis& o) { return o.phase == h.phase; });
        if (taken) {
          continue;
        }
        if (grid[k]->direction == Direction::kPositive &&
            std::abs(angle_between_deg(grid[k]->current, h.direction)) > 90.0) {
          continue;  // a site without generation imports
        }
        current.push_back(h);
        self(self, k + 1);
        current.pop_back();
      }
    };
    recurse(recurse, 0);
    if (assignments.empty()) {
      return;
    }
    for (Assignment& a : assignments) {
      double worst = 0.0;
      double largest = 0.5;
      for (std::size_t k = 0; k < grid.size(); ++k) {
        const Hypothesis& h = a.hyps[k];
        const auto p = static_cast<std::size_t>(h.phase);
        const Complex g = (h.reversed ? -1.0 : 1.0) * grid[k]->current;
        const Complex rest = g - circuits[p];
        worst = std::max(worst, std::abs(rest));
        largest = std::max(largest, std::abs(g));
        const double rest_w = std::real(h.voltage * std::conj(rest));
        const double apparent = std::abs(h.voltage) * std::abs(g);
        if (rest_w < -(kRestProducingShare * apparent + kRestProducingW)) {
          a.plausible = false;
        }
      }
      a.ratio = worst / largest;
      a.residual_a = worst;
    }
    std::sort(assignments.begin(), assignments.end(),
              [](const Assignment& x, const Assignment& y) { return x.ratio < y.ratio; });
    const bool decisive = assignments[0].ratio <= kKclDecisive &&
                          (assignments.size() == 1 || assignments[1].ratio >= kKclRunnerUp);
    if (decisive) {
      for (std::size_t k = 0; k < grid.size(); ++k) {
        grid[k]->chosen = assignments[0].hyps[k];
        grid[k]->basis = {"kcl"};
        grid[k]->kcl_residual_a = assignments[0].residual_a;
      }
      return;
    }
    // An unmetered rest: only the assignments that leave it consuming.
    for (std::size_t k = 0; k < grid.size(); ++k) {
      Channel& c = *grid[k];
      std::vector<Hypothesis> left;
      for (const Assignment& a : assignments) {
        if (a.plausible && std::find(left.begin(), left.end(), a.hyps[k]) == left.end()) {
          left.push_back(a.hyps[k]);
        }
      }
      const auto config = configured(c);
      if (left.size() == 1) {
        c.chosen = left.front();
        c.basis = {"kcl"};
      } else if (left.size() == 2 && contains(left, config)) {
        c.chosen = *config;
        c.basis = {"kcl", "configured"};
      } else if (left.empty()) {
        c.why = "no assignment of the grid's CTs leaves the unmetered rest consuming";
      } else {
        std::vector<std::vector<Hypothesis>> groups;
        for (const Hypothesis& h : left) {
          groups.push_back({h});
        }
        c.why =
            "with solar or a battery able to export and part of the site unmetered, the "
            "current law leaves " +
            join_answers(groups);
      }
    }
  }

  // Two CTs of one load on one conductor cannot be (step 5).
  void check_one_ct_per_conductor() {
    for (std::size_t i = 0; i < channels_.size(); ++i) {
      for (std::size_t j = i + 1; j < channels_.size(); ++j) {
        Channel& a = channels_[i];
        Channel& b = channels_[j];
        if (a.load != b.load || !a.chosen || !b.chosen || a.aron) {
          continue;
        }
        if (std::abs(angle_between_deg(a.chosen->voltage, b.chosen->voltage)) <=
                kSameDirectionDeg ||
            a.chosen->phase == b.chosen->phase) {
          const std::string why = "two CTs of load '" + installation_.loads[a.load].name +
                                  "' would measure " + phase_text(a.chosen->phase);
          a.why = why;
          b.why = why;
          a.chosen.reset();
          b.chosen.reset();
        }
      }
    }
  }

  Diagnosis report() const {
    Diagnosis out;
    out.seconds = phasors_.seconds;
    for (const Channel& c : channels_) {
      InputDiagnosis d;
      d.input = c.config->input;
      d.load = installation_.loads[c.load].name;
      d.configured_phase = c.config->phase;
      d.configured_reversed = c.config->reversed;
      d.reversed = c.config->reversed;
      d.evidence.i_a = c.i_rms;
      const int phases = topo_.has_neutral ? topo_.phase_count : 3;
      for (int p = 0; p < phases; ++p) {
        const Complex v = phasors_.v_ref[static_cast<std::size_t>(p)];
        if (std::abs(v) >= kMinVoltageV && std::abs(c.current) > 0.0) {
          d.evidence.angles_deg.push_back({static_cast<Phase>(p), angle_between_deg(c.current, v)});
        }
      }
      if (c.no_current) {
        d.verdict = Verdict::kNoCurrent;
        d.why = "the CT carries " + common::fixed_number(c.i_rms, 2) + " A, too little to tell";
        out.inputs.push_back(std::move(d));
        continue;
      }
      // The hypothesis the evidence is shown against: the detected one, else
      // the configured voltage as the file has it.
      Complex voltage = phasors_.v_ref[static_cast<std::size_t>(c.config->phase)];
      Complex direction = voltage;
      bool reversed = c.config->reversed;
      if (c.chosen) {
        d.detected_phase = c.chosen->phase;
        d.reversed = c.chosen->reversed;
        voltage = c.chosen->voltage;
        reversed = c.chosen->reversed;
        direction = c.aron ? c.chosen->direction : voltage * (reversed ? -1.0 : 1.0);
        d.evidence.basis = c.basis;
        d.evidence.kcl_residual_a = c.kcl_residual_a;
        d.evidence.conductor = c.chosen->conductor;
        d.fixable = c.fixable;
        if (!c.fixable) {
          d.why = c.why;
        }
        const bool phase_ok = c.chosen->phase == c.config->phase;
        const bool direction_ok = c.chosen->reversed == c.config->reversed;
        d.verdict = phase_ok && direction_ok ? Verdict::kOk
                    : phase_ok               ? Verdict::kReversed
                    : direction_ok           ? Verdict::kWrongPhase
                                             : Verdict::kWrongPhaseReversed;
      } else {
        direction = voltage * (reversed ? -1.0 : 1.0);
        d.verdict = Verdict::kUndecided;
        d.why = c.why.empty() ? "not enough evidence" : c.why;
      }
      const Complex signed_current = (reversed ? -1.0 : 1.0) * c.current;
      d.evidence.angle_deg = angle_between_deg(c.current, direction);
      d.evidence.pf = std::cos(d.evidence.angle_deg / kDegPerRad);
      d.evidence.p_w = std::real(voltage * std::conj(signed_current));
      if (c.rating_a > 0.0 && c.i_rms > c.rating_a) {
        d.verdict = Verdict::kOverrange;
        d.why = "the CT carries " + common::fixed_number(c.i_rms, 1) + " A, above its rating of " +
                common::fixed_number(c.rating_a, 0) +
                " A: its reading is clipped; fit a larger CT before trusting the wiring check";
      }
      out.inputs.push_back(std::move(d));
    }
    return out;
  }

  const model::Installation& installation_;
  const metering::WindowPhasors& phasors_;
  const model::TopologyInfo& topo_;
  std::vector<Channel> channels_;
};

double rounded(double value, double step) { return std::round(value / step) * step; }

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kWrongPhase:
      return "wrong_phase";
    case Verdict::kReversed:
      return "reversed";
    case Verdict::kWrongPhaseReversed:
      return "wrong_phase_reversed";
    case Verdict::kNoCurrent:
      return "no_current";
    case Verdict::kOverrange:
      return "overrange";
    case Verdict::kUndecided:
      return "undecided";
  }
  return "undecided";
}

bool is_wiring_fix(Verdict verdict) {
  return verdict == Verdict::kWrongPhase || verdict == Verdict::kReversed ||
         verdict == Verdict::kWrongPhaseReversed;
}

int Diagnosis::fixes() const {
  return static_cast<int>(std::count_if(inputs.begin(), inputs.end(), [](const InputDiagnosis& d) {
    return is_wiring_fix(d.verdict) && d.fixable;
  }));
}

Diagnosis diagnose(const model::Installation& installation,
                   const metering::WindowPhasors& phasors) {
  return Diagnoser(installation, phasors).run();
}

nlohmann::json to_json(const Diagnosis& diagnosis) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const InputDiagnosis& d : diagnosis.inputs) {
    nlohmann::json evidence = {
        {"angle_deg", rounded(d.evidence.angle_deg, 0.1)},
        {"p_w", rounded(d.evidence.p_w, 0.1)},
        {"pf", rounded(d.evidence.pf, 0.001)},
        {"i_a", rounded(d.evidence.i_a, 0.001)},
        {"basis", d.evidence.basis},
    };
    nlohmann::json angles = nlohmann::json::object();
    for (const auto& [phase, angle] : d.evidence.angles_deg) {
      angles[phase_text(phase)] = rounded(angle, 0.1);
    }
    evidence["angles_deg"] = angles;
    if (d.evidence.kcl_residual_a) {
      evidence["kcl_residual_a"] = rounded(*d.evidence.kcl_residual_a, 0.001);
    }
    if (d.evidence.conductor) {
      evidence["conductor"] = phase_text(*d.evidence.conductor);
    }
    nlohmann::json item = {
        {"input", d.input.to_string()},
        {"load", d.load},
        {"configured_phase", phase_text(d.configured_phase)},
        {"configured_reversed", d.configured_reversed},
        {"detected_phase",
         d.detected_phase ? nlohmann::json(phase_text(*d.detected_phase)) : nlohmann::json()},
        {"reversed", d.reversed},
        {"verdict", verdict_name(d.verdict)},
        {"fixable", d.fixable},
        {"evidence", evidence},
    };
    if (!d.why.empty()) {
      item["why"] = d.why;
    }
    inputs.push_back(std::move(item));
  }
  return {{"inputs", inputs},
          {"fixes", diagnosis.fixes()},
          {"seconds", rounded(diagnosis.seconds, 0.001)}};
}

}  // namespace kirchhoff::diagnostics
