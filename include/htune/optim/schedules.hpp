#pragma once
// Learning-rate schedules: `double factor(progress const&) const` is the multiplier of the base
// learning rate at a point of training. Template arguments give the defaults, public members the
// values used, so a rate found by a search is set at run time without a new instantiation:
//   linear_warmup<cosine<0.01>, 500> s;  s.warmup_steps = 200;  lr = base_lr * s.factor(p);
// Each number slot also takes hp<"name">{} for a tuner to fill (tune/bind.hpp).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string_view>

#include "../core/concepts/schedule.hpp"
#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/roles.hpp"
#include "../core/slots.hpp"
#include "../core/training_progress.hpp"
#include "detail/checks.hpp"

namespace htune::optim {

// Where training stands (core/training_progress.hpp).
using progress = htune::training_progress;

// The base rate throughout.
struct constant {
    using htune_role = role::schedule;
    static constexpr std::string_view name = "htune::optim::constant";

    void validate() const {}
    double factor(progress const&) const noexcept { return 1.0; }
};

// gamma^(epoch / step_size): the rate is multiplied by gamma every step_size epochs
// (torch.optim.lr_scheduler.StepLR).
template <auto StepSize = std::size_t{10}, auto Gamma = 0.1>
struct step_decay {
    using htune_role = role::schedule;
    static constexpr std::string_view name = "htune::optim::step_decay";
    std::size_t step_size = slot_count<StepSize>();
    double gamma = slot_number<double, Gamma>();

    void htune_slots(auto&& visit) {
        visit(number_slot<StepSize, "optim::step_decay step_size">(step_size),
              number_slot<Gamma, "optim::step_decay gamma">(gamma));
    }

    void validate() const {
        HTUNE_CHECK(step_size > 0, name, ": step_size (", step_size, ") must be > 0");
        detail::check_positive(name, "gamma", gamma);
    }
    double factor(progress const& p) const { return std::pow(gamma, static_cast<double>(p.epoch / step_size)); }
};

// gamma^epoch (torch.optim.lr_scheduler.ExponentialLR).
template <auto Gamma = 0.95>
struct exponential {
    using htune_role = role::schedule;
    static constexpr std::string_view name = "htune::optim::exponential";
    double gamma = slot_number<double, Gamma>();

    void htune_slots(auto&& visit) { visit(number_slot<Gamma, "optim::exponential gamma">(gamma)); }
    void validate() const { detail::check_positive(name, "gamma", gamma); }
    double factor(progress const& p) const { return std::pow(gamma, static_cast<double>(p.epoch)); }
};

// Cosine annealing per step, from 1 at step 0 to eta_min_factor at step == steps, then flat
// (torch.optim.lr_scheduler.CosineAnnealingLR with T_max = steps, stepped every batch).
template <auto EtaMinFactor = 0.0>
struct cosine {
    using htune_role = role::schedule;
    static constexpr std::string_view name = "htune::optim::cosine";
    double eta_min_factor = slot_number<double, EtaMinFactor>();

    void htune_slots(auto&& visit) { visit(number_slot<EtaMinFactor, "optim::cosine eta_min_factor">(eta_min_factor)); }

    void validate() const { detail::check_unit_closed(name, "eta_min_factor", eta_min_factor); }
    double factor(progress const& p) const {
        HTUNE_CHECK(p.steps > 0, name,
                    ": progress.steps (0) must be > 0: annealing needs the planned number of steps (inside ",
                    "linear_warmup, the steps after warmup)");
        double const t = static_cast<double>(std::min(p.step, p.steps)) / static_cast<double>(p.steps);
        return eta_min_factor + (1.0 - eta_min_factor) * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
    }
};

// Linear warmup from start_factor to 1 over warmup_steps steps, then Inner. Inner sees the steps
// counted from the end of warmup (step - warmup_steps of steps - warmup_steps), so a cosine
// after warmup anneals over the remaining steps; epochs are passed on unchanged.
template <class Inner = constant, auto WarmupSteps = std::size_t{100}, auto StartFactor = 0.0>
struct linear_warmup {
    static_assert(concepts::schedule<Inner> || holds_hp_v<Inner>,
                  "htune::optim::linear_warmup<Inner>: Inner is not a schedule; it needs "
                  "`using htune_role = htune::role::schedule;` and `double factor(progress const&) const`");

    using htune_role = role::schedule;
    static constexpr std::string_view name = "htune::optim::linear_warmup";

    Inner inner{};
    std::size_t warmup_steps = slot_count<WarmupSteps>();
    double start_factor = slot_number<double, StartFactor>();

    // Binding hook (core/slots.hpp): Inner is a type slot, the warmup's length and start number slots.
    void htune_slots(auto&& visit) {
        visit(inner, number_slot<WarmupSteps, "optim::linear_warmup warmup_steps">(warmup_steps),
              number_slot<StartFactor, "optim::linear_warmup start_factor">(start_factor));
    }
    using type_slots = type_list<Inner>;
    template <class I>
    using with_type_slots = linear_warmup<I, WarmupSteps, StartFactor>;

    void validate() const {
        detail::check_unit_closed(name, "start_factor", start_factor);
        if constexpr (requires { inner.validate(); }) inner.validate();
    }
    double factor(progress const& p) const {
        if (p.step < warmup_steps)
            return start_factor +
                   (1.0 - start_factor) * static_cast<double>(p.step) / static_cast<double>(warmup_steps);
        progress after = p;
        after.step = p.step - warmup_steps;
        after.steps = p.steps > warmup_steps ? p.steps - warmup_steps : 0;
        return inner.factor(after);
    }
};

} // namespace htune::optim
