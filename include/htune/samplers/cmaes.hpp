#pragma once
// cmaes<Options...>: (mu/mu_w, lambda)-CMA-ES with IPOP restarts on the unit cube, as Optuna's
// CmaEsSampler(restart_strategy="ipop") with the `cmaes` package 0.9.1 does it.
// Options: population<N> (lambda of the first run), restarts<B> / no_restarts, population_growth<N>.
// Run-time form: cmaes<>{{.sigma0 = 0.3, .margin = 0.05}} (cmaes_options, detail/cmaes_engine.hpp).
//
// The search starts at once (Optuna's one random startup trial only serves to find its search space)
// from the centre of the cube with sigma0 = 1/6. When a run meets one of `cmaes`' termination tests
// (tolfun, tolx, tolxup, no effect of a coordinate or an axis, condition number above 1e14) or
// IPOP's stagnation test, the next run starts at a uniform random point with population_growth times
// the population (at most 65536).
//
// Generations, and why a study replays: the sampler's state is a function of the trials it is shown,
// never of when it was shown them. Trials are taken in trial-number order up to the first one still
// running; each complete (or pruned, see pruned_trials) trial joins the current generation, failed
// and enqueued trials are skipped, and lambda members make an update. A trial's proposal is drawn
// from the current distribution with the stream rng::stream(seed, trial number, salt), redrawn when
// it leaves the cube. So one trial at a time gives generations of exactly lambda trials, each drawn
// from its own generation's distribution; a failed trial is replaced by the next one asked.
// In parallel, trials asked while their generation was still open (all lambda proposals out, some
// unfinished) are drawn from the current distribution and join the next generation. A member is
// drawn again from its generation's distribution with its own stream: where that draw gives the
// evaluated coordinate the update learns from the draw, elsewhere from the evaluated coordinate,
// and then the member is an injected solution whose step is clipped (Hansen 2011). A trial still
// running holds back the update of the trials after it. A fresh sampler shown the same history gives
// the same proposals, also mid-study (a resumed journal).
//
// Discrete dimensions: proposals are snapped to slice centres and the update learns from the unsnapped
// draw. As in CMA-ES with margin (Hamano et al. 2022), a discrete coordinate leaves the slice of its
// mean with probability >= margin (default 1 / (d lambda)), so it does not freeze when sigma shrinks:
// its spread is kept >= (w / 2) / Phi^-1(1 - margin / 2), w the slice width, and its mean close enough
// to the slice's boundaries. Log ints are continuous in the cube: rounded by the study, their trials
// are injected solutions. Conditional dimensions: an inactive coordinate is learnt from the value the
// sampler proposed for it. Categorical dimensions are rejected by setup() with htune::invalid_argument.

#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/roles.hpp"
#include "detail/cmaes_engine.hpp"
#include "dimension.hpp"
#include "sampler.hpp"

namespace htune::samplers {

// lambda of the first run (0: 4 + floor(3 ln d)).
template <std::size_t N>
struct population {
    static constexpr std::size_t value = N;
};

// IPOP restarts (on by default).
template <bool On>
struct restarts {
    static constexpr bool value = On;
};
using no_restarts = restarts<false>;

// Factor of lambda at each restart.
template <std::size_t N>
struct population_growth {
    static constexpr std::size_t value = N;
};

namespace detail {
template <class Option>
struct cmaes_option_traits {
    static_assert(sizeof(Option) == 0, "htune::samplers::cmaes: a template option must be population<N>, "
                                       "restarts<B> (no_restarts) or population_growth<N>; sigma0, margin, "
                                       "pruned and tolfun are run-time options (cmaes_options)");
};
template <std::size_t N>
struct cmaes_option_traits<population<N>> {
    static constexpr void apply(cmaes_options& o) { o.population = N; }
};
template <bool On>
struct cmaes_option_traits<restarts<On>> {
    static constexpr void apply(cmaes_options& o) { o.restarts = On; }
};
template <std::size_t N>
struct cmaes_option_traits<population_growth<N>> {
    static constexpr void apply(cmaes_options& o) { o.population_growth = N; }
};

template <class... Options>
constexpr cmaes_options make_cmaes_options() {
    cmaes_options o;
    (cmaes_option_traits<Options>::apply(o), ...);
    return o;
}
} // namespace detail

template <class... Options>
class cmaes {
public:
    using htune_role = htune::role::sampler;
    static constexpr bool supports_categorical = false;

    // Options in the type are the defaults of the run-time ones.
    static constexpr cmaes_options default_options = detail::make_cmaes_options<Options...>();
    static_assert((detail::validate_cmaes_options(default_options), true));

    cmaes() : m_engine(default_options) {}
    explicit cmaes(cmaes_options const& options) : m_engine(options) {}

    // Throws htune::invalid_argument naming the first categorical dimension.
    void setup(std::span<dimension const> dims) { m_engine.setup(dims); }

    void ask(ask_context const& ctx, std::span<double> unit) { m_engine.ask(ctx, unit); }

    cmaes_options const& options() const noexcept { return m_engine.options(); }

    // Restarts, population, generation and step size after the last ask.
    cmaes_progress progress() const noexcept { return m_engine.progress(); }

private:
    detail::cmaes_engine m_engine;
};

} // namespace htune::samplers
