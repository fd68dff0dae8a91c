// A user-written sampler: anything with the sampler role and ask(ask_context, unit point) works with
// every study. This one does coordinate-wise local search around the best trial so far, falling
// back to random points until it has one. See docs/concepts/sampler.md.
#include <htune/problems/branin.hpp>
#include <htune/samplers/random.hpp>
#include <htune/samplers/sampler.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <algorithm>
#include <iostream>

using namespace htune;

struct local_search {
    using htune_role = role::sampler; // opts in to the role
    double radius = 0.1;              // in unit-cube coordinates

    void ask(samplers::ask_context const& ctx, std::span<double> unit) const {
        // ctx.history holds finished trials in trial-number order, failed ones left out.
        auto const best = std::min_element(ctx.history.begin(), ctx.history.end(),
                                           [](auto const& a, auto const& b) { return a.loss < b.loss; });
        if (ctx.history.size() < 5 || best == ctx.history.end()) {
            samplers::random{}.ask(ctx, unit);
            return;
        }
        // ctx.random is this trial's own stream: the same seed gives the same trials.
        for (std::size_t i = 0; i < unit.size(); ++i) {
            double const centre = samplers::is_active(best->unit[i]) ? best->unit[i] : 0.5;
            double const u = centre + radius * (2 * uniform01(*ctx.random) - 1);
            unit[i] = samplers::snap_to_unit(ctx.dims[i], std::clamp(u, 0.0, 1.0));
        }
    }
};
static_assert(concepts::sampler<local_search>);

int main() {
    using space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>;
    problems::branin const branin;
    tune::study<space, local_search> study{space{}, local_search{.radius = 0.05}, {.seed = 3}};
    study.optimize([&](auto const& t) { return branin(t.template get<"x">(), t.template get<"y">()); }, 100);
    std::cout << "best " << study.best_value() << " at " << study.best_config() << '\n';
}
