#pragma once
// The part of samplers::cmaes that does not depend on its template options: which finished trials
// form which generation, the restarts, and the cache that lets a long study avoid replaying itself
// at every ask. See cmaes.hpp for the rules.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <vector>

#include "../../core/errors.hpp"
#include "../../core/rng.hpp"
#include "../dimension.hpp"
#include "../sampler.hpp"
#include "cma_run.hpp"

namespace htune::samplers {

// How pruned trials take part in a generation (Optuna ignores them unless consider_pruned_trials).
enum class pruned_trials {
    rank_last, // members, ranked after every complete one: further step first, then lower loss
    use_value, // members, ranked by their last intermediate value as if it were the loss
    ignore     // not members: the generation waits for more trials, as Optuna's default
};

// Run-time options; the template options of cmaes<...> give their defaults.
struct cmaes_options {
    std::size_t population = 0;        // lambda of the first run; 0: 4 + floor(3 ln d)
    double sigma0 = 1.0 / 6.0;         // initial step size in the unit cube (Optuna: min range / 6)
    bool restarts = true;              // IPOP: restart on termination with a larger population
    std::size_t population_growth = 2; // lambda factor at each restart (Optuna's inc_popsize)
    std::optional<double> margin{};    // of discrete coordinates, in [0, 0.5); unset: 1 / (d lambda)
    pruned_trials pruned = pruned_trials::rank_last;
    double tolfun = 1e-12; // restart when the losses of recent generations span less
};

// Where the sampler stands after its last ask, for tests and reports.
struct cmaes_progress {
    std::uint64_t restarts = 0;    // runs started after the first
    std::size_t population = 0;    // lambda of the current run
    std::uint64_t generation = 0;  // updates of the current run
    std::uint64_t generations = 0; // updates of all runs
    std::size_t members = 0;       // finished members of the current generation so far
    std::uint64_t settled = 0;     // trials 0 .. settled - 1 have been taken into account
    std::uint64_t injected = 0;    // members not drawn from their generation's distribution (parallel
                                   // runs, rounded coordinates such as log ints), learnt from clipped
    double sigma = 0.0;            // step size of the current run
};

namespace detail {

inline constexpr std::size_t cmaes_max_population = std::size_t{1} << 16;

template <class... Args>
constexpr void cmaes_check(bool ok, Args const&... args) {
    if (!ok) htune::detail::throw_error<invalid_argument>("htune::samplers::cmaes: ", args...);
}

constexpr bool cmaes_finite(double x) noexcept {
    return x == x && x - x == 0.0;
}

// One check for options given as template arguments (a compile error) and at run time (an exception).
constexpr void validate_cmaes_options(cmaes_options const& o) {
    cmaes_check(o.population == 0 || (o.population >= 2 && o.population <= cmaes_max_population), "population (",
                o.population, ") must be 0 (automatic: 4 + floor(3 ln d)) or in [2, ", cmaes_max_population, "]");
    cmaes_check(o.sigma0 > 0.0 && cmaes_finite(o.sigma0), "sigma0 (", o.sigma0, ") must be > 0 and finite");
    cmaes_check(o.population_growth >= 1 && o.population_growth <= 16, "population_growth (", o.population_growth,
                ") must be in [1, 16]");
    cmaes_check(!o.margin || (*o.margin >= 0.0 && *o.margin < 0.5), "margin (", o.margin.value_or(0.0),
                ") must be in [0, 0.5)");
    cmaes_check(o.tolfun >= 0.0 && cmaes_finite(o.tolfun), "tolfun (", o.tolfun, ") must be >= 0 and finite");
    cmaes_check(o.pruned == pruned_trials::rank_last || o.pruned == pruned_trials::use_value ||
                    o.pruned == pruned_trials::ignore,
                "pruned (", static_cast<int>(o.pruned), ") is not a pruned_trials value");
}

class cmaes_engine {
public:
    explicit cmaes_engine(cmaes_options const& options) : m_options(options) { validate_cmaes_options(options); }

    cmaes_options const& options() const noexcept { return m_options; }

    void setup(std::span<dimension const> dims) {
        for (auto const& d : dims) {
            cmaes_check(d.kind != dimension_kind::categorical, "dimension \"", d.name,
                        "\" is categorical; CMA-ES needs ordered dimensions (use tpe or random for a choice)");
            cmaes_check(d.kind != dimension_kind::discrete || d.count > 0, "dimension \"", d.name,
                        "\" is discrete with no values");
        }
        m_dims.clear();
        for (auto const& d : dims) { // only kinds and counts are kept: names may not outlive setup
            dimension kept;
            kept.kind = d.kind;
            kept.count = d.count;
            m_dims.push_back(kept);
        }
        m_started = false;
    }

    void ask(ask_context const& ctx, std::span<double> unit) {
        cmaes_check(unit.size() == ctx.dims.size(), "ask() got ", unit.size(), " coordinates for ", ctx.dims.size(),
                    " dimensions");
        if (!same_dims(ctx.dims)) setup(ctx.dims);
        if (m_dims.empty()) return;
        if (!m_started || ctx.seed != m_seed) reset(ctx.seed);
        if (!advance(ctx)) {
            // What was taken into account is not a prefix of this history: start again from it.
            reset(ctx.seed);
            advance(ctx);
        }
        rng g = rng::stream(ctx.seed, ctx.number, sample_salt);
        m_run.sample(g, m_raw, unit, m_z);
    }

    cmaes_progress progress() const noexcept {
        if (!m_started) return {};
        return {m_restarts,    m_run.lambda(), m_run.generation(), m_generations,
                m_keys.size(), m_settled,      m_injected_total,   m_run.sigma()};
    }

private:
    static constexpr std::uint64_t sample_salt = 0x636d6165732d736dULL;  // "cmaes-sm"
    static constexpr std::uint64_t restart_salt = 0x636d6165732d7273ULL; // "cmaes-rs"

    struct member_key {
        int rank = 0;        // 0: complete (or a pruned value used as a loss), 1: pruned
        double first = 0.0;  // the loss, or minus the pruned step
        double second = 0.0; // the loss of a pruned trial
        std::uint64_t number = 0;
        double loss = 0.0;

        friend bool operator<(member_key const& a, member_key const& b) noexcept {
            if (a.rank != b.rank) return a.rank < b.rank;
            if (a.first != b.first) return a.first < b.first;
            if (a.second != b.second) return a.second < b.second;
            return a.number < b.number;
        }
    };

    bool same_dims(std::span<dimension const> dims) const noexcept {
        if (dims.size() != m_dims.size()) return false;
        for (std::size_t i = 0; i < dims.size(); ++i)
            if (dims[i].kind != m_dims[i].kind || dims[i].count != m_dims[i].count) return false;
        return true;
    }

    void reset(std::uint64_t seed) {
        m_started = true;
        m_seed = seed;
        m_restarts = 0;
        m_generations = 0;
        m_injected_total = 0;
        m_settled = 0;
        m_hash = 0;
        std::size_t const n = m_dims.size();
        m_raw.assign(n, 0.0);
        m_proposal.assign(n, 0.0);
        std::size_t const lambda = m_options.population ? m_options.population : default_population(n);
        start_run(std::vector<double>(n, 0.5), lambda); // Optuna: the centre of the box
    }

    void start_run(std::vector<double> const& mean, std::size_t lambda) {
        double const margin = m_options.margin.value_or(1.0 / static_cast<double>(m_dims.size() * lambda));
        m_run = cma_run(m_dims, mean, lambda, {m_options.sigma0, margin, m_options.tolfun});
        m_x.clear();
        m_injected.clear();
        m_keys.clear();
    }

    static std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
        std::uint64_t s = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
        return splitmix64(s);
    }

    static std::uint64_t fingerprint(std::uint64_t h, observation const& o) noexcept {
        h = mix(h, 2 + (o.pruned ? 2 : 0) + (o.enqueued ? 4 : 0));
        h = mix(h, std::bit_cast<std::uint64_t>(o.loss));
        h = mix(h, o.pruned_step);
        std::uint64_t u = 0xcbf29ce484222325ULL; // coordinates by FNV-1a steps: cheaper, strong enough here
        for (double v : o.unit) u = (u ^ std::bit_cast<std::uint64_t>(v)) * 0x100000001b3ULL;
        return mix(h, u);
    }

    // Takes the settled trials of ctx into account: trial numbers 0, 1, ... up to the first one
    // that is neither in the history nor failed (it is still running). Returns false when the
    // trials taken into account before are not the start of ctx's.
    bool advance(ask_context const& ctx) {
        std::uint64_t h = mix(0, m_seed);
        std::size_t hi = 0;
        std::size_t fi = 0;
        std::uint64_t p = 0;
        for (; p < ctx.number; ++p) {
            while (hi < ctx.history.size() && ctx.history[hi].number < p) ++hi;
            while (fi < ctx.failed.size() && ctx.failed[fi] < p) ++fi;
            observation const* o = hi < ctx.history.size() && ctx.history[hi].number == p ? &ctx.history[hi] : nullptr;
            bool const failed = !o && fi < ctx.failed.size() && ctx.failed[fi] == p;
            if (!o && !failed) break;
            h = o ? fingerprint(mix(h, p), *o) : mix(mix(h, p), 1);
            if (p < m_settled) {
                if (p + 1 == m_settled && h != m_hash) return false;
                continue;
            }
            if (o) deal(*o);
            m_settled = p + 1;
            m_hash = h;
        }
        return p >= m_settled;
    }

    // A finished trial joins the current generation. Its proposal is drawn again from this
    // generation's distribution and its own stream; the update learns from that draw (unclipped,
    // unsnapped) in every coordinate where it gives the evaluated point, and in inactive ones, and
    // from the evaluated point elsewhere. A trial with such a coordinate (asked while an older
    // distribution was current, or with a rounded coordinate: log ints are continuous in the unit
    // cube) is an injected solution.
    void deal(observation const& o) {
        if (o.enqueued) return;
        if (o.pruned && m_options.pruned == pruned_trials::ignore) return;
        std::size_t const n = m_dims.size();
        rng g = rng::stream(m_seed, o.number, sample_salt);
        m_run.sample(g, m_raw, m_proposal, m_z);
        bool matched = true;
        for (std::size_t i = 0; i < n; ++i) {
            double const u = i < o.unit.size() ? o.unit[i] : inactive;
            bool same = !is_active(u);
            if (!same && m_dims[i].kind == dimension_kind::discrete)
                same = unit_to_index(u, m_dims[i].count) == unit_to_index(m_proposal[i], m_dims[i].count);
            else if (!same) same = std::abs(u - m_proposal[i]) <= 1e-9 + 1e-6 * m_run.spread(i);
            m_x.push_back(same ? m_raw[i] : u);
            matched = matched && same;
        }
        m_injected.push_back(matched ? 0 : 1);
        m_injected_total += matched ? 0 : 1;
        member_key key;
        key.number = o.number;
        key.loss = o.loss;
        if (o.pruned && m_options.pruned == pruned_trials::rank_last) {
            key.rank = 1;
            key.first = -static_cast<double>(o.pruned_step);
            key.second = o.loss;
        } else {
            key.first = o.loss;
        }
        m_keys.push_back(key);
        if (m_keys.size() == m_run.lambda()) update();
    }

    void update() {
        std::size_t const n = m_dims.size();
        std::size_t const lambda = m_keys.size();
        std::vector<std::size_t> order(lambda);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m_keys[a] < m_keys[b]; });
        std::vector<double> x(lambda * n);
        std::vector<char> injected(lambda);
        for (std::size_t k = 0; k < lambda; ++k) {
            std::copy_n(m_x.begin() + static_cast<std::ptrdiff_t>(order[k] * n), n,
                        x.begin() + static_cast<std::ptrdiff_t>(k * n));
            injected[k] = m_injected[order[k]];
        }
        m_run.tell(x, injected, m_keys[order.front()].loss, m_keys[order.back()].loss, m_keys[order[lambda / 2]].loss);
        ++m_generations;
        m_x.clear();
        m_injected.clear();
        m_keys.clear();

        bool const broken = !m_run.finite();
        if (broken || (m_options.restarts && m_run.should_stop())) {
            ++m_restarts;
            std::size_t next = m_run.lambda();
            if (m_options.restarts) next = std::min(next * m_options.population_growth, cmaes_max_population);
            rng g = rng::stream(m_seed, restart_salt, m_restarts);
            std::vector<double> mean(n);
            for (double& v : mean) v = uniform01(g); // Optuna: a uniform start point at each restart
            start_run(mean, next);
        }
    }

    cmaes_options m_options;
    std::vector<dimension> m_dims;
    bool m_started = false;
    std::uint64_t m_seed = 0;
    cma_run m_run;
    std::uint64_t m_restarts = 0;
    std::uint64_t m_generations = 0;
    std::uint64_t m_injected_total = 0;
    // The current generation's finished members: points (members x d), injected flags, ranks.
    std::vector<double> m_x;
    std::vector<char> m_injected;
    std::vector<member_key> m_keys;
    // Trials 0 .. m_settled - 1 are taken into account; m_hash fingerprints them.
    std::uint64_t m_settled = 0;
    std::uint64_t m_hash = 0;
    std::vector<double> m_raw;
    std::vector<double> m_proposal;
    std::vector<double> m_z;
};

} // namespace detail
} // namespace htune::samplers
