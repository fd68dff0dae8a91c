#pragma once
// random: independent uniform draws in the unit cube (log params uniform in log space, discrete and
// categorical values equally likely). The baseline every other sampler must beat, and the start-up
// design of the model-based ones.

#include <cstddef>
#include <span>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "dimension.hpp"
#include "sampler.hpp"

namespace htune::samplers {

namespace detail {
inline void draw_uniform(std::span<dimension const> dims, rng& g, std::span<double> unit) {
    for (std::size_t i = 0; i < dims.size(); ++i) unit[i] = snap_to_unit(dims[i], uniform01(g));
}
} // namespace detail

class random {
public:
    using htune_role = role::sampler;
    static constexpr std::string_view name = "random";

    void ask(ask_context const& ctx, std::span<double> unit) const {
        HTUNE_ASSERT(ctx.random != nullptr && unit.size() == ctx.dims.size());
        detail::draw_uniform(ctx.dims, *ctx.random, unit);
    }
};

} // namespace htune::samplers
