#pragma once
// none: never prunes. The study's default pruner; with it, should_prune() costs a branch.

#include "pruner.hpp"

namespace htune::pruners {

struct none {
    using htune_role = htune::role::pruner;
    static constexpr bool never_prunes = true; // lets the study skip building a context
    bool should_prune(prune_context const&) const noexcept { return false; }
};

} // namespace htune::pruners
