#pragma once
// Mini-batches of row indices: a new permutation per epoch, cut into batches of a fixed size.
//
// All memory (one index per sample) is taken at construction; an epoch only reshuffles it and a
// batch is a span into it, so the training loop never allocates. A typical loop:
//
//     data::batch_sampler batches(train.size(), 64, rng::stream(seed, trial));
//     for (std::size_t e = 0; e < epochs; ++e)
//         for (std::span<std::size_t const> rows : batches.epoch()) data::gather(train, rows, batch);

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <span>
#include <vector>

#include "../core/errors.hpp"
#include "../core/rng.hpp"

namespace htune::data {

// Batches in an epoch of n samples; with drop_last a short final batch is not counted.
constexpr std::size_t batch_count(std::size_t n, std::size_t batch_size, bool drop_last = false) {
    HTUNE_CHECK(batch_size > 0, "htune::data::batch_count: batch_size must be > 0");
    return drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
}

struct batch_options {
    bool drop_last = false; // skip the final batch when it is smaller than batch_size
    bool shuffle = true;    // false: rows in order every epoch (evaluation)
};

class batch_sampler {
public:
    // Iterates the batches of the current epoch; each is a span of row indices.
    class iterator {
    public:
        using value_type = std::span<std::size_t const>;
        using reference = value_type;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::input_iterator_tag;
        using iterator_concept = std::forward_iterator_tag;

        iterator() = default;
        iterator(batch_sampler const* owner, std::size_t index) noexcept : m_owner(owner), m_index(index) {}

        value_type operator*() const noexcept { return m_owner->batch(m_index); }
        iterator& operator++() noexcept {
            ++m_index;
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator old = *this;
            ++m_index;
            return old;
        }
        friend bool operator==(iterator const& a, iterator const& b) noexcept { return a.m_index == b.m_index; }

    private:
        batch_sampler const* m_owner = nullptr;
        std::size_t m_index = 0;
    };

    // The batches of one epoch, for range-for.
    struct range {
        batch_sampler const* owner;
        iterator begin() const noexcept { return {owner, 0}; }
        iterator end() const noexcept { return {owner, owner->batches()}; }
        std::size_t size() const noexcept { return owner->batches(); }
    };

    // `generator` is copied: the sampler owns its stream, so its epochs depend only on the seed.
    batch_sampler(std::size_t samples, std::size_t batch_size, rng generator, batch_options options = {})
        : m_order(samples), m_batch_size(batch_size), m_generator(generator), m_options(options) {
        HTUNE_CHECK(batch_size > 0, "htune::data::batch_sampler: batch_size must be > 0");
        std::iota(m_order.begin(), m_order.end(), std::size_t{0});
        m_batches = batch_count(samples, batch_size, options.drop_last);
    }

    // Starts a new epoch (a fresh permutation when shuffling) and returns its batches.
    range epoch() {
        if (m_options.shuffle) htune::shuffle(std::span<std::size_t>(m_order), m_generator);
        ++m_epochs;
        return range{this};
    }

    // Batch b of the current epoch: batch_size rows, the last one possibly fewer.
    std::span<std::size_t const> batch(std::size_t b) const noexcept {
        HTUNE_ASSERT(b < m_batches);
        std::size_t const first = b * m_batch_size;
        return {m_order.data() + first, std::min(m_batch_size, m_order.size() - first)};
    }

    std::size_t batches() const noexcept { return m_batches; }
    std::size_t batch_size() const noexcept { return m_batch_size; }
    std::size_t samples() const noexcept { return m_order.size(); }
    std::size_t epochs() const noexcept { return m_epochs; }                // epoch() calls so far
    std::span<std::size_t const> order() const noexcept { return m_order; } // the current permutation

private:
    std::vector<std::size_t> m_order;
    std::size_t m_batch_size;
    std::size_t m_batches = 0;
    std::size_t m_epochs = 0;
    rng m_generator;
    batch_options m_options;
};

} // namespace htune::data
