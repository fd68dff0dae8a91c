#pragma once
// The run state every optimizer shares, with the update rule as the policy (ensmallen's
// AdamType<UpdateRule> is the model): the parameter count, the step count, K buffers of n values
// (moments, velocities), the checks on every step, reset, and the serial step. An optimizer is its
// hyperparameters and its rule:
//
//   struct my_optimizer {
//       using htune_role = role::optimizer;
//       static constexpr std::string_view name = "my_optimizer";
//       static constexpr std::size_t buffers = 1;           // per-parameter buffers
//       bool uses_buffer(std::size_t k) const;              // false: the buffer stays empty
//       double buffer_start(std::size_t k) const;           // its value at step 0 and after reset()
//       void validate() const;                              // throws on a bad hyperparameter
//       template <class T, class Split>
//       void update(optim::step_args<T, 1> const& a, Split& split) const;   // one step
//       template <class T>
//       using state = optim::state<my_optimizer, T>;
//   };
//
// update() gets the pointers and the step number (1 for the first step); it splits its loop with
// split(n, [=](std::size_t begin, std::size_t end) { ... }) so that a thread_team may share it out.
// A buffer that uses_buffer() says is unused has a null pointer: never offset it.

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "../core/thread_team.hpp"
#include "detail/checks.hpp"

namespace htune::optim {

// What one step of an update rule works on.
template <class T, std::size_t K>
struct step_args {
    std::size_t n;
    T* p;                    // the parameters, updated in place
    T const* g;              // their gradients
    std::array<T*, K> state; // the rule's buffers, null where unused
    T lr;                    // the learning rate of this step
    std::size_t step;        // 1 for the first step
};

template <class Optimizer, class T>
class state {
    static_assert(std::is_floating_point_v<T>, "htune::optim::state<Optimizer, T>: T must be a floating type");
    static constexpr std::size_t K = Optimizer::buffers;

public:
    state(Optimizer const& opt, std::size_t n) : m_opt(opt), m_n(n) {
        m_opt.validate();
        for (std::size_t k = 0; k < K; ++k)
            if (m_opt.uses_buffer(k)) m_buffers[k].assign(n, static_cast<T>(m_opt.buffer_start(k)));
    }

    void step(std::span<T> params, std::span<T const> grads, T lr) { step(params, grads, lr, serial_ranges{}); }

    // The same update, its loop split by `split` (serial_ranges or a thread_team): element-wise,
    // so the result is the same bits however it is split.
    template <class Split>
    void step(std::span<T> params, std::span<T const> grads, T lr, Split&& split) {
        detail::check_step(Optimizer::name, m_n, params.size(), grads.size(), lr);
        ++m_steps;
        step_args<T, K> a{m_n, params.data(), grads.data(), {}, lr, m_steps};
        for (std::size_t k = 0; k < K; ++k) a.state[k] = m_buffers[k].empty() ? nullptr : m_buffers[k].data();
        m_opt.update(a, split);
    }

    // Back to the state of a fresh optimizer, keeping the buffers.
    void reset() noexcept {
        for (std::size_t k = 0; k < K; ++k)
            std::fill(m_buffers[k].begin(), m_buffers[k].end(), static_cast<T>(m_opt.buffer_start(k)));
        m_steps = 0;
    }

    std::size_t size() const noexcept { return m_n; }
    std::size_t steps() const noexcept { return m_steps; }
    Optimizer const& hyperparameters() const noexcept { return m_opt; }

private:
    Optimizer m_opt;
    std::size_t m_n;
    std::size_t m_steps = 0;
    std::array<std::vector<T>, K> m_buffers;
};

} // namespace htune::optim
